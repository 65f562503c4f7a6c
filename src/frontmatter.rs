//! YAML-style front matter: found only at the very start of a page, split into top-level keys
//! by line, never parsed as YAML (docvar only needs to know which lines belong to which key).

/// One top-level front-matter key with the lines it spans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The key, e.g. `description`.
    pub key: String,
    /// Everything after `key:` including continuation lines, as written.
    pub value: String,
    /// The raw source lines of this key, joined with `\n`.
    pub source: String,
    /// 1-based inclusive line range in the page.
    pub lines: [usize; 2],
}

/// Front matter found at the start of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrontMatter {
    /// Top-level keys in file order.
    pub entries: Vec<Entry>,
    /// Byte offset where the body starts (just after the closing `---` line).
    pub body_start: usize,
    /// 1-based line of the body's first line.
    pub body_line: usize,
}

fn is_fence(line: &str) -> bool {
    let l = line.trim_end_matches(['\n', '\r', ' ', '\t']);
    l == "---"
}

/// Splits off front matter when the page starts with a `---` line and a closing `---` or `...`
/// line follows; a `---` pair anywhere else is Markdown (a thematic break or a setext heading).
pub fn split(text: &str) -> Option<FrontMatter> {
    let mut lines = text.split_inclusive('\n');
    let first = lines.next()?;
    if !is_fence(first.trim_start_matches('\u{feff}')) {
        return None;
    }
    let mut offset = first.len();
    let mut line_no = 1;
    let mut entries: Vec<Entry> = Vec::new();
    for raw in lines {
        line_no += 1;
        let line = raw.trim_end_matches(['\n', '\r']);
        offset += raw.len();
        if is_fence(line) || line.trim_end() == "..." {
            return Some(FrontMatter {
                entries,
                body_start: offset,
                body_line: line_no + 1,
            });
        }
        let starts_key = !line.starts_with([' ', '\t', '-', '#']) && !line.trim().is_empty();
        match (starts_key, entries.last_mut()) {
            (false, Some(e)) => {
                e.value.push('\n');
                e.value.push_str(line);
                e.source.push('\n');
                e.source.push_str(line);
                e.lines[1] = line_no;
            }
            (false, None) if line.trim().is_empty() => {}
            _ => {
                let (key, value) = match line.split_once(':') {
                    Some((k, v)) => (k.trim().to_string(), v.trim_start().to_string()),
                    None => (line.trim().to_string(), String::new()),
                };
                entries.push(Entry {
                    key,
                    value,
                    source: line.to_string(),
                    lines: [line_no, line_no],
                });
            }
        }
    }
    // An opening fence that is never closed is not front matter.
    None
}

/// Writes TOML values as YAML front-matter lines, the way the docs site writes them:
/// scalars inline, lists as `    - item` lines, nested tables indented by four spaces.
pub fn to_yaml(table: &toml::Table) -> String {
    let mut out = String::new();
    write_table(&mut out, table, 0);
    out
}

fn write_table(out: &mut String, table: &toml::Table, indent: usize) {
    let pad = " ".repeat(indent);
    for (key, value) in table {
        match value {
            toml::Value::Array(items) => {
                out.push_str(&format!("{pad}{}:\n", yaml_key(key)));
                for item in items {
                    out.push_str(&format!("{pad}    - {}\n", scalar(item)));
                }
            }
            toml::Value::Table(t) => {
                out.push_str(&format!("{pad}{}:\n", yaml_key(key)));
                write_table(out, t, indent + 4);
            }
            v => out.push_str(&format!("{pad}{}: {}\n", yaml_key(key), scalar(v))),
        }
    }
}

/// A key as YAML: quoted when it holds anything but a plain name (a quoted TOML key can
/// hold a line break or `: `).
fn yaml_key(key: &str) -> String {
    if !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ' '))
        && key.trim() == key
    {
        key.to_string()
    } else {
        serde_json::to_string(key).unwrap_or_default()
    }
}

fn scalar(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => {
            let needs_quotes = s.is_empty()
                || s.contains(": ")
                || s.contains(" #")
                || s.starts_with(|c: char| "!&*{}[]|>'\"%@`#,?:-".contains(c))
                || s.ends_with(':')
                || s.trim() != s
                // A line break would end the value's line, and could close the front matter.
                || s.contains(['\n', '\r']);
            if needs_quotes {
                serde_json::to_string(s).unwrap_or_default()
            } else {
                s.clone()
            }
        }
        toml::Value::Array(_) | toml::Value::Table(_) => {
            serde_json::to_string(v).unwrap_or_default()
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_at_start() {
        assert!(split("# Title\n\n---\nkey: v\n---\n").is_none());
        let fm = split("---\na: 1\nlist:\n    - x\n---\nbody\n").unwrap();
        assert_eq!(fm.entries.len(), 2);
        assert_eq!(fm.entries[1].lines, [3, 4]);
        assert_eq!(fm.body_line, 6);
    }

    #[test]
    fn unclosed_is_not_front_matter() {
        assert!(split("---\na: 1\n").is_none());
    }
}
