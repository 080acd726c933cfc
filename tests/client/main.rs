//! The PagerDuty client against a scripted stand-in server on 127.0.0.1: the exact requests
//! it sends, listing and its completeness checks (and, against the simulator, partitioned
//! listing beyond 10,000 users), the shared rate limit and in-flight cap, retries, and that
//! the API key never leaks; and, against the simulator, the key's budget (`budget`), the
//! contact-method and notification-rule calls and the full user record (`contacts`); and
//! that a stopped client sends nothing more and ends its waits at once (`stops`).
//! (Tracing output has a binary of its own, `tests/client_tracing.rs`, because tracing
//! caches per-callsite interest process-wide.)

#[path = "../support/mod.rs"]
mod support;

mod budget;
mod contacts;
mod limits;
mod listing;
mod partition;
mod requests;
mod secrets;
mod stops;
