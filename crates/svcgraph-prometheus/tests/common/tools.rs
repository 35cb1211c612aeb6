//! External programs the tests drive (Prometheus, Graphviz, rsvg-convert, groff, `script`).
//!
//! A test that needs one runs that part when the program is on the `PATH`. When it is
//! missing, the test prints a notice and skips that part, so the quick test loop
//! (`scripts/quick-test.sh`) needs nothing installed; with `SVCGRAPH_REQUIRE_TOOLS=1`, which
//! the full test command (`scripts/test.sh`) sets after installing them, a missing program
//! fails the test instead.

use std::io::Write;
use std::path::PathBuf;

/// Whether `binary` can run here; `package` is the Debian package that brings it, named in
/// the notice or the failure.
pub fn available(binary: &str, package: &str) -> bool {
    if find_on_path(binary).is_some() {
        return true;
    }
    assert!(
        !required(),
        "`{binary}` is not installed and SVCGRAPH_REQUIRE_TOOLS is set: install the Debian \
         package `{package}` (scripts/test.sh does)"
    );
    // Straight to stderr: the test harness would swallow `eprintln!` of a passing test.
    let _ = writeln!(
        std::io::stderr(),
        "NOTICE: skipping what needs `{binary}`: not installed (apt-get install {package}; scripts/test.sh does it)"
    );
    false
}

/// Whether a missing program fails the test (`SVCGRAPH_REQUIRE_TOOLS=1`).
fn required() -> bool {
    std::env::var("SVCGRAPH_REQUIRE_TOOLS").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// The program's path, if some directory of the `PATH` holds it.
pub fn find_on_path(binary: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(format!("{binary}{}", std::env::consts::EXE_SUFFIX)))
        .find(|p| p.is_file())
}
