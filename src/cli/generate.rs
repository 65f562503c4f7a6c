//! `docvar generate`: render every page for every variant into out/.

use std::io::Write;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;

use docvar::generate::{self, Selection};
use docvar::output::{self, Layout};
use docvar::project::Project;
use docvar::render::Renderer;
use docvar::report::plural;

use super::{status, Result};

/// Arguments of `docvar generate`.
#[derive(clap::Args)]
pub struct Args {
    /// Only this variant (repeatable).
    #[arg(long = "variant", value_name = "SLUG")]
    variants: Vec<String>,
    /// Only this page (repeatable).
    #[arg(long = "page", value_name = "NAME")]
    pages: Vec<String>,
    /// Output folder (default: `out` from docvar.toml, else out/).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Write nothing; list stale, missing and extra files and exit 1 if there are any.
    #[arg(long)]
    check: bool,
    /// Print nothing but errors (and no progress bar).
    #[arg(short, long)]
    quiet: bool,
}

/// Renders the selection into the output folder, or with `--check` lists what is stale.
pub fn run(root: &Path, args: Args, stdout: &mut dyn Write) -> Result<ExitCode> {
    let Args {
        variants,
        pages,
        out,
        check,
        quiet,
    } = args;
    let sel = Selection { variants, pages };
    let project = Project::load_lean(root)?;
    sel.validate(&project)?;
    let renderer = Renderer::new(&project)?;
    // A bar on stderr once a run passes a second (terminals only; --quiet hides it).
    let progress =
        docvar::Progress::start(!quiet, "rendering", generate::page_count(&project, &sel));
    // Pages are rendered as they are compared or written, never all held at once, and their
    // paths are worked out from the variants and pages when needed: a run holds a few bytes a
    // page.
    let jobs = generate::jobs(&project, &sel);
    let files = generate::Files::of(&jobs);
    // Every file the project writes: with no manifest yet, files found there are adopted.
    let (all_jobs, all_files);
    let known: &dyn Layout = if sel.variants.is_empty() && sel.pages.is_empty() {
        &files
    } else {
        all_jobs = generate::jobs(&project, &Selection::default());
        all_files = generate::Files::of(&all_jobs);
        &all_files
    };
    let counter = progress.counter();
    // Variables no template uses, by job: found as each variant renders (its file is read
    // then), printed once the pages are.
    let unused: Mutex<BTreeMap<usize, Vec<String>>> = Mutex::default();
    let render = |j: usize| {
        let (v, pages) = (jobs.variants[j], &jobs.pages);
        let (files, names) = generate::render_job(&project, &renderer, v, pages)?;
        if !names.is_empty() {
            unused
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(j, names);
        }
        counter.fetch_add(pages.len(), std::sync::atomic::Ordering::Relaxed);
        Ok(files)
    };
    let warn_unused = || {
        if quiet {
            return;
        }
        for (j, names) in std::mem::take(&mut *unused.lock().unwrap_or_else(|p| p.into_inner())) {
            for name in names {
                status(format_args!(
                    "warning: {}: variable `{name}` is not used by any template",
                    jobs.variants[j].path.display()
                ));
            }
        }
    };
    let out_dir = out.unwrap_or_else(|| project.out_dir());
    if let Err(e) = output::check_location(&project, &out_dir) {
        // A template error comes first, as when every page rendered before out/ was checked.
        output::validate(jobs.len(), &render)?;
        return Err(e.into());
    }
    let owns = |rel: &Path| sel.owns(rel);
    if check {
        let report =
            output::check_rendered(&out_dir, &files, known, jobs.len(), &render, Some(&owns))?;
        progress.finish();
        warn_unused();
        for (rel, state) in &report {
            writeln!(
                stdout,
                "{:<8} {}",
                state.as_str(),
                out_dir.join(rel).display()
            )?;
        }
        if report.is_empty() {
            if !quiet {
                status(format_args!(
                    "{} files in {} are up to date",
                    files.len(),
                    out_dir.display()
                ));
            }
            return Ok(ExitCode::SUCCESS);
        }
        let foreign = report
            .iter()
            .filter(|(_, s)| *s == output::FileStatus::Foreign)
            .count();
        let stale = report.len() - foreign;
        if stale > 0 {
            status(format_args!(
                "{} in {} {} out of date; run `docvar generate` and commit the result",
                plural(stale, "file"),
                out_dir.display(),
                if stale == 1 { "is" } else { "are" }
            ));
        }
        if foreign > 0 {
            status(format_args!(
                "{} in {} {} not written by docvar; move {} out of the output folder",
                plural(foreign, "file"),
                out_dir.display(),
                if foreign == 1 { "was" } else { "were" },
                if foreign == 1 { "it" } else { "them" }
            ));
        }
        return Ok(ExitCode::from(1));
    }
    // Ownership only: the write itself compares each rendered file with what is there.
    let own = match output::ownership_for(&out_dir, &files, known, Some(&owns)) {
        Ok(own) => own,
        Err(e) => {
            output::validate(jobs.len(), &render)?;
            return Err(e.into());
        }
    };
    let written = output::write_rendered(&out_dir, &files, known, &own, jobs.len(), &render, None)?;
    progress.finish();
    warn_unused();
    if !quiet {
        for rel in &written.foreign {
            status(format_args!(
                "warning: {}: not written by docvar, left in place (`docvar generate --check` fails on it)",
                out_dir.join(rel).display()
            ));
        }
        for &i in &written.written {
            let rel = files.path(i as usize);
            writeln!(stdout, "wrote    {}", out_dir.join(rel).display())?;
        }
        for rel in &written.removed {
            writeln!(stdout, "removed  {}", out_dir.join(rel).display())?;
        }
        status(format_args!(
            "{} written, {} unchanged, {} removed in {}",
            plural(written.written.len(), "file"),
            written.unchanged,
            written.removed.len(),
            out_dir.display()
        ));
    }
    Ok(ExitCode::SUCCESS)
}
