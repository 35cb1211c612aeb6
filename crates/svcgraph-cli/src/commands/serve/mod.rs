//! `svcgraph serve`: the graph of a live source over HTTP, refreshed on an interval.
//!
//! One background task asks the source every `--refresh` and draws the view from the last
//! drawing's positions; browsers read that one view, so the source sees one query set per
//! refresh however many are open. Other moments (`/api/view?at=`) and comparisons
//! (`compare=`) are rounded and computed once per key in a small bounded cache. Nothing is
//! written; credentials stay in the process.

mod cache;
mod http;
mod live;
mod origin;
mod page;
mod secrets;

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use svcgraph_core::LoadOptions;
use svcgraph_core::query::{GraphQuery, Window};

use self::live::{Live, Settings, humanize};
use self::origin::{Origin, ServerOrigin, SnapshotDir};
use self::secrets::Secrets;
use crate::args::{LiveSourceKind, ServeArgs, ServerKind};
use crate::run::{
    apply_transforms, connect, schema_from_flag, series_matchers, svg_options, thresholds,
};
use crate::shutdown;

/// How long open connections may take to finish after a stop signal.
const DRAIN: Duration = Duration::from_secs(5);

/// The `rate()` window in seconds (`--window` was checked before), for the links' `{from}`.
fn window_seconds(flag: Option<&str>) -> u64 {
    flag.and_then(|w| w.parse::<Window>().ok())
        .unwrap_or_default()
        .as_millis()
        / 1000
}

pub fn run(args: &ServeArgs) -> Result<ExitCode> {
    let refresh = duration_flag("--refresh", &args.refresh)?;
    if refresh < Duration::from_secs(1) {
        bail!("--refresh must be at least 1s");
    }
    let history = duration_flag("--history", &args.history)?;
    if history < refresh {
        bail!("--history must be at least --refresh");
    }
    let listen: SocketAddr = args.listen.parse().map_err(|_| {
        anyhow::anyhow!(
            "--listen `{}` is not an address and port such as 127.0.0.1:7676, [::1]:7676 or 0.0.0.0:7676",
            args.listen
        )
    })?;
    let access = Arc::new(http::Access {
        hosts: args.allow_host.clone(),
        token: args
            .auth_token_file
            .as_deref()
            .map(read_token)
            .transpose()?,
    });
    // Bad regexes and thresholds are the command line's errors: report them before serving.
    let mut checked = args.transform.clone();
    checked.focus = None;
    apply_transforms(svcgraph_core::ServiceGraph::new(), &checked)?;
    let kind = source_kind(args)?;
    let named = schema_from_flag(&args.schema)?;
    let mut query = GraphQuery::default();
    query.cluster.clone_from(&args.series_filter.cluster);
    query.namespace = match args.transform.namespace.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    };
    query.matchers = series_matchers(&args.series_filter)?;
    if let Some(window) = &args.window {
        query.window = window.parse::<Window>()?;
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the network runtime")?;
    let code = runtime.block_on(async {
        let origin = match kind {
            LiveSourceKind::Snapshots => {
                let Some(dir) = &args.snapshots else {
                    bail!("--source snapshots reads a directory: give it with --snapshots DIR");
                };
                let mut options = LoadOptions::default();
                options.schema = named;
                options.cluster.clone_from(&query.cluster);
                options.matchers.clone_from(&query.matchers);
                Origin::Snapshots(Arc::new(SnapshotDir::open(dir, options)?))
            }
            server => {
                let server = connect(server_kind(server), &args.prometheus, &args.gcp).await?;
                Origin::Server(Box::new(ServerOrigin::new(
                    server, named, query, args.quiet,
                )))
            }
        };
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        let local = listener.local_addr().context("cannot read the bound address")?;
        if !local.ip().is_loopback() && access.token.is_none() {
            eprintln!(
                "svcgraph: warning: listening on {local}: the view and the metrics behind it are reachable from the network, with no authentication (--auth-token-file)"
            );
        }
        let settings = Settings {
            transform: args.transform.clone(),
            thresholds: thresholds(&args.thresholds),
            svg: svg_options(&args.draw),
            refresh,
            history,
            title: args
                .title
                .clone()
                .unwrap_or_else(|| format!("svcgraph: {}", origin.describe())),
            quiet: args.quiet,
            links: args.links.clone(),
            window_seconds: window_seconds(args.window.as_deref()),
        };
        let live = Arc::new(Live::new(settings, origin, Secrets::of(&args.prometheus)));
        // The address line is printed even with --quiet: with port 0 it is the only way to
        // learn the port.
        eprintln!(
            "svcgraph: serving http://{local}/ ({}, refreshed every {})",
            live.source(),
            humanize(refresh)
        );
        let signal = shutdown::register();
        tokio::spawn(Arc::clone(&live).refresh_forever());
        let number = serve_until_signal(listener, live, access, signal).await?;
        if !args.quiet {
            eprintln!("svcgraph: stopped");
        }
        anyhow::Ok(ExitCode::from(u8::try_from(128 + number).unwrap_or(1)))
    })?;
    // Refreshes and drawings in flight are abandoned, not awaited.
    runtime.shutdown_timeout(Duration::from_millis(100));
    Ok(code)
}

/// The token of --auth-token-file: its first line, trimmed; refused when empty or when it
/// holds what a header or a cookie cannot carry.
fn read_token(path: &std::path::Path) -> Result<String> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read --auth-token-file {}", path.display()))?;
    let token = text.lines().next().unwrap_or_default().trim();
    if token.is_empty() {
        bail!(
            "--auth-token-file {} is empty: write the token on its first line",
            path.display()
        );
    }
    if !token
        .bytes()
        .all(|b| b.is_ascii_graphic() && !matches!(b, b';' | b',' | b'"' | b'\\'))
    {
        bail!(
            "--auth-token-file {}: the token must be printable ASCII without spaces, quotes, commas, semicolons or backslashes (e.g. `openssl rand -hex 32`)",
            path.display()
        );
    }
    Ok(token.to_owned())
}

/// Serves until a stop signal, then lets open connections finish for at most [`DRAIN`].
/// Returns the signal's number.
async fn serve_until_signal(
    listener: tokio::net::TcpListener,
    live: Arc<Live>,
    access: Arc<http::Access>,
    signal: tokio::sync::oneshot::Receiver<i32>,
) -> Result<i32> {
    let (received, mut stopping) = tokio::sync::watch::channel(0);
    let stop = async move {
        // The sender lives as long as the process; a dropped one still means stop.
        let number = signal.await.unwrap_or(signal_hook::consts::SIGTERM);
        received.send_replace(number);
    };
    let server = axum::serve(listener, http::router(live, access)).with_graceful_shutdown(stop);
    let mut watching = stopping.clone();
    let drain_limit = async move {
        if watching.wait_for(|number| *number != 0).await.is_ok() {
            tokio::time::sleep(DRAIN).await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        served = server => served.context("the server stopped")?,
        () = drain_limit => eprintln!(
            "svcgraph: connections still open {} after the signal; closing them",
            humanize(DRAIN)
        ),
    }
    let number = *stopping.borrow_and_update();
    Ok(number)
}

/// Where the view comes from, and whether the flags fit it.
fn source_kind(args: &ServeArgs) -> Result<LiveSourceKind> {
    let kind = match (args.source, &args.snapshots, &args.prometheus.url) {
        (Some(kind), _, _) => kind,
        (None, Some(_), _) => LiveSourceKind::Snapshots,
        (None, None, Some(_)) => LiveSourceKind::Prometheus,
        (None, None, None) => bail!(
            "give a server with --url, Google Cloud with --source gmp --project-id P, or a directory with --snapshots DIR"
        ),
    };
    if kind != LiveSourceKind::Snapshots && args.snapshots.is_some() {
        bail!("--snapshots reads a directory; leave out --source or write --source snapshots");
    }
    if kind == LiveSourceKind::Snapshots && args.window.is_some() {
        bail!("--window asks a server; a snapshot was evaluated when it was saved");
    }
    Ok(kind)
}

fn server_kind(kind: LiveSourceKind) -> ServerKind {
    match kind {
        LiveSourceKind::Gmp => ServerKind::Gmp,
        LiveSourceKind::CloudMonitoring => ServerKind::CloudMonitoring,
        LiveSourceKind::Prometheus | LiveSourceKind::Snapshots => ServerKind::Prometheus,
    }
}

fn duration_flag(flag: &str, text: &str) -> Result<Duration> {
    let window = text.parse::<Window>().map_err(|_| {
        anyhow::anyhow!("{flag} `{text}` is not a duration; write e.g. 30s, 5m or 6h")
    })?;
    Ok(Duration::from_millis(window.as_millis()))
}
