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
//!   with a transient 400 "account could not be locked" (fact F30), so the limit halves on that
//!   error (at most once per `cooldown`) and grows by one after as many successful creates as
//!   the limit, up to `create_concurrency`.

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

/// Additive increase, multiplicative decrease of the create limit (see the module docs).
#[derive(Debug)]
pub(crate) struct Aimd {
    limit: usize,
    max: usize,
    successes: usize,
    last_decrease: Option<Instant>,
    cooldown: Duration,
}

impl Aimd {
    /// Starts at `max` (≥ 1); decreases at most once per `cooldown`.
    pub(crate) fn new(max: usize, cooldown: Duration) -> Aimd {
        let max = max.max(1);
        Aimd {
            limit: max,
            max,
            successes: 0,
            last_decrease: None,
            cooldown,
        }
    }

    /// The current limit.
    #[cfg(test)]
    fn limit(&self) -> usize {
        self.limit
    }

    /// A create was refused with the account-lock error: halve the limit (at least 1),
    /// unless it was halved less than `cooldown` ago. Returns the new limit when it changed.
    pub(crate) fn on_lock(&mut self, now: Instant) -> Option<usize> {
        self.successes = 0;
        if self
            .last_decrease
            .is_some_and(|t| now.duration_since(t) < self.cooldown)
        {
            return None;
        }
        self.last_decrease = Some(now);
        let halved = (self.limit / 2).max(1);
        (halved != self.limit).then(|| {
            self.limit = halved;
            halved
        })
    }

    /// A create succeeded: after as many successes as the limit, raise it by one (up to
    /// `max`). Returns the new limit when it changed.
    pub(crate) fn on_success(&mut self) -> Option<usize> {
        if self.limit >= self.max {
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

    #[test]
    fn creates_halve_on_lock_errors_and_grow_back_one_by_one() {
        let t0 = Instant::now();
        let mut a = Aimd::new(8, Duration::from_millis(500));
        assert_eq!(a.on_lock(t0), Some(4));
        // A burst of lock errors from the same overlap halves once.
        assert_eq!(a.on_lock(t0 + Duration::from_millis(100)), None);
        assert_eq!(a.on_lock(t0 + Duration::from_millis(600)), Some(2));
        assert_eq!(a.on_lock(t0 + Duration::from_millis(1200)), Some(1));
        assert_eq!(a.on_lock(t0 + Duration::from_millis(1800)), None);
        assert_eq!(a.limit(), 1);
        assert_eq!(a.on_success(), Some(2));
        assert_eq!(a.on_success(), None);
        assert_eq!(a.on_success(), Some(3));
        for _ in 0..2 {
            assert_eq!(a.on_success(), None);
        }
        assert_eq!(a.on_success(), Some(4));
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
