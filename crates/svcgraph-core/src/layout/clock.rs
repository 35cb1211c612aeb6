//! The stopwatch behind [`PhaseTimes`](super::PhaseTimes).
//!
//! `wasm32-unknown-unknown` has no clock that `std` can read: `Instant::now()` panics there.
//! The layout runs in the browser on that target, so there the stopwatch reads zero and the
//! phase times are all 0; everywhere else it is `Instant`.

#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
use std::time::Instant;

/// Time since it was started, where the target has a clock.
#[derive(Debug, Clone, Copy)]
pub(super) struct Stopwatch {
    #[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
    started: Instant,
}

impl Stopwatch {
    /// A stopwatch running from now.
    pub(super) fn start() -> Self {
        Stopwatch {
            #[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
            started: Instant::now(),
        }
    }

    /// Seconds since [`start`](Self::start); 0 on a target without a clock.
    #[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
    pub(super) fn seconds(self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// Seconds since [`start`](Self::start); 0 on a target without a clock.
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    #[allow(clippy::unused_self)]
    pub(super) fn seconds(self) -> f64 {
        0.0
    }
}

#[cfg(all(test, not(all(target_arch = "wasm32", target_os = "unknown"))))]
mod tests {
    use super::Stopwatch;

    #[test]
    fn natively_the_stopwatch_measures_the_time_that_passed() {
        let watch = Stopwatch::start();
        let started = std::time::Instant::now();
        while started.elapsed().as_micros() < 200 {
            std::hint::spin_loop();
        }
        assert!(watch.seconds() >= 0.0002, "{}", watch.seconds());
    }
}
