//! Random faults and network conditions, reproducible from a fault seed.
//!
//! [`RandomFaults`] (the seed's `random_faults` object, [`super::SimHandle::set_random_faults`]
//! at run time, `hr2pagerduty sandbox --fault-*` flags) makes a share of requests fail the way
//! a flaky network and a busy PagerDuty fail: 5xx answers (502–504 from a load balancer, with
//! an HTML body and no `ratelimit-*` headers), dropped connections, slow answers, writes
//! applied but answered with a failure (commit-then-fail), 429 storms with and without the
//! `ratelimit-*` headers, the transient "account could not be locked" on overlapping creates
//! (fact F30), latency on every answer, and listing lag (a created user shows up in
//! `GET /users` only a while after the create).
//!
//! # What decides a request's fate
//! Every request gets an arrival number `n` (0, 1, 2, … in the order the simulator receives
//! them: the order of [`super::SimHandle::requests`]). Its random choices come from a ChaCha8
//! generator seeded with `seed` on stream `n` (`rand_chacha`), so they depend on nothing but
//! the fault seed and `n`: not on the other requests' draws, not on the clock. Per request, in
//! this order:
//!
//! 1. **Latency**: every answer (401 and 429 included) waits `latency_ms` ± a uniform
//!    `latency_jitter_ms` (floored at 0) before the endpoint runs. Waiting holds no lock, so
//!    concurrent requests overlap as on a real network.
//! 2. For a request that passed authentication and the rate limit and met no due scripted
//!    fault ([`super::faults`]; scripted faults take precedence and consume no random fault):
//!    one draw `u` in [0, 100) picks at most one of these, in consecutive bands:
//!    `server_error_percent` (a status drawn uniformly from `server_error_statuses`, the
//!    endpoint does not run), `drop_percent` (connection closed, the endpoint does not run),
//!    `rate_limit_percent` (429 with `ratelimit-*` headers, `ratelimit-remaining: 0`,
//!    `ratelimit-reset: rate_limit_reset_seconds`), `bare_rate_limit_percent` (429 with no
//!    headers and no body, F28), then, for writes (POST, PUT, DELETE) only,
//!    `commit_then_fail_percent` (the endpoint runs, the client gets a 5xx drawn from
//!    `server_error_statuses`) and `commit_then_drop_percent` (the endpoint runs, the
//!    connection is closed). So each kind hits its percentage of requests (of writes, for
//!    the last two); the percentages must add up to at most 100.
//! 3. A 429 starts a **storm**: the next `rate_limit_burst − 1` requests that reach step 2
//!    (whatever their own draw) get the same kind of 429.
//! 4. `slow_percent` of the requests that run their endpoint answer `slow_ms` late; the
//!    endpoint has already run (a client that times out does not know whether a write
//!    happened).
//! 5. **Lock contention**: a `POST /users` that, when its endpoint is about to run, overlaps
//!    another `POST /users` in flight (past the rate limit and not yet answered) is answered
//!    400/2001 with [`ACCOUNT_LOCK_ERROR`](crate::pagerduty::models::ACCOUNT_LOCK_ERROR) in
//!    `errors[]` (fact F30, S18) with probability `lock_contention_percent`, without
//!    creating the user. A create with no other create in flight is never refused.
//! 6. **Listing lag**: a user created through the API is left out of `GET /users` (every
//!    filter, `query` included, and `total`) until `list_lag_ms` after its create, while
//!    `GET /users/{id}` and the other endpoints see it at once. Only creates lag: updates and
//!    deletions show in listings at once (PagerDuty's search index may lag for those too;
//!    issue 9 asks only for creates, and a lagging create is the case that can lead a client
//!    to a duplicate).
//!
//! # Reproducible
//! The same fault seed and the same request sequence (the same requests arriving in the same
//! order) give the same faults: the same statuses, drops, delays and storms, request by
//! request. A client sending one request at a time therefore sees the same run twice. Under
//! concurrency the arrival order, and so which request gets which draw, depends on timing;
//! lock contention also depends on which creates overlap, and listing lag on the clock. Each
//! kind still happens at its configured rate.

use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};

/// The 5xx statuses used when `server_error_statuses` is not given.
pub const DEFAULT_SERVER_ERROR_STATUSES: [u16; 4] = [500, 502, 503, 504];

/// Random faults and network conditions (see the [module docs](self) for what each does).
///
/// JSON form (the seed's `random_faults`; every field optional, unknown fields are errors):
///
/// ```json
/// {"seed": 42, "server_error_percent": 5, "drop_percent": 2, "commit_then_fail_percent": 2,
///  "rate_limit_percent": 0.5, "rate_limit_burst": 10, "latency_ms": 150,
///  "latency_jitter_ms": 50, "list_lag_ms": 2000, "lock_contention_percent": 20}
/// ```
///
/// Percentages are of requests (0–100, fractions allowed); the default is no fault, no
/// latency and no lag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RandomFaults {
    /// The fault seed: the same seed and request sequence give the same faults.
    pub seed: u64,
    /// Share of requests answered with a status from `server_error_statuses` without
    /// running the endpoint.
    pub server_error_percent: f64,
    /// The statuses a 5xx is drawn from, uniformly (default 500, 502, 503, 504). 502, 503 and
    /// 504 come as a load balancer sends them: an HTML body and no `ratelimit-*` headers; any
    /// other status (e.g. 500) with PagerDuty's JSON error body (code 2000, S9) and the
    /// headers.
    pub server_error_statuses: Vec<u16>,
    /// Share of requests whose connection is closed without an answer, without running the
    /// endpoint.
    pub drop_percent: f64,
    /// Share of requests that start a storm of 429 answers with the `ratelimit-*` headers
    /// (fact F28).
    pub rate_limit_percent: f64,
    /// Share of requests that start a storm of 429 answers without headers and body (the
    /// rare case of F28).
    pub bare_rate_limit_percent: f64,
    /// Requests per 429 storm, at least 1 (default 1: each 429 stands alone).
    pub rate_limit_burst: u32,
    /// `ratelimit-reset` of a storm's 429s, in seconds (default 1).
    pub rate_limit_reset_seconds: u64,
    /// Share of writes (POST, PUT, DELETE) that run, then are answered with a status from
    /// `server_error_statuses`.
    pub commit_then_fail_percent: f64,
    /// Share of writes that run, then have their connection closed without an answer.
    pub commit_then_drop_percent: f64,
    /// Share of the requests that run their endpoint whose answer comes `slow_ms` late.
    pub slow_percent: f64,
    /// Extra delay of a slow answer, in milliseconds (default 2000).
    pub slow_ms: u64,
    /// Delay of every answer, in milliseconds.
    pub latency_ms: u64,
    /// Uniform jitter around `latency_ms`, in milliseconds (± this much).
    pub latency_jitter_ms: u64,
    /// Milliseconds after its create before a user shows in `GET /users`.
    pub list_lag_ms: u64,
    /// Share of overlapping `POST /users` refused with the transient account-lock error
    /// (fact F30).
    pub lock_contention_percent: f64,
}

impl Default for RandomFaults {
    fn default() -> Self {
        RandomFaults {
            seed: 0,
            server_error_percent: 0.0,
            server_error_statuses: DEFAULT_SERVER_ERROR_STATUSES.to_vec(),
            drop_percent: 0.0,
            rate_limit_percent: 0.0,
            bare_rate_limit_percent: 0.0,
            rate_limit_burst: 1,
            rate_limit_reset_seconds: 1,
            commit_then_fail_percent: 0.0,
            commit_then_drop_percent: 0.0,
            slow_percent: 0.0,
            slow_ms: 2000,
            latency_ms: 0,
            latency_jitter_ms: 0,
            list_lag_ms: 0,
            lock_contention_percent: 0.0,
        }
    }
}

impl RandomFaults {
    /// Checks the percentages (each 0–100, the exclusive ones adding up to at most 100),
    /// the statuses (500–599, at least one) and the storm length (at least 1).
    ///
    /// # Errors
    /// Every problem, joined by "; ", each naming its field.
    pub fn validate(&self) -> Result<(), String> {
        let mut problems = Vec::new();
        let percents = [
            ("server_error_percent", self.server_error_percent),
            ("drop_percent", self.drop_percent),
            ("rate_limit_percent", self.rate_limit_percent),
            ("bare_rate_limit_percent", self.bare_rate_limit_percent),
            ("commit_then_fail_percent", self.commit_then_fail_percent),
            ("commit_then_drop_percent", self.commit_then_drop_percent),
            ("slow_percent", self.slow_percent),
            ("lock_contention_percent", self.lock_contention_percent),
        ];
        for (name, p) in percents {
            if !(0.0..=100.0).contains(&p) {
                problems.push(format!("{name} must be between 0 and 100, got {p}"));
            }
        }
        let exclusive: f64 = percents[..6].iter().map(|(_, p)| p).sum();
        if exclusive > 100.0 {
            problems.push(format!(
                "server_error, drop, rate_limit, bare_rate_limit, commit_then_fail and \
                 commit_then_drop percentages add up to {exclusive}, more than 100"
            ));
        }
        if self.server_error_statuses.is_empty() {
            problems.push("server_error_statuses must not be empty".to_string());
        }
        for s in &self.server_error_statuses {
            if !(500..=599).contains(s) {
                problems.push(format!(
                    "server_error_statuses: {s} is not between 500 and 599"
                ));
            }
        }
        if self.rate_limit_burst == 0 {
            problems.push("rate_limit_burst must be at least 1".to_string());
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }

    /// True when no request can be delayed or get a random fault (listing lag aside).
    fn is_quiet(&self) -> bool {
        self.latency_ms == 0
            && self.latency_jitter_ms == 0
            && [
                self.server_error_percent,
                self.drop_percent,
                self.rate_limit_percent,
                self.bare_rate_limit_percent,
                self.commit_then_fail_percent,
                self.commit_then_drop_percent,
                self.slow_percent,
                self.lock_contention_percent,
            ]
            .iter()
            .all(|p| *p <= 0.0)
    }
}

/// A 5xx answer from a load balancer (HTML body, no `ratelimit-*` headers) rather than from
/// PagerDuty's API.
pub(crate) fn is_proxy_status(status: u16) -> bool {
    (502..=504).contains(&status)
}

/// The random numbers of one request, drawn in a fixed order from its own stream.
#[derive(Debug, Clone, Copy)]
struct Draws {
    /// Picks the exclusive fault, in [0, 100).
    band: f64,
    /// Picks the status.
    pick: u64,
    /// Decides slowness, in [0, 100).
    slow: f64,
    /// Decides lock contention, in [0, 100).
    lock: f64,
    /// Picks the jitter.
    jitter: u64,
}

impl Draws {
    fn new(seed: u64, index: u64) -> Draws {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(index);
        let percent = |x: u64| (x >> 11) as f64 / (1u64 << 53) as f64 * 100.0;
        Draws {
            band: percent(rng.next_u64()),
            pick: rng.next_u64(),
            slow: percent(rng.next_u64()),
            lock: percent(rng.next_u64()),
            jitter: rng.next_u64(),
        }
    }
}

/// The exclusive fault chosen for a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Injected {
    /// Answer this 5xx without running the endpoint.
    ServerError(u16),
    /// Close the connection without running the endpoint.
    Drop,
    /// 429 with headers (`ratelimit-reset` in seconds).
    RateLimited(u64),
    /// 429 without headers or body.
    BareRateLimited,
    /// Run the endpoint, then answer this 5xx.
    CommitThenFail(u16),
    /// Run the endpoint, then close the connection.
    CommitThenDrop,
}

/// What the random faults do to one request that reached the fault stage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Decision {
    /// At most one exclusive fault.
    pub(crate) injected: Option<Injected>,
    /// Extra delay after the endpoint ran.
    pub(crate) slow: Option<Duration>,
    /// Refuse with the account-lock error if another create is in flight (creates only).
    pub(crate) lock_if_overlapping: bool,
}

/// The random faults in force and the storm in progress.
#[derive(Debug, Default)]
pub(crate) struct RandomState {
    config: RandomFaults,
    /// The 429 of the storm in progress and how many more requests it takes.
    storm: Option<(Injected, u32)>,
}

impl RandomState {
    /// Starts with `config` (already validated).
    pub(crate) fn new(config: RandomFaults) -> RandomState {
        RandomState {
            config,
            storm: None,
        }
    }

    /// The configuration in force.
    pub(crate) fn config(&self) -> &RandomFaults {
        &self.config
    }

    /// Replaces the configuration (already validated) and ends any storm.
    pub(crate) fn set(&mut self, config: RandomFaults) {
        *self = RandomState::new(config);
    }

    /// The latency of request number `index`.
    pub(crate) fn latency(&self, index: u64) -> Duration {
        let c = &self.config;
        if c.latency_ms == 0 && c.latency_jitter_ms == 0 {
            return Duration::ZERO;
        }
        let jitter = if c.latency_jitter_ms == 0 {
            0
        } else {
            let span = 2 * c.latency_jitter_ms + 1;
            (Draws::new(c.seed, index).jitter % span) as i64 - c.latency_jitter_ms as i64
        };
        Duration::from_millis((c.latency_ms as i64 + jitter).max(0) as u64)
    }

    /// The random faults of request number `index`, a write when `write` (POST, PUT,
    /// DELETE). Called once per request that reached the fault stage and met no scripted
    /// fault, in arrival order (storms advance here).
    pub(crate) fn decide(&mut self, index: u64, write: bool) -> Decision {
        let c = &self.config;
        if c.is_quiet() {
            return Decision::default();
        }
        let d = Draws::new(c.seed, index);
        let status =
            c.server_error_statuses[(d.pick % c.server_error_statuses.len() as u64) as usize];
        let injected = if let Some((kind, left)) = self.storm.as_mut() {
            let kind = *kind;
            *left -= 1;
            if *left == 0 {
                self.storm = None;
            }
            Some(kind)
        } else {
            let write_bands = if write {
                [c.commit_then_fail_percent, c.commit_then_drop_percent]
            } else {
                [0.0, 0.0]
            };
            let bands = [
                (c.server_error_percent, Injected::ServerError(status)),
                (c.drop_percent, Injected::Drop),
                (
                    c.rate_limit_percent,
                    Injected::RateLimited(c.rate_limit_reset_seconds),
                ),
                (c.bare_rate_limit_percent, Injected::BareRateLimited),
                (write_bands[0], Injected::CommitThenFail(status)),
                (write_bands[1], Injected::CommitThenDrop),
            ];
            let mut floor = 0.0;
            let mut chosen = None;
            for (percent, kind) in bands {
                if d.band < floor + percent {
                    chosen = Some(kind);
                    break;
                }
                floor += percent;
            }
            if let Some(kind @ (Injected::RateLimited(_) | Injected::BareRateLimited)) = chosen
                && c.rate_limit_burst > 1
            {
                self.storm = Some((kind, c.rate_limit_burst - 1));
            }
            chosen
        };
        let runs = matches!(
            injected,
            None | Some(Injected::CommitThenFail(_) | Injected::CommitThenDrop)
        );
        Decision {
            injected,
            slow: (runs && d.slow < c.slow_percent).then(|| Duration::from_millis(c.slow_ms)),
            lock_if_overlapping: injected.is_none() && d.lock < c.lock_contention_percent,
        }
    }
}

/// How many faults of each kind the simulator injected so far
/// ([`super::SimHandle::fault_counts`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FaultCounts {
    /// Random 5xx answers with PagerDuty's JSON body (500 and any status but 502–504).
    pub server_errors: u64,
    /// Random 502–504 answers with an HTML body and no `ratelimit-*` headers.
    pub proxy_errors: u64,
    /// Random dropped connections (without running the endpoint).
    pub dropped: u64,
    /// Random 429 answers with `ratelimit-*` headers (storms included).
    pub rate_limited: u64,
    /// Random 429 answers without headers or body (storms included).
    pub bare_rate_limited: u64,
    /// Random writes applied, then answered with a 5xx.
    pub commit_then_fail: u64,
    /// Random writes applied, then left without an answer.
    pub commit_then_drop: u64,
    /// Random slow answers.
    pub slow: u64,
    /// Overlapping creates refused with the account-lock error (fact F30).
    pub account_locks: u64,
    /// `GET /users` answers that left out at least one user created less than
    /// `list_lag_ms` before.
    pub lagged_listings: u64,
    /// Scripted faults ([`super::Fault`]) applied.
    pub scripted: u64,
    /// 429 answers of the real per-key budget (not a fault; counted for reports).
    pub over_budget: u64,
}

impl FaultCounts {
    /// The random faults injected: every field but `lagged_listings`, `scripted` and
    /// `over_budget`.
    pub fn random_total(&self) -> u64 {
        self.server_errors
            + self.proxy_errors
            + self.dropped
            + self.rate_limited
            + self.bare_rate_limited
            + self.commit_then_fail
            + self.commit_then_drop
            + self.slow
            + self.account_locks
    }
}

/// One kind of counted event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Counted {
    ServerError,
    ProxyError,
    Dropped,
    RateLimited,
    BareRateLimited,
    CommitThenFail,
    CommitThenDrop,
    Slow,
    AccountLock,
    LaggedListing,
    Scripted,
    OverBudget,
}

/// The live counters behind [`FaultCounts`].
#[derive(Debug, Default)]
pub(crate) struct Counters([AtomicU64; 12]);

impl Counters {
    pub(crate) fn add(&self, kind: Counted) {
        self.0[kind as usize].fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> FaultCounts {
        let get = |kind: Counted| self.0[kind as usize].load(Ordering::Relaxed);
        FaultCounts {
            server_errors: get(Counted::ServerError),
            proxy_errors: get(Counted::ProxyError),
            dropped: get(Counted::Dropped),
            rate_limited: get(Counted::RateLimited),
            bare_rate_limited: get(Counted::BareRateLimited),
            commit_then_fail: get(Counted::CommitThenFail),
            commit_then_drop: get(Counted::CommitThenDrop),
            slow: get(Counted::Slow),
            account_locks: get(Counted::AccountLock),
            lagged_listings: get(Counted::LaggedListing),
            scripted: get(Counted::Scripted),
            over_budget: get(Counted::OverBudget),
        }
    }
}

#[cfg(test)]
mod tests;
