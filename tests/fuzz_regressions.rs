//! Inputs the fuzz targets (fuzz/fuzz_targets/) once crashed on, replayed through the same
//! code paths. Every file in tests/fuzz/ goes through every target's checks; the file name
//! (`<target>-<short-name>.bin`) says which target found it.

use std::path::{Path, PathBuf};

use docvar::document::Document;
use docvar::drift::{compare, CopyFormat, Options};
use docvar::export;
use docvar::project::parse_variant;

/// fuzz_targets/export_text.rs
fn export_text(text: &str) {
    let _ = export::to_text(text);
    let _ = export::to_html(text);
}

/// fuzz_targets/block_split.rs
fn block_split(text: &str) {
    let line_count = text.matches('\n').count() + 1;
    let doc = Document::parse(text);
    for b in &doc.blocks {
        let [start, end] = b.lines;
        assert!(start >= 1, "block lines are 1-based: {b:?}");
        assert!(start <= end, "block starts after it ends: {b:?}");
        assert!(
            end <= line_count,
            "block ends past line {line_count}: {b:?}"
        );
    }
}

fn inside(lines: Option<[usize; 2]>, text: &str) -> bool {
    let count = text.split('\n').count();
    lines.is_none_or(|[a, b]| 1 <= a && a <= b && b <= count)
}

/// fuzz_targets/drift.rs
fn drift(text: &str) {
    let (expected, published) = text.split_once('\0').unwrap_or((text, ""));
    let opts = Options::default();
    for format in [CopyFormat::Markdown, CopyFormat::Text] {
        let a = compare(expected, published, format, &[], &opts);
        for h in &a.hunks {
            assert!(inside(h.published_lines, &a.published_text), "{h:#?}");
            assert!(inside(h.expected_lines, &a.expected_text), "{h:#?}");
        }
    }
    let same = compare(expected, expected, CopyFormat::Markdown, &[], &opts);
    assert!(
        same.hunks.is_empty(),
        "self-compare drifted: {:#?}",
        same.hunks
    );
    if !expected.contains('\r') {
        let crlf = format!("\u{feff}{}", expected.replace('\n', "\r\n"));
        let c = compare(expected, &crlf, CopyFormat::Markdown, &[], &opts);
        assert!(c.hunks.is_empty(), "CRLF + BOM drifted: {:#?}", c.hunks);
    }
}

/// fuzz_targets/variant_loader.rs
fn variant_loader(text: &str) {
    const PAGES: &[&str] = &["disaster-recovery-raci", "roles-and-responsibilities"];
    let _ = parse_variant(Path::new("variants/fuzz.toml"), text, PAGES);
}

fn inputs() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "bin"))
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "no regression inputs in {}",
        dir.display()
    );
    files
}

fn replay(check: fn(&str)) {
    for path in inputs() {
        let bytes = std::fs::read(&path).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let result = std::panic::catch_unwind(|| check(&text));
        assert!(result.is_ok(), "{} failed", path.display());
    }
}

#[test]
fn export_text_regressions() {
    replay(export_text);
}

#[test]
fn block_split_regressions() {
    replay(block_split);
}

#[test]
fn drift_regressions() {
    replay(drift);
}

#[test]
fn variant_loader_regressions() {
    replay(variant_loader);
}
