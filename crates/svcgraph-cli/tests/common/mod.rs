//! Running the `svcgraph` binary, for the tests that ask servers.

use std::process::{Command, Output};

/// The binary, with no server address from the environment: the tests choose the server.
pub fn svcgraph() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_svcgraph"));
    command.env_remove("SVCGRAPH_PROMETHEUS_URL");
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
