//! `docvar export`: print Markdown files as plain text or HTML.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use docvar::error::read_text;
use docvar::export::{self, Format};

use super::Result;

/// Arguments of `docvar export`.
#[derive(clap::Args)]
pub struct Args {
    /// Markdown files.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    to: Format,
}

/// Prints each file in the chosen format, after reading them all (a bad one prints nothing).
pub fn run(args: Args, stdout: &mut dyn Write) -> Result<ExitCode> {
    let mut texts = Vec::new();
    for f in &args.files {
        texts.push(read_text(f)?);
    }
    for t in texts {
        stdout.write_all(export::to(&t, args.to).as_bytes())?;
    }
    Ok(ExitCode::SUCCESS)
}
