//! `--format json`: the report as `docvar-drift/2` JSON: structured locations and notes, each
//! with a ready-to-read `location_text` / `text` beside it.

use std::io::{self, Write};

use serde::Serialize;

use crate::drift::{CopyFormat, CopyStatus, Hunk, HunkKind, Location, Note, Report, Summary, Word};
use crate::render::TemplateLine;
use crate::report::{location_text, note_text};

#[derive(Serialize)]
struct JsonReport<'a> {
    schema: &'a str,
    pages: Vec<JsonPage<'a>>,
    summary: &'a Summary,
    #[serde(skip_serializing_if = "Option::is_none")]
    stale: Option<&'a [crate::baseline::Entry]>,
}

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

/// Writes pretty-printed JSON with a final newline to `out`.
pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let doc = JsonReport {
        schema: report.schema,
        pages: report
            .pages
            .iter()
            .enumerate()
            .map(|(i, p)| JsonPage {
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
                    .map(|(j, h)| {
                        let acc = report.baseline.as_ref().map(|b| {
                            b.accepted.get(i).and_then(|a| a.get(j)).copied() == Some(true)
                        });
                        hunk(h, acc)
                    })
                    .collect(),
            })
            .collect(),
        summary: &report.summary,
        stale: report.baseline.as_ref().map(|b| b.stale.as_slice()),
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
