//! The live view: refreshed in the background, one query set per refresh, and other moments
//! (the time slider, the comparison) computed once per rounded key however many browsers
//! ask. Every drawing starts from the live view's last positions, so services keep their
//! place across refreshes and while moving through time.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::net::IpAddr;
use std::sync::{Arc, OnceLock, PoisonError, RwLock};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use serde::Serialize;
use serde_json::value::RawValue;
use svcgraph_core::diff;
use svcgraph_core::layout::Point;
use svcgraph_core::naming::NamingRules;
use svcgraph_core::quality;
use svcgraph_core::query::EvalTime;
use svcgraph_core::render::html::{QualitySection, quality_section, script_data};
use svcgraph_core::render::json;
use svcgraph_core::render::links::LinkTemplate;
use svcgraph_core::render::svg::{self, SvgOptions};
use svcgraph_core::{LayoutHint, ServiceGraph};

use super::cache::{Coalesced, Failed, Weight};
use super::limits::{Clients, Upstream};
use super::origin::{Origin, Taken, unix_millis_now};
use super::page::{self, LiveOptions, PageOptions};
use super::secrets::Secrets;
use crate::args::TransformArgs;
use crate::pipeline::{apply_transforms, rename};

/// Other moments and views nobody asked for in this long are dropped (at the next
/// refresh), so memory a burst of requests took is given back.
const CACHE_IDLE: Duration = Duration::from_secs(120);
/// The coarsest rounding of a requested moment: with long refresh intervals, the time
/// slider still moves by at most a minute.
const MAX_STEP: Duration = Duration::from_secs(60);

/// What the view is made of and how it is drawn, from the command line.
pub struct Settings {
    /// `--naming`: applied to every moment before the transforms.
    pub naming: Option<NamingRules>,
    pub transform: TransformArgs,
    pub thresholds: diff::Thresholds,
    /// The drawing, without a hint (each drawing gets the live view's last positions).
    pub svg: SvgOptions,
    pub refresh: Duration,
    pub history: Duration,
    pub title: String,
    pub quiet: bool,
    /// The page's links to other tools (`--link`).
    pub links: Vec<LinkTemplate>,
    /// The `rate()` window, for the links' `{from}`.
    pub window_seconds: u64,
    /// Bytes of other moments and drawn views kept (`--cache-size`).
    pub cache_bytes: u64,
    /// Upstream query sets in flight at once (`--max-query-sets`).
    pub max_query_sets: usize,
    /// Query sets a minute for other moments (`--max-query-rate`); 0: no limit.
    pub max_query_rate: u32,
}

/// One moment's graph after the view's transforms.
pub struct Moment {
    graph: ServiceGraph,
    at_millis: i64,
    notes: Vec<String>,
}

/// A drawn view: what `/api/view` answers, and the page made from it on first request.
pub struct Rendered {
    /// The graph drawn (with its comparison marks, if any).
    graph: ServiceGraph,
    pub svg: String,
    /// The graph document (`render -f json`).
    pub graph_json: Box<RawValue>,
    /// Where each node was drawn: the next drawing's hint.
    pub positions: LayoutHint,
    pub at_millis: i64,
    notes: Vec<String>,
    /// The page's "Data quality" section for this graph (what the graph itself tells).
    quality: Option<QualitySection>,
    /// The answer of `/api/view` without extra notes, once asked for.
    body: OnceLock<Bytes>,
    page: OnceLock<String>,
    /// The hash of the drawing, the graph document and the notes, once asked for: every
    /// poll asks for the tag, and the drawing can be megabytes.
    content_hash: OnceLock<u64>,
}

/// A request's answer when it cannot have a view: the HTTP status and one line.
#[derive(Debug)]
pub struct Refusal {
    pub status: u16,
    pub message: String,
    /// Seconds after which asking again may succeed (`Retry-After`).
    pub retry_after: Option<u64>,
}

impl Refusal {
    pub fn new(status: u16, message: impl Into<String>) -> Self {
        Refusal {
            status,
            message: message.into(),
            retry_after: None,
        }
    }

    /// Too many requests (429) or too busy (503) now: ask again after `seconds`.
    pub fn busy(status: u16, message: impl Into<String>, seconds: u64) -> Self {
        Refusal {
            retry_after: Some(seconds),
            ..Refusal::new(status, message)
        }
    }

    fn bad_request(message: impl Into<String>) -> Self {
        Refusal::new(400, message)
    }

    fn upstream(message: impl Into<String>) -> Self {
        Refusal::new(502, message)
    }

    fn of(failed: Failed<Refusal>) -> Self {
        match failed {
            Failed::Lasting(message) => Refusal::upstream(message.to_string()),
            Failed::Passing(refusal) => refusal,
        }
    }
}

/// What an answer of the live view adds to the view: notes for the page's status line, and
/// whether the view is stale.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Extra {
    pub notes: Vec<String>,
    pub stale: Option<Stale>,
}

impl Extra {
    /// What the live view's answers add: when the last refresh failed (`error`, failing since
    /// `failing_since`, Unix ms), a note and the staleness; else nothing.
    fn of_live(view: &Rendered, error: Option<&str>, failing_since: Option<i64>) -> Extra {
        let Some(error) = error else {
            return Extra::default();
        };
        Extra {
            notes: vec![format!(
                "the last refresh failed ({error}); showing the view of {}",
                EvalTime::from_unix_millis(view.at_millis)
            )],
            stale: Some(Stale {
                since: failing_since.unwrap_or(view.at_millis) as f64 / 1000.0,
                error: error.to_owned(),
            }),
        }
    }
}

/// The live view is the last good one: the refreshes since `since` failed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stale {
    /// When refreshing started to fail, in Unix seconds.
    pub since: f64,
    /// Why the last refresh failed, one line without credentials.
    pub error: String,
}

/// How the live view is doing, for `/healthz`.
#[derive(Debug, Serialize)]
pub struct Health {
    /// `ok`, `degraded` (the last refresh failed; the last good view is served) or
    /// `starting` (no refresh has succeeded yet).
    pub status: &'static str,
    pub source: String,
    pub refreshes: u64,
    pub failed_refreshes: u64,
    /// Whether a refresh is under way (its queries may be in flight).
    pub refreshing: bool,
    pub last_success_seconds_ago: Option<f64>,
    pub error: Option<String>,
    /// Estimated bytes held by the cache of other moments and views.
    pub cache_bytes: u64,
}

#[derive(Default)]
struct State {
    /// The live view as drawn.
    view: Option<Arc<Rendered>>,
    /// The live moment, for comparisons against it.
    moment: Option<Arc<Moment>>,
    last_success: Option<Instant>,
    /// Why the last refresh failed, when it did.
    last_error: Option<String>,
    /// When the failures in a row that ended in `last_error` began (Unix milliseconds).
    failing_since: Option<i64>,
    refreshes: u64,
    failed_refreshes: u64,
    /// Whether a refresh is under way.
    refreshing: bool,
}

pub struct Live {
    settings: Settings,
    origin: Origin,
    secrets: Secrets,
    state: RwLock<State>,
    moments: Coalesced<i64, Moment>,
    /// By (moment, baseline); the moment is the live view's exact time when it is the live one.
    views: Coalesced<(i64, Option<i64>), Rendered>,
    upstream: Upstream,
    clients: Clients,
}

impl Live {
    pub fn new(settings: Settings, origin: Origin, secrets: Secrets) -> Self {
        Live {
            origin,
            secrets,
            state: RwLock::new(State::default()),
            // A drawn view holds its graph too, and its page once asked for.
            moments: Coalesced::new(settings.cache_bytes / 4),
            views: Coalesced::new(settings.cache_bytes - settings.cache_bytes / 4),
            upstream: Upstream::new(settings.max_query_sets, settings.max_query_rate),
            clients: Clients::default(),
            settings,
        }
    }

    pub fn source(&self) -> String {
        self.origin.describe()
    }

    /// Refreshes the live view every `--refresh`, the first time at once. A refresh that
    /// takes longer than the interval delays the next one: never two at a time.
    pub async fn refresh_forever(self: Arc<Self>) {
        let mut ticks = tokio::time::interval(self.settings.refresh);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            self.moments.forget_idle(CACHE_IDLE);
            self.views.forget_idle(CACHE_IDLE);
            self.refresh().await;
        }
    }

    /// One refresh: fetch now, draw from the last positions, publish. On failure the last
    /// good view stays, and says what failed.
    async fn refresh(self: &Arc<Self>) {
        self.write().refreshing = true;
        let turn = self.upstream.refresh_turn().await;
        let taken = self.take(None).await;
        drop(turn);
        let outcome = match taken {
            Ok(moment) => {
                let moment = Arc::new(moment);
                let rendered = self.draw(
                    moment.graph.clone(),
                    moment.at_millis,
                    moment.notes.clone(),
                    self.current(),
                );
                rendered.await.map(|r| (moment, r))
            }
            Err(message) => Err(message),
        };
        let mut state = self.write();
        state.refreshing = false;
        match outcome {
            Ok((moment, rendered)) => {
                if state.last_error.is_some() && !self.settings.quiet {
                    eprintln!("svcgraph: refreshed again after a failure");
                }
                state.view = Some(Arc::new(rendered));
                state.moment = Some(moment);
                state.last_success = Some(Instant::now());
                state.last_error = None;
                state.failing_since = None;
                state.refreshes += 1;
            }
            Err(message) => {
                if state.last_error.as_deref() != Some(message.as_str()) {
                    eprintln!("svcgraph: warning: refresh failed: {message}");
                }
                state.last_error = Some(message);
                state.failing_since.get_or_insert_with(unix_millis_now);
                state.failed_refreshes += 1;
            }
        }
    }

    /// The view at `at` (Unix seconds; `None` is now), compared with `compare` seconds
    /// before it when asked.
    pub async fn view(
        self: &Arc<Self>,
        at: Option<f64>,
        compare: Option<f64>,
        client: IpAddr,
    ) -> Result<(Arc<Rendered>, Extra), Refusal> {
        let (live_view, live_moment, degraded, failing_since) = {
            let state = self.read();
            (
                state.view.clone(),
                state.moment.clone(),
                state.last_error.clone(),
                state.failing_since,
            )
        };
        let step = self.step_millis();
        let history = i64::try_from(self.settings.history.as_millis()).unwrap_or(i64::MAX);
        let now = unix_millis_now();
        let asked = match at {
            // A moment still to come is now.
            Some(secs) if secs.is_finite() && secs * 1000.0 >= now as f64 => None,
            None => None,
            Some(secs) if secs.is_finite() => Some((secs * 1000.0) as i64),
            Some(_) => return Err(Refusal::bad_request("at= must be Unix seconds")),
        };
        if let Some(at) = asked
            && at < now.saturating_sub(history)
        {
            return Err(Refusal::bad_request(format!(
                "at= is further back than the history kept ({}); start serve with a longer --history",
                humanize(self.settings.history)
            )));
        }
        // A moment at or after the live one's step is the live one.
        let past = asked.map(|at| at - at.rem_euclid(step)).filter(|rounded| {
            live_moment
                .as_ref()
                .is_none_or(|m| *rounded < m.at_millis - m.at_millis.rem_euclid(step))
        });
        let baseline_back = match compare {
            None => None,
            Some(secs) if secs.is_finite() && secs > 0.0 && secs * 1000.0 <= history as f64 => {
                Some((secs * 1000.0) as i64)
            }
            Some(_) => {
                return Err(Refusal::bad_request(format!(
                    "compare= must be a number of seconds, more than 0 and at most the history kept ({})",
                    humanize(self.settings.history)
                )));
            }
        };
        let live_extra = |view: &Rendered| Extra::of_live(view, degraded.as_deref(), failing_since);
        let at = match (past, &live_moment) {
            (Some(rounded), _) => rounded,
            (None, Some(moment)) => moment.at_millis,
            (None, None) => {
                let why = degraded.unwrap_or_else(|| "the first refresh is still running".into());
                return Err(Refusal::upstream(format!("no view yet: {why}")));
            }
        };
        if past.is_none()
            && baseline_back.is_none()
            && let Some(view) = live_view
        {
            let extra = live_extra(&view);
            return Ok((view, extra));
        }
        let baseline = baseline_back.map(|back| {
            let t = at - back;
            t - t.rem_euclid(step)
        });
        let this = Arc::clone(self);
        let live = past.is_none().then(|| live_moment.clone()).flatten();
        let rendered = self
            .views
            .get_or_run((at, baseline), move || async move {
                let moment = match live {
                    Some(moment) => moment,
                    None => this.moment_at(at, client).await.map_err(Failed::Passing)?,
                };
                let mut graph = moment.graph.clone();
                let mut notes = moment.notes.clone();
                if let Some(baseline) = baseline {
                    let before = this
                        .moment_at(baseline, client)
                        .await
                        .map_err(Failed::Passing)?;
                    graph = diff::diff(&graph, &before.graph, &this.settings.thresholds);
                    notes.extend(before.notes.iter().map(|n| format!("baseline: {n}")));
                }
                this.draw(graph, moment.at_millis, notes, this.current())
                    .await
                    .map_err(Failed::from)
            })
            .await
            .map_err(Refusal::of)?;
        let extra = if past.is_none() {
            live_extra(&rendered)
        } else {
            Extra::default()
        };
        Ok((rendered, extra))
    }

    /// The page of a view, made on first request.
    pub fn page(&self, view: Option<&Rendered>) -> String {
        let options = |hint: Option<LayoutHint>| {
            let mut live = LiveOptions::default();
            live.refresh_seconds = self.settings.refresh.as_secs().max(1);
            live.history_seconds = self.settings.history.as_secs();
            live.window_seconds = self.settings.window_seconds;
            let mut options = PageOptions::default();
            options.links.clone_from(&self.settings.links);
            options.svg = self.settings.svg.clone();
            options.svg.hint = hint;
            options.title = Some(self.settings.title.clone());
            options.live = Some(live);
            options
        };
        match view {
            Some(view) => view
                .page
                .get_or_init(|| {
                    let mut options = options(Some(view.positions.clone()));
                    let window = i64::try_from(self.settings.window_seconds * 1000).unwrap_or(0);
                    options.window = Some((view.at_millis - window, view.at_millis));
                    page::page(&view.graph, &options)
                })
                .clone(),
            None => page::page(&ServiceGraph::new(), &options(None)),
        }
    }

    pub fn health(&self) -> Health {
        let state = self.read();
        Health {
            status: match (&state.view, &state.last_error) {
                (None, _) => "starting",
                (Some(_), Some(_)) => "degraded",
                (Some(_), None) => "ok",
            },
            source: self.source(),
            refreshes: state.refreshes,
            failed_refreshes: state.failed_refreshes,
            refreshing: state.refreshing,
            last_success_seconds_ago: state.last_success.map(|t| t.elapsed().as_secs_f64()),
            error: state.last_error.clone(),
            cache_bytes: self.moments.weight() + self.views.weight(),
        }
    }
}

/// Bytes a graph holds, roughly: its names, labels and numbers.
fn graph_bytes(graph: &ServiceGraph) -> u64 {
    300 * graph.node_count() as u64 + 400 * graph.edge_count() as u64
}

impl Weight for Moment {
    fn weight(&self) -> u64 {
        graph_bytes(&self.graph) + self.notes.iter().map(|n| n.len() as u64).sum::<u64>()
    }
}

impl Weight for Rendered {
    /// The drawing and the graph document twice (the answer of `/api/view` holds them
    /// again once asked for, the page its own drawing), the positions and the graph.
    fn weight(&self) -> u64 {
        2 * (self.svg.len() + self.graph_json.get().len()) as u64
            + 64 * self.positions.len() as u64
            + graph_bytes(&self.graph)
    }
}

impl Rendered {
    /// The entity tag of this view's answers with `extra`: the same drawing, graph, notes
    /// and staleness give the same tag (the evaluation time is left out: it moves on every
    /// refresh while the picture often does not), so a page that has them is answered 304.
    pub fn tag(&self, extra: &Extra) -> String {
        use std::hash::{DefaultHasher, Hash, Hasher};
        // SipHash with fixed keys: the same tag for the same content in every process.
        let content = *self.content_hash.get_or_init(|| {
            let mut hasher = DefaultHasher::new();
            self.svg.hash(&mut hasher);
            self.graph_json.get().hash(&mut hasher);
            self.notes.hash(&mut hasher);
            hasher.finish()
        });
        let mut hasher = DefaultHasher::new();
        content.hash(&mut hasher);
        extra.notes.hash(&mut hasher);
        if let Some(stale) = &extra.stale {
            stale.since.to_bits().hash(&mut hasher);
            stale.error.hash(&mut hasher);
        }
        format!("\"{:016x}-{}\"", hasher.finish(), self.svg.len())
    }

    /// The answer of `/api/view`, with `extra`'s notes first and its staleness. Without them
    /// it is written once and shared by every request (it holds the whole picture).
    pub fn body(&self, extra: &Extra) -> Bytes {
        if *extra == Extra::default() {
            return self
                .body
                .get_or_init(|| Bytes::from(self.write_body(&Extra::default())))
                .clone();
        }
        Bytes::from(self.write_body(extra))
    }

    fn write_body(&self, extra: &Extra) -> String {
        #[derive(Serialize)]
        struct Body<'a> {
            svg: &'a str,
            graph: &'a RawValue,
            at: f64,
            notes: Vec<&'a str>,
            /// Present when the live view is the last good one and the source is failing.
            #[serde(skip_serializing_if = "Option::is_none")]
            stale: Option<&'a Stale>,
            /// Node centers by id: the hint's nodes (its edge routes are the server's own).
            positions: &'a BTreeMap<String, Point>,
            /// The page's "Data quality" section.
            #[serde(skip_serializing_if = "Option::is_none")]
            quality: Option<&'a QualitySection>,
        }
        let body = Body {
            svg: &self.svg,
            graph: &self.graph_json,
            at: self.at_millis as f64 / 1000.0,
            notes: extra
                .notes
                .iter()
                .chain(&self.notes)
                .map(String::as_str)
                .collect(),
            stale: extra.stale.as_ref(),
            positions: &self.positions.nodes,
            quality: self.quality.as_ref(),
        };
        // Serializing strings, numbers and already-valid JSON cannot fail.
        let text = serde_json::to_string(&body).unwrap_or_default();
        script_data(&text)
    }
}

impl Live {
    /// A past moment, fetched once per rounded time when the limits on upstream query sets
    /// (at once, per minute, and at once for the `client` whose request fetches it) allow;
    /// requests waiting for a moment another request fetches cost nothing.
    async fn moment_at(self: &Arc<Self>, at: i64, client: IpAddr) -> Result<Arc<Moment>, Refusal> {
        let this = Arc::clone(self);
        self.moments
            .get_or_run(at, move || async move {
                let _client = this.clients.enter(client).map_err(Failed::Passing)?;
                let _turn = this.upstream.turn().map_err(Failed::Passing)?;
                this.take(Some(at)).await.map_err(Failed::from)
            })
            .await
            .map_err(Refusal::of)
    }

    /// A moment from the source, transformed; errors as one line without secrets.
    async fn take(&self, at: Option<i64>) -> Result<Moment, String> {
        let taken = self.origin.take(at).await.map_err(|e| self.line(&e))?;
        let Taken {
            graph,
            at_millis,
            notes,
        } = taken;
        let graph = rename(graph, self.settings.naming.as_ref(), None);
        let graph = apply_transforms(graph, &self.settings.transform).map_err(|e| self.line(&e))?;
        Ok(Moment {
            graph,
            at_millis,
            notes: notes.iter().map(|n| self.secrets.scrub(n)).collect(),
        })
    }

    /// Draws off the async threads (a big graph's layout takes a while), starting from the
    /// positions of `previous`, the live view; the same graph as it keeps its drawing.
    async fn draw(
        &self,
        graph: ServiceGraph,
        at_millis: i64,
        notes: Vec<String>,
        previous: Option<Arc<Rendered>>,
    ) -> Result<Rendered, String> {
        let mut options = self.settings.svg.clone();
        options.hint = previous.as_ref().map(|p| p.positions.clone());
        tokio::task::spawn_blocking(move || {
            let graph_json = RawValue::from_string(json::to_json(&graph).trim_end().to_owned())
                .map_err(|e| format!("cannot write the graph document: {e}"))?;
            let (svg, positions) = match previous {
                Some(p) if p.graph_json.get() == graph_json.get() => {
                    (p.svg.clone(), p.positions.clone())
                }
                _ => {
                    let drawn = svg::to_svg(&graph, &page::drawing_options(&graph, &options));
                    let positions = drawn.hint(&graph);
                    (drawn.text, positions)
                }
            };
            let quality = quality_section(&graph, Some(&quality::assess(&graph, None)));
            Ok(Rendered {
                svg,
                graph_json,
                positions,
                at_millis,
                notes,
                quality,
                body: OnceLock::new(),
                page: OnceLock::new(),
                content_hash: OnceLock::new(),
                graph,
            })
        })
        .await
        .map_err(|_| "drawing the graph stopped unexpectedly".to_owned())?
    }

    /// The live view as last drawn.
    fn current(&self) -> Option<Arc<Rendered>> {
        self.read().view.clone()
    }

    /// How requested moments are rounded: the refresh interval, at most a minute.
    fn step_millis(&self) -> i64 {
        let step = self.settings.refresh.min(MAX_STEP).as_millis();
        i64::try_from(step).unwrap_or(1000).max(1000)
    }

    /// An error as one line, without credentials.
    fn line(&self, error: &anyhow::Error) -> String {
        self.secrets
            .scrub(&format!("{error:#}").replace(['\n', '\r'], " "))
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(PoisonError::into_inner)
    }
}

/// `30s`, `6h`, `1h30m`, as the flags are written.
pub fn humanize(duration: Duration) -> String {
    let mut secs = duration.as_secs();
    if secs == 0 {
        return format!("{}ms", duration.as_millis());
    }
    let mut out = String::new();
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        if secs >= size {
            let _ = write!(out, "{}{unit}", secs / size);
            secs %= size;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_the_flags_are_written() {
        assert_eq!(humanize(Duration::from_secs(30)), "30s");
        assert_eq!(humanize(Duration::from_secs(5400)), "1h30m");
        assert_eq!(humanize(Duration::from_millis(500)), "500ms");
    }
}
