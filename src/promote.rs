//! Promote: a published copy's drift becomes the template's text, so the copy renders clean
//! and every other product gets the change in its own words.
//!
//! The copy and its render are compared line by line; each differing run of lines (a
//! [`Region`]) is mapped back to the template lines that produced it through the renderer's
//! line map, and replaced by the copy's lines with this product's variable values written
//! back as `{{variables}}`. Nothing is written unless every selected region maps cleanly and
//! the edited templates, rendered again, give exactly the promised text.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use regex::Regex;
use serde_json::Value;
use similar::{capture_diff_slices_deadline, Algorithm, DiffTag};

use crate::drift::{self, CopyFormat, Hunk, PublishedCopy};
use crate::error::{Error, Result};
use crate::fsguard;
use crate::project::{PageTemplate, Project};
use crate::render::Renderer;

/// What to promote: one Markdown copy, all its hunks or some.
#[derive(Debug, Clone)]
pub struct Request {
    /// The copy.
    pub copy: PublishedCopy,
    /// Hunks to promote, 1-based in the order `docvar diff` lists them; empty means all.
    pub hunks: Vec<usize>,
    /// Keep the change for this product (and this page) alone, behind a conditional.
    pub only_variant: bool,
}

/// Where in a template file a region goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Template lines `lines` (1-based, inclusive) are replaced (or removed).
    Replace {
        /// Template or partial.
        file: PathBuf,
        /// First and last line.
        lines: [usize; 2],
    },
    /// The copy's lines go in before template line `before` (one past the end: appended).
    Insert {
        /// Template or partial.
        file: PathBuf,
        /// 1-based line the text goes before.
        before: usize,
    },
}

/// Why a region cannot be written back into the template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No template line is known for this rendered line.
    Unmapped {
        /// 1-based rendered line.
        line: usize,
    },
    /// The lines come from more than one file (a page and a partial).
    SpansFiles,
    /// The line is a variable's value with line breaks (front matter, a multi-line value):
    /// the variant file holds it, not the template.
    MultiLineValue {
        /// Template or partial.
        file: PathBuf,
        /// 1-based template line.
        line: usize,
    },
    /// The line sits in a block (`{{#each}}`, `{{#with}}`, ...) whose body other output
    /// shares.
    InBlock {
        /// Template or partial.
        file: PathBuf,
        /// 1-based template line.
        line: usize,
        /// The block helper.
        helper: String,
    },
    /// The line holds a helper call, comment or whitespace control, which promoting would
    /// replace by its output.
    Expression {
        /// Template or partial.
        file: PathBuf,
        /// 1-based template line.
        line: usize,
    },
    /// Between the lines sit template lines this product does not render (block tags, the
    /// other branch of an `{{#if}}`), which replacing them would remove for every product.
    CrossesBlock {
        /// Template or partial.
        file: PathBuf,
        /// 1-based template line.
        line: usize,
    },
    /// With `--hunk`: the region's lines also hold hunks not selected, which would go with it.
    Entangled {
        /// The hunks (1-based) that run into the selected ones.
        with: Vec<usize>,
    },
    /// The template line renders elsewhere in the page too (a partial included twice).
    Repeated {
        /// Template or partial.
        file: PathBuf,
        /// 1-based template line.
        line: usize,
    },
}

/// What became of a region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Written back at this place.
    Promoted(Target),
    /// Left alone: blank lines only, which the drift check does not count, in a place that
    /// cannot take them.
    Skipped(Refusal),
    /// Cannot be promoted.
    Refused(Refusal),
}

/// A run of lines where the copy and its render differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    /// The hunks (1-based) whose lines it holds; empty for blank-line-only differences.
    pub hunks: Vec<usize>,
    /// 1-based inclusive copy lines (none when the copy lacks the text).
    pub published_lines: Option<[usize; 2]>,
    /// 1-based inclusive rendered lines (none when only the copy has the text).
    pub expected_lines: Option<[usize; 2]>,
    /// Selected (by `--hunk`, or all).
    pub selected: bool,
    /// What promote does with it (unselected regions: nothing).
    pub outcome: Option<Outcome>,
}

/// One template or partial file changed by the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEdit {
    /// The file.
    pub path: PathBuf,
    /// Its text now.
    pub before: String,
    /// Its text after promoting.
    pub after: String,
}

/// A rendered page whose text the plan changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageChange {
    /// Page name.
    pub page: String,
    /// Variant slug.
    pub variant: String,
    /// Rendered Markdown now.
    pub before: String,
    /// Rendered Markdown after promoting.
    pub after: String,
}

/// Whether the plan can be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every selected region maps, and the edited templates render as promised.
    Ready,
    /// The copy is clean: nothing to promote.
    Clean,
    /// A plain-text copy: its Markdown (links, tables) is gone, so it cannot become template
    /// text.
    TextCopy,
    /// Some selected regions cannot be promoted (see their outcomes).
    Refused,
    /// The edited template does not render the copy's text (`lines`: 1-based rendered lines
    /// of the first difference).
    Mismatch {
        /// First rendered line that differs from what was promised.
        line: usize,
    },
    /// With `--only-variant`: these pages of other products (or other pages) would change.
    OthersChange {
        /// `(page, variant)` pairs.
        pages: Vec<(String, String)>,
    },
    /// The edited templates fail to compile or render (the message says where).
    RenderFails {
        /// The error, as docvar words it.
        message: String,
    },
}

/// What promoting a copy would do: regions, file edits, page changes and the verdict.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Page name.
    pub page: String,
    /// Variant slug.
    pub variant: String,
    /// The copy.
    pub copy: PathBuf,
    /// The copy's drift, as `docvar diff` reports it (hunk N is `hunks[N - 1]`).
    pub hunks: Vec<Hunk>,
    /// Every differing run of lines, selected or not.
    pub regions: Vec<Region>,
    /// Template and partial edits (empty unless the verdict is `Ready`).
    pub edits: Vec<FileEdit>,
    /// Rendered pages that change, every product's.
    pub changes: Vec<PageChange>,
    /// Whether it can be written.
    pub verdict: Verdict,
}

impl Plan {
    fn empty(req: &Request, hunks: Vec<Hunk>, verdict: Verdict) -> Plan {
        Plan {
            page: req.copy.page.clone(),
            variant: req.copy.variant.clone(),
            copy: req.copy.path.clone(),
            hunks,
            regions: Vec::new(),
            edits: Vec::new(),
            changes: Vec::new(),
            verdict,
        }
    }
}

/// How a template line renders, as far as promoting it is concerned.
#[derive(Debug, Clone, Default)]
struct LineInfo {
    /// Block helpers open around the line, outermost first.
    blocks: Vec<String>,
    /// Plain `{{name}}` variables on the line.
    vars: Vec<String>,
    /// Something other than text and plain variables (helper call, comment, `~`).
    complex: bool,
}

/// Block nesting and expression kinds of every line of a template source.
fn scan(source: &str) -> Vec<LineInfo> {
    let mut out = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    for line in source.lines() {
        let mut info = LineInfo {
            blocks: stack.clone(),
            ..Default::default()
        };
        let mut rest = line;
        while let Some(start) = rest.find("{{") {
            // `\{{` is literal text.
            if rest[..start].ends_with('\\') {
                rest = &rest[start + 2..];
                continue;
            }
            let after = &rest[start..];
            let Some(end) = after.find("}}") else {
                info.complex = true;
                break;
            };
            let mut end = end + 2;
            if after[end..].starts_with('}') {
                end += 1;
            }
            let tag = &after[..end];
            let inner = tag.trim_start_matches('{').trim_end_matches('}');
            if inner.starts_with('~') || inner.ends_with('~') {
                info.complex = true;
            }
            let inner = inner.trim_matches('~').trim();
            if inner == "^" {
                // `{{^}}` is `{{else}}`.
                info.complex = true;
            } else if let Some(block) = inner.strip_prefix('#').or_else(|| inner.strip_prefix('^'))
            {
                let name = block.split_whitespace().next().unwrap_or("").to_string();
                stack.push(name.clone());
                info.blocks.push(name);
                info.complex = true;
            } else if inner.starts_with('/') {
                stack.pop();
                info.complex = true;
            } else if inner == "else"
                || inner.starts_with("else ")
                || inner.is_empty()
                || inner.starts_with('!')
                || inner.starts_with('>')
            {
                info.complex = true;
            } else if inner.split_whitespace().count() == 1
                && !crate::render::BUILTIN_HELPERS.contains(&inner)
            {
                info.vars.push(inner.to_string());
            } else {
                info.complex = true;
            }
            rest = &after[end..];
        }
        out.push(info);
    }
    out
}

/// A template file by path, among the project's pages and partials.
fn template_file<'p>(project: &'p Project, path: &Path) -> Option<&'p PageTemplate> {
    project
        .pages
        .iter()
        .chain(&project.partials)
        .find(|t| t.path == path)
}

/// Variables a promoted line may be written with: text values every product defines for
/// `page`, this product's value first. Sorted longest value first, then by preference.
fn candidates(project: &Project, renderer: &Renderer<'_>, page: &str, slug: &str) -> Vec<Cand> {
    let Ok(this) = project.variant(slug) else {
        return Vec::new();
    };
    let ctx = renderer.context(page, this);
    let used = uses(project);
    let mut out = Vec::new();
    let Some(map) = ctx.as_object() else {
        return out;
    };
    for (name, value) in map {
        let Value::String(value) = value else {
            continue;
        };
        let builtin = crate::render::BUILTIN_VARS.contains(&name.as_str());
        let count = used.get(name.as_str()).copied().unwrap_or(0);
        if name == "front_matter" || name == "page" || (builtin && count == 0) {
            continue;
        }
        // Too short or too plain to stand for a name, or not one line.
        if value.chars().count() < 3
            || value.chars().all(|c| c.is_ascii_digit())
            || value.contains(['\n', '\r'])
            || value.trim() != value
        {
            continue;
        }
        let everywhere = project.variants.iter().all(|v| {
            renderer
                .context(page, v)
                .get(name)
                .is_some_and(Value::is_string)
        });
        if !everywhere {
            continue;
        }
        out.push(Cand {
            name: name.clone(),
            value: value.clone(),
            uses: count,
        });
    }
    out
}

/// A variable a value may be written back as.
#[derive(Debug, Clone)]
struct Cand {
    name: String,
    value: String,
    /// How often the templates print it: the more used of two equal values wins.
    uses: usize,
}

/// How often each `{{name}}` appears in the project's templates and partials.
fn uses(project: &Project) -> BTreeMap<String, usize> {
    let mut count = BTreeMap::new();
    for t in project.pages.iter().chain(&project.partials) {
        for info in scan(&t.source) {
            for v in info.vars {
                *count.entry(v).or_insert(0) += 1;
            }
        }
    }
    count
}

/// A URL-segment-like value (`appliance`, `private-saas`): written back only inside paths,
/// so the same word in running text stays text.
fn slug_like(value: &str) -> bool {
    value
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'))
}

/// `line` as template text: this product's values written back as variables (longest
/// first; of equal values the one the replaced lines print, then the most used), and `{{`
/// escaped so the copy's text stays text.
fn revariable(line: &str, cands: &[Cand], prefer: &BTreeSet<String>) -> String {
    let mut order: Vec<&Cand> = cands.iter().collect();
    order.sort_by(|a, b| {
        b.value
            .len()
            .cmp(&a.value.len())
            .then(prefer.contains(&b.name).cmp(&prefer.contains(&a.name)))
            .then(b.uses.cmp(&a.uses))
            .then(a.name.cmp(&b.name))
    });
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    'scan: while i < line.len() {
        let rest = &line[i..];
        if rest.starts_with("{{") {
            out.push_str("\\{{");
            i += 2;
            continue;
        }
        let before = line[..i].chars().next_back();
        for c in &order {
            if !rest.starts_with(c.value.as_str()) {
                continue;
            }
            let after = rest[c.value.len()..].chars().next();
            let word_edge = |ch: Option<char>| ch.is_none_or(|ch| !ch.is_alphanumeric());
            if !word_edge(before) || !word_edge(after) {
                continue;
            }
            if slug_like(&c.value) && before != Some('/') && after != Some('/') {
                continue;
            }
            out.push_str("{{");
            out.push_str(&c.name);
            out.push_str("}}");
            i += c.value.len();
            continue 'scan;
        }
        let ch = rest.chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

/// One edit of a template file, in the file's lines.
#[derive(Debug, Clone)]
struct Edit {
    /// 1-based first line replaced, or the line inserted before.
    start: usize,
    /// Lines removed from `start`.
    remove: usize,
    /// New lines, without line ends.
    lines: Vec<String>,
}

/// `source` with `edits` (sorted by start, not overlapping) made, keeping its line ends and
/// its final newline (or lack of one).
fn edit_source(source: &str, edits: &[Edit]) -> String {
    let eol = if source.contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    let final_newline = source.is_empty() || source.ends_with('\n');
    let lines: Vec<&str> = source.split_inclusive('\n').collect();
    let mut out = String::with_capacity(source.len() + 256);
    let push_line = |out: &mut String, l: &str| {
        out.push_str(l);
        if !l.ends_with('\n') {
            out.push_str(eol);
        }
    };
    let mut next = 0;
    let mut skip_to = 0;
    for i in 1..=lines.len() + 1 {
        while next < edits.len() && edits[next].start == i {
            let e = &edits[next];
            for l in &e.lines {
                push_line(&mut out, l);
            }
            skip_to = skip_to.max(i + e.remove);
            next += 1;
        }
        if i <= lines.len() && i >= skip_to {
            push_line(&mut out, lines[i - 1]);
        }
    }
    if !final_newline && out.ends_with(eol) {
        out.truncate(out.len() - eol.len());
    }
    out
}

/// The copy's lines and the render's, compared; regions of difference with 0-based
/// half-open ranges `(rendered, copy)`.
fn regions_of(
    expected: &[&str],
    published: &[&str],
    ignore: &[Regex],
    deadline: std::time::Instant,
) -> Vec<(usize, usize, usize, usize)> {
    let kept = |lines: &[&str]| -> Vec<usize> {
        (0..lines.len())
            .filter(|&i| !ignore.iter().any(|re| re.is_match(lines[i])))
            .collect()
    };
    let (ek, pk) = (kept(expected), kept(published));
    let e: Vec<&str> = ek.iter().map(|&i| expected[i]).collect();
    let p: Vec<&str> = pk.iter().map(|&i| published[i]).collect();
    // Original indices of a kept range; an empty range sits before the next kept line.
    let orig = |idx: &[usize], total: usize, r: std::ops::Range<usize>| {
        if r.is_empty() {
            let at = idx.get(r.start).copied().unwrap_or(total);
            (at, at)
        } else {
            (idx[r.start], idx[r.end - 1] + 1)
        }
    };
    let mut out: Vec<(usize, usize, usize, usize)> = Vec::new();
    let mut pending: Option<(std::ops::Range<usize>, std::ops::Range<usize>)> = None;
    for op in capture_diff_slices_deadline(Algorithm::Patience, &e, &p, Some(deadline)) {
        if op.tag() == DiffTag::Equal {
            if let Some((er, pr)) = pending.take() {
                let (a, b) = orig(&ek, expected.len(), er);
                let (c, d) = orig(&pk, published.len(), pr);
                out.push((a, b, c, d));
            }
            continue;
        }
        let (er, pr) = (op.old_range(), op.new_range());
        pending = Some(match pending.take() {
            Some((e0, p0)) => (e0.start..er.end.max(e0.end), p0.start..pr.end.max(p0.end)),
            None => (er, pr),
        });
    }
    if let Some((er, pr)) = pending {
        let (a, b) = orig(&ek, expected.len(), er);
        let (c, d) = orig(&pk, published.len(), pr);
        out.push((a, b, c, d));
    }
    out
}

fn overlaps(r: (usize, usize), lines: Option<[usize; 2]>) -> bool {
    match lines {
        Some([a, b]) => r.0 < r.1 && r.0 < b && a - 1 < r.1,
        None => false,
    }
}

/// Plans promoting `req.copy` into its page's template (and partials).
pub fn plan(
    project: &Project,
    renderer: &Renderer<'_>,
    req: &Request,
    opts: &drift::Options,
) -> Result<Plan> {
    let c = &req.copy;
    let variant = project.variant(&c.variant)?;
    project.page(&c.page)?;
    let rendered = renderer.render(&c.page, variant)?;
    let raw = project.read_copy(&c.path)?;
    let tl = renderer.template_lines(&c.page, variant, &rendered);
    let analysis = drift::compare(&rendered, &raw, c.format, &tl, opts);
    let hunks = analysis.hunks;
    if let Some(&n) = req.hunks.iter().find(|&&n| n == 0 || n > hunks.len()) {
        return Err(Error::in_file(
            &c.path,
            format!(
                "has {} hunk{}; there is no hunk {n}",
                hunks.len(),
                if hunks.len() == 1 { "" } else { "s" }
            ),
        )
        .help("hunks count from 1 in the order `docvar diff` lists them; `docvar promote --dry-run` numbers them"));
    }
    if analysis.format == CopyFormat::Text {
        return Ok(Plan::empty(req, hunks, Verdict::TextCopy));
    }
    if hunks.is_empty() {
        return Ok(Plan::empty(req, hunks, Verdict::Clean));
    }
    let expected = drift::normalise(&rendered, None);
    let published = drift::normalise(&raw, None);
    let exp: Vec<&str> = expected.lines().collect();
    let publ: Vec<&str> = published.lines().collect();
    let (files, map) = renderer.template_line_map(&c.page, variant, &rendered);
    let scans: BTreeMap<&Path, Vec<LineInfo>> = files
        .iter()
        .filter_map(|f| template_file(project, f).map(|t| (*f, scan(&t.source))))
        .collect();
    // Rendered lines per template line, to tell multi-line values and repeats.
    let mut renders: BTreeMap<(usize, usize), Vec<usize>> = BTreeMap::new();
    for (r, m) in map.iter().enumerate() {
        if let Some(m) = m {
            renders.entry(*m).or_default().push(r);
        }
    }
    let info = |f: usize, line: usize| scans.get(files[f]).and_then(|s| s.get(line - 1));
    let check_line = |f: usize, line: usize| -> std::result::Result<(), Refusal> {
        let file = files[f].to_path_buf();
        let Some(i) = info(f, line) else {
            return Err(Refusal::Expression { file, line });
        };
        if let Some(b) = i
            .blocks
            .iter()
            .find(|b| !matches!(b.as_str(), "if" | "unless"))
        {
            return Err(Refusal::InBlock {
                file,
                line,
                helper: b.clone(),
            });
        }
        if i.complex {
            return Err(Refusal::Expression { file, line });
        }
        let rs = renders.get(&(f, line)).map_or(&[][..], Vec::as_slice);
        if rs.len() > 1 {
            let contiguous = rs.windows(2).all(|w| w[1] == w[0] + 1);
            return Err(if contiguous {
                Refusal::MultiLineValue { file, line }
            } else {
                Refusal::Repeated { file, line }
            });
        }
        Ok(())
    };
    let selected_hunk = |n: usize| req.hunks.is_empty() || req.hunks.contains(&n);
    // Past the deadline the alignment is coarser (larger regions), never wrong: the render
    // check below still holds the result to the copy's text.
    let raw_regions = regions_of(
        &exp,
        &publ,
        &opts.ignore,
        std::time::Instant::now() + opts.timeout,
    );
    let blank = |r: &(usize, usize, usize, usize)| {
        exp[r.0..r.1]
            .iter()
            .chain(&publ[r.2..r.3])
            .all(|l| l.trim().is_empty())
    };
    let mut regions: Vec<Region> = raw_regions
        .iter()
        .map(|r| {
            let hs: Vec<usize> = hunks
                .iter()
                .enumerate()
                .filter(|(_, h)| {
                    overlaps((r.0, r.1), h.expected_lines)
                        || overlaps((r.2, r.3), h.published_lines)
                })
                .map(|(i, _)| i + 1)
                .collect();
            Region {
                selected: hs.iter().any(|&n| selected_hunk(n)),
                hunks: hs,
                published_lines: (r.2 < r.3).then(|| [r.2 + 1, r.3]),
                expected_lines: (r.0 < r.1).then(|| [r.0 + 1, r.1]),
                outcome: None,
            }
        })
        .collect();
    // Blank-line differences next to a selected region go with it (or, promoting all, every
    // one): the drift check does not count them, but the template should still say them.
    for i in 0..regions.len() {
        if regions[i].hunks.is_empty() && blank(&raw_regions[i]) {
            let near = |j: usize| {
                let (a, b) = (raw_regions[i], raw_regions[j]);
                regions[j].selected && (a.0 == b.1 || a.1 == b.0 || a.2 == b.3 || a.3 == b.2)
            };
            regions[i].selected = req.hunks.is_empty()
                || (i > 0 && near(i - 1))
                || (i + 1 < regions.len() && near(i + 1));
        }
    }
    for r in regions.iter_mut().filter(|r| r.selected) {
        let missing: Vec<usize> = r
            .hunks
            .iter()
            .copied()
            .filter(|&n| !selected_hunk(n))
            .collect();
        if !missing.is_empty() {
            r.outcome = Some(Outcome::Refused(Refusal::Entangled { with: missing }));
        }
    }
    let page_file = project.page(&c.page)?.path.clone();
    let mut edits: BTreeMap<PathBuf, Vec<(Edit, BTreeSet<String>)>> = BTreeMap::new();
    let mut refused = false;
    for (region, &(a, b, cs, cd)) in regions.iter_mut().zip(&raw_regions) {
        if !region.selected {
            continue;
        }
        if region.outcome.is_some() {
            refused = true;
            continue;
        }
        let target = if a < b {
            locate_replace(&map, a, b, &check_line, &files)
        } else {
            locate_insert(&map, a, &check_line, &files, &page_file)
        };
        match target {
            Ok((target, f, old)) => {
                let prefer: BTreeSet<String> = old
                    .iter()
                    .filter_map(|&l| info(f, l))
                    .flat_map(|i| i.vars.iter().cloned())
                    .collect();
                let (file, start, remove) = match &target {
                    Target::Replace { file, lines } => {
                        (file.clone(), lines[0], lines[1] + 1 - lines[0])
                    }
                    Target::Insert { file, before } => (file.clone(), *before, 0),
                };
                let new_lines: Vec<String> = publ[cs..cd]
                    .iter()
                    .filter(|l| !opts.ignore.iter().any(|re| re.is_match(l)))
                    .map(|l| l.to_string())
                    .collect();
                edits.entry(file).or_default().push((
                    Edit {
                        start,
                        remove,
                        lines: new_lines,
                    },
                    prefer,
                ));
                region.outcome = Some(Outcome::Promoted(target));
            }
            Err(why) if region.hunks.is_empty() => region.outcome = Some(Outcome::Skipped(why)),
            Err(why) => {
                region.outcome = Some(Outcome::Refused(why));
                refused = true;
            }
        }
    }
    let mut plan = Plan {
        page: c.page.clone(),
        variant: c.variant.clone(),
        copy: c.path.clone(),
        hunks,
        regions,
        edits: Vec::new(),
        changes: Vec::new(),
        verdict: Verdict::Refused,
    };
    if refused {
        return Ok(plan);
    }
    let cands = candidates(project, renderer, &c.page, &c.variant);
    let mut edited = project.clone();
    for (path, mut list) in edits {
        list.sort_by_key(|(e, _)| (e.start, e.remove));
        let Some(t) = template_file(project, &path) else {
            continue;
        };
        let is_partial = path != page_file;
        let old_lines: Vec<&str> = t.source.lines().collect();
        let made: Vec<Edit> = list
            .into_iter()
            .map(|(e, prefer)| {
                let new: Vec<String> = e
                    .lines
                    .iter()
                    .map(|l| revariable(l, &cands, &prefer))
                    .collect();
                if !req.only_variant {
                    return Edit { lines: new, ..e };
                }
                let old: Vec<String> = old_lines[e.start - 1..e.start - 1 + e.remove]
                    .iter()
                    .map(|l| l.to_string())
                    .collect();
                Edit {
                    lines: guarded(&c.variant, is_partial.then_some(c.page.as_str()), new, old),
                    ..e
                }
            })
            .collect();
        // The file as it is on disk: the loaded source has its BOM and CRLFs taken out, and
        // both stay as the file has them.
        let raw = fsguard::read_text_limited(&path, project.config.max_file_size)?;
        let (bom, body) = match raw.strip_prefix('\u{feff}') {
            Some(b) => ("\u{feff}", b),
            None => ("", raw.as_str()),
        };
        if body.replace("\r\n", "\n") != t.source {
            return Err(
                Error::in_file(&path, "changed while docvar was reading the project")
                    .help("run docvar promote again"),
            );
        }
        let after = format!("{bom}{}", edit_source(body, &made));
        let loaded = after
            .strip_prefix('\u{feff}')
            .unwrap_or(&after)
            .replace("\r\n", "\n");
        for tpl in edited.pages.iter_mut().chain(edited.partials.iter_mut()) {
            if tpl.path == path {
                tpl.source = loaded.clone();
            }
        }
        plan.edits.push(FileEdit {
            path,
            before: raw,
            after,
        });
    }
    // The promised text: the render with each promoted region replaced by the copy's lines.
    let mut promised: Vec<&str> = Vec::new();
    let mut at = 0;
    for (region, &(a, b, cs, cd)) in plan.regions.iter().zip(&raw_regions) {
        if matches!(region.outcome, Some(Outcome::Promoted(_))) {
            promised.extend(&exp[at..a]);
            promised.extend(
                publ[cs..cd]
                    .iter()
                    .filter(|l| !opts.ignore.iter().any(|re| re.is_match(l))),
            );
            at = b;
        }
    }
    promised.extend(&exp[at..]);
    let partial_changed = plan.edits.iter().any(|e| e.path != page_file);
    let others = match verify(project, renderer, &edited, c, &promised, partial_changed) {
        Ok((changes, others)) => {
            plan.changes = changes;
            others
        }
        Err(verdict) => {
            plan.verdict = verdict;
            return Ok(plan);
        }
    };
    plan.verdict = if req.only_variant && !others.is_empty() {
        Verdict::OthersChange { pages: others }
    } else {
        Verdict::Ready
    };
    Ok(plan)
}

/// What [`verify`] finds: the pages that change, and `(page, variant)` of those that are not
/// the copy's own.
type Verified = (Vec<PageChange>, Vec<(String, String)>);

/// Renders the edited project: the copy's page for its product must give exactly `promised`;
/// then every page a changed file feeds, for every product, before and after. Returns the
/// pages that change and which of them are not the copy's own.
fn verify(
    project: &Project,
    renderer: &Renderer<'_>,
    edited: &Project,
    c: &PublishedCopy,
    promised: &[&str],
    partial_changed: bool,
) -> std::result::Result<Verified, Verdict> {
    let fails = |e: Error| Verdict::RenderFails {
        message: e.to_string(),
    };
    let new_renderer = Renderer::new(edited).map_err(fails)?;
    let variant = project.variant(&c.variant).map_err(fails)?;
    let now = new_renderer.render(&c.page, variant).map_err(fails)?;
    let now = drift::normalise(&now, None);
    let now: Vec<&str> = now.lines().collect();
    if now != promised {
        let line = now
            .iter()
            .zip(promised)
            .position(|(x, y)| x != y)
            .unwrap_or(now.len().min(promised.len()))
            + 1;
        return Err(Verdict::Mismatch { line });
    }
    let (mut changes, mut others) = (Vec::new(), Vec::new());
    for p in &project.pages {
        if !partial_changed && p.name != c.page {
            continue;
        }
        for v in &project.variants {
            let before = renderer.render(&p.name, v).map_err(fails)?;
            let after = new_renderer.render(&p.name, v).map_err(fails)?;
            if before != after {
                if p.name != c.page || v.slug != c.variant {
                    others.push((p.name.clone(), v.slug.clone()));
                }
                changes.push(PageChange {
                    page: p.name.clone(),
                    variant: v.slug.clone(),
                    before,
                    after,
                });
            }
        }
    }
    Ok((changes, others))
}

/// `new` for this product (and, in a partial, this page) alone; `old` for the rest.
fn guarded(slug: &str, page: Option<&str>, new: Vec<String>, old: Vec<String>) -> Vec<String> {
    let cond = match page {
        Some(p) => format!("(and (eq slug \"{slug}\") (eq page \"{p}\"))"),
        None => format!("(eq slug \"{slug}\")"),
    };
    let mut out = Vec::new();
    if new.is_empty() {
        out.push(format!("{{{{#unless {cond}}}}}"));
        out.extend(old);
        out.push("{{/unless}}".to_string());
        return out;
    }
    out.push(format!("{{{{#if {cond}}}}}"));
    out.extend(new);
    if !old.is_empty() {
        out.push("{{else}}".to_string());
        out.extend(old);
    }
    out.push("{{/if}}".to_string());
    out
}

type Check<'a> = dyn Fn(usize, usize) -> std::result::Result<(), Refusal> + 'a;

/// The template lines behind rendered lines `a..b`, if they can be replaced as a whole:
/// the target, the file's index and the old template lines.
fn locate_replace(
    map: &[Option<(usize, usize)>],
    a: usize,
    b: usize,
    check: &Check<'_>,
    files: &[&Path],
) -> std::result::Result<(Target, usize, Vec<usize>), Refusal> {
    let mut lines = BTreeSet::new();
    let mut file = None;
    for r in a..b {
        let Some((f, l)) = map.get(r).copied().flatten() else {
            return Err(Refusal::Unmapped { line: r + 1 });
        };
        if file.is_some_and(|x| x != f) {
            return Err(Refusal::SpansFiles);
        }
        file = Some(f);
        lines.insert(l);
    }
    let f = file.ok_or(Refusal::Unmapped { line: a + 1 })?;
    let (first, last) = (*lines.first().unwrap_or(&1), *lines.last().unwrap_or(&1));
    for l in first..=last {
        if !lines.contains(&l) {
            return Err(Refusal::CrossesBlock {
                file: files[f].to_path_buf(),
                line: l,
            });
        }
        check(f, l)?;
    }
    Ok((
        Target::Replace {
            file: files[f].to_path_buf(),
            lines: [first, last],
        },
        f,
        (first..=last).collect(),
    ))
}

/// Where text only the copy has goes, before rendered line `a`: before the next line's
/// template line or after the previous one's, the page's own template first.
fn locate_insert(
    map: &[Option<(usize, usize)>],
    a: usize,
    check: &Check<'_>,
    files: &[&Path],
    page_file: &Path,
) -> std::result::Result<(Target, usize, Vec<usize>), Refusal> {
    let next = map.get(a).copied().flatten().map(|(f, l)| (f, l, l));
    let prev = a
        .checked_sub(1)
        .and_then(|p| map.get(p).copied().flatten())
        .map(|(f, l)| (f, l, l + 1));
    let mut tries: Vec<(usize, usize, usize)> = Vec::new();
    for page_only in [true, false] {
        for c in [next, prev].into_iter().flatten() {
            if (files[c.0] == page_file) == page_only && !tries.contains(&c) {
                tries.push(c);
            }
        }
    }
    let mut why = Refusal::Unmapped { line: a + 1 };
    for (f, line, before) in tries {
        match check(f, line) {
            Ok(()) => {
                return Ok((
                    Target::Insert {
                        file: files[f].to_path_buf(),
                        before,
                    },
                    f,
                    vec![line],
                ))
            }
            Err(e) => why = e,
        }
    }
    Err(why)
}

/// Writes the plan's template edits: every file checked first (no link, unchanged since it
/// was read), then each replaced atomically; a failure puts back the files already written.
pub fn apply(project: &Project, plan: &Plan) -> Result<()> {
    if plan.verdict != Verdict::Ready {
        return Err(Error::msg("this promotion was refused; nothing written"));
    }
    for e in &plan.edits {
        fsguard::refuse_links(&project.root, &e.path)?;
        let now = fsguard::read_text_limited(&e.path, project.config.max_file_size)?;
        if now != e.before {
            return Err(Error::in_file(&e.path, "changed while docvar was planning")
                .help("run docvar promote again"));
        }
    }
    let mut done: Vec<&FileEdit> = Vec::new();
    for e in &plan.edits {
        if let Err(err) = fsguard::write_atomic(&project.root, &e.path, e.after.as_bytes()) {
            for d in done {
                let _ = fsguard::write_atomic(&project.root, &d.path, d.before.as_bytes());
            }
            return Err(err);
        }
        done.push(e);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(name: &str, value: &str, uses: usize) -> Cand {
        Cand {
            name: name.into(),
            value: value.into(),
            uses,
        }
    }

    #[test]
    fn values_become_variables_longest_first_and_slugs_only_in_paths() {
        let cands = [
            cand("product", "PSaaS Appliance", 9),
            cand("product_title", "PSaaS Appliance", 1),
            cand("product_short", "Appliance", 0),
            cand("section", "appliance", 20),
        ];
        let none = BTreeSet::new();
        assert_eq!(
            revariable(
                "* [Overview](/appliance/appliance-overview )",
                &cands,
                &none
            ),
            "* [Overview](/{{section}}/{{section}}-overview )"
        );
        assert_eq!(
            revariable(
                "The PSaaS Appliance is an appliance; Appliances {{x}}",
                &cands,
                &none
            ),
            "The {{product}} is an appliance; Appliances \\{{x}}"
        );
        let title: BTreeSet<String> = ["product_title".to_string()].into();
        assert_eq!(
            revariable("PSaaS Appliance", &cands, &title),
            "{{product_title}}"
        );
        assert_eq!(
            revariable("the Appliance", &cands, &none),
            "the {{product_short}}"
        );
    }

    #[test]
    fn edits_keep_line_ends_and_the_missing_final_newline() {
        let src = "a\r\nb\r\nc";
        let e = [Edit {
            start: 2,
            remove: 1,
            lines: vec!["B1".into(), "B2".into()],
        }];
        assert_eq!(edit_source(src, &e), "a\r\nB1\r\nB2\r\nc");
        let append = [Edit {
            start: 4,
            remove: 0,
            lines: vec!["d".into()],
        }];
        assert_eq!(edit_source(src, &append), "a\r\nb\r\nc\r\nd");
        let delete = [Edit {
            start: 1,
            remove: 2,
            lines: vec![],
        }];
        assert_eq!(edit_source("a\nb\nc\n", &delete), "c\n");
    }

    #[test]
    fn scan_knows_blocks_and_expressions() {
        let s = scan("a {{x}}\n{{#each rows}}\n|{{this}}|\n{{/each}}\n{{#if y}}\nb {{lookup a b}}\n{{^}}\n{{/if}}\n\\{{z}}\n");
        assert_eq!(s[0].vars, ["x"]);
        assert!(!s[0].complex);
        assert_eq!(s[2].blocks, ["each"]);
        assert!(s[5].complex);
        assert_eq!(s[5].blocks, ["if"]);
        assert_eq!(s[7].blocks, ["if"]);
        assert!(s[8].blocks.is_empty() && !s[8].complex);
    }
}
