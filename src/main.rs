//! The `docvar` command: parses the command line, runs one command from `cli/`, and maps its
//! outcome to an exit code.

mod cli;

// See Cargo.toml: the drift check allocates a block per line of every page.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

use cli::Failure;

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
    Generate(cli::generate::Args),
    /// Print Markdown files (published copies too) as plain text or HTML.
    #[command(
        after_help = "Examples:\n  docvar export out/appliance/roles-and-responsibilities.md\n  docvar export --to html page.md > page.html"
    )]
    Export(cli::export::Args),
    /// List pages x variants and the variables each page uses.
    List,
    /// Check the RACI tables of every rendered page.
    ///
    /// Each row needs exactly one Accountable party, at least one Responsible, only the
    /// letters R, A, C and I (notes may follow them), and a letter for every party.
    #[command(after_help = cli::lint::EXAMPLES)]
    Lint(cli::lint::Args),
    /// Print a shell completion script to stdout.
    #[command(
        after_help = "Examples:\n  docvar completions bash > ~/.local/share/bash-completion/completions/docvar\n  docvar completions zsh > \"${fpath[1]}/_docvar\"\n  docvar completions fish > ~/.config/fish/completions/docvar.fish\n  docvar completions powershell >> $PROFILE"
    )]
    Completions(cli::completions::Args),
    /// Print the man page (roff) to stdout.
    #[command(
        after_help = "Examples:\n  docvar man > docvar.1 && man ./docvar.1\n  docvar man | gzip > /usr/local/share/man/man1/docvar.1.gz"
    )]
    Man,
    /// Rename a product: edit its variant file in place, move out/ files, regenerate.
    #[command(after_help = cli::rename::EXAMPLES)]
    Rename(cli::rename::Args),
    /// Report where published copies drifted from what their template renders.
    #[command(after_help = cli::diff::EXAMPLES)]
    Diff(cli::diff::Args),
    /// Write a template and variant files from near-duplicate published copies of one page.
    ///
    /// Spans that differ consistently across the copies (a product name, a URL section)
    /// become variables; a difference that does not recur is drift: the lines most copies
    /// share become canonical and the run ends with each copy's drift report. With --exact,
    /// a copy's drifted lines get their own `{{#if (eq slug ...)}}` branch (the shared
    /// wording is the default), so `docvar generate` reproduces every copy.
    #[command(after_help = cli::infer::EXAMPLES)]
    Infer(cli::infer::Args),
    /// Carry template changes into the published copies by a three-way merge, then write out/.
    ///
    /// Base: the previous render (out/ while generate has not run since the change, else out/
    /// as committed in git). Conflicts get diff3 markers (<<<<<<< copy, ||||||| base, =======,
    /// >>>>>>> template).
    #[command(after_help = cli::update::EXAMPLES)]
    Update(cli::update::Args),
    /// Accept the current drift: record it in docvar-baseline.toml.
    ///
    /// `docvar diff` then fails only on drift not accepted there.
    #[command(after_help = cli::accept::EXAMPLES)]
    Accept(cli::accept::Args),
    /// Promote a copy's drift into the template, so the copy renders clean.
    ///
    /// The copy's text replaces the template lines that rendered it, with this product's
    /// variable values written back as {{variables}}, so every product gets the change in its
    /// own words. Nothing is written unless every selected hunk maps to template lines and the
    /// edited template renders the copy's text.
    #[command(after_help = cli::promote::EXAMPLES)]
    Promote(cli::promote::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut stdout = cli::Out::stdout();
    let outcome = run(cli, &mut stdout);
    // What was printed before a failure goes out before the error line.
    let flushed = stdout.flush();
    let outcome = outcome.and_then(|code| flushed.map(|()| code).map_err(Failure::Write));
    match outcome {
        Ok(code) => code,
        Err(Failure::Docvar(e)) => {
            cli::status(format_args!("error: {e}"));
            ExitCode::from(2)
        }
        Err(Failure::Write(e)) => {
            // std's "(os error N)" means nothing to a person.
            let e = e.to_string();
            let e = e.split(" (os error").next().unwrap_or_default();
            cli::status(format_args!("error: cannot write to stdout: {e}"));
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli, out: &mut dyn Write) -> cli::Result<ExitCode> {
    let infer = matches!(cli.command, Command::Infer(_));
    // Found from a subfolder as git and cargo do; `infer` starts projects, so it stays put.
    let root = match cli.project {
        Some(dir) => dir,
        None if infer => PathBuf::from("."),
        None => std::env::current_dir()
            .ok()
            .and_then(|cwd| docvar::project::discover(&cwd))
            .unwrap_or_else(|| PathBuf::from(".")),
    };
    match cli.command {
        Command::Generate(args) => cli::generate::run(&root, args, out),
        Command::Export(args) => cli::export::run(&root, args, out),
        Command::List => cli::list::run(&root, out),
        Command::Lint(args) => cli::lint::run(&root, args, out),
        Command::Completions(args) => cli::completions::run(args, Cli::command(), out),
        Command::Man => cli::man::run(Cli::command(), out),
        Command::Rename(args) => cli::rename::run(&root, args, out),
        Command::Diff(args) => cli::diff::run(&root, args, out),
        Command::Infer(args) => cli::infer::run(&root, args, out),
        Command::Update(args) => cli::update::run(&root, args, out),
        Command::Accept(args) => cli::accept::run(&root, args, out),
        Command::Promote(args) => cli::promote::run(&root, args, out),
    }
}
