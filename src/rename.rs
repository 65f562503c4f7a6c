//! One-step rename of a product: the variant file edited in place (comments and layout kept),
//! every variable holding the old name kept in step, out/ moved when the slug changes, pages
//! regenerated, and a redirect list for the help center.
//!
//! All or nothing: [`plan`] works everything out in memory, [`apply`] checks every target
//! (variant file, out/ folders, `redirects/`) for links, collisions and permissions before the
//! first write, and undoes what it wrote if a later step fails.

use std::fs;
use std::path::{Path, PathBuf};

use serde::Serialize;
use toml_edit::DocumentMut;

use crate::error::{Error, Result};
use crate::fsguard;
use crate::generate::{self, Selection};
use crate::output::{self, Planned};
use crate::project::{check_name, join, suggest, Project, Variant};
use crate::render::Renderer;

/// The variable `--name` sets when docvar.toml lists no `names`.
pub const DEFAULT_NAME_VAR: &str = "product";
/// The variable `--title` sets.
pub const TITLE_VAR: &str = "product_title";
/// The variable `--section` sets: the docs site's URL section, the source of URL redirects.
pub const SECTION_VAR: &str = "section";
/// Folder (under the project root) the redirect lists go to.
pub const REDIRECTS_DIR: &str = "redirects";

/// What to rename.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// The variant to rename.
    pub slug: String,
    /// New product name (the first of docvar.toml's `names`, else `product`).
    pub name: Option<String>,
    /// New `product_title`; by default the old title with the old name replaced.
    pub title: Option<String>,
    /// New slug (output folder and variant file name).
    pub new_slug: Option<String>,
    /// New `section` (URL section).
    pub section: Option<String>,
    /// Explicit new values (`--set VAR=VALUE`): set in [vars] and every page override of VAR.
    pub set: Vec<(String, String)>,
}

/// One line of the redirect list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Redirect {
    /// `path` (an out/ file) or `url` (a docs-site URL prefix).
    pub kind: &'static str,
    /// Old location.
    pub from: String,
    /// New location.
    pub to: String,
}

/// A redirect not written because its source is still in use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftOut {
    /// The redirect that would have been written.
    pub redirect: Redirect,
    /// Variants that still render under its source.
    pub rendered_by: Vec<String>,
}

/// A variable whose value holds part of the old name: its new value must be given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unresolved {
    /// `product_short`, or `pages.<page>.vars.product_short`.
    pub key: String,
    /// The variable's name alone (what `--set` takes).
    pub var: String,
    /// Its value.
    pub value: String,
    /// 1-based line in the variant file, where found.
    pub line: Option<usize>,
}

/// A remaining occurrence of the old name in a rendered page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leftover {
    /// The out/ file (relative to out/).
    pub rel: PathBuf,
    /// 1-based line.
    pub line: usize,
}

/// A rename worked out in memory, before anything is written.
pub struct Plan {
    /// The variant file as it is now.
    pub old_path: PathBuf,
    /// Its text as loaded (restored if a later step fails).
    pub old_source: String,
    /// Where the variant file goes (differs when the slug changes and the file is named by it).
    pub new_path: PathBuf,
    /// The edited variant file.
    pub new_source: String,
    /// Variables changed: (key, old, new); page overrides as `pages.<page>.vars.<key>`.
    pub changes: Vec<(String, String, String)>,
    /// The old product name, when `--name` renames it.
    pub old_name: Option<String>,
    /// Old and new slug.
    pub slugs: (String, String),
    /// The project as it will be.
    pub project: Project,
    /// Redirects for the help center (empty without a slug or section change).
    pub redirects: Vec<Redirect>,
    /// Redirects not written, and why.
    pub left_out: Vec<LeftOut>,
}

impl Plan {
    /// The redirect list's files: `redirects/<old-slug>-to-<new-slug>.csv` and `.json`, or
    /// `redirects/<slug>-<old-section>-to-<new-section>.*` when only the section changes.
    pub fn redirect_paths(&self) -> Vec<PathBuf> {
        if self.redirects.is_empty() {
            return Vec::new();
        }
        let (old, new) = &self.slugs;
        let stem = if old != new {
            format!("{old}-to-{new}")
        } else {
            let url = |s: &str| s.trim_matches('/').to_string();
            let r = self.redirects.iter().find(|r| r.kind == "url");
            match r {
                Some(r) => format!("{new}-{}-to-{}", url(&r.from), url(&r.to)),
                None => format!("{old}-to-{new}"),
            }
        };
        // Built by format!, not `with_extension`, so a dotted slug (`v1.2`) keeps its dot.
        let dir = join(&self.project.root, Path::new(REDIRECTS_DIR));
        ["csv", "json"]
            .iter()
            .map(|ext| dir.join(format!("{stem}.{ext}")))
            .collect()
    }
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Byte offsets where `needle` occurs in `hay` as whole words (case-sensitive).
fn word_matches(hay: &str, needle: &str) -> Vec<usize> {
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

fn replace_words(hay: &str, old: &str, new: &str) -> String {
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
fn stale_parts(old: &str, new: &str) -> Vec<String> {
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
fn follow(
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

fn set_in(table: &mut toml_edit::Table, name: &str, value: &str) {
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
fn set_var(doc: &mut DocumentMut, page: Option<&str>, key: &str, value: &str) {
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
fn name_candidates(project: &Project, variant: &Variant) -> Vec<(Option<String>, String, String)> {
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

fn shown_key(page: Option<&str>, key: &str) -> String {
    match page {
        Some(p) => format!("pages.{p}.vars.{key}"),
        None => key.to_string(),
    }
}

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

fn unresolved_error(variant: &Variant, old: &str, list: &[Unresolved]) -> Error {
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

/// Splits off URL redirects whose source another variant still renders under (its `section`
/// in [vars] or a page override): such a redirect would capture that product's pages.
fn drop_captured(
    project: &Project,
    renamed: &str,
    redirects: Vec<Redirect>,
) -> (Vec<Redirect>, Vec<LeftOut>) {
    let mut keep = Vec::new();
    let mut left = Vec::new();
    for r in redirects {
        let rendered_by: Vec<String> = project
            .variants
            .iter()
            .filter(|v| v.slug != renamed)
            .filter(|v| match r.kind {
                "url" => v
                    .vars
                    .get(SECTION_VAR)
                    .into_iter()
                    .chain(v.pages.values().filter_map(|p| p.vars.get(SECTION_VAR)))
                    .filter_map(|s| s.as_str())
                    .any(|s| format!("/{s}/") == r.from),
                _ => Path::new(&r.from).starts_with(project.config.out.join(&v.slug)),
            })
            .map(|v| v.slug.clone())
            .collect();
        if rendered_by.is_empty() {
            keep.push(r);
        } else {
            left.push(LeftOut {
                redirect: r,
                rendered_by,
            });
        }
    }
    (keep, left)
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

/// What the rename did.
pub struct Done {
    /// out/ files written (relative to out/).
    pub written: Vec<PathBuf>,
    /// Redirect files written.
    pub redirect_files: Vec<PathBuf>,
    /// Lines of the renamed product's pages that still carry the old name.
    pub leftovers: Vec<Leftover>,
}

/// Fails unless a file can be created in `dir` (a temp file, removed at once).
fn probe_writable(dir: &Path) -> Result<()> {
    let d = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    tempfile::Builder::new()
        .prefix(".docvar-")
        .tempfile_in(d)
        .map(drop)
        .map_err(|e| Error::io(d, &e).help("check that the folder exists and is writable"))
}

fn nearest_existing(path: &Path) -> PathBuf {
    let mut p = path.to_path_buf();
    while fs::symlink_metadata(&p).is_err() {
        match p.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => p = parent.to_path_buf(),
            _ => return PathBuf::from("."),
        }
    }
    p
}

fn refuse_non_file(path: &Path, what: &str) -> Result<()> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => Err(Error::in_file(
            path,
            "is a symbolic link; docvar never writes or deletes through links",
        )
        .help("replace the link with a real file, or choose another path")),
        Ok(m) if !m.is_file() => Err(Error::in_file(
            path,
            format!("is not a regular file where docvar writes {what}"),
        )
        .help("move it away and run again")),
        _ => Ok(()),
    }
}

/// Checks every target of `plan` before anything is written: the variant file (old and new
/// path), out/ (the old and new product folders and every page file), and the redirect list.
pub fn check_targets(plan: &Plan, planned: &[Planned]) -> Result<()> {
    let root = &plan.project.root;
    fsguard::refuse_links(root, &plan.old_path)?;
    refuse_non_file(&plan.old_path, "the variant file")?;
    fsguard::refuse_links(root, &plan.new_path)?;
    if plan.new_path != plan.old_path && fs::symlink_metadata(&plan.new_path).is_ok() {
        return Err(Error::in_file(&plan.new_path, "exists already")
            .help("pick another slug, or move that file away first"));
    }
    probe_writable(plan.old_path.parent().unwrap_or(Path::new(".")))?;

    let out = plan.project.out_dir();
    fsguard::refuse_links(root, &out)?;
    let (old, new) = &plan.slugs;
    let (old_dir, new_dir) = (out.join(old), out.join(new));
    fsguard::refuse_links(root, &old_dir)?;
    let pages_dir = if old != new {
        if let Ok(m) = fs::symlink_metadata(&new_dir) {
            let what = if m.file_type().is_symlink() {
                "is a symbolic link; docvar never writes or deletes through links"
            } else {
                "exists already; the renamed product's pages would mix with what is there"
            };
            return Err(Error::in_file(&new_dir, what)
                .help("pick another slug, or move that folder away first"));
        }
        // Pages are written after out/<old>/ moves to out/<new>/: check them where they are now.
        if old_dir.exists() {
            probe_writable(&out)?;
        }
        &old_dir
    } else {
        &new_dir
    };
    for p in planned {
        let file: PathBuf = p.rel.iter().skip(1).collect();
        refuse_non_file(&pages_dir.join(file), "a page")?;
    }
    probe_writable(&nearest_existing(pages_dir))?;

    let files = plan.redirect_paths();
    if let Some(dir) = files.first().and_then(|f| f.parent()) {
        fsguard::refuse_links(root, dir)?;
        if let Ok(m) = fs::symlink_metadata(dir) {
            if !m.is_dir() {
                return Err(Error::in_file(dir, "is not a folder")
                    .help("move it away; docvar writes redirect lists into it"));
            }
        }
        let bodies = redirect_bodies(&plan.redirects);
        for (path, body) in files.iter().zip(&bodies) {
            refuse_non_file(path, "a redirect list")?;
            if fs::symlink_metadata(path).is_ok() {
                let bytes = fsguard::read_regular(path, fsguard::DEFAULT_MAX_FILE_SIZE)?;
                if bytes != body.as_bytes() {
                    return Err(
                        Error::in_file(path, "exists already with other redirects").help(
                            "move it away (or merge it into your redirect setup) and run again",
                        ),
                    );
                }
            }
        }
        probe_writable(&nearest_existing(dir))?;
    }
    Ok(())
}

fn redirect_bodies(redirects: &[Redirect]) -> [String; 2] {
    let mut csv = String::from("kind,from,to\n");
    for r in redirects {
        csv.push_str(&format!(
            "{},{},{}\n",
            r.kind,
            csv_field(&r.from),
            csv_field(&r.to)
        ));
    }
    let json = serde_json::to_string_pretty(redirects).unwrap_or_default() + "\n";
    [csv, json]
}

/// A step already taken, and how to take it back.
enum Undo {
    MoveBack { now: PathBuf, was: PathBuf },
    Restore { path: PathBuf, bytes: Vec<u8> },
    Remove(PathBuf),
    RemoveDir(PathBuf),
}

fn undo_all(root: &Path, steps: Vec<Undo>) {
    // Best effort: the error that stopped the run is the one reported.
    for step in steps.into_iter().rev() {
        let _ = match step {
            Undo::MoveBack { now, was } => fs::rename(now, &was).map_err(|e| Error::io(&was, &e)),
            Undo::Restore { path, bytes } => fsguard::write_atomic(root, &path, &bytes),
            Undo::Remove(path) => fs::remove_file(&path).map_err(|e| Error::io(&path, &e)),
            Undo::RemoveDir(path) => fs::remove_dir(&path).map_err(|e| Error::io(&path, &e)),
        };
    }
}

/// Carries out a plan: every page renders and every target is checked first; then out/ moves,
/// the variant file and the redirect list are written, and the pages regenerate. A failure on
/// the way takes back the steps already done.
pub fn apply(plan: &Plan) -> Result<Done> {
    let planned = render(plan)?;
    check_targets(plan, &planned)?;
    let root = plan.project.root.clone();
    let mut undo = Vec::new();
    match write_all(plan, &planned, &mut undo) {
        Ok(done) => Ok(done),
        Err(e) => {
            undo_all(&root, undo);
            Err(e)
        }
    }
}

fn write_all(plan: &Plan, planned: &[Planned], undo: &mut Vec<Undo>) -> Result<Done> {
    let root = &plan.project.root;
    let out = plan.project.out_dir();
    let (old, new) = &plan.slugs;
    if old != new && out.join(old).is_dir() {
        fs::rename(out.join(old), out.join(new)).map_err(|e| Error::io(out.join(new), &e))?;
        undo.push(Undo::MoveBack {
            now: out.join(new),
            was: out.join(old),
        });
    }
    fsguard::write_atomic(root, &plan.new_path, plan.new_source.as_bytes())?;
    let old_bytes = plan.old_source.as_bytes().to_vec();
    if plan.new_path == plan.old_path {
        undo.push(Undo::Restore {
            path: plan.old_path.clone(),
            bytes: old_bytes,
        });
    } else {
        undo.push(Undo::Remove(plan.new_path.clone()));
        fsguard::refuse_links(root, &plan.old_path)?;
        fs::remove_file(&plan.old_path).map_err(|e| Error::io(&plan.old_path, &e))?;
        undo.push(Undo::Restore {
            path: plan.old_path.clone(),
            bytes: old_bytes,
        });
    }
    let mut redirect_files = Vec::new();
    let files = plan.redirect_paths();
    if let Some(dir) = files.first().and_then(|f| f.parent()) {
        if !dir.exists() {
            fs::create_dir_all(dir).map_err(|e| Error::io(dir, &e))?;
            undo.push(Undo::RemoveDir(dir.to_path_buf()));
        }
        for (path, body) in files.iter().zip(redirect_bodies(&plan.redirects)) {
            match fsguard::read_regular(path, fsguard::DEFAULT_MAX_FILE_SIZE) {
                Ok(bytes) if bytes == body.as_bytes() => {}
                before => {
                    fsguard::write_atomic(root, path, body.as_bytes())?;
                    undo.push(match before {
                        Ok(bytes) => Undo::Restore {
                            path: path.clone(),
                            bytes,
                        },
                        Err(_) => Undo::Remove(path.clone()),
                    });
                }
            }
            redirect_files.push(path.clone());
        }
    }
    // Last: output::write stages every page before renaming any into place.
    let written = output::write(&out, planned, &[], None)?.written;
    let leftovers = plan
        .old_name
        .as_deref()
        .map(|old| leftovers(planned, old))
        .unwrap_or_default();
    Ok(Done {
        written,
        redirect_files,
        leftovers,
    })
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_match_whole_words_only() {
        assert_eq!(word_matches("the Appliance runs", "Appliance"), vec![4]);
        assert!(word_matches("Appliances", "Appliance").is_empty());
        assert!(word_matches("backing-up-the-appliance", "Appliance").is_empty());
        assert_eq!(
            replace_words("Auth0 Appliance", "Appliance", "Edge Box"),
            "Auth0 Edge Box"
        );
    }

    #[test]
    fn follow_equal_contains_and_part() {
        let parts = stale_parts("PSaaS Appliance", "Edge Cloud");
        assert_eq!(parts, vec!["PSaaS", "Appliance"]);
        let f = |v| follow(v, "PSaaS Appliance", "Edge Cloud", &parts);
        assert_eq!(f("PSaaS Appliance"), Ok(Some("Edge Cloud".into())));
        assert_eq!(
            f("Auth0 PSaaS Appliance"),
            Ok(Some("Auth0 Edge Cloud".into()))
        );
        assert_eq!(f("Appliance"), Err(()));
        assert_eq!(f("appliance"), Ok(None));
        // A part the new name keeps is not stale.
        assert!(stale_parts("PSaaS Appliance", "Edge Appliance") == vec!["PSaaS"]);
    }
}
