//! `--format human`: a terminal report: per hunk a location header and the changed words,
//! per page a summary line, then a total. Text from copies passes [`terminal_safe`].

use std::io::{self, Write};

use crate::drift::{CopyStatus, HunkKind, PageReport, Summary, WordOp};
use crate::report::{
    checked_line, elide, location_text, note_text, plural, span, terminal_safe as safe,
};

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

/// Writes one copy's part of the terminal report to `out`; `color` adds ANSI colours.
pub fn page(p: &PageReport, color: bool, out: &mut dyn Write) -> io::Result<()> {
    let paint = Paint { on: color };
    let (page, variant) = (safe(&p.page), safe(&p.variant));
    if p.status == CopyStatus::Drifted {
        let head = format!("{page} ({variant}) {}", safe(&p.published));
        writeln!(out, "{}", paint.wrap("1", &head))?;
        for note in &p.notes {
            writeln!(out, "  note: {}", note_text(note))?;
        }
        for h in &p.hunks {
            let kind = match h.kind {
                HunkKind::Changed => paint.wrap("33", "changed"),
                HunkKind::Added => paint.wrap("32", "added"),
                HunkKind::Removed => paint.wrap("31", "removed"),
                HunkKind::Moved => paint.wrap("36", "moved"),
            };
            writeln!(
                out,
                "  {kind}  {}",
                paint.wrap("1", &safe(&location_text(h)))
            )?;
            let template = h
                .template
                .as_ref()
                .map(|t| {
                    format!(
                        " · template {}:{}",
                        safe(&t.file.display().to_string()),
                        t.line
                    )
                })
                .unwrap_or_default();
            let lines = format!(
                "    published line {} · expected line {}{template}",
                span(h.published_lines),
                span(h.expected_lines)
            );
            writeln!(out, "{}", paint.wrap("2", &lines))?;
            let mut line = String::new();
            let n = h.words.len();
            for (i, w) in h.words.iter().enumerate() {
                let text = safe(&w.text);
                match w.op {
                    WordOp::Equal => line.push_str(&elide(&text, 8, i == 0, i + 1 == n)),
                    WordOp::Delete if color => line.push_str(&paint.wrap("31;9", &text)),
                    WordOp::Insert if color => line.push_str(&paint.wrap("32;4", &text)),
                    WordOp::Delete => line.push_str(&format!("[-{text}-]")),
                    WordOp::Insert => line.push_str(&format!("{{+{text}+}}")),
                }
            }
            for l in line.lines() {
                writeln!(out, "    {l}")?;
            }
        }
    }
    let status = match p.status {
        CopyStatus::Clean => paint.wrap("32", "clean  "),
        CopyStatus::Drifted => paint.wrap("33", "drifted"),
    };
    let notes = if p.status == CopyStatus::Clean && !p.notes.is_empty() {
        let notes: Vec<String> = p.notes.iter().map(note_text).collect();
        format!(" ({})", notes.join("; "))
    } else {
        String::new()
    };
    writeln!(
        out,
        "{status} {page} ({variant}): {}, similarity {:.1}%{notes}",
        plural(p.hunks.len(), "hunk"),
        p.similarity * 100.0,
    )?;
    if p.status == CopyStatus::Drifted {
        writeln!(out)?;
    }
    Ok(())
}

/// The report's last line: the totals.
pub fn end(s: &Summary, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{}", checked_line(s, "copy"))
}
