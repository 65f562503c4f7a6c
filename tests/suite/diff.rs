//! Drift report: exactly the drift in the published copies, every format snapshotted on every
//! copy, exit codes, normalisation notes, --published, --fix.

use crate::common;

use clap::ValueEnum;
use common::{docvar, project_copy, root};
use docvar::drift::{self, Column, HunkKind, Location, Note, Report};
use docvar::project::Project;
use docvar::render::Renderer;
use docvar::report::Format;
use docvar::BlockKind;

const COPIES: &[(&str, &str, &str)] = &[
    ("private-saas", "roles-and-responsibilities", "md"),
    ("appliance", "roles-and-responsibilities", "md"),
    ("psaas-appliance", "roles-and-responsibilities", "md"),
    ("psaas-appliance", "roles-and-responsibilities", "txt"),
    ("psaas-appliance", "disaster-recovery-raci", "md"),
];

fn report_of(variant: &str, page: &str, ext: &str) -> Report {
    let project = Project::load(&root()).unwrap();
    let renderer = Renderer::new(&project).unwrap();
    let path = root().join(format!("tests/fixtures/published/{variant}/{page}.{ext}"));
    let copy = drift::PublishedCopy {
        page: page.into(),
        variant: variant.into(),
        format: drift::CopyFormat::of(&path),
        path,
    };
    let opts = drift::Options::default()
        .with_ignores(&project.config.ignore)
        .unwrap();
    drift::check(&project, &renderer, &[copy], &opts, None).unwrap()
}

fn summary(r: &Report) -> Vec<(HunkKind, String)> {
    r.pages[0]
        .hunks
        .iter()
        .map(|h| (h.kind, docvar::report::location_text(h)))
        .collect()
}

#[test]
fn private_saas_has_one_hunk_the_missing_the() {
    let r = report_of("private-saas", "roles-and-responsibilities", "md");
    assert_eq!(
        summary(&r),
        vec![(
            HunkKind::Changed,
            "Detailed Division of Responsibilities › RACI › table row \"Backing Up\" › column \"Notes\"".to_string()
        )]
    );
    let h = &r.pages[0].hunks[0];
    assert_eq!(
        h.location,
        Location {
            section: vec![
                "Detailed Division of Responsibilities".into(),
                "RACI".into()
            ],
            block: Some(BlockKind::TableRow),
            row: Some("Backing Up".into()),
            columns: vec![Column {
                index: 4,
                name: Some("Notes".into())
            }],
            ..Location::default()
        }
    );
    assert_eq!(h.published_lines, Some([43, 43]));
    assert_eq!(h.expected_lines, Some([43, 43]));
    let t = h.template.as_ref().unwrap();
    assert_eq!(
        (
            t.file
                .to_str()
                .unwrap()
                .ends_with("templates/roles-and-responsibilities.md.hbs"),
            t.line
        ),
        (true, 40)
    );
    let changed: Vec<_> = h
        .words
        .iter()
        .filter(|w| w.op != drift::WordOp::Equal)
        .map(|w| (w.op, w.text.as_str()))
        .collect();
    // Word-level means words: the one word dropped inside the link, not the whole link.
    assert_eq!(changed, vec![(drift::WordOp::Delete, " the")]);
}

#[test]
fn appliance_and_dr_copies_are_clean() {
    for (v, p) in [
        ("appliance", "roles-and-responsibilities"),
        ("psaas-appliance", "disaster-recovery-raci"),
    ] {
        let r = report_of(v, p, "md");
        assert_eq!(
            r.pages[0].status,
            drift::CopyStatus::Clean,
            "{v} {p}: {:#?}",
            r.pages[0].hunks
        );
        assert_eq!(r.pages[0].similarity, 1.0);
        assert!(r.pages[0].notes.is_empty());
    }
}

#[test]
fn psaas_markdown_copy_drifted_only_in_keep_reading() {
    let r = report_of("psaas-appliance", "roles-and-responsibilities", "md");
    assert_eq!(
        summary(&r),
        vec![
            (
                HunkKind::Changed,
                "heading \"Further Reading\" › level 2 → 3".to_string()
            ),
            (
                HunkKind::Removed,
                "Further Reading › paragraph \"For more information about the PSaaS…\"".to_string()
            ),
            (
                HunkKind::Removed,
                "Further Reading › list item \"Dashboard\"".to_string()
            ),
            (
                HunkKind::Removed,
                "Further Reading › list item \"Monitoring\"".to_string()
            ),
            (
                HunkKind::Removed,
                "Further Reading › list item \"Command-Line Interface (CLI)\"".to_string()
            ),
        ]
    );
}

#[test]
fn psaas_text_copy_drifted_only_in_raci_heading_and_keep_reading() {
    let r = report_of("psaas-appliance", "roles-and-responsibilities", "txt");
    assert_eq!(
        summary(&r),
        vec![
            (
                HunkKind::Removed,
                "Detailed Division of Responsibilities › heading \"RACI\"".to_string()
            ),
            (HunkKind::Changed, "heading \"Further Reading\"".to_string()),
        ]
    );
    assert_eq!(r.pages[0].notes, vec![Note::MissingFinalNewline]);
}

#[test]
fn every_format_on_every_copy() {
    for (variant, page, ext) in COPIES {
        let file = format!("tests/fixtures/published/{variant}/{page}.{ext}");
        // Every format `--format` offers, so a new one needs its snapshots here.
        for format in Format::value_variants() {
            let format = format.to_possible_value().unwrap().get_name().to_string();
            let format = format.as_str();
            let a = docvar(&root())
                .args([
                    "diff",
                    "--color",
                    "never",
                    "--format",
                    format,
                    "--page",
                    page,
                    "--variant",
                    variant,
                    &file,
                ])
                .assert();
            let clean = matches!(
                (*variant, *page),
                ("appliance", _) | (_, "disaster-recovery-raci")
            );
            let a = a.code(if clean { 0 } else { 1 });
            let out = common::stdout(&a);
            insta::assert_snapshot!(format!("{format}__{variant}__{page}.{ext}"), out);
        }
    }
}

#[test]
fn human_colour_is_honoured() {
    let a = docvar(&root())
        .args(["diff", "--color", "always"])
        .assert()
        .code(1);
    let out = common::stdout(&a);
    // Deleted words red and struck through, inserted ones green and underlined, each reset.
    assert!(
        out.contains("[backing up\x1b[31;9m the\x1b[0m Private SaaS]"),
        "{out}"
    );
    assert!(
        out.contains("\x1b[31;9m## Further\x1b[0m\x1b[32;4m### Keep\x1b[0m Reading"),
        "{out}"
    );
    // Not a terminal: no colour by default.
    let a = docvar(&root()).arg("diff").assert().code(1);
    assert!(!common::stdout(&a).contains('\x1b'));
}

#[test]
fn default_run_checks_declared_copies_and_json_summary() {
    let a = docvar(&root())
        .args(["diff", "--format", "json"])
        .assert()
        .code(1);
    let v: serde_json::Value = serde_json::from_slice(&a.get_output().stdout).unwrap();
    assert_eq!(v["schema"], "docvar-drift/2");
    assert_eq!(
        v["summary"],
        serde_json::json!({"pages": 5, "clean": 2, "drifted": 3, "hunks": 8})
    );
    let h = &v["pages"][1]["hunks"][0];
    let keys: Vec<&str> = h.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 9);
    // The private-saas copy's hunk names its row and column as fields.
    assert_eq!(v["pages"][1]["variant"], "private-saas");
    assert_eq!(h["location"]["row"], "Backing Up");
    assert_eq!(h["location"]["columns"][0]["name"], "Notes");
    assert_eq!(h["location"]["block"], "table_row");
    assert_eq!(
        h["location"]["section"],
        serde_json::json!(["Detailed Division of Responsibilities", "RACI"])
    );
    assert_eq!(
        h["location_text"],
        "Detailed Division of Responsibilities › RACI › table row \"Backing Up\" › column \"Notes\""
    );
    for k in [
        "kind",
        "location",
        "location_text",
        "published_lines",
        "expected_lines",
        "template",
        "expected",
        "published",
        "words",
    ] {
        assert!(keys.contains(&k), "{k}");
    }
}

#[test]
fn published_folder_is_checked_whole() {
    let a = docvar(&root())
        .args([
            "diff",
            "--published",
            "tests/fixtures/published",
            "--format",
            "json",
        ])
        .assert()
        .code(1);
    let v: serde_json::Value = serde_json::from_slice(&a.get_output().stdout).unwrap();
    assert_eq!(v["summary"]["pages"], 5);
    assert_eq!(v["summary"]["hunks"], 8);
    // out/ itself is clean against the templates.
    docvar(&root())
        .args(["diff", "--published", "out"])
        .assert()
        .code(0);
}

#[test]
fn line_endings_bom_and_trailing_spaces_are_a_note_not_drift() {
    let dir = tempfile::tempdir().unwrap();
    let text = common::fixture("appliance/roles-and-responsibilities.md");
    let mangled = format!("\u{feff}{}\n\n", text.replace('\n', "  \r\n"));
    let file = dir.path().join("copy.md");
    std::fs::write(&file, mangled).unwrap();
    let a = common::diff_roles(&root(), "appliance")
        .args(["--color", "never"])
        .arg(&file)
        .assert()
        .code(0);
    let out = common::stdout(&a);
    insta::assert_snapshot!("normalisation_note", out);
}

#[test]
fn text_blank_lines_only_count_when_strict() {
    let file = "tests/fixtures/published/psaas-appliance/roles-and-responsibilities.txt";
    let base = [
        "diff",
        "--format",
        "json",
        "--page",
        "roles-and-responsibilities",
        "--variant",
        "psaas-appliance",
    ];
    let a = docvar(&root()).args(base).arg(file).assert().code(1);
    let v: serde_json::Value = serde_json::from_slice(&a.get_output().stdout).unwrap();
    assert_eq!(v["pages"][0]["hunks"].as_array().unwrap().len(), 2);
    let a = docvar(&root())
        .args(base)
        .arg("--strict-blank-lines")
        .arg(file)
        .assert()
        .code(1);
    let v: serde_json::Value = serde_json::from_slice(&a.get_output().stdout).unwrap();
    assert!(v["pages"][0]["hunks"].as_array().unwrap().len() > 2);
    // Without the site-chrome ignore, the chrome is drift too.
    let dir = project_copy();
    std::fs::write(dir.path().join("docvar.toml"), "").unwrap();
    let chrome = |args: &[&str]| {
        let a = docvar(dir.path())
            .args(base)
            .args(args)
            .arg(file)
            .assert()
            .code(1);
        let v: serde_json::Value = serde_json::from_slice(&a.get_output().stdout).unwrap();
        v["pages"][0]["hunks"].as_array().unwrap().iter().any(|h| {
            h["published"]
                .as_str()
                .unwrap_or("")
                .contains("Was this article helpful?")
        })
    };
    assert!(chrome(&[]));
    // ... and --ignore on the command line removes it again.
    assert!(!chrome(&["--ignore", r"^Was this article helpful\?$"]));
}

#[test]
fn as_text_reads_any_extension_as_plain_text() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("export.out");
    std::fs::copy(
        root().join("out/appliance/roles-and-responsibilities.txt"),
        &file,
    )
    .unwrap();
    common::diff_roles(&root(), "appliance")
        .args(["--as", "text"])
        .arg(&file)
        .assert()
        .code(0);
}

#[test]
fn fix_rewrites_drifted_copies_then_diff_is_clean() {
    let dir = project_copy();
    let a = docvar(dir.path())
        .args(["diff", "--fix", "--color", "never"])
        .assert()
        .code(0);
    let out = common::stdout(&a);
    assert!(out.contains("fixed    tests/fixtures/published/private-saas/roles-and-responsibilities.md (1 hunk restored)"), "{out}");
    docvar(dir.path()).arg("diff").assert().code(0);
    // The one drifted word is back and nothing else changed (the expected side is the
    // fixture edited by hand, not output docvar wrote).
    let copy = "tests/fixtures/published/private-saas/roles-and-responsibilities.md";
    let before = std::fs::read_to_string(root().join(copy)).unwrap();
    assert_eq!(before.matches("[backing up Private SaaS]").count(), 1);
    assert_eq!(
        std::fs::read_to_string(dir.path().join(copy)).unwrap(),
        before.replace("[backing up Private SaaS]", "[backing up the Private SaaS]")
    );
}

#[test]
fn unified_patch_applies_with_git_apply() {
    let dir = project_copy();
    let a = docvar(dir.path())
        .args(["diff", "--format", "unified"])
        .assert()
        .code(1);
    let patch = dir.path().join("drift.patch");
    std::fs::write(&patch, &a.get_output().stdout).unwrap();
    let status = std::process::Command::new("git")
        .args(["apply", "--unsafe-paths", "drift.patch"])
        .current_dir(dir.path())
        .status()
        .unwrap();
    assert!(status.success());
    docvar(dir.path())
        .args(["diff", "--strict-blank-lines"])
        .assert()
        .code(0);
}

#[test]
fn errors_exit_2_with_what_and_where() {
    let r = root();
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.md");
    std::fs::write(&bad, b"# Title\n\ncaf\xe9\n").unwrap();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![
                "--page".into(),
                "roles-and-responsibilities".into(),
                "--variant".into(),
                "appliance".into(),
                "missing.md".into(),
            ],
            "missing.md: No such file or directory; check the path",
        ),
        (
            vec![
                "--page".into(),
                "roles-and-responsibilities".into(),
                "--variant".into(),
                "appliance".into(),
                bad.display().to_string(),
            ],
            "bad.md:3:4 (byte 12): not valid UTF-8; save the file as UTF-8",
        ),
        (
            vec![
                "--page".into(),
                "roles".into(),
                "--variant".into(),
                "appliance".into(),
                "x.md".into(),
            ],
            "unknown page \"roles\"",
        ),
        (
            vec![
                "--page".into(),
                "roles-and-responsibilities".into(),
                "--variant".into(),
                "saas".into(),
                "x.md".into(),
            ],
            "unknown variant \"saas\"",
        ),
        (
            vec!["--ignore".into(), "(".into()],
            "bad --ignore regex \"(\"",
        ),
    ];
    for (args, want) in cases {
        let a = docvar(&r).arg("diff").args(&args).assert().code(2);
        let stderr = common::stderr(&a);
        assert!(
            stderr.starts_with("error: ") && stderr.contains(want),
            "{args:?}: {stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
}

/// #17: `--variant` and `--page` filter the declared copies, and a declared copy given alone
/// takes its page and variant from the variant file that declares it.
#[test]
fn declared_copies_filtered_and_a_declared_copy_alone() {
    let r = root();
    for (flag, value, checked) in [
        ("--variant", "appliance", 1),
        ("--page", "disaster-recovery-raci", 1),
        ("--variant", "psaas-appliance", 3),
    ] {
        let a = docvar(&r)
            .args(["diff", "--format", "json", flag, value])
            .assert();
        let v: serde_json::Value = serde_json::from_slice(&a.get_output().stdout).unwrap();
        assert_eq!(v["summary"]["pages"], checked, "{flag} {value}");
        for p in v["pages"].as_array().unwrap() {
            let field = if flag == "--page" { "page" } else { "variant" };
            assert_eq!(p[field], value, "{flag} {value}");
        }
    }
    docvar(&r)
        .args(["diff", "--variant", "appliance"])
        .assert()
        .code(0);
    docvar(&r)
        .args(["diff", "--page", "disaster-recovery-raci"])
        .assert()
        .code(0);
    // A drifted declared copy alone: drift, exit 1, reported for its own page and variant.
    let a = docvar(&r)
        .args([
            "diff",
            "--format",
            "json",
            "tests/fixtures/published/private-saas/roles-and-responsibilities.md",
        ])
        .assert()
        .code(1);
    let v: serde_json::Value = serde_json::from_slice(&a.get_output().stdout).unwrap();
    assert_eq!(v["pages"][0]["variant"], "private-saas");
    assert_eq!(v["pages"][0]["page"], "roles-and-responsibilities");
    // Spelt from another folder, the same file is still found.
    docvar(&r.join("tests"))
        .args([
            "diff",
            "fixtures/published/appliance/roles-and-responsibilities.md",
        ])
        .assert()
        .code(0);
    // A copy no variant file declares needs the flags: exit 2, one line naming it.
    let dir = project_copy();
    std::fs::copy(
        dir.path()
            .join("tests/fixtures/published/appliance/roles-and-responsibilities.md"),
        dir.path().join("loose.md"),
    )
    .unwrap();
    let a = docvar(dir.path())
        .args(["diff", "loose.md"])
        .assert()
        .code(2);
    let err = common::stderr(&a);
    assert!(
        err.starts_with("error: loose.md: is not a published copy that a variant file declares;"),
        "{err}"
    );
    common::diff_roles(dir.path(), "appliance")
        .args(["loose.md"])
        .assert()
        .code(0);
    docvar(&r)
        .args(["diff", "--variant", "nope"])
        .assert()
        .code(2);
}

#[test]
fn a_failure_late_in_a_long_run_prints_no_half_report() {
    // More copies than a batch (512), each drifted, the last one unreadable: the copies before
    // it are checked and printed as the run goes, but stdout must get no half report.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let write = |rel: &str, text: &[u8]| {
        let p = d.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write("docvar.toml", b"");
    write("templates/page.md.hbs", b"# {{product}}\n\nSome text.\n");
    let n = 600;
    for i in 0..n {
        write(
            &format!("variants/v{i:03}.toml"),
            format!("[vars]\nproduct = \"P{i}\"\n").as_bytes(),
        );
        write(
            &format!("pub/v{i:03}/page.md"),
            format!("# P{i}\n\nSome text!\n").as_bytes(),
        );
    }
    let last = format!("pub/v{:03}/page.md", n - 1);
    write(&last, b"# P\0\n");
    for format in ["human", "json", "github", "unified", "rdjsonl"] {
        let out = docvar(d)
            .args(["diff", "-q", "--published", "pub", "--format", format])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{format}: {stderr}");
        assert!(stderr.contains(&last), "{format}: {stderr}");
        assert!(
            out.stdout.is_empty(),
            "{format} printed {} bytes before failing",
            out.stdout.len()
        );
    }
    // Mended, but a file in the last product's folder that is no page: the folder is listed
    // as the run gets to it, and the error is the same as when it was listed first.
    write(&last, format!("# P{}\n\nSome text!\n", n - 1).as_bytes());
    let stray = format!("pub/v{:03}/notes.md", n - 1);
    write(&stray, b"# Notes\n");
    let out = docvar(d)
        .args(["diff", "-q", "--published", "pub"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&stray) && stderr.contains("notes"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
    std::fs::remove_file(d.join(&stray)).unwrap();
    // Mended, the same run reports every copy.
    let out = docvar(d)
        .args(["diff", "-q", "--published", "pub"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.ends_with("600 copies checked: 0 clean, 600 drifted, 600 hunks\n"),
        "{}",
        &stdout[stdout.len().saturating_sub(300)..]
    );
}

#[test]
fn a_report_that_cannot_spill_to_the_temporary_folder_is_an_error_that_says_so() {
    // Past 4 MB the report waits in an unnamed temporary file until every copy is checked.
    // With no usable temporary folder that is exit 2 naming it, not "cannot write to stdout",
    // and stdout gets nothing.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let write = |rel: &str, text: &str| {
        let p = d.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write("docvar.toml", "");
    let line = |i: usize, w: &str| {
        format!("Line {i} says {w} about the product in many more words than it needs.\n")
    };
    let body = |w: &str| (0..100).map(|i| line(i, w)).collect::<String>();
    write(
        "templates/page.md.hbs",
        &format!("# {{{{product}}}}\n\n{}", body("this")),
    );
    for i in 0..120 {
        write(
            &format!("variants/v{i:03}.toml"),
            &format!("[vars]\nproduct = \"P{i}\"\n"),
        );
        write(
            &format!("pub/v{i:03}/page.md"),
            &format!("# P{i}\n\n{}", body("that")),
        );
    }
    let out = docvar(d)
        .env("TMPDIR", d.join("no-such-folder"))
        .args(["diff", "-q", "--published", "pub", "--format", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("cannot hold the report in a temporary file in")
            && stderr.contains("no-such-folder")
            && stderr.contains("set TMPDIR"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
    // With the folder there, the same run prints the whole report.
    std::fs::create_dir(d.join("no-such-folder")).unwrap();
    let out = docvar(d)
        .env("TMPDIR", d.join("no-such-folder"))
        .args(["diff", "-q", "--published", "pub", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        out.stdout.len() > 4 << 20,
        "{} bytes: no spill tested",
        out.stdout.len()
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["summary"]["pages"], 120);
}
