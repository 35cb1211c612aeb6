//! `svcgraph man` and `svcgraph completions`: the manual pages and shell completions.

use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::CommandFactory;

use crate::args::{Cli, CompletionsArgs, ManArgs};
use crate::output;

/// `svcgraph completions SHELL`: the completion script on standard output.
pub fn completions(args: &CompletionsArgs) -> Result<ExitCode> {
    let mut text = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "svcgraph", &mut text);
    output::write(None, &text)?;
    Ok(ExitCode::SUCCESS)
}

/// `svcgraph man`: one page to standard output, or every page into a directory.
pub fn run(args: &ManArgs) -> Result<ExitCode> {
    let mut top = Cli::command().disable_help_subcommand(true);
    // Gives each subcommand its page name (svcgraph-render) and usage (svcgraph render).
    top.build();
    let page = |command: clap::Command| -> Result<Vec<u8>> {
        let mut text = Vec::new();
        clap_mangen::Man::new(command)
            .render(&mut text)
            .context("cannot write the manual page")?;
        Ok(text)
    };
    let Some(dir) = &args.out_dir else {
        let command = match &args.command {
            Some(name) => top
                .find_subcommand(name)
                .with_context(|| format!("no subcommand {name}"))?
                .clone(),
            None => top,
        };
        output::write(None, &page(command)?)?;
        return Ok(ExitCode::SUCCESS);
    };
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut pages = vec![("svcgraph.1".to_owned(), top.clone())];
    pages.extend(
        top.get_subcommands()
            .map(|c| (format!("svcgraph-{}.1", c.get_name()), c.clone())),
    );
    for (name, command) in pages {
        output::write(Some(&dir.join(name)), &page(command)?)?;
    }
    Ok(ExitCode::SUCCESS)
}
