//! `docvar diff`: report where published copies drifted from what their template renders.

use std::io::{self, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use docvar::drift::{self, CopyFormat};
use docvar::error::Error;
use docvar::output;
use docvar::project::Project;
use docvar::render::Renderer;
use docvar::report::{self, plural, Format};

use super::{same_file_key, status, use_color, CopySelection, Result};

/// Shown after `docvar diff --help`.
pub const EXAMPLES: &str = "\
Examples:
  docvar diff                                   every copy the variant files declare
  docvar diff --format markdown > comment.md    a pull-request comment
  docvar diff --format github                   workflow annotations
  docvar diff --format unified | git apply      restore the template's text
  docvar diff --page roles-and-responsibilities --variant appliance copy.md
  docvar diff --published exported/ --ignore '^Was this article helpful\\?$'

Exit codes: 0 no drift, 1 drift found, 2 error.";

/// Arguments of `docvar diff`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    copies: CopySelection,
    /// Check every copy in a folder laid out like out/ (<slug>/<page>.md or .txt).
    #[arg(long, value_name = "DIR", conflicts_with = "files")]
    published: Option<PathBuf>,
    /// Read FILEs as this format instead of by extension (.txt = text).
    #[arg(long = "as", value_enum, value_name = "FORMAT")]
    as_format: Option<CopyFormat>,
    /// Report blank-line-only differences in plain-text copies.
    #[arg(long)]
    strict_blank_lines: bool,
    /// Drop lines matching REGEX from both sides (repeatable; adds to `ignore` in docvar.toml).
    #[arg(long, value_name = "REGEX")]
    ignore: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// Colour in the human format.
    #[arg(long, value_enum, default_value = "auto")]
    color: clap::ColorChoice,
    /// Write the rendered page over each drifted copy, then report what changed.
    #[arg(long)]
    fix: bool,
    /// No progress bar (it shows only on a terminal, for runs over a second).
    #[arg(short, long)]
    quiet: bool,
    /// Ignore docvar-baseline.toml: report accepted drift as drift.
    #[arg(long)]
    no_baseline: bool,
}

/// The drift of the copies `sel` selects, with the project's ignore patterns (for `accept`).
pub fn selected_report(root: &Path, copies: CopySelection) -> Result<drift::Report> {
    Ok(collect(root, &Args::quiet(copies))?.1)
}

impl Args {
    /// `diff` of `copies` with every other option at its default, without a progress bar.
    fn quiet(copies: CopySelection) -> Args {
        Args {
            copies,
            published: None,
            as_format: None,
            strict_blank_lines: false,
            ignore: Vec::new(),
            format: Format::Human,
            color: clap::ColorChoice::Never,
            fix: false,
            quiet: true,
            no_baseline: false,
        }
    }
}

/// The copies `copies` selects, as `diff` would check them (for `promote`).
pub fn selected_copies(
    project: &Project,
    copies: CopySelection,
) -> Result<Vec<drift::PublishedCopy>> {
    if let Some(p) = &copies.page {
        project.page(p)?;
    }
    if let Some(v) = &copies.variant {
        project.variant(v)?;
    }
    let args = Args::quiet(copies);
    let listed = listing(project, &args)?.0;
    let copies = listed.collect::<docvar::Result<Vec<_>>>()?;
    Ok(copies)
}

/// The project and the drift report of the copies `args` selects.
fn collect(root: &Path, args: &Args) -> Result<(Project, drift::Report)> {
    let mut pages = Vec::new();
    let project = check(root, args, |p| {
        pages.push(p);
        Ok(())
    })?;
    Ok((project, drift::Report::new(pages)))
}

/// Checks the copies `args` selects, handing each copy's report to `each` in order as soon as
/// its batch is done; returns the project.
fn check(
    root: &Path,
    args: &Args,
    each: impl FnMut(drift::PageReport) -> Result<()>,
) -> Result<Project> {
    // Lean: a variant's settings are read again for its copies, not held for the run.
    let project = Project::load_lean(root)?;
    let renderer = Renderer::new(&project)?;
    if let Some(p) = &args.copies.page {
        project.page(p)?;
    }
    if let Some(v) = &args.copies.variant {
        project.variant(v)?;
    }
    let (copies, total) = listing(&project, args)?;
    let mut patterns = project.config.ignore.clone();
    patterns.extend(args.ignore.iter().cloned());
    let opts = drift::Options {
        strict_blank_lines: args.strict_blank_lines,
        restore: args.fix || args.format == Format::Unified,
        ..Default::default()
    }
    .with_ignores(&patterns)?;
    let progress = docvar::Progress::start(!args.quiet, "checking", total);
    // The copies' texts are kept only for the formats (and --fix) that print or write them;
    // human, json, github and html need the hunks alone.
    let keep_texts = args.fix
        || matches!(
            args.format,
            Format::Unified | Format::Markdown | Format::Sarif | Format::Rdjsonl
        );
    drift::check_each(
        &project,
        &renderer,
        copies,
        &opts,
        keep_texts,
        Some(progress.counter()),
        each,
    )?;
    progress.finish();
    drop(renderer);
    Ok(project)
}

/// Printed output held in memory up to this size, then in an unnamed temporary file: stdout
/// gets the report only once every copy was checked, so a failed run prints no half report.
const SPOOL_BYTES: usize = 4 << 20;

/// Prints the drift report (and with `--fix` restores the copies); exit 1 on drift.
pub fn run(root: &Path, args: Args, stdout: &mut dyn Write) -> Result<ExitCode> {
    if args.fix || !report::streams(args.format) {
        return run_collected(root, args, stdout);
    }
    let baseline = match args.no_baseline {
        true => None,
        false => docvar::baseline::load(root)?,
    };
    let mut matcher = baseline
        .as_ref()
        .map(|b| docvar::baseline::Matcher::new(b, root));
    let opts = report::Options {
        color: use_color(args.color),
        root: Some(root.to_path_buf()),
        links: report::Links::from_env(),
    };
    let mut spool = tempfile::spooled_tempfile(SPOOL_BYTES);
    // Writing to the spool fails only where it spills to the temporary folder: say so, not
    // "cannot write to stdout".
    let spilled = |e: io::Error| {
        Error::msg(format!(
            "cannot hold the report in a temporary file in {}: {e}",
            std::env::temp_dir().display()
        ))
        .help("set TMPDIR to a writable folder with room for the report")
    };
    // Printers write a line at a time; once spilled, the spool is an unbuffered file.
    let mut buffered = io::BufWriter::with_capacity(64 << 10, &mut spool);
    let mut stream = report::Stream::new(args.format, &opts, &mut buffered).map_err(spilled)?;
    check(root, &args, |page| {
        let accepted = matcher.as_mut().map(|m| m.page(&page));
        Ok(stream.page(&page, accepted.as_deref()).map_err(spilled)?)
    })?;
    let stale = matcher.map(|m| m.stale());
    let summary = stream.finish(stale.as_deref()).map_err(spilled)?;
    buffered.into_inner().map_err(|e| spilled(e.into_error()))?;
    spool.seek(SeekFrom::Start(0)).map_err(spilled)?;
    io::copy(&mut spool, stdout)?;
    // Drift a baseline does not accept.
    Ok(if summary.hunks > summary.accepted {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// [`run`] for the formats that print the whole report at once, and for `--fix`.
fn run_collected(root: &Path, args: Args, stdout: &mut dyn Write) -> Result<ExitCode> {
    let (project, mut report) = collect(root, &args)?;
    if !args.no_baseline && !args.fix {
        if let Some(b) = docvar::baseline::load(root)? {
            let applied = docvar::baseline::apply(&report, &b, root);
            report = report.with_baseline(applied);
        }
    }
    let opts = report::Options {
        color: use_color(args.color),
        root: Some(root.to_path_buf()),
        links: report::Links::from_env(),
    };
    report::write(&report, args.format, &opts, stdout)?;
    if args.fix {
        let mut fixed = 0;
        for page in report
            .pages
            .iter()
            .filter(|p| p.status == drift::CopyStatus::Drifted)
        {
            output::replace_file_in(
                &project.root,
                Path::new(&page.published),
                // Only the drifted lines change: ignored lines, line endings and BOM stay.
                page.fixed_text.as_bytes(),
            )?;
            writeln!(
                stdout,
                "fixed    {} ({} restored)",
                page.published,
                plural(page.hunks.len(), "hunk")
            )?;
            fixed += 1;
        }
        status(format_args!(
            "{} rewritten from the templates",
            plural(fixed, "published copy")
        ));
        return Ok(ExitCode::SUCCESS);
    }
    Ok(if report.has_drift() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The copies a run lists as it goes.
type Listed<'a> = Box<dyn Iterator<Item = docvar::Result<drift::PublishedCopy>> + 'a>;

/// The copies to check: the FILEs given, a `--published` folder (listed a product folder at a
/// time, as the run gets to it), or the declared ones; and how many there are when a progress
/// bar draws (a folder is then listed once more to count them).
fn listing<'a>(project: &'a Project, args: &'a Args) -> Result<(Listed<'a>, usize)> {
    let selected = |page: &str, variant: &str| {
        args.copies.page.as_deref().is_none_or(|p| p == page)
            && args.copies.variant.as_deref().is_none_or(|v| v == variant)
    };
    let wanted = move |c: &drift::PublishedCopy| selected(&c.page, &c.variant);
    if !args.copies.files.is_empty() {
        let declared = drift::declared_copies(project);
        let mut copies = Vec::new();
        for f in &args.copies.files {
            let (page, variant) = match (&args.copies.page, &args.copies.variant) {
                (Some(p), Some(v)) => (p.clone(), v.clone()),
                _ => {
                    let key = same_file_key(f);
                    let d = declared
                        .iter()
                        .find(|c| same_file_key(&c.path) == key && wanted(c))
                        .ok_or_else(|| {
                            let of = match (&args.copies.page, &args.copies.variant) {
                                (Some(p), _) => format!(" for page {p:?}"),
                                (_, Some(v)) => format!(" for variant {v:?}"),
                                _ => String::new(),
                            };
                            Error::in_file(f, format!("is not a published copy that a variant file declares{of}"))
                                .help("give --page NAME and --variant SLUG, or list it under [pages.<page>] published = [...] in its variant file")
                        })?;
                    (d.page.clone(), d.variant.clone())
                }
            };
            copies.push(drift::PublishedCopy {
                page,
                variant,
                path: f.clone(),
                format: args.as_format.unwrap_or_else(|| CopyFormat::of(f)),
            });
        }
        let total = copies.len();
        Ok((Box::new(copies.into_iter().map(Ok)), total))
    } else if let Some(dir) = &args.published {
        let listed = drift::DirCopies::new(project, dir)?;
        let total = if docvar::Progress::draws(!args.quiet) {
            listed.total(wanted)
        } else {
            0
        };
        let as_text = args.as_format == Some(CopyFormat::Text);
        let copies = listed
            .filter(move |c| c.as_ref().map_or(true, wanted))
            .map(move |c| {
                c.map(|mut c| {
                    if as_text {
                        c.format = CopyFormat::Text;
                    }
                    c
                })
            });
        Ok((Box::new(copies), total))
    } else {
        // Counted, then listed as the run gets to them: not held.
        let total = project
            .declared()
            .filter(|(v, page, _)| selected(page, &v.slug))
            .count();
        if total == 0 {
            return Err(Error::msg(if args.copies.page.is_some() || args.copies.variant.is_some() {
                "no published copies declared for the --page/--variant given"
            } else {
                "no published copies to check"
            })
                .help("list them in the variant files ([pages.<page>] published = [...]), or pass FILEs or --published DIR").into());
        }
        let copies = drift::each_declared(project).filter(move |c| wanted(c));
        Ok((Box::new(copies.map(Ok)), total))
    }
}
