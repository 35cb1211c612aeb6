//! A cache of computations bounded by the memory their results hold: the first request
//! for a key computes it, every request for the same key meanwhile waits for that one
//! result, so fifty browsers asking for the same moment cost the source one query set.
//! The least recently used results go first when the estimated sizes pass the budget.

use std::future::Future;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// Why a computation gave no value.
#[derive(Debug, Clone)]
pub enum Failed<E> {
    /// An error, one line, shared by all who waited and answered again for a few seconds.
    Lasting(Arc<str>),
    /// An answer for this request only (say, "busy, come back later"): those waiting try
    /// the work themselves.
    Passing(E),
}

impl<E> From<String> for Failed<E> {
    fn from(message: String) -> Self {
        Failed::Lasting(Arc::from(message))
    }
}

/// What a computation gives.
pub type Outcome<V, E> = Result<Arc<V>, Failed<E>>;

/// A failed computation is answered from the cache this long before it is tried again, so
/// a failing source is not asked once per request.
const RETRY_FAILED_AFTER: Duration = Duration::from_secs(5);
/// Failures remembered at most (each a line of text).
const FAILURES_KEPT: usize = 256;

/// How many bytes a cached value holds, estimated.
pub trait Weight {
    fn weight(&self) -> u64;
}

#[derive(Clone)]
struct ByWeight;

impl<K, V: Weight> quick_cache::Weighter<K, Kept<V>> for ByWeight {
    fn weight(&self, _key: &K, kept: &Kept<V>) -> u64 {
        kept.value.weight().max(1)
    }
}

/// A result and when it was last asked for (milliseconds since [`epoch`]).
struct Kept<V> {
    value: Arc<V>,
    used: Arc<AtomicU64>,
}

impl<V> Clone for Kept<V> {
    fn clone(&self) -> Self {
        Kept {
            value: Arc::clone(&self.value),
            used: Arc::clone(&self.used),
        }
    }
}

impl<V> Kept<V> {
    fn new(value: Arc<V>) -> Self {
        Kept {
            value,
            used: Arc::new(AtomicU64::new(since_epoch())),
        }
    }

    fn used_now(self) -> Arc<V> {
        self.used.store(since_epoch(), Ordering::Relaxed);
        self.value
    }
}

/// The process's clock for last uses.
fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn since_epoch() -> u64 {
    u64::try_from(epoch().elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Results by key within a budget of bytes, and recent failures.
pub struct Coalesced<K, V> {
    values: quick_cache::sync::Cache<K, Kept<V>, ByWeight>,
    failures: quick_cache::sync::Cache<K, (Arc<str>, Instant)>,
}

impl<K: Eq + Hash + Clone, V: Weight> Coalesced<K, V> {
    /// An empty cache holding at most `bytes` of results (estimated by [`Weight`]); a result
    /// larger than that is computed for those who wait on it but not kept.
    pub fn new(bytes: u64) -> Self {
        Coalesced {
            values: quick_cache::sync::Cache::with_weighter(64, bytes.max(1), ByWeight),
            failures: quick_cache::sync::Cache::new(FAILURES_KEPT),
        }
    }

    /// The value for `key`: cached, being computed by another request (then this waits for
    /// it), or computed now by `work`. When the request computing it gives up (its client
    /// went away), one of those waiting takes the work over.
    pub async fn get_or_run<F, Fut, E>(&self, key: K, work: F) -> Outcome<V, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, Failed<E>>>,
    {
        if let Some(message) = self.recent_failure(&key) {
            return Err(Failed::Lasting(message));
        }
        match self.values.get_value_or_guard_async(&key).await {
            Ok(kept) => Ok(kept.used_now()),
            Err(guard) => {
                // Those who waited on a failure get here one after another: they share it.
                if let Some(message) = self.recent_failure(&key) {
                    return Err(Failed::Lasting(message));
                }
                match work().await {
                    Ok(value) => {
                        let value = Arc::new(value);
                        let _ = guard.insert(Kept::new(Arc::clone(&value)));
                        Ok(value)
                    }
                    Err(Failed::Lasting(message)) => {
                        self.failures
                            .insert(key, (Arc::clone(&message), Instant::now()));
                        drop(guard);
                        Err(Failed::Lasting(message))
                    }
                    Err(passing) => Err(passing),
                }
            }
        }
    }

    fn recent_failure(&self, key: &K) -> Option<Arc<str>> {
        self.failures
            .get(key)
            .filter(|(_, at)| at.elapsed() < RETRY_FAILED_AFTER)
            .map(|(message, _)| message)
    }

    /// Drops the results nobody asked for in `idle`, so that memory a burst of requests
    /// took is given back when they stop.
    pub fn forget_idle(&self, idle: Duration) {
        let now = since_epoch();
        let idle = u64::try_from(idle.as_millis()).unwrap_or(u64::MAX);
        self.values
            .retain(|_, kept| now.saturating_sub(kept.used.load(Ordering::Relaxed)) < idle);
    }

    /// The estimated bytes held.
    pub fn weight(&self) -> u64 {
        self.values.weight()
    }

    /// How many results are held.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.values.len()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    impl Weight for u32 {
        fn weight(&self) -> u64 {
            u64::from(*self)
        }
    }

    type Answer = Outcome<u32, ()>;

    fn message(answer: Answer) -> String {
        match answer {
            Err(Failed::Lasting(message)) => message.to_string(),
            other => panic!("{other:?}"),
        }
    }

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
        let cache = Arc::new(Coalesced::<u32, u32>::new(1 << 20));
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
                            Ok::<_, Failed<()>>(42)
                        })
                        .await
                }));
            }
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
    fn the_cache_keeps_within_its_bytes() {
        let runtime = runtime();
        // Values weigh what they are: 1,000 values of 1,000 in a budget of 100,000.
        let cache = Coalesced::<u32, u32>::new(100_000);
        let runs = AtomicUsize::new(0);
        runtime.block_on(async {
            for key in 0..1_000 {
                let value = cache
                    .get_or_run(key, || {
                        runs.fetch_add(1, Ordering::SeqCst);
                        async { Ok::<_, Failed<()>>(1_000) }
                    })
                    .await;
                assert_eq!(*value.unwrap(), 1_000);
                assert!(cache.weight() <= 100_000, "{}", cache.weight());
            }
            assert!(cache.len() <= 100, "{}", cache.len());
            assert!(cache.len() >= 50, "{}", cache.len());
            // The last one is still there: asking again runs nothing.
            let again: Answer = cache.get_or_run(999, || async { Ok(1) }).await;
            let again = again.unwrap();
            assert_eq!(*again, 1_000);
        });
        assert_eq!(runs.load(Ordering::SeqCst), 1_000);
    }

    #[test]
    fn results_nobody_asks_for_are_forgotten() {
        let runtime = runtime();
        let cache = Coalesced::<u32, u32>::new(1 << 20);
        runtime.block_on(async {
            for key in 0..3 {
                let _ = cache
                    .get_or_run(key, || async { Ok::<_, Failed<()>>(10) })
                    .await;
            }
            cache.forget_idle(Duration::from_secs(3600));
            assert_eq!(cache.len(), 3);
            cache.forget_idle(Duration::ZERO);
            assert_eq!(cache.len(), 0);
            assert_eq!(cache.weight(), 0);
        });
    }

    #[test]
    fn a_failure_is_shared_and_not_retried_at_once() {
        let runtime = runtime();
        let cache = Arc::new(Coalesced::<u32, u32>::new(1 << 20));
        let runs = Arc::new(AtomicUsize::new(0));
        let (release, released) = tokio::sync::watch::channel(false);
        runtime.block_on(async {
            let mut waiting = Vec::new();
            for _ in 0..10 {
                let (cache, runs, mut released) = (cache.clone(), runs.clone(), released.clone());
                waiting.push(tokio::spawn(async move {
                    cache
                        .get_or_run(1, move || async move {
                            runs.fetch_add(1, Ordering::SeqCst);
                            let _ = released.wait_for(|r| *r).await;
                            Err::<u32, Failed<()>>("the source is down".to_owned().into())
                        })
                        .await
                }));
            }
            while runs.load(Ordering::SeqCst) == 0 {
                tokio::task::yield_now().await;
            }
            release.send(true).unwrap();
            for task in waiting {
                assert_eq!(message(task.await.unwrap()), "the source is down");
            }
            let later: Answer = cache.get_or_run(1, || async { Ok(5) }).await;
            assert_eq!(message(later), "the source is down");
        });
        assert_eq!(runs.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn when_the_computing_request_gives_up_a_waiting_one_takes_over() {
        let runtime = runtime();
        let cache = Arc::new(Coalesced::<u32, u32>::new(1 << 20));
        runtime.block_on(async {
            let (started, mut has_started) = tokio::sync::watch::channel(false);
            let first = {
                let cache = cache.clone();
                tokio::spawn(async move {
                    cache
                        .get_or_run(3, move || async move {
                            started.send_replace(true);
                            std::future::pending::<Result<u32, Failed<()>>>().await
                        })
                        .await
                })
            };
            let _ = has_started.wait_for(|s| *s).await;
            let second = {
                let cache = cache.clone();
                tokio::spawn(async move {
                    cache
                        .get_or_run(3, || async { Ok::<_, Failed<()>>(9) })
                        .await
                })
            };
            first.abort();
            assert_eq!(*second.await.unwrap().unwrap(), 9);
        });
    }

    #[test]
    fn a_passing_refusal_is_not_remembered() {
        let runtime = runtime();
        let cache = Coalesced::<u32, u32>::new(1 << 20);
        runtime.block_on(async {
            let busy = cache
                .get_or_run(4, || async { Err(Failed::Passing("busy")) })
                .await;
            assert!(matches!(busy, Err(Failed::Passing("busy"))));
            let then = cache
                .get_or_run(4, || async { Ok::<_, Failed<&str>>(8) })
                .await;
            assert_eq!(*then.unwrap(), 8);
        });
    }
}
