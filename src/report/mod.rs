//! Printers over one [`Report`]: each format turns the same value into text and never
//! analyses; the words for locations and notes are chosen here, not in the analysis. `human`
//! for terminals, `unified` for `git apply`, `json` for tools, `markdown` for pull-request
//! comments, `github` for workflow annotations, `sarif` for code scanning, `rdjsonl` for
//! reviewdog. Text taken from copies is made inert for each format.

pub(crate) mod github;
mod html;
mod human;
mod json;
mod markdown;
mod rdjsonl;
mod sarif;
mod unified;

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::baseline::Entry;
use crate::document::BlockKind;
use crate::drift::{
    CopyStatus, Hunk, HunkKind, Location, Note, PageReport, Report, Summary, Word, WordOp,
};

/// Output format of `docvar diff` (its `--format` values, by clap).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Terminal report.
    Human,
    /// A patch for the published copies.
    Unified,
    /// `docvar-drift/2` JSON.
    Json,
    /// A pull-request comment.
    Markdown,
    /// GitHub Actions annotations.
    Github,
    /// A self-contained HTML page for reviewers.
    Html,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// reviewdog's rdjsonl, one diagnostic per line with a suggested fix.
    Rdjsonl,
}

/// What a printer needs besides the report.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// ANSI colours (`human` only).
    pub color: bool,
    /// The project root: copy paths in `sarif`, `rdjsonl` and links are made relative to it.
    pub root: Option<PathBuf>,
    /// Where the files are browsable (GitHub), for links from the `markdown` comment.
    pub links: Option<Links>,
}

/// A commit on a forge, from GitHub Actions' environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Links {
    /// `GITHUB_SERVER_URL`, e.g. `https://github.com`.
    pub server: String,
    /// `GITHUB_REPOSITORY`, `owner/name`.
    pub repository: String,
    /// `GITHUB_SHA`.
    pub sha: String,
    /// `GITHUB_RUN_ID`, for a link to the run's artifacts (the HTML report).
    pub run_id: Option<String>,
}

impl Links {
    /// From `GITHUB_SERVER_URL`, `GITHUB_REPOSITORY` and `GITHUB_SHA` (all three set and not
    /// empty), plus `GITHUB_RUN_ID` if set.
    pub fn from_env() -> Option<Links> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        Some(Links {
            server: var("GITHUB_SERVER_URL")?,
            repository: var("GITHUB_REPOSITORY")?,
            sha: var("GITHUB_SHA")?,
            run_id: var("GITHUB_RUN_ID"),
        })
    }

    /// The file at `path` (relative to the repository) on this commit.
    pub fn blob(&self, path: &str) -> String {
        format!(
            "{}/{}/blob/{}/{}",
            self.server.trim_end_matches('/'),
            self.repository,
            self.sha,
            url_path(path)
        )
    }

    /// [`Links::blob`] with `lines` highlighted.
    pub fn file(&self, path: &str, lines: [usize; 2]) -> String {
        let anchor = if lines[0] == lines[1] {
            format!("L{}", lines[0])
        } else {
            format!("L{}-L{}", lines[0], lines[1])
        };
        format!("{}#{anchor}", self.blob(path))
    }

    /// The workflow run's page (where its artifacts are), if the run is known.
    pub fn run(&self) -> Option<String> {
        let id = self.run_id.as_ref()?;
        Some(format!(
            "{}/{}/actions/runs/{id}",
            self.server.trim_end_matches('/'),
            self.repository
        ))
    }
}

/// Percent-encodes a path for a URL, keeping `/` and unreserved characters.
fn url_path(path: &str) -> String {
    let mut out = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl Options {
    /// `published` relative to the project root, with `/` separators: as given when it is not
    /// under the root.
    pub fn relative(&self, published: &str) -> String {
        let path = Path::new(published);
        let rel = self.root.as_deref().and_then(|root| {
            path.strip_prefix(root)
                .ok()
                .map(Path::to_path_buf)
                .or_else(|| {
                    let (p, r) = (path.canonicalize().ok()?, root.canonicalize().ok()?);
                    p.strip_prefix(r).ok().map(Path::to_path_buf)
                })
        });
        let s = rel
            .as_deref()
            .unwrap_or(path)
            .to_string_lossy()
            .replace('\\', "/");
        s.trim_start_matches("./").to_string()
    }
}

/// Writes `report` in `format` to `out`; write errors (a closed pipe too) are returned.
pub fn write(
    report: &Report,
    format: Format,
    opts: &Options,
    out: &mut dyn Write,
) -> io::Result<()> {
    let applied = report.baseline.as_ref();
    if streams(format) {
        let mut s = Stream::new(format, opts, out)?;
        for (i, p) in report.pages.iter().enumerate() {
            s.page(
                p,
                applied.map(|b| b.accepted.get(i).map_or(&[][..], Vec::as_slice)),
            )?;
        }
        return s.finish(applied.map(|b| b.stale.as_slice())).map(drop);
    }
    if applied.is_some() {
        return write_with_baseline(report, format, opts, out);
    }
    match format {
        Format::Markdown => markdown::write(report, opts, out),
        Format::Html => out.write_all(html::print(report).as_bytes()),
        Format::Sarif => sarif::write(report, opts, out),
        Format::Human | Format::Unified | Format::Json | Format::Github | Format::Rdjsonl => {
            unreachable!("{format:?} streams")
        }
    }
}

/// Whether `format` prints a copy at a time (through [`Stream`]). `markdown` and `html` put
/// the totals first, and `sarif` is one JSON document, so they take the whole report.
pub fn streams(format: Format) -> bool {
    !matches!(format, Format::Markdown | Format::Html | Format::Sarif)
}

/// A printer fed one copy's report at a time, for the formats [`streams`] names, so a run
/// holds the copies being checked, not the whole report. What it prints is what [`write()`]
/// prints for the report of the same copies.
pub struct Stream<'w> {
    format: Format,
    opts: Options,
    out: &'w mut dyn Write,
    /// Totals over every hunk, the accepted ones counted too (json's summary).
    summary: Summary,
    /// Totals without the hunks a baseline accepts (what `human` prints).
    shown: Summary,
    /// One line per accepted hunk, for after the report (`human`).
    accepted: Vec<String>,
}

impl<'w> Stream<'w> {
    /// Starts a report in `format`, one that [`streams`].
    pub fn new(format: Format, opts: &Options, out: &'w mut dyn Write) -> io::Result<Stream<'w>> {
        debug_assert!(streams(format), "{format:?} does not stream");
        if format == Format::Json {
            json::start(out)?;
        }
        Ok(Stream {
            format,
            opts: opts.clone(),
            out,
            summary: Summary::default(),
            shown: Summary::default(),
            accepted: Vec::new(),
        })
    }

    /// Prints one copy's report; `accepted` flags the hunks a baseline accepts, when one
    /// applies (`human`, `github` and `rdjsonl` then leave those hunks out).
    pub fn page(&mut self, p: &PageReport, accepted: Option<&[bool]>) -> io::Result<()> {
        let first = self.summary.pages == 0;
        let n_accepted = accepted.map_or(0, |a| a.iter().filter(|a| **a).count());
        count(&mut self.summary, p, 0);
        self.summary.accepted += n_accepted;
        count(&mut self.shown, p, n_accepted);
        // The copy without its accepted hunks, for the formats that leave them out (a clone
        // only when the baseline accepts some).
        let shown = || match accepted {
            Some(acc) if n_accepted > 0 => std::borrow::Cow::Owned(p.without(acc)),
            _ => std::borrow::Cow::Borrowed(p),
        };
        match self.format {
            Format::Human => {
                human::page(&shown(), self.opts.color, self.out)?;
                if let Some(acc) = accepted {
                    self.accepted.extend(accepted_lines(p, acc));
                }
                Ok(())
            }
            Format::Unified => self.out.write_all(unified::page(p).as_bytes()),
            Format::Json => json::page(p, accepted, first, self.out),
            Format::Github => github::page(&shown(), self.out),
            Format::Rdjsonl => rdjsonl::page(&shown(), &self.opts, self.out),
            Format::Markdown | Format::Html | Format::Sarif => {
                unreachable!("{:?} does not stream", self.format)
            }
        }
    }

    /// Ends the report (totals, and the baseline's `stale` entries when one applies) and
    /// returns the totals over every copy.
    pub fn finish(self, stale: Option<&[Entry]>) -> io::Result<Summary> {
        match self.format {
            Format::Human => {
                human::end(&self.shown, self.out)?;
                if let Some(stale) = stale {
                    for l in closing_lines(self.accepted, self.summary.accepted, stale) {
                        writeln!(self.out, "{}", terminal_safe(&l))?;
                    }
                }
            }
            Format::Json => json::end(self.summary.pages, &self.summary, stale, self.out)?,
            _ => {}
        }
        Ok(self.summary)
    }
}

/// Adds one copy to `s`, less `left_out` of its hunks (a copy left without hunks is clean, as
/// [`PageReport::without`] makes it). `s.accepted` is the caller's to count.
fn count(s: &mut Summary, p: &PageReport, left_out: usize) {
    let hunks = p.hunks.len() - left_out;
    s.pages += 1;
    if p.status == CopyStatus::Clean || hunks == 0 {
        s.clean += 1;
    } else {
        s.drifted += 1;
    }
    s.hunks += hunks;
}

/// Accepted hunks collapse to one line each after the report (human, markdown, html) or are
/// left out (github, sarif, rdjsonl); stale baseline entries get a line each.
fn write_with_baseline(
    report: &Report,
    format: Format,
    opts: &Options,
    out: &mut dyn Write,
) -> io::Result<()> {
    let view = report.without_accepted();
    let lines = baseline_lines(report);
    match format {
        Format::Html => {
            let page = html::print(&view);
            let mut extra = String::new();
            if !lines.is_empty() {
                extra.push_str("<section class=\"baseline\"><h2>Baseline</h2><ul>\n");
                for l in &lines {
                    extra.push_str(&format!("<li>{}</li>\n", html::escape(l)));
                }
                extra.push_str("</ul></section>\n");
            }
            let at = page.rfind("</main>").unwrap_or(page.len());
            out.write_all(&page.as_bytes()[..at])?;
            out.write_all(extra.as_bytes())?;
            out.write_all(&page.as_bytes()[at..])
        }
        Format::Markdown => {
            markdown::write(&view, opts, out)?;
            if !lines.is_empty() {
                writeln!(out, "\n<details><summary>Baseline</summary>\n")?;
                // The comment has a size budget: past 100 lines, a count stands for the rest.
                for l in lines.iter().take(100) {
                    writeln!(out, "- {}", markdown::inert(l))?;
                }
                if lines.len() > 100 {
                    writeln!(out, "- ... and {} more", lines.len() - 100)?;
                }
                writeln!(out, "\n</details>")?;
            }
            Ok(())
        }
        other => write(&view, other, opts, out),
    }
}

/// One line per accepted hunk and per stale entry, then the accepted count.
fn baseline_lines(report: &Report) -> Vec<String> {
    let Some(b) = &report.baseline else {
        return Vec::new();
    };
    let accepted = report
        .pages
        .iter()
        .zip(&b.accepted)
        .flat_map(|(p, acc)| accepted_lines(p, acc))
        .collect();
    closing_lines(accepted, b.accepted_count(), &b.stale)
}

/// A line for each hunk of `p` that `accepted` flags.
fn accepted_lines<'a>(
    p: &'a PageReport,
    accepted: &'a [bool],
) -> impl Iterator<Item = String> + 'a {
    p.hunks
        .iter()
        .zip(accepted)
        .filter(|(_, a)| **a)
        .map(|(h, _)| {
            let lines_in_copy = h
                .published_lines
                .map(|[a, b]| {
                    if a == b {
                        format!(":{a}")
                    } else {
                        format!(":{a}-{b}")
                    }
                })
                .unwrap_or_default();
            format!(
                "accepted  {} ({}) {}{lines_in_copy} › {} {}",
                p.page,
                p.variant,
                p.published,
                kind_name(h.kind),
                location_text(h)
            )
        })
}

/// `accepted` (the accepted hunks' lines), a line per stale entry, then the count; nothing
/// when the baseline matched nothing and nothing is stale.
fn closing_lines(mut lines: Vec<String>, accepted: usize, stale: &[Entry]) -> Vec<String> {
    for e in stale {
        lines.push(format!(
            "stale     {} ({}) {} › {} {}: matches no drift now; `docvar accept --prune` drops it",
            e.page, e.variant, e.copy, e.kind, e.location
        ));
    }
    if !lines.is_empty() {
        lines.push(format!(
            "{} accepted by {}, {} stale",
            plural(accepted, "hunk"),
            crate::baseline::FILE,
            plural(stale.len(), "entry")
        ));
    }
    lines
}

/// [`write()`] into a string; `color` applies to `human` only.
pub fn print(report: &Report, format: Format, color: bool) -> String {
    let mut out = Vec::new();
    let opts = Options {
        color,
        ..Options::default()
    };
    // Writing to a Vec cannot fail.
    let _ = write(report, format, &opts, &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// The hunk's kind as one word.
pub(crate) fn kind_name(k: HunkKind) -> &'static str {
    match k {
        HunkKind::Changed => "changed",
        HunkKind::Added => "added",
        HunkKind::Removed => "removed",
        HunkKind::Moved => "moved",
    }
}

fn short(s: &str, words: usize) -> String {
    let ws: Vec<&str> = s.split_whitespace().collect();
    if ws.len() <= words {
        ws.join(" ")
    } else {
        format!("{}…", ws[..words].join(" "))
    }
}

/// The block a location names, for a person: `table row "Backing Up"`.
fn describe(loc: &Location) -> String {
    let text = |n| short(loc.text.as_deref().unwrap_or(""), n);
    match loc.block {
        None => "start of page".to_string(),
        Some(BlockKind::FrontMatter) => {
            format!("front matter › {}", loc.key.as_deref().unwrap_or(""))
        }
        Some(BlockKind::Heading) => {
            format!("heading \"{}\"", loc.heading.as_deref().unwrap_or(""))
        }
        Some(BlockKind::Paragraph) => format!("paragraph \"{}\"", text(6)),
        Some(BlockKind::ListItem) => format!("list item \"{}\"", text(8)),
        Some(BlockKind::TableRow) if loc.header_row => "table header".to_string(),
        Some(BlockKind::TableRow) => {
            format!("table row \"{}\"", loc.row.as_deref().unwrap_or(""))
        }
        Some(BlockKind::Code) => "code block".to_string(),
        Some(BlockKind::Rule) => "horizontal rule".to_string(),
        Some(BlockKind::Raw) => format!("markup `{}`", text(6)),
    }
}

/// Where a hunk is, for a person:
/// `Detailed Division of Responsibilities › RACI › table row "Backing Up" › column "Notes"`.
pub fn location_text(h: &Hunk) -> String {
    let mut text = place_text(&h.location);
    if h.kind == HunkKind::Moved {
        if let Some([from, _]) = h.expected_lines {
            text.push_str(&format!(" › moved from expected line {from}"));
        }
    }
    text
}

/// A location in a page, for a person (what [`location_text`] says without the hunk's kind).
pub(crate) fn place_text(loc: &Location) -> String {
    let mut parts = loc.section.clone();
    if loc.block.is_none() {
        parts.clear();
    }
    if loc.block.is_none() && loc.section.is_empty() {
        return "page".to_string();
    }
    if loc.after {
        parts.push(format!("after {}", describe(loc)));
    } else {
        parts.push(describe(loc));
    }
    let names: Vec<String> = loc
        .columns
        .iter()
        .map(|c| match &c.name {
            Some(n) => format!("\"{n}\""),
            None => format!("\"#{}\"", c.index),
        })
        .collect();
    match names.len() {
        0 => {}
        1 => parts.push(format!("column {}", names[0])),
        _ => parts.push(format!("columns {}", names.join(", "))),
    }
    if let Some([a, b]) = loc.level {
        parts.push(format!("level {a} → {b}"));
    }
    parts.join(" › ")
}

/// A note, for a person.
pub(crate) fn note_text(n: &Note) -> String {
    match n {
        Note::Bom => "a UTF-8 byte-order mark was ignored".to_string(),
        Note::CrlfLineEndings { lines } => {
            format!(
                "CRLF line endings were normalised ({})",
                plural(*lines, "line")
            )
        }
        Note::CrLineEndings => "CR line endings were normalised".to_string(),
        Note::TrailingWhitespace { lines } => {
            format!(
                "trailing whitespace was ignored on {}",
                plural(*lines, "line")
            )
        }
        Note::MissingFinalNewline => "the final newline is missing".to_string(),
        Note::ExtraBlankLines { lines } => {
            format!(
                "{} at the end were ignored",
                plural(*lines, "extra blank line")
            )
        }
        Note::TextCopyIsMarkdown => "the plain-text copy is Markdown (front matter, headings, links or tables), so it was compared with the rendered Markdown".to_string(),
        Note::Timeout { limit_ms } => format!(
            "the diff hit its {:.1} s time limit; the hunks are approximate",
            *limit_ms as f64 / 1000.0
        ),
    }
}

/// Text for a terminal: escape sequences (CSI, OSC, ...) and other C0/C1 control characters
/// removed, tab and newline kept, so a copy cannot move the cursor, retitle the window or
/// hide text.
pub fn terminal_safe(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => match chars.next() {
                // CSI: parameters and intermediates up to a final byte in @..~.
                Some('[') => {
                    for c in chars.by_ref() {
                        if ('@'..='~').contains(&c) {
                            break;
                        }
                    }
                }
                // OSC, DCS, SOS, PM, APC: a string up to BEL or ST (ESC \\).
                Some(']' | 'P' | 'X' | '^' | '_') => {
                    while let Some(c) = chars.next() {
                        if c == '\u{7}' {
                            break;
                        }
                        if c == '\u{1b}' {
                            chars.next_if_eq(&'\\');
                            break;
                        }
                    }
                }
                // Two-character escapes; a nF sequence's intermediates then its final byte.
                Some(c) if (' '..='/').contains(&c) => {
                    while chars.next_if(|c| (' '..='/').contains(c)).is_some() {}
                    chars.next();
                }
                _ => {}
            },
            '\t' | '\n' => out.push(c),
            // Bidirectional overrides reorder what follows them on screen.
            c if c.is_control()
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') => {}
            c => out.push(c),
        }
    }
    out
}

/// Words with changes marked `[-deleted-]{+inserted+}` (git's word-diff style), long runs
/// of unchanged words shortened to `…` so the change stays in view.
pub fn marked(words: &[Word], context: usize) -> String {
    let mut out = String::new();
    let n = words.len();
    for (i, w) in words.iter().enumerate() {
        match w.op {
            WordOp::Equal => out.push_str(&elide(&w.text, context, i == 0, i + 1 == n)),
            WordOp::Delete => {
                out.push_str("[-");
                out.push_str(&w.text);
                out.push_str("-]");
            }
            WordOp::Insert => {
                out.push_str("{+");
                out.push_str(&w.text);
                out.push_str("+}");
            }
        }
    }
    out
}

/// Shortens an unchanged run to `context` words at each side that touches a change.
pub(crate) fn elide(text: &str, context: usize, first: bool, last: bool) -> String {
    let words: Vec<&str> = text.split(' ').collect();
    let keep_head = if first { 0 } else { context };
    let keep_tail = if last { 0 } else { context };
    if words.len() <= keep_head + keep_tail + 1 || context == usize::MAX {
        return text.to_string();
    }
    let head = words[..keep_head].join(" ");
    let tail = words[words.len() - keep_tail..].join(" ");
    match (keep_head, keep_tail) {
        (0, _) => format!("… {tail}"),
        (_, 0) => format!("{head} …"),
        _ => format!("{head} … {tail}"),
    }
}

/// The run's total: "N <noun>s checked: N clean, N drifted, N hunks" (no full stop).
pub(crate) fn checked_line(s: &Summary, noun: &str) -> String {
    format!(
        "{} checked: {} clean, {} drifted, {}",
        plural(s.pages, noun),
        s.clean,
        s.drifted,
        plural(s.hunks, "hunk")
    )
}

/// `s` with `&`, `<` and `>` as entities and every other character as `other` writes it:
/// the one escaping loop of the HTML and Markdown printers.
pub(crate) fn entities(s: &str, mut other: impl FnMut(char, &mut String)) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => other(c, &mut out),
        }
    }
    out
}

/// "1 hunk" / "2 hunks" / "2 copies".
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else if let Some(stem) = word
        .strip_suffix('y')
        .filter(|s| !s.ends_with(['a', 'e', 'o', 'u']))
    {
        format!("{n} {stem}ies")
    } else {
        format!("{n} {word}s")
    }
}

/// `12` or `12-14`.
pub fn span(lines: Option<[usize; 2]>) -> String {
    match lines {
        Some([a, b]) if a == b => a.to_string(),
        Some([a, b]) => format!("{a}-{b}"),
        None => "-".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_safe_drops_every_kind_of_control_sequence() {
        let s = "a\u{1b}[2J\u{1b}[31mb\u{1b}]0;title\u{7}c\u{1b}]8;;http://x\u{1b}\\d\u{1b}(Be\u{9b}1mf\u{0}\r\u{7f}\tg\n\u{202e}h";
        assert_eq!(terminal_safe(s), "abcde1mf\tg\nh");
    }

    #[test]
    fn location_text_reads_as_before() {
        let h = Hunk {
            kind: HunkKind::Moved,
            location: Location {
                section: vec!["A".into()],
                block: Some(BlockKind::TableRow),
                row: Some("x".into()),
                columns: vec![
                    crate::drift::Column {
                        index: 2,
                        name: Some("B".into()),
                    },
                    crate::drift::Column {
                        index: 3,
                        name: None,
                    },
                ],
                ..Location::default()
            },
            published_lines: Some([5, 5]),
            expected_lines: Some([3, 3]),
            template: None,
            expected: None,
            published: None,
            words: Vec::new(),
            anchor: 5,
        };
        assert_eq!(
            location_text(&h),
            "A › table row \"x\" › columns \"B\", \"#3\" › moved from expected line 3"
        );
    }
}
