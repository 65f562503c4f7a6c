//! `--format github`: GitHub Actions workflow annotations, one per hunk, on the copy's lines.
//! Text from copies is escaped as the runner reads commands: `%`, CR and LF everywhere, and
//! `:` and `,` in properties, so a copy cannot end an annotation or start another command;
//! terminal control sequences are dropped, as in `human`.

use std::io::{self, Write};

use crate::drift::{HunkKind, PageReport};
use crate::report::{location_text, marked, span, terminal_safe};

/// Escapes a command's message.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command's property value.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// One `::warning` annotation per hunk of `page`.
pub fn page(page: &PageReport, out: &mut dyn Write) -> io::Result<()> {
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
            page.page,
            page.variant,
            location_text(h)
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
        // The log viewer reads ANSI sequences: copies' text loses them here too.
        writeln!(
            out,
            "::warning file={},line={line},endLine={end},title={}::{}",
            escape_property(file),
            escape_property(&terminal_safe(&title)),
            escape_data(&terminal_safe(&message))
        )?;
    }
    Ok(())
}
