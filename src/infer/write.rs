//! Stage 5: writing the template and variant files into a project.

use super::*;

/// What `docvar infer` writes.
#[derive(Debug, Clone)]
pub struct Plan {
    /// `templates/<page>.md.hbs` (as shown to users).
    pub template_path: PathBuf,
    /// The template.
    pub template: String,
    /// Whether the template exists already (and is overwritten).
    pub overwrites: bool,
    /// One per copy, in input order.
    pub variants: Vec<VariantEdit>,
}

/// A variant file before and after.
#[derive(Debug, Clone)]
pub struct VariantEdit {
    /// Variant slug.
    pub slug: String,
    /// The file (as shown to users).
    pub path: PathBuf,
    /// Its text before (None: created).
    pub before: Option<String>,
    /// Its text after.
    pub after: String,
}

pub(super) fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// The variant of a copy without `--variant`: the variant file that lists it as published
/// (any page), else the name of its folder.
pub fn slug_for(root: &Path, page: &str, file: &Path) -> Result<String> {
    let project = Project::load_variants(root, page)?;
    for v in &project.variants {
        let listed = v.pages.values().flat_map(|p| &p.published);
        if listed
            .into_iter()
            .any(|p| same_file(&project.path(p), file))
        {
            return Ok(v.slug.clone());
        }
    }
    file.canonicalize()
        .ok()
        .and_then(|p| {
            p.parent()
                .and_then(|d| d.file_name())
                .map(|n| n.to_string_lossy().into_owned())
        })
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            Error::in_file(file, "cannot tell which variant this copy belongs to")
                .help("pass --variant SLUG for each file, in order")
        })
}

/// How a copy is listed in `published`: relative to the project root, with `../` for a copy
/// outside it, so the variant files and the patches made from them work from any checkout.
pub fn published_path(root: &Path, file: &Path) -> String {
    let abs = file.canonicalize().unwrap_or_else(|_| file.to_path_buf());
    let Ok(base) = root.canonicalize() else {
        return abs.display().to_string();
    };
    let (a, b): (Vec<_>, Vec<_>) = (abs.components().collect(), base.components().collect());
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if common == 0 {
        // Another drive (Windows): nothing relative reaches it.
        return abs.display().to_string();
    }
    let ups = std::iter::repeat_n("..".to_string(), b.len() - common);
    let downs = a[common..]
        .iter()
        .map(|c| c.as_os_str().to_string_lossy().into_owned());
    ups.chain(downs).collect::<Vec<_>>().join("/")
}

pub(super) fn usable_name(name: &str) -> bool {
    !crate::render::BUILTIN_VARS.contains(&name)
        && !crate::render::BUILTIN_HELPERS.contains(&name)
        && !matches!(name, "this" | "else")
        && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

pub(super) fn str_var<'t>(
    doc: &'t toml_edit::DocumentMut,
    table: &[&str],
    key: &str,
) -> Option<&'t str> {
    let mut item = doc.as_item();
    for k in table {
        item = item.get(k)?;
    }
    item.get(key)?.as_str()
}

/// Plans the writes: reuses variable names the variant files already give the same values,
/// puts a value whose name a file already uses differently under `[pages.<page>.vars]`, adds
/// the rest under `[vars]`, records each copy in `published`, and sets per-variant front
/// matter and `exact` overrides. Renames variables in `inferred` to the names chosen.
pub fn plan(root: &Path, inferred: &mut Inferred, published: &[String]) -> Result<Plan> {
    project::check_name("page", &inferred.page).map_err(Error::msg)?;
    for s in &inferred.slugs {
        project::check_name("variant slug", s).map_err(Error::msg)?;
    }
    let project = Project::load_variants(root, &inferred.page)?;
    let config = &project.config;
    let mut docs: Vec<(PathBuf, Option<String>, toml_edit::DocumentMut)> = Vec::new();
    for slug in &inferred.slugs {
        match project.variants.iter().find(|v| &v.slug == slug) {
            Some(v) => {
                let doc = v.source.parse::<toml_edit::DocumentMut>().map_err(|e| {
                    Error::in_file(&v.path, format!("invalid TOML: {}", e.message().trim()))
                })?;
                docs.push((v.path.clone(), Some(v.source.clone()), doc));
            }
            None => {
                let path = project::join(root, &config.variants.join(format!("{slug}.toml")));
                docs.push((path, None, toml_edit::DocumentMut::new()));
            }
        }
    }
    // Names: reuse a name files already give these values; else the inferred one, unused.
    let page = inferred.page.clone();
    let mut taken: HashSet<String> = HashSet::new();
    let mut renames = Vec::new();
    for v in &inferred.variables {
        let mut score: BTreeMap<String, usize> = BTreeMap::new();
        for (i, (_, _, doc)) in docs.iter().enumerate() {
            if let Some(vars) = doc.get("vars").and_then(|t| t.as_table_like()) {
                for (k, item) in vars.iter() {
                    if item.as_str() == Some(v.values[i].as_str())
                        && usable_name(k)
                        && !taken.contains(k)
                    {
                        *score.entry(k.to_string()).or_default() += 1;
                    }
                }
            }
        }
        let best = score
            .iter()
            .max_by(|a, b| {
                a.1.cmp(b.1)
                    .then((a.0 == &v.name).cmp(&(b.0 == &v.name)))
                    .then(b.0.cmp(a.0))
            })
            .map(|(k, _)| k.clone());
        let name = match best {
            Some(k) => k,
            None => {
                let mut name = v.name.clone();
                let mut k = 2;
                while taken.contains(&name) {
                    name = format!("{}_{k}", v.name);
                    k += 1;
                }
                name
            }
        };
        taken.insert(name.clone());
        renames.push(name);
    }
    for (v, name) in inferred.variables.iter_mut().zip(renames) {
        v.name = name;
    }
    inferred.emit();
    // Edit each file.
    let mut variants = Vec::new();
    for (i, (path, before, mut doc)) in docs.into_iter().enumerate() {
        for (name, value) in inferred.vars(i) {
            let global = str_var(&doc, &["vars"], &name).map(String::from);
            let has_global = doc.get("vars").and_then(|t| t.get(&name)).is_some();
            if global.as_deref() == Some(value.as_str()) {
                if let Some(t) = page_table(&mut doc, &page, "vars", false) {
                    t.remove(&name);
                }
            } else if has_global {
                page_table(&mut doc, &page, "vars", true)
                    .expect("created")
                    .insert(&name, toml_edit::value(value));
            } else {
                vars_table(&mut doc).insert(&name, toml_edit::value(value));
                if let Some(t) = page_table(&mut doc, &page, "vars", false) {
                    t.remove(&name);
                }
            }
        }
        for (name, value) in inferred.overrides(i) {
            page_table(&mut doc, &page, "vars", true)
                .expect("created")
                .insert(&name, toml_edit::value(value));
        }
        if !inferred.front_matter[i].is_empty() {
            let t = page_table(&mut doc, &page, "front_matter", true).expect("created");
            for (k, v) in &inferred.front_matter[i] {
                if let Ok(val) = v.to_string().parse::<toml_edit::Value>() {
                    t.insert(k, toml_edit::Item::Value(val));
                }
            }
        }
        add_published(&mut doc, &page, &published[i]);
        // Drop page tables left empty.
        if let Some(p) = doc
            .get_mut("pages")
            .and_then(|p| p.get_mut(&page))
            .and_then(|p| p.as_table_mut())
        {
            for sub in ["vars", "front_matter"] {
                if p.get(sub)
                    .and_then(|t| t.as_table())
                    .is_some_and(|t| t.is_empty())
                {
                    p.remove(sub);
                }
            }
        }
        // A new file's header comment: toml_edit would keep a comment parsed alone as the
        // document's trailing text, below the tables added after it.
        let after = match before {
            Some(_) => doc.to_string(),
            None => format!(
                "# {}: variables found by `docvar infer`.\n{doc}",
                inferred.slugs[i]
            ),
        };
        variants.push(VariantEdit {
            slug: inferred.slugs[i].clone(),
            path,
            before,
            after,
        });
    }
    let template_path = project::join(
        root,
        &config.templates.join(format!("{}.md.hbs", inferred.page)),
    );
    Ok(Plan {
        overwrites: template_path.exists(),
        template_path,
        template: inferred.template.clone(),
        variants,
    })
}

pub(super) fn vars_table(doc: &mut toml_edit::DocumentMut) -> &mut toml_edit::Table {
    if doc.get("vars").and_then(|v| v.as_table()).is_none() {
        let mut t = toml_edit::Table::new();
        // Before any [pages.*] table, as hand-written variant files have it.
        t.set_position(Some(0));
        doc.insert("vars", toml_edit::Item::Table(t));
    }
    doc["vars"].as_table_mut().expect("a table")
}

pub(super) fn page_table<'d>(
    doc: &'d mut toml_edit::DocumentMut,
    page: &str,
    sub: &str,
    create: bool,
) -> Option<&'d mut toml_edit::Table> {
    if !create
        && doc
            .get("pages")
            .and_then(|p| p.get(page))
            .and_then(|p| p.get(sub))
            .and_then(|t| t.as_table())
            .is_none()
    {
        return None;
    }
    let p = page_entry(doc, page);
    if p.get(sub).and_then(|t| t.as_table()).is_none() {
        p.insert(sub, toml_edit::Item::Table(toml_edit::Table::new()));
    }
    p[sub].as_table_mut()
}

pub(super) fn page_entry<'d>(
    doc: &'d mut toml_edit::DocumentMut,
    page: &str,
) -> &'d mut toml_edit::Table {
    if doc.get("pages").and_then(|p| p.as_table()).is_none() {
        let mut t = toml_edit::Table::new();
        t.set_implicit(true);
        doc.insert("pages", toml_edit::Item::Table(t));
    }
    let pages = doc["pages"].as_table_mut().expect("a table");
    if pages.get(page).and_then(|p| p.as_table()).is_none() {
        pages.insert(page, toml_edit::Item::Table(toml_edit::Table::new()));
    }
    pages[page].as_table_mut().expect("a table")
}

pub(super) fn add_published(doc: &mut toml_edit::DocumentMut, page: &str, path: &str) {
    let p = page_entry(doc, page);
    let mut list: Vec<String> = match p.get("published") {
        Some(item) if item.is_str() => vec![item.as_str().unwrap_or_default().to_string()],
        Some(item) => item
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default(),
        None => Vec::new(),
    };
    if list.iter().any(|l| l == path) {
        return;
    }
    match p.get_mut("published").and_then(|i| i.as_array_mut()) {
        Some(a) => a.push(path),
        None => {
            list.push(path.to_string());
            let mut a = toml_edit::Array::new();
            for l in list {
                a.push(l);
            }
            p.insert("published", toml_edit::value(a));
        }
    }
}

/// Writes the template and the variant files, all or nothing: every target is checked (no
/// link on the way from `root`, a regular file or nothing, a writable folder) before the
/// first write, and files already replaced are put back if a later write fails.
pub fn write(root: &Path, plan: &Plan) -> Result<()> {
    let mut files = vec![(plan.template_path.as_path(), plan.template.as_str())];
    for v in &plan.variants {
        if v.before.as_deref() != Some(v.after.as_str()) {
            files.push((v.path.as_path(), v.after.as_str()));
        }
    }
    let mut befores = Vec::new();
    for (path, _) in &files {
        fsguard::refuse_links(root, path)?;
        befores.push(match std::fs::symlink_metadata(path) {
            Ok(m) if m.is_file() => {
                Some(fsguard::read_regular(path, fsguard::DEFAULT_MAX_FILE_SIZE)?)
            }
            Ok(_) => {
                return Err(Error::in_file(path, "exists and is not a regular file")
                    .help("move it away, or pick another --page name"))
            }
            Err(_) => None,
        });
        // The nearest folder that exists must be a writable folder.
        let mut dir = path.parent().filter(|d| !d.as_os_str().is_empty());
        while let Some(d) = dir.filter(|d| !d.exists()) {
            dir = d.parent().filter(|d| !d.as_os_str().is_empty());
        }
        let dir = dir.unwrap_or(Path::new("."));
        if !dir.is_dir() {
            return Err(Error::in_file(dir, "is not a folder")
                .help("move the file away so docvar can create the folder"));
        }
        tempfile::tempfile_in(dir)
            .map_err(|e| Error::io(dir, &e).help("check that the folder is writable"))?;
    }
    let mut done: Vec<(&Path, Option<Vec<u8>>)> = Vec::new();
    let mut made: Vec<PathBuf> = Vec::new();
    let result = files
        .iter()
        .zip(befores)
        .try_for_each(|((path, text), before)| {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                let mut missing = Vec::new();
                let mut d = Some(dir);
                while let Some(x) = d.filter(|x| !x.as_os_str().is_empty() && !x.exists()) {
                    missing.push(x.to_path_buf());
                    d = x.parent();
                }
                fsguard::create_dir_all(root, dir)?;
                made.extend(missing);
            }
            fsguard::write_atomic(root, path, text.as_bytes())?;
            done.push((path, before));
            Ok(())
        });
    if result.is_err() {
        for (path, before) in done.into_iter().rev() {
            let _ = match before {
                Some(b) => fsguard::write_atomic(root, path, &b),
                None => fsguard::remove_file(root, path),
            };
        }
        for d in made {
            let _ = std::fs::remove_dir(d);
        }
    }
    result
}

/// The drift report of each copy against the planned template and variant files (the report
/// `docvar diff` gives once they are written), built in memory so `--dry-run` has it too.
pub fn drift_report(
    root: &Path,
    plan: &Plan,
    page: &str,
    files: &[PathBuf],
) -> Result<drift::Report> {
    let config = Config::load(root)?;
    let mut variants = Vec::new();
    for v in &plan.variants {
        let table: toml::Table = v
            .after
            .parse()
            .map_err(|e: toml::de::Error| Error::in_file(&v.path, e.message().to_string()))?;
        let vars = table
            .get("vars")
            .and_then(|t| t.as_table())
            .cloned()
            .unwrap_or_default();
        let settings = table
            .get("pages")
            .and_then(|p| p.get(page))
            .and_then(|p| p.as_table());
        let get = |k: &str| {
            settings
                .and_then(|s| s.get(k))
                .and_then(|t| t.as_table())
                .cloned()
                .unwrap_or_default()
        };
        let mut pages = BTreeMap::new();
        pages.insert(
            page.to_string(),
            VariantPage {
                published: Vec::new(),
                front_matter: get("front_matter"),
                vars: get("vars"),
            },
        );
        variants.push(Variant {
            slug: v.slug.clone(),
            path: v.path.clone(),
            source: v.after.clone(),
            vars,
            pages,
        });
    }
    let ignore = config.ignore.clone();
    let project = Project {
        root: root.to_path_buf(),
        config,
        pages: vec![PageTemplate {
            name: page.to_string(),
            path: plan.template_path.clone(),
            source: plan.template.clone(),
        }],
        partials: Vec::new(),
        lean: None,
        variants,
    };
    let renderer = crate::render::Renderer::new(&project)?;
    let copies: Vec<drift::PublishedCopy> = plan
        .variants
        .iter()
        .zip(files)
        .map(|(v, f)| drift::PublishedCopy {
            page: page.to_string(),
            variant: v.slug.clone(),
            path: f.clone(),
            format: drift::CopyFormat::of(f),
        })
        .collect();
    let opts = drift::Options::default().with_ignores(&ignore)?;
    drift::check(&project, &renderer, &copies, &opts, None)
}
