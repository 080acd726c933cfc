//! The gates every request passes, shared by all clones of a [`Client`](super::Client), in
//! this order:
//!
//! 1. `POST /users` only: the create gate, at most `create_concurrency` creates in flight.
//!    Its limit starts at 4, grows one by one while creates succeed (up to the in-flight
//!    target of gate 2), and halves when PagerDuty's transient account-lock error (fact F30
//!    in `PAGERDUTY_API.md`) becomes frequent ([`super::inflight::Aimd`]);
//! 2. the in-flight gate: its cap follows Little's law, rate × measured latency plus a
//!    margin, up to `concurrency` ([`super::inflight::in_flight_target`]). A request out for
//!    longer than [`Throttle::stall_after`] (four times the latency, at least a second) is
//!    a straggler: it stops counting against the cap until it ends, so a few slow answers
//!    never hold every slot while the rate has room;
//! 3. the shared pause gate: after a 429 every worker waits until `ratelimit-reset` has
//!    passed (fact F28), not only the one that was refused; it also closes, before any 429,
//!    when an answer says the window's budget is spent;
//! 4. the pace: when `ratelimit-remaining` / `ratelimit-reset` say the window would run out
//!    at the limiter's rate, requests are spaced evenly until the reset
//!    ([`super::budget`]; the spacing itself in `pacer`);
//! 5. one `governor` direct rate limiter (as lychee's per-host limiter, STYLE.md §1) at the
//!    effective budget: `requests_per_minute` with an explicit `burst`, or less when the
//!    server advertises less (`ratelimit-limit`, re-read from every user and team answer);
//!    the limiter is rebuilt, with its burst already spent, when that budget changes;
//! 6. the pause gate again, in case a 429 arrived while this request waited.
//!
//! Retries go through the same gates as first attempts. The counters here feed
//! [`ClientStats`].

use super::budget::{Budget, Headers, Rate};
use super::error::ApiError;
use super::inflight::{Aimd, Gate, Latency, Slot, in_flight_target};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use pacer::Pacer;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;
use tokio::time::Instant;

/// The latency assumed before the first answer, for the first in-flight cap.
const INITIAL_LATENCY: Duration = Duration::from_millis(250);
/// A request out for longer than this many latencies is a straggler (see the module docs).
const STALL_LATENCIES: u32 = 4;
/// … and for at least this long.
const STALL_AT_LEAST: Duration = Duration::from_secs(1);

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
    /// Wall-clock time the shared pause gate was closed after 429s (what
    /// [`ClientConfig::rate_limit_wait`](super::ClientConfig::rate_limit_wait) bounds).
    pub paused: Duration,
    /// Wall-clock time the shared pause gate was closed, before any 429, because an answer
    /// said the window's budget was spent (`ratelimit-remaining`, fact F28).
    pub budget_paused: Duration,
    /// Time requests spent waiting for the rate limiter, summed over requests.
    pub limiter_wait: Duration,
    /// Time requests spent waiting for the pace that `ratelimit-remaining` and
    /// `ratelimit-reset` called for, summed over requests.
    pub pace_wait: Duration,
    /// `ratelimit-remaining` of the latest user or team answer that carried it (fact F28).
    pub ratelimit_remaining: Option<u64>,
    /// `ratelimit-limit` of the latest user or team answer that carried it (fact F28).
    pub ratelimit_limit: Option<u64>,
    /// Writes whose outcome was unknown and that were found to have taken effect
    /// (`Sent::recovered`).
    pub recovered: u64,
    /// `POST /users` answered with the transient account-lock error (fact F30).
    pub account_locks: u64,
    /// The limiter's sustained rate now, in requests per minute (rounded down): the
    /// configured one, or less when the server advertises less.
    pub requests_per_minute: u32,
    /// The in-flight cap now (Little's law, at most `concurrency`).
    pub in_flight_limit: usize,
    /// The most requests sent and not yet answered at one time.
    pub in_flight_peak: usize,
    /// The cap on overlapping `POST /users` now (at most `create_concurrency`).
    pub create_limit: usize,
    /// The most `POST /users` holding a create slot at one time (a slot is held from
    /// admission, through any wait at the later gates, until the answer).
    pub create_peak: usize,
    /// The moving average of answer times (429s excluded), the latency of Little's law.
    pub latency: Duration,
}

/// The shared gates and counters.
pub(crate) struct Throttle {
    requests: Gate,
    creates: Gate,
    aimd: Mutex<Aimd>,
    max_in_flight: usize,
    /// The Little's-law target and the stragglers now out; the gate's limit is their sum.
    cap: Mutex<Cap>,
    latency: Mutex<Latency>,
    budget: Mutex<Budget>,
    limiter: RwLock<Limiter>,
    pacer: Pacer,
    paused_until: Mutex<Option<Instant>>,
    rate_limit_wait: Duration,
    on_wire: AtomicUsize,
    on_wire_peak: AtomicUsize,
    counters: Counters,
}

#[derive(Debug, Clone, Copy)]
struct Cap {
    target: usize,
    stalled: usize,
}

struct Limiter {
    generation: u64,
    limiter: Arc<DefaultDirectRateLimiter>,
}

#[derive(Default)]
struct Counters {
    requests_sent: AtomicU64,
    retries: AtomicU64,
    rate_limited: AtomicU64,
    paused_nanos: AtomicU64,
    budget_paused_nanos: AtomicU64,
    limiter_wait_nanos: AtomicU64,
    pace_wait_nanos: AtomicU64,
    ratelimit_remaining: AtomicI64,
    ratelimit_limit: AtomicI64,
    recovered: AtomicU64,
    account_locks: AtomicU64,
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn build_limiter(rate: Rate) -> DefaultDirectRateLimiter {
    let quota = Quota::with_period(rate.period.max(Duration::from_nanos(1)))
        .expect("the period is above zero")
        .allow_burst(NonZeroU32::new(rate.burst.max(1)).expect("the burst is at least 1"));
    RateLimiter::direct(quota)
}

/// What a request holds while it is admitted: its create slot (for `POST /users`) and its
/// in-flight slot. Dropping it gives both back.
pub(crate) struct Admission<'a> {
    _create: Option<Slot<'a>>,
    _slot: Slot<'a>,
}

/// Counts one request as sent and not yet answered while alive.
pub(crate) struct OnWire<'a>(&'a Throttle);

/// Marks one request as a straggler while alive: it does not count against the in-flight cap.
pub(crate) struct Stalled<'a>(&'a Throttle);

impl Drop for Stalled<'_> {
    fn drop(&mut self) {
        let mut cap = lock(&self.0.cap);
        cap.stalled -= 1;
        self.0.apply_cap(*cap);
    }
}

impl Drop for OnWire<'_> {
    fn drop(&mut self) {
        self.0.on_wire.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Why the pause gate closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cause {
    /// A 429 (counts against the run's rate-limit wait).
    RateLimited,
    /// An answer said the window's budget was spent.
    Budget,
}

/// The settings the throttle needs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Configured budget in requests per minute (≥ 1).
    pub requests_per_minute: u32,
    /// Limiter burst (≥ 1).
    pub burst: u32,
    /// Most requests in flight (≥ 1).
    pub concurrency: usize,
    /// Most `POST /users` in flight (≥ 1).
    pub create_concurrency: usize,
    /// Time the whole run may spend paused by 429s.
    pub rate_limit_wait: Duration,
    /// Shortest time between two decreases of the create limit.
    pub create_cooldown: Duration,
}

impl Throttle {
    /// Builds the gates for `limits`.
    ///
    /// # Errors
    /// [`ApiError::Config`] naming a rate, burst or concurrency that is zero.
    pub(crate) fn new(limits: Limits) -> Result<Throttle, ApiError> {
        let zero = |what: &str| ApiError::Config(format!("{what} must be at least 1"));
        if limits.requests_per_minute == 0 {
            return Err(zero("requests_per_minute"));
        }
        if limits.burst == 0 {
            return Err(zero("burst"));
        }
        if limits.concurrency == 0 {
            return Err(zero("concurrency"));
        }
        if limits.create_concurrency == 0 {
            return Err(zero("create_concurrency"));
        }
        let budget = Budget::new(limits.requests_per_minute, limits.burst);
        let rate = budget.rate();
        let first_cap = in_flight_target(rate.per_second(), INITIAL_LATENCY, limits.concurrency);
        let aimd = Aimd::new(limits.create_concurrency, limits.create_cooldown);
        let counters = Counters {
            ratelimit_remaining: AtomicI64::new(-1),
            ratelimit_limit: AtomicI64::new(-1),
            ..Counters::default()
        };
        Ok(Throttle {
            requests: Gate::new(first_cap, limits.concurrency),
            creates: Gate::new(aimd.limit(), limits.create_concurrency),
            aimd: Mutex::new(aimd),
            max_in_flight: limits.concurrency,
            cap: Mutex::new(Cap {
                target: first_cap,
                stalled: 0,
            }),
            latency: Mutex::new(Latency::new(INITIAL_LATENCY)),
            budget: Mutex::new(budget),
            limiter: RwLock::new(Limiter {
                generation: 0,
                limiter: Arc::new(build_limiter(rate)),
            }),
            pacer: Pacer::default(),
            paused_until: Mutex::new(None),
            rate_limit_wait: limits.rate_limit_wait,
            on_wire: AtomicUsize::new(0),
            on_wire_peak: AtomicUsize::new(0),
            counters,
        })
    }

    /// Waits until this request may be sent (gates 1–6 of the module docs); `create` is true
    /// for `POST /users`. The admission holds its slots until dropped. Cancel-safe: dropping
    /// the future gives back every slot taken.
    pub(crate) async fn admit(&self, create: bool) -> Admission<'_> {
        let create = if create {
            Some(self.creates.acquire().await)
        } else {
            None
        };
        let slot = self.requests.acquire().await;
        self.wait_while_paused().await;
        let waited = self.pacer.wait().await;
        self.counters
            .pace_wait_nanos
            .fetch_add(nanos(waited), Ordering::Relaxed);
        let started = Instant::now();
        self.wait_for_limiter().await;
        self.counters
            .limiter_wait_nanos
            .fetch_add(nanos(started.elapsed()), Ordering::Relaxed);
        self.wait_while_paused().await;
        Admission {
            _create: create,
            _slot: slot,
        }
    }

    /// Marks one request as sent; the guard marks it answered (or failed) when dropped.
    pub(crate) fn on_wire(&self) -> OnWire<'_> {
        let n = self.on_wire.fetch_add(1, Ordering::Relaxed) + 1;
        self.on_wire_peak.fetch_max(n, Ordering::Relaxed);
        self.counters.requests_sent.fetch_add(1, Ordering::Relaxed);
        OnWire(self)
    }

    async fn wait_for_limiter(&self) {
        loop {
            let (generation, limiter) = {
                let l = self.limiter.read().unwrap_or_else(|e| e.into_inner());
                (l.generation, l.limiter.clone())
            };
            limiter.until_ready().await;
            let now = self
                .limiter
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .generation;
            // The budget changed while this request waited: take a cell of the new limiter.
            if now == generation {
                return;
            }
        }
    }

    async fn wait_while_paused(&self) {
        loop {
            let until = *lock(&self.paused_until);
            match until {
                Some(t) if t > Instant::now() => tokio::time::sleep_until(t).await,
                _ => return,
            }
        }
    }

    /// Closes the shared gate until `until` (never shortens an existing pause) and counts
    /// the extension against `cause`. With `limit`, refuses (returns false, no pause) when
    /// the 429 time so far plus the extension would pass it.
    fn pause(&self, until: Instant, cause: Cause, limit: Option<Duration>) -> bool {
        let now = Instant::now();
        let mut guard = lock(&self.paused_until);
        let current = guard.filter(|t| *t > now).unwrap_or(now);
        let extension = until.saturating_duration_since(current);
        if let Some(limit) = limit {
            let spent = Duration::from_nanos(self.counters.paused_nanos.load(Ordering::Relaxed));
            if spent + extension > limit {
                return false;
            }
        }
        if !extension.is_zero() {
            let counter = match cause {
                Cause::RateLimited => &self.counters.paused_nanos,
                Cause::Budget => &self.counters.budget_paused_nanos,
            };
            counter.fetch_add(nanos(extension), Ordering::Relaxed);
            *guard = Some(until);
        }
        true
    }

    /// After a 429 on a user or team endpoint: closes the shared gate for `wait` from now,
    /// so every worker waits. Returns false, without pausing, when that would take the
    /// run's time paused by 429s past `rate_limit_wait`.
    pub(crate) fn pause_for_rate_limit(&self, wait: Duration) -> bool {
        self.pause(
            Instant::now() + wait,
            Cause::RateLimited,
            Some(self.rate_limit_wait),
        )
    }

    /// What is left of the run's rate-limit wait (`rate_limit_wait` minus the time paused by
    /// 429s so far).
    pub(crate) fn rate_limit_wait_left(&self) -> Duration {
        self.rate_limit_wait.saturating_sub(Duration::from_nanos(
            self.counters.paused_nanos.load(Ordering::Relaxed),
        ))
    }

    /// When the current rate-limit window ends, if an answer said so and it is ahead.
    pub(crate) fn window_end(&self) -> Option<Instant> {
        lock(&self.budget).window_end(Instant::now())
    }

    /// Takes in one HTTP answer: its latency (not for 429s, which do not measure the
    /// server's work) and, for user and team endpoints, its `ratelimit-*` headers. Adjusts
    /// the limiter, the pace, the pause gate and the in-flight cap.
    pub(crate) fn observe(
        &self,
        shares_budget: bool,
        status: u16,
        headers: Headers,
        latency: Duration,
    ) {
        let rate_limited = status == 429;
        if !rate_limited {
            lock(&self.latency).record(latency);
        }
        if shares_budget {
            if let Some(l) = headers.limit {
                let l = i64::try_from(l).unwrap_or(i64::MAX);
                self.counters.ratelimit_limit.store(l, Ordering::Relaxed);
            }
            if let Some(r) = headers.remaining {
                let r = i64::try_from(r).unwrap_or(i64::MAX);
                self.counters
                    .ratelimit_remaining
                    .store(r, Ordering::Relaxed);
            }
            let in_flight = self.on_wire.load(Ordering::Relaxed);
            let advice =
                lock(&self.budget).observe(headers, rate_limited, in_flight, Instant::now());
            if let Some(w) = &advice.warning {
                tracing::warn!("{w}");
            }
            if let Some(n) = &advice.note {
                tracing::info!("{n}");
            }
            if let Some(rate) = advice.rate {
                self.replace_limiter(rate);
            }
            if !rate_limited {
                self.pacer.set(advice.pace);
            }
            if let Some(until) = advice.pause_until {
                tracing::debug!(
                    wait_ms = until.saturating_duration_since(Instant::now()).as_millis() as u64,
                    "the window's budget is spent; pausing every request until the reset"
                );
                self.pause(until, Cause::Budget, None);
            }
        }
        self.update_in_flight_cap();
    }

    fn replace_limiter(&self, rate: Rate) {
        let fresh = build_limiter(rate);
        // Start it with its burst spent, so that a new budget brings no extra burst.
        if let Some(n) = NonZeroU32::new(rate.burst) {
            let _ = fresh.check_n(n);
        }
        let mut l = self.limiter.write().unwrap_or_else(|e| e.into_inner());
        l.generation += 1;
        l.limiter = Arc::new(fresh);
        tracing::debug!(
            requests_per_minute = rate.requests_per_minute() as u64,
            burst = rate.burst,
            "rate limiter budget changed"
        );
    }

    fn update_in_flight_cap(&self) {
        let mut per_second = lock(&self.budget).rate().per_second();
        if let Some(p) = self.pacer.current(Instant::now()) {
            per_second = per_second.min(1.0 / p.interval.as_secs_f64());
        }
        let latency = lock(&self.latency).get();
        let mut cap = lock(&self.cap);
        cap.target = in_flight_target(per_second, latency, self.max_in_flight);
        self.apply_cap(*cap);
    }

    /// Sets the in-flight gate to the target plus the stragglers (at most `concurrency`).
    fn apply_cap(&self, cap: Cap) {
        self.requests
            .set_limit((cap.target + cap.stalled).min(self.max_in_flight));
    }

    /// How long a request may be out before it counts as a straggler: four times the
    /// latency estimate, at least a second.
    pub(crate) fn stall_after(&self) -> Duration {
        (lock(&self.latency).get() * STALL_LATENCIES).max(STALL_AT_LEAST)
    }

    /// Marks a request that has been out for [`Throttle::stall_after`] as a straggler until
    /// the guard is dropped (it ends): its slot no longer counts against the cap.
    pub(crate) fn stalled(&self) -> Stalled<'_> {
        let mut cap = lock(&self.cap);
        cap.stalled += 1;
        self.apply_cap(*cap);
        Stalled(self)
    }

    /// A `POST /users` or a `PUT /users/{id}` was refused with the account-lock error
    /// (contention on the account's licences, which every create takes): count it, and lower
    /// the create limit if the lock has become frequent ([`Aimd::on_lock`]).
    pub(crate) fn on_account_lock(&self) {
        self.counters.account_locks.fetch_add(1, Ordering::Relaxed);
        if let Some(limit) = lock(&self.aimd).on_lock(Instant::now()) {
            self.creates.set_limit(limit);
            tracing::info!(
                create_limit = limit,
                "frequent account locks on create; fewer creates at once"
            );
        }
    }

    /// A `POST /users` succeeded: the create limit may grow, up to `create_concurrency` and
    /// the in-flight target (Little's law).
    pub(crate) fn on_create_success(&self) {
        let bound = lock(&self.cap).target;
        if let Some(limit) = lock(&self.aimd).on_success(bound) {
            self.creates.set_limit(limit);
        }
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

    pub(crate) fn stats(&self) -> ClientStats {
        let c = &self.counters;
        let opt = |v: i64| u64::try_from(v).ok();
        let d = |a: &AtomicU64| Duration::from_nanos(a.load(Ordering::Relaxed));
        ClientStats {
            requests_sent: c.requests_sent.load(Ordering::Relaxed),
            retries: c.retries.load(Ordering::Relaxed),
            rate_limited: c.rate_limited.load(Ordering::Relaxed),
            paused: d(&c.paused_nanos),
            budget_paused: d(&c.budget_paused_nanos),
            limiter_wait: d(&c.limiter_wait_nanos),
            pace_wait: d(&c.pace_wait_nanos),
            ratelimit_remaining: opt(c.ratelimit_remaining.load(Ordering::Relaxed)),
            ratelimit_limit: opt(c.ratelimit_limit.load(Ordering::Relaxed)),
            recovered: c.recovered.load(Ordering::Relaxed),
            account_locks: c.account_locks.load(Ordering::Relaxed),
            requests_per_minute: lock(&self.budget).rate().requests_per_minute().floor() as u32,
            in_flight_limit: self.requests.limit(),
            in_flight_peak: self.on_wire_peak.load(Ordering::Relaxed),
            create_limit: self.creates.limit(),
            create_peak: self.creates.peak(),
            latency: lock(&self.latency).get(),
        }
    }
}

mod pacer;

#[cfg(test)]
mod tests;
