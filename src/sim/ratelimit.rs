//! The per-key request budget: a fixed window per API key, plus optional extra limits of
//! single endpoints.
//!
//! PagerDuty allows 960 requests per minute per account API key (fact F27, S7). Each key's
//! window opens at its first request and lasts `window` seconds; within it the first `limit`
//! requests pass and the rest get 429 (fact F28). A refused request does not use up budget.
//! Keys are held as SHA-256 digests so the limiter never stores a key in the clear.
//!
//! Some operations have an extra limit of their own (`PAGERDUTY_API.md` §6: in the spec
//! `POST /incidents`, `PUT /incidents`, `GET /oncalls`; none on user or team endpoints). An
//! [`EndpointRateLimit`] models one: a request it matches spends budget from both the key's
//! limit and the endpoint's (each with its own window per key), passes only when both have
//! budget left, and its `ratelimit-*` headers describe "whichever limit is nearest" (§6): the
//! one with fewer requests remaining (on a tie, the one that resets later), or the one that
//! refused it.

use super::faults::path_matches;
use crate::vocab::limits::{RATE_LIMIT_WINDOW, REQUESTS_PER_MINUTE};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::time::Duration;
use tokio::time::Instant;

/// Requests per window of a seed that names none: what PagerDuty allows an account API key
/// (fact F27, [`REQUESTS_PER_MINUTE`]).
pub const DEFAULT_REQUESTS: u32 = REQUESTS_PER_MINUTE;
/// Length of the window of a seed that names none, in seconds: PagerDuty's rate-limit window
/// (fact F27: "per minute", [`RATE_LIMIT_WINDOW`]).
pub const DEFAULT_WINDOW_SECONDS: u64 = RATE_LIMIT_WINDOW.as_secs();

/// An extra limit of one endpoint, on top of the key's budget (`PAGERDUTY_API.md` §6).
///
/// JSON form (in the seed's `rate_limit.endpoints`):
/// `{"method": "GET", "path": "/oncalls", "requests": 60, "window_seconds": 60}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointRateLimit {
    /// `GET`, `POST`, `PUT`, `DELETE` or `*` (case-insensitive), as in
    /// [`Fault::method`](super::Fault::method).
    pub method: String,
    /// Path pattern, as in [`Fault::path`](super::Fault::path) (`*` = one segment).
    pub path: String,
    /// Requests allowed per window and key.
    pub requests: u32,
    /// Window length in seconds (at least 1; default 60).
    #[serde(default = "default_window")]
    pub window_seconds: u64,
}

fn default_window() -> u64 {
    DEFAULT_WINDOW_SECONDS
}

impl EndpointRateLimit {
    /// An extra limit of `requests` per `window_seconds` seconds for `method` `path`.
    pub fn new(method: &str, path: &str, requests: u32, window_seconds: u64) -> EndpointRateLimit {
        EndpointRateLimit {
            method: method.to_string(),
            path: path.to_string(),
            requests,
            window_seconds,
        }
    }

    /// Checks the method, the path pattern and the window.
    ///
    /// # Errors
    /// A sentence naming the problem.
    pub fn validate(&self) -> Result<(), String> {
        let method = self.method.to_ascii_uppercase();
        if !["GET", "POST", "PUT", "DELETE", "*"].contains(&method.as_str()) {
            return Err(format!(
                "method {:?} is not one of GET, POST, PUT, DELETE, *",
                self.method
            ));
        }
        if !self.path.starts_with('/') {
            return Err(format!("path {:?} must start with '/'", self.path));
        }
        if self.window_seconds == 0 {
            return Err("window_seconds must be at least 1".to_string());
        }
        Ok(())
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        (self.method == "*" || self.method.eq_ignore_ascii_case(method))
            && path_matches(&self.path, path)
    }
}

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

#[derive(Debug, Clone, Copy)]
struct Window {
    start: Instant,
    used: u32,
}

/// One fixed-window budget per key.
#[derive(Debug)]
struct Budget {
    limit: u32,
    window: Duration,
    windows: HashMap<Vec<u8>, Window>,
}

impl Budget {
    fn new(limit: u32, window_seconds: u64) -> Budget {
        Budget {
            limit,
            window: Duration::from_secs(window_seconds),
            windows: HashMap::new(),
        }
    }

    /// The key's current window at `now` (opened or restarted as needed).
    fn current(&mut self, digest: &[u8], now: Instant) -> &mut Window {
        let window = self.window;
        let w = self.windows.entry(digest.to_vec()).or_insert(Window {
            start: now,
            used: 0,
        });
        if now.duration_since(w.start) >= window {
            *w = Window {
                start: now,
                used: 0,
            };
        }
        w
    }

    fn verdict(&self, w: Window, allowed: bool, now: Instant) -> Verdict {
        let left = self.window.saturating_sub(now.duration_since(w.start));
        Verdict {
            allowed,
            limit: self.limit,
            remaining: self.limit.saturating_sub(w.used),
            reset_seconds: left.as_millis().div_ceil(1000).max(1) as u64,
        }
    }
}

/// Fixed-window budgets, one per key, and the endpoints' extra limits.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    key: Budget,
    endpoints: Vec<(EndpointRateLimit, Budget)>,
}

impl RateLimiter {
    /// `limit` requests per `window_seconds` seconds for each key.
    pub(crate) fn new(limit: u32, window_seconds: u64) -> RateLimiter {
        RateLimiter {
            key: Budget::new(limit, window_seconds),
            endpoints: Vec::new(),
        }
    }

    /// Changes the key budget and starts every window (the endpoints' too) afresh.
    pub(crate) fn reconfigure(&mut self, limit: u32, window_seconds: u64) {
        self.key = Budget::new(limit, window_seconds);
        for (_, budget) in &mut self.endpoints {
            budget.windows.clear();
        }
    }

    /// Adds an endpoint's extra limit, or replaces the one with the same method and path.
    pub(crate) fn set_endpoint_limit(&mut self, limit: EndpointRateLimit) {
        let budget = Budget::new(limit.requests, limit.window_seconds.max(1));
        self.endpoints.retain(|(l, _)| {
            !(l.method.eq_ignore_ascii_case(&limit.method) && l.path == limit.path)
        });
        self.endpoints.push((limit, budget));
    }

    /// Counts one request by `key` to `method` `path` at `now` against the key's budget and
    /// every endpoint limit matching the request.
    pub(crate) fn check(&mut self, key: &str, method: &str, path: &str, now: Instant) -> Verdict {
        let digest = Sha256::digest(key.as_bytes()).to_vec();
        let mut budgets: Vec<&mut Budget> = std::iter::once(&mut self.key)
            .chain(
                self.endpoints
                    .iter_mut()
                    .filter(|(limit, _)| limit.matches(method, path))
                    .map(|(_, budget)| budget),
            )
            .collect();
        let allowed = budgets.iter_mut().all(|b| {
            let limit = b.limit;
            b.current(&digest, now).used < limit
        });
        let verdicts: Vec<(bool, Verdict)> = budgets
            .into_iter()
            .map(|b| {
                let limit = b.limit;
                let w = b.current(&digest, now);
                if allowed {
                    w.used += 1;
                }
                let w = *w;
                (!allowed && w.used >= limit, b.verdict(w, allowed, now))
            })
            .collect();
        nearest(&verdicts)
    }

    /// Spends up to `n` requests of `key`'s budget at `now` without a request (another
    /// process using the same key); returns how many could be spent before the budget ran
    /// out. Endpoint limits are not touched.
    pub(crate) fn spend(&mut self, key: &str, n: u32, now: Instant) -> u32 {
        let digest = Sha256::digest(key.as_bytes()).to_vec();
        let limit = self.key.limit;
        let w = self.key.current(&digest, now);
        let spent = n.min(limit.saturating_sub(w.used));
        w.used += spent;
        spent
    }
}

/// The verdict whose headers a response carries: a refusing limit first, otherwise the one
/// with the fewest requests remaining, on a tie the one resetting later.
fn nearest(verdicts: &[(bool, Verdict)]) -> Verdict {
    verdicts
        .iter()
        .min_by(|(ra, a), (rb, b)| {
            rb.cmp(ra)
                .then(a.remaining.cmp(&b.remaining))
                .then(b.reset_seconds.cmp(&a.reset_seconds))
        })
        .map(|(_, v)| *v)
        .expect("the key's own verdict is always present")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(rl: &mut RateLimiter, key: &str, at: Instant) -> Verdict {
        rl.check(key, "GET", "/users", at)
    }

    #[test]
    fn budget_runs_out_then_resets_with_the_window() {
        let mut rl = RateLimiter::new(2, 60);
        let t0 = Instant::now();
        let a = check(&mut rl, "k", t0);
        assert_eq!((a.allowed, a.remaining, a.reset_seconds), (true, 1, 60));
        let b = check(&mut rl, "k", t0 + Duration::from_millis(500));
        assert_eq!((b.allowed, b.remaining, b.reset_seconds), (true, 0, 60));
        let c = check(&mut rl, "k", t0 + Duration::from_secs(20));
        assert_eq!((c.allowed, c.remaining, c.reset_seconds), (false, 0, 40));
        // Another key has its own budget.
        assert!(check(&mut rl, "other", t0 + Duration::from_secs(20)).allowed);
        let d = check(&mut rl, "k", t0 + Duration::from_secs(60));
        assert_eq!((d.allowed, d.remaining, d.reset_seconds), (true, 1, 60));
    }

    #[test]
    fn reset_rounds_up_and_reconfigure_restarts() {
        let mut rl = RateLimiter::new(1, 10);
        let t0 = Instant::now();
        check(&mut rl, "k", t0);
        let v = check(&mut rl, "k", t0 + Duration::from_millis(8_100));
        assert_eq!((v.allowed, v.reset_seconds), (false, 2));
        rl.reconfigure(5, 1);
        let v = check(&mut rl, "k", t0 + Duration::from_millis(8_200));
        assert_eq!((v.allowed, v.limit, v.remaining), (true, 5, 4));
    }

    #[test]
    fn an_endpoint_limit_is_spent_alongside_the_key_budget() {
        let mut rl = RateLimiter::new(10, 60);
        rl.set_endpoint_limit(EndpointRateLimit::new("get", "/oncalls", 2, 30));
        let t0 = Instant::now();
        // Other endpoints see the key budget only.
        let v = check(&mut rl, "k", t0);
        assert_eq!((v.limit, v.remaining, v.reset_seconds), (10, 9, 60));
        // The endpoint's limit is nearer: its headers are shown.
        let v = rl.check("k", "GET", "/oncalls", t0);
        assert_eq!(
            (v.allowed, v.limit, v.remaining, v.reset_seconds),
            (true, 2, 1, 30)
        );
        let v = rl.check("k", "GET", "/oncalls", t0);
        assert_eq!((v.allowed, v.limit, v.remaining), (true, 2, 0));
        let v = rl.check("k", "GET", "/oncalls", t0);
        assert_eq!((v.allowed, v.limit, v.remaining), (false, 2, 0));
        // The refused request used neither budget; the two passed ones used the key's too.
        let v = check(&mut rl, "k", t0);
        assert_eq!((v.allowed, v.limit, v.remaining), (true, 10, 6));
        // After the endpoint's window the endpoint passes again.
        let v = rl.check("k", "GET", "/oncalls", t0 + Duration::from_secs(30));
        assert_eq!((v.allowed, v.limit, v.remaining), (true, 2, 1));
    }

    #[test]
    fn the_key_budget_refuses_an_endpoint_with_budget_left() {
        let mut rl = RateLimiter::new(2, 60);
        rl.set_endpoint_limit(EndpointRateLimit::new("*", "/oncalls", 50, 60));
        let t0 = Instant::now();
        check(&mut rl, "k", t0);
        check(&mut rl, "k", t0);
        let v = rl.check("k", "GET", "/oncalls", t0);
        assert_eq!((v.allowed, v.limit, v.remaining), (false, 2, 0));
        // Replacing the endpoint limit keeps one entry.
        rl.set_endpoint_limit(EndpointRateLimit::new("*", "/oncalls", 1, 60));
        assert_eq!(rl.endpoints.len(), 1);
    }

    #[test]
    fn spending_without_requests_uses_the_key_budget() {
        let mut rl = RateLimiter::new(5, 60);
        let t0 = Instant::now();
        assert_eq!(rl.spend("k", 3, t0), 3);
        assert_eq!(check(&mut rl, "k", t0).remaining, 1);
        assert_eq!(rl.spend("k", 3, t0), 1);
        assert!(!check(&mut rl, "k", t0).allowed);
        assert!(check(&mut rl, "other", t0).allowed);
    }

    #[test]
    fn endpoint_limits_validate() {
        assert!(
            EndpointRateLimit::new("GET", "/oncalls", 1, 60)
                .validate()
                .is_ok()
        );
        assert!(
            EndpointRateLimit::new("FETCH", "/oncalls", 1, 60)
                .validate()
                .is_err()
        );
        assert!(
            EndpointRateLimit::new("GET", "oncalls", 1, 60)
                .validate()
                .is_err()
        );
        assert!(
            EndpointRateLimit::new("GET", "/oncalls", 1, 0)
                .validate()
                .is_err()
        );
    }
}
