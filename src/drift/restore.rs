//! The fixed copy: only the drifted lines replaced, the copy's own bytes kept elsewhere.

#[allow(unused_imports)]
use super::*;
/// Writes one line and its ending. An empty line ending in `\n` right after a line ending in a
/// lone `\r` would read as one CRLF, so it ends in `\r` too.
pub(super) fn put(out: &mut String, line: &str, end: &str) {
    out.push_str(line);
    if line.is_empty() && out.ends_with('\r') && end.starts_with('\n') {
        out.push('\r');
    } else {
        out.push_str(end);
    }
}

/// One line of a copy: its text and its line ending (`\r\n`, `\n`, `\r` or none).
pub(super) fn split_lines(text: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        match rest.find(['\n', '\r']) {
            Some(i) => {
                let end = if rest[i..].starts_with("\r\n") {
                    i + 2
                } else {
                    i + 1
                };
                out.push((&rest[..i], &rest[i..end]));
                rest = &rest[end..];
            }
            None => {
                out.push((rest, ""));
                rest = "";
            }
        }
    }
    out
}

/// The copy with only the lines that differ from `expected` replaced, keeping what the
/// comparison ignores: lines matching `ignore` stay where they are, unchanged lines keep their
/// bytes (line ending, trailing spaces), new lines take the copy's usual line ending, and the
/// BOM and the final-newline convention stay. A one-word drift in a CRLF copy is a one-line
/// change.
pub fn restore(published_raw: &str, expected: &str, ignore: &[Regex]) -> String {
    let deadline = Instant::now() + Options::default().timeout;
    restore_with(published_raw, expected, ignore, false, deadline)
}

/// [`restore`]; with `keep_blanks`, blank-line-only differences stay as the copy has them
/// too (the smallest patch, but only right where blank lines sit between blocks, so the
/// caller checks the result).
pub(super) fn restore_with(
    published_raw: &str,
    expected: &str,
    ignore: &[Regex],
    keep_blanks: bool,
    deadline: Instant,
) -> String {
    let (bom, body) = match published_raw.strip_prefix('\u{feff}') {
        Some(rest) => ("\u{feff}", rest),
        None => ("", published_raw),
    };
    let lines = split_lines(body);
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for (_, end) in &lines {
        if !end.is_empty() {
            *counts.entry(end).or_default() += 1;
        }
    }
    // The most common ending; ties go to LF, then CRLF.
    let eol = ["\n", "\r\n", "\r"]
        .into_iter()
        .max_by_key(|e| {
            (
                counts.get(e).copied().unwrap_or(0),
                *e == "\n",
                *e == "\r\n",
            )
        })
        .unwrap_or("\n");
    let final_newline = lines.last().is_none_or(|(_, end)| !end.is_empty());
    let key = |l: &str| l.trim_end_matches([' ', '\t']).to_string();
    let ignored: Vec<bool> = lines
        .iter()
        .map(|(l, _)| {
            let k = key(l);
            ignore.iter().any(|re| re.is_match(&k))
        })
        .collect();
    let kept: Vec<usize> = (0..lines.len()).filter(|&i| !ignored[i]).collect();
    let old_keys: Vec<String> = kept.iter().map(|&i| key(lines[i].0)).collect();
    let old: Vec<&str> = old_keys.iter().map(String::as_str).collect();
    let new: Vec<&str> = expected.lines().collect();
    let new_keys: Vec<&str> = new
        .iter()
        .map(|l| l.trim_end_matches([' ', '\t']))
        .collect();
    // Past the deadline the diff is coarser (a bigger patch), never wrong.
    let ops = capture_diff_slices_deadline(Algorithm::Myers, &old, &new_keys, Some(deadline));
    let mut out = String::with_capacity(published_raw.len() + 64);
    out.push_str(bom);
    let mut next = 0; // the next copy line not yet written or dropped
    let emit_ignored_before = |out: &mut String, upto: usize, next: &mut usize| {
        while *next < upto {
            if ignored[*next] {
                let (l, end) = lines[*next];
                put(out, l, if end.is_empty() { eol } else { end });
            }
            *next += 1;
        }
    };
    for op in &ops {
        let (o, n) = (op.old_range(), op.new_range());
        match op {
            DiffOp::Equal { .. } => {
                for j in o {
                    let i = kept[j];
                    emit_ignored_before(&mut out, i, &mut next);
                    let (l, end) = lines[i];
                    put(&mut out, l, if end.is_empty() { eol } else { end });
                    next = i + 1;
                }
            }
            _ => {
                // Only a difference made of blank lines alone keeps the copy's blank lines.
                let keep_blanks = keep_blanks
                    && o.clone().all(|j| old[j].is_empty())
                    && n.clone().all(|k| new_keys[k].is_empty());
                for j in o {
                    let i = kept[j];
                    emit_ignored_before(&mut out, i, &mut next);
                    if keep_blanks {
                        let (l, end) = lines[i];
                        put(&mut out, l, if end.is_empty() { eol } else { end });
                    }
                    next = i + 1;
                }
                for l in new[n].iter().filter(|_| !keep_blanks) {
                    put(&mut out, l, eol);
                }
            }
        }
    }
    emit_ignored_before(&mut out, lines.len(), &mut next);
    if !final_newline && out.ends_with(eol) && out.len() > bom.len() {
        out.truncate(out.len() - eol.len());
    }
    out
}
