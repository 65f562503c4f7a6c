//! Writing out/: every file through a temp file and a rename, only when its bytes change,
//! all-or-nothing, under a lock, never through a symlink and never outside out/.

use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use crate::error::{Error, Result};

/// A file a run wants in out/.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    /// Path relative to out/ (`<slug>/<page>.md`).
    pub rel: PathBuf,
    /// Content.
    pub bytes: Vec<u8>,
}

/// How a file in out/ compares with what the templates render.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// Content differs.
    Stale,
    /// Not in out/ yet.
    Missing,
    /// In out/ but no page renders it.
    Extra,
}

impl Status {
    /// Lower-case name for listings.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Stale => "stale",
            Status::Missing => "missing",
            Status::Extra => "extra",
        }
    }
}

/// What a write changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Written {
    /// Files created or replaced.
    pub written: Vec<PathBuf>,
    /// Files left alone because their bytes were already right.
    pub unchanged: usize,
    /// Extra files removed.
    pub removed: Vec<PathBuf>,
}

fn is_inside(rel: &Path) -> bool {
    rel.components().all(|c| matches!(c, Component::Normal(_)))
}

fn check_out_dir(out: &Path) -> Result<()> {
    match fs::symlink_metadata(out) {
        Ok(m) if m.is_file() => Err(Error::in_file(out, "the output folder is a file")
            .help("remove or rename it, or set `out` in docvar.toml")),
        _ => Ok(()),
    }
}

/// Every regular file under `out`, relative to it (hidden files such as the lock skipped).
fn existing(out: &Path) -> Result<BTreeSet<PathBuf>> {
    Ok(scan(out)?.0)
}

/// Files under `out`, and temp files a killed run left behind.
fn scan(out: &Path) -> Result<(BTreeSet<PathBuf>, Vec<PathBuf>)> {
    let mut found = BTreeSet::new();
    let mut litter = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let dir = out.join(&rel);
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(Error::io(&dir, &e)),
        };
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(&dir, &e))?;
            let name = entry.file_name();
            if name.to_string_lossy().starts_with(".docvar-") {
                litter.push(rel.join(&name));
            }
            if name.to_string_lossy().starts_with('.') {
                continue;
            }
            let child = rel.join(&name);
            let ty = entry.file_type().map_err(|e| Error::io(entry.path(), &e))?;
            if ty.is_dir() {
                stack.push(child);
            } else {
                found.insert(child);
            }
        }
    }
    Ok((found, litter))
}

/// Files in out/ that differ from `planned`. `scope` limits extra-file detection to files a
/// filtered run is responsible for (all files when `None`).
pub fn check(
    out: &Path,
    planned: &[Planned],
    scope: Option<&dyn Fn(&Path) -> bool>,
) -> Result<Vec<(PathBuf, Status)>> {
    check_out_dir(out)?;
    let statuses: Vec<Result<Option<Status>>> = planned
        .par_iter()
        .map(|p| {
            let path = out.join(&p.rel);
            match fs::read(&path) {
                Ok(bytes) if bytes == p.bytes => Ok(None),
                Ok(_) => Ok(Some(Status::Stale)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Some(Status::Missing)),
                Err(e) => Err(Error::io(&path, &e)),
            }
        })
        .collect();
    let mut report = Vec::new();
    for (p, status) in planned.iter().zip(statuses) {
        if let Some(status) = status? {
            report.push((p.rel.clone(), status));
        }
    }
    report.extend(
        extra(out, planned, scope)?
            .into_iter()
            .map(|rel| (rel, Status::Extra)),
    );
    report.sort();
    Ok(report)
}

/// Files in out/ that no planned file accounts for (the [`Status::Extra`] part of [`check`],
/// without reading any file), within `scope`.
pub fn extra(
    out: &Path,
    planned: &[Planned],
    scope: Option<&dyn Fn(&Path) -> bool>,
) -> Result<Vec<PathBuf>> {
    check_out_dir(out)?;
    let wanted: std::collections::HashSet<&Path> =
        planned.iter().map(|p| p.rel.as_path()).collect();
    Ok(existing(out)?
        .into_iter()
        .filter(|rel| !wanted.contains(rel.as_path()) && scope.is_none_or(|f| f(rel)))
        .collect())
}

/// Holds the out/ lock until dropped, so two runs never interleave their renames.
pub struct Lock {
    _file: fs::File,
}

/// Takes the out/ lock, waiting for another docvar run to finish.
pub fn lock(out: &Path) -> Result<Lock> {
    check_out_dir(out)?;
    fs::create_dir_all(out)
        .map_err(|e| Error::io(out, &e).help("check that the output folder can be created"))?;
    let path = out.join(".docvar.lock");
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| Error::io(&path, &e).help("check that the output folder is writable"))?;
    file.lock().map_err(|e| Error::io(&path, &e))?;
    Ok(Lock { _file: file })
}

/// Writes `planned` into `out`: all changed files go to temp files first, and only when every
/// one of them is written are they renamed into place, so a failure leaves out/ as it was.
/// Extra files in `remove` are deleted afterwards.
///
/// Files are compared and staged in parallel; a staged temp file is closed at once (only its
/// path is kept), so a run of any size stays far below the open-file limit.
pub fn write(out: &Path, planned: &[Planned], remove: &[PathBuf]) -> Result<Written> {
    write_with_progress(out, planned, remove, &AtomicUsize::new(0))
}

/// [`write`], adding one to `done` for each planned file found unchanged or staged (so it
/// ends at `planned.len()`), for a progress display.
pub fn write_with_progress(
    out: &Path,
    planned: &[Planned],
    remove: &[PathBuf],
    done: &AtomicUsize,
) -> Result<Written> {
    let _lock = lock(out)?;
    // Temp files a killed run left behind are ours to remove, now that we hold the lock.
    for rel in scan(out)?.1 {
        let path = out.join(&rel);
        fs::remove_file(&path).map_err(|e| Error::io(&path, &e))?;
    }
    let mut result = Written::default();
    // Compare every file with what is there (in parallel); refusals are reported in order below.
    let checked: Vec<Result<bool>> = planned
        .par_iter()
        .map(|p| {
            if !is_inside(&p.rel) {
                return Err(Error::msg(format!(
                    "refusing to write {} outside the output folder",
                    p.rel.display()
                )));
            }
            let path = out.join(&p.rel);
            match fs::symlink_metadata(&path) {
                Ok(m) if m.file_type().is_symlink() => Err(Error::in_file(
                    &path,
                    "is a symlink; docvar never writes through links",
                )
                .help("remove the link and run again")),
                Ok(m) if m.is_dir() => Err(Error::in_file(
                    &path,
                    "is a folder where docvar writes a page",
                )
                .help("remove it")),
                Ok(m) if m.len() == p.bytes.len() as u64 => {
                    let same = fs::read(&path).is_ok_and(|b| b == p.bytes);
                    if same {
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(same)
                }
                _ => Ok(false),
            }
        })
        .collect();
    // In order, as a one-by-one write would meet them: the file's own refusal, then its folder
    // (never a link; created once).
    let mut changed = Vec::new();
    let mut made: BTreeSet<PathBuf> = BTreeSet::new();
    for (p, c) in planned.iter().zip(checked) {
        if c? {
            result.unchanged += 1;
            continue;
        }
        let path = out.join(&p.rel);
        let dir = path.parent().unwrap_or(out);
        if !made.contains(dir) {
            made.insert(dir.to_path_buf());
            if let Ok(m) = fs::symlink_metadata(dir) {
                if m.file_type().is_symlink() {
                    return Err(Error::in_file(
                        dir,
                        "is a symlink; docvar never writes through links",
                    )
                    .help("remove the link and run again"));
                }
            }
            fs::create_dir_all(dir).map_err(|e| Error::io(dir, &e))?;
        }
        changed.push(p);
    }
    // No fsync per file: the rename is what makes a file appear whole after a crash of docvar
    // itself (old or new content, never torn), and an fsync per page cost more than the rest
    // of a 10,000-page run. Power-loss durability is left to the file system, as git does for
    // work-tree files.
    // Temp files are named from an absolute folder, or tempfile asks for the working
    // directory once per file.
    let base = std::path::absolute(out).unwrap_or_else(|_| out.to_path_buf());
    let staged: Vec<Result<tempfile::TempPath>> = changed
        .par_iter()
        .map(|p| {
            let path = out.join(&p.rel);
            let dir = path.parent().unwrap_or(out);
            let abs = base.join(&p.rel);
            let mut tmp = tempfile::Builder::new()
                .prefix(".docvar-")
                .tempfile_in(abs.parent().unwrap_or(&base))
                .map_err(|e| Error::io(dir, &e).help("check that the output folder is writable"))?;
            tmp.write_all(&p.bytes).map_err(|e| Error::io(&path, &e))?;
            done.fetch_add(1, Ordering::Relaxed);
            Ok(tmp.into_temp_path())
        })
        .collect();
    // Any failure drops every staged temp file (deleting it) before a rename happens.
    let staged: Vec<tempfile::TempPath> = staged.into_iter().collect::<Result<_>>()?;
    for (tmp, p) in staged.into_iter().zip(&changed) {
        let path = out.join(&p.rel);
        tmp.persist(&path).map_err(|e| Error::io(&path, &e.error))?;
        result.written.push(p.rel.clone());
    }
    for rel in remove {
        if is_inside(rel) {
            let path = out.join(rel);
            fs::remove_file(&path).map_err(|e| Error::io(&path, &e))?;
            result.removed.push(rel.clone());
        }
    }
    Ok(result)
}

/// Replaces one file (a published copy) atomically: temp file beside it, then rename.
pub fn replace_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let base = path.parent().unwrap_or(Path::new(""));
    crate::fsguard::write_atomic(base, path, bytes)
}
