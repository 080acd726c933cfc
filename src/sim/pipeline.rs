//! The request pipeline every request passes before its endpoint: record → authenticate →
//! rate-limit → scripted fault, else random faults → latency → lock contention → endpoint
//! → commit-then-fail → slow answer (see [`super`], "Request pipeline", and
//! [`super::random`]). 401 and 429 answers wait the latency too.
//!
//! Waiting (latency, `delay` faults, slow answers) holds no lock, so concurrent requests
//! overlap as they would on a real network; the endpoints take the account lock only while
//! they read or write it.

use super::error::SimError;
use super::faults::{FaultKind, path_matches};
use super::freeze::FreezeStage;
use super::http::{ConnControl, MAX_BODY_BYTES, Shared, lock, stopped};
use super::paging::PageFault;
use super::random::{Counted, Injected, is_proxy_status};
use super::ratelimit::Verdict;
use crate::pagerduty::models::{ACCOUNT_LOCK_ERROR, ApiErrorBody, ErrorEnvelope, error_codes};
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::time::Instant;

enum Outcome {
    Answer(Response),
    Drop,
    /// Never answered (a frozen write, [`super::freeze`]); the connection stays open.
    Hold,
}

/// Every request passes here: it is recorded, delayed by the latency, authenticated,
/// counted against its key's budget, offered to the faults, then handed to its endpoint.
pub(crate) async fn pipeline(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES).await;
    let (index, ordinal) = shared.record_arrival(&parts, bytes.as_ref().unwrap_or(&Bytes::new()));
    let control = parts.extensions.get::<ConnControl>().cloned();
    let outcome = match bytes {
        Ok(bytes) => process(&shared, index, ordinal, parts, bytes, next).await,
        Err(_) => Outcome::Answer(
            SimError::invalid_input(vec!["The request body is too large".to_string()])
                .into_response(),
        ),
    };
    match (outcome, control) {
        (Outcome::Answer(response), _) => {
            shared.record_status(index, response.status().as_u16());
            response
        }
        (Outcome::Drop, Some(control)) => {
            // The connection task drops this future together with the connection.
            control.0.notify_one();
            std::future::pending().await
        }
        (Outcome::Drop, None) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        (Outcome::Hold, _) => std::future::pending().await,
    }
}

/// Counts a `POST /users` as in flight from the rate-limit check to its answer (also when
/// the connection goes away first).
struct InFlight<'a>(&'a AtomicUsize);

impl<'a> InFlight<'a> {
    fn enter(counter: &'a AtomicUsize) -> InFlight<'a> {
        counter.fetch_add(1, Ordering::SeqCst);
        InFlight(counter)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Waits `d`; false when the simulator shut down meanwhile (the request then gets no
/// answer).
async fn wait(shared: &Shared, d: Duration) -> bool {
    if d.is_zero() {
        return true;
    }
    tokio::select! {
        _ = tokio::time::sleep(d) => true,
        _ = stopped(shared.shutdown.clone()) => false,
    }
}

async fn process(
    shared: &Shared,
    index: usize,
    ordinal: Option<usize>,
    parts: Parts,
    bytes: Bytes,
    next: Next,
) -> Outcome {
    let latency = lock(&shared.random).latency(index as u64);
    let Some(key) = shared.api_key(&parts.headers) else {
        if !wait(shared, latency).await {
            return Outcome::Drop;
        }
        return Outcome::Answer(
            SimError::api(
                401,
                error_codes::AUTHENTICATION_FAILED,
                "Authentication failed",
                Vec::new(),
            )
            .into_response(),
        );
    };
    let method = parts.method.as_str().to_string();
    let path = parts.uri.path().to_string();
    let verdict = lock(&shared.limiter).check(&key, &method, &path, Instant::now());
    drop(key);
    if !verdict.allowed {
        shared.counts.add(Counted::OverBudget);
        if !wait(shared, latency).await {
            return Outcome::Drop;
        }
        return Outcome::Answer(with_rate_headers(rate_limit_exceeded(), verdict));
    }

    let create = method == "POST" && path_matches("/users", &path);
    let _in_flight = create.then(|| InFlight::enter(&shared.creates_in_flight));
    let scripted = lock(&shared.faults).next_for(&method, &path);
    if let Some(kind) = scripted {
        shared.counts.add(Counted::Scripted);
        if !wait(shared, latency).await {
            return Outcome::Drop;
        }
        return scripted_fault(shared, kind, verdict, parts, bytes, next).await;
    }

    let write = matches!(method.as_str(), "POST" | "PUT" | "DELETE");
    let decision = lock(&shared.random).decide(index as u64, write);
    if !wait(shared, latency).await {
        return Outcome::Drop;
    }
    match decision.injected {
        Some(Injected::ServerError(status)) => {
            shared.counts.add(if is_proxy_status(status) {
                Counted::ProxyError
            } else {
                Counted::ServerError
            });
            return Outcome::Answer(server_error(status, verdict));
        }
        Some(Injected::Drop) => {
            shared.counts.add(Counted::Dropped);
            return Outcome::Drop;
        }
        Some(Injected::RateLimited(reset_seconds)) => {
            shared.counts.add(Counted::RateLimited);
            return Outcome::Answer(forced_rate_limit(verdict, reset_seconds));
        }
        Some(Injected::BareRateLimited) => {
            shared.counts.add(Counted::BareRateLimited);
            return Outcome::Answer(StatusCode::TOO_MANY_REQUESTS.into_response());
        }
        Some(Injected::CommitThenFail(_) | Injected::CommitThenDrop) | None => {}
    }
    if create && decision.lock_if_overlapping && shared.creates_in_flight.load(Ordering::SeqCst) > 1
    {
        shared.counts.add(Counted::AccountLock);
        return Outcome::Answer(with_rate_headers(account_lock(), verdict));
    }

    if shared.freeze.holds(ordinal, FreezeStage::BeforeCommit) {
        return Outcome::Hold;
    }
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    if shared.freeze.holds(ordinal, FreezeStage::AfterCommit) {
        return Outcome::Hold;
    }
    let outcome = match decision.injected {
        Some(Injected::CommitThenFail(status)) => {
            shared.counts.add(Counted::CommitThenFail);
            Outcome::Answer(server_error(status, verdict))
        }
        Some(Injected::CommitThenDrop) => {
            shared.counts.add(Counted::CommitThenDrop);
            Outcome::Drop
        }
        _ => Outcome::Answer(with_rate_headers(response, verdict)),
    };
    if let Some(slow) = decision.slow {
        shared.counts.add(Counted::Slow);
        if !wait(shared, slow).await {
            return Outcome::Drop;
        }
    }
    outcome
}

/// Applies a due scripted fault (see [`FaultKind`]).
async fn scripted_fault(
    shared: &Shared,
    kind: FaultKind,
    verdict: Verdict,
    parts: Parts,
    bytes: Bytes,
    next: Next,
) -> Outcome {
    enum After {
        Fail(u16),
        Drop,
    }
    let mut after = None;
    let mut page_fault = None;
    match kind {
        FaultKind::Status {
            status,
            code,
            message,
            errors,
        } => {
            let response = status_error(status, code, message, errors);
            return Outcome::Answer(with_rate_headers(response, verdict));
        }
        FaultKind::ProxyError { status } => return Outcome::Answer(proxy_error(status)),
        FaultKind::RateLimited { reset_seconds } => {
            return Outcome::Answer(forced_rate_limit(verdict, reset_seconds));
        }
        FaultKind::BareRateLimit => {
            return Outcome::Answer(StatusCode::TOO_MANY_REQUESTS.into_response());
        }
        FaultKind::Delay { ms } => {
            if !wait(shared, Duration::from_millis(ms)).await {
                return Outcome::Drop;
            }
        }
        FaultKind::Drop => return Outcome::Drop,
        FaultKind::ApplyThenFail { status } => after = Some(After::Fail(status)),
        FaultKind::ApplyThenDrop => after = Some(After::Drop),
        FaultKind::AccountLock => {
            return Outcome::Answer(with_rate_headers(account_lock(), verdict));
        }
        FaultKind::EndEarly => page_fault = Some(PageFault::EndEarly),
        FaultKind::RepeatPage => page_fault = Some(PageFault::RepeatPage),
        FaultKind::EmptyPage => page_fault = Some(PageFault::EmptyPage),
    }

    let mut request = Request::from_parts(parts, Body::from(bytes));
    if let Some(pf) = page_fault {
        request.extensions_mut().insert(pf);
    }
    let response = next.run(request).await;
    match after {
        None => Outcome::Answer(with_rate_headers(response, verdict)),
        Some(After::Fail(status)) => Outcome::Answer(with_rate_headers(
            status_error(status, None, None, Vec::new()),
            verdict,
        )),
        Some(After::Drop) => Outcome::Drop,
    }
}

fn with_rate_headers(mut response: Response, v: Verdict) -> Response {
    let headers = response.headers_mut();
    headers.insert("ratelimit-limit", HeaderValue::from(v.limit));
    headers.insert("ratelimit-remaining", HeaderValue::from(v.remaining));
    headers.insert("ratelimit-reset", HeaderValue::from(v.reset_seconds));
    response
}

/// 429 with `{"error":{"message":"Rate Limit Exceeded","code":2020}}` (F28, S7).
fn rate_limit_exceeded() -> Response {
    let body = ErrorEnvelope {
        error: ApiErrorBody {
            code: Some(error_codes::RATE_LIMIT_EXCEEDED),
            message: "Rate Limit Exceeded".to_string(),
            errors: Vec::new(),
        },
    };
    (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response()
}

/// An injected 429 with the headers: the budget's limit, nothing remaining, `reset_seconds`.
fn forced_rate_limit(verdict: Verdict, reset_seconds: u64) -> Response {
    let forced = Verdict {
        allowed: false,
        limit: verdict.limit,
        remaining: 0,
        reset_seconds,
    };
    with_rate_headers(rate_limit_exceeded(), forced)
}

/// PagerDuty's transient lock error on concurrent creates: 400/2001 (fact F30, S18).
fn account_lock() -> Response {
    SimError::invalid_input(vec![ACCOUNT_LOCK_ERROR.to_string()]).into_response()
}

/// A 5xx as the client would meet it: 502–504 from the load balancer (HTML, no
/// `ratelimit-*` headers), any other from PagerDuty (JSON, with the headers).
fn server_error(status: u16, verdict: Verdict) -> Response {
    if is_proxy_status(status) {
        proxy_error(status)
    } else {
        with_rate_headers(status_error(status, None, None, Vec::new()), verdict)
    }
}

/// A load balancer's error page: `text/html`, no `ratelimit-*` headers, no JSON.
fn proxy_error(status: u16) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    let title = format!(
        "{} {}",
        code.as_u16(),
        code.canonical_reason().unwrap_or("Server Error")
    );
    let page = format!(
        "<!DOCTYPE html>\n<html><head><title>{title}</title></head>\n\
         <body><h1>{title}</h1><p>The server did not answer the gateway in time.</p>\
         </body></html>\n"
    );
    (
        code,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        page,
    )
        .into_response()
}

/// An error answer for an injected status, with PagerDuty's code and message for it (S9).
fn status_error(
    status: u16,
    code: Option<i64>,
    message: Option<String>,
    errors: Vec<String>,
) -> Response {
    let (default_code, default_message) = match status {
        500..=599 => (
            2000,
            "An internal error has occurred. PagerDuty team has been notified.",
        ),
        404 => (error_codes::NOT_FOUND, "Not Found"),
        403 => (error_codes::ACCESS_DENIED, "Access Denied"),
        401 => (error_codes::AUTHENTICATION_FAILED, "Authentication failed"),
        429 => (error_codes::RATE_LIMIT_EXCEEDED, "Rate Limit Exceeded"),
        _ => (error_codes::INVALID_INPUT, "Invalid Input Provided"),
    };
    SimError::api(
        status,
        code.unwrap_or(default_code),
        message.as_deref().unwrap_or(default_message),
        errors,
    )
    .into_response()
}
