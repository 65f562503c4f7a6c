//! `--format github`: GitHub Actions workflow annotations, one per hunk, on the copy's lines.

use crate::drift::{HunkKind, Report};
use crate::report::{marked, span};

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// `::warning file=…,line=…,endLine=…,title=…::…` lines.
pub fn print(report: &Report) -> String {
    let mut out = String::new();
    for page in &report.pages {
        let file = page.published.trim_start_matches("./");
        for h in &page.hunks {
            let [line, end] = h.published_lines.unwrap_or([h.anchor, h.anchor]);
            let what = match h.kind {
                HunkKind::Changed => "changed",
                HunkKind::Added => "only in the published copy",
                HunkKind::Removed => "missing from the published copy",
                HunkKind::Moved => "moved",
            };
            let title = format!(
                "docvar drift ({}, {}): {}",
                page.page, page.variant, h.location
            );
            let template = h
                .template
                .as_ref()
                .map(|t| format!(" (template {}:{})", t.file.display(), t.line))
                .unwrap_or_default();
            let message = format!(
                "{what}; expected line {}{template}\n{}",
                span(h.expected_lines),
                marked(&h.words, 8)
            );
            out.push_str(&format!(
                "::warning file={},line={line},endLine={end},title={}::{}\n",
                escape_property(file),
                escape_property(&title),
                escape_data(&message)
            ));
        }
    }
    out
}
