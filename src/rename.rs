//! One-step rename of a product: the variant file edited in place (comments and layout kept),
//! out/ moved when the slug changes, pages regenerated, and a redirect list for the help center.

use std::path::{Path, PathBuf};

use serde::Serialize;
use toml_edit::DocumentMut;

use crate::error::{Error, Result};
use crate::generate::{self, Selection};
use crate::output::{self, Planned};
use crate::project::{check_name, Project};
use crate::render::Renderer;

/// What to rename.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// The variant to rename.
    pub slug: String,
    /// New `product` (the name in running text).
    pub name: Option<String>,
    /// New `product_title`; by default the old title with the old name replaced.
    pub title: Option<String>,
    /// New slug (output folder and variant file name).
    pub new_slug: Option<String>,
    /// New `section` (URL section).
    pub section: Option<String>,
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

/// A rename worked out in memory, before anything is written.
pub struct Plan {
    /// The variant file as it is now.
    pub old_path: PathBuf,
    /// Where the variant file goes (differs when the slug changes and the file is named by it).
    pub new_path: PathBuf,
    /// The edited variant file.
    pub new_source: String,
    /// Variables changed: (name, old, new).
    pub changes: Vec<(String, String, String)>,
    /// Old and new slug.
    pub slugs: (String, String),
    /// The project as it will be.
    pub project: Project,
    /// Redirects for the help center (empty without a slug or section change).
    pub redirects: Vec<Redirect>,
}

fn set_var(doc: &mut DocumentMut, name: &str, value: &str) {
    if !doc.contains_table("vars") {
        doc["vars"] = toml_edit::table();
    }
    // Keep the key's comment and position; only the value changes.
    match doc["vars"].get_mut(name).and_then(|i| i.as_value_mut()) {
        Some(v) => {
            let decor = v.decor().clone();
            *v = toml_edit::Value::from(value);
            *v.decor_mut() = decor;
        }
        None => doc["vars"][name] = toml_edit::value(value),
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
    let mut changes = Vec::new();
    let mut updated = variant.clone();
    let mut change = |doc: &mut DocumentMut, key: &str, new: &str| {
        let old = get(key).unwrap_or_default();
        if old != new {
            set_var(doc, key, new);
            updated
                .vars
                .insert(key.to_string(), toml::Value::String(new.to_string()));
            changes.push((key.to_string(), old, new.to_string()));
        }
    };
    if let Some(name) = &req.name {
        let old = get("product").ok_or_else(|| {
            Error::in_file(&variant.path, "has no `product` variable to rename")
                .help("add `product = \"...\"` under [vars], or edit the variant file by hand")
        })?;
        change(&mut doc, "product", name);
        let title = match (&req.title, get("product_title")) {
            (Some(t), _) => Some(t.clone()),
            (None, Some(t)) if t.contains(&old) => Some(t.replace(&old, name)),
            _ => None,
        };
        if let Some(t) = title {
            change(&mut doc, "product_title", &t);
        }
    } else if let Some(t) = &req.title {
        change(&mut doc, "product_title", t);
    }
    let mut redirects = Vec::new();
    if let Some(section) = &req.section {
        check_name("section", section).map_err(Error::msg)?;
        let old = get("section").unwrap_or_default();
        change(&mut doc, "section", section);
        if old != *section {
            redirects.push(Redirect {
                kind: "url",
                from: format!("/{old}/"),
                to: format!("/{section}/"),
            });
        }
    }
    let old_slug = variant.slug.clone();
    let new_slug = req.new_slug.clone().unwrap_or_else(|| old_slug.clone());
    let mut new_path = variant.path.clone();
    if new_slug != old_slug {
        check_name("variant slug", &new_slug).map_err(Error::msg)?;
        if project.variants.iter().any(|v| v.slug == new_slug) {
            return Err(Error::msg(format!("variant {new_slug:?} already exists"))
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
        let out = &project.config.out;
        for page in &project.pages {
            for ext in ["md", "txt"] {
                redirects.push(Redirect {
                    kind: "path",
                    from: out
                        .join(&old_slug)
                        .join(format!("{}.{ext}", page.name))
                        .display()
                        .to_string(),
                    to: out
                        .join(&new_slug)
                        .join(format!("{}.{ext}", page.name))
                        .display()
                        .to_string(),
                });
            }
        }
        updated.slug = new_slug.clone();
        updated.path = new_path.clone();
    }
    if changes.is_empty() && new_slug == old_slug {
        return Err(Error::msg(format!("nothing to rename for {old_slug:?}"))
            .help("give --name, --title, --section or --slug with a new value"));
    }
    let new_source = doc.to_string();
    updated.source = new_source.clone();
    let mut next = project.clone();
    if let Some(v) = next.variants.iter_mut().find(|v| v.slug == old_slug) {
        *v = updated;
    }
    next.variants.sort_by(|a, b| a.slug.cmp(&b.slug));
    Ok(Plan {
        old_path: variant.path.clone(),
        new_path,
        new_source,
        changes,
        slugs: (old_slug, new_slug),
        project: next,
        redirects,
    })
}

/// The renamed product's pages as they will be.
pub fn render(plan: &Plan) -> Result<Vec<Planned>> {
    let renderer = Renderer::new(&plan.project)?;
    let sel = Selection {
        variants: vec![plan.slugs.1.clone()],
        pages: Vec::new(),
    };
    generate::plan(&plan.project, &renderer, &sel)
}

/// What the rename did.
pub struct Done {
    /// out/ files written (relative to out/).
    pub written: Vec<PathBuf>,
    /// Redirect files written.
    pub redirect_files: Vec<PathBuf>,
}

/// Carries out a plan: every page renders first, then the variant file is replaced, out/ is
/// moved and regenerated, and the redirect list written.
pub fn apply(plan: &Plan) -> Result<Done> {
    let planned = render(plan)?;
    output::replace_file(&plan.old_path, plan.new_source.as_bytes())?;
    if plan.new_path != plan.old_path {
        std::fs::rename(&plan.old_path, &plan.new_path)
            .map_err(|e| Error::io(&plan.new_path, &e))?;
    }
    let out = plan.project.out_dir();
    let (old, new) = &plan.slugs;
    if old != new && out.join(old).is_dir() && !out.join(new).exists() {
        std::fs::rename(out.join(old), out.join(new)).map_err(|e| Error::io(out.join(new), &e))?;
    }
    let written = output::write(&out, &planned, &[])?.written;
    let mut redirect_files = Vec::new();
    if !plan.redirects.is_empty() {
        let dir = plan.project.path(Path::new("redirects"));
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, &e))?;
        let stem = dir.join(format!("{old}-to-{new}"));
        let mut csv = String::from("kind,from,to\n");
        for r in &plan.redirects {
            csv.push_str(&format!(
                "{},{},{}\n",
                r.kind,
                csv_field(&r.from),
                csv_field(&r.to)
            ));
        }
        let json = serde_json::to_string_pretty(&plan.redirects).unwrap_or_default() + "\n";
        for (ext, body) in [("csv", csv), ("json", json)] {
            let path = stem.with_extension(ext);
            output::replace_file(&path, body.as_bytes())?;
            redirect_files.push(path);
        }
    }
    Ok(Done {
        written,
        redirect_files,
    })
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
