//! The checks the fuzz targets (`fuzz/fuzz_targets/`) run on one input, shared with the
//! regression tests (`tests/suite/fuzz_regressions.rs`, `tests/suite/drift_truth.rs`) so that they replay
//! exactly the same checks. Each panics when a law fails. It is included by path (not part of
//! the library), so library users never get it and `cargo test` builds docvar only once.

// Each includer uses some of the checks.
#![allow(dead_code)]

use std::path::Path;

use docvar::drift::{compare, normalise, CopyFormat, Options};
use docvar::export;
use docvar::project::parse_variant;
use docvar::Document;

/// Any text exports to plain text and to HTML without panicking.
pub fn export_text(text: &str) {
    let _ = export::to_text(text);
    let _ = export::to_html(text);
}

/// Any text reduces as raw HTML (the tokenizer behind HTML tables and tags) without panicking:
/// inside a `<table>` with no blank line, all of it is one HTML block.
pub fn html_reduce(text: &str) {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let _ = Document::parse(&format!("<table>\n{}\n</table>\n", lines.join("\n")));
}

/// Any text splits into blocks whose lines are 1-based, ordered and inside the input.
pub fn block_split(text: &str) {
    // Lines as the block model counts them: one more than the number of newlines.
    let line_count = text.matches('\n').count() + 1;
    for b in &Document::parse(text).blocks {
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

/// Looser than the documented normalisations: also blank lines and pipe-cell padding. Two
/// texts that differ even after this differ visibly (the drift tests use it too).
pub fn loose(text: &str) -> Vec<String> {
    normalise(text, None)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            if l.contains('|') {
                let cells: Vec<&str> = l
                    .trim()
                    .trim_matches('|')
                    .split('|')
                    .map(str::trim)
                    .collect();
                cells.join("|")
            } else {
                l.to_string()
            }
        })
        .collect()
}

/// The text up to the first NUL is a rendered page, the rest a published copy. They compare
/// in both copy formats with every hunk's lines inside both documents. A Markdown copy is
/// clean if and only if it equals the page after the documented normalisations (one that
/// differs even beyond blank lines and cell padding drifts; one equal after normalisation is
/// clean), a plain-text copy likewise beyond blank lines; what `--fix` writes is clean; a page
/// compared with itself, or with itself in CRLF behind a BOM, has no drift.
pub fn drift(text: &str) {
    let (expected, published) = text.split_once('\0').unwrap_or((text, ""));
    let opts = Options::default();
    for format in [CopyFormat::Markdown, CopyFormat::Text] {
        let a = compare(expected, published, format, &[], &opts);
        // Lines count CR and CRLF line ends too, as CommonMark and the report do.
        let copy = normalise(&a.published_text, None);
        let page = normalise(&a.expected_text, None);
        for h in &a.hunks {
            assert!(inside(h.published_lines, &copy), "{h:#?}");
            assert!(inside(h.expected_lines, &page), "{h:#?}");
        }
        if copy == page {
            assert!(a.hunks.is_empty(), "equal copy drifted: {:#?}", a.hunks);
        }
        let visibly_different = match a.format {
            CopyFormat::Markdown => loose(&copy) != loose(&page),
            CopyFormat::Text => {
                let nonblank = |s: &str| {
                    s.lines()
                        .filter(|l| !l.trim().is_empty())
                        .map(str::to_string)
                        .collect::<Vec<_>>()
                };
                nonblank(&copy) != nonblank(&page)
            }
        };
        if visibly_different {
            assert!(!a.hunks.is_empty(), "visibly different copy is clean");
        }
        if !a.hunks.is_empty() {
            let fixed = compare(expected, &a.fixed_text, a.format, &[], &opts);
            assert!(
                fixed.hunks.is_empty(),
                "--fix left drift: {:#?}",
                fixed.hunks
            );
        }
    }
    let same = compare(expected, expected, CopyFormat::Markdown, &[], &opts);
    assert!(
        same.hunks.is_empty(),
        "self-compare drifted: {:#?}",
        same.hunks
    );
    // A page that starts with a BOM itself is skipped: a second BOM is content, not encoding.
    if !expected.contains('\r') && !expected.starts_with('\u{feff}') {
        let crlf = format!("\u{feff}{}", expected.replace('\n', "\r\n"));
        let c = compare(expected, &crlf, CopyFormat::Markdown, &[], &opts);
        assert!(c.hunks.is_empty(), "CRLF + BOM drifted: {:#?}", c.hunks);
    }
}

/// Any text read as a variant file is accepted or refused with an error, never a panic.
pub fn variant_loader(text: &str) {
    // The example project's pages, so `[pages.<name>]` tables can name a real template.
    const PAGES: &[&str] = &["disaster-recovery-raci", "roles-and-responsibilities"];
    let _ = parse_variant(Path::new("variants/fuzz.toml"), text, PAGES);
}
