//! `docvar lint`: check the RACI tables of every rendered page.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use docvar::generate::Selection;
use docvar::lint::{self, print};
use docvar::project::Project;
use docvar::render::Renderer;

use super::{status, PageSelection, Result};

/// Shown after `docvar lint --help`.
pub const EXAMPLES: &str = "\
Examples:
  docvar lint                                  every page of every product
  docvar lint --page disaster-recovery-raci    one page
  docvar lint --format json > lint.json        machine-readable findings
  docvar lint --format github                  workflow annotations in CI

Known exceptions go in docvar.toml:
  [lint]
  allow = [{ page = \"roles-and-responsibilities\", row = \"Operations Handover\", reason = \"...\" }]

Exit codes: 0 no findings, 1 findings, 2 bad input.";

/// Arguments of `docvar lint`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    selection: PageSelection,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    format: print::Format,
}

/// Prints the findings; exit 1 if there are any.
pub fn run(root: &Path, args: Args, stdout: &mut dyn Write) -> Result<ExitCode> {
    let sel = Selection::from(args.selection);
    let project = Project::load(root)?;
    sel.validate(&project)?;
    let renderer = Renderer::new(&project)?;
    let outcome = lint::check(&project, &renderer, &sel)?;
    stdout.write_all(print::findings(&outcome, args.format).as_bytes())?;
    // Entries for pages or variants left out of the selection would look unused.
    if sel.pages.is_empty() && sel.variants.is_empty() {
        for w in print::unused_allows(&project, &outcome) {
            status(format_args!("warning: {w}"));
        }
    }
    if args.format != print::Format::Json {
        status(print::summary(&outcome));
    }
    Ok(if outcome.findings.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
