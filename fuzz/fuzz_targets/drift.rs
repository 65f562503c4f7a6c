//! Two arbitrary pages compare in both copy formats without panicking; every hunk's line
//! ranges lie inside the page and the copy; a page compared with itself, or with itself in
//! CRLF with a BOM (normalised away before the block comparison), has no drift.
#![no_main]

use docvar::drift::{compare, CopyFormat, Options};
use libfuzzer_sys::fuzz_target;

fn inside(lines: Option<[usize; 2]>, text: &str) -> bool {
    let count = text.split('\n').count();
    lines.is_none_or(|[a, b]| 1 <= a && a <= b && b <= count)
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // The first NUL separates the rendered page from the published copy.
    let (expected, published) = text.split_once('\0').unwrap_or((&text, ""));
    let opts = Options::default();
    for format in [CopyFormat::Markdown, CopyFormat::Text] {
        let a = compare(expected, published, format, &[], &opts);
        for h in &a.hunks {
            assert!(inside(h.published_lines, &a.published_text), "{h:#?}");
            assert!(inside(h.expected_lines, &a.expected_text), "{h:#?}");
        }
    }
    let same = compare(expected, expected, CopyFormat::Markdown, &[], &opts);
    assert!(same.hunks.is_empty(), "self-compare drifted: {:#?}", same.hunks);
    if !expected.contains('\r') {
        let crlf = format!("\u{feff}{}", expected.replace('\n', "\r\n"));
        let c = compare(expected, &crlf, CopyFormat::Markdown, &[], &opts);
        assert!(c.hunks.is_empty(), "CRLF + BOM drifted: {:#?}", c.hunks);
    }
});
