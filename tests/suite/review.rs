//! Review in the pull request: SARIF against the 2.1.0 schema, rdjsonl suggestions, the
//! markdown comment's size budget and links, and text from copies inert in every format.

use crate::common;
#[path = "common/schema.rs"]
mod schema;

use common::{docvar, project_copy, root, stdout};

#[test]
fn sarif_has_one_result_per_hunk_and_passes_the_schema() {
    let a = docvar(&root())
        .args(["diff", "--format", "sarif"])
        .assert()
        .code(1);
    let log: serde_json::Value = serde_json::from_str(&stdout(&a)).unwrap();
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/fixtures/sarif/sarif-schema-2.1.0.json"))
            .unwrap(),
    )
    .unwrap();
    if let Err(e) = schema::validate(&schema, &log) {
        panic!("not valid SARIF 2.1.0: {e:#?}");
    }
    // The check can fail: a result without its message is refused.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("message");
    assert!(schema::validate(&schema, &broken).is_err());

    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 8, "one result per hunk");
    let backing_up = results
        .iter()
        .find(|r| r["properties"]["location"]["row"] == "Backing Up")
        .unwrap();
    assert_eq!(backing_up["ruleId"], "drift/changed");
    let loc = &backing_up["locations"][0]["physicalLocation"];
    assert_eq!(
        loc["artifactLocation"]["uri"],
        "tests/fixtures/published/private-saas/roles-and-responsibilities.md"
    );
    assert_eq!(loc["region"]["startLine"], 43);
    assert_eq!(loc["region"]["endLine"], 43);
}

#[test]
fn sarif_paths_are_relative_to_the_project_from_anywhere() {
    let a = docvar(root().parent().unwrap())
        .arg("-C")
        .arg(root())
        .args(["diff", "--format", "sarif"])
        .assert()
        .code(1);
    let log: serde_json::Value = serde_json::from_str(&stdout(&a)).unwrap();
    for r in log["runs"][0]["results"].as_array().unwrap() {
        let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(uri.starts_with("tests/fixtures/published/"), "{uri}");
    }
}

#[test]
fn rdjsonl_suggests_the_template_line_for_backing_up() {
    let a = docvar(&root())
        .args(["diff", "--format", "rdjsonl"])
        .assert()
        .code(1);
    let out = stdout(&a);
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 8, "one diagnostic per hunk");
    let d = lines
        .iter()
        .find(|d| {
            d["location"]["path"]
                == "tests/fixtures/published/private-saas/roles-and-responsibilities.md"
        })
        .unwrap();
    let rendered =
        std::fs::read_to_string(root().join("out/private-saas/roles-and-responsibilities.md"))
            .unwrap();
    let template_line = rendered.lines().nth(42).unwrap();
    assert!(template_line.starts_with("|Backing Up|"));
    let s = &d["suggestions"][0];
    assert_eq!(s["text"], template_line);
    assert_eq!(s["range"]["start"]["line"], 43);
    assert_eq!(s["range"]["end"]["line"], 43);
    assert_eq!(d["location"]["range"]["start"]["line"], 43);
}

/// `n` copies of the private-saas page, each with every "the " misspelt.
fn drifted_copies(n: usize) -> (tempfile::TempDir, Vec<std::path::PathBuf>) {
    let dir = tempfile::tempdir().unwrap();
    let page =
        std::fs::read_to_string(root().join("out/private-saas/roles-and-responsibilities.md"))
            .unwrap()
            .replace("the ", "teh ");
    let files = (0..n)
        .map(|i| {
            let f = dir.path().join(format!("copy-{i:02}.md"));
            std::fs::write(&f, &page).unwrap();
            f
        })
        .collect();
    (dir, files)
}

#[test]
fn markdown_comment_stays_under_githubs_limit_with_60_drifted_copies() {
    let (_dir, files) = drifted_copies(60);
    let a = common::diff_roles(&root(), "private-saas")
        .args(["--format", "markdown"])
        .args(&files)
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_REPOSITORY", "docs/site")
        .env("GITHUB_SHA", "0123abc")
        .env("GITHUB_RUN_ID", "42")
        .assert()
        .code(1);
    let out = stdout(&a);
    assert!(
        out.chars().count() < 65_536,
        "{} characters",
        out.chars().count()
    );
    assert!(out.contains("60 published copies checked: 0 clean, 60 drifted"));
    assert!(
        out.contains("**Not shown:**"),
        "past the budget the rest is summarised"
    );
    assert!(out.contains("(https://github.com/docs/site/actions/runs/42)"));
    // Every copy is still listed in the summary table, by page name.
    assert_eq!(
        out.matches("| roles-and-responsibilities | private-saas |")
            .count(),
        60
    );
    // Sections that are shown are whole: each opened <details> is closed.
    assert_eq!(
        out.matches("<details>").count(),
        out.matches("</details>").count()
    );
    // Without the budget, the same report would be far larger.
    let full = common::diff_roles(&root(), "private-saas")
        .args(["--format", "json"])
        .args(&files)
        .assert()
        .code(1);
    assert!(stdout(&full).len() > 200_000);
}

#[test]
fn markdown_links_copy_lines_and_shows_each_hunk_once() {
    let a = docvar(&root())
        .args(["diff", "--format", "markdown"])
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_REPOSITORY", "docs/site")
        .env("GITHUB_SHA", "0123abc")
        .assert()
        .code(1);
    let out = stdout(&a);
    assert!(
        out.contains("published line [43](https://github.com/docs/site/blob/0123abc/tests/fixtures/published/private-saas/roles-and-responsibilities.md#L43)"),
        "{out}"
    );
    // The changed row appears once (as marked words), not as -, + and ! lines.
    assert_eq!(
        out.matches("[backing up[- the-] Private SaaS]").count(),
        1,
        "{out}"
    );
    assert_eq!(out.matches("Command-Line Tools").count(), 1, "{out}");
    assert!(out.contains("| roles-and-responsibilities | private-saas | [<code>"));
    // Without the environment, no links.
    let a = docvar(&root())
        .args(["diff", "--format", "markdown"])
        .env_remove("GITHUB_SERVER_URL")
        .assert()
        .code(1);
    assert!(!stdout(&a).contains("https://"));
}

const HOSTILE: &str = "Hostile a::b,c=d ::error file=x::y </details></summary><img src=x onerror=alert(1)> @everyone \u{1b}]0;pwned\u{7} \u{1b}[2J\u{1b}[31mred\u{1b}[0m \u{9b}31m \u{202e}esrever ::error file=a,line=1::injected %0A`x` $x$ [link](javascript:alert(1))";

/// A project whose private-saas copy has hostile text in a paragraph and in a table cell.
fn hostile_project() -> tempfile::TempDir {
    let dir = project_copy();
    let copy = dir
        .path()
        .join("tests/fixtures/published/private-saas/roles-and-responsibilities.md");
    let text = std::fs::read_to_string(&copy).unwrap();
    let text = text.replacen(
        "|Backing Up|",
        &format!("|Backing Up {}|", HOSTILE.replace('|', "")),
        1,
    );
    std::fs::write(&copy, format!("{text}\n{HOSTILE}\n")).unwrap();
    dir
}

fn diff_in(dir: &std::path::Path, format: &str) -> String {
    let a = docvar(dir)
        .args(["diff", "--color", "never", "--format", format])
        .assert()
        .code(1);
    stdout(&a)
}

#[test]
fn hostile_text_is_inert_in_markdown() {
    let dir = hostile_project();
    let all = diff_in(dir.path(), "markdown");
    assert!(all.contains("Hostile"), "{all}");
    // Code blocks show the text as it is; every line in them is prefixed, so none closes them.
    let mut out = String::new();
    let mut in_code = false;
    for line in all.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
        } else if in_code {
            assert!(
                ["! ", "+ ", "- "].iter().any(|p| line.starts_with(p)),
                "{line}"
            );
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    assert!(!in_code);
    assert!(
        out.contains("Hostile"),
        "the location names the paragraph: {out}"
    );
    // Only docvar's own tags: one <details>/<summary> pair per drifted copy.
    let drifted = out.matches("⚠️ drifted").count();
    assert_eq!(out.matches("</details>").count(), drifted, "{out}");
    assert_eq!(out.matches("</summary>").count(), drifted, "{out}");
    assert!(!out.contains("<img"), "{out}");
    assert!(!out.contains("@everyone"), "{out}");
    assert!(!out.contains('\u{1b}'), "{out}");
    // Outside code blocks, markup characters are escaped.
    for line in out.lines().filter(|l| l.starts_with("**")) {
        assert!(!line.contains("[link]"), "{line}");
    }
}

#[test]
fn hostile_text_is_inert_in_the_terminal() {
    let dir = hostile_project();
    let out = diff_in(dir.path(), "human");
    assert!(out.contains("Hostile"), "{out}");
    for bad in ['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}'] {
        assert!(!out.contains(bad), "{bad:?} in {out:?}");
    }
    // With colour on, the only escapes are docvar's own SGR sequences.
    let a = docvar(dir.path())
        .args(["diff", "--color", "always"])
        .assert()
        .code(1);
    let out = stdout(&a);
    let mut rest = out.as_str();
    while let Some(i) = rest.find('\u{1b}') {
        rest = &rest[i + 1..];
        let end = rest.find('m').unwrap();
        let seq = &rest[..end];
        assert!(
            seq.starts_with('[') && seq[1..].chars().all(|c| c.is_ascii_digit() || c == ';'),
            "unexpected escape {seq:?}"
        );
    }
    assert!(!out.contains("pwned\u{7}") && !out.contains("]0;"));
}

#[test]
fn hostile_text_is_inert_in_github_annotations() {
    let dir = hostile_project();
    let out = diff_in(dir.path(), "github");
    assert!(out.contains("Hostile"), "{out}");
    let mut titles = 0;
    for line in out.lines() {
        let rest = line.strip_prefix("::warning ").unwrap();
        // The properties end at the first `::`; nothing from the copy ends them early or adds one.
        let (props, message) = rest.split_once("::").unwrap();
        let keys: Vec<&str> = props
            .split(',')
            .map(|kv| kv.split_once('=').unwrap().0)
            .collect();
        assert_eq!(keys, ["file", "line", "endLine", "title"], "{line}");
        titles += usize::from(props.contains("Hostile"));
        assert!(
            !message.contains('\u{1b}') && !message.contains('\r'),
            "{line}"
        );
    }
    assert!(titles > 0, "a title holds hostile text: {out}");
    // `%0A` in the copy stays text: the runner would decode an unescaped one to a newline.
    assert!(out.contains("%250A"), "{out}");
}

#[test]
fn hostile_text_is_inert_in_html() {
    let dir = hostile_project();
    let out = diff_in(dir.path(), "html");
    assert!(out.contains("Hostile"));
    assert!(!out.contains("<img"));
    assert!(!out.contains("</details>"));
    assert!(out.contains("&lt;img src=x onerror=alert(1)&gt;"));
}

#[test]
fn hostile_text_is_data_in_json_sarif_and_rdjsonl() {
    let dir = hostile_project();
    let v: serde_json::Value = serde_json::from_str(&diff_in(dir.path(), "json")).unwrap();
    let published: Vec<&str> = v["pages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["hunks"].as_array().unwrap())
        .filter_map(|h| h["published"].as_str())
        .collect();
    assert!(
        published.iter().any(|p| p.contains(HOSTILE)),
        "the text is kept exactly"
    );
    let _: serde_json::Value = serde_json::from_str(&diff_in(dir.path(), "sarif")).unwrap();
    for line in diff_in(dir.path(), "rdjsonl").lines() {
        let _: serde_json::Value = serde_json::from_str(line).unwrap();
    }
}

#[test]
fn the_action_runs_formats_docvar_has() {
    let action = std::fs::read_to_string(root().join("action.yml")).unwrap();
    assert!(action.contains("docvar generate --check"));
    let formats: Vec<&str> = action
        .split("--format ")
        .skip(1)
        .map(|rest| rest.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(formats, ["html", "github", "markdown", "rdjsonl", "sarif"]);
    for f in formats {
        // Each exits 1 on this repository's drift, never 2 (a format clap would refuse).
        docvar(&root())
            .args(["diff", "--quiet", "--format", f])
            .assert()
            .code(1);
    }
    // The README's workflow uses the action.
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    assert!(readme.contains("- uses: ./"));
}
