//! `--format markdown`: a pull-request comment: a summary table, then per drifted copy a
//! collapsible section with each hunk's location and a ```diff block with words marked.

use crate::drift::{HunkKind, Report, Status};
use crate::report::{marked, plural, span};

fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

/// The comment body.
pub fn print(report: &Report) -> String {
    let s = &report.summary;
    let mut out = String::from("## docvar drift report\n\n");
    out.push_str(&format!(
        "{} checked: {} clean, {} drifted, {}.\n\n",
        plural(s.pages, "published copy").replace("copys", "copies"),
        s.clean,
        s.drifted,
        plural(s.hunks, "hunk")
    ));
    out.push_str("| Page | Product | Status | Hunks | Similarity |\n|---|---|---|---:|---:|\n");
    for p in &report.pages {
        let status = match p.status {
            Status::Clean => "✅ clean",
            Status::Drifted => "⚠️ drifted",
        };
        out.push_str(&format!(
            "| `{}` | {} | {status} | {} | {:.1}% |\n",
            cell(&p.published),
            cell(&p.variant),
            p.hunks.len(),
            p.similarity * 100.0
        ));
    }
    for p in report.pages.iter().filter(|p| p.status == Status::Drifted) {
        out.push_str(&format!(
            "\n<details>\n<summary><b>{}</b> ({}) · <code>{}</code> · {}</summary>\n\n",
            p.page,
            p.variant,
            p.published,
            plural(p.hunks.len(), "hunk")
        ));
        for note in &p.notes {
            out.push_str(&format!("> Note: {note}\n\n"));
        }
        for h in &p.hunks {
            let kind = match h.kind {
                HunkKind::Changed => "changed",
                HunkKind::Added => "added",
                HunkKind::Removed => "removed",
                HunkKind::Moved => "moved",
            };
            let template = h
                .template
                .as_ref()
                .map(|t| format!(" · template `{}:{}`", t.file.display(), t.line))
                .unwrap_or_default();
            out.push_str(&format!(
                "**{kind}** {} — published line {}, expected line {}{template}\n\n",
                h.location,
                span(h.published_lines),
                span(h.expected_lines)
            ));
            let fence = if h.words.iter().any(|w| w.text.contains("```")) {
                "````"
            } else {
                "```"
            };
            out.push_str(&format!("{fence}diff\n"));
            if let Some(e) = &h.expected {
                for l in e.lines() {
                    out.push_str(&format!("- {l}\n"));
                }
            }
            if let Some(p) = &h.published {
                for l in p.lines() {
                    out.push_str(&format!("+ {l}\n"));
                }
            }
            if h.kind == HunkKind::Changed || h.kind == HunkKind::Moved {
                for l in marked(&h.words, 8).lines() {
                    out.push_str(&format!("! {l}\n"));
                }
            }
            out.push_str(&format!("{fence}\n\n"));
        }
        out.push_str("</details>\n");
    }
    if s.drifted == 0 {
        out.push_str("\nNo drift: every published copy matches its template.\n");
    } else {
        out.push_str("\n`-` expected (template) · `+` published copy · `!` word changes: `[-expected-]{+published+}`. Run `docvar diff --fix` to restore the template's text, or update the template.\n");
    }
    out
}
