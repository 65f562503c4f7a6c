//! `docvar promote`: a copy's drift becomes the template's text.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use docvar::baseline::relative;
use docvar::drift::{self, CopyFormat, HunkKind};
use docvar::error::Error;
use docvar::project::Project;
use docvar::promote::{self, Outcome, Plan, Refusal, Target, Verdict};
use docvar::render::Renderer;
use docvar::report::{location_text, plural, terminal_safe as safe};

use super::{status, CopySelection, Result};

/// Shown after `docvar promote --help`.
pub const EXAMPLES: &str = "\
Examples:
  docvar promote --dry-run published/appliance/roles-and-responsibilities.md
  docvar promote --page roles-and-responsibilities --variant appliance
  docvar promote --hunk 2 --hunk 3 published/appliance/roles-and-responsibilities.md
  docvar promote --only-variant published/appliance/roles-and-responsibilities.md

Hunks count from 1 in the order `docvar diff` lists them; --dry-run numbers them.
Exit codes: 0 promoted (or nothing to promote, or the dry run shown), 1 refused (nothing
written), 2 error.";

/// Arguments of `docvar promote`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    copies: CopySelection,
    /// Promote only hunk N (repeatable; default: every hunk).
    #[arg(long = "hunk", value_name = "N")]
    hunks: Vec<usize>,
    /// Keep the change for this product alone: the template shows it behind
    /// {{#if (eq slug "...")}}, and every other product renders as before.
    #[arg(long)]
    only_variant: bool,
    /// Print the template diff and the diff of every page that would change; write nothing.
    #[arg(long)]
    dry_run: bool,
}

/// Plans the promotion, prints it, and writes the templates unless refused or a dry run.
pub fn run(root: &Path, args: Args, stdout: &mut dyn Write) -> Result<ExitCode> {
    let project = Project::load(root)?;
    let renderer = Renderer::new(&project)?;
    let copy = one_copy(&project, args.copies)?;
    let opts = drift::Options {
        restore: false,
        ..Default::default()
    }
    .with_ignores(&project.config.ignore)?;
    let req = promote::Request {
        copy,
        hunks: args.hunks,
        only_variant: args.only_variant,
    };
    let plan = promote::plan(&project, &renderer, &req, &opts)?;
    let copy_name = relative(root, &plan.copy.display().to_string());
    if plan.verdict == Verdict::TextCopy {
        return Err(Error::in_file(
            &plan.copy,
            "is plain text: its Markdown (links, tables, headings) is gone, so it cannot become template text",
        )
        .help("promote the page's Markdown copy (see the variant file's `published` list)")
        .into());
    }
    writeln!(
        stdout,
        "promote {} (page {}, variant {})",
        safe(&copy_name),
        plan.page,
        plan.variant
    )?;
    if plan.verdict == Verdict::Clean {
        writeln!(stdout, "nothing to promote: the copy is clean")?;
        return Ok(ExitCode::SUCCESS);
    }
    print_plan(root, &plan, &req.hunks, stdout)?;
    let code = match &plan.verdict {
        Verdict::Ready => {
            if args.dry_run {
                print_diffs(root, &project, &plan, stdout)?;
            }
            let files: Vec<String> = plan
                .edits
                .iter()
                .map(|e| relative(root, &e.path.display().to_string()))
                .collect();
            let promoted = promoted_hunks(&plan);
            if args.dry_run {
                writeln!(
                    stdout,
                    "dry run: {} into {}; {} would change; nothing written",
                    plural(promoted, "hunk"),
                    files.join(", "),
                    plural(plan.changes.len(), "rendered page")
                )?;
            } else {
                promote::apply(&project, &plan)?;
                writeln!(
                    stdout,
                    "promoted {} into {}; {} changed",
                    plural(promoted, "hunk"),
                    files.join(", "),
                    plural(plan.changes.len(), "rendered page")
                )?;
                for c in &plan.changes {
                    writeln!(stdout, "  {} ({})", c.page, c.variant)?;
                }
                status("run `docvar generate` to update out/");
            }
            ExitCode::SUCCESS
        }
        Verdict::Refused => {
            writeln!(
                stdout,
                "nothing written: some hunks cannot be promoted; promote the others with --hunk N, or edit the template by hand"
            )?;
            ExitCode::from(1)
        }
        Verdict::Mismatch { line } => {
            writeln!(
                stdout,
                "nothing written: the edited template would not render the copy's text (rendered line {line} differs); edit the template by hand"
            )?;
            ExitCode::from(1)
        }
        Verdict::OthersChange { pages } => {
            let list: Vec<String> = pages.iter().map(|(p, v)| format!("{p} ({v})")).collect();
            writeln!(
                stdout,
                "nothing written: with --only-variant these pages would change too: {}",
                list.join(", ")
            )?;
            ExitCode::from(1)
        }
        Verdict::RenderFails { message } => {
            writeln!(
                stdout,
                "nothing written: the edited template would not render: {}",
                safe(message)
            )?;
            ExitCode::from(1)
        }
        Verdict::Clean | Verdict::TextCopy => ExitCode::SUCCESS,
    };
    Ok(code)
}

/// The one copy the selection names: promote edits the template from one copy at a time.
/// A page's plain-text copy next to its Markdown one is left out (it cannot be promoted).
fn one_copy(project: &Project, sel: CopySelection) -> Result<drift::PublishedCopy> {
    let mut copies = super::diff::selected_copies(project, sel)?;
    if copies.len() > 1 {
        let markdown: Vec<_> = copies
            .iter()
            .filter(|c| c.format == CopyFormat::Markdown)
            .cloned()
            .collect();
        if markdown.len() == 1 {
            for c in copies.iter().filter(|c| c.format == CopyFormat::Text) {
                status(format_args!(
                    "skipping {}: a plain-text copy cannot be promoted",
                    safe(&c.path.display().to_string())
                ));
            }
            copies = markdown;
        }
    }
    match copies.len() {
        1 => Ok(copies.remove(0)),
        n => {
            let names: Vec<String> = copies
                .iter()
                .take(6)
                .map(|c| format!("{} ({}, {})", c.path.display(), c.page, c.variant))
                .collect();
            Err(Error::msg(format!(
                "promote takes one copy at a time; the selection holds {n}: {}{}",
                safe(&names.join(", ")),
                if n > 6 { ", ..." } else { "" }
            ))
            .help("name one FILE, or narrow it with --page NAME and --variant SLUG")
            .into())
        }
    }
}

fn kind(k: HunkKind) -> &'static str {
    match k {
        HunkKind::Changed => "changed",
        HunkKind::Added => "added  ",
        HunkKind::Removed => "removed",
        HunkKind::Moved => "moved  ",
    }
}

fn lines(l: [usize; 2]) -> String {
    if l[0] == l[1] {
        format!("line {}", l[0])
    } else {
        format!("lines {}-{}", l[0], l[1])
    }
}

fn hunk_list(h: &[usize]) -> String {
    let n: Vec<String> = h.iter().map(|n| n.to_string()).collect();
    format!(
        "{} {}",
        if h.len() == 1 { "hunk" } else { "hunks" },
        n.join(", ")
    )
}

fn promoted_hunks(plan: &Plan) -> usize {
    let mut n: Vec<usize> = plan
        .regions
        .iter()
        .filter(|r| matches!(r.outcome, Some(Outcome::Promoted(_))))
        .flat_map(|r| r.hunks.iter().copied())
        .collect();
    n.sort_unstable();
    n.dedup();
    n.len()
}

fn reason(root: &Path, r: &Refusal) -> String {
    let at = |f: &Path, l: usize| format!("{}:{l}", relative(root, &f.display().to_string()));
    match r {
        Refusal::Unmapped { line } => format!(
            "no template line is known for rendered line {line} (a helper's output?); edit the template by hand"
        ),
        Refusal::SpansFiles => {
            "the text comes from the page and a partial together; promote its hunks one by one with --hunk".to_string()
        }
        Refusal::MultiLineValue { file, line } => format!(
            "{} prints a variable whose value spans lines (front matter?); change it in the variant file",
            at(file, *line)
        ),
        Refusal::InBlock { file, line, helper } => format!(
            "{} is inside {{{{#{helper}}}}}, whose text other rows or products share; edit the template by hand",
            at(file, *line)
        ),
        Refusal::Expression { file, line } => format!(
            "{} holds a helper call, comment or whitespace control that promoting would overwrite; edit the template by hand",
            at(file, *line)
        ),
        Refusal::CrossesBlock { file, line } => format!(
            "the text spans {}, a line this product does not render ({{{{#if}}}} or its other branch); promote its hunks one by one with --hunk",
            at(file, *line)
        ),
        Refusal::Entangled { with } => {
            let mut all: Vec<String> = with.iter().map(|n| format!("--hunk {n}")).collect();
            all.dedup();
            format!(
                "its lines run together with {}, not selected; select them too ({})",
                hunk_list(with),
                all.join(" ")
            )
        }
        Refusal::Repeated { file, line } => format!(
            "{} renders in more than one place on the page (a partial included twice); edit the partial by hand",
            at(file, *line)
        ),
    }
}

fn print_plan(root: &Path, plan: &Plan, wanted: &[usize], out: &mut dyn Write) -> Result<()> {
    for (i, h) in plan.hunks.iter().enumerate() {
        let n = i + 1;
        let skip = !wanted.is_empty() && !wanted.contains(&n);
        writeln!(
            out,
            "  hunk {n}  {}  {}{}",
            kind(h.kind),
            safe(&location_text(h)),
            if skip { "  (not selected)" } else { "" }
        )?;
    }
    for r in plan.regions.iter().filter(|r| r.selected) {
        let copy = r
            .published_lines
            .map(|l| format!("copy {}", lines(l)))
            .unwrap_or_default();
        let tag = if r.hunks.is_empty() {
            "blank lines".to_string()
        } else {
            hunk_list(&r.hunks)
        };
        match &r.outcome {
            Some(Outcome::Promoted(Target::Replace { file, lines: l })) => {
                let at = format!(
                    "{}:{}",
                    relative(root, &file.display().to_string()),
                    span(*l)
                );
                if copy.is_empty() {
                    writeln!(out, "  {tag}: remove {at}")?;
                } else {
                    let verb = if r.published_lines.is_some_and(|l| l[0] == l[1]) {
                        "replaces"
                    } else {
                        "replace"
                    };
                    writeln!(out, "  {tag}: {copy} {verb} {at}")?;
                }
            }
            Some(Outcome::Promoted(Target::Insert { file, before })) => writeln!(
                out,
                "  {tag}: {copy} {} in at {}:{before}",
                if r.published_lines.is_some_and(|l| l[0] == l[1]) {
                    "goes"
                } else {
                    "go"
                },
                relative(root, &file.display().to_string())
            )?,
            Some(Outcome::Skipped(_)) => {}
            Some(Outcome::Refused(why)) => {
                writeln!(out, "  {tag}: refused: {}", reason(root, why))?;
            }
            None => {}
        }
    }
    Ok(())
}

fn span(l: [usize; 2]) -> String {
    if l[0] == l[1] {
        l[0].to_string()
    } else {
        format!("{}-{}", l[0], l[1])
    }
}

/// The template diff, then the diff of every rendered page that would change (as its out/
/// file), unified.
fn print_diffs(root: &Path, project: &Project, plan: &Plan, out: &mut dyn Write) -> Result<()> {
    let mut diff = |old: &str, new: &str, name: &str| -> std::io::Result<()> {
        let d = similar::TextDiff::from_lines(old, new);
        let text = d
            .unified_diff()
            .context_radius(2)
            .header(&format!("a/{name}"), &format!("b/{name}"))
            .to_string();
        out.write_all(safe(&text).as_bytes())
    };
    for e in &plan.edits {
        diff(
            &e.before,
            &e.after,
            &relative(root, &e.path.display().to_string()),
        )?;
    }
    let out_dir = project.config.out.display().to_string();
    for c in &plan.changes {
        diff(
            &c.before,
            &c.after,
            &format!("{out_dir}/{}/{}.md", c.variant, c.page),
        )?;
    }
    Ok(())
}
