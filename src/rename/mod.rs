//! One-step rename of a product: the variant file edited in place (comments and layout kept),
//! every variable holding the old name kept in step, out/ moved when the slug changes, pages
//! regenerated, and a redirect list for the help center.
//!
//! All or nothing: [`plan`] works everything out in memory, [`apply`] checks every target
//! (variant file, out/ folders, `redirects/`) for links, collisions and permissions before the
//! first write, and undoes what it wrote if a later step fails.
//!
//! By stage: `names` finds the variables holding the name and their new values, [`plan`]
//! works out the whole rename, `redirects` builds the redirect list, [`apply`] writes it.

use std::fs;
use std::path::{Path, PathBuf};

use serde::Serialize;
use toml_edit::DocumentMut;

use crate::error::{Error, Result};
use crate::fsguard;
use crate::generate::{self, Selection};
use crate::output::{self, Planned};
use crate::project::{check_name, join, suggest, Project, Variant};
use crate::render::Renderer;

mod apply;
mod names;
mod plan;
mod redirects;

pub use apply::{apply, check_targets, Done};
pub use names::leftovers;
pub use plan::{plan, render};

use names::*;
use redirects::*;

/// The variable `--name` sets when docvar.toml lists no `names`.
pub const DEFAULT_NAME_VAR: &str = "product";
/// The variable `--title` sets.
pub const TITLE_VAR: &str = "product_title";
/// The variable `--section` sets: the docs site's URL section, the source of URL redirects.
pub const SECTION_VAR: &str = "section";
/// Folder (under the project root) the redirect lists go to.
pub const REDIRECTS_DIR: &str = "redirects";

/// What to rename.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// The variant to rename.
    pub slug: String,
    /// New product name (the first of docvar.toml's `names`, else `product`).
    pub name: Option<String>,
    /// New `product_title`; by default the old title with the old name replaced.
    pub title: Option<String>,
    /// New slug (output folder and variant file name).
    pub new_slug: Option<String>,
    /// New `section` (URL section).
    pub section: Option<String>,
    /// Explicit new values (`--set VAR=VALUE`): set in `[vars]` and every page override of VAR.
    pub set: Vec<(String, String)>,
}

/// One line of the redirect list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Redirect {
    /// `path` (an out/ file) or `url` (a docs-site URL prefix).
    pub kind: &'static str,
    /// Old location.
    pub from: String,
    /// New location.
    pub to: String,
}

/// A redirect not written because its source is still in use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftOut {
    /// The redirect that would have been written.
    pub redirect: Redirect,
    /// Variants that still render under its source.
    pub rendered_by: Vec<String>,
}

/// A variable whose value holds part of the old name: its new value must be given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unresolved {
    /// `product_short`, or `pages.<page>.vars.product_short`.
    pub key: String,
    /// The variable's name alone (what `--set` takes).
    pub var: String,
    /// Its value.
    pub value: String,
    /// 1-based line in the variant file, where found.
    pub line: Option<usize>,
}

/// A remaining occurrence of the old name in a rendered page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leftover {
    /// The out/ file (relative to out/).
    pub rel: PathBuf,
    /// 1-based line.
    pub line: usize,
}

/// A rename worked out in memory, before anything is written.
pub struct Plan {
    /// The variant file as it is now.
    pub old_path: PathBuf,
    /// Its text as loaded (restored if a later step fails).
    pub old_source: String,
    /// Where the variant file goes (differs when the slug changes and the file is named by it).
    pub new_path: PathBuf,
    /// The edited variant file.
    pub new_source: String,
    /// Variables changed: (key, old, new); page overrides as `pages.<page>.vars.<key>`.
    pub changes: Vec<(String, String, String)>,
    /// The old product name, when `--name` renames it.
    pub old_name: Option<String>,
    /// Old and new slug.
    pub slugs: (String, String),
    /// The project as it will be.
    pub project: Project,
    /// Redirects for the help center (empty without a slug or section change).
    pub redirects: Vec<Redirect>,
    /// Redirects not written, and why.
    pub left_out: Vec<LeftOut>,
}

impl Plan {
    /// The redirect list's files: `redirects/<old-slug>-to-<new-slug>.csv` and `.json`, or
    /// `redirects/<slug>-<old-section>-to-<new-section>.*` when only the section changes.
    pub(crate) fn redirect_paths(&self) -> Vec<PathBuf> {
        if self.redirects.is_empty() {
            return Vec::new();
        }
        let (old, new) = &self.slugs;
        let stem = if old != new {
            format!("{old}-to-{new}")
        } else {
            let url = |s: &str| s.trim_matches('/').to_string();
            let r = self.redirects.iter().find(|r| r.kind == "url");
            match r {
                Some(r) => format!("{new}-{}-to-{}", url(&r.from), url(&r.to)),
                None => format!("{old}-to-{new}"),
            }
        };
        // Built by format!, not `with_extension`, so a dotted slug (`v1.2`) keeps its dot.
        let dir = join(&self.project.root, Path::new(REDIRECTS_DIR));
        ["csv", "json"]
            .iter()
            .map(|ext| dir.join(format!("{stem}.{ext}")))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_match_whole_words_only() {
        assert_eq!(word_matches("the Appliance runs", "Appliance"), vec![4]);
        assert!(word_matches("Appliances", "Appliance").is_empty());
        assert!(word_matches("backing-up-the-appliance", "Appliance").is_empty());
        assert_eq!(
            replace_words("Auth0 Appliance", "Appliance", "Edge Box"),
            "Auth0 Edge Box"
        );
    }

    #[test]
    fn follow_equal_contains_and_part() {
        let parts = stale_parts("PSaaS Appliance", "Edge Cloud");
        assert_eq!(parts, vec!["PSaaS", "Appliance"]);
        let f = |v| follow(v, "PSaaS Appliance", "Edge Cloud", &parts);
        assert_eq!(f("PSaaS Appliance"), Ok(Some("Edge Cloud".into())));
        assert_eq!(
            f("Auth0 PSaaS Appliance"),
            Ok(Some("Auth0 Edge Cloud".into()))
        );
        assert_eq!(f("Appliance"), Err(()));
        assert_eq!(f("appliance"), Ok(None));
        // A part the new name keeps is not stale.
        assert!(stale_parts("PSaaS Appliance", "Edge Appliance") == vec!["PSaaS"]);
    }
}
