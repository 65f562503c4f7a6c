//! Stage 3: literal text and variable references per slot, and the template text.

use super::*;

/// A search for literal text and variable references that render as the slot's text in at
/// least `need` copies, read off copy `from`.
pub(super) struct Search<'a> {
    pub(super) texts: &'a [&'a str],
    pub(super) vals: &'a [Vec<String>],
    pub(super) from: usize,
    pub(super) need: usize,
    /// Where in `texts[from]` a variable's value starts: position → variables, longest first.
    pub(super) cands: BTreeMap<usize, Vec<usize>>,
    pub(super) dead: HashSet<(usize, Vec<usize>)>,
}

pub(super) const DEAD: usize = usize::MAX;

impl<'a> Search<'a> {
    pub(super) fn new(
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
                if ok && !in_markup(t, p) && !in_markup(t, e) {
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
    pub(super) fn run(&mut self, budget: &mut usize) -> Option<(Vec<Part>, Vec<bool>)> {
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

    pub(super) fn advance(
        &self,
        offs: &[usize],
        piece: impl Fn(usize) -> &'a str,
    ) -> Option<Vec<usize>> {
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

    pub(super) fn step(
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

pub(super) struct SlotOut {
    pub(super) parts: Vec<Part>,
    pub(super) matched: Vec<bool>,
}

/// Literal text and variable references for one slot: reproducing every copy if possible,
/// else the most copies (ties: the first copy's wording).
pub(super) fn template_slot(texts: &[&str], vals: &[Vec<String>]) -> SlotOut {
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
    // A search that ran out of budget (names sharing words give it many ways to pair them)
    // may miss copies the parts do reproduce: filled in, the parts are checked against each.
    let matched = best
        .2
        .iter()
        .enumerate()
        .map(|(c, &m)| m || fill(&best.1, vals, c).as_deref() == Some(texts[c]))
        .collect();
    SlotOut {
        parts: best.1,
        matched,
    }
}

/// `parts` with copy `c`'s values filled in (none if they hold more than text and variables).
fn fill(parts: &[Part], vals: &[Vec<String>], c: usize) -> Option<String> {
    let mut out = String::new();
    for p in parts {
        match p {
            Part::Lit(s) => out.push_str(s),
            Part::Var(v) => out.push_str(&vals[*v][c]),
            _ => return None,
        }
    }
    Some(out)
}

pub(super) fn merge_lits(parts: Vec<Part>) -> Vec<Part> {
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

/// With `exact`: each drift span that holds whole lines becomes branches on the copy's slug,
/// the wording most copies share (with its variables) in the `{{else}}`, so only the copies
/// that deviate add text, and add it once per distinct wording:
///
/// ```text
/// {{#if (eq slug "appliance")}}
/// The appliance's own sentence.
/// {{else}}
/// The sentence the other {{product}} copies share.
/// {{/if}}
/// ```
///
/// Handlebars drops a line that holds only a block tag, so the copies render byte for byte.
/// A span that is not whole lines keeps its per-variant override.
/// `defaults[d]` is span `d`'s shared wording and which copies it reproduces.
pub(super) fn switch_by_slug(
    pieces: Vec<Part>,
    drift: &mut [Drift],
    mut defaults: Vec<Option<(Vec<Part>, Vec<bool>)>>,
    slugs: &[String],
) -> Vec<Part> {
    let mut out = Vec::with_capacity(pieces.len());
    for (k, p) in pieces.iter().enumerate() {
        let Part::Drift(d) = *p else {
            out.push(p.clone());
            continue;
        };
        // The copies' line end, as the text after the span starts.
        let eol = match pieces.get(k + 1) {
            Some(Part::Lit(s)) if s.starts_with("\r\n") => "\r\n",
            Some(Part::Lit(s)) if s.starts_with('\n') => "\n",
            _ => "",
        };
        let line_before = match k.checked_sub(1).map(|j| &pieces[j]) {
            None => true,
            Some(Part::Lit(s)) => s.ends_with(eol) && (eol == "\r\n" || !s.ends_with("\r\n")),
            Some(_) => false,
        };
        let values = &drift[d].values;
        let whole_lines = !eol.is_empty()
            && line_before
            && values
                .iter()
                .all(|v| v.matches('\r').count() == v.matches("\r\n").count())
            && (eol == "\r\n" || !values.iter().any(|v| v.contains('\r')));
        let default = defaults.get_mut(d).and_then(Option::take);
        let Some((parts, matched)) = default.filter(|_| whole_lines) else {
            out.push(p.clone());
            continue;
        };
        // One branch per distinct wording among the copies the shared wording misses, in
        // slug order (the copies are sorted by slug).
        let mut groups: Vec<(&str, Vec<String>)> = Vec::new();
        for (i, v) in values.iter().enumerate().filter(|&(i, _)| !matched[i]) {
            match groups.iter_mut().find(|(w, _)| *w == v.as_str()) {
                Some((_, g)) => g.push(slugs[i].clone()),
                None => groups.push((v, vec![slugs[i].clone()])),
            }
        }
        for (n, (wording, group)) in groups.into_iter().enumerate() {
            out.push(Part::Case {
                drift: d,
                slugs: group,
                first: n == 0,
                eol,
            });
            out.push(Part::Lit(format!("{wording}{eol}")));
        }
        out.push(Part::Otherwise { eol });
        out.extend(parts);
        out.push(Part::Lit(eol.to_string()));
        out.push(Part::EndCase);
        drift[d].name = None;
        drift[d].deviating = (0..values.len()).filter(|&i| !matched[i]).collect();
    }
    out
}

/// The template text, and the line of each drift span.
pub(super) fn emit(pieces: &[Part], vars: &[Variable], drift: &[Drift]) -> (String, Vec<usize>) {
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
            Part::Case {
                drift: d,
                slugs,
                first,
                eol,
            } => {
                if *first {
                    lines[*d] = out.matches('\n').count() + 1;
                }
                let each: Vec<String> = slugs.iter().map(|s| format!("(eq slug {s:?})")).collect();
                let cond = match each.as_slice() {
                    [one] => one.clone(),
                    _ => format!("(or {})", each.join(" ")),
                };
                let tag = if *first { "#if" } else { "else if" };
                out.push_str(&format!("{{{{{tag} {cond}}}}}{eol}"));
                continue;
            }
            Part::Otherwise { eol } => {
                out.push_str("{{else}}");
                out.push_str(eol);
                continue;
            }
            Part::EndCase => {
                out.push_str("{{/if}}");
                continue;
            }
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
pub(super) fn escape_into(out: &mut String, s: &str, mustache_next: bool) -> bool {
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

/// Whether byte `at` of `t` is inside an HTML tag or inline code on its line, where a
/// variable must not start or end.
pub(super) fn in_markup(t: &str, at: usize) -> bool {
    let line = &t[t[..at].rfind('\n').map_or(0, |i| i + 1)..at];
    let in_tag = match (line.rfind('<'), line.rfind('>')) {
        (Some(a), b) => {
            b.is_none_or(|b| b < a)
                && line[a + 1..].starts_with(|c: char| c.is_ascii_alphabetic() || c == '/')
        }
        _ => false,
    };
    in_tag || line.matches('`').count() % 2 == 1
}
