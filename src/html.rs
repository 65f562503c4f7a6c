//! Raw HTML inside pages (tables, links, `<code>`, comments) reduced to text with a WHATWG
//! tokenizer: tables become rows of cells, everything else becomes paragraphs of text.

use std::ops::Range;

use std::convert::Infallible;

use html5gum::emitters::callback::{CallbackEmitter, CallbackEvent};
use html5gum::{Span, Tokenizer};

/// What a piece of an HTML fragment is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PieceKind {
    /// A `<tr>`.
    Row {
        /// In `<thead>` or made only of `<th>`.
        header: bool,
        /// Which table of the fragment the row is in (tables are counted in order).
        table: usize,
    },
    /// A run of text outside tables, split at block-level tags.
    Text,
}

/// A row or paragraph found in an HTML fragment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    /// Row or text.
    pub kind: PieceKind,
    /// Plain text of the cells (rows) or of the paragraph (text; one element).
    pub cells: Vec<String>,
    /// Source of each cell between its tags (rows only).
    pub raw_cells: Vec<String>,
    /// Byte range of the piece in the fragment.
    pub range: Range<usize>,
}

const BLOCK_TAGS: &[&str] = &[
    "p",
    "div",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "section",
    "article",
    "header",
    "footer",
    "dl",
    "dt",
    "dd",
    "hr",
    "caption",
];

/// Collapses runs of whitespace to one space and trims, as a browser lays out text.
pub fn collapse_ws(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

struct Cell {
    text: String,
    raw_start: usize,
}

struct Row {
    start: usize,
    /// End of the last cell's end tag: where the row ends when no `</tr>` closes it.
    end: Option<usize>,
    header: bool,
    all_th: bool,
    cells: Vec<String>,
    raw_cells: Vec<String>,
}

impl Row {
    /// A row opened at byte `start` (by `<tr>`, or by a cell outside any row).
    fn new(start: usize, header: bool) -> Row {
        Row {
            start,
            end: None,
            header,
            all_th: true,
            cells: Vec::new(),
            raw_cells: Vec::new(),
        }
    }
}

#[derive(Default)]
struct Reducer<'a> {
    src: &'a str,
    pieces: Vec<Piece>,
    text: String,
    text_range: Option<Range<usize>>,
    tables: usize,
    in_thead: bool,
    row: Option<Row>,
    cell: Option<Cell>,
    in_script: bool,
}

impl Reducer<'_> {
    fn flush_text(&mut self) {
        let text = self
            .text
            .split('\n')
            .map(collapse_ws)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("\n");
        if let (false, Some(range)) = (text.is_empty(), self.text_range.take()) {
            self.pieces.push(Piece {
                kind: PieceKind::Text,
                cells: vec![text],
                raw_cells: Vec::new(),
                range,
            });
        }
        self.text.clear();
        self.text_range = None;
    }

    fn end_cell(&mut self, at: usize) {
        if let (Some(cell), Some(row)) = (self.cell.take(), self.row.as_mut()) {
            row.cells.push(collapse_ws(&cell.text));
            let raw = self.src.get(cell.raw_start..at).unwrap_or("");
            row.raw_cells.push(raw.trim().to_string());
        }
    }

    /// Ends the open row at `at`; `explicit` when a `</tr>` ends it. A row nothing closes
    /// (a lost or broken `</tr>`) ends with its last cell, so the lines after it stay markup
    /// of their own.
    fn end_row(&mut self, at: usize, explicit: bool) {
        self.end_cell(at);
        if let Some(row) = self.row.take() {
            let at = match row.end {
                Some(end) if !explicit => end.min(at),
                _ => at,
            };
            if !row.cells.is_empty() {
                self.pieces.push(Piece {
                    kind: PieceKind::Row {
                        header: row.header || row.all_th,
                        table: self.tables,
                    },
                    cells: row.cells,
                    raw_cells: row.raw_cells,
                    range: row.start..at,
                });
            }
        }
    }

    fn push_text(&mut self, s: &str, span: Range<usize>) {
        if self.in_script {
            // Script and style bodies are not text a reader sees.
        } else if let Some(cell) = self.cell.as_mut() {
            cell.text.push_str(s);
        } else if self.row.is_some() {
            // Whitespace between cells.
        } else {
            if !s.trim().is_empty() {
                // The piece spans its text, not the whitespace (and so the lines) around it.
                let src = self.src.get(span.clone()).unwrap_or("");
                let (lead, trail) = if src.trim().is_empty() {
                    (0, 0)
                } else {
                    (
                        src.len() - src.trim_start().len(),
                        src.len() - src.trim_end().len(),
                    )
                };
                let span = span.start + lead..span.end - trail;
                match self.text_range.as_mut() {
                    Some(r) => r.end = span.end,
                    None => self.text_range = Some(span),
                }
            }
            self.text.push_str(s);
        }
    }

    fn line_break(&mut self) {
        match self.cell.as_mut() {
            Some(cell) => cell.text.push(' '),
            None => self.text.push('\n'),
        }
    }

    fn start_tag(&mut self, name: &str, span: Range<usize>) {
        match name {
            "table" => {
                self.flush_text();
                self.tables += 1;
            }
            "thead" => self.in_thead = true,
            "tbody" | "tfoot" => self.in_thead = false,
            "tr" => {
                self.flush_text();
                self.end_row(span.start, false);
                self.row = Some(Row::new(span.start, self.in_thead));
            }
            "td" | "th" => {
                self.end_cell(span.start);
                if self.row.is_none() {
                    self.flush_text();
                    self.row = Some(Row::new(span.start, self.in_thead));
                }
                if let Some(row) = self.row.as_mut() {
                    row.all_th &= name == "th";
                    row.end = None;
                }
                self.cell = Some(Cell {
                    text: String::new(),
                    raw_start: span.end,
                });
            }
            "br" => self.line_break(),
            "script" | "style" => self.in_script = true,
            n if BLOCK_TAGS.contains(&n) && self.cell.is_none() => self.flush_text(),
            _ => {}
        }
    }

    fn end_tag(&mut self, name: &str, span: Range<usize>) {
        match name {
            "td" | "th" => {
                self.end_cell(span.start);
                if let Some(row) = self.row.as_mut() {
                    row.end = Some(span.end);
                }
            }
            "tr" => self.end_row(span.end, true),
            "table" => {
                self.end_row(span.start, false);
                self.in_thead = false;
            }
            "thead" => self.in_thead = false,
            // The HTML standard parses a stray `</br>` as `<br>`; seed 004 relies on it.
            "br" => self.line_break(),
            "script" | "style" => self.in_script = false,
            n if BLOCK_TAGS.contains(&n) && self.cell.is_none() => self.flush_text(),
            _ => {}
        }
    }
}

/// Splits an HTML fragment into table rows and paragraphs of plain text. A tag broken across
/// lines (an unclosed quote or a missing `>` that swallows the tags on later lines) is cut
/// off at the end of its line and the rest read afresh, so the damage stays on that line.
pub fn reduce(fragment: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut offset = 0;
    // Each cut reads the rest again; past this many, the rest is read as it is.
    for round in 0..=MAX_CUTS {
        let rest = &fragment[offset..];
        let (mut found, broken) = reduce_whole(rest);
        let cut = broken
            .filter(|_| round < MAX_CUTS)
            .and_then(|at| rest[at..].find('\n').map(|i| at + i + 1))
            .filter(|&cut| cut < rest.len());
        if let Some(cut) = cut {
            // Up to the broken line's end; the broken tag there now runs to the end and drops.
            found = reduce_whole(&rest[..cut]).0;
        }
        pieces.extend(found.into_iter().map(|mut p| {
            p.range = p.range.start + offset..p.range.end + offset;
            if let PieceKind::Row { header, table } = p.kind {
                // Tables after a cut count on from those before it.
                p.kind = PieceKind::Row {
                    header,
                    table: table + round * 1_000_000,
                };
            }
            p
        }));
        match cut {
            Some(cut) => offset += cut,
            None => break,
        }
    }
    pieces
}

/// Most broken tags [`reduce`] cuts at in one fragment.
const MAX_CUTS: usize = 64;

/// Whether a tag's source runs over a line end into what reads as another tag.
fn swallows_tags(tag: &str) -> bool {
    let Some(nl) = tag.find('\n') else {
        return false;
    };
    let rest = &tag.as_bytes()[nl..];
    rest.windows(2)
        .any(|w| w[0] == b'<' && (w[1].is_ascii_alphabetic() || w[1] == b'/' || w[1] == b'!'))
}

/// [`reduce`] in one pass of the tokenizer, with where the first tag that swallows tags on
/// later lines starts.
fn reduce_whole(fragment: &str) -> (Vec<Piece>, Option<usize>) {
    let mut broken: Option<usize> = None;
    let mut r = Reducer {
        src: fragment,
        ..Default::default()
    };
    // The tokenizer's events go straight to the reducer, borrowed, rather than through
    // html5gum's DefaultEmitter, which allocates every tag, attribute and string it yields.
    // Tags are taken as that emitter would give them: a start tag when it closes (`>`), spanning
    // from its `<`; attributes, comments, doctypes and parse errors are not needed.
    let mut tag_name: Vec<u8> = Vec::new();
    let mut tag_start = 0;
    let callback = |event: CallbackEvent<'_>, span: Span<usize>| -> Option<Infallible> {
        match event {
            CallbackEvent::OpenStartTag { name } => {
                tag_name.clear();
                tag_name.extend_from_slice(name);
                tag_start = span.start;
            }
            CallbackEvent::CloseStartTag { .. } => {
                let name = std::mem::take(&mut tag_name);
                let tag = fragment.get(tag_start..span.end).unwrap_or("");
                if broken.is_none() && swallows_tags(tag) {
                    broken = Some(tag_start);
                }
                r.start_tag(&lower(&name), tag_start..span.end);
            }
            CallbackEvent::EndTag { name } => {
                let tag = fragment.get(span.start..span.end).unwrap_or("");
                if broken.is_none() && swallows_tags(tag) {
                    broken = Some(span.start);
                }
                r.end_tag(&lower(name), span.start..span.end)
            }
            CallbackEvent::String { value } => {
                r.push_text(&String::from_utf8_lossy(value), span.start..span.end)
            }
            _ => {}
        }
        None
    };
    let mut emitter = CallbackEmitter::new(callback);
    // Lets `<script>`, `<style>` and `<textarea>` content be read as text, not as tags.
    emitter.naively_switch_states(true);
    // The callback yields no tokens, so the first `next` reads the whole fragment.
    Tokenizer::new_with_emitter(fragment, emitter).for_each(|token| {
        let Ok(never) = token;
        match never {}
    });
    let end = fragment.len();
    r.end_row(end, false);
    r.flush_text();
    (r.pieces, broken)
}

/// A tag name as lower-case text, borrowed when it already is (the tokenizer lower-cases
/// ASCII letters itself, so that is every tag in practice).
fn lower(name: &[u8]) -> std::borrow::Cow<'_, str> {
    match String::from_utf8_lossy(name) {
        std::borrow::Cow::Borrowed(s) if !s.bytes().any(|b| b.is_ascii_uppercase()) => {
            std::borrow::Cow::Borrowed(s)
        }
        other => std::borrow::Cow::Owned(other.to_ascii_lowercase()),
    }
}

/// Plain text of an inline HTML snippet inside Markdown (`<a href>`, `</a>`, `<br>`,
/// `<!-- -->`): tags and comments drop out, text and entities stay, a break becomes `\n`.
pub fn inline_text(snippet: &str) -> String {
    let mut out = String::new();
    // As in [`reduce`]: events borrowed, a start tag counted when it closes.
    let mut tag_name: Vec<u8> = Vec::new();
    let callback = |event: CallbackEvent<'_>, _: Span<()>| -> Option<Infallible> {
        match event {
            CallbackEvent::OpenStartTag { name } => {
                tag_name.clear();
                tag_name.extend_from_slice(name);
            }
            CallbackEvent::CloseStartTag { .. } => {
                let name = std::mem::take(&mut tag_name);
                if name == b"br" {
                    out.push('\n');
                }
            }
            CallbackEvent::EndTag { name } if name == b"br" => out.push('\n'),
            CallbackEvent::String { value } => out.push_str(&String::from_utf8_lossy(value)),
            _ => {}
        }
        None
    };
    Tokenizer::new_with_emitter(snippet, CallbackEmitter::new(callback)).for_each(|token| {
        let Ok(never) = token;
        match never {}
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_rows_and_text() {
        let html = "<!-- c -->\n<table>\n<thead><tr><th>A </th><th>B</th></tr></thead>\n<tbody>\n<tr><td>x &amp; y</td><td>1</br>2 <a href=\"/u\">link</a></td></tr>\n</tbody></table>\n<p>After <code>it</code></p>";
        let pieces = reduce(html);
        assert_eq!(pieces.len(), 3);
        assert_eq!(pieces[0].cells, vec!["A", "B"]);
        assert!(matches!(
            pieces[0].kind,
            PieceKind::Row { header: true, .. }
        ));
        assert_eq!(pieces[1].cells, vec!["x & y", "1 2 link"]);
        assert_eq!(pieces[1].raw_cells[1], "1</br>2 <a href=\"/u\">link</a>");
        assert_eq!(pieces[2].cells, vec!["After it"]);
    }

    /// What [`reduce`] and [`inline_text`] gave when they read html5gum's DefaultEmitter
    /// tokens; the borrowed-event versions must give exactly the same.
    fn reference(fragment: &str) -> (Vec<Piece>, String) {
        use html5gum::{DefaultEmitter, Token};
        let mut emitter = DefaultEmitter::<usize>::new_with_span();
        emitter.naively_switch_states(true);
        let mut r = Reducer {
            src: fragment,
            ..Default::default()
        };
        for token in Tokenizer::new_with_emitter(fragment, emitter).flatten() {
            match token {
                Token::StartTag(tag) => {
                    let name = String::from_utf8_lossy(&tag.name).to_ascii_lowercase();
                    r.start_tag(&name, tag.span.start..tag.span.end);
                }
                Token::EndTag(tag) => {
                    let name = String::from_utf8_lossy(&tag.name).to_ascii_lowercase();
                    r.end_tag(&name, tag.span.start..tag.span.end);
                }
                Token::String(s) => {
                    let text = String::from_utf8_lossy(&s.value).into_owned();
                    r.push_text(&text, s.span.start..s.span.end);
                }
                Token::Comment(_) | Token::Doctype(_) | Token::Error(_) => {}
            }
        }
        r.end_row(fragment.len(), false);
        r.flush_text();
        let mut inline = String::new();
        for token in Tokenizer::new(fragment).flatten() {
            match token {
                Token::StartTag(t) if t.name.as_slice() == b"br" => inline.push('\n'),
                Token::EndTag(t) if t.name.as_slice() == b"br" => inline.push('\n'),
                Token::String(s) => inline.push_str(&String::from_utf8_lossy(&s)),
                _ => {}
            }
        }
        (r.pieces, inline)
    }

    proptest::proptest! {
        #[test]
        fn borrowed_events_match_the_default_emitter(
            parts in proptest::collection::vec(proptest::prop_oneof![
                proptest::strategy::Just("<table class=\"t\" class=x>"),
                proptest::strategy::Just("<TABLE>"),
                proptest::strategy::Just("</table>"),
                proptest::strategy::Just("<thead>"),
                proptest::strategy::Just("</thead>"),
                proptest::strategy::Just("<tbody>"),
                proptest::strategy::Just("<tr>"),
                proptest::strategy::Just("</tr>"),
                proptest::strategy::Just("<td>"),
                proptest::strategy::Just("</TD>"),
                proptest::strategy::Just("<th>"),
                proptest::strategy::Just("</th>"),
                proptest::strategy::Just("<br>"),
                proptest::strategy::Just("<br/>"),
                proptest::strategy::Just("</br>"),
                proptest::strategy::Just("<p>"),
                proptest::strategy::Just("</p>"),
                proptest::strategy::Just("<a href=\"/x\">"),
                proptest::strategy::Just("</a>"),
                proptest::strategy::Just("<!-- c -->"),
                proptest::strategy::Just("<!DOCTYPE html>"),
                proptest::strategy::Just("<script>if (a < b) x('</p>')</script>"),
                proptest::strategy::Just("<style>p { }</style>"),
                proptest::strategy::Just("<textarea><b></textarea>"),
                proptest::strategy::Just("&amp; &lt; &#x41; &bogus;"),
                proptest::strategy::Just("\n"),
                proptest::strategy::Just("<"),
                proptest::strategy::Just(">"),
                proptest::strategy::Just("<a"),
                proptest::strategy::Just("</"),
                proptest::strategy::Just("text é ü"),
                proptest::strategy::Just("  "),
            ], 0..40)
        ) {
            let html: String = parts.concat();
            let (pieces, inline) = reference(&html);
            proptest::prop_assert_eq!(reduce_whole(&html).0, pieces);
            proptest::prop_assert_eq!(inline_text(&html), inline);
        }

        #[test]
        fn borrowed_events_match_on_any_text(html in "\\PC{0,80}") {
            let (pieces, inline) = reference(&html);
            proptest::prop_assert_eq!(reduce_whole(&html).0, pieces);
            proptest::prop_assert_eq!(inline_text(&html), inline);
        }
    }

    #[test]
    fn a_row_nothing_closes_ends_with_its_last_cell() {
        let html = "<table>\n<tr>\n<td>a</td>\n</>\n</table>";
        let pieces = reduce(html);
        assert_eq!(pieces.len(), 1);
        assert_eq!(&html[pieces[0].range.clone()], "<tr>\n<td>a</td>");
    }

    #[test]
    fn text_pieces_span_their_text_not_the_lines_around_it() {
        let html = "<table>\n  stray  \n<tr><td>a</td></tr>\n</table>";
        let pieces = reduce(html);
        assert_eq!(&html[pieces[0].range.clone()], "stray");
    }

    #[test]
    fn a_tag_broken_across_lines_is_cut_at_its_line() {
        let html = "<table class=\"t>\n<tr><td>a</td></tr>\n<tr><td><a href=\"/x\">b</a></td></tr>\n</table>";
        let rows: Vec<_> = reduce(html)
            .into_iter()
            .filter(|p| matches!(p.kind, PieceKind::Row { .. }))
            .map(|p| p.cells)
            .collect();
        assert_eq!(rows, vec![vec!["a"], vec!["b"]]);
    }

    #[test]
    fn script_is_not_text() {
        let pieces = reduce("<p>a<script>if (1 < 2) alert('</p>')</script>b</p>");
        assert_eq!(pieces[0].cells, vec!["ab"]);
    }
}
