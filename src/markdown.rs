//! The one Markdown front end: how docvar reads a page body before pulldown-cmark sees it
//! (`:::` container fences and broken-comment lines masked, offsets kept) and with which
//! parser options. The block model and both exports read pages only through [`Body`].

use pulldown_cmark::{Options, Parser};

/// Whether `line` (at byte `at` of `body`) opens an HTML comment that is never closed, or
/// that another `<!--` opens again before it closes: a broken comment, which would otherwise
/// swallow everything up to some later comment's `-->` (a whole table, the rest of the page).
fn opens_broken_comment(body: &str, at: usize, line: &str) -> bool {
    let Some(open) = line.rfind("<!--") else {
        return false;
    };
    if line[open + 4..].contains("-->") {
        return false;
    }
    let rest = &body[at + line.len()..];
    match (rest.find("-->"), rest.find("<!--")) {
        (None, _) => true,
        (Some(close), Some(again)) => again < close,
        (Some(_), None) => false,
    }
}

/// Replaces `:::` container fences (`::: note`, `:::`) with spaces so their contents parse
/// as ordinary Markdown while every byte offset stays where it was. A line opening a broken
/// HTML comment is masked the same way (and compared as a raw block of its own), so the
/// damage stays on that line.
fn mask_containers(body: &str) -> (String, Vec<std::ops::Range<usize>>) {
    let mut out = String::with_capacity(body.len());
    let mut masked = Vec::new();
    let mut fence: Option<&str> = None;
    for line in body.split_inclusive('\n') {
        let t = line.trim_start();
        match fence {
            Some(f) if t.starts_with(f) => fence = None,
            Some(_) => {}
            None if t.starts_with("```") => fence = Some("```"),
            None if t.starts_with("~~~") => fence = Some("~~~"),
            None => {}
        }
        let is_container = fence.is_none()
            && t.starts_with(":::")
            && t[3..]
                .trim()
                .chars()
                .all(|c| !c.is_whitespace() || c == ' ')
            && line.len() - t.len() < 4;
        let is_container =
            is_container || (fence.is_none() && opens_broken_comment(body, out.len(), line));
        if is_container {
            masked.push(out.len()..out.len() + line.trim_end_matches(['\n', '\r']).len());
            for c in line.chars() {
                // One space per byte, so every later byte offset stays where it was.
                let r = if c == '\n' || c == '\r' { c } else { ' ' };
                out.extend(std::iter::repeat_n(r, c.len_utf8()));
            }
        } else {
            out.push_str(line);
        }
    }
    (out, masked)
}

/// A page body as docvar reads Markdown: container fences and broken-comment lines masked
/// (see [`mask_containers`]). The one front end of the block model and both exports, so they
/// agree on what a page says.
pub(crate) struct Body {
    /// The body with masked lines blanked, byte offsets unchanged.
    text: String,
    /// The masked lines' byte ranges in the body.
    pub(crate) masked: Vec<std::ops::Range<usize>>,
}

impl Body {
    pub(crate) fn new(body: &str) -> Body {
        let (text, masked) = mask_containers(body);
        Body { text, masked }
    }

    /// The pulldown-cmark parser with docvar's options (tables, strikethrough).
    pub(crate) fn parser(&self) -> Parser<'_> {
        let mut opts = Options::empty();
        opts.insert(Options::ENABLE_TABLES);
        opts.insert(Options::ENABLE_STRIKETHROUGH);
        Parser::new_ext(&self.text, opts)
    }
}
