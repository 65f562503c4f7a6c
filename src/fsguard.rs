//! The one place docvar touches the file system for reading inputs and writing files it
//! owns: only regular files are read (a FIFO would hang, `/dev/zero` would eat memory), reads
//! are bounded, and nothing is written or removed through a symbolic link.

use std::fs;
use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};

use crate::error::{decode, Error, Result};

/// Largest input file docvar reads unless docvar.toml sets `max_file_size` (64 MiB).
pub const DEFAULT_MAX_FILE_SIZE: u64 = 64 * 1024 * 1024;

/// Reads a regular file of at most `limit` bytes.
pub fn read_regular(path: &Path, limit: u64) -> Result<Vec<u8>> {
    let file = open_regular(path, limit)?;
    let len = file.metadata().map_or(0, |m| m.len());
    let mut bytes = Vec::with_capacity(len.min(limit) as usize);
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, &e))?;
    if bytes.len() as u64 > limit {
        return Err(
            Error::in_file(path, format!("is over the limit of {limit} bytes"))
                .help("raise `max_file_size` in docvar.toml if the file is really that large"),
        );
    }
    Ok(bytes)
}

/// Opens a regular file of at most `limit` bytes (when opened: a reader stops at the limit),
/// for a file read a line at a time.
pub fn open_regular(path: &Path, limit: u64) -> Result<fs::File> {
    let meta = fs::metadata(path).map_err(|e| Error::io(path, &e))?;
    if !meta.is_file() {
        return Err(Error::in_file(path, "is not a regular file")
            .help("docvar reads only regular files; give the path of a file"));
    }
    if meta.len() > limit {
        return Err(Error::in_file(
            path,
            format!("is {} bytes, over the limit of {limit}", meta.len()),
        )
        .help("raise `max_file_size` in docvar.toml if the file is really that large"));
    }
    let file = fs::File::open(path).map_err(|e| Error::io(path, &e))?;
    // Re-check the opened file: the path may have been swapped since `metadata`.
    let opened = file.metadata().map_err(|e| Error::io(path, &e))?;
    if !opened.is_file() {
        return Err(Error::in_file(path, "is not a regular file")
            .help("docvar reads only regular files; give the path of a file"));
    }
    Ok(file)
}

/// Reads a regular UTF-8 text file of at most `limit` bytes.
pub fn read_text_limited(path: &Path, limit: u64) -> Result<String> {
    decode(path, read_regular(path, limit)?)
}

/// Refuses when `path` itself, or any folder between `base` and `path`, is a symbolic link.
///
/// `base` is a folder the user chose (the project root); links above it are the user's
/// business. When `path` is not under `base`, every component of `path` as written is checked.
pub fn refuse_links(base: &Path, path: &Path) -> Result<()> {
    let (start, rest) = match path.strip_prefix(base) {
        Ok(rest) => (base.to_path_buf(), rest.to_path_buf()),
        Err(_) => (PathBuf::new(), path.to_path_buf()),
    };
    let mut cur = start;
    for comp in rest.components() {
        match comp {
            Component::Normal(_) => {}
            Component::ParentDir => {
                cur.push(comp);
                continue;
            }
            // Root, prefix and `.`: nothing a link can hide behind that the user did not type.
            _ => {
                cur.push(comp);
                continue;
            }
        }
        cur.push(comp);
        match fs::symlink_metadata(&cur) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(Error::in_file(
                    &cur,
                    "is a symbolic link; docvar never writes or deletes through links",
                )
                .help("replace the link with a real folder or file, or choose another path"));
            }
            Ok(_) => {}
            // Nothing further exists, so nothing further can be a link.
            Err(_) => break,
        }
    }
    Ok(())
}

/// Replaces (or creates) one file atomically: temp file beside it, then rename. Refuses a
/// link at `path` or in the folders between `base` and it; keeps the old file's permissions.
pub fn write_atomic(base: &Path, path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(base, path, |w| w.write_all(bytes))
}

/// [`write_atomic`] of what `write` writes, streamed into the temp file (buffered) rather
/// than held whole first.
pub fn write_atomic_with(
    base: &Path,
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    refuse_links(base, path)?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".docvar-")
        .tempfile_in(dir)
        .map_err(|e| Error::io(dir, &e).help("check that the folder is writable"))?;
    {
        let mut w = std::io::BufWriter::new(tmp.as_file_mut());
        write(&mut w).and_then(|_| w.flush())
    }
    .and_then(|_| tmp.as_file().sync_all())
    .map_err(|e| Error::io(path, &e))?;
    match fs::metadata(path) {
        Ok(m) => {
            let _ = fs::set_permissions(tmp.path(), m.permissions());
        }
        // A new file is readable like any file the user creates, not the temp file's 0600.
        #[cfg(unix)]
        Err(_) => {
            use std::os::unix::fs::PermissionsExt;
            let _ = fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o644));
        }
        #[cfg(not(unix))]
        Err(_) => {}
    }
    tmp.persist(path).map_err(|e| Error::io(path, &e.error))?;
    Ok(())
}

/// Removes one file docvar owns, refusing a link at `path` or between `base` and it.
pub fn remove_file(base: &Path, path: &Path) -> Result<()> {
    refuse_links(base, path)?;
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(path, &e)),
    }
}

/// Creates `dir` and its missing parents, refusing a link between `base` and it.
pub fn create_dir_all(base: &Path, dir: &Path) -> Result<()> {
    refuse_links(base, dir)?;
    fs::create_dir_all(dir)
        .map_err(|e| Error::io(dir, &e).help("check that the folder can be created"))?;
    // A link swapped in while the folders were made is still refused before any write.
    refuse_links(base, dir)
}

/// Removes the empty folders from `dir` up to (not including) `base`, so a removal leaves
/// no empty folder behind. A folder that is not empty (or not there) stops the walk.
pub fn remove_empty_dirs(base: &Path, dir: &Path) {
    let mut cur = dir.to_path_buf();
    while cur != base && cur.starts_with(base) {
        let is_real_dir = fs::symlink_metadata(&cur).is_ok_and(|m| m.is_dir());
        if !is_real_dir || fs::remove_dir(&cur).is_err() {
            break;
        }
        if !cur.pop() {
            break;
        }
    }
}

/// `path` made absolute with every link resolved, even when its last parts do not exist yet
/// (the deepest existing ancestor is resolved and the rest appended).
pub fn resolve(path: &Path) -> PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut head = abs.clone();
    let mut tail = Vec::new();
    loop {
        if let Ok(real) = head.canonicalize() {
            let mut out = real;
            for part in tail.iter().rev() {
                out.push(part);
            }
            return normalize(&out);
        }
        match (head.file_name().map(|n| n.to_os_string()), head.parent()) {
            (Some(name), Some(parent)) => {
                tail.push(name);
                head = parent.to_path_buf();
            }
            _ => return normalize(&abs),
        }
    }
}

/// Drops `.` and folds `..` lexically (for paths whose existing part is already resolved).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Whether `path` (already resolved) lies inside a `.git` folder.
pub fn in_git_dir(path: &Path) -> bool {
    path.components()
        .any(|c| matches!(c, Component::Normal(n) if n == ".git"))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn links_below_base_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        fs::create_dir(&real).unwrap();
        std::os::unix::fs::symlink(&real, dir.path().join("link")).unwrap();
        let err = refuse_links(dir.path(), &dir.path().join("link/x.md")).unwrap_err();
        assert!(err.to_string().contains("link"), "{err}");
        assert!(refuse_links(dir.path(), &dir.path().join("real/x.md")).is_ok());
        assert!(write_atomic(dir.path(), &dir.path().join("link/x.md"), b"x").is_err());
        assert!(!real.join("x.md").exists());
    }

    #[test]
    fn fifo_and_oversized_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        assert!(std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success());
        let err = read_regular(&fifo, 10).unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
        let big = dir.path().join("big");
        fs::write(&big, vec![b'a'; 11]).unwrap();
        assert!(read_regular(&big, 10).is_err());
        assert_eq!(read_regular(&big, 11).unwrap().len(), 11);
    }
}
