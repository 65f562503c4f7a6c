//! The checks the fuzz targets (`fuzz/fuzz_targets/`) run on one input, here so that the
//! regression tests (`tests/fuzz_regressions.rs`) replay exactly the same checks. Each panics
//! when a law fails; none is used by docvar itself.

use std::path::Path;

use crate::document::Document;
use crate::drift::{compare, normalise, CopyFormat, Options};
use crate::export;
use crate::project::parse_variant;

/// Any text exports to plain text and to HTML without panicking.
pub fn export_text(text: &str) {
    let _ = export::to_text(text);
    let _ = export::to_html(text);
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

/// The text up to the first NUL is a rendered page, the rest a published copy. They compare
/// in both copy formats with every hunk's lines inside both documents; a page compared with
/// itself, or with itself in CRLF behind a BOM, has no drift.
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
