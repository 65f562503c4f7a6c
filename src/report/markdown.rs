//! `--format markdown`: a pull-request comment: a summary table, then per drifted copy a
//! collapsible section with each hunk once (its location and a ```diff block).
//!
//! Text from copies is inert: HTML is escaped (a copy cannot close `<details>` or add tags),
//! Markdown and `@mentions` are neutralised outside code, and code blocks are prefixed line by
//! line so nothing can close them. The comment stays under GitHub's 65,536-character limit
//! however many copies drifted: past [`BUDGET`] the rest is counted, not shown, and the reader
//! is pointed to the HTML report.

use std::fmt::Write as _;
use std::io::{self, Write};

use crate::drift::{CopyStatus, Hunk, HunkKind, PageReport, Report};
use crate::report::{
    checked_line, entities, kind_name, location_text, marked, note_text, plural, span, Options,
};

/// Bytes (never fewer than characters) the comment may take before the rest is summarised;
/// GitHub refuses comments over 65,536 characters, and the closing lines need room.
pub const BUDGET: usize = 60_000;
/// The summary table's share of the budget.
const TABLE_BUDGET: usize = 20_000;
/// One hunk's diff block at most; past it the block is cut.
const HUNK_MAX: usize = 4_000;

/// Text for Markdown (table cells, headings, paragraphs) and for raw HTML alike: HTML
/// characters as entities, inline Markdown markers escaped, mentions broken, line breaks and
/// controls flattened to spaces.
pub fn inert(s: &str) -> String {
    entities(s, |c, out| match c {
        '|' => out.push_str("&#124;"),
        '\\' | '`' | '*' | '_' | '[' | ']' | '~' | '!' | '$' | '#' => {
            out.push('\\');
            out.push(c);
        }
        c => inert_html_char(c, out),
    })
}

/// Text for inside an HTML block (the `<summary>` line), where Markdown is not read and a
/// backslash would show: HTML characters as entities, mentions broken, controls flattened.
fn inert_html(s: &str) -> String {
    entities(s, inert_html_char)
}

/// One character of [`inert_html`] other than `&`, `<` and `>`.
fn inert_html_char(c: char, out: &mut String) {
    match c {
        // A zero-width space after `@` keeps `@team` from notifying anyone.
        '@' => out.push_str("@&#8203;"),
        c if c.is_control() => out.push(' '),
        c => out.push(c),
    }
}

/// Lines for inside a code block: split on every line break (CR too, which Markdown treats as
/// one), controls but tab dropped.
fn code_lines(s: &str) -> impl Iterator<Item = String> + '_ {
    s.split(['\n', '\r']).filter(|l| !l.is_empty()).map(|l| {
        l.chars()
            .filter(|c| *c == '\t' || !c.is_control())
            .collect()
    })
}

/// A copy's path, linked to the file on this commit when links are known.
fn copy_cell(p: &PageReport, opts: &Options) -> String {
    let path = opts.relative(&p.published);
    let code = format!("<code>{}</code>", inert(&path));
    match (&opts.links, p.published_text.lines().count()) {
        (Some(links), n) if n > 0 => format!(
            "[{code}]({})",
            links.file(&path, [1, n]).replace(' ', "%20")
        ),
        _ => code,
    }
}

fn lines_link(p: &PageReport, lines: Option<[usize; 2]>, opts: &Options) -> String {
    match (lines, &opts.links) {
        (Some(l), Some(links)) => format!(
            "[{}]({})",
            span(lines),
            links.file(&opts.relative(&p.published), l)
        ),
        _ => span(lines),
    }
}

fn hunk_text(p: &PageReport, h: &Hunk, opts: &Options) -> String {
    let template = h
        .template
        .as_ref()
        .map(|t| {
            format!(
                " · template <code>{}:{}</code>",
                inert(&t.file.display().to_string()),
                t.line
            )
        })
        .unwrap_or_default();
    let mut out = format!(
        "**{}** {} — published line {}, expected line {}{template}\n\n```diff\n",
        kind_name(h.kind),
        inert(&location_text(h)),
        lines_link(p, h.published_lines, opts),
        span(h.expected_lines)
    );
    // Each hunk once: the marked words where both sides have it, else the one side's lines.
    let (prefix, text) = match h.kind {
        HunkKind::Changed | HunkKind::Moved => ("! ", marked(&h.words, 8)),
        HunkKind::Added => ("+ ", h.published.clone().unwrap_or_default()),
        HunkKind::Removed => ("- ", h.expected.clone().unwrap_or_default()),
    };
    let start = out.len();
    for l in code_lines(&text) {
        if out.len() - start + l.len() > HUNK_MAX {
            out.push_str("  … (cut here; the HTML report has the whole hunk)\n");
            break;
        }
        let _ = writeln!(out, "{prefix}{l}");
    }
    out.push_str("```\n\n");
    out
}

/// Writes the comment body to `out`, with links when `opts.links` is set.
pub fn write(report: &Report, opts: &Options, out: &mut dyn Write) -> io::Result<()> {
    let s = &report.summary;
    let mut body = String::from("## docvar drift report\n\n");
    let _ = write!(body, "{}.\n\n", checked_line(s, "published copy"));
    body.push_str(
        "| Page | Product | Copy | Status | Hunks | Similarity |\n|---|---|---|---|---:|---:|\n",
    );
    let table_start = body.len();
    let mut unlisted = (0, 0);
    for p in &report.pages {
        let status = match p.status {
            CopyStatus::Clean => "✅ clean",
            CopyStatus::Drifted => "⚠️ drifted",
        };
        let row = format!(
            "| {} | {} | {} | {status} | {} | {:.1}% |\n",
            inert(&p.page),
            inert(&p.variant),
            copy_cell(p, opts),
            p.hunks.len(),
            p.similarity * 100.0
        );
        if unlisted.0 > 0 || body.len() - table_start + row.len() > TABLE_BUDGET {
            unlisted.0 += 1;
            unlisted.1 += usize::from(p.status == CopyStatus::Drifted);
            continue;
        }
        body.push_str(&row);
    }
    if unlisted.0 > 0 {
        let _ = write!(
            body,
            "\n…and {} more ({} drifted) not listed here.\n",
            plural(unlisted.0, "copy"),
            unlisted.1
        );
    }
    let mut hidden = (0, 0);
    for p in report
        .pages
        .iter()
        .filter(|p| p.status == CopyStatus::Drifted)
    {
        let head = format!(
            "\n<details>\n<summary><b>{}</b> ({}) · <code>{}</code> · {}</summary>\n\n",
            inert_html(&p.page),
            inert_html(&p.variant),
            inert_html(&opts.relative(&p.published)),
            plural(p.hunks.len(), "hunk")
        );
        if hidden.0 > 0 || body.len() + head.len() + 200 > BUDGET {
            hidden.0 += 1;
            hidden.1 += p.hunks.len();
            continue;
        }
        body.push_str(&head);
        for note in &p.notes {
            let _ = write!(body, "> Note: {}\n\n", note_text(note));
        }
        let mut shown = 0;
        for h in &p.hunks {
            let text = hunk_text(p, h, opts);
            if body.len() + text.len() + 200 > BUDGET {
                break;
            }
            body.push_str(&text);
            shown += 1;
        }
        if shown < p.hunks.len() {
            let _ = write!(
                body,
                "…{} of this copy not shown (the comment's size limit).\n\n",
                plural(p.hunks.len() - shown, "more hunk")
            );
            hidden.1 += p.hunks.len() - shown;
        }
        body.push_str("</details>\n");
    }
    if hidden.0 > 0 || hidden.1 > 0 {
        let report_link = match opts.links.as_ref().and_then(|l| l.run()) {
            Some(run) => format!("the HTML report in [this run's artifacts]({run})"),
            None => "the HTML report (`docvar diff --format html`)".to_string(),
        };
        let copies = match hidden.0 {
            0 => String::new(),
            n => format!(
                " in {n} more drifted {}",
                if n == 1 { "copy" } else { "copies" }
            ),
        };
        let _ = write!(
            body,
            "\n**Not shown:** {}{copies}, to keep this comment under GitHub's size limit; see {report_link}.\n",
            plural(hidden.1, "hunk"),
        );
    }
    if s.drifted == 0 {
        body.push_str("\nNo drift: every published copy matches its template.\n");
    } else {
        body.push_str("\n`-` only in the template · `+` only in the published copy · `!` word changes: `[-template-]{+published+}`. Run `docvar diff --fix` to restore the template's text, or update the template.\n");
    }
    out.write_all(body.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inert_text_for_markdown_and_for_html_blocks() {
        assert_eq!(
            inert("a_b </details> @team | [x](y) `c`\n"),
            "a\\_b &lt;/details&gt; @&#8203;team &#124; \\[x\\](y) \\`c\\` "
        );
        // No backslashes where Markdown is not read; they would show.
        assert_eq!(
            inert_html("a_b </details> @team\r"),
            "a_b &lt;/details&gt; @&#8203;team "
        );
    }

    #[test]
    fn code_lines_split_on_cr_too() {
        let lines: Vec<String> = code_lines("a\r```\nb\u{1b}c").collect();
        assert_eq!(lines, ["a", "```", "bc"]);
    }
}
