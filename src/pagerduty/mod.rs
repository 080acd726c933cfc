//! The PagerDuty REST API v2 client: the one request layer of hr2pagerduty.
//!
//! # Architecture
//!
//! | Piece | Role |
//! |---|---|
//! | [`Client`] | typed calls (`list_users`, `create_user`, …); cheap to clone, all clones share the layers below |
//! | `transport` | builds each request (headers, URL) and sends it: one attempt (`attempt`), the retry loop (`retry_loop`), the look-ups after an unknown outcome (`unknown`) |
//! | `throttle` | the gates every attempt passes, in order: create cap (`POST /users`), adaptive in-flight cap, shared pause, pace, one `governor` limiter; the counters behind [`ClientStats`] |
//! | `budget` | the key's budget: configured, and as the server states it (`ratelimit-limit`, `-remaining`, `-reset` of user and team answers): the limiter's rate, the pace and the pause before a 429 |
//! | `inflight` | the adjustable gates, Little's law for the in-flight cap, the moving latency, the create limit's AIMD |
//! | `retry` | [`RetryPolicy`], the one classification table (what is retried, and whether a failed request may still have taken effect) and `Retries`, the bookkeeping every retry draws its wait and bounds from |
//! | `pagination` | the one offset paginator: the first page, then the rest concurrently once `total` is known, and its completeness checks |
//! | `partition` | `GET /users` beyond the 10,000 offset ceiling: filtered partitions, each walked by the paginator, complete when the distinct users seen equal the unfiltered `total` |
//! | [`ApiError`] | every failure, with method, path, status, PagerDuty's error body, attempts and elapsed time |
//! | [`models`] | the API's shapes, shared with the simulator |
//!
//! Headers on every request: `Authorization: Token token=<key>` (fact F3),
//! `Accept: application/vnd.pagerduty+json;version=2` (F4), `Content-Type: application/json`
//! (F5); `From: <email>` on `POST /users` only (F6). Facts are numbered as in
//! `../shared/reference/PAGERDUTY_API.md`.
//!
//! Rate limits (§6 there): PagerDuty allows 960 requests per minute per key (F27) and
//! answers 429 with `ratelimit-reset` seconds and no `Retry-After` (F28). The client keeps
//! under the lower of the configured budget and the one the server advertises with one
//! shared limiter, slows down when `ratelimit-remaining` says the window would run out,
//! and, on a 429, pauses every worker until the reset. A 429 is waited out, bounded by
//! the run's rate-limit wait (600 s by default), not by the request's attempts. Requests
//! in flight follow the measured latency (Little's law) up to `concurrency`; overlapping
//! creates are capped separately, since they can meet PagerDuty's account lock (F30).
//!
//! The API key is held as a [`secrecy::SecretString`], sent in a header marked sensitive,
//! and never appears in `Debug`, `Display`, errors or logs. Each request logs one
//! `debug`-level `tracing` event (method, path, status, attempt, elapsed ms), never headers.

mod budget;
mod client;
mod error;
mod inflight;
pub mod models;
mod pagination;
mod partition;
mod retry;
mod throttle;
mod transport;

pub use client::{Client, ClientConfig, KeyOwner, Sent};
pub use error::{ApiError, IncompleteReason, OpenPartition, Refusal, StopReason, TransportKind};
pub use pagination::{OFFSET_CEILING, PAGE_LIMIT};
pub use partition::MAX_PARTITIONS;
pub use retry::{
    DEFAULT_FACTOR, DEFAULT_MAX_ATTEMPTS, DEFAULT_MAX_DELAY, DEFAULT_MAX_ELAPSED,
    DEFAULT_MIN_DELAY, DEFAULT_RATE_LIMIT_WAIT, RetryPolicy, transport_kind,
};
pub use throttle::ClientStats;
pub use transport::{ACCEPT_V2, in_action};
