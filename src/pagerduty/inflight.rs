//! Caps on requests in flight whose limit moves while requests run.
//!
//! - [`Gate`]: a fair (FIFO) semaphore whose limit can be lowered or raised at any time; a
//!   lowered limit takes effect as slots come back, never by cancelling a request.
//! - [`in_flight_target`]: Little's law. Requests in flight ≈ rate × latency, so the cap that
//!   keeps the limiter's rate flowing at the measured latency is `rate × latency` plus a
//!   margin (25% and 2 requests) for the spread of latencies, between 1 and `concurrency`.
//!   The limiter, not this cap, keeps the key under its rate: the cap only stops requests
//!   queueing in flight beyond what the rate can use (PagerDuty asks for few parallel
//!   requests, fact F29). The throttle adds to it the stragglers (requests out for much
//!   longer than the latency), so that a few slow answers never hold every slot.
//! - [`Latency`]: a moving average of answer times, the "latency" above.
//! - [`Aimd`]: the limit on overlapping `POST /users`. PagerDuty can answer overlapping creates
//!   with a transient 400 "account could not be locked" (fact F30). The limit starts at 4
//!   (or `create_concurrency`, when lower) and grows by one after as many successful creates
//!   as the limit, up to `create_concurrency` and to the in-flight target; it halves (at
//!   most once per `cooldown`) only when the lock is frequent, more than a quarter of the
//!   last 32 create answers.

use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::{Semaphore, SemaphorePermit};
use tokio::time::Instant;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A cap on concurrent holders whose limit moves between 1 and `max`.
#[derive(Debug)]
pub(crate) struct Gate {
    sem: Semaphore,
    max: usize,
    state: Mutex<GateState>,
}

#[derive(Debug)]
struct GateState {
    limit: usize,
    /// Permits to retire as holders give them back (the limit was lowered below the number
    /// held).
    debt: usize,
    held: usize,
    peak: usize,
}

/// One held slot of a [`Gate`]; dropping it gives the slot back.
#[derive(Debug)]
pub(crate) struct Slot<'a> {
    gate: &'a Gate,
    permit: Option<SemaphorePermit<'a>>,
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        let mut s = lock(&self.gate.state);
        s.held -= 1;
        if let Some(p) = self.permit.take() {
            if s.debt > 0 {
                s.debt -= 1;
                p.forget();
            } else {
                drop(p);
            }
        }
    }
}

impl Gate {
    /// A gate letting `limit` holders in at once, adjustable up to `max` (both at least 1).
    pub(crate) fn new(limit: usize, max: usize) -> Gate {
        let max = max.max(1);
        let limit = limit.clamp(1, max);
        Gate {
            sem: Semaphore::new(limit),
            max,
            state: Mutex::new(GateState {
                limit,
                debt: 0,
                held: 0,
                peak: 0,
            }),
        }
    }

    /// Waits for a slot (first come, first served). Cancel-safe.
    pub(crate) async fn acquire(&self) -> Slot<'_> {
        let permit = self
            .sem
            .acquire()
            .await
            .expect("the gate's semaphore is never closed");
        let mut s = lock(&self.state);
        s.held += 1;
        s.peak = s.peak.max(s.held);
        Slot {
            gate: self,
            permit: Some(permit),
        }
    }

    /// Sets the limit (clamped to 1..=max). Lowering never interrupts a holder: the extra
    /// slots are retired as they come back.
    pub(crate) fn set_limit(&self, want: usize) {
        let want = want.clamp(1, self.max);
        let mut s = lock(&self.state);
        if want > s.limit {
            let mut grow = want - s.limit;
            let repaid = grow.min(s.debt);
            s.debt -= repaid;
            grow -= repaid;
            if grow > 0 {
                self.sem.add_permits(grow);
            }
        } else if want < s.limit {
            let shrink = s.limit - want;
            let removed = self.sem.forget_permits(shrink);
            s.debt += shrink - removed;
        }
        s.limit = want;
    }

    /// The current limit.
    pub(crate) fn limit(&self) -> usize {
        lock(&self.state).limit
    }

    /// The most holders seen at once.
    pub(crate) fn peak(&self) -> usize {
        lock(&self.state).peak
    }
}

/// The in-flight cap that keeps `per_second` requests flowing when answers take `latency`:
/// `⌈per_second × latency × 1.25⌉ + 2`, clamped to `1..=max` (Little's law).
pub(crate) fn in_flight_target(per_second: f64, latency: Duration, max: usize) -> usize {
    let needed = per_second * latency.as_secs_f64() * 1.25;
    let target = if needed.is_finite() {
        needed.ceil().min(1e6) as usize + 2
    } else {
        max
    };
    target.clamp(1, max.max(1))
}

/// A moving average of answer times (each new sample weighs a fifth).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Latency {
    average: Duration,
    samples: u64,
}

impl Latency {
    /// The estimate before any answer: `initial`.
    pub(crate) fn new(initial: Duration) -> Latency {
        Latency {
            average: initial,
            samples: 0,
        }
    }

    /// Adds one answer time; the first sample replaces the initial estimate.
    pub(crate) fn record(&mut self, sample: Duration) {
        self.average = if self.samples == 0 {
            sample
        } else {
            (self.average * 4 + sample) / 5
        };
        self.samples += 1;
    }

    /// The current estimate.
    pub(crate) fn get(&self) -> Duration {
        self.average
    }
}

/// The create limit a run starts at (or `create_concurrency`, when lower): few enough
/// overlapping `POST /users` that PagerDuty's account lock (fact F30) is rare, before any
/// answer says how the account takes more.
pub(crate) const CREATE_START: usize = 4;
/// The recent create answers whose share of account-lock answers decides a decrease.
pub(crate) const LOCK_WINDOW: usize = 32;
/// Fewest lock answers in the window that can make a decrease (so that two unlucky answers
/// at the start of a window are not "frequent").
pub(crate) const LOCK_MIN: usize = 4;
/// The lock answers are frequent when they are more than `1 / LOCK_SHARE_DIVISOR` of the
/// answers in the window (more than a quarter).
///
/// Why a quarter of 32: a lock answer costs one request and a backoff for its own create,
/// so below a quarter the extra overlap buys more creates than the retries cost (at a
/// quarter, a create takes 1.33 requests). At the onboarding benchmark's contention (the
/// simulator refuses 5% of overlapping creates whatever their number) 9 locks or more among
/// 32 answers have a chance of 1 in 50,000 (binomial), so background contention does not
/// lower the limit, while a share of 30% does within a window or two (66% a window). 32
/// answers are about two round trips at the default ceiling of 16.
pub(crate) const LOCK_SHARE_DIVISOR: usize = 4;

/// Additive increase, multiplicative decrease of the create limit (see the module docs).
///
/// The limit starts at [`CREATE_START`] (at most `max`). It grows by one after as many
/// successful creates as the limit (about one per round trip when the limit is used),
/// never above `max` nor above the bound the caller passes (the in-flight target of
/// Little's law: more creates out than requests in flight would only queue). It halves
/// when the account lock is frequent: among the last [`LOCK_WINDOW`] create answers, at
/// least [`LOCK_MIN`] and more than a quarter were the lock. A lock answer alone is no
/// reason to slow down: it is safe to retry (fact F30) and costs one request.
#[derive(Debug)]
pub(crate) struct Aimd {
    limit: usize,
    max: usize,
    successes: usize,
    /// The latest create answers, oldest first: `true` for the account lock.
    recent: std::collections::VecDeque<bool>,
    locks: usize,
    last_decrease: Option<Instant>,
    cooldown: Duration,
}

impl Aimd {
    /// Starts at `min(CREATE_START, max)` (`max` ≥ 1); decreases at most once per
    /// `cooldown`.
    pub(crate) fn new(max: usize, cooldown: Duration) -> Aimd {
        let max = max.max(1);
        Aimd {
            limit: CREATE_START.min(max),
            max,
            successes: 0,
            recent: std::collections::VecDeque::with_capacity(LOCK_WINDOW),
            locks: 0,
            last_decrease: None,
            cooldown,
        }
    }

    /// The current limit.
    pub(crate) fn limit(&self) -> usize {
        self.limit
    }

    fn remember(&mut self, lock: bool) {
        if self.recent.len() == LOCK_WINDOW && self.recent.pop_front() == Some(true) {
            self.locks -= 1;
        }
        self.recent.push_back(lock);
        self.locks += usize::from(lock);
    }

    /// The lock answers are frequent (see the type's docs).
    fn frequent(&self) -> bool {
        self.locks >= LOCK_MIN && self.locks * LOCK_SHARE_DIVISOR > self.recent.len()
    }

    /// A create (or a user update) was refused with the account-lock error. Halves the limit
    /// (at least 1) when lock answers have become frequent, unless it was halved less than
    /// `cooldown` ago; the window then starts afresh, so that the next decrease needs new
    /// evidence at the new limit. Returns the new limit when it changed.
    pub(crate) fn on_lock(&mut self, now: Instant) -> Option<usize> {
        self.remember(true);
        if !self.frequent()
            || self
                .last_decrease
                .is_some_and(|t| now.duration_since(t) < self.cooldown)
        {
            return None;
        }
        self.last_decrease = Some(now);
        self.recent.clear();
        self.locks = 0;
        self.successes = 0;
        let halved = (self.limit / 2).max(1);
        (halved != self.limit).then(|| {
            self.limit = halved;
            halved
        })
    }

    /// A create succeeded: after as many successes as the limit, raise it by one, up to
    /// `max` and to `bound` (the in-flight target; a limit already above it stays). Returns
    /// the new limit when it changed.
    pub(crate) fn on_success(&mut self, bound: usize) -> Option<usize> {
        self.remember(false);
        if self.limit >= self.max.min(bound.max(1)) {
            self.successes = 0;
            return None;
        }
        self.successes += 1;
        if self.successes < self.limit {
            return None;
        }
        self.successes = 0;
        self.limit += 1;
        Some(self.limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_target_follows_rate_times_latency() {
        let max = 32;
        // 950 per minute ≈ 15.8/s: 150 ms needs about 2.4 in flight, 600 ms about 9.5,
        // 1 s about 16, each with the margin.
        let r = 950.0 / 60.0;
        assert_eq!(in_flight_target(r, Duration::from_millis(150), max), 5);
        assert_eq!(in_flight_target(r, Duration::from_millis(600), max), 14);
        assert_eq!(in_flight_target(r, Duration::from_secs(1), max), 22);
        // Never above the configured concurrency, never below 1.
        assert_eq!(in_flight_target(r, Duration::from_secs(10), max), 32);
        assert_eq!(in_flight_target(r, Duration::from_secs(10), 1), 1);
        assert_eq!(in_flight_target(0.0, Duration::ZERO, 4), 2);
    }

    #[test]
    fn latency_is_a_moving_average_starting_at_the_first_answer() {
        let mut l = Latency::new(Duration::from_millis(250));
        assert_eq!(l.get(), Duration::from_millis(250));
        l.record(Duration::from_millis(600));
        assert_eq!(l.get(), Duration::from_millis(600));
        l.record(Duration::from_millis(100));
        assert_eq!(l.get(), Duration::from_millis(500));
    }

    /// Feeds `n` successes with the bound `bound`; returns the limit after.
    fn succeed(a: &mut Aimd, n: usize, bound: usize) -> usize {
        for _ in 0..n {
            a.on_success(bound);
        }
        a.limit()
    }

    #[test]
    fn the_create_limit_starts_at_four_and_grows_one_per_round_to_the_ceiling() {
        assert_eq!(Aimd::new(16, Duration::ZERO).limit(), 4);
        assert_eq!(Aimd::new(2, Duration::ZERO).limit(), 2);
        let mut a = Aimd::new(16, Duration::ZERO);
        // +1 after as many successes as the limit: 4 → 5 after 4, 5 → 6 after 5 more.
        for _ in 0..3 {
            assert_eq!(a.on_success(64), None);
        }
        assert_eq!(a.on_success(64), Some(5));
        assert_eq!(succeed(&mut a, 4, 64), 5);
        assert_eq!(a.on_success(64), Some(6));
        // 6 + 7 + … + 15 successes more reach the ceiling, and it stays there.
        assert_eq!(succeed(&mut a, (6..16).sum(), 64), 16);
        assert_eq!(succeed(&mut a, 1000, 64), 16);
    }

    #[test]
    fn the_create_limit_grows_no_further_than_the_in_flight_target() {
        let mut a = Aimd::new(16, Duration::ZERO);
        assert_eq!(succeed(&mut a, 1000, 6), 6);
        // A lower target later does not lower the limit; a higher one lets it grow again.
        assert_eq!(succeed(&mut a, 1000, 3), 6);
        assert_eq!(succeed(&mut a, 1000, 9), 9);
    }

    #[test]
    fn a_lock_answer_now_and_then_does_not_lower_the_create_limit() {
        // One lock in 20 create answers (the benchmark's 5% contention), for long: the limit
        // reaches the ceiling and stays, every lock answer retried at no cost but its request.
        let t0 = Instant::now();
        let mut a = Aimd::new(16, Duration::from_millis(500));
        for i in 0..2000u64 {
            if i % 20 == 19 {
                assert_eq!(a.on_lock(t0 + Duration::from_secs(i)), None, "answer {i}");
            } else {
                a.on_success(64);
            }
        }
        assert_eq!(a.limit(), 16);
        // Eight locks among 32 answers are a quarter: not more than a quarter.
        let mut a = Aimd::new(16, Duration::ZERO);
        succeed(&mut a, 24, 64);
        for i in 0..8 {
            assert_eq!(a.on_lock(t0), None, "lock {i}");
        }
        assert_eq!(a.limit(), 8);
    }

    #[test]
    fn frequent_lock_answers_halve_the_create_limit_once_per_cooldown() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut a = Aimd::new(16, ms(500));
        assert_eq!(succeed(&mut a, (4..16).sum(), 64), 16);
        // 24 successes then locks: the 9th lock makes 9 of the last 32 answers, more than a
        // quarter.
        succeed(&mut a, 24, 64);
        for i in 0..8 {
            assert_eq!(a.on_lock(t0), None, "lock {i}");
        }
        assert_eq!(a.on_lock(t0), Some(8));
        // The window starts afresh: three locks in a row are not yet frequent, the fourth is
        // (4 of 4), but within the cooldown it changes nothing.
        for _ in 0..3 {
            assert_eq!(a.on_lock(t0 + ms(600)), None);
        }
        assert_eq!(a.on_lock(t0 + ms(700)), Some(4));
        for _ in 0..3 {
            assert_eq!(a.on_lock(t0 + ms(800)), None);
        }
        assert_eq!(a.on_lock(t0 + ms(900)), None);
        assert_eq!(a.on_lock(t0 + ms(1300)), Some(2));
        // Successes grow it back one by one.
        assert_eq!(succeed(&mut a, 2, 64), 3);
        assert_eq!(succeed(&mut a, 3, 64), 4);
        // And all locks, for long, take it to 1 and no lower.
        for i in 0..40u64 {
            a.on_lock(t0 + Duration::from_secs(2 + i));
        }
        assert_eq!(a.limit(), 1);
    }

    #[tokio::test]
    async fn a_lowered_gate_retires_slots_as_they_come_back() {
        let g = Gate::new(3, 8);
        let a = g.acquire().await;
        let b = g.acquire().await;
        let c = g.acquire().await;
        g.set_limit(1);
        drop(a);
        drop(b);
        // Two slots were retired; the third holder still holds the only one.
        assert!(
            tokio::time::timeout(Duration::from_millis(50), g.acquire())
                .await
                .is_err()
        );
        drop(c);
        let d = g.acquire().await;
        g.set_limit(2);
        let e = g.acquire().await;
        assert_eq!((g.limit(), g.peak()), (2, 3));
        assert!(
            tokio::time::timeout(Duration::from_millis(50), g.acquire())
                .await
                .is_err()
        );
        drop((d, e));
        // Raised past what was ever held: every slot is usable.
        g.set_limit(20);
        let held: Vec<_> = futures::future::join_all((0..8).map(|_| g.acquire())).await;
        assert_eq!((g.limit(), held.len(), g.peak()), (8, 8, 8));
    }
}
