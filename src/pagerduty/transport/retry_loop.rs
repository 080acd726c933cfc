//! The retry loop: [`Transport::execute`] sends a request's attempts ([`super::attempt`])
//! until one has a final answer or the [`RetryPolicy`](crate::pagerduty::RetryPolicy)
//! gives up, each attempt's result judged by the one table in [`crate::pagerduty::retry`]
//! and every wait and bound drawn from the request's [`Retries`].
//!
//! One function per verdict that waits:
//! - a 429 ([`Transport::wait_out_rate_limit`]) pauses every worker when the endpoint
//!   shares the key's budget, and is bounded by the run's rate-limit wait, not by the
//!   request's attempts or time;
//! - the transient account lock on `POST /users` and `PUT /users/{id}`
//!   ([`Transport::wait_out_account_lock`]) lowers the create limit and is bounded by time
//!   only;
//! - any other transient failure ([`Transport::after_transient`]) counts against the
//!   attempts and the time, and a `POST` that may have landed is looked up before it is
//!   sent again ([`super::unknown`]).
//!
//! [`Transport::until_found`] asks a look-up again while it finds nothing, within the same
//! policy's attempts and time.

use super::attempt::Attempt;
use super::request::{Lookup, Reply, Request};
use super::{Exchange, Transport};
use crate::pagerduty::error::{ApiError, StopReason, TransportKind};
use crate::pagerduty::models::{ApiErrorBody, ErrorEnvelope};
use crate::pagerduty::retry::{Retries, Verdict, classify_status, classify_transport};
use std::time::Duration;
use tokio::time::Instant;

/// The last failure, kept to build the final error.
pub(super) enum Last {
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
    /// The failure in a few words, for logs and [`ApiError::OutcomeUnknown`].
    pub(super) fn describe(&self) -> String {
        match self {
            Last::Status { status, .. } => format!("HTTP {status}"),
            Last::Transport { kind, detail } => format!("{kind} ({detail})"),
        }
    }
}

/// One request being sent: what it is, and what its attempts have shown so far.
pub(super) struct Sending<'r> {
    pub(super) req: &'r Request,
    /// The request's path (below the host, without the query), as errors and logs name it.
    pub(super) path: String,
    /// The waits and bounds of its retries.
    retries: Retries,
    /// Attempts made, 429s and account locks included.
    pub(super) attempts: u32,
    /// An earlier attempt's outcome was unknown: it may have taken effect.
    after_unknown: bool,
}

impl Sending<'_> {
    /// The error once the run stopped before the next attempt was let out.
    fn stopped(&self) -> ApiError {
        ApiError::Stopped {
            method: self.req.method.clone(),
            path: self.path.clone(),
            attempts: self.attempts,
            outcome_unknown: self.after_unknown,
        }
    }

    /// The final error for `last`, given up for `stop`.
    fn fail(&self, last: Last, stop: StopReason) -> ApiError {
        let elapsed = self.retries.elapsed();
        match last {
            Last::Status { status, body } => ApiError::Status {
                method: self.req.method.clone(),
                path: self.path.clone(),
                status,
                body: body.map(Box::new),
                attempts: self.attempts,
                elapsed,
                stop,
            },
            Last::Transport { kind, detail } => ApiError::Transport {
                method: self.req.method.clone(),
                path: self.path.clone(),
                kind,
                detail,
                attempts: self.attempts,
                elapsed,
                stop,
            },
        }
    }
}

impl Transport {
    /// Sends `req` until it has a final answer or the policy gives up.
    ///
    /// Returns the answer for 2xx (and for 404 when `req.not_found` allows it). For a
    /// `POST` whose outcome is unknown, `lookup` is consulted before any re-send: `Some`
    /// ends the request as [`Reply::Recovered`], `None` allows the re-send.
    ///
    /// # Errors
    /// [`ApiError::Status`] / [`ApiError::Transport`] with the attempts, elapsed time and
    /// [`StopReason`]; [`ApiError::OutcomeUnknown`] when a `POST`'s outcome could not be
    /// checked; [`ApiError::Stopped`] once the run stopped before an attempt was let out.
    pub(crate) async fn execute<R>(
        &self,
        req: &Request,
        lookup: Option<Lookup<'_, R>>,
    ) -> Result<Reply<R>, ApiError> {
        let url = self.url(req);
        let mut s = Sending {
            req,
            path: url.path().to_string(),
            retries: Retries::new(&self.policy),
            attempts: 0,
            after_unknown: false,
        };
        loop {
            if self.refuses_now() {
                return Err(s.stopped());
            }
            let Some((attempt, admitted)) = self.attempt(req, &url, &s.path, s.attempts + 1).await
            else {
                return Err(s.stopped());
            };
            s.attempts += 1;
            s.retries.admitted(admitted);
            let (verdict, last, reset) = match attempt {
                Attempt::Http {
                    status,
                    body,
                    reset,
                } => {
                    let error_body = if (200..300).contains(&status) {
                        None
                    } else {
                        serde_json::from_slice::<ErrorEnvelope>(&body)
                            .ok()
                            .map(|e| e.error)
                    };
                    let verdict = if status == 404 && req.not_found.is_answer(s.after_unknown) {
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
                            path: s.path.clone(),
                            status,
                            body,
                            attempts: s.attempts,
                            after_unknown: s.after_unknown,
                        }));
                    }
                    let last = Last::Status {
                        status,
                        body: error_body,
                    };
                    // A re-sent POST refused as a duplicate: the earlier attempt landed.
                    if s.after_unknown
                        && super::unknown::refused_as_duplicate(&last)
                        && let Some(lookup) = lookup
                    {
                        return self
                            .settle(&s, &last, lookup)
                            .await?
                            .ok_or_else(|| s.fail(last, StopReason::NotRetryable));
                    }
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
                    return Err(s.fail(last, StopReason::NotRetryable));
                }
                Verdict::RateLimited => self.wait_out_rate_limit(&mut s, last, reset).await?,
                Verdict::AccountLock => self.wait_out_account_lock(&mut s, last).await?,
                Verdict::Transient { .. } | Verdict::Refused => {
                    if let Some(found) = self.after_transient(&mut s, verdict, last, lookup).await?
                    {
                        return Ok(found);
                    }
                }
            }
        }
    }

    /// A 429: not processed (fact F28). Waits it out (every worker, when the endpoint
    /// shares the key's budget), bounded by the run's rate-limit wait only, never by this
    /// request's attempts or time.
    ///
    /// # Errors
    /// The final error ([`StopReason::RateLimitWaitExhausted`]) when the wait would take
    /// the run past its rate-limit wait.
    async fn wait_out_rate_limit(
        &self,
        s: &mut Sending<'_>,
        last: Last,
        reset: Option<Duration>,
    ) -> Result<(), ApiError> {
        self.throttle.count_rate_limited();
        let known = self
            .throttle
            .window_end()
            .map(|end| end.saturating_duration_since(Instant::now()));
        let wait = s.retries.rate_limited(reset, known);
        let within = if s.req.shares_budget {
            // Close the shared gate: the key's budget is spent for every worker.
            self.throttle.pause_for_rate_limit(wait)
        } else {
            // A limit of this endpoint's own: only this request waits.
            wait <= self.throttle.rate_limit_wait_left()
        };
        if !within {
            return Err(s.fail(last, StopReason::RateLimitWaitExhausted));
        }
        self.throttle.count_retry();
        tracing::warn!(
            method = %s.req.method,
            path = %s.path,
            attempt = s.attempts,
            wait_ms = wait.as_millis() as u64,
            header = reset.is_some(),
            "rate limited (429); pausing every request"
        );
        if !s.req.shares_budget {
            self.sleep_unless_stopped(wait).await;
        }
        // The next attempt (and every other request) waits at the shared gate.
        s.retries.rate_limit_wait_begins();
        Ok(())
    }

    /// PagerDuty's transient account lock: not processed (fact F30). Lowers the create
    /// limit when frequent, and backs off, bounded by time only, never by attempts.
    ///
    /// # Errors
    /// The final error ([`StopReason::TimeExhausted`]) when the wait would end past the
    /// policy's time.
    async fn wait_out_account_lock(&self, s: &mut Sending<'_>, last: Last) -> Result<(), ApiError> {
        self.throttle.on_account_lock();
        let wait = s.retries.timed_retry().map_err(|stop| s.fail(last, stop))?;
        self.throttle.count_retry();
        tracing::info!(
            method = %s.req.method,
            path = %s.path,
            attempt = s.attempts,
            wait_ms = wait.as_millis() as u64,
            "account could not be locked; retrying"
        );
        self.sleep_unless_stopped(wait).await;
        Ok(())
    }

    /// A transient failure or a refused connection: counted against the attempts (a
    /// refused connection against the fewer [`max_refused_attempts`]) and the time; backs
    /// off, then, for a `POST` that may have landed, looks it up before it is sent again.
    /// `Some` when the look-up found it.
    ///
    /// [`max_refused_attempts`]: crate::pagerduty::RetryPolicy::max_refused_attempts
    ///
    /// # Errors
    /// The final error when the attempts or the time ran out (after a look-up, for a
    /// `POST` that may have landed on its last attempt, that found nothing);
    /// [`ApiError::Stopped`] when the run stopped during the backoff;
    /// [`ApiError::OutcomeUnknown`] when the outcome could not be checked.
    async fn after_transient<R>(
        &self,
        s: &mut Sending<'_>,
        verdict: Verdict,
        last: Last,
        lookup: Option<Lookup<'_, R>>,
    ) -> Result<Option<Reply<R>>, ApiError> {
        let (outcome_unknown, max_attempts) = match verdict {
            Verdict::Transient { outcome_unknown } => (outcome_unknown, self.policy.max_attempts),
            // Nothing listens there: said after a retry, not after every wait.
            _ => (false, self.policy.max_refused_attempts),
        };
        s.after_unknown |= outcome_unknown;
        let must_check = outcome_unknown && !s.req.idempotent();
        let wait = match s.retries.counted_retry(max_attempts) {
            Ok(wait) => wait,
            Err(stop) => {
                // A POST that may have landed on its last attempt: say what happened.
                if must_check && let Some(lookup) = lookup {
                    return self
                        .settle(s, &last, lookup)
                        .await?
                        .map(Some)
                        .ok_or_else(|| s.fail(last, stop));
                }
                return Err(s.fail(last, stop));
            }
        };
        self.throttle.count_retry();
        tracing::info!(
            method = %s.req.method,
            path = %s.path,
            attempt = s.attempts,
            wait_ms = wait.as_millis() as u64,
            cause = %last.describe(),
            "transient failure; retrying"
        );
        self.sleep_unless_stopped(wait).await;
        if self.is_stopped() {
            return Err(s.stopped());
        }
        if must_check {
            return self.check_before_resend(s, &last, lookup).await;
        }
        Ok(None)
    }

    /// Asks `look` again while it finds nothing, within the retry policy's attempts and
    /// time, with its backoff between asks (`on_wait(asked, wait)` before each wait), a
    /// stop ending the wait at once. `Ok(None)` when the bounds ran out with nothing found.
    ///
    /// # Errors
    /// The first error of `look` (an [`ApiError::Stopped`] once the run stopped).
    pub(crate) async fn until_found<T, F, Fut>(
        &self,
        mut look: F,
        on_wait: impl Fn(u32, Duration),
    ) -> Result<Option<T>, ApiError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<Option<T>, ApiError>>,
    {
        let mut retries = Retries::new(&self.policy);
        loop {
            if let Some(found) = look().await? {
                return Ok(Some(found));
            }
            let Ok(wait) = retries.counted_retry(self.policy.max_attempts) else {
                return Ok(None);
            };
            on_wait(retries.counted(), wait);
            // A stop ends the wait; the next look is then refused (ApiError::Stopped).
            self.sleep_unless_stopped(wait).await;
        }
    }
}
