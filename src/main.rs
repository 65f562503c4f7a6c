//! The `docvar` command: a thin clap layer over the library.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use docvar::error::{read_text, Error, Result};
use docvar::export;
use docvar::generate::{self, Selection};
use docvar::output;
use docvar::project::Project;
use docvar::render::Renderer;
use docvar::report::plural;

const EXAMPLES: &str = "\
Examples:
  docvar generate                      render every page for every product into out/
  docvar generate --check              exit 1 if out/ is stale (for CI)
  docvar generate --variant appliance  render one product's pages only
  docvar export page.md --to text      print a Markdown page as help-center plain text
  docvar list                          show pages, products and the variables each page uses

Exit codes: 0 success, 1 check failed / drift found, 2 bad input or usage.";

/// Render near-duplicate documentation pages from one template per page and one variables
/// file per product; report drift in published copies.
#[derive(Parser)]
#[command(name = "docvar", version, about, after_help = EXAMPLES)]
struct Cli {
    /// Project root (holding templates/, variants/ and docvar.toml); default: the nearest
    /// folder at or above the current one that holds docvar.toml, or templates/ and variants/
    /// (`infer` uses the current folder).
    #[arg(short = 'C', long = "project", global = true, value_name = "DIR")]
    project: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Render every page for every variant into out/ as Markdown and plain text.
    #[command(
        after_help = "Examples:\n  docvar generate\n  docvar generate --check\n  docvar generate --variant psaas-appliance --page disaster-recovery-raci\n  docvar generate --out /tmp/preview"
    )]
    Generate {
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
    },
    /// Print Markdown files (published copies too) as plain text or HTML.
    #[command(
        after_help = "Examples:\n  docvar export out/appliance/roles-and-responsibilities.md\n  docvar export --to html page.md > page.html"
    )]
    Export {
        /// Markdown files.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        to: ExportFormat,
    },
    /// List pages x variants and the variables each page uses.
    List,
    /// Check the RACI tables of every rendered page.
    ///
    /// Each row needs exactly one Accountable party, at least one Responsible, only the
    /// letters R, A, C and I (notes may follow them), and a letter for every party.
    #[command(after_help = LINT_EXAMPLES)]
    Lint {
        /// Only this page (repeatable).
        #[arg(long = "page", value_name = "NAME")]
        pages: Vec<String>,
        /// Only this variant (repeatable).
        #[arg(long = "variant", value_name = "SLUG")]
        variants: Vec<String>,
        /// Output format.
        #[arg(long, value_enum, default_value = "human")]
        format: LintFormat,
    },
    /// Print a shell completion script to stdout.
    #[command(
        after_help = "Examples:\n  docvar completions bash > ~/.local/share/bash-completion/completions/docvar\n  docvar completions zsh > \"${fpath[1]}/_docvar\"\n  docvar completions fish > ~/.config/fish/completions/docvar.fish\n  docvar completions powershell >> $PROFILE"
    )]
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to stdout.
    #[command(
        after_help = "Examples:\n  docvar man > docvar.1 && man ./docvar.1\n  docvar man | gzip > /usr/local/share/man/man1/docvar.1.gz"
    )]
    Man,
    /// Rename a product: edit its variant file in place, move out/ files, regenerate.
    #[command(
        after_help = "Examples:\n  docvar rename appliance --name \"Edge Box\" --dry-run\n  docvar rename psaas-appliance --name \"Edge Cloud\" --set product_short=Edge --slug edge-cloud --section edge-cloud\n\nEvery variable holding the old name follows; one holding only part of it needs --set."
    )]
    Rename {
        /// The variant to rename.
        slug: String,
        /// New product name (the first of `names` in docvar.toml, else `product`); every
        /// variable equal to or containing the old name follows.
        #[arg(long)]
        name: Option<String>,
        /// New title name (`product_title`).
        #[arg(long)]
        title: Option<String>,
        /// New slug: moves out/<slug>/ and the variant file, and writes a redirect list.
        #[arg(long = "slug", value_name = "NEW_SLUG")]
        new_slug: Option<String>,
        /// New URL section (`section`), added to the redirect list unless another product
        /// still publishes under the old one.
        #[arg(long)]
        section: Option<String>,
        /// New value of a variable (repeatable), in [vars] and every page override of it; needed
        /// for a variable that holds only part of the old name.
        #[arg(long = "set", value_name = "VAR=VALUE", value_parser = parse_set)]
        set: Vec<(String, String)>,
        /// Show the diff of every page that would change; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Report where published copies drifted from what their template renders.
    #[command(after_help = DIFF_EXAMPLES)]
    Diff(DiffArgs),
    /// Write a template and variant files from near-duplicate published copies of one page.
    ///
    /// Spans that differ consistently across the copies (a product name, a URL section)
    /// become variables; a difference that does not recur is drift: the majority wording
    /// becomes canonical and the run ends with each copy's drift report. With --exact, drift
    /// becomes per-variant overrides instead, so `docvar generate` reproduces every copy.
    #[command(after_help = INFER_EXAMPLES)]
    Infer(InferArgs),
    /// Carry template changes into the published copies by a three-way merge, then write out/.
    ///
    /// Base: the previous render (out/ while generate has not run since the change, else out/
    /// as committed in git). Conflicts get diff3 markers (<<<<<<< copy, ||||||| base, =======,
    /// >>>>>>> template).
    #[command(after_help = UPDATE_EXAMPLES)]
    Update(UpdateArgs),
    /// Accept the current drift: record it in docvar-baseline.toml.
    ///
    /// `docvar diff` then fails only on drift not accepted there.
    #[command(
        after_help = "Examples:\n  docvar accept\n  docvar accept --variant private-saas\n  docvar accept --prune\n\nExit codes: 0 recorded, 2 error."
    )]
    Accept(AcceptArgs),
}

const UPDATE_EXAMPLES: &str = "\
Examples:
  docvar update --dry-run                       what would merge, and each conflict's hunk
  docvar update --page roles-and-responsibilities --variant private-saas
  docvar update --base HEAD~1                   the previous render is out/ at HEAD~1

Exit codes: 0 merged or nothing to do, 1 conflicts written, 2 bad input.";

#[derive(clap::Args)]
struct UpdateArgs {
    /// Only copies of this page (repeatable).
    #[arg(long = "page", value_name = "NAME")]
    pages: Vec<String>,
    /// Only copies for this variant (repeatable).
    #[arg(long = "variant", value_name = "SLUG")]
    variants: Vec<String>,
    /// Take the previous render from out/ at this git revision.
    #[arg(long = "base", value_name = "GIT_REF")]
    base: Option<String>,
    /// Print what would happen to each copy; write nothing.
    #[arg(long)]
    dry_run: bool,
}

const INFER_EXAMPLES: &str = "\
Examples:
  docvar infer --page roles private-saas/roles.md appliance/roles.md    slugs from folder names
  docvar infer --page roles a.md b.md --variant cloud --variant edge     slugs given in order
  docvar infer --page roles */roles.md --exact --dry-run                 show what would be written

Copies must be near-duplicates: word similarity to the first copy at least 50%.
Exit codes: 0 written (or shown), 2 refused or bad input.";

#[derive(clap::Args)]
struct InferArgs {
    /// Page name: the template becomes templates/NAME.md.hbs.
    #[arg(long, value_name = "NAME")]
    page: String,
    /// Published copies of the page (two or more), one per product.
    #[arg(value_name = "FILE", num_args = 2.., required = true)]
    files: Vec<PathBuf>,
    /// Product of each FILE, in the same order (default: the variant file that lists the
    /// copy as published, else the copy's folder name).
    #[arg(long = "variant", value_name = "SLUG")]
    variants: Vec<String>,
    /// Keep drift as per-variant overrides so generate reproduces every copy byte for byte.
    #[arg(long)]
    exact: bool,
    /// Print the template, the variant file changes and the drift report; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Overwrite an existing template.
    #[arg(long)]
    force: bool,
    /// Colour in the drift report.
    #[arg(long, value_enum, default_value = "auto")]
    color: ColorChoice,
}

const DIFF_EXAMPLES: &str = "\
Examples:
  docvar diff                                   every copy the variant files declare
  docvar diff --format markdown > comment.md    a pull-request comment
  docvar diff --format github                   workflow annotations
  docvar diff --format unified | git apply      restore the template's text
  docvar diff --page roles-and-responsibilities --variant appliance copy.md
  docvar diff --published exported/ --ignore '^Was this article helpful\\?$'

Exit codes: 0 no drift, 1 drift found, 2 error.";

#[derive(clap::Args)]
struct DiffArgs {
    /// Published copies to check (default: the copies the variant files declare). A copy a
    /// variant file declares needs no --page or --variant.
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Page the FILEs are copies of; without FILEs, only the declared copies of this page.
    #[arg(long, value_name = "NAME")]
    page: Option<String>,
    /// Product the FILEs belong to; without FILEs, only this product's declared copies.
    #[arg(long, value_name = "SLUG")]
    variant: Option<String>,
    /// Check every copy in a folder laid out like out/ (<slug>/<page>.md or .txt).
    #[arg(long, value_name = "DIR", conflicts_with = "files")]
    published: Option<PathBuf>,
    /// Read FILEs as this format instead of by extension (.txt = text).
    #[arg(long = "as", value_enum, value_name = "FORMAT")]
    as_format: Option<AsFormat>,
    /// Report blank-line-only differences in plain-text copies.
    #[arg(long)]
    strict_blank_lines: bool,
    /// Drop lines matching REGEX from both sides (repeatable; adds to `ignore` in docvar.toml).
    #[arg(long, value_name = "REGEX")]
    ignore: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    format: DiffFormat,
    /// Colour in the human format.
    #[arg(long, value_enum, default_value = "auto")]
    color: ColorChoice,
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

#[derive(clap::Args)]
struct AcceptArgs {
    /// Published copies whose drift to accept (default: the copies the variant files declare).
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Only copies of this page.
    #[arg(long, value_name = "NAME")]
    page: Option<String>,
    /// Only this product's copies.
    #[arg(long, value_name = "SLUG")]
    variant: Option<String>,
    /// Drop entries that match no drift any more (in the selected copies).
    #[arg(long)]
    prune: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum AsFormat {
    Text,
    Markdown,
}

#[derive(Clone, Copy, ValueEnum)]
enum DiffFormat {
    Human,
    Unified,
    Json,
    Markdown,
    Github,
    Html,
    Sarif,
    Rdjsonl,
}

#[derive(Clone, Copy, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, ValueEnum)]
enum ExportFormat {
    Text,
    Html,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    let infer = matches!(cli.command, Command::Infer(_));
    // Found from a subfolder as git and cargo do; `infer` starts projects, so it stays put.
    let project = match cli.project {
        Some(dir) => dir,
        None if infer => PathBuf::from("."),
        None => std::env::current_dir()
            .ok()
            .and_then(|cwd| docvar::project::discover(&cwd))
            .unwrap_or_else(|| PathBuf::from(".")),
    };
    match cli.command {
        Command::Generate {
            variants,
            pages,
            out,
            check,
            quiet,
        } => cmd_generate(&project, Selection { variants, pages }, out, check, quiet),
        Command::Export { files, to } => cmd_export(&files, to),
        Command::List => cmd_list(&project),
        Command::Lint {
            pages,
            variants,
            format,
        } => cmd_lint(&project, Selection { variants, pages }, format),
        Command::Completions { shell } => cmd_completions(shell),
        Command::Man => cmd_man(),
        Command::Diff(args) => cmd_diff(&project, args),
        Command::Infer(args) => cmd_infer(&project, args),
        Command::Update(args) => cmd_update(&project, args),
        Command::Accept(args) => cmd_accept(&project, args),
        Command::Rename {
            slug,
            name,
            title,
            new_slug,
            section,
            set,
            dry_run,
        } => cmd_rename(
            &project,
            docvar::rename::Request {
                slug,
                name,
                title,
                new_slug,
                section,
                set,
            },
            dry_run,
        ),
    }
}

/// `VAR=VALUE` for `rename --set`.
fn parse_set(s: &str) -> std::result::Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(format!(
            "{s:?} is not VAR=VALUE (e.g. --set product_short=Edge)"
        )),
    }
}

fn cmd_update(root: &std::path::Path, args: UpdateArgs) -> Result<ExitCode> {
    use docvar::update;
    let project = load(root)?;
    let renderer = Renderer::new(&project)?;
    let req = update::Request {
        selection: Selection {
            variants: args.variants,
            pages: args.pages,
        },
        base_ref: args.base,
    };
    let plan = update::plan(&project, &renderer, &req)?;
    if !args.dry_run {
        update::apply(&project, &plan)?;
    }
    let _ = std::io::stdout()
        .lock()
        .write_all(update::print(&plan, args.dry_run).as_bytes());
    eprintln!("{}", update::summary(&plan, args.dry_run));
    Ok(if plan.has_conflicts() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn load(root: &std::path::Path) -> Result<Project> {
    Project::load(root)
}

fn cmd_generate(
    root: &std::path::Path,
    sel: Selection,
    out: Option<PathBuf>,
    check: bool,
    quiet: bool,
) -> Result<ExitCode> {
    let project = load(root)?;
    sel.validate(&project)?;
    let renderer = Renderer::new(&project)?;
    if !quiet {
        for v in &project.variants {
            for name in renderer.unused(v) {
                eprintln!(
                    "warning: {}: variable `{name}` is not used by any template",
                    v.path.display()
                );
            }
        }
    }
    // A bar on stderr once a run passes a second (terminals only; --quiet hides it).
    let progress = docvar::progress::Progress::start(
        !quiet,
        "rendering",
        generate::page_count(&project, &sel),
    );
    let planned = generate::plan_with_progress(&project, &renderer, &sel, progress.counter())?;
    let out_dir = out.unwrap_or_else(|| project.out_dir());
    let owns = |rel: &std::path::Path| sel.owns(rel);
    if check {
        progress.finish();
        let report = output::check(&out_dir, &planned, Some(&owns))?;
        let mut stdout = std::io::stdout().lock();
        for (rel, status) in &report {
            let _ = writeln!(
                stdout,
                "{:<8} {}",
                status.as_str(),
                out_dir.join(rel).display()
            );
        }
        if report.is_empty() {
            if !quiet {
                eprintln!(
                    "{} files in {} are up to date",
                    planned.len(),
                    out_dir.display()
                );
            }
            return Ok(ExitCode::SUCCESS);
        }
        eprintln!(
            "{} of {} is out of date; run `docvar generate` and commit the result",
            plural(report.len(), "file"),
            out_dir.display()
        );
        return Ok(ExitCode::from(1));
    }
    // Extra files only: write() itself compares each planned file with what is there.
    let extra = output::extra(&out_dir, &planned, Some(&owns))?;
    progress.phase("writing", planned.len());
    let written = output::write_with_progress(&out_dir, &planned, &extra, progress.counter())?;
    progress.finish();
    if !quiet {
        let mut stdout = std::io::stdout().lock();
        for rel in &written.written {
            let _ = writeln!(stdout, "wrote    {}", out_dir.join(rel).display());
        }
        for rel in &written.removed {
            let _ = writeln!(stdout, "removed  {}", out_dir.join(rel).display());
        }
        eprintln!(
            "{} written, {} unchanged, {} removed in {}",
            plural(written.written.len(), "file"),
            written.unchanged,
            written.removed.len(),
            out_dir.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn cmd_export(files: &[PathBuf], to: ExportFormat) -> Result<ExitCode> {
    let mut texts = Vec::new();
    for f in files {
        texts.push(read_text(f)?);
    }
    let mut stdout = std::io::stdout().lock();
    for t in texts {
        let s = match to {
            ExportFormat::Text => export::to_text(&t),
            ExportFormat::Html => export::to_html(&t),
        };
        stdout
            .write_all(s.as_bytes())
            .map_err(|e| Error::msg(format!("cannot write to stdout: {e}")))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn cmd_list(root: &std::path::Path) -> Result<ExitCode> {
    let project = load(root)?;
    let renderer = Renderer::new(&project)?;
    let mut out = String::new();
    let slugs: Vec<&str> = project.variants.iter().map(|v| v.slug.as_str()).collect();
    out.push_str(&format!("variants: {}\n\n", slugs.join(", ")));
    for page in &project.pages {
        out.push_str(&format!("{} ({})\n", page.name, page.path.display()));
        out.push_str(&format!(
            "  variables: {}\n",
            renderer.variables(&page.name).join(", ")
        ));
        for v in &project.variants {
            let settings = v.page(&page.name);
            let published: Vec<String> = settings
                .published
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            out.push_str(&format!(
                "  {:<20} -> {}/{}/{}.md{}\n",
                v.slug,
                project.config.out.display(),
                v.slug,
                page.name,
                if published.is_empty() {
                    String::new()
                } else {
                    format!("  (published: {})", published.join(", "))
                }
            ));
        }
        out.push('\n');
    }
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
    Ok(ExitCode::SUCCESS)
}

/// A path in a form two spellings of one file share (`copy.md`, `./x/../copy.md`).
fn same_file_key(p: &std::path::Path) -> PathBuf {
    std::fs::canonicalize(p)
        .or_else(|_| std::path::absolute(p))
        .unwrap_or_else(|_| p.to_path_buf())
}

fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

/// The drift of the copies `args` selects (shared by `diff` and `accept`).
fn diff_report(root: &std::path::Path, args: &DiffArgs) -> Result<docvar::drift::Report> {
    use docvar::drift::{self, CopyFormat};
    let project = load(root)?;
    let renderer = Renderer::new(&project)?;
    if let Some(p) = &args.page {
        project.page(p)?;
    }
    if let Some(v) = &args.variant {
        project.variant(v)?;
    }
    let wanted = |c: &drift::Copy| {
        args.page.as_ref().is_none_or(|p| *p == c.page)
            && args.variant.as_ref().is_none_or(|v| *v == c.variant)
    };
    let copies = if !args.files.is_empty() {
        let declared = drift::declared_copies(&project);
        let mut copies = Vec::new();
        for f in &args.files {
            let (page, variant) = match (&args.page, &args.variant) {
                (Some(p), Some(v)) => (p.clone(), v.clone()),
                _ => {
                    let key = same_file_key(f);
                    let d = declared
                        .iter()
                        .find(|c| same_file_key(&c.path) == key && wanted(c))
                        .ok_or_else(|| {
                            let of = match (&args.page, &args.variant) {
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
            copies.push(drift::Copy {
                page,
                variant,
                path: f.clone(),
                format: match args.as_format {
                    Some(AsFormat::Text) => CopyFormat::Text,
                    Some(AsFormat::Markdown) => CopyFormat::Markdown,
                    None => CopyFormat::of(f),
                },
            });
        }
        copies
    } else if let Some(dir) = &args.published {
        let mut copies = drift::copies_in_dir(&project, dir)?;
        copies.retain(|c| wanted(c));
        if let Some(AsFormat::Text) = args.as_format {
            copies.iter_mut().for_each(|c| c.format = CopyFormat::Text);
        }
        copies
    } else {
        let mut copies = drift::declared_copies(&project);
        copies.retain(|c| wanted(c));
        if copies.is_empty() {
            return Err(Error::msg(if args.page.is_some() || args.variant.is_some() {
                "no published copies declared for the --page/--variant given"
            } else {
                "no published copies to check"
            })
                .help("list them in the variant files ([pages.<page>] published = [...]), or pass FILEs or --published DIR"));
        }
        copies
    };
    let mut patterns = project.config.ignore.clone();
    patterns.extend(args.ignore.iter().cloned());
    let opts = drift::Options {
        strict_blank_lines: args.strict_blank_lines,
        ..Default::default()
    }
    .with_ignores(&patterns)?;
    let progress = docvar::progress::Progress::start(!args.quiet, "checking", copies.len());
    let report =
        drift::check_with_progress(&project, &renderer, &copies, &opts, progress.counter())?;
    progress.finish();
    Ok(report)
}

fn cmd_diff(root: &std::path::Path, args: DiffArgs) -> Result<ExitCode> {
    use docvar::report::{self, Format};
    let mut report = diff_report(root, &args)?;
    if !args.no_baseline && !args.fix {
        if let Some(b) = docvar::baseline::load(root)? {
            let applied = docvar::baseline::apply(&report, &b, root);
            report = report.with_baseline(applied);
        }
    }
    let format = match args.format {
        DiffFormat::Human => Format::Human,
        DiffFormat::Unified => Format::Unified,
        DiffFormat::Json => Format::Json,
        DiffFormat::Markdown => Format::Markdown,
        DiffFormat::Github => Format::Github,
        DiffFormat::Html => Format::Html,
        DiffFormat::Sarif => Format::Sarif,
        DiffFormat::Rdjsonl => Format::Rdjsonl,
    };
    let opts = report::Options {
        color: use_color(args.color),
        root: Some(root.to_path_buf()),
        links: report::Links::from_env(),
    };
    let mut stdout = std::io::stdout().lock();
    match report::write(&report, format, &opts, &mut stdout).and_then(|()| stdout.flush()) {
        // A reader that stopped early (`| head`) is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(e) => return Err(Error::msg(format!("writing the report: {e}"))),
        Ok(()) => {}
    }
    if args.fix {
        let mut fixed = 0;
        for page in report
            .pages
            .iter()
            .filter(|p| p.status == docvar::drift::Status::Drifted)
        {
            output::replace_file(
                std::path::Path::new(&page.published),
                page.expected_text.as_bytes(),
            )?;
            let _ = writeln!(
                stdout,
                "fixed    {} ({} hunks restored)",
                page.published,
                page.hunks.len()
            );
            fixed += 1;
        }
        eprintln!(
            "{} rewritten from the templates",
            plural(fixed, "published copy")
        );
        return Ok(ExitCode::SUCCESS);
    }
    Ok(if report.has_drift() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn cmd_accept(root: &std::path::Path, args: AcceptArgs) -> Result<ExitCode> {
    use docvar::baseline;
    use docvar::report::terminal_safe as safe;
    let sel = DiffArgs {
        files: args.files,
        page: args.page,
        variant: args.variant,
        published: None,
        as_format: None,
        strict_blank_lines: false,
        ignore: Vec::new(),
        format: DiffFormat::Human,
        color: ColorChoice::Never,
        fix: false,
        quiet: true,
        no_baseline: false,
    };
    let report = diff_report(root, &sel)?;
    let old = baseline::load(root)?;
    let before = old.clone().unwrap_or_default();
    let new = baseline::record(old, &report, root, args.prune);
    let mut stdout = std::io::stdout().lock();
    let added: Vec<_> = new
        .entries
        .iter()
        .filter(|e| !before.entries.contains(e))
        .collect();
    let pruned: Vec<_> = before
        .entries
        .iter()
        .filter(|e| !new.entries.contains(e))
        .collect();
    for e in &added {
        let _ = writeln!(
            stdout,
            "accepted  {} ({}) {} › {} {}",
            safe(&e.page),
            safe(&e.variant),
            safe(&e.copy),
            e.kind,
            safe(&e.location)
        );
    }
    for e in &pruned {
        let _ = writeln!(
            stdout,
            "pruned    {} ({}) {} › {} {}",
            safe(&e.page),
            safe(&e.variant),
            safe(&e.copy),
            e.kind,
            safe(&e.location)
        );
    }
    if new != before || !baseline::path(root).exists() {
        baseline::save(root, &new)?;
    }
    let _ = writeln!(
        stdout,
        "{}: {} new, {} pruned, {} in all",
        baseline::FILE,
        added.len(),
        pruned.len(),
        new.entries.len()
    );
    Ok(ExitCode::SUCCESS)
}

const LINT_EXAMPLES: &str = "\
Examples:
  docvar lint                                  every page of every product
  docvar lint --page disaster-recovery-raci    one page
  docvar lint --format json > lint.json        machine-readable findings
  docvar lint --format github                  workflow annotations in CI

Known exceptions go in docvar.toml:
  [lint]
  allow = [{ page = \"roles-and-responsibilities\", row = \"Operations Handover\", reason = \"...\" }]

Exit codes: 0 no findings, 1 findings, 2 bad input.";

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LintFormat {
    Human,
    Json,
    Github,
}

fn cmd_lint(root: &std::path::Path, sel: Selection, format: LintFormat) -> Result<ExitCode> {
    use docvar::lint::{self, print};
    let project = load(root)?;
    sel.validate(&project)?;
    let renderer = Renderer::new(&project)?;
    let outcome = lint::check(&project, &renderer, &sel)?;
    let text = match format {
        LintFormat::Human => print::human(&outcome),
        LintFormat::Json => print::json(&outcome),
        LintFormat::Github => print::github(&outcome),
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    // Entries for pages or variants left out of the selection would look unused.
    if sel.pages.is_empty() && sel.variants.is_empty() {
        for w in print::unused_allows(&project, &outcome) {
            eprintln!("warning: {w}");
        }
    }
    if format != LintFormat::Json {
        eprintln!("{}", print::summary(&outcome));
    }
    Ok(if outcome.findings.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn cmd_completions(shell: clap_complete::Shell) -> Result<ExitCode> {
    let mut cmd = <Cli as clap::CommandFactory>::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "docvar", &mut out);
    let _ = std::io::stdout().lock().write_all(&out);
    Ok(ExitCode::SUCCESS)
}

fn cmd_man() -> Result<ExitCode> {
    let out = man_page().map_err(|e| Error::msg(format!("cannot render the man page: {e}")))?;
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
    Ok(ExitCode::SUCCESS)
}

/// One page documenting every subcommand and its options (clap_mangen's own page lists the
/// subcommands as `docvar-generate(1)` pages, which are not installed anywhere).
fn man_page() -> std::io::Result<String> {
    use clap_mangen::Man;
    let mut cmd = <Cli as clap::CommandFactory>::command();
    cmd.build();
    let section = |render: &dyn Fn(&mut Vec<u8>) -> std::io::Result<()>| {
        let mut buf = Vec::new();
        render(&mut buf).map(|_| String::from_utf8_lossy(&buf).into_owned())
    };
    // Without roff's preamble (each render repeats it; the title keeps it).
    let bare = |text: String| -> String {
        text.lines()
            .filter(|l| !l.starts_with(".ie ") && !l.starts_with(".el "))
            .map(|l| format!("{l}\n"))
            .collect()
    };
    // A section's body: bare, and without its `.SH` heading.
    let body = |text: String| -> String {
        bare(text)
            .lines()
            .filter(|l| !l.starts_with(".SH "))
            .map(|l| format!("{l}\n"))
            .collect()
    };
    let examples = |text: String| format!(".nf\n{}.fi\n", body(text));
    let man = Man::new(cmd.clone());
    let mut page = String::new();
    page += &section(&|w| man.render_title(w))?;
    page += &bare(section(&|w| man.render_name_section(w))?);
    page += &bare(section(&|w| man.render_synopsis_section(w))?);
    page += &bare(section(&|w| man.render_description_section(w))?);
    page += &bare(section(&|w| man.render_options_section(w))?);
    page += ".SH COMMANDS\n";
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        if sub.get_name() == "help" {
            continue;
        }
        // Global options (-C) are documented once, above.
        let m = Man::new(
            sub.clone()
                .mut_args(|a| if a.is_global_set() { a.hide(true) } else { a }),
        );
        page += &format!(".SS \"docvar {}\"\n", sub.get_name());
        page += &body(section(&|w| m.render_synopsis_section(w))?);
        page += ".PP\n";
        page += &body(section(&|w| m.render_description_section(w))?);
        page += &body(section(&|w| m.render_options_section(w))?);
        if sub.get_after_help().is_some() {
            page += ".PP\n";
            page += &examples(section(&|w| m.render_extra_section(w))?);
        }
    }
    page += ".SH EXAMPLES\n";
    page += &examples(section(&|w| man.render_extra_section(w))?);
    page += &bare(section(&|w| man.render_version_section(w))?);
    Ok(page)
}

fn cmd_rename(
    root: &std::path::Path,
    req: docvar::rename::Request,
    dry_run: bool,
) -> Result<ExitCode> {
    use docvar::rename;
    let project = load(root)?;
    let plan = rename::plan(&project, &req)?;
    let mut stdout = std::io::stdout().lock();
    for (key, old, new) in &plan.changes {
        let _ = writeln!(
            stdout,
            "{}: {key} = {old:?} -> {new:?}",
            plan.new_path.display()
        );
    }
    if dry_run {
        let out = project.out_dir();
        for p in rename::render(&plan)? {
            let old_rel =
                std::path::Path::new(&plan.slugs.0).join(p.rel.iter().skip(1).collect::<PathBuf>());
            let old = docvar::fsguard::read_text_limited(
                &out.join(&old_rel),
                docvar::fsguard::DEFAULT_MAX_FILE_SIZE,
            )
            .unwrap_or_default();
            let new = String::from_utf8_lossy(&p.bytes);
            if old != new {
                let diff = similar::TextDiff::from_lines(old.as_str(), &*new);
                // Paths as `git diff` writes them: relative to the project, no `a//abs`.
                let shown = |rel: &std::path::Path| {
                    let path = out.join(rel);
                    path.strip_prefix(&plan.project.root)
                        .unwrap_or(&path)
                        .display()
                        .to_string()
                        .trim_start_matches('/')
                        .to_string()
                };
                let a = format!("a/{}", shown(&old_rel));
                let b = format!("b/{}", shown(&p.rel));
                let _ = write!(
                    stdout,
                    "{}",
                    diff.unified_diff().context_radius(1).header(&a, &b)
                );
            }
        }
        for r in &plan.redirects {
            let _ = writeln!(stdout, "redirect {} {} -> {}", r.kind, r.from, r.to);
        }
        print_rename_notes(&mut stdout, &plan, &rename::render(&plan)?, &out);
        eprintln!("dry run: nothing written");
        return Ok(ExitCode::SUCCESS);
    }
    let done = rename::apply(&plan)?;
    let out = plan.project.out_dir();
    for rel in &done.written {
        let _ = writeln!(stdout, "changed  {}", out.join(rel).display());
    }
    for f in &done.redirect_files {
        let _ = writeln!(stdout, "redirects {}", f.display());
    }
    let leftovers: Vec<_> = done
        .leftovers
        .iter()
        .map(|l| (l.rel.clone(), l.line))
        .collect();
    print_left_out(&mut stdout, &plan);
    print_leftovers(&mut stdout, &plan, &leftovers, &out);
    eprintln!(
        "renamed {}: {} changed",
        plan.slugs.1,
        plural(done.written.len(), "file")
    );
    Ok(ExitCode::SUCCESS)
}

fn print_rename_notes(
    w: &mut impl Write,
    plan: &docvar::rename::Plan,
    planned: &[docvar::output::Planned],
    out: &std::path::Path,
) {
    print_left_out(w, plan);
    if let Some(old) = &plan.old_name {
        let found: Vec<_> = docvar::rename::leftovers(planned, old)
            .into_iter()
            .map(|l| (l.rel, l.line))
            .collect();
        print_leftovers(w, plan, &found, out);
    }
}

fn print_left_out(w: &mut impl Write, plan: &docvar::rename::Plan) {
    for l in &plan.left_out {
        let _ = writeln!(
            w,
            "no redirect {} {} -> {}: {} still published under {} by {}",
            l.redirect.kind,
            l.redirect.from,
            l.redirect.to,
            if l.redirect.kind == "url" {
                "pages are"
            } else {
                "it is"
            },
            l.redirect.from,
            l.rendered_by.join(", ")
        );
    }
}

fn print_leftovers(
    w: &mut impl Write,
    plan: &docvar::rename::Plan,
    found: &[(PathBuf, usize)],
    out: &std::path::Path,
) {
    let Some(old) = &plan.old_name else { return };
    for (rel, line) in found {
        let _ = writeln!(w, "still says {old:?}: {}:{line}", out.join(rel).display());
    }
    if found.is_empty() {
        let _ = writeln!(w, "no {old:?} left in {}'s pages", plan.slugs.1);
    } else {
        let _ = writeln!(
            w,
            "{} of {}'s pages still say {old:?}: template text or front matter; edit them by hand",
            plural(found.len(), "line"),
            plan.slugs.1
        );
    }
}

fn cmd_infer(root: &std::path::Path, args: InferArgs) -> Result<ExitCode> {
    use docvar::infer::{self, Refusal};
    use docvar::report::{self, Format};
    if !args.variants.is_empty() && args.variants.len() != args.files.len() {
        return Err(Error::msg(format!(
            "{} given for {}",
            plural(args.variants.len(), "--variant"),
            plural(args.files.len(), "file")
        ))
        .help("give one --variant per FILE, in the same order, or none"));
    }
    let mut copies = Vec::new();
    let mut published = Vec::new();
    for (i, file) in args.files.iter().enumerate() {
        let text = docvar::drift::read_copy(file)?;
        let slug = match args.variants.get(i) {
            Some(s) => s.clone(),
            None => infer::slug_for(root, file)?,
        };
        copies.push((slug, text));
        published.push(infer::published_path(root, file));
    }
    let formats: Vec<_> = args
        .files
        .iter()
        .map(|f| docvar::drift::CopyFormat::of(f))
        .collect();
    if let Some(i) = formats.iter().position(|f| *f != formats[0]) {
        return Err(Error::msg(format!(
            "{} and {} mix Markdown and plain text",
            args.files[0].display(),
            args.files[i].display()
        ))
        .help("infer from copies in one format (the Markdown ones, if you have both)"));
    }
    let name = |i: usize| args.files[i].display().to_string();
    let mut inferred = infer::infer(&args.page, &copies, args.exact).map_err(|r| match r {
        Refusal::TooFew => Error::msg(r.to_string()),
        Refusal::SameVariant {
            slug,
            copies: [a, b],
        } => Error::msg(format!(
            "{} and {} both belong to variant {slug:?}",
            name(a),
            name(b)
        ))
        .help("give one copy per product; pass --variant SLUG for each file to say which"),
        Refusal::NotNearDuplicates { copies: [a, b], .. } => {
            Error::msg(format!("{} and {}: {r}", name(a), name(b)))
                .help("infer one page at a time; give only copies of the same page")
        }
    })?;
    let plan = infer::plan(root, &mut inferred, &published)?;
    if plan.overwrites && !args.force && !args.dry_run {
        return Err(Error::in_file(&plan.template_path, "exists already")
            .help("pass --force to overwrite it, or pick another --page name"));
    }
    let report = infer::drift_report(root, &plan, &args.page, &args.files)?;
    let mut out = String::new();
    let verb = match (args.dry_run, plan.overwrites) {
        (true, false) => "would write",
        (true, true) if args.force => "would overwrite",
        (true, true) => "would overwrite (needs --force)",
        (false, false) => "wrote",
        (false, true) => "overwrote",
    };
    out.push_str(&format!(
        "{verb} {}: {} from {}\n",
        plan.template_path.display(),
        plural(inferred.variables.len(), "variable"),
        plural(copies.len(), "copy")
    ));
    // `slug="value", …` in input order.
    let per_slug = |values: &[String]| -> String {
        let pairs: Vec<String> = inferred
            .slugs
            .iter()
            .zip(values)
            .map(|(s, val)| format!("{s}={val:?}"))
            .collect();
        pairs.join(", ")
    };
    let width = inferred
        .variables
        .iter()
        .map(|v| v.name.len())
        .max()
        .unwrap_or(0);
    for v in &inferred.variables {
        out.push_str(&format!(
            "  {:width$}  {}  ({})\n",
            v.name,
            per_slug(&v.values),
            plural(v.uses, "use")
        ));
    }
    for (slug, fm) in inferred.slugs.iter().zip(&inferred.front_matter) {
        if !fm.is_empty() {
            let keys: Vec<&str> = fm.keys().map(String::as_str).collect();
            out.push_str(&format!(
                "  front matter of {slug} only: {}\n",
                keys.join(", ")
            ));
        }
    }
    if args.exact && !inferred.drift.is_empty() {
        out.push_str("drift kept on purpose (per-variant overrides):\n");
        for d in &inferred.drift {
            out.push_str(&format!(
                "  {} ({} line {}): {}\n",
                d.name.as_deref().unwrap_or("?"),
                plan.template_path.display(),
                d.line,
                per_slug(&d.values)
            ));
        }
    }
    for v in &plan.variants {
        let what = match (&v.before, args.dry_run) {
            (None, true) => "would create",
            (None, false) => "created",
            (Some(b), _) if *b == v.after => "unchanged",
            (Some(_), true) => "would update",
            (Some(_), false) => "updated",
        };
        out.push_str(&format!("{what} {}\n", v.path.display()));
    }
    if args.dry_run {
        out.push_str(&format!(
            "\n--- {} ---\n{}",
            plan.template_path.display(),
            plan.template
        ));
        if !plan.template.ends_with('\n') {
            out.push('\n');
        }
        for v in &plan.variants {
            let before = v.before.as_deref().unwrap_or("");
            if before == v.after {
                continue;
            }
            let path = v.path.display().to_string();
            let a = if v.before.is_some() {
                format!("a/{path}")
            } else {
                "/dev/null".to_string()
            };
            let diff = similar::TextDiff::from_lines(before, v.after.as_str());
            out.push_str(&format!(
                "\n{}",
                diff.unified_diff()
                    .context_radius(3)
                    .header(&a, &format!("b/{path}"))
            ));
        }
    }
    out.push('\n');
    out.push_str(&report::print(
        &report,
        Format::Human,
        use_color(args.color),
    ));
    if !args.dry_run {
        infer::write(&plan)?;
    }
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
    if args.dry_run {
        eprintln!("dry run: nothing written");
    } else {
        eprintln!("next: docvar generate");
    }
    Ok(ExitCode::SUCCESS)
}
