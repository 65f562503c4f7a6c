//! Drift analysis: a published copy compared with what its template renders for its product.
//! Structure first (blocks aligned, moves found), then words inside each changed block.
//! The result is one serialisable [`Report`]; printers in [`crate::report`] only format it.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use regex::Regex;
use serde::Serialize;
use similar::{capture_diff_slices_deadline, Algorithm, DiffOp};

use crate::document::{Block, BlockKind, Document};
use crate::error::{decode, Error, Result};
use crate::export;
use crate::project::Project;
use crate::render::{LineMap, Renderer, TemplateLine};

/// The JSON schema name and version of [`Report`].
pub const SCHEMA: &str = "docvar-drift/2";

/// How a published copy is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CopyFormat {
    /// Markdown, compared with the rendered Markdown.
    Markdown,
    /// Help-center plain text, compared with the rendered plain text.
    Text,
}

impl CopyFormat {
    /// By extension: `.txt` is text, anything else Markdown.
    pub fn of(path: &Path) -> CopyFormat {
        match path.extension().and_then(|e| e.to_str()) {
            Some("txt") => CopyFormat::Text,
            _ => CopyFormat::Markdown,
        }
    }
}

/// A published copy to check: which page, for which product, where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copy {
    /// Page name.
    pub page: String,
    /// Variant slug.
    pub variant: String,
    /// Path to the copy (as the user gave it, or relative to the project root).
    pub path: PathBuf,
    /// Markdown or text.
    pub format: CopyFormat,
}

/// Settings of a drift run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Lines matching any of these are dropped from both sides.
    pub ignore: Vec<Regex>,
    /// Report blank-line-only differences in plain-text copies.
    pub strict_blank_lines: bool,
    /// Time budget of one page's diff; past it the result is approximate (and says so).
    pub timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            ignore: Vec::new(),
            strict_blank_lines: false,
            timeout: Duration::from_secs(2),
        }
    }
}

impl Options {
    /// Compiles `--ignore` patterns, naming the bad one.
    pub fn with_ignores(mut self, patterns: &[String]) -> Result<Self> {
        for p in patterns {
            let re = Regex::new(p).map_err(|e| {
                Error::msg(format!(
                    "bad --ignore regex {p:?}: {}",
                    e.to_string().lines().last().unwrap_or("")
                ))
                .help("use Rust regex syntax, e.g. '^Was this article helpful\\?$'")
            })?;
            self.ignore.push(re);
        }
        Ok(self)
    }
}

/// Kind of a drift hunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HunkKind {
    /// The block exists on both sides with different text.
    Changed,
    /// Only the published copy has it.
    Added,
    /// Only the rendered page has it.
    Removed,
    /// The block sits elsewhere in the copy (its text may also differ).
    Moved,
}

/// Word-level operation: `delete` is in the expected page only, `insert` in the copy only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WordOp {
    /// On both sides.
    Equal,
    /// In the rendered page only.
    Delete,
    /// In the published copy only.
    Insert,
}

/// A run of words with one operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Word {
    /// What happened to the run.
    pub op: WordOp,
    /// The run's text, spaces included.
    pub text: String,
}

/// Where a hunk sits in the page, as data (printers choose the words). It holds no line
/// numbers, so it stays the same when edits elsewhere shift the page: with the hunk's text it
/// can be fingerprinted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Location {
    /// Headings above the block, outermost first, without the page title.
    pub section: Vec<String>,
    /// Kind of the block the hunk is in (or follows, with `after`); none at the start of the page.
    pub block: Option<BlockKind>,
    /// The hunk is just after the block (text only the copy has, in a plain-text comparison).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub after: bool,
    /// A heading's text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heading: Option<String>,
    /// A table row's key (its first cell); none for the header row.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<String>,
    /// The block is a table's header row.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub header_row: bool,
    /// Table columns whose cells differ.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<Column>,
    /// A front-matter key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// A paragraph's, list item's or markup's plain text (printers shorten it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// A heading whose level changed: `[expected, published]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<[usize; 2]>,
}

/// A table column, by position and header name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Column {
    /// 1-based position in the row.
    pub index: usize,
    /// The header cell's text; none when the table has no header for it.
    pub name: Option<String>,
}

/// What the analysis normalised or approximated, as data (printers choose the words).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Note {
    /// A UTF-8 byte-order mark was ignored.
    Bom,
    /// CRLF line endings were normalised on `lines` lines.
    CrlfLineEndings {
        /// Lines that ended in CRLF.
        lines: usize,
    },
    /// Lone CR line endings were normalised.
    CrLineEndings,
    /// Trailing spaces or tabs were ignored on `lines` lines.
    TrailingWhitespace {
        /// Lines that had them.
        lines: usize,
    },
    /// The copy does not end with a newline.
    MissingFinalNewline,
    /// Blank lines at the end of the copy were ignored.
    ExtraBlankLines {
        /// How many.
        lines: usize,
    },
    /// The diff hit its time limit; the hunks are approximate.
    Timeout {
        /// The limit, in milliseconds.
        limit_ms: u64,
    },
}

/// One difference between a copy and its rendered page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hunk {
    /// changed | added | removed | moved.
    pub kind: HunkKind,
    /// Where: section path, block, row, columns...
    pub location: Location,
    /// 1-based inclusive lines in the copy (null when the copy lacks the text).
    pub published_lines: Option<[usize; 2]>,
    /// 1-based inclusive lines in the rendered page (null when only the copy has it).
    pub expected_lines: Option<[usize; 2]>,
    /// The template line that produced the expected text.
    pub template: Option<TemplateLine>,
    /// Rendered text.
    pub expected: Option<String>,
    /// Published text.
    pub published: Option<String>,
    /// Word-level diff from expected to published.
    pub words: Vec<Word>,
    /// Copy line a printer anchors the hunk to (where missing text would go).
    #[serde(skip)]
    pub anchor: usize,
}

/// Clean or drifted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// No drift (notes may still say what was normalised).
    Clean,
    /// At least one hunk.
    Drifted,
}

/// The drift of one published copy.
#[derive(Debug, Clone, Serialize)]
pub struct PageReport {
    /// Page name.
    pub page: String,
    /// Variant slug.
    pub variant: String,
    /// Path of the copy.
    pub published: String,
    /// markdown | text.
    pub format: CopyFormat,
    /// clean | drifted.
    pub status: Status,
    /// 0..1 line similarity of the compared texts.
    pub similarity: f64,
    /// Normalisations applied and approximations made, reported once.
    pub notes: Vec<Note>,
    /// The differences, in the copy's order.
    pub hunks: Vec<Hunk>,
    /// What the copy should be (rendered Markdown or plain text), for patches and --fix.
    #[serde(skip)]
    pub expected_text: String,
    /// The copy as read (decoded, not normalised), for patches.
    #[serde(skip)]
    pub published_text: String,
}

/// Totals over all pages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Copies checked.
    pub pages: usize,
    /// Copies without drift.
    pub clean: usize,
    /// Copies with drift.
    pub drifted: usize,
    /// Hunks over all copies.
    pub hunks: usize,
    /// Hunks the baseline accepts (only counted when one applies).
    #[serde(skip_serializing_if = "is_zero")]
    pub accepted: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// The drift report of a run: what every printer formats.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Always [`SCHEMA`].
    pub schema: &'static str,
    /// One entry per copy, in the order given.
    pub pages: Vec<PageReport>,
    /// Totals.
    pub summary: Summary,
    /// Accepted hunks and stale entries, when a baseline applies (`docvar-baseline.toml`).
    #[serde(skip)]
    pub baseline: Option<crate::baseline::Applied>,
}

impl Report {
    /// Builds a report with its summary.
    pub fn new(pages: Vec<PageReport>) -> Report {
        let summary = Summary {
            pages: pages.len(),
            clean: pages.iter().filter(|p| p.status == Status::Clean).count(),
            drifted: pages.iter().filter(|p| p.status == Status::Drifted).count(),
            hunks: pages.iter().map(|p| p.hunks.len()).sum(),
            accepted: 0,
        };
        Report {
            schema: SCHEMA,
            pages,
            summary,
            baseline: None,
        }
    }

    /// Whether any copy drifted in a way the baseline (if any) does not accept.
    pub fn has_drift(&self) -> bool {
        match &self.baseline {
            Some(b) => b.unaccepted_count() > 0,
            None => self.summary.drifted > 0,
        }
    }

    /// This report with `applied` (from [`crate::baseline::apply`]) attached and counted.
    pub fn with_baseline(mut self, applied: crate::baseline::Applied) -> Report {
        self.summary.accepted = applied.accepted_count();
        self.baseline = Some(applied);
        self
    }

    /// The report without the hunks its baseline accepts (pages left without hunks are
    /// clean), for printers that show only what needs work.
    pub fn without_accepted(&self) -> Report {
        let Some(b) = &self.baseline else {
            return self.clone();
        };
        let pages = self
            .pages
            .iter()
            .zip(&b.accepted)
            .map(|(p, acc)| {
                let mut p = p.clone();
                p.hunks = p
                    .hunks
                    .into_iter()
                    .zip(acc)
                    .filter(|(_, a)| !**a)
                    .map(|(h, _)| h)
                    .collect();
                if p.hunks.is_empty() {
                    p.status = Status::Clean;
                }
                p
            })
            .collect();
        Report::new(pages)
    }
}

// ---------------------------------------------------------------------------------------------
// Inputs

/// The copies the variant files declare (`[pages.<page>] published = [...]`).
pub fn declared_copies(project: &Project) -> Vec<Copy> {
    let mut copies = Vec::new();
    for v in &project.variants {
        for (page, settings) in &v.pages {
            for p in &settings.published {
                copies.push(Copy {
                    page: page.clone(),
                    variant: v.slug.clone(),
                    path: project.path(p),
                    format: CopyFormat::of(p),
                });
            }
        }
    }
    copies
}

/// Every copy in a folder laid out like out/: `DIR/<slug>/<page>.md` or `.txt`.
pub fn copies_in_dir(project: &Project, dir: &Path) -> Result<Vec<Copy>> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, &e))?;
    let mut copies = Vec::new();
    let mut slugs: Vec<_> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir() && !e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    slugs.sort_by_key(|e| e.file_name());
    for slug_dir in slugs {
        let slug = slug_dir.file_name().to_string_lossy().into_owned();
        project.variant(&slug).map_err(|e| Error {
            file: Some(slug_dir.path()),
            ..e
        })?;
        let mut files: Vec<PathBuf> = std::fs::read_dir(slug_dir.path())
            .map_err(|e| Error::io(slug_dir.path(), &e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.is_file() && matches!(p.extension().and_then(|e| e.to_str()), Some("md" | "txt"))
            })
            .collect();
        files.sort();
        for path in files {
            let page = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            project.page(&page).map_err(|e| Error {
                file: Some(path.clone()),
                ..e
            })?;
            copies.push(Copy {
                page,
                variant: slug.clone(),
                format: CopyFormat::of(&path),
                path,
            });
        }
    }
    if copies.is_empty() {
        return Err(Error::in_file(dir, "no published copies found")
            .help("lay the folder out like out/: <slug>/<page>.md or <slug>/<page>.txt"));
    }
    Ok(copies)
}

/// Reads a published copy: text, UTF-8, not binary.
pub fn read_copy(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, &e))?;
    if let Some(off) = bytes.iter().position(|&b| b == 0) {
        return Err(Error::in_file(path, "looks binary (it holds a NUL byte)")
            .at_offset(off)
            .help("pass a Markdown or plain-text copy"));
    }
    decode(path, bytes)
}

/// Checks every copy (in parallel) and builds the report; the first error stops the run.
pub fn check(
    project: &Project,
    renderer: &Renderer<'_>,
    copies: &[Copy],
    opts: &Options,
) -> Result<Report> {
    check_with_progress(project, renderer, copies, opts, &AtomicUsize::new(0))
}

/// [`check`], adding one to `done` as each copy is analysed, for a progress display.
pub fn check_with_progress(
    project: &Project,
    renderer: &Renderer<'_>,
    copies: &[Copy],
    opts: &Options,
    done: &AtomicUsize,
) -> Result<Report> {
    let pages: Vec<Result<PageReport>> = copies
        .par_iter()
        .map(|c| {
            let variant = project.variant(&c.variant)?;
            project.page(&c.page)?;
            let expected = renderer.render(&c.page, variant)?;
            let published = read_copy(&c.path)?;
            // The template-line map is only worked out for a copy with hunks to place.
            let make = || renderer.template_line_map(&c.page, variant, &expected);
            let tl = TemplateLines::lazy(&make);
            let analysis = compare_with(&expected, &published, c.format, &tl, opts);
            done.fetch_add(1, Ordering::Relaxed);
            Ok(analysis.into_page(c))
        })
        .collect();
    Ok(Report::new(pages.into_iter().collect::<Result<_>>()?))
}

// ---------------------------------------------------------------------------------------------
// Analysis

/// The drift of one copy, before it is tied to a file.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// 0..1 similarity.
    pub similarity: f64,
    /// Normalisation notes.
    pub notes: Vec<Note>,
    /// Hunks in the copy's order.
    pub hunks: Vec<Hunk>,
    /// The expected text in the copy's format.
    pub expected_text: String,
    /// The copy as given.
    pub published_text: String,
}

impl Analysis {
    /// Attaches the copy's identity.
    pub fn into_page(self, c: &Copy) -> PageReport {
        PageReport {
            page: c.page.clone(),
            variant: c.variant.clone(),
            published: c.path.display().to_string(),
            format: c.format,
            status: if self.hunks.is_empty() {
                Status::Clean
            } else {
                Status::Drifted
            },
            similarity: self.similarity,
            notes: self.notes,
            hunks: self.hunks,
            expected_text: self.expected_text,
            published_text: self.published_text,
        }
    }
}

/// Undoes what editors and exporters change without meaning to (BOM, CRLF, trailing spaces,
/// final newlines), saying what was undone when `notes` is given.
pub fn normalise(raw: &str, notes: Option<&mut Vec<Note>>) -> String {
    // Most copies need none of it: one final newline, LF only, no BOM, no trailing blanks.
    let clean = raw.len() > 1
        && raw.ends_with('\n')
        && !raw.ends_with("\n\n")
        && !raw.starts_with('\u{feff}')
        && !raw.contains('\r')
        && !raw.contains(" \n")
        && !raw.contains("\t\n");
    if clean {
        return raw.to_string();
    }
    normalise_in_full(raw, notes)
}

fn normalise_in_full(raw: &str, mut notes: Option<&mut Vec<Note>>) -> String {
    let mut note = |s: Note| {
        if let Some(n) = notes.as_deref_mut() {
            n.push(s);
        }
    };
    let mut s = raw;
    if let Some(rest) = s.strip_prefix('\u{feff}') {
        note(Note::Bom);
        s = rest;
    }
    let crlf = s.matches("\r\n").count();
    let text = if s.contains('\r') {
        if crlf > 0 {
            note(Note::CrlfLineEndings { lines: crlf });
        } else {
            note(Note::CrLineEndings);
        }
        s.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        s.to_string()
    };
    let mut trailing = 0;
    let mut out = String::with_capacity(text.len());
    for line in text.split('\n') {
        let t = line.trim_end_matches([' ', '\t']);
        if t.len() != line.len() {
            trailing += 1;
        }
        out.push_str(t);
        out.push('\n');
    }
    if trailing > 0 {
        note(Note::TrailingWhitespace { lines: trailing });
    }
    // `split` yields one piece after the last newline; drop the newline added after it.
    out.pop();
    let body = out.trim_end_matches('\n');
    let newlines = out.len() - body.len();
    if !body.is_empty() {
        if newlines == 0 {
            note(Note::MissingFinalNewline);
        } else if newlines > 1 {
            note(Note::ExtraBlankLines {
                lines: newlines - 1,
            });
        }
    }
    let mut result = body.to_string();
    if !result.is_empty() {
        result.push('\n');
    }
    result
}

fn blank_ignored(text: &str, ignore: &[Regex]) -> String {
    if ignore.is_empty() {
        return text.to_string();
    }
    text.split_inclusive('\n')
        .map(|l| {
            let body = l.trim_end_matches('\n');
            if ignore.iter().any(|re| re.is_match(body)) {
                &l[body.len()..]
            } else {
                l
            }
        })
        .collect()
}

/// Compares a copy with its rendered page. `template_lines` maps rendered Markdown lines to
/// template lines (may be empty).
pub fn compare(
    expected_md: &str,
    published_raw: &str,
    format: CopyFormat,
    template_lines: &[Option<TemplateLine>],
    opts: &Options,
) -> Analysis {
    compare_with(
        expected_md,
        published_raw,
        format,
        &TemplateLines::given(template_lines),
        opts,
    )
}

/// Rendered line -> template line, given or worked out on first use.
struct TemplateLines<'a> {
    given: &'a [Option<TemplateLine>],
    make: Option<&'a (dyn Fn() -> LineMap<'a> + Sync)>,
    made: std::sync::OnceLock<LineMap<'a>>,
}

impl<'a> TemplateLines<'a> {
    fn given(lines: &'a [Option<TemplateLine>]) -> Self {
        TemplateLines {
            given: lines,
            make: None,
            made: std::sync::OnceLock::new(),
        }
    }

    fn lazy(make: &'a (dyn Fn() -> LineMap<'a> + Sync)) -> Self {
        TemplateLines {
            given: &[],
            make: Some(make),
            made: std::sync::OnceLock::new(),
        }
    }

    /// The template line behind 1-based rendered `line`.
    fn at(&self, line: usize) -> Option<TemplateLine> {
        let i = line.checked_sub(1)?;
        match self.make {
            Some(make) => {
                let (files, map) = self.made.get_or_init(make);
                let (f, line) = (*map.get(i)?)?;
                Some(TemplateLine {
                    file: files[f].to_path_buf(),
                    line,
                })
            }
            None => self.given.get(i).cloned().flatten(),
        }
    }
}

fn compare_with(
    expected_md: &str,
    published_raw: &str,
    format: CopyFormat,
    template_lines: &TemplateLines<'_>,
    opts: &Options,
) -> Analysis {
    let deadline = Instant::now() + opts.timeout;
    let mut notes = Vec::new();
    let published = normalise(published_raw, Some(&mut notes));
    let (expected_text, hunks, similarity) = match format {
        CopyFormat::Markdown => {
            let expected = normalise(expected_md, None);
            if expected == published {
                // Equal texts split into equal blocks: no hunk, every line the same. Most
                // copies in a healthy project take this path.
                (expected_md.to_string(), Vec::new(), 1.0)
            } else {
                // Both sides split, and then blocks and lines diffed, side by side: a large
                // copy uses both cores.
                let big = expected.len() + published.len() > PARALLEL_BYTES;
                let (exp_doc, pub_doc) = join(
                    big,
                    || Document::parse(&blank_ignored(&expected, &opts.ignore)),
                    || Document::parse(&blank_ignored(&published, &opts.ignore)),
                );
                let (hunks, sim) = join(
                    big,
                    || compare_blocks(&exp_doc, &pub_doc, template_lines, deadline),
                    || line_similarity(&expected, &published, deadline),
                );
                (expected_md.to_string(), hunks, sim)
            }
        }
        CopyFormat::Text => {
            let doc = Document::parse(expected_md);
            let text = export::text(&doc);
            let big = text.text.len() + published.len() > PARALLEL_BYTES;
            let (hunks, sim) = join(
                big,
                || compare_text(&doc, &text, &published, template_lines, opts, deadline),
                || line_similarity(&text.text, &published, deadline),
            );
            (text.text, hunks, sim)
        }
    };
    if Instant::now() > deadline {
        notes.push(Note::Timeout {
            limit_ms: opts.timeout.as_millis().try_into().unwrap_or(u64::MAX),
        });
    }
    Analysis {
        similarity,
        notes,
        hunks,
        expected_text,
        published_text: published_raw.to_string(),
    }
}

/// Above this many bytes (both sides) one copy's analysis is split over two threads; below it
/// handing work to another thread costs more than it saves.
const PARALLEL_BYTES: usize = 256 << 10;

/// Runs `a` and `b`, on two threads when `parallel`.
fn join<A: Send, B: Send>(
    parallel: bool,
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    if parallel {
        rayon::join(a, b)
    } else {
        (a(), b())
    }
}

fn line_similarity(a: &str, b: &str, deadline: Instant) -> f64 {
    let a: Vec<&str> = a.lines().collect();
    let b: Vec<&str> = b.lines().collect();
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let ops = capture_diff_slices_deadline(Algorithm::Myers, &a, &b, Some(deadline));
    let ratio = similar::diff_ratio(&ops, a.len(), b.len()) as f64;
    (ratio * 10_000.0).round() / 10_000.0
}

/// Splits text into diff tokens: whitespace runs, words, and Markdown links, inline code and
/// HTML tags as single tokens (a changed URL is one changed link, not a stream of symbols).
pub fn tokens(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut i = 0;
    let b = s.as_bytes();
    while i < s.len() {
        let rest = &s[i..];
        let c = rest.chars().next().unwrap_or(' ');
        let len = if c.is_whitespace() {
            rest.find(|c: char| !c.is_whitespace())
                .unwrap_or(rest.len())
        } else if let Some(n) = special_len(rest) {
            n
        } else {
            let mut n = c.len_utf8();
            for (k, ch) in rest.char_indices().skip(1) {
                if ch.is_whitespace()
                    || (matches!(ch, '[' | '`' | '<' | '!') && special_len(&rest[k..]).is_some())
                {
                    break;
                }
                n = k + ch.len_utf8();
            }
            n
        };
        let _ = b;
        out.push(&s[i..i + len]);
        i += len;
    }
    out
}

fn special_len(s: &str) -> Option<usize> {
    let start = if s.starts_with("![") { 1 } else { 0 };
    match s[start..].chars().next()? {
        '[' => {
            let close = matching(&s[start..], '[', ']')? + start;
            let after = &s[close + 1..];
            if after.starts_with('(') {
                let paren = matching(after, '(', ')')?;
                Some(close + 1 + paren + 1)
            } else {
                None
            }
        }
        '`' if start == 0 => {
            let ticks = s.len() - s.trim_start_matches('`').len();
            let fence = &s[..ticks];
            s[ticks..].find(fence).map(|p| ticks + p + ticks)
        }
        '<' if start == 0 => {
            let end = s.find('>')?;
            let inner = &s[1..end];
            let ok = inner.starts_with(|c: char| c.is_ascii_alphabetic() || c == '/' || c == '!');
            ok.then_some(end + 1)
        }
        _ => None,
    }
}

fn matching(s: &str, open: char, close: char) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in s.char_indices() {
        if c == open {
            depth += 1;
        } else if c == close {
            depth = depth.checked_sub(1)?;
            if depth == 0 {
                return Some(i);
            }
        } else if c == '\n' {
            return None;
        }
    }
    None
}

/// Word diff from `expected` to `published`, runs of one operation merged.
pub fn word_diff(expected: &str, published: &str, deadline: Instant) -> Vec<Word> {
    let a = tokens(expected);
    let b = tokens(published);
    let ops = capture_diff_slices_deadline(Algorithm::Myers, &a, &b, Some(deadline));
    let mut words: Vec<Word> = Vec::new();
    let mut push = |op: WordOp, toks: &[&str]| {
        if toks.is_empty() {
            return;
        }
        let text: String = toks.concat();
        match words.last_mut() {
            Some(w) if w.op == op => w.text.push_str(&text),
            _ => words.push(Word { op, text }),
        }
    };
    for op in &ops {
        let (o, n) = (op.old_range(), op.new_range());
        match op {
            DiffOp::Equal { .. } => push(WordOp::Equal, &a[o]),
            DiffOp::Delete { .. } => push(WordOp::Delete, &a[o]),
            DiffOp::Insert { .. } => push(WordOp::Insert, &b[n]),
            DiffOp::Replace { .. } => {
                push(WordOp::Delete, &a[o]);
                push(WordOp::Insert, &b[n]);
            }
        }
    }
    words
}

fn similarity(a: &str, b: &str) -> f32 {
    let a: Vec<&str> = a.split_whitespace().collect();
    let b: Vec<&str> = b.split_whitespace().collect();
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let ops = similar::capture_diff_slices(Algorithm::Myers, &a, &b);
    similar::diff_ratio(&ops, a.len(), b.len())
}

/// The block as a location: which section, what kind, and what names it.
pub(crate) fn location(b: &Block) -> Location {
    let mut loc = Location {
        section: if b.kind == BlockKind::FrontMatter {
            Vec::new()
        } else {
            b.section.clone()
        },
        block: Some(b.kind),
        ..Location::default()
    };
    match b.kind {
        BlockKind::FrontMatter => loc.key = Some(b.key.clone()),
        BlockKind::Heading => loc.heading = Some(b.text.clone()),
        BlockKind::Paragraph | BlockKind::ListItem | BlockKind::Raw => {
            loc.text = Some(b.text.clone())
        }
        BlockKind::TableRow if b.header => loc.header_row = true,
        BlockKind::TableRow => loc.row = Some(b.key.clone()),
        BlockKind::Code | BlockKind::Rule => {}
    }
    loc
}

/// Each table's header row by group: [`Document::columns`] without a scan of the page per
/// changed row.
pub(crate) fn headers(doc: &Document) -> HashMap<usize, &Block> {
    let mut by_group = HashMap::new();
    for b in &doc.blocks {
        if b.kind == BlockKind::TableRow && b.header {
            by_group.entry(b.group).or_insert(b);
        }
    }
    by_group
}

pub(crate) fn changed_columns(
    headers: &HashMap<usize, &Block>,
    e: &Block,
    p: &Block,
) -> Vec<Column> {
    if e.kind != BlockKind::TableRow || e.raw_cells.len() != p.raw_cells.len() {
        return Vec::new();
    }
    let names = headers
        .get(&e.group)
        .map(|h| h.cells.as_slice())
        .unwrap_or(&[]);
    e.raw_cells
        .iter()
        .zip(&p.raw_cells)
        .enumerate()
        .filter(|(_, (a, b))| a != b)
        .map(|(i, _)| Column {
            index: i + 1,
            name: names.get(i).cloned(),
        })
        .collect()
}

#[derive(Clone, Copy)]
enum Pair {
    Both(usize, usize),
    Expected(usize),
    Published(usize),
}

/// Pairs the blocks of one differing region: same kind and key first (in order), then same
/// kind and similar text by position; the rest stay unpaired.
fn pair_region(
    exp: &[Block],
    publ: &[Block],
    e: std::ops::Range<usize>,
    p: std::ops::Range<usize>,
) -> Vec<Pair> {
    let ek: Vec<(BlockKind, &str)> = exp[e.clone()]
        .iter()
        .map(|b| (b.kind, b.key.as_str()))
        .collect();
    let pk: Vec<(BlockKind, &str)> = publ[p.clone()]
        .iter()
        .map(|b| (b.kind, b.key.as_str()))
        .collect();
    let mut pairs = Vec::new();
    for op in similar::capture_diff_slices(Algorithm::Myers, &ek, &pk) {
        let (o, n) = (op.old_range(), op.new_range());
        match op {
            DiffOp::Equal { .. } => {
                for (a, b) in o.zip(n) {
                    pairs.push(Pair::Both(e.start + a, p.start + b));
                }
            }
            _ if o.len() == n.len()
                && o.clone()
                    .zip(n.clone())
                    .all(|(a, b)| exp[e.start + a].kind == publ[p.start + b].kind) =>
            {
                // As many blocks of the same kinds on both sides: each was edited in place.
                for (a, b) in o.zip(n) {
                    pairs.push(Pair::Both(e.start + a, p.start + b));
                }
            }
            _ => {
                // Pair leftovers by kind and resemblance, keeping order.
                let mut used = vec![false; n.len()];
                let mut cursor = 0;
                for a in o {
                    let ea = &exp[e.start + a];
                    let found = (cursor..n.len()).find(|&k| {
                        let pb = &publ[p.start + n.start + k];
                        !used[k]
                            && pb.kind == ea.kind
                            && (ea.kind == BlockKind::Heading
                                || similarity(&ea.text, &pb.text) >= 0.5)
                    });
                    match found {
                        Some(k) => {
                            for (j, u) in used.iter().enumerate().take(k).skip(cursor) {
                                if !u {
                                    pairs.push(Pair::Published(p.start + n.start + j));
                                }
                            }
                            used[k] = true;
                            cursor = k + 1;
                            pairs.push(Pair::Both(e.start + a, p.start + n.start + k));
                        }
                        None => pairs.push(Pair::Expected(e.start + a)),
                    }
                }
                for (k, u) in used.iter().enumerate().skip(cursor) {
                    if !u {
                        pairs.push(Pair::Published(p.start + n.start + k));
                    }
                }
                let _ = cursor;
            }
        }
    }
    pairs
}

fn compare_blocks(
    exp: &Document,
    publ: &Document,
    tl: &TemplateLines<'_>,
    deadline: Instant,
) -> Vec<Hunk> {
    let ekeys: Vec<(BlockKind, String)> =
        exp.blocks.iter().map(|b| (b.kind, b.content())).collect();
    let pkeys: Vec<(BlockKind, String)> =
        publ.blocks.iter().map(|b| (b.kind, b.content())).collect();
    let ops = capture_diff_slices_deadline(Algorithm::Myers, &ekeys, &pkeys, Some(deadline));
    let pairs: Vec<Pair> = ops
        .iter()
        .filter(|op| !matches!(op, DiffOp::Equal { .. }))
        .flat_map(|op| pair_region(&exp.blocks, &publ.blocks, op.old_range(), op.new_range()))
        .collect();
    // A block missing in one place and present in another moved: pair them up first so the
    // move is one hunk, reported where the block now sits.
    // Each expected-only block takes the first free copy-only block (in pair order) of its
    // kind with the same content, or with the same key (rows, items, headings); queues by
    // content and by key find it without scanning every pair (which was quadratic in the
    // hunks of a heavily edited copy).
    let mut moved_to: Vec<Option<usize>> = vec![None; publ.blocks.len()];
    let mut moved_from = vec![false; exp.blocks.len()];
    let mut order = vec![usize::MAX; publ.blocks.len()];
    let mut by_content: HashMap<(BlockKind, &str), VecDeque<usize>> = HashMap::new();
    let mut by_key: HashMap<(BlockKind, &str), VecDeque<usize>> = HashMap::new();
    for (i, pair) in pairs.iter().enumerate() {
        if let Pair::Published(b) = *pair {
            let p = &publ.blocks[b];
            order[b] = i;
            by_content
                .entry((p.kind, pkeys[b].1.as_str()))
                .or_default()
                .push_back(b);
            by_key
                .entry((p.kind, p.key.as_str()))
                .or_default()
                .push_back(b);
        }
    }
    fn first_free(q: Option<&mut VecDeque<usize>>, moved_to: &[Option<usize>]) -> Option<usize> {
        let q = q?;
        while let Some(&b) = q.front() {
            if moved_to[b].is_none() {
                return Some(b);
            }
            q.pop_front();
        }
        None
    }
    for pair in &pairs {
        let Pair::Expected(a) = *pair else { continue };
        let e = &exp.blocks[a];
        let same_content = first_free(
            by_content.get_mut(&(e.kind, ekeys[a].1.as_str())),
            &moved_to,
        );
        let same_key = if !e.key.is_empty() && e.kind != BlockKind::Paragraph {
            first_free(by_key.get_mut(&(e.kind, e.key.as_str())), &moved_to)
        } else {
            None
        };
        let target = match (same_content, same_key) {
            (Some(x), Some(y)) => Some(if order[x] <= order[y] { x } else { y }),
            (x, y) => x.or(y),
        };
        if let Some(b) = target {
            moved_to[b] = Some(a);
            moved_from[a] = true;
        }
    }
    let equals: Vec<(usize, usize, usize)> = ops
        .iter()
        .filter_map(|op| match *op {
            DiffOp::Equal {
                old_index,
                new_index,
                len,
            } => Some((old_index, new_index, len)),
            _ => None,
        })
        .collect();
    let exp_headers = headers(exp);
    let mut hunks = Vec::new();
    for pair in pairs {
        match pair {
            Pair::Both(a, b) => {
                let (e, p) = (&exp.blocks[a], &publ.blocks[b]);
                if ekeys[a].1 == pkeys[b].1 {
                    continue;
                }
                let mut loc = location(e);
                loc.columns = changed_columns(&exp_headers, e, p);
                if e.kind == BlockKind::Heading && e.level != p.level {
                    loc.level = Some([e.level, p.level]);
                }
                hunks.push(hunk(
                    HunkKind::Changed,
                    loc,
                    Some(e),
                    Some(p),
                    tl,
                    p.lines[0],
                    deadline,
                ));
            }
            Pair::Expected(a) if moved_from[a] => {}
            Pair::Expected(a) => {
                let e = &exp.blocks[a];
                let anchor = anchor_for(publ, &equals, a);
                hunks.push(hunk(
                    HunkKind::Removed,
                    location(e),
                    Some(e),
                    None,
                    tl,
                    anchor,
                    deadline,
                ));
            }
            Pair::Published(b) => {
                let p = &publ.blocks[b];
                match moved_to[b] {
                    Some(a) => {
                        // Where it moved from is the hunk's expected lines, not location.
                        let e = &exp.blocks[a];
                        hunks.push(hunk(
                            HunkKind::Moved,
                            location(e),
                            Some(e),
                            Some(p),
                            tl,
                            p.lines[0],
                            deadline,
                        ));
                    }
                    None => hunks.push(hunk(
                        HunkKind::Added,
                        location(p),
                        None,
                        Some(p),
                        tl,
                        p.lines[0],
                        deadline,
                    )),
                }
            }
        }
    }
    hunks
}

/// The copy line where an expected-only block would go: just after the copy's block that
/// matches the nearest equal block before it.
/// `equals` are the diff's equal runs `(old_index, new_index, len)` in order; the answer
/// comes from the last run starting before `a` (found by binary search, not a scan per hunk).
fn anchor_for(publ: &Document, equals: &[(usize, usize, usize)], a: usize) -> usize {
    let before = equals.partition_point(|&(old_index, _, _)| old_index < a);
    for &(old_index, new_index, len) in equals[..before].iter().rev() {
        let last = (old_index + len - 1).min(a - 1);
        let b = new_index + (last - old_index);
        if let Some(p) = publ.blocks.get(b) {
            return p.lines[1] + 1;
        }
    }
    1
}

fn hunk(
    kind: HunkKind,
    location: Location,
    e: Option<&Block>,
    p: Option<&Block>,
    tl: &TemplateLines<'_>,
    anchor: usize,
    deadline: Instant,
) -> Hunk {
    // Show the lines as written; blocks were matched on their content.
    let expected = e.map(|b| b.source.clone());
    let published = p.map(|b| b.source.clone());
    let words = word_diff(
        expected.as_deref().unwrap_or(""),
        published.as_deref().unwrap_or(""),
        deadline,
    );
    Hunk {
        kind,
        location,
        published_lines: p.map(|b| b.lines),
        expected_lines: e.map(|b| b.lines),
        template: e.and_then(|b| tl.at(b.lines[0])),
        expected,
        published,
        words,
        anchor,
    }
}

fn compare_text(
    doc: &Document,
    text: &export::Text,
    published: &str,
    tl: &TemplateLines<'_>,
    opts: &Options,
    deadline: Instant,
) -> Vec<Hunk> {
    let keep = |l: &str| {
        (opts.strict_blank_lines || !l.trim().is_empty())
            && !opts.ignore.iter().any(|re| re.is_match(l))
    };
    let exp: Vec<(usize, &str)> = text
        .text
        .lines()
        .enumerate()
        .filter(|(_, l)| keep(l))
        .map(|(i, l)| (i + 1, l))
        .collect();
    let publ: Vec<(usize, &str)> = published
        .lines()
        .enumerate()
        .filter(|(_, l)| keep(l))
        .map(|(i, l)| (i + 1, l))
        .collect();
    let a: Vec<&str> = exp.iter().map(|x| x.1).collect();
    let b: Vec<&str> = publ.iter().map(|x| x.1).collect();
    let ops = capture_diff_slices_deadline(Algorithm::Myers, &a, &b, Some(deadline));
    let block_of = |line: usize| {
        text.blocks
            .get(line - 1)
            .copied()
            .flatten()
            .map(|i| &doc.blocks[i])
    };
    let mut hunks: Vec<Hunk> = Vec::new();
    for op in &ops {
        let (o, n) = (op.old_range(), op.new_range());
        if let DiffOp::Equal { .. } = op {
            continue;
        }
        let e_lines = (!o.is_empty()).then(|| [exp[o.start].0, exp[o.end - 1].0]);
        let p_lines = (!n.is_empty()).then(|| [publ[n.start].0, publ[n.end - 1].0]);
        let expected = (!o.is_empty()).then(|| a[o.clone()].join("\n"));
        let published_t = (!n.is_empty()).then(|| b[n.clone()].join("\n"));
        // Locate by the expected block at (or just before) the change.
        let at_line = match e_lines {
            Some(l) => Some(l[0]),
            None => o.start.checked_sub(1).map(|i| exp[i].0),
        };
        let block = at_line.and_then(block_of);
        let kind = match op {
            DiffOp::Delete { .. } => HunkKind::Removed,
            DiffOp::Insert { .. } => HunkKind::Added,
            _ => HunkKind::Changed,
        };
        let location = match (block, kind) {
            (Some(b), HunkKind::Added) => Location {
                after: true,
                ..location(b)
            },
            (Some(b), _) => location(b),
            (None, _) => Location::default(),
        };
        let anchor = match p_lines {
            Some(l) => l[0],
            None => n.start.checked_sub(1).map_or(1, |i| publ[i].0 + 1),
        };
        let template = e_lines.and(block).and_then(|b| tl.at(b.lines[0]));
        let words = word_diff(
            expected.as_deref().unwrap_or(""),
            published_t.as_deref().unwrap_or(""),
            deadline,
        );
        hunks.push(Hunk {
            kind,
            location,
            published_lines: p_lines,
            expected_lines: e_lines,
            template,
            expected,
            published: published_t,
            words,
            anchor,
        });
    }
    // Text removed in one place and added in another moved.
    let mut i = 0;
    while i < hunks.len() {
        if hunks[i].kind == HunkKind::Removed {
            let text = hunks[i].expected.clone();
            if let Some(j) = hunks
                .iter()
                .position(|h| h.kind == HunkKind::Added && h.published == text)
            {
                let added = hunks.remove(j);
                let i = if j < i { i - 1 } else { i };
                let h = &mut hunks[i];
                h.kind = HunkKind::Moved;
                h.published_lines = added.published_lines;
                h.published = added.published;
                h.anchor = added.anchor;
                h.words = vec![Word {
                    op: WordOp::Equal,
                    text: h.expected.clone().unwrap_or_default(),
                }];
                continue;
            }
        }
        i += 1;
    }
    hunks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_keep_links_and_code_whole() {
        assert_eq!(
            tokens("see [the docs](/a b) and `x y`."),
            vec![
                "see",
                " ",
                "[the docs](/a b)",
                " ",
                "and",
                " ",
                "`x y`",
                "."
            ]
        );
        assert_eq!(tokens("a<b>c</b>"), vec!["a", "<b>", "c", "</b>"]);
    }

    proptest::proptest! {
        #[test]
        fn normalise_fast_path_is_the_full_normalisation(s in "[ab \t\r\n\u{feff}]{0,12}") {
            let (mut fast, mut full) = (Vec::new(), Vec::new());
            proptest::prop_assert_eq!(
                normalise(&s, Some(&mut fast)),
                normalise_in_full(&s, Some(&mut full))
            );
            proptest::prop_assert_eq!(fast, full);
        }
    }

    #[test]
    fn normalise_notes() {
        let mut notes = Vec::new();
        assert_eq!(normalise("\u{feff}a \r\nb", Some(&mut notes)), "a\nb\n");
        assert_eq!(notes.len(), 4, "{notes:?}");
    }

    #[test]
    fn moved_row_is_one_hunk() {
        let e = "|A|B|\n|---|---|\n|x|1|\n|y|2|\n|z|3|\n";
        let p = "|A|B|\n|---|---|\n|y|2|\n|z|3|\n|x|1|\n";
        let a = compare(e, p, CopyFormat::Markdown, &[], &Options::default());
        assert_eq!(a.hunks.len(), 1, "{:#?}", a.hunks);
        assert_eq!(a.hunks[0].kind, HunkKind::Moved);
    }
}
