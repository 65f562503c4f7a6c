//! docvar: one canonical Handlebars template per page, one variables file per product, every
//! page rendered into `out/` as Markdown and plain text, and a drift report for published copies.
//!
//! The modules follow the data flow: [`project`] loads templates and variants, [`render`]
//! renders pages, [`output`] writes them, [`export`] prints plain text and HTML, [`drift`]
//! compares published copies, and [`report`] prints the drift in each format.

#![warn(missing_docs)]

pub mod baseline;
pub mod document;
pub mod drift;
pub mod error;
pub mod export;
pub mod frontmatter;
pub mod fsguard;
pub mod generate;
pub mod html;
pub mod infer;
pub mod lint;
mod markdown;
pub mod merge;
pub mod output;
pub mod progress;
pub mod project;
pub mod rename;
pub mod render;
pub mod report;
pub mod update;
