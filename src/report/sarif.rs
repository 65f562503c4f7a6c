//! `--format sarif`: SARIF 2.1.0 for code scanning: one result per hunk, `ruleId` by kind
//! (`drift/changed`...), on the copy's lines, the copy's path relative to the project.

use std::io::{self, Write};

use serde_json::{json, Value};

use crate::drift::{Hunk, HunkKind, PageReport, Report};
use crate::report::{kind_name, location_text, marked, span, Options};

const KINDS: [HunkKind; 4] = [
    HunkKind::Changed,
    HunkKind::Added,
    HunkKind::Removed,
    HunkKind::Moved,
];

fn rule_id(k: HunkKind) -> String {
    format!("drift/{}", kind_name(k))
}

fn rule(k: HunkKind) -> Value {
    let (name, short) = match k {
        HunkKind::Changed => (
            "DriftChanged",
            "The copy's text differs from its template's.",
        ),
        HunkKind::Added => ("DriftAdded", "The copy has text its template does not."),
        HunkKind::Removed => ("DriftRemoved", "The copy lacks text its template has."),
        HunkKind::Moved => (
            "DriftMoved",
            "The copy has the template's text in another place.",
        ),
    };
    json!({
        "id": rule_id(k),
        "name": name,
        "shortDescription": { "text": short },
        "fullDescription": { "text": format!("{short} Run `docvar diff --fix` to restore the template's text, or update the template.") },
        "defaultConfiguration": { "level": "warning" },
    })
}

/// The copy's lines a hunk is on: its own, or the line where missing text would go (kept
/// inside the file, as code scanning wants).
pub(crate) fn lines_of(p: &PageReport, h: &Hunk) -> [usize; 2] {
    h.published_lines.unwrap_or_else(|| {
        let last = p.published_text.lines().count().max(1);
        let l = h.anchor.clamp(1, last);
        [l, l]
    })
}

fn result(p: &PageReport, h: &Hunk, opts: &Options) -> Value {
    let [start, end] = lines_of(p, h);
    let template = h
        .template
        .as_ref()
        .map(|t| format!(" (template {}:{})", t.file.display(), t.line))
        .unwrap_or_default();
    let text = format!(
        "{} drift in {} ({}): {}; expected line {}{template}\n{}",
        kind_name(h.kind),
        p.page,
        p.variant,
        location_text(h),
        span(h.expected_lines),
        marked(&h.words, 8)
    );
    json!({
        "ruleId": rule_id(h.kind),
        "ruleIndex": KINDS.iter().position(|k| *k == h.kind).unwrap_or(0),
        "level": "warning",
        "message": { "text": text },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": { "uri": opts.relative(&p.published) },
                "region": { "startLine": start, "endLine": end },
            },
        }],
        "properties": {
            "page": p.page,
            "variant": p.variant,
            "location": h.location,
        },
    })
}

/// The SARIF log, pretty-printed.
pub fn write(report: &Report, opts: &Options, out: &mut dyn Write) -> io::Result<()> {
    let results: Vec<Value> = report
        .pages
        .iter()
        .flat_map(|p| p.hunks.iter().map(move |h| (p, h)))
        .map(|(p, h)| result(p, h, opts))
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "docvar",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": KINDS.iter().map(|k| rule(*k)).collect::<Vec<_>>(),
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}
