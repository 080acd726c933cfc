//! [`ApiError`]: every way a PagerDuty call can fail, with the facts a report needs (method,
//! path, HTTP status, PagerDuty's decoded error body, attempts, elapsed time).
//!
//! No variant ever holds the API key: the key lives only in a request header, and request
//! headers are never copied into an error (the key-leak tests in `tests/client_secrets.rs`
//! check Debug and Display).

use crate::pagerduty::models::ApiErrorBody;
use crate::words::plural;
use reqwest::Method;
use std::fmt;
use std::time::Duration;

mod incomplete;
mod refusal;
pub use incomplete::{IncompleteReason, OpenPartition};
pub use refusal::Refusal;

/// Why the request layer stopped trying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// The answer is final: 401, 403, a 4xx other than the transient account lock, a
    /// connection error that is not worth retrying.
    NotRetryable,
    /// [`RetryPolicy::max_attempts`](super::RetryPolicy::max_attempts) were used.
    AttemptsExhausted,
    /// The next wait would pass [`RetryPolicy::max_elapsed`](super::RetryPolicy::max_elapsed).
    TimeExhausted,
    /// A 429's wait would take the run's time paused by 429s past
    /// [`ClientConfig::rate_limit_wait`](super::ClientConfig::rate_limit_wait) (default 600 s).
    RateLimitWaitExhausted,
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StopReason::NotRetryable => "not retryable",
            StopReason::AttemptsExhausted => "retries exhausted",
            StopReason::TimeExhausted => "retry time budget exhausted",
            StopReason::RateLimitWaitExhausted => "the run's rate-limit wait budget is spent",
        })
    }
}

/// What went wrong below HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    /// No connection could be made (DNS, a TLS failure other than [`TransportKind::NotTls`],
    /// the connect timeout). The request was not sent.
    Connect,
    /// The connection was refused: nothing listens at the URL's host and port (a
    /// simulator or sandbox that is not running, a wrong port). The request was not sent.
    Refused,
    /// The server's answer to the TLS handshake was not TLS: an `https://` URL pointing
    /// at a server that speaks plain HTTP (as the simulator does). The request was not
    /// sent.
    NotTls,
    /// The per-request timeout (`request_timeout_seconds`) passed. The request may have
    /// been processed.
    Timeout,
    /// The connection broke while sending the request or reading the answer (reset,
    /// closed early). The request may have been processed.
    Connection,
    /// The request could not be built (a bug or a bad base URL).
    Build,
    /// The server answered with a redirect (HTTP 3xx). PagerDuty's REST API answers its
    /// requests itself and never redirects, so the client follows none (a redirect could
    /// carry the `Authorization` header elsewhere): the API URL is probably not the API
    /// root (a web address, a proxy). The detail names the status and the `Location`.
    Redirect,
}

impl fmt::Display for TransportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransportKind::Connect => "could not connect",
            TransportKind::Refused => "connection refused",
            TransportKind::NotTls => "the server's answer is not TLS",
            TransportKind::Timeout => "timed out",
            TransportKind::Connection => "connection failed",
            TransportKind::Build => "could not build the request",
            TransportKind::Redirect => "redirected, which PagerDuty's REST API never does",
        })
    }
}

/// What an incomplete listing of `what` keeps the planner from deciding, for the message.
fn needs_complete(what: &str) -> &'static str {
    if what == "users" {
        " (deactivating users missing from the export and creating users who may already exist both need every user)"
    } else {
        ""
    }
}

/// A failed PagerDuty call.
///
/// Every HTTP variant names the method and path (without the query string), the attempts
/// made (1 = no retry) and the time from the first attempt to the failure. PagerDuty's own
/// error body (`{"error":{"code":…,"message":…,"errors":[…]}}`, fact F25) is decoded when
/// present. The API key is never part of an error.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// PagerDuty answered with a status that is not a success.
    #[error(
        "{method} {path}: HTTP {status}{} ({})",
        body_suffix(body.as_deref()),
        stop_suffix(*stop, *attempts, *elapsed)
    )]
    Status {
        /// HTTP method.
        method: Method,
        /// Request path, e.g. `/users/PXPGF42`.
        path: String,
        /// HTTP status of the last answer.
        status: u16,
        /// PagerDuty's decoded error body, when the answer had one (boxed to keep
        /// `Result<_, ApiError>` small).
        body: Option<Box<ApiErrorBody>>,
        /// Attempts made, including the first.
        attempts: u32,
        /// Time from the first attempt to giving up.
        elapsed: Duration,
        /// Why no further attempt was made.
        stop: StopReason,
    },
    /// No usable HTTP answer: connection refused, timeout, connection dropped.
    #[error(
        "{method} {path}: {kind}: {detail} ({})",
        stop_suffix(*stop, *attempts, *elapsed)
    )]
    Transport {
        /// HTTP method.
        method: Method,
        /// Request path.
        path: String,
        /// What failed.
        kind: TransportKind,
        /// The underlying error chain, as text.
        detail: String,
        /// Attempts made, including the first.
        attempts: u32,
        /// Time from the first attempt to giving up.
        elapsed: Duration,
        /// Why no further attempt was made.
        stop: StopReason,
    },
    /// A success answer whose JSON does not have the expected shape.
    #[error(
        "{method} {path}: HTTP {status} answer could not be decoded at `{json_path}`: {message}"
    )]
    Decode {
        /// HTTP method.
        method: Method,
        /// Request path.
        path: String,
        /// HTTP status of the answer.
        status: u16,
        /// JSON path of the failure, e.g. `users[3].role`.
        json_path: String,
        /// serde's message.
        message: String,
        /// Attempts made, including the first.
        attempts: u32,
    },
    /// A `POST` whose outcome is unknown (timeout, dropped connection or 5xx after sending)
    /// could not be checked, so it was not sent again: PagerDuty may or may not have created
    /// the object. The next run's listing settles it.
    #[error(
        "{method} {path}: outcome unknown after {cause}; not sent again because {}",
        lookup_suffix(lookup.as_deref())
    )]
    OutcomeUnknown {
        /// HTTP method (`POST`).
        method: Method,
        /// Request path.
        path: String,
        /// What left the outcome unknown.
        cause: String,
        /// Attempts of the write made so far.
        attempts: u32,
        /// The failed check (`GET /users?query=<email>`); `None` when the request has no
        /// check.
        lookup: Option<Box<ApiError>>,
    },
    /// A listing could not be proven complete. Planning on it could delete or recreate
    /// users that exist, so the application refuses to write (exit 3).
    #[error(
        "the {what} listing is incomplete: {reason}; refusing to plan on it{}",
        needs_complete(what)
    )]
    IncompleteListing {
        /// What was listed, e.g. `users` or `members of team PQ9K7I8`.
        what: String,
        /// What went wrong.
        reason: IncompleteReason,
    },
    /// The run is stopping ([`Client::stop_sending`](super::Client::stop_sending):
    /// `--max-runtime` ran out, or a signal's grace period ended), so this request was not
    /// sent (again): a wait for a 429 pause, for the limiter or for a retry's backoff ended
    /// at once. `attempts` were sent before; with `outcome_unknown` the last of them may
    /// have taken effect (the next run's listing settles it).
    #[error(
        "{method} {path}: not sent{}: the run is stopping",
        if *attempts == 0 { String::new() } else { format!(" again after {attempts} attempt{}", plural(*attempts, "", "s")) }
    )]
    Stopped {
        /// HTTP method.
        method: Method,
        /// Request path.
        path: String,
        /// Attempts sent before the stop.
        attempts: u32,
        /// An attempt sent before the stop may have taken effect.
        outcome_unknown: bool,
    },
    /// The client configuration is unusable (bad base URL, zero rate, empty key).
    #[error("invalid PagerDuty client configuration: {0}")]
    Config(String),
}

/// Why the client gave up, with the attempts and the time they took: `retries exhausted
/// after 4 attempts in 3.2s`; for a final answer, `not retryable; 1 attempt in 0.1s`, or
/// with earlier attempts retried for another reason (a 5xx, then a 404), `not retryable;
/// 2 attempts in 0.4s, the last answered so`: never "not retryable after 2 attempts",
/// which reads as if a final answer had been retried.
fn stop_suffix(stop: StopReason, attempts: u32, elapsed: Duration) -> String {
    let secs = elapsed.as_secs_f64();
    match stop {
        StopReason::NotRetryable if attempts > 1 => format!(
            "not retryable; {attempts} attempts in {secs:.1}s, the earlier ones retried for a transient failure"
        ),
        StopReason::NotRetryable => {
            format!(
                "not retryable; {attempts} attempt{} in {secs:.1}s",
                plural(attempts, "", "s")
            )
        }
        _ => format!(
            "{stop} after {attempts} attempt{} in {secs:.1}s",
            plural(attempts, "", "s")
        ),
    }
}

fn lookup_suffix(lookup: Option<&ApiError>) -> String {
    match lookup {
        Some(e) => format!("the check for the object failed: {e}"),
        None => "no check exists for this request".to_string(),
    }
}

fn body_suffix(body: Option<&ApiErrorBody>) -> String {
    match body {
        Some(b) => format!(": {b}"),
        None => String::new(),
    }
}

impl ApiError {
    /// Attempts made for the failing request (1 = no retry); 0 for errors that are not
    /// about one request ([`ApiError::IncompleteListing`], [`ApiError::Config`]).
    pub fn attempts(&self) -> u32 {
        match self {
            ApiError::Status { attempts, .. }
            | ApiError::Transport { attempts, .. }
            | ApiError::Decode { attempts, .. }
            | ApiError::OutcomeUnknown { attempts, .. }
            | ApiError::Stopped { attempts, .. } => *attempts,
            ApiError::IncompleteListing { .. } | ApiError::Config(_) => 0,
        }
    }

    /// True for 401 (bad or missing key) and 403 (the key may not do this): fatal for the
    /// whole run, never retried.
    pub fn is_auth(&self) -> bool {
        matches!(self.status(), Some(401 | 403))
    }

    /// True when a listing could not be proven complete (the application exits 3 before
    /// any write): [`ApiError::IncompleteListing`]. Every listing's pages go through the
    /// paginator, which turns PagerDuty's offset-ceiling answer (400, code 2002 "Arguments
    /// Caused Error", facts F10 and §4.5), whatever its offset, into
    /// [`IncompleteReason::CeilingAnswer`]; the same answer to a read that is not a listing
    /// page (`GET /users/me`, say) is a plain HTTP failure, not a listing problem.
    pub fn is_incomplete_listing(&self) -> bool {
        matches!(self, ApiError::IncompleteListing { .. })
    }

    /// True for a `GET` answered 400 with code 2002 "Arguments Caused Error": PagerDuty's
    /// answer when `offset + limit` passes 10,000 (fact F10; the simulator sends the same).
    pub(crate) fn is_ceiling_answer(&self) -> bool {
        matches!(
            self,
            ApiError::Status { method, status: 400, body: Some(body), .. }
                if *method == Method::GET
                    && body.code == Some(crate::pagerduty::models::error_codes::ARGUMENTS_CAUSED_ERROR)
        )
    }

    /// True when the request was not sent because the run is stopping
    /// ([`ApiError::Stopped`]).
    pub fn is_stopped(&self) -> bool {
        matches!(self, ApiError::Stopped { .. })
    }

    /// True for 429 answers that outlasted the run's rate-limit wait budget.
    pub fn is_rate_limited(&self) -> bool {
        self.status() == Some(429)
    }

    /// The HTTP status of the last answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Status { status, .. } | ApiError::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The request path (without the query string), for the errors of one request.
    pub fn path(&self) -> Option<&str> {
        match self {
            ApiError::Status { path, .. }
            | ApiError::Transport { path, .. }
            | ApiError::Decode { path, .. }
            | ApiError::OutcomeUnknown { path, .. } => Some(path),
            _ => None,
        }
    }

    /// PagerDuty's decoded error body (fact F25), when the last answer had one.
    pub fn body(&self) -> Option<&ApiErrorBody> {
        match self {
            ApiError::Status { body, .. } => body.as_deref(),
            _ => None,
        }
    }

    /// True when PagerDuty's error body holds `text` as a case-insensitive substring of its
    /// `message` or of one of its `errors[]`. For diagnostics and tests: the refusals the
    /// application acts on are read by [`ApiError::refusal`].
    pub fn body_mentions(&self, text: &str) -> bool {
        self.body().is_some_and(|b| refusal::mentions(b, text))
    }

    /// Which refusal PagerDuty's answer is, for an [`ApiError::Status`] that refuses the
    /// request for good (a 4xx other than 401, see [`Refusal`]); `None` for every other
    /// failure, which may be worth another try or stops the whole run.
    pub fn refusal(&self) -> Option<Refusal> {
        match self {
            ApiError::Status { status, body, .. } => Refusal::classify(*status, body.as_deref()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests;
