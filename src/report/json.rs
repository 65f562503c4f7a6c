//! `--format json`: the report as `docvar-drift/1` JSON.

use crate::drift::Report;

/// Pretty-printed JSON with a final newline.
pub fn print(report: &Report) -> String {
    let mut s =
        serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
