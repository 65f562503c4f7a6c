//! Drift tells the truth: a copy is clean if and only if it equals the rendered page after the
//! documented normalisations; a broken comment or tag stays on its line; word spans on real
//! edits of real pages are no wider than git's; `--fix` and the unified patch keep what the
//! comparison ignored; every one-edit mutation of every rendered page is found where it is.

use crate::common;
use crate::fuzzing;

use std::collections::BTreeSet;
use std::time::Duration;

use docvar::drift::{self, Analysis, CopyFormat, HunkKind, Options, WordOp};
use docvar::export;
use docvar::project::Project;
use docvar::render::Renderer;
use docvar::report::{self, Format};
use proptest::prelude::*;

use common::rendered_pages;

fn opts() -> Options {
    Options {
        // Generous: a test must not depend on timing.
        timeout: Duration::from_secs(60),
        ..Default::default()
    }
    .with_ignores(&[r"^Was this article helpful\?$".to_string()])
    .unwrap()
}

fn md(expected: &str, copy: &str) -> Analysis {
    drift::compare(expected, copy, CopyFormat::Markdown, &[], &opts())
}

/// The documented normalisations, exactly: BOM, line endings, trailing spaces, final newline.
fn strict(text: &str) -> String {
    drift::normalise(text, None)
}

/// Looser still: also blank lines and the padding of pipe-table cells (`|a|` = `| a |`), which
/// the block comparison does not see. A copy that differs even from this must never be clean.
fn loose(text: &str) -> String {
    fuzzing::loose(text).join("\n")
}

fn char_boundary(s: &str, at: usize) -> usize {
    let mut i = at.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// One random edit: insert `text` at `at`, delete `len` bytes there, or both.
fn edit(page: &str, at: usize, len: usize, text: &str) -> String {
    let a = char_boundary(page, at % (page.len() + 1));
    let b = char_boundary(page, (a + len).min(page.len())).max(a);
    format!("{}{}{}", &page[..a], text, &page[b..])
}

const INSERTS: &[&str] = &[
    "",
    "x",
    "stray text",
    " ",
    "\n",
    "the ",
    "<td>x</td>",
    "<tr>",
    "</td>",
    "<!-- c -->",
    "<!--",
    "-->",
    "::: note\n",
    ":::\n",
    "```\n",
    "---\n",
    "|",
    "<",
    "&amp;",
    "* ",
    "# ",
    "[a](/b)",
    "`",
    "\t",
    "é",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Clean if and only if equal after the documented normalisations: any edit that leaves a
    /// visible difference (even in a table outside its cells, a comment, a fence or front
    /// matter) is drift, and a copy equal after normalisation is clean.
    #[test]
    fn clean_iff_equal_after_normalisation(
        page in 0usize..6,
        at in 0usize..20_000,
        len in prop_oneof![Just(0usize), 0usize..12],
        insert in prop::sample::select(INSERTS),
        crlf in any::<bool>(),
        bom in any::<bool>(),
    ) {
        let expected = &rendered_pages()[page];
        let mut copy = edit(expected, at, len, insert);
        if crlf {
            copy = copy.replace('\n', "\r\n");
        }
        if bom {
            copy.insert(0, '\u{feff}');
        }
        let a = md(expected, &copy);
        if strict(&copy) == strict(expected) {
            prop_assert!(a.hunks.is_empty(), "equal copy drifted: {:#?}", a.hunks);
        }
        if loose(&copy) != loose(expected) {
            prop_assert!(!a.hunks.is_empty(), "visibly different copy is clean: {:?}", &copy[char_boundary(&copy, at.saturating_sub(40) % (copy.len() + 1))..]);
        }
        // The same law for a plain-text copy (blank lines are its only normalisation).
        let text = export::to_text(expected);
        let tcopy = edit(&text, at, len, insert);
        let t = drift::compare(expected, &tcopy, CopyFormat::Text, &[], &opts());
        let nonblank = |s: &str| strict(s).lines().filter(|l| !l.trim().is_empty()).map(str::to_string).collect::<Vec<_>>();
        prop_assert_eq!(t.hunks.is_empty(), nonblank(&tcopy) == nonblank(&text));
    }

    /// `--fix` and the unified patch keep what the comparison ignored: chrome lines, CRLF,
    /// BOM, a missing final newline; a one-word drift is a one-line patch; after either, the
    /// copy is clean.
    #[test]
    fn fix_and_patch_keep_what_the_comparison_ignored(
        page in 0usize..6,
        text_copy in any::<bool>(),
        crlf in any::<bool>(),
        bom in any::<bool>(),
        final_newline in any::<bool>(),
        chrome in prop::collection::vec(any::<prop::sample::Index>(), 0..3),
        word in any::<prop::sample::Index>(),
    ) {
        let expected = &rendered_pages()[page];
        let format = if text_copy { CopyFormat::Text } else { CopyFormat::Markdown };
        let base = if text_copy { export::to_text(expected) } else { expected.clone() };
        // Chrome goes on its own line after a blank line.
        let mut lines: Vec<String> = base.lines().map(str::to_string).collect();
        let blanks: Vec<usize> = (0..lines.len()).filter(|&i| lines[i].is_empty()).collect();
        let mut spots: Vec<usize> = chrome.iter().map(|c| blanks[c.index(blanks.len())]).collect();
        spots.sort();
        spots.dedup();
        for &i in spots.iter().rev() {
            lines.insert(i + 1, "Was this article helpful?".into());
        }
        // One word edited.
        let re = regex::Regex::new("[A-Za-z]{4,}").unwrap();
        let spots: Vec<(usize, regex::Match)> = lines.iter().enumerate()
            .filter(|(_, l)| !l.starts_with("Was this"))
            .flat_map(|(i, l)| re.find_iter(l).map(move |m| (i, m)))
            .collect();
        let (li, m) = spots[word.index(spots.len())];
        let (s, e) = (m.start(), m.end());
        let edited_line = format!("{}Xyzzy{}", &lines[li][..s], &lines[li][e..]);
        lines[li] = edited_line;
        let eol = if crlf { "\r\n" } else { "\n" };
        let mut copy = lines.join(eol);
        if final_newline {
            copy.push_str(eol);
        }
        if bom {
            copy.insert(0, '\u{feff}');
        }
        let a = drift::compare(expected, &copy, format, &[], &opts());
        prop_assert!(!a.hunks.is_empty());
        let fixed = a.fixed_text.clone();
        let again = drift::compare(expected, &fixed, format, &[], &opts());
        prop_assert!(again.hunks.is_empty(), "{:#?}", again.hunks);
        let count = |s: &str| s.matches("Was this article helpful?").count();
        prop_assert_eq!(count(&fixed), count(&copy));
        prop_assert_eq!(fixed.starts_with('\u{feff}'), bom);
        prop_assert_eq!(fixed.ends_with('\n'), final_newline);
        if crlf {
            prop_assert_eq!(fixed.matches('\n').count(), fixed.matches("\r\n").count());
        } else {
            prop_assert!(!fixed.contains('\r'));
        }
        // The patch: one line out, one line in, and it applies to give the fixed copy.
        let path = if text_copy { "copy.txt" } else { "copy.md" };
        let c = drift::PublishedCopy { page: "p".into(), variant: "v".into(), path: path.into(), format };
        let rep = drift::Report::new(vec![a.into_page(c.clone())]);
        let patch = report::print(&rep, Format::Unified, false);
        let minus = patch.lines().filter(|l| l.starts_with('-') && !l.starts_with("---")).count();
        let plus = patch.lines().filter(|l| l.starts_with('+') && !l.starts_with("+++")).count();
        prop_assert_eq!((minus, plus), (1, 1), "{}", patch);
        prop_assert_eq!(common::git_apply(&copy, path, &patch), fixed);
    }
}

fn raci() -> String {
    std::fs::read_to_string(common::root().join("out/psaas-appliance/disaster-recovery-raci.md"))
        .unwrap()
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

#[test]
fn stray_text_in_an_html_table_is_drift() {
    let page = raci();
    // Text between rows, text between a row's cells, and a changed word in such text.
    let rows = "        </tr>\n        <tr>\n";
    assert!(page.contains(rows));
    let between_rows = page.replacen(
        rows,
        "        </tr>\n        stray words\n        <tr>\n",
        1,
    );
    let in_row = page.replacen("<td>I</td>", "stray <td>I</td>", 1);
    let changed = md(
        &between_rows,
        &between_rows.replacen("stray words", "stray wordz", 1),
    );
    for (copy, at) in [
        (&between_rows, line_of(&between_rows, "stray words")),
        (&in_row, line_of(&in_row, "stray <td>")),
    ] {
        let a = md(&page, copy);
        assert_eq!(a.hunks.len(), 1, "{:#?}", a.hunks);
        let [s, e] = a.hunks[0].published_lines.unwrap();
        assert!((s..=e).contains(&at), "{:#?}", a.hunks);
    }
    assert_eq!(changed.hunks.len(), 1, "{:#?}", changed.hunks);
}

/// Asserts that `a` drifted, that no hunk removes a block (a cascade from a broken tag), and
/// that every hunk's copy lines `[s, e]` are `near` line `at`.
fn assert_local(a: &Analysis, at: usize, near: impl Fn(usize, usize) -> bool) {
    assert!(!a.hunks.is_empty());
    for h in &a.hunks {
        assert_ne!(h.kind, HunkKind::Removed, "cascade: {:#?}", a.hunks);
        let [s, e] = h.published_lines.unwrap_or([h.anchor, h.anchor]);
        assert!(near(s, e), "hunk away from line {at}: {:#?}", a.hunks);
    }
}

#[test]
fn a_broken_comment_stays_on_its_line() {
    let page = raci();
    let comment = "<!-- markdownlint-disable MD033 -->\n<table";
    assert!(page.contains(comment));
    let broken = page.replacen(comment, "<!-- markdownlint-disable MD033\n<table", 1);
    let at = page[..page.find(comment).unwrap()].matches('\n').count() + 1;
    assert_local(&md(&page, &broken), at, |s, e| (s..=e).contains(&at));
    // An unclosed comment with no later comment to end it.
    let last = page.rfind("<!--").unwrap();
    let end = last + page[last..].find("-->").unwrap();
    let unclosed = format!("{}{}", &page[..end], &page[end + 3..]);
    let a = md(&page, &unclosed);
    assert!(a.hunks.len() <= 2, "{:#?}", a.hunks);
}

#[test]
fn a_broken_tag_stays_in_its_row() {
    let page = raci();
    let row = "<td>Provision Additional Backup Disk</td>";
    let broken = page.replacen(row, "<td>Provision Additional Backup Disk</td", 1);
    let at = line_of(&broken, "Provision Additional Backup Disk");
    assert_local(&md(&page, &broken), at, |s, e| s <= at + 4 && e + 4 >= at);
}

#[test]
fn an_unclosed_attribute_quote_stays_on_its_line() {
    let page = raci();
    let tag = "<table class=\"table\">";
    let broken = page.replacen(tag, "<table class=\"table>", 1);
    let at = page[..page.find(tag).unwrap()].matches('\n').count() + 1;
    let a = md(&page, &broken);
    assert_eq!(a.hunks.len(), 1, "{:#?}", a.hunks);
    assert_eq!(a.hunks[0].published_lines, Some([at, at]));
}

#[test]
fn a_txt_copy_that_is_markdown_is_compared_as_markdown() {
    let root = common::root();
    let project = Project::load(&root).unwrap();
    let renderer = Renderer::new(&project).unwrap();
    // The seed is Markdown saved as .txt; the fixture is the same bytes.
    let path = root.join("tests/fixtures/published/private-saas/roles-and-responsibilities.md");
    let copy = drift::PublishedCopy {
        page: "roles-and-responsibilities".into(),
        variant: "private-saas".into(),
        path,
        format: CopyFormat::Text,
    };
    let r = drift::check(&project, &renderer, &[copy], &opts(), None).unwrap();
    let p = &r.pages[0];
    assert_eq!(p.format, CopyFormat::Markdown);
    assert!(
        p.notes.contains(&docvar::drift::Note::TextCopyIsMarkdown),
        "{:?}",
        p.notes
    );
    assert_eq!(p.hunks.len(), 1, "{:#?}", p.hunks);
    // The help center's real plain text is not mistaken for Markdown.
    let text = std::fs::read_to_string(
        root.join("tests/fixtures/published/psaas-appliance/roles-and-responsibilities.txt"),
    )
    .unwrap();
    assert!(!drift::looks_like_markdown(&text));
    for page in rendered_pages() {
        assert!(!drift::looks_like_markdown(&export::to_text(&page)));
        assert!(drift::looks_like_markdown(&page));
    }
}

/// What `--fix` writes to a plain-text copy is the page's plain text, and reading it back as
/// the `.txt` it is gives no drift, even where that text looks like Markdown (inline code
/// printing `# `, a soft-wrapped paragraph joined into one line) or an ignored line kept by
/// the fix does. Found by `fuzz_drift_checks_hold_on_markdownish_pairs`.
#[test]
fn fixed_plain_text_that_looks_like_markdown_is_read_back_as_plain_text() {
    let ignore = Options::default()
        .with_ignores(&["^# ".to_string()])
        .unwrap();
    let cases = [
        ("`#\na`](", "`#\na`](", Options::default()),
        ("`# t`](\n\nx\ny\n", "t](\n\nx y z\n", Options::default()),
        ("**a**](b\n", "# x\nc\n", ignore),
    ];
    for (page, copy, opts) in cases {
        let a = drift::compare(page, copy, CopyFormat::Text, &[], &opts);
        assert_eq!(a.format, CopyFormat::Text, "{page:?} / {copy:?}");
        assert!(!a.hunks.is_empty(), "{page:?} / {copy:?}");
        let fixed = drift::compare(page, &a.fixed_text, CopyFormat::Text, &[], &opts);
        assert_eq!(fixed.format, CopyFormat::Text, "{:?}", a.fixed_text);
        assert!(
            fixed.hunks.is_empty(),
            "{:?}: {:#?}",
            a.fixed_text,
            fixed.hunks
        );
    }
}

/// Characters git marks with `--word-diff=porcelain` (whitespace aside), and the lines it
/// changes on each side.
fn git_word_diff(old: &str, new: &str) -> usize {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("old.md"), old).unwrap();
    std::fs::write(dir.path().join("new.md"), new).unwrap();
    let out = std::process::Command::new("git")
        .args([
            "diff",
            "--no-index",
            "--no-color",
            "--word-diff=porcelain",
            "old.md",
            "new.md",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "git diff failed");
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines()
        .skip_while(|l| !l.starts_with("@@"))
        .filter(|l| {
            (l.starts_with('-') || l.starts_with('+'))
                && !l.starts_with("---")
                && !l.starts_with("+++")
        })
        .map(|l| l[1..].chars().filter(|c| !c.is_whitespace()).count())
        .sum()
}

fn docvar_marked(a: &Analysis) -> usize {
    a.hunks
        .iter()
        .flat_map(|h| &h.words)
        .filter(|w| w.op != WordOp::Equal)
        .map(|w| w.text.chars().filter(|c| !c.is_whitespace()).count())
        .sum()
}

/// Lines a line diff changes on each side: every one must be inside some hunk.
fn changed_lines(old: &str, new: &str) -> (BTreeSet<usize>, BTreeSet<usize>) {
    let (a, b) = (strict(old), strict(new));
    let diff = similar::TextDiff::from_lines(&a, &b);
    let (mut o, mut n) = (BTreeSet::new(), BTreeSet::new());
    for op in diff.ops() {
        if let similar::DiffOp::Equal { .. } = op {
            continue;
        }
        for i in op.old_range() {
            if !a.lines().nth(i).unwrap_or("").trim().is_empty() {
                o.insert(i + 1);
            }
        }
        for i in op.new_range() {
            if !b.lines().nth(i).unwrap_or("").trim().is_empty() {
                n.insert(i + 1);
            }
        }
    }
    (o, n)
}

#[test]
fn real_edits_of_real_pages_are_all_found_with_spans_no_wider_than_gits() {
    let dir = common::root().join("tests/fixtures/corpus");
    let mut pairs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        // History pairs only (groups/ holds infer's near-duplicate groups).
        .filter(|p| p.join("old.md").is_file())
        .collect();
    pairs.sort();
    assert_eq!(pairs.len(), 7);
    let (mut ours, mut gits) = (0, 0);
    for pair in pairs {
        let old = std::fs::read_to_string(pair.join("old.md")).unwrap();
        let new = std::fs::read_to_string(pair.join("new.md")).unwrap();
        let a = md(&old, &new);
        let (d, g) = (docvar_marked(&a), git_word_diff(&old, &new));
        eprintln!("{}: docvar {d}, git {g}", pair.display());
        if std::env::var("DEBUG_MUT").is_ok() {
            for h in &a.hunks {
                eprintln!("  {:?} {}", h.kind, report::marked(&h.words, 3));
            }
        }
        assert!(
            d <= g,
            "{}: docvar marks {d} characters, git {g}",
            pair.display()
        );
        ours += d;
        gits += g;
        // Every changed line on either side is inside a hunk.
        let (o, n) = changed_lines(&old, &new);
        let inside =
            |lines: Option<[usize; 2]>, l: usize| lines.is_some_and(|[s, e]| s <= l && l <= e);
        for l in o {
            assert!(
                a.hunks.iter().any(|h| inside(h.expected_lines, l)),
                "{}: old line {l} not in a hunk",
                pair.display()
            );
        }
        for l in n {
            assert!(
                a.hunks.iter().any(|h| inside(h.published_lines, l)),
                "{}: new line {l} not in a hunk",
                pair.display()
            );
        }
    }
    eprintln!(
        "marked characters: docvar {ours}, git {gits}, ratio {:.2}",
        ours as f64 / gits as f64
    );
    assert!(ours <= gits);
}

/// Every one-edit mutation of every rendered page (a word dropped, replaced or added, and
/// stray text inside HTML tables) is found (recall 1.0), and the hunks are where the edit is
/// (precision >= 0.99).
#[test]
fn one_edit_mutations_of_every_rendered_page() {
    let re = regex::Regex::new(r"[A-Za-z]{2,}").unwrap();
    let (mut mutations, mut found, mut hunks, mut on_target) = (0usize, 0usize, 0usize, 0usize);
    for page in rendered_pages() {
        for text_copy in [false, true] {
            let base = if text_copy {
                export::to_text(&page)
            } else {
                page.clone()
            };
            let format = if text_copy {
                CopyFormat::Text
            } else {
                CopyFormat::Markdown
            };
            let lines: Vec<&str> = base.lines().collect();
            for (i, line) in lines.iter().enumerate() {
                let words: Vec<_> = re.find_iter(line).collect();
                let mut edits: Vec<String> = Vec::new();
                // First, middle and last word of the line: dropped, replaced, doubled.
                for w in [words.first(), words.get(words.len() / 2), words.last()]
                    .into_iter()
                    .flatten()
                {
                    edits.push(format!(
                        "{}{}",
                        &line[..w.start()],
                        line[w.end()..].trim_start()
                    ));
                    edits.push(format!("{}Xyzzy{}", &line[..w.start()], &line[w.end()..]));
                    edits.push(format!(
                        "{}{} {}",
                        &line[..w.start()],
                        w.as_str(),
                        &line[w.start()..]
                    ));
                }
                if !text_copy && line.trim_start().starts_with('<') {
                    edits.push(format!("{line} stray"));
                    edits.push(format!("stray {line}"));
                }
                for new_line in edits {
                    if new_line == *line || strict(&new_line).trim() == line.trim() {
                        continue;
                    }
                    let mut copy: Vec<&str> = lines.clone();
                    copy[i] = &new_line;
                    let copy = copy.join("\n") + "\n";
                    let a = drift::compare(&page, &copy, format, &[], &opts());
                    mutations += 1;
                    let at = i + 1;
                    // The edit keeps every line where it was, so a hunk is on target when
                    // either side's lines hold the edited line.
                    let covers = |h: &drift::Hunk| {
                        let inside =
                            |l: Option<[usize; 2]>| l.is_some_and(|[s, e]| s <= at && at <= e);
                        inside(h.published_lines) || inside(h.expected_lines)
                    };
                    if a.hunks.iter().any(covers) {
                        found += 1;
                    } else {
                        eprintln!("missed line {at} ({format:?}): {new_line:?}");
                    }
                    hunks += a.hunks.len();
                    on_target += a.hunks.iter().filter(|h| covers(h)).count();
                    if std::env::var("DEBUG_MUT").is_ok() && a.hunks.iter().any(|h| !covers(h)) {
                        eprintln!(
                            "off target at {at} ({format:?}) {new_line:?}: {:#?}",
                            a.hunks
                        );
                    }
                }
            }
        }
    }
    let recall = found as f64 / mutations as f64;
    let precision = on_target as f64 / hunks as f64;
    eprintln!("{mutations} mutations: recall {recall:.4}, precision {precision:.4}");
    assert!(mutations > 1000);
    assert_eq!(recall, 1.0);
    assert!(precision >= 0.99, "precision {precision}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    /// The drift fuzz target's checks (clean iff equal, --fix clean, lines in range) on
    /// Markdown-ish pairs: a page and an edit of it.
    #[test]
    fn fuzz_drift_checks_hold_on_markdownish_pairs(
        page in "[-#*|<>`\\[\\]()!:\\n\\r a-z0-9/\"=]{0,160}",
        at in 0usize..200,
        len in 0usize..8,
        insert in "[-#*|<>`\\[\\]()!:\\n a-z]{0,6}",
    ) {
        let copy = edit(&page, at, len, &insert);
        fuzzing::drift(&format!("{page}\0{copy}"));
    }
}

/// The CLI: `--fix` and `--format unified | git apply` on a CRLF copy behind a BOM, with the
/// help center's chrome line and no final newline, change the one drifted line and keep the
/// rest byte for byte; `diff` is clean afterwards.
#[test]
fn fix_and_unified_patch_keep_crlf_bom_chrome_and_final_newline_from_the_cli() {
    let rel = "tests/fixtures/published/private-saas/roles-and-responsibilities.md";
    for how in ["fix", "patch"] {
        let dir = common::project_copy();
        let path = dir.path().join(rel);
        let lf = std::fs::read_to_string(&path).unwrap();
        let with_chrome = lf.replacen(
            "\n\n## Further Reading",
            "\n\nWas this article helpful?\n\n## Further Reading",
            1,
        );
        assert_ne!(with_chrome, lf);
        let copy = format!("\u{feff}{}", with_chrome.trim_end().replace('\n', "\r\n"));
        std::fs::write(&path, &copy).unwrap();
        if how == "fix" {
            common::docvar(dir.path())
                .args(["diff", "--fix", "--color", "never"])
                .assert()
                .code(0);
        } else {
            let a = common::docvar(dir.path())
                .args(["diff", "--format", "unified"])
                .assert()
                .code(1);
            let patch = common::stdout(&a);
            // This copy's section of the patch (the other copies drift too).
            let ours = patch
                .split("diff --git ")
                .find(|s| s.contains("private-saas"))
                .unwrap();
            let minus = ours
                .lines()
                .filter(|l| l.starts_with('-') && !l.starts_with("---"))
                .count();
            let plus = ours
                .lines()
                .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
                .count();
            assert_eq!((minus, plus), (1, 1), "{ours}");
            std::fs::write(dir.path().join("drift.patch"), &patch).unwrap();
            let ok = std::process::Command::new("git")
                .args(["apply", "--unsafe-paths", "drift.patch"])
                .current_dir(dir.path())
                .status()
                .unwrap();
            assert!(ok.success());
        }
        common::docvar(dir.path()).arg("diff").assert().code(0);
        let fixed = std::fs::read_to_string(&path).unwrap();
        // Exactly the one drifted line changed: "the" is back in the Backing Up row.
        let want = copy.replacen(
            "[backing up Private SaaS]",
            "[backing up the Private SaaS]",
            1,
        );
        assert_ne!(want, copy);
        assert_eq!(fixed, want, "{how}");
    }
}
