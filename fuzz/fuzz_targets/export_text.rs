//! The checks of `export_text` in tests/support/fuzzing.rs (shared with tests/suite/fuzz_regressions.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/support/fuzzing.rs"]
mod fuzzing;

fuzz_target!(|data: &[u8]| {
    fuzzing::export_text(&String::from_utf8_lossy(data));
});
