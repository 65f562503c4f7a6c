//! `--format unified`: a patch that `git apply` / `patch -p1` applies to the published copies
//! to bring them back to the template's text. It patches only the drifted lines: what the
//! comparison ignored (ignored lines, CRLF, BOM, final newline) stays as the copy has it.
//! As in any patch, `-` is the copy's text and `+` the template's.

use similar::TextDiff;

use crate::drift::{CopyStatus, PageReport};

/// A drifted copy's file section, `a/<path>` -> `b/<path>` (nothing for a clean copy).
pub fn page(page: &PageReport) -> String {
    if page.status != CopyStatus::Drifted {
        return String::new();
    }
    let path = page.published.trim_start_matches("./");
    let diff = TextDiff::from_lines(page.published_text.as_str(), page.fixed_text.as_str());
    let patch = diff
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string();
    format!("diff --git a/{path} b/{path}\n{patch}")
}
