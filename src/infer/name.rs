//! Stage 4: naming variables by their role.

use super::*;

/// Drops unused variables and names the rest: `section` for slug-like values in URLs,
/// `product` for the most used, `product_title` for one in the H1 (or a `title:` key), then
/// `product_2`, ... Returns the pieces renumbered and the variables most used first.
pub(super) fn name_variables(
    pieces: Vec<Part>,
    vals: Vec<Vec<String>>,
) -> (Vec<Part>, Vec<Variable>) {
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
