//! `svcgraph doctor`: the data-quality report of the graph the flags describe.

use std::process::ExitCode;

use anyhow::Result;
use svcgraph_core::quality;

use crate::args::{DoctorArgs, ReportFormat};
use crate::output;
use crate::pipeline::{self, Notes};

/// `svcgraph doctor`: findings, causes and fixes, as text or JSON. Exit status 0, or 1 with
/// `--strict` when anything was found.
pub fn run(args: &DoctorArgs) -> Result<ExitCode> {
    let notes = Notes { quiet: args.quiet };
    pipeline::one_standard_output(&args.graph, args.output.as_deref(), "the report")?;
    let obtained = pipeline::obtain_for(&args.graph, &notes, true)?;
    let report = quality::assess(&obtained.graph, obtained.evidence().as_ref());
    let text = match args.format {
        ReportFormat::Text => report.to_text(),
        ReportFormat::Json => report.to_json(),
    };
    output::write(args.output.as_deref(), text.as_bytes())?;
    Ok(if args.strict && !report.is_clean() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
