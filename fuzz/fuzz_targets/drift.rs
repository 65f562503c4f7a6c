//! Two arbitrary pages compare in both copy formats without panicking, and a page compared
//! with itself has no drift.
#![no_main]

use docvar::drift::{compare, CopyFormat, Options};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // The first NUL separates the rendered page from the published copy.
    let (expected, published) = text.split_once('\0').unwrap_or((&text, ""));
    let opts = Options::default();
    for format in [CopyFormat::Markdown, CopyFormat::Text] {
        let _ = compare(expected, published, format, &[], &opts);
    }
    let same = compare(expected, expected, CopyFormat::Markdown, &[], &opts);
    assert!(same.hunks.is_empty(), "self-compare drifted: {:#?}", same.hunks);
});
