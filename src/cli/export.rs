//! `docvar export`: print Markdown files as plain text or HTML.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

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
pub fn run(root: &Path, args: Args, stdout: &mut dyn Write) -> Result<ExitCode> {
    // The project's `max_file_size` when there is a readable docvar.toml, else the default.
    let limit = docvar::project::Config::load(root)
        .map_or(docvar::DEFAULT_MAX_FILE_SIZE, |c| c.max_file_size);
    let mut texts = Vec::new();
    for f in &args.files {
        texts.push(docvar::read_text_limited(f, limit)?);
    }
    for t in texts {
        stdout.write_all(export::to(&t, args.to).as_bytes())?;
    }
    Ok(ExitCode::SUCCESS)
}
