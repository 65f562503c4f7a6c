//! Rendering: templates compiled once, variables checked strictly (including the `{{#if x}}`
//! gap in Handlebars' strict mode), every page rendered for every variant without escaping.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use handlebars::template::{Parameter, Template, TemplateElement};
use handlebars::Handlebars;
use rayon::prelude::*;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::frontmatter;
use crate::project::{Project, Variant};

/// Handlebars' built-in helpers (registered by `Handlebars::new`).
pub const BUILTIN_HELPERS: &[&str] = &[
    "if", "unless", "each", "with", "lookup", "raw", "log", "eq", "ne", "gt", "gte", "lt", "lte",
    "and", "or", "not", "len",
];

/// Variables docvar defines for every page of every variant.
pub const BUILTIN_VARS: &[&str] = &["slug", "page", "front_matter"];

/// Template files, and per rendered line `(index into the files, template line)`: what
/// [`Renderer::template_line_map`] returns.
pub(crate) type LineMap<'a> = (Vec<&'a Path>, Vec<Option<(usize, usize)>>);

/// Where in a template something is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TemplateLine {
    /// Template or partial file.
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
}

/// One use of a variable, helper or partial in a template.
#[derive(Debug, Clone)]
struct Use {
    name: String,
    file: PathBuf,
    line: usize,
    column: usize,
    /// Printed as text (`{{x}}`), not handed to a helper (`{{#each x}}`).
    text: bool,
}

#[derive(Debug, Default, Clone)]
struct Uses {
    vars: Vec<Use>,
    helpers: Vec<Use>,
    partials: Vec<Use>,
}

/// Compiled templates plus what each page uses.
pub struct Renderer<'p> {
    project: &'p Project,
    registry: Handlebars<'static>,
    /// Per page: the variable uses of the page and of the partials it includes.
    page_vars: BTreeMap<String, Vec<Use>>,
}

fn compile(name: &str, path: &Path, source: &str) -> Result<Template> {
    compile_in_pieces(name, path, source, PIECE_BYTES)
}

fn compile_in_pieces(name: &str, path: &Path, source: &str, size: usize) -> Result<Template> {
    // Handlebars works out the line and column of every token by counting from the start of
    // the source, so compiling is quadratic in the template's size (a 340 KB template took
    // 5 s, a 3 MB one 9 minutes). Pieces of about 1 KB, cut only between top-level lines,
    // compile to the same elements; their line numbers are shifted back into place.
    // Pieces without a `{{` are text as they stand: Handlebars' parser, slow on long text,
    // is skipped for them.
    let mut whole: Option<Template> = None;
    let mut simple = BTreeMap::new();
    for (offset, piece) in pieces(source, size) {
        let mut t = if !piece.contains("{{") {
            text_piece(piece, offset)
        } else if let Some(t) = simple_piece(piece, offset, &mut simple) {
            t
        } else {
            compile_piece(name, path, piece, offset)?
        };
        match &mut whole {
            None => whole = Some(t),
            Some(w) => {
                w.elements.append(&mut t.elements);
                w.mapping.append(&mut t.mapping);
            }
        }
    }
    Ok(whole.unwrap_or_default())
}

/// A piece of text alone, as Handlebars compiles it: one raw string at its first line.
fn text_piece(piece: &str, offset: usize) -> Template {
    // `TemplateMapping` cannot be built outside Handlebars: one compiled text gives its shape.
    static SHAPE: std::sync::OnceLock<Template> = std::sync::OnceLock::new();
    let mut t = SHAPE
        .get_or_init(|| Template::compile("x").unwrap_or_default())
        .clone();
    for el in &mut t.elements {
        *el = TemplateElement::RawString(piece.to_string());
    }
    shift_lines(&mut t, offset);
    t
}

/// A piece whose only tags are plain `{{name}}`s (the text of most template lines), built
/// as Handlebars compiles it: raw strings between expressions, each expression compiled once
/// per name (`cache`), at its own line and column. None for any other piece.
fn simple_piece(
    piece: &str,
    offset: usize,
    cache: &mut BTreeMap<String, Template>,
) -> Option<Template> {
    let mut t: Option<Template> = None;
    let mut push = |el: Template, line: usize, col: usize| {
        let mut el = el;
        for m in &mut el.mapping {
            m.0 = line;
            m.1 = col;
        }
        match &mut t {
            None => t = Some(el),
            Some(t) => {
                t.elements.append(&mut el.elements);
                t.mapping.append(&mut el.mapping);
            }
        }
    };
    let (mut line, mut col) = (offset + 1, 1);
    let mut rest = piece;
    while !rest.is_empty() {
        let i = rest.find("{{").unwrap_or(rest.len());
        let (text, tag) = rest.split_at(i);
        if !text.is_empty() {
            push(text_piece(text, 0), line, col);
            for c in text.chars() {
                if c == '\n' {
                    (line, col) = (line + 1, 1);
                } else {
                    col += 1;
                }
            }
        }
        if tag.is_empty() {
            break;
        }
        if text.ends_with('\\') || tag.starts_with("{{{") {
            return None;
        }
        let end = tag.find("}}")?;
        let name = &tag[2..end];
        let plain = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && name != "else";
        if !plain {
            return None;
        }
        if !cache.contains_key(name) {
            cache.insert(name.to_string(), Template::compile(&tag[..end + 2]).ok()?);
        }
        push(cache[name].clone(), line, col);
        col += end + 2;
        rest = &tag[end + 2..];
    }
    t
}

/// One piece compiled by Handlebars, its line numbers (and its errors') shifted by `offset`.
fn compile_piece(name: &str, path: &Path, piece: &str, offset: usize) -> Result<Template> {
    let mut t = Template::compile_with_name(piece, name.to_string()).map_err(|e| {
        let mut err = Error::in_file(path, format!("template syntax: {}", e.reason()))
            .help("fix the Handlebars syntax (every {{#if}} needs its {{/if}})");
        if let Some((line, col)) = e.pos() {
            err = err.at(line + offset, Some(col));
        }
        err
    })?;
    shift_lines(&mut t, offset);
    Ok(t)
}

/// Bytes per piece a template is compiled in (see [`compile`]).
const PIECE_BYTES: usize = 1024;

/// `source` cut into pieces of about `size` bytes, each with the number of lines before it.
/// A cut falls only after a whole line at the top level: outside every block, raw block,
/// comment and tag, and not next to a `~` that trims whitespace across the line break, so
/// each piece compiles alone to what it is within the whole.
fn pieces(source: &str, size: usize) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let (mut start, mut line, mut start_line) = (0, 0, 0);
    let mut depth: i64 = 0;
    let mut raw = false;
    // A tag or comment left open at the end of a line: its closing text, and whether it is
    // a comment.
    let mut open: Option<(&str, bool)> = None;
    // A `~}}` trims the whitespace after it, and Handlebars keeps trimming the text after
    // comments until the next tag that is not a comment.
    let mut trimming = false;
    // The piece so far holds a `{{`.
    let mut tags = false;
    let mut pos = 0;
    for l in source.split_inclusive('\n') {
        let mut rest = l;
        loop {
            if let Some((close, comment)) = open {
                let Some(i) = rest.find(close) else { break };
                let tilde = rest[..i].ends_with('~');
                trimming = if comment { trimming || tilde } else { tilde };
                rest = &rest[i + close.len()..];
                open = None;
            }
            let Some(i) = rest.find("{{") else { break };
            let tag = &rest[i..];
            if let Some(inner) = tag.strip_prefix("{{{{") {
                // Raw blocks: `{{{{raw}}}}` ... `{{{{/raw}}}}`, nothing inside is a tag.
                raw = !inner.starts_with('/');
                open = Some(("}}}}", false));
                rest = inner;
                continue;
            }
            if raw || rest[..i].ends_with('\\') {
                rest = &tag[2..];
                continue;
            }
            let body = tag[2..].trim_start_matches(['{', '~']);
            let comment = body.starts_with('!');
            open = Some((
                if body.starts_with("!--") {
                    "--}}"
                } else {
                    "}}"
                },
                comment,
            ));
            if body.starts_with('#')
                || (body.starts_with('^') && !body[1..].trim_start().starts_with(['}', '~']))
            {
                depth += 1;
            } else if body.starts_with('/') {
                depth -= 1;
            }
            rest = &tag[2..];
        }
        pos += l.len();
        line += 1;
        // `{{~` at the start of the next line trims this line's break.
        let next_trims = source[pos..]
            .trim_start_matches([' ', '\t', '\r', '\n'])
            .starts_with("{{~");
        // Text-only runs become pieces of their own, whatever their size (see `compile`).
        tags |= l.contains("{{");
        let next_tags = source[pos..]
            .split_inclusive('\n')
            .next()
            .is_some_and(|n| n.contains("{{"));
        if (pos - start >= size || tags != next_tags)
            && depth == 0
            && !raw
            && open.is_none()
            && !trimming
            && !next_trims
        {
            tags = false;
            out.push((start_line, &source[start..pos]));
            start = pos;
            start_line = line;
        }
    }
    if start < source.len() || out.is_empty() {
        out.push((start_line, &source[start..]));
    }
    out
}

/// Adds `lines` to every line number in `t` and its nested blocks.
fn shift_lines(t: &mut Template, lines: usize) {
    if lines == 0 {
        return;
    }
    for m in &mut t.mapping {
        m.0 += lines;
    }
    for el in &mut t.elements {
        match el {
            TemplateElement::Expression(h)
            | TemplateElement::HtmlExpression(h)
            | TemplateElement::HelperBlock(h) => {
                for inner in [&mut h.template, &mut h.inverse].into_iter().flatten() {
                    shift_lines(inner, lines);
                }
            }
            TemplateElement::DecoratorExpression(d)
            | TemplateElement::DecoratorBlock(d)
            | TemplateElement::PartialExpression(d)
            | TemplateElement::PartialBlock(d) => {
                if let Some(inner) = &mut d.template {
                    shift_lines(inner, lines);
                }
            }
            _ => {}
        }
    }
}

fn walk(t: &Template, file: &Path, depth: usize, uses: &mut Uses) {
    for (i, el) in t.elements.iter().enumerate() {
        let (line, column) = t.mapping.get(i).map_or((0, 0), |m| (m.0, m.1));
        let at = |name: &str| Use {
            name: name.to_string(),
            file: file.to_path_buf(),
            line,
            column,
            text: false,
        };
        let param = |p: &Parameter, uses: &mut Uses, text: bool| {
            if let Parameter::Path(_) = p {
                if let Some(name) = p.as_name() {
                    if depth == 0 || name.starts_with("@root") {
                        uses.vars.push(Use { text, ..at(name) });
                    }
                }
            }
        };
        match el {
            TemplateElement::Expression(h) | TemplateElement::HtmlExpression(h) => {
                let name = h.name.as_name().unwrap_or_default();
                if h.params.is_empty() && h.hash.is_empty() && !BUILTIN_HELPERS.contains(&name) {
                    param(&h.name, uses, true);
                } else {
                    uses.helpers.push(at(name));
                    for p in h.params.iter().chain(h.hash.values()) {
                        param(p, uses, false);
                    }
                }
            }
            TemplateElement::HelperBlock(h) => {
                let name = h.name.as_name().unwrap_or_default();
                uses.helpers.push(at(name));
                for p in h.params.iter().chain(h.hash.values()) {
                    param(p, uses, false);
                }
                // `each` and `with` change the context: names inside are relative to it.
                let inner = if matches!(name, "each" | "with") {
                    depth + 1
                } else {
                    depth
                };
                if let Some(tpl) = &h.template {
                    walk(tpl, file, inner, uses);
                }
                if let Some(tpl) = &h.inverse {
                    walk(tpl, file, depth, uses);
                }
            }
            TemplateElement::PartialExpression(d) | TemplateElement::PartialBlock(d) => {
                if let Some(name) = d.name.as_name() {
                    uses.partials.push(at(name));
                }
                if let Some(tpl) = &d.template {
                    walk(tpl, file, depth, uses);
                }
            }
            // Raw text, comments and decorators use no variables.
            _ => {}
        }
    }
}

/// A template line with its `{{...}}` expressions taken out.
fn strip_expressions(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        match rest[start..].find("}}") {
            Some(end) => rest = rest[start + end + 2..].trim_start_matches('}'),
            None => return out,
        }
    }
    out.push_str(rest);
    out
}

/// The value a variable path (`x`, `x.y`, `@root.x`) names in `ctx`, if it can be told.
fn lookup<'v>(ctx: &'v Value, path: &str) -> Option<&'v Value> {
    let p = path
        .trim_start_matches("@root.")
        .trim_start_matches("@root/");
    let mut v = ctx;
    for part in p.split(['.', '/']) {
        if part.contains('[') || part.is_empty() {
            return None;
        }
        v = match v {
            Value::Object(m) => m.get(part)?,
            Value::Array(a) => a.get(part.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(v)
}

/// Partials that include each other (a includes b includes a) would recurse until the stack
/// overflows: refused, naming the cycle.
fn check_partial_cycles(project: &Project, uses: &BTreeMap<String, Uses>) -> Result<()> {
    fn visit<'a>(
        name: &'a str,
        uses: &'a BTreeMap<String, Uses>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<(Vec<String>, &'a Use)> {
        if done.contains(name) {
            return None;
        }
        let u = uses.get(name)?;
        path.push(name);
        for inc in &u.partials {
            if let Some(i) = path.iter().position(|p| *p == inc.name) {
                let mut cycle: Vec<String> = path[i..].iter().map(|s| s.to_string()).collect();
                cycle.push(inc.name.clone());
                return Some((cycle, inc));
            }
            if let Some(found) = visit(&inc.name, uses, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(name);
        None
    }
    let mut done = BTreeSet::new();
    for p in &project.partials {
        if let Some((cycle, at)) = visit(&p.name, uses, &mut Vec::new(), &mut done) {
            return Err(Error::in_file(
                &at.file,
                format!("partials include each other: {}", cycle.join(" -> ")),
            )
            .at(at.line, Some(at.column))
            .help(
                "break the cycle: a partial must not include itself, directly or through others",
            ));
        }
    }
    Ok(())
}

fn root_name(path: &str) -> &str {
    let p = path
        .trim_start_matches("@root.")
        .trim_start_matches("@root/");
    p.split(['.', '/', '[']).next().unwrap_or(p)
}

fn toml_to_json(v: &toml::Value) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

impl<'p> Renderer<'p> {
    /// Compiles every template and partial and checks helper and partial names.
    pub fn new(project: &'p Project) -> Result<Self> {
        let mut registry = Handlebars::new();
        registry.register_escape_fn(handlebars::no_escape);
        registry.set_strict_mode(true);
        // Compiling is most of a run's start-up (Handlebars' parser is slow on long
        // templates), so every template and partial is compiled in parallel up front; errors
        // are still reported in the order a one-by-one compile would meet them.
        let mut compiled = project
            .partials
            .par_iter()
            .chain(project.pages.par_iter())
            .map(|t| compile(&t.name, &t.path, &t.source))
            .collect::<Vec<Result<Template>>>()
            .into_iter();
        let mut partial_uses: BTreeMap<String, Uses> = BTreeMap::new();
        for p in &project.partials {
            let tpl = compiled.next().expect("one template per partial")?;
            let mut uses = Uses::default();
            walk(&tpl, &p.path, 0, &mut uses);
            partial_uses.insert(p.name.clone(), uses);
            registry.register_template(&p.name, tpl);
        }
        check_partial_cycles(project, &partial_uses)?;
        let mut page_vars = BTreeMap::new();
        for page in &project.pages {
            let tpl = compiled.next().expect("one template per page")?;
            let mut uses = Uses::default();
            walk(&tpl, &page.path, 0, &mut uses);
            // Follow partials (and partials of partials) so their variables count for the page.
            let mut seen = BTreeSet::new();
            let mut queue: Vec<Use> = uses.partials.clone();
            let mut all = uses.clone();
            while let Some(u) = queue.pop() {
                if !seen.insert(u.name.clone()) {
                    continue;
                }
                match partial_uses.get(&u.name) {
                    Some(pu) => {
                        all.vars.extend(pu.vars.iter().cloned());
                        all.helpers.extend(pu.helpers.iter().cloned());
                        queue.extend(pu.partials.iter().cloned());
                    }
                    None => {
                        let known: Vec<&str> =
                            project.partials.iter().map(|p| p.name.as_str()).collect();
                        let help = match crate::project::suggest(&u.name, known.iter().copied()) {
                            Some(s) => format!("did you mean {{{{> {s}}}}}? partials live in templates/partials/<name>.hbs"),
                            None => "add templates/partials/<name>.hbs".to_string(),
                        };
                        return Err(Error::in_file(
                            &u.file,
                            format!("partial {:?} not found", u.name),
                        )
                        .at(u.line, Some(u.column))
                        .help(help));
                    }
                }
            }
            if let Some(h) = all
                .helpers
                .iter()
                .find(|h| !BUILTIN_HELPERS.contains(&h.name.as_str()))
            {
                let help = match crate::project::suggest(&h.name, BUILTIN_HELPERS.iter().copied()) {
                    Some(s) => {
                        format!("did you mean `{s}`? docvar has Handlebars' built-in helpers only")
                    }
                    None => format!(
                        "docvar has Handlebars' built-in helpers only: {}",
                        BUILTIN_HELPERS.join(", ")
                    ),
                };
                return Err(
                    Error::in_file(&h.file, format!("unknown helper `{}`", h.name))
                        .at(h.line, Some(h.column))
                        .help(help),
                );
            }
            page_vars.insert(page.name.clone(), all.vars);
            registry.register_template(&page.name, tpl);
        }
        Ok(Renderer {
            project,
            registry,
            page_vars,
        })
    }

    /// The variables `page` uses (its own and its partials'), sorted, without built-ins.
    pub fn variables(&self, page: &str) -> Vec<String> {
        let set: BTreeSet<String> = self
            .page_vars
            .get(page)
            .into_iter()
            .flatten()
            .map(|u| root_name(&u.name).to_string())
            .filter(|n| !BUILTIN_VARS.contains(&n.as_str()) && !n.starts_with('@') && n != "this")
            .collect();
        set.into_iter().collect()
    }

    /// The Handlebars context of `page` for `variant`: its vars, the page's vars over them,
    /// and the built-ins `slug`, `page` and `front_matter`.
    pub fn context(&self, page: &str, variant: &Variant) -> Value {
        let settings = variant.page(page);
        let mut map = Map::new();
        for (k, v) in variant.vars.iter().chain(settings.vars.iter()) {
            map.insert(k.clone(), toml_to_json(v));
        }
        for name in &self.project.config.optional {
            map.entry(name.clone()).or_insert(Value::Null);
        }
        map.insert("slug".into(), Value::String(variant.slug.clone()));
        map.insert("page".into(), Value::String(page.to_string()));
        map.insert(
            "front_matter".into(),
            Value::String(frontmatter::to_yaml(&settings.front_matter)),
        );
        Value::Object(map)
    }

    /// Fails on the first variable `page` uses that `variant` does not define, against a
    /// context already built.
    fn check_context(&self, page: &str, variant: &Variant, ctx: &Value) -> Result<()> {
        for u in self.page_vars.get(page).into_iter().flatten() {
            let name = root_name(&u.name);
            if name.starts_with('@') || name == "this" || name.is_empty() {
                continue;
            }
            if let Some(v) = lookup(ctx, &u.name) {
                if u.text && (v.is_array() || v.is_object()) {
                    return Err(Error::in_file(
                        &u.file,
                        format!(
                            "variable `{}` is a {} for variant {:?} ({}), not text",
                            u.name.trim_start_matches("@root."),
                            if v.is_array() { "list" } else { "table" },
                            variant.slug,
                            variant.path.display()
                        ),
                    )
                    .at(u.line, Some(u.column))
                    .help("give it a text value in the variant file, or use it with a helper such as {{#each}}"));
                }
                // Whole lines of YAML are a value's own business (infer writes front-matter lines
                // as overrides); a line that is a fence would close the front matter early and
                // turn the rest into page text.
                let closes = v.as_str().is_some_and(|s| {
                    s.contains(['\n', '\r'])
                        && s.split(['\n', '\r'])
                            .any(|l| matches!(l.trim(), "---" | "..."))
                });
                if u.text && closes && name != "front_matter" && self.in_front_matter(page, u) {
                    {
                        return Err(Error::in_file(
                            &u.file,
                            format!(
                                "variable `{name}` of variant {:?} ({}) holds a line break and a `---` line, which would close the page's front matter",
                                variant.slug,
                                variant.path.display()
                            ),
                        )
                        .at(u.line, Some(u.column))
                        .help("remove the line break (a front-matter value is one line) or the `---` line from the value"));
                    }
                }
            }
            if ctx.get(name).is_none() {
                // A name no variant defines is most likely a typo in the template: offer the
                // closest defined name before telling the user to define it everywhere.
                let nowhere = match &self.project.lean {
                    Some(lean) => !lean.defined.contains(name),
                    None => !self
                        .project
                        .variants
                        .iter()
                        .any(|v| v.defined().any(|d| d == name)),
                };
                let close = ctx
                    .as_object()
                    .filter(|_| nowhere)
                    .and_then(|m| crate::project::suggest(name, m.keys().map(String::as_str)));
                let add = format!(
                    "add `{name} = \"...\"` under [vars] in {}, or list \"{name}\" in `optional` in docvar.toml",
                    variant.path.display()
                );
                return Err(Error::in_file(
                    &u.file,
                    format!(
                        "variable `{name}` is not defined for variant {:?} ({})",
                        variant.slug,
                        variant.path.display()
                    ),
                )
                .at(u.line, Some(u.column))
                .help(match close {
                    Some(s) => format!("did you mean `{s}`? Otherwise {add}"),
                    None => add,
                }));
            }
        }
        Ok(())
    }

    /// Whether a use sits inside its page template's front matter (between the opening and
    /// closing `---`), where a line break in a value would end the front matter early.
    fn in_front_matter(&self, page: &str, u: &Use) -> bool {
        let Some(t) = self.project.pages.iter().find(|p| p.name == page) else {
            return false;
        };
        if t.path != u.file || u.line < 2 {
            return false;
        }
        let mut lines = t.source.lines();
        if lines.next().map(str::trim_end) != Some("---") {
            return false;
        }
        // The closing fence may follow an expression (`{{front_matter}}---`): a use before
        // it on that line is inside too.
        for (i, line) in lines.enumerate() {
            let no = i + 2;
            if matches!(strip_expressions(line).trim_end(), "---" | "...") {
                return u.line < no || (u.line == no && !line.starts_with("---"));
            }
        }
        false
    }

    /// Variables a variant defines that no template uses: worth a warning, not an error.
    pub fn unused(&self, variant: &Variant) -> Vec<String> {
        let used: BTreeSet<String> = self
            .page_vars
            .values()
            .flatten()
            .map(|u| root_name(&u.name).to_string())
            .collect();
        variant
            .vars
            .keys()
            .filter(|k| !used.contains(*k))
            .cloned()
            .collect()
    }

    /// Renders `page` for `variant` to Markdown, checked strictly first.
    pub fn render(&self, page: &str, variant: &Variant) -> Result<String> {
        self.render_full(page, &*self.project.full(variant)?)
    }

    /// [`Renderer::render`] of a variant that holds all its settings (not a lean project's).
    pub(crate) fn render_full(&self, page: &str, variant: &Variant) -> Result<String> {
        let ctx = self.context(page, variant);
        self.check_context(page, variant, &ctx)?;
        self.registry.render(page, &ctx).map_err(|e| {
            let file = e
                .template_name
                .as_deref()
                .and_then(|n| self.template_path(n))
                .unwrap_or_else(|| PathBuf::from(page));
            let mut err = Error::in_file(
                &file,
                format!(
                    "cannot render for variant {:?} ({}): {}",
                    variant.slug,
                    variant.path.display(),
                    e.reason()
                ),
            )
            .help("check the template's variables against the variant file");
            if let Some(l) = e.line_no {
                err = err.at(l, e.column_no);
            }
            err
        })
    }

    fn template_path(&self, name: &str) -> Option<PathBuf> {
        self.project
            .pages
            .iter()
            .chain(&self.project.partials)
            .find(|p| p.name == name)
            .map(|p| p.path.clone())
    }

    /// For each line of `rendered` (a render of `page` for `variant`), the template line that
    /// produced it, where it can be told: template lines with their simple `{{var}}`s filled
    /// in and partials inlined are aligned with the rendered lines.
    pub fn template_lines(
        &self,
        page: &str,
        variant: &Variant,
        rendered: &str,
    ) -> Vec<Option<TemplateLine>> {
        let (files, map) = self.template_line_map(page, variant, rendered);
        map.into_iter()
            .map(|m| {
                m.map(|(f, line)| TemplateLine {
                    file: files[f].to_path_buf(),
                    line,
                })
            })
            .collect()
    }

    /// [`Renderer::template_lines`] as `(index into the returned files, line)`, so a caller
    /// that looks up a few lines does not copy a path for every line.
    pub(crate) fn template_line_map(
        &self,
        page: &str,
        variant: &Variant,
        rendered: &str,
    ) -> LineMap<'_> {
        let ctx = self.context(page, variant);
        let mut files = Vec::new();
        let mut approx: Vec<(Cow<'_, str>, (usize, usize))> = Vec::new();
        if let Some(t) = self.project.pages.iter().find(|p| p.name == page) {
            self.expand(&t.source, &t.path, &ctx, &mut files, &mut approx, 0);
        }
        let new: Vec<&str> = rendered.lines().collect();
        let old: Vec<&str> = approx.iter().map(|(s, _)| s.as_ref()).collect();
        let mut map = vec![None; new.len()];
        for op in similar::capture_diff_slices(similar::Algorithm::Myers, &old, &new) {
            let (o, n) = (op.old_range(), op.new_range());
            if o.is_empty() {
                continue;
            }
            for (k, ni) in n.clone().enumerate() {
                // One template line may render as several (a multi-line value).
                let oi = if o.len() == 1 { o.start } else { o.start + k };
                if oi < o.end {
                    map[ni] = Some(approx[oi].1);
                }
            }
        }
        (files, map)
    }

    fn expand<'s>(
        &'s self,
        source: &'s str,
        file: &'s Path,
        ctx: &Value,
        files: &mut Vec<&'s Path>,
        out: &mut Vec<(Cow<'s, str>, (usize, usize))>,
        depth: usize,
    ) {
        let f = files.len();
        files.push(file);
        for (i, line) in source.lines().enumerate() {
            let t = line.trim();
            let at = (f, i + 1);
            if let Some(name) = t.strip_prefix("{{>").and_then(|r| r.strip_suffix("}}")) {
                let name = name.split_whitespace().next().unwrap_or("");
                if let (Some(p), true) = (
                    self.project.partials.iter().find(|p| p.name == name),
                    depth < 8,
                ) {
                    self.expand(&p.source, &p.path, ctx, files, out, depth + 1);
                    continue;
                }
            }
            let standalone = t.starts_with("{{")
                && t.ends_with("}}")
                && t.matches("{{").count() == 1
                && t[2..].starts_with(['#', '/', '^', '!', '~'])
                || t == "{{else}}";
            if standalone {
                continue;
            }
            if !line.contains("{{") {
                // Nothing to fill in: the line as it is.
                out.push((Cow::Borrowed(line), at));
                continue;
            }
            for piece in fill(line, ctx).split('\n') {
                out.push((Cow::Owned(piece.to_string()), at));
            }
        }
    }
}

/// Replaces `{{name}}` / `{{{name}}}` with the context's value where it is a plain value.
fn fill(line: &str, ctx: &Value) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let Some(end) = after.find("}}") else {
            out.push_str(after);
            return out;
        };
        let mut end = end + 2;
        if after[end..].starts_with('}') {
            end += 1;
        }
        let inner = after[..end]
            .trim_matches(|c| c == '{' || c == '}' || c == '~')
            .trim();
        match ctx.get(inner) {
            Some(Value::String(s)) => out.push_str(s),
            Some(v @ (Value::Number(_) | Value::Bool(_))) => out.push_str(&v.to_string()),
            _ => {}
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Renders `source` compiled whole, as Handlebars does, and compiled in pieces cut
    /// wherever [`pieces`] allows (`size` 1), with one partial and a few values.
    fn both(
        source: &str,
    ) -> (
        std::result::Result<String, String>,
        std::result::Result<String, String>,
    ) {
        let data = serde_json::json!({
            "a": "Alpha", "b": "", "t": true, "f": false, "list": ["x", "y"],
        });
        let run = |t: std::result::Result<Template, String>| {
            let mut h = Handlebars::new();
            h.register_escape_fn(handlebars::no_escape);
            h.register_partial("p", "P {{a}}\n").unwrap();
            h.register_template("page", t?);
            h.render("page", &data).map_err(|e| e.reason().to_string())
        };
        let whole =
            Template::compile_with_name(source, "page".into()).map_err(|e| e.reason().to_string());
        let cut = compile_in_pieces("page", Path::new("page"), source, 1).map_err(|e| e.message);
        (run(whole), run(cut))
    }

    /// Line and column of every element but raw text (pieces cut raw text in two), nested
    /// blocks included.
    fn positions(t: &Template) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for (el, m) in t.elements.iter().zip(&t.mapping) {
            if !matches!(el, TemplateElement::RawString(_)) {
                out.push((m.0, m.1));
            }
            if let TemplateElement::HelperBlock(h) = el {
                for inner in [&h.template, &h.inverse].into_iter().flatten() {
                    out.extend(positions(inner));
                }
            }
        }
        out
    }

    fn line() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("text {{a}} more".to_string()),
            Just("é {{a}} ü {{b}}{{a}} \\ } {{_x1}}".to_string()),
            Just("{{else}} {{a.b}} {{ a }}".to_string()),
            Just("".to_string()),
            Just("  indented {{{a}}} and \\{{a}}".to_string()),
            Just("{{#if t}}".to_string()),
            Just("{{#unless f}}".to_string()),
            Just("{{else}}".to_string()),
            Just("{{^}}".to_string()),
            Just("{{/if}}".to_string()),
            Just("{{/unless}}".to_string()),
            Just("{{#each list}}".to_string()),
            Just("* {{this}} {{@index}}".to_string()),
            Just("{{/each}}".to_string()),
            Just("  {{> p}}".to_string()),
            Just("{{!-- a comment".to_string()),
            Just("that ends --}} after".to_string()),
            Just("{{! short }} x".to_string()),
            Just("{{~a}} trims before".to_string()),
            Just("trims after {{a~}}".to_string()),
            Just("{{{{raw}}}} {{a}} {{#if}}".to_string()),
            Just("{{{{/raw}}}}".to_string()),
            Just("{{#if (eq a \"Alpha\")}}yes{{/if}}".to_string()),
            Just("broken {{a".to_string()),
            "[a-z {}#/~!>^\\\\]{0,12}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn compiling_in_pieces_renders_what_compiling_whole_does(
            lines in proptest::collection::vec(line(), 0..40),
            crlf in any::<bool>(),
            final_newline in any::<bool>(),
        ) {
            let mut source = lines.join(if crlf { "\r\n" } else { "\n" });
            if final_newline {
                source.push('\n');
            }
            if let (Ok(w), Ok(c)) = (
                Template::compile_with_name(&source, "page".into()),
                compile_in_pieces("page", Path::new("page"), &source, 1),
            ) {
                prop_assert_eq!(positions(&w), positions(&c), "{:?}", source);
            }
            let (whole, cut) = both(&source);
            prop_assert_eq!(whole.is_ok(), cut.is_ok(), "{:?}\nwhole {:?}\ncut {:?}", source, whole, cut);
            if whole.is_ok() {
                prop_assert_eq!(whole, cut, "{:?}", source);
            }
        }
    }

    #[test]
    fn a_large_template_compiles_in_pieces_with_its_own_line_numbers() {
        let source: String = (1..=2000)
            .map(|i| format!("line {i} {{{{a}}}}\n"))
            .collect();
        let cut = pieces(&source, PIECE_BYTES);
        assert!(cut.len() > 5, "{} pieces", cut.len());
        let t = compile("page", Path::new("page"), &source).unwrap();
        let whole = Template::compile_with_name(&source, "page".into()).unwrap();
        assert_eq!(positions(&t), positions(&whole));
        assert_eq!(positions(&t).last(), Some(&(2000, 11)));
        // A syntax error is reported at its line in the whole file.
        let bad = source.replace("line 1500 {{a}}", "line 1500 {{#if a}}");
        let e = compile("page", Path::new("page"), &bad).unwrap_err();
        assert_eq!(e.line, Some(2001), "{e}");
    }
}
