//! Tokens and the word and line diffs inside one changed block.

#[allow(unused_imports)]
use super::*;
pub(super) fn line_similarity(a: &str, b: &str, deadline: Instant) -> f64 {
    let a: Vec<&str> = a.lines().collect();
    let b: Vec<&str> = b.lines().collect();
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let ops = capture_diff_slices_deadline(Algorithm::Myers, &a, &b, Some(deadline));
    let ratio = similar::diff_ratio(&ops, a.len(), b.len()) as f64;
    (ratio * 10_000.0).round() / 10_000.0
}

/// Splits text into diff tokens: whitespace runs, words, and HTML tags. A Markdown link is
/// split into its brackets, the words of its text and its URL (one token), so a changed word
/// in a link's text marks that word; inline code is split into its backticks and its words.
pub fn tokens(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    push_tokens(s, &mut out);
    out
}

pub(super) fn push_tokens<'a>(s: &'a str, out: &mut Vec<&'a str>) {
    let mut i = 0;
    while i < s.len() {
        let rest = &s[i..];
        let c = rest.chars().next().unwrap_or(' ');
        if !c.is_whitespace() {
            if let Some(n) = special(rest, out) {
                i += n;
                continue;
            }
        }
        let len = if c.is_whitespace() {
            rest.find(|c: char| !c.is_whitespace())
                .unwrap_or(rest.len())
        } else {
            let mut n = c.len_utf8();
            for (k, ch) in rest.char_indices().skip(1) {
                if ch.is_whitespace()
                    || (matches!(ch, '[' | '`' | '<' | '!') && special_len(&rest[k..]).is_some())
                {
                    break;
                }
                n = k + ch.len_utf8();
            }
            n
        };
        out.push(&s[i..i + len]);
        i += len;
    }
}

/// Pushes the tokens of a link, inline code or HTML tag at the start of `s`; its length.
pub(super) fn special<'a>(s: &'a str, out: &mut Vec<&'a str>) -> Option<usize> {
    let n = special_len(s)?;
    let start = if s.starts_with("![") { 1 } else { 0 };
    match s[start..].chars().next()? {
        '[' => {
            let close = matching(&s[start..], '[', ']')? + start;
            out.push(&s[..start + 1]);
            push_tokens(&s[start + 1..close], out);
            out.push(&s[close..close + 2]);
            if n - 1 > close + 2 {
                out.push(&s[close + 2..n - 1]);
            }
            out.push(&s[n - 1..n]);
        }
        '`' => {
            let ticks = s.len() - s.trim_start_matches('`').len();
            out.push(&s[..ticks]);
            push_tokens(&s[ticks..n - ticks], out);
            out.push(&s[n - ticks..n]);
        }
        _ => out.push(&s[..n]),
    }
    Some(n)
}

pub(super) fn special_len(s: &str) -> Option<usize> {
    let start = if s.starts_with("![") { 1 } else { 0 };
    match s[start..].chars().next()? {
        '[' => {
            let close = matching(&s[start..], '[', ']')? + start;
            let after = &s[close + 1..];
            if after.starts_with('(') {
                let paren = matching(after, '(', ')')?;
                Some(close + 1 + paren + 1)
            } else {
                None
            }
        }
        '`' if start == 0 => {
            let ticks = s.len() - s.trim_start_matches('`').len();
            let fence = &s[..ticks];
            s[ticks..].find(fence).map(|p| ticks + p + ticks)
        }
        '<' if start == 0 => {
            let end = s.find('>')?;
            let inner = &s[1..end];
            let ok = inner.starts_with(|c: char| c.is_ascii_alphabetic() || c == '/' || c == '!');
            ok.then_some(end + 1)
        }
        _ => None,
    }
}

pub(super) fn matching(s: &str, open: char, close: char) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in s.char_indices() {
        if c == open {
            depth += 1;
        } else if c == close {
            depth = depth.checked_sub(1)?;
            if depth == 0 {
                return Some(i);
            }
        } else if c == '\n' {
            return None;
        }
    }
    None
}

/// Word diff from `expected` to `published`, runs of one operation merged. Words are aligned
/// on the words alone, as `git diff --word-diff` does, each carrying the spaces before it:
/// aligning on the spaces too pairs up spaces rather than words and marks whole phrases.
/// Texts whose words are all equal (a spacing change) are diffed with their spaces.
pub fn word_diff(expected: &str, published: &str, deadline: Instant) -> Vec<Word> {
    let (ta, tb) = (tokens(expected), tokens(published));
    let (ua, ub) = (units(&ta), units(&tb));
    let ka: Vec<&str> = ua.iter().map(|u| u.1).collect();
    let kb: Vec<&str> = ub.iter().map(|u| u.1).collect();
    if ka == kb {
        return diff_tokens(&ta, &tb, deadline);
    }
    let ops = capture_diff_slices_deadline(Algorithm::Myers, &ka, &kb, Some(deadline));
    let mut words: Vec<Word> = Vec::new();
    let mut push = |op: WordOp, us: &[(&str, &str)]| {
        for (ws, tok) in us {
            push_run(&mut words, op, format!("{ws}{tok}"));
        }
    };
    each_run(&ops, &ua, &ub, &mut push);
    // The expected side's trailing spaces, if any, stay unchanged text.
    let tail = &expected[expected.trim_end().len()..];
    if !tail.is_empty() {
        push(WordOp::Equal, &[(tail, "")]);
    }
    group_runs(words)
}

/// Tokens as (spaces before, word) pairs; trailing spaces are left out.
pub(super) fn units<'a>(toks: &[&'a str]) -> Vec<(&'a str, &'a str)> {
    let mut out = Vec::with_capacity(toks.len() / 2 + 1);
    let mut ws = "";
    for t in toks {
        if t.starts_with(char::is_whitespace) {
            ws = t;
        } else {
            out.push((ws, *t));
            ws = "";
        }
    }
    out
}

/// Line diff of a code block: a changed line is marked whole, as code is read by line.
pub fn line_diff(expected: &str, published: &str, deadline: Instant) -> Vec<Word> {
    let a: Vec<&str> = expected.split_inclusive('\n').collect();
    let b: Vec<&str> = published.split_inclusive('\n').collect();
    diff_tokens(&a, &b, deadline)
}

pub(super) fn diff_tokens(a: &[&str], b: &[&str], deadline: Instant) -> Vec<Word> {
    let ops = capture_diff_slices_deadline(Algorithm::Myers, a, b, Some(deadline));
    let mut words: Vec<Word> = Vec::new();
    each_run(&ops, a, b, |op, toks: &[&str]| {
        if !toks.is_empty() {
            push_run(&mut words, op, toks.concat());
        }
    });
    group_runs(words)
}

/// Hands `emit` each operation's slice of `a` or `b` in order, a replacement as a deletion
/// then an insertion: the one walk over a diff's operations for words and lines alike.
fn each_run<T>(ops: &[DiffOp], a: &[T], b: &[T], mut emit: impl FnMut(WordOp, &[T])) {
    for op in ops {
        let (o, n) = (op.old_range(), op.new_range());
        match op {
            DiffOp::Equal { .. } => emit(WordOp::Equal, &a[o]),
            DiffOp::Delete { .. } => emit(WordOp::Delete, &a[o]),
            DiffOp::Insert { .. } => emit(WordOp::Insert, &b[n]),
            DiffOp::Replace { .. } => {
                emit(WordOp::Delete, &a[o]);
                emit(WordOp::Insert, &b[n]);
            }
        }
    }
}

/// Appends `text` to the last word when it has the same operation (runs stay merged).
fn push_run(words: &mut Vec<Word>, op: WordOp, text: String) {
    match words.last_mut() {
        Some(w) if w.op == op => w.text.push_str(&text),
        _ => words.push(Word { op, text }),
    }
}

/// The semantic clean-up pass: an unchanged run of only spaces (or punctuation) between two
/// changes is folded into both sides, and each change region becomes one deletion then one
/// insertion, so `Beginning with` -> `Do not perform backups on` reads as one replaced phrase
/// rather than alternating word pairs. Unchanged words are never folded in, so no more words
/// are marked than a word diff marks.
pub(super) fn group_runs(words: Vec<Word>) -> Vec<Word> {
    let filler = |w: &Word| w.op == WordOp::Equal && !w.text.chars().any(char::is_alphanumeric);
    let mut out: Vec<Word> = Vec::with_capacity(words.len());
    let mut del = String::new();
    let mut ins = String::new();
    let mut i = 0;
    let flush = |out: &mut Vec<Word>, del: &mut String, ins: &mut String| {
        // A replaced phrase's shared leading spaces are unchanged text, not part of the change.
        if !del.is_empty() && !ins.is_empty() {
            let lead = del
                .char_indices()
                .zip(ins.chars())
                .find(|((_, a), b)| !a.is_whitespace() || a != b)
                .map_or(del.len().min(ins.len()), |((i, _), _)| i);
            if lead > 0 && lead < del.len() && lead < ins.len() {
                let spaces: String = del.drain(..lead).collect();
                ins.drain(..lead);
                match out.last_mut() {
                    Some(last) if last.op == WordOp::Equal => last.text.push_str(&spaces),
                    _ => out.push(Word {
                        op: WordOp::Equal,
                        text: spaces,
                    }),
                }
            }
        }
        for (op, text) in [(WordOp::Delete, del), (WordOp::Insert, ins)] {
            if !text.is_empty() {
                out.push(Word {
                    op,
                    text: std::mem::take(text),
                });
            }
        }
    };
    while i < words.len() {
        let w = &words[i];
        match w.op {
            WordOp::Delete => del.push_str(&w.text),
            WordOp::Insert => ins.push_str(&w.text),
            WordOp::Equal => {
                let inside = !(del.is_empty() && ins.is_empty())
                    && filler(w)
                    && words.get(i + 1).is_some_and(|n| n.op != WordOp::Equal);
                if inside {
                    del.push_str(&w.text);
                    ins.push_str(&w.text);
                } else {
                    flush(&mut out, &mut del, &mut ins);
                    match out.last_mut() {
                        Some(last) if last.op == WordOp::Equal => last.text.push_str(&w.text),
                        _ => out.push(w.clone()),
                    }
                }
            }
        }
        i += 1;
    }
    flush(&mut out, &mut del, &mut ins);
    out
}

pub(super) fn similarity(a: &str, b: &str, deadline: Instant) -> f32 {
    let a: Vec<&str> = a.split_whitespace().collect();
    let b: Vec<&str> = b.split_whitespace().collect();
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let ops = capture_diff_slices_deadline(Algorithm::Myers, &a, &b, Some(deadline));
    similar::diff_ratio(&ops, a.len(), b.len())
}
