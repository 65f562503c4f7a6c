//! Which copies a run checks, reading them, and the parallel run over them.

#[allow(unused_imports)]
use super::*;
/// The copies the variant files declare (`[pages.<page>] published = [...]`).
pub fn declared_copies(project: &Project) -> Vec<PublishedCopy> {
    let mut copies = Vec::new();
    for v in &project.variants {
        for (page, settings) in &v.pages {
            for p in &settings.published {
                copies.push(PublishedCopy {
                    page: page.clone(),
                    variant: v.slug.clone(),
                    path: project.path(p),
                    format: CopyFormat::of(p),
                });
            }
        }
    }
    copies
}

/// Every copy in a folder laid out like out/: `DIR/<slug>/<page>.md` or `.txt`.
pub fn copies_in_dir(project: &Project, dir: &Path) -> Result<Vec<PublishedCopy>> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, &e))?;
    let mut copies = Vec::new();
    let mut slugs: Vec<_> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir() && !e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    slugs.sort_by_key(|e| e.file_name());
    for slug_dir in slugs {
        let slug = slug_dir.file_name().to_string_lossy().into_owned();
        project.variant(&slug).map_err(|e| Error {
            file: Some(slug_dir.path()),
            ..e
        })?;
        let mut files: Vec<PathBuf> = std::fs::read_dir(slug_dir.path())
            .map_err(|e| Error::io(slug_dir.path(), &e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.is_file() && matches!(p.extension().and_then(|e| e.to_str()), Some("md" | "txt"))
            })
            .collect();
        files.sort();
        for path in files {
            let page = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            project.page(&page).map_err(|e| Error {
                file: Some(path.clone()),
                ..e
            })?;
            copies.push(PublishedCopy {
                page,
                variant: slug.clone(),
                format: CopyFormat::of(&path),
                path,
            });
        }
    }
    if copies.is_empty() {
        return Err(Error::in_file(dir, "no published copies found")
            .help("lay the folder out like out/: <slug>/<page>.md or <slug>/<page>.txt"));
    }
    Ok(copies)
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
    check_each(project, renderer, copies, opts, keep_texts, progress, |p| {
        pages.push(p);
        Ok::<_, Error>(())
    })?;
    Ok(Report::new(pages))
}

/// Copies checked at a time: enough to keep every core busy, few enough that a batch's
/// reports stay small.
const BATCH: usize = 512;

/// [`check_kept`] a batch at a time: each copy's report goes to `each`, in copy order, as its
/// batch is done, so a run holds one batch of reports, not all of them. The first error (in
/// copy order) stops the run; `each` has then seen only the copies before the failed one.
pub fn check_each<E: From<Error>>(
    project: &Project,
    renderer: &Renderer<'_>,
    copies: Vec<PublishedCopy>,
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
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        batch.extend(copies.by_ref().take(BATCH));
        if batch.is_empty() {
            return Ok(());
        }
        let done: Vec<Result<PageReport>> = batch.par_drain(..).map(one).collect();
        for page in done {
            each(page?)?;
        }
    }
}
