//! `--format html`: one self-contained page for reviewers: a summary table linking to each
//! drifted copy, then per hunk its location and a side-by-side view with the changed words
//! highlighted. Inline CSS only (no scripts, no external assets); readable on phones, and in
//! dark mode. Everything taken from pages and paths is escaped.

use std::collections::HashSet;

use crate::drift::{CopyFormat, CopyStatus, Hunk, HunkKind, PageReport, Report, Word, WordOp};
use crate::report::{checked_line, entities, location_text, note_text, plural, span};

const STYLE: &str = r#"
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1f2328; --muted: #59636e; --border: #d1d9e0; --panel: #f6f8fa;
  --link: #0969da; --head: #eaeef2;
  --del-bg: #ffebe9; --del-fg: #82071e; --ins-bg: #dafbe1; --ins-fg: #116329;
  --changed: #9a6700; --changed-bg: #fff8c5; --added: #1a7f37; --added-bg: #dafbe1;
  --removed: #cf222e; --removed-bg: #ffebe9; --moved: #0969da; --moved-bg: #ddf4ff;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --border: #3d444d; --panel: #151b23;
    --link: #4493f8; --head: #212830;
    --del-bg: #5c1a1f; --del-fg: #ffdcd7; --ins-bg: #0f4424; --ins-fg: #aff5b4;
    --changed: #e3b341; --changed-bg: #3b2e0a; --added: #3fb950; --added-bg: #0f2e19;
    --removed: #f85149; --removed-bg: #3c1618; --moved: #58a6ff; --moved-bg: #0c2d4f;
  }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--fg);
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  overflow-wrap: anywhere;
}
main { max-width: 1200px; margin: 0 auto; padding: 1.5rem 1.5rem 3rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.3rem; margin: 0 0 .25rem; }
h3 { font-size: 1rem; margin: 0 0 .5rem; font-weight: 600; }
a { color: var(--link); }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: .9em; }
.muted, .lead { color: var(--muted); }
.lead { margin: 0 0 1rem; }
.table-wrap { overflow-x: auto; }
table.summary { width: 100%; border-collapse: collapse; margin: .5rem 0 1rem; }
table.summary caption { text-align: left; font-weight: 600; padding: 0 0 .35rem; }
table.summary th, table.summary td {
  border: 1px solid var(--border); padding: .4rem .6rem; text-align: left; vertical-align: top;
}
table.summary th { background: var(--head); font-weight: 600; }
table.summary td.num, table.summary th.num { text-align: right; white-space: nowrap; }
table.summary td.page, table.summary td.product { white-space: nowrap; }
.status { display: inline-block; padding: 0 .5rem; border-radius: 999px; font-size: .85em; font-weight: 600; white-space: nowrap; }
.status-clean { color: var(--added); background: var(--added-bg); }
.status-drifted { color: var(--changed); background: var(--changed-bg); }
.ok { padding: .75rem 1rem; border-radius: 8px; background: var(--added-bg); color: var(--added); font-weight: 600; }
.legend { margin: 0 0 1.5rem; color: var(--muted); }
section.page { border-top: 2px solid var(--border); padding-top: 1.25rem; margin-top: 2rem; }
section.page .path { margin: 0; }
section.page .stats { margin: .15rem 0 .75rem; color: var(--muted); }
.variant { font-weight: 400; color: var(--muted); }
.notes { margin: 0 0 1rem; padding: .5rem 1rem .5rem 2rem; background: var(--panel); border-radius: 8px; }
.hunk { border: 1px solid var(--border); border-radius: 8px; padding: .75rem 1rem 1rem; margin: 0 0 1rem; }
.kind { display: inline-block; padding: 0 .5rem; margin-right: .35rem; border-radius: 4px; font-size: .8em; font-weight: 700; text-transform: uppercase; letter-spacing: .03em; }
.kind-changed { color: var(--changed); background: var(--changed-bg); }
.kind-added { color: var(--added); background: var(--added-bg); }
.kind-removed { color: var(--removed); background: var(--removed-bg); }
.kind-moved { color: var(--moved); background: var(--moved-bg); }
dl.where { display: flex; flex-wrap: wrap; gap: .15rem 1.25rem; margin: 0 0 .75rem; font-size: .9em; color: var(--muted); }
dl.where div { display: flex; gap: .35rem; min-width: 0; }
dl.where dt { font-weight: 600; flex: none; white-space: nowrap; overflow-wrap: normal; }
dl.where dd { margin: 0; color: var(--fg); min-width: 0; }
.sides { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: .75rem; }
.side { min-width: 0; border: 1px solid var(--border); border-radius: 6px; overflow: hidden; }
.side h4 { margin: 0; padding: .3rem .75rem; font-size: .85em; background: var(--head); border-bottom: 1px solid var(--border); }
.side .text {
  margin: 0; padding: .6rem .75rem; white-space: pre-wrap; overflow-wrap: anywhere; word-break: normal;
  background: var(--panel); min-height: 2.5rem;
}
.side .none { color: var(--muted); font-style: italic; }
del.del { background: var(--del-bg); color: var(--del-fg); text-decoration: line-through; text-decoration-thickness: 1px; border-radius: 3px; }
ins.ins { background: var(--ins-bg); color: var(--ins-fg); text-decoration: underline; text-underline-offset: 2px; border-radius: 3px; }
del.del::before, del.del::after, ins.ins::before, ins.ins::after {
  position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(100%); white-space: nowrap;
}
del.del::before { content: " [only in the template: "; }
ins.ins::before { content: " [only in the published copy: "; }
del.del::after, ins.ins::after { content: "] "; }
.top { font-size: .9em; }
footer { margin-top: 2rem; color: var(--muted); font-size: .9em; }
@media (max-width: 700px) {
  main { padding: 1rem .75rem 2rem; }
  h1 { font-size: 1.35rem; }
  .sides { grid-template-columns: minmax(0, 1fr); }
  .hunk { padding: .6rem .6rem .75rem; }
  table.summary thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(100%); }
  table.summary, table.summary caption, table.summary tbody, table.summary tr { display: block; }
  table.summary tr { border: 1px solid var(--border); border-radius: 8px; margin: 0 0 .6rem; padding: .35rem .6rem; }
  table.summary td, table.summary td.num, table.summary td.page, table.summary td.product {
    display: grid; grid-template-columns: 6.5rem minmax(0, 1fr); gap: .5rem;
    justify-items: start; border: 0; padding: .15rem 0; text-align: left; white-space: normal;
  }
  table.summary td::before { content: attr(data-label); font-weight: 600; color: var(--muted); }
}
"#;

/// Escapes text for HTML content and attribute values.
pub fn escape(s: &str) -> String {
    entities(s, |c, out| match c {
        '"' => out.push_str("&quot;"),
        '\'' => out.push_str("&#39;"),
        c => out.push(c),
    })
}

/// Lowercase ASCII letters and digits, everything else collapsed to single `-`.
fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

fn format_ext(f: CopyFormat) -> &'static str {
    match f {
        CopyFormat::Markdown => "md",
        CopyFormat::Text => "txt",
    }
}

fn format_name(f: CopyFormat) -> &'static str {
    match f {
        CopyFormat::Markdown => "Markdown",
        CopyFormat::Text => "plain text",
    }
}

/// Stable section ids, `drift-<variant>-<page>-<md|txt>`, made unique with `-2`, `-3`…
fn section_ids(report: &Report) -> Vec<String> {
    let mut seen = HashSet::new();
    report
        .pages
        .iter()
        .map(|p| {
            let base = format!(
                "drift-{}-{}-{}",
                slug(&p.variant),
                slug(&p.page),
                format_ext(p.format)
            );
            let mut id = base.clone();
            let mut n = 1;
            while !seen.insert(id.clone()) {
                n += 1;
                id = format!("{base}-{n}");
            }
            id
        })
        .collect()
}

fn kind_name(k: HunkKind) -> &'static str {
    match k {
        HunkKind::Changed => "changed",
        HunkKind::Added => "added",
        HunkKind::Removed => "removed",
        HunkKind::Moved => "moved",
    }
}

fn lines(l: Option<[usize; 2]>) -> String {
    match l {
        Some(_) => span(l),
        None => "—".to_string(),
    }
}

fn percent(similarity: f64) -> String {
    format!("{:.1}%", similarity * 100.0)
}

/// One side of the view: equal words plus this side's own changes (`Delete` on the expected
/// side, `Insert` on the published side) highlighted.
fn side_text(words: &[Word], own: WordOp) -> String {
    let (open, close) = match own {
        WordOp::Delete => ("<del class=\"del\">", "</del>"),
        _ => ("<ins class=\"ins\">", "</ins>"),
    };
    let mut out = String::new();
    for w in words {
        if w.op == WordOp::Equal {
            out.push_str(&escape(&w.text));
        } else if w.op == own {
            out.push_str(open);
            out.push_str(&escape(&w.text));
            out.push_str(close);
        }
    }
    out
}

fn side(
    out: &mut String,
    class: &str,
    title: &str,
    present: bool,
    words: &[Word],
    own: WordOp,
    missing: &str,
) {
    out.push_str(&format!(
        "<div class=\"side {class}\"><h4>{title}</h4><div class=\"text\">"
    ));
    if present {
        out.push_str(&side_text(words, own));
    } else {
        out.push_str(&format!("<span class=\"none\">{missing}</span>"));
    }
    out.push_str("</div></div>\n");
}

fn hunk(out: &mut String, h: &Hunk, id: &str) {
    let kind = kind_name(h.kind);
    out.push_str(&format!(
        "<article class=\"hunk hunk-{kind}\" id=\"{}\">\n",
        escape(id)
    ));
    out.push_str(&format!(
        "<h3><span class=\"kind kind-{kind}\">{kind}</span> <span class=\"location\">{}</span></h3>\n",
        escape(&location_text(h))
    ));
    let template = h
        .template
        .as_ref()
        .map(|t| {
            format!(
                "<code>{}:{}</code>",
                escape(&t.file.display().to_string()),
                t.line
            )
        })
        .unwrap_or_else(|| "—".to_string());
    out.push_str(&format!(
        "<dl class=\"where\"><div><dt>Published lines</dt><dd>{}</dd></div><div><dt>Expected lines</dt><dd>{}</dd></div><div><dt>Template</dt><dd>{template}</dd></div></dl>\n",
        lines(h.published_lines),
        lines(h.expected_lines)
    ));
    out.push_str("<div class=\"sides\">\n");
    side(
        out,
        "expected",
        "Expected (template)",
        h.expected.is_some(),
        &h.words,
        WordOp::Delete,
        "Not in the template: only the published copy has this.",
    );
    side(
        out,
        "published",
        "Published copy",
        h.published.is_some(),
        &h.words,
        WordOp::Insert,
        "Missing from the published copy.",
    );
    out.push_str("</div>\n</article>\n");
}

fn page_section(out: &mut String, p: &PageReport, id: &str) {
    out.push_str(&format!("<section class=\"page\" id=\"{}\">\n", escape(id)));
    out.push_str(&format!(
        "<h2>{} <span class=\"variant\">({})</span></h2>\n",
        escape(&p.page),
        escape(&p.variant)
    ));
    out.push_str(&format!(
        "<p class=\"path\"><code>{}</code></p>\n",
        escape(&p.published)
    ));
    out.push_str(&format!(
        "<p class=\"stats\">{} · {} · similarity {}</p>\n",
        format_name(p.format),
        plural(p.hunks.len(), "hunk"),
        percent(p.similarity)
    ));
    if !p.notes.is_empty() {
        out.push_str("<ul class=\"notes\">\n");
        for n in &p.notes {
            out.push_str(&format!("<li>Note: {}</li>\n", escape(&note_text(n))));
        }
        out.push_str("</ul>\n");
    }
    for (i, h) in p.hunks.iter().enumerate() {
        hunk(out, h, &format!("{id}-hunk-{}", i + 1));
    }
    out.push_str(
        "<p class=\"top\"><a href=\"#summary\">↑ Back to the summary</a></p>\n</section>\n",
    );
}

fn summary_table(out: &mut String, report: &Report, ids: &[String]) {
    out.push_str("<div class=\"table-wrap\">\n<table class=\"summary\" id=\"summary\">\n<caption>Published copies</caption>\n");
    out.push_str("<thead><tr><th scope=\"col\">Page</th><th scope=\"col\">Product / variant</th><th scope=\"col\">Published copy</th><th scope=\"col\">Status</th><th scope=\"col\" class=\"num\">Hunks</th><th scope=\"col\" class=\"num\">Similarity</th></tr></thead>\n<tbody>\n");
    for (p, id) in report.pages.iter().zip(ids) {
        let (page, status) = match p.status {
            CopyStatus::Drifted => (
                format!("<a href=\"#{}\">{}</a>", escape(id), escape(&p.page)),
                "<span class=\"status status-drifted\">drifted</span>",
            ),
            CopyStatus::Clean => (
                escape(&p.page),
                "<span class=\"status status-clean\">clean</span>",
            ),
        };
        out.push_str(&format!(
            "<tr class=\"row-{}\"><td data-label=\"Page\" class=\"page\">{page}</td><td data-label=\"Product\" class=\"product\">{}</td><td data-label=\"Published\"><code>{}</code></td><td data-label=\"Status\">{status}</td><td data-label=\"Hunks\" class=\"num\">{}</td><td data-label=\"Similarity\" class=\"num\">{}</td></tr>\n",
            if p.status == CopyStatus::Drifted { "drifted" } else { "clean" },
            escape(&p.variant),
            escape(&p.published),
            p.hunks.len(),
            percent(p.similarity)
        ));
    }
    out.push_str("</tbody>\n</table>\n</div>\n");
}

/// The whole HTML document.
pub fn print(report: &Report) -> String {
    let s = &report.summary;
    let ids = section_ids(report);
    let mut out =
        String::from("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str("<meta name=\"color-scheme\" content=\"light dark\">\n");
    out.push_str(&format!(
        "<title>docvar drift report: {} drifted of {}</title>\n",
        s.drifted, s.pages
    ));
    out.push_str("<style>");
    out.push_str(STYLE);
    out.push_str("</style>\n</head>\n<body>\n<main>\n<h1>docvar drift report</h1>\n");
    out.push_str(&format!(
        "<p class=\"lead\">{}.</p>\n",
        checked_line(s, "published copy")
    ));
    summary_table(&mut out, report, &ids);
    if s.drifted == 0 {
        out.push_str("<p class=\"ok\">No drift: every published copy matches its template.</p>\n");
    } else {
        out.push_str("<p class=\"legend\">Each hunk shows, on the left, what the template renders for the product and, on the right, the published copy. <del class=\"del\">Struck-through</del> words are only in the template; <ins class=\"ins\">underlined</ins> words are only in the published copy.</p>\n");
        for (p, id) in report.pages.iter().zip(&ids) {
            if p.status == CopyStatus::Drifted {
                page_section(&mut out, p, id);
            }
        }
        out.push_str("<footer><p>Run <code>docvar diff --fix</code> to restore the template's text in the published copies, or update the template.</p></footer>\n");
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::BlockKind;
    use crate::drift::{Hunk, Location, Note};

    fn page(status: CopyStatus, hunks: Vec<Hunk>) -> PageReport {
        PageReport {
            page: "roles-and-responsibilities".into(),
            variant: "private-saas".into(),
            published: "published/<private>/roles.md".into(),
            format: CopyFormat::Markdown,
            status,
            similarity: 0.5,
            notes: vec![Note::MissingFinalNewline],
            hunks,
            expected_text: String::new(),
            published_text: String::new(),
            fixed_text: String::new(),
        }
    }

    #[test]
    fn escape_covers_the_five_characters() {
        assert_eq!(
            escape(r#"<a href="x">&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn script_words_are_escaped() {
        let h = Hunk {
            kind: HunkKind::Changed,
            location: Location {
                section: vec!["para <b>".into()],
                block: Some(BlockKind::Paragraph),
                text: Some("Hello \"there\" & <i>".into()),
                ..Location::default()
            },
            published_lines: Some([3, 3]),
            expected_lines: Some([3, 3]),
            template: None,
            expected: Some("Hello there".into()),
            published: Some("Hello <script>alert(1)</script>".into()),
            words: vec![
                Word {
                    op: WordOp::Equal,
                    text: "Hello ".into(),
                },
                Word {
                    op: WordOp::Delete,
                    text: "there".into(),
                },
                Word {
                    op: WordOp::Insert,
                    text: "<script>alert(1)</script>".into(),
                },
            ],
            anchor: 3,
        };
        let html = print(&Report::new(vec![page(CopyStatus::Drifted, vec![h])]));
        assert!(!html.contains("<script>"), "{html}");
        assert!(
            html.contains("<ins class=\"ins\">&lt;script&gt;alert(1)&lt;/script&gt;</ins>"),
            "{html}"
        );
        assert!(html.contains("<del class=\"del\">there</del>"), "{html}");
        assert!(html.contains("para &lt;b&gt;"));
        assert!(html.contains("published/&lt;private&gt;/roles.md"));
        assert!(html.contains("paragraph &quot;Hello &quot;there&quot; &amp; &lt;i&gt;&quot;"));
        assert!(html.contains("<li>Note: the final newline is missing</li>"));
        assert!(html.contains("href=\"#drift-private-saas-roles-and-responsibilities-md\""));
        assert!(html.contains("id=\"drift-private-saas-roles-and-responsibilities-md\""));
    }

    #[test]
    fn clean_report_is_a_document_with_the_summary() {
        let html = print(&Report::new(vec![page(CopyStatus::Clean, Vec::new())]));
        assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
        assert!(html.ends_with("</html>\n"));
        assert!(html
            .contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"));
        assert!(html.contains("<table class=\"summary\""));
        assert!(html.contains("<span class=\"status status-clean\">clean</span>"));
        assert!(html.contains("No drift"));
        assert!(!html.contains("<section"));
        assert!(!html.contains("href=\"#drift-"));
        assert!(!html.contains("<script"));
        assert_eq!(html.matches("<html").count(), 1);
        assert_eq!(html.matches("</html>").count(), 1);
    }

    #[test]
    fn ids_are_slugs_and_unique() {
        let mut a = page(CopyStatus::Drifted, Vec::new());
        a.variant = "PSaaS Appliance".into();
        let b = a.clone();
        let ids = section_ids(&Report::new(vec![a, b]));
        assert_eq!(
            ids,
            [
                "drift-psaas-appliance-roles-and-responsibilities-md",
                "drift-psaas-appliance-roles-and-responsibilities-md-2"
            ]
        );
    }
}
