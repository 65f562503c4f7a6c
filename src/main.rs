//! The `docvar` command: a thin clap layer over the library.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use docvar::error::{read_text, Error, Result};
use docvar::generate::{self, Selection};
use docvar::output::{self, Status};
use docvar::project::Project;
use docvar::render::Renderer;
use docvar::export;

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
    /// Project root (holding templates/, variants/ and docvar.toml).
    #[arg(short = 'C', long = "project", global = true, default_value = ".", value_name = "DIR")]
    project: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Render every page for every variant into out/ as Markdown and plain text.
    #[command(after_help = "Examples:\n  docvar generate\n  docvar generate --check\n  docvar generate --variant psaas-appliance --page disaster-recovery-raci\n  docvar generate --out /tmp/preview")]
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
        /// Print nothing but errors.
        #[arg(short, long)]
        quiet: bool,
    },
    /// Print Markdown files (published copies too) as plain text or HTML.
    #[command(after_help = "Examples:\n  docvar export out/appliance/roles-and-responsibilities.md\n  docvar export --to html page.md > page.html")]
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
    match cli.command {
        Command::Generate {
            variants,
            pages,
            out,
            check,
            quiet,
        } => cmd_generate(&cli.project, Selection { variants, pages }, out, check, quiet),
        Command::Export { files, to } => cmd_export(&files, to),
        Command::List => cmd_list(&cli.project),
    }
}

fn load(root: &std::path::Path) -> Result<Project> {
    Project::load(root)
}

fn cmd_generate(root: &std::path::Path, sel: Selection, out: Option<PathBuf>, check: bool, quiet: bool) -> Result<ExitCode> {
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
    let planned = generate::plan(&project, &renderer, &sel)?;
    let out_dir = out.unwrap_or_else(|| project.out_dir());
    let owns = |rel: &std::path::Path| sel.owns(rel);
    let report = output::check(&out_dir, &planned, Some(&owns))?;
    if check {
        let mut stdout = std::io::stdout().lock();
        for (rel, status) in &report {
            let _ = writeln!(stdout, "{:<8} {}", status.as_str(), out_dir.join(rel).display());
        }
        if report.is_empty() {
            if !quiet {
                eprintln!("{} files in {} are up to date", planned.len(), out_dir.display());
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
    let extra: Vec<PathBuf> = report
        .iter()
        .filter(|(_, s)| *s == Status::Extra)
        .map(|(r, _)| r.clone())
        .collect();
    let written = output::write(&out_dir, &planned, &extra)?;
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
        out.push_str(&format!("  variables: {}\n", renderer.variables(&page.name).join(", ")));
        for v in &project.variants {
            let settings = v.page(&page.name);
            let published: Vec<String> = settings.published.iter().map(|p| p.display().to_string()).collect();
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
    let _ = std::io::stderr().is_terminal();
    Ok(ExitCode::SUCCESS)
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
