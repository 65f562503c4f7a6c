//! `docvar update`: the done-when scenario on a git copy of this repository's project,
//! the merge laws, and the human output.

use crate::common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use common::{docvar, line_changes, project_copy};
use docvar::drift::CopyFormat;
use docvar::export;
use docvar::merge::merge;
use proptest::prelude::*;

const ROLES: &str = "templates/roles-and-responsibilities.md.hbs";
const PS: &str = "tests/fixtures/published/private-saas/roles-and-responsibilities.md";
const AP: &str = "tests/fixtures/published/appliance/roles-and-responsibilities.md";
const PA_MD: &str = "tests/fixtures/published/psaas-appliance/roles-and-responsibilities.md";
const PA_TXT: &str = "tests/fixtures/published/psaas-appliance/roles-and-responsibilities.txt";
const PA_DR: &str = "tests/fixtures/published/psaas-appliance/disaster-recovery-raci.md";

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_SYSTEM", "/dev/null")
        .args([
            "-c",
            "user.name=docvar",
            "-c",
            "user.email=docvar@example.com",
        ])
        .args(args)
        .status()
        .expect("git runs")
        .success();
    assert!(ok, "git {args:?}");
}

/// The project copied, committed, then the template changed in two lines: one no copy
/// touched ("Initial installation;") and one the Private SaaS copy drifted on (its
/// "Backing Up" row dropped "the", the very word the template now changes to "your").
fn changed_project() -> tempfile::TempDir {
    let dir = project_copy();
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-qm", "project"]);
    let path = dir.path().join(ROLES);
    let t = std::fs::read_to_string(&path).unwrap();
    let changed = t
        .replace(
            "* Initial installation;",
            "* Initial installation and configuration;",
        )
        .replace(
            "[backing up the {{product}}]",
            "[backing up your {{product}}]",
        );
    assert_eq!(line_changes(&t, &changed).len(), 4);
    std::fs::write(&path, changed).unwrap();
    dir
}

fn read(dir: &Path, rel: &str) -> String {
    std::fs::read_to_string(dir.join(rel)).unwrap()
}

/// Every file under `dir` but .git, with its bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.file_name().unwrap() == ".git" {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().display().to_string();
                files.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    files
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// What the done-when scenario asserts of the copies after a real run.
fn assert_updated(dir: &Path, before: &BTreeMap<String, Vec<u8>>) {
    let old = |rel: &str| String::from_utf8(before[rel].clone()).unwrap();
    // Private SaaS: the untouched change, and one conflict around the "Backing Up" row.
    let ps = read(dir, PS);
    let changes = line_changes(&old(PS), &ps);
    assert_eq!(changes.len(), 8, "{changes:#?}");
    assert_eq!(changes[0], "-14 * Initial installation;");
    assert_eq!(changes[1], "+14 * Initial installation and configuration;");
    assert_eq!(changes[2], "+43 <<<<<<< copy");
    assert!(changes[3].starts_with("+45 ||||||| base"), "{changes:#?}");
    assert!(
        changes[4].starts_with("+46 |Backing Up|")
            && changes[4].contains("[backing up the Private SaaS]")
    );
    assert_eq!(changes[5], "+47 =======");
    assert!(
        changes[6].starts_with("+48 |Backing Up|")
            && changes[6].contains("[backing up your Private SaaS]")
    );
    assert_eq!(changes[7], "+49 >>>>>>> template");
    assert!(ps
        .lines()
        .nth(43)
        .unwrap()
        .contains("[backing up Private SaaS]"));
    assert_eq!(ps.matches("<<<<<<<").count(), 1);
    // Appliance: no drift of its own, so exactly the new render.
    assert_eq!(
        read(dir, AP),
        read(dir, "out/appliance/roles-and-responsibilities.md")
    );
    // PSaaS Appliance Markdown: both changes, its own "Keep Reading" section kept.
    let pa = read(dir, PA_MD);
    let changes = line_changes(&old(PA_MD), &pa);
    assert_eq!(changes.len(), 4, "{changes:#?}");
    assert!(pa.contains("* Initial installation and configuration;"));
    assert!(pa.contains("[backing up your PSaaS Appliance]"));
    assert!(pa.contains("### Keep Reading\n") && !pa.contains("## Further Reading"));
    // Its plain text: both changes in help-center text, the site chrome kept, no final newline.
    let txt = read(dir, PA_TXT);
    let changes = line_changes(&old(PA_TXT), &txt);
    assert_eq!(changes.len(), 4, "{changes:#?}");
    assert!(txt.contains("  • Initial installation and configuration;\n"));
    assert!(txt.contains("backing up your PSaaS Appliance using"));
    assert!(txt.ends_with("Keep Reading\n\nWas this article helpful?"));
    // The Disaster Recovery copy's template did not change.
    assert_eq!(read(dir, PA_DR).as_bytes(), &before[PA_DR][..]);
}

#[test]
fn done_when_scenario_base_from_stale_out() {
    let dir = changed_project();
    let before = tree(dir.path());

    let dry = docvar(dir.path())
        .args(["update", "--dry-run"])
        .output()
        .unwrap();
    assert_eq!(dry.status.code(), Some(1), "{dry:?}");
    assert_eq!(tree(dir.path()), before, "--dry-run changed a file");
    insta::assert_snapshot!("update_dry_run", stdout(&dry));

    let run = docvar(dir.path()).arg("update").output().unwrap();
    assert_eq!(run.status.code(), Some(1), "{run:?}");
    insta::assert_snapshot!("update_run", stdout(&run));
    assert_eq!(
        String::from_utf8_lossy(&run.stderr),
        "3 merged, 1 with conflicts (1 conflict), 1 unchanged; resolve the marked conflicts, then run `docvar diff`\n"
    );
    assert_updated(dir.path(), &before);
    common::assert_out_fresh(dir.path());
}

#[test]
fn base_from_git_once_generate_has_run() {
    let dir = changed_project();
    docvar(dir.path()).args(["generate", "-q"]).assert().code(0);
    let before = tree(dir.path());
    let run = docvar(dir.path()).arg("update").output().unwrap();
    assert_eq!(run.status.code(), Some(1), "{run:?}");
    assert!(
        stdout(&run).contains("1 conflict (base: git HEAD)"),
        "{}",
        stdout(&run)
    );
    assert_updated(dir.path(), &before);
    // The conflict is still there: a second run refuses the copy and writes nothing.
    let again = tree(dir.path());
    let err = docvar(dir.path()).arg("update").output().unwrap();
    assert_eq!(err.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&err.stderr).lines().next().unwrap(),
        format!("error: {PS}:43: holds an unresolved update conflict; keep the wanted text, delete the marker lines, then run docvar update again")
    );
    assert_eq!(tree(dir.path()), again);
}

#[test]
fn selection_and_explicit_base() {
    let dir = changed_project();
    docvar(dir.path()).args(["generate", "-q"]).assert().code(0);
    let out = docvar(dir.path())
        .args(["update", "--variant", "appliance", "--base", "HEAD"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        stdout(&out),
        format!("{AP}: merged cleanly (base: git HEAD)\n")
    );
    assert_eq!(
        read(dir.path(), AP),
        read(dir.path(), "out/appliance/roles-and-responsibilities.md")
    );
}

#[test]
fn no_base_names_the_flag_and_writes_nothing() {
    // Not a git repository, and out/ already holds the new render.
    let dir = project_copy();
    let path = dir.path().join(ROLES);
    let t = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, t.replace("General maintenance;", "Maintenance;")).unwrap();
    // While out/ is stale it is the base; a page whose out/ is current counts as unchanged.
    let dry = docvar(dir.path())
        .args(["update", "--dry-run"])
        .output()
        .unwrap();
    assert_eq!(dry.status.code(), Some(0), "{dry:?}");
    assert!(stdout(&dry).contains(&format!("{PA_DR}: unchanged (base: out/)\n")));
    assert!(stdout(&dry).contains(&format!("{AP}: merged cleanly (base: out/)\n")));
    // Once generate has run, nothing tells the old render.
    docvar(dir.path()).args(["generate", "-q"]).assert().code(0);
    let before = tree(dir.path());
    let out = docvar(dir.path()).arg("update").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with(
            "error: out/appliance/roles-and-responsibilities.md: no previous render found"
        ),
        "{err}"
    );
    assert!(err.contains("--base <git-ref>"), "{err}");
    assert_eq!(tree(dir.path()), before);
    let bad = docvar(dir.path())
        .args(["update", "--base=-p"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is not a git revision"));
}

#[cfg(unix)]
#[test]
fn a_linked_copy_is_refused_before_any_write() {
    let dir = changed_project();
    let real = dir.path().join("elsewhere.md");
    std::fs::rename(dir.path().join(PS), &real).unwrap();
    std::os::unix::fs::symlink(&real, dir.path().join(PS)).unwrap();
    let before = tree(dir.path());
    let out = docvar(dir.path()).arg("update").output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("symbolic link"),
        "{out:?}"
    );
    assert_eq!(tree(dir.path()), before);
}

// ---------------------------------------------------------------------------------------------
// Laws of the merge.

/// A page of distinct blocks: headings, paragraphs, list items, table rows.
fn page() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(("[a-z]{1,8}( [a-z]{1,8}){0,5}", 0..4u8), 1..10).prop_map(|blocks| {
        blocks
            .into_iter()
            .enumerate()
            .map(|(i, (words, kind))| match kind {
                0 => format!("## h{i} {words}"),
                1 => format!("* item{i} {words}"),
                _ => format!("p{i} {words}."),
            })
            .collect()
    })
}

fn join(blocks: &[String]) -> String {
    blocks.join("\n\n") + "\n"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn no_template_change_changes_nothing(
        base in page(),
        copy in "[-#*|a-z \r\n\u{feff}]{0,120}",
        text in any::<bool>(),
    ) {
        let base = join(&base);
        let format = if text { CopyFormat::Text } else { CopyFormat::Markdown };
        let m = merge(&base, &base, &copy, format, &[]);
        prop_assert_eq!(m.text, copy);
        prop_assert!(m.conflicts.is_empty());
    }

    #[test]
    fn a_copy_equal_to_the_old_render_ends_equal_to_the_new(old in page(), new in page()) {
        let (old, new) = (join(&old), join(&new));
        let m = merge(&old, &new, &old, CopyFormat::Markdown, &[]);
        prop_assert_eq!(&m.text, &new);
        let t = merge(&old, &new, &export::to_text(&old), CopyFormat::Text, &[]);
        prop_assert_eq!(t.text, export::to_text(&new));
    }

    #[test]
    fn edits_in_different_blocks_both_survive(
        blocks in page().prop_filter("two blocks", |b| b.len() >= 2),
        pick in any::<(prop::sample::Index, prop::sample::Index)>(),
        mine in "[a-z]{1,8}",
        theirs in "[a-z]{1,8}",
    ) {
        let i = pick.0.index(blocks.len());
        let j = (i + 1 + pick.1.index(blocks.len() - 1)) % blocks.len();
        let (mut copy, mut template, mut both) = (blocks.clone(), blocks.clone(), blocks.clone());
        copy[i] = format!("{} copyedit {mine}", blocks[i]);
        both[i] = copy[i].clone();
        template[j] = format!("{} templateedit {theirs}", blocks[j]);
        both[j] = template[j].clone();
        let m = merge(&join(&blocks), &join(&template), &join(&copy), CopyFormat::Markdown, &[]);
        prop_assert!(m.conflicts.is_empty(), "{:?}", m.conflicts);
        prop_assert_eq!(m.text, join(&both));
    }

    #[test]
    fn any_three_texts_merge_without_panic(
        base in "[-#*|a-z \r\n\u{feff}<>`\\[\\]()]{0,120}",
        template in "[-#*|a-z \r\n\u{feff}<>`\\[\\]()]{0,120}",
        copy in "[-#*|a-z \r\n\u{feff}<>`\\[\\]()]{0,120}",
        text in any::<bool>(),
    ) {
        let format = if text { CopyFormat::Text } else { CopyFormat::Markdown };
        let m = merge(&base, &template, &copy, format, &[]);
        for c in &m.conflicts {
            prop_assert!(c.line >= 1 && c.line <= m.text.lines().count());
        }
    }
}
