//! `docvar infer`: a template and per-product variables from near-duplicate published copies
//! of one page.
//!
//! The analysis ([`infer`]) is pure: strings in, an [`Inferred`] out. Writing the template and
//! the variant files ([`plan`], [`write()`]) and the drift report of the result
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
//!    (ties: the first copy). With `exact`, that wording is the default of an `{{#if (eq slug
//!    ...)}}` block whose other branches hold the wording of each copy that differs (see
//!    `template::switch_by_slug`); a span inside a line becomes a per-variant override named
//!    after where it is (see `name.rs`).

mod align;
mod discover;
mod name;
mod template;
mod write;

use align::*;
use discover::*;
use name::*;
use template::*;
pub use write::{drift_report, plan, published_path, slug_for, write, Plan, VariantEdit};

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use similar::{capture_diff_slices, capture_diff_slices_deadline, Algorithm, DiffOp};

use crate::drift;
use crate::error::{Error, Result};
use crate::frontmatter;
use crate::fsguard;
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
    /// Its name in the template (`product`, `product_title`, `section`, `guide_link`, ...).
    pub name: String,
    /// Its value in each copy, in input order.
    pub values: Vec<String>,
    /// How many times the template uses it.
    pub uses: usize,
}

/// A difference between the copies that no variable explains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    /// With `exact`, for a span inside a line: the per-variant override the template uses
    /// here (`intro_text`, ...). None for branches on the slug.
    pub name: Option<String>,
    /// 1-based template line where it starts.
    pub line: usize,
    /// Each copy's text of the span (with `exact`, the override's value).
    pub values: Vec<String>,
    /// The copies whose wording the template's default does not have (with `exact`, each has
    /// its own branch, so none renders differently; empty for an override).
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
    /// Word similarity of each copy to the base copy (1.0 for the base).
    pub similarity: Vec<f64>,
    /// The base copy (first by slug): its wording is kept where copies tie.
    pub base: usize,
    /// The copies mixed CRLF and LF line ends and were read with LF throughout (so `exact`
    /// reproduces them up to line ends, as `docvar diff` compares them).
    pub lf_line_ends: bool,
    /// Some per-variant front matter had trailing spaces (`contentType: `) that docvar's YAML
    /// does not write: `exact` reproduces those lines up to them, as `docvar diff` compares.
    pub front_matter_trailing_spaces: bool,
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
                "the copies are not near-duplicates (word similarity {:.1}%, below {:.0}%)",
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
    /// With `exact`, a drift span's branch for the copies of these slugs (its first branch
    /// opens the `{{#if}}`); the branches' text follows, then [`Part::Otherwise`].
    Case {
        /// The drift span.
        drift: usize,
        /// The copies whose text this branch holds.
        slugs: Vec<String>,
        /// `{{#if}}` rather than `{{else if}}`.
        first: bool,
        /// The copies' line end, after the tag.
        eol: &'static str,
    },
    /// The `{{else}}` of a drift span's branches: the wording most copies share.
    Otherwise {
        /// The copies' line end, after the tag.
        eol: &'static str,
    },
    /// The `{{/if}}` closing a drift span's branches.
    EndCase,
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

    /// The inferred template and variables as an in-memory project (one variant per copy,
    /// in input order), for rendering and checking them the way `docvar generate` does.
    pub fn project(&self) -> Project {
        let table = |pairs: Vec<(String, String)>| -> toml::Table {
            pairs
                .into_iter()
                .map(|(k, v)| (k, toml::Value::String(v)))
                .collect()
        };
        let variants = (0..self.slugs.len())
            .map(|i| {
                let mut pages = BTreeMap::new();
                pages.insert(
                    self.page.clone(),
                    VariantPage {
                        published: Vec::new(),
                        front_matter: self.front_matter[i].clone(),
                        vars: table(self.overrides(i)),
                    },
                );
                Variant {
                    slug: self.slugs[i].clone(),
                    path: PathBuf::from(format!("variants/{}.toml", self.slugs[i])),
                    source: String::new(),
                    vars: table(self.vars(i)),
                    pages,
                }
            })
            .collect();
        Project {
            root: PathBuf::from("."),
            config: Config::default(),
            pages: vec![PageTemplate {
                name: self.page.clone(),
                path: PathBuf::from(format!("templates/{}.md.hbs", self.page)),
                source: self.template.clone(),
            }],
            partials: Vec::new(),
            lean: None,
            variants,
        }
    }

    /// Renders the template for copy `i` with the inferred variables, overrides and front
    /// matter, through the same [`Renderer`](crate::render::Renderer) `docvar generate` uses.
    pub fn render(&self, i: usize) -> std::result::Result<String, String> {
        self.render_each(&[i]).remove(0)
    }

    /// [`Inferred::render`] of each copy in `copies`, the project and its templates built once.
    fn render_each(&self, copies: &[usize]) -> Vec<std::result::Result<String, String>> {
        let project = self.project();
        let renderer = match crate::render::Renderer::new(&project) {
            Ok(r) => r,
            Err(e) => return copies.iter().map(|_| Err(e.to_string())).collect(),
        };
        copies
            .iter()
            .map(|&i| {
                renderer
                    .render(&self.page, &project.variants[i])
                    .map_err(|e| e.to_string())
            })
            .collect()
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
///
/// The result does not depend on the order of `copies`: they are analysed in slug order (the
/// first by slug is the base whose wording wins a tie) and the result is given back in input
/// order.
pub fn infer<S: AsRef<str>, T: AsRef<str>>(
    page: &str,
    copies: &[(S, T)],
    exact: bool,
) -> std::result::Result<Inferred, Refusal> {
    let mut order: Vec<usize> = (0..copies.len()).collect();
    order.sort_by(|&a, &b| {
        (copies[a].0.as_ref(), copies[a].1.as_ref(), a).cmp(&(
            copies[b].0.as_ref(),
            copies[b].1.as_ref(),
            b,
        ))
    });
    // Mixed line ends (CRLF in some lines or copies, LF in others) would put a line break in
    // an override on every line: such a group is read with LF line ends throughout, as
    // `docvar diff` compares them anyway.
    let texts: Vec<&str> = copies.iter().map(|c| c.1.as_ref()).collect();
    let crlf = texts
        .iter()
        .map(|t| t.matches("\r\n").count())
        .sum::<usize>();
    let lf = texts.iter().map(|t| t.matches('\n').count()).sum::<usize>();
    let mixed = crlf > 0 && crlf < lf;
    let texts: Vec<std::borrow::Cow<str>> = texts
        .iter()
        .map(|t| {
            if mixed {
                t.replace("\r\n", "\n").into()
            } else {
                (*t).into()
            }
        })
        .collect();
    let sorted: Vec<(&str, &str)> = order
        .iter()
        .map(|&i| (copies[i].0.as_ref(), texts[i].as_ref()))
        .collect();
    // `back[k]`: where input copy `k` sits in slug order.
    let mut back = vec![0; order.len()];
    for (k, &i) in order.iter().enumerate() {
        back[i] = k;
    }
    let unsort = |v: &mut Vec<usize>| {
        for x in v.iter_mut() {
            *x = order[*x];
        }
    };
    let mut r = match infer_sorted(page, &sorted, exact) {
        Ok(r) => r,
        Err(Refusal::SameVariant { slug, copies: c }) => {
            let mut c = [order[c[0]], order[c[1]]];
            c.sort();
            return Err(Refusal::SameVariant { slug, copies: c });
        }
        Err(Refusal::NotNearDuplicates {
            copies: c,
            similarity,
        }) => {
            return Err(Refusal::NotNearDuplicates {
                copies: [order[c[0]], order[c[1]]],
                similarity,
            })
        }
        Err(e) => return Err(e),
    };
    fn permute<T: Clone>(v: &[T], back: &[usize]) -> Vec<T> {
        back.iter().map(|&k| v[k].clone()).collect()
    }
    r.slugs = permute(&r.slugs, &back);
    r.front_matter = permute(&r.front_matter, &back);
    r.similarity = permute(&r.similarity, &back);
    r.base = order[0];
    r.lf_line_ends = mixed;
    for v in &mut r.variables {
        v.values = permute(&v.values, &back);
    }
    for d in &mut r.drift {
        d.values = permute(&d.values, &back);
        unsort(&mut d.deviating);
        d.deviating.sort();
    }
    Ok(r)
}

fn infer_sorted(
    page: &str,
    copies: &[(&str, &str)],
    exact: bool,
) -> std::result::Result<Inferred, Refusal> {
    let n = copies.len();
    if n < 2 {
        return Err(Refusal::TooFew);
    }
    let slugs: Vec<String> = copies.iter().map(|c| c.0.to_string()).collect();
    for (i, s) in slugs.iter().enumerate() {
        if let Some(j) = slugs[..i].iter().position(|o| o == s) {
            return Err(Refusal::SameVariant {
                slug: s.clone(),
                copies: [j, i],
            });
        }
    }
    let texts: Vec<&str> = copies.iter().map(|c| c.1).collect();
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
    // A product's name the copies share a word of (`Hub Edge`, `One Edge`) is a slot plus a
    // few words around it: such widenings are offered to discovery as whole values.
    let named: Vec<Vec<String>> = segs
        .iter()
        .flat_map(|seg| {
            seg.slots
                .iter()
                .filter_map(|r| named_widening(seg, r, &slugs))
        })
        .collect();
    let vars = discover(&all_slots, &slugs, &named);
    // Templating.
    let mut pieces = Vec::new();
    // The pieces without `exact`, so variables get the same names with and without it.
    let mut plain = Vec::new();
    let mut drift = Vec::new();
    // With `exact`, each drift span's template text without it (the wording most copies
    // share) and which copies that text reproduces.
    let mut defaults = Vec::new();
    for (k, seg) in segs.iter().enumerate() {
        if k > 0 {
            pieces.push(Part::FrontMatter);
            plain.push(Part::FrontMatter);
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
        widen_drift_to_lines(seg, &vars, &mut slots, &mut texts_k, &mut outs);
        let base = seg.texts[0];
        let mut at = 0;
        for (si, (r, out)) in slots.iter().zip(outs).enumerate() {
            let lit = Part::Lit(base[toks.starts[at]..toks.starts[r.start]].to_string());
            pieces.push(lit.clone());
            plain.push(lit);
            at = r.end;
            let texts = &texts_k[si];
            if !out.matched.iter().all(|&m| m) {
                plain.push(Part::Mark(drift.len()));
            }
            plain.extend(out.parts.iter().cloned());
            if out.matched.iter().all(|&m| m) {
                pieces.extend(out.parts);
            } else if exact {
                pieces.push(Part::Drift(drift.len()));
                defaults.push(Some((out.parts, out.matched)));
                drift.push(Drift {
                    name: Some(format!("drift_{}", drift.len() + 1)),
                    line: 0,
                    values: texts.iter().map(|s| s.to_string()).collect(),
                    deviating: Vec::new(),
                });
            } else {
                pieces.push(Part::Mark(drift.len()));
                pieces.extend(out.parts);
                defaults.push(None);
                drift.push(Drift {
                    name: None,
                    line: 0,
                    values: texts.iter().map(|s| s.to_string()).collect(),
                    deviating: (0..n).filter(|&i| !out.matched[i]).collect(),
                });
            }
        }
        let lit = Part::Lit(base[toks.starts[at]..].to_string());
        pieces.push(lit.clone());
        plain.push(lit);
    }
    let pieces = merge_lits(pieces);
    let pieces = if exact {
        merge_lits(switch_by_slug(pieces, &mut drift, defaults, &slugs))
    } else {
        pieces
    };
    let (_, plain_vars) = name_variables(merge_lits(plain), vars.clone(), &slugs);
    let (pieces, mut variables) = name_variables(pieces, vars, &slugs);
    for v in &mut variables {
        if let Some(p) = plain_vars.iter().find(|p| p.values == v.values) {
            v.name = p.name.clone();
        }
    }
    name_overrides(&pieces, &variables, &mut drift);
    let mut inferred = Inferred {
        page: page.to_string(),
        slugs,
        template: String::new(),
        variables,
        drift,
        front_matter: prep.front_matter,
        similarity,
        base: 0,
        lf_line_ends: false,
        front_matter_trailing_spaces: prep.trailing_spaces,
        pieces,
    };
    inferred.emit();
    if !exact {
        inferred.drop_spurious_drift(&texts);
    }
    Ok(inferred)
}

impl Inferred {
    /// Takes a copy off the drift spans when the template renders it exactly: an alignment
    /// of names that share words can leave a span the search did not explain although the
    /// template, filled in, reproduces the copy. Spans no copy deviates from are dropped.
    fn drop_spurious_drift(&mut self, texts: &[&str]) {
        if self.drift.is_empty() {
            return;
        }
        let deviating: Vec<usize> = (0..texts.len())
            .filter(|i| self.drift.iter().any(|d| d.deviating.contains(i)))
            .collect();
        let mut exact = vec![false; texts.len()];
        for (&i, r) in deviating.iter().zip(self.render_each(&deviating)) {
            exact[i] = r.is_ok_and(|r| r == texts[i]);
        }
        for d in &mut self.drift {
            d.deviating.retain(|&i| !exact[i]);
        }
        let mut new_index = Vec::with_capacity(self.drift.len());
        let mut kept = 0;
        for d in &self.drift {
            new_index.push((!d.deviating.is_empty()).then_some(kept));
            kept += usize::from(!d.deviating.is_empty());
        }
        if kept == self.drift.len() {
            return;
        }
        self.drift.retain(|d| !d.deviating.is_empty());
        self.pieces = std::mem::take(&mut self.pieces)
            .into_iter()
            .filter_map(|p| match p {
                Part::Mark(d) => new_index[d].map(Part::Mark),
                p => Some(p),
            })
            .collect();
        self.emit();
    }
}

/// Widens every slot the variables do not explain to whole lines, merging it with the slots
/// it then overlaps: drift is one copy's lines (or, with `exact`, one override per line), never
/// words of several copies stitched into a sentence no copy has. A slot's ends stay next to
/// tokens every copy has (see [`SegAlign::range_in`]).
fn widen_drift_to_lines<'a>(
    seg: &SegAlign<'a>,
    vars: &[Vec<String>],
    slots: &mut Vec<Range<usize>>,
    texts: &mut Vec<Vec<&'a str>>,
    outs: &mut Vec<SlotOut>,
) {
    let toks = &seg.toks[0];
    let len = toks.len();
    if len == 0 {
        return;
    }
    let matched_all = |i: usize| seg.aligns.iter().all(|a| a.matches[i] != NONE);
    let line_of = |t: usize| toks.line_first.partition_point(|&f| f <= t) - 1;
    // A fenced code block is one token for drift: a drifted slot touching it takes the whole
    // block, fences included (a command cut in two is no template). A variable inside stays:
    // its values are words on one line, so it cuts no block.
    let fences = fenced_blocks(&toks.lines);
    // Another copy's fenced blocks too: where the first copy has other text, a drifted slot
    // must not start or end inside the block that copy has (its words can match the first
    // copy's). Each block as tokens, from its opening fence to its closing fence's line break.
    let other_fences: Vec<Vec<(usize, usize)>> = seg.toks[1..]
        .iter()
        .map(|t| {
            fenced_blocks(&t.lines)
                .into_iter()
                .map(|(open, close)| {
                    let next = t.line_first[close + 1];
                    let end = if next > 0 && t.toks[next - 1].contains('\n') {
                        next - 1
                    } else {
                        next
                    };
                    (t.line_first[open], end)
                })
                .collect()
        })
        .collect();
    // Whether first-copy token `i` is, in some copy, inside one of its blocks (`edge`: its
    // first token counts as inside, as it does for a slot's start).
    let in_other_fence = |i: usize, edge: bool| {
        seg.aligns.iter().zip(&other_fences).any(|(a, fs)| {
            let m = a.matches[i];
            m != NONE
                && fs.iter().any(|&(a, b)| {
                    let m = m as usize;
                    (if edge { a <= m } else { a < m }) && m < b
                })
        })
    };
    let fence_of = |r: &Range<usize>| -> Option<(usize, usize)> {
        let (a, b) = (
            line_of(r.start.min(len - 1)),
            line_of(r.end.max(r.start + 1).min(len) - 1),
        );
        let hit: Vec<&(usize, usize)> = fences.iter().filter(|f| f.0 <= b && a <= f.1).collect();
        Some((hit.first()?.0, hit.last()?.1))
    };
    let line_end = |t: usize| {
        let next = toks.line_first[line_of(t) + 1];
        if next > 0 && toks.toks[next - 1].contains('\n') {
            next - 1
        } else {
            next
        }
    };
    let mut wide: Vec<(usize, usize)> = Vec::new();
    for (i, r) in slots.iter().enumerate() {
        // Spacing and line ends alone (CRLF in one copy, a final newline some copies lack)
        // stay where they are; a slot with a word in it is not spacing, even where only the
        // spaces around it differ (`ab`, `a b`): it would be an override of part of a line.
        let spacing = texts[i].iter().all(|t| blank(t));
        let explained = outs[i].matched.iter().all(|&m| m);
        let fence = if spacing || explained {
            None
        } else {
            fence_of(r)
        };
        if spacing || explained {
            wide.push((r.start, r.end));
            continue;
        }
        let mut start = toks.line_first[line_of(r.start.min(len - 1))];
        let mut last = r.end.max(r.start + 1).min(len) - 1;
        if let Some((open, close)) = fence {
            start = start.min(toks.line_first[open]);
            // The closing fence's last token (an unclosed fence runs to the end).
            last = last.max(toks.line_first[close + 1].max(1) - 1);
        }
        while start > 0 && (!matched_all(start - 1) || in_other_fence(start - 1, true)) {
            start = toks.line_first[line_of(start - 1)];
        }
        let mut end = line_end(last);
        while end < len && (end < r.end || !matched_all(end) || in_other_fence(end, false)) {
            end = if end + 1 >= len {
                len
            } else {
                line_end(end + 1)
            };
        }
        wide.push((start.min(r.start), end.max(r.end)));
    }
    let merged = union(wide);
    let mut new_slots = Vec::new();
    let mut new_texts = Vec::new();
    let mut new_outs = Vec::new();
    let mut old = std::mem::take(outs)
        .into_iter()
        .zip(std::mem::take(texts))
        .zip(slots.iter().cloned())
        .peekable();
    for (a, b) in merged {
        let r = a..b;
        let mut kept = None;
        while let Some(((o, t), s)) = old.next_if(|(_, s)| s.start < b) {
            if s == r {
                kept = Some((o, t));
            }
        }
        let (o, t) = kept.unwrap_or_else(|| {
            let t = seg.texts_of(&r);
            (template_slot(&t, vars), t)
        });
        new_slots.push(r);
        new_texts.push(t);
        new_outs.push(o);
    }
    *slots = new_slots;
    *texts = new_texts;
    *outs = new_outs;
}

/// Slot `r` widened by a few tokens on its line, when the widened values are the copies'
/// product names or slugs (see [`discover::slugs_or_names`]).
fn named_widening(seg: &SegAlign, r: &Range<usize>, slugs: &[String]) -> Option<Vec<String>> {
    let toks = &seg.toks[0];
    let matched_all = |i: usize| seg.aligns.iter().all(|a| a.matches[i] != NONE);
    // Inside the slot too: a slot grown over a shared word (`Edge and` vs `and`) may hold
    // only part of the name; and across a neighbouring slot (`Private Cloud Edge`, `Appliance
    // Cloud Private`: two slots around `Cloud`).
    let mut lefts: Vec<usize> = (r.start + 1..r.end).rev().collect();
    lefts.push(r.start);
    let mut a = r.start;
    while r.start - a < 2 * WIDEN_WORDS && a > 0 && !toks.toks[a - 1].contains('\n') {
        a -= 1;
        lefts.push(a);
    }
    let mut rights: Vec<usize> = (r.start + 1..r.end).collect();
    rights.push(r.end);
    let mut b = r.end;
    while b - r.end < 2 * WIDEN_WORDS && b < toks.len() && !toks.toks[b].contains('\n') {
        b += 1;
        rights.push(b);
    }
    for &a in &lefts {
        for &b in rights.iter().filter(|&&b| b > a) {
            // The range's ends must sit next to tokens every copy has.
            if (a > 0 && !matched_all(a - 1)) || (b < toks.len() && !matched_all(b)) {
                continue;
            }
            let t: Vec<String> = seg
                .texts_of(&(a..b))
                .iter()
                .map(|v| v.trim().to_string())
                .collect();
            if discover::slugs_or_names(&t, slugs) {
                return Some(t);
            }
        }
    }
    None
}

/// Fenced code blocks (```` ``` ```` or `~~~`, any indent) as inclusive line ranges; an
/// unclosed one runs to the last line.
fn fenced_blocks(lines: &[&str]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut open: Option<(usize, &str)> = None;
    for (i, l) in lines.iter().enumerate() {
        let t = l.trim_start();
        match open {
            Some((a, f))
                if t.starts_with(f)
                    && t[f.len()..]
                        .trim()
                        .trim_start_matches(f.chars().next().unwrap_or('`'))
                        .is_empty() =>
            {
                out.push((a, i));
                open = None;
            }
            Some(_) => {}
            None if t.starts_with("```") => open = Some((i, "```")),
            None if t.starts_with("~~~") => open = Some((i, "~~~")),
            None => {}
        }
    }
    if let Some((a, _)) = open {
        out.push((a, lines.len().saturating_sub(1)));
    }
    out
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
        // A hyphen between word characters joins them: a URL segment is one token.
        assert_eq!(
            fine_tokens("](/private-saas/x  y -z a- --"),
            vec![
                "]",
                "(",
                "/",
                "private-saas",
                "/",
                "x",
                "  ",
                "y",
                " ",
                "-",
                "z",
                " ",
                "a",
                "-",
                " ",
                "-",
                "-"
            ]
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
