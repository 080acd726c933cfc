//! The gates every request passes, shared by all clones of a [`Client`](super::Client):
//!
//! 1. a semaphore capping requests in flight at `concurrency`;
//! 2. the shared pause gate: after a 429 every worker waits until `ratelimit-reset` has
//!    passed (fact F28 in `PAGERDUTY_API.md`), not only the one that was refused;
//! 3. one `governor` direct rate limiter: `requests_per_minute` with an explicit `burst`
//!    (as lychee's per-host limiter, STYLE.md §1);
//! 4. the pause gate again, in case a 429 arrived while this request waited for a cell.
//!
//! Retries go through the same gates as first attempts. The counters here feed
//! [`ClientStats`], and later adaptive throttling (ratelimit-remaining is recorded from every
//! answer).

use super::error::ApiError;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{Semaphore, SemaphorePermit};
use tokio::time::Instant;

/// A snapshot of the request layer's counters since the client was built (shared by all
/// clones).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClientStats {
    /// HTTP requests sent, retries and recovery lookups included.
    pub requests_sent: u64,
    /// Attempts that were retries (each 429, 5xx, timeout… that led to another attempt).
    pub retries: u64,
    /// 429 answers received.
    pub rate_limited: u64,
    /// Wall-clock time the shared pause gate was closed after 429s.
    pub paused: Duration,
    /// Time requests spent waiting for the rate limiter, summed over requests.
    pub limiter_wait: Duration,
    /// `ratelimit-remaining` of the latest answer that carried it (fact F28).
    pub ratelimit_remaining: Option<u64>,
    /// `ratelimit-limit` of the latest answer that carried it (fact F28).
    pub ratelimit_limit: Option<u64>,
    /// Writes whose outcome was unknown and that were found to have taken effect
    /// (`Sent::recovered`).
    pub recovered: u64,
}

/// The shared gates and counters.
pub(crate) struct Throttle {
    limiter: DefaultDirectRateLimiter,
    in_flight: Semaphore,
    paused_until: Mutex<Option<Instant>>,
    counters: Counters,
}

#[derive(Default)]
struct Counters {
    requests_sent: AtomicU64,
    retries: AtomicU64,
    rate_limited: AtomicU64,
    paused_nanos: AtomicU64,
    limiter_wait_nanos: AtomicU64,
    ratelimit_remaining: AtomicI64,
    ratelimit_limit: AtomicI64,
    recovered: AtomicU64,
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

impl Throttle {
    /// `requests_per_minute` and `burst` must be at least 1, `concurrency` at least 1.
    ///
    /// # Errors
    /// [`ApiError::Config`] naming the zero value.
    pub(crate) fn new(
        requests_per_minute: u32,
        burst: u32,
        concurrency: usize,
    ) -> Result<Throttle, ApiError> {
        let rpm = NonZeroU32::new(requests_per_minute)
            .ok_or_else(|| ApiError::Config("requests_per_minute must be at least 1".into()))?;
        let burst = NonZeroU32::new(burst)
            .ok_or_else(|| ApiError::Config("burst must be at least 1".into()))?;
        if concurrency == 0 {
            return Err(ApiError::Config("concurrency must be at least 1".into()));
        }
        let counters = Counters {
            ratelimit_remaining: AtomicI64::new(-1),
            ratelimit_limit: AtomicI64::new(-1),
            ..Counters::default()
        };
        Ok(Throttle {
            limiter: RateLimiter::direct(Quota::per_minute(rpm).allow_burst(burst)),
            in_flight: Semaphore::new(concurrency),
            paused_until: Mutex::new(None),
            counters,
        })
    }

    /// Waits until this request may be sent; the permit holds its in-flight slot until
    /// dropped. Cancel-safe: dropping the future gives back the slot.
    pub(crate) async fn admit(&self) -> SemaphorePermit<'_> {
        // The semaphore is never closed, so acquire cannot fail.
        let permit = self
            .in_flight
            .acquire()
            .await
            .expect("the in-flight semaphore is never closed");
        self.wait_while_paused().await;
        let started = Instant::now();
        self.limiter.until_ready().await;
        self.counters
            .limiter_wait_nanos
            .fetch_add(nanos(started.elapsed()), Ordering::Relaxed);
        self.wait_while_paused().await;
        permit
    }

    async fn wait_while_paused(&self) {
        loop {
            let until = *self.paused_until.lock().unwrap_or_else(|e| e.into_inner());
            match until {
                Some(t) if t > Instant::now() => tokio::time::sleep_until(t).await,
                _ => return,
            }
        }
    }

    /// Closes the shared gate for `wait` from now (never shortens an existing pause).
    pub(crate) fn pause_for(&self, wait: Duration) {
        let now = Instant::now();
        let until = now + wait;
        let mut guard = self.paused_until.lock().unwrap_or_else(|e| e.into_inner());
        let current = guard.filter(|t| *t > now).unwrap_or(now);
        if until > current {
            self.counters
                .paused_nanos
                .fetch_add(nanos(until - current), Ordering::Relaxed);
            *guard = Some(until);
        }
    }

    pub(crate) fn count_sent(&self) {
        self.counters.requests_sent.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn count_retry(&self) {
        self.counters.retries.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn count_rate_limited(&self) {
        self.counters.rate_limited.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn count_recovered(&self) {
        self.counters.recovered.fetch_add(1, Ordering::Relaxed);
    }

    /// Records `ratelimit-limit` / `ratelimit-remaining` of an answer, when present.
    pub(crate) fn record_headers(&self, limit: Option<u64>, remaining: Option<u64>) {
        if let Some(l) = limit {
            let l = i64::try_from(l).unwrap_or(i64::MAX);
            self.counters.ratelimit_limit.store(l, Ordering::Relaxed);
        }
        if let Some(r) = remaining {
            let r = i64::try_from(r).unwrap_or(i64::MAX);
            self.counters
                .ratelimit_remaining
                .store(r, Ordering::Relaxed);
        }
    }

    pub(crate) fn stats(&self) -> ClientStats {
        let c = &self.counters;
        let opt = |v: i64| u64::try_from(v).ok();
        ClientStats {
            requests_sent: c.requests_sent.load(Ordering::Relaxed),
            retries: c.retries.load(Ordering::Relaxed),
            rate_limited: c.rate_limited.load(Ordering::Relaxed),
            paused: Duration::from_nanos(c.paused_nanos.load(Ordering::Relaxed)),
            limiter_wait: Duration::from_nanos(c.limiter_wait_nanos.load(Ordering::Relaxed)),
            ratelimit_remaining: opt(c.ratelimit_remaining.load(Ordering::Relaxed)),
            ratelimit_limit: opt(c.ratelimit_limit.load(Ordering::Relaxed)),
            recovered: c.recovered.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_values_are_refused() {
        assert!(Throttle::new(0, 1, 1).is_err());
        assert!(Throttle::new(60, 0, 1).is_err());
        assert!(Throttle::new(60, 1, 0).is_err());
    }

    #[tokio::test]
    async fn pauses_extend_but_never_shorten_and_count_wall_clock_once() {
        let t = Throttle::new(6000, 10, 2).unwrap();
        t.pause_for(Duration::from_millis(300));
        t.pause_for(Duration::from_millis(100)); // inside the first pause: no change
        let paused = t.stats().paused;
        assert!(paused <= Duration::from_millis(300), "{paused:?}");
        assert!(paused >= Duration::from_millis(290), "{paused:?}");
        let started = Instant::now();
        drop(t.admit().await);
        assert!(started.elapsed() >= Duration::from_millis(250));
    }

    #[tokio::test]
    async fn ratelimit_headers_are_remembered() {
        let t = Throttle::new(60, 1, 1).unwrap();
        assert_eq!(t.stats().ratelimit_remaining, None);
        t.record_headers(Some(960), Some(955));
        t.record_headers(None, Some(954));
        let s = t.stats();
        assert_eq!(
            (s.ratelimit_limit, s.ratelimit_remaining),
            (Some(960), Some(954))
        );
    }
}
