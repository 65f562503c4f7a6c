//! All integration tests in one binary: one link instead of one per file, and the slow
//! tests of different files run side by side (the set-up time is every newcomer's first cost).

mod common;
#[path = "../support/fuzzing.rs"]
mod fuzzing;

mod accept;
mod adversarial;
mod cli;
mod diff;
mod drift_truth;
mod fuzz_regressions;
mod generate;
mod hardening;
mod html_report;
mod infer;
mod infer_laws;
mod lint;
mod promote;
mod props;
mod rename;
mod review;
mod update;
