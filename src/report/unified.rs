//! `--format unified`: a patch that `git apply` / `patch -p1` applies to the published copies
//! to bring them back to the template's text. It patches only the drifted lines: what the
//! comparison ignored (ignored lines, CRLF, BOM, final newline) stays as the copy has it.
//! As in any patch, `-` is the copy's text and `+` the template's.

use similar::TextDiff;

use crate::drift::{CopyStatus, Report};

/// One file section per drifted copy, `a/<path>` -> `b/<path>`.
pub fn print(report: &Report) -> String {
    let mut out = String::new();
    for page in report
        .pages
        .iter()
        .filter(|p| p.status == CopyStatus::Drifted)
    {
        let path = page.published.trim_start_matches("./");
        let diff = TextDiff::from_lines(page.published_text.as_str(), page.fixed_text.as_str());
        let patch = diff
            .unified_diff()
            .context_radius(3)
            .header(&format!("a/{path}"), &format!("b/{path}"))
            .to_string();
        out.push_str(&format!("diff --git a/{path} b/{path}\n"));
        out.push_str(&patch);
    }
    out
}
