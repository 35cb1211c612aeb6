//! `svcgraph serve`: the graph of a live source over HTTP, refreshed on an interval.
//!
//! One background task asks the source every `--refresh` and draws the view from the last
//! drawing's positions; browsers read that one view, so the source sees one query set per
//! refresh however many are open. Other moments (`/api/view?at=`) and comparisons
//! (`compare=`) are rounded and computed once per key in a small bounded cache. Nothing is
//! written; credentials stay in the process.

mod cache;
mod http;
mod limits;
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
use crate::args::{LiveSourceKind, PrometheusArgs, ServeArgs, ServerKind};
use crate::commands::render::svg_options;
use crate::pipeline::{
    apply_transforms, connect, naming_from_flag, schema_from_flag, series_matchers, thresholds,
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

/// The naming rules, after checking the flags the view is made with: bad regexes, thresholds
/// and rules are the command line's errors, reported before serving.
fn checked_naming(args: &ServeArgs) -> Result<Option<svcgraph_core::naming::NamingRules>> {
    let mut checked = args.transform.clone();
    checked.focus = None;
    apply_transforms(svcgraph_core::ServiceGraph::new(), &checked)?;
    naming_from_flag(args.naming.as_deref())
}

pub fn run(args: &ServeArgs) -> Result<ExitCode> {
    let (refresh, history, idle) = durations(args)?;
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
    let naming = checked_naming(args)?;
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
                let mut prometheus = args.prometheus.clone();
                prometheus
                    .max_response_size
                    .get_or_insert(PrometheusArgs::SERVE_MAX_RESPONSE_SIZE);
                let server = connect(server_kind(server), &prometheus, &args.gcp).await?;
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
            naming,
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
            cache_bytes: args.cache_size,
            max_query_sets: usize::from(args.max_query_sets),
            max_query_rate: args.max_query_rate,
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
        let number = serve_until_signal(listener, http::router(live, access), idle, signal).await?;
        if !args.quiet {
            eprintln!("svcgraph: stopped");
        }
        anyhow::Ok(ExitCode::from(u8::try_from(128 + number).unwrap_or(1)))
    })?;
    // Refreshes and drawings in flight are abandoned, not awaited.
    runtime.shutdown_timeout(Duration::from_millis(100));
    Ok(code)
}

/// --refresh, --history and --idle-timeout, checked.
fn durations(args: &ServeArgs) -> Result<(Duration, Duration, Duration)> {
    let refresh = duration_flag("--refresh", &args.refresh)?;
    if refresh < Duration::from_secs(1) {
        bail!("--refresh must be at least 1s");
    }
    let history = duration_flag("--history", &args.history)?;
    let idle = duration_flag("--idle-timeout", &args.idle_timeout)?;
    if idle < Duration::from_secs(1) {
        bail!("--idle-timeout must be at least 1s");
    }
    if history < refresh {
        bail!("--history must be at least --refresh");
    }
    Ok((refresh, history, idle))
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

/// Connections served at once at most, whatever the file descriptors allow: beyond it a
/// new connection is closed at once.
const MAX_CONNECTIONS: usize = 1024;
/// File descriptors kept for the source, the cache and the process's own files.
const SPARE_DESCRIPTORS: usize = 64;

/// Serves `router` until a stop signal, then lets open connections finish for at most
/// [`DRAIN`]. A connection that sends nothing for `idle` (its request headers awaited, or
/// between requests) is closed, and connections beyond what the process's file descriptors
/// allow are closed at once, so that idle clients cannot starve the others (or `/healthz`).
/// Returns the signal's number.
async fn serve_until_signal(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    idle: Duration,
    signal: tokio::sync::oneshot::Receiver<i32>,
) -> Result<i32> {
    use tower::Service;

    let (received, stopping) = tokio::sync::watch::channel(0);
    tokio::spawn(async move {
        // The sender lives as long as the process; a dropped one still means stop.
        let number = signal.await.unwrap_or(signal_hook::consts::SIGTERM);
        received.send_replace(number);
    });
    let open = Arc::new(tokio::sync::Semaphore::new(connection_limit()));
    let mut connections = tokio::task::JoinSet::new();
    let mut watching = stopping.clone();
    loop {
        let (stream, peer) = tokio::select! {
            _ = watching.wait_for(|number| *number != 0) => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            accepted = listener.accept() => {
                if let Ok(accepted) = accepted {
                    accepted
                } else {
                    // Out of file descriptors, or the peer gave up: breathe, then go on.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            }
        };
        let Ok(permit) = Arc::clone(&open).try_acquire_owned() else {
            drop(stream);
            continue;
        };
        let router = router.clone();
        let mut stop = stopping.clone();
        connections.spawn(async move {
            let _permit = permit;
            let service = hyper::service::service_fn(
                move |mut request: hyper::Request<hyper::body::Incoming>| {
                    request
                        .extensions_mut()
                        .insert(axum::extract::ConnectInfo(peer));
                    router.clone().call(request)
                },
            );
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(idle)
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            tokio::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                () = async {
                    let _ = stop.wait_for(|number| *number != 0).await;
                } => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
        });
    }
    let drained = tokio::time::timeout(DRAIN, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        eprintln!(
            "svcgraph: connections still open {} after the signal; closing them",
            humanize(DRAIN)
        );
        connections.abort_all();
    }
    let number = *stopping.borrow();
    Ok(number)
}

/// How many connections to serve at once: [`MAX_CONNECTIONS`], or fewer when the process
/// may open fewer files (Linux's soft limit, from `/proc/self/limits`).
fn connection_limit() -> usize {
    let soft = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|limits| {
            let line = limits
                .lines()
                .find(|line| line.starts_with("Max open files"))?;
            line.split_whitespace().nth(3)?.parse::<usize>().ok()
        });
    soft.map_or(MAX_CONNECTIONS, |soft| {
        soft.saturating_sub(SPARE_DESCRIPTORS)
            .clamp(8, MAX_CONNECTIONS)
    })
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
