//! See docvar::fuzzing::block_split (shared with tests/fuzz_regressions.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    docvar::fuzzing::block_split(&String::from_utf8_lossy(data));
});
