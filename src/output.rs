//! Writing out/: every file through a temp file and a rename, only when its bytes change,
//! all-or-nothing, under a lock, never through a symlink and never outside out/. A manifest
//! in the folder records what docvar wrote; only its entries are ever removed.

use std::collections::HashSet;
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::fsguard;
use crate::project::Project;

/// The manifest's file name inside the output folder. Hidden (the scan of out/ skips it) and
/// not `.docvar-*` (that prefix is a killed run's temp file, swept as litter).
pub const MANIFEST: &str = ".docvar.manifest";

const MANIFEST_HEADER: &str = "# docvar manifest 1: the files docvar wrote in this folder, the only ones it removes.\n# One path per line; later fields, if any, follow a tab. Written by `docvar generate`.\n";

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
pub enum FileStatus {
    /// Content differs.
    Stale,
    /// Not in out/ yet.
    Missing,
    /// Written by docvar (in the manifest) but no page renders it any more: removed by
    /// `generate`.
    Extra,
    /// Not written by docvar: `generate` leaves it alone and names it.
    Foreign,
}

impl FileStatus {
    /// Lower-case name for listings.
    pub fn as_str(self) -> &'static str {
        match self {
            FileStatus::Stale => "stale",
            FileStatus::Missing => "missing",
            FileStatus::Extra => "extra",
            FileStatus::Foreign => "foreign",
        }
    }
}

/// What a write changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Written {
    /// The files created or replaced, in order, by index: into `planned` for [`write()`], into
    /// the run's [`Layout`] for [`write_rendered`] (four bytes a file, not its path).
    pub written: Vec<u32>,
    /// Files left alone because their bytes were already right.
    pub unchanged: usize,
    /// Extra files removed.
    pub removed: Vec<PathBuf>,
    /// Files docvar did not write, left in place.
    pub foreign: Vec<PathBuf>,
}

/// Where a run's files go: each file's path by its index, looked up and listed in path order
/// without holding every path (an estate's paths grew a run's memory by 20 MB per 40,000
/// pages). `docvar generate` works them out from the variants and pages
/// ([`crate::generate::Files`]); [`Listed`] holds them.
pub trait Layout: Sync {
    /// How many files.
    fn len(&self) -> usize;

    /// Whether there is none.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `i`-th file's path, relative to out/.
    fn path(&self, i: usize) -> PathBuf;

    /// The index of the file at `rel`, if there is one.
    fn index(&self, rel: &Path) -> Option<usize>;

    /// Each path's index once, in path order (by component): the manifest's order.
    fn in_order(&self) -> Box<dyn Iterator<Item = usize> + '_>;
}

/// A list of planned files as a [`Layout`], with their path order (4 bytes a file).
#[derive(Debug, Clone)]
pub struct Listed<'a> {
    planned: &'a [Planned],
    order: Vec<u32>,
}

impl<'a> Listed<'a> {
    /// `planned` as a layout.
    pub fn new(planned: &'a [Planned]) -> Listed<'a> {
        let mut order: Vec<u32> = (0..planned.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| planned[a as usize].rel.cmp(&planned[b as usize].rel));
        Listed { planned, order }
    }

    /// The path of the file `k`-th in path order.
    fn at(&self, k: usize) -> &Path {
        &self.planned[self.order[k] as usize].rel
    }
}

impl Layout for Listed<'_> {
    fn len(&self) -> usize {
        self.planned.len()
    }

    fn path(&self, i: usize) -> PathBuf {
        self.planned[i].rel.clone()
    }

    fn index(&self, rel: &Path) -> Option<usize> {
        let at = self
            .order
            .binary_search_by(|&i| self.planned[i as usize].rel.as_path().cmp(rel));
        at.ok().map(|k| self.order[k] as usize)
    }

    fn in_order(&self) -> Box<dyn Iterator<Item = usize> + '_> {
        Box::new(
            (0..self.order.len())
                .filter(move |&k| k == 0 || self.at(k - 1) != self.at(k))
                .map(|k| self.order[k] as usize),
        )
    }
}

/// What docvar wrote in an output folder (`<out>/.docvar.manifest`): one path per line,
/// relative to the folder, sorted, so the file is the same for the same pages. A line may
/// carry more tab-separated fields in a later version (a hash of the rendered bytes, say);
/// this version reads the path and keeps nothing else.
///
/// Held against the [`Layout`] of every file the project writes: a flag for each of those and
/// the rare other entry as a path, so an estate's manifest costs a byte a page, not its text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    known: Vec<bool>,
    other: Vec<PathBuf>,
}

impl Manifest {
    /// Reads the manifest of `out`, or `None` when there is none; `known` lays out the files
    /// the project writes.
    pub fn load(out: &Path, known: &dyn Layout) -> Result<Option<Manifest>> {
        let path = out.join(MANIFEST);
        if fs::symlink_metadata(&path).is_err() {
            return Ok(None);
        }
        fsguard::refuse_links(out, &path)?;
        let limit = fsguard::DEFAULT_MAX_FILE_SIZE;
        let file = fsguard::open_regular(&path, limit)?;
        Manifest::read(&path, BufReader::new(file.take(limit + 1)), known).map(Some)
    }

    /// Reads manifest lines from `r` (the file at `path`), a line at a time; an entry that is
    /// not a plain relative path is an error (it could name a file outside the folder).
    pub fn read(path: &Path, mut r: impl BufRead, known: &dyn Layout) -> Result<Manifest> {
        let mut manifest = Manifest {
            known: vec![false; known.len()],
            other: Vec::new(),
        };
        let (mut line, mut number, mut size) = (String::new(), 0, 0);
        loop {
            line.clear();
            let read = r.read_line(&mut line).map_err(|e| {
                let e = if e.kind() == std::io::ErrorKind::InvalidData {
                    Error::in_file(path, "not valid UTF-8").help("save the file as UTF-8")
                } else {
                    Error::io(path, &e)
                };
                e.at(number + 1, None)
            })?;
            if read == 0 {
                break;
            }
            number += 1;
            size += read as u64;
            if size > fsguard::DEFAULT_MAX_FILE_SIZE {
                let limit = fsguard::DEFAULT_MAX_FILE_SIZE;
                return Err(
                    Error::in_file(path, format!("is over the limit of {limit} bytes")).help(
                        "delete the manifest and the files docvar wrote, and run `docvar generate`",
                    ),
                );
            }
            let text = line.strip_suffix('\n').unwrap_or(&line);
            let text = text.strip_suffix('\r').unwrap_or(text);
            if text.starts_with('#') || text.trim().is_empty() {
                continue;
            }
            let rel = Path::new(text.split('\t').next().unwrap_or(""));
            if !is_inside(rel) {
                return Err(Error::in_file(path, format!("entry {:?} is not a path inside the folder", rel.display().to_string()))
                    .at(number, None)
                    .help("delete the manifest's bad line, or the manifest and the files docvar wrote, and run `docvar generate`"));
            }
            match known.index(rel) {
                Some(i) => manifest.known[i] = true,
                None => manifest.other.push(rel.to_path_buf()),
            }
        }
        manifest.other.sort_unstable();
        manifest.other.dedup();
        Ok(manifest)
    }

    /// Whether the manifest lists `rel`.
    fn lists(&self, known: &dyn Layout, rel: &Path) -> bool {
        match known.index(rel) {
            Some(i) => self.known[i],
            None => self
                .other
                .binary_search_by(|p| p.as_path().cmp(rel))
                .is_ok(),
        }
    }

    /// The entries in path order.
    fn files<'a>(&'a self, known: &'a dyn Layout) -> impl Iterator<Item = PathBuf> + 'a {
        let mut ours = known
            .in_order()
            .filter(|&i| self.known[i])
            .map(|i| known.path(i))
            .peekable();
        let mut other = self.other.iter().peekable();
        std::iter::from_fn(move || {
            let from_other = match (ours.peek(), other.peek()) {
                (None, None) => return None,
                (Some(_), None) => false,
                (None, Some(_)) => true,
                (Some(a), Some(b)) => b < &a,
            };
            if from_other {
                other.next().cloned()
            } else {
                ours.next()
            }
        })
    }

    /// Writes the manifest listing `files` (sorted) to `w`, a line at a time: an estate's
    /// manifest is megabytes, never held whole.
    fn write_to(w: &mut dyn Write, files: impl Iterator<Item = PathBuf>) -> std::io::Result<()> {
        w.write_all(MANIFEST_HEADER.as_bytes())?;
        for f in files {
            for (k, c) in f.components().enumerate() {
                if k > 0 {
                    w.write_all(b"/")?;
                }
                w.write_all(c.as_os_str().to_string_lossy().as_bytes())?;
            }
            w.write_all(b"\n")?;
        }
        Ok(())
    }
}

/// Who owns the files in an output folder, worked out before a run writes anything.
#[derive(Debug, Clone, Default)]
pub struct Ownership {
    /// The manifest found in the folder (`None`: none yet).
    manifest: Option<Manifest>,
    /// Manifest entries in the run's scope that no page renders any more and that exist:
    /// `generate` removes them.
    pub stale: Vec<PathBuf>,
    /// Files docvar did not write (not in the manifest, not where this run writes): never
    /// removed or overwritten.
    pub foreign: Vec<PathBuf>,
    /// Files at paths docvar writes, found without a manifest entry: recorded as docvar's.
    pub adopted: Vec<PathBuf>,
}

impl Ownership {
    /// Whether the manifest found lists `rel`.
    fn lists(&self, known: &dyn Layout, rel: &Path) -> bool {
        self.manifest.as_ref().is_some_and(|m| m.lists(known, rel))
    }

    /// The manifest after a run that writes `run`'s files and removes `stale`.
    fn next(&self, out: &Path, run: &dyn Layout, known: &dyn Layout) -> Manifest {
        let mut next = Manifest {
            known: vec![false; known.len()],
            other: Vec::new(),
        };
        let mut add = |p: PathBuf| match known.index(&p) {
            Some(i) => next.known[i] = true,
            None => next.other.push(p),
        };
        for j in 0..run.len() {
            add(run.path(j));
        }
        for p in &self.adopted {
            add(p.clone());
        }
        if let Some(m) = &self.manifest {
            let stale: HashSet<&Path> = self.stale.iter().map(PathBuf::as_path).collect();
            // An entry whose file is gone (moved by rename, deleted by hand) is dropped.
            let stays = |p: &Path| !stale.contains(p) && fs::symlink_metadata(out.join(p)).is_ok();
            for (i, listed) in m.known.iter().enumerate() {
                if *listed && !next.known[i] && stays(&known.path(i)) {
                    next.known[i] = true;
                }
            }
            let kept = m
                .other
                .iter()
                .filter(|p| run.index(p).is_none() && stays(p));
            next.other.extend(kept.cloned());
        }
        next.other.sort_unstable();
        next.other.dedup();
        next
    }

    /// Whether the run's manifest (`next`, from [`Ownership::next`]) differs from the one
    /// found.
    fn manifest_changes(&self, next: &Manifest) -> bool {
        self.manifest.as_ref() != Some(next)
    }
}

/// Works out who owns what in `out` for a run that writes `run`'s files; `known` lays out
/// every file the project writes (files there are adopted when the folder has no manifest
/// yet). `scope` limits stale entries to the files a filtered run is responsible for.
pub fn ownership_for(
    out: &Path,
    run: &dyn Layout,
    known: &dyn Layout,
    scope: Option<&dyn Fn(&Path) -> bool>,
) -> Result<Ownership> {
    check_out_dir(out)?;
    let mut own = Ownership {
        manifest: Manifest::load(out, known)?,
        ..Ownership::default()
    };
    let wanted = |rel: &Path| run.index(rel).is_some();
    let (mut stale, mut adopted, mut foreign) = (Vec::new(), Vec::new(), Vec::new());
    // Classified as the folder is walked: an up-to-date folder's files are all planned and
    // listed, and none of them is held.
    scan(out, &mut |rel| {
        if own.lists(known, &rel) {
            if !wanted(&rel) && scope.is_none_or(|f| f(&rel)) {
                stale.push(rel);
            }
        } else if wanted(&rel) || known.index(&rel).is_some() {
            adopted.push(rel);
        } else {
            foreign.push(rel);
        }
    })?;
    stale.sort_unstable();
    adopted.sort_unstable();
    foreign.sort_unstable();
    own.stale = stale;
    own.adopted = adopted;
    own.foreign = foreign;
    Ok(own)
}

/// Refuses an output folder docvar must never write into or clean: the project root or a
/// folder above it, templates/ or variants/ (or a folder inside or above them), a folder
/// holding published copies, a folder inside `.git`, or a link. Checked before anything is
/// written.
pub fn check_location(project: &Project, out: &Path) -> Result<()> {
    let refuse = |why: String| {
        Error::in_file(out, format!("cannot be the output folder: {why}"))
            .help("set `out` in docvar.toml (or --out) to a folder of its own, such as out/")
    };
    // Links: the folder itself and those between the project root and it.
    let root_abs = std::path::absolute(&project.root).unwrap_or_else(|_| project.root.clone());
    let out_abs = std::path::absolute(out).unwrap_or_else(|_| out.to_path_buf());
    let base = if out_abs.starts_with(&root_abs) {
        root_abs.clone()
    } else {
        out_abs
            .parent()
            .map_or_else(|| out_abs.clone(), Path::to_path_buf)
    };
    // Named as the user wrote it when the link is the folder itself.
    fsguard::refuse_links(&base, &out_abs).map_err(|e| Error {
        file: match e.file {
            Some(f) if f != out_abs => Some(f),
            _ => Some(out.to_path_buf()),
        },
        ..e
    })?;
    let real = fsguard::resolve(out);
    let root = fsguard::resolve(&project.root);
    if root.starts_with(&real) {
        return Err(refuse(if root == real {
            "it is the project root".into()
        } else {
            "it holds the project".into()
        }));
    }
    if fsguard::in_git_dir(&real) {
        return Err(refuse("it is inside .git".into()));
    }
    for (what, dir) in [
        ("templates", &project.config.templates),
        ("variants", &project.config.variants),
    ] {
        let d = fsguard::resolve(&project.path(dir));
        if d.starts_with(&real) || real.starts_with(&d) {
            return Err(refuse(format!(
                "it overlaps the {what} folder {}",
                project.path(dir).display()
            )));
        }
    }
    for (v, _, p) in project.declared() {
        if crate::project::resolve_copy(&project.path(p)).starts_with(&real) {
            return Err(refuse(format!(
                "it holds the published copy {} ({})",
                p.display(),
                v.path.display()
            )));
        }
    }
    Ok(())
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

/// Walks the regular files under `out`, handing each (relative to it) to `found` (hidden files
/// such as the lock skipped); returns the temp files a killed run left behind.
fn scan(out: &Path, found: &mut dyn FnMut(PathBuf)) -> Result<Vec<PathBuf>> {
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
            let ty = entry.file_type().map_err(|e| Error::io(entry.path(), &e))?;
            if ty.is_file() && is_temp_name(&name.to_string_lossy()) {
                litter.push(rel.join(&name));
            }
            if name.to_string_lossy().starts_with('.') {
                continue;
            }
            let child = rel.join(&name);
            if ty.is_dir() {
                stack.push(child);
            } else {
                found(child);
            }
        }
    }
    Ok(litter)
}

/// Whether `name` is a temp file a docvar run makes in out/ (and a killed one leaves): a staged
/// page, `.docvar-<run>-<index>`, or an atomic write's, `.docvar-` and six letters or digits.
/// Another file whose name starts `.docvar-` is the user's and stays.
fn is_temp_name(name: &str) -> bool {
    let Some(rest) = name.strip_prefix(".docvar-") else {
        return false;
    };
    let staged = rest.split_once('-').is_some_and(|(run, index)| {
        !run.is_empty()
            && run.bytes().all(|b| b.is_ascii_hexdigit())
            && !index.is_empty()
            && index.bytes().all(|b| b.is_ascii_digit())
    });
    staged || (rest.len() == 6 && rest.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// Renders one job's files for a streamed run; called once per job index, in parallel. Its
/// files are compared or staged and dropped at once, so a run holds a few pages per thread,
/// never the whole estate.
pub type RenderJob<'a> = dyn Fn(usize) -> Result<Vec<Planned>> + Sync + 'a;

/// Renders every job and returns the first error in job order (what a run that rendered
/// everything first would have stopped at); keeps nothing. A streamed run calls it before
/// reporting a problem with out/, so a template error is reported first, as before.
pub fn validate(jobs: usize, render: &RenderJob<'_>) -> Result<()> {
    let errors: Vec<Option<Error>> = (0..jobs).into_par_iter().map(|j| render(j).err()).collect();
    match errors.into_iter().flatten().next() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// A job's outcome in a streamed run: its values, or a render error (reported first, in job
/// order) or an error comparing or staging its files (reported after every render
/// succeeded). Boxed, so the one a run holds per job stays small.
type Streamed<T> = std::result::Result<T, Box<(Stage, Error)>>;

/// Where a streamed job failed.
#[derive(PartialEq)]
enum Stage {
    Render,
    Files,
}

/// A job's `Result<Result<T>>` (render, then files) as a [`Streamed`].
fn streamed<T>(r: Result<Result<T>>) -> Streamed<T> {
    match r {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(Box::new((Stage::Files, e))),
        Err(e) => Err(Box::new((Stage::Render, e))),
    }
}

/// Render errors first (in job order), then the other errors (in job order), then the values.
fn settle<T>(results: Vec<Streamed<Vec<T>>>) -> Result<Vec<T>> {
    let mut first_io = None;
    let mut values = Vec::new();
    for r in results {
        match r {
            Err(failed) if failed.0 == Stage::Render => return Err(failed.1),
            Err(failed) => {
                first_io.get_or_insert(failed.1);
            }
            Ok(v) => values.extend(v),
        }
    }
    match first_io {
        Some(e) => Err(e),
        None => Ok(values),
    }
}

/// The files in out/ that differ from what `jobs` render (`run` lays out their files, in
/// order; `known` every file the project writes, see [`ownership_for`]): each job's files are
/// compared as they render, so only the statuses are held, whatever the number of pages.
/// `scope` limits extra-file detection to files a filtered run is responsible for.
pub fn check_rendered(
    out: &Path,
    run: &dyn Layout,
    known: &dyn Layout,
    jobs: usize,
    render: &RenderJob<'_>,
    scope: Option<&dyn Fn(&Path) -> bool>,
) -> Result<Vec<(PathBuf, FileStatus)>> {
    if let Err(e) = check_out_dir(out) {
        validate(jobs, render)?;
        return Err(e);
    }
    let compared: Vec<Streamed<Vec<(PathBuf, FileStatus)>>> = (0..jobs)
        .into_par_iter()
        .map(|j| {
            streamed(render(j).map(|files| {
                files
                    .into_iter()
                    .filter_map(|p| compare_file(out, &p).transpose().map(|s| Ok((p.rel, s?))))
                    .collect()
            }))
        })
        .collect();
    let mut report = settle(compared)?;
    let own = ownership_for(out, run, known, scope)?;
    report.extend(own.stale.iter().map(|rel| (rel.clone(), FileStatus::Extra)));
    report.extend(
        own.foreign
            .iter()
            .map(|rel| (rel.clone(), FileStatus::Foreign)),
    );
    // A committed manifest that a run would change is stale too (none yet is fine: the
    // first run adopts the folder).
    if own.manifest.is_some() && own.manifest_changes(&own.next(out, run, known)) {
        report.push((PathBuf::from(MANIFEST), FileStatus::Stale));
    }
    report.sort();
    Ok(report)
}

/// How the file at `p.rel` in `out` compares with `p` (`None`: the same bytes).
fn compare_file(out: &Path, p: &Planned) -> Result<Option<FileStatus>> {
    let path = out.join(&p.rel);
    // Only a regular file of the right size is read (a FIFO would hang, a link is never
    // docvar's): anything else is stale, and `generate` refuses or replaces it.
    match fs::symlink_metadata(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Some(FileStatus::Missing)),
        Err(e) => Err(Error::io(&path, &e)),
        Ok(m) if !m.is_file() || m.len() != p.bytes.len() as u64 => Ok(Some(FileStatus::Stale)),
        Ok(_) => match fsguard::read_regular(&path, p.bytes.len() as u64) {
            Ok(bytes) if bytes == p.bytes => Ok(None),
            Ok(_) => Ok(Some(FileStatus::Stale)),
            Err(e) => Err(e),
        },
    }
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
    fsguard::refuse_links(out, &path)?;
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
/// Files in `remove` that the manifest lists are deleted afterwards (others never are).
///
/// Files are compared and staged in parallel; a staged temp file is closed at once (only its
/// path is kept), so a run of any size stays far below the open-file limit. `progress`, when
/// given, counts each planned file found unchanged or staged (so it ends at `planned.len()`).
pub fn write(
    out: &Path,
    planned: &[Planned],
    remove: &[PathBuf],
    progress: Option<&AtomicUsize>,
) -> Result<Written> {
    // A path that is not UTF-8 (docvar's never are) would not survive the manifest.
    if let Some(p) = planned.iter().find(|p| p.rel.to_str().is_none()) {
        return Err(Error::msg(format!(
            "refusing to write {}: not UTF-8",
            p.rel.display()
        )));
    }
    let layout = Listed::new(planned);
    let mut own = Ownership {
        manifest: Manifest::load(out, &layout)?,
        ..Ownership::default()
    };
    own.stale = remove
        .iter()
        .filter(|r| own.lists(&layout, r))
        .cloned()
        .collect();
    let render = |i: usize| Ok(vec![planned[i].clone()]);
    write_rendered(
        out,
        &layout,
        &layout,
        &own,
        planned.len(),
        &render,
        progress,
    )
}

/// Writes the files `jobs` render into `out` as [`write()`] does, rendering them as it writes
/// them: `run` lays out every file the jobs render, in order, and `known` every file the
/// project writes (see [`ownership_for`]). Removes `own.stale` (entries of the manifest only)
/// and records the new manifest; refuses a folder with files docvar did not write and no
/// manifest yet, before writing anything. Each rendered file is compared with what is there and, if
/// it changed, staged as a temp file beside its target at once; only paths and temp-file
/// names are kept, so memory does not grow with the pages' size. Every check that needs no
/// content (links, folders in the way, ownership) runs before the first page is rendered;
/// folders are made once those pass, and renames happen only after every page rendered and
/// staged. Any failure removes the temp files and the folders this run made (out/ too), so
/// out/ is as it was.
pub fn write_rendered(
    out: &Path,
    run: &dyn Layout,
    known: &dyn Layout,
    own: &Ownership,
    jobs: usize,
    render: &RenderJob<'_>,
    progress: Option<&AtomicUsize>,
) -> Result<Written> {
    // A problem with out/ is reported after any template error, as when every page was
    // rendered before out/ was looked at.
    let fail = |e: Error| -> Result<Written> {
        validate(jobs, render)?;
        Err(e)
    };
    if own.manifest.is_none() {
        if let Some(first) = own.foreign.first() {
            return fail(Error::in_file(
                out,
                format!(
                    "holds files docvar did not write ({} of them, e.g. {}) and no manifest ({MANIFEST}), so docvar will not write into it",
                    own.foreign.len(),
                    out.join(first).display()
                ),
            )
            .help("choose an empty or new output folder, or move those files out of it"));
        }
    }
    // Every removal is checked (an entry of the manifest, inside, no link) before any write.
    for rel in &own.stale {
        if !own.lists(known, rel) || !is_inside(rel) {
            return fail(Error::in_file(
                out.join(rel),
                "docvar did not write this file; it is never removed",
            ));
        }
        if let Err(e) = fsguard::refuse_links(out, &out.join(rel)) {
            return fail(e);
        }
    }
    let existed = fs::symlink_metadata(out).is_ok();
    let lock = match lock(out) {
        Ok(l) => l,
        Err(e) => return fail(e),
    };
    let mut made = Vec::new();
    let result = write_locked(out, run, known, own, jobs, render, progress, &mut made);
    if let Err(e) = result {
        // Undo what this run made: its folders (deepest first), then out/ itself if it was
        // new and holds nothing but the lock.
        for &i in made.iter().rev() {
            fsguard::remove_empty_dirs(out, &folder_of(out, &run.path(i as usize)));
        }
        drop(lock);
        if !existed && fs::read_dir(out).is_ok_and(|d| d.count() == 1) {
            let _ = fs::remove_file(out.join(".docvar.lock"));
            let _ = fs::remove_dir(out);
        }
        return fail(e);
    }
    result
}

/// The part of [`write_rendered`] under the lock; `made` collects the folders it creates, as
/// the index of a file in each.
#[allow(clippy::too_many_arguments)]
fn write_locked(
    out: &Path,
    run: &dyn Layout,
    known: &dyn Layout,
    own: &Ownership,
    jobs: usize,
    render: &RenderJob<'_>,
    progress: Option<&AtomicUsize>,
    made: &mut Vec<u32>,
) -> Result<Written> {
    let none = AtomicUsize::new(0);
    let done = progress.unwrap_or(&none);
    // Temp files a killed run left behind are ours to remove, now that we hold the lock.
    for rel in scan(out, &mut drop)? {
        let path = out.join(&rel);
        fs::remove_file(&path).map_err(|e| Error::io(&path, &e))?;
    }
    let mut result = Written::default();
    // What is at each path now (in parallel): a file's length, `ABSENT`, or `REFUSED` (the
    // refusal is worked out again below): four bytes a file (a length too large to hold is
    // held as `BIG`, never a rendered page's).
    const ABSENT: u32 = u32::MAX;
    const REFUSED: u32 = u32::MAX - 1;
    const BIG: u32 = u32::MAX - 2;
    let existing: Vec<u32> = (0..run.len())
        .into_par_iter()
        .map(|i| match at_path(out, &run.path(i)) {
            Ok(Some(len)) => u32::try_from(len).map_or(BIG, |l| l.min(BIG)),
            Ok(None) => ABSENT,
            Err(_) => REFUSED,
        })
        .collect();
    // In order, as a one-by-one write would meet them: the file's own refusal, then its folder
    // (never a link, even for a file left unchanged). Folders are made only once every file
    // has passed, so a refusal leaves no new folder behind. A folder is looked at when it
    // differs from the previous file's (paths come a product folder at a time); a folder to
    // make is kept as the index of its first file, not as a path.
    let mut to_make: Vec<usize> = Vec::new();
    let mut last_dir: Option<PathBuf> = None;
    for (i, at) in existing.iter().enumerate() {
        let rel = run.path(i);
        if *at == REFUSED {
            at_path(out, &rel)?;
        }
        let dir_rel = rel.parent().unwrap_or(Path::new(""));
        if last_dir.as_deref() == Some(dir_rel) {
            continue;
        }
        last_dir = Some(dir_rel.to_path_buf());
        let dir = folder_of(out, &rel);
        fsguard::refuse_links(out, &dir).map_err(|e| Error {
            message: "is a symlink; docvar never writes through links".into(),
            help: Some("remove the link and run again".into()),
            ..e
        })?;
        if fs::symlink_metadata(&dir).is_err() {
            to_make.push(i);
        }
    }
    for i in to_make {
        let dir = folder_of(out, &run.path(i));
        if fs::symlink_metadata(&dir).is_err() {
            fsguard::create_dir_all(out, &dir)?;
            made.push(i as u32);
        }
    }
    // No fsync per file: the rename is what makes a file appear whole after a crash of docvar
    // itself (old or new content, never torn), and an fsync per page cost more than the rest
    // of a 10,000-page run. Power-loss durability is left to the file system, as git does for
    // work-tree files.
    // A changed file is staged beside its target as `.docvar-<run>-<index>`: the name follows
    // from the index, so the run keeps one byte a file (its state), not a temp-file path, and
    // memory stays flat however many pages there are. `create_new` never opens an existing
    // file or a link; a killed run's leftovers are removed by the next one (see `scan`).
    let run_id = {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        format!("{:x}{nanos:x}", std::process::id())
    };
    let temp_of = |i: usize| {
        let path = out.join(run.path(i));
        path.with_file_name(format!(".docvar-{run_id}-{i}"))
    };
    let state: Vec<AtomicU8> = (0..run.len()).map(|_| AtomicU8::new(UNTOUCHED)).collect();
    // Any failure (or panic) removes every staged temp file before a rename happens.
    let mut unstage = Unstage {
        state: &state,
        temp_of: &temp_of,
        armed: true,
    };
    let stage = |p: Planned| -> Result<()> {
        let i = run.index(&p.rel).ok_or_else(|| {
            Error::msg(format!(
                "refusing to write {}: not a planned file",
                p.rel.display()
            ))
        })?;
        let path = out.join(&p.rel);
        let len = p.bytes.len() as u64;
        let same = u64::from(existing[i]) == len
            && existing[i] < BIG
            && fsguard::read_regular(&path, len).is_ok_and(|b| b == p.bytes);
        if same {
            state[i].store(UNCHANGED, Ordering::Relaxed);
            done.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
        let dir = path.parent().unwrap_or(out);
        let tmp = temp_of(i);
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(|e| Error::io(dir, &e).help("check that the output folder is writable"))?;
        state[i].store(STAGED, Ordering::Relaxed);
        file.write_all(&p.bytes).map_err(|e| Error::io(&path, &e))?;
        done.fetch_add(1, Ordering::Relaxed);
        Ok(())
    };
    let staged: Vec<Streamed<Vec<()>>> = (0..jobs)
        .into_par_iter()
        .map(|j| {
            streamed(render(j).map(|files| {
                for p in files {
                    stage(p)?;
                }
                Ok(Vec::new())
            }))
        })
        // Only failures are kept (in job order): not a value for each of an estate's jobs.
        .filter(Result::is_err)
        .collect();
    settle(staged)?;
    for (i, st) in state.iter().enumerate() {
        match st.load(Ordering::Relaxed) {
            UNCHANGED => result.unchanged += 1,
            STAGED => {
                let path = out.join(run.path(i));
                // On a failed rename the files renamed so far stay (each whole); the guard
                // removes the rest, this one too.
                fs::rename(temp_of(i), &path).map_err(|e| Error::io(&path, &e))?;
                st.store(UNTOUCHED, Ordering::Relaxed);
                result.written.push(i as u32);
            }
            _ => {}
        }
    }
    // Every staged file is renamed: nothing is left for the guard.
    unstage.armed = false;
    for rel in &own.stale {
        let path = out.join(rel);
        fsguard::remove_file(out, &path)?;
        if let Some(dir) = path.parent() {
            fsguard::remove_empty_dirs(out, dir);
        }
        result.removed.push(rel.clone());
    }
    let next = own.next(out, run, known);
    if own.manifest_changes(&next) {
        fsguard::write_atomic_with(out, &out.join(MANIFEST), |w| {
            Manifest::write_to(w, next.files(known))
        })?;
    }
    result.foreign = own.foreign.clone();
    Ok(result)
}

/// The folder in `out` of the file at `rel`.
fn folder_of(out: &Path, rel: &Path) -> PathBuf {
    match rel.parent() {
        Some(d) if !d.as_os_str().is_empty() => out.join(d),
        _ => out.to_path_buf(),
    }
}

/// A planned file's state in a write: not staged, left as it was, or staged in a temp file.
const UNTOUCHED: u8 = 0;
const UNCHANGED: u8 = 1;
const STAGED: u8 = 2;

/// Removes the staged temp files of a write that did not finish (error or panic).
struct Unstage<'a> {
    state: &'a [AtomicU8],
    temp_of: &'a (dyn Fn(usize) -> PathBuf + Sync),
    armed: bool,
}

impl Drop for Unstage<'_> {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        for (i, st) in self.state.iter().enumerate() {
            if st.load(Ordering::Relaxed) == STAGED {
                let _ = fs::remove_file((self.temp_of)(i));
            }
        }
    }
}

/// What is at `rel` in `out`: the length of a regular file, `None` for nothing, or the
/// refusal for a path outside the folder, a link or a folder where a page goes.
fn at_path(out: &Path, rel: &Path) -> Result<Option<u64>> {
    if !is_inside(rel) {
        return Err(Error::msg(format!(
            "refusing to write {} outside the output folder",
            rel.display()
        )));
    }
    let path = out.join(rel);
    match fs::symlink_metadata(&path) {
        Ok(m) if m.file_type().is_symlink() => Err(Error::in_file(
            &path,
            "is a symlink; docvar never writes through links",
        )
        .help("remove the link and run again")),
        Ok(m) if m.is_dir() => {
            Err(Error::in_file(&path, "is a folder where docvar writes a page").help("remove it"))
        }
        Ok(m) if m.is_file() => Ok(Some(m.len())),
        _ => Ok(None),
    }
}

/// Replaces one file (a published copy) atomically: temp file beside it, then rename; the
/// file and its folder must not be links.
pub(crate) fn replace_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let base = path
        .parent()
        .and_then(Path::parent)
        .unwrap_or(Path::new(""));
    crate::fsguard::write_atomic(base, path, bytes)
}

/// `replace_file` for a file of the project at `root`: no link anywhere between the root
/// and the file (a file outside the project: none at it or its folder).
pub fn replace_file_in(root: &Path, path: &Path, bytes: &[u8]) -> Result<()> {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let root = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
    if abs.starts_with(&root) {
        crate::fsguard::write_atomic(&root, &abs, bytes)
    } else {
        replace_file(path, bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn planned(paths: &[&str]) -> Vec<Planned> {
        paths
            .iter()
            .map(|p| Planned {
                rel: PathBuf::from(p),
                bytes: Vec::new(),
            })
            .collect()
    }

    #[test]
    fn a_listed_layout_finds_each_path_and_lists_each_once_in_path_order() {
        let layout_files = planned(&["b/a.md", "a-b/x.md", "a/x.md", "b/a.md", "a/x-y.md"]);
        let layout = Listed::new(&layout_files);
        assert_eq!(layout.index(Path::new("a/x.md")), Some(2));
        assert_eq!(layout.index(Path::new("a//x.md")), Some(2));
        assert_eq!(layout.index(Path::new("a/y.md")), None);
        let order: Vec<PathBuf> = layout.in_order().map(|i| layout.path(i)).collect();
        // By component: `a/…` before `a-b/…`, though "a-" < "a/" as strings.
        let expected = ["a/x-y.md", "a/x.md", "a-b/x.md", "b/a.md"];
        assert_eq!(order, expected.map(PathBuf::from));
    }

    #[test]
    fn a_manifest_is_held_against_the_layout_and_written_back_in_path_order() {
        let known_files = planned(&["p/b.md", "p/a.md", "q/a.md"]);
        let known = Listed::new(&known_files);
        let text = "# header\r\nq/a.md\r\nold/z.md\tlater field\n\np/a.md\np/a.md\nA/first.md\n";
        let m = Manifest::read(Path::new("m"), text.as_bytes(), &known).unwrap();
        assert_eq!(m.known, [false, true, true]);
        assert_eq!(
            m.other,
            [PathBuf::from("A/first.md"), PathBuf::from("old/z.md")]
        );
        assert!(m.lists(&known, Path::new("q/a.md")));
        assert!(m.lists(&known, Path::new("old/z.md")));
        assert!(!m.lists(&known, Path::new("p/b.md")));
        assert!(!m.lists(&known, Path::new("old/y.md")));
        let mut out = Vec::new();
        Manifest::write_to(&mut out, m.files(&known)).unwrap();
        let out = String::from_utf8(out).unwrap();
        assert_eq!(
            out.strip_prefix(MANIFEST_HEADER).unwrap(),
            "A/first.md\nold/z.md\np/a.md\nq/a.md\n"
        );
        // What it wrote reads back as the same manifest.
        let again = Manifest::read(Path::new("m"), out.as_bytes(), &known).unwrap();
        assert_eq!(again, m);
    }

    #[test]
    fn a_bad_manifest_line_is_named() {
        let known_files = planned(&["p/a.md"]);
        let known = Listed::new(&known_files);
        let line_of = |bytes: &[u8]| {
            let e = Manifest::read(Path::new("m"), bytes, &known).unwrap_err();
            (e.line, e.message)
        };
        assert_eq!(
            line_of(b"p/a.md\n/etc/passwd\n"),
            (
                Some(2),
                "entry \"/etc/passwd\" is not a path inside the folder".into()
            )
        );
        assert_eq!(
            line_of(b"p/a.md\n\np/../../x\n"),
            (
                Some(3),
                "entry \"p/../../x\" is not a path inside the folder".into()
            )
        );
        assert_eq!(
            line_of(b"# h\np/\xff.md\n"),
            (Some(2), "not valid UTF-8".into())
        );
    }
}
