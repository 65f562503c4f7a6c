//! `docvar infer`: a template and per-product variables from near-duplicate published copies
//! of one page.
//!
//! The analysis ([`infer`]) is pure: strings in, an [`Inferred`] out. Writing the template and
//! the variant files ([`plan`], [`write`]) and the drift report of the result
//! ([`drift_report`]) sit apart from it.
//!
//! How it works:
//! 1. Front matter: keys every copy has stay in the text; a trailing run of keys that only some
//!    copies have becomes per-variant front matter, rendered by `{{front_matter}}`.
//! 2. Alignment: each copy is aligned with the first, lines first and then [`drift::tokens`]
//!    inside changed lines. The changed ranges of the first copy over all copies are unioned
//!    into slots (ranges separated by spaces only are merged; a pure insertion takes the word
//!    next to it).
//! 3. Discovery: each slot's texts are split at punctuation every copy shares (`](/`, `/`,
//!    `|`) and trimmed of shared ends at word boundaries. A value tuple (one value per copy)
//!    found in two or more slots is a variable; a tuple that other variables already explain
//!    (`/appliance/appliance-overview` is `/{{section}}/{{section}}-overview`) is dropped.
//! 4. Templating: each slot becomes literal text and variable references that reproduce every
//!    copy. A slot that no such text reproduces is drift: the wording most copies share wins
//!    (ties: the first copy), or with `exact` the differing span becomes a per-variant
//!    `drift_N` override.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use similar::{capture_diff_slices, capture_diff_slices_deadline, Algorithm, DiffOp};

use crate::drift;
use crate::error::{read_text, Error, Result};
use crate::frontmatter;
use crate::project::{self, Config, PageTemplate, Project, Variant, VariantPage};

/// Copies whose word similarity to the first copy is below this are not near-duplicates.
///
/// Word similarity is `2 × words in common, in order / (words in one + words in the other)`,
/// whitespace ignored (`similar`'s diff ratio over the non-space tokens).
pub const MIN_SIMILARITY: f64 = 0.5;

/// Most tokens between two slots retried as one (see [`infer`]).
const MERGE_GAP: usize = 24;
/// Most words an unexplained slot is widened by, each way.
const WIDEN_WORDS: usize = 3;
/// Most slots retried as one.
const MERGE_SLOTS: usize = 4;

/// Time budget of one copy's alignment; past it the alignment is coarser but still valid.
const ALIGN_BUDGET: Duration = Duration::from_secs(5);

/// A variable found in the copies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    /// Its name in the template (`product`, `product_title`, `section`, `product_2`, ...).
    pub name: String,
    /// Its value in each copy, in input order.
    pub values: Vec<String>,
    /// How many times the template uses it.
    pub uses: usize,
}

/// A difference between the copies that no variable explains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    /// With `exact`: the per-variant override (`drift_1`, ...) the template uses here.
    pub name: Option<String>,
    /// 1-based template line where it starts.
    pub line: usize,
    /// Each copy's text of the span (with `exact`, the override's value).
    pub values: Vec<String>,
    /// The copies whose wording the template does not have (with `exact`, none renders
    /// differently: the override keeps their wording).
    pub deviating: Vec<usize>,
}

/// The result of [`infer`].
#[derive(Debug, Clone)]
pub struct Inferred {
    /// Page name.
    pub page: String,
    /// Variant slug of each copy, in input order.
    pub slugs: Vec<String>,
    /// The Handlebars template.
    pub template: String,
    /// Variables (values per copy), most used first.
    pub variables: Vec<Variable>,
    /// Drift, in template order.
    pub drift: Vec<Drift>,
    /// Per-variant front matter of each copy (`[pages.<page>.front_matter]`).
    pub front_matter: Vec<toml::Table>,
    /// Word similarity of each copy to the first (1.0 for the first).
    pub similarity: Vec<f64>,
    pieces: Vec<Part>,
}

/// Why copies cannot be inferred from.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// Fewer than two copies.
    TooFew,
    /// Two copies claim one variant.
    SameVariant {
        /// The slug.
        slug: String,
        /// Indexes of the two copies.
        copies: [usize; 2],
    },
    /// A copy is not a near-duplicate of the first.
    NotNearDuplicates {
        /// Indexes of the two copies (the first is 0).
        copies: [usize; 2],
        /// Their word similarity.
        similarity: f64,
    },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::TooFew => write!(f, "give at least two copies of the page"),
            Refusal::SameVariant { slug, .. } => {
                write!(f, "two copies belong to variant {slug:?}")
            }
            Refusal::NotNearDuplicates { similarity, .. } => write!(
                f,
                "the copies are not near-duplicates (word similarity {:.0}%, below {:.0}%)",
                similarity * 100.0,
                MIN_SIMILARITY * 100.0
            ),
        }
    }
}

/// One piece of the template.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Part {
    Lit(String),
    Var(usize),
    Drift(usize),
    /// Where a default-mode drift span starts (renders nothing).
    Mark(usize),
    FrontMatter,
}

impl Inferred {
    /// The `[vars]` of copy `i`: every variable's value in that copy.
    pub fn vars(&self, i: usize) -> Vec<(String, String)> {
        self.variables
            .iter()
            .map(|v| (v.name.clone(), v.values[i].clone()))
            .collect()
    }

    /// The overrides of copy `i` (`exact` drift, `[pages.<page>.vars]`).
    pub fn overrides(&self, i: usize) -> Vec<(String, String)> {
        self.drift
            .iter()
            .filter_map(|d| d.name.as_ref().map(|n| (n.clone(), d.values[i].clone())))
            .collect()
    }

    /// Renames variable `from` to `to` in the variables and the template.
    pub fn rename(&mut self, from: &str, to: &str) {
        for v in &mut self.variables {
            if v.name == from {
                v.name = to.to_string();
            }
        }
        self.emit();
    }

    /// Renders the template for copy `i` the way `docvar generate` does (no escaping, strict
    /// variables), with the inferred variables, overrides and front matter.
    pub fn render(&self, i: usize) -> std::result::Result<String, String> {
        let mut hb = handlebars::Handlebars::new();
        hb.register_escape_fn(handlebars::no_escape);
        hb.set_strict_mode(true);
        let mut ctx = serde_json::Map::new();
        for (k, v) in self.vars(i).into_iter().chain(self.overrides(i)) {
            ctx.insert(k, serde_json::Value::String(v));
        }
        ctx.insert("slug".into(), self.slugs[i].clone().into());
        ctx.insert("page".into(), self.page.clone().into());
        ctx.insert(
            "front_matter".into(),
            frontmatter::to_yaml(&self.front_matter[i]).into(),
        );
        hb.render_template(&self.template, &serde_json::Value::Object(ctx))
            .map_err(|e| e.to_string())
    }

    fn emit(&mut self) {
        let (template, lines) = emit(&self.pieces, &self.variables, &self.drift);
        self.template = template;
        for (d, line) in self.drift.iter_mut().zip(lines) {
            d.line = line;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Analysis

/// Infers a template for `page` from its copies (`(slug, text)`, one per product). With
/// `exact`, drift becomes per-variant overrides so every copy renders back byte for byte.
pub fn infer<S: AsRef<str>, T: AsRef<str>>(
    page: &str,
    copies: &[(S, T)],
    exact: bool,
) -> std::result::Result<Inferred, Refusal> {
    let n = copies.len();
    if n < 2 {
        return Err(Refusal::TooFew);
    }
    let slugs: Vec<String> = copies.iter().map(|c| c.0.as_ref().to_string()).collect();
    for (i, s) in slugs.iter().enumerate() {
        if let Some(j) = slugs[..i].iter().position(|o| o == s) {
            return Err(Refusal::SameVariant {
                slug: s.clone(),
                copies: [j, i],
            });
        }
    }
    let texts: Vec<&str> = copies.iter().map(|c| c.1.as_ref()).collect();
    // A quick bound first: words in common in any order bound the words in common in order.
    for (c, text) in texts.iter().enumerate().skip(1) {
        let sim = bag_similarity(texts[0], text);
        if sim < MIN_SIMILARITY {
            return Err(Refusal::NotNearDuplicates {
                copies: [0, c],
                similarity: round4(sim),
            });
        }
    }
    let prep = prepare(&texts);
    let segs: Vec<SegAlign> = prep.segments.iter().map(|s| SegAlign::new(s)).collect();
    let mut similarity = vec![1.0; n];
    for (c, sim) in similarity.iter_mut().enumerate().skip(1) {
        let (same, words) = segs.iter().fold((0, 0), |(s, w), seg| {
            let a = &seg.aligns[c - 1];
            (s + a.same_words, w + seg.words[0] + seg.words[c])
        });
        *sim = if words == 0 {
            1.0
        } else {
            round4(2.0 * same as f64 / words as f64)
        };
        if *sim < MIN_SIMILARITY {
            return Err(Refusal::NotNearDuplicates {
                copies: [0, c],
                similarity: *sim,
            });
        }
    }
    // Every slot's texts, segment by segment.
    let slot_texts: Vec<Vec<Vec<&str>>> = segs
        .iter()
        .map(|s| s.slots.iter().map(|r| s.texts_of(r)).collect())
        .collect();
    let all_slots: Vec<&Vec<&str>> = slot_texts.iter().flatten().collect();
    let vars = discover(&all_slots);
    // Templating.
    let mut pieces = Vec::new();
    let mut drift = Vec::new();
    for (k, seg) in segs.iter().enumerate() {
        if k > 0 {
            pieces.push(Part::FrontMatter);
        }
        let mut slots = seg.slots.clone();
        let mut texts_k = slot_texts[k].clone();
        let mut outs: Vec<SlotOut> = texts_k
            .par_iter()
            .map(|t| template_slot(t, &vars))
            .collect();
        let toks = &seg.toks[0];
        // The alignment may split one variable's span in two around words the values share
        // ("Hub Private" vs "Appliance Private Private"): neighbours on one line that the
        // variables do not explain are retried as one slot.
        let explained = |o: &SlotOut| o.matched.iter().all(|&m| m);
        let mut i = 0;
        while i + 1 < slots.len() {
            let mut merged = false;
            for j in i + 1..slots.len().min(i + 1 + MERGE_SLOTS) {
                let gap = &toks.toks[slots[j - 1].end..slots[j].start];
                if gap.len() > MERGE_GAP || gap.iter().any(|t| t.contains('\n')) {
                    break;
                }
                if outs[i..=j].iter().all(explained) {
                    continue;
                }
                let r = slots[i].start..slots[j].end;
                let t = seg.texts_of(&r);
                let out = template_slot(&t, &vars);
                if explained(&out) {
                    slots.splice(i..=j, [r]);
                    texts_k.splice(i..=j, [t]);
                    outs.splice(i..=j, [out]);
                    merged = true;
                    break;
                }
            }
            if !merged {
                i += 1;
            }
        }
        // Or split one across a word the values share ("Hub Data" vs "Data"): an unexplained
        // slot is retried a few words wider on its line, as far as its neighbours.
        for i in 0..slots.len() {
            if explained(&outs[i]) {
                continue;
            }
            // A slot's ends must sit next to tokens every copy has (see `range_in`).
            let lo = if i == 0 { 0 } else { slots[i - 1].end + 1 };
            let hi = slots.get(i + 1).map_or(toks.len(), |r| r.start - 1);
            let steps = |from: usize, left: bool| -> Vec<usize> {
                let mut out = Vec::new();
                let mut k = from;
                while out.len() < WIDEN_WORDS {
                    let t = if left {
                        if k <= lo {
                            break;
                        }
                        k -= 1;
                        toks.toks[k]
                    } else {
                        if k >= hi {
                            break;
                        }
                        k += 1;
                        toks.toks[k - 1]
                    };
                    if t.contains('\n') {
                        break;
                    }
                    if !blank(t) {
                        out.push(k);
                    }
                }
                out
            };
            let lefts: Vec<usize> = std::iter::once(slots[i].start)
                .chain(steps(slots[i].start, true))
                .collect();
            let rights: Vec<usize> = std::iter::once(slots[i].end)
                .chain(steps(slots[i].end, false))
                .collect();
            let mut tries: Vec<(usize, usize)> = (0..lefts.len())
                .flat_map(|l| (0..rights.len()).map(move |r| (l, r)))
                .filter(|&(l, r)| l + r > 0)
                .collect();
            tries.sort_by_key(|&(l, r)| (l + r, l));
            for (l, r) in tries {
                let range = lefts[l]..rights[r];
                let t = seg.texts_of(&range);
                let out = template_slot(&t, &vars);
                if explained(&out) {
                    slots[i] = range;
                    texts_k[i] = t;
                    outs[i] = out;
                    break;
                }
            }
        }
        let base = seg.texts[0];
        let mut at = 0;
        for (si, (r, out)) in slots.iter().zip(outs).enumerate() {
            pieces.push(Part::Lit(
                base[toks.starts[at]..toks.starts[r.start]].to_string(),
            ));
            at = r.end;
            let texts = &texts_k[si];
            if out.matched.iter().all(|&m| m) {
                pieces.extend(out.parts);
            } else if exact {
                let (pre, values, post) = narrow(&out.parts, texts, &vars);
                pieces.extend(pre);
                pieces.push(Part::Drift(drift.len()));
                pieces.extend(post);
                drift.push(Drift {
                    name: Some(format!("drift_{}", drift.len() + 1)),
                    line: 0,
                    values,
                    deviating: Vec::new(),
                });
            } else {
                pieces.push(Part::Mark(drift.len()));
                pieces.extend(out.parts);
                drift.push(Drift {
                    name: None,
                    line: 0,
                    values: texts.iter().map(|s| s.to_string()).collect(),
                    deviating: (0..n).filter(|&i| !out.matched[i]).collect(),
                });
            }
        }
        pieces.push(Part::Lit(base[toks.starts[at]..].to_string()));
    }
    let pieces = merge_lits(pieces);
    let (pieces, variables) = name_variables(pieces, vars);
    let mut inferred = Inferred {
        page: page.to_string(),
        slugs,
        template: String::new(),
        variables,
        drift,
        front_matter: prep.front_matter,
        similarity,
        pieces,
    };
    inferred.emit();
    Ok(inferred)
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn class(c: char) -> u8 {
    if c.is_whitespace() {
        0
    } else if is_word(c) {
        1
    } else {
        2
    }
}

fn blank(s: &str) -> bool {
    s.chars().all(char::is_whitespace)
}

fn bag_similarity(a: &str, b: &str) -> f64 {
    let mut bag: HashMap<&str, i64> = HashMap::new();
    let mut wa = 0;
    for t in a.split_whitespace() {
        *bag.entry(t).or_default() += 1;
        wa += 1;
    }
    let (mut wb, mut common) = (0, 0);
    for t in b.split_whitespace() {
        wb += 1;
        if let Some(k) = bag.get_mut(t) {
            if *k > 0 {
                *k -= 1;
                common += 1;
            }
        }
    }
    if wa + wb == 0 {
        1.0
    } else {
        2.0 * common as f64 / (wa + wb) as f64
    }
}

// ---------------------------------------------------------------------------------------------
// Front matter

struct Prepared<'a> {
    /// `[segment][copy]`: one segment, or the front matter up to the closing fence and the rest.
    segments: Vec<Vec<&'a str>>,
    front_matter: Vec<toml::Table>,
}

fn line_starts(text: &str) -> Vec<usize> {
    let mut v = vec![0];
    v.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    v
}

fn prepare<'a>(texts: &[&'a str]) -> Prepared<'a> {
    let n = texts.len();
    let whole = || Prepared {
        segments: vec![texts.to_vec()],
        front_matter: vec![toml::Table::new(); n],
    };
    let splits: Vec<frontmatter::FrontMatter> = match texts
        .iter()
        .map(|t| frontmatter::split(t))
        .collect::<Option<Vec<_>>>()
    {
        Some(s) => s,
        None => return whole(),
    };
    let everywhere: HashSet<&str> = splits[0]
        .entries
        .iter()
        .map(|e| e.key.as_str())
        .filter(|k| splits.iter().all(|s| s.entries.iter().any(|e| e.key == *k)))
        .collect();
    let mut head = Vec::new();
    let mut tail = Vec::new();
    let mut tables = Vec::new();
    for (text, fm) in texts.iter().zip(&splits) {
        let starts = line_starts(text);
        let at = |line: usize| starts.get(line - 1).copied().unwrap_or(text.len());
        // The closing fence is the line before the body.
        let fence = fm.body_line - 1;
        let mut k = fm.entries.len();
        let mut table = Vec::new();
        let mut seen = HashSet::new();
        while k > 0 {
            let e = &fm.entries[k - 1];
            if everywhere.contains(e.key.as_str()) || !seen.insert(e.key.clone()) {
                break;
            }
            let raw = &text[at(e.lines[0])..at(e.lines[1] + 1)];
            match yaml_value(e, raw) {
                Some(v) => table.push((e.key.clone(), v)),
                None => break,
            }
            k -= 1;
        }
        let contiguous = fm.entries.last().is_none_or(|e| e.lines[1] + 1 == fence);
        if !contiguous {
            k = fm.entries.len();
            table.clear();
        }
        table.reverse();
        let cut = if k < fm.entries.len() {
            at(fm.entries[k].lines[0])
        } else {
            at(fence)
        };
        head.push(&text[..cut]);
        tail.push(&text[at(fence)..]);
        tables.push(table.into_iter().collect::<toml::Table>());
    }
    Prepared {
        segments: vec![head, tail],
        front_matter: tables,
    }
}

/// The TOML value of a front-matter entry, when [`frontmatter::to_yaml`] writes it back as
/// exactly `raw` (scalars, lists of scalars, one level of nested keys).
fn yaml_value(e: &frontmatter::Entry, raw: &str) -> Option<toml::Value> {
    let mut lines = e.value.split('\n');
    let first = lines.next().unwrap_or("");
    let rest: Vec<&str> = lines.collect();
    let value = if rest.is_empty() {
        scalar(first)
    } else if first.is_empty() {
        if rest.iter().all(|l| l.starts_with("    - ")) {
            toml::Value::Array(rest.iter().map(|l| scalar(&l[6..])).collect())
        } else {
            let mut t = toml::Table::new();
            for l in &rest {
                let (k, v) = l.strip_prefix("    ")?.split_once(':')?;
                t.insert(k.trim().to_string(), scalar(v.trim_start()));
            }
            toml::Value::Table(t)
        }
    } else {
        return None;
    };
    let mut t = toml::Table::new();
    t.insert(e.key.clone(), value.clone());
    (frontmatter::to_yaml(&t) == raw).then_some(value)
}

fn scalar(s: &str) -> toml::Value {
    match s {
        "true" => return toml::Value::Boolean(true),
        "false" => return toml::Value::Boolean(false),
        _ => {}
    }
    if let Ok(i) = s.parse::<i64>() {
        if i.to_string() == s {
            return toml::Value::Integer(i);
        }
    }
    if s.starts_with('"') {
        if let Ok(v) = serde_json::from_str::<String>(s) {
            return toml::Value::String(v);
        }
    }
    toml::Value::String(s.to_string())
}

// ---------------------------------------------------------------------------------------------
// Alignment

const NONE: u32 = u32::MAX;

/// A text cut into [`drift::tokens`] line by line.
struct Tokens<'a> {
    toks: Vec<&'a str>,
    /// Byte offset of each token, then the text's length.
    starts: Vec<usize>,
    lines: Vec<&'a str>,
    /// Index of each line's first token, then the token count.
    line_first: Vec<usize>,
}

impl<'a> Tokens<'a> {
    fn new(text: &'a str) -> Self {
        let origin = text.as_ptr() as usize;
        let mut t = Tokens {
            toks: Vec::new(),
            starts: Vec::new(),
            lines: Vec::new(),
            line_first: Vec::new(),
        };
        for line in text.split_inclusive('\n') {
            t.line_first.push(t.toks.len());
            t.lines.push(line);
            for tok in drift::tokens(line) {
                t.starts.push(tok.as_ptr() as usize - origin);
                t.toks.push(tok);
            }
        }
        t.line_first.push(t.toks.len());
        t.starts.push(text.len());
        t
    }

    fn len(&self) -> usize {
        self.toks.len()
    }

    fn words(&self) -> usize {
        self.toks.iter().filter(|t| !blank(t)).count()
    }
}

/// One copy aligned with the first.
struct Alignment {
    /// For each token of the first copy, the matching token of this one (or [`NONE`]).
    matches: Vec<u32>,
    /// Changed ranges of the first copy's tokens (empty for a pure insertion).
    hunks: Vec<(usize, usize)>,
    /// Non-space tokens of the first copy that match.
    same_words: usize,
}

fn align(base: &Tokens, other: &Tokens) -> Alignment {
    let deadline = Instant::now() + ALIGN_BUDGET;
    let mut a = Alignment {
        matches: vec![NONE; base.len()],
        hunks: Vec::new(),
        same_words: 0,
    };
    let ops =
        capture_diff_slices_deadline(Algorithm::Myers, &base.lines, &other.lines, Some(deadline));
    for op in ops {
        let (o, n) = (op.old_range(), op.new_range());
        let bt = base.line_first[o.start]..base.line_first[o.end];
        let ct = other.line_first[n.start]..other.line_first[n.end];
        match op {
            DiffOp::Equal { .. } => {
                for (i, j) in bt.zip(ct) {
                    a.matches[i] = j as u32;
                }
            }
            // Long runs of changed lines in equal numbers: pair them line by line (a product
            // name on every line) rather than diffing thousands of tokens at once.
            _ if o.len() == n.len() && o.len() > 16 => {
                for k in 0..o.len() {
                    let bl = base.line_first[o.start + k]..base.line_first[o.start + k + 1];
                    let cl = other.line_first[n.start + k]..other.line_first[n.start + k + 1];
                    align_tokens(base, other, bl, cl, &mut a, deadline);
                }
            }
            _ => align_tokens(base, other, bt, ct, &mut a, deadline),
        }
    }
    a.same_words = (0..base.len())
        .filter(|&i| a.matches[i] != NONE && !blank(base.toks[i]))
        .count();
    a
}

fn align_tokens(
    base: &Tokens,
    other: &Tokens,
    bt: Range<usize>,
    ct: Range<usize>,
    a: &mut Alignment,
    deadline: Instant,
) {
    if bt.is_empty() || ct.is_empty() {
        if !(bt.is_empty() && ct.is_empty()) {
            a.hunks.push((bt.start, bt.end));
        }
        return;
    }
    let ops = capture_diff_slices_deadline(
        Algorithm::Myers,
        &base.toks[bt.clone()],
        &other.toks[ct.clone()],
        Some(deadline),
    );
    for op in ops {
        if let DiffOp::Equal {
            old_index,
            new_index,
            len,
        } = op
        {
            for k in 0..len {
                a.matches[bt.start + old_index + k] = (ct.start + new_index + k) as u32;
            }
        } else {
            let o = op.old_range();
            a.hunks.push((bt.start + o.start, bt.start + o.end));
        }
    }
}

/// One segment of every copy, aligned, with its slots.
struct SegAlign<'a> {
    texts: Vec<&'a str>,
    toks: Vec<Tokens<'a>>,
    /// Alignment of copy `c` (c ≥ 1) at `c - 1`.
    aligns: Vec<Alignment>,
    /// Non-space tokens of each copy.
    words: Vec<usize>,
    /// Changed ranges of the first copy's tokens.
    slots: Vec<Range<usize>>,
}

impl<'a> SegAlign<'a> {
    fn new(texts: &[&'a str]) -> Self {
        let toks: Vec<Tokens> = texts.par_iter().map(|t| Tokens::new(t)).collect();
        let aligns: Vec<Alignment> = toks[1..].par_iter().map(|t| align(&toks[0], t)).collect();
        let words = toks.iter().map(Tokens::words).collect();
        let mut s = SegAlign {
            texts: texts.to_vec(),
            toks,
            aligns,
            words,
            slots: Vec::new(),
        };
        s.slots = s.find_slots();
        s
    }

    /// Byte range in copy `c` of the first copy's token range `r` (whose ends match in every
    /// copy).
    fn range_in(&self, c: usize, r: &Range<usize>) -> Range<usize> {
        let t = &self.toks[c];
        if c == 0 {
            return t.starts[r.start]..t.starts[r.end];
        }
        let m = &self.aligns[c - 1].matches;
        let s = if r.start == 0 {
            0
        } else {
            m[r.start - 1] as usize + 1
        };
        let e = if r.end == m.len() {
            t.len()
        } else {
            m[r.end] as usize
        };
        t.starts[s]..t.starts[e.max(s)]
    }

    fn texts_of(&self, r: &Range<usize>) -> Vec<&'a str> {
        (0..self.texts.len())
            .map(|c| &self.texts[c][self.range_in(c, r)])
            .collect()
    }

    fn find_slots(&self) -> Vec<Range<usize>> {
        let base = &self.toks[0];
        let mut spans: Vec<(usize, usize)> = self
            .aligns
            .iter()
            .flat_map(|a| a.hunks.iter().copied())
            .collect();
        for _ in 0..8 {
            spans = union(spans);
            // Merge ranges separated only by spaces on one line.
            let mut merged: Vec<(usize, usize)> = Vec::new();
            for s in spans {
                match merged.last_mut() {
                    Some(last)
                        if base.toks[last.1..s.0]
                            .iter()
                            .all(|t| blank(t) && !t.contains('\n')) =>
                    {
                        last.1 = last.1.max(s.1)
                    }
                    _ => merged.push(s),
                }
            }
            // A slot some copy has only spaces (or nothing) in takes the words next to it.
            let mut grew = false;
            for s in &mut merged {
                let r = s.0..s.1;
                let empty =
                    (0..self.texts.len()).any(|c| blank(&self.texts[c][self.range_in(c, &r)]));
                if !empty {
                    continue;
                }
                let mut a = s.0;
                while a > 0 && blank(base.toks[a - 1]) && !base.toks[a - 1].contains('\n') {
                    a -= 1;
                }
                if a > 0 && !base.toks[a - 1].contains('\n') && a - 1 < s.0 {
                    s.0 = a - 1;
                    grew = true;
                }
                let mut b = s.1;
                while b < base.len() && blank(base.toks[b]) && !base.toks[b].contains('\n') {
                    b += 1;
                }
                if b < base.len() && !base.toks[b].contains('\n') {
                    s.1 = b + 1;
                    grew = true;
                }
            }
            spans = merged;
            if !grew {
                break;
            }
        }
        union(spans).into_iter().map(|(a, b)| a..b).collect()
    }
}

/// Sorts ranges and merges those that overlap or touch (a pure insertion at a range's end
/// belongs to it).
fn union(mut spans: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    spans.sort_unstable();
    let mut out: Vec<(usize, usize)> = Vec::new();
    for s in spans {
        match out.last_mut() {
            Some(last) if s.0 <= last.1 => last.1 = last.1.max(s.1),
            _ => out.push(s),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Discovery

/// Fine tokens: runs of word characters, runs of spaces, single other characters.
fn fine_tokens(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut prev = None;
    for (i, c) in s.char_indices() {
        let cl = class(c);
        if i > start && (cl == 2 || Some(cl) != prev) {
            out.push(&s[start..i]);
            start = i;
        }
        prev = Some(cl);
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

/// Punctuation that separates values inside a slot (`](/`, `/`, `|`, `: `).
const STRONG: &[char] = &[
    '/', '(', ')', '[', ']', '|', ':', ';', ',', '!', '?', '*', '#', '=', '<', '>', '{', '}', '"',
    '`', '\\',
];

/// A slot's candidate value tuples: for each group, its options (two when a copy's value is
/// empty and the group can take the word on its left or on its right).
fn decompose(texts: &[&str]) -> Vec<Vec<Vec<String>>> {
    let n = texts.len();
    let toks: Vec<Vec<&str>> = texts.iter().map(|t| fine_tokens(t)).collect();
    let offs: Vec<Vec<usize>> = toks
        .iter()
        .zip(texts)
        .map(|(ts, text)| {
            let origin = text.as_ptr() as usize;
            let mut v: Vec<usize> = ts.iter().map(|t| t.as_ptr() as usize - origin).collect();
            v.push(text.len());
            v
        })
        .collect();
    let nb = toks[0].len();
    let mut maps: Vec<Vec<u32>> = vec![(0..nb as u32).collect()];
    for t in &toks[1..] {
        let mut m = vec![NONE; nb];
        for op in capture_diff_slices(Algorithm::Myers, &toks[0], t) {
            if let DiffOp::Equal {
                old_index,
                new_index,
                len,
            } = op
            {
                for k in 0..len {
                    m[old_index + k] = (new_index + k) as u32;
                }
            }
        }
        maps.push(m);
    }
    let common: Vec<bool> = (0..nb).map(|i| maps.iter().all(|m| m[i] != NONE)).collect();
    // Runs of tokens every copy has, one after the other in every copy.
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for i in 0..nb {
        if !common[i] {
            continue;
        }
        match runs.last_mut() {
            Some(r) if r.1 == i && maps.iter().all(|m| m[i] == m[i - 1] + 1) => r.1 = i + 1,
            _ => runs.push((i, i + 1)),
        }
    }
    // Keep runs at the very ends and runs holding punctuation; the rest is value.
    let mut in_run = vec![false; nb];
    let mut kept: Vec<(usize, usize)> = Vec::new();
    for &(a, b) in &runs {
        let at_start = a == 0 && maps.iter().all(|m| m[0] == 0);
        let at_end = b == nb
            && maps
                .iter()
                .zip(&toks)
                .all(|(m, t)| m[nb - 1] as usize + 1 == t.len());
        if at_start || at_end || toks[0][a..b].iter().any(|t| t.contains(STRONG)) {
            in_run[a..b].iter_mut().for_each(|k| *k = true);
            kept.push((a, b));
        }
    }
    // The gaps between kept runs, including empty ones in the first copy: two runs that touch
    // there are apart in another copy, which has text between them.
    let mut groups: Vec<(usize, usize)> = Vec::new();
    let mut at = 0;
    for &(a, b) in &kept {
        if a > at || (a == at && a > 0) {
            groups.push((at, a));
        }
        at = b;
    }
    groups.push((at, nb));
    // Drop empty gaps between kept runs (no copy has anything there).
    let start_pos = |c: usize, a: usize| -> usize {
        if a == 0 {
            0
        } else if in_run[a - 1] {
            maps[c][a - 1] as usize + 1
        } else {
            maps[c][a] as usize
        }
    };
    let end_pos = |c: usize, b: usize| -> usize {
        if b == nb {
            toks[c].len()
        } else if in_run[b] {
            maps[c][b] as usize
        } else {
            maps[c][b - 1] as usize + 1
        }
    };
    groups.retain(|&(a, b)| (0..n).any(|c| end_pos(c, b) > start_pos(c, a)));
    let range_of = |c: usize, a: usize, b: usize| -> Range<usize> {
        let (x, y) = (start_pos(c, a), end_pos(c, b));
        offs[c][x]..offs[c][y.max(x)]
    };
    // A group's values, without the spaces every copy has at its ends.
    let values = |a: usize, b: usize| -> Vec<Range<usize>> {
        let mut rs: Vec<Range<usize>> = (0..n).map(|c| range_of(c, a, b)).collect();
        for front in [true, false] {
            loop {
                let v = &texts[0][rs[0].clone()];
                let edge = if front {
                    v.chars().next()
                } else {
                    v.chars().last()
                };
                let Some(ch) = edge.filter(|c| c.is_whitespace()) else {
                    break;
                };
                let w = ch.len_utf8();
                let shared = rs.iter().enumerate().all(|(c, r)| {
                    let t = &texts[c][r.clone()];
                    r.len() > w
                        && if front {
                            t.starts_with(ch)
                        } else {
                            t.ends_with(ch)
                        }
                });
                if !shared {
                    break;
                }
                for r in &mut rs {
                    if front {
                        r.start += w;
                    } else {
                        r.end -= w;
                    }
                }
            }
        }
        rs
    };
    // Values neither start nor end with spaces some copies lack, nor split a word.
    for g in 0..groups.len() {
        let lo = if g == 0 { 0 } else { groups[g - 1].1 };
        let hi = groups.get(g + 1).map_or(nb, |x| x.0);
        let (mut a, mut b) = groups[g];
        // A value some copy lacks takes a neighbouring word below (both ways, as options).
        if values(a, b)
            .into_iter()
            .enumerate()
            .any(|(c, r)| blank(&texts[c][r]))
        {
            continue;
        }
        loop {
            let (mut grow_l, mut grow_r) = (false, false);
            for (c, r) in values(a, b).into_iter().enumerate() {
                let t = texts[c];
                let v = &t[r.clone()];
                let (Some(f), Some(l)) = (v.chars().next(), v.chars().last()) else {
                    continue;
                };
                if a > lo {
                    let left = t[..r.start].chars().last().unwrap_or(' ');
                    grow_l |= f.is_whitespace() || (is_word(left) && is_word(f));
                }
                if b < hi {
                    let right = t[r.end..].chars().next().unwrap_or(' ');
                    grow_r |= l.is_whitespace() || (is_word(l) && is_word(right));
                }
            }
            if !(grow_l || grow_r) {
                break;
            }
            a -= grow_l as usize;
            b += grow_r as usize;
        }
        groups[g] = (a, b);
    }
    let groups = union(groups);
    let mut out = Vec::new();
    for g in 0..groups.len() {
        let lo = if g == 0 { 0 } else { groups[g - 1].1 };
        let hi = groups.get(g + 1).map_or(nb, |x| x.0);
        let (a, b) = groups[g];
        let tuple = |a: usize, b: usize| -> Vec<String> {
            values(a, b)
                .into_iter()
                .enumerate()
                .map(|(c, r)| texts[c][r].to_string())
                .collect()
        };
        let vals = tuple(a, b);
        let mut options = Vec::new();
        if vals.iter().any(|v| blank(v)) {
            let mut a2 = a;
            while a2 > lo {
                a2 -= 1;
                let t = toks[0][a2];
                if t.contains('\n') {
                    break;
                }
                if t.starts_with(is_word) {
                    options.push(tuple(a2, b));
                    break;
                }
            }
            let mut b2 = b;
            while b2 < hi {
                let t = toks[0][b2];
                b2 += 1;
                if t.contains('\n') {
                    break;
                }
                if t.starts_with(is_word) {
                    options.push(tuple(a, b2));
                    break;
                }
            }
        }
        if options.is_empty() {
            options.push(vals);
        }
        options.retain(|t| t.iter().any(|v| *v != t[0]));
        if !options.is_empty() {
            out.push(options);
        }
    }
    out
}

/// How many slots a value tuple needs to be a variable rather than drift that happens to
/// repeat. Values that differ only in spacing never are. Where all copies but one agree
/// (`private-saas`, `appliance`, `appliance`), two slots could be one copy's editor making the
/// same edit twice, so three are needed once there are four or more copies.
fn min_uses(t: &[String]) -> usize {
    let squash = |v: &String| v.split_whitespace().collect::<Vec<_>>().join(" ");
    let first = squash(&t[0]);
    if t.iter().all(|v| squash(v) == first) {
        return usize::MAX;
    }
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for v in t {
        *counts.entry(v.as_str()).or_default() += 1;
    }
    if t.len() >= 4 && counts.len() == 2 && counts.values().any(|&c| c == 1) {
        3
    } else {
        2
    }
}

/// The variables: value tuples found in two or more slots, minus those the others explain.
/// Returned most frequent first.
fn discover(slots: &[&Vec<&str>]) -> Vec<Vec<String>> {
    let decomps: Vec<Vec<Vec<Vec<String>>>> = slots.par_iter().map(|t| decompose(t)).collect();
    let mut counts: HashMap<&Vec<String>, usize> = HashMap::new();
    for d in &decomps {
        let set: HashSet<&Vec<String>> = d.iter().flatten().collect();
        for t in set {
            *counts.entry(t).or_default() += 1;
        }
    }
    // Each group takes its most frequent option; count again over the choices.
    let mut chosen: HashMap<&Vec<String>, (usize, usize)> = HashMap::new();
    for (k, d) in decomps.iter().enumerate() {
        let set: HashSet<&Vec<String>> = d
            .iter()
            .filter_map(|opts| {
                opts.iter()
                    .fold(None, |best: Option<&Vec<String>>, t| match best {
                        Some(b) if counts[b] >= counts[t] => Some(b),
                        _ => Some(t),
                    })
            })
            .collect();
        for t in set {
            let e = chosen.entry(t).or_insert((0, k));
            e.0 += 1;
        }
    }
    let mut cands: Vec<(Vec<String>, usize, usize)> = chosen
        .into_iter()
        .filter(|(t, (c, _))| *c >= min_uses(t))
        .map(|(t, (c, first))| (t.clone(), c, first))
        .collect();
    // Drop tuples the others explain, longest first.
    cands.sort_by(|a, b| {
        let la: usize = a.0.iter().map(String::len).sum();
        let lb: usize = b.0.iter().map(String::len).sum();
        lb.cmp(&la).then(a.2.cmp(&b.2))
    });
    let mut i = 0;
    while i < cands.len() {
        let others: Vec<Vec<String>> = cands
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, c)| c.0.clone())
            .collect();
        let texts: Vec<&str> = cands[i].0.iter().map(String::as_str).collect();
        let mut budget = 2_000;
        let explained = !others.is_empty()
            && (0..texts.len()).any(|from| {
                Search::new(&texts, &others, from, texts.len(), true)
                    .run(&mut budget)
                    .is_some()
            });
        if explained {
            cands.remove(i);
        } else {
            i += 1;
        }
    }
    cands.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)));
    cands.into_iter().map(|c| c.0).collect()
}

// ---------------------------------------------------------------------------------------------
// Templating

/// A search for literal text and variable references that render as the slot's text in at
/// least `need` copies, read off copy `from`.
struct Search<'a> {
    texts: &'a [&'a str],
    vals: &'a [Vec<String>],
    from: usize,
    need: usize,
    /// Where in `texts[from]` a variable's value starts: position → variables, longest first.
    cands: BTreeMap<usize, Vec<usize>>,
    dead: HashSet<(usize, Vec<usize>)>,
}

const DEAD: usize = usize::MAX;

impl<'a> Search<'a> {
    fn new(
        texts: &'a [&'a str],
        vals: &'a [Vec<String>],
        from: usize,
        need: usize,
        boundary: bool,
    ) -> Self {
        let t = texts[from];
        let mut cands: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (v, values) in vals.iter().enumerate() {
            let val = values[from].as_str();
            if val.is_empty() {
                continue;
            }
            let mut start = 0;
            while let Some(i) = t[start..].find(val) {
                let p = start + i;
                let e = p + val.len();
                let ok = !boundary
                    || ((p == 0 || !(t[..p].ends_with(is_word) && val.starts_with(is_word)))
                        && (e == t.len()
                            || !(val.ends_with(is_word) && t[e..].starts_with(is_word))));
                if ok {
                    cands.entry(p).or_default().push(v);
                }
                start = p + val.chars().next().map_or(1, char::len_utf8);
            }
        }
        for vs in cands.values_mut() {
            vs.sort_by_key(|&v| std::cmp::Reverse(vals[v][from].len()));
        }
        Search {
            texts,
            vals,
            from,
            need,
            cands,
            dead: HashSet::new(),
        }
    }

    /// The parts and which copies they reproduce.
    fn run(&mut self, budget: &mut usize) -> Option<(Vec<Part>, Vec<bool>)> {
        let mut offs = vec![0; self.texts.len()];
        let mut parts = Vec::new();
        if self.step(0, &mut offs, &mut parts, budget) {
            let matched = offs
                .iter()
                .zip(self.texts)
                .map(|(o, t)| *o == t.len())
                .collect();
            Some((merge_lits(parts), matched))
        } else {
            None
        }
    }

    fn advance(&self, offs: &[usize], piece: impl Fn(usize) -> &'a str) -> Option<Vec<usize>> {
        let mut next = offs.to_vec();
        let mut alive = 0;
        for (j, o) in next.iter_mut().enumerate() {
            if *o == DEAD {
                continue;
            }
            let p = piece(j);
            if self.texts[j][*o..].starts_with(p) {
                *o += p.len();
                alive += 1;
            } else if j == self.from {
                return None;
            } else {
                *o = DEAD;
            }
        }
        (alive >= self.need).then_some(next)
    }

    fn step(
        &mut self,
        p: usize,
        offs: &mut Vec<usize>,
        parts: &mut Vec<Part>,
        budget: &mut usize,
    ) -> bool {
        let t = self.texts[self.from];
        if p == t.len() {
            let full = offs
                .iter()
                .zip(self.texts)
                .filter(|(o, t)| **o == t.len())
                .count();
            return full >= self.need;
        }
        if *budget == 0 || self.dead.contains(&(p, offs.clone())) {
            return false;
        }
        *budget -= 1;
        let vars = self.cands.get(&p).cloned().unwrap_or_default();
        let vals = self.vals;
        for v in vars {
            if let Some(mut next) = self.advance(offs, |j| vals[v][j].as_str()) {
                parts.push(Part::Var(v));
                if self.step(p + vals[v][self.from].len(), &mut next, parts, budget) {
                    *offs = next;
                    return true;
                }
                parts.pop();
            }
        }
        let end = self
            .cands
            .range(p + 1..)
            .next()
            .map_or(t.len(), |(&q, _)| q);
        let chunk = &t[p..end];
        if let Some(mut next) = self.advance(offs, |_| chunk) {
            parts.push(Part::Lit(chunk.to_string()));
            if self.step(end, &mut next, parts, budget) {
                *offs = next;
                return true;
            }
            parts.pop();
        }
        self.dead.insert((p, offs.clone()));
        false
    }
}

struct SlotOut {
    parts: Vec<Part>,
    matched: Vec<bool>,
}

/// Literal text and variable references for one slot: reproducing every copy if possible,
/// else the most copies (ties: the first copy's wording).
fn template_slot(texts: &[&str], vals: &[Vec<String>]) -> SlotOut {
    let n = texts.len();
    // Copies that read differently (text or variable values) give different candidates.
    let mut froms: Vec<usize> = Vec::new();
    for c in 0..n {
        let same = froms
            .iter()
            .any(|&f| texts[f] == texts[c] && vals.iter().all(|v| v[f] == v[c]));
        if !same {
            froms.push(c);
        }
    }
    let mut budget = 20_000;
    for boundary in [true, false] {
        for &from in &froms {
            let mut b = 2_000.min(budget);
            let r = Search::new(texts, vals, from, n, boundary).run(&mut b);
            budget -= 2_000.min(budget) - b;
            if let Some((parts, matched)) = r {
                return SlotOut { parts, matched };
            }
        }
    }
    // Drift: the wording most copies share.
    let mut best: Option<(usize, Vec<Part>, Vec<bool>)> = None;
    for &from in &froms {
        let mut b = 2_000;
        if let Some((parts, matched)) = Search::new(texts, vals, from, 1, true).run(&mut b) {
            let count = matched.iter().filter(|&&m| m).count();
            if best.as_ref().is_none_or(|b| count > b.0) {
                best = Some((count, parts, matched));
            }
        }
    }
    let mut best = best.unwrap_or_else(|| {
        (
            1,
            vec![Part::Lit(texts[0].to_string())],
            (0..n).map(|c| texts[c] == texts[0]).collect(),
        )
    });
    'search: for need in (best.0 + 1..n).rev() {
        for &from in &froms {
            if budget == 0 {
                break 'search;
            }
            let mut b = 1_000.min(budget);
            let r = Search::new(texts, vals, from, need, true).run(&mut b);
            budget -= 1_000.min(budget) - b;
            if let Some((parts, matched)) = r {
                best = (need, parts, matched);
                break 'search;
            }
        }
    }
    SlotOut {
        parts: best.1,
        matched: best.2,
    }
}

enum Atom {
    Ch(char),
    Var(usize),
}

/// Splits a drifted slot into what every copy shares at its ends and the drift between:
/// `(prefix parts, each copy's drift text, suffix parts)`.
fn narrow(
    parts: &[Part],
    texts: &[&str],
    vals: &[Vec<String>],
) -> (Vec<Part>, Vec<String>, Vec<Part>) {
    let atoms: Vec<Atom> = parts
        .iter()
        .flat_map(|p| match p {
            Part::Lit(s) => s.chars().map(Atom::Ch).collect::<Vec<_>>(),
            Part::Var(v) => vec![Atom::Var(*v)],
            _ => Vec::new(),
        })
        .collect();
    let mut buf = [0u8; 4];
    let text = |a: &Atom, j: usize, buf: &mut [u8; 4]| -> String {
        match a {
            Atom::Ch(c) => c.encode_utf8(buf).to_string(),
            Atom::Var(v) => vals[*v][j].clone(),
        }
    };
    let n = texts.len();
    // Prefix.
    let mut p = atoms.len();
    for (j, t) in texts.iter().enumerate() {
        let (mut k, mut off) = (0, 0);
        while k < atoms.len() {
            let s = text(&atoms[k], j, &mut buf);
            if !t[off..].starts_with(&s) {
                break;
            }
            off += s.len();
            k += 1;
        }
        p = p.min(k);
    }
    let pre_off = |p: usize, j: usize, buf: &mut [u8; 4]| -> usize {
        atoms[..p].iter().map(|a| text(a, j, buf).len()).sum()
    };
    let cut_ok = |t: &str, at: usize| {
        at == 0
            || at == t.len()
            || class(t[..at].chars().last().unwrap_or(' '))
                != class(t[at..].chars().next().unwrap_or(' '))
    };
    let atom_class = |a: &Atom| match a {
        Atom::Ch(c) => class(*c),
        Atom::Var(_) => 3,
    };
    let atoms_cut_ok =
        |k: usize| k == 0 || k == atoms.len() || atom_class(&atoms[k - 1]) != atom_class(&atoms[k]);
    while p > 0
        && !(atoms_cut_ok(p) && (0..n).all(|j| cut_ok(texts[j], pre_off(p, j, &mut [0; 4]))))
    {
        p -= 1;
    }
    let pres: Vec<usize> = (0..n).map(|j| pre_off(p, j, &mut buf)).collect();
    // Suffix, not overlapping the prefix in any copy.
    let mut q = atoms.len() - p;
    for (j, t) in texts.iter().enumerate() {
        let (mut k, mut end) = (0, t.len());
        while k < atoms.len() - p {
            let s = text(&atoms[atoms.len() - 1 - k], j, &mut buf);
            if !t[..end].ends_with(&s) || end - s.len() < pres[j] {
                break;
            }
            end -= s.len();
            k += 1;
        }
        q = q.min(k);
    }
    let post_off = |q: usize, j: usize, buf: &mut [u8; 4]| -> usize {
        atoms[atoms.len() - q..]
            .iter()
            .map(|a| text(a, j, buf).len())
            .sum()
    };
    while q > 0
        && !(atoms_cut_ok(atoms.len() - q)
            && (0..n).all(|j| cut_ok(texts[j], texts[j].len() - post_off(q, j, &mut [0; 4]))))
    {
        q -= 1;
    }
    let values = (0..n)
        .map(|j| texts[j][pres[j]..texts[j].len() - post_off(q, j, &mut buf)].to_string())
        .collect();
    let to_parts = |atoms: &[Atom]| -> Vec<Part> {
        merge_lits(
            atoms
                .iter()
                .map(|a| match a {
                    Atom::Ch(c) => Part::Lit(c.to_string()),
                    Atom::Var(v) => Part::Var(*v),
                })
                .collect(),
        )
    };
    (
        to_parts(&atoms[..p]),
        values,
        to_parts(&atoms[atoms.len() - q..]),
    )
}

fn merge_lits(parts: Vec<Part>) -> Vec<Part> {
    let mut out: Vec<Part> = Vec::with_capacity(parts.len());
    for p in parts {
        match (out.last_mut(), p) {
            (_, Part::Lit(s)) if s.is_empty() => {}
            (Some(Part::Lit(a)), Part::Lit(s)) => a.push_str(&s),
            (_, p) => out.push(p),
        }
    }
    out
}

/// Drops unused variables and names the rest: `section` for slug-like values in URLs,
/// `product` for the most used, `product_title` for one in the H1 (or a `title:` key), then
/// `product_2`, ... Returns the pieces renumbered and the variables most used first.
fn name_variables(pieces: Vec<Part>, vals: Vec<Vec<String>>) -> (Vec<Part>, Vec<Variable>) {
    let nv = vals.len();
    let mut uses = vec![0usize; nv];
    let mut first = vec![usize::MAX; nv];
    let mut url = vec![false; nv];
    let mut h1 = vec![false; nv];
    let mut line = String::new();
    for (k, p) in pieces.iter().enumerate() {
        match p {
            Part::Lit(s) => match s.rfind('\n') {
                Some(i) => line = s[i + 1..].to_string(),
                None => line.push_str(s),
            },
            Part::Var(v) => {
                uses[*v] += 1;
                first[*v] = first[*v].min(k);
                let before = matches!(k.checked_sub(1).map(|i| &pieces[i]), Some(Part::Lit(s)) if s.ends_with('/'));
                let after = matches!(pieces.get(k + 1), Some(Part::Lit(s)) if s.starts_with('/'));
                url[*v] |= before || after;
                h1[*v] |= line.starts_with("# ") || line.starts_with("title:");
                line.push('x');
            }
            _ => {}
        }
    }
    let slug_like = |v: &Vec<String>| {
        v.iter().all(|s| {
            !s.is_empty()
                && s.split(['-', '_', '.']).all(|w| {
                    !w.is_empty()
                        && w.chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
                })
        })
    };
    let mut order: Vec<usize> = (0..nv).filter(|&v| uses[v] > 0).collect();
    order.sort_by(|&a, &b| uses[b].cmp(&uses[a]).then(first[a].cmp(&first[b])));
    let mut names: Vec<Option<String>> = vec![None; nv];
    let mut sections = 0;
    for &v in &order {
        if slug_like(&vals[v]) && url[v] {
            sections += 1;
            names[v] = Some(if sections == 1 {
                "section".into()
            } else {
                format!("section_{sections}")
            });
        }
    }
    let rest: Vec<usize> = order
        .iter()
        .copied()
        .filter(|&v| names[v].is_none())
        .collect();
    if let Some(&p) = rest.first() {
        names[p] = Some("product".into());
    }
    if let Some(&t) = rest.iter().skip(1).find(|&&v| h1[v]) {
        names[t] = Some("product_title".into());
    }
    let mut k = 1;
    for &v in &rest {
        if names[v].is_none() {
            k += 1;
            names[v] = Some(format!("product_{k}"));
        }
    }
    // Renumber: most used first.
    let mut new_index = vec![usize::MAX; nv];
    let mut variables = Vec::new();
    for &v in &order {
        new_index[v] = variables.len();
        variables.push(Variable {
            name: names[v].clone().unwrap_or_default(),
            values: vals[v].clone(),
            uses: uses[v],
        });
    }
    let pieces = pieces
        .into_iter()
        .map(|p| match p {
            Part::Var(v) => Part::Var(new_index[v]),
            p => p,
        })
        .collect();
    (pieces, variables)
}

/// The template text, and the line of each drift span.
fn emit(pieces: &[Part], vars: &[Variable], drift: &[Drift]) -> (String, Vec<usize>) {
    let mut out = String::new();
    let mut lines = vec![0; drift.len()];
    let mut tilde = false;
    for (k, p) in pieces.iter().enumerate() {
        let name = match p {
            Part::Lit(s) => {
                let mustache_next = matches!(
                    pieces.get(k + 1),
                    Some(Part::Var(_) | Part::Drift(_) | Part::FrontMatter)
                ) || matches!(
                    (pieces.get(k + 1), pieces.get(k + 2)),
                    (
                        Some(Part::Mark(_)),
                        Some(Part::Var(_) | Part::Drift(_) | Part::FrontMatter)
                    )
                );
                tilde = escape_into(&mut out, s, mustache_next);
                continue;
            }
            Part::Mark(d) => {
                lines[*d] = out.matches('\n').count() + 1;
                continue;
            }
            Part::Var(v) => vars[*v].name.as_str(),
            Part::Drift(d) => {
                lines[*d] = out.matches('\n').count() + 1;
                drift[*d].name.as_deref().unwrap_or("drift")
            }
            Part::FrontMatter => "front_matter",
        };
        out.push_str(if std::mem::take(&mut tilde) {
            "{{~"
        } else {
            "{{"
        });
        out.push_str(name);
        out.push_str("}}");
    }
    (out, lines)
}

/// Writes literal text so Handlebars renders it verbatim: `{{` becomes `\{{`; backslashes
/// right before `{{` (literal or a variable's) get one more, since Handlebars eats one there.
fn escape_into(out: &mut String, s: &str, mustache_next: bool) -> bool {
    let mut rest = s;
    while let Some(i) = rest.find("{{") {
        let head = &rest[..i];
        out.push_str(head);
        if head.ends_with('\\') {
            // `\\{{!}}` prints the backslashes, the comment nothing, then `\{{` prints `{{`.
            out.push_str("\\{{!}}");
        }
        out.push_str("\\{{");
        rest = &rest[i + 2..];
    }
    out.push_str(rest);
    if mustache_next && s.ends_with('\\') {
        out.push('\\');
    }
    // `\{{` would swallow the `{{` of a mustache right after it: a space keeps them apart and
    // the mustache's `~` takes the space away again.
    let tilde = mustache_next && s.ends_with("{{") && rest.is_empty();
    if tilde {
        out.push(' ');
    }
    tilde
}

// ---------------------------------------------------------------------------------------------
// Writing into a project

/// What `docvar infer` writes.
#[derive(Debug, Clone)]
pub struct Plan {
    /// `templates/<page>.md.hbs` (as shown to users).
    pub template_path: PathBuf,
    /// The template.
    pub template: String,
    /// Whether the template exists already (and is overwritten).
    pub overwrites: bool,
    /// One per copy, in input order.
    pub variants: Vec<VariantEdit>,
}

/// A variant file before and after.
#[derive(Debug, Clone)]
pub struct VariantEdit {
    /// Variant slug.
    pub slug: String,
    /// The file (as shown to users).
    pub path: PathBuf,
    /// Its text before (None: created).
    pub before: Option<String>,
    /// Its text after.
    pub after: String,
}

fn variant_files(root: &Path, config: &Config) -> Result<Vec<(String, PathBuf, String)>> {
    let dir = project::join(root, &config.variants);
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(out);
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|e| e == "toml")
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    paths.sort();
    for path in paths {
        let text = read_text(&path)?;
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let slug = text
            .parse::<toml::Table>()
            .ok()
            .and_then(|t| t.get("slug").and_then(|s| s.as_str().map(String::from)))
            .unwrap_or(stem);
        out.push((slug, path, text));
    }
    Ok(out)
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// The variant of a copy without `--variant`: the variant file that lists it as published
/// (any page), else the name of its folder.
pub fn slug_for(root: &Path, file: &Path) -> Result<String> {
    let config = Config::load(root)?;
    for (slug, _, text) in variant_files(root, &config)? {
        let Ok(table) = text.parse::<toml::Table>() else {
            continue;
        };
        let Some(pages) = table.get("pages").and_then(|p| p.as_table()) else {
            continue;
        };
        for settings in pages.values() {
            let listed: Vec<&str> = match settings.get("published") {
                Some(toml::Value::String(s)) => vec![s.as_str()],
                Some(toml::Value::Array(a)) => a.iter().filter_map(|v| v.as_str()).collect(),
                _ => Vec::new(),
            };
            if listed
                .iter()
                .any(|p| same_file(&project::join(root, Path::new(p)), file))
            {
                return Ok(slug);
            }
        }
    }
    file.canonicalize()
        .ok()
        .and_then(|p| {
            p.parent()
                .and_then(|d| d.file_name())
                .map(|n| n.to_string_lossy().into_owned())
        })
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            Error::in_file(file, "cannot tell which variant this copy belongs to")
                .help("pass --variant SLUG for each file, in order")
        })
}

/// How a copy is listed in `published`: relative to the project root when inside it.
pub fn published_path(root: &Path, file: &Path) -> String {
    let abs = file.canonicalize().unwrap_or_else(|_| file.to_path_buf());
    let rel = root
        .canonicalize()
        .ok()
        .and_then(|r| abs.strip_prefix(r).ok().map(Path::to_path_buf));
    match rel {
        Some(r) => r
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/"),
        None => abs.display().to_string(),
    }
}

const RESERVED: &[&str] = &[
    "slug",
    "page",
    "front_matter",
    "this",
    "if",
    "unless",
    "each",
    "with",
    "lookup",
    "raw",
    "log",
    "eq",
    "ne",
    "gt",
    "gte",
    "lt",
    "lte",
    "and",
    "or",
    "not",
    "len",
    "else",
];

fn usable_name(name: &str) -> bool {
    !RESERVED.contains(&name)
        && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn str_var<'t>(doc: &'t toml_edit::DocumentMut, table: &[&str], key: &str) -> Option<&'t str> {
    let mut item = doc.as_item();
    for k in table {
        item = item.get(k)?;
    }
    item.get(key)?.as_str()
}

/// Plans the writes: reuses variable names the variant files already give the same values,
/// puts a value whose name a file already uses differently under `[pages.<page>.vars]`, adds
/// the rest under `[vars]`, records each copy in `published`, and sets per-variant front
/// matter and `exact` overrides. Renames variables in `inferred` to the names chosen.
pub fn plan(root: &Path, inferred: &mut Inferred, published: &[String]) -> Result<Plan> {
    let config = Config::load(root)?;
    project::check_name("page", &inferred.page).map_err(Error::msg)?;
    for s in &inferred.slugs {
        project::check_name("variant slug", s).map_err(Error::msg)?;
    }
    let files = variant_files(root, &config)?;
    let mut docs: Vec<(PathBuf, Option<String>, toml_edit::DocumentMut)> = Vec::new();
    for slug in &inferred.slugs {
        match files.iter().find(|f| &f.0 == slug) {
            Some((_, path, text)) => {
                let doc = text.parse::<toml_edit::DocumentMut>().map_err(|e| {
                    Error::in_file(path, format!("invalid TOML: {}", e.message().trim()))
                })?;
                docs.push((path.clone(), Some(text.clone()), doc));
            }
            None => {
                let path = project::join(root, &config.variants.join(format!("{slug}.toml")));
                docs.push((path, None, toml_edit::DocumentMut::new()));
            }
        }
    }
    // Names: reuse a name files already give these values; else the inferred one, unused.
    let page = inferred.page.clone();
    let mut taken: HashSet<String> = HashSet::new();
    let mut renames = Vec::new();
    for v in &inferred.variables {
        let mut score: BTreeMap<String, usize> = BTreeMap::new();
        for (i, (_, _, doc)) in docs.iter().enumerate() {
            if let Some(vars) = doc.get("vars").and_then(|t| t.as_table_like()) {
                for (k, item) in vars.iter() {
                    if item.as_str() == Some(v.values[i].as_str())
                        && usable_name(k)
                        && !taken.contains(k)
                    {
                        *score.entry(k.to_string()).or_default() += 1;
                    }
                }
            }
        }
        let best = score
            .iter()
            .max_by(|a, b| {
                a.1.cmp(b.1)
                    .then((a.0 == &v.name).cmp(&(b.0 == &v.name)))
                    .then(b.0.cmp(a.0))
            })
            .map(|(k, _)| k.clone());
        let name = match best {
            Some(k) => k,
            None => {
                let mut name = v.name.clone();
                let mut k = 2;
                while taken.contains(&name) {
                    name = format!("{}_{k}", v.name);
                    k += 1;
                }
                name
            }
        };
        taken.insert(name.clone());
        renames.push(name);
    }
    for (v, name) in inferred.variables.iter_mut().zip(renames) {
        v.name = name;
    }
    inferred.emit();
    // Edit each file.
    let mut variants = Vec::new();
    for (i, (path, before, mut doc)) in docs.into_iter().enumerate() {
        for (name, value) in inferred.vars(i) {
            let global = str_var(&doc, &["vars"], &name).map(String::from);
            let has_global = doc.get("vars").and_then(|t| t.get(&name)).is_some();
            if global.as_deref() == Some(value.as_str()) {
                if let Some(t) = page_table(&mut doc, &page, "vars", false) {
                    t.remove(&name);
                }
            } else if has_global {
                page_table(&mut doc, &page, "vars", true)
                    .expect("created")
                    .insert(&name, toml_edit::value(value));
            } else {
                vars_table(&mut doc).insert(&name, toml_edit::value(value));
                if let Some(t) = page_table(&mut doc, &page, "vars", false) {
                    t.remove(&name);
                }
            }
        }
        for (name, value) in inferred.overrides(i) {
            page_table(&mut doc, &page, "vars", true)
                .expect("created")
                .insert(&name, toml_edit::value(value));
        }
        if !inferred.front_matter[i].is_empty() {
            let t = page_table(&mut doc, &page, "front_matter", true).expect("created");
            for (k, v) in &inferred.front_matter[i] {
                if let Ok(val) = v.to_string().parse::<toml_edit::Value>() {
                    t.insert(k, toml_edit::Item::Value(val));
                }
            }
        }
        add_published(&mut doc, &page, &published[i]);
        // Drop page tables left empty.
        if let Some(p) = doc
            .get_mut("pages")
            .and_then(|p| p.get_mut(&page))
            .and_then(|p| p.as_table_mut())
        {
            for sub in ["vars", "front_matter"] {
                if p.get(sub)
                    .and_then(|t| t.as_table())
                    .is_some_and(|t| t.is_empty())
                {
                    p.remove(sub);
                }
            }
        }
        // A new file's header comment: toml_edit would keep a comment parsed alone as the
        // document's trailing text, below the tables added after it.
        let after = match before {
            Some(_) => doc.to_string(),
            None => format!(
                "# {}: variables found by `docvar infer`.\n{doc}",
                inferred.slugs[i]
            ),
        };
        variants.push(VariantEdit {
            slug: inferred.slugs[i].clone(),
            path,
            before,
            after,
        });
    }
    let template_path = project::join(
        root,
        &config.templates.join(format!("{}.md.hbs", inferred.page)),
    );
    Ok(Plan {
        overwrites: template_path.exists(),
        template_path,
        template: inferred.template.clone(),
        variants,
    })
}

fn vars_table(doc: &mut toml_edit::DocumentMut) -> &mut toml_edit::Table {
    if doc.get("vars").and_then(|v| v.as_table()).is_none() {
        let mut t = toml_edit::Table::new();
        // Before any [pages.*] table, as hand-written variant files have it.
        t.set_position(Some(0));
        doc.insert("vars", toml_edit::Item::Table(t));
    }
    doc["vars"].as_table_mut().expect("a table")
}

fn page_table<'d>(
    doc: &'d mut toml_edit::DocumentMut,
    page: &str,
    sub: &str,
    create: bool,
) -> Option<&'d mut toml_edit::Table> {
    if !create
        && doc
            .get("pages")
            .and_then(|p| p.get(page))
            .and_then(|p| p.get(sub))
            .and_then(|t| t.as_table())
            .is_none()
    {
        return None;
    }
    let p = page_entry(doc, page);
    if p.get(sub).and_then(|t| t.as_table()).is_none() {
        p.insert(sub, toml_edit::Item::Table(toml_edit::Table::new()));
    }
    p[sub].as_table_mut()
}

fn page_entry<'d>(doc: &'d mut toml_edit::DocumentMut, page: &str) -> &'d mut toml_edit::Table {
    if doc.get("pages").and_then(|p| p.as_table()).is_none() {
        let mut t = toml_edit::Table::new();
        t.set_implicit(true);
        doc.insert("pages", toml_edit::Item::Table(t));
    }
    let pages = doc["pages"].as_table_mut().expect("a table");
    if pages.get(page).and_then(|p| p.as_table()).is_none() {
        pages.insert(page, toml_edit::Item::Table(toml_edit::Table::new()));
    }
    pages[page].as_table_mut().expect("a table")
}

fn add_published(doc: &mut toml_edit::DocumentMut, page: &str, path: &str) {
    let p = page_entry(doc, page);
    let mut list: Vec<String> = match p.get("published") {
        Some(item) if item.is_str() => vec![item.as_str().unwrap_or_default().to_string()],
        Some(item) => item
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default(),
        None => Vec::new(),
    };
    if list.iter().any(|l| l == path) {
        return;
    }
    match p.get_mut("published").and_then(|i| i.as_array_mut()) {
        Some(a) => a.push(path),
        None => {
            list.push(path.to_string());
            let mut a = toml_edit::Array::new();
            for l in list {
                a.push(l);
            }
            p.insert("published", toml_edit::value(a));
        }
    }
}

/// Writes the template and the variant files, each atomically.
pub fn write(plan: &Plan) -> Result<()> {
    let mut files = vec![(plan.template_path.as_path(), plan.template.as_str())];
    for v in &plan.variants {
        if v.before.as_deref() != Some(v.after.as_str()) {
            files.push((v.path.as_path(), v.after.as_str()));
        }
    }
    // Every target is checked (no link on the way, no folder in the way, its folder can be
    // made) and every file staged before the first rename, so a refusal changes nothing.
    let base = Path::new("");
    for (path, _) in &files {
        crate::fsguard::refuse_links(base, path)?;
        if std::fs::symlink_metadata(path).is_ok_and(|m| !m.is_file()) {
            return Err(
                Error::in_file(path, "is not a regular file where docvar would write")
                    .help("move it away and run again"),
            );
        }
        let mut dir = path.parent();
        while let Some(d) = dir.filter(|d| !d.as_os_str().is_empty()) {
            match std::fs::symlink_metadata(d) {
                Ok(m) if m.is_dir() => break,
                Ok(_) => {
                    return Err(Error::in_file(d, "is a file where docvar needs a folder")
                        .help("move it away and run again"))
                }
                Err(_) => dir = d.parent(),
            }
        }
    }
    let mut staged = Vec::new();
    for (path, text) in &files {
        let dir = match path.parent().filter(|d| !d.as_os_str().is_empty()) {
            Some(d) => {
                crate::fsguard::create_dir_all(base, d)?;
                d
            }
            None => Path::new("."),
        };
        let mut tmp = tempfile::Builder::new()
            .prefix(".docvar-")
            .tempfile_in(dir)
            .map_err(|e| Error::io(dir, &e).help("check that the folder is writable"))?;
        std::io::Write::write_all(&mut tmp, text.as_bytes()).map_err(|e| Error::io(path, &e))?;
        let mode = std::fs::metadata(path).map(|m| m.permissions()).ok();
        staged.push((tmp.into_temp_path(), *path, mode));
    }
    for (tmp, path, mode) in staged {
        match mode {
            Some(m) => {
                let _ = std::fs::set_permissions(&tmp, m);
            }
            #[cfg(unix)]
            None => {
                use std::os::unix::fs::PermissionsExt;
                let _ = std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o644));
            }
            #[cfg(not(unix))]
            None => {}
        }
        crate::fsguard::refuse_links(base, path)?;
        tmp.persist(path).map_err(|e| Error::io(path, &e.error))?;
    }
    Ok(())
}

/// The drift report of each copy against the planned template and variant files (the report
/// `docvar diff` gives once they are written), built in memory so `--dry-run` has it too.
pub fn drift_report(
    root: &Path,
    plan: &Plan,
    page: &str,
    files: &[PathBuf],
) -> Result<drift::Report> {
    let config = Config::load(root)?;
    let mut variants = Vec::new();
    for v in &plan.variants {
        let table: toml::Table = v
            .after
            .parse()
            .map_err(|e: toml::de::Error| Error::in_file(&v.path, e.message().to_string()))?;
        let vars = table
            .get("vars")
            .and_then(|t| t.as_table())
            .cloned()
            .unwrap_or_default();
        let settings = table
            .get("pages")
            .and_then(|p| p.get(page))
            .and_then(|p| p.as_table());
        let get = |k: &str| {
            settings
                .and_then(|s| s.get(k))
                .and_then(|t| t.as_table())
                .cloned()
                .unwrap_or_default()
        };
        let mut pages = BTreeMap::new();
        pages.insert(
            page.to_string(),
            VariantPage {
                published: Vec::new(),
                front_matter: get("front_matter"),
                vars: get("vars"),
            },
        );
        variants.push(Variant {
            slug: v.slug.clone(),
            path: v.path.clone(),
            source: v.after.clone(),
            vars,
            pages,
        });
    }
    let ignore = config.ignore.clone();
    let project = Project {
        root: root.to_path_buf(),
        config,
        pages: vec![PageTemplate {
            name: page.to_string(),
            path: plan.template_path.clone(),
            source: plan.template.clone(),
        }],
        partials: Vec::new(),
        variants,
    };
    let renderer = crate::render::Renderer::new(&project)?;
    let copies: Vec<drift::Copy> = plan
        .variants
        .iter()
        .zip(files)
        .map(|(v, f)| drift::Copy {
            page: page.to_string(),
            variant: v.slug.clone(),
            path: f.clone(),
            format: drift::CopyFormat::of(f),
        })
        .collect();
    let opts = drift::Options::default().with_ignores(&ignore)?;
    drift::check(&project, &renderer, &copies, &opts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(template: &str, vars: &[(&str, &str)]) -> String {
        let mut hb = handlebars::Handlebars::new();
        hb.register_escape_fn(handlebars::no_escape);
        hb.set_strict_mode(true);
        let ctx: serde_json::Map<String, serde_json::Value> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.to_string())))
            .collect();
        hb.render_template(template, &ctx).unwrap()
    }

    #[test]
    fn literal_braces_and_backslashes_render_verbatim() {
        for lit in [
            "a {{b}} c",
            "{{{{raw}}}}",
            "{{{x}}}",
            "\\{{x}}",
            "\\\\{{x}}",
            "end\\",
            "{{",
            "}}{{!-- --}}",
            "\\",
            "{{#if x}}y{{/if}}",
        ] {
            for var_after in [false, true] {
                let mut t = String::new();
                let tilde = escape_into(&mut t, lit, var_after);
                if var_after {
                    t.push_str(if tilde { "{{~v}}" } else { "{{v}}" });
                }
                let want = if var_after {
                    format!("{lit}V")
                } else {
                    lit.to_string()
                };
                assert_eq!(render(&t, &[("v", "V")]), want, "{lit:?} as {t:?}");
            }
        }
    }

    #[test]
    fn fine_tokens_split_words_spaces_and_marks() {
        assert_eq!(
            fine_tokens("](/private-saas/x  y"),
            vec!["]", "(", "/", "private", "-", "saas", "/", "x", "  ", "y"]
        );
    }

    #[test]
    fn a_name_on_every_line_is_one_variable() {
        let a = "Cloud runs.\nAsk Cloud.\n";
        let b = "Edge Cloud Pro runs.\nAsk Edge Cloud Pro.\n";
        let r = infer("p", &[("a", a), ("b", b)], false).unwrap();
        assert_eq!(r.template, "{{product}} runs.\nAsk {{product}}.\n");
        assert!(r.drift.is_empty());
    }

    #[test]
    fn unrelated_texts_are_refused() {
        let r = infer(
            "p",
            &[
                ("a", "one two three four\n"),
                ("b", "five six seven eight\n"),
            ],
            false,
        );
        assert!(matches!(
            r,
            Err(Refusal::NotNearDuplicates { copies: [0, 1], .. })
        ));
    }
}
