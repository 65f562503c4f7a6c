//! `docvar accept`: record the selected copies' current drift as known, in docvar-baseline.toml.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use docvar::baseline;
use docvar::report::terminal_safe as safe;

use super::{CopySelection, Result};

/// Shown after `docvar accept --help`.
pub const EXAMPLES: &str = "\
Examples:
  docvar accept
  docvar accept --variant private-saas
  docvar accept --prune

Exit codes: 0 recorded, 2 error.";

/// Arguments of `docvar accept`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    copies: CopySelection,
    /// Drop entries that match no drift any more (in the selected copies).
    #[arg(long)]
    prune: bool,
}

/// Records the drift and lists what was added and pruned.
pub fn run(root: &Path, args: Args, stdout: &mut dyn Write) -> Result<ExitCode> {
    let report = super::diff::selected_report(root, args.copies)?;
    let old = baseline::load(root)?;
    let before = old.clone().unwrap_or_default();
    let new = baseline::record(old, &report, root, args.prune);
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
    for (verb, list) in [("accepted", &added), ("pruned  ", &pruned)] {
        for e in list {
            writeln!(
                stdout,
                "{verb}  {} ({}) {} › {} {}",
                safe(&e.page),
                safe(&e.variant),
                safe(&e.copy),
                e.kind,
                safe(&e.location)
            )?;
        }
    }
    if new != before || !baseline::path(root).exists() {
        baseline::save(root, &new)?;
    }
    writeln!(
        stdout,
        "{}: {} new, {} pruned, {} in all",
        baseline::FILE,
        added.len(),
        pruned.len(),
        new.entries.len()
    )?;
    Ok(ExitCode::SUCCESS)
}
