//! Micro-benchmarks of the hot functions, on this repository's own project (two pages of
//! 5-7 KB with pipe and HTML RACI tables, lists and links) and its published copies:
//!
//! ```text
//! cargo bench --bench hot
//! ```
//!
//! `bash bench/compare.sh` measures whole runs at 1,000-50,000 pages against pandoc and
//! `git diff`.

use std::path::{Path, PathBuf};

use divan::{black_box, Bencher};

use docvar::drift::{self, CopyFormat, Options};
use docvar::export;
use docvar::generate;
use docvar::output;
use docvar::project::Project;
use docvar::render::Renderer;
use docvar::report::{self, Format};
use docvar::Document;

fn main() {
    divan::main();
}

const PAGES: &[&str] = &["roles-and-responsibilities", "disaster-recovery-raci"];

fn root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn project() -> Project {
    Project::load(&root()).expect("the repository's project loads")
}

fn rendered(page: &str) -> String {
    let project = project();
    let renderer = Renderer::new(&project).expect("templates compile");
    let variant = project.variant("psaas-appliance").expect("variant exists");
    renderer.render(page, variant).expect("page renders")
}

fn published(rel: &str) -> String {
    std::fs::read_to_string(root().join("tests/fixtures/published").join(rel))
        .expect("fixture exists")
}

/// Loading the project: in full (every command but two), or lean as generate and diff do
/// (variant files read and checked, only slug, path and declared copies kept).
#[divan::bench(args = ["full", "lean"])]
fn load_project(bencher: Bencher, how: &str) {
    let root = root();
    bencher.bench_local(|| {
        let p = match how {
            "lean" => Project::load_lean(black_box(&root)),
            _ => Project::load(black_box(&root)),
        };
        p.map(|p| p.variants.len()).expect("the project loads")
    });
}

/// A lean project's price per render: reading one variant file again.
#[divan::bench]
fn full_variant_of_lean_project(bencher: Bencher) {
    let project = Project::load_lean(&root()).expect("the project loads");
    let variant = project.variant("psaas-appliance").expect("variant exists");
    bencher.bench_local(|| project.full(black_box(variant)).map(|v| v.vars.len()));
}

/// Compiling every template and partial (once per run).
#[divan::bench]
fn compile_templates(bencher: Bencher) {
    let project = project();
    bencher.bench_local(|| Renderer::new(black_box(&project)).map(|r| r.variables(PAGES[0])));
}

/// Compiling one large template (KB of text, a `{{product}}` every line, an `{{#if}}` block
/// every 50 lines): Handlebars alone is quadratic in the size (it counts each token's line from
/// the start); docvar compiles in pieces, and plain lines without the parser.
#[divan::bench(args = [64, 512])]
fn compile_large_template(bencher: Bencher, kb: usize) {
    let mut project = project();
    let mut source = String::new();
    let mut i = 0;
    while source.len() < kb * 1024 {
        i += 1;
        if i % 50 == 0 {
            source.push_str("{{#if product}}\nOnly where {{product}} is set.\n{{/if}}\n");
        }
        source.push_str(&format!(
            "Line {i} about the {{{{product}}}} under /{{{{section}}}}/.\n"
        ));
    }
    project.pages[0].source = source;
    bencher.bench_local(|| Renderer::new(black_box(&project)).map(|r| r.variables(PAGES[0])));
}

/// One page for one product: strict variable check, context, Handlebars render.
#[divan::bench(args = PAGES)]
fn render(bencher: Bencher, page: &str) {
    let project = project();
    let renderer = Renderer::new(&project).expect("templates compile");
    let variant = project.variant("psaas-appliance").expect("variant exists");
    bencher
        .counter(divan::counter::BytesCount::of_str(&rendered(page)))
        .bench_local(|| renderer.render(black_box(page), black_box(variant)));
}

/// Splitting a rendered page into blocks (front matter, headings, rows, items...).
#[divan::bench(args = PAGES)]
fn block_split(bencher: Bencher, page: &str) {
    let md = rendered(page);
    bencher
        .counter(divan::counter::BytesCount::of_str(&md))
        .bench_local(|| Document::parse(black_box(&md)));
}

/// Markdown to the help center's plain text (block split included).
#[divan::bench(args = PAGES)]
fn text_export(bencher: Bencher, page: &str) {
    let md = rendered(page);
    bencher
        .counter(divan::counter::BytesCount::of_str(&md))
        .bench_local(|| export::to_text(black_box(&md)));
}

/// Drift of one published copy against its rendered page (normalise, split both sides,
/// align blocks, word diffs), without the template-line mapping.
#[divan::bench(args = [
    "psaas-appliance/roles-and-responsibilities.md",
    "psaas-appliance/roles-and-responsibilities.txt",
    "psaas-appliance/disaster-recovery-raci.md",
])]
fn drift_one_page(bencher: Bencher, copy: &str) {
    let page = Path::new(copy)
        .file_stem()
        .and_then(|s| s.to_str())
        .expect("copy has a page name");
    let expected = rendered(page);
    let copy_text = published(copy);
    let format = CopyFormat::of(Path::new(copy));
    let opts = Options::default();
    bencher
        .counter(divan::counter::BytesCount::of_str(&copy_text))
        .bench_local(|| {
            drift::compare(
                black_box(&expected),
                black_box(&copy_text),
                format,
                &[],
                &opts,
            )
        });
}

/// Drift of one copy including the template-line mapping `docvar diff` adds per copy.
#[divan::bench]
fn drift_with_template_lines(bencher: Bencher) {
    let project = project();
    let renderer = Renderer::new(&project).expect("templates compile");
    let variant = project.variant("psaas-appliance").expect("variant exists");
    let page = "roles-and-responsibilities";
    let copy_text = published("psaas-appliance/roles-and-responsibilities.md");
    let opts = Options::default();
    bencher.bench_local(|| {
        let expected = renderer.render(page, variant).expect("page renders");
        let tl = renderer.template_lines(page, variant, &expected);
        drift::compare(&expected, &copy_text, CopyFormat::Markdown, &tl, &opts)
    });
}

/// `docvar generate`'s streamed write: every page of the repository's project rendered,
/// compared with out/ and (when new) staged and renamed, holding no page beyond its job.
/// `empty`: a new out/ each time; `up to date`: nothing to write.
#[divan::bench(args = ["empty", "up to date"])]
fn generate_streamed(bencher: Bencher, state: &str) {
    let project = project();
    let renderer = Renderer::new(&project).expect("templates compile");
    let jobs = generate::jobs(&project, &Default::default());
    let files = generate::Files::of(&jobs);
    let render = |j: usize| {
        let (v, pages) = (jobs.variants[j], &jobs.pages);
        Ok(generate::render_job(&project, &renderer, v, pages)?.0)
    };
    let write = |dir: &Path| {
        let own = output::ownership_for(dir, &files, &files, None).expect("ownership");
        output::write_rendered(dir, &files, &files, &own, jobs.len(), &render, None)
            .expect("written")
    };
    let fresh = || {
        let tmp = tempfile::tempdir().expect("temp dir");
        let out = tmp.path().join("out");
        (tmp, out)
    };
    if state == "empty" {
        bencher
            .with_inputs(fresh)
            .bench_local_values(|(tmp, out)| (write(&out), tmp));
    } else {
        let (_tmp, out) = fresh();
        write(&out);
        bencher.bench_local(|| write(&out));
    }
}

/// `docvar diff`'s check of every declared copy of the repository's project, keeping the
/// copies' texts (unified, sarif, --fix) or the hunks alone (human, json).
#[divan::bench(args = [true, false])]
fn diff_declared(bencher: Bencher, keep_texts: bool) {
    let project = project();
    let renderer = Renderer::new(&project).expect("templates compile");
    let copies = drift::declared_copies(&project);
    let opts = Options::default();
    bencher.bench_local(|| {
        drift::check_kept(&project, &renderer, copies.clone(), &opts, keep_texts, None)
            .expect("copies check")
    });
}

/// `docvar diff` as it runs for the formats that print a copy at a time: the declared copies
/// checked in batches, each copy's report printed and dropped (`human`, `json`).
#[divan::bench(args = [Format::Human, Format::Json])]
fn diff_streamed(bencher: Bencher, format: Format) {
    let project = project();
    let renderer = Renderer::new(&project).expect("templates compile");
    let copies = drift::declared_copies(&project);
    let opts = Options::default();
    let print = report::Options::default();
    bencher.bench_local(|| {
        let mut out = Vec::new();
        let mut stream = report::Stream::new(format, &print, &mut out).expect("starts");
        let copies = copies.iter().cloned().map(Ok);
        drift::check_each(&project, &renderer, copies, &opts, false, None, |p| {
            stream
                .page(&p, None)
                .map_err(|e| docvar::Error::msg(e.to_string()))
        })
        .expect("copies check");
        stream.finish(None).expect("ends");
        out
    });
}
