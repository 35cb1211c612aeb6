//! Running the `svcgraph` binary, for the tests that ask servers and those on the samples.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The binary, with no server address from the environment: the tests choose the server.
pub fn svcgraph() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_svcgraph"));
    command.env_remove("SVCGRAPH_PROMETHEUS_URL");
    command
}

/// The binary with no Google or svcgraph settings inherited, and `home` (without gcloud
/// files) as its home: Google credentials come only from what a test gives it. (Only the
/// Google tests use it.)
#[allow(dead_code)]
pub fn isolated(home: &Path) -> Command {
    let mut command = svcgraph();
    for var in [
        "GOOGLE_APPLICATION_CREDENTIALS",
        "GOOGLE_CLOUD_PROJECT",
        "GOOGLE_CLOUD_QUOTA_PROJECT",
        "GCE_METADATA_HOST",
        "CLOUDSDK_CONFIG",
    ] {
        command.env_remove(var);
    }
    command.env("HOME", home);
    command
}

/// Runs the binary with `args` and waits for it.
#[allow(dead_code)]
pub fn run(args: &[&str]) -> Output {
    svcgraph().args(args).output().unwrap()
}

/// A path in the repository (`examples/data/…`).
#[allow(dead_code)]
pub fn sample(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

/// Runs `svcgraph COMMAND ARGS` from the repository's root, where sample paths start.
#[allow(dead_code)]
pub fn run_at_root(command: &str, args: &[&str]) -> Output {
    svcgraph()
        .arg(command)
        .args(args)
        .current_dir(sample(""))
        .output()
        .unwrap()
}

/// Its standard error, as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs `command` with `input` on its standard input, collecting what it prints. The input
/// is written from its own thread: a child that prints while it reads (gzip, groff) would
/// otherwise fill its output pipe and wait for us while we wait for it to read. A child
/// that stops reading early (a failed run) is not an error here.
#[allow(dead_code)]
pub fn piped(command: &mut Command, input: &[u8]) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{command:?}: {e}"));
    let mut stdin = child.stdin.take().unwrap();
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let _ = stdin.write_all(input);
        });
        child.wait_with_output().unwrap()
    })
}
