//! Which subcommand runs: each is a module of [`commands`].

use std::io;
use std::process::ExitCode;

use anyhow::Result;

use crate::args::{Cli, Command};
use crate::commands;

pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Render(args) => commands::render::run(&args),
        Command::Fetch(args) => commands::fetch::run(&args),
        Command::Query(args) => commands::query::run(&args),
        Command::Doctor(args) => commands::doctor::run(&args),
        Command::Schemas(args) => commands::query::schemas(&args),
        Command::Serve(args) => commands::serve::run(&args),
        Command::Check(args) => commands::check::run(&args),
        Command::Mcp(args) => commands::mcp::run(&args),
        Command::Completions(args) => commands::man::completions(&args),
        Command::Man(args) => commands::man::run(&args),
    }
}

/// Exit quietly when standard output is a closed pipe (`svcgraph … | head`).
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}
