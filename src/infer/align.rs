//! Stage 1: front matter split and alignment of every copy with the first.

use super::*;

pub(super) struct Prepared<'a> {
    /// `[segment][copy]`: one segment, or the front matter up to the closing fence and the rest.
    pub(super) segments: Vec<Vec<&'a str>>,
    pub(super) front_matter: Vec<toml::Table>,
    /// A per-variant key's raw text had trailing spaces docvar's YAML does not write.
    pub(super) trailing_spaces: bool,
}

pub(super) fn line_starts(text: &str) -> Vec<usize> {
    let mut v = vec![0];
    v.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    v
}

/// A key whose raw text differs from docvar's YAML only in trailing spaces (`contentType: `)
/// still becomes per-variant front matter (`docvar diff` ignores them), with and without
/// `exact`: raw YAML in an override would be worse than a trailing space lost.
pub(super) fn prepare<'a>(texts: &[&'a str]) -> Prepared<'a> {
    let n = texts.len();
    let whole = || Prepared {
        segments: vec![texts.to_vec()],
        front_matter: vec![toml::Table::new(); n],
        trailing_spaces: false,
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
    let mut trailing_spaces = false;
    for (text, fm) in texts.iter().zip(&splits) {
        let starts = line_starts(text);
        let at = |line: usize| starts.get(line - 1).copied().unwrap_or(text.len());
        // The closing fence is the line before the body.
        let fence = fm.body_line - 1;
        let mut k = fm.entries.len();
        let mut table = Vec::new();
        let mut seen = HashSet::new();
        let mut trimmed = false;
        while k > 0 {
            let e = &fm.entries[k - 1];
            if everywhere.contains(e.key.as_str()) || !seen.insert(e.key.clone()) {
                break;
            }
            let raw = &text[at(e.lines[0])..at(e.lines[1] + 1)];
            match yaml_value(e, raw) {
                Some((v, exact)) => {
                    trimmed |= !exact;
                    table.push((e.key.clone(), v))
                }
                None => break,
            }
            k -= 1;
        }
        let contiguous = fm.entries.last().is_none_or(|e| e.lines[1] + 1 == fence);
        if !contiguous {
            k = fm.entries.len();
            table.clear();
        }
        trailing_spaces |= trimmed && !table.is_empty();
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
        trailing_spaces,
    }
}

/// The TOML value of a front-matter entry, when [`frontmatter::to_yaml`] writes it back as
/// `raw` up to trailing spaces (scalars, lists of scalars, one level of nested keys), and
/// whether it writes it back exactly.
pub(super) fn yaml_value(e: &frontmatter::Entry, raw: &str) -> Option<(toml::Value, bool)> {
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
    let trim = |s: &str| -> String {
        s.split('\n')
            .map(|l| l.trim_end_matches([' ', '\t']))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let written = frontmatter::to_yaml(&t);
    if written == raw {
        Some((value, true))
    } else {
        (trim(&written) == trim(raw)).then_some((value, false))
    }
}

pub(super) fn scalar(s: &str) -> toml::Value {
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

pub(super) const NONE: u32 = u32::MAX;

/// A text cut into [`drift::tokens`] line by line.
pub(super) struct Tokens<'a> {
    pub(super) toks: Vec<&'a str>,
    /// Byte offset of each token, then the text's length.
    pub(super) starts: Vec<usize>,
    pub(super) lines: Vec<&'a str>,
    /// Index of each line's first token, then the token count.
    pub(super) line_first: Vec<usize>,
}

impl<'a> Tokens<'a> {
    pub(super) fn new(text: &'a str) -> Self {
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

    pub(super) fn len(&self) -> usize {
        self.toks.len()
    }

    pub(super) fn words(&self) -> usize {
        self.toks.iter().filter(|t| !blank(t)).count()
    }
}

/// One copy aligned with the first.
pub(super) struct Alignment {
    /// For each token of the first copy, the matching token of this one (or [`NONE`]).
    pub(super) matches: Vec<u32>,
    /// Changed ranges of the first copy's tokens (empty for a pure insertion).
    pub(super) hunks: Vec<(usize, usize)>,
    /// Non-space tokens of the first copy that match.
    pub(super) same_words: usize,
}

pub(super) fn align<'a>(base: &Tokens<'a>, other: &Tokens<'a>) -> Alignment {
    let deadline = Instant::now() + ALIGN_BUDGET;
    let mut a = Alignment {
        matches: vec![NONE; base.len()],
        hunks: Vec::new(),
        same_words: 0,
    };
    // Lines that differ only in trailing spaces or line ends (CRLF in one copy) align as
    // equal; their differing last token is a slot of its own, kept narrow.
    let key = |t: &Tokens<'a>| -> Vec<&'a str> { t.lines.iter().map(|l| l.trim_end()).collect() };
    let (bk, ok) = (key(base), key(other));
    let ops = capture_diff_slices_deadline(Algorithm::Myers, &bk, &ok, Some(deadline));
    for op in ops {
        let (o, n) = (op.old_range(), op.new_range());
        let bt = base.line_first[o.start]..base.line_first[o.end];
        let ct = other.line_first[n.start]..other.line_first[n.end];
        match op {
            DiffOp::Equal { .. } if bt.len() == ct.len() => {
                for (i, j) in bt.zip(ct) {
                    a.matches[i] = j as u32;
                    if base.toks[i] != other.toks[j] {
                        a.hunks.push((i, i + 1));
                    }
                }
            }
            DiffOp::Equal { .. } => align_tokens(base, other, bt, ct, &mut a, deadline),
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

pub(super) fn align_tokens(
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
        if let DiffOp::Equal { .. } = op {
            for (i, j) in equal_pairs(&op) {
                a.matches[bt.start + i] = (ct.start + j) as u32;
            }
        } else {
            let o = op.old_range();
            a.hunks.push((bt.start + o.start, bt.start + o.end));
        }
    }
}

/// The (old, new) index pairs an `Equal` op matches; none for any other op.
pub(super) fn equal_pairs(op: &DiffOp) -> impl Iterator<Item = (usize, usize)> {
    let (old, new, len) = match *op {
        DiffOp::Equal {
            old_index,
            new_index,
            len,
        } => (old_index, new_index, len),
        _ => (0, 0, 0),
    };
    (0..len).map(move |k| (old + k, new + k))
}

/// One segment of every copy, aligned, with its slots.
pub(super) struct SegAlign<'a> {
    pub(super) texts: Vec<&'a str>,
    pub(super) toks: Vec<Tokens<'a>>,
    /// Alignment of copy `c` (c ≥ 1) at `c - 1`.
    pub(super) aligns: Vec<Alignment>,
    /// Non-space tokens of each copy.
    pub(super) words: Vec<usize>,
    /// Changed ranges of the first copy's tokens.
    pub(super) slots: Vec<Range<usize>>,
}

impl<'a> SegAlign<'a> {
    pub(super) fn new(texts: &[&'a str]) -> Self {
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
    pub(super) fn range_in(&self, c: usize, r: &Range<usize>) -> Range<usize> {
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

    pub(super) fn texts_of(&self, r: &Range<usize>) -> Vec<&'a str> {
        (0..self.texts.len())
            .map(|c| &self.texts[c][self.range_in(c, r)])
            .collect()
    }

    pub(super) fn find_slots(&self) -> Vec<Range<usize>> {
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
            // A slot some copy has only spaces (or nothing) in takes the words next to it. One
            // that is only spaces in every copy (a line end, a final newline only some copies
            // have) is spacing and stays as it is: a word taken into it would stay narrow with
            // it (see `widen_drift_to_lines`), an override of part of a line.
            let mut grew = false;
            for s in &mut merged {
                let r = s.0..s.1;
                let blanks: Vec<bool> = (0..self.texts.len())
                    .map(|c| blank(&self.texts[c][self.range_in(c, &r)]))
                    .collect();
                if !blanks.contains(&true) || !blanks.contains(&false) {
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
pub(super) fn union(mut spans: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
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
