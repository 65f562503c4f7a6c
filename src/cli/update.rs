//! `docvar update`: carry template changes into hand-kept copies by a three-way merge.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use docvar::project::Project;
use docvar::render::Renderer;
use docvar::update;

use super::{status, PageSelection, Result};

/// Shown after `docvar update --help`.
pub const EXAMPLES: &str = "\
Examples:
  docvar update --dry-run                       what would merge, and each conflict's hunk
  docvar update --page roles-and-responsibilities --variant private-saas
  docvar update --base HEAD~1                   the previous render is out/ at HEAD~1

Exit codes: 0 merged or nothing to do, 1 conflicts written, 2 bad input.";

/// Arguments of `docvar update`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    selection: PageSelection,
    /// Take the previous render from out/ at this git revision.
    #[arg(long = "base", value_name = "GIT_REF")]
    base: Option<String>,
    /// Print what would happen to each copy; write nothing.
    #[arg(long)]
    dry_run: bool,
}

/// Merges (or with `--dry-run` shows) each copy; exit 1 if conflicts were written.
pub fn run(root: &Path, args: Args, stdout: &mut dyn Write) -> Result<ExitCode> {
    let project = Project::load(root)?;
    let renderer = Renderer::new(&project)?;
    let req = update::Request {
        selection: args.selection.into(),
        base_ref: args.base,
    };
    let plan = update::plan(&project, &renderer, &req)?;
    if !args.dry_run {
        update::apply(&project, &plan)?;
    }
    stdout.write_all(update::print(&plan, args.dry_run).as_bytes())?;
    status(update::summary(&plan, args.dry_run));
    Ok(if plan.has_conflicts() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
