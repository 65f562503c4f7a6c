//! Printers over the block model: the help center's plain text, and HTML.
//!
//! Plain text: front matter dropped; headings, paragraphs and rows as bare text; bullets as
//! `  • item` (two more spaces per nesting level); a table as one line per row, cells joined
//! by one space; no line ends in a space; one blank line between blocks, none inside a list or a
//! table.

use crate::document::{Block, BlockKind, Document};
use crate::frontmatter;
use crate::markdown::Body;

/// The plain text of a page plus, for each output line, the index of the block it came from.
pub struct Text {
    /// The plain text, ending in one newline (empty for a page with no text).
    pub text: String,
    /// Per output line: the block index in the document, `None` for blank separator lines.
    pub blocks: Vec<Option<usize>>,
}

fn block_lines(b: &Block) -> Vec<String> {
    match b.kind {
        BlockKind::FrontMatter | BlockKind::Rule | BlockKind::Raw => Vec::new(),
        BlockKind::TableRow => vec![b.cells.join(" ")],
        BlockKind::ListItem => {
            let indent = "  ".repeat(b.level.max(1));
            let marker = match b.number {
                Some(n) => format!("{n}. "),
                None => "• ".to_string(),
            };
            let pad = " ".repeat(marker.chars().count());
            b.text
                .lines()
                .enumerate()
                .map(|(i, l)| {
                    if i == 0 {
                        format!("{indent}{marker}{l}")
                    } else {
                        format!("{indent}{pad}{}", l.trim_start())
                    }
                })
                .collect()
        }
        BlockKind::Code => b.text.lines().map(str::to_string).collect(),
        BlockKind::Heading | BlockKind::Paragraph => {
            b.text.lines().map(|l| l.trim().to_string()).collect()
        }
    }
}

/// Plain text of a parsed page, with the block behind each line.
pub fn text(doc: &Document) -> Text {
    let mut out = Text {
        text: String::new(),
        blocks: Vec::new(),
    };
    let mut prev: Option<&Block> = None;
    for (i, b) in doc.blocks.iter().enumerate() {
        let lines = block_lines(b);
        if lines.is_empty() {
            continue;
        }
        if let Some(p) = prev {
            let joined = p.group != 0
                && p.group == b.group
                && matches!(b.kind, BlockKind::ListItem | BlockKind::TableRow);
            if !joined {
                out.text.push('\n');
                out.blocks.push(None);
            }
        }
        for l in lines {
            // An empty last cell or list item would end the line in a space: help-center text
            // never does, and the drift check trims line ends, so `--fix` could not keep it.
            out.text.push_str(l.trim_end());
            out.text.push('\n');
            out.blocks.push(Some(i));
        }
        prev = Some(b);
    }
    out
}

/// What `docvar export --to` prints (its values, by clap).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Help-center plain text.
    Text,
    /// An HTML fragment of the body.
    Html,
}

/// A Markdown page in `format`.
pub fn to(markdown: &str, format: Format) -> String {
    match format {
        Format::Text => to_text(markdown),
        Format::Html => to_html(markdown),
    }
}

/// Plain text of a Markdown page (the help center's format).
pub fn to_text(markdown: &str) -> String {
    text(&Document::parse_for_text(markdown)).text
}

/// HTML of a Markdown page's body (front matter dropped), as a fragment. It reads the page as
/// the block model and the text export do: `:::` container fences are not text.
pub fn to_html(markdown: &str) -> String {
    let body = match frontmatter::split(markdown) {
        Some(fm) => &markdown[fm.body_start..],
        None => markdown,
    };
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, Body::new(body).parser());
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_center_format() {
        let md = "---\na: b\n---\n\n# Title\n\n**Bold** and [link](/x).\n\n* one\n* two\n\n|A|B|\n|---|---|\n|c *d*|e|\n";
        assert_eq!(
            to_text(md),
            "Title\n\nBold and link.\n\n  • one\n  • two\n\nA B\nc d e\n"
        );
    }

    /// Found by the drift fuzz law: an empty last cell left "! " in the export, and `--fix`
    /// (which trims line ends) could then never make the copy clean.
    #[test]
    fn no_line_ends_in_a_space() {
        let text = to_text("|a|b|\n|-|-|\n|c||\n\n* \n* x\n");
        assert!(!text.contains(" \n"), "{text:?}");
        assert_eq!(text, "a b\nc\n\n  • x\n");
    }

    #[test]
    fn fast_path_prints_what_the_full_blocks_print() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut pages = 0;
        for dir in ["tests/fixtures/published", "out"] {
            for slug in std::fs::read_dir(root.join(dir)).unwrap() {
                let slug = slug.unwrap().path();
                if !slug.is_dir() {
                    continue;
                }
                for f in std::fs::read_dir(slug).unwrap() {
                    let md = std::fs::read_to_string(f.unwrap().path()).unwrap();
                    assert_eq!(to_text(&md), text(&Document::parse(&md)).text);
                    pages += 1;
                }
            }
        }
        assert!(pages >= 12);
    }

    #[test]
    fn html_drops_container_fences_as_text_does() {
        let md = "# T\n\n::: note\nSee [this](/x).\n:::\n";
        let html = to_html(md);
        assert!(!html.contains(":::"), "{html}");
        assert!(
            html.contains("<p>See <a href=\"/x\">this</a>.</p>"),
            "{html}"
        );
        assert!(!to_text(md).contains(":::"));
    }
}
