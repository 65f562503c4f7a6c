//! docvar: one canonical Handlebars template per page, one variables file per product, every
//! page rendered into `out/` as Markdown and plain text, and a drift report for published copies.
//!
//! The modules follow the data flow: [`project`] loads templates and variants, [`render`]
//! renders pages, [`output`] writes them, [`export`] prints plain text and HTML, [`drift`]
//! compares published copies, and [`report`] prints the drift in each format.

#![warn(missing_docs)]

pub mod baseline;
mod document;
pub mod drift;
pub mod error;
pub mod export;
mod frontmatter;
mod fsguard;
pub mod generate;
mod html;
pub mod infer;
pub mod lint;
mod markdown;
pub mod merge;
pub mod output;
mod progress;
pub mod project;
pub mod promote;
pub mod rename;
pub mod render;
pub mod report;
pub mod update;

/// A page as blocks (front-matter keys, headings, paragraphs, list items, table rows).
pub use document::{Block, BlockKind, Document};
/// The one error type: a message naming the file and line, and what to do (exit code 2).
pub use error::{Error, Result};
/// File safety as docvar applies it: bounded reads of regular files only, resolved paths, and
/// the `.git` folder it never reads or writes.
pub use fsguard::{in_git_dir, read_text_limited, resolve, DEFAULT_MAX_FILE_SIZE};
/// The stderr progress bar that `generate::plan` and the drift run tick.
pub use progress::Progress;
/// Loads a project: docvar.toml, templates, partials and variant files, all checked.
pub use project::Project;
/// Renders a project's pages (Handlebars set up once, strict variables, no escaping).
pub use render::Renderer;
