//! Every query a schema plans, run at once, kept as a replayable snapshot.

use std::time::{SystemTime, UNIX_EPOCH};

use futures_util::future::join_all;
use svcgraph_core::input::{Snapshot, SnapshotResult};
use svcgraph_core::query::{EvalTime, GraphQuery};
use svcgraph_core::schema::{Built, QueryResults, Schema};

use crate::client::{Budget, Client, Redirect};
use crate::error::{Error, Result};

/// What [`fetch`] brings back.
#[derive(Debug)]
#[non_exhaustive]
pub struct Fetched {
    /// Every response verbatim, with the schema and the query (its `at` always set): write it
    /// as JSON and `svcgraph render --input` rebuilds the same graph offline.
    pub snapshot: Snapshot,
    /// The parsed results, ready for [`Schema::build`].
    pub results: QueryResults,
    /// The server's warnings and infos, each prefixed with the query it came from. Building
    /// [`results`](Self::results) reports the same lines in [`Built::warnings`]; show one of
    /// the two.
    pub warnings: Vec<String>,
    /// The redirects the server answered with, each once; show them to the user, since the
    /// data came from somewhere else than the configured URL.
    pub redirects: Vec<Redirect>,
    /// The data-quality queries ([`fetch_with_quality`]) that failed and were left out, one
    /// line each (what, and the error); the report lists their checks as not measured.
    pub left_out: Vec<String>,
}

impl Fetched {
    /// A fetch's result from another source of the same series (Google Cloud Monitoring's
    /// API, a test): the snapshot that rebuilds it, the parsed results, the warnings, and no
    /// redirects.
    pub fn new(snapshot: Snapshot, results: QueryResults, warnings: Vec<String>) -> Self {
        Fetched {
            snapshot,
            results,
            warnings,
            redirects: Vec::new(),
            left_out: Vec::new(),
        }
    }

    /// Builds the graph with the snapshot's schema.
    pub fn build(&self) -> svcgraph_core::Result<Built> {
        self.snapshot.schema.build(&self.results)
    }
}

/// Plans `query` with `schema` ([`Schema::plan`]) and runs every planned query concurrently.
///
/// All queries are evaluated at one instant: the query's `at`, or the client's clock now when
/// it has none, so requests, failures and latency describe the same moment; the snapshot
/// records that instant.
///
/// The answers together may hold [`ClientConfig::max_response_bytes`](crate::ClientConfig::max_response_bytes)
/// at most; beyond it the fetch fails with [`Error::TooLarge`].
///
/// Strict: if any query fails (requests, failures or latency), the fetch fails with
/// [`Error::Query`] naming the first failed query in plan order. A query that succeeds with no
/// series is not a failure: a producer without failure counters or histograms, or an idle
/// window, just leaves those numbers out of the graph.
pub async fn fetch(client: &Client, schema: &Schema, query: &GraphQuery) -> Result<Fetched> {
    fetch_planned(client, schema, query, false).await
}

/// [`fetch`], and the data-quality report's queries too
/// ([`svcgraph_core::quality::plan`]): the connector's own counters, the calls by
/// reporting side, the series that stopped. Their answers join the results and the snapshot;
/// one that fails is left out with a warning (a store may lack a function or a metric), and
/// the report lists its check as not measured.
pub async fn fetch_with_quality(
    client: &Client,
    schema: &Schema,
    query: &GraphQuery,
) -> Result<Fetched> {
    fetch_planned(client, schema, query, true).await
}

async fn fetch_planned(
    client: &Client,
    schema: &Schema,
    query: &GraphQuery,
    quality: bool,
) -> Result<Fetched> {
    schema.validate()?;
    let mut query = query.clone();
    if query.at.is_none() {
        query.at = Some(now());
    }
    let mut plan = schema.plan(&query)?;
    if quality {
        plan.extend(svcgraph_core::quality::plan(schema, &query)?);
    }
    // One budget for every answer: they are read at the same time.
    let budget = Budget::new(client.max_response_bytes());
    let answers = join_all(
        plan.iter()
            .map(|p| client.query_within(&p.promql, p.at, &budget)),
    )
    .await;

    let mut results = QueryResults::default();
    let mut saved = Vec::with_capacity(plan.len());
    let mut warnings = Vec::new();
    let mut redirects = Vec::new();
    let mut left_out = Vec::new();
    for (planned, answer) in plan.into_iter().zip(answers) {
        if planned.purpose.is_quality()
            && let Err(cause) = &answer
        {
            left_out.push(format!(
                "the data-quality query for {} failed and was left out: {cause}",
                planned.purpose.describe()
            ));
            continue;
        }
        let answer = answer.map_err(|cause| Error::Query {
            purpose: planned.purpose,
            cause: Box::new(cause),
        })?;
        for redirect in &answer.redirects {
            if !redirects.contains(redirect) {
                redirects.push(redirect.clone());
            }
        }
        let what = planned.purpose.describe();
        warnings.extend(answer.warnings().iter().map(|w| format!("{what}: {w}")));
        results.insert(planned.purpose, answer.series);
        saved.push(SnapshotResult::new(
            planned.purpose,
            planned.promql,
            answer.body,
        ));
    }
    Ok(Fetched {
        snapshot: Snapshot::new(schema.clone(), Some(query), saved),
        results,
        warnings,
        redirects,
        left_out,
    })
}

/// The client's clock, to the millisecond.
fn now() -> EvalTime {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    EvalTime::from_unix_millis(millis)
}
