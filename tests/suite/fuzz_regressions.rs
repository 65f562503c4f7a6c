//! Inputs the fuzz targets (fuzz/fuzz_targets/) once failed on, replayed through the same
//! checks (`tests/support/fuzzing.rs`). Every file in tests/fuzz/ goes through every target's checks;
//! the file name (`<target>-<short-name>.bin`) says which target found it.

use std::path::{Path, PathBuf};

use crate::fuzzing;

use fuzzing::{block_split, drift, export_text, variant_loader};

fn inputs() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "bin"))
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "no regression inputs in {}",
        dir.display()
    );
    files
}

fn replay(check: fn(&str)) {
    for path in inputs() {
        let bytes = std::fs::read(&path).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let result = std::panic::catch_unwind(|| check(&text));
        assert!(result.is_ok(), "{} failed", path.display());
    }
}

#[test]
fn export_text_regressions() {
    replay(export_text);
}

#[test]
fn block_split_regressions() {
    replay(block_split);
}

#[test]
fn drift_regressions() {
    replay(drift);
}

#[test]
fn variant_loader_regressions() {
    replay(variant_loader);
}
