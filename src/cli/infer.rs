//! `docvar infer`: write a template and variant files from near-duplicate published copies.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use docvar::error::Error;
use docvar::infer::{self, Inferred, Plan, Refusal};
use docvar::report::{self, plural, Format};

use super::{status, use_color, Result};

/// Shown after `docvar infer --help`.
pub const EXAMPLES: &str = "\
Examples:
  docvar infer --page roles private-saas/roles.md appliance/roles.md    slugs from folder names
  docvar infer --page roles a.md b.md --variant cloud --variant edge     slugs given in order
  docvar infer --page roles */roles.md --exact --dry-run                 show what would be written

Copies must be near-duplicates: word similarity to the first by slug at least 50%.
Exit codes: 0 written (or shown), 2 refused or bad input.";

/// Arguments of `docvar infer`.
#[derive(clap::Args)]
pub struct Args {
    /// Page name: the template becomes templates/NAME.md.hbs.
    #[arg(long, value_name = "NAME")]
    page: String,
    /// Published copies of the page (two or more), one per product.
    #[arg(value_name = "FILE", num_args = 2.., required = true)]
    files: Vec<PathBuf>,
    /// Product of each FILE, in the same order (default: the variant file that lists the
    /// copy as published, else the copy's folder name).
    #[arg(long = "variant", value_name = "SLUG")]
    variants: Vec<String>,
    /// Keep drift (each differing copy's lines in a branch on its slug) so generate
    /// reproduces every copy byte for byte.
    #[arg(long)]
    exact: bool,
    /// Print the template, the variant file changes and the drift report; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Overwrite an existing template.
    #[arg(long)]
    force: bool,
    /// Colour in the drift report.
    #[arg(long, value_enum, default_value = "auto")]
    color: clap::ColorChoice,
}

/// Infers the template, writes it (unless `--dry-run`) and prints what it did.
pub fn run(root: &Path, args: Args, stdout: &mut dyn Write) -> Result<ExitCode> {
    if !args.variants.is_empty() && args.variants.len() != args.files.len() {
        return Err(Error::msg(format!(
            "{} given for {}",
            plural(args.variants.len(), "--variant"),
            plural(args.files.len(), "file")
        ))
        .help("give one --variant per FILE, in the same order, or none")
        .into());
    }
    let limit = docvar::project::Config::load(root)?.max_file_size;
    let mut copies = Vec::new();
    let mut published = Vec::new();
    for (i, file) in args.files.iter().enumerate() {
        if docvar::in_git_dir(&docvar::resolve(file)) {
            return Err(
                Error::in_file(file, "is inside .git/; docvar never reads it as a copy")
                    .help("pass published copies of the page")
                    .into(),
            );
        }
        let text = docvar::drift::read_copy_limited(file, limit)?;
        let slug = match args.variants.get(i) {
            Some(s) => s.clone(),
            None => infer::slug_for(root, &args.page, file)?,
        };
        copies.push((slug, text));
        published.push(infer::published_path(root, file));
    }
    let formats: Vec<_> = args
        .files
        .iter()
        .map(|f| docvar::drift::CopyFormat::of(f))
        .collect();
    if let Some(i) = formats.iter().position(|f| *f != formats[0]) {
        return Err(Error::msg(format!(
            "{} and {} mix Markdown and plain text",
            args.files[0].display(),
            args.files[i].display()
        ))
        .help("infer from copies in one format (the Markdown ones, if you have both)")
        .into());
    }
    let name = |i: usize| args.files[i].display().to_string();
    let mut inferred = infer::infer(&args.page, &copies, args.exact).map_err(|r| match r {
        Refusal::TooFew => Error::msg(r.to_string()),
        Refusal::SameVariant {
            slug,
            copies: [a, b],
        } => Error::msg(format!(
            "{} and {} both belong to variant {slug:?}",
            name(a),
            name(b)
        ))
        .help("give one copy per product; pass --variant SLUG for each file to say which"),
        Refusal::NotNearDuplicates { copies: [a, b], .. } => {
            Error::msg(format!("{} and {}: {r}", name(a), name(b)))
                .help("infer one page at a time; give only copies of the same page")
        }
    })?;
    let plan = infer::plan(root, &mut inferred, &published)?;
    if plan.overwrites && !args.force && !args.dry_run {
        return Err(Error::in_file(&plan.template_path, "exists already")
            .help("pass --force to overwrite it, or pick another --page name")
            .into());
    }
    let report = infer::drift_report(root, &plan, &args.page, &args.files)?;
    // Printed only once the files are written: a failed write prints nothing but the error.
    let mut shown = Vec::new();
    print(&mut shown, &args, &inferred, &plan)?;
    shown.push(b'\n');
    let opts = report::Options {
        color: use_color(args.color),
        ..report::Options::default()
    };
    report::write(&report, Format::Human, &opts, &mut shown)?;
    if !args.dry_run {
        infer::write(root, &plan)?;
    }
    stdout.write_all(&shown)?;
    if args.dry_run {
        status("dry run: nothing written");
    } else {
        status("next: docvar generate");
    }
    Ok(ExitCode::SUCCESS)
}

/// What was (or would be) written: variables, drift, variant files and, on a dry run, the
/// template and the variant files' diffs.
fn print(w: &mut dyn Write, args: &Args, inferred: &Inferred, plan: &Plan) -> io::Result<()> {
    let verb = match (args.dry_run, plan.overwrites) {
        (true, false) => "would write",
        (true, true) if args.force => "would overwrite",
        (true, true) => "would overwrite (needs --force)",
        (false, false) => "wrote",
        (false, true) => "overwrote",
    };
    writeln!(
        w,
        "{verb} {}: {} from {}",
        plan.template_path.display(),
        plural(inferred.variables.len(), "variable"),
        plural(args.files.len(), "copy")
    )?;
    // `slug="value", …` in input order.
    let per_slug = |values: &[String]| -> String {
        let pairs: Vec<String> = inferred
            .slugs
            .iter()
            .zip(values)
            .map(|(s, val)| format!("{s}={val:?}"))
            .collect();
        pairs.join(", ")
    };
    let width = inferred
        .variables
        .iter()
        .map(|v| v.name.len())
        .max()
        .unwrap_or(0);
    for v in &inferred.variables {
        writeln!(
            w,
            "  {:width$}  {}  ({})",
            v.name,
            per_slug(&v.values),
            plural(v.uses, "use")
        )?;
    }
    for (slug, fm) in inferred.slugs.iter().zip(&inferred.front_matter) {
        if !fm.is_empty() {
            let keys: Vec<&str> = fm.keys().map(String::as_str).collect();
            writeln!(w, "  front matter of {slug} only: {}", keys.join(", "))?;
        }
    }
    if inferred.lf_line_ends {
        writeln!(
            w,
            "  the copies mix CRLF and LF line ends: the template uses LF"
        )?;
    }
    if inferred.front_matter_trailing_spaces {
        writeln!(
            w,
            "  front matter keys with trailing spaces are written without them"
        )?;
    }
    if !args.exact && !inferred.drift.is_empty() {
        writeln!(
            w,
            "drift (the template keeps the wording most copies share; ties: the first by slug):"
        )?;
        for d in &inferred.drift {
            let kept: Vec<&str> = (0..inferred.slugs.len())
                .filter(|i| !d.deviating.contains(i))
                .map(|i| inferred.slugs[i].as_str())
                .collect();
            writeln!(
                w,
                "  {} line {}: wording of {} kept",
                plan.template_path.display(),
                d.line,
                kept.join(", ")
            )?;
        }
    }
    if args.exact && !inferred.drift.is_empty() {
        writeln!(
            w,
            "drift kept on purpose (the wording most copies share is the default; a copy that differs has its own {{{{#if (eq slug ...)}}}} branch, or inside a line a per-variant override):"
        )?;
        for d in &inferred.drift {
            match &d.name {
                Some(name) => writeln!(
                    w,
                    "  {} line {}: override `{name}`: {}",
                    plan.template_path.display(),
                    d.line,
                    per_slug(&d.values)
                )?,
                None => {
                    let own: Vec<&str> = d
                        .deviating
                        .iter()
                        .map(|&i| inferred.slugs[i].as_str())
                        .collect();
                    writeln!(
                        w,
                        "  {} line {}: own wording for {}",
                        plan.template_path.display(),
                        d.line,
                        own.join(", ")
                    )?;
                }
            }
        }
    }
    for v in &plan.variants {
        let what = match (&v.before, args.dry_run) {
            (None, true) => "would create",
            (None, false) => "created",
            (Some(b), _) if *b == v.after => "unchanged",
            (Some(_), true) => "would update",
            (Some(_), false) => "updated",
        };
        writeln!(w, "{what} {}", v.path.display())?;
    }
    if args.dry_run {
        write!(
            w,
            "\n--- {} ---\n{}",
            plan.template_path.display(),
            plan.template
        )?;
        if !plan.template.ends_with('\n') {
            writeln!(w)?;
        }
        for v in &plan.variants {
            let before = v.before.as_deref().unwrap_or("");
            if before == v.after {
                continue;
            }
            let path = v.path.display().to_string();
            let a = if v.before.is_some() {
                format!("a/{path}")
            } else {
                "/dev/null".to_string()
            };
            let diff = similar::TextDiff::from_lines(before, v.after.as_str());
            write!(
                w,
                "\n{}",
                diff.unified_diff()
                    .context_radius(3)
                    .header(&a, &format!("b/{path}"))
            )?;
        }
    }
    Ok(())
}
