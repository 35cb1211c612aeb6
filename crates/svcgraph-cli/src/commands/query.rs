//! `svcgraph query` and `svcgraph schemas`: what a schema asks a server, and the schemas.

use std::fmt::Write;
use std::process::ExitCode;

use anyhow::{Context, Result};
use svcgraph_core::query::{GraphQuery, Window};
use svcgraph_core::schema::Schema;

use crate::args::{QueryArgs, SchemasArgs};
use crate::pipeline::{schema_from_flag, series_matchers};
use crate::{output, source};

/// `svcgraph query`: the PromQL a schema asks, without asking it.
pub fn run(args: &QueryArgs) -> Result<ExitCode> {
    let schema = schema_from_flag(&args.schema)?
        .context("`auto` needs series to look at; name a preset or a schema file")?;
    let mut query = GraphQuery::default();
    query.cluster.clone_from(&args.series_filter.cluster);
    query.namespace.clone_from(&args.namespace);
    query.matchers = series_matchers(&args.series_filter)?;
    query.window = args.window.parse::<Window>()?;
    query.at = args.at.as_deref().map(source::parse_time).transpose()?;
    let plan = schema.plan(&query)?;
    let text = if args.json {
        let mut text = serde_json::to_string_pretty(&plan)?;
        text.push('\n');
        text
    } else {
        let mut text = String::new();
        if let Some(at) = query.at {
            let _ = writeln!(
                text,
                "# evaluated at {at} (time={})",
                at.to_prometheus_param()
            );
        }
        for (i, q) in plan.iter().enumerate() {
            if i > 0 {
                text.push('\n');
            }
            let _ = writeln!(text, "# {}\n{}", q.purpose.describe(), q.promql);
        }
        text
    };
    output::write(None, text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// `svcgraph schemas`: the presets, or one of them as a schema file.
pub fn schemas(args: &SchemasArgs) -> Result<ExitCode> {
    let text = if let Some(name) = &args.show {
        Schema::preset(name)?.to_toml()
    } else {
        let mut text = String::new();
        for s in Schema::presets() {
            let _ = writeln!(text, "{:<14} {}", s.name, s.description);
        }
        text
    };
    output::write(None, text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
