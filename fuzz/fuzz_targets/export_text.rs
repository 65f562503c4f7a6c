//! Any text exports to plain text and to HTML without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = docvar::export::to_text(&text);
    let _ = docvar::export::to_html(&text);
});
