//! What the request layer is asked to send and what it hands back: one logical
//! [`Request`] (re-sent as it is by every retry), PagerDuty's final answer to it
//! ([`Exchange`]), and the [`Reply`] of a request whose unknown outcome a look-up settled
//! ([`Lookup`]).

use crate::pagerduty::budget::shares_key_budget;
use crate::pagerduty::error::ApiError;
use futures::future::BoxFuture;
use reqwest::Method;
use serde::de::DeserializeOwned;

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

impl NotFound {
    /// True when a 404 is the request's answer, given whether an earlier attempt's outcome
    /// was unknown.
    pub(crate) fn is_answer(self, after_unknown: bool) -> bool {
        match self {
            NotFound::Error => false,
            NotFound::Answer => true,
            NotFound::AnswerAfterUnknown => after_unknown,
        }
    }
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

    /// Whether sending it twice does what sending it once does: every method but `POST`.
    pub(crate) fn idempotent(&self) -> bool {
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

/// The result of [`Transport::execute`](super::Transport::execute).
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
