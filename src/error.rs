//! One error type for every bad input: it names the file, the place in it and what to do.

use std::fmt;
use std::path::{Path, PathBuf};

/// A failure docvar reports to the user (exit code 2).
#[derive(Debug)]
pub struct Error {
    /// The file at fault, if there is one.
    pub file: Option<PathBuf>,
    /// 1-based line in `file`.
    pub line: Option<usize>,
    /// 1-based column in `file`.
    pub column: Option<usize>,
    /// Byte offset in `file`, for inputs where lines do not apply (invalid UTF-8).
    pub offset: Option<usize>,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
}

/// Result alias used across the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error not tied to a file (bad command-line usage, unknown page).
    pub fn msg(message: impl Into<String>) -> Self {
        Error {
            file: None,
            line: None,
            column: None,
            offset: None,
            message: message.into(),
            help: None,
        }
    }

    /// An error about `file`.
    pub fn in_file(file: impl AsRef<Path>, message: impl Into<String>) -> Self {
        Error {
            file: Some(file.as_ref().to_path_buf()),
            ..Error::msg(message)
        }
    }

    /// An I/O failure on `file`, phrased for a person.
    pub fn io(file: impl AsRef<Path>, err: &std::io::Error) -> Self {
        let help = match err.kind() {
            std::io::ErrorKind::NotFound => "check the path",
            std::io::ErrorKind::PermissionDenied => "check the file's permissions",
            _ => "check the file and the disk",
        };
        Error::in_file(file, io_message(err)).help(help)
    }

    /// Adds the 1-based line (and column) the error points at.
    pub fn at(mut self, line: usize, column: Option<usize>) -> Self {
        self.line = Some(line);
        self.column = column;
        self
    }

    /// Adds a byte offset.
    pub(crate) fn at_offset(mut self, offset: usize) -> Self {
        self.offset = Some(offset);
        self
    }

    /// Adds advice on what to do.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

fn io_message(err: &std::io::Error) -> String {
    // std's messages carry "(os error N)"; a person does not need the number.
    let s = err.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}", file.display())?;
            if let Some(line) = self.line {
                write!(f, ":{line}")?;
                if let Some(col) = self.column {
                    write!(f, ":{col}")?;
                }
            }
            if let Some(off) = self.offset {
                write!(f, " (byte {off})")?;
            }
            write!(f, ": ")?;
        }
        write!(f, "{}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, "; {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// 1-based (line, column) of a byte offset in `text`.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

/// Decodes bytes read from `path` as UTF-8, naming the first invalid byte's offset.
pub fn decode(path: &Path, bytes: Vec<u8>) -> Result<String> {
    String::from_utf8(bytes).map_err(|e| {
        let off = e.utf8_error().valid_up_to();
        let (line, col) = line_col(&String::from_utf8_lossy(&e.as_bytes()[..off]), off);
        Error::in_file(path, "not valid UTF-8")
            .at(line, Some(col))
            .at_offset(off)
            .help("save the file as UTF-8")
    })
}
