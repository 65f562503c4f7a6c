//! The commands of the `docvar` binary, one file each (its clap arguments and `run`), and what
//! they share: the stdout sink, status lines on stderr, colour and the failure type.

pub mod accept;
pub mod completions;
pub mod diff;
pub mod export;
pub mod generate;
pub mod infer;
pub mod lint;
pub mod list;
pub mod man;
pub mod promote;
pub mod rename;
pub mod update;

use std::fmt::Display;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

/// Which published copies a command works on (`diff`, `accept`, `promote`): the FILEs given,
/// or the copies the variant files declare, narrowed by --page and --variant.
#[derive(clap::Args)]
pub struct CopySelection {
    /// Published copies (default: the copies the variant files declare). A copy a variant file
    /// declares needs no --page or --variant.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Page the FILEs are copies of; without FILEs, only the declared copies of this page.
    #[arg(long, value_name = "NAME")]
    pub page: Option<String>,
    /// Product the FILEs belong to; without FILEs, only this product's declared copies.
    #[arg(long, value_name = "SLUG")]
    pub variant: Option<String>,
}

/// Which pages and variants a command covers (`lint`, `update`); none given = all.
#[derive(clap::Args)]
pub struct PageSelection {
    /// Only this page (repeatable).
    #[arg(long = "page", value_name = "NAME")]
    pub pages: Vec<String>,
    /// Only this variant (repeatable).
    #[arg(long = "variant", value_name = "SLUG")]
    pub variants: Vec<String>,
}

impl From<PageSelection> for docvar::generate::Selection {
    fn from(s: PageSelection) -> Self {
        docvar::generate::Selection {
            variants: s.variants,
            pages: s.pages,
        }
    }
}

/// Why a command failed: bad input (the library's error) or stdout refusing a write.
pub enum Failure {
    /// Bad input or a failed file operation, reported as the library words it.
    Docvar(docvar::error::Error),
    /// Stdout failed for a reason other than its reader leaving.
    Write(io::Error),
}

impl From<docvar::error::Error> for Failure {
    fn from(e: docvar::error::Error) -> Self {
        Failure::Docvar(e)
    }
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        Failure::Write(e)
    }
}

/// What every command returns: its exit code, or why it failed (exit 2).
pub type Result<T> = std::result::Result<T, Failure>;

/// Stdout for a command's output. A reader that stopped early (`docvar diff | head -1`) is
/// not an error: the rest of the output is discarded and the command finishes as it would
/// have (a `--fix` still fixes), with its own exit code. Any other write error propagates.
pub struct Out {
    inner: Sink,
    closed: bool,
}

/// A terminal sees each line as it is printed; a pipe or file gets large writes, since a
/// report can be hundreds of megabytes and line-buffered stdout made one syscall per line.
enum Sink {
    Terminal(io::StdoutLock<'static>),
    Pipe(io::BufWriter<io::StdoutLock<'static>>),
}

impl Out {
    /// Locks stdout for the run.
    pub fn stdout() -> Self {
        let lock = io::stdout().lock();
        let inner = if lock.is_terminal() {
            Sink::Terminal(lock)
        } else {
            Sink::Pipe(io::BufWriter::with_capacity(1 << 16, lock))
        };
        Out {
            inner,
            closed: false,
        }
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Terminal(w) => w.write(buf),
            Sink::Pipe(w) => w.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Terminal(w) => w.flush(),
            Sink::Pipe(w) => w.flush(),
        }
    }
}

impl Write for Out {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.closed {
            return Ok(buf.len());
        }
        match self.inner.write(buf) {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(buf.len())
            }
            r => r,
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.closed {
            return Ok(());
        }
        match self.inner.flush() {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            r => r,
        }
    }
}

/// A status line on stderr (summaries, warnings, "dry run: nothing written"). `eprintln!`
/// would panic if stderr is closed (`docvar diff 2>&1 | head -1`); with stderr gone there
/// is no one left to tell, so the line is dropped.
pub fn status(line: impl Display) {
    writeln!(io::stderr().lock(), "{line}").ok();
}

/// Whether the human formats colour their output: `--color always|never` as given; `auto`
/// decides as clap's own help does (a terminal, and `NO_COLOR`, `CLICOLOR`, `CLICOLOR_FORCE`).
pub fn use_color(choice: clap::ColorChoice) -> bool {
    match choice {
        clap::ColorChoice::Always => true,
        clap::ColorChoice::Never => false,
        clap::ColorChoice::Auto => {
            anstream::AutoStream::choice(&io::stdout()) != anstream::ColorChoice::Never
        }
    }
}

/// A path in a form two spellings of one file share (`copy.md`, `./x/../copy.md`).
pub fn same_file_key(p: &Path) -> PathBuf {
    std::fs::canonicalize(p)
        .or_else(|_| std::path::absolute(p))
        .unwrap_or_else(|_| p.to_path_buf())
}
