//! Running the `svcgraph` binary, for the tests that ask servers.

use std::path::Path;
use std::process::{Command, Output};

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
pub fn run(args: &[&str]) -> Output {
    svcgraph().args(args).output().unwrap()
}

/// Its standard error, as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}
