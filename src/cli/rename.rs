//! `docvar rename`: rename a product in its variant file, out/ and the redirect list.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use docvar::project::Project;
use docvar::rename::{self, Plan};
use docvar::report::plural;

use super::{status, Result};

/// Shown after `docvar rename --help`.
pub const EXAMPLES: &str = "Examples:\n  docvar rename appliance --name \"Edge Box\" --dry-run\n  docvar rename psaas-appliance --name \"Edge Cloud\" --set product_short=Edge --slug edge-cloud --section edge-cloud\n\nEvery variable holding the old name follows; one holding only part of it needs --set.";

/// Arguments of `docvar rename`.
#[derive(clap::Args)]
pub struct Args {
    /// The variant to rename.
    slug: String,
    /// New product name (the first of `names` in docvar.toml, else `product`); every
    /// variable equal to or containing the old name follows.
    #[arg(long)]
    name: Option<String>,
    /// New title name (`product_title`).
    #[arg(long)]
    title: Option<String>,
    /// New slug: moves out/<slug>/ and the variant file, and writes a redirect list.
    #[arg(long = "slug", value_name = "NEW_SLUG")]
    new_slug: Option<String>,
    /// New URL section (`section`), added to the redirect list unless another product
    /// still publishes under the old one.
    #[arg(long)]
    section: Option<String>,
    /// New value of a variable (repeatable), in [vars] and every page override of it; needed
    /// for a variable that holds only part of the old name.
    #[arg(long = "set", value_name = "VAR=VALUE", value_parser = parse_set)]
    set: Vec<(String, String)>,
    /// Show the diff of every page that would change; write nothing.
    #[arg(long)]
    dry_run: bool,
}

/// `VAR=VALUE` for `rename --set`.
fn parse_set(s: &str) -> std::result::Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(format!(
            "{s:?} is not VAR=VALUE (e.g. --set product_short=Edge)"
        )),
    }
}

/// Renames (or with `--dry-run` shows the diff of every page that would change).
pub fn run(root: &Path, args: Args, stdout: &mut dyn Write) -> Result<ExitCode> {
    let req = rename::Request {
        slug: args.slug,
        name: args.name,
        title: args.title,
        new_slug: args.new_slug,
        section: args.section,
        set: args.set,
    };
    let project = Project::load(root)?;
    let plan = rename::plan(&project, &req)?;
    for (key, old, new) in &plan.changes {
        writeln!(
            stdout,
            "{}: {key} = {old:?} -> {new:?}",
            plan.new_path.display()
        )?;
    }
    if args.dry_run {
        let out = project.out_dir();
        let planned = rename::render(&plan)?;
        for p in &planned {
            let old_rel = Path::new(&plan.slugs.0).join(p.rel.iter().skip(1).collect::<PathBuf>());
            let old = docvar::read_text_limited(&out.join(&old_rel), docvar::DEFAULT_MAX_FILE_SIZE)
                .unwrap_or_default();
            let new = String::from_utf8_lossy(&p.bytes);
            if old != new {
                let diff = similar::TextDiff::from_lines(old.as_str(), &*new);
                // Paths as `git diff` writes them: relative to the project, no `a//abs`.
                let shown = |rel: &Path| {
                    let path = out.join(rel);
                    path.strip_prefix(&plan.project.root)
                        .unwrap_or(&path)
                        .display()
                        .to_string()
                        .trim_start_matches('/')
                        .to_string()
                };
                let a = format!("a/{}", shown(&old_rel));
                let b = format!("b/{}", shown(&p.rel));
                write!(
                    stdout,
                    "{}",
                    diff.unified_diff().context_radius(1).header(&a, &b)
                )?;
            }
        }
        for r in &plan.redirects {
            writeln!(stdout, "redirect {} {} -> {}", r.kind, r.from, r.to)?;
        }
        print_left_out(stdout, &plan)?;
        if let Some(old) = &plan.old_name {
            let found: Vec<_> = rename::leftovers(&planned, old)
                .into_iter()
                .map(|l| (l.rel, l.line))
                .collect();
            print_leftovers(stdout, &plan, &found, &out)?;
        }
        status("dry run: nothing written");
        return Ok(ExitCode::SUCCESS);
    }
    let done = rename::apply(&plan)?;
    let out = plan.project.out_dir();
    for rel in &done.written {
        writeln!(stdout, "changed  {}", out.join(rel).display())?;
    }
    for f in &done.redirect_files {
        writeln!(stdout, "redirects {}", f.display())?;
    }
    let leftovers: Vec<_> = done
        .leftovers
        .iter()
        .map(|l| (l.rel.clone(), l.line))
        .collect();
    print_left_out(stdout, &plan)?;
    print_leftovers(stdout, &plan, &leftovers, &out)?;
    status(format_args!(
        "renamed {}: {} changed",
        plan.slugs.1,
        plural(done.written.len(), "file")
    ));
    Ok(ExitCode::SUCCESS)
}

/// Redirects not written because another product still publishes under the old name.
fn print_left_out(w: &mut dyn Write, plan: &Plan) -> std::io::Result<()> {
    for l in &plan.left_out {
        writeln!(
            w,
            "no redirect {} {} -> {}: {} still published under {} by {}",
            l.redirect.kind,
            l.redirect.from,
            l.redirect.to,
            if l.redirect.kind == "url" {
                "pages are"
            } else {
                "it is"
            },
            l.redirect.from,
            l.rendered_by.join(", ")
        )?;
    }
    Ok(())
}

/// The lines of the renamed product's pages that still say the old name.
fn print_leftovers(
    w: &mut dyn Write,
    plan: &Plan,
    found: &[(PathBuf, usize)],
    out: &Path,
) -> std::io::Result<()> {
    let Some(old) = &plan.old_name else {
        return Ok(());
    };
    for (rel, line) in found {
        writeln!(w, "still says {old:?}: {}:{line}", out.join(rel).display())?;
    }
    if found.is_empty() {
        writeln!(w, "no {old:?} left in {}'s pages", plan.slugs.1)
    } else {
        writeln!(
            w,
            "{} of {}'s pages still say {old:?}: template text or front matter; edit them by hand",
            plural(found.len(), "line"),
            plan.slugs.1
        )
    }
}
