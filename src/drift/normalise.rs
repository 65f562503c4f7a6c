//! What editors and exporters change without meaning to, undone before comparing.

#[allow(unused_imports)]
use super::*;
/// Undoes what editors and exporters change without meaning to (BOM, CRLF, trailing spaces,
/// final newlines), saying what was undone when `notes` is given.
pub fn normalise(raw: &str, notes: Option<&mut Vec<Note>>) -> String {
    // Most copies need none of it: one final newline, LF only, no BOM, no trailing blanks.
    let clean = raw.len() > 1
        && raw.ends_with('\n')
        && !raw.ends_with("\n\n")
        && !raw.starts_with('\u{feff}')
        && !raw.contains('\r')
        && !raw.contains(" \n")
        && !raw.contains("\t\n");
    if clean {
        return raw.to_string();
    }
    normalise_in_full(raw, notes)
}

pub(super) fn normalise_in_full(raw: &str, mut notes: Option<&mut Vec<Note>>) -> String {
    let mut note = |s: Note| {
        if let Some(n) = notes.as_deref_mut() {
            n.push(s);
        }
    };
    let mut s = raw;
    if let Some(rest) = s.strip_prefix('\u{feff}') {
        note(Note::Bom);
        s = rest;
    }
    let crlf = s.matches("\r\n").count();
    let text = if s.contains('\r') {
        if crlf > 0 {
            note(Note::CrlfLineEndings { lines: crlf });
        } else {
            note(Note::CrLineEndings);
        }
        s.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        s.to_string()
    };
    let mut trailing = 0;
    let mut out = String::with_capacity(text.len());
    for line in text.split('\n') {
        let t = line.trim_end_matches([' ', '\t']);
        if t.len() != line.len() {
            trailing += 1;
        }
        out.push_str(t);
        out.push('\n');
    }
    if trailing > 0 {
        note(Note::TrailingWhitespace { lines: trailing });
    }
    // `split` yields one piece after the last newline; drop the newline added after it.
    out.pop();
    let body = out.trim_end_matches('\n');
    let newlines = out.len() - body.len();
    if !body.is_empty() {
        if newlines == 0 {
            note(Note::MissingFinalNewline);
        } else if newlines > 1 {
            note(Note::ExtraBlankLines {
                lines: newlines - 1,
            });
        }
    }
    let mut result = body.to_string();
    if !result.is_empty() {
        result.push('\n');
    }
    result
}

pub(super) fn blank_ignored(text: &str, ignore: &[Regex]) -> String {
    if ignore.is_empty() {
        return text.to_string();
    }
    text.split_inclusive('\n')
        .map(|l| {
            let body = l.trim_end_matches('\n');
            if ignore.iter().any(|re| re.is_match(body)) {
                &l[body.len()..]
            } else {
                l
            }
        })
        .collect()
}

/// Whether a copy named as plain text is really Markdown: it opens with front matter, or it
/// has Markdown headings together with links, pipe tables or bullets. The help center's plain
/// text has none of these (its bullets are `•`).
pub fn looks_like_markdown(text: &str) -> bool {
    if text.starts_with("---\n")
        && crate::frontmatter::split(text).is_some_and(|fm| !fm.entries.is_empty())
    {
        return true;
    }
    let (mut heading, mut other) = (false, false);
    for line in text.lines() {
        let t = line.trim_start();
        let hashes = t.len() - t.trim_start_matches('#').len();
        heading |= (1..=6).contains(&hashes) && t[hashes..].starts_with(' ');
        other |= t.contains("](")
            || t.starts_with("|---")
            || t.starts_with("|:--")
            || t.starts_with("* ")
            || t.starts_with("::: ");
        if heading && other {
            return true;
        }
    }
    false
}
