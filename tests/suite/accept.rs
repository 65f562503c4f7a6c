//! `docvar accept` and the baseline in `docvar diff`: the done-when scenario on a copy
//! of this repository's project, and refusals of a bad baseline.

use crate::common;

use std::fs;
use std::path::Path;

use common::{docvar, project_copy};

const ROLES: &str = "templates/roles-and-responsibilities.md.hbs";
const PS: &str = "tests/fixtures/published/private-saas/roles-and-responsibilities.md";
const AP: &str = "tests/fixtures/published/appliance/roles-and-responsibilities.md";
const PA_MD: &str = "tests/fixtures/published/psaas-appliance/roles-and-responsibilities.md";
const PA_TXT: &str = "tests/fixtures/published/psaas-appliance/roles-and-responsibilities.txt";
const BASELINE: &str = "docvar-baseline.toml";

fn json(dir: &Path) -> (i32, serde_json::Value) {
    let out = docvar(dir)
        .args(["diff", "-q", "--format", "json"])
        .output()
        .unwrap();
    let v = serde_json::from_slice(&out.stdout).unwrap();
    (out.status.code().unwrap(), v)
}

/// (accepted, not accepted) hunks over all pages.
fn counts(v: &serde_json::Value) -> (usize, usize) {
    let mut acc = (0, 0);
    for p in v["pages"].as_array().unwrap() {
        for h in p["hunks"].as_array().unwrap() {
            match h["accepted"].as_bool() {
                Some(true) => acc.0 += 1,
                Some(false) => acc.1 += 1,
                None => panic!("hunk without `accepted`: {h}"),
            }
        }
    }
    acc
}

/// Runs docvar in `dir`: exit code, stdout, stderr.
fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let o = docvar(dir).args(args).output().unwrap();
    (
        o.status.code().unwrap(),
        String::from_utf8(o.stdout).unwrap(),
        String::from_utf8(o.stderr).unwrap(),
    )
}

fn edit(dir: &Path, rel: &str, f: impl FnOnce(String) -> String) {
    let p = dir.join(rel);
    let s = fs::read_to_string(&p).unwrap();
    let t = f(s.clone());
    assert_ne!(s, t, "edit of {rel} changed nothing");
    fs::write(p, t).unwrap();
}

/// Inserts `line` as a paragraph after the page title (the first `# ` line in Markdown, the
/// first line in plain text).
fn after_title(s: String, line: &str, markdown: bool) -> String {
    let at = if markdown {
        let i = s.find("\n# ").unwrap() + 1;
        s[i..].find('\n').unwrap() + i + 1
    } else {
        s.find('\n').unwrap() + 1
    };
    format!("{}\n{line}\n{}", &s[..at], &s[at..])
}

#[test]
fn accept_then_diff_fails_only_on_new_drift_and_survives_a_shift() {
    let dir = project_copy();
    let d = dir.path();
    docvar(d).args(["diff", "-q"]).assert().code(1);

    let out = docvar(d)
        .arg("accept")
        .assert()
        .code(0)
        .get_output()
        .clone();
    insta::assert_snapshot!("accept_human", String::from_utf8(out.stdout).unwrap());
    let text = fs::read_to_string(d.join(BASELINE)).unwrap();
    assert_eq!(text.matches("[[accepted]]").count(), 8, "{text}");

    let (code, v) = json(d);
    assert_eq!(code, 0);
    assert_eq!(counts(&v), (8, 0));
    assert_eq!(v["summary"]["accepted"], 8);
    assert_eq!(v["stale"].as_array().unwrap().len(), 0);
    let out = docvar(d)
        .args(["diff", "-q", "--color", "never"])
        .assert()
        .code(0)
        .get_output()
        .clone();
    insta::assert_snapshot!("diff_with_accepted", String::from_utf8(out.stdout).unwrap());

    // --no-baseline reports the accepted drift as drift again.
    docvar(d)
        .args(["diff", "-q", "--no-baseline"])
        .assert()
        .code(1);

    // A template edit elsewhere that shifts every line (copies follow it): still accepted.
    edit(d, ROLES, |s| {
        s.replacen(
            "\n\nThe {{product_title}} is",
            "\n\nRead this first.\n\nThe {{product_title}} is",
            1,
        )
    });
    for f in [PS, AP, PA_MD] {
        edit(d, f, |s| after_title(s, "Read this first.", true));
    }
    edit(d, PA_TXT, |s| after_title(s, "Read this first.", false));
    let (code, v) = json(d);
    assert_eq!(counts(&v), (8, 0), "{v:#}");
    assert_eq!(code, 0);
    let backing = &v["pages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["published"] == PS)
        .unwrap()["hunks"][0];
    assert_eq!(
        backing["published_lines"],
        serde_json::json!([45, 45]),
        "lines moved"
    );

    // A one-word edit in a clean copy is the only new hunk.
    edit(d, AP, |s| {
        s.replacen(
            "The subscriber is responsible for [backing up",
            "The customer is responsible for [backing up",
            1,
        )
    });
    let (code, v) = json(d);
    assert_eq!(code, 1);
    assert_eq!(counts(&v), (8, 1));
    let new: Vec<_> = v["pages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["hunks"].as_array().unwrap().iter().map(move |h| (p, h)))
        .filter(|(_, h)| h["accepted"] == false)
        .collect();
    assert_eq!(new[0].0["published"], AP);
    assert!(new[0].1["published"].as_str().unwrap().contains("customer"));
}

#[test]
fn fixing_accepted_drift_makes_it_stale_and_prune_drops_it() {
    let dir = project_copy();
    let d = dir.path();
    docvar(d).args(["accept"]).assert().code(0);
    // Fix the private-saas copy's one (accepted) hunk.
    docvar(d).args(["diff", "-q", "--fix", PS]).assert().code(0);
    let (code, v) = json(d);
    assert_eq!(code, 0);
    let stale = v["stale"].as_array().unwrap();
    assert_eq!(stale.len(), 1, "{v:#}");
    assert_eq!(stale[0]["copy"], PS);
    assert_eq!(stale[0]["variant"], "private-saas");
    let human = docvar(d).args(["diff", "-q"]).output().unwrap();
    assert!(String::from_utf8(human.stdout)
        .unwrap()
        .contains("stale     roles-and-responsibilities (private-saas)"));

    // Without --prune the stale entry stays; with it, it goes and nothing else does.
    docvar(d).args(["accept"]).assert().code(0);
    assert_eq!(
        fs::read_to_string(d.join(BASELINE))
            .unwrap()
            .matches("[[accepted]]")
            .count(),
        8
    );
    let (code, out, _) = run(d, &["accept", "--prune"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("pruned    roles-and-responsibilities (private-saas)"),
        "{out}"
    );
    let text = fs::read_to_string(d.join(BASELINE)).unwrap();
    assert_eq!(text.matches("[[accepted]]").count(), 7, "{text}");
    assert!(!text.contains("private-saas"));
    let (_, v) = json(d);
    assert_eq!(v["stale"].as_array().unwrap().len(), 0);
    assert_eq!(counts(&v), (7, 0));
}

#[test]
fn accept_selects_like_diff() {
    let dir = project_copy();
    let d = dir.path();
    docvar(d)
        .args(["accept", "--variant", "private-saas"])
        .assert()
        .code(0);
    let (code, v) = json(d);
    assert_eq!(code, 1);
    assert_eq!(counts(&v), (1, 7));
}

#[test]
fn a_bad_baseline_is_refused_and_changes_nothing() {
    let dir = project_copy();
    let d = dir.path();
    fs::write(d.join(BASELINE), "[[accepted]]\npage = 3\n").unwrap();
    let (code, _, err) = run(d, &["diff", "-q"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("docvar-baseline.toml") && err.contains("line 2"),
        "{err}"
    );
    docvar(d).arg("accept").assert().code(2);
    assert_eq!(
        fs::read_to_string(d.join(BASELINE)).unwrap(),
        "[[accepted]]\npage = 3\n"
    );
}

#[cfg(unix)]
#[test]
fn a_linked_baseline_is_never_written_through() {
    let dir = project_copy();
    let d = dir.path();
    let elsewhere = tempfile::tempdir().unwrap();
    let target = elsewhere.path().join("b.toml");
    fs::write(&target, "").unwrap();
    std::os::unix::fs::symlink(&target, d.join(BASELINE)).unwrap();
    let (code, _, err) = run(d, &["accept"]);
    assert_eq!(code, 2);
    assert!(err.contains("symbolic link"), "{err}");
    assert_eq!(fs::read_to_string(&target).unwrap(), "");
}
