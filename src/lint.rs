//! RACI lint: checks the responsibility tables of every rendered page.
//!
//! A RACI table is a table whose header row names the parties: every column after the first
//! (task) column whose body cells hold R, A, C and I letters, optionally followed by a note
//! (`R, A - Auth0 Customer Success Engineer`, `I (in the event that there are issues)`).
//! Free-text columns (`Notes`) are not parties. Each body row must give exactly one party
//! the A, at least one party an R, only the letters R, A, C and I, and every party a letter.
//!
//! The analysis ([`check`], [`check_document`], [`check_markdown`], `parse_cell`) is separate from
//! the printers in [`print`](mod@print), which only format what the analysis found.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::document::{Block, BlockKind, Document};
use crate::error::{Error, Result};
use crate::generate::Selection;
use crate::project::{join, suggest, Project};
use crate::render::{Renderer, TemplateLine};

/// The four RACI letters, in their usual order.
pub const LETTERS: [char; 4] = ['R', 'A', 'C', 'I'];

/// Column headers that name free text, never a party (compared case-insensitively).
const FREE_TEXT_HEADERS: &[&str] = &[
    "notes",
    "note",
    "comments",
    "comment",
    "remarks",
    "details",
    "description",
];

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// No party is Accountable.
    NoAccountable,
    /// More than one party is Accountable.
    SeveralAccountable,
    /// No party is Responsible.
    NoResponsible,
    /// A party cell holds something other than R, A, C or I.
    BadLetter,
    /// A party cell holds no letter.
    EmptyCell,
}

impl Rule {
    /// The rule's name as printed and serialised (`no-accountable`).
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::NoAccountable => "no-accountable",
            Rule::SeveralAccountable => "several-accountable",
            Rule::NoResponsible => "no-responsible",
            Rule::BadLetter => "bad-letter",
            Rule::EmptyCell => "empty-cell",
        }
    }
}

/// One RACI cell, parsed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cell {
    /// The RACI letters, upper-cased, each once, in the order written.
    pub letters: Vec<char>,
    /// The note after the letters (`- …` or `(…)`), without its punctuation.
    pub note: Option<String>,
    /// Whatever stood where a letter should be but is not one (`X`, `RA`, `Owner`).
    pub bad: Vec<String>,
}

impl Cell {
    /// No letter and nothing else where letters belong (the cell may still have a note).
    pub fn is_empty(&self) -> bool {
        self.letters.is_empty() && self.bad.is_empty()
    }

    /// At least one letter and nothing that is not a letter.
    pub fn is_clean(&self) -> bool {
        !self.letters.is_empty() && self.bad.is_empty()
    }

    /// Whether the cell holds `letter`.
    pub fn has(&self, letter: char) -> bool {
        self.letters.contains(&letter)
    }
}

/// Parses a cell's plain text: letters separated by commas, slashes, `&`, `+`, `and` or
/// spaces, then an optional note introduced by `(`, `[`, `:`, `;` or a dash between spaces.
/// Letters are read case-insensitively. A cell of nothing but dashes is empty.
pub(crate) fn parse_cell(text: &str) -> Cell {
    let text = text.trim();
    if text.chars().all(|c| matches!(c, '-' | '–' | '—')) {
        return Cell::default();
    }
    let note_start = ["(", "[", ":", ";", " - ", " – ", " — "]
        .iter()
        .filter_map(|m| text.find(m))
        .min()
        .unwrap_or(text.len());
    let (head, note) = text.split_at(note_start);
    let note = note
        .trim()
        .trim_start_matches(['(', '[', ':', ';', '-', '–', '—'])
        .trim_end_matches([')', ']'])
        .trim();
    let mut cell = Cell {
        note: (!note.is_empty()).then(|| note.to_string()),
        ..Cell::default()
    };
    for token in head.split(|c: char| c.is_whitespace() || matches!(c, ',' | '/' | '&' | '+')) {
        if token.is_empty() || token.eq_ignore_ascii_case("and") {
            continue;
        }
        let mut chars = token.chars();
        match (chars.next().map(|c| c.to_ascii_uppercase()), chars.next()) {
            (Some(c), None) if LETTERS.contains(&c) => {
                if !cell.letters.contains(&c) {
                    cell.letters.push(c);
                }
            }
            _ => cell.bad.push(token.to_string()),
        }
    }
    cell
}

/// A problem in one row of one page's Markdown (before it is tied to a page and variant).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// The row's task: its first cell's plain text.
    pub row: String,
    /// 1-based line of the row's first line.
    pub line: usize,
    /// What is wrong.
    pub rule: Rule,
    /// The party (column header) the issue is about, for cell rules.
    pub party: Option<String>,
    /// Human explanation.
    pub message: String,
}

/// What one page's check looked at.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// RACI tables found.
    pub tables: usize,
    /// Body rows of RACI tables checked.
    pub rows: usize,
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, other: Counts) {
        self.tables += other.tables;
        self.rows += other.rows;
    }
}

fn is_free_text(header: &str) -> bool {
    let h = header.trim().trim_end_matches(':').to_lowercase();
    FREE_TEXT_HEADERS.contains(&h.as_str())
}

/// The party columns of a table (indexes into the cells), or none when it is no RACI table.
fn party_columns(header: &Block, body: &[&Block]) -> Vec<usize> {
    (1..header.cells.len())
        .filter(|&col| {
            if is_free_text(&header.cells[col]) {
                return false;
            }
            let cells: Vec<Cell> = body
                .iter()
                .filter_map(|r| r.cells.get(col))
                .map(|t| parse_cell(t))
                .filter(|c| !c.is_empty())
                .collect();
            let clean = cells.iter().filter(|c| c.is_clean()).count();
            // Most cells must read as RACI so one bad letter is reported, not hidden.
            clean > 0 && clean * 2 >= cells.len()
        })
        .collect()
}

fn quote_list(items: &[String]) -> String {
    items
        .iter()
        .map(|s| format!("{s:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn check_row(row: &Block, parties: &[(usize, &str)]) -> Vec<Issue> {
    let task = row.cells.first().cloned().unwrap_or_default();
    let issue = |rule: Rule, party: Option<&str>, message: String| Issue {
        row: task.clone(),
        line: row.lines[0],
        rule,
        party: party.map(str::to_string),
        message,
    };
    let mut issues = Vec::new();
    let mut accountable = Vec::new();
    let mut responsible = 0;
    let mut shown = Vec::new();
    for &(col, party) in parties {
        let text = row.cells.get(col).map_or("", String::as_str);
        let cell = parse_cell(text);
        if cell.has('A') {
            accountable.push(party.to_string());
        }
        if cell.has('R') {
            responsible += 1;
        }
        if cell.is_empty() {
            issues.push(issue(
                Rule::EmptyCell,
                Some(party),
                format!("{party} has no RACI letter; give every party R, A, C or I"),
            ));
            shown.push(format!("{party} -"));
        } else {
            let letters: Vec<String> = cell.letters.iter().map(char::to_string).collect();
            shown.push(
                format!("{party} {}", letters.join(", "))
                    .trim_end()
                    .to_string(),
            );
        }
        if !cell.bad.is_empty() {
            issues.push(issue(
                Rule::BadLetter,
                Some(party),
                format!(
                    "{party} has {} in {text:?}; use only the letters R, A, C and I",
                    quote_list(&cell.bad)
                ),
            ));
        }
    }
    let mut row_issues = Vec::new();
    match accountable.len() {
        0 => row_issues.push(issue(
            Rule::NoAccountable,
            None,
            format!(
                "no party is Accountable ({}); exactly one must have A",
                shown.join("; ")
            ),
        )),
        1 => {}
        _ => row_issues.push(issue(
            Rule::SeveralAccountable,
            None,
            format!(
                "{} are all Accountable; exactly one party may have A",
                accountable.join(" and ")
            ),
        )),
    }
    if responsible == 0 {
        row_issues.push(issue(
            Rule::NoResponsible,
            None,
            format!(
                "no party is Responsible ({}); at least one must have R",
                shown.join("; ")
            ),
        ));
    }
    row_issues.extend(issues);
    row_issues
}

/// Checks every RACI table of a Markdown page (pipe or HTML tables).
pub fn check_markdown(markdown: &str) -> (Vec<Issue>, Counts) {
    check_document(&Document::parse(markdown))
}

/// Checks every RACI table of a parsed page.
pub fn check_document(doc: &Document) -> (Vec<Issue>, Counts) {
    let mut groups: Vec<usize> = Vec::new();
    for b in &doc.blocks {
        if b.kind == BlockKind::TableRow && !groups.contains(&b.group) {
            groups.push(b.group);
        }
    }
    let mut issues = Vec::new();
    let mut counts = Counts::default();
    for group in groups {
        let rows: Vec<&Block> = doc
            .blocks
            .iter()
            .filter(|b| b.kind == BlockKind::TableRow && b.group == group)
            .collect();
        // The header names the parties; a table without one has none.
        let Some(header) = rows.iter().find(|b| b.header) else {
            continue;
        };
        let body: Vec<&Block> = rows.iter().copied().filter(|b| !b.header).collect();
        let columns = party_columns(header, &body);
        if columns.is_empty() {
            continue;
        }
        let parties: Vec<(usize, &str)> = columns
            .iter()
            .map(|&c| (c, header.cells[c].trim()))
            .collect();
        counts.tables += 1;
        counts.rows += body.len();
        for row in body {
            issues.extend(check_row(row, &parties));
        }
    }
    (issues, counts)
}

/// One problem in one row of one rendered page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Page name.
    pub page: String,
    /// Variant slug.
    pub variant: String,
    /// The rendered file, relative to the project root (`out/<slug>/<page>.md`).
    pub file: String,
    /// 1-based line of the row in the rendered page.
    pub line: usize,
    /// The row's task: its first cell's plain text.
    pub row: String,
    /// What is wrong.
    pub rule: Rule,
    /// The party (column header) a cell rule is about.
    pub party: Option<String>,
    /// Human explanation.
    pub message: String,
    /// The template line that produced the row, where it can be told (path relative to
    /// the project root).
    pub template: Option<TemplateLine>,
}

/// A finding that a `[lint] allow` entry in docvar.toml accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suppressed {
    /// The accepted finding.
    #[serde(flatten)]
    pub finding: Finding,
    /// The entry's reason.
    pub reason: String,
}

/// Everything one lint run found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Findings to fix, ordered by file and line.
    pub findings: Vec<Finding>,
    /// Findings accepted by `[lint] allow`.
    pub suppressed: Vec<Suppressed>,
    /// Indexes into `config.lint.allow` of entries that accepted nothing in this run.
    pub unused_allows: Vec<usize>,
    /// Pages linted.
    pub pages: usize,
    /// Variants linted.
    pub variants: usize,
    /// Rendered pages linted (pages x variants).
    pub renders: usize,
    /// RACI tables and rows checked, over every render.
    pub counts: Counts,
}

/// A row name as `[lint] allow` matches it: case and spacing do not count.
fn row_key(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn relative(project: &Project, path: &Path) -> std::path::PathBuf {
    path.strip_prefix(&project.root)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

/// Renders the selection and checks its RACI tables; findings accepted by `[lint] allow`
/// are returned apart. Fails on a render error or an allow entry naming no page.
pub fn check(project: &Project, renderer: &Renderer<'_>, sel: &Selection) -> Result<Outcome> {
    let config_path = join(&project.root, Path::new("docvar.toml"));
    for allow in &project.config.lint.allow {
        if let Some(page) = &allow.page {
            if project.page(page).is_err() {
                let help = match suggest(page, project.pages.iter().map(|p| p.name.as_str())) {
                    Some(s) => format!("did you mean {s:?}? pages are the templates/*.md.hbs files"),
                    None => "pages are the templates/*.md.hbs files; leave `page` out to match every page".into(),
                };
                return Err(Error::in_file(
                    &config_path,
                    format!(
                        "[lint] allow entry for row {:?} names unknown page {page:?}",
                        allow.row
                    ),
                )
                .help(help));
            }
        }
    }
    let pages: Vec<_> = project
        .pages
        .iter()
        .filter(|p| sel.has_page(&p.name))
        .collect();
    let variants: Vec<_> = project
        .variants
        .iter()
        .filter(|v| sel.has_variant(&v.slug))
        .collect();
    let mut outcome = Outcome {
        pages: pages.len(),
        variants: variants.len(),
        ..Outcome::default()
    };
    let mut used = vec![false; project.config.lint.allow.len()];
    let out = project.config.out.to_string_lossy().replace('\\', "/");
    for variant in &variants {
        for page in &pages {
            let markdown = renderer.render(&page.name, variant)?;
            let (issues, counts) = check_markdown(&markdown);
            outcome.renders += 1;
            outcome.counts += counts;
            if issues.is_empty() {
                continue;
            }
            let template_lines = renderer.template_lines(&page.name, variant, &markdown);
            for issue in issues {
                let template = template_lines
                    .get(issue.line - 1)
                    .cloned()
                    .flatten()
                    .map(|t| TemplateLine {
                        file: relative(project, &t.file),
                        line: t.line,
                    });
                let finding = Finding {
                    page: page.name.clone(),
                    variant: variant.slug.clone(),
                    file: format!("{out}/{}/{}.md", variant.slug, page.name),
                    line: issue.line,
                    row: issue.row,
                    rule: issue.rule,
                    party: issue.party,
                    message: issue.message,
                    template,
                };
                let allowed = project.config.lint.allow.iter().position(|a| {
                    a.page.as_ref().is_none_or(|p| *p == finding.page)
                        && row_key(&a.row) == row_key(&finding.row)
                });
                match allowed {
                    Some(i) => {
                        used[i] = true;
                        outcome.suppressed.push(Suppressed {
                            finding,
                            reason: project.config.lint.allow[i].reason.clone(),
                        });
                    }
                    None => outcome.findings.push(finding),
                }
            }
        }
    }
    outcome.unused_allows = used
        .iter()
        .enumerate()
        .filter(|(_, u)| !**u)
        .map(|(i, _)| i)
        .collect();
    Ok(outcome)
}

/// Printers: they format an [`Outcome`] and never analyse.
pub mod print {
    use std::collections::BTreeMap;

    use serde::Serialize;

    use super::{Finding, Outcome, Suppressed};
    use crate::project::Project;
    use crate::report::github::{escape_data, escape_property};
    use crate::report::plural;

    /// The JSON report's schema name.
    pub const SCHEMA: &str = "docvar-lint/1";

    /// Output format of `docvar lint` (its `--format` values, by clap).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
    pub enum Format {
        /// One line per finding.
        Human,
        /// `docvar-lint/1` JSON.
        Json,
        /// GitHub Actions annotations.
        Github,
    }

    /// The findings in `format`.
    pub fn findings(outcome: &Outcome, format: Format) -> String {
        match format {
            Format::Human => human(outcome),
            Format::Json => json(outcome),
            Format::Github => github(outcome),
        }
    }

    /// `file:line: page (slug) row "task": message`, the one-line form of a finding.
    pub fn line(f: &Finding) -> String {
        format!(
            "{}:{}: {} ({}) row {:?}: {}",
            f.file, f.line, f.page, f.variant, f.row, f.message
        )
    }

    /// One line per finding.
    pub fn human(outcome: &Outcome) -> String {
        outcome.findings.iter().map(|f| line(f) + "\n").collect()
    }

    /// The closing line: counts of findings by rule and of what was checked.
    pub fn summary(outcome: &Outcome) -> String {
        let by_rule = super::by_rule(&outcome.findings);
        let rules: Vec<String> = by_rule
            .iter()
            .map(|(r, n)| format!("{n} {}", r.as_str()))
            .collect();
        let found = if outcome.findings.is_empty() {
            "no RACI findings".to_string()
        } else {
            format!(
                "{} ({})",
                plural(outcome.findings.len(), "RACI finding"),
                rules.join(", ")
            )
        };
        let suppressed = if outcome.suppressed.is_empty() {
            String::new()
        } else {
            format!("; {} accepted by [lint] allow", outcome.suppressed.len())
        };
        format!(
            "{found} in {} of {} ({} x {}){suppressed}",
            plural(outcome.counts.rows, "row"),
            plural(outcome.counts.tables, "RACI table"),
            plural(outcome.pages, "page"),
            plural(outcome.variants, "variant"),
        )
    }

    /// Warnings for `[lint] allow` entries that accepted nothing (only meaningful when
    /// every page and variant was linted).
    pub fn unused_allows(project: &Project, outcome: &Outcome) -> Vec<String> {
        outcome
            .unused_allows
            .iter()
            .filter_map(|&i| project.config.lint.allow.get(i))
            .map(|a| {
                let page = a.page.as_deref().map_or(String::new(), |p| format!(" on page {p:?}"));
                format!(
                    "docvar.toml: [lint] allow entry for row {:?}{page} accepts no finding; remove it",
                    a.row
                )
            })
            .collect()
    }

    #[derive(Serialize)]
    struct Summary {
        findings: usize,
        by_rule: BTreeMap<&'static str, usize>,
        suppressed: usize,
        pages: usize,
        variants: usize,
        renders: usize,
        tables: usize,
        rows: usize,
    }

    #[derive(Serialize)]
    struct Report<'a> {
        schema: &'static str,
        findings: &'a [Finding],
        suppressed: &'a [Suppressed],
        summary: Summary,
    }

    /// `{"schema":"docvar-lint/1","findings":[...],"suppressed":[...],"summary":{...}}`,
    /// pretty-printed, with a final newline.
    pub fn json(outcome: &Outcome) -> String {
        let report = Report {
            schema: SCHEMA,
            findings: &outcome.findings,
            suppressed: &outcome.suppressed,
            summary: Summary {
                findings: outcome.findings.len(),
                by_rule: super::by_rule(&outcome.findings)
                    .into_iter()
                    .map(|(r, n)| (r.as_str(), n))
                    .collect(),
                suppressed: outcome.suppressed.len(),
                pages: outcome.pages,
                variants: outcome.variants,
                renders: outcome.renders,
                tables: outcome.counts.tables,
                rows: outcome.counts.rows,
            },
        };
        let mut s = serde_json::to_string_pretty(&report).unwrap_or_default();
        s.push('\n');
        s
    }

    /// GitHub Actions `::warning` annotations on the template line that produced the row
    /// when known (one per template line and rule, naming every product it shows up in),
    /// else one per finding on the rendered file.
    pub fn github(outcome: &Outcome) -> String {
        // Findings grouped by where the annotation goes, in first-seen order.
        let mut groups: Vec<(String, usize, super::Rule, Vec<&Finding>)> = Vec::new();
        let mut index: std::collections::HashMap<_, usize> = std::collections::HashMap::new();
        for f in &outcome.findings {
            let (file, line) = match &f.template {
                Some(t) => (t.file.to_string_lossy().replace('\\', "/"), t.line),
                None => (f.file.clone(), f.line),
            };
            // Only findings placed on a template line share an annotation.
            let key = f
                .template
                .is_some()
                .then(|| (file.clone(), line, f.rule.as_str(), f.party.clone()));
            match key.as_ref().and_then(|k| index.get(k)) {
                Some(&i) => groups[i].3.push(f),
                None => {
                    if let Some(k) = key {
                        index.insert(k, groups.len());
                    }
                    groups.push((file, line, f.rule, vec![f]));
                }
            }
        }
        let mut out = String::new();
        for (file, line, rule, findings) in groups {
            let title = format!("RACI {}", rule.as_str());
            // One line per distinct (page, row, message), naming its products and files.
            let mut parts: Vec<(&str, &str, &str, Vec<&Finding>)> = Vec::new();
            for f in findings {
                let key = (f.page.as_str(), f.row.as_str(), f.message.as_str());
                match parts.iter_mut().find(|p| (p.0, p.1, p.2) == key) {
                    Some(p) => p.3.push(f),
                    None => parts.push((key.0, key.1, key.2, vec![f])),
                }
            }
            let message = parts
                .iter()
                .map(|(page, row, message, of)| {
                    let variants: Vec<&str> = of.iter().map(|f| f.variant.as_str()).collect();
                    let at: Vec<String> = of
                        .iter()
                        .map(|f| format!("{}:{}", f.file, f.line))
                        .collect();
                    format!(
                        "{page} ({}) row {row:?}: {message} [{}]",
                        variants.join(", "),
                        at.join(", ")
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            out.push_str(&format!(
                "::warning file={},line={line},title={}::{}\n",
                escape_property(&file),
                escape_property(&title),
                escape_data(&message)
            ));
        }
        out
    }
}

/// Findings per rule, for rules with any, in the order [`Rule`] declares them.
pub(crate) fn by_rule(findings: &[Finding]) -> BTreeMap<Rule, usize> {
    let mut map = BTreeMap::new();
    for f in findings {
        *map.entry(f.rule).or_insert(0) += 1;
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(letters: &str, note: Option<&str>) -> Cell {
        Cell {
            letters: letters.chars().collect(),
            note: note.map(str::to_string),
            bad: Vec::new(),
        }
    }

    #[test]
    fn parses_the_cells_of_real_pages() {
        assert_eq!(
            parse_cell("R, A - Auth0 Customer Success Engineer"),
            cell("RA", Some("Auth0 Customer Success Engineer"))
        );
        assert_eq!(
            parse_cell("I (in the event that there are issues)"),
            cell("I", Some("in the event that there are issues"))
        );
        assert_eq!(
            parse_cell("R, A (subscriber's infrastructure engineer)"),
            cell("RA", Some("subscriber's infrastructure engineer"))
        );
        assert_eq!(parse_cell("I, C"), cell("IC", None));
        assert_eq!(
            parse_cell("C, I (in the event that there are questions/issues)"),
            cell("CI", Some("in the event that there are questions/issues"))
        );
        assert_eq!(parse_cell(" R "), cell("R", None));
        assert_eq!(parse_cell("r/a"), cell("RA", None));
        assert_eq!(parse_cell("R and A"), cell("RA", None));
    }

    #[test]
    fn bad_letters_and_empty_cells() {
        let x = parse_cell("X");
        assert_eq!(x.bad, vec!["X"]);
        assert!(x.letters.is_empty() && !x.is_empty() && !x.is_clean());
        let e = parse_cell("");
        assert!(e.is_empty() && !e.is_clean());
        assert!(parse_cell("  ").is_empty());
        assert!(parse_cell("-").is_empty());
        assert!(parse_cell("(to be decided)").is_empty());
        assert_eq!(parse_cell("RA").bad, vec!["RA"]);
        let mixed = parse_cell("R, X (note)");
        assert_eq!(
            (mixed.letters.clone(), mixed.bad.clone()),
            (vec!['R'], vec!["X".to_string()])
        );
        // Free text is not a RACI cell.
        assert!(!parse_cell("The subscriber will test the update.").is_clean());
    }

    fn rules(md: &str) -> Vec<(String, Rule, Option<String>)> {
        check_markdown(md)
            .0
            .into_iter()
            .map(|i| (i.row, i.rule, i.party))
            .collect()
    }

    #[test]
    fn checks_each_rule_on_a_pipe_table() {
        let md = "\
# T

|Task|Auth0|Subscriber|Notes|
|---|---|---|---|
|Good|R, A|I|fine|
|None accountable|C|R|x|
|Two accountable|A|R, A|x|
|No responsible|A|C|x|
|Bad|R, A|X|x|
|Empty|R, A||x|
";
        let found = rules(md);
        let s = |x: &str| x.to_string();
        assert_eq!(
            found,
            vec![
                (s("None accountable"), Rule::NoAccountable, None),
                (s("Two accountable"), Rule::SeveralAccountable, None),
                (s("No responsible"), Rule::NoResponsible, None),
                (s("Bad"), Rule::BadLetter, Some(s("Subscriber"))),
                (s("Empty"), Rule::EmptyCell, Some(s("Subscriber"))),
            ]
        );
        let (issues, counts) = check_markdown(md);
        assert_eq!(counts, Counts { tables: 1, rows: 6 });
        assert_eq!(issues[0].line, 6);
        assert_eq!(
            issues[0].message,
            "no party is Accountable (Auth0 C; Subscriber R); exactly one must have A"
        );
    }

    #[test]
    fn html_tables_and_non_raci_tables() {
        let md = "\
<table>
<thead><tr><th>Task</th><th>Auth0</th><th>Subscriber</th><th>Notes</th></tr></thead>
<tbody>
<tr>
<td>Restore</td>
<td>R, C</td>
<td>I</td>
<td>Open a ticket (see below).</td>
</tr>
</tbody>
</table>

|Name|Size|
|---|---|
|a|large|
";
        let (issues, counts) = check_markdown(md);
        assert_eq!(counts, Counts { tables: 1, rows: 1 });
        assert_eq!(issues.len(), 1);
        assert_eq!(
            (issues[0].row.as_str(), issues[0].rule, issues[0].line),
            ("Restore", Rule::NoAccountable, 4)
        );
    }

    #[test]
    fn notes_column_is_never_a_party() {
        // A Notes column of single letters is still free text.
        let md = "|Task|Owner|Notes|\n|---|---|---|\n|t|R, A|A|\n";
        assert!(rules(md).is_empty());
    }

    #[test]
    fn github_escaping() {
        assert_eq!(
            crate::report::github::escape_data("50%\r\nx"),
            "50%25%0D%0Ax"
        );
        assert_eq!(
            crate::report::github::escape_property("a:b,c%"),
            "a%3Ab%2Cc%25"
        );
    }
}
