//! `docvar infer` on the real published copies (variables found, drift kept or reported,
//! refusals) and the round-trip law on synthetic groups.

use crate::common;

use std::path::Path;

use common::{docvar, fixture, stderr, stdout};
use docvar::infer;
use proptest::prelude::*;

const PAGE: &str = "roles-and-responsibilities";
/// Published copies 000, 003 and 001 with the product each belongs to.
const ROLES: [&str; 3] = ["private-saas", "appliance", "psaas-appliance"];

/// `docvar infer --page` the roles page, run from `dir` (copies to follow).
fn infer_roles(dir: &Path) -> assert_cmd::Command {
    let mut cmd = docvar(dir);
    cmd.args(["infer", "--page", PAGE]);
    cmd
}

/// A project with no templates or variants, only the roles copies under published/<slug>/.
fn adopting() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for slug in ROLES {
        let d = dir.path().join("published").join(slug);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(
            d.join(format!("{PAGE}.md")),
            fixture(&format!("{slug}/{PAGE}.md")),
        )
        .unwrap();
    }
    dir
}

fn copies() -> Vec<String> {
    ROLES
        .iter()
        .map(|s| format!("published/{s}/{PAGE}.md"))
        .collect()
}

fn vars_of(dir: &Path, slug: &str) -> toml::Table {
    let text = std::fs::read_to_string(dir.join(format!("variants/{slug}.toml"))).unwrap();
    let table: toml::Table = text.parse().unwrap();
    table["vars"].as_table().unwrap().clone()
}

fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn roles_copies_give_the_product_names_and_the_url_section() {
    let dir = adopting();
    infer_roles(dir.path()).args(copies()).assert().code(0);
    let expect = [
        ("Private SaaS", "Auth0 Private SaaS", "private-saas"),
        ("Appliance", "Auth0 Appliance", "appliance"),
        ("PSaaS Appliance", "PSaaS Appliance", "appliance"),
    ];
    for (slug, (product, title, section)) in ROLES.iter().zip(expect) {
        let vars = vars_of(dir.path(), slug);
        // Exactly these: a one-off difference ("the", the restyled Further Reading) is not
        // a variable.
        let mut names: Vec<&str> = vars.keys().map(String::as_str).collect();
        names.sort();
        assert_eq!(names, ["product", "product_title", "section"], "{slug}");
        assert_eq!(vars["product"].as_str(), Some(product));
        assert_eq!(vars["product_title"].as_str(), Some(title));
        assert_eq!(vars["section"].as_str(), Some(section));
    }
    // Front matter keys only the PSaaS Appliance copy has are its own.
    let psaas: toml::Table =
        std::fs::read_to_string(dir.path().join("variants/psaas-appliance.toml"))
            .unwrap()
            .parse()
            .unwrap();
    let fm = psaas["pages"][PAGE]["front_matter"].as_table().unwrap();
    let keys: Vec<&str> = fm.keys().map(String::as_str).collect();
    assert_eq!(keys, ["topics", "contentType", "useCase", "applianceId"]);
    let template =
        std::fs::read_to_string(dir.path().join(format!("templates/{PAGE}.md.hbs"))).unwrap();
    assert!(template.contains("# {{product_title}}: Roles and Responsibilities\n"));
    assert!(template.contains("[backing up the {{product}}](/{{section}}/disaster-recovery)"));
}

#[test]
fn exact_reproduces_every_copy_byte_for_byte() {
    let dir = adopting();
    let a = docvar(dir.path())
        .args(["infer", "--exact", "--page", PAGE])
        .args(copies())
        .assert()
        .code(0);
    let out = stdout(&a);
    assert!(out.contains("drift kept on purpose"), "{out}");
    assert!(
        out.contains(&format!(
            "templates/{PAGE}.md.hbs line 47: own wording for private-saas\n"
        )),
        "{out}"
    );
    // The row Private SaaS words its own way is its branch; the others share the default,
    // with the variables. No override is left in any variant file.
    let template =
        std::fs::read_to_string(dir.path().join(format!("templates/{PAGE}.md.hbs"))).unwrap();
    assert!(
        template.contains(concat!(
            "{{#if (eq slug \"private-saas\")}}\n",
            "|Backing Up|I (in the event that there are issues)|R, A|The subscriber is responsible for [backing up Private SaaS](/private-saas/disaster-recovery) using the [Command-Line Tools](/private-saas/cli).|\n",
            "{{else}}\n",
            "|Backing Up|I (in the event that there are issues)|R, A|The subscriber is responsible for [backing up the {{product}}](/{{section}}/disaster-recovery) using the [Command-Line Tools](/{{section}}/cli).|\n",
            "{{/if}}\n",
        )),
        "{template}"
    );
    for slug in ROLES {
        let text =
            std::fs::read_to_string(dir.path().join(format!("variants/{slug}.toml"))).unwrap();
        let table: toml::Table = text.parse().unwrap();
        assert!(table["pages"][PAGE].get("vars").is_none(), "{slug}: {text}");
    }
    docvar(dir.path()).arg("generate").assert().code(0);
    for slug in ROLES {
        let rendered = std::fs::read(dir.path().join(format!("out/{slug}/{PAGE}.md"))).unwrap();
        assert!(
            rendered == fixture(&format!("{slug}/{PAGE}.md")).as_bytes(),
            "{slug} is not reproduced byte for byte"
        );
    }
    docvar(dir.path()).arg("diff").assert().code(0);
}

#[test]
fn without_exact_the_private_saas_drift_is_the_missing_the() {
    let dir = adopting();
    infer_roles(dir.path()).args(copies()).assert().code(0);
    let a = docvar(dir.path())
        .args(["diff", "--format", "json"])
        .assert()
        .code(1);
    let report: serde_json::Value = serde_json::from_str(&stdout(&a)).unwrap();
    let pages = report["pages"].as_array().unwrap();
    let private = pages
        .iter()
        .find(|p| p["variant"] == "private-saas")
        .unwrap();
    let hunks = private["hunks"].as_array().unwrap();
    assert_eq!(hunks.len(), 1, "{hunks:#?}");
    let h = &hunks[0];
    assert_eq!(h["location"]["row"], "Backing Up");
    assert_eq!(h["location"]["columns"][0]["name"], "Notes");
    assert_eq!(
        h["location_text"],
        "Detailed Division of Responsibilities › RACI › table row \"Backing Up\" › column \"Notes\""
    );
    let expected = h["expected"].as_str().unwrap();
    let published = h["published"].as_str().unwrap();
    assert!(expected.contains("[backing up the Private SaaS](/private-saas/disaster-recovery)"));
    assert!(published.contains("[backing up Private SaaS](/private-saas/disaster-recovery)"));
    assert_eq!(
        expected.replace("backing up the ", "backing up "),
        published,
        "the only difference is the missing \"the\""
    );
    let appliance = pages.iter().find(|p| p["variant"] == "appliance").unwrap();
    assert_eq!(appliance["status"], "clean");
}

#[test]
fn dry_run_shows_everything_and_writes_nothing() {
    let dir = adopting();
    let a = docvar(dir.path())
        .args(["infer", "--dry-run", "--color", "never", "--page", PAGE])
        .args(copies())
        .assert()
        .code(0);
    assert_eq!(stderr(&a), "dry run: nothing written\n");
    insta::assert_snapshot!("infer_dry_run", stdout(&a));
    let mut inputs = copies();
    inputs.sort();
    assert_eq!(files_under(dir.path()), inputs, "a dry run wrote something");
}

#[test]
fn copies_of_different_pages_are_refused_naming_the_pair() {
    let dir = adopting();
    std::fs::write(
        dir.path()
            .join("published/psaas-appliance/disaster-recovery-raci.md"),
        fixture("psaas-appliance/disaster-recovery-raci.md"),
    )
    .unwrap();
    let before = files_under(dir.path());
    let a = infer_roles(dir.path())
        .arg(&copies()[0])
        .arg("published/psaas-appliance/disaster-recovery-raci.md")
        .assert()
        .code(2);
    let err = stderr(&a);
    assert!(
        err.starts_with(
            "error: published/private-saas/roles-and-responsibilities.md and \
             published/psaas-appliance/disaster-recovery-raci.md: the copies are not \
             near-duplicates (word similarity "
        ),
        "{err}"
    );
    assert!(err.contains("below 50%"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(files_under(dir.path()), before);
}

#[test]
fn an_existing_template_is_kept_without_force() {
    let dir = adopting();
    let run = |force: bool| {
        let mut cmd = docvar(dir.path());
        cmd.args(["infer", "--exact", "--page", PAGE])
            .args(copies());
        if force {
            cmd.arg("--force");
        }
        cmd.assert()
    };
    run(false).code(0);
    let path = dir.path().join(format!("templates/{PAGE}.md.hbs"));
    std::fs::write(&path, "hand edited\n").unwrap();
    let a = run(false).code(2);
    assert_eq!(
        stderr(&a),
        "error: templates/roles-and-responsibilities.md.hbs: exists already; pass --force to overwrite it, or pick another --page name\n"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "hand edited\n");
    run(true).code(0);
    assert_ne!(std::fs::read_to_string(&path).unwrap(), "hand edited\n");
}

#[test]
fn existing_variant_files_keep_their_comments_and_names() {
    // The repository's own variant files already name the values: infer reuses them.
    let dir = common::project_copy();
    std::fs::remove_file(dir.path().join(format!("templates/{PAGE}.md.hbs"))).unwrap();
    let before: Vec<String> = ROLES
        .iter()
        .map(|s| std::fs::read_to_string(dir.path().join(format!("variants/{s}.toml"))).unwrap())
        .collect();
    let files: Vec<String> = ROLES
        .iter()
        .map(|s| format!("tests/fixtures/published/{s}/{PAGE}.md"))
        .collect();
    let a = infer_roles(dir.path()).args(&files).assert().code(0);
    let out = stdout(&a);
    for (slug, text) in ROLES.iter().zip(&before) {
        assert!(
            out.contains(&format!("unchanged variants/{slug}.toml")),
            "{out}"
        );
        let after =
            std::fs::read_to_string(dir.path().join(format!("variants/{slug}.toml"))).unwrap();
        assert_eq!(&after, text);
    }
}

#[test]
fn bad_arguments_exit_2_with_one_line() {
    let dir = adopting();
    std::fs::write(
        dir.path().join("published/appliance/roles.txt"),
        "text copy\n",
    )
    .unwrap();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            [copies(), vec!["--variant".into(), "a".into()]].concat(),
            "error: 1 --variant given for 3 files; give one --variant per FILE, in the same order, or none\n",
        ),
        (
            vec![copies()[0].clone(), "published/appliance/roles.txt".into()],
            "error: published/private-saas/roles-and-responsibilities.md and published/appliance/roles.txt mix Markdown and plain text; infer from copies in one format (the Markdown ones, if you have both)\n",
        ),
        (
            [
                copies()[..2].to_vec(),
                vec!["--variant".into(), "x".into(), "--variant".into(), "x".into()],
            ]
            .concat(),
            "error: published/private-saas/roles-and-responsibilities.md and published/appliance/roles-and-responsibilities.md both belong to variant \"x\"; give one copy per product; pass --variant SLUG for each file to say which\n",
        ),
        (
            vec![copies()[0].clone(), "published/missing.md".into()],
            "error: published/missing.md: No such file or directory; check the path\n",
        ),
    ];
    for (args, message) in cases {
        let a = infer_roles(dir.path()).args(&args).assert().code(2);
        assert_eq!(stderr(&a), message, "{args:?}");
    }
    let a = docvar(dir.path())
        .args(["infer", "--page", "../escape"])
        .args(copies())
        .assert()
        .code(2);
    assert!(stderr(&a).contains("page"), "{}", stderr(&a));
    assert!(!dir.path().join("templates").exists());
    assert!(!dir.path().join("variants").exists());
}

// Round trip: render a random template for 2–8 random products, infer from the renders, and
// the inferred template renders each input back with no override.

const WORDS: &[&str] = &[
    "the",
    "Cloud",
    "Edge",
    "data",
    "is",
    "backed",
    "up",
    "by",
    "service",
    "Auth0",
    "and",
    "Private",
    "for",
    "on",
    "a",
    "node",
    "Appliance",
    "runs",
    "SaaS",
    "with",
    "to",
    "Hub",
];
const NAME_WORDS: &[&str] = &[
    "Cloud",
    "Edge",
    "Private",
    "SaaS",
    "Appliance",
    "Hub",
    "One",
    "Data",
];

#[derive(Debug, Clone)]
enum Piece {
    Word(usize),
    Product,
    Section,
    Newline,
    Punct(char),
}

fn piece() -> impl Strategy<Value = Piece> {
    prop_oneof![
        14 => (0..WORDS.len()).prop_map(Piece::Word),
        1 => Just(Piece::Product),
        1 => Just(Piece::Section),
        1 => Just(Piece::Newline),
        1 => prop::sample::select(vec!['.', ',', ':', '|']).prop_map(Piece::Punct),
    ]
}

fn build_template(pieces: &[Piece]) -> String {
    let mut t = String::from("# {{product}} overview\n\n");
    let mut at_line_start = true;
    for p in pieces {
        let text = match p {
            Piece::Word(i) => WORDS[*i].to_string(),
            Piece::Product => "{{product}}".to_string(),
            Piece::Section => "[Overview](/{{section}}/overview)".to_string(),
            Piece::Newline => {
                t.push('\n');
                at_line_start = true;
                continue;
            }
            Piece::Punct(c) => {
                t.push(*c);
                continue;
            }
        };
        if !at_line_start {
            t.push(' ');
        }
        t.push_str(&text);
        at_line_start = false;
    }
    // Every variable recurs (a value set seen once is drift by design).
    t.push_str("\n\nSee [the {{product}} docs](/{{section}}/index).\n* [Monitoring](/{{section}}/monitoring)\n");
    t
}

/// Names of one to three distinct words, sharing words with each other and with the text.
fn products() -> impl Strategy<Value = Vec<Vec<&'static str>>> {
    prop::collection::vec(
        prop::sample::subsequence(NAME_WORDS, 1..=3).prop_shuffle(),
        2..=8,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]
    #[test]
    fn inferred_template_renders_every_input_back(
        pieces in prop::collection::vec(piece(), 120..400),
        names in products(),
    ) {
        let names: Vec<String> = names
            .iter()
            .map(|ws| ws.join(" "))
            .collect();
        let mut seen = std::collections::HashSet::new();
        prop_assume!(names.iter().all(|n| seen.insert(n.clone())));
        let template = build_template(&pieces);
        let mut hb = handlebars::Handlebars::new();
        hb.register_escape_fn(handlebars::no_escape);
        let renders: Vec<(String, String)> = names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let section = name.to_lowercase().replace(' ', "-");
                let ctx = serde_json::json!({ "product": name, "section": section });
                (format!("v{i}"), hb.render_template(&template, &ctx).unwrap())
            })
            .collect();
        let inferred = infer::infer("page", &renders, false).unwrap();
        prop_assert!(inferred.drift.is_empty(), "drift {:#?}\ntemplate:\n{}", inferred.drift, inferred.template);
        for (i, (_, text)) in renders.iter().enumerate() {
            let back = inferred.render(i).unwrap();
            prop_assert_eq!(&back, text, "copy {} from template:\n{}", i, inferred.template);
        }
    }
}

#[cfg(unix)]
#[test]
fn a_link_in_the_way_fails_before_anything_is_written() {
    let dir = adopting();
    let elsewhere = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(elsewhere.path(), dir.path().join("variants")).unwrap();
    let before = files_under(dir.path());
    let a = infer_roles(dir.path()).args(copies()).assert().code(2);
    let err = stderr(&a);
    assert!(err.contains("symbolic link"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    // Neither the template nor anything behind the link was written.
    assert_eq!(files_under(dir.path()), before);
    assert!(!dir.path().join("templates").exists());
    assert_eq!(std::fs::read_dir(elsewhere.path()).unwrap().count(), 0);
}

#[test]
fn copies_outside_the_project_are_listed_relative_to_it() {
    let dir = adopting();
    let project = dir.path().join("project");
    std::fs::create_dir(&project).unwrap();
    let outside: Vec<String> = copies().iter().map(|c| format!("../{c}")).collect();
    infer_roles(&project).args(&outside).assert().code(0);
    let v = std::fs::read_to_string(project.join("variants/appliance.toml")).unwrap();
    assert!(
        v.contains(&format!(
            "published = [\"../published/appliance/{PAGE}.md\"]"
        )),
        "{v}"
    );
    // Copies outside the project are read only from folders docvar.toml lists (#12).
    docvar(&project).arg("diff").assert().code(2);
    std::fs::write(
        project.join("docvar.toml"),
        "published_roots = [\"../published\"]\n",
    )
    .unwrap();
    docvar(&project).arg("diff").assert().code(1);
}
