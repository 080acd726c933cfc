//! The look-ups after an unknown outcome. A `POST` is not idempotent: once an attempt's
//! outcome is unknown (a timeout, a dropped connection, a 5xx: it may have been processed),
//! the request layer never sends it again without first asking the caller's [`Lookup`]
//! whether it took effect; and a re-sent `POST` refused with "Email has already been taken"
//! (fact F31) means the earlier attempt landed, which the look-up then finds.
//!
//! (A `DELETE` answered 404 after an unknown outcome needs no look-up: the 404 is its
//! answer, see [`NotFound::AnswerAfterUnknown`](super::NotFound::AnswerAfterUnknown).)

use super::Transport;
use super::request::{Lookup, Reply};
use super::retry_loop::{Last, Sending};
use crate::pagerduty::error::{ApiError, Refusal};

/// True when `last` is PagerDuty's 400 "Email has already been taken" (fact F31).
pub(super) fn refused_as_duplicate(last: &Last) -> bool {
    matches!(last, Last::Status { status, body }
        if Refusal::classify(*status, body.as_ref()) == Some(Refusal::EmailTaken))
}

impl Transport {
    /// Before a `POST` whose outcome is unknown is sent again: `Some` when `lookup` found
    /// that it took effect (it is not sent again), `None` when the object is absent (it
    /// may be).
    ///
    /// # Errors
    /// [`ApiError::OutcomeUnknown`] without a look-up, or when the look-up failed;
    /// [`ApiError::Stopped`] when the run stopped before the look-up was sent.
    pub(super) async fn check_before_resend<R>(
        &self,
        s: &Sending<'_>,
        last: &Last,
        lookup: Option<Lookup<'_, R>>,
    ) -> Result<Option<Reply<R>>, ApiError> {
        let Some(lookup) = lookup else {
            return Err(ApiError::OutcomeUnknown {
                method: s.req.method.clone(),
                path: s.path.clone(),
                cause: last.describe(),
                attempts: s.attempts,
                lookup: None,
            });
        };
        let found = self.settle(s, last, lookup).await?;
        if found.is_none() {
            tracing::info!(
                method = %s.req.method,
                path = %s.path,
                "outcome was unknown and the object is absent; sending again"
            );
        }
        Ok(found)
    }

    /// Runs the look-up for a write whose outcome is unknown: `Some` when it found the
    /// object (the write took effect), `None` when it did not.
    ///
    /// # Errors
    /// [`ApiError::Stopped`] (with `outcome_unknown`) when the run stopped before the
    /// look-up was sent; [`ApiError::OutcomeUnknown`] when it failed.
    pub(super) async fn settle<R>(
        &self,
        s: &Sending<'_>,
        last: &Last,
        lookup: Lookup<'_, R>,
    ) -> Result<Option<Reply<R>>, ApiError> {
        let attempts = s.attempts;
        match lookup().await {
            Ok(Some(value)) => {
                self.throttle.count_recovered();
                tracing::info!(
                    method = %s.req.method,
                    path = %s.path,
                    attempts,
                    "outcome was unknown; the lookup found the object, so it is not sent again"
                );
                Ok(Some(Reply::Recovered { value, attempts }))
            }
            Ok(None) => Ok(None),
            // The run stopped before the look-up was sent: the write may have landed; the
            // next run's listing settles it.
            Err(e) if e.is_stopped() => Err(ApiError::Stopped {
                method: s.req.method.clone(),
                path: s.path.clone(),
                attempts,
                outcome_unknown: true,
            }),
            Err(e) => Err(ApiError::OutcomeUnknown {
                method: s.req.method.clone(),
                path: s.path.clone(),
                cause: last.describe(),
                attempts,
                lookup: Some(Box::new(e)),
            }),
        }
    }
}
