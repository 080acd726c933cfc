//! The retry policy and the one place that decides whether an attempt's result is worth
//! another attempt.
//!
//! | Result of an attempt | Verdict | Bounded by | Outcome of the request |
//! |---|---|---|---|
//! | 2xx | done | | |
//! | 429 | wait `ratelimit-reset` seconds, every worker paused (fact F28); without the header, until the window's known reset, else backoff | the run's rate-limit wait ([`DEFAULT_RATE_LIMIT_WAIT`], 600 s), not attempts | not processed |
//! | 5xx, 408 | retry with jittered exponential backoff | attempts and time | **unknown**: may have been processed |
//! | timeout, connection reset or closed | retry with backoff | attempts and time | **unknown** |
//! | connection refused (nothing listens there) | retry with backoff | [`RetryPolicy::max_refused_attempts`] (2: one retry) and time | not processed |
//! | TLS handshake answered with something that is not TLS (a plain-HTTP server) | fail at once: the same URL gets the same answer | | not processed |
//! | DNS, another TLS failure, connect timeout | retry with backoff | attempts and time | not processed |
//! | 400 "account could not be locked" on `POST /users` or `PUT /users/{id}` (a role or licence change takes a licence allocation) | retry with backoff (fact F30), fewer creates at once | time only | not processed |
//! | 400 "User cannot be removed as they belong to an escalation policy on this team" | fail at once (fact F32: only a change to the policy helps) | | |
//! | 401, 403 | fail at once | | |
//! | any other 4xx | fail at once (fact F26: "retrying with the same arguments will not work") | | |
//!
//! "Time" is [`RetryPolicy::max_elapsed`] counted without the time spent waiting out 429s;
//! "attempts" is [`RetryPolicy::max_attempts`] counted without 429s and account locks.
//!
//! "Unknown" matters for `POST`, which is not idempotent: the request layer never re-sends
//! a `POST` whose outcome is unknown without first checking (see
//! [`Client::create_user`](super::Client::create_user)). `GET`, `PUT` and `DELETE` are
//! idempotent and are retried as they are.

use super::error::{Refusal, StopReason, TransportKind};
use super::models::ApiErrorBody;
use backon::{BackoffBuilder, ExponentialBuilder};
use std::time::Duration;
use tokio::time::Instant;

/// Default [`RetryPolicy::max_attempts`]: 5 attempts in all (the first plus 4 retries).
pub const DEFAULT_MAX_ATTEMPTS: u32 = 5;
/// Default [`RetryPolicy::max_refused_attempts`]: 2 attempts in all for a refused
/// connection, so that a sandbox that is not running (or a wrong port) is reported within
/// about a second instead of after every backoff wait.
pub const DEFAULT_MAX_REFUSED_ATTEMPTS: u32 = 2;
/// Default [`RetryPolicy::min_delay`]: 0.5 seconds before the first retry.
pub const DEFAULT_MIN_DELAY: Duration = Duration::from_millis(500);
/// Default [`RetryPolicy::max_delay`]: no single wait longer than 30 seconds.
pub const DEFAULT_MAX_DELAY: Duration = Duration::from_secs(30);
/// Default [`RetryPolicy::max_elapsed`]: give up on a request after 120 seconds. This matches
/// the 2 minutes PagerDuty's Terraform provider spends retrying the account-lock error
/// (S18 in `PAGERDUTY_API.md`) and covers two full one-minute rate-limit windows.
pub const DEFAULT_MAX_ELAPSED: Duration = Duration::from_secs(120);
/// Default [`RetryPolicy::factor`]: each backoff wait doubles.
pub const DEFAULT_FACTOR: f32 = 2.0;
/// Default [`ClientConfig::rate_limit_wait`](super::ClientConfig::rate_limit_wait): the whole
/// run may spend 600 seconds (ten of PagerDuty's one-minute windows, fact F27) paused by 429s
/// before a 429 fails its request. Defined once in [`crate::vocab::limits`], where the
/// configuration's default reads it too.
pub use crate::vocab::limits::DEFAULT_RATE_LIMIT_WAIT;

/// How hard the request layer tries one request. One value serves every request (reads,
/// writes, the lookups that check an unknown `POST`).
///
/// Backoff waits are `min_delay × factor^n`, each with a random jitter of up to +100%
/// (backon's [`ExponentialBuilder`] with jitter), then capped at `max_delay`. A 429 waits
/// `ratelimit-reset` seconds instead (at least `min_delay`), and is bounded by the run's
/// rate-limit wait, not by this policy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, including the first (≥ 1), not counting 429s and account-lock
    /// answers. Default [`DEFAULT_MAX_ATTEMPTS`] (5).
    pub max_attempts: u32,
    /// Attempts in all (≥ 1, at most `max_attempts`) for a request whose connection is
    /// refused. Default `DEFAULT_MAX_REFUSED_ATTEMPTS` (2).
    pub max_refused_attempts: u32,
    /// First backoff wait. Default [`DEFAULT_MIN_DELAY`] (0.5 s).
    pub min_delay: Duration,
    /// Longest single backoff wait. Default [`DEFAULT_MAX_DELAY`] (30 s).
    pub max_delay: Duration,
    /// Time budget from the first attempt, not counting time spent waiting out 429s: no retry
    /// is scheduled whose wait would end after it. Default [`DEFAULT_MAX_ELAPSED`] (120 s).
    pub max_elapsed: Duration,
    /// Growth of the backoff wait per retry. Default [`DEFAULT_FACTOR`] (2).
    pub factor: f32,
    /// Randomise each backoff wait by up to +100% so workers that failed together do not
    /// retry together. Default true.
    pub jitter: bool,
}

impl Default for RetryPolicy {
    /// 5 attempts (2 for a refused connection), 0.5 s first wait doubling to at most 30 s,
    /// jitter on, 120 s in all.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            max_refused_attempts: DEFAULT_MAX_REFUSED_ATTEMPTS,
            min_delay: DEFAULT_MIN_DELAY,
            max_delay: DEFAULT_MAX_DELAY,
            max_elapsed: DEFAULT_MAX_ELAPSED,
            factor: DEFAULT_FACTOR,
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// The backoff waits for one request, in order. Never ends; the retry loop bounds it
    /// with `max_attempts` and `max_elapsed`.
    pub(crate) fn backoff(&self) -> Backoff {
        let mut b = ExponentialBuilder::new()
            .with_min_delay(self.min_delay)
            .with_max_delay(self.max_delay)
            .with_factor(self.factor)
            .without_max_times();
        if self.jitter {
            b = b.with_jitter();
        }
        Backoff {
            waits: b.build(),
            max: self.max_delay,
        }
    }

    /// The wait after a 429: `ratelimit-reset` when sent (at least `min_delay`); for a 429
    /// without the header (fact F28), the time to the window's reset known from earlier
    /// answers (`known_reset`, when at most a minute away), else the next backoff wait.
    pub(crate) fn rate_limit_wait(
        &self,
        reset: Option<Duration>,
        known_reset: Option<Duration>,
        backoff: &mut Backoff,
    ) -> Duration {
        match (reset, known_reset) {
            (Some(r), _) => r.max(self.min_delay),
            (None, Some(k)) if k <= Duration::from_secs(60) => k.max(self.min_delay),
            (None, _) => backoff.next_wait(),
        }
    }
}

/// The backoff waits of one request (see [`RetryPolicy::backoff`]).
#[derive(Debug)]
pub(crate) struct Backoff {
    waits: backon::ExponentialBackoff,
    max: Duration,
}

impl Backoff {
    /// The next wait, jitter included, capped at `max_delay`.
    pub(crate) fn next_wait(&mut self) -> Duration {
        self.waits.next().unwrap_or(self.max).min(self.max)
    }
}

/// The retry bookkeeping of one request, or of one look-up asked again while it finds
/// nothing: the backoff waits in order, the attempts that count against
/// [`RetryPolicy::max_attempts`], and the time spent, less what was spent waiting out 429s
/// (which [`RetryPolicy::max_elapsed`] does not count). Every retry of the client draws
/// its wait and checks its bounds here, so that one policy bounds them all.
#[derive(Debug)]
pub(crate) struct Retries {
    policy: RetryPolicy,
    /// Waits after transient failures and account locks.
    backoff: Backoff,
    /// Waits after a 429 that says nothing of its reset (see [`RetryPolicy::rate_limit_wait`]).
    bare_429_backoff: Backoff,
    started: Instant,
    /// Attempts that count against `max_attempts` (not 429s, not account locks).
    counted: u32,
    /// Time spent waiting out 429s, which `max_elapsed` does not count.
    rate_limited_for: Duration,
    /// When the wait for a 429 began, until the next attempt is let out.
    rate_limited_since: Option<Instant>,
}

impl Retries {
    /// The bookkeeping of a request starting now under `policy`.
    pub(crate) fn new(policy: &RetryPolicy) -> Retries {
        Retries {
            policy: *policy,
            backoff: policy.backoff(),
            bare_429_backoff: policy.backoff(),
            started: Instant::now(),
            counted: 0,
            rate_limited_for: Duration::ZERO,
            rate_limited_since: None,
        }
    }

    /// Wall-clock time since the request started, 429 waits included.
    pub(crate) fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Time since the request started that counts against `max_elapsed`: 429 waits left out.
    fn spent(&self) -> Duration {
        self.elapsed().saturating_sub(self.rate_limited_for)
    }

    /// The counted attempts so far (see [`Retries::counted_retry`]).
    pub(crate) fn counted(&self) -> u32 {
        self.counted
    }

    /// After a counted attempt failed: the wait before the next one, or why there is none
    /// ([`StopReason::AttemptsExhausted`] once `max_attempts` counted attempts were made,
    /// at most `policy.max_attempts`; [`StopReason::TimeExhausted`] when the wait would end
    /// past `max_elapsed`).
    pub(crate) fn counted_retry(&mut self, max_attempts: u32) -> Result<Duration, StopReason> {
        self.counted += 1;
        let wait = self.backoff.next_wait();
        if self.counted >= max_attempts.min(self.policy.max_attempts) {
            Err(StopReason::AttemptsExhausted)
        } else if self.spent() + wait > self.policy.max_elapsed {
            Err(StopReason::TimeExhausted)
        } else {
            Ok(wait)
        }
    }

    /// After an attempt bounded by time only (the account lock, fact F30): the wait before
    /// the next one, or [`StopReason::TimeExhausted`] when it would end past `max_elapsed`.
    pub(crate) fn timed_retry(&mut self) -> Result<Duration, StopReason> {
        let wait = self.backoff.next_wait();
        if self.spent() + wait > self.policy.max_elapsed {
            Err(StopReason::TimeExhausted)
        } else {
            Ok(wait)
        }
    }

    /// The wait after a 429 (see [`RetryPolicy::rate_limit_wait`]); the time from now
    /// until the next attempt is let out ([`Retries::admitted`]) is not counted against
    /// `max_elapsed`.
    pub(crate) fn rate_limited(
        &mut self,
        reset: Option<Duration>,
        known_reset: Option<Duration>,
    ) -> Duration {
        self.policy
            .rate_limit_wait(reset, known_reset, &mut self.bare_429_backoff)
    }

    /// The 429 wait has begun: from now until [`Retries::admitted`] is not counted.
    pub(crate) fn rate_limit_wait_begins(&mut self) {
        self.rate_limited_since = Some(Instant::now());
    }

    /// An attempt was let out at `at`: ends an uncounted 429 wait.
    pub(crate) fn admitted(&mut self, at: Instant) {
        if let Some(since) = self.rate_limited_since.take() {
            self.rate_limited_for += at.saturating_duration_since(since);
        }
    }
}

/// What to do after one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// A success answer: stop.
    Done,
    /// A final failure: stop.
    Fail,
    /// 429: wait (everyone), then retry. The request was not processed.
    RateLimited,
    /// PagerDuty's transient account lock on `POST /users` (fact F30): back off, then retry;
    /// the request was not processed.
    AccountLock,
    /// A transient failure: back off, then retry. `outcome_unknown` is true when the server
    /// may have processed the request.
    Transient {
        /// The request may have taken effect.
        outcome_unknown: bool,
    },
    /// The connection was refused: back off, then retry, within
    /// [`RetryPolicy::max_refused_attempts`]. The request was not processed.
    Refused,
}

/// Classifies an HTTP answer. `account_lock_retryable` is set for `POST /users` and
/// `PUT /users/{id}`, whose 400 "account could not be locked" is transient (fact F30).
pub(crate) fn classify_status(
    status: u16,
    body: Option<&ApiErrorBody>,
    account_lock_retryable: bool,
) -> Verdict {
    match status {
        200..=299 => Verdict::Done,
        429 => Verdict::RateLimited,
        408 | 500..=599 => Verdict::Transient {
            outcome_unknown: true,
        },
        400 if account_lock_retryable
            && Refusal::classify(status, body) == Some(Refusal::AccountLocked) =>
        {
            Verdict::AccountLock
        }
        _ => Verdict::Fail,
    }
}

/// Classifies a failure below HTTP.
pub(crate) fn classify_transport(kind: TransportKind) -> Verdict {
    match kind {
        TransportKind::Build | TransportKind::NotTls | TransportKind::Redirect => Verdict::Fail,
        TransportKind::Refused => Verdict::Refused,
        TransportKind::Connect => Verdict::Transient {
            outcome_unknown: false,
        },
        TransportKind::Timeout | TransportKind::Connection => Verdict::Transient {
            outcome_unknown: true,
        },
    }
}

/// Sorts a reqwest error into a [`TransportKind`]: a connect error is [`TransportKind::Refused`]
/// when an I/O error in its sources says the connection was refused, and
/// [`TransportKind::NotTls`] when rustls found the server's first bytes not to be a TLS
/// record (what an HTTP server answers to a TLS handshake). Also sorts the notification
/// webhook's errors (`notify::send`), so both name the same causes.
pub fn transport_kind(err: &reqwest::Error) -> TransportKind {
    if err.is_builder() {
        TransportKind::Build
    } else if err.is_connect() {
        connect_kind(err)
    } else if err.is_timeout() {
        TransportKind::Timeout
    } else {
        TransportKind::Connection
    }
}

/// The kind of a connect error, from the errors in its sources (see [`transport_kind`]).
fn connect_kind(err: &(dyn std::error::Error + 'static)) -> TransportKind {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = source {
        if let Some(tls) = e.downcast_ref::<rustls::Error>()
            && is_not_tls(tls)
        {
            return TransportKind::NotTls;
        }
        source = match e.downcast_ref::<std::io::Error>() {
            Some(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
                return TransportKind::Refused;
            }
            // An I/O error's `source()` skips the error it wraps (rustls's, or another I/O
            // error wrapping it): step into it instead.
            Some(io) => match io.get_ref() {
                Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
                None => e.source(),
            },
            None => e.source(),
        };
    }
    TransportKind::Connect
}

/// True when rustls refused the server's bytes as no TLS record at all: an unknown record
/// type (an HTTP answer starts with `H`, 0x48) or a record of an impossible size.
fn is_not_tls(e: &rustls::Error) -> bool {
    matches!(
        e,
        rustls::Error::InvalidMessage(
            rustls::InvalidMessage::InvalidContentType | rustls::InvalidMessage::MessageTooLarge
        )
    )
}

/// Parses `ratelimit-reset` (seconds until the window resets, fact F28). Accepts integer or
/// decimal seconds; anything else, negative or over an hour counts as missing.
pub(crate) fn parse_reset(value: Option<&str>) -> Option<Duration> {
    let secs: f64 = value?.trim().parse().ok()?;
    (secs.is_finite() && (0.0..=3600.0).contains(&secs)).then(|| Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pagerduty::models::ACCOUNT_LOCK_ERROR;

    fn body(errors: &[&str]) -> ApiErrorBody {
        ApiErrorBody {
            code: Some(2001),
            message: "Invalid Input Provided".into(),
            errors: errors.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn statuses_are_classified_as_the_table_says() {
        assert_eq!(classify_status(200, None, false), Verdict::Done);
        assert_eq!(classify_status(204, None, true), Verdict::Done);
        assert_eq!(classify_status(429, None, false), Verdict::RateLimited);
        for s in [408, 500, 502, 503, 504] {
            assert_eq!(
                classify_status(s, None, false),
                Verdict::Transient {
                    outcome_unknown: true
                },
                "{s}"
            );
        }
        for s in [400, 401, 402, 403, 404, 409, 422] {
            assert_eq!(classify_status(s, None, true), Verdict::Fail, "{s}");
        }
    }

    #[test]
    fn account_lock_is_retried_only_where_allowed() {
        let lock = body(&[ACCOUNT_LOCK_ERROR]);
        assert_eq!(
            classify_status(400, Some(&lock), true),
            Verdict::AccountLock
        );
        assert_eq!(classify_status(400, Some(&lock), false), Verdict::Fail);
        let taken = body(&["Email has already been taken"]);
        assert_eq!(classify_status(400, Some(&taken), true), Verdict::Fail);
    }

    #[test]
    fn a_team_removal_refused_for_an_escalation_policy_is_final() {
        // Fact F32: retrying cannot help until someone changes the policy.
        let refused = body(&[crate::pagerduty::models::oncall::TEAM_REMOVAL_BLOCKED]);
        for lock_retryable in [false, true] {
            assert_eq!(
                classify_status(400, Some(&refused), lock_retryable),
                Verdict::Fail
            );
        }
    }

    #[test]
    fn transport_failures_say_whether_the_request_may_have_landed() {
        assert_eq!(
            classify_transport(TransportKind::Connect),
            Verdict::Transient {
                outcome_unknown: false
            }
        );
        assert_eq!(
            classify_transport(TransportKind::Timeout),
            Verdict::Transient {
                outcome_unknown: true
            }
        );
        assert_eq!(classify_transport(TransportKind::Build), Verdict::Fail);
        assert_eq!(classify_transport(TransportKind::Refused), Verdict::Refused);
        // A plain-HTTP server answers every handshake the same way: no retry.
        assert_eq!(classify_transport(TransportKind::NotTls), Verdict::Fail);
    }

    #[test]
    fn reset_header_parses_seconds_and_rejects_garbage() {
        assert_eq!(parse_reset(Some("1")), Some(Duration::from_secs(1)));
        assert_eq!(
            parse_reset(Some(" 2.5 ")),
            Some(Duration::from_millis(2500))
        );
        assert_eq!(parse_reset(Some("-1")), None);
        assert_eq!(parse_reset(Some("soon")), None);
        assert_eq!(parse_reset(Some("99999")), None);
        assert_eq!(parse_reset(None), None);
    }

    #[test]
    fn backoff_grows_with_jitter_and_stays_under_the_cap() {
        let p = RetryPolicy {
            min_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(700),
            ..RetryPolicy::default()
        };
        let mut b = p.backoff();
        let waits: Vec<Duration> = (0..6).map(|_| b.next_wait()).collect();
        // Jitter adds 0–100%: wait n lies in [100·2ⁿ, 200·2ⁿ) ms, capped at 700 ms.
        assert!(waits[0] >= Duration::from_millis(100) && waits[0] < Duration::from_millis(200));
        assert!(waits[1] >= Duration::from_millis(200) && waits[1] < Duration::from_millis(400));
        assert!(
            waits.iter().all(|w| *w <= Duration::from_millis(700)),
            "{waits:?}"
        );
        assert_eq!(waits[5], Duration::from_millis(700));
    }

    #[test]
    fn counted_retries_stop_at_the_attempts_and_timed_ones_at_the_time() {
        let ms = Duration::from_millis;
        // backon multiplies floats: compare whole milliseconds.
        let whole = |r: Result<Duration, StopReason>| r.map(|d| d.as_millis());
        let p = RetryPolicy {
            max_attempts: 3,
            max_refused_attempts: 2,
            min_delay: ms(100),
            max_elapsed: ms(250),
            jitter: false,
            ..RetryPolicy::default()
        };
        // Attempts: the third counted failure is the last (3 attempts in all).
        let mut r = Retries::new(&RetryPolicy {
            max_elapsed: Duration::from_secs(60),
            ..p
        });
        assert_eq!(whole(r.counted_retry(p.max_attempts)), Ok(100));
        assert_eq!(whole(r.counted_retry(p.max_attempts)), Ok(200));
        assert_eq!(
            r.counted_retry(p.max_attempts),
            Err(StopReason::AttemptsExhausted)
        );
        assert_eq!(r.counted(), 3);
        // A smaller bound (refused connections) never exceeds the policy's.
        let mut r = Retries::new(&p);
        assert_eq!(whole(r.counted_retry(p.max_refused_attempts)), Ok(100));
        assert_eq!(
            r.counted_retry(p.max_refused_attempts),
            Err(StopReason::AttemptsExhausted)
        );
        assert_eq!(r.counted_retry(99), Err(StopReason::AttemptsExhausted));
        // Time only (the account lock): no attempt bound, but no wait past max_elapsed.
        let mut r = Retries::new(&p);
        assert_eq!(whole(r.timed_retry()), Ok(100));
        assert_eq!(whole(r.timed_retry()), Ok(200));
        assert_eq!(r.timed_retry(), Err(StopReason::TimeExhausted));
        // The counted bound checks the time too.
        let mut r = Retries::new(&RetryPolicy {
            max_attempts: 10,
            ..p
        });
        r.counted_retry(10).unwrap();
        r.counted_retry(10).unwrap();
        assert_eq!(r.counted_retry(10), Err(StopReason::TimeExhausted));
    }

    #[test]
    fn a_429_waits_for_the_reset_or_the_known_reset() {
        let p = RetryPolicy {
            min_delay: Duration::from_millis(500),
            max_elapsed: Duration::from_secs(10),
            jitter: false,
            ..RetryPolicy::default()
        };
        let mut b = p.backoff();
        let s = Duration::from_secs;
        assert_eq!(p.rate_limit_wait(Some(s(3)), None, &mut b), s(3));
        assert_eq!(
            p.rate_limit_wait(Some(Duration::ZERO), None, &mut b),
            Duration::from_millis(500)
        );
        // Longer than max_elapsed: 429 waits are the run's rate-limit wait's to bound.
        assert_eq!(p.rate_limit_wait(Some(s(60)), Some(s(2)), &mut b), s(60));
        // No header: the reset an earlier answer announced, else backoff.
        assert_eq!(p.rate_limit_wait(None, Some(s(7)), &mut b), s(7));
        assert_eq!(
            p.rate_limit_wait(None, Some(s(700)), &mut b),
            Duration::from_millis(500)
        );
        assert_eq!(p.rate_limit_wait(None, None, &mut b), s(1));
    }
}
