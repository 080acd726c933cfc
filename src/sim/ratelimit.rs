//! The per-key request budget: a fixed window per API key.
//!
//! PagerDuty allows 960 requests per minute per account API key (fact F27, S7). Each key's
//! window opens at its first request and lasts `window` seconds; within it the first `limit`
//! requests pass and the rest get 429 (fact F28). A refused request does not use up budget.
//! Keys are held as SHA-256 digests so the limiter never stores a key in the clear.

use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::time::Duration;
use tokio::time::Instant;

/// Requests per window PagerDuty allows an account API key (fact F27).
pub const DEFAULT_REQUESTS: u32 = 960;
/// Length of PagerDuty's rate-limit window in seconds (fact F27: "per minute").
pub const DEFAULT_WINDOW_SECONDS: u64 = 60;

/// The limiter's answer for one request; the three numbers go into the `ratelimit-limit`,
/// `ratelimit-remaining` and `ratelimit-reset` headers (S7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Verdict {
    /// False when the request is over budget (answer 429).
    pub(crate) allowed: bool,
    /// Requests allowed per window.
    pub(crate) limit: u32,
    /// Requests left in the current window after this one.
    pub(crate) remaining: u32,
    /// Whole seconds (rounded up, at least 1) until the window resets.
    pub(crate) reset_seconds: u64,
}

#[derive(Debug)]
struct Window {
    start: Instant,
    used: u32,
}

/// Fixed-window budgets, one per key.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    limit: u32,
    window: Duration,
    windows: HashMap<Vec<u8>, Window>,
}

impl RateLimiter {
    /// `limit` requests per `window_seconds` seconds for each key.
    pub(crate) fn new(limit: u32, window_seconds: u64) -> RateLimiter {
        RateLimiter {
            limit,
            window: Duration::from_secs(window_seconds),
            windows: HashMap::new(),
        }
    }

    /// Changes the budget and starts every key's window afresh.
    pub(crate) fn reconfigure(&mut self, limit: u32, window_seconds: u64) {
        *self = RateLimiter::new(limit, window_seconds);
    }

    /// Counts one request by `key` at `now`.
    pub(crate) fn check(&mut self, key: &str, now: Instant) -> Verdict {
        let digest = Sha256::digest(key.as_bytes()).to_vec();
        let window = self.window;
        let w = self.windows.entry(digest).or_insert(Window {
            start: now,
            used: 0,
        });
        if now.duration_since(w.start) >= window {
            *w = Window {
                start: now,
                used: 0,
            };
        }
        let allowed = w.used < self.limit;
        if allowed {
            w.used += 1;
        }
        let left = window.saturating_sub(now.duration_since(w.start));
        let reset_seconds = left.as_millis().div_ceil(1000).max(1) as u64;
        Verdict {
            allowed,
            limit: self.limit,
            remaining: self.limit - w.used,
            reset_seconds,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_runs_out_then_resets_with_the_window() {
        let mut rl = RateLimiter::new(2, 60);
        let t0 = Instant::now();
        let a = rl.check("k", t0);
        assert_eq!((a.allowed, a.remaining, a.reset_seconds), (true, 1, 60));
        let b = rl.check("k", t0 + Duration::from_millis(500));
        assert_eq!((b.allowed, b.remaining, b.reset_seconds), (true, 0, 60));
        let c = rl.check("k", t0 + Duration::from_secs(20));
        assert_eq!((c.allowed, c.remaining, c.reset_seconds), (false, 0, 40));
        // Another key has its own budget.
        assert!(rl.check("other", t0 + Duration::from_secs(20)).allowed);
        let d = rl.check("k", t0 + Duration::from_secs(60));
        assert_eq!((d.allowed, d.remaining, d.reset_seconds), (true, 1, 60));
    }

    #[test]
    fn reset_rounds_up_and_reconfigure_restarts() {
        let mut rl = RateLimiter::new(1, 10);
        let t0 = Instant::now();
        rl.check("k", t0);
        let v = rl.check("k", t0 + Duration::from_millis(8_100));
        assert_eq!((v.allowed, v.reset_seconds), (false, 2));
        rl.reconfigure(5, 1);
        let v = rl.check("k", t0 + Duration::from_millis(8_200));
        assert_eq!((v.allowed, v.limit, v.remaining), (true, 5, 4));
    }
}
