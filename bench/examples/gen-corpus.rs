//! Writes a synthetic docvar project for benchmarks: M page templates of about 5 KB each
//! (front matter, headings, paragraphs with links, lists, a pipe table, an HTML table, a shared
//! partial), N variants with random multi-word product names, and for every rendered page a
//! "published copy" with about `--drift` of its lines edited (a changed word, a deleted line,
//! a table row moved to the end of its table).
//!
//! ```text
//! cargo run --release -p docvar-bench --example gen-corpus -- --out /tmp/corpus --variants 100 --pages 100 --drift 0.01
//! ```
//!
//! Layout of DIR: `docvar.toml`, `templates/`, `variants/`, `rendered/<slug>/<page>.md` (what
//! the templates render, for tools that need the Markdown without running docvar) and
//! `published/<slug>/<page>.md` (the drifted copies). The output depends only on the
//! arguments: the PRNG is a seeded SplitMix64, and pages and variants each get their own
//! stream, so `--pages 10` gives the first ten pages of `--pages 100`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use rayon::prelude::*;

use docvar::project::Project;
use docvar::render::Renderer;

#[derive(Parser)]
#[command(about = "Write a synthetic docvar project with drifted published copies")]
struct Args {
    /// Folder to write (created; an earlier corpus in it is replaced).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Number of variants (products).
    #[arg(long, default_value_t = 10)]
    variants: usize,
    /// Number of page templates.
    #[arg(long, default_value_t = 10)]
    pages: usize,
    /// Share of the lines of each published copy that are edited (0..1).
    #[arg(long, default_value_t = 0.01)]
    drift: f64,
    /// PRNG seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Approximate size of each rendered page, in KiB.
    #[arg(long, default_value_t = 5)]
    page_kb: usize,
    /// Also write one page `big-page` of about this many KiB (0: none), for the large-copy
    /// benchmark. Only its head uses variables (Handlebars' compile time grows with
    /// expressions times template size), the rest is the usual sections as literal text.
    #[arg(long, default_value_t = 0, value_name = "KB")]
    big_page_kb: usize,
    /// Write only the project (no rendered/ and published/ folders).
    #[arg(long)]
    no_published: bool,
    /// Declare each published copy in its variant file (`[pages.<page>] published = [...]`),
    /// as a docs team does, so that a plain `docvar diff` checks them all.
    #[arg(long)]
    declare: bool,
}

/// SplitMix64: tiny, fast, and good enough for test data.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, stream: u64) -> Rng {
        let mut r = Rng(seed ^ stream.wrapping_mul(0xA076_1D64_78BD_642F));
        r.next();
        r
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64 * n as f64) as usize
    }
    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const ADJECTIVES: &[&str] = &[
    "Cobalt", "Silver", "Northern", "Rapid", "Quiet", "Bright", "Granite", "Crimson", "Lunar",
    "Coastal", "Summit", "Amber", "Vivid", "Steady", "Polar", "Golden", "Hidden", "Open", "Iron",
    "Clear", "Swift", "Blue", "Prime", "Urban",
];
const NOUNS: &[&str] = &[
    "Harbor", "Falcon", "Ledger", "Beacon", "Orchard", "Canyon", "Vertex", "Meadow", "Signal",
    "Compass", "Lantern", "Bridge", "River", "Atlas", "Pioneer", "Forge", "Harvest", "Relay",
    "Circuit", "Garden", "Anchor", "Prism", "Keystone", "Tandem",
];
const KINDS: &[&str] = &[
    "Analytics",
    "Cloud",
    "Gateway",
    "Identity",
    "Vault",
    "Insights",
    "Connect",
    "Platform",
    "Manager",
    "Studio",
    "Edge",
    "Sync",
];
const TOPICS: &[&str] = &[
    "backup",
    "rotation",
    "policy",
    "tenant",
    "migration",
    "audit",
    "logging",
    "network",
    "certificate",
    "storage",
    "upgrade",
    "monitoring",
    "access",
    "recovery",
    "quota",
    "alerting",
    "retention",
    "replication",
    "session",
    "domain",
    "webhook",
    "export",
    "import",
    "billing",
    "region",
    "failover",
    "token",
    "schedule",
];
const WORDS: &[&str] = &[
    "the",
    "subscriber",
    "must",
    "configure",
    "each",
    "node",
    "before",
    "enabling",
    "this",
    "feature",
    "and",
    "should",
    "review",
    "settings",
    "regularly",
    "when",
    "a",
    "change",
    "is",
    "applied",
    "to",
    "cluster",
    "all",
    "requests",
    "are",
    "logged",
    "for",
    "days",
    "administrators",
    "can",
    "override",
    "default",
    "values",
    "through",
    "dashboard",
    "or",
    "API",
    "data",
    "stored",
    "in",
    "primary",
    "region",
    "replicated",
    "secondary",
    "site",
    "within",
    "minutes",
    "of",
    "every",
    "write",
    "operation",
    "alerts",
    "sent",
    "on-call",
    "team",
    "if",
    "threshold",
    "exceeded",
    "during",
    "maintenance",
    "window",
    "support",
    "engineers",
    "will",
    "contact",
    "you",
    "by",
    "email",
    "with",
    "details",
    "about",
    "scheduled",
    "upgrade",
    "customers",
    "who",
    "need",
    "longer",
    "retention",
    "may",
    "request",
    "an",
    "exception",
    "from",
    "their",
    "account",
    "manager",
    "note",
    "that",
    "usage",
    "counts",
    "toward",
    "monthly",
    "quota",
    "tokens",
    "expire",
    "after",
    "hours",
    "unless",
    "refreshed",
    "certificates",
    "renewed",
    "automatically",
    "thirty",
    "expiry",
    "firewall",
    "rules",
    "allow",
    "traffic",
    "only",
    "listed",
    "addresses",
    "internal",
    "services",
    "communicate",
    "over",
    "TLS",
    "mutual",
    "authentication",
    "required",
];
const PARTIES: &[&str] = &["R, A", "R", "A", "C", "I", "C, I", "R, C"];

fn sentence(rng: &mut Rng, min: usize, max: usize) -> String {
    let n = min + rng.below(max - min + 1);
    let mut s = String::new();
    for i in 0..n {
        let w = rng.pick(WORDS);
        if i == 0 {
            let mut c = w.chars();
            if let Some(f) = c.next() {
                s.extend(f.to_uppercase());
                s.push_str(c.as_str());
            }
        } else {
            s.push(' ');
            s.push_str(w);
        }
    }
    s.push('.');
    s
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

fn title_case(words: &[&str]) -> String {
    words
        .iter()
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_uppercase().chain(c).collect::<String>(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn kebab(s: &str) -> String {
    s.to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join("-")
}

/// A paragraph of 2..4 sentences, one with a link into the product's docs section and one
/// naming the product.
fn paragraph(rng: &mut Rng) -> String {
    let mut p = sentence(rng, 8, 16);
    p.push_str(" The {{product}} ");
    p.push_str(&lower_first(&sentence(rng, 6, 12)));
    let topic = rng.pick(TOPICS);
    p.push_str(&format!(
        " See [{} settings](/{{{{section}}}}/{}/{}) for details.",
        topic,
        topic,
        rng.pick(TOPICS)
    ));
    if rng.chance(0.5) {
        p.push(' ');
        p.push_str(&sentence(rng, 6, 14));
    }
    p
}

/// A `## ` section: a paragraph, a bullet list with a nested item, numbered steps and a pipe
/// table; a full one also has a second paragraph and an HTML RACI table.
fn section(rng: &mut Rng, out: &mut String, n: usize, full: bool) {
    let heading = title_case(&[rng.pick(TOPICS), rng.pick(TOPICS)]);
    out.push_str(&format!("## {heading} {n}\n\n"));
    out.push_str(&paragraph(rng));
    out.push_str("\n\n");
    // A bullet list with a nested item and a link.
    for i in 0..3 + rng.below(2) {
        out.push_str(&format!("* {}\n", sentence(rng, 4, 10)));
        if i == 1 {
            out.push_str(&format!(
                "  * Applies to the {{{{product}}}} only; see [the {} guide](/{{{{section}}}}/{}).\n",
                rng.pick(TOPICS),
                rng.pick(TOPICS)
            ));
        }
    }
    out.push('\n');
    // Numbered steps.
    out.push_str(&format!(
        "### Steps for {}\n\n",
        title_case(&[rng.pick(TOPICS)])
    ));
    for i in 1..=3 + rng.below(2) {
        out.push_str(&format!("{i}. {}\n", sentence(rng, 5, 12)));
    }
    out.push('\n');
    // A pipe table of settings.
    out.push_str("| Setting | Default | Applies to | Notes |\n| --- | --- | --- | --- |\n");
    for _ in 0..4 + rng.below(3) {
        out.push_str(&format!(
            "| `{}_{}_{}` | {} | {{{{product}}}} | {} |\n",
            rng.pick(TOPICS),
            rng.pick(TOPICS),
            rng.below(100),
            rng.below(1000),
            sentence(rng, 4, 9)
        ));
    }
    out.push('\n');
    if !full {
        return;
    }
    out.push_str(&paragraph(rng));
    out.push_str("\n\n");
    // An HTML RACI table.
    out.push_str(&format!(
        "### Responsibilities for {}\n\n<table class=\"table\">\n    <thead>\n        <tr>\n            <th>Task</th>\n            <th>{{{{product}}}}</th>\n            <th>Subscriber</th>\n            <th>Notes</th>\n        </tr>\n    </thead>\n    <tbody>\n",
        title_case(&[rng.pick(TOPICS)])
    ));
    for _ in 0..2 + rng.below(2) {
        let task = title_case(&[rng.pick(WORDS), rng.pick(TOPICS), rng.pick(TOPICS)]);
        let link = rng.pick(TOPICS);
        out.push_str(&format!(
            "        <tr>\n            <td>{task}</td>\n            <td>{}</td>\n            <td>{}</td>\n            <td>{} See <a href=\"/{{{{section}}}}/{link}\">{link}</a>.</td>\n        </tr>\n",
            rng.pick(PARTIES),
            rng.pick(PARTIES),
            sentence(rng, 5, 12)
        ));
    }
    out.push_str("    </tbody>\n</table>\n\n");
}

/// About what `template` renders to: each `{{product...}}` and `{{section}}` becomes a
/// product name or slug some 10 bytes longer than the expression.
fn rendered_len(t: &str) -> usize {
    t.len() + 10 * t.matches("{{product").count() + 14 * t.matches("{{section}}").count()
}

/// A page template that renders to about `kb` KiB.
fn template(seed: u64, i: usize, kb: usize) -> (String, String) {
    let mut rng = Rng::new(seed, 1_000_000 + i as u64);
    let topic: Vec<&str> = (0..2 + rng.below(2)).map(|_| rng.pick(TOPICS)).collect();
    let title = title_case(&topic);
    let name = format!("p{:04}-{}", i + 1, kebab(&title));
    let mut t = String::new();
    t.push_str(&format!(
        "---\ntitle: {title} for {{{{product_title}}}}\ndescription: {}\nsection: {{{{section}}}}\n{{{{front_matter}}}}---\n\n<!-- markdownlint-disable MD033 -->\n\n# {title} for {{{{product_title}}}}\n\n",
        sentence(&mut rng, 8, 14).trim_end_matches('.')
    ));
    t.push_str(&paragraph(&mut rng));
    t.push_str("\n\n{{> shared-notice}}\n\n");
    // Full sections (the first always, so every page has both kinds of table) while one
    // fits, then a short one if that fits; the "Related pages" list takes about 250 bytes.
    let budget = (kb * 1024).saturating_sub(250);
    let mut n = 1;
    loop {
        let left = budget.saturating_sub(rendered_len(&t));
        if n == 1 || left >= 2400 {
            section(&mut rng, &mut t, n, true);
        } else if left >= 700 {
            section(&mut rng, &mut t, n, false);
            break;
        } else {
            break;
        }
        n += 1;
    }
    t.push_str(&format!(
        "## Related pages\n\n* [{} overview](/{{{{section}}}}/{})\n* [{{{{product_title}}}} release notes](/{{{{section}}}}/release-notes)\n",
        title,
        kebab(&title)
    ));
    (name, t)
}

/// The `big-page` template: about `kb` KiB of sections under one title.
fn big_template(seed: u64, kb: usize) -> String {
    let mut rng = Rng::new(seed, 3_000_000);
    let mut body = String::new();
    let mut n = 1;
    while body.len() < kb * 1024 {
        section(&mut rng, &mut body, n, true);
        n += 1;
    }
    let body = body
        .replace("{{product}}", "the product")
        .replace("{{section}}", "docs");
    format!(
        "---\ntitle: Everything about {{{{product_title}}}}\nsection: {{{{section}}}}\n{{{{front_matter}}}}---\n\n# Everything about {{{{product_title}}}}\n\n{body}"
    )
}

fn variant(seed: u64, i: usize) -> (String, String) {
    let mut rng = Rng::new(seed, 2_000_000 + i as u64);
    let words = 2 + rng.below(2);
    let mut name: Vec<&str> = vec![rng.pick(ADJECTIVES), rng.pick(NOUNS)];
    if words == 3 {
        name.push(rng.pick(KINDS));
    }
    let product = name.join(" ");
    let slug = format!("v{:04}-{}", i + 1, kebab(&product));
    let text = format!(
        "# Generated by gen-corpus.\n\n[vars]\n# The product name in running text.\nproduct = \"{product}\"\n# The name in page titles.\nproduct_title = \"Northwind {product}\"\n# The docs-site URL section.\nsection = \"{slug}\"\n"
    );
    (slug, text)
}

const PARTIAL: &str = "::: note\nCustomers of the {{product_title}}: read the [release notes](/{{section}}/release-notes) before you change the settings on this page.\n:::\n";

fn is_pipe_row(l: &str) -> bool {
    l.starts_with('|') && !l.starts_with("| ---")
}

/// A published copy of `page`: each line edited with probability `drift`.
fn drifted(page: &str, drift: f64, rng: &mut Rng) -> String {
    let lines: Vec<&str> = page.lines().collect();
    // Front matter is left alone (its fences hold the page together).
    let body_start = match lines.first() {
        Some(&"---") => lines
            .iter()
            .skip(1)
            .position(|l| *l == "---")
            .map_or(0, |p| p + 2),
        _ => 0,
    };
    let mut out: Vec<String> = lines[..body_start].iter().map(|s| s.to_string()).collect();
    let mut moved: Vec<String> = Vec::new();
    // Edits due; a line that cannot take one (a bare tag) passes it on to the next line.
    let mut due = 0usize;
    for (i, line) in lines.iter().enumerate().skip(body_start) {
        if !is_pipe_row(line) && !moved.is_empty() {
            out.append(&mut moved);
        }
        if line.trim().is_empty() {
            out.push(line.to_string());
            continue;
        }
        if rng.chance(drift) {
            due += 1;
        }
        if due == 0 {
            out.push(line.to_string());
            continue;
        }
        let roll = rng.below(10);
        let next_is_row = lines.get(i + 1).is_some_and(|l| is_pipe_row(l));
        let markup = line.trim_start().starts_with('<') && !line.contains("</td>");
        if roll < 2 && is_pipe_row(line) && next_is_row {
            // Moved to the end of its table.
            moved.push(line.to_string());
        } else if roll < 4 && !markup {
            // Deleted (a sentence, item or row; tags are left alone).
        } else if let Some(l) = change_word(line, rng) {
            out.push(l);
        } else {
            out.push(line.to_string());
            continue;
        }
        due -= 1;
    }
    out.append(&mut moved);
    let mut s = out.join("\n");
    s.push('\n');
    s
}

/// The line with one of its words replaced (`None` when it has no plain word).
fn change_word(line: &str, rng: &mut Rng) -> Option<String> {
    let words: Vec<(usize, &str)> = line
        .split(' ')
        .scan(0, |pos, w| {
            let at = *pos;
            *pos += w.len() + 1;
            Some((at, w))
        })
        .filter(|(_, w)| w.len() >= 3 && w.chars().all(|c| c.is_ascii_alphabetic()))
        .collect();
    if words.is_empty() {
        return None;
    }
    let (at, w) = words[rng.below(words.len())];
    let mut new = rng.pick(WORDS);
    if new == w {
        new = "revised";
    }
    Some(format!("{}{}{}", &line[..at], new, &line[at + w.len()..]))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

fn run(args: &Args) -> Result<(), String> {
    let dir = &args.out;
    if dir.exists() && !dir.join("docvar.toml").exists() {
        let empty = fs::read_dir(dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?
            .next()
            .is_none();
        if !empty {
            return Err(format!(
                "{} exists and is not a generated corpus (no docvar.toml); pick an empty folder",
                dir.display()
            ));
        }
    }
    for sub in ["templates", "variants", "rendered", "published", "out"] {
        let p = dir.join(sub);
        if p.exists() {
            fs::remove_dir_all(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        }
    }
    write(
        &dir.join("docvar.toml"),
        &format!(
            "# Generated by gen-corpus: {} variants x {} pages, drift {}, seed {}.\n",
            args.variants, args.pages, args.drift, args.seed
        ),
    )?;
    write(&dir.join("templates/partials/shared-notice.hbs"), PARTIAL)?;
    let names = (0..args.pages)
        .into_par_iter()
        .map(|i| {
            let (name, text) = template(args.seed, i, args.page_kb);
            write(&dir.join(format!("templates/{name}.md.hbs")), &text)?;
            Ok(name)
        })
        .collect::<Result<Vec<String>, String>>()?;
    if args.big_page_kb > 0 {
        write(
            &dir.join("templates/big-page.md.hbs"),
            &big_template(args.seed, args.big_page_kb),
        )?;
    }
    (0..args.variants).into_par_iter().try_for_each(|i| {
        let (slug, mut text) = variant(args.seed, i);
        if args.declare && !args.no_published {
            for name in &names {
                text.push_str(&format!(
                    "\n[pages.{name}]\npublished = [\"published/{slug}/{name}.md\"]\n"
                ));
            }
        }
        write(&dir.join(format!("variants/{slug}.toml")), &text)
    })?;
    if args.no_published {
        return Ok(());
    }
    let project = Project::load(dir).map_err(|e| e.to_string())?;
    let renderer = Renderer::new(&project).map_err(|e| e.to_string())?;
    let jobs: Vec<(usize, usize)> = (0..project.variants.len())
        .flat_map(|v| (0..project.pages.len()).map(move |p| (v, p)))
        .collect();
    jobs.par_iter().try_for_each(|&(v, p)| {
        let (variant, page) = (&project.variants[v], &project.pages[p]);
        let md = renderer
            .render(&page.name, variant)
            .map_err(|e| e.to_string())?;
        let rel = format!("{}/{}.md", variant.slug, page.name);
        let mut rng = Rng::new(args.seed, ((v as u64) << 32) | p as u64);
        write(&dir.join("rendered").join(&rel), &md)?;
        write(
            &dir.join("published").join(&rel),
            &drifted(&md, args.drift, &mut rng),
        )
    })
}

fn main() -> ExitCode {
    let args = Args::parse();
    if !(0.0..=1.0).contains(&args.drift) {
        eprintln!("error: --drift must be between 0 and 1");
        return ExitCode::from(2);
    }
    match run(&args) {
        Ok(()) => {
            let pages = args.pages + usize::from(args.big_page_kb > 0);
            let n = args.variants * pages;
            eprintln!(
                "wrote {pages} pages x {} variants ({n} rendered pages{}) into {}",
                args.variants,
                if args.no_published {
                    ""
                } else {
                    ", each with a published copy"
                },
                args.out.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
