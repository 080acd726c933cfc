//! The create (`POST /users`) and its recovery, so that one person gets one user: a `POST`
//! whose outcome was unknown is looked up by email before it is sent again (through the
//! request layer's look-up), and an email PagerDuty says is taken is looked up, again while
//! the listing lags behind creates, within the one retry policy's bounds. An `impl` block
//! of [`Client`] kept apart from the other user and team calls.

use super::{Client, Sent};
use crate::email::Email;
use crate::pagerduty::error::{ApiError, Refusal};
use crate::pagerduty::models::{CreateUserRequest, NewUser, User, UserEnvelope};
use crate::pagerduty::transport::Request;
use futures::FutureExt;
use reqwest::Method;

impl Client {
    /// Creates a user: `POST /users` with `From: <from>` and body `{"user": {...}}`
    /// (facts F6, §4.1).
    ///
    /// At most `create_concurrency` creates are in flight at once. A transient account-lock
    /// 400 (fact F30) is retried with backoff (and lowers the create limit when it is
    /// frequent), bounded by [`RetryPolicy::max_elapsed`](crate::pagerduty::RetryPolicy::max_elapsed) only (not by attempts). The POST is never re-sent
    /// blindly, and never creates a second user for one email:
    /// - when an attempt's outcome is unknown (timeout, dropped connection, 5xx), the user
    ///   is first looked up by email ([`Client::find_user_by_email`]); if found it is
    ///   returned with `recovered: true`, and only if absent is the POST sent again;
    /// - when PagerDuty answers "Email has already been taken" (fact F31), on the first
    ///   attempt or a re-send, the user holding the email is looked up and returned with
    ///   `recovered: true`. The look-up lags behind creates as listings do, so an empty
    ///   answer is asked again after the retry policy's backoff waits, up to
    ///   [`RetryPolicy::max_attempts`](crate::pagerduty::RetryPolicy::max_attempts) look-ups within [`RetryPolicy::max_elapsed`](crate::pagerduty::RetryPolicy::max_elapsed).
    ///
    /// A `recovered` user may be someone else's: whether to adopt it is the caller's
    /// decision (the executor checks its marker, owner and protected status).
    ///
    /// # Errors
    /// [`ApiError::Status`] for refusals (400 with PagerDuty's reasons in
    /// [`ApiError::body`], 401, 402, 403), or after retries run out; the 400 "Email has
    /// already been taken" when no look-up found the user holding the email;
    /// [`ApiError::OutcomeUnknown`] when the lookup itself failed; [`ApiError::Stopped`]
    /// when the run stopped ([`Client::stop_sending`]) before the POST or a look-up was
    /// sent, with `outcome_unknown` once an attempt may have landed or found its email taken.
    pub async fn create_user(&self, user: &NewUser) -> Result<Sent<User>, ApiError> {
        let mut req =
            Request::new(Method::POST, &["users"]).json(&CreateUserRequest { user: user.clone() });
        req.send_from = true;
        req.account_lock_retryable = true;
        req.create_user = true;
        let email = Email::normalise(&user.email);
        let lookup = || self.find_user_by_email(&email).boxed();
        match self.inner.execute(&req, Some(&lookup)).await {
            Ok(reply) => Sent::from_reply(reply, |e: UserEnvelope| e.user),
            Err(e) if e.refusal() == Some(Refusal::EmailTaken) => {
                match self.find_email_holder(&email).await {
                    Ok(Some(value)) => {
                        self.inner.throttle.count_recovered();
                        Ok(Sent {
                            value,
                            attempts: e.attempts(),
                            recovered: true,
                            existed: true,
                        })
                    }
                    Ok(None) => {
                        tracing::warn!(
                            email = %email,
                            "POST /users: email already taken, but no look-up found its user"
                        );
                        Err(e)
                    }
                    // The run stopped during the look-up: the POST was sent and the email
                    // is taken, so the action is interrupted (the next run's listing
                    // settles whose user holds it), never an unknown outcome that fails it.
                    Err(lookup) if lookup.is_stopped() => Err(ApiError::Stopped {
                        method: Method::POST,
                        path: "/users".into(),
                        attempts: e.attempts(),
                        outcome_unknown: true,
                    }),
                    Err(lookup) => Err(ApiError::OutcomeUnknown {
                        method: Method::POST,
                        path: "/users".into(),
                        cause: "HTTP 400: Email has already been taken".into(),
                        attempts: e.attempts(),
                        lookup: Some(Box::new(lookup)),
                    }),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// The user holding `email`, which PagerDuty says is taken: looked up again while the
    /// look-up finds nothing (it lags behind creates), within the retry policy's bounds.
    async fn find_email_holder(&self, email: &Email) -> Result<Option<User>, ApiError> {
        self.inner
            .until_found(
                || self.find_user_by_email(email),
                |looked, wait| {
                    tracing::info!(
                        email = %email,
                        looked,
                        wait_ms = wait.as_millis() as u64,
                        "email taken but not found yet (listing lag); looking again"
                    );
                },
            )
            .await
    }
}
