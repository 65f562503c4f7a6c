//! The binary's output plumbing: a reader that leaves early, a stdout that fails, colour.

use crate::common;

use std::process::{Command, Output, Stdio};

use common::{docvar, project_copy, root};

/// Runs docvar in `dir` with stdout (and with `stderr_too`, stderr) a pipe whose reader is
/// already gone, so every write fails with EPIPE (no timing involved).
fn with_closed_pipe(dir: &std::path::Path, args: &[&str], stderr_too: bool) -> Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let stderr = if stderr_too {
        Stdio::from(writer.try_clone().unwrap())
    } else {
        Stdio::piped()
    };
    Command::new(env!("CARGO_BIN_EXE_docvar"))
        .current_dir(dir)
        .args(args)
        .env_remove("NO_COLOR")
        .env_remove("CI")
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(stderr)
        .output()
        .unwrap()
}

#[test]
fn diff_into_a_closed_pipe_ends_quietly_with_its_exit_code() {
    let out = with_closed_pipe(&root(), &["diff"], false);
    // The fixtures drift: 1, as when the whole report is read.
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn man_into_a_closed_pipe_ends_quietly() {
    let out = with_closed_pipe(&root(), &["man"], false);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn closed_stdout_and_stderr_do_not_panic() {
    // `docvar diff 2>&1 | head -1`: a panic would exit 101.
    let out = with_closed_pipe(&root(), &["diff"], true);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let dir = project_copy();
    let out = with_closed_pipe(dir.path(), &["generate"], true);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
}

#[test]
fn fix_still_fixes_when_the_reader_left() {
    let dir = project_copy();
    let out = with_closed_pipe(dir.path(), &["diff", "--fix"], false);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "3 published copies rewritten from the templates\n"
    );
    docvar(dir.path()).arg("diff").assert().code(0);
}

#[test]
fn through_head_the_first_line_arrives_and_nothing_complains() {
    let bin = env!("CARGO_BIN_EXE_docvar");
    let out = Command::new("sh")
        .current_dir(root())
        .arg("-c")
        .arg(format!(
            "'{bin}' man | head -1; '{bin}' diff --format unified | head -1"
        ))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    // Each first line is the one a full run prints first.
    let first = |args: &[&str]| {
        let full = Command::new(bin).current_dir(root()).args(args).output();
        let full = String::from_utf8(full.unwrap().stdout).unwrap();
        full.lines().next().unwrap().to_string()
    };
    assert_eq!(lines[0], first(&["man"]), "{stdout}");
    assert_eq!(
        lines[1],
        first(&["diff", "--format", "unified"]),
        "{stdout}"
    );
    assert!(lines[1].starts_with("diff --git a/"), "{stdout}");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[cfg(target_os = "linux")]
#[test]
fn a_failing_stdout_is_exit_2_with_a_message() {
    for args in [&["man"][..], &["diff"], &["list"]] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_docvar"))
            .current_dir(root())
            .args(args)
            .stdout(full)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "error: cannot write to stdout: No space left on device\n",
            "{args:?}"
        );
    }
}

#[test]
fn colour_auto_follows_clicolor_force_and_no_color() {
    let coloured = |envs: &[(&str, &str)]| {
        let mut cmd = docvar(&root());
        cmd.args(["diff", "--color", "auto"]).env_remove("CLICOLOR");
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        out.stdout.contains(&0x1b)
    };
    // Not a terminal: no colour unless forced; NO_COLOR beats the force.
    assert!(!coloured(&[]));
    assert!(coloured(&[("CLICOLOR_FORCE", "1")]));
    assert!(!coloured(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]));
    // `always` and `never` are what they say, NO_COLOR or not.
    let always = docvar(&root())
        .args(["diff", "--color", "always"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(always.stdout.contains(&0x1b));
    let never = docvar(&root())
        .args(["diff", "--color", "never"])
        .env("CLICOLOR_FORCE", "1")
        .output()
        .unwrap();
    assert!(!never.stdout.contains(&0x1b));
}
