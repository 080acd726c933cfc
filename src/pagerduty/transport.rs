//! The request layer: every PagerDuty call goes through [`Transport::execute`], which
//! builds the request (headers, URL), admits it through the shared [`Throttle`], sends it,
//! classifies the result ([`super::retry`]) and retries within the [`RetryPolicy`].
//!
//! The loop is written out (rather than using backon's `Retryable`) because three cases do
//! not fit a plain "retry if transient" rule:
//! - a 429 pauses every worker, not just this one ([`Throttle::pause_for_rate_limit`]), and
//!   is bounded by the run's rate-limit wait, not by the request's attempts or time;
//! - the transient account lock on `POST /users` lowers the create limit and is bounded by
//!   time only;
//! - a `POST` whose outcome is unknown is checked with a caller-supplied lookup before it
//!   is sent again, and a 400 "Email has already been taken" after such an attempt means
//!   the earlier attempt landed (fact F31);
//! - a `DELETE` answered 404 after an attempt whose outcome was unknown means the earlier
//!   attempt landed;
//! - once the run stops ([`Transport::stop_sending`]), no attempt starts: a wait at the
//!   shared gate (a 429 pause, the limiter) or a retry's backoff ends at once with
//!   [`ApiError::Stopped`]; an attempt already on the wire finishes;
//! - once the run halts ([`Transport::stop_new_actions`], any stop: `--max-runtime` or a
//!   signal), an action that has sent nothing sends nothing: its first request, waiting at
//!   any gate (the in-flight cap, the create limit, a 429 pause, the limiter), ends at once
//!   with [`ApiError::Stopped`] and no attempt, while the requests of actions already
//!   under way go on until [`Transport::stop_sending`]. An action is the future run in
//!   [`in_action`]; a request outside one (the listing) is stopped by `stop_sending` only.

use super::budget::{Headers, shares_key_budget};
use super::error::{ApiError, StopReason, TransportKind};
use super::models::{ApiErrorBody, EMAIL_TAKEN, ErrorEnvelope};
use super::retry::{
    RetryPolicy, Verdict, classify_status, classify_transport, parse_reset, transport_kind,
};
use super::throttle::Throttle;
use futures::future::BoxFuture;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue};
use reqwest::{Method, Url};
use serde::de::DeserializeOwned;
use std::time::Duration;
use tokio::time::Instant;

tokio::task_local! {
    /// Whether the action being run has let a request out yet (see [`in_action`]).
    static ACTION_SENT: std::cell::Cell<bool>;
}

/// Runs `fut` as one action: once the run halts ([`Transport::stop_new_actions`]), a
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

/// What a request does when PagerDuty answers 404.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NotFound {
    /// 404 is an error.
    Error,
    /// 404 is an answer the caller interprets (`GET /users/{id}` → `None`).
    Answer,
    /// 404 is an answer only after an attempt whose outcome was unknown (a `DELETE` that
    /// already took effect); otherwise an error.
    AnswerAfterUnknown,
}

/// One logical request (retries re-send the same value).
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub method: Method,
    /// Path segments below the base URL; each is percent-encoded.
    pub segments: Vec<String>,
    /// Query pairs, in order.
    pub query: Vec<(&'static str, String)>,
    /// JSON body, serialised once.
    pub body: Option<Vec<u8>>,
    /// Send the `From` header (only `POST /users`, fact F6).
    pub send_from: bool,
    /// Treat 400 "account could not be locked" as transient (`POST /users` and
    /// `PUT /users/{id}`, whose role or licence change takes a licence allocation, fact F30).
    pub account_lock_retryable: bool,
    /// `POST /users`: it passes the create gate (`create_concurrency`), and its successes
    /// let the create limit grow back.
    pub create_user: bool,
    /// Answers describe the key's shared budget (user and team endpoints; see
    /// [`shares_key_budget`]): their `ratelimit-*` headers steer the limiter and their 429s
    /// pause every worker.
    pub shares_budget: bool,
    pub not_found: NotFound,
}

impl Request {
    pub(crate) fn new(method: Method, segments: &[&str]) -> Request {
        Request {
            method,
            segments: segments.iter().map(|s| s.to_string()).collect(),
            query: Vec::new(),
            body: None,
            send_from: false,
            account_lock_retryable: false,
            create_user: false,
            shares_budget: shares_key_budget(segments.first().copied()),
            not_found: NotFound::Error,
        }
    }

    pub(crate) fn query(mut self, key: &'static str, value: impl Into<String>) -> Request {
        self.query.push((key, value.into()));
        self
    }

    pub(crate) fn json(mut self, body: &impl serde::Serialize) -> Request {
        // Serialising the crate's own model types cannot fail (no maps with non-string keys).
        self.body = Some(serde_json::to_vec(body).expect("request bodies serialise"));
        self
    }

    fn idempotent(&self) -> bool {
        self.method != Method::POST
    }
}

/// A final HTTP answer.
#[derive(Debug, Clone)]
pub(crate) struct Exchange {
    pub method: Method,
    pub path: String,
    pub status: u16,
    pub body: Vec<u8>,
    /// Attempts made, including the first.
    pub attempts: u32,
    /// An earlier attempt's outcome was unknown.
    pub after_unknown: bool,
}

impl Exchange {
    /// Decodes the body as `T`; a failure names the JSON path (serde_path_to_error).
    pub(crate) fn decode<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        let mut de = serde_json::Deserializer::from_slice(&self.body);
        serde_path_to_error::deserialize(&mut de).map_err(|e| ApiError::Decode {
            method: self.method.clone(),
            path: self.path.clone(),
            status: self.status,
            json_path: e.path().to_string(),
            message: e.into_inner().to_string(),
            attempts: self.attempts,
        })
    }
}

/// The result of [`Transport::execute`].
pub(crate) enum Reply<R> {
    /// PagerDuty's final answer.
    Answer(Exchange),
    /// A write whose outcome was unknown was found to have taken effect by the lookup.
    Recovered {
        /// What the lookup found.
        value: R,
        /// Attempts of the write.
        attempts: u32,
    },
}

/// Checks whether a write whose outcome is unknown took effect: `Some` = it did.
pub(crate) type Lookup<'a, R> =
    &'a (dyn Fn() -> BoxFuture<'a, Result<Option<R>, ApiError>> + Send + Sync);

/// What one attempt produced.
enum Attempt {
    Http {
        status: u16,
        body: Vec<u8>,
        reset: Option<Duration>,
    },
    Failed {
        kind: TransportKind,
        detail: String,
    },
}

/// The last failure, kept to build the final error.
enum Last {
    Status {
        status: u16,
        body: Option<ApiErrorBody>,
    },
    Transport {
        kind: TransportKind,
        detail: String,
    },
}

impl Last {
    fn describe(&self) -> String {
        match self {
            Last::Status { status, .. } => format!("HTTP {status}"),
            Last::Transport { kind, detail } => format!("{kind} ({detail})"),
        }
    }
}

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

    /// Sends `req` until it has a final answer or the policy gives up.
    ///
    /// Returns the answer for 2xx (and for 404 when `req.not_found` allows it). For a
    /// `POST` whose outcome is unknown, `lookup` is consulted before any re-send: `Some`
    /// ends the request as [`Reply::Recovered`], `None` allows the re-send.
    ///
    /// # Errors
    /// [`ApiError::Status`] / [`ApiError::Transport`] with the attempts, elapsed time and
    /// [`StopReason`]; [`ApiError::OutcomeUnknown`] when a `POST`'s outcome could not be
    /// checked.
    pub(crate) async fn execute<R>(
        &self,
        req: &Request,
        lookup: Option<Lookup<'_, R>>,
    ) -> Result<Reply<R>, ApiError> {
        let url = self.url(req);
        let path = url.path().to_string();
        let policy = &self.policy;
        let started = Instant::now();
        let mut backoff = policy.backoff();
        let mut bare_429_backoff = policy.backoff();
        let mut attempts: u32 = 0;
        // Attempts that count against `max_attempts` (not 429s, not account locks).
        let mut counted: u32 = 0;
        // Time spent waiting out 429s, which `max_elapsed` does not count.
        let mut rate_limited_for = Duration::ZERO;
        let mut rate_limited_since: Option<Instant> = None;
        let mut after_unknown = false;
        loop {
            let stopped = |attempts: u32, outcome_unknown: bool| ApiError::Stopped {
                method: req.method.clone(),
                path: path.clone(),
                attempts,
                outcome_unknown,
            };
            if self.refuses_now() {
                return Err(stopped(attempts, after_unknown));
            }
            let Some((attempt, admitted)) = self.attempt(req, &url, &path, attempts + 1).await
            else {
                return Err(stopped(attempts, after_unknown));
            };
            attempts += 1;
            if let Some(since) = rate_limited_since.take() {
                rate_limited_for += admitted.saturating_duration_since(since);
            }
            let spent = || started.elapsed().saturating_sub(rate_limited_for);
            let fail = |last: Last, stop: StopReason| match last {
                Last::Status { status, body } => ApiError::Status {
                    method: req.method.clone(),
                    path: path.clone(),
                    status,
                    body: body.map(Box::new),
                    attempts,
                    elapsed: started.elapsed(),
                    stop,
                },
                Last::Transport { kind, detail } => ApiError::Transport {
                    method: req.method.clone(),
                    path: path.clone(),
                    kind,
                    detail,
                    attempts,
                    elapsed: started.elapsed(),
                    stop,
                },
            };
            let (verdict, last, reset) = match attempt {
                Attempt::Http {
                    status,
                    body,
                    reset,
                } => {
                    let answered_404 = status == 404
                        && match req.not_found {
                            NotFound::Error => false,
                            NotFound::Answer => true,
                            NotFound::AnswerAfterUnknown => after_unknown,
                        };
                    let error_body = if (200..300).contains(&status) {
                        None
                    } else {
                        serde_json::from_slice::<ErrorEnvelope>(&body)
                            .ok()
                            .map(|e| e.error)
                    };
                    let verdict = if answered_404 {
                        Verdict::Done
                    } else {
                        classify_status(status, error_body.as_ref(), req.account_lock_retryable)
                    };
                    if verdict == Verdict::Done {
                        if req.create_user && (200..300).contains(&status) {
                            self.throttle.on_create_success();
                        }
                        return Ok(Reply::Answer(Exchange {
                            method: req.method.clone(),
                            path: path.clone(),
                            status,
                            body,
                            attempts,
                            after_unknown,
                        }));
                    }
                    // A re-sent POST refused as a duplicate: the earlier attempt landed.
                    if status == 400
                        && after_unknown
                        && error_body
                            .as_ref()
                            .is_some_and(|b| super::error::body_mentions(b, EMAIL_TAKEN))
                        && let Some(lookup) = lookup
                    {
                        let last = Last::Status {
                            status,
                            body: error_body,
                        };
                        return self
                            .settle(req, &path, attempts, &last, lookup)
                            .await?
                            .ok_or_else(|| fail(last, StopReason::NotRetryable));
                    }
                    let last = Last::Status {
                        status,
                        body: error_body,
                    };
                    (verdict, last, reset)
                }
                Attempt::Failed { kind, detail } => (
                    classify_transport(kind),
                    Last::Transport { kind, detail },
                    None,
                ),
            };
            match verdict {
                // (Done is answered above; a transport failure is never Done.)
                Verdict::Fail | Verdict::Done => {
                    return Err(fail(last, StopReason::NotRetryable));
                }
                Verdict::RateLimited => {
                    // Not processed (fact F28): waited out, bounded by the run's rate-limit
                    // wait only, never by this request's attempts or time.
                    self.throttle.count_rate_limited();
                    let known = self
                        .throttle
                        .window_end()
                        .map(|end| end.saturating_duration_since(Instant::now()));
                    let wait = policy.rate_limit_wait(reset, known, &mut bare_429_backoff);
                    let within = if req.shares_budget {
                        // Close the shared gate: the key's budget is spent for every worker.
                        self.throttle.pause_for_rate_limit(wait)
                    } else {
                        // A limit of this endpoint's own: only this request waits.
                        wait <= self.throttle.rate_limit_wait_left()
                    };
                    if !within {
                        return Err(fail(last, StopReason::RateLimitWaitExhausted));
                    }
                    self.throttle.count_retry();
                    tracing::warn!(
                        method = %req.method,
                        path = %path,
                        attempt = attempts,
                        wait_ms = wait.as_millis() as u64,
                        header = reset.is_some(),
                        "rate limited (429); pausing every request"
                    );
                    if !req.shares_budget {
                        self.sleep_unless_stopped(wait).await;
                    }
                    // The next attempt (and every other request) waits at the shared gate.
                    rate_limited_since = Some(Instant::now());
                    continue;
                }
                Verdict::AccountLock => {
                    // Not processed (fact F30); bounded by time only, never by attempts.
                    self.throttle.on_account_lock();
                    let wait = backoff.next_wait();
                    if spent() + wait > policy.max_elapsed {
                        return Err(fail(last, StopReason::TimeExhausted));
                    }
                    self.throttle.count_retry();
                    tracing::info!(
                        method = %req.method,
                        path = %path,
                        attempt = attempts,
                        wait_ms = wait.as_millis() as u64,
                        "account could not be locked; retrying"
                    );
                    self.sleep_unless_stopped(wait).await;
                    continue;
                }
                Verdict::Transient { .. } | Verdict::Refused => {
                    let (outcome_unknown, max_attempts) = match verdict {
                        Verdict::Transient { outcome_unknown } => {
                            (outcome_unknown, policy.max_attempts)
                        }
                        // Nothing listens there: said after a retry, not after every wait.
                        _ => (false, policy.max_refused_attempts.min(policy.max_attempts)),
                    };
                    counted += 1;
                    after_unknown |= outcome_unknown;
                    let must_check = outcome_unknown && !req.idempotent();
                    let wait = backoff.next_wait();
                    let stop = if counted >= max_attempts {
                        Some(StopReason::AttemptsExhausted)
                    } else if spent() + wait > policy.max_elapsed {
                        Some(StopReason::TimeExhausted)
                    } else {
                        None
                    };
                    if let Some(stop) = stop {
                        // A POST that may have landed on its last attempt: say what happened.
                        if must_check && let Some(lookup) = lookup {
                            return self
                                .settle(req, &path, attempts, &last, lookup)
                                .await?
                                .ok_or_else(|| fail(last, stop));
                        }
                        return Err(fail(last, stop));
                    }
                    self.throttle.count_retry();
                    tracing::info!(
                        method = %req.method,
                        path = %path,
                        attempt = attempts,
                        wait_ms = wait.as_millis() as u64,
                        cause = %last.describe(),
                        "transient failure; retrying"
                    );
                    self.sleep_unless_stopped(wait).await;
                    if self.is_stopped() {
                        return Err(stopped(attempts, after_unknown));
                    }
                    if must_check {
                        match lookup {
                            Some(lookup) => {
                                if let Some(found) =
                                    self.settle(req, &path, attempts, &last, lookup).await?
                                {
                                    return Ok(found);
                                }
                                tracing::info!(
                                    method = %req.method,
                                    path = %path,
                                    "outcome was unknown and the object is absent; sending again"
                                );
                            }
                            None => {
                                return Err(ApiError::OutcomeUnknown {
                                    method: req.method.clone(),
                                    path: path.clone(),
                                    cause: last.describe(),
                                    attempts,
                                    lookup: None,
                                });
                            }
                        }
                    }
                }
            }
        }
    }

    /// Runs the lookup for a write whose outcome is unknown.
    async fn settle<R>(
        &self,
        req: &Request,
        path: &str,
        attempts: u32,
        last: &Last,
        lookup: Lookup<'_, R>,
    ) -> Result<Option<Reply<R>>, ApiError> {
        match lookup().await {
            Ok(Some(value)) => {
                self.throttle.count_recovered();
                tracing::info!(
                    method = %req.method,
                    path = %path,
                    attempts,
                    "outcome was unknown; the lookup found the object, so it is not sent again"
                );
                Ok(Some(Reply::Recovered { value, attempts }))
            }
            Ok(None) => Ok(None),
            // The run stopped before the look-up was sent: the write may have landed; the
            // next run's listing settles it.
            Err(e) if e.is_stopped() => Err(ApiError::Stopped {
                method: req.method.clone(),
                path: path.to_string(),
                attempts,
                outcome_unknown: true,
            }),
            Err(e) => Err(ApiError::OutcomeUnknown {
                method: req.method.clone(),
                path: path.to_string(),
                cause: last.describe(),
                attempts,
                lookup: Some(Box::new(e)),
            }),
        }
    }

    /// One attempt: admission through the throttle, send, read the whole answer, and let
    /// the throttle learn from it. Returns the result and when the request was let out;
    /// `None` when the run stopped ([`Transport::stop_sending`]) before it was let out.
    async fn attempt(
        &self,
        req: &Request,
        url: &Url,
        path: &str,
        attempt: u32,
    ) -> Option<(Attempt, Instant)> {
        let first = action_unsent();
        let _admission = tokio::select! {
            biased;
            () = self.until_stopped() => return None,
            () = self.until_halted(), if first => return None,
            admission = self.throttle.admit(req.create_user) => admission,
        };
        if self.refuses_now() {
            return None;
        }
        let _ = ACTION_SENT.try_with(|s| s.set(true));
        let admitted = Instant::now();
        let mut builder = self
            .http
            .request(req.method.clone(), url.clone())
            .headers(self.headers(req));
        if let Some(body) = &req.body {
            builder = builder.body(body.clone());
        }
        let on_wire = self.throttle.on_wire();
        let started = Instant::now();
        let exchange = async {
            let mut answered = None;
            let result = match builder.send().await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let headers = response.headers();
                    let number = |name: &str| -> Option<u64> {
                        headers.get(name)?.to_str().ok()?.trim().parse().ok()
                    };
                    let reset =
                        parse_reset(headers.get("ratelimit-reset").and_then(|v| v.to_str().ok()));
                    let rate = Headers {
                        limit: number("ratelimit-limit"),
                        remaining: number("ratelimit-remaining"),
                        reset,
                    };
                    let location = (300..400).contains(&status).then(|| {
                        headers
                            .get(reqwest::header::LOCATION)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("(no Location header)")
                            .to_string()
                    });
                    match response.bytes().await {
                        Ok(_) if location.is_some() => {
                            answered = Some((status, rate));
                            Attempt::Failed {
                                kind: TransportKind::Redirect,
                                detail: format!(
                                    "HTTP {status} to {}; the API URL must be the API root, e.g. https://api.pagerduty.com",
                                    location.unwrap_or_default()
                                ),
                            }
                        }
                        Ok(body) => {
                            answered = Some((status, rate));
                            Attempt::Http {
                                status,
                                body: body.to_vec(),
                                reset,
                            }
                        }
                        Err(e) => Attempt::Failed {
                            kind: if e.is_timeout() {
                                TransportKind::Timeout
                            } else {
                                TransportKind::Connection
                            },
                            detail: format!(
                                "HTTP {status} answer broke off: {}",
                                error_chain(&e.without_url())
                            ),
                        },
                    }
                }
                Err(e) => Attempt::Failed {
                    kind: transport_kind(&e),
                    detail: error_chain(&e.without_url()),
                },
            };
            (result, answered)
        };
        tokio::pin!(exchange);
        // A straggler stops counting against the in-flight cap (see `Throttle::stall_after`).
        let mut stalled = None;
        let stall = tokio::time::sleep(self.throttle.stall_after());
        tokio::pin!(stall);
        let (result, answered) = loop {
            tokio::select! {
                done = &mut exchange => break done,
                _ = &mut stall, if stalled.is_none() => stalled = Some(self.throttle.stalled()),
            }
        };
        drop(stalled);
        let elapsed = started.elapsed();
        // Answered: no longer in flight when the throttle counts what is.
        drop(on_wire);
        if let Some((status, rate)) = answered {
            self.throttle
                .observe(req.shares_budget, status, rate, elapsed);
        }
        let elapsed_ms = elapsed.as_millis() as u64;
        match &result {
            Attempt::Http { status, .. } => tracing::debug!(
                method = %req.method,
                path = %path,
                status = *status,
                attempt,
                elapsed_ms,
                "pagerduty request"
            ),
            Attempt::Failed { kind, detail } => tracing::debug!(
                method = %req.method,
                path = %path,
                error = %kind,
                detail = %detail,
                attempt,
                elapsed_ms,
                "pagerduty request failed"
            ),
        }
        Some((result, admitted))
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
