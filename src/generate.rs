//! The generate step: every page for every variant, rendered to Markdown and plain text.

use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use crate::error::Result;
use crate::export;
use crate::output::{Layout, Planned};
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

/// The out/ files of a set of jobs, `<slug>/<page>.<ext>` by index (job, then page, then
/// extension: the order [`render_job`] returns them), worked out from the slugs and page names
/// rather than held: an estate's paths are megabytes (see [`Layout`]).
pub struct Files<'a> {
    jobs: &'a Jobs<'a>,
    /// The jobs in slug order.
    by_slug: Vec<u32>,
    /// A job's file names (`<page>.<ext>`) in name order, each with its place in the job.
    by_name: Vec<(String, usize)>,
}

impl<'a> Files<'a> {
    /// The files `jobs` render.
    pub fn of(jobs: &'a Jobs<'a>) -> Files<'a> {
        let mut by_slug: Vec<u32> = (0..jobs.len() as u32).collect();
        by_slug.sort_by_key(|&j| jobs.variants[j as usize].slug.as_str());
        let mut by_name: Vec<(String, usize)> = jobs
            .pages
            .iter()
            .flat_map(|p| EXTS.map(|ext| out_parts("", &p.name, ext)[2..].concat()))
            .enumerate()
            .map(|(k, name)| (name, k))
            .collect();
        by_name.sort();
        Files {
            jobs,
            by_slug,
            by_name,
        }
    }

    fn slug(&self, job: usize) -> &str {
        &self.jobs.variants[job].slug
    }
}

impl Layout for Files<'_> {
    fn len(&self) -> usize {
        self.jobs.len() * self.by_name.len()
    }

    fn path(&self, i: usize) -> PathBuf {
        let (job, k) = (i / self.by_name.len(), i % self.by_name.len());
        out_path(
            self.slug(job),
            &self.jobs.pages[k / EXTS.len()].name,
            EXTS[k % EXTS.len()],
        )
    }

    fn index(&self, rel: &Path) -> Option<usize> {
        let mut parts = rel.components();
        let (Some(Component::Normal(slug)), Some(Component::Normal(file)), None) =
            (parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let (slug, file) = (slug.to_str()?, file.to_str()?);
        let at = self
            .by_slug
            .binary_search_by(|&j| self.slug(j as usize).cmp(slug))
            .ok()?;
        let at_name = self
            .by_name
            .binary_search_by(|(name, _)| name.as_str().cmp(file))
            .ok()?;
        Some(self.by_slug[at] as usize * self.by_name.len() + self.by_name[at_name].1)
    }

    fn in_order(&self) -> Box<dyn Iterator<Item = usize> + '_> {
        // A slug is one path component, so paths sort by slug, then by file name.
        let per_job = self.by_name.len();
        Box::new(self.by_slug.iter().flat_map(move |&j| {
            self.by_name
                .iter()
                .map(move |(_, k)| j as usize * per_job + k)
        }))
    }
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

/// One variant's files, at the paths [`Files`] gives: each page's Markdown and plain text;
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn variant(slug: &str) -> Variant {
        Variant {
            slug: slug.into(),
            path: PathBuf::new(),
            source: String::new(),
            vars: Default::default(),
            pages: Default::default(),
        }
    }

    fn page(name: &str) -> Page {
        Page {
            name: name.into(),
            path: PathBuf::new(),
            source: String::new(),
        }
    }

    proptest! {
        /// Each file is found at its own index, and the files are listed in path order, with
        /// page names that sort differently from their file names (`a` / `a-b` / `a.b`) and
        /// slugs in any order.
        #[test]
        fn files_are_found_by_path_and_listed_in_path_order(
            slugs in prop::collection::btree_set("[a-cB_0-9][a-cB_0-9.-]{0,3}", 0..6).prop_map(|s| s.into_iter().collect::<Vec<_>>()).prop_shuffle(),
            names in prop::collection::btree_set("[a-cB_0-9][a-cB_0-9.-]{0,3}", 0..5),
        ) {
            let variants: Vec<Variant> = slugs.iter().map(|s| variant(s)).collect();
            let pages: Vec<Page> = names.iter().map(|n| page(n)).collect();
            let jobs = Jobs { variants: variants.iter().collect(), pages: pages.iter().collect() };
            let files = Files::of(&jobs);
            prop_assert_eq!(files.len(), slugs.len() * names.len() * 2);
            let mut i = 0;
            for slug in &slugs {
                for name in &names {
                    for ext in EXTS {
                        let path = PathBuf::from(format!("{slug}/{name}.{ext}"));
                        prop_assert_eq!(&files.path(i), &path, "in the order a job renders");
                        prop_assert_eq!(files.index(&path), Some(i));
                        i += 1;
                    }
                }
            }
            let listed: Vec<PathBuf> = files.in_order().map(|i| files.path(i)).collect();
            let mut sorted = listed.clone();
            sorted.sort();
            sorted.dedup();
            prop_assert_eq!(listed, sorted);
            for slug in &slugs {
                for miss in [slug.to_string(), format!("{slug}/x.html"), format!("x/{slug}/a.md"), format!("{slug}//")] {
                    prop_assert_eq!(files.index(Path::new(&miss)), None, "{}", miss);
                }
            }
        }
    }
}
