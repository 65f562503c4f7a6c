//! `docvar rename`: variant file edited in place, only that product's pages change, every
//! name variable follows, slug moves out/ and writes redirects that capture no other product's
//! pages, --dry-run writes nothing, and a refused or failed rename changes nothing.

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{docvar, project_copy, stderr, stdout};

/// Runs `docvar args` in `dir`; asserts exit 2, stderr starting with `start`, and no file
/// changed. Returns stderr.
fn refused(dir: &Path, args: &[&str], start: &str) -> String {
    let before = tree(dir);
    let err = stderr(&docvar(dir).args(args).assert().code(2));
    assert!(err.starts_with(start), "{err}");
    assert!(tree(dir) == before, "a refused rename changed files");
    err
}

/// Every file, folder and link under `dir`: path -> bytes (or link target), to prove a
/// refused rename changed nothing.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut found = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            let rel = path.strip_prefix(dir).unwrap().to_path_buf();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.file_type().is_symlink() {
                let target = std::fs::read_link(&path).unwrap();
                found.insert(rel, format!("-> {}", target.display()).into_bytes());
            } else if meta.is_dir() {
                found.insert(rel, b"/".to_vec());
                stack.push(path);
            } else {
                found.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    found
}

/// Lines of `text` holding `word` as a whole word (case-sensitive), for messages.
fn word_lines(text: &str, word: &str) -> Vec<String> {
    let is_word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    text.lines()
        .filter(|l| {
            l.match_indices(word).any(|(i, _)| {
                !is_word(l[..i].chars().next_back()) && !is_word(l[i + word.len()..].chars().next())
            })
        })
        .map(str::to_string)
        .collect()
}

/// Every rendered page (Markdown and text) of `slug` that still says `word`.
fn pages_saying(dir: &Path, slug: &str, word: &str) -> Vec<String> {
    let mut found = Vec::new();
    let folder = dir.join("out").join(slug);
    let mut files: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 4, "{}: {files:?}", folder.display());
    for f in files {
        for l in word_lines(&std::fs::read_to_string(&f).unwrap(), word) {
            found.push(format!("{}: {l}", f.display()));
        }
    }
    found
}

#[test]
fn rename_keeps_comments_and_changes_only_that_product() {
    let dir = project_copy();
    let a = docvar(dir.path())
        .args([
            "rename",
            "psaas-appliance",
            "--name",
            "R&D Cloud's Edge",
            "--set",
            "product_short=Edge",
        ])
        .assert()
        .success();
    assert_eq!(
        stdout(&a),
        "variants/psaas-appliance.toml: product = \"PSaaS Appliance\" -> \"R&D Cloud's Edge\"\n\
         variants/psaas-appliance.toml: product_title = \"PSaaS Appliance\" -> \"R&D Cloud's Edge\"\n\
         variants/psaas-appliance.toml: product_short = \"Appliance\" -> \"Edge\"\n\
         changed  out/psaas-appliance/disaster-recovery-raci.md\n\
         changed  out/psaas-appliance/disaster-recovery-raci.txt\n\
         changed  out/psaas-appliance/roles-and-responsibilities.md\n\
         changed  out/psaas-appliance/roles-and-responsibilities.txt\n\
         no \"PSaaS Appliance\" left in psaas-appliance's pages\n"
    );
    for other in ["appliance", "private-saas"] {
        for page in [
            "roles-and-responsibilities.md",
            "disaster-recovery-raci.txt",
        ] {
            let rel = format!("out/{other}/{page}");
            assert_eq!(
                std::fs::read(dir.path().join(&rel)).unwrap(),
                std::fs::read(common::root().join(&rel)).unwrap(),
                "{rel}"
            );
        }
    }
    let variant =
        std::fs::read_to_string(dir.path().join("variants/psaas-appliance.toml")).unwrap();
    let original =
        std::fs::read_to_string(common::root().join("variants/psaas-appliance.toml")).unwrap();
    assert_eq!(
        variant,
        original
            .replace(
                "product = \"PSaaS Appliance\"",
                "product = \"R&D Cloud's Edge\""
            )
            .replace(
                "product_title = \"PSaaS Appliance\"",
                "product_title = \"R&D Cloud's Edge\""
            )
            .replace("product_short = \"Appliance\"", "product_short = \"Edge\"")
    );
    let page = std::fs::read_to_string(
        dir.path()
            .join("out/psaas-appliance/roles-and-responsibilities.md"),
    )
    .unwrap();
    assert!(page.contains("# R&D Cloud's Edge: Roles and Responsibilities"));
    common::assert_out_fresh(dir.path());
}

/// #17: every variable equal to the old name takes the new one, one containing it has it
/// replaced, so no rendered page of the product says "Appliance" (it used to keep
/// `product_short = "Appliance"`: "deploy the Appliance").
#[test]
fn rename_leaves_no_trace_of_the_old_name() {
    let dir = project_copy();
    let a = docvar(dir.path())
        .args(["rename", "appliance", "--name", "Edge Box"])
        .assert()
        .success();
    let out = stdout(&a);
    assert!(
        out.contains("variants/appliance.toml: product_short = \"Appliance\" -> \"Edge Box\"\n"),
        "{out}"
    );
    assert!(
        out.contains("no \"Appliance\" left in appliance's pages\n"),
        "{out}"
    );
    assert_eq!(
        pages_saying(dir.path(), "appliance", "Appliance"),
        Vec::<String>::new()
    );
    let page = std::fs::read_to_string(
        dir.path()
            .join("out/appliance/roles-and-responsibilities.md"),
    )
    .unwrap();
    assert!(page.contains("# Auth0 Edge Box: Roles and Responsibilities"));
    assert!(page.contains("deploy the Edge Box."));
    common::assert_out_fresh(dir.path());
}

/// #17: a variable holding only part of the old name stops the rename before anything is
/// written, naming the variable and the flag that gives its new value.
#[test]
fn part_of_the_old_name_stops_the_rename() {
    let dir = project_copy();
    let err = refused(
        dir.path(),
        &["rename", "psaas-appliance", "--name", "Edge Cloud"],
        "error: variants/psaas-appliance.toml:9: ",
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("product_short = \"Appliance\""), "{err}");
    assert!(err.contains("--set product_short="), "{err}");
}

/// #17's done-when: with `--set`, a new slug and section, no "Appliance" is left in the
/// product's pages, and no redirect from /appliance/, which the Appliance product still
/// publishes under.
#[test]
fn full_rename_leaves_no_appliance_and_no_capturing_redirect() {
    let dir = project_copy();
    let a = docvar(dir.path())
        .args([
            "rename",
            "psaas-appliance",
            "--name",
            "Edge Cloud",
            "--set",
            "product_short=Edge",
            "--slug",
            "edge-cloud",
            "--section",
            "edge-cloud",
        ])
        .assert()
        .success();
    let out = stdout(&a);
    assert_eq!(
        pages_saying(dir.path(), "edge-cloud", "Appliance"),
        Vec::<String>::new()
    );
    assert!(
        out.contains("no redirect url /appliance/ -> /edge-cloud/: pages are still published under /appliance/ by appliance\n"),
        "{out}"
    );
    for ext in ["csv", "json"] {
        let f = dir
            .path()
            .join(format!("redirects/psaas-appliance-to-edge-cloud.{ext}"));
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(!text.contains("/appliance/"), "{}: {text}", f.display());
        assert!(
            text.contains("out/edge-cloud/roles-and-responsibilities.md"),
            "{text}"
        );
    }
    // Appliance's own pages are untouched.
    assert_eq!(
        tree(&dir.path().join("out/appliance")),
        tree(&common::root().join("out/appliance"))
    );
    common::assert_out_fresh(dir.path());
}

/// A section no other product uses gets its URL redirect.
#[test]
fn section_redirect_when_no_other_product_uses_it() {
    let dir = project_copy();
    docvar(dir.path())
        .args(["rename", "private-saas", "--section", "dedicated"])
        .assert()
        .success();
    let csv = std::fs::read_to_string(
        dir.path()
            .join("redirects/private-saas-private-saas-to-dedicated.csv"),
    )
    .unwrap();
    assert_eq!(csv, "kind,from,to\nurl,/private-saas/,/dedicated/\n");
}

/// docvar.toml's `names` says which variables are the product's name: others are left, and
/// the run lists where the old name is still rendered.
#[test]
fn names_from_docvar_toml_and_leftovers_listed() {
    let dir = project_copy();
    let cfg = dir.path().join("docvar.toml");
    let mut text = std::fs::read_to_string(&cfg).unwrap();
    text.push_str("names = [\"product\", \"product_title\"]\n");
    std::fs::write(&cfg, text).unwrap();
    let a = docvar(dir.path())
        .args(["rename", "appliance", "--name", "Edge Box"])
        .assert()
        .success();
    let out = stdout(&a);
    assert!(!out.contains("product_short"), "{out}");
    assert!(
        out.contains("still says \"Appliance\": out/appliance/roles-and-responsibilities.md:39\n"),
        "{out}"
    );
    assert!(
        out.contains("of appliance's pages still say \"Appliance\""),
        "{out}"
    );
}

/// A dotted slug keeps its dot in the redirect file names.
#[test]
fn dotted_slug_is_not_cut_at_the_dot() {
    let dir = project_copy();
    docvar(dir.path())
        .args(["rename", "appliance", "--slug", "v1.2"])
        .assert()
        .success();
    docvar(dir.path())
        .args(["rename", "v1.2", "--slug", "v1.3"])
        .assert()
        .success();
    for f in [
        "appliance-to-v1.2.csv",
        "appliance-to-v1.2.json",
        "v1.2-to-v1.3.csv",
        "v1.2-to-v1.3.json",
    ] {
        assert!(dir.path().join("redirects").join(f).is_file(), "{f}");
    }
    assert!(dir.path().join("variants/v1.3.toml").is_file());
    assert!(dir
        .path()
        .join("out/v1.3/roles-and-responsibilities.md")
        .is_file());
}

/// #12: another variant's file owning the new name is refused; nothing changes.
#[test]
fn slug_owned_by_another_variant_file_is_refused() {
    let dir = project_copy();
    // variants/appliance.toml now defines the slug "classic", but still owns the file name.
    let f = dir.path().join("variants/appliance.toml");
    let text = std::fs::read_to_string(&f).unwrap();
    std::fs::write(&f, format!("slug = \"classic\"\n{text}")).unwrap();
    std::fs::rename(
        dir.path().join("out/appliance"),
        dir.path().join("out/classic"),
    )
    .unwrap();
    refused(
        dir.path(),
        &["rename", "private-saas", "--slug", "appliance"],
        "error: variants/appliance.toml: exists already (it defines variant \"classic\")",
    );
    // And a slug another variant uses, by its slug.
    let before = tree(dir.path());
    let a = docvar(dir.path())
        .args(["rename", "private-saas", "--slug", "classic"])
        .assert()
        .code(2);
    assert!(stderr(&a).contains("variant \"classic\" already exists"));
    assert!(tree(dir.path()) == before, "a refused rename changed files");
}

/// #12: every target is checked before the first write: a link in out/, `redirects/` or the
/// variant file itself stops the rename with the variant file and everything else unchanged.
#[cfg(unix)]
#[test]
fn links_stop_the_rename_before_anything_is_written() {
    use std::os::unix::fs::symlink;
    let outside = tempfile::tempdir().unwrap();
    let victim = outside.path().join("victim.md");
    std::fs::write(&victim, "not docvar's\n").unwrap();
    type Setup<'a> = &'a dyn Fn(&Path);
    let cases: [(&str, Setup); 4] = [
        ("a page in out/", &|d: &Path| {
            let page = d.join("out/psaas-appliance/roles-and-responsibilities.md");
            std::fs::remove_file(&page).unwrap();
            symlink(&victim, &page).unwrap();
        }),
        ("the new out/ folder", &|d: &Path| {
            symlink(outside.path(), d.join("out/edge-cloud")).unwrap();
        }),
        ("redirects/", &|d: &Path| {
            symlink(outside.path(), d.join("redirects")).unwrap();
        }),
        ("the variant file", &|d: &Path| {
            let f = d.join("variants/psaas-appliance.toml");
            let real = outside.path().join("psaas-appliance.toml");
            std::fs::rename(&f, &real).unwrap();
            symlink(&real, &f).unwrap();
        }),
    ];
    for (what, setup) in cases {
        let dir = project_copy();
        setup(dir.path());
        let before = tree(dir.path());
        let outside_before = tree(outside.path());
        let a = docvar(dir.path())
            .args([
                "rename",
                "psaas-appliance",
                "--name",
                "Edge Cloud",
                "--set",
                "product_short=Edge",
                "--slug",
                "edge-cloud",
            ])
            .assert()
            .code(2);
        let err = stderr(&a);
        assert!(err.contains("link"), "{what}: {err}");
        assert_eq!(err.lines().count(), 1, "{what}: {err}");
        assert!(
            tree(dir.path()) == before,
            "{what}: the rename changed files"
        );
        assert!(
            tree(outside.path()) == outside_before,
            "{what}: wrote through the link"
        );
        // Undo the link case's file move for the next case.
        if let Ok(m) = std::fs::symlink_metadata(outside.path().join("psaas-appliance.toml")) {
            assert!(m.is_file());
            std::fs::remove_file(outside.path().join("psaas-appliance.toml")).unwrap();
        }
    }
}

#[test]
fn slug_change_moves_out_and_writes_redirects() {
    let dir = project_copy();
    docvar(dir.path())
        .args([
            "rename",
            "psaas-appliance",
            "--slug",
            "edge",
            "--section",
            "edge",
        ])
        .assert()
        .success();
    assert!(!dir.path().join("out/psaas-appliance").exists());
    assert!(!dir.path().join("variants/psaas-appliance.toml").exists());
    assert!(dir.path().join("variants/edge.toml").exists());
    let csv =
        std::fs::read_to_string(dir.path().join("redirects/psaas-appliance-to-edge.csv")).unwrap();
    // No `url,/appliance/,/edge/` line: the Appliance product still publishes under /appliance/.
    insta::assert_snapshot!("redirects_csv", csv);
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("redirects/psaas-appliance-to-edge.json"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        json[0],
        serde_json::json!({"kind": "path", "from": "out/psaas-appliance/disaster-recovery-raci.md", "to": "out/edge/disaster-recovery-raci.md"})
    );
    assert!(json.as_array().unwrap().iter().all(|r| r["kind"] == "path"));
    let page =
        std::fs::read_to_string(dir.path().join("out/edge/disaster-recovery-raci.md")).unwrap();
    assert!(page.contains("(/edge/disaster-recovery#database-backups)"));
    common::assert_out_fresh(dir.path());
}

#[test]
fn dry_run_shows_diffs_and_writes_nothing() {
    let dir = project_copy();
    let before = std::fs::read(dir.path().join("variants/private-saas.toml")).unwrap();
    let a = docvar(dir.path())
        .args([
            "rename",
            "private-saas",
            "--name",
            "Dedicated Cloud",
            "--dry-run",
        ])
        .assert()
        .success();
    let out = stdout(&a);
    assert!(out.contains("-# Auth0 Private SaaS: Roles and Responsibilities\n+# Auth0 Dedicated Cloud: Roles and Responsibilities\n"), "{out}");
    assert_eq!(
        std::fs::read(dir.path().join("variants/private-saas.toml")).unwrap(),
        before
    );
    common::assert_out_fresh(dir.path());
}

#[test]
fn bad_renames_exit_2() {
    let dir = project_copy();
    for args in [
        vec!["rename", "nope", "--name", "X"],
        vec!["rename", "appliance", "--slug", "../escape"],
        vec!["rename", "appliance", "--slug", "private-saas"],
        vec!["rename", "appliance"],
        vec!["rename", "appliance", "--set", "prodcut=X"],
    ] {
        let a = docvar(dir.path()).args(&args).assert().code(2);
        let err = common::stderr(&a);
        assert!(
            err.starts_with("error: ") && err.lines().count() == 1,
            "{args:?}: {err}"
        );
    }
    // A malformed --set is a usage error (clap's message, exit 2).
    let a = docvar(dir.path())
        .args(["rename", "appliance", "--set", "novalue"])
        .assert()
        .code(2);
    assert!(stderr(&a).contains("is not VAR=VALUE"));
    common::assert_out_fresh(dir.path());
}

/// A redirect list docvar would write over, holding other redirects, refuses the rename.
#[test]
fn existing_redirect_list_with_other_content_is_refused() {
    let dir = project_copy();
    std::fs::create_dir(dir.path().join("redirects")).unwrap();
    std::fs::write(
        dir.path().join("redirects/psaas-appliance-to-edge.csv"),
        "kind,from,to\nurl,/hand/,/written/\n",
    )
    .unwrap();
    refused(
        dir.path(),
        &["rename", "psaas-appliance", "--slug", "edge"],
        "error: redirects/psaas-appliance-to-edge.csv: exists already with other redirects",
    );
}

/// A template that tests the old slug (as `infer --exact` and `promote` write them) would stop
/// matching after a slug change, and that product would silently get another branch's text:
/// the rename is refused, naming the line, until the template tests the new slug.
#[test]
fn a_template_testing_the_old_slug_stops_a_slug_change() {
    let dir = project_copy();
    let d = dir.path();
    let template = d.join("templates/roles-and-responsibilities.md.hbs");
    let text = std::fs::read_to_string(&template).unwrap();
    let branch = "{{#if (eq slug \"appliance\")}}\nOnly this product says this.\n{{/if}}\n";
    std::fs::write(&template, format!("{text}{branch}")).unwrap();
    docvar(d).arg("generate").assert().code(0);
    let line = text.lines().count() + 1;
    let err = refused(
        d,
        &["rename", "appliance", "--slug", "edge-box"],
        &format!("error: templates/roles-and-responsibilities.md.hbs:{line}:"),
    );
    assert!(err.contains("tests the slug \"appliance\""), "{err}");
    assert!(
        err.contains("replace \"appliance\" with \"edge-box\""),
        "{err}"
    );
    // Tested as the new slug, the rename goes through and the product keeps its text.
    std::fs::write(
        &template,
        format!("{text}{}", branch.replace("appliance", "edge-box")),
    )
    .unwrap();
    docvar(d)
        .args(["rename", "appliance", "--slug", "edge-box"])
        .assert()
        .code(0);
    let page =
        std::fs::read_to_string(d.join("out/edge-box/roles-and-responsibilities.md")).unwrap();
    assert!(page.contains("Only this product says this."), "{page}");
}
