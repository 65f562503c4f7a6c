//! `docvar update`: carries a template change into hand-kept published copies by a three-way
//! merge (base = the previous render, template = the render now, copy = the published file),
//! then writes the new out/.
//!
//! [`plan`] reads and checks every input and merges in memory; [`apply`] writes; [`print()`]
//! is the only place prose is made.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::drift::{self, PublishedCopy};
use crate::error::{decode, Error, Result};
use crate::fsguard;
use crate::generate::{self, Selection};
use crate::merge::{self, Conflict, MARKERS};
use crate::output::{self, Planned};
use crate::project::Project;
use crate::render::Renderer;
use crate::report::plural;

/// What to update.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// Pages and variants whose declared copies are updated (empty = all).
    pub selection: Selection,
    /// Take the previous render from out/ at this git revision instead of looking for it.
    pub base_ref: Option<String>,
}

/// Where the previous render of a page came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaseSource {
    /// out/ as it is: generate has not run since the change.
    Out,
    /// out/ as committed at this git revision.
    Git(String),
}

impl std::fmt::Display for BaseSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BaseSource::Out => write!(f, "out/"),
            BaseSource::Git(r) => write!(f, "git {r}"),
        }
    }
}

/// The previous render of one page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Base {
    /// The rendered Markdown.
    pub markdown: String,
    /// Where it was found.
    pub source: BaseSource,
}

/// What an update does to one copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateStatus {
    /// Nothing to carry over (the template did not change, or the copy has it already).
    Unchanged,
    /// The change merged without conflicts.
    Merged,
    /// Written with conflict markers.
    Conflicts,
}

/// One copy's update, computed but not written.
#[derive(Debug, Clone)]
pub struct CopyUpdate {
    /// The copy.
    pub copy: PublishedCopy,
    /// Where its base came from.
    pub base: BaseSource,
    /// The copy's bytes now.
    pub before: String,
    /// The copy's bytes after the merge.
    pub after: String,
    /// Conflicts written into `after`.
    pub conflicts: Vec<Conflict>,
}

impl CopyUpdate {
    /// What the update does to the copy.
    pub fn status(&self) -> UpdateStatus {
        if !self.conflicts.is_empty() {
            UpdateStatus::Conflicts
        } else if self.after == self.before {
            UpdateStatus::Unchanged
        } else {
            UpdateStatus::Merged
        }
    }
}

/// Everything an update will write.
#[derive(Debug, Clone)]
pub struct UpdatePlan {
    /// Per selected copy, in declaration order.
    pub copies: Vec<CopyUpdate>,
    /// The new out/ files for the selection.
    pub out: Vec<Planned>,
    /// The output folder.
    pub out_dir: PathBuf,
}

impl UpdatePlan {
    /// Whether any copy has conflicts.
    pub fn has_conflicts(&self) -> bool {
        self.copies.iter().any(|c| !c.conflicts.is_empty())
    }
}

/// Reads every selected copy, finds each page's previous render and merges, writing nothing.
/// Any bad input (an unreadable copy, one with unresolved conflict markers, no base) fails
/// the whole plan.
pub fn plan(project: &Project, renderer: &Renderer<'_>, req: &Request) -> Result<UpdatePlan> {
    req.selection.validate(project)?;
    if let Some(r) = &req.base_ref {
        check_ref(r)?;
    }
    let copies: Vec<PublishedCopy> = drift::declared_copies(project)
        .into_iter()
        .filter(|c| req.selection.has_page(&c.page) && req.selection.has_variant(&c.variant))
        .collect();
    if copies.is_empty() {
        return Err(Error::msg("no published copies to update").help(
            "list them in the variant files ([pages.<page>] published = [...]), or widen --page/--variant",
        ));
    }
    let out = generate::plan(project, renderer, &req.selection, None)?;
    let out_dir = project.out_dir();
    let ignore = drift::Options::default()
        .with_ignores(&project.config.ignore)?
        .ignore;
    let mut bases: Vec<((String, String), Option<Base>)> = Vec::new();
    let mut unknown: Option<PathBuf> = None;
    let mut updates = Vec::new();
    for copy in copies {
        let rel = Path::new(&copy.variant).join(format!("{}.md", copy.page));
        let rendered = out
            .iter()
            .find(|p| p.rel == rel)
            .map(|p| String::from_utf8_lossy(&p.bytes).into_owned())
            .unwrap_or_default();
        let key = (copy.variant.clone(), copy.page.clone());
        let base = match bases.iter().find(|(k, _)| *k == key) {
            Some((_, b)) => b.clone(),
            None => {
                let b = find_base(project, &rel, &rendered, req.base_ref.as_deref())?;
                bases.push((key, b.clone()));
                b
            }
        };
        let base = match base {
            Some(b) => b,
            None => {
                unknown.get_or_insert(project.out_dir().join(&rel));
                // Without git, a page whose out/ is current counts as unchanged, as long as
                // some other page shows the change (checked below).
                Base {
                    markdown: rendered.clone(),
                    source: BaseSource::Out,
                }
            }
        };
        let before = read_copy(&copy.path)?;
        let (after, conflicts) = if base.markdown == rendered {
            // The template did not change: the copy is not rewritten, whatever it holds.
            (before.clone(), Vec::new())
        } else {
            refuse_markers(&copy.path, &before)?;
            let m = merge::merge(&base.markdown, &rendered, &before, copy.format, &ignore);
            (m.text, m.conflicts)
        };
        if after != before {
            // Checked now, so a link is refused before anything is written.
            fsguard::refuse_links(&project.root, &copy.path)?;
        }
        updates.push(CopyUpdate {
            copy,
            base: base.source,
            before,
            after,
            conflicts,
        });
    }
    if let Some(path) = unknown {
        if bases.iter().all(|(_, b)| b.is_none()) {
            return Err(no_base(&path));
        }
    }
    for p in &out {
        fsguard::refuse_links(&project.root, &out_dir.join(&p.rel))?;
    }
    Ok(UpdatePlan {
        copies: updates,
        out,
        out_dir,
    })
}

/// Writes every copy that changes (each all or nothing, never through a link), then the new
/// out/ as `docvar generate` writes it. Returns the copies written.
pub fn apply(project: &Project, plan: &UpdatePlan) -> Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for c in &plan.copies {
        if c.after != c.before {
            fsguard::write_atomic(&project.root, &c.copy.path, c.after.as_bytes())?;
            written.push(c.copy.path.clone());
        }
    }
    output::write(&plan.out_dir, &plan.out, &[], None)?;
    Ok(written)
}

fn no_base(out_path: &Path) -> Error {
    Error::in_file(
        out_path,
        "no previous render found: out/ is up to date and git has no committed version",
    )
    .help("pass --base <git-ref> naming a commit whose out/ holds the render the copies were made from")
}

/// The previous render of the page rendered at `rel` (`<slug>/<page>.md` in out/), whose
/// render now is `rendered`: out/ while it is stale, else out/ as committed in git (HEAD, or
/// `base_ref`). `None` when out/ is current and git has no version. The one place a base is
/// looked for, so a record of written files can join in.
pub(crate) fn find_base(
    project: &Project,
    rel: &Path,
    rendered: &str,
    base_ref: Option<&str>,
) -> Result<Option<Base>> {
    let out_path = project.out_dir().join(rel);
    if let Some(r) = base_ref {
        return git_show(project, rel, r)?
            .map(|markdown| {
                Some(Base {
                    markdown,
                    source: BaseSource::Git(r.to_string()),
                })
            })
            .ok_or_else(|| {
                Error::in_file(
                    &out_path,
                    format!("git has no version of this file at {r:?}"),
                )
                .help("pass --base a commit, branch or tag whose out/ holds the page")
            });
    }
    match fsguard::read_regular(&out_path, fsguard::DEFAULT_MAX_FILE_SIZE) {
        Ok(bytes) if bytes != rendered.as_bytes() => {
            return Ok(Some(Base {
                markdown: decode(&out_path, bytes)?,
                source: BaseSource::Out,
            }))
        }
        Ok(_) => {}
        Err(_) if !out_path.exists() => {
            return git_show(project, rel, "HEAD")?
                .map(|markdown| {
                    Some(Base {
                        markdown,
                        source: BaseSource::Git("HEAD".into()),
                    })
                })
                .ok_or_else(|| no_base(&out_path));
        }
        Err(e) => return Err(e),
    }
    Ok(git_show(project, rel, "HEAD")?.map(|markdown| Base {
        markdown,
        source: BaseSource::Git("HEAD".into()),
    }))
}

/// Refuses revisions git would read as options or that hold a path separator of its own.
fn check_ref(r: &str) -> Result<()> {
    if r.is_empty() || r.starts_with('-') || r.contains(':') || r.chars().any(char::is_control) {
        return Err(Error::msg(format!("--base {r:?} is not a git revision"))
            .help("give a commit, branch or tag, e.g. --base HEAD~1"));
    }
    Ok(())
}

/// `git show <rev>:<out>/<rel>` from the project root; `None` when git, the repository, the
/// revision or the file is missing.
fn git_show(project: &Project, rel: &Path, rev: &str) -> Result<Option<String>> {
    let out = &project.config.out;
    let out = if out.is_absolute() {
        match out.strip_prefix(std::path::absolute(&project.root).unwrap_or_default()) {
            Ok(r) => r.to_path_buf(),
            Err(_) => return Ok(None),
        }
    } else {
        out.clone()
    };
    let spec = format!(
        "{rev}:./{}",
        out.join(rel).to_string_lossy().replace('\\', "/")
    );
    let root = if project.root.as_os_str().is_empty() {
        Path::new(".")
    } else {
        &project.root
    };
    let output = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["show", "--no-textconv", &spec])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output();
    match output {
        Ok(o) if o.status.success() => {
            let path = project.out_dir().join(rel);
            if o.stdout.len() as u64 > fsguard::DEFAULT_MAX_FILE_SIZE {
                return Err(Error::in_file(
                    &path,
                    format!("is over {} bytes at {rev}", fsguard::DEFAULT_MAX_FILE_SIZE),
                ));
            }
            decode(&path, o.stdout).map(Some)
        }
        _ => Ok(None),
    }
}

fn read_copy(path: &Path) -> Result<String> {
    let bytes = fsguard::read_regular(path, fsguard::DEFAULT_MAX_FILE_SIZE)?;
    if let Some(off) = bytes.iter().position(|&b| b == 0) {
        return Err(Error::in_file(path, "looks binary (it holds a NUL byte)")
            .at_offset(off)
            .help("declare a Markdown or plain-text copy"));
    }
    decode(path, bytes)
}

/// Refuses a copy still holding conflict markers from an earlier update.
fn refuse_markers(path: &Path, text: &str) -> Result<()> {
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line == MARKERS[0] || line == MARKERS[3] {
            return Err(Error::in_file(path, "holds an unresolved update conflict")
                .at(i + 1, None)
                .help(
                    "keep the wanted text, delete the marker lines, then run docvar update again",
                ));
        }
    }
    Ok(())
}

/// The human report: one line per copy, then each conflict with its file, line and place;
/// with `dry_run`, each conflict's hunk too.
pub fn print(plan: &UpdatePlan, dry_run: bool) -> String {
    let mut out = String::new();
    for c in &plan.copies {
        let path = c.copy.path.display();
        let what = match c.status() {
            UpdateStatus::Unchanged => "unchanged".to_string(),
            UpdateStatus::Merged => "merged cleanly".to_string(),
            UpdateStatus::Conflicts => plural(c.conflicts.len(), "conflict"),
        };
        out.push_str(&format!(
            "{path}: {what} (base: {})\n",
            inert(&c.base.to_string())
        ));
        for k in &c.conflicts {
            let place = inert(&crate::report::place_text(&k.location));
            out.push_str(&format!("  {path}:{}: conflict in {place}\n", k.line));
            if dry_run {
                for (marker, body) in MARKERS.iter().zip([&k.copy, &k.base, &k.template]) {
                    out.push_str(&format!("    {marker}\n"));
                    for l in body.lines() {
                        out.push_str(&format!("    {}\n", inert(l)));
                    }
                }
                out.push_str(&format!("    {}\n", MARKERS[3]));
            }
        }
    }
    out
}

/// Page text as a terminal shows it harmlessly: control characters (escape sequences, a
/// stray CR) become U+FFFD.
fn inert(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() && c != '\t' {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect()
}

/// The closing line for stderr.
pub fn summary(plan: &UpdatePlan, dry_run: bool) -> String {
    let count = |s: UpdateStatus| plan.copies.iter().filter(|c| c.status() == s).count();
    let conflicts: usize = plan.copies.iter().map(|c| c.conflicts.len()).sum();
    let mut s = format!(
        "{} merged, {} with conflicts ({}), {} unchanged",
        count(UpdateStatus::Merged),
        count(UpdateStatus::Conflicts),
        plural(conflicts, "conflict"),
        count(UpdateStatus::Unchanged)
    );
    if dry_run {
        s.push_str("; dry run: nothing written");
    } else if conflicts > 0 {
        s.push_str("; resolve the marked conflicts, then run `docvar diff`");
    }
    s
}
