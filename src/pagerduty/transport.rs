//! The request layer: every PagerDuty call goes through [`Transport::execute`]. This file
//! holds what every request shares (the HTTP client, the base URL, the `Authorization`,
//! `Accept` and `From` headers, the shared [`Throttle`] and the [`RetryPolicy`]) and the
//! stop and halt that end sending; one file per concern below it:
//!
//! | file | concern |
//! |---|---|
//! | `request` | what is sent and what comes back: [`Request`], [`Exchange`], [`Reply`], [`Lookup`](request::Lookup) |
//! | `attempt` | one attempt: admission through the throttle, the wire, the answer read whole |
//! | `retry_loop` | [`Transport::execute`]: the attempts until a final answer, the 429 gate, the account-lock retry and the counted retries, every bound drawn from [`crate::pagerduty::retry::Retries`] |
//! | `unknown` | the look-ups after an unknown outcome, before a `POST` is sent again |
//!
//! The loop is written out (rather than using backon's `Retryable`) because a 429, the
//! account lock and a `POST` whose outcome is unknown do not fit a plain "retry if
//! transient" rule (see `retry_loop`). Stopping:
//! - once the run stops ([`Transport::stop_sending`]), no attempt starts: a wait at the
//!   shared gate (a 429 pause, the limiter) or a retry's backoff ends at once with
//!   [`ApiError::Stopped`]; an attempt already on the wire finishes;
//! - once the run halts ([`Transport::stop_new_actions`], any stop: `--max-runtime` or a
//!   signal), an action that has sent nothing sends nothing: its first request, waiting at
//!   any gate (the in-flight cap, the create limit, a 429 pause, the limiter), ends at once
//!   with [`ApiError::Stopped`] and no attempt, while the requests of actions already
//!   under way go on until [`Transport::stop_sending`]. An action is the future run in
//!   [`in_action`]; a request outside one (the listing) is stopped by `stop_sending` only.

mod attempt;
mod request;
mod retry_loop;
mod unknown;

pub(crate) use request::{Exchange, NotFound, Reply, Request};

use super::error::ApiError;
use super::retry::RetryPolicy;
use super::throttle::Throttle;
use reqwest::Url;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue};
use std::time::Duration;

tokio::task_local! {
    /// Whether the action being run has let a request out yet (see [`in_action`]).
    static ACTION_SENT: std::cell::Cell<bool>;
}

/// Runs `fut` as one action: once the run halts (`Transport::stop_new_actions`), a
/// request of `fut` is refused ([`ApiError::Stopped`], no attempt) unless an earlier
/// request of `fut` was already let out.
pub async fn in_action<F: std::future::Future>(fut: F) -> F::Output {
    ACTION_SENT.scope(std::cell::Cell::new(false), fut).await
}

/// True inside [`in_action`] before the action's first request was let out.
fn action_unsent() -> bool {
    ACTION_SENT.try_with(|s| !s.get()).unwrap_or(false)
}

/// `Accept` pinning REST API v2 (fact F4).
pub const ACCEPT_V2: &str = "application/vnd.pagerduty+json;version=2";

/// Everything one request needs; shared by all clones of the client.
pub(crate) struct Transport {
    http: reqwest::Client,
    base: Url,
    auth: HeaderValue,
    from: HeaderValue,
    pub(crate) throttle: Throttle,
    policy: RetryPolicy,
    /// `true` once the run stops sending ([`Transport::stop_sending`]).
    stopped: tokio::sync::watch::Sender<bool>,
    /// `true` once the run halts ([`Transport::stop_new_actions`]).
    halted: tokio::sync::watch::Sender<bool>,
}

impl Transport {
    /// `auth` and `from` are complete header values; `auth` must be marked sensitive.
    pub(crate) fn new(
        base: Url,
        auth: HeaderValue,
        from: HeaderValue,
        request_timeout: Duration,
        throttle: Throttle,
        policy: RetryPolicy,
    ) -> Result<Transport, ApiError> {
        // PagerDuty's REST API never redirects; a redirect is reported, never followed (it
        // could take the Authorization header to another host).
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(request_timeout)
            .connect_timeout(request_timeout)
            .user_agent(concat!("hr2pagerduty/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ApiError::Config(format!("HTTP client: {}", error_chain(&e))))?;
        Ok(Transport {
            http,
            base,
            auth,
            from,
            throttle,
            policy,
            stopped: tokio::sync::watch::Sender::new(false),
            halted: tokio::sync::watch::Sender::new(false),
        })
    }

    /// From now on no request is sent: waits for the shared gate or a backoff end at once,
    /// and every request not yet on the wire fails with [`ApiError::Stopped`].
    pub(crate) fn stop_sending(&self) {
        self.stopped.send_replace(true);
    }

    /// From now on an action that has sent nothing sends nothing ([`in_action`]): its
    /// first request, waiting at any gate or not yet there, fails with
    /// [`ApiError::Stopped`] and no attempt.
    pub(crate) fn stop_new_actions(&self) {
        self.halted.send_replace(true);
    }

    /// True when the request about to be let out must not be: the run stopped sending, or
    /// it halted and the request is the first of its action.
    fn refuses_now(&self) -> bool {
        self.is_stopped() || (*self.halted.borrow() && action_unsent())
    }

    /// Resolves once a request of an action that has sent nothing is refused.
    async fn until_halted(&self) {
        let mut rx = self.halted.subscribe();
        // The sender lives in `self`, so the channel cannot close while this waits.
        let _ = rx.wait_for(|s| *s).await;
    }

    /// True once [`Transport::stop_sending`] was called.
    pub(crate) fn is_stopped(&self) -> bool {
        *self.stopped.borrow()
    }

    /// Resolves once [`Transport::stop_sending`] is called.
    async fn until_stopped(&self) {
        let mut rx = self.stopped.subscribe();
        // The sender lives in `self`, so the channel cannot close while this waits.
        let _ = rx.wait_for(|s| *s).await;
    }

    /// Sleeps for `wait`, or less when the run stops first.
    pub(crate) async fn sleep_unless_stopped(&self, wait: Duration) {
        tokio::select! {
            biased;
            () = self.until_stopped() => {}
            () = tokio::time::sleep(wait) => {}
        }
    }

    pub(crate) fn base(&self) -> &Url {
        &self.base
    }

    pub(crate) fn policy(&self) -> &RetryPolicy {
        &self.policy
    }

    pub(crate) fn url(&self, req: &Request) -> Url {
        let mut url = self.base.clone();
        {
            // Client::new checked that the base URL can be a base.
            let mut segs = url
                .path_segments_mut()
                .expect("base URL was checked to be hierarchical");
            segs.pop_if_empty();
            segs.extend(req.segments.iter());
        }
        if !req.query.is_empty() {
            url.query_pairs_mut().extend_pairs(req.query.iter());
        }
        url
    }

    fn headers(&self, req: &Request) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(AUTHORIZATION, self.auth.clone());
        h.insert(ACCEPT, HeaderValue::from_static(ACCEPT_V2));
        h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if req.send_from {
            h.insert("from", self.from.clone());
        }
        h
    }

    /// Sends `req` until it has a final answer, with no lookup for unknown outcomes (a
    /// `POST` with an unknown outcome then fails with [`ApiError::OutcomeUnknown`]).
    pub(crate) async fn send(&self, req: &Request) -> Result<Exchange, ApiError> {
        match self.execute::<std::convert::Infallible>(req, None).await? {
            Reply::Answer(ex) => Ok(ex),
            Reply::Recovered { value, .. } => match value {},
        }
    }
}

/// An error and its sources, joined with ": ", without repeats.
pub(crate) fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}
