//! Generate: byte-exact renders of the published copies, the known drift, out/ snapshots,
//! the CLI's exit codes, strict variables, atomic writes and renaming a product.

use crate::common;

use std::path::Path;

use common::{docvar, fixture, line_changes, project_copy, root};
use docvar::export;
use docvar::project::Project;
use docvar::render::Renderer;

fn render(page: &str, variant: &str) -> String {
    let project = Project::load(&root()).unwrap();
    let renderer = Renderer::new(&project).unwrap();
    renderer
        .render(page, project.variant(variant).unwrap())
        .unwrap()
}

#[test]
fn appliance_renders_seed_003_byte_for_byte() {
    assert_eq!(
        render("roles-and-responsibilities", "appliance"),
        fixture("appliance/roles-and-responsibilities.md")
    );
}

#[test]
fn psaas_appliance_renders_seed_004_byte_for_byte() {
    assert_eq!(
        render("disaster-recovery-raci", "psaas-appliance"),
        fixture("psaas-appliance/disaster-recovery-raci.md")
    );
}

#[test]
fn seed_000_differs_only_by_the_missing_the() {
    let expected = render("roles-and-responsibilities", "private-saas");
    let published = fixture("private-saas/roles-and-responsibilities.md");
    let changes = line_changes(&expected, &published);
    assert_eq!(changes.len(), 2);
    assert!(
        changes[0].starts_with("-43 |Backing Up|")
            && changes[0].contains("[backing up the Private SaaS]")
    );
    assert!(
        changes[1].starts_with("+43 |Backing Up|")
            && changes[1].contains("[backing up Private SaaS]")
    );
    assert_eq!(
        changes[0].replace("up the Private", "up Private")[1..],
        changes[1][1..]
    );
}

#[test]
fn seed_001_differs_only_in_the_keep_reading_restyle() {
    let expected = render("roles-and-responsibilities", "psaas-appliance");
    let published = fixture("psaas-appliance/roles-and-responsibilities.md");
    assert_eq!(
        line_changes(&expected, &published),
        vec![
            "-57 ## Further Reading",
            "-58 ",
            "-59 For more information about the PSaaS Appliance, see:",
            "+57 ### Keep Reading",
            "-63 * [Dashboard](/appliance/dashboard)",
            "-64 * [Monitoring](/appliance/monitoring)",
            "-66 * [Command-Line Interface (CLI)](/appliance/cli)",
        ]
    );
}

#[test]
fn seed_002_differs_from_the_export_only_in_known_drift() {
    let expected = export::to_text(&render("roles-and-responsibilities", "psaas-appliance"));
    let published = fixture("psaas-appliance/roles-and-responsibilities.txt");
    assert_eq!(
        line_changes(&expected, &published),
        vec![
            // The "RACI" heading line is missing (both blank lines around it stayed).
            "-24 RACI",
            // No blank line between the definitions and the table.
            "-30 ",
            // "Further Reading" restyled as "Keep Reading", without its intro and links.
            "-45 Further Reading",
            "+43 Keep Reading",
            "-47 For more information about the PSaaS Appliance, see:",
            "-48 ",
            "-49   • Overview",
            "-50   • Infrastructure",
            "-51   • Dashboard",
            "-52   • Monitoring",
            "-53   • Disaster Recovery",
            "-54   • Command-Line Interface (CLI)",
            "-55   • Enterprise Support",
            "-56   • Critical Support Issues Guidance",
            // Help-center chrome, without a final newline.
            "+45 Was this article helpful?",
        ]
    );
}

#[test]
fn every_out_file_is_snapshotted_and_fresh() {
    let project = Project::load(&root()).unwrap();
    let renderer = Renderer::new(&project).unwrap();
    let planned = docvar::generate::plan(&project, &renderer, &Default::default(), None).unwrap();
    assert_eq!(planned.len(), 12);
    for p in &planned {
        let on_disk = std::fs::read(root().join("out").join(&p.rel)).unwrap();
        assert_eq!(
            on_disk,
            p.bytes,
            "out/{} is stale: run `docvar generate`",
            p.rel.display()
        );
        let name = p.rel.display().to_string().replace(['/', '\\'], "__");
        insta::assert_snapshot!(name, String::from_utf8(p.bytes.clone()).unwrap());
    }
}

#[test]
fn render_is_deterministic_across_runs() {
    let a = project_copy();
    let b = project_copy();
    std::fs::remove_dir_all(a.path().join("out")).unwrap();
    std::fs::remove_dir_all(b.path().join("out")).unwrap();
    docvar(a.path()).arg("generate").assert().success();
    docvar(b.path())
        .args(["generate", "--quiet"])
        .assert()
        .success();
    for slug in ["appliance", "private-saas", "psaas-appliance"] {
        for page in ["roles-and-responsibilities", "disaster-recovery-raci"] {
            for ext in ["md", "txt"] {
                let rel = format!("out/{slug}/{page}.{ext}");
                let x = std::fs::read(a.path().join(&rel)).unwrap();
                assert_eq!(x, std::fs::read(b.path().join(&rel)).unwrap(), "{rel}");
                assert_eq!(x, std::fs::read(root().join(&rel)).unwrap(), "{rel}");
            }
        }
    }
}

#[test]
fn check_exits_0_when_fresh_and_1_listing_stale_missing_extra() {
    let dir = project_copy();
    common::assert_out_fresh(dir.path());
    let out = dir.path().join("out");
    std::fs::write(
        out.join("appliance/roles-and-responsibilities.md"),
        "edited\n",
    )
    .unwrap();
    std::fs::remove_file(out.join("private-saas/disaster-recovery-raci.txt")).unwrap();
    std::fs::write(out.join("appliance/old-page.md"), "left over\n").unwrap();
    let before = std::fs::read(out.join("appliance/roles-and-responsibilities.md")).unwrap();
    let assert = docvar(dir.path())
        .args(["generate", "--check"])
        .assert()
        .code(1);
    let stdout = common::stdout(&assert);
    assert_eq!(
        stdout,
        // old-page.md is not in out/'s manifest: docvar did not write it (see tests/suite/adversarial.rs
        // for files it did write and no longer renders, reported as `extra` and removed).
        "foreign  out/appliance/old-page.md\nstale    out/appliance/roles-and-responsibilities.md\nmissing  out/private-saas/disaster-recovery-raci.txt\n"
    );
    // --check writes nothing.
    assert_eq!(
        std::fs::read(out.join("appliance/roles-and-responsibilities.md")).unwrap(),
        before
    );
    docvar(dir.path()).arg("generate").assert().success();
    // A file docvar did not write is never removed; the check fails on it until it is moved.
    assert_eq!(
        std::fs::read_to_string(out.join("appliance/old-page.md")).unwrap(),
        "left over\n"
    );
    docvar(dir.path())
        .args(["generate", "--check"])
        .assert()
        .code(1);
    std::fs::remove_file(out.join("appliance/old-page.md")).unwrap();
    common::assert_out_fresh(dir.path());
}

#[test]
fn unchanged_files_keep_their_mtime() {
    let dir = project_copy();
    let file = dir
        .path()
        .join("out/appliance/roles-and-responsibilities.md");
    let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
    std::fs::File::options()
        .write(true)
        .open(&file)
        .unwrap()
        .set_modified(old)
        .unwrap();
    let assert = docvar(dir.path()).arg("generate").assert().success();
    assert_eq!(std::fs::metadata(&file).unwrap().modified().unwrap(), old);
    let stderr = common::stderr(&assert);
    assert!(stderr.contains("0 files written, 12 unchanged"), "{stderr}");
}

fn snapshot_of_out(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for slug in std::fs::read_dir(dir.join("out")).unwrap() {
        let slug = slug.unwrap();
        if !slug.path().is_dir() {
            continue;
        }
        for f in std::fs::read_dir(slug.path()).unwrap() {
            let f = f.unwrap();
            files.push((
                f.path().display().to_string(),
                std::fs::read(f.path()).unwrap(),
            ));
        }
    }
    files.sort();
    files
}

#[test]
fn missing_variable_is_exit_2_with_file_line_column_and_writes_nothing() {
    let dir = project_copy();
    let variant = dir.path().join("variants/appliance.toml");
    let text = std::fs::read_to_string(&variant).unwrap();
    std::fs::write(
        &variant,
        text.replace("product_title = \"Auth0 Appliance\"\n", ""),
    )
    .unwrap();
    // Another page would change: it must not be written either.
    let tpl = dir.path().join("templates/disaster-recovery-raci.md.hbs");
    let t = std::fs::read_to_string(&tpl).unwrap();
    std::fs::write(&tpl, t.replace("## Definitions", "## Definitions of terms")).unwrap();
    let before = snapshot_of_out(dir.path());
    let assert = docvar(dir.path()).arg("generate").assert().code(2);
    let stderr = common::stderr(&assert);
    insta::assert_snapshot!("missing_variable_error", stderr);
    assert_eq!(snapshot_of_out(dir.path()), before);
}

#[test]
fn if_blocks_are_strict_too() {
    let dir = project_copy();
    let tpl = dir
        .path()
        .join("templates/roles-and-responsibilities.md.hbs");
    let t = std::fs::read_to_string(&tpl).unwrap();
    std::fs::write(
        &tpl,
        format!("{t}{{{{#if beta_banner}}}}\nBeta!\n{{{{/if}}}}\n"),
    )
    .unwrap();
    let assert = docvar(dir.path()).arg("generate").assert().code(2);
    let stderr = common::stderr(&assert);
    assert!(stderr.contains("templates/roles-and-responsibilities.md.hbs:60:1: variable `beta_banner` is not defined for variant \"appliance\" (variants/appliance.toml)"), "{stderr}");
    // Declared optional, it renders as false.
    std::fs::write(
        dir.path().join("docvar.toml"),
        "optional = [\"beta_banner\"]\n",
    )
    .unwrap();
    common::assert_out_fresh(dir.path());
}

#[test]
fn unused_variant_variable_is_a_warning() {
    let dir = project_copy();
    let variant = dir.path().join("variants/appliance.toml");
    let text = std::fs::read_to_string(&variant).unwrap();
    std::fs::write(
        &variant,
        text.replace("[vars]\n", "[vars]\nlegacy_name = \"Old\"\n"),
    )
    .unwrap();
    let assert = docvar(dir.path()).arg("generate").assert().code(0);
    let stderr = common::stderr(&assert);
    assert!(
        stderr.contains(
            "warning: variants/appliance.toml: variable `legacy_name` is not used by any template"
        ),
        "{stderr}"
    );
}

#[test]
fn no_html_escaping_and_rename_touches_only_that_product() {
    let dir = project_copy();
    let variant = dir.path().join("variants/psaas-appliance.toml");
    let text = std::fs::read_to_string(&variant).unwrap();
    let renamed = text
        .replace(
            "product = \"PSaaS Appliance\"",
            "product = \"R&D Cloud's Edge\"",
        )
        .replace(
            "product_title = \"PSaaS Appliance\"",
            "product_title = \"R&D Cloud's Edge\"",
        );
    std::fs::write(&variant, renamed).unwrap();
    let before = snapshot_of_out(dir.path());
    let assert = docvar(dir.path()).arg("generate").assert().success();
    let stdout = common::stdout(&assert);
    assert_eq!(
        stdout,
        "wrote    out/psaas-appliance/disaster-recovery-raci.md\n\
         wrote    out/psaas-appliance/disaster-recovery-raci.txt\n\
         wrote    out/psaas-appliance/roles-and-responsibilities.md\n\
         wrote    out/psaas-appliance/roles-and-responsibilities.txt\n"
    );
    let after = snapshot_of_out(dir.path());
    for ((path, old), (_, new)) in before.iter().zip(&after) {
        let text = String::from_utf8(new.clone()).unwrap();
        if path.contains("psaas-appliance") {
            assert_ne!(old, new, "{path}");
            assert!(text.contains("R&D Cloud's Edge"), "{path}");
            assert!(!text.contains("PSaaS Appliance"), "{path}");
            assert!(
                !text.contains("&amp;") && !text.contains("&#x27;"),
                "{path}"
            );
        } else {
            assert_eq!(old, new, "{path}");
        }
    }
    assert!(String::from_utf8(
        after
            .iter()
            .find(|(p, _)| p.ends_with("psaas-appliance/roles-and-responsibilities.md"))
            .unwrap()
            .1
            .clone()
    )
    .unwrap()
    .contains("# R&D Cloud's Edge: Roles and Responsibilities\n"));
}

#[test]
fn filters_render_only_the_selection() {
    let dir = project_copy();
    std::fs::remove_dir_all(dir.path().join("out")).unwrap();
    docvar(dir.path())
        .args([
            "generate",
            "--variant",
            "appliance",
            "--page",
            "disaster-recovery-raci",
        ])
        .assert()
        .success();
    let files = snapshot_of_out(dir.path());
    assert_eq!(files.len(), 2);
    // A filtered check only judges the files it owns.
    docvar(dir.path())
        .args([
            "generate",
            "--check",
            "--variant",
            "appliance",
            "--page",
            "disaster-recovery-raci",
        ])
        .assert()
        .code(0);
    docvar(dir.path())
        .args(["generate", "--check"])
        .assert()
        .code(1);
}

#[test]
fn unknown_names_and_usage_errors_exit_2() {
    let r = root();
    let a = docvar(&r)
        .args(["generate", "--variant", "psaas-appliances"])
        .assert()
        .code(2);
    let stderr = common::stderr(&a);
    assert_eq!(stderr, "error: unknown variant \"psaas-appliances\"; did you mean \"psaas-appliance\"? (`docvar list` shows the variants)\n");
    docvar(&r)
        .args(["generate", "--page", "nope"])
        .assert()
        .code(2);
    docvar(&r).args(["generate", "--bogus"]).assert().code(2);
    docvar(&r).arg("frobnicate").assert().code(2);
}

#[test]
fn help_and_version() {
    let r = root();
    let a = docvar(&r).arg("--help").assert().success();
    let out = common::stdout(&a);
    assert!(out.contains("Examples:") && out.contains("docvar generate --check"));
    let a = docvar(&r).arg("--version").assert().success();
    assert_eq!(
        common::stdout(&a),
        format!("docvar {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn export_prints_text_and_html() {
    let r = root();
    let a = docvar(&r)
        .args([
            "export",
            "tests/fixtures/published/appliance/roles-and-responsibilities.md",
        ])
        .assert()
        .success();
    // The copy is clean, so its text is the page's reviewed text export (the snapshot
    // `every_out_file_is_snapshotted_and_fresh` pins, not a file docvar wrote).
    insta::assert_snapshot!(
        "appliance__roles-and-responsibilities.txt",
        common::stdout(&a)
    );
    let a = docvar(&r)
        .args([
            "export",
            "--to",
            "html",
            "tests/fixtures/published/psaas-appliance/disaster-recovery-raci.md",
        ])
        .assert()
        .success();
    let html = common::stdout(&a);
    assert!(
        html.starts_with("<!-- markdownlint-disable MD033 -->\n<h1>Disaster Recovery"),
        "{html}"
    );
    assert!(!html.contains("sitemap"));
    // The page's `::: note` container is a fence, not text, in HTML as in the text export.
    assert!(
        html.contains("Please see <a href=\"/appliance/disaster-recovery#database-backups\">"),
        "{html}"
    );
    assert!(!html.contains(":::"), "{html}");
    docvar(&r).args(["export", "missing.md"]).assert().code(2);
}

#[test]
fn list_shows_pages_variants_and_variables() {
    let a = docvar(&root()).arg("list").assert().success();
    insta::assert_snapshot!("list", common::stdout(&a));
}

/// #17: run from a subfolder, docvar finds the project as git and cargo do.
#[test]
fn project_is_found_from_a_subfolder() {
    let dir = project_copy();
    let a = common::assert_out_fresh(&dir.path().join("templates"));
    let err = common::stderr(&a);
    assert_eq!(err, "12 files in ../out are up to date\n");
    docvar(&dir.path().join("templates/partials"))
        .args(["list"])
        .assert()
        .code(0);
    // Nearest wins: a project inside a project is its own.
    let inner = dir.path().join("tests/fixtures");
    std::fs::write(inner.join("docvar.toml"), "").unwrap();
    let a = docvar(&inner.join("published"))
        .args(["generate", "--check"])
        .assert()
        .code(2);
    let err = common::stderr(&a);
    assert!(
        err.starts_with("error: ../templates: no page templates found"),
        "{err}"
    );
}

/// #17: a variable no variant defines gets "did you mean" the closest defined one first.
#[test]
fn template_variable_typo_gets_did_you_mean() {
    let dir = project_copy();
    let tpl = dir.path().join("templates/disaster-recovery-raci.md.hbs");
    let t = std::fs::read_to_string(&tpl).unwrap();
    std::fs::write(&tpl, t.replacen("{{product}}", "{{prodcut}}", 1)).unwrap();
    let a = docvar(dir.path()).args(["generate"]).assert().code(2);
    let err = common::stderr(&a);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("error: templates/disaster-recovery-raci.md.hbs:30:17: variable `prodcut` is not defined"),
        "{err}"
    );
    assert!(
        err.contains("; did you mean `product`? Otherwise add `prodcut = "),
        "{err}"
    );
}

/// generate and diff load variants lean (slug and path kept, declared copies in the project's
/// one list; the rest read again per render): every page must render as from a project held in full, and a lean
/// variant must not carry the settings it dropped.
/// A lean project lists the declared copies in a full one's order: by variant, then page
/// name (templates load in file-name order, and `a-b.md.hbs` sorts before `a.md.hbs`), then
/// their order in the variant file.
#[test]
fn a_lean_project_lists_the_declared_copies_of_a_full_one() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("templates")).unwrap();
    std::fs::create_dir_all(root.join("variants")).unwrap();
    for page in ["a", "a-b", "b"] {
        std::fs::write(
            root.join(format!("templates/{page}.md.hbs")),
            "# {{product}}\n",
        )
        .unwrap();
    }
    for (file, slug) in [
        ("one.toml", "zeta"),
        ("two.toml", "alpha"),
        ("three.toml", "mid"),
    ] {
        std::fs::write(
            root.join("variants").join(file),
            format!(
                "slug = \"{slug}\"\n[vars]\nproduct = \"P\"\n\
                 [pages.b]\npublished = [\"c/{slug}/b2.md\", \"c/{slug}/b1.md\"]\n\
                 [pages.a-b]\npublished = [\"c/{slug}/ab.md\"]\n\
                 [pages.a]\npublished = [\"c/{slug}/a.md\"]\n"
            ),
        )
        .unwrap();
    }
    let listed = |p: &Project| {
        p.declared()
            .map(|(v, page, path)| format!("{} {page} {}", v.slug, path.display()))
            .collect::<Vec<_>>()
    };
    let full = listed(&Project::load(root).unwrap());
    assert_eq!(full.len(), 12);
    assert_eq!(
        full[..4],
        [
            "alpha a c/alpha/a.md",
            "alpha a-b c/alpha/ab.md",
            "alpha b c/alpha/b2.md",
            "alpha b c/alpha/b1.md"
        ]
    );
    assert_eq!(listed(&Project::load_lean(root).unwrap()), full);
}

#[test]
fn a_lean_project_renders_what_a_full_one_does() {
    let full = Project::load(&root()).unwrap();
    let lean = Project::load_lean(&root()).unwrap();
    let (rf, rl) = (Renderer::new(&full).unwrap(), Renderer::new(&lean).unwrap());
    let slugs = |p: &Project| {
        p.variants
            .iter()
            .map(|v| v.slug.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(slugs(&full), slugs(&lean));
    let mut pages = 0;
    for (f, l) in full.variants.iter().zip(&lean.variants) {
        assert!(
            l.vars.is_empty() && l.source.is_empty(),
            "{} kept its settings",
            l.slug
        );
        assert!(!f.vars.is_empty(), "{} holds no variables in full", f.slug);
        assert!(l.pages.is_empty(), "{} kept its page settings", l.slug);
        assert_eq!(lean.full(l).unwrap().pages.len(), f.pages.len());
        assert_eq!(lean.full(l).unwrap().vars, f.vars);
        for p in &full.pages {
            assert_eq!(
                rl.render(&p.name, l).unwrap(),
                rf.render(&p.name, f).unwrap(),
                "{} for {}",
                p.name,
                f.slug
            );
            pages += 1;
        }
    }
    assert_eq!(pages, 6);
}

/// Names whose paths sort differently from the names (`a` < `a-b` as names, but `a-b.md` <
/// `a.md` as files; `X` before `x`): out/ gets every file, the manifest lists exactly them in
/// path order, a second run writes nothing, and a product removed loses its files only.
#[test]
fn paths_and_manifest_follow_path_order_for_names_that_sort_apart() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("templates")).unwrap();
    std::fs::create_dir_all(root.join("variants")).unwrap();
    let pages = ["a", "a-b", "a.b", "B"];
    let slugs = ["x", "x-y", "x.y", "X"];
    for page in pages {
        std::fs::write(
            root.join(format!("templates/{page}.md.hbs")),
            format!("# {page} for {{{{product}}}}\n"),
        )
        .unwrap();
    }
    for (i, slug) in slugs.iter().enumerate() {
        std::fs::write(
            root.join(format!("variants/v{i}.toml")),
            format!("slug = \"{slug}\"\n[vars]\nproduct = \"P{i}\"\n"),
        )
        .unwrap();
    }
    docvar(root).arg("generate").assert().success();
    let manifest = |root: &Path| -> Vec<String> {
        std::fs::read_to_string(root.join("out/.docvar.manifest"))
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(str::to_string)
            .collect()
    };
    let on_disk = |root: &Path| -> Vec<String> {
        let mut files = Vec::new();
        for d in std::fs::read_dir(root.join("out")).unwrap() {
            let d = d.unwrap();
            if d.file_type().unwrap().is_dir() {
                for f in std::fs::read_dir(d.path()).unwrap() {
                    let f = f.unwrap().file_name();
                    files.push(format!(
                        "{}/{}",
                        d.file_name().to_string_lossy(),
                        f.to_string_lossy()
                    ));
                }
            }
        }
        files.sort_by(|a, b| Path::new(a).cmp(Path::new(b)));
        files
    };
    let listed = manifest(root);
    assert_eq!(listed.len(), pages.len() * slugs.len() * 2);
    assert_eq!(
        listed,
        on_disk(root),
        "the manifest lists out/'s files in path order"
    );
    assert_eq!(
        listed[..4],
        ["X/B.md", "X/B.txt", "X/a-b.md", "X/a-b.txt"],
        "by component: upper case first, `a-b.md` before `a.b.md` before `a.md`"
    );
    let a = docvar(root).arg("generate").assert().success();
    assert!(
        !common::stdout(&a).contains("wrote"),
        "{}",
        common::stdout(&a)
    );
    docvar(root)
        .args(["generate", "--check"])
        .assert()
        .success();
    std::fs::remove_file(root.join("variants/v1.toml")).unwrap();
    let a = docvar(root).arg("generate").assert().success();
    assert_eq!(common::stdout(&a).matches("removed  ").count(), 8);
    assert!(!root.join("out/x-y").exists());
    let listed = manifest(root);
    assert_eq!(listed.len(), 24);
    assert_eq!(listed, on_disk(root));
}
