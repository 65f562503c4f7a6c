//! Which copies a run checks, reading them, and the parallel run over them.

#[allow(unused_imports)]
use super::*;
/// The copies the variant files declare (`[pages.<page>] published = [...]`).
pub fn declared_copies(project: &Project) -> Vec<PublishedCopy> {
    each_declared(project).collect()
}

/// [`declared_copies`] one at a time, for a run over an estate (a list of every copy took
/// about 170 bytes a copy).
pub fn each_declared(project: &Project) -> impl Iterator<Item = PublishedCopy> + '_ {
    project.declared().map(|(v, page, p)| PublishedCopy {
        page: page.to_string(),
        variant: v.slug.clone(),
        path: project.path(p),
        format: CopyFormat::of(p),
    })
}

/// The copies of a folder laid out like out/, listed a product folder at a time as they are
/// checked: a run over an estate holds the products' folder names, not every copy's path.
/// Every product folder is checked to be a variant when the listing starts; a file that is
/// not a page is an error where the listing meets it; a folder with no copy at all is an
/// error at its end.
pub struct DirCopies<'p> {
    project: &'p Project,
    dir: PathBuf,
    /// The product folders not listed yet, in order.
    slugs: std::vec::IntoIter<String>,
    /// The current product folder's copies not handed out yet.
    current: std::collections::VecDeque<PublishedCopy>,
    found: bool,
    failed: bool,
}

impl<'p> DirCopies<'p> {
    /// Lists `dir`'s product folders (not their files yet).
    pub fn new(project: &'p Project, dir: &Path) -> Result<DirCopies<'p>> {
        let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, &e))?;
        let mut slugs: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|name| !name.starts_with('.'))
            .collect();
        slugs.sort_unstable();
        for slug in &slugs {
            project.variant(slug).map_err(|e| Error {
                file: Some(dir.join(slug)),
                ..e
            })?;
        }
        Ok(DirCopies {
            project,
            dir: dir.to_path_buf(),
            slugs: slugs.into_iter(),
            current: Default::default(),
            found: false,
            failed: false,
        })
    }

    /// How many of the copies still to list `keep` keeps (each product folder is read once
    /// more): for a progress bar's total.
    pub fn total(&self, keep: impl Fn(&PublishedCopy) -> bool) -> usize {
        self.slugs
            .as_slice()
            .iter()
            .map(|s| {
                self.list(s)
                    .map_or(0, |c| c.iter().filter(|c| keep(c)).count())
            })
            .sum()
    }

    /// One product folder's copies, sorted, each checked to be a page of the project.
    fn list(&self, slug: &str) -> Result<Vec<PublishedCopy>> {
        let slug_dir = self.dir.join(slug);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&slug_dir)
            .map_err(|e| Error::io(&slug_dir, &e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.is_file() && matches!(p.extension().and_then(|e| e.to_str()), Some("md" | "txt"))
            })
            .collect();
        files.sort();
        files
            .into_iter()
            .map(|path| {
                let page = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                self.project.page(&page).map_err(|e| Error {
                    file: Some(path.clone()),
                    ..e
                })?;
                Ok(PublishedCopy {
                    page,
                    variant: slug.to_string(),
                    format: CopyFormat::of(&path),
                    path,
                })
            })
            .collect()
    }
}

impl Iterator for DirCopies<'_> {
    type Item = Result<PublishedCopy>;

    fn next(&mut self) -> Option<Result<PublishedCopy>> {
        loop {
            if self.failed {
                return None;
            }
            if let Some(c) = self.current.pop_front() {
                self.found = true;
                return Some(Ok(c));
            }
            let Some(slug) = self.slugs.next() else {
                if self.found {
                    return None;
                }
                self.failed = true;
                return Some(Err(Error::in_file(&self.dir, "no published copies found")
                    .help(
                        "lay the folder out like out/: <slug>/<page>.md or <slug>/<page>.txt",
                    )));
            };
            match self.list(&slug) {
                Ok(copies) => self.current = copies.into(),
                Err(e) => {
                    self.failed = true;
                    return Some(Err(e));
                }
            }
        }
    }
}

/// Reads a published copy (text, UTF-8, not binary): a regular file of at most `limit` bytes.
pub fn read_copy_limited(path: &Path, limit: u64) -> Result<String> {
    let bytes = crate::fsguard::read_regular(path, limit)?;
    if let Some(off) = bytes.iter().position(|&b| b == 0) {
        return Err(Error::in_file(path, "looks binary (it holds a NUL byte)")
            .at_offset(off)
            .help("pass a Markdown or plain-text copy"));
    }
    decode(path, bytes)
}

/// Checks every copy (in parallel) and builds the report; the first error stops the run.
/// `progress`, when given, counts each copy as it is analysed.
pub fn check(
    project: &Project,
    renderer: &Renderer<'_>,
    copies: &[PublishedCopy],
    opts: &Options,
    progress: Option<&AtomicUsize>,
) -> Result<Report> {
    check_kept(project, renderer, copies.to_vec(), opts, true, progress)
}

/// [`check`], keeping each copy's texts (`expected_text`, `published_text`, `fixed_text`)
/// only when `keep_texts`: a report of hunks alone stays small for tens of thousands of
/// copies, where the texts are two whole pages per copy.
pub fn check_kept(
    project: &Project,
    renderer: &Renderer<'_>,
    copies: Vec<PublishedCopy>,
    opts: &Options,
    keep_texts: bool,
    progress: Option<&AtomicUsize>,
) -> Result<Report> {
    let mut pages = Vec::with_capacity(copies.len());
    let copies = copies.into_iter().map(Ok);
    check_each(project, renderer, copies, opts, keep_texts, progress, |p| {
        pages.push(p);
        Ok::<_, Error>(())
    })?;
    Ok(Report::new(pages))
}

/// Copies checked at a time: enough to keep every core busy, few enough that a batch's
/// reports stay small. A report that keeps its copy's texts (three whole pages) comes in
/// smaller batches.
const BATCH: usize = 512;
const BATCH_WITH_TEXTS: usize = 32;

/// [`check_kept`] a batch at a time: each copy's report goes to `each`, in copy order, as its
/// batch is done, so a run holds one batch of copies and reports, not all of them. `copies`
/// may be listed as the run goes ([`DirCopies`]): a listing error is an error of that copy.
/// The first error (in copy order) stops the run; `each` has then seen only the copies
/// before the failed one.
pub fn check_each<E: From<Error>>(
    project: &Project,
    renderer: &Renderer<'_>,
    copies: impl IntoIterator<Item = Result<PublishedCopy>>,
    opts: &Options,
    keep_texts: bool,
    progress: Option<&AtomicUsize>,
    mut each: impl FnMut(PageReport) -> std::result::Result<(), E>,
) -> std::result::Result<(), E> {
    let one = |c: PublishedCopy| -> Result<PageReport> {
        let variant = project.full(project.variant(&c.variant)?)?;
        let variant = &*variant;
        project.page(&c.page)?;
        let expected = renderer.render_full(&c.page, variant)?;
        let published = project.read_copy(&c.path)?;
        let analysis = {
            // The template-line map is only worked out for a copy with hunks to place.
            let make = || renderer.template_line_map(&c.page, variant, &expected);
            let tl = TemplateLines::lazy(&make);
            compare_with(&expected, &published, c.format, &tl, opts, true)
        };
        if let Some(done) = progress {
            done.fetch_add(1, Ordering::Relaxed);
        }
        let mut page = analysis.into_page(c);
        if !keep_texts {
            page.expected_text = String::new();
            page.published_text = String::new();
            page.fixed_text = String::new();
        }
        Ok(page)
    };
    let mut copies = copies.into_iter();
    let size = if keep_texts { BATCH_WITH_TEXTS } else { BATCH };
    let mut batch = Vec::with_capacity(size);
    loop {
        let mut listing_error = None;
        for c in copies.by_ref().take(size) {
            match c {
                Ok(c) => batch.push(c),
                Err(e) => {
                    listing_error = Some(e);
                    break;
                }
            }
        }
        if batch.is_empty() && listing_error.is_none() {
            return Ok(());
        }
        let done: Vec<Result<PageReport>> = batch.par_drain(..).map(one).collect();
        for page in done {
            each(page?)?;
        }
        if let Some(e) = listing_error {
            return Err(e.into());
        }
    }
}
