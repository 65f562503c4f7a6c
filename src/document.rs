//! The block model every feature shares: a page split into front-matter keys, headings,
//! paragraphs, list items and table rows (pipe and HTML), each with its source lines.
//! The plain-text export prints these blocks; the drift report aligns them.

use pulldown_cmark::{Event, HeadingLevel, Tag, TagEnd, TextMergeWithOffset};
use serde::Serialize;

use crate::frontmatter;
use crate::html::{self, PieceKind};
use crate::markdown::Body;

/// What a block is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockKind {
    /// One top-level front-matter key.
    FrontMatter,
    /// A heading of any level.
    Heading,
    /// A paragraph (also text from raw HTML outside tables, and `::: note` contents).
    Paragraph,
    /// One list item's own text (nested items are blocks of their own).
    ListItem,
    /// One table row, pipe or HTML; header rows have `header` set.
    TableRow,
    /// A fenced or indented code block.
    Code,
    /// A thematic break.
    Rule,
    /// Markup that prints nothing: HTML tags and comments outside table cells, `:::` fences.
    Raw,
}

/// One block of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// What the block is.
    pub kind: BlockKind,
    /// 1-based inclusive line range in the page.
    pub lines: [usize; 2],
    /// The block's source as written (whole lines).
    pub source: String,
    /// Plain text: inline markup reduced; rows' cells joined by one space.
    pub text: String,
    /// What identifies the block across copies: a row's first cell, a key, the text.
    pub key: String,
    /// Heading level, or list nesting depth (1 = top level); 0 otherwise.
    pub level: usize,
    /// Ordered list items: the item's number.
    pub number: Option<u64>,
    /// Table rows: each cell's plain text.
    pub cells: Vec<String>,
    /// Table rows: each cell's source.
    pub raw_cells: Vec<String>,
    /// Table rows: this is the header row.
    pub header: bool,
    /// The table or top-level list the block belongs to (0 for none); consecutive blocks
    /// of one group print without blank lines between them.
    pub group: usize,
    /// Headings above the block, outermost first, without the page title (level 1).
    pub section: Vec<String>,
    /// A pipe-table row: compared on its trimmed cells, so cell padding and outer pipes are a
    /// normalisation; every other block is compared on all of its lines.
    pub pipe_row: bool,
}

impl Block {
    /// What two copies of this block are compared on: every line of its source (trailing
    /// spaces aside), except a pipe-table row's trimmed cells (so `|a|` and `| a |` are one
    /// row). An HTML row keeps its whole source, so text between its cells is compared too.
    pub fn content(&self) -> String {
        match self.kind {
            BlockKind::TableRow if self.pipe_row => pipe_row_content(&self.source),
            _ => self
                .source
                .lines()
                .map(str::trim_end)
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }
}

/// A pipe-table row without the padding around its cells or its outer pipes: every cell is
/// compared, even one past the header's count (which a renderer drops, but a reader of the
/// source sees).
fn pipe_row_content(source: &str) -> String {
    let t = source.trim();
    let t = t.strip_prefix('|').unwrap_or(t);
    let t = match t.strip_suffix('|') {
        Some(rest) if !rest.ends_with('\\') => rest,
        _ => t,
    };
    t.split('|').map(str::trim).collect::<Vec<_>>().join(" | ")
}

/// A page split into blocks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Document {
    /// Blocks in page order.
    pub blocks: Vec<Block>,
}

impl Document {
    /// Splits a Markdown page (with optional front matter) into blocks. Never fails: any
    /// text is some Markdown.
    pub fn parse(text: &str) -> Document {
        Builder::new(text, false).build()
    }

    /// The blocks the plain-text export prints, and only what it reads of them: no
    /// front-matter or markup blocks, and no `source`, `key`, `section` or `raw_cells`.
    /// Printing it gives the same text as printing [`Document::parse`]'s blocks, in a
    /// fraction of the allocations (the generate step's hot path).
    pub(crate) fn parse_for_text(text: &str) -> Document {
        Builder::new(text, true).build()
    }
}

/// Byte offset -> 1-based line.
struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines { starts }
    }
    fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset)
    }
    /// Last line of a range ending (exclusively) at `end`, ignoring a trailing newline.
    fn end_line(&self, start: usize, end: usize) -> usize {
        self.line(end.max(start + 1) - 1)
    }
}

struct Open {
    kind: BlockKind,
    start: usize,
    end: usize,
    text: String,
    level: usize,
    number: Option<u64>,
}

struct List {
    next_number: Option<u64>,
}

/// A table row being read: start, end, header?, plain cells, raw cells.
type OpenRow = (usize, usize, bool, Vec<String>, Vec<String>);

struct Builder<'a> {
    text: &'a str,
    /// Only what the plain-text export needs (see [`Document::parse_for_text`]).
    text_only: bool,
    lines: Lines,
    blocks: Vec<Block>,
    headings: Vec<(usize, String)>,
    /// The headings above the current block, outermost first, without the page title.
    section: Vec<String>,
    groups: usize,
    list_group: usize,
    lists: Vec<List>,
    open: Option<Open>,
    row: Option<OpenRow>,
    cell: Option<(usize, String)>,
    html: Option<usize>,
    table_group: usize,
}

impl<'a> Builder<'a> {
    fn new(text: &'a str, text_only: bool) -> Self {
        Builder {
            text,
            text_only,
            lines: Lines::new(text),
            // About one block per 80 bytes of a typical page: one allocation, not a dozen.
            blocks: Vec::with_capacity(text.len() / 80),
            headings: Vec::new(),
            section: Vec::new(),
            groups: 0,
            list_group: 0,
            lists: Vec::new(),
            open: None,
            row: None,
            cell: None,
            html: None,
            table_group: 0,
        }
    }

    fn update_section(&mut self) {
        if self.text_only {
            return;
        }
        self.section = self
            .headings
            .iter()
            .filter(|(l, _)| *l > 1)
            .map(|(_, t)| t.clone())
            .collect();
    }

    fn source_str(&self, first: usize, last: usize) -> &'a str {
        let text = self.text;
        let start = self.lines.starts[first - 1];
        let end = self.lines.starts.get(last).copied().unwrap_or(text.len());
        text[start..end].trim_end_matches(['\n', '\r'])
    }

    fn source(&self, first: usize, last: usize) -> String {
        self.source_str(first, last).to_string()
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        kind: BlockKind,
        start: usize,
        end: usize,
        text: String,
        level: usize,
        number: Option<u64>,
        cells: (Vec<String>, Vec<String>, bool),
        group: usize,
    ) {
        let first = self.lines.line(start);
        let last = self.lines.end_line(start, end).max(first);
        if self.text_only {
            self.blocks.push(Block {
                kind,
                lines: [first, last],
                source: String::new(),
                text,
                key: String::new(),
                level,
                number,
                cells: cells.0,
                raw_cells: Vec::new(),
                header: cells.2,
                group,
                section: Vec::new(),
                pipe_row: false,
            });
            return;
        }
        let key = match kind {
            BlockKind::TableRow => cells.0.first().cloned().unwrap_or_default(),
            _ => text.clone(),
        };
        self.blocks.push(Block {
            kind,
            lines: [first, last],
            source: self.source(first, last),
            text,
            key,
            level,
            number,
            cells: cells.0,
            raw_cells: cells.1,
            header: cells.2,
            group,
            section: self.section.clone(),
            pipe_row: false,
        });
    }

    fn close_open(&mut self) {
        if let Some(open) = self.open.take() {
            let text = open.text.trim().to_string();
            if text.is_empty() && open.kind != BlockKind::Code {
                return;
            }
            if open.kind == BlockKind::Paragraph
                && holds_table_rows(&self.text[open.start..open.end])
            {
                // An HTML table that Markdown reads as a paragraph (stray text before its first
                // tag, a broken line) is still a table to a browser: its rows stay rows, so the
                // damage stays on the damaged line.
                self.html_block(open.start, open.end);
                return;
            }
            let group = if open.kind == BlockKind::ListItem {
                self.list_group
            } else {
                0
            };
            let text = if open.kind == BlockKind::Code {
                open.text.trim_end_matches('\n').to_string()
            } else {
                text
            };
            self.push(
                open.kind,
                open.start,
                open.end,
                text,
                open.level,
                open.number,
                Default::default(),
                group,
            );
        }
    }

    fn push_text(&mut self, s: &str, end: usize) {
        if let Some((_, cell)) = self.cell.as_mut() {
            cell.push_str(s);
        } else if let Some(open) = self.open.as_mut() {
            open.text.push_str(s);
            open.end = open.end.max(end);
        }
    }

    fn open(&mut self, kind: BlockKind, start: usize, level: usize, number: Option<u64>) {
        self.close_open();
        self.open = Some(Open {
            kind,
            start,
            end: start,
            text: String::new(),
            level,
            number,
        });
    }

    fn build(mut self) -> Document {
        let (body_start, entries) = match frontmatter::split(self.text) {
            Some(fm) => (fm.body_start, fm.entries),
            None => (0, Vec::new()),
        };
        // Front matter prints nothing as text.
        let entries = if self.text_only { Vec::new() } else { entries };
        for e in entries {
            let start = self.lines.starts[e.lines[0] - 1];
            let end = self
                .lines
                .starts
                .get(e.lines[1])
                .copied()
                .unwrap_or(self.text.len());
            let value = e.value.clone();
            self.push(
                BlockKind::FrontMatter,
                start,
                end,
                value,
                0,
                None,
                Default::default(),
                0,
            );
            if let Some(b) = self.blocks.last_mut() {
                b.key = e.key;
            }
        }
        let body = Body::new(&self.text[body_start..]);
        let parser = body.parser().into_offset_iter();
        for (event, range) in TextMergeWithOffset::new(parser) {
            let (start, end) = (range.start + body_start, range.end + body_start);
            self.event(event, start, end);
        }
        self.close_open();
        for r in body.masked {
            self.raw(body_start + r.start, body_start + r.end);
        }
        // Raw blocks were added out of order; everything else is already in page order.
        self.blocks.sort_by_key(|b| b.lines[0]);
        if !self.text_only {
            self.cover_every_line();
        }
        Document {
            blocks: self.blocks,
        }
    }

    /// Every non-blank line no block covers (front-matter fences, a pipe table's delimiter
    /// row, link definitions, an empty list item) becomes a raw block, so every byte of the
    /// page outside blank lines is in some block's source and a change anywhere is drift.
    fn cover_every_line(&mut self) {
        let count = self.lines.starts.len();
        let mut covered = vec![false; count + 1];
        for b in &self.blocks {
            for c in &mut covered[b.lines[0]..=b.lines[1].min(count)] {
                *c = true;
            }
        }
        // One raw block per line, as for HTML markup.
        let lines: Vec<usize> = (1..=count)
            .filter(|&l| !covered[l] && !self.source_str(l, l).trim().is_empty())
            .collect();
        if lines.is_empty() {
            return;
        }
        for line in lines {
            let s = self.lines.starts[line - 1];
            let e = self
                .lines
                .starts
                .get(line)
                .copied()
                .unwrap_or(self.text.len());
            self.raw(s, e);
        }
        self.blocks.sort_by_key(|b| b.lines[0]);
    }

    /// A block for markup that prints nothing, so a change to it is still drift.
    fn raw(&mut self, start: usize, end: usize) {
        if self.text_only {
            // Markup prints nothing as text.
            return;
        }
        let first = self.lines.line(start);
        let section = self
            .blocks
            .iter()
            .rev()
            .find(|b| b.lines[0] <= first)
            .map(|b| b.section.clone())
            .unwrap_or_default();
        self.push(
            BlockKind::Raw,
            start,
            end,
            String::new(),
            0,
            None,
            Default::default(),
            0,
        );
        if let Some(b) = self.blocks.last_mut() {
            b.text = b.source.trim().to_string();
            b.key = b.text.clone();
            b.section = section;
        }
    }

    fn event(&mut self, event: Event<'_>, start: usize, end: usize) {
        if self.html.is_some() {
            if let Event::End(TagEnd::HtmlBlock) = event {
                let html_start = self.html.take().unwrap_or(start);
                self.html_block(html_start, end);
            }
            return;
        }
        match event {
            Event::Start(tag) => self.start(tag, start),
            Event::End(tag) => self.end(tag, end),
            Event::Text(s) => {
                if self.open.is_none() && self.cell.is_none() && self.lists.is_empty() {
                    // Text outside any block (shouldn't happen in CommonMark); keep it visible.
                    self.open(BlockKind::Paragraph, start, 0, None);
                }
                if self.open.is_none() && self.cell.is_none() {
                    self.open_item_continuation(start);
                }
                self.push_text(&s, end);
            }
            Event::Code(t) => self.push_text(&t, end),
            Event::InlineMath(t) | Event::DisplayMath(t) => self.push_text(&t, end),
            Event::InlineHtml(h) | Event::Html(h) => {
                let t = html::inline_text(&h);
                self.push_text(&t, end);
            }
            Event::SoftBreak => self.push_text(" ", end),
            Event::HardBreak => self.push_text("\n", end),
            Event::Rule => {
                self.close_open();
                self.push(
                    BlockKind::Rule,
                    start,
                    end,
                    String::new(),
                    0,
                    None,
                    Default::default(),
                    0,
                );
            }
            Event::TaskListMarker(done) => self.push_text(if done { "[x] " } else { "[ ] " }, end),
            Event::FootnoteReference(_) => {}
        }
    }

    fn open_item_continuation(&mut self, start: usize) {
        if !self.lists.is_empty() {
            let level = self.lists.len();
            self.open(BlockKind::Paragraph, start, level, None);
        }
    }

    fn start(&mut self, tag: Tag<'_>, start: usize) {
        match tag {
            Tag::Paragraph => {
                // A loose list item's first paragraph is the item's own text.
                let in_fresh_item = matches!(&self.open, Some(o) if o.kind == BlockKind::ListItem && o.text.is_empty());
                if !in_fresh_item {
                    let level = self.lists.len();
                    self.open(BlockKind::Paragraph, start, level, None);
                }
            }
            Tag::Heading { level, .. } => {
                self.open(BlockKind::Heading, start, heading_level(level), None);
            }
            Tag::CodeBlock(_) => self.open(BlockKind::Code, start, 0, None),
            Tag::HtmlBlock => {
                self.close_open();
                self.html = Some(start);
            }
            Tag::List(first) => {
                self.close_open();
                if self.lists.is_empty() {
                    self.groups += 1;
                    self.list_group = self.groups;
                }
                self.lists.push(List { next_number: first });
            }
            Tag::Item => {
                let level = self.lists.len();
                let number = self.lists.last_mut().and_then(|l| {
                    let n = l.next_number;
                    l.next_number = n.map(|n| n + 1);
                    n
                });
                self.open(BlockKind::ListItem, start, level, number);
            }
            Tag::Table(_) => {
                self.close_open();
                self.groups += 1;
                self.table_group = self.groups;
            }
            Tag::TableHead => self.row = Some((start, start, true, Vec::new(), Vec::new())),
            Tag::TableRow => self.row = Some((start, start, false, Vec::new(), Vec::new())),
            Tag::TableCell => self.cell = Some((start, String::new())),
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd, end: usize) {
        match tag {
            TagEnd::Paragraph => {
                if matches!(&self.open, Some(o) if o.kind == BlockKind::ListItem) {
                    // Keep the item open: its end is its paragraph's end.
                    if let Some(o) = self.open.as_mut() {
                        o.end = end;
                    }
                    self.close_open();
                } else {
                    if let Some(o) = self.open.as_mut() {
                        o.end = end;
                    }
                    self.close_open();
                }
            }
            TagEnd::Heading(_) => {
                if let Some(o) = self.open.as_mut() {
                    o.end = end;
                    let (level, text) = (o.level, o.text.trim().to_string());
                    self.headings.retain(|(l, _)| *l < level);
                    self.update_section();
                    self.close_open();
                    self.headings.push((level, text));
                    self.update_section();
                }
            }
            TagEnd::CodeBlock => {
                if let Some(o) = self.open.as_mut() {
                    o.end = end;
                }
                self.close_open();
            }
            TagEnd::Item => self.close_open(),
            TagEnd::List(_) => {
                self.close_open();
                self.lists.pop();
            }
            TagEnd::TableCell => {
                if let (Some((cstart, text)), Some(row)) = (self.cell.take(), self.row.as_mut()) {
                    row.3.push(text.trim().to_string());
                    if !self.text_only {
                        row.4.push(self.text[cstart..end].trim().to_string());
                    }
                    row.1 = end;
                }
            }
            TagEnd::TableHead | TagEnd::TableRow => {
                if let Some((start, _, header, cells, raw)) = self.row.take() {
                    let text = cells.join(" ");
                    let group = self.table_group;
                    self.push(
                        BlockKind::TableRow,
                        start,
                        end,
                        text,
                        0,
                        None,
                        (cells, raw, header),
                        group,
                    );
                    if let Some(b) = self.blocks.last_mut() {
                        b.pipe_row = true;
                    }
                }
            }
            _ => {}
        }
    }

    fn html_block(&mut self, start: usize, end: usize) {
        let fragment = &self.text[start..end];
        let pieces = html::reduce(fragment);
        if !self.text_only {
            self.html_raws(start, end, &pieces);
        }
        self.html_pieces(start, pieces);
    }

    /// Lines of an HTML block that no row or paragraph covers (tags, comments) become raw
    /// blocks.
    fn html_raws(&mut self, start: usize, end: usize, pieces: &[html::Piece]) {
        let (first, last) = (self.lines.line(start), self.lines.end_line(start, end));
        let mut covered = vec![false; last + 1 - first];
        for p in pieces {
            let a = self.lines.line(start + p.range.start);
            let b = self
                .lines
                .end_line(start + p.range.start, start + p.range.end);
            for c in covered.iter_mut().take(b + 1 - first).skip(a - first) {
                *c = true;
            }
        }
        // One raw block per line: a change to one tag line is a hunk on that line, not on
        // a run of markup around it.
        let mut raws = Vec::new();
        for (i, c) in covered.iter().enumerate() {
            let line = first + i;
            if !c && !self.source_str(line, line).trim().is_empty() {
                raws.push((line, line));
            }
        }
        for (a, b) in raws {
            let s = self.lines.starts[a - 1];
            let e = self.lines.starts.get(b).copied().unwrap_or(self.text.len());
            self.raw(s, e);
        }
    }

    /// Rows and paragraphs of an HTML block starting at `start`.
    fn html_pieces(&mut self, start: usize, pieces: Vec<html::Piece>) {
        let mut table_groups: Vec<(usize, usize)> = Vec::new();
        for piece in pieces {
            let (s, e) = (start + piece.range.start, start + piece.range.end);
            match piece.kind {
                PieceKind::Row { header, table } => {
                    let group = match table_groups.iter().find(|(t, _)| *t == table) {
                        Some((_, g)) => *g,
                        None => {
                            self.groups += 1;
                            table_groups.push((table, self.groups));
                            self.groups
                        }
                    };
                    let text = piece.cells.join(" ");
                    self.push(
                        BlockKind::TableRow,
                        s,
                        e,
                        text,
                        0,
                        None,
                        (piece.cells, piece.raw_cells, header),
                        group,
                    );
                }
                PieceKind::Text => {
                    let text = piece.cells.join("\n");
                    self.push(
                        BlockKind::Paragraph,
                        s,
                        e,
                        text,
                        0,
                        None,
                        Default::default(),
                        0,
                    );
                }
            }
        }
    }
}

/// Whether Markdown source holds HTML table rows (`<tr>`, `<td>`, `<th>`).
fn holds_table_rows(source: &str) -> bool {
    source.contains('<')
        && ["<tr", "<td", "<th", "<TR", "<TD", "<TH"]
            .iter()
            .any(|t| source.contains(t))
}

fn heading_level(l: HeadingLevel) -> usize {
    l as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_with_lines() {
        let doc = Document::parse(
            "---\na: b\n---\n\n# T\n\n## S\n\nPara **x** [l](/u).\n\n* one\n* two\n  * nested\n\n|H|I|\n|---|---|\n|r *1*|v|\n\n::: note\nInside\n:::\n",
        );
        let kinds: Vec<_> = doc
            .blocks
            .iter()
            .filter(|b| b.kind != BlockKind::Raw)
            .map(|b| (b.kind, b.lines, b.text.as_str()))
            .collect();
        let raw: Vec<_> = doc
            .blocks
            .iter()
            .filter(|b| b.kind == BlockKind::Raw)
            .map(|b| (b.lines[0], b.text.as_str()))
            .collect();
        // Every non-blank line is in a block: the front-matter fences and the delimiter row
        // too, so a change to them is drift.
        assert_eq!(
            raw,
            vec![
                (1, "---"),
                (3, "---"),
                (16, "|---|---|"),
                (19, "::: note"),
                (21, ":::")
            ]
        );
        assert_eq!(
            kinds,
            vec![
                (BlockKind::FrontMatter, [2, 2], "b"),
                (BlockKind::Heading, [5, 5], "T"),
                (BlockKind::Heading, [7, 7], "S"),
                (BlockKind::Paragraph, [9, 9], "Para x l."),
                (BlockKind::ListItem, [11, 11], "one"),
                (BlockKind::ListItem, [12, 12], "two"),
                (BlockKind::ListItem, [13, 13], "nested"),
                (BlockKind::TableRow, [15, 15], "H I"),
                (BlockKind::TableRow, [17, 17], "r 1 v"),
                (BlockKind::Paragraph, [20, 20], "Inside"),
            ]
        );
        let row = doc.blocks.iter().find(|b| b.text == "r 1 v").unwrap();
        assert!(row.pipe_row);
        assert_eq!(row.raw_cells, vec!["r *1*", "v"]);
        assert_eq!(row.section, vec!["S"]);
        assert_eq!(
            crate::drift::headers(&doc)[&row.group].cells,
            vec!["H", "I"]
        );
        let nested = doc.blocks.iter().find(|b| b.text == "nested").unwrap();
        assert_eq!(nested.level, 2);
    }

    #[test]
    fn every_byte_of_an_html_row_is_compared() {
        let a = Document::parse("<table>\n<tr>\n<td>x</td>\n</tr>\n</table>\n");
        let b = Document::parse("<table>\n<tr>\nstray <td>x</td>\n</tr>\n</table>\n");
        let row = |d: &Document| {
            d.blocks
                .iter()
                .find(|b| b.kind == BlockKind::TableRow)
                .unwrap()
                .content()
        };
        assert_ne!(row(&a), row(&b));
    }

    fn kinds_and_lines(doc: &Document) -> Vec<(BlockKind, [usize; 2])> {
        doc.blocks.iter().map(|b| (b.kind, b.lines)).collect()
    }

    #[test]
    fn a_broken_comment_is_a_raw_line_and_the_table_after_it_still_parses() {
        let doc =
            Document::parse("<!-- open\n<table>\n<tr><td>x</td></tr>\n</table>\n<!-- c -->\n");
        assert_eq!(
            kinds_and_lines(&doc),
            vec![
                (BlockKind::Raw, [1, 1]),
                (BlockKind::Raw, [2, 2]),
                (BlockKind::TableRow, [3, 3]),
                (BlockKind::Raw, [4, 4]),
                (BlockKind::Raw, [5, 5]),
            ]
        );
    }

    #[test]
    fn a_table_read_as_a_paragraph_keeps_its_rows() {
        let doc = Document::parse("stray <table>\n    <tr><td>x</td></tr>\n    </table>\n");
        assert!(doc.blocks.iter().any(|b| b.kind == BlockKind::TableRow));
    }

    #[test]
    fn html_table_rows_have_lines() {
        let doc = Document::parse(
            "<table>\n<tr>\n<th>A</th>\n</tr>\n<tr>\n<td>x</td>\n</tr>\n</table>\n",
        );
        assert_eq!(
            kinds_and_lines(&doc),
            vec![
                (BlockKind::Raw, [1, 1]),
                (BlockKind::TableRow, [2, 4]),
                (BlockKind::TableRow, [5, 7]),
                (BlockKind::Raw, [8, 8]),
            ]
        );
        assert!(doc.blocks[1].header);
    }
}
