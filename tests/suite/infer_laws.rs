//! Laws a reviewer needs from `docvar infer` (issue 16), on generated groups of 2 to 8 copies
//! and on real groups from tests/fixtures/corpus: the result does not depend on argument
//! order, no line is invented, no value cuts through markup, no `product_N` names, at most
//! one override per template line with `--exact`, which reproduces every copy byte for byte,
//! and what infer writes is much smaller than the copies together.

use std::path::Path;

use docvar::infer::{self, Inferred};
use proptest::prelude::*;

/// A template line with copy `i`'s values filled in.
fn fill(line: &str, r: &Inferred, i: usize) -> String {
    let mut out = line.replace("\\{{", "\u{0}");
    for (k, v) in r.vars(i).into_iter().chain(r.overrides(i)) {
        out = out
            .replace(&format!("{{{{~{k}}}}}"), &v)
            .replace(&format!("{{{{{k}}}}}"), &v);
    }
    out.replace('\u{0}', "{{")
}

fn lines(s: &str) -> Vec<&str> {
    s.split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect()
}

/// Whether `v` is whole lines of `text`.
fn whole_lines(text: &str, v: &str) -> bool {
    let starts = text.starts_with(v) || text.contains(&format!("\n{v}"));
    let ends = v.ends_with('\n')
        || text.ends_with(v)
        || text.contains(&format!("{v}\n"))
        || text.contains(&format!("{v}\r\n"));
    starts && ends
}

/// `text` with trailing spaces cut from its front-matter lines.
fn trim_front_matter(text: &str) -> String {
    let mut out = String::new();
    let mut fences = 0;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\r', '\n']);
        if fences == 1 && body != "---" {
            out.push_str(body.trim_end_matches([' ', '\t']));
            out.push_str(&line[body.len()..]);
        } else {
            out.push_str(line);
        }
        if body == "---" {
            fences += 1;
        }
    }
    out
}

/// Checks every law on one group; returns (variables, overrides, template bytes, written bytes).
fn check_laws(copies: &[(String, String)]) -> (usize, usize, usize, usize) {
    let plain = infer::infer("page", copies, false).expect("near-duplicates");
    let exact = infer::infer("page", copies, true).expect("near-duplicates");
    // Order independence.
    let reversed: Vec<(String, String)> = copies.iter().rev().cloned().collect();
    for (r, ex) in [(&plain, false), (&exact, true)] {
        let back = infer::infer("page", &reversed, ex).unwrap();
        assert_eq!(
            back.template, r.template,
            "argument order changed the template"
        );
        let n = copies.len();
        for (a, b) in r.variables.iter().zip(&back.variables) {
            assert_eq!(a.name, b.name);
            let rev: Vec<String> = (0..n).map(|i| b.values[n - 1 - i].clone()).collect();
            assert_eq!(a.values, rev);
        }
        assert_eq!(r.variables.len(), back.variables.len());
    }
    // Names are the same with and without --exact.
    for v in &exact.variables {
        let p = plain.variables.iter().find(|p| p.values == v.values);
        assert_eq!(
            p.map(|p| &p.name),
            Some(&v.name),
            "{} differs with --exact",
            v.name
        );
    }
    // Names mean something.
    for r in [&plain, &exact] {
        for name in r
            .variables
            .iter()
            .map(|v| v.name.as_str())
            .chain(r.drift.iter().filter_map(|d| d.name.as_deref()))
        {
            let numbered = |p: &str| {
                name.strip_prefix(p)
                    .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
            };
            assert!(
                !numbered("product_") && !numbered("drift_") && !name.starts_with("after_"),
                "meaningless name {name}"
            );
        }
        // Variables are words, never markup.
        for v in &r.variables {
            for val in &v.values {
                assert!(
                    !val.contains(['<', '>', '`', '\n', '[', ']', '(', ')', '|']),
                    "{} = {val:?} cuts through markup",
                    v.name
                );
            }
        }
    }
    // No invented line: each template line, filled in, is a line of a copy.
    for line in plain.template.split('\n') {
        if line.contains("{{front_matter}}") {
            continue;
        }
        let found = (0..copies.len()).any(|i| {
            let l = fill(line, &plain, i);
            let l = l.strip_suffix('\r').unwrap_or(&l);
            lines(&copies[i].1).contains(&l)
        });
        assert!(
            found,
            "invented line {line:?}\ntemplate:\n{}",
            plain.template
        );
    }
    // --exact: one override per line, each whole lines, every copy byte for byte.
    let names: Vec<String> = exact.drift.iter().filter_map(|d| d.name.clone()).collect();
    for line in exact.template.split('\n') {
        let count = names
            .iter()
            .filter(|n| {
                line.contains(&format!("{{{{{n}}}}}")) || line.contains(&format!("{{{{~{n}}}}}"))
            })
            .count();
        assert!(count <= 1, "{count} overrides on {line:?}");
    }
    for d in &exact.drift {
        for (i, v) in d.values.iter().enumerate() {
            assert!(
                v.trim().is_empty() || whole_lines(&copies[i].1, v),
                "override {:?} = {v:?} is not whole lines",
                d.name
            );
        }
    }
    for (i, (_, text)) in copies.iter().enumerate() {
        let want = if exact.lf_line_ends {
            text.replace("\r\n", "\n")
        } else {
            text.clone()
        };
        // Per-variant front matter is written without trailing spaces (`docvar diff` ignores
        // them); everything else byte for byte.
        let want = if exact.front_matter_trailing_spaces {
            trim_front_matter(&want)
        } else {
            want
        };
        let got = exact.render(i).unwrap();
        let got = if exact.front_matter_trailing_spaces {
            trim_front_matter(&got)
        } else {
            got
        };
        assert_eq!(got, want, "copy {i} not reproduced");
    }
    // A fenced code block is one token for drift: every override holds whole blocks (its
    // fence lines pair up); variables are words on one line (checked above).
    for d in &exact.drift {
        for v in &d.values {
            let fences = v
                .lines()
                .filter(|l| l.trim_start().starts_with("```") || l.trim_start().starts_with("~~~"))
                .count();
            assert!(
                fences % 2 == 0,
                "override {:?} = {v:?} cuts a code block",
                d.name
            );
        }
    }
    let written = exact.template.len()
        + (0..copies.len())
            .map(|i| {
                exact
                    .vars(i)
                    .into_iter()
                    .chain(exact.overrides(i))
                    .map(|(k, v)| k.len() + v.len() + 6)
                    .sum::<usize>()
            })
            .sum::<usize>();
    (
        exact.variables.len(),
        names.len(),
        exact.template.len(),
        written,
    )
}

// ---------------------------------------------------------------------------------------------
// Generated groups

const WORDS: &[&str] = &[
    "the", "runs", "on", "a", "node", "with", "Auth0", "Private", "Cloud", "service", "and",
    "backup", "for", "to", "One", "tenants", "Data",
];
const NAME_WORDS: &[&str] = &[
    "Cloud",
    "Edge",
    "Private",
    "SaaS",
    "Appliance",
    "Hub",
    "One",
];

fn sentence(ws: &[usize]) -> String {
    ws.iter()
        .map(|&w| WORDS[w % WORDS.len()])
        .collect::<Vec<_>>()
        .join(" ")
}

/// One block of the page, with `{{product}}` and `{{section}}` where the products differ.
fn block(kind: usize, ws: &[usize]) -> String {
    let s = sentence(ws);
    match kind % 8 {
        0 => format!("{s} {{{{product}}}} {s}."),
        1 => format!(
            "<table>\n  <thead>\n  <tr><th>Role</th><th>{{{{product}}}}</th></tr>\n  </thead>\n  <tr><td>{s}</td><td>R</td></tr>\n</table>"
        ),
        2 => format!("See [the {{{{product}}}} docs](/{{{{section}}}}/index) for {s}."),
        3 => format!("```bash\nauth0 {{{{section}}}} backup --all\n# {s}\n```"),
        4 => format!("::: note\nThe {{{{product}}}} needs {s}.\n:::"),
        5 => format!("## {s}"),
        6 => format!("It says \u{201c}{{{{product}}}} {s}\u{201d} here."),
        _ => format!("* [{s}](/{{{{section}}}}/monitoring)\n* {{{{product}}}} `{s}`"),
    }
}

#[derive(Debug, Clone)]
struct Group {
    names: Vec<Vec<&'static str>>,
    blocks: Vec<(usize, Vec<usize>)>,
    /// (block, copy, replacement words): a copy's rewritten block.
    rewrites: Vec<(usize, usize, Vec<usize>)>,
    crlf: Vec<bool>,
    final_newline: Vec<bool>,
}

fn group() -> impl Strategy<Value = Group> {
    (
        prop::collection::vec(
            prop::sample::subsequence(NAME_WORDS, 1..=3).prop_shuffle(),
            2..=8,
        ),
        prop::collection::vec((0usize..8, prop::collection::vec(0usize..64, 2..7)), 8..20),
        prop::collection::vec(
            (
                0usize..20,
                0usize..8,
                prop::collection::vec(0usize..64, 3..8),
            ),
            0..3,
        ),
        prop::collection::vec(any::<bool>(), 8),
        prop::collection::vec(prop::bool::weighted(0.8), 8),
    )
        .prop_map(|(names, blocks, rewrites, crlf, final_newline)| Group {
            names,
            blocks,
            rewrites,
            crlf,
            final_newline,
        })
}

fn render_group(g: &Group) -> Option<Vec<(String, String)>> {
    let names: Vec<String> = g.names.iter().map(|ws| ws.join(" ")).collect();
    let mut seen = std::collections::HashSet::new();
    if !names.iter().all(|n| seen.insert(n.to_lowercase())) {
        return None;
    }
    let mut hb = handlebars::Handlebars::new();
    hb.register_escape_fn(handlebars::no_escape);
    let mut out = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let section = name.to_lowercase().replace(' ', "-");
        // Odd copies end their front matter with a key of their own, written with a trailing
        // space as real pages have it (`useCase: `). Not with CRLF: docvar's YAML has LF line
        // ends, so there the key stays text (an override).
        let own_key = if i % 2 == 1 && !g.crlf[0] {
            "useCase: \n    - {{section}}\n"
        } else {
            ""
        };
        let mut t = format!(
            "---\ntitle: {{{{product}}}} overview\ncontentType: \ndescription: How the {{{{product}}}} runs\n{own_key}---\n\n# {{{{product}}}} overview\n",
        );
        for (b, (kind, ws)) in g.blocks.iter().enumerate() {
            t.push('\n');
            match g
                .rewrites
                .iter()
                .find(|r| r.0 % g.blocks.len() == b && r.1 % names.len() == i)
            {
                Some((_, _, rw)) => t.push_str(&format!("{} was rewritten here.", sentence(rw))),
                None => t.push_str(&block(*kind, ws)),
            }
            t.push('\n');
        }
        t.push_str("\nSee [the {{product}} docs](/{{section}}/index).\n");
        let ctx = serde_json::json!({ "product": name, "section": section });
        let mut text = hb.render_template(&t, &ctx).unwrap();
        if g.crlf[0] {
            text = text.replace('\n', "\r\n");
        }
        if !g.final_newline[i % 8] {
            text.truncate(text.trim_end_matches(['\r', '\n']).len());
        }
        out.push((section, text));
    }
    Some(out)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
    #[test]
    fn generated_groups_keep_every_law(g in group()) {
        let copies = render_group(&g);
        prop_assume!(copies.is_some(), "two products with one name");
        let copies = copies.unwrap();
        let total: usize = copies.iter().map(|c| c.1.len()).sum();
        let (_, _, _, written) = check_laws(&copies);
        // The key only odd copies have is their front matter, never raw YAML in an override.
        let exact = docvar::infer::infer("page", &copies, true).unwrap();
        if !g.crlf[0] {
            for d in &exact.drift {
                prop_assert!(d.values.iter().all(|v| !v.contains("useCase")), "{:?}", d);
            }
            prop_assert!(exact.front_matter[1].contains_key("useCase"), "{:?}", exact.front_matter);
        }
        // About one copy's worth (the template), plus a quarter for values and the branches
        // of rewritten blocks (only the copies that rewrote a block add its text) and an
        // allowance for file headers.
        let bound = total / copies.len() + total / 4 + 300;
        prop_assert!(written < bound, "wrote {written} bytes for {total} bytes of copies");
    }
}

// ---------------------------------------------------------------------------------------------
// Real groups

fn real_group(name: &str) -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/corpus/groups")
        .join(name);
    let mut out = Vec::new();
    let mut flavours: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    flavours.sort();
    for f in flavours {
        let file = std::fs::read_dir(&f)
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        let text = String::from_utf8(std::fs::read(&file).unwrap()).unwrap();
        out.push((f.file_name().unwrap().to_string_lossy().into_owned(), text));
    }
    out
}

#[test]
fn real_groups_keep_every_law() {
    for name in [
        "disabling-sign-ups",
        "geo-ha",
        "raci",
        "managing-the-dashboard",
    ] {
        let copies = real_group(name);
        let total: usize = copies.iter().map(|c| c.1.len()).sum();
        let (vars, overrides, template, written) = check_laws(&copies);
        eprintln!("{name}: {vars} variables, {overrides} overrides, template {template} B, written {written} B, copies {total} B");
        // Three copies: the template is about one copy, and each rewritten paragraph adds the
        // text of the copies that rewrote it, once. geo-ha's private-cloud copy rewrites most
        // paragraphs, so its template holds close to two copies.
        // Their drift is whole lines: branches on the slug, no override.
        assert_eq!(overrides, 0, "{name}");
        let (num, den) = if name == "geo-ha" { (17, 20) } else { (2, 3) };
        assert!(
            written * den < total * num,
            "{name}: wrote {written} bytes for {total}"
        );
    }
}

#[test]
fn raci_names_the_product_and_the_section() {
    let r = infer::infer("raci", &real_group("raci"), false).unwrap();
    let names: Vec<&str> = r.variables.iter().map(|v| v.name.as_str()).collect();
    assert!(names.contains(&"product"), "{names:?}");
    assert!(names.contains(&"section"), "{names:?}");
    let product = r.variables.iter().find(|v| v.name == "product").unwrap();
    assert_eq!(
        product.values,
        ["PSaaS Appliance", "PSaaS Appliance", "Private SaaS"]
    );
}

#[test]
fn a_front_matter_key_with_a_trailing_space_is_per_variant_front_matter() {
    let a = "---\ntitle: Cloud\ncontentType: \n    - index\n---\n\nCloud runs.\n\nAsk Cloud.\n";
    let b = "---\ntitle: Edge\n---\n\nEdge runs.\n\nAsk Edge.\n";
    let copies = [("cloud", a), ("edge", b)];
    let r = infer::infer("p", &copies, false).unwrap();
    assert!(r.drift.is_empty(), "{:#?}\n{}", r.drift, r.template);
    assert!(
        r.front_matter[0].contains_key("contentType"),
        "{:?}",
        r.front_matter
    );
    assert!(!r.template.contains("contentType"), "{}", r.template);
}

#[test]
fn a_final_newline_only_some_copies_have_stays_a_line_end() {
    // Shrunk from the generated groups once links were tokenised word by word: the final
    // newline only one copy has took the `.` after the link into an override of its own.
    for crlf in [false, true] {
        let g = Group {
            names: vec![vec!["SaaS"], vec!["One"], vec!["SaaS", "One"]],
            blocks: vec![(0, vec![0, 0]); 8],
            rewrites: Vec::new(),
            crlf: vec![crlf; 8],
            final_newline: [false, true, false, false, false, false, false, false].to_vec(),
        };
        check_laws(&render_group(&g).unwrap());
    }
    // The same without a link, and a word whose spacing alone differs.
    check_laws(&[
        ("cloud".into(), "Cloud runs.\n\nAsk the end.".into()),
        ("edge".into(), "Edge runs.\n\nAsk the end.\n".into()),
    ]);
    check_laws(&[
        (
            "cloud".into(),
            "Cloud runs here ab now.\n\nAsk Cloud.\n".into(),
        ),
        (
            "edge".into(),
            "Edge runs here a b now.\n\nAsk Edge.\n".into(),
        ),
    ]);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]
    /// Issue 16, class 6: a product's name or slug is a variable even where the page says it
    /// once (a front-matter `section`, one sentence), not drift of every copy but the first.
    #[test]
    fn a_name_or_slug_said_once_is_a_variable(
        names in prop::collection::vec(
            prop::sample::subsequence(NAME_WORDS, 1..=3).prop_shuffle(),
            2..=8,
        ),
        ws in prop::collection::vec(0usize..64, 4..9),
        crlf in any::<bool>(),
    ) {
        let names: Vec<String> = names.iter().map(|n| n.join(" ")).collect();
        let mut seen = std::collections::HashSet::new();
        prop_assume!(names.iter().all(|n| seen.insert(n.to_lowercase())));
        let s = sentence(&ws);
        let copies: Vec<(String, String)> = names
            .iter()
            .map(|name| {
                let slug = name.to_lowercase().replace(' ', "-");
                let text = format!(
                    "---\nsection: {slug}\ntitle: Overview\n---\n\n# Overview\n\n{s}.\n\nThis page is about {name} and {s}.\n\n```bash\nauth0 backup --all\n```\n"
                );
                let text = if crlf { text.replace('\n', "\r\n") } else { text };
                (slug, text)
            })
            .collect();
        check_laws(&copies);
        for exact in [false, true] {
            let r = infer::infer("page", &copies, exact).unwrap();
            prop_assert!(r.drift.is_empty(), "{:#?}\n{}", r.drift, r.template);
            let slugs: Vec<String> = copies.iter().map(|c| c.0.clone()).collect();
            let section = r.variables.iter().find(|v| v.values == slugs);
            prop_assert_eq!(section.map(|v| v.name.as_str()), Some("section"));
            let product = r.variables.iter().find(|v| v.values == names);
            prop_assert_eq!(product.map(|v| v.name.as_str()), Some("product"));
        }
    }
}

#[test]
fn a_rewritten_code_block_is_one_branch() {
    // Issue 16, class 3: one copy changed a command inside a block: its branch (and the
    // drift without --exact) is the whole block, fences included, never a line of it. The
    // section in the command is a variable: a word on one line cuts no block. The block the
    // other copies share is the default, with the variable.
    let page = |p: &str, s: &str, cmd: &str| {
        format!("# {p}\n\nRun {p} here.\n\n```bash\nauth0 {s} backup\nauth0 {s} {cmd}\n```\n\nAsk {p} in /{s}/help.\n")
    };
    let copies = [
        ("cloud".to_string(), page("Cloud", "cloud", "restore")),
        ("edge".to_string(), page("Edge", "edge", "restore")),
        ("hub".to_string(), page("Hub", "hub", "restore --all")),
    ];
    check_laws(&copies);
    let r = infer::infer("p", &copies, true).unwrap();
    assert_eq!(r.drift.len(), 1, "{}", r.template);
    assert!(
        r.template.contains(
            "\n{{#if (eq slug \"hub\")}}\n```bash\nauth0 hub backup\nauth0 hub restore --all\n```\n\
             {{else}}\n```bash\nauth0 {{section}} backup\nauth0 {{section}} restore\n```\n{{/if}}\n"
        ),
        "{}",
        r.template
    );
    assert!(r.overrides(2).is_empty(), "{:?}", r.overrides(2));
    assert_eq!(
        r.drift[0].values[2],
        "```bash\nauth0 hub backup\nauth0 hub restore --all\n```"
    );
    let plain = infer::infer("p", &copies, false).unwrap();
    assert!(
        plain
            .template
            .contains("```bash\nauth0 {{section}} backup\nauth0 {{section}} restore\n```"),
        "{}",
        plain.template
    );
}

#[test]
fn names_come_from_the_link_text_the_table_row_and_the_term() {
    // Issue 16, class 4: not `after_<word>`: a value in a link is named after the link's
    // text, one in a table row after the row's key, a term used in several places after
    // itself (its capitalised twin with `_capitalised`).
    let page = |p: &str, term: &str, cap: &str, tier: &str, who: &str| {
        format!(
            "# {p}\n\nUse the {term} in {p}. Ask the {cap} team.\n\n## Setup\n\nSee [the {tier} guide](/x/guide) and [the {tier} notes](/x/notes).\n\n| Role | Owner |\n|---|---|\n| Backup | {who} |\n| Restore | {who} |\n\n## New {cap}\n\nEvery {term} is an {term} of {p}.\n"
        )
    };
    let copies = [
        (
            "cloud".to_string(),
            page("Cloud", "application", "Application", "basic", "Auth0 team"),
        ),
        (
            "edge".to_string(),
            page("Edge", "client", "Client", "premium", "customer team"),
        ),
    ];
    check_laws(&copies);
    let r = infer::infer("p", &copies, false).unwrap();
    let name_of = |v: &str| {
        r.variables
            .iter()
            .find(|x| x.values[0] == v)
            .map(|x| x.name.clone())
            .unwrap_or_else(|| panic!("no variable for {v}: {:#?}", r.variables))
    };
    assert_eq!(name_of("Cloud"), "product");
    assert_eq!(name_of("application"), "application");
    assert_eq!(name_of("basic"), "guide_link");
    assert_eq!(name_of("Auth0"), "backup_row");
    assert!(r.drift.is_empty(), "{:#?}", r.drift);
}

#[test]
fn a_capitalisation_difference_is_drift_not_a_variable() {
    // One copy lower-cases a word in two places: recurring, but the copy's style, not a
    // product's word. A `{{one}}` variable would mean nothing to a writer.
    let page = |p: &str, one: &str| {
        format!("# {p}\n\n{one} load balancer in front of {p}.\n\n{one} primary data center.\n")
    };
    let copies = [
        ("cloud".to_string(), page("Cloud", "One")),
        ("edge".to_string(), page("Edge", "One")),
        ("hub".to_string(), page("Hub", "one")),
    ];
    check_laws(&copies);
    let r = infer::infer("p", &copies, false).unwrap();
    let names: Vec<&str> = r.variables.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["product"], "{}", r.template);
    assert!(
        r.template.contains("\nOne primary data center.\n"),
        "{}",
        r.template
    );
    assert_eq!(r.drift.len(), 2, "{:#?}", r.drift);
    assert!(r.drift.iter().all(|d| d.deviating == [2]), "{:#?}", r.drift);
}

#[test]
fn names_that_share_a_word_are_whole_names() {
    // `One SaaS` and `Private SaaS` share their last word: the variable is the whole name,
    // never `One` / `Private` with `SaaS` left in the text.
    let page = |p: &str| {
        format!("# {p} Guide\n\nThe {p} runs here. Install {p} first.\n\nSee [the {p} docs](/x/index).\n")
    };
    let copies = [
        ("one-saas".to_string(), page("One SaaS")),
        ("private-saas".to_string(), page("Private SaaS")),
    ];
    check_laws(&copies);
    let r = infer::infer("p", &copies, false).unwrap();
    assert_eq!(r.variables.len(), 1, "{}", r.template);
    assert_eq!(r.variables[0].name, "product");
    assert_eq!(r.variables[0].values, ["One SaaS", "Private SaaS"]);
    assert!(r.drift.is_empty(), "{:#?}", r.drift);
}

#[test]
fn a_product_name_found_once_is_a_variable_when_a_slug_spells_one_of_its_values() {
    // Issue 16, class 6: `Private SaaS` is what the `private-saas` slug spells, so the value
    // set is the products' names even where it occurs once and the other slugs spell
    // nothing (`appliance` and `customer-hosted` are both the `PSaaS Appliance`).
    let page = |p: &str| {
        format!("# Disabling Sign-Ups\n\nDisabling sign-ups keeps strangers out of your {p}. Invite co-administrators by hand.\n")
    };
    let copies = [
        ("appliance".to_string(), page("PSaaS Appliance")),
        ("customer-hosted".to_string(), page("PSaaS Appliance")),
        ("private-saas".to_string(), page("Private SaaS")),
    ];
    check_laws(&copies);
    let r = infer::infer("p", &copies, false).unwrap();
    assert_eq!(r.variables.len(), 1, "{}", r.template);
    assert_eq!(r.variables[0].name, "product");
    assert!(r.drift.is_empty(), "{:#?}", r.drift);
    // But another product's name in one copy is that copy's edit, not its name.
    let copies = [
        ("appliance".to_string(), page("Appliance")),
        ("psaas-appliance".to_string(), page("Appliance")),
        ("private-saas".to_string(), page("Private SaaS")),
    ];
    let r = infer::infer("p", &copies, false).unwrap();
    assert!(r.variables.is_empty(), "{:?}\n{}", r.variables, r.template);
}
