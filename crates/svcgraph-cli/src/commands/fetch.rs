//! `svcgraph fetch`: a snapshot of one moment.

use std::process::ExitCode;

use anyhow::Result;
use svcgraph_core::counted as count;

use crate::args::FetchArgs;
use crate::pipeline::{Notes, Session, schema_from_flag, server_query};
use crate::{output, source};

/// `svcgraph fetch`: the snapshot of one moment, written whole or not at all.
pub fn run(args: &FetchArgs) -> Result<ExitCode> {
    let notes = Notes { quiet: args.quiet };
    let namespaces: Vec<String> = args.namespace.iter().cloned().collect();
    let query = server_query(&args.series_filter, &namespaces, &args.time)?;
    let named = schema_from_flag(&args.schema)?;
    let runtime = source::runtime()?;
    let (session, moment) = runtime.block_on(async {
        let servers = (&args.prometheus, &args.gcp);
        let mut session = Session::open(args.source, servers, named, &query, args.quiet).await?;
        session.quality = args.quality;
        let moment = session.moment(&query).await?;
        anyhow::Ok((session, moment))
    })?;
    if let Some(note) = &session.note {
        notes.note(note);
    }
    let client = &session.client;
    notes.warn_all(&moment.redirects());
    notes.warn_all(&moment.fetched.left_out);
    for w in &moment.warnings {
        notes.warn(&w.to_string());
    }
    output::write(
        args.output.as_deref(),
        source::snapshot_json(&moment.fetched)?.as_bytes(),
    )?;
    notes.note(&format!(
        "fetched {} ({}) from {} in {:.0} ms{}",
        count(moment.fetched.results.sample_count(), "series"),
        count(moment.graph.edge_count(), "edge"),
        client.endpoint(),
        moment.took.as_secs_f64() * 1000.0,
        args.output
            .as_deref()
            .filter(|p| !output::is_stdout(Some(p)))
            .map_or_else(String::new, |p| format!("; wrote {}", p.display()))
    ));
    Ok(ExitCode::SUCCESS)
}
