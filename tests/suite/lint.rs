//! `docvar lint`, `docvar completions` and `docvar man`, run as a user would against this
//! repository's own templates and variants.

use std::path::PathBuf;

use assert_cmd::Command;

use crate::common;
use common::copy_dir;

fn root() -> &'static str {
    env!("CARGO_MANIFEST_DIR")
}

fn docvar(root: &str) -> Command {
    let mut cmd = Command::cargo_bin("docvar").expect("the docvar binary is built");
    cmd.arg("-C").arg(root);
    cmd
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(root: &str, args: &[&str]) -> Run {
    let out = docvar(root).args(args).output().expect("docvar runs");
    Run {
        code: out.status.code().expect("docvar exits normally"),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

fn json(run: &Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout).expect("stdout is one JSON document")
}

/// The rows without an Accountable party on this repository's pages, once per variant.
fn expected_pairs() -> Vec<(String, String, String)> {
    let rows = [
        ("disaster-recovery-raci", "Restore the Data Backup"),
        (
            "roles-and-responsibilities",
            "Configuration of Development and Production environments",
        ),
        ("roles-and-responsibilities", "Operations Handover"),
        ("roles-and-responsibilities", "Issue Resolution"),
    ];
    let mut pairs = Vec::new();
    for variant in ["appliance", "private-saas", "psaas-appliance"] {
        for (page, row) in rows {
            pairs.push((variant.to_string(), page.to_string(), row.to_string()));
        }
    }
    pairs
}

#[test]
fn finds_exactly_the_rows_without_an_accountable_party() {
    let r = run(root(), &["lint", "--format", "json"]);
    assert_eq!(r.code, 1, "findings exit 1; stderr: {}", r.stderr);
    let report = json(&r);
    let findings = report["findings"].as_array().expect("findings array");
    let found: Vec<(String, String, String)> = findings
        .iter()
        .map(|f| {
            assert_eq!(f["rule"], "no-accountable", "{f}");
            (
                f["variant"].as_str().unwrap().to_string(),
                f["page"].as_str().unwrap().to_string(),
                f["row"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(found, expected_pairs());
    assert_eq!(report["summary"]["findings"], 12);
    assert_eq!(report["summary"]["renders"], 6);
}

#[test]
fn human_format() {
    let r = run(root(), &["lint"]);
    assert_eq!(r.code, 1);
    assert_eq!(r.stdout.lines().count(), 12);
    insta::assert_snapshot!("human", format!("{}--- stderr ---\n{}", r.stdout, r.stderr));
}

#[test]
fn json_format() {
    let r = run(
        root(),
        &[
            "lint",
            "--page",
            "disaster-recovery-raci",
            "--variant",
            "psaas-appliance",
            "--format",
            "json",
        ],
    );
    assert_eq!(r.code, 1);
    assert_eq!(r.stderr, "", "json prints nothing else");
    let report = json(&r);
    assert_eq!(report["schema"], "docvar-lint/1");
    insta::assert_snapshot!("json", r.stdout);
}

#[test]
fn github_format() {
    let r = run(root(), &["lint", "--format", "github"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.lines().all(|l| l.starts_with("::warning file=")),
        "{}",
        r.stdout
    );
    // One annotation per template line at fault, naming all three products, not one each.
    let places: Vec<&str> = r
        .stdout
        .lines()
        .map(|l| l.split(",title=").next().unwrap())
        .collect();
    let unique: std::collections::BTreeSet<&str> = places.iter().copied().collect();
    assert_eq!(places.len(), unique.len(), "{}", r.stdout);
    assert_eq!(places.len(), 4, "{}", r.stdout);
    assert!(r
        .stdout
        .lines()
        .all(|l| l.contains("(appliance, private-saas, psaas-appliance)")));
    insta::assert_snapshot!("github", r.stdout);
}

#[test]
fn selection_filters_pages_and_variants() {
    let r = run(
        root(),
        &[
            "lint",
            "--page",
            "roles-and-responsibilities",
            "--variant",
            "appliance",
        ],
    );
    assert_eq!(r.code, 1);
    assert_eq!(r.stdout.lines().count(), 3, "{}", r.stdout);
    assert!(r
        .stdout
        .lines()
        .all(|l| l.starts_with("out/appliance/roles-and-responsibilities.md:")));
}

#[test]
fn unknown_page_or_variant_is_bad_input() {
    let r = run(root(), &["lint", "--page", "nope"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("unknown page \"nope\""), "{}", r.stderr);
    assert_eq!(r.stdout, "");

    let r = run(root(), &["lint", "--page", "roles-and-responsibility"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("did you mean \"roles-and-responsibilities\"?"),
        "{}",
        r.stderr
    );

    let r = run(root(), &["lint", "--variant", "applianc"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("did you mean \"appliance\"?"),
        "{}",
        r.stderr
    );
}

/// A copy of this repository's project files (not out/) with `extra` appended to docvar.toml.
fn project_copy(extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = PathBuf::from(root());
    copy_dir(&src.join("templates"), &dir.path().join("templates"));
    copy_dir(&src.join("variants"), &dir.path().join("variants"));
    let config = std::fs::read_to_string(src.join("docvar.toml")).unwrap();
    std::fs::write(dir.path().join("docvar.toml"), format!("{config}\n{extra}")).unwrap();
    dir
}

#[test]
fn allow_list_suppresses_findings() {
    let dir = project_copy(
        r#"[lint]
allow = [
    { page = "roles-and-responsibilities", row = "Operations Handover", reason = "Auth0 and the subscriber share the handover" },
    { row = "Restore the Data Backup", reason = "Support decides case by case" },
]
"#,
    );
    let root = dir.path().to_str().unwrap();
    let r = run(root, &["lint", "--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let report = json(&r);
    let rows: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["row"].as_str().unwrap())
        .collect();
    assert_eq!(rows.len(), 6, "{rows:?}");
    assert!(rows.iter().all(
        |r| *r == "Configuration of Development and Production environments"
            || *r == "Issue Resolution"
    ));
    assert_eq!(report["summary"]["suppressed"], 6);
    let reasons: Vec<&str> = report["suppressed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["reason"].as_str().unwrap())
        .collect();
    assert!(reasons.contains(&"Support decides case by case"));

    let r = run(root, &["lint"]);
    assert!(
        r.stderr.contains("6 accepted by [lint] allow"),
        "{}",
        r.stderr
    );
}

#[test]
fn no_findings_exit_0_and_stale_allow_entries_warn() {
    let dir = project_copy(
        r#"[lint]
allow = [
    { row = "Configuration of Development and Production environments", reason = "r" },
    { row = "Operations Handover", reason = "r" },
    { row = "Issue Resolution", reason = "r" },
    { row = "Restore the Data Backup", reason = "r" },
    { row = "A row that is not there", reason = "r" },
]
"#,
    );
    let r = run(dir.path().to_str().unwrap(), &["lint"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "");
    assert!(
        r.stderr.contains("warning: docvar.toml: [lint] allow entry for row \"A row that is not there\" accepts no finding"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("no RACI findings"), "{}", r.stderr);
}

#[test]
fn allow_entry_for_an_unknown_page_is_bad_input() {
    let dir = project_copy(
        "[lint]\nallow = [{ page = \"roles-and-responsibility\", row = \"Issue Resolution\", reason = \"r\" }]\n",
    );
    let r = run(dir.path().to_str().unwrap(), &["lint"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("names unknown page"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("did you mean \"roles-and-responsibilities\"?"),
        "{}",
        r.stderr
    );
}

#[test]
fn bad_letters_and_empty_cells_are_reported() {
    let dir = project_copy("");
    let page = dir
        .path()
        .join("templates/roles-and-responsibilities.md.hbs");
    let text = std::fs::read_to_string(&page)
        .unwrap()
        .replace("|Monitoring|I|R, A|", "|Monitoring|X|R, A|")
        .replace("|Updates|R|R, A|", "|Updates| |R, A|")
        .replace(
            "|Testing Updates|C, I (in the event that there are questions/issues)|R, A|",
            "|Testing Updates|A|R, A|",
        );
    std::fs::write(&page, text).unwrap();
    let r = run(
        dir.path().to_str().unwrap(),
        &[
            "lint",
            "--page",
            "roles-and-responsibilities",
            "--variant",
            "appliance",
            "--format",
            "json",
        ],
    );
    assert_eq!(r.code, 1);
    let report = json(&r);
    let found: Vec<(&str, &str, Option<&str>)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["row"].as_str().unwrap(),
                f["rule"].as_str().unwrap(),
                f["party"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![
            (
                "Configuration of Development and Production environments",
                "no-accountable",
                None
            ),
            ("Operations Handover", "no-accountable", None),
            ("Monitoring", "bad-letter", Some("Auth0")),
            ("Updates", "empty-cell", Some("Auth0")),
            ("Testing Updates", "several-accountable", None),
            ("Issue Resolution", "no-accountable", None),
        ]
    );
}

#[test]
fn completions_mention_docvar() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let r = run(root(), &["completions", shell]);
        assert_eq!(r.code, 0, "{shell}: {}", r.stderr);
        assert!(r.stdout.contains("docvar"), "{shell}");
        assert!(
            r.stdout.contains("lint"),
            "{shell}: subcommands are completed"
        );
    }
    let r = run(root(), &["completions", "tcsh"]);
    assert_eq!(r.code, 2);
}

#[test]
fn man_page_is_roff() {
    let r = run(root(), &["man"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // clap_mangen opens with the quote-string preamble, then the title line.
    assert!(
        r.stdout.starts_with(".ie ") && r.stdout.contains("\n.TH docvar 1 "),
        "{}",
        &r.stdout[..300.min(r.stdout.len())]
    );
    assert!(r.stdout.contains("docvar"));
    assert!(r.stdout.contains("lint"));
}

/// Long options of `docvar ARGS --help`, as clap lists them.
fn long_options(args: &[&str]) -> Vec<String> {
    let r = run(root(), &[args, &["--help"]].concat());
    assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
    let mut found = Vec::new();
    for line in r.stdout.lines().map(str::trim_start) {
        // `-q, --quiet`, `--format <FORMAT>`: option lines start with a dash.
        if !line.starts_with('-') {
            continue;
        }
        for word in line.split([' ', ',']) {
            if let Some(name) = word.strip_prefix("--") {
                if !name.is_empty() && !found.contains(&name.to_string()) {
                    found.push(name.to_string());
                }
            }
        }
    }
    found
}

/// #17: `docvar man` documents every subcommand and every option clap knows, and points to
/// no other man page (there are none).
#[test]
fn man_page_documents_every_subcommand_and_option() {
    let man = run(root(), &["man"]).stdout;
    let top = run(root(), &["--help"]).stdout;
    let subs: Vec<&str> = top
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        // Wrapped descriptions continue on deeper-indented lines.
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|s| *s != "help")
        .collect();
    assert!(subs.len() >= 9, "{subs:?}");
    let mut checked = 0;
    for sub in &subs {
        assert!(
            man.contains(&format!(".SS \"docvar {sub}\"")),
            "no section for {sub}"
        );
        for opt in long_options(&[sub]) {
            let roff = format!("\\fB\\-\\-{}\\fR", opt.replace('-', "\\-"));
            assert!(
                man.contains(&roff),
                "docvar {sub} --{opt} is not in the man page"
            );
            checked += 1;
        }
    }
    assert!(checked > 30, "{checked} options checked");
    assert!(man.contains("\\fB\\-\\-published\\fR"));
    assert!(!man.contains("(1)"), "the page refers to other man pages");
}
