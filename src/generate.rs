//! The generate step: every page for every variant, rendered to Markdown and plain text.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use crate::error::Result;
use crate::export;
use crate::output::{Paths, Planned};
use crate::project::{PageTemplate as Page, Project, Variant};
use crate::render::Renderer;

/// Which pages and variants a run covers (empty = all).
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Variant slugs.
    pub variants: Vec<String>,
    /// Page names.
    pub pages: Vec<String>,
}

impl Selection {
    /// Checks the names exist, with suggestions when they do not.
    pub fn validate(&self, project: &Project) -> Result<()> {
        for v in &self.variants {
            project.variant(v)?;
        }
        for p in &self.pages {
            project.page(p)?;
        }
        Ok(())
    }

    /// Whether a variant is in the selection.
    pub fn has_variant(&self, slug: &str) -> bool {
        self.variants.is_empty() || self.variants.iter().any(|v| v == slug)
    }

    /// Whether a page is in the selection.
    pub fn has_page(&self, page: &str) -> bool {
        self.pages.is_empty() || self.pages.iter().any(|p| p == page)
    }

    /// Whether an out/ file (`<slug>/<page>.<ext>`) belongs to the selection.
    pub fn owns(&self, rel: &std::path::Path) -> bool {
        let mut parts = rel.iter().map(|p| p.to_string_lossy());
        let (Some(slug), Some(file)) = (parts.next(), parts.next()) else {
            return self.variants.is_empty() && self.pages.is_empty();
        };
        let page = file.rsplit_once('.').map_or(&*file, |(stem, _)| stem);
        self.has_variant(&slug) && self.has_page(page)
    }
}

/// Whether a full run writes `rel` (relative to out/): `<slug>/<page>.md` or `.txt` of a
/// variant and a page of the project. Asked of each file found in out/, without listing every
/// path a run writes (which grows with the estate).
pub fn writes(project: &Project, rel: &std::path::Path) -> bool {
    let mut parts = rel.iter();
    let (Some(slug), Some(file), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let (Some(slug), Some(file)) = (slug.to_str(), file.to_str()) else {
        return false;
    };
    let Some(page) = file
        .rsplit_once('.')
        .filter(|(_, ext)| EXTS.contains(ext))
        .map(|(page, _)| page)
    else {
        return false;
    };
    project.pages.iter().any(|p| p.name == page) && project.find_variant(slug).is_some()
}

/// How many pages (page x variant) [`plan`] renders for `sel`.
pub fn page_count(project: &Project, sel: &Selection) -> usize {
    let variants = project
        .variants
        .iter()
        .filter(|v| sel.has_variant(&v.slug))
        .count();
    let pages = project
        .pages
        .iter()
        .filter(|p| sel.has_page(&p.name))
        .count();
    variants * pages
}

/// The selection as one job per variant, each rendering the same selected pages, in the
/// order [`plan`] renders them: a variant's file is read once for all its pages (see
/// [`Project::load_lean`]).
pub struct Jobs<'a> {
    /// The selected variants, one job each.
    pub variants: Vec<&'a Variant>,
    /// The selected pages, rendered by every job.
    pub pages: Vec<&'a Page>,
}

impl Jobs<'_> {
    /// How many jobs (variants) there are.
    pub fn len(&self) -> usize {
        self.variants.len()
    }

    /// Whether there is no job.
    pub fn is_empty(&self) -> bool {
        self.variants.is_empty()
    }
}

/// The selection's jobs.
pub fn jobs<'a>(project: &'a Project, sel: &Selection) -> Jobs<'a> {
    Jobs {
        variants: project
            .variants
            .iter()
            .filter(|v| sel.has_variant(&v.slug))
            .collect(),
        pages: project
            .pages
            .iter()
            .filter(|p| sel.has_page(&p.name))
            .collect(),
    }
}

/// The out/ paths of `jobs`, in the order [`render_job`] returns their files, in one buffer
/// (a run holds every path).
pub fn paths(jobs: &Jobs<'_>) -> Paths {
    let parts = || {
        jobs.variants.iter().flat_map(|v| {
            jobs.pages
                .iter()
                .flat_map(move |p| EXTS.map(|ext| out_parts(&v.slug, &p.name, ext)))
        })
    };
    let bytes = parts()
        .map(|ps| ps.iter().map(|s| s.len()).sum::<usize>())
        .sum();
    let mut paths =
        Paths::with_capacity(jobs.variants.len() * jobs.pages.len() * EXTS.len(), bytes);
    for ps in parts() {
        paths.push_parts(&ps);
    }
    paths
}

/// The files of a page, in the order a job writes them.
const EXTS: [&str; 2] = ["md", "txt"];

/// `<slug>/<page>.<ext>`, relative to out/, in pieces: the one spelling of an out/ path.
fn out_parts<'a>(slug: &'a str, page: &'a str, ext: &'a str) -> [&'a str; 5] {
    [slug, std::path::MAIN_SEPARATOR_STR, page, ".", ext]
}

/// [`out_parts`] as a path, allocated at its exact size.
fn out_path(slug: &str, page: &str, ext: &str) -> PathBuf {
    PathBuf::from(out_parts(slug, page, ext).concat())
}

/// One variant's files, at the paths [`paths`] gives: each page's Markdown and plain text;
/// and the variables the variant defines that no template uses (worth a warning).
pub fn render_job(
    project: &Project,
    renderer: &Renderer<'_>,
    variant: &Variant,
    pages: &[&Page],
) -> Result<(Vec<Planned>, Vec<String>)> {
    let full = project.full(variant)?;
    let mut files = Vec::with_capacity(pages.len() * 2);
    for page in pages {
        let md = renderer.render_full(&page.name, &full)?;
        let txt = export::to_text(&md);
        for (ext, bytes) in EXTS.into_iter().zip([md.into_bytes(), txt.into_bytes()]) {
            files.push(Planned {
                rel: out_path(&variant.slug, &page.name, ext),
                bytes,
            });
        }
    }
    Ok((files, renderer.unused(&full)))
}

/// Renders the selection into the files out/ should hold, in a stable order. Any error in
/// any page fails the whole plan, so nothing is written. `progress`, when given, counts each
/// page (Markdown and text) as it is rendered. Holds every page at once: `docvar generate`
/// streams them instead ([`render_job`] with [`crate::output::write_rendered`]).
pub fn plan(
    project: &Project,
    renderer: &Renderer<'_>,
    sel: &Selection,
    progress: Option<&AtomicUsize>,
) -> Result<Vec<Planned>> {
    let jobs = jobs(project, sel);
    let rendered: Vec<Result<Vec<Planned>>> = jobs
        .variants
        .par_iter()
        .map(|v| {
            let (files, _) = render_job(project, renderer, v, &jobs.pages)?;
            if let Some(done) = progress {
                done.fetch_add(jobs.pages.len(), Ordering::Relaxed);
            }
            Ok(files)
        })
        .collect();
    let mut planned = Vec::new();
    for r in rendered {
        planned.extend(r?);
    }
    Ok(planned)
}
