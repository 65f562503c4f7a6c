//! Loading a project: `docvar.toml` (optional), the page templates and partials, and one
//! variables file per product. Everything read here is checked before anything renders.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Deserialize;

use crate::error::{line_col, Error, Result};
use crate::fsguard;

/// Settings from `docvar.toml`; every field has a default so the file is optional.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Folder of page templates (`<page>.md.hbs`) and `partials/`.
    pub templates: PathBuf,
    /// Folder of variant files (`<slug>.toml`).
    pub variants: PathBuf,
    /// Folder the pages render into.
    pub out: PathBuf,
    /// Regexes of lines the drift report drops from both sides (site chrome).
    pub ignore: Vec<String>,
    /// Variables a variant may leave undefined (they render as empty / false).
    pub optional: Vec<String>,
    /// RACI lint settings.
    pub lint: LintConfig,
    /// Variables that hold the product's name in some form (`rename` keeps them in step);
    /// the first is the one `rename --name` sets. Empty: `product`, others found by value.
    pub names: Vec<String>,
    /// Largest file docvar reads (templates, variant files, copies), in bytes.
    pub max_file_size: u64,
    /// Folders outside the project that declared published copies may live in.
    pub published_roots: Vec<PathBuf>,
}

/// `[lint]` in docvar.toml.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LintConfig {
    /// Known exceptions, each with a reason.
    pub allow: Vec<LintAllow>,
}

/// One accepted lint finding.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LintAllow {
    /// Page name; absent means every page.
    #[serde(default)]
    pub page: Option<String>,
    /// The row's task (first cell).
    pub row: String,
    /// Why it is accepted.
    pub reason: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            templates: "templates".into(),
            variants: "variants".into(),
            out: "out".into(),
            ignore: Vec::new(),
            optional: Vec::new(),
            lint: LintConfig::default(),
            names: Vec::new(),
            max_file_size: crate::fsguard::DEFAULT_MAX_FILE_SIZE,
            published_roots: Vec::new(),
        }
    }
}

/// A page template, `templates/<name>.md.hbs`.
#[derive(Debug, Clone)]
pub struct PageTemplate {
    /// Page name (file name without `.md.hbs`).
    pub name: String,
    /// Path as shown to users (relative to the project root).
    pub path: PathBuf,
    /// Template source.
    pub source: String,
}

/// Per-page settings inside a variant file (`[pages.<name>]`).
#[derive(Debug, Clone, Default)]
pub struct VariantPage {
    /// Published copies of this page for this product (paths relative to the project root).
    pub published: Vec<PathBuf>,
    /// Extra front-matter keys this product's copy of the page carries, in order.
    pub front_matter: toml::Table,
    /// Variables that differ for this page only.
    pub vars: toml::Table,
}

/// A product: `variants/<slug>.toml`.
#[derive(Debug, Clone)]
pub struct Variant {
    /// Output folder name and identifier.
    pub slug: String,
    /// Path as shown to users.
    pub path: PathBuf,
    /// File text, for locating keys in messages.
    pub source: String,
    /// `[vars]`: the values templates use.
    pub vars: toml::Table,
    /// `[pages.<name>]` settings.
    pub pages: BTreeMap<String, VariantPage>,
}

impl Variant {
    /// 1-based line of the first line that defines `key` (for messages), if found.
    pub fn line_of(&self, key: &str) -> Option<usize> {
        self.source
            .lines()
            .position(|l| {
                let t = l.trim_start();
                t.strip_prefix(key)
                    .is_some_and(|rest| rest.trim_start().starts_with('='))
                    || t.starts_with(&format!("[{key}"))
                    || t.starts_with(&format!("[pages.{key}"))
            })
            .map(|i| i + 1)
    }

    /// The variables the variant defines, for all pages or for one.
    pub(crate) fn defined(&self) -> impl Iterator<Item = &str> {
        self.vars
            .keys()
            .chain(self.pages.values().flat_map(|p| p.vars.keys()))
            .map(String::as_str)
    }

    /// What a lean project keeps of a variant: its slug and path (its declared copies go to
    /// the project's one list, [`Project::declared`]).
    fn lean(self) -> Variant {
        Variant {
            slug: self.slug,
            path: self.path,
            source: String::new(),
            vars: toml::Table::new(),
            pages: BTreeMap::new(),
        }
    }

    /// The settings of `page` (empty when the variant has none).
    pub fn page(&self, page: &str) -> VariantPage {
        self.pages.get(page).cloned().unwrap_or_default()
    }
}

/// Everything a run needs: settings, templates, partials and variants.
#[derive(Debug, Clone)]
pub struct Project {
    /// The project's root folder.
    pub root: PathBuf,
    /// docvar.toml settings (defaults without the file).
    pub config: Config,
    /// Page templates, in file-name order.
    pub pages: Vec<PageTemplate>,
    /// Partials (`templates/partials/<name>.hbs`), sorted by name.
    pub partials: Vec<PageTemplate>,
    /// Variants, sorted by slug.
    pub variants: Vec<Variant>,
    /// Set when the variants hold only their slug and path ([`Project::load_lean`];
    /// [`Project::full`] reads the rest).
    pub(crate) lean: Option<Lean>,
}

/// What a lean project keeps of its variants' files beyond their slugs and paths.
#[derive(Debug, Clone, Default)]
pub(crate) struct Lean {
    /// The names of the variables any variant defines, for messages about a missing one.
    pub(crate) defined: std::collections::BTreeSet<String>,
    /// The declared copies in the order a full project lists them: in one list, about 60
    /// bytes a copy, where a map of pages in each variant took 2 KB a product.
    declared: Vec<Declared>,
}

/// A declared copy in a lean project: `[pages.<page>] published = [path]` of a variant.
#[derive(Debug, Clone)]
struct Declared {
    /// Index into `Project::variants`.
    variant: u32,
    /// Index into `Project::pages`.
    page: u32,
    path: PathBuf,
}

const VARIANT_KEYS: &[&str] = &["slug", "vars", "pages"];
const PAGE_KEYS: &[&str] = &["published", "front_matter", "vars"];

/// Joins `rel` to `root`, leaving it relative when the root is the current folder, so
/// messages show `templates/x.md.hbs` rather than `./templates/x.md.hbs`.
pub fn join(root: &Path, rel: &Path) -> PathBuf {
    if root == Path::new(".") || root.as_os_str().is_empty() {
        rel.to_path_buf()
    } else {
        root.join(rel)
    }
}

/// Checks that a page name or slug is a single safe path component: letters, digits,
/// `.`, `_` and `-`, not starting with a dot. Output paths are built from these names,
/// so this is what keeps every write inside out/.
pub(crate) fn check_name(what: &str, name: &str) -> std::result::Result<(), String> {
    let ok = !name.is_empty()
        && !name.starts_with('.')
        && !name.contains("..")
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{what} {name:?} is not a plain name; use letters, digits, '-', '_' or '.' (no '/', '\\', '..' or leading '.')"
        ))
    }
}

/// "did you mean" for a misspelt key.
pub(crate) fn suggest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score > 0.75)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c.to_string())
}

fn parse_toml(path: &Path, text: &str) -> Result<toml::Table> {
    text.parse::<toml::Table>().map_err(|e| {
        let (line, col) = e.span().map_or((1, 1), |s| line_col(text, s.start));
        let msg = e.message().trim().to_string();
        Error::in_file(path, format!("invalid TOML: {msg}"))
            .at(line, Some(col))
            .help("fix the TOML syntax")
    })
}

fn sorted_files(dir: &Path, suffix: &str) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(files),
        Err(e) => return Err(Error::io(dir, &e)),
    };
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, &e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        // Hidden files are not skipped: `..x.md.hbs` must be refused, not silently ignored.
        // Nor are FIFOs and devices: reading them is refused with the file's name.
        if name.ends_with(suffix) && !entry.path().is_dir() {
            files.push(entry.path());
        }
    }
    files.sort();
    Ok(files)
}

impl Config {
    /// Reads `root/docvar.toml`, or the defaults when there is none.
    pub fn load(root: &Path) -> Result<Config> {
        let path = join(root, Path::new("docvar.toml"));
        if std::fs::symlink_metadata(&path).is_err() {
            return Ok(Config::default());
        }
        // docvar.toml is read before its own `max_file_size` is known: the default bounds it.
        let text = fsguard::read_text_limited(&path, fsguard::DEFAULT_MAX_FILE_SIZE)?;
        let table = parse_toml(&path, &text)?;
        let keys = [
            "templates",
            "variants",
            "out",
            "ignore",
            "optional",
            "lint",
            "names",
            "max_file_size",
            "published_roots",
        ];
        for k in table.keys() {
            if !keys.contains(&k.as_str()) {
                return Err(unknown_key(&path, &text, k, &keys, "docvar.toml"));
            }
        }
        Config::deserialize(toml::Value::Table(table)).map_err(|e| {
            Error::in_file(&path, format!("invalid setting: {}", e.message()))
                .help("see README.md for docvar.toml's settings")
        })
    }
}

impl Project {
    /// Loads the project at `root`: docvar.toml if present, then templates and variants.
    pub fn load(root: &Path) -> Result<Project> {
        Project::load_with(root, None, false)
    }

    /// [`Project::load`] with the same checks of every variant file, keeping of each variant
    /// only its slug, path and declared copies: the rest is read again when one of its pages
    /// is rendered ([`Project::full`]). `generate` and `diff` load this way, so their memory
    /// does not grow with the number of products (2 KB a variant held in full).
    pub fn load_lean(root: &Path) -> Result<Project> {
        Project::load_with(root, None, true)
    }

    /// `variant` with all its settings: itself, or in a lean project its file read again.
    pub fn full<'a>(&self, variant: &'a Variant) -> Result<std::borrow::Cow<'a, Variant>> {
        if self.lean.is_none() {
            return Ok(std::borrow::Cow::Borrowed(variant));
        }
        let names: Vec<&str> = self.pages.iter().map(|t| t.name.as_str()).collect();
        let source = fsguard::read_text_limited(&variant.path, self.config.max_file_size)?;
        let full = parse_variant(&variant.path, &source, &names)?;
        if full.slug != variant.slug {
            return Err(
                Error::in_file(&variant.path, "changed while docvar was running")
                    .help("run docvar again once the variant files are saved"),
            );
        }
        Ok(std::borrow::Cow::Owned(full))
    }

    /// Loads a project that may have no templates or variants yet (`docvar infer` adopting
    /// pages): variant files may also name `extra_page`, the page about to be written.
    pub(crate) fn load_variants(root: &Path, extra_page: &str) -> Result<Project> {
        Project::load_with(root, Some(extra_page), false)
    }

    fn load_with(root: &Path, extra_page: Option<&str>, lean: bool) -> Result<Project> {
        let config = Config::load(root)?;
        let templates_dir = join(root, &config.templates);
        let mut pages = Vec::new();
        for path in sorted_files(&templates_dir, ".md.hbs")? {
            let name = file_name(&path).trim_end_matches(".md.hbs").to_string();
            check_name("page", &name).map_err(|m| Error::in_file(&path, m))?;
            let source = template_text(&path, config.max_file_size)?;
            pages.push(PageTemplate { name, path, source });
        }
        if pages.is_empty() && extra_page.is_none() {
            return Err(Error::in_file(&templates_dir, "no page templates found")
                .help("add templates/<page>.md.hbs, or set `templates` in docvar.toml"));
        }
        let mut partials = Vec::new();
        for path in sorted_files(&templates_dir.join("partials"), ".hbs")? {
            let name = file_name(&path).trim_end_matches(".hbs").to_string();
            let source = template_text(&path, config.max_file_size)?;
            partials.push(PageTemplate { name, path, source });
        }
        let variants_dir = join(root, &config.variants);
        let mut project = Project {
            root: root.to_path_buf(),
            config,
            pages,
            partials,
            variants: Vec::new(),
            lean: None,
        };
        let files = sorted_files(&variants_dir, ".toml")?;
        // Read and parsed in parallel (an estate has thousands); checked in file order, so
        // the error reported is the first file's, as a one-by-one load would find it.
        let limit = project.config.max_file_size;
        // A lean load keeps the names the variants define in one set, not a list per file,
        // and the declared copies in one list (by file index until the variants are sorted).
        let defined = std::sync::Mutex::new(std::collections::BTreeSet::new());
        let declared = std::sync::Mutex::new(Vec::new());
        // Errors aside, by file index: the variants are then moved into the project's list
        // in place (`Option<Variant>` is a `Variant`'s size), not copied into a second list
        // the size of the first.
        let errors = std::sync::Mutex::new(Vec::new());
        // Where declared copies may live, resolved once (not once a copy).
        let roots: Vec<PathBuf> = std::iter::once(project.root.clone())
            .chain(
                project
                    .config
                    .published_roots
                    .iter()
                    .map(|r| join(&project.root, r)),
            )
            .map(|r| fsguard::resolve(&r))
            .collect();
        let parsed: Vec<Option<Variant>> = files
            .par_iter()
            .enumerate()
            .map(|(i, path)| {
                let load = || -> Result<Variant> {
                    let v = load_variant(path, &project.pages, extra_page, limit)?;
                    for (page, settings) in &v.pages {
                        for p in &settings.published {
                            project.check_declared_copy(&roots, &v, page, p)?;
                        }
                    }
                    Ok(if lean {
                        let mut names = defined.lock().unwrap_or_else(|p| p.into_inner());
                        for n in v.defined() {
                            if !names.contains(n) {
                                names.insert(n.to_string());
                            }
                        }
                        drop(names);
                        let mut copies = declared.lock().unwrap_or_else(|p| p.into_inner());
                        for (page, settings) in &v.pages {
                            let Some(page) = project.pages.iter().position(|t| t.name == *page)
                            else {
                                continue;
                            };
                            copies.extend(settings.published.iter().map(|path| Declared {
                                variant: i as u32,
                                page: page as u32,
                                path: path.clone(),
                            }));
                        }
                        v.lean()
                    } else {
                        v
                    })
                };
                load()
                    .map_err(|e| {
                        errors
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .push((i, e))
                    })
                    .ok()
            })
            .collect();
        // The files before the first that fails; a slug they share is reported first.
        let failed = errors
            .into_inner()
            .unwrap_or_else(|p| p.into_inner())
            .into_iter()
            .min_by_key(|(i, _)| *i);
        let mut parsed = parsed;
        if let Some((i, _)) = &failed {
            parsed.truncate(*i);
        }
        let failed = failed.map(|(_, e)| e);
        // Every one is `Some` now; `map_while` (unlike `flatten`) collects in place.
        project.variants = parsed.into_iter().map_while(|v| v).collect();
        // Two files with one slug: the later one (in file order) is the error, naming the
        // earlier; of several such pairs, the one a one-by-one load meets first. Found by
        // sorting indices (4 bytes a variant), not with a map of every slug.
        let variants = &project.variants;
        let mut order: Vec<u32> = (0..variants.len() as u32).collect();
        order.par_sort_unstable_by(|&a, &b| {
            variants[a as usize]
                .slug
                .cmp(&variants[b as usize].slug)
                .then(a.cmp(&b))
        });
        let duplicate = order
            .windows(2)
            .filter(|w| variants[w[0] as usize].slug == variants[w[1] as usize].slug)
            .min_by_key(|w| w[1]);
        if let Some(&[first, later]) = duplicate {
            let (first, later) = (&variants[first as usize], &variants[later as usize]);
            return Err(Error::in_file(
                &later.path,
                format!(
                    "variant slug {:?} is also used by {}",
                    later.slug,
                    first.path.display()
                ),
            )
            .help("give each variant its own slug"));
        }
        if let Some(e) = failed {
            return Err(e);
        }
        if project.variants.is_empty() && extra_page.is_none() {
            return Err(Error::in_file(&variants_dir, "no variant files found")
                .help("add variants/<slug>.toml with a [vars] table"));
        }
        // Slugs are unique by now, so an unstable sort orders them as a stable one would,
        // without a scratch list the size of the variants.
        project
            .variants
            .sort_unstable_by(|a, b| a.slug.cmp(&b.slug));
        project.variants.shrink_to_fit();
        if lean {
            // `order` is the sorted variants' file indices: a copy's variant becomes its place.
            let mut place = vec![0u32; order.len()];
            for (k, &i) in order.iter().enumerate() {
                place[i as usize] = k as u32;
            }
            let mut declared = declared.into_inner().unwrap_or_else(|p| p.into_inner());
            for d in &mut declared {
                d.variant = place[d.variant as usize];
            }
            // By page name, as a variant's map of pages is (templates are in file order), and
            // stable: a variant's copies of one page keep their order in its file.
            let pages = &project.pages;
            declared.sort_by(|a, b| {
                (a.variant, &pages[a.page as usize].name)
                    .cmp(&(b.variant, &pages[b.page as usize].name))
            });
            declared.shrink_to_fit();
            project.lean = Some(Lean {
                defined: defined.into_inner().unwrap_or_else(|p| p.into_inner()),
                declared,
            });
        }
        Ok(project)
    }

    /// The page called `name`, or an error suggesting the closest one.
    pub fn page(&self, name: &str) -> Result<&PageTemplate> {
        self.pages.iter().find(|p| p.name == name).ok_or_else(|| {
            let mut e = Error::msg(format!("unknown page {name:?}"));
            e.help = Some(
                match suggest(name, self.pages.iter().map(|p| p.name.as_str())) {
                    Some(s) => format!("did you mean {s:?}? (`docvar list` shows the pages)"),
                    None => "`docvar list` shows the pages".into(),
                },
            );
            e
        })
    }

    /// Every declared copy (`[pages.<page>] published = [...]`) as (variant, page, path), by
    /// variant, then page, then its order in the file.
    pub fn declared(&self) -> Box<dyn Iterator<Item = (&Variant, &str, &Path)> + '_> {
        match &self.lean {
            Some(lean) => Box::new(lean.declared.iter().map(|d| {
                (
                    &self.variants[d.variant as usize],
                    self.pages[d.page as usize].name.as_str(),
                    d.path.as_path(),
                )
            })),
            None => Box::new(self.variants.iter().flat_map(|v| {
                v.pages.iter().flat_map(move |(page, settings)| {
                    settings
                        .published
                        .iter()
                        .map(move |p| (v, page.as_str(), p.as_path()))
                })
            })),
        }
    }

    /// The variant called `slug`, if there is one.
    pub fn find_variant(&self, slug: &str) -> Option<&Variant> {
        // Variants are sorted by slug once loaded: a diff of 40,000 copies looked each one up
        // by a linear scan and spent most of its time there. A caller that added variants out
        // of order still finds them by the scan.
        match self
            .variants
            .binary_search_by(|v| v.slug.as_str().cmp(slug))
        {
            Ok(i) => Some(&self.variants[i]),
            Err(_) => self.variants.iter().find(|v| v.slug == slug),
        }
    }

    /// The variant called `slug`, or an error suggesting the closest one.
    pub fn variant(&self, slug: &str) -> Result<&Variant> {
        self.find_variant(slug).ok_or_else(|| {
            let mut e = Error::msg(format!("unknown variant {slug:?}"));
            e.help = Some(
                match suggest(slug, self.variants.iter().map(|v| v.slug.as_str())) {
                    Some(s) => {
                        format!("did you mean {s:?}? (`docvar list` shows the variants)")
                    }
                    None => "`docvar list` shows the variants".into(),
                },
            );
            e
        })
    }

    /// The output folder.
    pub fn out_dir(&self) -> PathBuf {
        join(&self.root, &self.config.out)
    }

    /// Refuses a published copy a variant file declares that resolves (after links) outside
    /// the project and `published_roots`, or inside a `.git` folder: a variant file edited in
    /// a pull request must not make the drift report read and post any file. `roots` are the
    /// project root and `published_roots`, resolved once by the caller.
    fn check_declared_copy(
        &self,
        roots: &[PathBuf],
        v: &Variant,
        page: &str,
        rel: &Path,
    ) -> Result<()> {
        let real = resolve_copy(&self.path(rel));
        let locate = |e: Error| match v
            .source
            .lines()
            .position(|l| l.contains(&*rel.to_string_lossy()))
        {
            Some(i) => e.at(i + 1, None),
            None => e,
        };
        if fsguard::in_git_dir(&real) {
            return Err(locate(Error::in_file(
                &v.path,
                format!(
                    "published copy {} of page {page:?} is inside .git/; docvar never reads it as a copy",
                    rel.display()
                ),
            ))
            .help("list the published copies of the page, not repository internals"));
        }
        if !roots.iter().any(|r| real.starts_with(r)) {
            return Err(locate(Error::in_file(
                &v.path,
                format!(
                    "published copy {} of page {page:?} resolves to {}, outside the project",
                    rel.display(),
                    real.display()
                ),
            ))
            .help("move the copy into the project, or list its folder in `published_roots` in docvar.toml"));
        }
        Ok(())
    }

    /// Reads a published copy through the size and file-type guard.
    pub(crate) fn read_copy(&self, path: &Path) -> Result<String> {
        let real = resolve_copy(path);
        if fsguard::in_git_dir(&real) {
            return Err(
                Error::in_file(path, "is inside .git/; docvar never reads it as a copy")
                    .help("pass a published copy of a page"),
            );
        }
        crate::drift::read_copy_limited(path, self.config.max_file_size)
    }

    /// A path from a project file (a published copy) made usable from the current folder.
    pub fn path(&self, rel: &Path) -> PathBuf {
        join(&self.root, rel)
    }
}

/// [`fsguard::resolve`] for a copy, resolving each folder once per thread: copies come a
/// hundred to a folder, and resolving a path costs a system call per part of it (a 1,000-copy
/// drift check made 9,000 of them). A copy that is itself a link is resolved in full.
pub(crate) fn resolve_copy(path: &Path) -> PathBuf {
    thread_local! {
        static FOLDERS: std::cell::RefCell<BTreeMap<PathBuf, PathBuf>> =
            const { std::cell::RefCell::new(BTreeMap::new()) };
    }
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return fsguard::resolve(path);
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    match std::fs::symlink_metadata(path) {
        Ok(m) if !m.file_type().is_symlink() => FOLDERS.with(|f| {
            let mut f = f.borrow_mut();
            if f.len() > 4096 {
                f.clear();
            }
            f.entry(dir.to_path_buf())
                .or_insert_with(|| fsguard::resolve(dir))
                .join(name)
        }),
        _ => fsguard::resolve(path),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn unknown_key(path: &Path, text: &str, key: &str, known: &[&str], what: &str) -> Error {
    let line = text
        .lines()
        .position(|l| {
            let t = l.trim_start().trim_start_matches('[');
            t.starts_with(key) && t[key.len()..].trim_start().starts_with(['=', ']', '.'])
        })
        .map(|i| i + 1);
    let help = match suggest(key, known.iter().copied()) {
        Some(s) => format!("did you mean `{s}`? {what} knows: {}", known.join(", ")),
        None => format!("{what} knows: {}", known.join(", ")),
    };
    let mut e = Error::in_file(path, format!("unknown key `{key}`")).help(help);
    if let Some(l) = line {
        e = e.at(l, None);
    }
    e
}

/// A template's text with a BOM dropped and CRLF line ends made LF, so pages render LF and
/// BOM-free whatever editor saved the template (line numbers are unchanged).
fn template_text(path: &Path, limit: u64) -> Result<String> {
    let text = fsguard::read_text_limited(path, limit)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    Ok(text.replace("\r\n", "\n"))
}

fn load_variant(
    path: &Path,
    pages: &[PageTemplate],
    extra: Option<&str>,
    limit: u64,
) -> Result<Variant> {
    let source = fsguard::read_text_limited(path, limit)?;
    let names: Vec<&str> = pages.iter().map(|t| t.name.as_str()).chain(extra).collect();
    parse_variant(path, &source, &names)
}

/// Parses and checks the text of a variant file read from `path`; `page_names` are the
/// project's page templates (a `[pages.<name>]` table must name one of them).
pub fn parse_variant(path: &Path, text: &str, page_names: &[&str]) -> Result<Variant> {
    let source = text.to_string();
    let table = parse_toml(path, &source)?;
    for k in table.keys() {
        if !VARIANT_KEYS.contains(&k.as_str()) {
            let mut e = unknown_key(path, &source, k, VARIANT_KEYS, "a variant file");
            if e.help
                .as_deref()
                .is_some_and(|h| !h.contains("did you mean"))
            {
                e.help = Some(format!(
                    "put template variables under [vars] ({k} = ...); a variant file knows: {}",
                    VARIANT_KEYS.join(", ")
                ));
            }
            return Err(e);
        }
    }
    let stem = file_name(path).trim_end_matches(".toml").to_string();
    let slug = match table.get("slug") {
        Some(toml::Value::String(s)) => s.clone(),
        Some(_) => {
            return Err(
                Error::in_file(path, "`slug` must be a string").help("write slug = \"my-product\"")
            )
        }
        None => stem,
    };
    check_name("variant slug", &slug).map_err(|m| {
        let mut e = Error::in_file(path, m);
        if let Some(l) = source
            .lines()
            .position(|l| l.trim_start().starts_with("slug"))
        {
            e = e.at(l + 1, None);
        }
        e
    })?;
    let vars = match table.get("vars") {
        Some(toml::Value::Table(t)) => t.clone(),
        Some(_) => {
            return Err(Error::in_file(path, "`vars` must be a table")
                .help("write [vars] and key = \"value\" lines under it"))
        }
        None => toml::Table::new(),
    };
    let mut vpages = BTreeMap::new();
    if let Some(p) = table.get("pages") {
        let toml::Value::Table(p) = p else {
            return Err(
                Error::in_file(path, "`pages` must be a table").help("write [pages.<page>]")
            );
        };
        for (name, settings) in p {
            if !page_names.contains(&name.as_str()) {
                let mut e = Error::in_file(path, format!("[pages.{name}] names no page template"));
                e.help = Some(match suggest(name, page_names.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "pages are the templates/*.md.hbs files".to_string(),
                });
                if let Some(l) = source
                    .lines()
                    .position(|l| l.contains(&format!("pages.{name}")))
                {
                    e = e.at(l + 1, None);
                }
                return Err(e);
            }
            let toml::Value::Table(settings) = settings else {
                return Err(Error::in_file(
                    path,
                    format!("pages.{name} must be a table"),
                ));
            };
            let mut vp = VariantPage::default();
            for (k, v) in settings {
                match (k.as_str(), v) {
                    ("published", toml::Value::Array(items)) => {
                        for item in items {
                            let toml::Value::String(s) = item else {
                                return Err(Error::in_file(
                                    path,
                                    format!("pages.{name}.published must list paths as strings"),
                                ));
                            };
                            vp.published.push(PathBuf::from(s));
                        }
                    }
                    ("published", toml::Value::String(s)) => vp.published.push(PathBuf::from(s)),
                    ("front_matter", toml::Value::Table(t)) => vp.front_matter = t.clone(),
                    ("vars", toml::Value::Table(t)) => vp.vars = t.clone(),
                    (k, _) if PAGE_KEYS.contains(&k) => {
                        return Err(Error::in_file(
                            path,
                            format!("pages.{name}.{k} has the wrong type"),
                        )
                        .help("published is a list of paths; front_matter and vars are tables"))
                    }
                    (k, _) => {
                        return Err(unknown_key(
                            path,
                            &source,
                            k,
                            PAGE_KEYS,
                            &format!("[pages.{name}]"),
                        ))
                    }
                }
            }
            vpages.insert(name.clone(), vp);
        }
    }
    Ok(Variant {
        slug,
        path: path.to_path_buf(),
        source,
        vars,
        pages: vpages,
    })
}

/// The nearest folder at or above `start` that holds a project (a docvar.toml, or both
/// templates/ and variants/), as a path relative to `start` (`.`, `..`, `../..`) so messages
/// name files as seen from where the user is; `None` when there is none.
pub fn discover(start: &Path) -> Option<PathBuf> {
    let is_project = |d: &Path| {
        d.join("docvar.toml").is_file()
            || (d.join("templates").is_dir() && d.join("variants").is_dir())
    };
    start.ancestors().enumerate().find_map(|(up, dir)| {
        is_project(dir).then(|| {
            if up == 0 {
                PathBuf::from(".")
            } else {
                (0..up).map(|_| "..").collect()
            }
        })
    })
}
