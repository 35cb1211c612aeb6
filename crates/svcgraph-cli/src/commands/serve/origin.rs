//! Where the live view's graphs come from: a server asked at a moment, or a directory of
//! snapshots, the newest at or before a moment.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use svcgraph_core::query::{EvalTime, GraphQuery};
use svcgraph_core::schema::Schema;
use svcgraph_core::{LoadOptions, ServiceGraph, Snapshot};

use crate::pipeline::with_flag_hint;
use crate::source::{self, Server};

/// One moment's graph, before the view's transforms.
pub struct Taken {
    pub graph: ServiceGraph,
    /// When the series were evaluated, in Unix milliseconds.
    pub at_millis: i64,
    /// What the source warned about, one line each.
    pub notes: Vec<String>,
}

/// A live source.
pub enum Origin {
    Server(Box<ServerOrigin>),
    Snapshots(Arc<SnapshotDir>),
}

impl Origin {
    /// The source as shown on the page and in messages: an address without credentials or
    /// query, or the directory.
    pub fn describe(&self) -> String {
        match self {
            Origin::Server(origin) => origin.server.endpoint().to_owned(),
            Origin::Snapshots(dir) => dir.dir.display().to_string(),
        }
    }

    /// The graph at `at` (Unix milliseconds), or now.
    pub async fn take(&self, at: Option<i64>) -> Result<Taken> {
        match self {
            Origin::Server(origin) => origin.take(at).await,
            Origin::Snapshots(dir) => {
                let dir = Arc::clone(dir);
                tokio::task::spawn_blocking(move || dir.take(at))
                    .await
                    .context("reading the snapshots stopped unexpectedly")?
            }
        }
    }
}

/// A Prometheus-compatible server or Google Cloud, with the filters and window to ask with.
pub struct ServerOrigin {
    server: Server,
    /// The schema named on the command line; `None` detects it on the first fetch.
    named: Option<Schema>,
    schema: tokio::sync::OnceCell<Schema>,
    /// Filters and window; no time (each fetch sets its own).
    query: GraphQuery,
    quiet: bool,
}

impl ServerOrigin {
    pub fn new(server: Server, named: Option<Schema>, query: GraphQuery, quiet: bool) -> Self {
        ServerOrigin {
            server,
            named,
            schema: tokio::sync::OnceCell::new(),
            query,
            quiet,
        }
    }

    async fn take(&self, at: Option<i64>) -> Result<Taken> {
        // Detected once, when the server first answers; a failure is tried again next time.
        let schema = self
            .schema
            .get_or_try_init(|| async {
                let (schema, note) =
                    source::choose_schema(&self.server, self.named.clone(), &self.query).await?;
                if let Some(note) = note.filter(|_| !self.quiet) {
                    eprintln!("svcgraph: {note}");
                }
                anyhow::Ok(schema)
            })
            .await?;
        let mut query = self.query.clone();
        query.at = at.map(EvalTime::from_unix_millis);
        let moment = source::moment(&self.server, schema, &query, false).await?;
        let at_millis = moment
            .fetched
            .snapshot
            .query
            .as_ref()
            .and_then(|q| q.at)
            .map_or_else(unix_millis_now, EvalTime::unix_millis);
        let mut notes = moment.redirects();
        notes.extend(moment.warnings.iter().map(ToString::to_string));
        notes.dedup();
        Ok(Taken {
            graph: moment.graph,
            at_millis,
            notes,
        })
    }
}

/// A directory of svcgraph snapshots, indexed by the moment each was taken at.
pub struct SnapshotDir {
    dir: PathBuf,
    options: LoadOptions,
    /// What each file was found to be, kept while its size and modification time stay.
    index: Mutex<BTreeMap<PathBuf, Indexed>>,
}

#[derive(Clone, Copy)]
struct Indexed {
    modified: Option<SystemTime>,
    len: u64,
    /// When the snapshot was taken (Unix milliseconds); `None` when the file is not one.
    at: Option<i64>,
}

impl SnapshotDir {
    /// The directory, which must exist; its files are read when asked.
    pub fn open(dir: &Path, options: LoadOptions) -> Result<Self> {
        if !dir.is_dir() {
            bail!(
                "--snapshots {} is not a directory; give the directory `svcgraph fetch -o` writes into",
                dir.display()
            );
        }
        Ok(SnapshotDir {
            dir: dir.to_path_buf(),
            options,
            index: Mutex::new(BTreeMap::new()),
        })
    }

    /// The newest snapshot at or before `at` (or the newest of all), loaded.
    fn take(&self, at: Option<i64>) -> Result<Taken> {
        let (snapshots, skipped) = self.scan()?;
        let chosen = snapshots
            .iter()
            .rev()
            .find(|(taken, _)| at.is_none_or(|at| *taken <= at));
        let Some((taken, path)) = chosen else {
            match (at, snapshots.first()) {
                (Some(at), Some((oldest, _))) => bail!(
                    "no snapshot in {} is from {} or before (the oldest is from {})",
                    self.dir.display(),
                    EvalTime::from_unix_millis(at),
                    EvalTime::from_unix_millis(*oldest)
                ),
                _ => bail!(
                    "{} holds no svcgraph snapshot (*.json as `svcgraph fetch -o` writes them)",
                    self.dir.display()
                ),
            }
        };
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let loaded = svcgraph_core::load_with(&bytes, &self.options)
            .map_err(with_flag_hint)
            .with_context(|| format!("the snapshot {}", path.display()))?;
        let mut notes: Vec<String> = loaded.warnings.iter().map(ToString::to_string).collect();
        if skipped > 0 {
            notes.push(format!(
                "{} in {} skipped: not svcgraph snapshots",
                svcgraph_core::counted(skipped, "file"),
                self.dir.display()
            ));
        }
        Ok(Taken {
            graph: loaded.graph,
            at_millis: *taken,
            notes,
        })
    }

    /// The snapshots by time (then name), and how many `*.json` files are not snapshots.
    fn scan(&self) -> Result<(Vec<(i64, PathBuf)>, usize)> {
        let entries = std::fs::read_dir(&self.dir)
            .with_context(|| format!("cannot read the directory {}", self.dir.display()))?;
        let mut seen = BTreeMap::new();
        for entry in entries.flatten() {
            let path = entry.path();
            if path
                .extension()
                .is_none_or(|e| !e.eq_ignore_ascii_case("json"))
            {
                continue;
            }
            let Ok(meta) = entry.metadata() else { continue };
            if !meta.is_file() {
                continue;
            }
            let (modified, len) = (meta.modified().ok(), meta.len());
            let known = self
                .index
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get(&path)
                .copied()
                .filter(|i| i.modified == modified && i.len == len);
            let indexed = known.unwrap_or_else(|| Indexed {
                modified,
                len,
                at: snapshot_time(&path, modified),
            });
            seen.insert(path, indexed);
        }
        let mut snapshots: Vec<(i64, PathBuf)> = seen
            .iter()
            .filter_map(|(path, i)| i.at.map(|at| (at, path.clone())))
            .collect();
        snapshots.sort();
        let skipped = seen.len() - snapshots.len();
        *self.index.lock().unwrap_or_else(PoisonError::into_inner) = seen;
        Ok((snapshots, skipped))
    }
}

/// When the snapshot at `path` was taken: its query's time, else the file's modification
/// time; `None` when the file is not a snapshot.
fn snapshot_time(path: &Path, modified: Option<SystemTime>) -> Option<i64> {
    let bytes = std::fs::read(path).ok()?;
    let snapshot: Snapshot = serde_json::from_slice(&bytes).ok()?;
    if snapshot.format != svcgraph_core::input::SNAPSHOT_FORMAT {
        return None;
    }
    snapshot
        .query
        .and_then(|q| q.at)
        .map(EvalTime::unix_millis)
        .or_else(|| modified.and_then(millis_since_epoch))
}

fn millis_since_epoch(time: SystemTime) -> Option<i64> {
    let since = time.duration_since(UNIX_EPOCH).ok()?;
    i64::try_from(since.as_millis()).ok()
}

/// The clock now, in Unix milliseconds.
pub fn unix_millis_now() -> i64 {
    millis_since_epoch(SystemTime::now()).unwrap_or(0)
}
