//! Any text splits into blocks without panicking, and every block's lines are 1-based,
//! ordered and inside the input.
#![no_main]

use docvar::document::Document;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // Lines as the block model counts them: one more than the number of newlines.
    let line_count = text.matches('\n').count() + 1;
    let doc = Document::parse(&text);
    for b in &doc.blocks {
        let [start, end] = b.lines;
        assert!(start >= 1, "block lines are 1-based: {b:?}");
        assert!(start <= end, "block starts after it ends: {b:?}");
        assert!(end <= line_count, "block ends past line {line_count}: {b:?}");
    }
});
