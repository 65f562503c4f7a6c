//! Shared helpers for the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `docvar` binary, run from `dir`.
pub fn docvar(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("docvar").unwrap();
    cmd.current_dir(dir).env_remove("NO_COLOR").env_remove("CI");
    cmd
}

/// Copies a folder tree.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A scratch copy of the repository's project (templates, variants, docvar.toml, out/ and
/// the published fixtures), so a test can change it freely.
pub fn project_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let r = root();
    for d in ["templates", "variants", "out", "tests/fixtures/published"] {
        copy_dir(&r.join(d), &dir.path().join(d));
    }
    std::fs::copy(r.join("docvar.toml"), dir.path().join("docvar.toml")).unwrap();
    dir
}

/// A fixture's bytes.
pub fn fixture(rel: &str) -> String {
    std::fs::read_to_string(root().join("tests/fixtures/published").join(rel)).unwrap()
}

/// Lines that differ between `a` and `b`: `-N text` (in `a` only) and `+N text` (in `b` only).
pub fn line_changes(a: &str, b: &str) -> Vec<String> {
    let diff = similar::TextDiff::from_lines(a, b);
    let mut out = Vec::new();
    for change in diff.iter_all_changes() {
        let line = change.value().trim_end_matches('\n');
        match change.tag() {
            similar::ChangeTag::Delete => {
                out.push(format!("-{} {line}", change.old_index().unwrap() + 1))
            }
            similar::ChangeTag::Insert => {
                out.push(format!("+{} {line}", change.new_index().unwrap() + 1))
            }
            similar::ChangeTag::Equal => {}
        }
    }
    out
}

/// A checksum of everything under `dir`: each entry's path, kind and content (a link's
/// target, never followed; a FIFO's kind only, never opened). The out/ lock file is left
/// out: `generate` may create it, empty, before it refuses, and git ignores it.
pub fn tree_checksum(dir: &Path) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for (path, kind, bytes) in tree_listing(dir) {
        (path, kind, bytes).hash(&mut h);
    }
    h.finish()
}

/// The entries [`tree_checksum`] hashes, sorted: (relative path, kind, content).
pub fn tree_listing(dir: &Path) -> Vec<(String, &'static str, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let path = e.path();
            let rel = path.strip_prefix(dir).unwrap().display().to_string();
            let ty = e.file_type().unwrap();
            if ty.is_symlink() {
                let target = std::fs::read_link(&path).unwrap();
                out.push((rel, "link", target.display().to_string().into_bytes()));
            } else if ty.is_dir() {
                out.push((rel, "dir", Vec::new()));
                stack.push(path);
            } else if ty.is_file() {
                if e.file_name() != ".docvar.lock" {
                    out.push((rel, "file", std::fs::read(&path).unwrap()));
                }
            } else {
                out.push((rel, "special", Vec::new()));
            }
        }
    }
    out.sort();
    out
}

/// A finished command's stdout as text.
pub fn stdout(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8(a.get_output().stdout.clone()).unwrap()
}

/// A finished command's stderr as text.
pub fn stderr(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8(a.get_output().stderr.clone()).unwrap()
}

/// Asserts that the failed run `a` (of `args`) printed no panic and exactly one error line
/// (warnings aside) containing each of `want`; returns its stderr.
pub fn one_error_line(args: &[&str], a: &assert_cmd::assert::Assert, want: &[&str]) -> String {
    let stderr = stderr(a);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| !l.starts_with("warning:"))
        .collect();
    assert_eq!(errors.len(), 1, "one line expected: {stderr}");
    for w in want {
        assert!(errors[0].contains(w), "{args:?}: missing {w:?} in {stderr}");
    }
    stderr
}

/// Applies a unified diff to `text` (saved as `name`) with `git apply`, as a user would.
pub fn git_apply(text: &str, name: &str, patch: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(name), text).unwrap();
    std::fs::write(dir.path().join("fix.patch"), patch).unwrap();
    let out = std::process::Command::new("git")
        .args(["apply", "fix.patch"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git apply failed: {}\n{patch}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(std::fs::read(dir.path().join(name)).unwrap()).unwrap()
}

/// Every page of the repository's project rendered for every variant.
pub fn rendered_pages() -> Vec<String> {
    let p = docvar::Project::load(&root()).unwrap();
    let r = docvar::Renderer::new(&p).unwrap();
    let mut out = Vec::new();
    for v in &p.variants {
        for page in &p.pages {
            out.push(r.render(&page.name, v).unwrap());
        }
    }
    out
}

/// `docvar diff` run from `dir` on copies of the roles page for `variant` (FILEs to follow).
pub fn diff_roles(dir: &Path, variant: &str) -> Command {
    let mut cmd = docvar(dir);
    cmd.args(["diff", "--page", "roles-and-responsibilities"])
        .args(["--variant", variant]);
    cmd
}

/// Asserts that `generate --check` run from `dir` finds out/ fresh (exit 0).
pub fn assert_out_fresh(dir: &Path) -> assert_cmd::assert::Assert {
    docvar(dir).args(["generate", "--check"]).assert().code(0)
}
