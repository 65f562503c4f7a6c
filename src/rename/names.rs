//! The variables that hold a product's name, and the words of it: what follows a rename.

use super::*;

pub(super) fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Byte offsets where `needle` occurs in `hay` as whole words (case-sensitive).
pub(super) fn word_matches(hay: &str, needle: &str) -> Vec<usize> {
    let mut found = Vec::new();
    if needle.is_empty() {
        return found;
    }
    let first = needle.chars().next().is_some_and(is_word);
    let last = needle.chars().next_back().is_some_and(is_word);
    let mut from = 0;
    while let Some(i) = hay[from..].find(needle) {
        let start = from + i;
        let end = start + needle.len();
        let before = hay[..start].chars().next_back().is_some_and(is_word);
        let after = hay[end..].chars().next().is_some_and(is_word);
        if !(first && before || last && after) {
            found.push(start);
            from = end;
        } else {
            from = start + needle.chars().next().map_or(1, char::len_utf8);
        }
    }
    found
}

pub(super) fn replace_words(hay: &str, old: &str, new: &str) -> String {
    let mut out = String::with_capacity(hay.len());
    let mut last = 0;
    for start in word_matches(hay, old) {
        out.push_str(&hay[last..start]);
        out.push_str(new);
        last = start + old.len();
    }
    out.push_str(&hay[last..]);
    out
}

/// Proper parts of `old` (runs of its words) that `new` does not also contain: text that
/// would still carry the old name after a rename. One-word parts under 3 characters are too
/// common to mean the product.
pub(super) fn stale_parts(old: &str, new: &str) -> Vec<String> {
    let words: Vec<&str> = old.split_whitespace().collect();
    let mut parts = Vec::new();
    for len in (1..words.len()).rev() {
        for start in 0..=words.len() - len {
            let part = words[start..start + len].join(" ");
            if len == 1 && part.chars().count() < 3 {
                continue;
            }
            if word_matches(new, &part).is_empty() && !parts.contains(&part) {
                parts.push(part);
            }
        }
    }
    parts
}

/// What a rename does to one variable's value: `Ok(Some(new))` to change it, `Ok(None)` to
/// leave it, `Err(())` when it holds part of the old name and needs an explicit value.
pub(super) fn follow(
    value: &str,
    old: &str,
    new: &str,
    parts: &[String],
) -> std::result::Result<Option<String>, ()> {
    let replaced = if value == old {
        new.to_string()
    } else {
        replace_words(value, old, new)
    };
    if parts.iter().any(|p| !word_matches(&replaced, p).is_empty()) {
        return Err(());
    }
    Ok((replaced != value).then_some(replaced))
}

pub(super) fn set_in(table: &mut toml_edit::Table, name: &str, value: &str) {
    // Keep the key's comment and position; only the value changes.
    match table.get_mut(name).and_then(|i| i.as_value_mut()) {
        Some(v) => {
            let decor = v.decor().clone();
            *v = toml_edit::Value::from(value);
            *v.decor_mut() = decor;
        }
        None => table[name] = toml_edit::value(value),
    }
}

/// Sets `key` in [vars] (`page` None) or in `[pages.<page>.vars]` (inline or not).
pub(super) fn set_var(doc: &mut DocumentMut, page: Option<&str>, key: &str, value: &str) {
    let Some(p) = page else {
        if !doc.contains_table("vars") {
            doc["vars"] = toml_edit::table();
        }
        if let Some(t) = doc["vars"].as_table_mut() {
            set_in(t, key, value);
        }
        return;
    };
    let Some(item) = doc
        .get_mut("pages")
        .and_then(|i| i.get_mut(p))
        .and_then(|i| i.get_mut("vars"))
    else {
        return;
    };
    if let Some(t) = item.as_table_mut() {
        set_in(t, key, value);
    } else if let Some(t) = item.as_inline_table_mut() {
        match t.get_mut(key) {
            Some(v) => {
                let decor = v.decor().clone();
                *v = toml_edit::Value::from(value);
                *v.decor_mut() = decor;
            }
            None => {
                t.insert(key, toml_edit::Value::from(value));
            }
        }
    }
}

/// Every string variable of `variant` that may hold its name: `(page, key, value)`, [vars]
/// first (page None), then each page's overrides. Restricted to docvar.toml's `names` when set.
pub(super) fn name_candidates(
    project: &Project,
    variant: &Variant,
) -> Vec<(Option<String>, String, String)> {
    let listed = &project.config.names;
    let keep = |k: &str| listed.is_empty() || listed.iter().any(|n| n == k);
    let mut out = Vec::new();
    for (k, v) in &variant.vars {
        if let (Some(s), true) = (v.as_str(), keep(k)) {
            out.push((None, k.clone(), s.to_string()));
        }
    }
    for (page, settings) in &variant.pages {
        for (k, v) in &settings.vars {
            if let (Some(s), true) = (v.as_str(), keep(k)) {
                out.push((Some(page.clone()), k.clone(), s.to_string()));
            }
        }
    }
    out
}

pub(super) fn shown_key(page: Option<&str>, key: &str) -> String {
    match page {
        Some(p) => format!("pages.{p}.vars.{key}"),
        None => key.to_string(),
    }
}

/// Lines of the rendered Markdown pages that still contain `old` as whole words.
pub fn leftovers(planned: &[Planned], old: &str) -> Vec<Leftover> {
    let mut found = Vec::new();
    for p in planned
        .iter()
        .filter(|p| p.rel.extension().is_some_and(|e| e == "md"))
    {
        let text = String::from_utf8_lossy(&p.bytes);
        for (i, line) in text.lines().enumerate() {
            if !word_matches(line, old).is_empty() {
                found.push(Leftover {
                    rel: p.rel.clone(),
                    line: i + 1,
                });
            }
        }
    }
    found
}
