//! Stage 4: naming variables and overrides by their role, never `product_N`.

use super::*;

/// Lower-case ASCII words of `s` joined by `_`, at most `max` words, small words (`the`, `a`,
/// `of`, ...) left out where others remain ("Access the Dashboard" → `access_dashboard`).
fn ident(s: &str, max: usize) -> String {
    const SMALL: &[&str] = &[
        "a", "an", "the", "to", "of", "for", "and", "or", "in", "on", "with", "by", "your", "you",
        "is", "are", "be", "how", "at", "from", "this", "that", "it",
    ];
    let words: Vec<String> = s
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_ascii_lowercase())
        .collect();
    let big: Vec<&String> = words
        .iter()
        .filter(|w| !SMALL.contains(&w.as_str()))
        .collect();
    let pick: Vec<&String> = if big.is_empty() {
        words.iter().collect()
    } else {
        big
    };
    pick.into_iter()
        .take(max)
        .cloned()
        .collect::<Vec<_>>()
        .join("_")
}

/// Where a piece sits: the heading of its section and the text of its line before and after
/// it (other pieces of the line shown as spaces).
#[derive(Clone, Default)]
struct Place {
    heading: String,
    before: String,
    after: String,
}

impl Place {
    /// A name after where the piece is, the way drift locations read: the text of the link it
    /// sits in, the key (first cell) of its table row, the heading it is part of, else
    /// `None` (its section's heading is the caller's fallback).
    fn name(&self) -> Option<String> {
        let (before, after) = (self.before.as_str(), self.after.as_str());
        // A link's text: `[` before it on the line and no `]` since.
        if let Some(open) = before.rfind('[').filter(|&o| !before[o..].contains(']')) {
            let close = after.find(']').unwrap_or(after.len());
            let text = format!("{} {}", &before[open + 1..], &after[..close]);
            let id = ident(&text, 2);
            if !id.is_empty() {
                return Some(format!("{id}_link"));
            }
        }
        let line = format!("{before} {after}");
        let t = line.trim_start();
        // A table row: a pipe row, or an HTML row's first cell.
        if t.starts_with('|') || t.contains("<td") {
            let cells: Vec<&str> = if t.starts_with('|') {
                t.split('|').skip(1).collect()
            } else {
                t.split("<td").skip(1).collect()
            };
            let key = cells
                .iter()
                .map(|c| strip_tags(c))
                .map(|c| ident(&c, 2))
                .find(|c| !c.is_empty());
            if let Some(k) = key {
                return Some(format!("{k}_row"));
            }
        }
        if t.starts_with('#') {
            let id = ident(t, 2);
            if !id.is_empty() {
                return Some(format!("{id}_heading"));
            }
        }
        None
    }
}

/// `s` without HTML tags (`>Role</th>` → `Role`).
fn strip_tags(s: &str) -> String {
    let s = s.split_once('>').map_or(s, |(_, r)| r);
    let mut out = String::new();
    let mut tag = false;
    for c in s.chars() {
        match c {
            '<' => tag = true,
            '>' => tag = false,
            c if !tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Where each piece sits (see [`Place`]).
fn contexts(pieces: &[Part]) -> Vec<Place> {
    let mut out = Vec::with_capacity(pieces.len());
    let mut heading = String::new();
    let mut line = String::new();
    for p in pieces {
        out.push(Place {
            heading: heading.clone(),
            before: line.clone(),
            after: String::new(),
        });
        if let Part::Lit(s) = p {
            for (i, part) in s.split('\n').enumerate() {
                if i > 0 {
                    let t = line.trim_start();
                    if t.starts_with('#') {
                        heading = ident(t, 2);
                    }
                    line.clear();
                }
                line.push_str(part);
            }
        } else {
            line.push(' ');
        }
    }
    // The rest of each variable's or override's line.
    for k in 0..pieces.len() {
        if matches!(pieces[k], Part::Lit(_)) {
            continue;
        }
        let mut after = String::new();
        for p in &pieces[k + 1..] {
            match p {
                Part::Lit(s) => match s.split_once('\n') {
                    Some((head, _)) => {
                        after.push_str(head);
                        break;
                    }
                    None => after.push_str(s),
                },
                _ => after.push(' '),
            }
        }
        out[k].after = after;
    }
    out
}

/// A usable, unused name: `base`, else `base_<word>` forms, numbered only as a last resort.
fn fresh(base: &str, taken: &mut HashSet<String>) -> String {
    let base = if base.is_empty() || base.starts_with(|c: char| c.is_ascii_digit()) {
        format!("text_{base}").trim_end_matches('_').to_string()
    } else {
        base.to_string()
    };
    let mut name = base.clone();
    let mut k = 2;
    while taken.contains(&name) || !write::usable_name(&name) {
        name = format!("{base}_{k}");
        k += 1;
    }
    taken.insert(name.clone());
    name
}

/// Drops unused variables and names the rest by role: a product name is `product` (a longer
/// form `product_title`, a shorter one `product_short`), a URL path segment `section` (or
/// `section_path` with slashes), anything else after the words before it and its section's
/// heading. Returns the pieces renumbered and the variables most used first.
pub(super) fn name_variables(
    pieces: Vec<Part>,
    vals: Vec<Vec<String>>,
    slugs: &[String],
) -> (Vec<Part>, Vec<Variable>) {
    let nv = vals.len();
    let ctx = contexts(&pieces);
    let mut uses = vec![0usize; nv];
    let mut first = vec![usize::MAX; nv];
    let mut url = vec![false; nv];
    let mut place: Vec<Option<Place>> = vec![None; nv];
    for (k, p) in pieces.iter().enumerate() {
        if let Part::Var(v) = p {
            uses[*v] += 1;
            first[*v] = first[*v].min(k);
            let before = matches!(k.checked_sub(1).map(|i| &pieces[i]), Some(Part::Lit(s)) if s.ends_with('/'));
            let after = matches!(pieces.get(k + 1), Some(Part::Lit(s)) if s.starts_with('/'));
            url[*v] |= before || after;
            if place[*v].is_none() {
                place[*v] = Some(ctx[k].clone());
            }
        }
    }
    let slug_like = |v: &Vec<String>| {
        v.iter().all(|s| {
            !s.is_empty()
                && s.split(['-', '_', '.', '/']).all(|w| {
                    !w.is_empty()
                        && w.chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
                })
        })
    };
    // A product name shares a word with its copy's slug in most copies.
    let product_like = |v: &Vec<String>| {
        let hits = v
            .iter()
            .zip(slugs)
            .filter(|(val, _)| {
                let words: Vec<&str> = slugs.iter().flat_map(|s| s.split('-')).collect();
                val.split(|c: char| !c.is_alphanumeric())
                    .any(|w| words.contains(&w.to_lowercase().as_str()))
            })
            .count();
        2 * hits > v.len() && v.iter().any(|s| s.chars().any(char::is_uppercase))
    };
    let mut order: Vec<usize> = (0..nv).filter(|&v| uses[v] > 0).collect();
    order.sort_by(|&a, &b| uses[b].cmp(&uses[a]).then(first[a].cmp(&first[b])));
    let mut names: Vec<Option<String>> = vec![None; nv];
    let mut taken = HashSet::new();
    for &v in &order {
        if slug_like(&vals[v]) && (url[v] || discover::slugs_or_names(&vals[v], slugs)) {
            let base = if vals[v].iter().any(|s| s.contains('/')) {
                "section_path"
            } else {
                "section"
            };
            names[v] = Some(fresh(base, &mut taken));
        }
    }
    let mut products: Vec<usize> = order
        .iter()
        .copied()
        .filter(|&v| names[v].is_none() && product_like(&vals[v]))
        .collect();
    // Slugs that say nothing (`a`, `b`): the most used capitalised name is the product.
    if products.is_empty() {
        products.extend(order.iter().copied().find(|&v| {
            names[v].is_none() && vals[v].iter().all(|s| s.starts_with(char::is_uppercase))
        }));
    }
    if let Some(&p) = products.first() {
        names[p] = Some(fresh("product", &mut taken));
        let len = |v: usize| vals[v].iter().map(String::len).sum::<usize>();
        for &o in &products[1..] {
            let base = if len(o) > len(p) {
                "product_title"
            } else {
                "product_short"
            };
            names[o] = Some(fresh(base, &mut taken));
        }
    }
    for &v in &order {
        if names[v].is_none() {
            let pl = place[v].clone().unwrap_or_default();
            // A term used in several places (`application` / `client`) is named after itself,
            // its capitalised form (`Application` / `Client`) after it with `_capitalised`.
            let term = ident(&vals[v][0], 3);
            let structural = pl.name().filter(|n| !n.ends_with("_heading"));
            let base = if let Some(n) = structural {
                n
            } else if uses[v] >= 2 && !term.is_empty() {
                let lower: Vec<String> = vals[v].iter().map(|x| x.to_lowercase()).collect();
                let twin = order.iter().any(|&o| {
                    o != v
                        && vals[o] != vals[v]
                        && vals[o]
                            .iter()
                            .map(|x| x.to_lowercase())
                            .eq(lower.iter().cloned())
                });
                if twin && vals[v][0].starts_with(char::is_uppercase) {
                    format!("{term}_capitalised")
                } else {
                    term
                }
            } else {
                match (pl.name(), pl.heading.is_empty()) {
                    (Some(n), _) => n,
                    (None, false) => format!("{}_text", pl.heading),
                    (None, true) => ident(&vals[v][0], 2),
                }
            };
            names[v] = Some(fresh(&base, &mut taken));
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

/// Names each `exact` override after where it is: `<heading>_text` (the section's heading),
/// `intro_text` before the first heading, `_code`, `_row`, `_table`, `_heading` for what it
/// holds.
pub(super) fn name_overrides(pieces: &[Part], variables: &[Variable], drift: &mut [Drift]) {
    let ctx = contexts(pieces);
    let mut taken: HashSet<String> = variables.iter().map(|v| v.name.clone()).collect();
    for (k, p) in pieces.iter().enumerate() {
        if let Part::Drift(d) = p {
            let pl = &ctx[k];
            // An override holds whole lines: a fenced block is `<heading>_code`, a table row
            // `<row key>_row`, a heading `<its words>_heading`, else `<heading>_text`.
            let value = &drift[*d].values;
            let first = value
                .iter()
                .map(|v| v.trim_start())
                .find(|v| !v.is_empty())
                .unwrap_or("");
            let section = if pl.heading.is_empty() {
                "intro".to_string()
            } else {
                pl.heading.clone()
            };
            let line = Place {
                heading: pl.heading.clone(),
                before: first.lines().next().unwrap_or("").to_string(),
                after: String::new(),
            };
            let key = first.split_once(':').map(|(k, _)| k).filter(|k| {
                !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            });
            // Before `{{front_matter}}`: the front matter the copies share, a key per line.
            let in_front_matter = pieces[k..].contains(&Part::FrontMatter);
            let base = if let (Some(k), true) = (key, in_front_matter) {
                format!("{}_front_matter", ident(k, 3))
            } else if first.starts_with("```") || first.starts_with("~~~") {
                format!("{section}_code")
            } else if first.starts_with('|') || first.starts_with("<tr") || first.starts_with("<td")
            {
                line.name()
                    .filter(|n| n.ends_with("_row"))
                    .unwrap_or(format!("{section}_table"))
            } else if first.starts_with('#') && !first.contains('\n') {
                line.name().unwrap_or(format!("{section}_text"))
            } else {
                format!("{section}_text")
            };
            drift[*d].name = Some(fresh(&base, &mut taken));
        }
    }
}
