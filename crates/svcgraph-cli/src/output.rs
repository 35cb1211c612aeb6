//! Writing results: to standard output, or atomically to a file.
//!
//! A file is written to a hidden temporary file in the same directory and renamed over the
//! target only once complete, so a failed run never leaves a truncated or half-written file.
//! The temporary file is registered while it exists, so that [`remove_on_signal`] can delete
//! it when SIGINT or SIGTERM ends the process mid-write.
//!
//! Only regular files are replaced that way. A symbolic link is followed to the file it names,
//! which is then written (replaced, or created where the link points); a FIFO or a device
//! (`/dev/null`, `/dev/stdout`) is opened and written in place, since replacing it would put a
//! plain file where the reader or the device was.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result};

/// Temporary files being written, removed by the signal handler.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Whether `path` means standard output: absent, or `-`.
pub fn is_stdout(path: Option<&Path>) -> bool {
    path.is_none_or(|p| p.as_os_str() == "-")
}

/// Writes `bytes` to `path`, or to standard output when `path` is `None` or `-`.
pub fn write(path: Option<&Path>, bytes: &[u8]) -> Result<()> {
    write_with(path, |out| out.write_all(bytes))
}

/// Writes what `fill` writes to `path`, or to standard output when `path` is `None` or `-`,
/// as [`write`] does: a file is replaced only once `fill` has succeeded. For output too large
/// to hold in memory first.
pub fn write_with<T>(
    path: Option<&Path>,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<T>,
) -> Result<T> {
    let Some(path) = path.filter(|p| !is_stdout(Some(p))) else {
        let mut out = io::stdout().lock();
        let value = fill(&mut out)?;
        out.flush()?;
        return Ok(value);
    };
    write_file(path, fill).with_context(|| format!("cannot write {}", path.display()))
}

fn write_file<T>(path: &Path, fill: impl FnOnce(&mut dyn Write) -> io::Result<T>) -> Result<T> {
    let (path, in_place) = destination(path).map_err(without_path)?;
    if in_place {
        let mut file = fs::OpenOptions::new().write(true).open(&path)?;
        let value = fill(&mut file)?;
        file.flush()?;
        return Ok(value);
    }
    replace(&path, fill)
}

/// Where the output goes, and whether it is written in place: a FIFO, a device or a socket
/// in place, through any symbolic links (the kernel follows `/dev/stdout`'s too); a regular
/// file replaced where it really is; a missing one created where a dangling link points, or
/// at `path`; a directory at `path`, where the rename refuses it.
fn destination(path: &Path) -> io::Result<(PathBuf, bool)> {
    match fs::metadata(path) {
        Ok(meta) if meta.is_file() => Ok((fs::canonicalize(path)?, false)),
        Ok(meta) => Ok((path.to_path_buf(), !meta.is_dir())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok((dangling_target(path)?, false)),
        Err(e) => Err(e),
    }
}

/// The missing file that `path`, or the chain of symbolic links starting there, names.
fn dangling_target(path: &Path) -> io::Result<PathBuf> {
    let mut path = path.to_path_buf();
    // metadata() found nothing at the end of the chain, so it is not a loop.
    while fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
        // A relative link is relative to its own directory (`join` keeps an absolute one).
        let target = fs::read_link(&path)?;
        path = path
            .parent()
            .map_or_else(|| target.clone(), |dir| dir.join(&target));
    }
    Ok(path)
}

/// Writes what `fill` writes to a temporary file beside `path` and renames it over `path`.
fn replace<T>(path: &Path, fill: impl FnOnce(&mut dyn Write) -> io::Result<T>) -> Result<T> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let existing_mode = existing_permissions(path);
    // Registered before it is created: a signal between the two must not leave it behind.
    let mut tmp = tempfile::Builder::new()
        .prefix(".svcgraph-")
        .make_in(dir, |candidate| {
            let registered = Registered::new(candidate);
            new_file(candidate).map(|file| (file, registered))
        })
        .map_err(without_path)?;
    let file = &mut tmp.as_file_mut().0;
    let value = fill(file)
        .and_then(|value| file.sync_all().map(|()| value))
        .map_err(without_path)?;
    if let Some(permissions) = existing_mode {
        fs::set_permissions(tmp.path(), permissions).map_err(without_path)?;
    }
    let (_, registered) = tmp.persist(path).map_err(|e| without_path(e.error))?;
    drop(registered);
    Ok(value)
}

/// A new output file, created only if the name is free, with the mode any new file would get
/// (0666 less the umask, which the kernel applies).
fn new_file(path: &Path) -> io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o666);
    options.open(path)
}

/// A file being replaced keeps its mode.
fn existing_permissions(path: &Path) -> Option<fs::Permissions> {
    fs::metadata(path)
        .ok()
        .filter(fs::Metadata::is_file)
        .map(|m| m.permissions())
}

/// tempfile's errors name the temporary file (`… at path "/dir/.svcgraph-B5An8Y"`), which
/// means nothing to the user; keep only the cause. The message names the user's path.
fn without_path(error: io::Error) -> io::Error {
    let text = error.to_string();
    match text.rfind(" at path ") {
        Some(end) => io::Error::new(error.kind(), &text[..end]),
        None => error,
    }
}

/// Registers a temporary file for removal on a signal while it lives.
struct Registered(PathBuf);

impl Registered {
    fn new(path: &Path) -> Self {
        pending().push(path.to_path_buf());
        Registered(path.to_path_buf())
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        pending().retain(|p| p != &self.0);
    }
}

fn pending() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    // A panic while holding the lock leaves the list itself intact.
    PENDING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Removes every temporary file being written; called by the signal handler before it exits.
pub fn remove_on_signal() {
    for path in pending().drain(..) {
        let _ = fs::remove_file(path);
    }
}
