//! Accepted drift: a committed file (`docvar-baseline.toml`) of hunks a team has agreed to
//! live with, so `docvar diff` fails only on new drift. Entries are keyed by a fingerprint of
//! the hunk's content, never its line numbers, so a template edit elsewhere keeps them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::drift::{Hunk, PageReport, Report};
use crate::error::{Error, Result};
use crate::fsguard;

/// The baseline's file name, at the project root.
pub const FILE: &str = "docvar-baseline.toml";

/// One accepted hunk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Page name.
    pub page: String,
    /// Variant slug.
    pub variant: String,
    /// The copy's path relative to the project, `/`-separated.
    pub copy: String,
    /// Where the hunk is, as `docvar diff` words it (for reviewers; not matched on).
    pub location: String,
    /// changed | added | removed | moved.
    pub kind: String,
    /// FNV-1a 64 of the hunk's content, 16 hex digits.
    pub fingerprint: String,
}

/// The baseline file's contents.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    /// Accepted hunks, in report order.
    #[serde(default, rename = "accepted")]
    pub entries: Vec<Entry>,
}

/// What a baseline says about one report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// Per page of the report, per hunk: whether the baseline accepts it.
    pub accepted: Vec<Vec<bool>>,
    /// Entries for the checked copies that matched no hunk.
    pub stale: Vec<Entry>,
}

impl Applied {
    /// Accepted hunks over all pages.
    pub fn accepted_count(&self) -> usize {
        self.accepted.iter().flatten().filter(|a| **a).count()
    }

    /// Hunks the baseline does not accept.
    pub fn unaccepted_count(&self) -> usize {
        self.accepted.iter().flatten().filter(|a| !**a).count()
    }
}

/// FNV-1a, 64 bits: stable across Rust versions and platforms, unlike `DefaultHasher`.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The fingerprint of `hunk` in the copy `copy` (relative path) of `page` for `variant`:
/// its kind, location (as canonical JSON), expected and published text; no line numbers.
pub(crate) fn fingerprint(page: &str, variant: &str, copy: &str, hunk: &Hunk) -> String {
    let location = serde_json::to_string(&hunk.location).unwrap_or_default();
    let kind = serde_json::to_string(&hunk.kind).unwrap_or_default();
    let mut buf = Vec::new();
    for (i, part) in [
        page,
        variant,
        copy,
        &location,
        &kind,
        hunk.expected.as_deref().unwrap_or("\u{0}none"),
        hunk.published.as_deref().unwrap_or("\u{0}none"),
    ]
    .iter()
    .enumerate()
    {
        // Length-prefixed, so no two different tuples serialise alike.
        buf.extend_from_slice(format!("{i}:{}:", part.len()).as_bytes());
        buf.extend_from_slice(part.as_bytes());
    }
    format!("{:016x}", fnv1a(&buf))
}

/// `published` relative to `root`, `/`-separated (as given when outside it).
pub fn relative(root: &Path, published: &str) -> String {
    let opts = crate::report::Options {
        root: Some(root.to_path_buf()),
        ..Default::default()
    };
    opts.relative(published)
}

/// The baseline's path in the project at `root`.
pub fn path(root: &Path) -> PathBuf {
    root.join(FILE)
}

/// Reads the baseline at `root`, or `None` when there is none.
pub fn load(root: &Path) -> Result<Option<Baseline>> {
    let p = path(root);
    match std::fs::symlink_metadata(&p) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        _ => {}
    }
    fsguard::refuse_links(root, &p)?;
    let text = fsguard::read_text_limited(&p, fsguard::DEFAULT_MAX_FILE_SIZE)?;
    let b: Baseline = toml::from_str(&text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        let mut err = Error::in_file(
            &p,
            format!(
                "{}is not a valid baseline: {}",
                line.map(|l| format!("line {l}: ")).unwrap_or_default(),
                e.message()
            ),
        );
        err = err.help("fix the entry, or delete the file and run `docvar accept` again");
        err
    })?;
    Ok(Some(b))
}

/// Writes `baseline` to `root` atomically (refusing links).
pub fn save(root: &Path, baseline: &Baseline) -> Result<()> {
    let mut text = String::from(
        "# Drift accepted with `docvar accept`: `docvar diff` fails only on hunks not listed here.\n\
         # Review changes to this file like code. `docvar accept --prune` drops stale entries.\n\n",
    );
    text.push_str(&toml::to_string(baseline).map_err(|e| Error::msg(e.to_string()))?);
    fsguard::write_atomic(root, &path(root), text.as_bytes())
}

/// The entries of `report`'s hunks (every hunk of every copy).
pub fn entries(report: &Report, root: &Path) -> Vec<Entry> {
    let mut out = Vec::new();
    for p in &report.pages {
        let copy = relative(root, &p.published);
        for h in &p.hunks {
            out.push(Entry {
                page: p.page.clone(),
                variant: p.variant.clone(),
                copy: copy.clone(),
                location: crate::report::location_text(h),
                kind: crate::report::kind_name(h.kind).to_string(),
                fingerprint: fingerprint(&p.page, &p.variant, &copy, h),
            });
        }
    }
    out
}

/// Which hunks of `report` `baseline` accepts, and which of its entries for the checked
/// copies match nothing (stale). Entries for copies not in the report are neither.
pub fn apply(report: &Report, baseline: &Baseline, root: &Path) -> Applied {
    let mut m = Matcher::new(baseline, root);
    let accepted = report.pages.iter().map(|p| m.page(p)).collect();
    Applied {
        accepted,
        stale: m.stale(),
    }
}

/// [`apply`] a copy at a time, for a report that is printed as it is made: it holds the
/// baseline's entries and two flags each, nothing per copy checked.
pub struct Matcher<'b> {
    entries: &'b [Entry],
    root: PathBuf,
    /// Entry indices by fingerprint.
    by_fingerprint: HashMap<&'b str, Vec<usize>>,
    /// Entry indices by the copy they are for: page, variant, path relative to the root.
    by_copy: HashMap<(&'b str, &'b str, &'b str), Vec<usize>>,
    /// Per entry: its copy was checked.
    checked: Vec<bool>,
    /// Per entry: a hunk has its fingerprint.
    matched: Vec<bool>,
}

impl<'b> Matcher<'b> {
    /// A matcher of `baseline`'s entries; copy paths are taken relative to `root`.
    pub fn new(baseline: &'b Baseline, root: &Path) -> Matcher<'b> {
        let entries = baseline.entries.as_slice();
        let mut by_fingerprint: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut by_copy: HashMap<(&str, &str, &str), Vec<usize>> = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            by_fingerprint.entry(&e.fingerprint).or_default().push(i);
            by_copy
                .entry((&e.page, &e.variant, &e.copy))
                .or_default()
                .push(i);
        }
        Matcher {
            entries,
            root: root.to_path_buf(),
            by_fingerprint,
            by_copy,
            checked: vec![false; entries.len()],
            matched: vec![false; entries.len()],
        }
    }

    /// Which of `page`'s hunks the baseline accepts, in order.
    pub fn page(&mut self, page: &PageReport) -> Vec<bool> {
        let copy = relative(&self.root, &page.published);
        let key = (page.page.as_str(), page.variant.as_str(), copy.as_str());
        for &i in self.by_copy.get(&key).into_iter().flatten() {
            self.checked[i] = true;
        }
        page.hunks
            .iter()
            .map(|h| {
                let fp = fingerprint(&page.page, &page.variant, &copy, h);
                let hits = self.by_fingerprint.get(fp.as_str());
                for &i in hits.into_iter().flatten() {
                    self.matched[i] = true;
                }
                hits.is_some()
            })
            .collect()
    }

    /// The entries for checked copies that matched no hunk, in the baseline's order.
    pub fn stale(&self) -> Vec<Entry> {
        self.entries
            .iter()
            .enumerate()
            .filter(|&(i, _)| self.checked[i] && !self.matched[i])
            .map(|(_, e)| e.clone())
            .collect()
    }
}

/// The baseline after accepting every hunk of `report`: earlier entries are kept (those
/// that are stale only without `prune`), new ones appended, none twice.
pub fn record(old: Option<Baseline>, report: &Report, root: &Path, prune: bool) -> Baseline {
    let old = old.unwrap_or_default();
    let stale = apply(report, &old, root).stale;
    let mut kept: Vec<Entry> = old
        .entries
        .into_iter()
        .filter(|e| !(prune && stale.contains(e)))
        .collect();
    for e in entries(report, root) {
        if !kept.iter().any(|o| o.fingerprint == e.fingerprint) {
            kept.push(e);
        }
    }
    Baseline { entries: kept }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_reference_vectors() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }
}
