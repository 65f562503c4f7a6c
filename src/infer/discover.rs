//! Stage 2: variable discovery: value tuples that recur across slots.

use super::*;

/// Fine tokens: runs of word characters, runs of spaces, single other characters. A hyphen
/// between word characters joins them (`one-saas-hub` is one token): a URL segment or a
/// hyphenated word is a value as a whole, never a value's tail.
pub(super) fn fine_tokens(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut prev = None;
    let mut chars = s.char_indices().peekable();
    let mut last: Option<char> = None;
    while let Some((i, c)) = chars.next() {
        let joins =
            c == '-' && last.is_some_and(is_word) && chars.peek().is_some_and(|&(_, n)| is_word(n));
        last = Some(c);
        let cl = if joins { 1 } else { class(c) };
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
pub(super) const STRONG: &[char] = &[
    '/', '(', ')', '[', ']', '|', ':', ';', ',', '!', '?', '*', '#', '=', '<', '>', '{', '}', '"',
    '`', '\\',
];

/// A slot's candidate value tuples: for each group, its options (two when a copy's value is
/// empty and the group can take the word on its left or on its right).
pub(super) fn decompose(texts: &[&str]) -> Vec<Vec<Vec<String>>> {
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
            for (i, j) in equal_pairs(&op) {
                m[i] = j as u32;
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
pub(super) fn min_uses(t: &[String]) -> usize {
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

/// Whether every value is its copy's slug, or the product name the slug spells (`Private SaaS`
/// for `private-saas`: the same words, any case). A slug may also be another copy's that has
/// it too (`appliance` in a `customer-hosted` copy that kept the appliance section); a name may
/// not (`Appliance` in a `psaas-appliance` copy is one copy's edit).
pub(super) fn slugs_or_names(t: &[String], slugs: &[String]) -> bool {
    // Words and the separators a slug or a name has, nothing else (`Cloud.` is a sentence's end).
    let name_like = |v: &String| {
        v.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
    };
    let own = |v: &String, s: &String| {
        v == s || (name_like(v) && !words(v).is_empty() && words(v) == words(s))
    };
    t.len() == slugs.len()
        && t.iter().any(|v| *v != t[0])
        && t.iter()
            .zip(slugs)
            .all(|(v, s)| own(v, s) || t.iter().zip(slugs).any(|(w, s2)| w == v && v == s2))
}

/// The variables: value tuples found in two or more slots, or the products' names or slugs
/// (`named`: slots widened to them), minus those the others explain.
/// Returned most frequent first.
pub(super) fn discover(
    slots: &[&Vec<&str>],
    slugs: &[String],
    named: &[Vec<String>],
) -> Vec<Vec<String>> {
    let decomps: Vec<Vec<Vec<Vec<String>>>> = slots
        .par_iter()
        .map(|t| {
            let mut d = decompose(t);
            // A whole slot that is the slugs or names (`edge`, `one-edge`) is one value even
            // where the copies share part of it.
            let whole: Vec<String> = t.iter().map(|v| v.trim().to_string()).collect();
            if slugs_or_names(&whole, slugs) && !d.iter().flatten().any(|o| *o == whole) {
                d.push(vec![whole]);
            }
            d
        })
        .collect();
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
                opts.iter().fold(None, |best: Option<&Vec<String>>, t| {
                    // A product's name or slug first, else the most frequent.
                    let key = |x: &Vec<String>| (slugs_or_names(x, slugs), counts[x]);
                    match best {
                        Some(b) if key(b) >= key(t) => Some(b),
                        _ => Some(t),
                    }
                })
            })
            .collect();
        for t in set {
            let e = chosen.entry(t).or_insert((0, k));
            e.0 += 1;
        }
    }
    for t in named {
        chosen.entry(t).or_insert((1, decomps.len()));
    }
    let mut cands: Vec<(Vec<String>, usize, usize)> = chosen
        .into_iter()
        // The slugs or the products' names are a variable even where they occur once
        // (`section: x`, `the Private Cloud dashboard`).
        .filter(|(t, (c, _))| {
            (*c >= min_uses(t) || slugs_or_names(t, slugs) || names_a_product(t, slugs))
                && plain_values(t)
                && !case_only(t)
        })
        .map(|(t, (c, first))| (t.clone(), c, first))
        .collect();
    // The products' names less a word they share (`One` / `Private` of `One SaaS` /
    // `Private SaaS`) are not a variable of their own: the slots holding them are widened to
    // the whole names.
    let names: Vec<Vec<String>> = cands
        .iter()
        .filter(|c| slugs_or_names(&c.0, slugs))
        .map(|c| c.0.clone())
        .collect();
    cands.retain(|(t, _, _)| {
        slugs_or_names(t, slugs) || !names.iter().any(|n| less_shared_words(n, t))
    });
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
            && !slugs_or_names(&cands[i].0, slugs)
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

/// A slug's or a name's words, lower case: `private-saas` and `Private SaaS` spell the same.
fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Whether one copy's value is the product name its slug spells (`Private SaaS` for
/// `private-saas`), no copy's is another product's, and every value is a name (capitalised
/// words): the products' names where the others are not spelled by their slugs (`PSaaS
/// Appliance` for `appliance`), even once.
fn names_a_product(t: &[String], slugs: &[String]) -> bool {
    // A sentence's start (`The PSaaS Appliance`) is not a name.
    let name = |v: &String| {
        !v.is_empty()
            && !matches!(v.split(' ').next(), Some("The" | "A" | "An"))
            && v.split(' ')
                .all(|w| w.starts_with(|c: char| c.is_uppercase() || c.is_ascii_digit()))
            && v.chars().all(|c| c.is_alphanumeric() || c == ' ')
    };
    // Another product's name in a copy (`Appliance` in the `psaas-appliance` copy) is that
    // copy's edit, not its product's name.
    let anothers = |i: usize| {
        slugs
            .iter()
            .enumerate()
            .any(|(j, s)| j != i && words(&t[i]) == words(s) && words(&t[i]) != words(&slugs[i]))
    };
    t.len() == slugs.len()
        && t.iter().all(name)
        && t.iter().any(|v| *v != t[0])
        && t.iter().zip(slugs).any(|(v, s)| words(v) == words(s))
        && !(0..t.len()).any(anothers)
}

/// Whether `part` is `whole` without words all of `whole`'s values share at one end: the
/// same text (a space first) after each part, or before each.
fn less_shared_words(whole: &[String], part: &[String]) -> bool {
    let rest = |f: fn(&str, &str) -> Option<String>| -> bool {
        let rests: Vec<Option<String>> = whole.iter().zip(part).map(|(w, p)| f(w, p)).collect();
        rests[0].as_ref().is_some_and(|r| r.len() > 1) && rests.iter().all(|r| *r == rests[0])
    };
    let after = |w: &str, p: &str| {
        w.strip_prefix(p)
            .filter(|r| r.starts_with(' '))
            .map(str::to_string)
    };
    let before = |w: &str, p: &str| {
        w.strip_suffix(p)
            .filter(|r| r.ends_with(' '))
            .map(str::to_string)
    };
    !part.iter().any(String::is_empty) && (rest(after) || rest(before))
}

/// Whether the values differ only in letter case (`One` / `one`): a copy's capitalisation,
/// which is drift to report, not a product's own word.
fn case_only(t: &[String]) -> bool {
    t.iter().all(|v| v.eq_ignore_ascii_case(&t[0])) && t.iter().any(|v| *v != t[0])
}

/// A variable's values are words, not markup: no HTML tag, link, code or container syntax,
/// table pipe or line break, and each starts with a letter or digit and ends with one (or a
/// full stop). Anything else cutting through markup is left to drift, whole lines.
pub(super) fn plain_values(t: &[String]) -> bool {
    t.iter().all(|v| {
        v.is_empty()
            || (!v.contains([
                '<', '>', '[', ']', '(', ')', '`', '|', '\n', '\r', '{', '}', '*', '#', '"', '=',
            ]) && !v.contains(":::")
                && v.starts_with(char::is_alphanumeric)
                && (v.ends_with(char::is_alphanumeric) || v.ends_with('.')))
    })
}
