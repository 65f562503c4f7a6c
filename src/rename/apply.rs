//! Carrying out a plan: every target checked first, then written, undone on failure.

use super::*;

/// What the rename did.
pub struct Done {
    /// out/ files written (relative to out/).
    pub written: Vec<PathBuf>,
    /// Redirect files written.
    pub redirect_files: Vec<PathBuf>,
    /// Lines of the renamed product's pages that still carry the old name.
    pub leftovers: Vec<Leftover>,
}

/// Fails unless a file can be created in `dir` (a temp file, removed at once).
pub(super) fn probe_writable(dir: &Path) -> Result<()> {
    let d = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    tempfile::Builder::new()
        .prefix(".docvar-")
        .tempfile_in(d)
        .map(drop)
        .map_err(|e| Error::io(d, &e).help("check that the folder exists and is writable"))
}

pub(super) fn nearest_existing(path: &Path) -> PathBuf {
    let mut p = path.to_path_buf();
    while fs::symlink_metadata(&p).is_err() {
        match p.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => p = parent.to_path_buf(),
            _ => return PathBuf::from("."),
        }
    }
    p
}

pub(super) fn refuse_non_file(path: &Path, what: &str) -> Result<()> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => Err(Error::in_file(
            path,
            "is a symbolic link; docvar never writes or deletes through links",
        )
        .help("replace the link with a real file, or choose another path")),
        Ok(m) if !m.is_file() => Err(Error::in_file(
            path,
            format!("is not a regular file where docvar writes {what}"),
        )
        .help("move it away and run again")),
        _ => Ok(()),
    }
}

/// Checks every target of `plan` before anything is written: the variant file (old and new
/// path), out/ (the old and new product folders and every page file), and the redirect list.
pub fn check_targets(plan: &Plan, planned: &[Planned]) -> Result<()> {
    let root = &plan.project.root;
    fsguard::refuse_links(root, &plan.old_path)?;
    refuse_non_file(&plan.old_path, "the variant file")?;
    fsguard::refuse_links(root, &plan.new_path)?;
    if plan.new_path != plan.old_path && fs::symlink_metadata(&plan.new_path).is_ok() {
        return Err(Error::in_file(&plan.new_path, "exists already")
            .help("pick another slug, or move that file away first"));
    }
    probe_writable(plan.old_path.parent().unwrap_or(Path::new(".")))?;

    let out = plan.project.out_dir();
    fsguard::refuse_links(root, &out)?;
    let (old, new) = &plan.slugs;
    let (old_dir, new_dir) = (out.join(old), out.join(new));
    fsguard::refuse_links(root, &old_dir)?;
    let pages_dir = if old != new {
        if let Ok(m) = fs::symlink_metadata(&new_dir) {
            let what = if m.file_type().is_symlink() {
                "is a symbolic link; docvar never writes or deletes through links"
            } else {
                "exists already; the renamed product's pages would mix with what is there"
            };
            return Err(Error::in_file(&new_dir, what)
                .help("pick another slug, or move that folder away first"));
        }
        // Pages are written after out/<old>/ moves to out/<new>/: check them where they are now.
        if old_dir.exists() {
            probe_writable(&out)?;
        }
        &old_dir
    } else {
        &new_dir
    };
    for p in planned {
        let file: PathBuf = p.rel.iter().skip(1).collect();
        refuse_non_file(&pages_dir.join(file), "a page")?;
    }
    probe_writable(&nearest_existing(pages_dir))?;

    let files = plan.redirect_paths();
    if let Some(dir) = files.first().and_then(|f| f.parent()) {
        fsguard::refuse_links(root, dir)?;
        if let Ok(m) = fs::symlink_metadata(dir) {
            if !m.is_dir() {
                return Err(Error::in_file(dir, "is not a folder")
                    .help("move it away; docvar writes redirect lists into it"));
            }
        }
        let bodies = redirect_bodies(&plan.redirects);
        for (path, body) in files.iter().zip(&bodies) {
            refuse_non_file(path, "a redirect list")?;
            if fs::symlink_metadata(path).is_ok() {
                let bytes = fsguard::read_regular(path, plan.project.config.max_file_size)?;
                if bytes != body.as_bytes() {
                    return Err(
                        Error::in_file(path, "exists already with other redirects").help(
                            "move it away (or merge it into your redirect setup) and run again",
                        ),
                    );
                }
            }
        }
        probe_writable(&nearest_existing(dir))?;
    }
    Ok(())
}

/// A step already taken, and how to take it back.
pub(super) enum Undo {
    MoveBack { now: PathBuf, was: PathBuf },
    Restore { path: PathBuf, bytes: Vec<u8> },
    Remove(PathBuf),
    RemoveDir(PathBuf),
}

pub(super) fn undo_all(root: &Path, steps: Vec<Undo>) {
    // Best effort: the error that stopped the run is the one reported.
    for step in steps.into_iter().rev() {
        let _ = match step {
            Undo::MoveBack { now, was } => fs::rename(now, &was).map_err(|e| Error::io(&was, &e)),
            Undo::Restore { path, bytes } => fsguard::write_atomic(root, &path, &bytes),
            Undo::Remove(path) => fs::remove_file(&path).map_err(|e| Error::io(&path, &e)),
            Undo::RemoveDir(path) => fs::remove_dir(&path).map_err(|e| Error::io(&path, &e)),
        };
    }
}

/// Carries out a plan: every page renders and every target is checked first; then out/ moves,
/// the variant file and the redirect list are written, and the pages regenerate. A failure on
/// the way takes back the steps already done.
pub fn apply(plan: &Plan) -> Result<Done> {
    let planned = render(plan)?;
    check_targets(plan, &planned)?;
    let root = plan.project.root.clone();
    let mut undo = Vec::new();
    match write_all(plan, &planned, &mut undo) {
        Ok(done) => Ok(done),
        Err(e) => {
            undo_all(&root, undo);
            Err(e)
        }
    }
}

pub(super) fn write_all(plan: &Plan, planned: &[Planned], undo: &mut Vec<Undo>) -> Result<Done> {
    let root = &plan.project.root;
    let out = plan.project.out_dir();
    let (old, new) = &plan.slugs;
    if old != new && out.join(old).is_dir() {
        // Checked in the plan too; again here because the move is the first write.
        fsguard::refuse_links(root, &out.join(old))?;
        fsguard::refuse_links(root, &out.join(new))?;
        fs::rename(out.join(old), out.join(new)).map_err(|e| Error::io(out.join(new), &e))?;
        undo.push(Undo::MoveBack {
            now: out.join(new),
            was: out.join(old),
        });
    }
    fsguard::write_atomic(root, &plan.new_path, plan.new_source.as_bytes())?;
    let old_bytes = plan.old_source.as_bytes().to_vec();
    if plan.new_path == plan.old_path {
        undo.push(Undo::Restore {
            path: plan.old_path.clone(),
            bytes: old_bytes,
        });
    } else {
        undo.push(Undo::Remove(plan.new_path.clone()));
        fsguard::remove_file(root, &plan.old_path)?;
        undo.push(Undo::Restore {
            path: plan.old_path.clone(),
            bytes: old_bytes,
        });
    }
    let mut redirect_files = Vec::new();
    let files = plan.redirect_paths();
    if let Some(dir) = files.first().and_then(|f| f.parent()) {
        if !dir.exists() {
            fs::create_dir_all(dir).map_err(|e| Error::io(dir, &e))?;
            undo.push(Undo::RemoveDir(dir.to_path_buf()));
        }
        for (path, body) in files.iter().zip(redirect_bodies(&plan.redirects)) {
            match fsguard::read_regular(path, plan.project.config.max_file_size) {
                Ok(bytes) if bytes == body.as_bytes() => {}
                before => {
                    fsguard::write_atomic(root, path, body.as_bytes())?;
                    undo.push(match before {
                        Ok(bytes) => Undo::Restore {
                            path: path.clone(),
                            bytes,
                        },
                        Err(_) => Undo::Remove(path.clone()),
                    });
                }
            }
            redirect_files.push(path.clone());
        }
    }
    // Last: output::write stages every page before renaming any into place.
    let written = output::write(&out, planned, &[], None)?
        .written
        .into_iter()
        .map(|i| planned[i as usize].rel.clone())
        .collect();
    let leftovers = plan
        .old_name
        .as_deref()
        .map(|old| leftovers(planned, old))
        .unwrap_or_default();
    Ok(Done {
        written,
        redirect_files,
        leftovers,
    })
}
