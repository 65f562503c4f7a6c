//! `--format json`: the report as `docvar-drift/2` JSON: structured locations and notes, each
//! with a ready-to-read `location_text` / `text` beside it.

use std::io::{self, Write};

use serde::Serialize;

use crate::baseline::Entry;
use crate::drift::{
    CopyFormat, CopyStatus, Hunk, HunkKind, Location, Note, PageReport, Summary, Word,
};
use crate::render::TemplateLine;
use crate::report::{location_text, note_text};

#[derive(Serialize)]
struct JsonPage<'a> {
    page: &'a str,
    variant: &'a str,
    published: &'a str,
    format: CopyFormat,
    status: CopyStatus,
    similarity: f64,
    notes: Vec<JsonNote<'a>>,
    hunks: Vec<JsonHunk<'a>>,
}

#[derive(Serialize)]
struct JsonNote<'a> {
    #[serde(flatten)]
    note: &'a Note,
    text: String,
}

#[derive(Serialize)]
struct JsonHunk<'a> {
    kind: HunkKind,
    location: &'a Location,
    location_text: String,
    published_lines: Option<[usize; 2]>,
    expected_lines: Option<[usize; 2]>,
    template: &'a Option<TemplateLine>,
    expected: &'a Option<String>,
    published: &'a Option<String>,
    words: &'a [Word],
    #[serde(skip_serializing_if = "Option::is_none")]
    accepted: Option<bool>,
}

fn hunk(h: &Hunk, accepted: Option<bool>) -> JsonHunk<'_> {
    JsonHunk {
        accepted,
        kind: h.kind,
        location: &h.location,
        location_text: location_text(h),
        published_lines: h.published_lines,
        expected_lines: h.expected_lines,
        template: &h.template,
        expected: &h.expected,
        published: &h.published,
        words: &h.words,
    }
}

/// What [`page`] writes before the first page.
pub fn start(out: &mut dyn Write) -> io::Result<()> {
    write!(
        out,
        "{{\n  \"schema\": \"{}\",\n  \"pages\": [",
        crate::drift::SCHEMA
    )
}

/// One entry of `pages`, indented as `serde_json`'s pretty printer would nest it; `accepted`
/// says which hunks a baseline accepts, when one applies.
pub fn page(
    p: &PageReport,
    accepted: Option<&[bool]>,
    first: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    out.write_all(if first { b"\n    " } else { b",\n    " })?;
    nested(&json_page(p, accepted), "    ", out)
}

fn json_page<'a>(p: &'a PageReport, accepted: Option<&[bool]>) -> JsonPage<'a> {
    JsonPage {
        page: &p.page,
        variant: &p.variant,
        published: &p.published,
        format: p.format,
        status: p.status,
        similarity: p.similarity,
        notes: p
            .notes
            .iter()
            .map(|n| JsonNote {
                note: n,
                text: note_text(n),
            })
            .collect(),
        hunks: p
            .hunks
            .iter()
            .enumerate()
            .map(|(j, h)| hunk(h, accepted.map(|a| a.get(j).copied() == Some(true))))
            .collect(),
    }
}

/// The rest after the last page: the totals and, with a baseline, its stale entries.
pub fn end(
    pages: usize,
    summary: &Summary,
    stale: Option<&[Entry]>,
    out: &mut dyn Write,
) -> io::Result<()> {
    out.write_all(if pages == 0 { b"],\n" } else { b"\n  ],\n" })?;
    out.write_all(b"  \"summary\": ")?;
    nested(summary, "  ", out)?;
    if let Some(stale) = stale {
        out.write_all(b",\n  \"stale\": ")?;
        nested(&stale, "  ", out)?;
    }
    out.write_all(b"\n}\n")
}

/// `value` pretty-printed with every line but the first indented by `indent`, as it reads
/// nested in a pretty-printed document (JSON strings hold no raw newline, so every line break
/// is the printer's own).
fn nested(value: &impl Serialize, indent: &str, out: &mut dyn Write) -> io::Result<()> {
    let text = serde_json::to_string_pretty(value)?;
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.write_all(b"\n")?;
            out.write_all(indent.as_bytes())?;
        }
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drift::{compare, CopyFormat, Options, PublishedCopy};

    /// The whole document as `serde_json` pretty-prints it in one go: what the pieces
    /// written a page at a time must add up to.
    #[derive(Serialize)]
    struct Whole<'a> {
        schema: &'a str,
        pages: Vec<JsonPage<'a>>,
        summary: &'a Summary,
        #[serde(skip_serializing_if = "Option::is_none")]
        stale: Option<&'a [Entry]>,
    }

    fn copy(expected: &str, published: &str) -> PageReport {
        compare(
            expected,
            published,
            CopyFormat::Markdown,
            &[],
            &Options::default(),
        )
        .into_page(PublishedCopy {
            page: "p".into(),
            variant: "v".into(),
            path: "c/p.md".into(),
            format: CopyFormat::Markdown,
        })
    }

    #[test]
    fn pages_written_one_at_a_time_add_up_to_the_pretty_printed_document() {
        let pages = [
            copy("# T\n\nSame.\n", "# T\n\nSame.\n"),
            copy("# T\n\nOne two.\n\n- a\n", "# T\n\nOne three.\n\n- b\n"),
        ];
        let stale = [Entry {
            page: "p".into(),
            variant: "v".into(),
            copy: "c/p.md".into(),
            location: "x".into(),
            kind: "changed".into(),
            fingerprint: "0".into(),
        }];
        let flags: Vec<Vec<bool>> = pages
            .iter()
            .map(|p| (0..p.hunks.len()).map(|i| i == 0).collect())
            .collect();
        for n in 0..=pages.len() {
            for baseline in [false, true] {
                let summary = Summary {
                    pages: n,
                    hunks: 7,
                    accepted: usize::from(baseline),
                    ..Summary::default()
                };
                let accepted = |i: usize| baseline.then(|| flags[i].as_slice());
                let stale = baseline.then_some(&stale[..]);
                let mut streamed = Vec::new();
                start(&mut streamed).unwrap();
                for (i, p) in pages[..n].iter().enumerate() {
                    page(p, accepted(i), i == 0, &mut streamed).unwrap();
                }
                end(n, &summary, stale, &mut streamed).unwrap();
                let whole = Whole {
                    schema: crate::drift::SCHEMA,
                    pages: pages[..n]
                        .iter()
                        .enumerate()
                        .map(|(i, p)| json_page(p, accepted(i)))
                        .collect(),
                    summary: &summary,
                    stale,
                };
                let expected = serde_json::to_string_pretty(&whole).unwrap() + "\n";
                assert_eq!(
                    String::from_utf8(streamed).unwrap(),
                    expected,
                    "{n} pages, baseline {baseline}"
                );
            }
        }
    }
}
