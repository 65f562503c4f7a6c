//! `--format human`: a terminal report: per hunk a location header and the changed words,
//! per page a summary line, then a total.

use crate::drift::{HunkKind, Report, Status, WordOp};
use crate::report::{elide, plural, span};

struct Paint {
    on: bool,
}

impl Paint {
    fn wrap(&self, code: &str, s: &str) -> String {
        if self.on && !s.is_empty() {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
}

/// The report for a terminal; `color` adds ANSI colours.
pub fn print(report: &Report, color: bool) -> String {
    let paint = Paint { on: color };
    let mut out = String::new();
    for p in &report.pages {
        if p.status == Status::Drifted {
            out.push_str(&paint.wrap("1", &format!("{} ({}) {}", p.page, p.variant, p.published)));
            out.push('\n');
            for note in &p.notes {
                out.push_str(&format!("  note: {note}\n"));
            }
            for h in &p.hunks {
                let kind = match h.kind {
                    HunkKind::Changed => paint.wrap("33", "changed"),
                    HunkKind::Added => paint.wrap("32", "added"),
                    HunkKind::Removed => paint.wrap("31", "removed"),
                    HunkKind::Moved => paint.wrap("36", "moved"),
                };
                out.push_str(&format!("  {kind}  {}\n", paint.wrap("1", &h.location)));
                let template = h
                    .template
                    .as_ref()
                    .map(|t| format!(" · template {}:{}", t.file.display(), t.line))
                    .unwrap_or_default();
                out.push_str(&paint.wrap(
                    "2",
                    &format!(
                        "    published line {} · expected line {}{template}",
                        span(h.published_lines),
                        span(h.expected_lines)
                    ),
                ));
                out.push('\n');
                let mut line = String::new();
                let n = h.words.len();
                for (i, w) in h.words.iter().enumerate() {
                    match w.op {
                        WordOp::Equal => line.push_str(&elide(&w.text, 8, i == 0, i + 1 == n)),
                        WordOp::Delete if color => line.push_str(&paint.wrap("31;9", &w.text)),
                        WordOp::Insert if color => line.push_str(&paint.wrap("32;4", &w.text)),
                        WordOp::Delete => line.push_str(&format!("[-{}-]", w.text)),
                        WordOp::Insert => line.push_str(&format!("{{+{}+}}", w.text)),
                    }
                }
                for l in line.lines() {
                    out.push_str(&format!("    {l}\n"));
                }
            }
        }
        let status = match p.status {
            Status::Clean => paint.wrap("32", "clean  "),
            Status::Drifted => paint.wrap("33", "drifted"),
        };
        out.push_str(&format!(
            "{status} {} ({}): {}, similarity {:.1}%{}\n",
            p.page,
            p.variant,
            plural(p.hunks.len(), "hunk"),
            p.similarity * 100.0,
            if p.status == Status::Clean && !p.notes.is_empty() {
                format!(" ({})", p.notes.join("; "))
            } else {
                String::new()
            }
        ));
        if p.status == Status::Drifted {
            out.push('\n');
        }
    }
    let s = &report.summary;
    out.push_str(&format!(
        "{} checked: {} clean, {} drifted, {}\n",
        plural(s.pages, "copy").replace("copys", "copies"),
        s.clean,
        s.drifted,
        plural(s.hunks, "hunk")
    ));
    out
}
