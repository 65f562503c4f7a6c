//! `docvar rename`: variant file edited in place, only that product's pages change, slug moves
//! out/ and writes redirects, --dry-run writes nothing.

mod common;

use common::{docvar, project_copy};

fn stdout(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8(a.get_output().stdout.clone()).unwrap()
}

#[test]
fn rename_keeps_comments_and_changes_only_that_product() {
    let dir = project_copy();
    let a = docvar(dir.path())
        .args(["rename", "psaas-appliance", "--name", "R&D Cloud's Edge"])
        .assert()
        .success();
    assert_eq!(
        stdout(&a),
        "variants/psaas-appliance.toml: product = \"PSaaS Appliance\" -> \"R&D Cloud's Edge\"\n\
         variants/psaas-appliance.toml: product_title = \"PSaaS Appliance\" -> \"R&D Cloud's Edge\"\n\
         changed  out/psaas-appliance/disaster-recovery-raci.md\n\
         changed  out/psaas-appliance/disaster-recovery-raci.txt\n\
         changed  out/psaas-appliance/roles-and-responsibilities.md\n\
         changed  out/psaas-appliance/roles-and-responsibilities.txt\n"
    );
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
    );
    let page = std::fs::read_to_string(
        dir.path()
            .join("out/psaas-appliance/roles-and-responsibilities.md"),
    )
    .unwrap();
    assert!(page.contains("# R&D Cloud's Edge: Roles and Responsibilities"));
    docvar(dir.path())
        .args(["generate", "--check"])
        .assert()
        .code(0);
}

#[test]
fn title_follows_the_name_when_it_contains_it() {
    let dir = project_copy();
    docvar(dir.path())
        .args(["rename", "appliance", "--name", "Box"])
        .assert()
        .success();
    let page = std::fs::read_to_string(
        dir.path()
            .join("out/appliance/roles-and-responsibilities.md"),
    )
    .unwrap();
    assert!(page.contains("# Auth0 Box: Roles and Responsibilities"));
    assert!(
        page.contains("deploy the Appliance."),
        "product_short is its own variable"
    );
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
    insta::assert_snapshot!("redirects_csv", csv);
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("redirects/psaas-appliance-to-edge.json"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        json[0],
        serde_json::json!({"kind": "url", "from": "/appliance/", "to": "/edge/"})
    );
    let page =
        std::fs::read_to_string(dir.path().join("out/edge/disaster-recovery-raci.md")).unwrap();
    assert!(page.contains("(/edge/disaster-recovery#database-backups)"));
    docvar(dir.path())
        .args(["generate", "--check"])
        .assert()
        .code(0);
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
    docvar(dir.path())
        .args(["generate", "--check"])
        .assert()
        .code(0);
}

#[test]
fn bad_renames_exit_2() {
    let dir = project_copy();
    for args in [
        vec!["rename", "nope", "--name", "X"],
        vec!["rename", "appliance", "--slug", "../escape"],
        vec!["rename", "appliance", "--slug", "private-saas"],
        vec!["rename", "appliance"],
    ] {
        let a = docvar(dir.path()).args(&args).assert().code(2);
        let err = String::from_utf8(a.get_output().stderr.clone()).unwrap();
        assert!(
            err.starts_with("error: ") && err.lines().count() == 1,
            "{args:?}: {err}"
        );
    }
    docvar(dir.path())
        .args(["generate", "--check"])
        .assert()
        .code(0);
}
