//! Working out a rename in memory, before anything is written.

use super::*;

/// Works out a rename without touching any file.
pub fn plan(project: &Project, req: &Request) -> Result<Plan> {
    let variant = project.variant(&req.slug)?;
    let mut doc: DocumentMut = variant.source.parse().map_err(|e: toml_edit::TomlError| {
        Error::in_file(&variant.path, format!("invalid TOML: {}", e.message()))
            .help("fix the TOML syntax")
    })?;
    let get = |k: &str| {
        variant
            .vars
            .get(k)
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    let defined = |k: &str| {
        variant.vars.contains_key(k) || variant.pages.values().any(|p| p.vars.contains_key(k))
    };
    for (k, _) in &req.set {
        if !defined(k) {
            let all: Vec<&str> = variant
                .vars
                .keys()
                .chain(variant.pages.values().flat_map(|p| p.vars.keys()))
                .map(String::as_str)
                .collect();
            let help = match suggest(k, all.iter().copied()) {
                Some(s) => format!("did you mean `--set {s}=...`?"),
                None => format!("it defines: {}", all.join(", ")),
            };
            return Err(Error::in_file(
                &variant.path,
                format!("--set {k}: no variable `{k}` in this variant file"),
            )
            .help(help));
        }
    }
    for (k, _) in &req.set {
        let non_string = variant
            .vars
            .get(k)
            .into_iter()
            .chain(variant.pages.values().filter_map(|p| p.vars.get(k)))
            .any(|v| !v.is_str());
        if non_string {
            return Err(Error::in_file(
                &variant.path,
                format!("--set {k}: `{k}` is not a string; --set writes text"),
            )
            .help("edit that value in the variant file by hand"));
        }
    }
    // Explicit values: [vars] key -> value; `--set` also reaches page overrides.
    let name_var = project
        .config
        .names
        .first()
        .map_or(DEFAULT_NAME_VAR, String::as_str)
        .to_string();
    let mut explicit: Vec<(String, String, bool)> = Vec::new();
    let mut old_name = None;
    if let Some(name) = &req.name {
        let old = get(&name_var).ok_or_else(|| {
            Error::in_file(&variant.path, format!("has no `{name_var}` variable to rename"))
                .help(format!(
                    "add `{name_var} = \"...\"` under [vars], or list the name variables in docvar.toml: names = [\"...\"]"
                ))
        })?;
        explicit.push((name_var.clone(), name.clone(), false));
        old_name = Some(old);
    }
    if let Some(t) = &req.title {
        explicit.push((TITLE_VAR.to_string(), t.clone(), false));
    }
    if let Some(s) = &req.section {
        check_name("section", s).map_err(Error::msg)?;
        explicit.push((SECTION_VAR.to_string(), s.clone(), false));
    }
    for (k, v) in &req.set {
        explicit.retain(|(e, _, _)| e != k);
        explicit.push((k.clone(), v.clone(), true));
    }
    let explicit_for = |page: Option<&str>, key: &str| {
        explicit
            .iter()
            .find(|(k, _, everywhere)| k == key && (page.is_none() || *everywhere))
            .map(|(_, v, _)| v.clone())
    };

    let mut changes = Vec::new();
    let mut updated = variant.clone();
    let mut unresolved = Vec::new();
    let parts = match (&old_name, &req.name) {
        (Some(old), Some(new)) => stale_parts(old, new),
        _ => Vec::new(),
    };
    let mut apply_change =
        |doc: &mut DocumentMut, page: Option<&str>, key: &str, old: &str, new: &str| {
            if old == new {
                return;
            }
            set_var(doc, page, key, new);
            let value = toml::Value::String(new.to_string());
            match page {
                None => {
                    updated.vars.insert(key.to_string(), value);
                }
                Some(p) => {
                    if let Some(s) = updated.pages.get_mut(p) {
                        s.vars.insert(key.to_string(), value);
                    }
                }
            }
            changes.push((shown_key(page, key), old.to_string(), new.to_string()));
        };
    // Explicit [vars] values first (a new key is added), then every candidate in file order.
    for (key, value, everywhere) in &explicit {
        if !everywhere && !variant.vars.contains_key(key) {
            apply_change(&mut doc, None, key, "", value);
        }
    }
    // Name variables (docvar.toml's `names`, else every string variable), then explicit keys
    // outside them: [vars] for every flag, page overrides for `--set`.
    let mut todo = name_candidates(project, variant);
    for (k, _, everywhere) in &explicit {
        if let Some(v) = get(k) {
            todo.push((None, k.clone(), v));
        }
        if *everywhere {
            for (page, settings) in &variant.pages {
                if let Some(v) = settings.vars.get(k).and_then(|v| v.as_str()) {
                    todo.push((Some(page.clone()), k.clone(), v.to_string()));
                }
            }
        }
    }
    let mut seen_vars = Vec::new();
    for (page, key, value) in todo {
        let id = (page.clone(), key.clone());
        if seen_vars.contains(&id) {
            continue;
        }
        seen_vars.push(id);
        let p = page.as_deref();
        if let Some(new) = explicit_for(p, &key) {
            apply_change(&mut doc, p, &key, &value, &new);
            continue;
        }
        let (Some(old), Some(new)) = (&old_name, &req.name) else {
            continue;
        };
        match follow(&value, old, new, &parts) {
            Ok(Some(v)) => apply_change(&mut doc, p, &key, &value, &v),
            Ok(None) => {}
            Err(()) => unresolved.push(Unresolved {
                key: shown_key(p, &key),
                var: key.clone(),
                value: value.clone(),
                line: variant.line_of(&key),
            }),
        }
    }
    if !unresolved.is_empty() {
        return Err(unresolved_error(
            variant,
            old_name.as_deref().unwrap_or(""),
            &unresolved,
        ));
    }

    let old_slug = variant.slug.clone();
    let new_slug = req.new_slug.clone().unwrap_or_else(|| old_slug.clone());
    let mut redirects = Vec::new();
    let old_section = get(SECTION_VAR).unwrap_or_default();
    if let Some(section) = &req.section {
        if old_section != *section && !old_section.is_empty() {
            redirects.push(Redirect {
                kind: "url",
                from: format!("/{old_section}/"),
                to: format!("/{section}/"),
            });
        }
    }
    let mut new_path = variant.path.clone();
    if new_slug != old_slug {
        check_name("variant slug", &new_slug).map_err(Error::msg)?;
        if let Some(other) = project.variants.iter().find(|v| v.slug == new_slug) {
            return Err(Error::msg(format!(
                "variant {new_slug:?} already exists ({})",
                other.path.display()
            ))
            .help("pick another slug"));
        }
        slug_tests(project, &old_slug, &new_slug)?;
        if doc.contains_key("slug") {
            doc["slug"] = toml_edit::value(new_slug.as_str());
        }
        let stem = variant
            .path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned());
        if stem.as_deref() == Some(old_slug.as_str()) {
            new_path = variant.path.with_file_name(format!("{new_slug}.toml"));
        }
        if new_path != variant.path && fs::symlink_metadata(&new_path).is_ok() {
            let owner = project
                .variants
                .iter()
                .find(|v| v.path == new_path)
                .map(|v| format!(" (it defines variant {:?})", v.slug))
                .unwrap_or_default();
            return Err(Error::in_file(
                &new_path,
                format!("exists already{owner}; renaming {old_slug:?} to {new_slug:?} would overwrite it"),
            )
            .help("pick another slug, or move that file away first"));
        }
        let out = &project.config.out;
        for page in &project.pages {
            for ext in ["md", "txt"] {
                let file = format!("{}.{ext}", page.name);
                redirects.push(Redirect {
                    kind: "path",
                    from: out.join(&old_slug).join(&file).display().to_string(),
                    to: out.join(&new_slug).join(&file).display().to_string(),
                });
            }
        }
        updated.slug = new_slug.clone();
        updated.path = new_path.clone();
    }
    if changes.is_empty() && new_slug == old_slug {
        return Err(Error::msg(format!("nothing to rename for {old_slug:?}"))
            .help("give --name, --title, --section, --set or --slug with a new value"));
    }
    let new_source = doc.to_string();
    updated.source = new_source.clone();
    let mut next = project.clone();
    if let Some(v) = next.variants.iter_mut().find(|v| v.slug == old_slug) {
        *v = updated;
    }
    next.variants.sort_by(|a, b| a.slug.cmp(&b.slug));
    let (redirects, left_out) = drop_captured(&next, &new_slug, redirects);
    Ok(Plan {
        old_path: variant.path.clone(),
        old_source: variant.source.clone(),
        new_path,
        new_source,
        changes,
        old_name,
        slugs: (old_slug, new_slug),
        project: next,
        redirects,
        left_out,
    })
}

/// Refuses a new slug while a template or partial tests the old one (`{{#if (eq slug
/// "appliance")}}`, as `infer --exact` and `promote` write them): after the rename the test
/// would no longer match and that product would silently get the other branch's text.
fn slug_tests(project: &Project, old: &str, new: &str) -> Result<()> {
    let quoted = [format!("\"{old}\""), format!("'{old}'")];
    for t in project.pages.iter().chain(&project.partials) {
        for (i, line) in t.source.lines().enumerate() {
            let Some(at) = quoted.iter().filter_map(|q| line.find(q.as_str())).min() else {
                continue;
            };
            // Only inside a tag: the last `{{` before it is not closed yet.
            let before = &line[..at];
            let open = before.rfind("{{");
            if open.is_some_and(|o| !before[o..].contains("}}")) {
                return Err(Error::in_file(
                    &t.path,
                    format!("tests the slug {old:?}; renamed to {new:?}, that test would no longer match and the product would get another branch's text"),
                )
                .at(i + 1, Some(at + 1))
                .help(format!("replace \"{old}\" with \"{new}\" there, then run the rename again (both in one commit); or keep the slug")));
            }
        }
    }
    Ok(())
}

pub(super) fn unresolved_error(variant: &Variant, old: &str, list: &[Unresolved]) -> Error {
    let what: Vec<String> = list
        .iter()
        .map(|u| match (list.len(), u.line) {
            (n, Some(l)) if n > 1 => format!("{} = {:?} (line {l})", u.key, u.value),
            _ => format!("{} = {:?}", u.key, u.value),
        })
        .collect();
    let mut flags: Vec<String> = list
        .iter()
        .map(|u| format!("--set {}=NEW", u.var))
        .collect();
    flags.dedup();
    let (verb, its) = if list.len() == 1 {
        ("holds", "its new value")
    } else {
        ("hold", "their new values")
    };
    let mut e = Error::in_file(
        &variant.path,
        format!(
            "{} {verb} part of the old name {old:?}; nothing was changed",
            what.join(", ")
        ),
    )
    .help(format!("give {its}: {}", flags.join(" ")));
    if let (1, Some(l)) = (list.len(), list[0].line) {
        e = e.at(l, None);
    }
    e
}

/// The renamed product's pages as they will be.
pub fn render(plan: &Plan) -> Result<Vec<Planned>> {
    let renderer = Renderer::new(&plan.project)?;
    let sel = Selection {
        variants: vec![plan.slugs.1.clone()],
        pages: Vec::new(),
    };
    generate::plan(&plan.project, &renderer, &sel, None)
}
