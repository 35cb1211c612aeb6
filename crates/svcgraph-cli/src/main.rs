//! The `svcgraph` command.

mod args;
mod commands;
mod output;
mod progress;
mod run;
mod shutdown;
mod source;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    remove_temporary_files_on_signal();
    match run::run(args::Cli::parse()) {
        Ok(code) => code,
        Err(err) if run::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!(
                "svcgraph: error: {}",
                format!("{err:#}").replace(['\n', '\r'], " ")
            );
            ExitCode::FAILURE
        }
    }
}

/// On SIGINT, SIGTERM or SIGHUP, deletes the output file being written (a hidden
/// `.svcgraph-*` next to the target) and exits with 128 + the signal number, as the shell
/// would report a process the signal killed. A running `serve` takes the first signal
/// instead, to stop gracefully (and exit with the same status); a second one exits at once.
fn remove_temporary_files_on_signal() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    // Without a handler the signal still ends the process; only the cleanup is lost.
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        return;
    };
    std::thread::spawn(move || {
        for signal in signals.forever() {
            if !shutdown::hand_over(signal) {
                output::remove_on_signal();
                std::process::exit(128 + signal);
            }
        }
    });
}
