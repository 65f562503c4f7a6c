//! Bad input catalogue and faults: every case exits 2 with one line naming the file (and the
//! line/column or byte offset) and what to do, never panics, and leaves out/ byte-identical.

use crate::common;

use std::path::Path;

use common::{docvar, project_copy};

/// Every file under out/ with its bytes (symlinks as their target path).
fn out_state(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.join("out")];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries {
            let e = e.unwrap();
            let ty = e.file_type().unwrap();
            let name = e.path().display().to_string();
            if ty.is_symlink() {
                files.push((
                    name,
                    std::fs::read_link(e.path())
                        .unwrap()
                        .display()
                        .to_string()
                        .into_bytes(),
                ));
            } else if ty.is_dir() {
                stack.push(e.path());
            } else if !name.ends_with(".docvar.lock") {
                files.push((name, std::fs::read(e.path()).unwrap()));
            }
        }
    }
    files.sort();
    files
}

/// Runs `docvar args` in a project prepared by `setup`; asserts exit 2, a one-line message
/// containing each of `want`, and out/ unchanged.
fn bad(setup: impl FnOnce(&Path), args: &[&str], want: &[&str]) {
    let dir = project_copy();
    setup(dir.path());
    let before = out_state(dir.path());
    let a = docvar(dir.path()).args(args).assert().code(2);
    common::one_error_line(args, &a, want);
    assert_eq!(out_state(dir.path()), before, "out/ changed");
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from}");
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

const ROLES: &str = "templates/roles-and-responsibilities.md.hbs";

#[test]
fn missing_variable() {
    bad(
        |d| {
            edit(
                &d.join("variants/private-saas.toml"),
                "section = \"private-saas\"\n",
                "",
            )
        },
        &["generate"],
        &[
            "templates/disaster-recovery-raci.md.hbs:3:10:",
            "`section`",
            "variants/private-saas.toml",
            "add `section",
        ],
    );
}

#[test]
fn unknown_helper() {
    bad(
        |d| {
            edit(
                &d.join(ROLES),
                "{{product_title}}:",
                "{{upper product_title}}:",
            )
        },
        &["generate"],
        &[
            "templates/roles-and-responsibilities.md.hbs:6:3:",
            "unknown helper `upper`",
            "built-in helpers",
        ],
    );
}

#[test]
fn unclosed_if() {
    bad(
        |d| edit(&d.join(ROLES), "## General", "{{#if product}}\n## General"),
        &["generate"],
        &[
            "templates/roles-and-responsibilities.md.hbs:",
            "template syntax",
            "{{/if}}",
        ],
    );
}

#[test]
fn partial_not_found() {
    bad(
        |d| {
            edit(
                &d.join(ROLES),
                "{{> raci-definitions}}",
                "{{> raci-definition}}",
            )
        },
        &["generate"],
        &[
            "templates/roles-and-responsibilities.md.hbs:31:1:",
            "partial \"raci-definition\" not found",
            "did you mean {{> raci-definitions}}",
        ],
    );
}

#[test]
fn invalid_toml_with_line_and_column() {
    bad(
        |d| {
            edit(
                &d.join("variants/appliance.toml"),
                "section = \"appliance\"",
                "section = appliance\"",
            )
        },
        &["generate"],
        &[
            "variants/appliance.toml:11:11:",
            "invalid TOML",
            "fix the TOML syntax",
        ],
    );
}

#[test]
fn unknown_variant_key_with_did_you_mean() {
    bad(
        |d| edit(&d.join("variants/appliance.toml"), "[vars]", "[varz]"),
        &["generate"],
        &[
            "variants/appliance.toml:3:",
            "unknown key `varz`",
            "did you mean `vars`?",
        ],
    );
    bad(
        |d| {
            edit(
                &d.join("variants/appliance.toml"),
                "published = [",
                "publised = [",
            )
        },
        &["generate"],
        &[
            "variants/appliance.toml:",
            "unknown key `publised`",
            "did you mean `published`?",
        ],
    );
}

#[test]
fn two_variants_with_one_slug() {
    bad(
        |d| {
            std::fs::copy(
                d.join("variants/appliance.toml"),
                d.join("variants/appliance-copy.toml"),
            )
            .unwrap();
            edit(
                &d.join("variants/appliance-copy.toml"),
                "[vars]",
                "slug = \"appliance\"\n\n[vars]",
            );
        },
        &["generate"],
        &[
            "variants/appliance.toml",
            "variant slug \"appliance\" is also used by variants/appliance-copy.toml",
        ],
    );
}

#[test]
fn unsafe_names_never_reach_the_file_system() {
    for slug in [
        "../escape",
        "a/b",
        "a\\\\b",
        "..",
        "/etc",
        "nul\\u0000byte",
        "",
    ] {
        bad(
            |d| {
                edit(
                    &d.join("variants/appliance.toml"),
                    "[vars]",
                    &format!("slug = \"{slug}\"\n\n[vars]"),
                )
            },
            &["generate"],
            &["variants/appliance.toml:", "is not a plain name"],
        );
    }
    for name in ["..evil", "back\\slash", "-.."] {
        bad(
            |d| std::fs::write(d.join(format!("templates/{name}.md.hbs")), "x\n").unwrap(),
            &["generate"],
            &["is not a plain name"],
        );
    }
    bad(
        |_| {},
        &["generate", "--page", "../roles-and-responsibilities"],
        &["unknown page"],
    );
    bad(
        |_| {},
        &["generate", "--variant", "/etc"],
        &["unknown variant"],
    );
}

#[test]
fn not_utf8_inputs_name_the_byte_offset() {
    bad(
        |d| {
            let mut bytes = std::fs::read(d.join(ROLES)).unwrap();
            bytes.splice(10..10, [0xff, 0xfe]);
            std::fs::write(d.join(ROLES), bytes).unwrap();
        },
        &["generate"],
        &["templates/roles-and-responsibilities.md.hbs:2:7 (byte 10): not valid UTF-8"],
    );
    bad(
        |d| {
            std::fs::write(
                d.join("variants/appliance.toml"),
                b"[vars]\nproduct = \"\xe9\"\n",
            )
            .unwrap()
        },
        &["generate"],
        &[
            "variants/appliance.toml:2:12 (byte 18): not valid UTF-8",
            "save the file as UTF-8",
        ],
    );
    bad(
        |d| std::fs::write(d.join("tests/fixtures/published/appliance/roles-and-responsibilities.md"), b"# T\n\xc3(\n").unwrap(),
        &["diff"],
        &["tests/fixtures/published/appliance/roles-and-responsibilities.md:2:1 (byte 4): not valid UTF-8"],
    );
}

#[test]
fn binary_published_copy() {
    bad(
        |d| {
            std::fs::write(
                d.join("tests/fixtures/published/appliance/roles-and-responsibilities.md"),
                b"\x89PNG\r\n\x1a\n\0\0\0",
            )
            .unwrap()
        },
        &["diff"],
        &["roles-and-responsibilities.md (byte 8): looks binary (it holds a NUL byte)"],
    );
}

#[test]
fn no_templates_at_all() {
    bad(
        |d| {
            for f in std::fs::read_dir(d.join("templates")).unwrap() {
                let p = f.unwrap().path();
                if p.is_file() {
                    std::fs::remove_file(p).unwrap();
                }
            }
        },
        &["generate"],
        &[
            "templates: no page templates found",
            "add templates/<page>.md.hbs",
        ],
    );
}

#[test]
fn out_is_a_file() {
    bad(
        |d| {
            std::fs::remove_dir_all(d.join("out")).unwrap();
            std::fs::write(d.join("out"), "not a folder\n").unwrap();
        },
        &["generate"],
        &["out: the output folder is a file"],
    );
}

#[test]
fn out_not_writable() {
    // Root ignores permission bits, so use a place nobody can create files in.
    bad(
        |_| {},
        &["generate", "--out", "/proc/docvar-out"],
        &["/proc/docvar-out"],
    );
}

#[test]
fn symlink_in_out_is_never_written_through() {
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("victim.md");
    std::fs::write(&target, "precious\n").unwrap();
    let t = target.clone();
    bad(
        move |d| {
            let link = d.join("out/appliance/roles-and-responsibilities.md");
            std::fs::remove_file(&link).unwrap();
            std::os::unix::fs::symlink(&t, &link).unwrap();
        },
        &["generate"],
        &["out/appliance/roles-and-responsibilities.md: is a symlink; docvar never writes through links"],
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "precious\n");
}

#[test]
fn unknown_page_or_variant_and_bad_regex_on_the_command_line() {
    bad(
        |_| {},
        &["generate", "--page", "roles"],
        &["unknown page \"roles\""],
    );
    bad(
        |_| {},
        &[
            "diff",
            "--variant",
            "x",
            "--page",
            "roles-and-responsibilities",
            "f.md",
        ],
        &["unknown variant \"x\""],
    );
    bad(
        |_| {},
        &["diff", "--ignore", "[a-"],
        &["bad --ignore regex \"[a-\""],
    );
}

#[test]
fn a_write_error_midway_leaves_out_as_it_was() {
    // psaas-appliance sorts last: the first variants' temp files are written before its
    // folder turns out to be a file, and must all be discarded.
    bad(
        |d| {
            edit(
                &d.join("templates/partials/raci-definitions.hbs"),
                "Responsible",
                "Responsable",
            );
            std::fs::remove_dir_all(d.join("out/psaas-appliance")).unwrap();
            std::fs::write(d.join("out/psaas-appliance"), "in the way\n").unwrap();
        },
        &["generate"],
        &["out/psaas-appliance"],
    );
}

/// `docvar diff --format json` of `file` as the appliance roles page; it has drifted.
fn diff_json(dir: &Path, file: &str) -> serde_json::Value {
    let a = common::diff_roles(dir, "appliance")
        .args(["--format", "json", file])
        .assert()
        .code(1);
    serde_json::from_slice(&a.get_output().stdout).unwrap()
}

#[test]
fn empty_and_large_copies_get_a_report() {
    let dir = project_copy();
    let copy = dir.path().join("empty.md");
    std::fs::write(&copy, "").unwrap();
    let v = diff_json(dir.path(), "empty.md");
    assert!(v["pages"][0]["hunks"]
        .as_array()
        .unwrap()
        .iter()
        .all(|h| h["kind"] == "removed"));

    // ~50 MB: the rendered page repeated, with edits, so the diff is big as well.
    let page = std::fs::read_to_string(
        dir.path()
            .join("out/appliance/roles-and-responsibilities.md"),
    )
    .unwrap();
    let mut big = String::with_capacity(52 << 20);
    let mut i = 0;
    while big.len() < 50 << 20 {
        big.push_str(&page.replace("Appliance", &format!("Appliance {i}")));
        i += 1;
    }
    let copy = dir.path().join("big.md");
    std::fs::write(&copy, &big).unwrap();
    let a = docvar(dir.path())
        .args([
            "diff",
            "--format",
            "json",
            "--page",
            "roles-and-responsibilities",
        ])
        .args(["--variant", "appliance", "big.md"])
        .assert()
        .code(1);
    // The report is ~450 MB: read its summary and skip the hunks rather than build a tree.
    #[derive(serde::Deserialize)]
    struct Report {
        summary: serde_json::Value,
    }
    let r: Report = serde_json::from_slice(&a.get_output().stdout).unwrap();
    assert_eq!(r.summary["drifted"], 1);
}

#[test]
fn two_generates_at_once_never_tear_a_file() {
    let dir = project_copy();
    std::fs::remove_dir_all(dir.path().join("out")).unwrap();
    let bin = assert_cmd::cargo::cargo_bin("docvar");
    let spawn = || {
        std::process::Command::new(&bin)
            .current_dir(dir.path())
            .args(["generate", "--quiet"])
            .spawn()
            .unwrap()
    };
    let (mut a, mut b) = (spawn(), spawn());
    assert!(a.wait().unwrap().success());
    assert!(b.wait().unwrap().success());
    common::assert_out_fresh(dir.path());
}

#[test]
fn sigkill_during_generate_leaves_old_or_new_content_only() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("templates")).unwrap();
    std::fs::create_dir_all(d.join("variants")).unwrap();
    let body = "Some text about {{product}} that repeats to make the page a few kilobytes long. "
        .repeat(40);
    for i in 0..2000 {
        std::fs::write(
            d.join(format!("templates/page-{i:04}.md.hbs")),
            format!("# {{{{product}}}} page {i}\n\n{body}\n"),
        )
        .unwrap();
    }
    std::fs::write(
        d.join("variants/v.toml"),
        "[vars]\nproduct = \"Old Name\"\n",
    )
    .unwrap();
    docvar(d).args(["generate", "--quiet"]).assert().success();
    std::fs::write(
        d.join("variants/v.toml"),
        "[vars]\nproduct = \"A Much Longer New Name\"\n",
    )
    .unwrap();
    let bin = assert_cmd::cargo::cargo_bin("docvar");
    for delay_ms in [30, 120, 400] {
        let mut child = std::process::Command::new(&bin)
            .current_dir(d)
            .args(["generate", "--quiet"])
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        for i in 0..2000 {
            let page = std::fs::read_to_string(d.join(format!("out/v/page-{i:04}.md"))).unwrap();
            let old = format!(
                "# Old Name page {i}\n\n{}\n",
                body.replace("{{product}}", "Old Name")
            );
            let new = old.replace("Old Name", "A Much Longer New Name");
            assert!(
                page == old || page == new,
                "page {i} is torn: {} bytes",
                page.len()
            );
        }
    }
    docvar(d).args(["generate", "--quiet"]).assert().success();
    common::assert_out_fresh(d);
    let litter: Vec<_> = std::fs::read_dir(d.join("out/v"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".docvar-"))
        .collect();
    assert!(litter.is_empty(), "temp files left: {}", litter.len());
}

#[test]
fn a_render_error_discards_the_pages_other_variants_staged() {
    // Every page changes (so the other variants' pages are staged as temp files beside their
    // targets, whatever order the jobs run in), and the last variant cannot render: out/ must
    // come back as it was, with no `.docvar-*` file left in it.
    bad(
        |d| {
            edit(
                &d.join(ROLES),
                "Roles and Responsibilities",
                "Roles & Duties",
            );
            edit(
                &d.join("variants/psaas-appliance.toml"),
                "section = \"",
                "old_section = \"",
            );
        },
        &["generate"],
        &["`section`", "variants/psaas-appliance.toml"],
    );
}

#[test]
fn generate_sweeps_its_own_temp_files_but_not_a_users_dot_docvar_file() {
    // A killed run's temp files are docvar's to remove; a file the user named `.docvar-...`
    // is not, and it is never removed.
    let dir = common::project_copy();
    let d = dir.path();
    docvar(d).args(["generate", "--quiet"]).assert().success();
    let folder = d.join("out/appliance");
    let staged = folder.join(".docvar-1f2e3d-7");
    let atomic = folder.join(".docvar-Ab12Cd");
    let users = [
        folder.join(".docvar-notes.txt"),
        folder.join(".docvar-2024-plan.md"),
    ];
    for f in [&staged, &atomic] {
        std::fs::write(f, "left by a killed run").unwrap();
    }
    for f in &users {
        std::fs::write(f, "mine").unwrap();
    }
    docvar(d).args(["generate", "--quiet"]).assert().success();
    assert!(
        !staged.exists() && !atomic.exists(),
        "a killed run's temp file was left"
    );
    for f in &users {
        assert_eq!(
            std::fs::read_to_string(f).unwrap(),
            "mine",
            "{}",
            f.display()
        );
    }
}
