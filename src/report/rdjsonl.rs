//! `--format rdjsonl`: reviewdog's diagnostic format, one JSON object per line. Each
//! diagnostic carries a suggestion that replaces the copy's lines with the template's text,
//! so `reviewdog -reporter=github-pr-review` offers it as a one-click "commit suggestion".

use std::collections::HashMap;
use std::io::{self, Write};

use serde_json::{json, Value};

use crate::drift::{Hunk, HunkKind, PageReport};
use crate::report::{kind_name, location_text, marked, sarif::lines_of, Options};

/// Whole lines `a..=b` (reviewdog reads a range without columns as whole lines).
fn range([a, b]: [usize; 2]) -> Value {
    json!({ "start": { "line": a }, "end": { "line": b } })
}

/// What the copy's lines should become. A moved block has two places to fix, which one
/// suggestion cannot say: none. `expected` is the template's text for the hunk (for a removed
/// hunk, of every removed hunk going in at its anchor, so their suggestions do not clash).
fn suggestion(p: &PageReport, h: &Hunk, expected: Option<&str>) -> Option<Value> {
    match h.kind {
        HunkKind::Changed => Some(json!({
            "range": range(h.published_lines?),
            "text": h.expected.as_deref()?.trim_end_matches('\n'),
        })),
        // The lines go: an empty replacement.
        HunkKind::Added => Some(json!({ "range": range(h.published_lines?), "text": "" })),
        // The template's text goes in before the anchor line (after the last line at the end),
        // written as a replacement of that line, which is what a review suggestion can do.
        HunkKind::Removed => {
            let expected = expected?.trim_end_matches('\n');
            let lines: Vec<&str> = p.published_text.lines().collect();
            if lines.is_empty() {
                return None;
            }
            let text = if h.anchor >= 1 && h.anchor <= lines.len() {
                format!("{expected}\n{}", lines[h.anchor - 1])
            } else {
                format!("{}\n{expected}", lines[lines.len() - 1])
            };
            let line = h.anchor.clamp(1, lines.len());
            Some(json!({ "range": range([line, line]), "text": text }))
        }
        HunkKind::Moved => None,
    }
}

fn diagnostic(p: &PageReport, h: &Hunk, expected: Option<&str>, opts: &Options) -> Value {
    let message = format!(
        "docvar: {} drift in {} ({}): {}\n{}",
        kind_name(h.kind),
        p.page,
        p.variant,
        location_text(h),
        marked(&h.words, 8)
    );
    let mut d = json!({
        "message": message,
        "location": {
            "path": opts.relative(&p.published),
            "range": range(lines_of(p, h)),
        },
        "severity": "WARNING",
        "source": { "name": "docvar" },
        "code": { "value": format!("drift/{}", kind_name(h.kind)) },
    });
    if let Some(s) = suggestion(p, h, expected) {
        d["suggestions"] = json!([s]);
    }
    d
}

/// One diagnostic per hunk, one per line.
pub fn page(p: &PageReport, opts: &Options, out: &mut dyn Write) -> io::Result<()> {
    // Removed hunks going in at one line: the first one's suggestion inserts them all.
    let mut at: HashMap<usize, String> = HashMap::new();
    for h in p.hunks.iter().filter(|h| h.kind == HunkKind::Removed) {
        let text = at.entry(h.anchor).or_default();
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(h.expected.as_deref().unwrap_or("").trim_end_matches('\n'));
    }
    for h in &p.hunks {
        let expected = match h.kind {
            HunkKind::Removed => at.remove(&h.anchor),
            _ => h.expected.clone(),
        };
        serde_json::to_writer(&mut *out, &diagnostic(p, h, expected.as_deref(), opts))?;
        writeln!(out)?;
    }
    Ok(())
}
