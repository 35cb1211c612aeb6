//! A small least-recently-used cache whose entries are computations: the first request for a
//! key starts the work, every request for the same key while it runs waits for that one
//! result, so fifty browsers asking for the same moment cost the source one query set.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use futures_util::future::{BoxFuture, Shared};

/// What a computation gives: its value, or a one-line error shared by all who waited.
pub type Outcome<V> = Result<Arc<V>, Arc<str>>;

type Pending<V> = Shared<BoxFuture<'static, Outcome<V>>>;

/// A failed computation is answered from the cache this long before it is tried again, so
/// a failing source is not asked once per request.
const RETRY_FAILED_AFTER: Duration = Duration::from_secs(5);

/// Up to `capacity` computations by key, the least recently used evicted first.
pub struct Coalesced<K, V> {
    capacity: usize,
    inner: Mutex<Entries<K, V>>,
}

struct Entries<K, V> {
    /// Increases on every lookup: an entry's last use.
    clock: u64,
    map: BTreeMap<K, Entry<V>>,
}

struct Entry<V> {
    work: Pending<V>,
    started: Instant,
    used: u64,
}

impl<V> Entry<V> {
    /// Whether the work failed long enough ago to be tried again.
    fn stale_failure(&self) -> bool {
        matches!(self.work.peek(), Some(Err(_))) && self.started.elapsed() >= RETRY_FAILED_AFTER
    }
}

impl<K: Ord + Clone, V: Send + Sync + 'static> Coalesced<K, V> {
    /// An empty cache of at most `capacity` entries (at least one).
    pub fn new(capacity: usize) -> Self {
        Coalesced {
            capacity: capacity.max(1),
            inner: Mutex::new(Entries {
                clock: 0,
                map: BTreeMap::new(),
            }),
        }
    }

    /// The value for `key`: cached, being computed (then this waits for it), or computed now
    /// by `work` on a task of its own, which finishes even when every caller gives up.
    /// Must be called within the tokio runtime.
    pub async fn get_or_run<F, Fut>(&self, key: K, work: F) -> Outcome<V>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, String>> + Send + 'static,
    {
        let pending = {
            let mut entries = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
            entries.clock += 1;
            let now = entries.clock;
            match entries.map.get_mut(&key) {
                Some(entry) if !entry.stale_failure() => {
                    entry.used = now;
                    entry.work.clone()
                }
                _ => {
                    let task = tokio::spawn(work());
                    let pending = async move {
                        match task.await {
                            Ok(Ok(value)) => Ok(Arc::new(value)),
                            Ok(Err(message)) => Err(Arc::from(message)),
                            Err(_) => Err(Arc::from("the computation stopped unexpectedly")),
                        }
                    }
                    .boxed()
                    .shared();
                    entries.map.insert(
                        key,
                        Entry {
                            work: pending.clone(),
                            started: Instant::now(),
                            used: now,
                        },
                    );
                    entries.evict(self.capacity);
                    pending
                }
            }
        };
        pending.await
    }

    /// How many entries are held.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .map
            .len()
    }
}

impl<K: Ord + Clone, V> Entries<K, V> {
    /// Drops the least recently used entries beyond `capacity`. Work in progress that is
    /// evicted still finishes for those already waiting on it.
    fn evict(&mut self, capacity: usize) {
        while self.map.len() > capacity {
            let oldest = self
                .map
                .iter()
                .min_by_key(|(_, entry)| entry.used)
                .map(|(key, _)| key.clone());
            match oldest {
                Some(key) => {
                    self.map.remove(&key);
                }
                None => break,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn concurrent_requests_for_one_key_run_the_work_once() {
        let runtime = runtime();
        let cache = Arc::new(Coalesced::<u32, u32>::new(4));
        let runs = Arc::new(AtomicUsize::new(0));
        let (release, released) = tokio::sync::watch::channel(false);
        let answers = runtime.block_on(async {
            let mut waiting = Vec::new();
            for _ in 0..50 {
                let (cache, runs, mut released) = (cache.clone(), runs.clone(), released.clone());
                waiting.push(tokio::spawn(async move {
                    cache
                        .get_or_run(7, move || async move {
                            runs.fetch_add(1, Ordering::SeqCst);
                            // Hold the work until every request has arrived.
                            let _ = released.wait_for(|r| *r).await;
                            Ok(42)
                        })
                        .await
                }));
            }
            // Hold the work until it has started; requests arriving before the release share
            // it while it runs, later ones find its result.
            while runs.load(Ordering::SeqCst) == 0 {
                tokio::task::yield_now().await;
            }
            release.send(true).unwrap();
            let mut answers = Vec::new();
            for task in waiting {
                answers.push(*task.await.unwrap().unwrap());
            }
            answers
        });
        assert_eq!(answers, vec![42; 50]);
        assert_eq!(runs.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn the_least_recently_used_key_is_evicted() {
        let runtime = runtime();
        let cache = Coalesced::<u32, u32>::new(2);
        let runs = AtomicUsize::new(0);
        let get = |key: u32| {
            runs.fetch_add(1, Ordering::SeqCst);
            async move { Ok(key * 10) }
        };
        runtime.block_on(async {
            assert_eq!(*cache.get_or_run(1, || get(1)).await.unwrap(), 10);
            assert_eq!(*cache.get_or_run(2, || get(2)).await.unwrap(), 20);
            // 1 is used again, so 2 is the one to go when 3 arrives.
            assert_eq!(*cache.get_or_run(1, || get(1)).await.unwrap(), 10);
            assert_eq!(*cache.get_or_run(3, || get(3)).await.unwrap(), 30);
            assert_eq!(cache.len(), 2);
            assert_eq!(runs.load(Ordering::SeqCst), 3);
            assert_eq!(*cache.get_or_run(1, || get(1)).await.unwrap(), 10);
            assert_eq!(runs.load(Ordering::SeqCst), 3);
            assert_eq!(*cache.get_or_run(2, || get(2)).await.unwrap(), 20);
            assert_eq!(runs.load(Ordering::SeqCst), 4);
        });
    }

    #[test]
    fn a_failure_is_shared_and_not_retried_at_once() {
        let runtime = runtime();
        let cache = Coalesced::<u32, u32>::new(2);
        let runs = AtomicUsize::new(0);
        runtime.block_on(async {
            for _ in 0..3 {
                let answer = cache
                    .get_or_run(1, || {
                        runs.fetch_add(1, Ordering::SeqCst);
                        async { Err("the source is down".to_owned()) }
                    })
                    .await;
                assert_eq!(answer.unwrap_err().as_ref(), "the source is down");
            }
        });
        assert_eq!(runs.load(Ordering::SeqCst), 1);
    }
}
