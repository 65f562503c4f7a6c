//! Three-way merge of a template change into a hand-kept copy: blocks first (the drift
//! report's block model), then words inside a block both sides changed.
//!
//! Pure over texts: base (the previous render), template (the render now) and the copy go
//! in; the merged text and its conflicts come out. Nothing here reads or writes files.

use std::ops::Range;
use std::time::{Duration, Instant};

use regex::Regex;
use similar::{Algorithm, DiffOp};

use crate::document::Document;
use crate::drift::{self, CopyFormat};
use crate::export;

/// Marker lines around a conflict, diff3 style.
pub const MARKERS: [&str; 4] = [
    "<<<<<<< copy",
    "||||||| base",
    "=======",
    ">>>>>>> template",
];

/// Time budget of one merge's diffs; past it the diffs are coarser (more conflicts, never a
/// wrong merge).
const TIMEOUT: Duration = Duration::from_secs(2);

/// The result of merging one copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merge {
    /// The merged copy, in the copy's own BOM, line-ending and final-newline convention.
    pub text: String,
    /// Places both sides changed the same words, in text order.
    pub conflicts: Vec<Conflict>,
}

/// One conflict: the smallest block holding changes both sides made to the same words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// 1-based line of the `<<<<<<< copy` marker in the merged text.
    pub line: usize,
    /// Where it is, as the drift report names places (section › row › column).
    pub location: crate::drift::Location,
    /// The copy's side (LF line ends).
    pub copy: String,
    /// The previous render's side.
    pub base: String,
    /// The template's side (the render now).
    pub template: String,
}

/// How a copy writes its bytes around the lines.
#[derive(Debug, Clone, Copy)]
struct Convention {
    bom: bool,
    crlf: bool,
    final_newline: bool,
}

/// Splits a copy into its convention and LF text. CRLF is undone only when every line ends
/// in CRLF, so a mixed copy keeps its bytes where the merge leaves its lines alone.
fn convention(raw: &str) -> (Convention, String) {
    let (bom, s) = match raw.strip_prefix('\u{feff}') {
        Some(rest) => (true, rest),
        None => (false, raw),
    };
    let lf = s.matches('\n').count();
    let crlf = lf > 0 && s.matches("\r\n").count() == lf;
    let text = if crlf {
        s.replace("\r\n", "\n")
    } else {
        s.to_string()
    };
    let final_newline = text.is_empty() || text.ends_with('\n');
    (
        Convention {
            bom,
            crlf,
            final_newline,
        },
        text,
    )
}

/// One side split into merge units: whole blocks (Markdown) or lines (plain text).
struct Side {
    chunks: Vec<String>,
    /// Per chunk: the block of `doc` it holds, if any.
    blocks: Vec<Option<usize>>,
    doc: Option<Document>,
}

fn with_newline(s: &str) -> String {
    let mut s = s.to_string();
    if !s.is_empty() && !s.ends_with('\n') {
        s.push('\n');
    }
    s
}

/// Markdown units: each block's lines (overlapping blocks joined), and every other line alone.
fn markdown_side(text: &str) -> Side {
    let text = with_newline(text);
    let doc = Document::parse(&text);
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let n = lines.len();
    let mut spans: Vec<(usize, usize, usize)> = doc
        .blocks
        .iter()
        .enumerate()
        .filter_map(|(i, b)| {
            let start = b.lines[0].saturating_sub(1).min(n);
            let end = b.lines[1].max(b.lines[0]).min(n);
            (start < end).then_some((start, end, i))
        })
        .collect();
    spans.sort();
    let (mut chunks, mut blocks) = (Vec::new(), Vec::new());
    let (mut i, mut k) = (0, 0);
    while i < n {
        while k < spans.len() && spans[k].1 <= i {
            k += 1;
        }
        if k < spans.len() && spans[k].0 <= i {
            let (mut end, block) = (spans[k].1, spans[k].2);
            while k < spans.len() && spans[k].0 < end {
                end = end.max(spans[k].1);
                k += 1;
            }
            chunks.push(lines[i..end].concat());
            blocks.push(Some(block));
            i = end;
        } else {
            chunks.push(lines[i].to_string());
            blocks.push(None);
            i += 1;
        }
    }
    Side {
        chunks,
        blocks,
        doc: Some(doc),
    }
}

/// The help-center text of a render, one unit per line, each tied to its block.
fn rendered_text_side(markdown: &str) -> Side {
    let doc = Document::parse(markdown);
    let text = export::text(&doc);
    Side {
        chunks: text
            .text
            .split_inclusive('\n')
            .map(str::to_string)
            .collect(),
        blocks: text.blocks,
        doc: Some(doc),
    }
}

fn line_side(text: &str) -> Side {
    let text = with_newline(text);
    let chunks: Vec<String> = text.split_inclusive('\n').map(str::to_string).collect();
    Side {
        blocks: vec![None; chunks.len()],
        chunks,
        doc: None,
    }
}

/// A stretch of the three sequences: the same on all sides, or changed on one or both.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Region {
    Stable(Range<usize>),
    Unstable {
        base: Range<usize>,
        copy: Range<usize>,
        template: Range<usize>,
    },
}

/// For each item of `old`, the index of the equal item in `new`, if the diff kept it.
fn matches<T: Eq + std::hash::Hash + Ord>(
    old: &[T],
    new: &[T],
    deadline: Instant,
) -> Vec<Option<usize>> {
    let mut m = vec![None; old.len()];
    for op in similar::capture_diff_slices_deadline(Algorithm::Myers, old, new, Some(deadline)) {
        if let DiffOp::Equal {
            old_index,
            new_index,
            len,
        } = op
        {
            for d in 0..len {
                m[old_index + d] = Some(new_index + d);
            }
        }
    }
    m
}

/// Classic diff3 regions of `base` against `copy` and `template`.
fn diff3<T: Eq + std::hash::Hash + Ord>(
    base: &[T],
    copy: &[T],
    template: &[T],
    deadline: Instant,
) -> Vec<Region> {
    let ma = matches(base, copy, deadline);
    let mb = matches(base, template, deadline);
    let mut regions = Vec::new();
    let (mut i, mut ja, mut jb) = (0, 0, 0);
    loop {
        if i < base.len() && ma[i] == Some(ja) && mb[i] == Some(jb) {
            match regions.last_mut() {
                Some(Region::Stable(r)) => r.end = i + 1,
                _ => regions.push(Region::Stable(i..i + 1)),
            }
            (i, ja, jb) = (i + 1, ja + 1, jb + 1);
            continue;
        }
        let next = (i..base.len()).find_map(|k| Some((k, ma[k]?, mb[k]?)));
        let (k, ea, eb) = next.unwrap_or((base.len(), copy.len(), template.len()));
        if (k, ea, eb) == (i, ja, jb) {
            break;
        }
        regions.push(Region::Unstable {
            base: i..k,
            copy: ja..ea,
            template: jb..eb,
        });
        (i, ja, jb) = (k, ea, eb);
        if next.is_none() {
            break;
        }
    }
    regions
}

/// A base range and the base, copy and template units over it.
type Part<'a> = (Range<usize>, &'a [String], &'a [String], &'a [String]);

/// Which side an unstable region takes, when that is clear without looking closer.
fn pick<'a, T: PartialEq>(base: &[T], copy: &'a [T], template: &'a [T]) -> Option<&'a [T]> {
    if copy == base {
        Some(template)
    } else if template == base || copy == template {
        Some(copy)
    } else {
        None
    }
}

/// Words as the merge sees them: the drift report's tokens (a Markdown link is one word),
/// with table pipes split off so a change in one cell never touches its neighbour.
fn words(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for t in drift::tokens(s) {
        if t.starts_with(['[', '`', '<']) || !t.contains('|') {
            out.push(t);
            continue;
        }
        let mut start = 0;
        for (i, c) in t.char_indices() {
            if c == '|' {
                if start < i {
                    out.push(&t[start..i]);
                }
                out.push(&t[i..i + 1]);
                start = i + 1;
            }
        }
        if start < t.len() {
            out.push(&t[start..]);
        }
    }
    out
}

/// Word-level three-way merge of one stretch of text; `None` when both sides changed the
/// same words.
fn merge_words(base: &str, copy: &str, template: &str, deadline: Instant) -> Option<String> {
    let (o, a, b) = (words(base), words(copy), words(template));
    let mut out = String::with_capacity(copy.len().max(template.len()));
    for region in diff3(&o, &a, &b, deadline) {
        match region {
            Region::Stable(r) => out.extend(o[r].iter().copied()),
            Region::Unstable {
                base,
                copy,
                template,
            } => out.extend(pick(&o[base], &a[copy], &b[template])?.iter().copied()),
        }
    }
    Some(out)
}

/// Merges `copy` (a published copy, in `format`) with the change from `base` to `template`
/// (both rendered Markdown). Lines of the copy matching `ignore` (site chrome) are kept where
/// the template changed around them.
pub fn merge(
    base: &str,
    template: &str,
    copy: &str,
    format: CopyFormat,
    ignore: &[Regex],
) -> Merge {
    let deadline = Instant::now() + TIMEOUT;
    let (conv, copy_text) = convention(copy);
    let (o, b, a) = match format {
        CopyFormat::Markdown => (
            markdown_side(base),
            markdown_side(template),
            markdown_side(&copy_text),
        ),
        CopyFormat::Text => (
            rendered_text_side(base),
            rendered_text_side(template),
            line_side(&copy_text),
        ),
    };
    let ignored = |c: &String| {
        !ignore.is_empty()
            && !c.trim().is_empty()
            && c.lines().all(|l| ignore.iter().any(|re| re.is_match(l)))
    };
    let mut out = String::with_capacity(copy_text.len() + template.len() / 8);
    let mut conflicts = Vec::new();
    let emit = |out: &mut String, s: &str| out.push_str(s);
    for region in diff3(&o.chunks, &a.chunks, &b.chunks, deadline) {
        let (ro, ra, rb) = match region {
            Region::Stable(r) => {
                for c in &o.chunks[r] {
                    emit(&mut out, c);
                }
                continue;
            }
            Region::Unstable {
                base,
                copy,
                template,
            } => (base, copy, template),
        };
        let (co, ca, cb) = (&o.chunks[ro.clone()], &a.chunks[ra], &b.chunks[rb.clone()]);
        if let Some(side) = pick(co, ca, cb) {
            side.iter().for_each(|c| emit(&mut out, c));
            continue;
        }
        // The copy changed nothing here but its site chrome (and blank lines around it): the
        // template's text, chrome kept before or after it as it was.
        let content = |c: &&String| !ignored(c) && !c.trim().is_empty();
        if ca.iter().any(ignored) && ca.iter().filter(content).eq(co.iter().filter(content)) {
            let lead = ca.iter().take_while(|c| !content(c)).count();
            let tail = ca.iter().rposition(|c| content(&c)).map_or(lead, |p| p + 1);
            let lead = if tail == lead { 0 } else { lead };
            ca[..lead].iter().for_each(|c| emit(&mut out, c));
            cb.iter().for_each(|c| emit(&mut out, c));
            ca[tail.max(lead)..].iter().for_each(|c| emit(&mut out, c));
            continue;
        }
        // Block by block where the blocks pair up; else the whole stretch word by word.
        let parts: Vec<Part<'_>> = if co.len() == ca.len() && co.len() == cb.len() {
            (0..co.len())
                .map(|j| {
                    (
                        ro.start + j..ro.start + j + 1,
                        &co[j..j + 1],
                        &ca[j..j + 1],
                        &cb[j..j + 1],
                    )
                })
                .collect()
        } else {
            vec![(ro.clone(), co, ca, cb)]
        };
        for (k, (pr, po, pa, pb)) in parts.into_iter().enumerate() {
            if let Some(side) = pick(po, pa, pb) {
                side.iter().for_each(|c| emit(&mut out, c));
                continue;
            }
            let (so, sa, sb) = (po.concat(), pa.concat(), pb.concat());
            if let Some(merged) = merge_words(&so, &sa, &sb, deadline) {
                emit(&mut out, &merged);
                continue;
            }
            let tb = if pb.len() == po.len() {
                rb.start + k..rb.start + k + pb.len()
            } else {
                rb.clone()
            };
            conflicts.push(Conflict {
                // Conflicts are rare: counting the lines so far costs less than tracking them.
                line: out.matches('\n').count() + 1,
                location: locate(&o, pr, &b, tb),
                copy: sa.clone(),
                base: so.clone(),
                template: sb.clone(),
            });
            for (marker, body) in MARKERS.iter().zip([sa.as_str(), &so, &sb, ""]) {
                emit(&mut out, marker);
                emit(&mut out, "\n");
                emit(&mut out, body);
            }
        }
    }
    // The final newline follows the copy where the copy differs from the base, else the
    // template (whose renders end as their templates end).
    // (A text export always ends in one.)
    let ends = |s: &str| format == CopyFormat::Text || s.is_empty() || s.ends_with('\n');
    let final_newline = if conv.final_newline != ends(base) {
        conv.final_newline
    } else {
        ends(template)
    };
    if !final_newline && out.ends_with('\n') {
        out.pop();
    }
    if conv.crlf {
        out = out.replace('\n', "\r\n");
    }
    if conv.bom {
        out.insert(0, '\u{feff}');
    }
    Merge {
        text: out,
        conflicts,
    }
}

/// The drift report's name for the place a conflict is: the template's block there (else the
/// base's), with the changed columns of a table row.
fn locate(o: &Side, ro: Range<usize>, b: &Side, rb: Range<usize>) -> crate::drift::Location {
    let first = |s: &Side, r: Range<usize>| -> Option<usize> {
        s.blocks.get(r)?.iter().flatten().copied().next()
    };
    fn block(s: &Side, i: usize) -> Option<&crate::document::Block> {
        s.doc.as_ref()?.blocks.get(i)
    }
    let ob = first(o, ro).and_then(|i| block(o, i));
    let tb = first(b, rb).and_then(|i| block(b, i));
    match (ob, tb, o.doc.as_ref()) {
        (Some(ob), Some(tb), Some(doc)) => crate::drift::Location {
            columns: drift::changed_columns(&drift::headers(doc), ob, tb),
            ..drift::location(tb)
        },
        (_, Some(x), _) | (Some(x), None, _) => drift::location(x),
        (None, None, _) => crate::drift::Location::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md(base: &str, template: &str, copy: &str) -> Merge {
        merge(base, template, copy, CopyFormat::Markdown, &[])
    }

    #[test]
    fn one_side_changes_take_that_side() {
        let base = "# T\n\nOne two.\n\nThree four.\n";
        let template = "# T\n\nOne two changed.\n\nThree four.\n";
        let copy = "# T\n\nOne two.\n\nThree four, mine.\n";
        let m = md(base, template, copy);
        assert_eq!(m.text, "# T\n\nOne two changed.\n\nThree four, mine.\n");
        assert!(m.conflicts.is_empty());
    }

    #[test]
    fn words_in_one_block_merge() {
        let base = "Alpha beta gamma delta.\n";
        let template = "Alpha BETA gamma delta.\n";
        let copy = "Alpha beta gamma DELTA.\n";
        assert_eq!(md(base, template, copy).text, "Alpha BETA gamma DELTA.\n");
    }

    #[test]
    fn same_words_conflict_with_markers_and_location() {
        let base = "## S\n\n|A|B|\n|---|---|\n|r|x y|\n|s|z|\n";
        let template = "## S\n\n|A|B|\n|---|---|\n|r|x Y|\n|s|z|\n";
        let copy = "## S\n\n|A|B|\n|---|---|\n|r|x W|\n|s|z|\n";
        let m = md(base, template, copy);
        assert_eq!(
            m.text,
            "## S\n\n|A|B|\n|---|---|\n<<<<<<< copy\n|r|x W|\n||||||| base\n|r|x y|\n=======\n|r|x Y|\n>>>>>>> template\n|s|z|\n"
        );
        assert_eq!(m.conflicts.len(), 1);
        assert_eq!(m.conflicts[0].line, 5);
        assert_eq!(
            crate::report::place_text(&m.conflicts[0].location),
            "S › table row \"r\" › column \"B\""
        );
    }

    #[test]
    fn adjacent_rows_changed_on_different_sides_both_survive() {
        let base = "|A|B|\n|---|---|\n|r|1|\n|s|2|\n";
        let template = "|A|B|\n|---|---|\n|r|one|\n|s|2|\n";
        let copy = "|A|B|\n|---|---|\n|r|1|\n|s|two|\n";
        let m = md(base, template, copy);
        assert_eq!(m.text, "|A|B|\n|---|---|\n|r|one|\n|s|two|\n");
        assert!(m.conflicts.is_empty());
    }

    #[test]
    fn copy_conventions_are_kept() {
        let base = "A b.\n\nC d.\n";
        let template = "A B.\n\nC d.\n";
        let copy = "\u{feff}A b.\r\n\r\nC d, mine.";
        let m = md(base, template, copy);
        assert_eq!(m.text, "\u{feff}A B.\r\n\r\nC d, mine.");
    }

    #[test]
    fn text_copies_keep_their_chrome() {
        let base = "# T\n\nOne.\n";
        let template = "# T\n\nOne more.\n";
        let copy = "T\n\nOne.\n\nWas this article helpful?";
        let ignore = [Regex::new(r"^Was this article helpful\?$").unwrap()];
        let m = merge(base, template, copy, CopyFormat::Text, &ignore);
        assert_eq!(m.text, "T\n\nOne more.\n\nWas this article helpful?");
    }

    #[test]
    fn text_conflicts_are_placed_by_the_rendered_block() {
        let m = merge(
            "## S\n\nOne two.\n",
            "## S\n\nOne three.\n",
            "S\r\n\r\nOne four.\r\n",
            CopyFormat::Text,
            &[],
        );
        assert_eq!(
            m.text,
            "S\r\n\r\n<<<<<<< copy\r\nOne four.\r\n||||||| base\r\nOne two.\r\n=======\r\nOne three.\r\n>>>>>>> template\r\n"
        );
        assert_eq!(m.conflicts.len(), 1);
        assert_eq!(m.conflicts[0].line, 3);
        assert_eq!(
            crate::report::place_text(&m.conflicts[0].location),
            "S › paragraph \"One three.\""
        );
    }
}
