//! Adversarial inputs (issue #12): links where docvar writes, output folders it must never
//! clean, files it did not write, FIFOs and devices where it reads, copies outside the
//! project or inside .git, recursive partials and hostile values. Every refusal exits 2 with
//! one line naming the path, and the whole tree is byte-identical before and after.
#![cfg(unix)]

use crate::common;

use std::os::unix::fs::symlink;
use std::path::Path;
use std::time::Duration;

use common::{
    docvar, one_error_line, project_copy, stderr as stderr_of, stdout as stdout_of, tree_checksum,
    tree_listing,
};

const ROLES_MD: &str = "out/appliance/roles-and-responsibilities.md";
const COPY: &str = "tests/fixtures/published/appliance/roles-and-responsibilities.md";

/// Runs docvar in `dir` with `args`; asserts exit 2, one error line containing each of
/// `want`, no panic, and every tree in `watch` (plus `dir`) unchanged.
fn refused(dir: &Path, watch: &[&Path], args: &[&str], want: &[&str]) -> String {
    let mut trees: Vec<&Path> = vec![dir];
    trees.extend_from_slice(watch);
    let before: Vec<u64> = trees.iter().map(|t| tree_checksum(t)).collect();
    let listing: Vec<_> = trees.iter().map(|t| tree_listing(t)).collect();
    let a = docvar(dir)
        .args(args)
        // A FIFO read would block forever: fail the test instead of hanging the suite.
        .timeout(Duration::from_secs(60))
        .assert()
        .code(2);
    let stderr = one_error_line(args, &a, want);
    for (i, t) in trees.iter().enumerate() {
        assert_eq!(
            tree_checksum(t),
            before[i],
            "{} changed: {:?}",
            t.display(),
            diff_listing(&listing[i], &tree_listing(t))
        );
    }
    stderr
}

fn diff_listing(
    a: &[(String, &'static str, Vec<u8>)],
    b: &[(String, &'static str, Vec<u8>)],
) -> Vec<String> {
    let gone = a
        .iter()
        .filter(|x| !b.contains(x))
        .map(|x| format!("-{}", x.0));
    let new = b
        .iter()
        .filter(|x| !a.contains(x))
        .map(|x| format!("+{}", x.0));
    gone.chain(new).collect()
}

fn mkfifo(path: &Path) {
    let ok = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap()
        .success();
    assert!(ok, "mkfifo {}", path.display());
}

fn set_config(dir: &Path, extra: &str) {
    let path = dir.join("docvar.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let text = match extra.split_once(" = ") {
        Some(("out", _)) => text.replace("out = \"out\"\n", ""),
        _ => text,
    };
    // Top-level keys must come before any table; docvar.toml has none.
    std::fs::write(&path, format!("{extra}\n{text}")).unwrap();
}

// ---------------------------------------------------------------------------------------------
// Links where docvar writes

#[test]
fn output_folder_that_is_a_link_is_refused() {
    let dir = project_copy();
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::rename(dir.path().join("out"), elsewhere.path().join("out")).unwrap();
    symlink(elsewhere.path().join("out"), dir.path().join("out")).unwrap();
    std::fs::write(
        dir.path().join("variants/appliance.toml"),
        "[vars]\nproduct = \"X\"\nproduct_title = \"X\"\nproduct_short = \"X\"\nsection = \"x\"\n",
    )
    .unwrap();
    refused(
        dir.path(),
        &[elsewhere.path()],
        &["generate"],
        &["error: out: is a symbolic link"],
    );
}

#[test]
fn slug_folder_that_is_a_link_is_refused_even_when_its_files_are_unchanged() {
    let dir = project_copy();
    let elsewhere = tempfile::tempdir().unwrap();
    let target = elsewhere.path().join("appliance");
    std::fs::rename(dir.path().join("out/appliance"), &target).unwrap();
    symlink(&target, dir.path().join("out/appliance")).unwrap();
    refused(
        dir.path(),
        &[elsewhere.path()],
        &["generate"],
        &["out/appliance", "symlink"],
    );
    // Changed content behind the link: still refused, the target untouched.
    std::fs::write(
        dir.path().join("templates/partials/raci-definitions.hbs"),
        "changed\n",
    )
    .unwrap();
    refused(
        dir.path(),
        &[elsewhere.path()],
        &["generate"],
        &["out/appliance", "symlink"],
    );
}

#[test]
fn fix_through_a_linked_copy_folder_is_refused() {
    let dir = project_copy();
    let real = dir.path().join("tests/fixtures/real-private-saas");
    let link = dir.path().join("tests/fixtures/published/private-saas");
    std::fs::rename(&link, &real).unwrap();
    symlink(&real, &link).unwrap();
    refused(
        dir.path(),
        &[],
        &["diff", "--fix", "--color", "never"],
        &["tests/fixtures/published/private-saas", "symbolic link"],
    );
}

#[test]
fn infer_into_a_linked_templates_folder_is_refused_and_writes_nothing() {
    let dir = adopting();
    let elsewhere = tempfile::tempdir().unwrap();
    symlink(elsewhere.path(), dir.path().join("templates")).unwrap();
    refused(
        dir.path(),
        &[elsewhere.path()],
        INFER,
        &["templates", "symbolic link"],
    );
}

#[test]
fn infer_refusing_a_variant_file_writes_no_template_either() {
    // The template is the first file infer writes; the linked variant file comes after it.
    let dir = adopting();
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("variants")).unwrap();
    let victim = elsewhere.path().join("victim.toml");
    std::fs::write(&victim, "[vars]\n").unwrap();
    symlink(&victim, dir.path().join("variants/psaas-appliance.toml")).unwrap();
    refused(
        dir.path(),
        &[elsewhere.path()],
        INFER,
        &["variants/psaas-appliance.toml", "symbolic link"],
    );
    assert!(!dir.path().join("templates").exists());
}

/// A folder with the roles copies under published/<slug>/ and nothing else.
fn adopting() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for slug in ["private-saas", "appliance", "psaas-appliance"] {
        let d = dir.path().join("published").join(slug);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(
            d.join("roles-and-responsibilities.md"),
            common::fixture(&format!("{slug}/roles-and-responsibilities.md")),
        )
        .unwrap();
    }
    dir
}

/// The roles copies in `adopting()`, as infer's arguments.
const INFER: &[&str] = &[
    "infer",
    "--page",
    "roles-and-responsibilities",
    "published/private-saas/roles-and-responsibilities.md",
    "published/appliance/roles-and-responsibilities.md",
    "published/psaas-appliance/roles-and-responsibilities.md",
];

// ---------------------------------------------------------------------------------------------
// Output folders docvar must never clean

#[test]
fn output_folder_on_the_project_or_its_inputs_is_refused() {
    for (out, why) in [
        (".", "it is the project root"),
        ("templates", "templates folder"),
        ("variants", "variants folder"),
        ("templates/partials", "templates folder"),
        ("tests/fixtures", "published copy"),
        ("tests/fixtures/published/appliance", "published copy"),
        ("/", "it holds the project"),
    ] {
        let dir = project_copy();
        set_config(dir.path(), &format!("out = {out:?}"));
        let stderr = refused(dir.path(), &[], &["generate"], &[out, why]);
        assert!(stderr.contains("cannot be the output folder"), "{stderr}");
        // --out is held to the same rule, and so is --check.
        let dir = project_copy();
        refused(dir.path(), &[], &["generate", "--out", out], &[out, why]);
        refused(
            dir.path(),
            &[],
            &["generate", "--check", "--out", out],
            &[out],
        );
    }
}

#[test]
fn output_folder_above_the_project_is_refused() {
    let parent = tempfile::tempdir().unwrap();
    let proj = parent.path().join("proj");
    let src = project_copy();
    common::copy_dir(src.path(), &proj);
    std::fs::write(parent.path().join("notes.txt"), "mine\n").unwrap();
    set_config(&proj, "out = \"..\"");
    refused(
        &proj,
        &[parent.path()],
        &["generate"],
        &["..", "it holds the project"],
    );
}

#[test]
fn foreign_files_in_a_folder_without_manifest_refuse_the_run() {
    let dir = project_copy();
    let preview = dir.path().join("preview");
    std::fs::create_dir_all(preview.join("sub")).unwrap();
    std::fs::write(preview.join("notes.txt"), "mine\n").unwrap();
    std::fs::write(preview.join("sub/keep.md"), "mine too\n").unwrap();
    refused(
        dir.path(),
        &[],
        &["generate", "--out", "preview"],
        &["preview", "did not write", "preview/notes.txt"],
    );
    // --check names them and fails.
    let a = docvar(dir.path())
        .args(["generate", "--check", "--out", "preview"])
        .assert()
        .code(1);
    assert!(
        stdout_of(&a).contains("foreign  preview/notes.txt\n"),
        "{}",
        stdout_of(&a)
    );
    assert!(stdout_of(&a).contains("foreign  preview/sub/keep.md\n"));
}

#[test]
fn committed_out_without_manifest_is_adopted() {
    let dir = project_copy();
    let _ = std::fs::remove_file(dir.path().join("out/.docvar.manifest"));
    common::assert_out_fresh(dir.path());
    // A filtered first run adopts the other products' files too.
    let a = docvar(dir.path())
        .args(["generate", "--variant", "appliance"])
        .assert()
        .success();
    assert!(
        stderr_of(&a).contains("0 files written, 4 unchanged, 0 removed"),
        "{}",
        stderr_of(&a)
    );
    let manifest = std::fs::read_to_string(dir.path().join("out/.docvar.manifest")).unwrap();
    assert_eq!(
        manifest,
        std::fs::read_to_string(common::root().join("out/.docvar.manifest")).unwrap(),
        "the committed manifest is what a run writes"
    );
    common::assert_out_fresh(dir.path());
}

#[test]
fn foreign_files_next_to_a_manifest_are_named_kept_and_fail_the_check() {
    let dir = project_copy();
    let out = dir.path().join("out");
    std::fs::write(out.join("notes.txt"), "mine\n").unwrap();
    std::fs::create_dir(out.join("sub")).unwrap();
    std::fs::write(out.join("sub/keep.md"), "mine too\n").unwrap();
    let a = docvar(dir.path()).arg("generate").assert().success();
    let stderr = stderr_of(&a);
    assert!(
        stderr.contains("warning: out/notes.txt: not written by docvar, left in place"),
        "{stderr}"
    );
    assert!(stderr.contains("out/sub/keep.md"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "mine\n"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("sub/keep.md")).unwrap(),
        "mine too\n"
    );
    let a = docvar(dir.path())
        .args(["generate", "--check"])
        .assert()
        .code(1);
    assert_eq!(
        stdout_of(&a),
        "foreign  out/notes.txt\nforeign  out/sub/keep.md\n"
    );
    assert!(
        stderr_of(&a).contains("2 files in out were not written by docvar"),
        "{}",
        stderr_of(&a)
    );
}

/// The project, with a copy of appliance as the variant `edge`, generated.
fn generated_with_edge() -> tempfile::TempDir {
    let dir = project_copy();
    std::fs::copy(
        dir.path().join("variants/appliance.toml"),
        dir.path().join("variants/edge.toml"),
    )
    .unwrap();
    docvar(dir.path()).arg("generate").assert().success();
    dir
}

#[test]
fn stale_manifest_entries_are_removed_with_their_empty_folders() {
    let dir = generated_with_edge();
    assert!(dir
        .path()
        .join("out/edge/roles-and-responsibilities.md")
        .exists());
    std::fs::remove_file(dir.path().join("variants/edge.toml")).unwrap();
    let a = docvar(dir.path())
        .args(["generate", "--check"])
        .assert()
        .code(1);
    assert!(stdout_of(&a).contains("extra    out/edge/roles-and-responsibilities.md\n"));
    assert!(
        stderr_of(&a).contains("5 files in out are out of date"),
        "{}",
        stderr_of(&a)
    );
    let a = docvar(dir.path()).arg("generate").assert().success();
    assert!(stdout_of(&a).contains("removed  out/edge/disaster-recovery-raci.txt\n"));
    assert!(
        !dir.path().join("out/edge").exists(),
        "empty folder left behind"
    );
    let manifest = std::fs::read_to_string(dir.path().join("out/.docvar.manifest")).unwrap();
    assert!(!manifest.contains("edge/"), "{manifest}");
    common::assert_out_fresh(dir.path());
}

#[test]
fn a_filtered_run_keeps_the_manifest_entries_outside_its_scope() {
    let dir = generated_with_edge();
    std::fs::remove_file(dir.path().join("variants/edge.toml")).unwrap();
    let manifest_path = dir.path().join("out/.docvar.manifest");
    // A hand-sorted manifest with a repeated line lists the same files: not out of date.
    let text = std::fs::read_to_string(&manifest_path).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.push("edge/roles-and-responsibilities.md");
    lines[2..].reverse();
    let reordered = lines.join("\r\n") + "\r\n";
    std::fs::write(&manifest_path, &reordered).unwrap();
    // edge/ is no page of the project now, but outside a run for appliance: kept and listed.
    let a = docvar(dir.path())
        .args(["generate", "--variant", "appliance"])
        .assert()
        .success();
    assert!(!stdout_of(&a).contains("removed"), "{}", stdout_of(&a));
    assert_eq!(
        std::fs::read_to_string(&manifest_path).unwrap(),
        reordered,
        "the manifest lists the same files, so it is left as it was"
    );
    assert!(dir
        .path()
        .join("out/edge/disaster-recovery-raci.md")
        .exists());
    let a = docvar(dir.path()).arg("generate").assert().success();
    assert!(stdout_of(&a).contains("removed  out/edge/roles-and-responsibilities.md\n"));
    common::assert_out_fresh(dir.path());
    assert_eq!(
        std::fs::read_to_string(&manifest_path).unwrap(),
        std::fs::read_to_string(common::root().join("out/.docvar.manifest")).unwrap()
    );
}

#[test]
fn a_manifest_entry_outside_the_folder_is_refused() {
    let dir = project_copy();
    let m = dir.path().join("out/.docvar.manifest");
    let text = std::fs::read_to_string(&m).unwrap();
    std::fs::write(&m, format!("{text}../docvar.toml\n")).unwrap();
    refused(
        dir.path(),
        &[],
        &["generate"],
        &["out/.docvar.manifest:15", "not a path inside the folder"],
    );
}

// ---------------------------------------------------------------------------------------------
// What docvar reads

#[test]
fn fifo_as_template_variant_copy_or_config_is_refused_at_once() {
    let cases: [(&str, &[&str]); 4] = [
        ("templates/extra.md.hbs", &["generate"]),
        ("variants/extra.toml", &["generate"]),
        ("docvar.toml", &["generate"]),
        (COPY, &["diff"]),
    ];
    for (rel, args) in cases {
        let dir = project_copy();
        let path = dir.path().join(rel);
        let _ = std::fs::remove_file(&path);
        mkfifo(&path);
        refused(dir.path(), &[], args, &[rel, "not a regular file"]);
    }
    // A copy given on the command line and an export input too.
    let dir = project_copy();
    mkfifo(&dir.path().join("pipe.md"));
    refused(
        dir.path(),
        &[],
        &diff_appliance("pipe.md"),
        &["pipe.md", "not a regular file"],
    );
    refused(
        dir.path(),
        &[],
        &["export", "pipe.md"],
        &["pipe.md", "not a regular file"],
    );
}

#[test]
fn dev_zero_is_never_read() {
    let dir = project_copy();
    refused(
        dir.path(),
        &[],
        &diff_appliance("/dev/zero"),
        &["/dev/zero", "not a regular file"],
    );
    refused(
        dir.path(),
        &[],
        &["export", "/dev/zero"],
        &["/dev/zero", "not a regular file"],
    );
    // Linked in as a declared copy: it resolves outside the project.
    std::fs::remove_file(dir.path().join(COPY)).unwrap();
    symlink("/dev/zero", dir.path().join(COPY)).unwrap();
    refused(dir.path(), &[], &["diff"], &[COPY, "outside the project"]);
}

#[test]
fn files_over_max_file_size_are_refused() {
    let dir = project_copy();
    set_config(dir.path(), "max_file_size = 2000");
    refused(
        dir.path(),
        &[],
        &["generate"],
        &[
            "templates/disaster-recovery-raci.md.hbs",
            "over the limit of 2000",
            "max_file_size",
        ],
    );
    let dir = project_copy();
    set_config(dir.path(), "max_file_size = 100000");
    std::fs::write(dir.path().join("big.md"), "word ".repeat(30_000)).unwrap();
    refused(
        dir.path(),
        &[],
        &diff_appliance("big.md"),
        &["big.md", "over the limit of 100000"],
    );
}

#[test]
fn git_internals_are_never_a_copy() {
    let dir = project_copy();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    std::fs::write(
        dir.path().join(".git/config"),
        "[http]\n\textraheader = AUTHORIZATION: basic c2VjcmV0\n",
    )
    .unwrap();
    let v = dir.path().join("variants/appliance.toml");
    let text = std::fs::read_to_string(&v).unwrap();
    std::fs::write(&v, text.replace(COPY, ".git/config")).unwrap();
    let stderr = refused(
        dir.path(),
        &[],
        &["diff", "--format", "markdown"],
        &["variants/appliance.toml:14", ".git/config", "inside .git"],
    );
    assert!(!stderr.contains("c2VjcmV0"));
    // Given on the command line, or reached through a link: refused as well.
    let dir2 = project_copy();
    std::fs::create_dir(dir2.path().join(".git")).unwrap();
    std::fs::write(dir2.path().join(".git/config"), "secret\n").unwrap();
    symlink(
        dir2.path().join(".git/config"),
        dir2.path().join("innocent.md"),
    )
    .unwrap();
    // And a folder link into .git: the copy itself is a plain file, its folder is resolved.
    symlink(dir2.path().join(".git"), dir2.path().join("docs")).unwrap();
    for copy in ["innocent.md", "docs/config"] {
        refused(
            dir2.path(),
            &[],
            &diff_appliance(copy),
            &[copy, "inside .git"],
        );
    }
}

#[test]
fn declared_copy_outside_the_project_needs_published_roots() {
    let dir = project_copy();
    let elsewhere = tempfile::tempdir().unwrap();
    let outside = elsewhere.path().join("copy.md");
    std::fs::copy(dir.path().join(COPY), &outside).unwrap();
    std::fs::remove_file(dir.path().join(COPY)).unwrap();
    symlink(&outside, dir.path().join(COPY)).unwrap();
    refused(
        dir.path(),
        &[elsewhere.path()],
        &["diff"],
        &[
            "variants/appliance.toml:14",
            COPY,
            "outside the project",
            "published_roots",
        ],
    );
    set_config(
        dir.path(),
        &format!(
            "published_roots = [{:?}]",
            elsewhere.path().display().to_string()
        ),
    );
    docvar(dir.path())
        .args(["diff", "--quiet"])
        .assert()
        .code(1);
}

// ---------------------------------------------------------------------------------------------
// Crashes and malformed input

#[test]
fn recursive_partials_name_the_cycle() {
    let dir = project_copy();
    let p = dir.path().join("templates/partials");
    std::fs::write(p.join("a.hbs"), "A {{> b}}\n").unwrap();
    std::fs::write(p.join("b.hbs"), "B {{> a}}\n").unwrap();
    let t = dir
        .path()
        .join("templates/roles-and-responsibilities.md.hbs");
    let text = std::fs::read_to_string(&t).unwrap();
    std::fs::write(&t, format!("{text}{{{{> a}}}}\n")).unwrap();
    refused(
        dir.path(),
        &[],
        &["generate"],
        &[
            "templates/partials/",
            "partials include each other: a -> b -> a",
        ],
    );
    // A partial including itself.
    std::fs::write(p.join("b.hbs"), "B {{> b}}\n").unwrap();
    refused(
        dir.path(),
        &[],
        &["generate"],
        &["templates/partials/b.hbs:1:3", "b -> b"],
    );
}

#[test]
fn a_line_break_in_a_front_matter_value_cannot_close_the_front_matter() {
    // In a variable the template prints inside its front matter: refused.
    let dir = project_copy();
    let v = dir.path().join("variants/appliance.toml");
    let text = std::fs::read_to_string(&v).unwrap();
    std::fs::write(
        &v,
        text.replace(
            "section = \"appliance\"",
            "section = \"appliance\\n---\\n# Injected\"",
        ),
    )
    .unwrap();
    refused(
        dir.path(),
        &[],
        &["generate"],
        &["templates/", ".md.hbs:", "`section`", "line break"],
    );
    // In a front_matter key of the variant file: quoted, so it stays one value.
    let dir = project_copy();
    let v = dir.path().join("variants/appliance.toml");
    let text = std::fs::read_to_string(&v).unwrap();
    std::fs::write(
        &v,
        format!("{text}\n[pages.roles-and-responsibilities.front_matter]\nnote = \"a\\n---\\n# Injected\"\n\"x\\ny\" = 1\n"),
    )
    .unwrap();
    docvar(dir.path()).arg("generate").assert().success();
    let page = std::fs::read_to_string(dir.path().join(ROLES_MD)).unwrap();
    assert!(
        page.contains("note: \"a\\n---\\n# Injected\"\n\"x\\ny\": 1\n---\n"),
        "{page}"
    );
    let doc = docvar::Document::parse(&page);
    let keys: Vec<&str> = doc
        .blocks
        .iter()
        .filter(|b| b.kind == docvar::BlockKind::FrontMatter)
        .map(|b| b.key.as_str())
        .collect();
    assert_eq!(keys, ["section", "description", "note", "\"x\\ny\""]);
}

#[test]
fn crlf_and_bom_templates_render_lf_bom_free_pages() {
    let dir = project_copy();
    for rel in [
        "templates/roles-and-responsibilities.md.hbs",
        "templates/partials/raci-definitions.hbs",
    ] {
        let path = dir.path().join(rel);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, format!("\u{feff}{}", text.replace('\n', "\r\n"))).unwrap();
    }
    // Byte for byte what the LF templates render: nothing to write.
    let a = docvar(dir.path()).arg("generate").assert().success();
    assert!(
        stderr_of(&a).contains("0 files written, 12 unchanged"),
        "{}",
        stderr_of(&a)
    );
}

#[test]
fn a_list_or_table_printed_as_text_is_refused_unless_a_helper_takes_it() {
    let dir = project_copy();
    let v = dir.path().join("variants/appliance.toml");
    let text = std::fs::read_to_string(&v).unwrap();
    std::fs::write(
        &v,
        text.replace("product = \"Appliance\"", "product = [\"Appli\", \"ance\"]"),
    )
    .unwrap();
    refused(
        dir.path(),
        &[],
        &["generate"],
        &["templates/", "variable `product` is a list", "appliance"],
    );
    std::fs::write(
        &v,
        text.replace("product = \"Appliance\"", "product = { a = 1 }"),
    )
    .unwrap();
    refused(
        dir.path(),
        &[],
        &["generate"],
        &["variable `product` is a table"],
    );
    // Consumed by #each: fine.
    std::fs::write(&v, &text).unwrap();
    for slug in ["appliance", "private-saas", "psaas-appliance"] {
        let path = dir.path().join(format!("variants/{slug}.toml"));
        let t = std::fs::read_to_string(&path).unwrap();
        std::fs::write(
            &path,
            t.replacen("[vars]\n", "[vars]\neditions = [\"Appli\", \"ance\"]\n", 1),
        )
        .unwrap();
    }
    let t = dir
        .path()
        .join("templates/roles-and-responsibilities.md.hbs");
    let tpl = std::fs::read_to_string(&t).unwrap();
    std::fs::write(
        &t,
        format!("{tpl}{{{{#each editions}}}}{{{{this}}}}{{{{/each}}}}\n"),
    )
    .unwrap();
    docvar(dir.path()).arg("generate").assert().success();
    assert!(std::fs::read_to_string(dir.path().join(ROLES_MD))
        .unwrap()
        .ends_with("\nAppliance\n"));
}

/// `docvar diff` of one FILE as the appliance copy of the roles page.
fn diff_appliance(copy: &str) -> [&str; 6] {
    [
        "diff",
        "--page",
        "roles-and-responsibilities",
        "--variant",
        "appliance",
        copy,
    ]
}
