//! The `svcgraph` command.

mod args;
mod commands;
mod output;
mod pipeline;
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
#[cfg(unix)]
fn remove_temporary_files_on_signal() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    // Without a handler the signal still ends the process; only the cleanup is lost.
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        return;
    };
    std::thread::spawn(move || {
        for signal in signals.forever() {
            on_signal(signal);
        }
    });
}

/// The same for Ctrl-C (SIGINT) and SIGTERM where signals cannot be read as a stream
/// (Windows): the handler raises a flag, which a thread looks at ten times a second.
#[cfg(not(unix))]
fn remove_temporary_files_on_signal() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use signal_hook::consts::{SIGINT, SIGTERM};
    let raised = Arc::new(AtomicUsize::new(0));
    for signal in [SIGINT, SIGTERM] {
        let Ok(number) = usize::try_from(signal) else {
            return;
        };
        if signal_hook::flag::register_usize(signal, Arc::clone(&raised), number).is_err() {
            return;
        }
    }
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(std::time::Duration::from_millis(100));
            if let Ok(signal) = i32::try_from(raised.swap(0, Ordering::SeqCst))
                && signal != 0
            {
                on_signal(signal);
            }
        }
    });
}

/// Hands `signal` to a command waiting for it, or removes the unfinished output and exits.
fn on_signal(signal: i32) {
    if !shutdown::hand_over(signal) {
        output::remove_on_signal();
        std::process::exit(128 + signal);
    }
}
