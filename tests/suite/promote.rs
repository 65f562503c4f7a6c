//! `docvar promote`: the done-when scenarios on a copy of this repository's project,
//! refusals that change nothing, hostile copy text, and the laws (a promoted copy renders
//! clean; `--only-variant` leaves every other render byte for byte) on every line of every
//! rendered page and on random edits.

use crate::common;

use std::fs;
use std::path::Path;

use common::{docvar, project_copy, stderr, stdout, tree_checksum};
use docvar::drift::{self, CopyFormat, PublishedCopy};
use docvar::promote::{self, Outcome, Refusal, Verdict};
use docvar::{Project, Renderer};
use proptest::prelude::*;

const ROLES: &str = "templates/roles-and-responsibilities.md.hbs";
const PS: &str = "tests/fixtures/published/private-saas/roles-and-responsibilities.md";
const PA_MD: &str = "tests/fixtures/published/psaas-appliance/roles-and-responsibilities.md";
const PA_TXT: &str = "tests/fixtures/published/psaas-appliance/roles-and-responsibilities.txt";

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let a = docvar(dir).args(args).assert();
    let code = a.get_output().status.code().unwrap();
    (code, stdout(&a), stderr(&a))
}

/// Every product's rendered roles page, through `docvar generate` into out/.
fn rendered(dir: &Path, slug: &str) -> String {
    fs::read_to_string(
        dir.join("out")
            .join(slug)
            .join("roles-and-responsibilities.md"),
    )
    .unwrap()
}

#[test]
fn promoting_the_psaas_copy_gives_every_product_keep_reading_in_its_own_words() {
    let dir = project_copy();
    let d = dir.path();
    let (code, out, err) = run(d, &["promote", PA_MD]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("promoted 5 hunks into templates/roles-and-responsibilities.md.hbs"),
        "{out}"
    );
    assert!(err.contains("run `docvar generate`"), "{err}");
    // The copy now diffs clean (the plain-text copy of the same page keeps its own drift).
    let (code, out, _) = run(d, &["diff", PA_MD]);
    assert_eq!(code, 0, "{out}");
    let template = fs::read_to_string(d.join(ROLES)).unwrap();
    assert!(template.contains("### Keep Reading\n"), "{template}");
    assert!(template.contains("* [Overview](/{{section}}/{{section}}-overview )"));
    assert!(!template.contains("Further Reading"));
    assert!(
        !template.contains("appliance"),
        "values written back as variables: {template}"
    );
    let (code, out, err) = run(d, &["generate"]);
    assert_eq!(code, 0, "{out}{err}");
    for (slug, section) in [
        ("private-saas", "private-saas"),
        ("appliance", "appliance"),
        ("psaas-appliance", "appliance"),
    ] {
        let page = rendered(d, slug);
        let keep = page
            .split("### Keep Reading\n")
            .nth(1)
            .unwrap_or_else(|| panic!("{slug}: {page}"));
        assert!(!page.contains("## Further Reading"), "{slug}");
        let links: Vec<&str> = keep.lines().filter(|l| l.starts_with("* [")).collect();
        assert_eq!(links.len(), 5, "{slug}: {keep}");
        for l in links {
            assert!(
                l.contains(&format!("](/{section}/")) || l.contains("](/onboarding/"),
                "{slug}: {l}"
            );
        }
        assert!(
            keep.contains(&format!("(/{section}/{section}-overview )")),
            "{slug}"
        );
    }
    // The rest of the private-saas page is as before: only its own one-word drift remains.
    let (code, out, _) = run(d, &["diff", "--format", "json", PS]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let hunks = v["pages"][0]["hunks"].as_array().unwrap();
    assert!(
        hunks.iter().all(|h| h["location"]["row"] == "Backing Up"
            || h["location"]["heading"] == "Keep Reading"
            || h["location"]["section"][0] == "Further Reading"),
        "{out}"
    );
}

#[test]
fn only_variant_changes_no_other_page() {
    let dir = project_copy();
    let d = dir.path();
    let before: Vec<(String, Vec<u8>)> = out_files(d);
    let (code, out, err) = run(d, &["promote", "--only-variant", PS]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = run(d, &["diff", PS]);
    assert_eq!(code, 0, "{out}{err}");
    let template = fs::read_to_string(d.join(ROLES)).unwrap();
    assert!(
        template.contains("{{#if (eq slug \"private-saas\")}}"),
        "{template}"
    );
    let (code, out, err) = run(d, &["generate"]);
    assert_eq!(code, 0, "{out}{err}");
    let after = out_files(d);
    let changed: Vec<&String> = before
        .iter()
        .zip(&after)
        .filter(|(b, a)| b != a)
        .map(|(b, _)| &b.0)
        .collect();
    assert_eq!(
        changed,
        [
            "private-saas/roles-and-responsibilities.md",
            "private-saas/roles-and-responsibilities.txt"
        ],
        "only the private-saas page may change"
    );
}

fn out_files(d: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for slug in ["appliance", "private-saas", "psaas-appliance"] {
        for e in fs::read_dir(d.join("out").join(slug)).unwrap() {
            let p = e.unwrap().path();
            let name = format!("{slug}/{}", p.file_name().unwrap().to_string_lossy());
            files.push((name, fs::read(&p).unwrap()));
        }
    }
    files.sort();
    files
}

#[test]
fn dry_run_prints_the_template_and_page_diffs_and_writes_nothing() {
    let dir = project_copy();
    let d = dir.path();
    let sum = tree_checksum(d);
    let (code, out, _) = run(d, &["promote", "--dry-run", PA_MD]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(tree_checksum(d), sum, "a dry run wrote something");
    insta::assert_snapshot!(out);
}

#[test]
fn a_hunk_that_runs_into_an_unselected_one_is_refused_and_nothing_changes() {
    let dir = project_copy();
    let d = dir.path();
    let sum = tree_checksum(d);
    let (code, out, _) = run(d, &["promote", "--hunk", "1", PA_MD]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("refused: its lines run together with hunk 2"),
        "{out}"
    );
    assert!(out.contains("nothing written"), "{out}");
    assert_eq!(tree_checksum(d), sum);
    // Selected together, they go in; the others stay drift.
    let (code, out, _) = run(d, &["promote", "--hunk", "1", "--hunk", "2", PA_MD]);
    assert_eq!(code, 0, "{out}");
    let (_, out, _) = run(d, &["diff", "--format", "json", PA_MD]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["summary"]["hunks"], 3, "{out}");
}

#[test]
fn bad_selections_are_errors_that_name_what_to_do() {
    let dir = project_copy();
    let d = dir.path();
    let sum = tree_checksum(d);
    for (args, want) in [
        (
            vec!["promote", "--hunk", "9", PA_MD],
            "has 5 hunks; there is no hunk 9",
        ),
        (vec!["promote", "--hunk", "0", PA_MD], "there is no hunk 0"),
        (
            vec!["promote"],
            "promote takes one copy at a time; the selection holds 5",
        ),
        (vec!["promote", PA_TXT], "is plain text"),
        (vec!["promote", "--variant", "nope"], "unknown variant"),
    ] {
        let a = docvar(d).args(&args).assert().code(2);
        common::one_error_line(&args, &a, &[want]);
    }
    assert_eq!(tree_checksum(d), sum);
    // A page's Markdown copy is picked over its plain-text one, saying so.
    let (code, out, err) = run(
        d,
        &[
            "promote",
            "--dry-run",
            "--page",
            "roles-and-responsibilities",
            "--variant",
            "psaas-appliance",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("skipping") && err.contains("roles-and-responsibilities.txt"),
        "{err}"
    );
    // A clean copy: nothing to do.
    let (code, out, _) = run(
        d,
        &[
            "promote",
            "tests/fixtures/published/appliance/roles-and-responsibilities.md",
        ],
    );
    assert_eq!(code, 0);
    assert!(
        out.contains("nothing to promote: the copy is clean"),
        "{out}"
    );
}

/// A small project of its own: a list rendered by `{{#each}}`, a conditional, a partial.
fn each_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir_all(d.join("templates/partials")).unwrap();
    fs::create_dir_all(d.join("variants")).unwrap();
    fs::write(
        d.join("templates/page.md.hbs"),
        "# About {{product}}\n\n{{#each steps}}\n* {{this}}\n{{/each}}\n\n{{> note}}\n\nThe {{product}} runs under [/{{section}}/](/{{section}}/home).\n",
    )
    .unwrap();
    fs::write(
        d.join("templates/partials/note.hbs"),
        "Read the {{product}} notes first.\n",
    )
    .unwrap();
    for (slug, name, section) in [
        ("alpha", "Alpha Box", "alpha"),
        ("beta", "Beta Cloud", "beta"),
    ] {
        fs::write(
            d.join(format!("variants/{slug}.toml")),
            format!("[vars]\nproduct = \"{name}\"\nsection = \"{section}\"\nsteps = [\"Install\", \"Run\"]\n"),
        )
        .unwrap();
    }
    dir
}

/// The alpha page of [`each_project`] as rendered, then `extra` lines.
const ALPHA: &str = "# About Alpha Box\n\n* Install\n* Run\n\nRead the Alpha Box notes first.\n\nThe Alpha Box runs under [/alpha/](/alpha/home).\n";

/// Writes `copy` as copy.md and promotes it as the alpha page.
fn promote_alpha(d: &Path, copy: &str) -> (i32, String, String) {
    fs::write(d.join("copy.md"), copy).unwrap();
    run(
        d,
        &["promote", "--page", "page", "--variant", "alpha", "copy.md"],
    )
}

#[test]
fn text_from_an_each_body_is_refused_with_the_reason() {
    let dir = each_project();
    let d = dir.path();
    let templates = tree_checksum(&d.join("templates"));
    let (code, out, _) = promote_alpha(d, &ALPHA.replace("* Install", "* Install it"));
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("templates/page.md.hbs:4 is inside {{#each}}"),
        "{out}"
    );
    assert_eq!(tree_checksum(&d.join("templates")), templates);
}

#[test]
fn a_partial_is_edited_for_every_page_that_includes_it() {
    let dir = each_project();
    let d = dir.path();
    let (code, out, err) = promote_alpha(d, &ALPHA.replace("notes", "release notes"));
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        fs::read_to_string(d.join("templates/partials/note.hbs")).unwrap(),
        "Read the {{product}} release notes first.\n"
    );
    assert!(out.contains("2 rendered pages changed"), "{out}");
}

#[test]
fn hostile_copy_text_stays_text() {
    let dir = each_project();
    let d = dir.path();
    let hostile = "\n{{> note}} and {{#each steps}}x{{/each}} and {{{product}}} \u{1b}]0;owned\u{7}\u{1b}[2J done\n";
    let (code, out, err) = promote_alpha(d, &format!("{ALPHA}{hostile}"));
    assert!(
        !out.contains('\u{1b}') && !err.contains('\u{1b}'),
        "{out:?}"
    );
    assert_eq!(code, 0, "{out}{err}");
    let template = fs::read_to_string(d.join("templates/page.md.hbs")).unwrap();
    assert!(
        template.contains("\\{{> note}} and \\{{#each steps}}x\\{{/each}} and \\{{{product}}}"),
        "{template}"
    );
    // The copy renders clean: every brace pair stayed literal text.
    let (code, out, _) = run(
        d,
        &["diff", "--page", "page", "--variant", "alpha", "copy.md"],
    );
    assert_eq!(code, 0, "{out}");
}

#[test]
fn text_the_template_cannot_say_is_refused_after_the_render_check() {
    // A backslash before `{{` cannot be written as Handlebars text: `\\{{x}}` prints `\`
    // and the value. The render check catches it before anything is written.
    let dir = each_project();
    let d = dir.path();
    let templates = tree_checksum(&d.join("templates"));
    let (code, out, _) = promote_alpha(d, &format!("{ALPHA}\nC:\\{{{{product}}}}\n"));
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("would not render the copy's text (rendered line 10 differs)"),
        "{out}"
    );
    assert_eq!(tree_checksum(&d.join("templates")), templates);
}

#[cfg(unix)]
#[test]
fn a_template_behind_a_symlink_is_never_written() {
    let dir = project_copy();
    let d = dir.path();
    let real = d.join("elsewhere.hbs");
    fs::rename(d.join(ROLES), &real).unwrap();
    std::os::unix::fs::symlink(&real, d.join(ROLES)).unwrap();
    let before = fs::read(&real).unwrap();
    let a = docvar(d).args(["promote", PA_MD]).assert();
    assert_ne!(a.get_output().status.code(), Some(0));
    assert_eq!(fs::read(&real).unwrap(), before);
    assert!(fs::symlink_metadata(d.join(ROLES))
        .unwrap()
        .file_type()
        .is_symlink());
}

// --- Laws --------------------------------------------------------------------------------

/// The project's rendered pages, with the plan for a copy equal to `copy`.
fn plan_for(
    project: &Project,
    renderer: &Renderer<'_>,
    page: &str,
    slug: &str,
    copy: &str,
    only_variant: bool,
    scratch: &Path,
) -> promote::Plan {
    let path = scratch.join(format!("{slug}-{page}.md"));
    fs::write(&path, copy).unwrap();
    let req = promote::Request {
        copy: PublishedCopy {
            page: page.into(),
            variant: slug.into(),
            path,
            format: CopyFormat::Markdown,
        },
        hunks: Vec::new(),
        only_variant,
    };
    let opts = drift::Options::default()
        .with_ignores(&project.config.ignore)
        .unwrap();
    promote::plan(project, renderer, &req, &opts).unwrap()
}

/// Checks a ready plan the way a user would: the edited project renders the copy (clean),
/// and with `only_variant` every other page and product renders as before.
fn check_law(project: &Project, plan: &promote::Plan, copy: &str, only_variant: bool) {
    let mut edited = project.clone();
    for e in &plan.edits {
        for t in edited.pages.iter_mut().chain(edited.partials.iter_mut()) {
            if t.path == e.path {
                t.source = e.after.clone();
            }
        }
    }
    let old = Renderer::new(project).unwrap();
    let new = Renderer::new(&edited).unwrap();
    let v = edited.variant(&plan.variant).unwrap();
    let now = new.render(&plan.page, v).unwrap();
    let a = drift::compare(
        &now,
        copy,
        CopyFormat::Markdown,
        &[],
        &drift::Options::default(),
    );
    assert!(
        a.hunks.is_empty(),
        "promoted copy still drifts: {:?}",
        a.hunks
    );
    if only_variant {
        for p in &project.pages {
            for v in &project.variants {
                if p.name == plan.page && v.slug == plan.variant {
                    continue;
                }
                assert_eq!(
                    old.render(&p.name, v).unwrap(),
                    new.render(&p.name, v).unwrap(),
                    "--only-variant changed {} ({})",
                    p.name,
                    v.slug
                );
            }
        }
    }
}

/// The first word of at least four letters in `line`, replaced.
fn edit_word(line: &str) -> Option<String> {
    let start = line
        .char_indices()
        .find(|(i, c)| c.is_alphabetic() && line[*i..].chars().take(4).all(char::is_alphabetic))?
        .0;
    let end = line[start..]
        .find(|c: char| !c.is_alphabetic())
        .map_or(line.len(), |e| start + e);
    Some(format!("{}Zzyzx{}", &line[..start], &line[end..]))
}

#[test]
fn every_line_of_every_page_promotes_or_is_refused_for_a_reason() {
    let dir = project_copy();
    let project = Project::load(dir.path()).unwrap();
    let renderer = Renderer::new(&project).unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let (mut ready, mut refused, mut total) = (0, 0, 0);
    for p in &project.pages {
        for v in &project.variants {
            let page = renderer.render(&p.name, v).unwrap();
            let lines: Vec<&str> = page.lines().collect();
            for i in 0..lines.len() {
                let Some(new) = edit_word(lines[i]) else {
                    continue;
                };
                let mut l = lines.clone();
                l[i] = &new;
                let copy = l.join("\n") + "\n";
                for only in [false, true] {
                    total += 1;
                    let plan = plan_for(
                        &project,
                        &renderer,
                        &p.name,
                        &v.slug,
                        &copy,
                        only,
                        scratch.path(),
                    );
                    match &plan.verdict {
                        Verdict::Ready => {
                            ready += 1;
                            check_law(&project, &plan, &copy, only);
                        }
                        Verdict::Refused => {
                            refused += 1;
                            let why: Vec<&Refusal> = plan
                                .regions
                                .iter()
                                .filter_map(|r| match &r.outcome {
                                    Some(Outcome::Refused(w)) => Some(w),
                                    _ => None,
                                })
                                .collect();
                            // Only front matter (the variant file's) may refuse here: the
                            // project's templates are plain text, variables and one partial.
                            assert!(
                                why.iter()
                                    .all(|w| matches!(w, Refusal::MultiLineValue { .. })),
                                "{} ({}) line {}: {why:?}",
                                p.name,
                                v.slug,
                                i + 1
                            );
                        }
                        other => panic!("{} ({}) line {}: {other:?}", p.name, v.slug, i + 1),
                    }
                }
            }
        }
    }
    assert!(total > 300, "{total} edits");
    assert!(
        ready * 10 >= total * 9,
        "{ready} of {total} promoted, {refused} refused"
    );
}

/// One random edit of a rendered page's lines.
#[derive(Debug, Clone)]
enum LineEdit {
    Word(usize),
    Delete(usize),
    Insert(usize, String),
}

fn line_edit() -> impl Strategy<Value = LineEdit> {
    prop_oneof![
        (0usize..200).prop_map(LineEdit::Word),
        (0usize..200).prop_map(LineEdit::Delete),
        (0usize..200, "[A-Za-z ]{1,20}").prop_map(|(i, s)| LineEdit::Insert(i, s)),
        // A line that carries the product's own name and section: written back as variables.
        (0usize..200)
            .prop_map(|i| LineEdit::Insert(i, "* [More about PRODUCT](/SECTION/more)".into())),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn a_promoted_copy_renders_clean_and_only_variant_touches_nothing_else(
        page_i in 0usize..2,
        variant_i in 0usize..3,
        edits in proptest::collection::vec(line_edit(), 1..4),
        only in any::<bool>(),
    ) {
        let dir = project_copy();
        let project = Project::load(dir.path()).unwrap();
        let renderer = Renderer::new(&project).unwrap();
        let p = &project.pages[page_i % project.pages.len()];
        let v = &project.variants[variant_i % project.variants.len()];
        let page = renderer.render(&p.name, v).unwrap();
        let mut lines: Vec<String> = page.lines().map(String::from).collect();
        let product = v.vars["product"].as_str().unwrap().to_string();
        let section = v.vars["section"].as_str().unwrap().to_string();
        for e in &edits {
            let n = lines.len();
            match e {
                LineEdit::Word(i) => {
                    if let Some(w) = edit_word(&lines[i % n]) {
                        lines[i % n] = w;
                    }
                }
                LineEdit::Delete(i) => {
                    lines.remove(i % n);
                }
                LineEdit::Insert(i, s) => lines.insert(
                    i % (n + 1),
                    s.replace("PRODUCT", &product).replace("SECTION", &section),
                ),
            }
        }
        let copy = lines.join("\n") + "\n";
        let scratch = tempfile::tempdir().unwrap();
        let plan = plan_for(&project, &renderer, &p.name, &v.slug, &copy, only, scratch.path());
        match &plan.verdict {
            Verdict::Ready => check_law(&project, &plan, &copy, only),
            Verdict::Refused | Verdict::Clean => {}
            other => prop_assert!(false, "{other:?}"),
        }
        if !only && plan.verdict == Verdict::Ready {
            for e in &plan.edits {
                prop_assert!(!e.after.contains(&format!("/{section}/more")), "section not written back: {}", e.after);
            }
        }
    }
}

#[test]
fn crlf_templates_and_copies_keep_their_line_ends() {
    let dir = project_copy();
    let d = dir.path();
    let tpl = d.join(ROLES);
    let lf = fs::read_to_string(&tpl).unwrap();
    let crlf = format!("\u{feff}{}", lf.replace('\n', "\r\n"));
    fs::write(&tpl, &crlf).unwrap();
    // The copy: a BOM, CRLF line ends, no final newline, and one word changed.
    let copy = fs::read_to_string(d.join(PS)).unwrap();
    assert!(copy.contains("Operations Handover meeting"));
    let edited = copy.replace("Operations Handover meeting", "Operations Handover session");
    let edited = format!("\u{feff}{}", edited.trim_end().replace('\n', "\r\n"));
    fs::write(d.join(PS), &edited).unwrap();
    let (code, out, err) = run(d, &["promote", PS]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, _) = run(d, &["diff", PS]);
    assert_eq!(code, 0, "{out}");
    let now = fs::read_to_string(&tpl).unwrap();
    let want = crlf
        .replace("Operations Handover meeting", "Operations Handover session")
        .replace("[backing up the {{product}}]", "[backing up {{product}}]");
    assert_eq!(
        now, want,
        "only the two promoted lines change; BOM and CRLFs stay"
    );
}

/// Real near-duplicate pages (HTML tables, `::: note`, curly quotes, front matter; see
/// tests/fixtures/corpus/README.md): a template inferred from each group, then every drifted
/// copy promoted into it, both ways. Each promotes, renders clean, and with `--only-variant`
/// leaves every other render byte for byte.
#[test]
fn every_copy_of_the_real_groups_promotes_into_its_inferred_template() {
    let groups = common::root().join("tests/fixtures/corpus/groups");
    let mut promoted = 0;
    for name in [
        "disabling-sign-ups",
        "geo-ha",
        "managing-the-dashboard",
        "raci",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        common::copy_dir(&groups.join(name), &d.join("pub"));
        let mut files: Vec<String> = Vec::new();
        for flavour in fs::read_dir(d.join("pub")).unwrap() {
            let flavour = flavour.unwrap().path();
            for f in fs::read_dir(&flavour).unwrap() {
                let f = f.unwrap().path();
                files.push(f.strip_prefix(d).unwrap().display().to_string());
            }
        }
        files.sort();
        let mut args = vec!["infer", "--page", name];
        args.extend(files.iter().map(String::as_str));
        let (code, out, err) = run(d, &args);
        assert_eq!(code, 0, "{name}: {out}{err}");
        let project = Project::load(d).unwrap();
        let renderer = Renderer::new(&project).unwrap();
        let opts = drift::Options::default();
        for c in drift::declared_copies(&project) {
            let copy = fs::read_to_string(&c.path).unwrap();
            for only in [false, true] {
                let req = promote::Request {
                    copy: c.clone(),
                    hunks: Vec::new(),
                    only_variant: only,
                };
                let plan = promote::plan(&project, &renderer, &req, &opts).unwrap();
                match &plan.verdict {
                    Verdict::Clean => {}
                    Verdict::Ready => {
                        check_law(&project, &plan, &copy, only);
                        promoted += 1;
                    }
                    other => panic!(
                        "{name} {} (only {only}): {other:?} {:?}",
                        c.variant, plan.regions
                    ),
                }
            }
        }
    }
    assert_eq!(promoted, 14, "7 drifted copies, each promoted both ways");
}
