//! The `svcgraph` command.

mod args;
mod output;
mod run;
mod source;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
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
