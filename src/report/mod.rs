//! Printers over one [`Report`]: each format turns the same value into text and never
//! analyses. `human` for terminals, `unified` for `git apply`, `json` for tools, `markdown`
//! for pull-request comments, `github` for workflow annotations.

pub mod github;
pub mod html;
pub mod human;
pub mod json;
pub mod markdown;
pub mod unified;

use crate::drift::{Report, Word, WordOp};

/// Output format of `docvar diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Terminal report.
    Human,
    /// A patch for the published copies.
    Unified,
    /// `docvar-drift/1` JSON.
    Json,
    /// A pull-request comment.
    Markdown,
    /// GitHub Actions annotations.
    Github,
    /// A self-contained HTML page for reviewers.
    Html,
}

/// Prints `report` in `format`; `color` applies to `human` only.
pub fn print(report: &Report, format: Format, color: bool) -> String {
    match format {
        Format::Human => human::print(report, color),
        Format::Unified => unified::print(report),
        Format::Json => json::print(report),
        Format::Markdown => markdown::print(report),
        Format::Github => github::print(report),
        Format::Html => html::print(report),
    }
}

/// Words with changes marked `[-deleted-]{+inserted+}` (git's word-diff style), long runs
/// of unchanged words shortened to `…` so the change stays in view.
pub fn marked(words: &[Word], context: usize) -> String {
    let mut out = String::new();
    let n = words.len();
    for (i, w) in words.iter().enumerate() {
        match w.op {
            WordOp::Equal => out.push_str(&elide(&w.text, context, i == 0, i + 1 == n)),
            WordOp::Delete => {
                out.push_str("[-");
                out.push_str(&w.text);
                out.push_str("-]");
            }
            WordOp::Insert => {
                out.push_str("{+");
                out.push_str(&w.text);
                out.push_str("+}");
            }
        }
    }
    out
}

/// Shortens an unchanged run to `context` words at each side that touches a change.
pub fn elide(text: &str, context: usize, first: bool, last: bool) -> String {
    let words: Vec<&str> = text.split(' ').collect();
    let keep_head = if first { 0 } else { context };
    let keep_tail = if last { 0 } else { context };
    if words.len() <= keep_head + keep_tail + 1 || context == usize::MAX {
        return text.to_string();
    }
    let head = words[..keep_head].join(" ");
    let tail = words[words.len() - keep_tail..].join(" ");
    match (keep_head, keep_tail) {
        (0, _) => format!("… {tail}"),
        (_, 0) => format!("{head} …"),
        _ => format!("{head} … {tail}"),
    }
}

/// "1 hunk" / "2 hunks" / "2 copies".
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else if let Some(stem) = word
        .strip_suffix('y')
        .filter(|s| !s.ends_with(['a', 'e', 'o', 'u']))
    {
        format!("{n} {stem}ies")
    } else {
        format!("{n} {word}s")
    }
}

/// `12` or `12-14`.
pub fn span(lines: Option<[usize; 2]>) -> String {
    match lines {
        Some([a, b]) if a == b => a.to_string(),
        Some([a, b]) => format!("{a}-{b}"),
        None => "-".to_string(),
    }
}
