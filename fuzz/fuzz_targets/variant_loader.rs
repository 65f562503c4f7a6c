//! Any text read as a variant file is accepted or refused with an error, never a panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

/// The example project's pages, so `[pages.<name>]` tables can name a real template.
const PAGES: &[&str] = &["disaster-recovery-raci", "roles-and-responsibilities"];

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = docvar::project::parse_variant(Path::new("variants/fuzz.toml"), &text, PAGES);
});
