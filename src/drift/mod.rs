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

mod align;
mod normalise;
mod restore;
mod select;
mod words;

use align::*;
pub(crate) use align::{changed_columns, headers, location};
use normalise::*;
pub use normalise::{looks_like_markdown, normalise};
pub(crate) use restore::restore;
use restore::*;
pub use select::{
    check, check_each, check_kept, declared_copies, each_declared, read_copy_limited, DirCopies,
};
use words::*;
pub use words::{line_diff, tokens, word_diff};

/// The JSON schema name and version of [`Report`].
pub const SCHEMA: &str = "docvar-drift/2";

/// How a published copy is written (also `docvar diff --as`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
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
pub struct PublishedCopy {
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
    /// Work out each drifted copy's fixed text (`PageReport::fixed_text`), which `--fix` and
    /// `--format unified` need; it costs a second comparison per drifted copy.
    pub restore: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            ignore: Vec::new(),
            strict_blank_lines: false,
            timeout: Duration::from_secs(2),
            restore: true,
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
    /// A `.txt` copy holds Markdown (front matter, headings with links, tables or bullets), so
    /// it was compared with the rendered Markdown.
    TextCopyIsMarkdown,
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
pub enum CopyStatus {
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
    pub status: CopyStatus,
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
    /// The copy with only its drift replaced by the rendered text, keeping what the
    /// comparison ignored (ignored lines, line endings, BOM, final newline): what `--fix`
    /// writes and `--format unified` patches to. Empty for a clean copy.
    #[serde(skip)]
    pub fixed_text: String,
}

impl PageReport {
    /// This copy's report without the hunks `accepted` flags (a baseline's); clean when none
    /// is left.
    pub fn without(&self, accepted: &[bool]) -> PageReport {
        let mut p = self.clone();
        let mut flags = accepted.iter();
        p.hunks.retain(|_| !flags.next().copied().unwrap_or(false));
        if p.hunks.is_empty() {
            p.status = CopyStatus::Clean;
        }
        p
    }
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
            clean: pages
                .iter()
                .filter(|p| p.status == CopyStatus::Clean)
                .count(),
            drifted: pages
                .iter()
                .filter(|p| p.status == CopyStatus::Drifted)
                .count(),
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
            .map(|(p, acc)| p.without(acc))
            .collect();
        Report::new(pages)
    }
}

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
    /// The copy with only its drift replaced (see `restore`); empty when clean.
    pub fixed_text: String,
    /// The format the copy was compared in: a `.txt` copy that is really Markdown is
    /// compared as Markdown.
    pub format: CopyFormat,
}

impl Analysis {
    /// Attaches the copy's identity.
    pub fn into_page(self, c: PublishedCopy) -> PageReport {
        PageReport {
            page: c.page,
            variant: c.variant,
            // The copy's own path moves into the report (a run holds one per copy).
            published: c
                .path
                .into_os_string()
                .into_string()
                .unwrap_or_else(|p| p.to_string_lossy().into_owned()),
            format: self.format,
            status: if self.hunks.is_empty() {
                CopyStatus::Clean
            } else {
                CopyStatus::Drifted
            },
            similarity: self.similarity,
            notes: self.notes,
            hunks: self.hunks,
            expected_text: self.expected_text,
            published_text: self.published_text,
            fixed_text: self.fixed_text,
        }
    }
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
        true,
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
    fix: bool,
) -> Analysis {
    let deadline = Instant::now() + opts.timeout;
    let mut notes = Vec::new();
    let published = normalise(published_raw, Some(&mut notes));
    // Judged on the lines compared (ignored ones kept by `--fix` must not turn it Markdown),
    // and not when the page's own plain text looks like Markdown too (inline code such as
    // `# x` prints as a heading marker): then the test cannot tell the two apart, and reading
    // the copy as Markdown would make what `--fix` writes (that plain text) drift.
    let format = if format == CopyFormat::Text
        && looks_like_markdown(&blank_ignored(&published, &opts.ignore))
        && !looks_like_markdown(&export::to_text(&normalise(expected_md, None)))
    {
        notes.push(Note::TextCopyIsMarkdown);
        CopyFormat::Markdown
    } else {
        format
    };
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
            // Normalised as the Markdown side is, so a BOM or CR in the page means the same.
            let doc = Document::parse(&normalise(expected_md, None));
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
    let fixed_text = if hunks.is_empty() || !fix || !opts.restore {
        String::new()
    } else {
        // The smallest fix keeps the copy's blank lines too; where that would leave drift
        // (a blank line splitting a paragraph), blank lines follow the template.
        // Markdown only: in a plain-text copy blank lines count under --strict-blank-lines.
        let keep_blanks = format == CopyFormat::Markdown;
        // The page as compared: one BOM is encoding on either side, not content.
        let target = normalise(&expected_text, None);
        let minimal = restore_with(
            published_raw,
            &target,
            &opts.ignore,
            keep_blanks,
            Instant::now() + opts.timeout,
        );
        let tl = TemplateLines::given(&[]);
        let check = compare_with(expected_md, &minimal, format, &tl, opts, false);
        if check.hunks.is_empty() {
            minimal
        } else {
            restore(published_raw, &target, &opts.ignore)
        }
    };
    Analysis {
        similarity,
        notes,
        hunks,
        expected_text,
        published_text: published_raw.to_string(),
        fixed_text,
        format,
    }
}

/// Above this many bytes (both sides) one copy's analysis is split over two threads; below it
/// handing work to another thread costs more than it saves.
pub(super) const PARALLEL_BYTES: usize = 256 << 10;

/// Runs `a` and `b`, on two threads when `parallel`.
pub(super) fn join<A: Send, B: Send>(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_split_links_and_code_into_words() {
        assert_eq!(
            tokens("see [the docs](/a b) and `x y`."),
            vec![
                "see", " ", "[", "the", " ", "docs", "](", "/a b", ")", " ", "and", " ", "`", "x",
                " ", "y", "`", "."
            ]
        );
        assert_eq!(
            tokens("![alt](i.png)"),
            vec!["![", "alt", "](", "i.png", ")"]
        );
        assert_eq!(tokens("a<b>c</b>"), vec!["a", "<b>", "c", "</b>"]);
    }

    fn marked(words: &[Word]) -> Vec<(WordOp, &str)> {
        words
            .iter()
            .filter(|w| w.op != WordOp::Equal)
            .map(|w| (w.op, w.text.as_str()))
            .collect()
    }

    #[test]
    fn a_word_dropped_inside_a_link_marks_that_word() {
        let far = Instant::now() + Duration::from_secs(5);
        let w = word_diff(
            "for [backing up the Private SaaS](/private-saas/dr) using",
            "for [backing up Private SaaS](/private-saas/dr) using",
            far,
        );
        assert_eq!(marked(&w), vec![(WordOp::Delete, " the")]);
        let w = word_diff("run `a --b c`", "run `a --x c`", far);
        assert_eq!(
            marked(&w),
            vec![(WordOp::Delete, "--b"), (WordOp::Insert, "--x")]
        );
        let w = word_diff("[docs](/old)", "[docs](/new)", far);
        assert_eq!(
            marked(&w),
            vec![(WordOp::Delete, "/old"), (WordOp::Insert, "/new")]
        );
    }

    #[test]
    fn neighbouring_word_changes_are_one_run() {
        let far = Instant::now() + Duration::from_secs(5);
        let w = word_diff(
            "x. Beginning with version 1",
            "x. Do not perform backups on version 1",
            far,
        );
        assert_eq!(
            marked(&w),
            vec![
                (WordOp::Delete, "Beginning with"),
                (WordOp::Insert, "Do not perform backups on")
            ]
        );
    }

    #[test]
    fn code_blocks_diff_by_line() {
        let far = Instant::now() + Duration::from_secs(5);
        let w = line_diff("```\na b\nc d\n```", "```\na b\nc e\n```", far);
        assert_eq!(
            marked(&w),
            vec![(WordOp::Delete, "c d\n"), (WordOp::Insert, "c e\n")]
        );
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

    /// The resemblance search of `pair_region` (a word diff per candidate pair, blocks x
    /// blocks) stops at the deadline: with one already past, nothing is paired by resemblance.
    #[test]
    fn pair_region_stops_pairing_by_resemblance_past_the_deadline() {
        let e = Document::parse("one two three four\n\ntwo three four five\n");
        let p = Document::parse("# Head\n\none two three four x\n");
        let both = |pairs: &[Pair]| pairs.iter().filter(|x| matches!(x, Pair::Both(..))).count();
        let far = Instant::now() + Duration::from_secs(60);
        let (er, pr) = (0..e.blocks.len(), 0..p.blocks.len());
        assert_eq!(
            both(&pair_region(
                &e.blocks,
                &p.blocks,
                er.clone(),
                pr.clone(),
                far
            )),
            1
        );
        let past = Instant::now() - Duration::from_millis(1);
        let pairs = pair_region(&e.blocks, &p.blocks, er, pr, past);
        assert_eq!(both(&pairs), 0);
        assert_eq!(pairs.len(), e.blocks.len() + p.blocks.len());
    }

    /// A text copy with thousands of moved lines (found by queues by text, not a scan of every
    /// hunk per removed one): every removed text that was added elsewhere is one move.
    #[test]
    fn text_moves_pair_removed_with_added_lines_in_order() {
        // Per group, the middle line moves down one: a removed and an added hunk each.
        let group = |i: usize, moved: bool| {
            let (a, m, b) = (
                format!("keep a {i}"),
                format!("moved {i}"),
                format!("keep b {i}"),
            );
            if moved {
                [a, b, m]
            } else {
                [a, m, b]
            }
        };
        let page = |moved: bool| {
            (0..1500)
                .flat_map(|i| group(i, moved))
                .collect::<Vec<_>>()
                .join("\n\n")
                + "\n"
        };
        let (expected, published) = (page(false), page(true));
        let opts = Options {
            timeout: Duration::from_secs(600),
            restore: false,
            ..Options::default()
        };
        let a = compare(&expected, &published, CopyFormat::Text, &[], &opts);
        let moved = a.hunks.iter().filter(|h| h.kind == HunkKind::Moved).count();
        assert!(moved > 1000, "{moved} moved hunks");
        for h in a.hunks.iter().filter(|h| h.kind == HunkKind::Moved) {
            assert_eq!(h.expected, h.published);
        }
        // No removed text is left with an added hunk of the same text.
        let added: std::collections::HashSet<_> = a
            .hunks
            .iter()
            .filter(|h| h.kind == HunkKind::Added)
            .map(|h| h.published.clone())
            .collect();
        assert!(a
            .hunks
            .iter()
            .filter(|h| h.kind == HunkKind::Removed)
            .all(|h| !added.contains(&h.expected)));
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
