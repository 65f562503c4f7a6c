//! Laws: export never panics, render is deterministic and verbatim, a page diffed with itself
//! is clean, the unified patch restores the expected page, and a one-line edit is reported at
//! that line and nowhere else.

use crate::common;
use crate::fuzzing;

use docvar::drift::{self, CopyFormat, Options};
use docvar::export;
use docvar::project::Project;
use docvar::render::Renderer;
use docvar::report::{self, Format};
use proptest::prelude::*;

fn project() -> Project {
    Project::load(&common::root()).unwrap()
}

use common::rendered_pages;

/// `text` with line edits applied: (where, 0 = delete | 1 = insert | 2 = replace, new text).
fn mutate(text: &str, edits: Vec<(usize, u8, String)>) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for (at, op, new) in edits {
        let i = at % (lines.len() + 1);
        match op {
            0 if i < lines.len() => {
                lines.remove(i);
            }
            1 => lines.insert(i, new),
            _ if i < lines.len() => lines[i] = new,
            _ => {}
        }
    }
    lines.join("\n") + "\n"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn export_and_block_split_never_panic(s in any::<String>()) {
        let _ = export::to_text(&s);
        let _ = export::to_html(&s);
        fuzzing::html_reduce(&s);
        fuzzing::block_split(&s);
    }

    #[test]
    fn markdownish_input_never_panics(s in "[-#*|<>`\\[\\]()!:\\n a-z0-9]{0,200}") {
        let doc = docvar::Document::parse(&s);
        for b in &doc.blocks {
            prop_assert!(b.lines[0] >= 1 && b.lines[0] <= b.lines[1]);
        }
        let _ = export::to_text(&s);
        let a = drift::compare(&s, &s, CopyFormat::Markdown, &[], &Options::default());
        prop_assert!(a.hunks.is_empty(), "{:#?}", a.hunks);
    }

    #[test]
    fn text_export_fast_path_prints_what_the_blocks_print(
        lines in prop::collection::vec(prop_oneof![
            Just("---".to_string()),
            Just("title: T".to_string()),
            Just("".to_string()),
            Just("# Title".to_string()),
            Just("## Section".to_string()),
            Just("::: note".to_string()),
            Just(":::".to_string()),
            Just("<!-- c -->".to_string()),
            Just("<table>".to_string()),
            Just("<thead><tr><th>A</th><th>B</th></tr></thead>".to_string()),
            Just("<tr><td>x &amp; y</td><td>1<br>2</td></tr>".to_string()),
            Just("</table>".to_string()),
            Just("<p>html <b>text</b></p>".to_string()),
            Just("|A|B|".to_string()),
            Just("|---|---|".to_string()),
            Just("|c *d*|[e](/f)|".to_string()),
            Just("```".to_string()),
            Just("---".to_string()),
            "[-*] [a-z `*\\[\\]()<>/]{0,30}",
            "  [-*] [a-z]{0,10}",
            "[0-9][.)] [a-z ]{0,20}",
            "[a-zA-Z <>/&;*`\\[\\]()|:-]{0,40}",
        ], 0..30)
    ) {
        let s = lines.join("\n");
        let full = export::text(&docvar::Document::parse(&s)).text;
        prop_assert_eq!(export::to_text(&s), full);
    }

    #[test]
    fn render_is_deterministic_and_verbatim(name in "[A-Za-z&'<>\" ]{1,24}", section in "[a-z][a-z-]{0,12}") {
        let mut p = project();
        for v in &mut p.variants {
            v.vars.insert("product".into(), toml::Value::String(name.clone()));
            v.vars.insert("section".into(), toml::Value::String(section.clone()));
        }
        let r = Renderer::new(&p).unwrap();
        for v in &p.variants {
            for page in &p.pages {
                let a = r.render(&page.name, v).unwrap();
                let b = r.render(&page.name, v).unwrap();
                prop_assert_eq!(&a, &b);
                let (heading, url) = (format!("{}-Related Tasks", name), format!("/{}/", section));
                prop_assert!(a.contains(&heading));
                prop_assert!(a.contains(&url));
            }
        }
    }

    #[test]
    #[cfg_attr(miri, ignore)]
    fn unified_patch_restores_the_expected_page(
        page in 0usize..6,
        edits in prop::collection::vec((0usize..200, 0u8..3, "[A-Za-z ]{1,20}"), 1..6),
    ) {
        let expected = &rendered_pages()[page];
        let mutated = mutate(expected, edits);
        let a = drift::compare(expected, &mutated, CopyFormat::Markdown, &[], &Options::default());
        let copy = drift::PublishedCopy { page: "p".into(), variant: "v".into(), path: "copy.md".into(), format: CopyFormat::Markdown };
        let rep = drift::Report::new(vec![a.into_page(copy.clone())]);
        let patch = report::print(&rep, Format::Unified, false);
        if !rep.has_drift() {
            // Only non-drift changes (blank lines between blocks, trailing spaces): no patch.
            prop_assert!(patch.is_empty());
        } else {
            // The patch changes only the drifted lines (what the comparison ignores, such as
            // blank lines between blocks, stays as the copy has it), and what it gives is clean.
            let patched = common::git_apply(&mutated, "copy.md", &patch);
            prop_assert_eq!(&patched, &rep.pages[0].fixed_text);
            let again = drift::compare(expected, &patched, CopyFormat::Markdown, &[], &Options::default());
            prop_assert!(again.hunks.is_empty(), "{:#?}", again.hunks);
        }
    }

    #[test]
    fn a_one_line_edit_is_reported_at_that_line_only(page in 0usize..6, pick in any::<prop::sample::Index>(), word in any::<prop::sample::Index>()) {
        let expected = &rendered_pages()[page];
        let re = regex::Regex::new("[A-Za-z]{3,}").unwrap();
        // A Markdown copy is the page itself; a plain-text copy is the page's text export.
        for (format, copy) in [
            (CopyFormat::Markdown, expected.clone()),
            (CopyFormat::Text, export::to_text(expected)),
        ] {
            let lines: Vec<&str> = copy.lines().collect();
            let candidates: Vec<usize> = (0..lines.len()).filter(|&i| re.is_match(lines[i])).collect();
            let line = candidates[pick.index(candidates.len())];
            let words: Vec<_> = re.find_iter(lines[line]).collect();
            let w = words[word.index(words.len())];
            let mut edited: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
            edited[line] = format!("{}Xyzzy{}", &lines[line][..w.start()], &lines[line][w.end()..]);
            let published = edited.join("\n") + "\n";
            let a = drift::compare(expected, &published, format, &[], &Options::default());
            prop_assert!(!a.hunks.is_empty(), "line {} not reported", line + 1);
            for h in &a.hunks {
                let at = h.published_lines.unwrap_or([h.anchor, h.anchor]);
                let edited_line = line + 1;
                prop_assert!((at[0]..=at[1]).contains(&edited_line), "{:?} line {}: hunk at {:?}: {:#?}", format, line + 1, at, h);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn generate_twice_changes_nothing_the_second_time(name in "[A-Za-z&' ]{1,16}") {
        let mut p = project();
        for v in &mut p.variants {
            v.vars.insert("product".into(), toml::Value::String(name.clone()));
        }
        let r = Renderer::new(&p).unwrap();
        let planned = docvar::generate::plan(&p, &r, &Default::default(), None).unwrap();
        let out = tempfile::tempdir().unwrap();
        let first = docvar::output::write(out.path(), &planned, &[], None).unwrap();
        prop_assert_eq!(first.written.len(), 12);
        let second = docvar::output::write(out.path(), &planned, &[], None).unwrap();
        prop_assert!(second.written.is_empty());
        prop_assert_eq!(second.unchanged, 12);
    }

    #[test]
    fn fix_then_diff_is_clean(
        page in 0usize..6,
        text_copy in any::<bool>(),
        edits in prop::collection::vec((0usize..200, 0u8..3, "[A-Za-z ]{1,20}"), 1..6),
    ) {
        let expected = &rendered_pages()[page];
        let format = if text_copy { CopyFormat::Text } else { CopyFormat::Markdown };
        let base = if text_copy { export::to_text(expected) } else { expected.clone() };
        let copy = mutate(&base, edits);
        let first = drift::compare(expected, &copy, format, &[], &Options::default());
        // The edits count: a drifted copy is rewritten, not passed through.
        if !first.hunks.is_empty() {
            prop_assert_ne!(&first.fixed_text, &copy);
        }
        // What --fix writes over a drifted copy.
        let fixed = if first.hunks.is_empty() { copy } else { first.fixed_text.clone() };
        let again = drift::compare(expected, &fixed, format, &[], &Options::default());
        prop_assert!(again.hunks.is_empty(), "{:#?}", again.hunks);
    }
}

#[test]
fn each_rendered_page_diffed_with_itself_is_clean_in_both_formats() {
    for page in rendered_pages() {
        let a = drift::compare(&page, &page, CopyFormat::Markdown, &[], &Options::default());
        assert!(a.hunks.is_empty() && a.notes.is_empty() && a.similarity == 1.0);
        let text = export::to_text(&page);
        let a = drift::compare(&page, &text, CopyFormat::Text, &[], &Options::default());
        assert!(a.hunks.is_empty() && a.notes.is_empty(), "{:#?}", a.hunks);
    }
}
