//! Stage 4: naming variables and overrides by their role, never `product_N`.

use super::*;

/// Lower-case ASCII words of `s` joined by `_`, at most `max` words ("Disaster Recovery" →
/// `disaster_recovery`).
fn ident(s: &str, max: usize) -> String {
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(max)
        .map(|w| w.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join("_")
}

/// Where each piece sits: the heading of its section and the words just before it on its line.
fn contexts(pieces: &[Part]) -> Vec<(String, String)> {
    let mut out = Vec::with_capacity(pieces.len());
    let mut heading = String::new();
    let mut line = String::new();
    for p in pieces {
        out.push((heading.clone(), line.clone()));
        if let Part::Lit(s) = p {
            for (i, part) in s.split('\n').enumerate() {
                if i > 0 {
                    let t = line.trim_start();
                    if t.starts_with('#') {
                        heading = ident(t, 3);
                    }
                    line.clear();
                }
                line.push_str(part);
            }
        } else {
            line.push(' ');
        }
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
    let mut place: Vec<Option<(String, String)>> = vec![None; nv];
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
        if slug_like(&vals[v]) && (url[v] || vals[v] == slugs) {
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
            let (heading, line) = place[v].clone().unwrap_or_default();
            let before: Vec<&str> = line
                .split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|w| !w.is_empty())
                .collect();
            let word = before.last().map(|w| w.to_ascii_lowercase());
            let base = match (word, heading.is_empty()) {
                (Some(w), _) => format!("after_{w}"),
                (None, false) => format!("{heading}_text"),
                (None, true) => ident(&vals[v][0], 2),
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
/// `intro_text` before the first heading.
pub(super) fn name_overrides(pieces: &[Part], variables: &[Variable], drift: &mut [Drift]) {
    let ctx = contexts(pieces);
    let mut taken: HashSet<String> = variables.iter().map(|v| v.name.clone()).collect();
    for (k, p) in pieces.iter().enumerate() {
        if let Part::Drift(d) = p {
            let heading = &ctx[k].0;
            let base = if heading.is_empty() {
                "intro_text".to_string()
            } else {
                format!("{heading}_text")
            };
            drift[*d].name = Some(fresh(&base, &mut taken));
        }
    }
}
