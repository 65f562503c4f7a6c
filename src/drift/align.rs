//! Block alignment: pairing a copy's blocks with the rendered page's and building hunks.

#[allow(unused_imports)]
use super::*;
/// The block as a location: which section, what kind, and what names it.
pub(crate) fn location(b: &Block) -> Location {
    let mut loc = Location {
        section: if b.kind == BlockKind::FrontMatter {
            Vec::new()
        } else {
            b.section.clone()
        },
        block: Some(b.kind),
        ..Location::default()
    };
    match b.kind {
        BlockKind::FrontMatter => loc.key = Some(b.key.clone()),
        BlockKind::Heading => loc.heading = Some(b.text.clone()),
        BlockKind::Paragraph | BlockKind::ListItem | BlockKind::Raw => {
            loc.text = Some(b.text.clone())
        }
        BlockKind::TableRow if b.header => loc.header_row = true,
        BlockKind::TableRow => loc.row = Some(b.key.clone()),
        BlockKind::Code | BlockKind::Rule => {}
    }
    loc
}

/// Each table's header row by group, found in one scan of the page rather than one per
/// changed row.
pub(crate) fn headers(doc: &Document) -> HashMap<usize, &Block> {
    let mut by_group = HashMap::new();
    for b in &doc.blocks {
        if b.kind == BlockKind::TableRow && b.header {
            by_group.entry(b.group).or_insert(b);
        }
    }
    by_group
}

pub(crate) fn changed_columns(
    headers: &HashMap<usize, &Block>,
    e: &Block,
    p: &Block,
) -> Vec<Column> {
    if e.kind != BlockKind::TableRow || e.raw_cells.len() != p.raw_cells.len() {
        return Vec::new();
    }
    let names = headers
        .get(&e.group)
        .map(|h| h.cells.as_slice())
        .unwrap_or(&[]);
    e.raw_cells
        .iter()
        .zip(&p.raw_cells)
        .enumerate()
        .filter(|(_, (a, b))| a != b)
        .map(|(i, _)| Column {
            index: i + 1,
            name: names.get(i).cloned(),
        })
        .collect()
}

#[derive(Clone, Copy)]
pub(super) enum Pair {
    Both(usize, usize),
    Expected(usize),
    Published(usize),
}

/// Pairs the blocks of one differing region: same kind and key first (in order), then same
/// kind and similar text by position; the rest stay unpaired.
pub(super) fn pair_region(
    exp: &[Block],
    publ: &[Block],
    e: std::ops::Range<usize>,
    p: std::ops::Range<usize>,
    deadline: Instant,
) -> Vec<Pair> {
    let ek: Vec<(BlockKind, &str)> = exp[e.clone()]
        .iter()
        .map(|b| (b.kind, b.key.as_str()))
        .collect();
    let pk: Vec<(BlockKind, &str)> = publ[p.clone()]
        .iter()
        .map(|b| (b.kind, b.key.as_str()))
        .collect();
    let mut pairs = Vec::new();
    for op in capture_diff_slices_deadline(Algorithm::Myers, &ek, &pk, Some(deadline)) {
        let (o, n) = (op.old_range(), op.new_range());
        match op {
            DiffOp::Equal { .. } => {
                for (a, b) in o.zip(n) {
                    pairs.push(Pair::Both(e.start + a, p.start + b));
                }
            }
            _ if o.len() == n.len()
                && o.clone()
                    .zip(n.clone())
                    .all(|(a, b)| exp[e.start + a].kind == publ[p.start + b].kind) =>
            {
                // As many blocks of the same kinds on both sides: each was edited in place.
                for (a, b) in o.zip(n) {
                    pairs.push(Pair::Both(e.start + a, p.start + b));
                }
            }
            _ => {
                // Pair leftovers by kind and resemblance, keeping order.
                let mut used = vec![false; n.len()];
                let mut cursor = 0;
                for a in o {
                    let ea = &exp[e.start + a];
                    // Resemblance is a word diff per candidate (blocks x blocks in a heavily
                    // edited region): past the deadline the rest stay unpaired.
                    let late = Instant::now() > deadline;
                    let found = (cursor..n.len()).filter(|_| !late).find(|&k| {
                        let pb = &publ[p.start + n.start + k];
                        !used[k]
                            && pb.kind == ea.kind
                            && (ea.kind == BlockKind::Heading
                                || similarity(&ea.text, &pb.text, deadline) >= 0.5)
                    });
                    match found {
                        Some(k) => {
                            for (j, u) in used.iter().enumerate().take(k).skip(cursor) {
                                if !u {
                                    pairs.push(Pair::Published(p.start + n.start + j));
                                }
                            }
                            used[k] = true;
                            cursor = k + 1;
                            pairs.push(Pair::Both(e.start + a, p.start + n.start + k));
                        }
                        None => pairs.push(Pair::Expected(e.start + a)),
                    }
                }
                for (k, u) in used.iter().enumerate().skip(cursor) {
                    if !u {
                        pairs.push(Pair::Published(p.start + n.start + k));
                    }
                }
                let _ = cursor;
            }
        }
    }
    pairs
}

pub(super) fn compare_blocks(
    exp: &Document,
    publ: &Document,
    tl: &TemplateLines<'_>,
    deadline: Instant,
) -> Vec<Hunk> {
    let ekeys: Vec<(BlockKind, String)> =
        exp.blocks.iter().map(|b| (b.kind, b.content())).collect();
    let pkeys: Vec<(BlockKind, String)> =
        publ.blocks.iter().map(|b| (b.kind, b.content())).collect();
    let ops = capture_diff_slices_deadline(Algorithm::Myers, &ekeys, &pkeys, Some(deadline));
    let pairs: Vec<Pair> = ops
        .iter()
        .filter(|op| !matches!(op, DiffOp::Equal { .. }))
        .flat_map(|op| {
            pair_region(
                &exp.blocks,
                &publ.blocks,
                op.old_range(),
                op.new_range(),
                deadline,
            )
        })
        .collect();
    // A block missing in one place and present in another moved: pair them up first so the
    // move is one hunk, reported where the block now sits.
    // Each expected-only block takes the first free copy-only block (in pair order) of its
    // kind with the same content, or with the same key (rows, items, headings); queues by
    // content and by key find it without scanning every pair (which was quadratic in the
    // hunks of a heavily edited copy).
    let mut moved_to: Vec<Option<usize>> = vec![None; publ.blocks.len()];
    let mut moved_from = vec![false; exp.blocks.len()];
    let mut order = vec![usize::MAX; publ.blocks.len()];
    let mut by_content: HashMap<(BlockKind, &str), VecDeque<usize>> = HashMap::new();
    let mut by_key: HashMap<(BlockKind, &str), VecDeque<usize>> = HashMap::new();
    for (i, pair) in pairs.iter().enumerate() {
        if let Pair::Published(b) = *pair {
            let p = &publ.blocks[b];
            order[b] = i;
            by_content
                .entry((p.kind, pkeys[b].1.as_str()))
                .or_default()
                .push_back(b);
            by_key
                .entry((p.kind, p.key.as_str()))
                .or_default()
                .push_back(b);
        }
    }
    fn first_free(q: Option<&mut VecDeque<usize>>, moved_to: &[Option<usize>]) -> Option<usize> {
        let q = q?;
        while let Some(&b) = q.front() {
            if moved_to[b].is_none() {
                return Some(b);
            }
            q.pop_front();
        }
        None
    }
    for pair in &pairs {
        let Pair::Expected(a) = *pair else { continue };
        let e = &exp.blocks[a];
        let same_content = first_free(
            by_content.get_mut(&(e.kind, ekeys[a].1.as_str())),
            &moved_to,
        );
        let same_key = if !e.key.is_empty() && e.kind != BlockKind::Paragraph {
            first_free(by_key.get_mut(&(e.kind, e.key.as_str())), &moved_to)
        } else {
            None
        };
        let target = match (same_content, same_key) {
            (Some(x), Some(y)) => Some(if order[x] <= order[y] { x } else { y }),
            (x, y) => x.or(y),
        };
        if let Some(b) = target {
            moved_to[b] = Some(a);
            moved_from[a] = true;
        }
    }
    let equals: Vec<(usize, usize, usize)> = ops
        .iter()
        .filter_map(|op| match *op {
            DiffOp::Equal {
                old_index,
                new_index,
                len,
            } => Some((old_index, new_index, len)),
            _ => None,
        })
        .collect();
    let exp_headers = headers(exp);
    let mut hunks = Vec::new();
    for pair in pairs {
        match pair {
            Pair::Both(a, b) => {
                let (e, p) = (&exp.blocks[a], &publ.blocks[b]);
                if ekeys[a].1 == pkeys[b].1 {
                    continue;
                }
                let mut loc = location(e);
                loc.columns = changed_columns(&exp_headers, e, p);
                if e.kind == BlockKind::Heading && e.level != p.level {
                    loc.level = Some([e.level, p.level]);
                }
                hunks.push(hunk(
                    HunkKind::Changed,
                    loc,
                    Some(e),
                    Some(p),
                    tl,
                    p.lines[0],
                    deadline,
                ));
            }
            Pair::Expected(a) if moved_from[a] => {}
            Pair::Expected(a) => {
                let e = &exp.blocks[a];
                let anchor = anchor_for(publ, &equals, a);
                hunks.push(hunk(
                    HunkKind::Removed,
                    location(e),
                    Some(e),
                    None,
                    tl,
                    anchor,
                    deadline,
                ));
            }
            Pair::Published(b) => {
                let p = &publ.blocks[b];
                match moved_to[b] {
                    Some(a) => {
                        // Where it moved from is the hunk's expected lines, not location.
                        let e = &exp.blocks[a];
                        hunks.push(hunk(
                            HunkKind::Moved,
                            location(e),
                            Some(e),
                            Some(p),
                            tl,
                            p.lines[0],
                            deadline,
                        ));
                    }
                    None => hunks.push(hunk(
                        HunkKind::Added,
                        location(p),
                        None,
                        Some(p),
                        tl,
                        p.lines[0],
                        deadline,
                    )),
                }
            }
        }
    }
    hunks
}

/// The copy line where an expected-only block would go: just after the copy's block that
/// matches the nearest equal block before it.
/// `equals` are the diff's equal runs `(old_index, new_index, len)` in order; the answer
/// comes from the last run starting before `a` (found by binary search, not a scan per hunk).
pub(super) fn anchor_for(publ: &Document, equals: &[(usize, usize, usize)], a: usize) -> usize {
    let before = equals.partition_point(|&(old_index, _, _)| old_index < a);
    for &(old_index, new_index, len) in equals[..before].iter().rev() {
        let last = (old_index + len - 1).min(a - 1);
        let b = new_index + (last - old_index);
        if let Some(p) = publ.blocks.get(b) {
            return p.lines[1] + 1;
        }
    }
    1
}

pub(super) fn hunk(
    kind: HunkKind,
    location: Location,
    e: Option<&Block>,
    p: Option<&Block>,
    tl: &TemplateLines<'_>,
    anchor: usize,
    deadline: Instant,
) -> Hunk {
    // Show the lines as written; blocks were matched on their content.
    let expected = e.map(|b| b.source.clone());
    let published = p.map(|b| b.source.clone());
    let code = e.or(p).is_some_and(|b| b.kind == BlockKind::Code);
    let diff = if code { line_diff } else { word_diff };
    let words = diff(
        expected.as_deref().unwrap_or(""),
        published.as_deref().unwrap_or(""),
        deadline,
    );
    Hunk {
        kind,
        location,
        published_lines: p.map(|b| b.lines),
        expected_lines: e.map(|b| b.lines),
        template: e.and_then(|b| tl.at(b.lines[0])),
        expected,
        published,
        words,
        anchor,
    }
}

pub(super) fn compare_text(
    doc: &Document,
    text: &export::Text,
    published: &str,
    tl: &TemplateLines<'_>,
    opts: &Options,
    deadline: Instant,
) -> Vec<Hunk> {
    let keep = |l: &str| {
        (opts.strict_blank_lines || !l.trim().is_empty())
            && !opts.ignore.iter().any(|re| re.is_match(l))
    };
    let exp: Vec<(usize, &str)> = text
        .text
        .lines()
        .enumerate()
        .filter(|(_, l)| keep(l))
        .map(|(i, l)| (i + 1, l))
        .collect();
    let publ: Vec<(usize, &str)> = published
        .lines()
        .enumerate()
        .filter(|(_, l)| keep(l))
        .map(|(i, l)| (i + 1, l))
        .collect();
    let a: Vec<&str> = exp.iter().map(|x| x.1).collect();
    let b: Vec<&str> = publ.iter().map(|x| x.1).collect();
    let ops = capture_diff_slices_deadline(Algorithm::Myers, &a, &b, Some(deadline));
    let block_of = |line: usize| {
        text.blocks
            .get(line - 1)
            .copied()
            .flatten()
            .map(|i| &doc.blocks[i])
    };
    let mut hunks: Vec<Hunk> = Vec::new();
    for op in &ops {
        let (o, n) = (op.old_range(), op.new_range());
        if let DiffOp::Equal { .. } = op {
            continue;
        }
        let e_lines = (!o.is_empty()).then(|| [exp[o.start].0, exp[o.end - 1].0]);
        let p_lines = (!n.is_empty()).then(|| [publ[n.start].0, publ[n.end - 1].0]);
        let expected = (!o.is_empty()).then(|| a[o.clone()].join("\n"));
        let published_t = (!n.is_empty()).then(|| b[n.clone()].join("\n"));
        // Locate by the expected block at (or just before) the change.
        let at_line = match e_lines {
            Some(l) => Some(l[0]),
            None => o.start.checked_sub(1).map(|i| exp[i].0),
        };
        let block = at_line.and_then(block_of);
        let kind = match op {
            DiffOp::Delete { .. } => HunkKind::Removed,
            DiffOp::Insert { .. } => HunkKind::Added,
            _ => HunkKind::Changed,
        };
        let location = match (block, kind) {
            (Some(b), HunkKind::Added) => Location {
                after: true,
                ..location(b)
            },
            (Some(b), _) => location(b),
            (None, _) => Location::default(),
        };
        let anchor = match p_lines {
            Some(l) => l[0],
            None => n.start.checked_sub(1).map_or(1, |i| publ[i].0 + 1),
        };
        let template = e_lines.and(block).and_then(|b| tl.at(b.lines[0]));
        let words = word_diff(
            expected.as_deref().unwrap_or(""),
            published_t.as_deref().unwrap_or(""),
            deadline,
        );
        hunks.push(Hunk {
            kind,
            location,
            published_lines: p_lines,
            expected_lines: e_lines,
            template,
            expected,
            published: published_t,
            words,
            anchor,
        });
    }
    // Text removed in one place and added in another moved: each removed hunk takes the
    // first added hunk not yet taken with the same text. Queues by text find it without
    // scanning every hunk per removed one (quadratic in a heavily edited copy).
    let mut added: HashMap<&str, VecDeque<usize>> = HashMap::new();
    for (j, h) in hunks.iter().enumerate() {
        if let (HunkKind::Added, Some(t)) = (h.kind, h.published.as_deref()) {
            added.entry(t).or_default().push_back(j);
        }
    }
    let mut taken: Vec<Option<usize>> = vec![None; hunks.len()];
    let mut gone = vec![false; hunks.len()];
    for (i, h) in hunks.iter().enumerate() {
        if h.kind != HunkKind::Removed || gone[i] {
            continue;
        }
        // A removed hunk has expected text; `None` matches only an added hunk without
        // published text, which has none either.
        let Some(t) = h.expected.as_deref() else {
            continue;
        };
        if let Some(j) = added.get_mut(t).and_then(|q| q.pop_front()) {
            taken[i] = Some(j);
            gone[j] = true;
        }
    }
    let mut slots: Vec<Option<Hunk>> = hunks.into_iter().map(Some).collect();
    let mut out = Vec::with_capacity(slots.len());
    for i in 0..slots.len() {
        if gone[i] {
            continue;
        }
        let Some(mut h) = slots[i].take() else {
            continue;
        };
        if let Some(added) = taken[i].and_then(|j| slots[j].take()) {
            h.kind = HunkKind::Moved;
            h.published_lines = added.published_lines;
            h.published = added.published;
            h.anchor = added.anchor;
            h.words = vec![Word {
                op: WordOp::Equal,
                text: h.expected.clone().unwrap_or_default(),
            }];
        }
        out.push(h);
    }
    out
}
