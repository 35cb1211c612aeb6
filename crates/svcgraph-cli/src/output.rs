//! Writing results: to standard output, or atomically to a file.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

use anyhow::{Context, Result};

/// Writes `bytes` to `path`, or to standard output when `path` is `None`.
///
/// A file is written to a temporary file in the same directory and renamed over the target
/// only once complete, so a failed run never leaves a truncated or half-written file.
pub fn write(path: Option<&Path>, bytes: &[u8]) -> Result<()> {
    let Some(path) = path else {
        let mut out = io::stdout().lock();
        out.write_all(bytes)?;
        out.flush()?;
        return Ok(());
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".svcgraph-")
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a file in {}", dir.display()))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    widen_permissions(tmp.path(), path)?;
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot replace {}", path.display()))?;
    Ok(())
}

/// Temporary files are private (rw-------); the output gets the existing file's mode, or
/// rw-r--r-- like any new file.
#[cfg(unix)]
fn widen_permissions(tmp: &Path, target: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let permissions = match fs::metadata(target) {
        Ok(meta) => meta.permissions(),
        Err(_) => fs::Permissions::from_mode(0o644),
    };
    fs::set_permissions(tmp, permissions)
        .with_context(|| format!("cannot set permissions on {}", target.display()))
}

#[cfg(not(unix))]
fn widen_permissions(_tmp: &Path, _target: &Path) -> Result<()> {
    Ok(())
}
