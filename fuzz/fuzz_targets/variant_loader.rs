//! See docvar::fuzzing::variant_loader (shared with tests/fuzz_regressions.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    docvar::fuzzing::variant_loader(&String::from_utf8_lossy(data));
});
