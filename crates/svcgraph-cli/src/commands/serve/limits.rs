//! What the server lets its callers cost it: upstream query sets in flight at once and per
//! minute (beyond them a request for another moment is answered 503 or 429 with
//! Retry-After instead of queued), and per client.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::live::Refusal;

/// Query sets one client's requests may have in flight (a comparison fetches two moments,
/// one after the other).
pub const PER_CLIENT: usize = 2;

/// Query sets for other moments and comparisons that may start at once, beyond the
/// per-minute rate (a page opening a comparison asks two moments).
const BURST: f64 = 10.0;

/// Upstream query sets: a number in flight at once (the live view's refresh included, which
/// waits for its turn instead of being refused) and a rate for the others.
pub struct Upstream {
    in_flight: Arc<Semaphore>,
    /// Query sets per minute for other moments; 0: no limit.
    per_minute: u32,
    bucket: Mutex<Bucket>,
}

/// A token bucket: `tokens` left at `at`.
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Upstream {
    pub fn new(at_once: usize, per_minute: u32) -> Self {
        Upstream {
            in_flight: Arc::new(Semaphore::new(at_once.max(1))),
            per_minute,
            bucket: Mutex::new(Bucket {
                tokens: BURST,
                at: Instant::now(),
            }),
        }
    }

    /// A turn for the live view's refresh: waits while others run.
    pub async fn refresh_turn(&self) -> Option<OwnedSemaphorePermit> {
        Arc::clone(&self.in_flight).acquire_owned().await.ok()
    }

    /// A turn for a query set of another moment, or the refusal to answer: 503 while as
    /// many query sets as allowed run, 429 beyond the rate.
    pub fn turn(&self) -> Result<OwnedSemaphorePermit, Refusal> {
        let permit = Arc::clone(&self.in_flight)
            .try_acquire_owned()
            .map_err(|_| {
                Refusal::busy(
                    503,
                    "the server is asking its source for other moments already; try again shortly",
                    1,
                )
            })?;
        if self.per_minute > 0 {
            let mut bucket = self.bucket.lock().unwrap_or_else(PoisonError::into_inner);
            let rate = f64::from(self.per_minute) / 60.0;
            let now = Instant::now();
            bucket.tokens =
                (bucket.tokens + now.duration_since(bucket.at).as_secs_f64() * rate).min(BURST);
            bucket.at = now;
            if bucket.tokens < 1.0 {
                let wait = Duration::from_secs_f64((1.0 - bucket.tokens) / rate);
                return Err(Refusal::busy(
                    429,
                    format!(
                        "more than {} other moments a minute were asked (--max-query-rate); try again later",
                        self.per_minute
                    ),
                    wait.as_secs().max(1),
                ));
            }
            bucket.tokens -= 1.0;
        }
        Ok(permit)
    }
}

/// Requests in flight by client address.
#[derive(Default)]
pub struct Clients {
    in_flight: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

/// One request in flight for a client; the count goes down when it is dropped.
pub struct ClientTurn {
    in_flight: Arc<Mutex<HashMap<IpAddr, usize>>>,
    client: IpAddr,
}

impl Clients {
    /// A turn for `client`, or 429 when it has [`PER_CLIENT`] query sets in flight.
    pub fn enter(&self, client: IpAddr) -> Result<ClientTurn, Refusal> {
        let mut map = self
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let count = map.entry(client).or_insert(0);
        if *count >= PER_CLIENT {
            return Err(Refusal::busy(
                429,
                format!(
                    "{PER_CLIENT} moments asked from this address are still being fetched; try again when they are"
                ),
                1,
            ));
        }
        *count += 1;
        Ok(ClientTurn {
            in_flight: Arc::clone(&self.in_flight),
            client,
        })
    }
}

impl Drop for ClientTurn {
    fn drop(&mut self) {
        let mut map = self
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = map.get_mut(&self.client) {
            *count -= 1;
            if *count == 0 {
                map.remove(&self.client);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_sets_beyond_those_in_flight_are_refused_with_503() {
        let upstream = Upstream::new(2, 0);
        let a = upstream.turn().unwrap();
        let _b = upstream.turn().unwrap();
        let refused = upstream.turn().unwrap_err();
        assert_eq!((refused.status, refused.retry_after), (503, Some(1)));
        drop(a);
        assert!(upstream.turn().is_ok());
    }

    #[test]
    fn query_sets_beyond_the_rate_are_refused_with_429() {
        let upstream = Upstream::new(100, 6);
        // The burst, then one every 10 s.
        for _ in 0..10 {
            drop(upstream.turn().unwrap());
        }
        let refused = upstream.turn().unwrap_err();
        assert_eq!(refused.status, 429);
        assert!(
            (9..=10).contains(&refused.retry_after.unwrap()),
            "{refused:?}"
        );
    }

    #[test]
    fn each_client_has_its_own_turns() {
        let clients = Clients::default();
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let turns: Vec<_> = (0..PER_CLIENT).map(|_| clients.enter(a).unwrap()).collect();
        assert_eq!(clients.enter(a).err().map(|r| r.status), Some(429));
        assert!(clients.enter(b).is_ok());
        drop(turns);
        assert!(clients.enter(a).is_ok());
        assert!(clients.in_flight.lock().unwrap().len() <= 1);
    }
}
