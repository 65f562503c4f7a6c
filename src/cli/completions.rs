//! `docvar completions`: a shell completion script from the same clap definition.

use std::io::Write;
use std::process::ExitCode;

use super::Result;

/// Arguments of `docvar completions`.
#[derive(clap::Args)]
pub struct Args {
    /// The shell to complete for.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

/// Prints the script for `cmd`, the whole command line's definition.
pub fn run(args: Args, mut cmd: clap::Command, stdout: &mut dyn Write) -> Result<ExitCode> {
    // Built in memory first: clap_complete's writer panics on a write error.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "docvar", &mut script);
    stdout.write_all(&script)?;
    Ok(ExitCode::SUCCESS)
}
