//! `svcgraph check`: the graph against a declared architecture, reported as text, JSON,
//! JUnit XML or Markdown. Exit status 0 when clean, 1 on a violation, 2 when the check
//! could not be made (a usage error, as clap reports them, a bad rules file or input).

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use svcgraph_core::check::{self, Architecture, CheckOptions, RulesFormat};

use crate::args::{CheckArgs, CheckFormat};
use crate::output;
use crate::pipeline::{self, Notes};
use crate::run::is_broken_pipe;

/// The exit status of a check that found violations.
const VIOLATIONS: u8 = 1;
/// The exit status of a check that could not be made.
const UNUSABLE: u8 = 2;

/// `svcgraph check`.
pub fn run(args: &CheckArgs) -> Result<ExitCode> {
    match check(args) {
        Ok(code) => Ok(code),
        Err(err) if is_broken_pipe(&err) => Err(err),
        Err(err) => {
            // Exit status 1 means violations here, so an error is reported with 2.
            eprintln!(
                "svcgraph: error: {}",
                format!("{err:#}").replace(['\n', '\r'], " ")
            );
            Ok(ExitCode::from(UNUSABLE))
        }
    }
}

fn check(args: &CheckArgs) -> Result<ExitCode> {
    let notes = Notes { quiet: args.quiet };
    let format = report_format(args.format, args.output.as_deref())?;
    pipeline::one_standard_output(&args.graph, args.output.as_deref(), "the report")?;
    // The declaration first: a bad rules file is reported before any query is made.
    let architecture = declaration(args.rules.as_deref(), args.catalog.as_deref())?
        .context("give --rules FILE or --catalog FILE")?;
    let graph = pipeline::obtain(&args.graph, &notes)?.graph;
    let mut options = CheckOptions::default();
    options.changed_only =
        args.graph.compare.baseline.is_some() || args.graph.compare.compare_at.is_some();
    let report = check::check(&graph, &architecture, &options);
    let text = match format {
        CheckFormat::Text => report.to_text(),
        CheckFormat::Json => report.to_json(),
        CheckFormat::Junit => report.to_junit(),
        CheckFormat::Markdown => report.to_markdown(),
    };
    output::write(args.output.as_deref(), text.as_bytes())?;
    if !output::is_stdout(args.output.as_deref()) {
        notes.note(&report.summary());
    }
    Ok(if report.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(VIOLATIONS)
    })
}

/// The rules file or the Backstage catalog named (the catalog when both are), read; `None`
/// when neither is.
pub(crate) fn declaration(
    rules: Option<&Path>,
    catalog: Option<&Path>,
) -> Result<Option<Architecture>> {
    let read = |path: &Path| {
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
    };
    if let Some(path) = catalog {
        return Architecture::from_backstage(&read(path)?)
            .with_context(|| path.display().to_string())
            .map(Some);
    }
    let Some(path) = rules else {
        return Ok(None);
    };
    let format = match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("toml") => RulesFormat::Toml,
        Some("yaml" | "yml") => RulesFormat::Yaml,
        _ => bail!(
            "cannot tell whether the rules file {} is TOML or YAML; name it .toml, .yaml or .yml",
            path.display()
        ),
    };
    Architecture::from_rules(&read(path)?, format)
        .with_context(|| path.display().to_string())
        .map(Some)
}

fn report_format(flag: Option<CheckFormat>, path: Option<&Path>) -> Result<CheckFormat> {
    if let Some(f) = flag {
        return Ok(f);
    }
    let Some(ext) = path.and_then(Path::extension).and_then(|e| e.to_str()) else {
        return Ok(CheckFormat::Text);
    };
    match ext.to_ascii_lowercase().as_str() {
        "txt" | "text" => Ok(CheckFormat::Text),
        "json" => Ok(CheckFormat::Json),
        "xml" => Ok(CheckFormat::Junit),
        "md" | "markdown" => Ok(CheckFormat::Markdown),
        other => bail!(
            "cannot tell the report format from the extension `.{other}`; use .txt, .json, .xml or .md, or --format"
        ),
    }
}
