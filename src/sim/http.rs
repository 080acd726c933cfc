//! The HTTP face of the simulator: axum routes, the request pipeline (record → authenticate →
//! rate-limit → fault → endpoint) and the accept loop.
//!
//! The accept loop is hyper's HTTP/1 connection driver run per connection in a task, instead
//! of `axum::serve`, so the simulator can close one connection without answering (the
//! `drop` faults) and can abort every connection at shutdown, even one held by a `delay`
//! fault.

use super::RecordedRequest;
use super::error::SimError;
use super::faults::{FaultBook, FaultKind};
use super::paging::{self, PageFault, PageRequest};
use super::ratelimit::{RateLimiter, Verdict};
use super::state::{Account, Includes, UserFilter};
use crate::pagerduty::models::{
    ACCOUNT_LOCK_ERROR, ApiErrorBody, ErrorEnvelope, TeamMembersPage, TeamsPage, UserEnvelope,
    UsersPage, error_codes,
};
use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Extension, Json, Router};
use serde::Serialize;
use serde_json::Value;
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

/// Largest request body read (1 MiB); larger bodies get 400.
const MAX_BODY_BYTES: usize = 1 << 20;

/// State shared by the handlers and the [`super::SimHandle`].
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) account: Mutex<Account>,
    pub(crate) faults: Mutex<FaultBook>,
    pub(crate) limiter: Mutex<RateLimiter>,
    pub(crate) log: Mutex<Vec<RecordedRequest>>,
    pub(crate) writes: AtomicUsize,
    /// Accepted keys; empty = any non-empty key.
    api_keys: HashSet<String>,
    shutdown: watch::Receiver<bool>,
}

/// Locks a mutex, ignoring poisoning (a panicking test thread must not wedge the server).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    pub(crate) fn new(
        account: Account,
        faults: FaultBook,
        limiter: RateLimiter,
        api_keys: Vec<String>,
        shutdown: watch::Receiver<bool>,
    ) -> Shared {
        Shared {
            account: Mutex::new(account),
            faults: Mutex::new(faults),
            limiter: Mutex::new(limiter),
            log: Mutex::new(Vec::new()),
            writes: AtomicUsize::new(0),
            api_keys: api_keys.into_iter().collect(),
            shutdown,
        }
    }

    fn record_arrival(&self, parts: &Parts, bytes: &Bytes) -> usize {
        let method = parts.method.as_str().to_string();
        if matches!(method.as_str(), "POST" | "PUT" | "DELETE") {
            self.writes.fetch_add(1, Ordering::SeqCst);
        }
        let body = (!bytes.is_empty()).then(|| {
            serde_json::from_slice(bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
        });
        let from = parts
            .headers
            .get("from")
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let mut log = lock(&self.log);
        log.push(RecordedRequest {
            method,
            path: parts.uri.path().to_string(),
            query: parts.uri.query().unwrap_or("").to_string(),
            status: 0,
            from,
            body,
        });
        log.len() - 1
    }

    fn record_status(&self, index: usize, status: u16) {
        let mut log = lock(&self.log);
        if let Some(r) = log.get_mut(index) {
            r.status = status;
            tracing::debug!(method = %r.method, path = %r.path, status, "sim request");
        }
    }

    /// The key of a well-formed, accepted `Authorization: Token token=<key>` header (F3).
    pub(super) fn api_key(&self, headers: &HeaderMap) -> Option<String> {
        let value = headers.get("authorization")?.to_str().ok()?;
        let key = value.strip_prefix("Token token=")?;
        if key.is_empty() || key.chars().any(char::is_whitespace) {
            return None;
        }
        (self.api_keys.is_empty() || self.api_keys.contains(key)).then(|| key.to_string())
    }
}

/// Closes one connection on request (the `drop` faults).
#[derive(Debug, Clone, Default)]
struct ConnControl(Arc<Notify>);

enum Outcome {
    Answer(Response),
    Drop,
}

enum After {
    Fail(u16),
    Drop,
}

impl IntoResponse for SimError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, Json(self.envelope())).into_response()
    }
}

/// Builds the router: every route behind the pipeline middleware.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/users", get(list_users).post(create_user))
        .route(
            "/users/{id}",
            get(get_user).put(update_user).delete(delete_user),
        )
        .route("/teams", get(list_teams))
        .route("/teams/{id}", get(get_team))
        .route("/teams/{id}/members", get(team_members))
        .route(
            "/teams/{id}/users/{user_id}",
            put(set_membership).delete(remove_membership),
        )
        .merge(super::routes::routes())
        .fallback(|| async { SimError::not_found() })
        .layer(middleware::from_fn_with_state(shared.clone(), pipeline))
        .with_state(shared)
}

/// Accepts connections until `shutdown` turns true, then aborts every open connection.
pub(crate) async fn serve(listener: TcpListener, router: Router, shutdown: watch::Receiver<bool>) {
    let mut connections = JoinSet::new();
    let stop = stopped(shutdown);
    tokio::pin!(stop);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    let control = ConnControl::default();
                    let service = hyper_util::service::TowerToHyperService::new(
                        router.clone().layer(Extension(control.clone())),
                    );
                    connections.spawn(async move {
                        let connection = hyper::server::conn::http1::Builder::new()
                            .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
                        tokio::select! {
                            _ = connection => {}
                            _ = control.0.notified() => {}
                        }
                    });
                }
                // E.g. too many open files: wait a little rather than spin.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            _ = &mut stop => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.shutdown().await;
}

/// Resolves once the simulator is shutting down; never if every handle was dropped without
/// a shutdown (the server then runs until the runtime ends).
async fn stopped(mut shutdown: watch::Receiver<bool>) {
    loop {
        if *shutdown.borrow_and_update() {
            return;
        }
        if shutdown.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// Every request passes here: it is recorded, authenticated, counted against its key's
/// budget, offered to the faults, then handed to its endpoint.
async fn pipeline(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES).await;
    let index = shared.record_arrival(&parts, bytes.as_ref().unwrap_or(&Bytes::new()));
    let control = parts.extensions.get::<ConnControl>().cloned();
    let outcome = match bytes {
        Ok(bytes) => process(&shared, parts, bytes, next).await,
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
    }
}

async fn process(shared: &Shared, parts: Parts, bytes: Bytes, next: Next) -> Outcome {
    let Some(key) = shared.api_key(&parts.headers) else {
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
    let verdict = lock(&shared.limiter).check(&key, Instant::now());
    drop(key);
    if !verdict.allowed {
        return Outcome::Answer(with_rate_headers(rate_limit_exceeded(), verdict));
    }

    let fault = lock(&shared.faults).next_for(parts.method.as_str(), parts.uri.path());
    let mut after = None;
    let mut page_fault = None;
    if let Some(kind) = fault {
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
            FaultKind::RateLimited { reset_seconds } => {
                let forced = Verdict {
                    allowed: false,
                    limit: verdict.limit,
                    remaining: 0,
                    reset_seconds,
                };
                return Outcome::Answer(with_rate_headers(rate_limit_exceeded(), forced));
            }
            FaultKind::BareRateLimit => {
                return Outcome::Answer(StatusCode::TOO_MANY_REQUESTS.into_response());
            }
            FaultKind::Delay { ms } => {
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_millis(ms)) => {}
                    _ = stopped(shared.shutdown.clone()) => return Outcome::Drop,
                }
            }
            FaultKind::Drop => return Outcome::Drop,
            FaultKind::ApplyThenFail { status } => after = Some(After::Fail(status)),
            FaultKind::ApplyThenDrop => after = Some(After::Drop),
            FaultKind::AccountLock => {
                let response =
                    SimError::invalid_input(vec![ACCOUNT_LOCK_ERROR.to_string()]).into_response();
                return Outcome::Answer(with_rate_headers(response, verdict));
            }
            FaultKind::EndEarly => page_fault = Some(PageFault::EndEarly),
            FaultKind::RepeatPage => page_fault = Some(PageFault::RepeatPage),
            FaultKind::EmptyPage => page_fault = Some(PageFault::EmptyPage),
        }
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

// ----- request helpers --------------------------------------------------------------------

/// Decoded `key=value` pairs of a query string, in order (repeated keys such as
/// `include[]` kept).
pub(super) fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(hi), Some(lo)) => {
                    out.push(hi * 16 + lo);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub(super) fn values<'a>(
    pairs: &'a [(String, String)],
    key: &'a str,
) -> impl Iterator<Item = &'a str> {
    pairs
        .iter()
        .filter(move |(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// The `include[]` values that change user objects.
pub(super) fn includes(pairs: &[(String, String)]) -> Includes {
    Includes::from_values(values(pairs, "include[]"))
}

/// The JSON body of a write, if any. A non-empty body must be sent as `application/json`
/// (F5: the docs require `Content-Type: application/json` on POST and PUT).
pub(super) fn json_body(headers: &HeaderMap, bytes: &Bytes) -> Result<Option<Value>, SimError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type
        .to_ascii_lowercase()
        .starts_with("application/json")
    {
        return Err(SimError::invalid_input(vec![format!(
            "Content-Type must be application/json, got {content_type:?}"
        )]));
    }
    serde_json::from_slice(bytes).map(Some).map_err(|e| {
        SimError::invalid_input(vec![format!("The request body is not valid JSON: {e}")])
    })
}

pub(super) fn json<T: Serialize>(status: StatusCode, value: T) -> Response {
    (status, Json(value)).into_response()
}

// ----- endpoints --------------------------------------------------------------------------

pub(super) type Answer = Result<Response, SimError>;

async fn list_users(State(shared): State<Arc<Shared>>, parts: Parts) -> Answer {
    let pairs = query_pairs(parts.uri.query());
    let page = PageRequest::parse(&pairs)?;
    let filter = UserFilter {
        query: values(&pairs, "query")
            .last()
            .filter(|q| !q.is_empty())
            .map(str::to_string),
        team_ids: values(&pairs, "team_ids[]").map(str::to_string).collect(),
    };
    // Page over IDs and render only the page: listing stays cheap for large accounts.
    let account = lock(&shared.account);
    if !filter.team_ids.is_empty() {
        // "team_ids[] … needs the `teams` ability" (F12).
        account.require_ability("teams")?;
    }
    let all = account.user_ids(&filter);
    let (ids, page) = paging::page(&all, page, parts.extensions.get::<PageFault>().copied());
    let users = account.render_users(&ids, includes(&pairs));
    drop(account);
    Ok(json(StatusCode::OK, UsersPage { users, page }))
}

async fn get_user(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    parts: Parts,
) -> Answer {
    let pairs = query_pairs(parts.uri.query());
    let user = lock(&shared.account).get_user(&id, includes(&pairs))?;
    Ok(json(StatusCode::OK, UserEnvelope { user }))
}

async fn create_user(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer {
    let from = headers
        .get("from")
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let mut account = lock(&shared.account);
    let body = match json_body(&headers, &bytes) {
        Ok(body) => body.unwrap_or(Value::Null),
        Err(e) => {
            // The From header is a header-level rule: it is reported before body problems.
            account.check_requester(from.as_deref())?;
            return Err(e);
        }
    };
    let user = account.create_user(from.as_deref(), &body)?;
    Ok(json(StatusCode::CREATED, UserEnvelope { user }))
}

async fn update_user(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer {
    let body = json_body(&headers, &bytes)?.unwrap_or(Value::Null);
    let user = lock(&shared.account).update_user(&id, &body)?;
    Ok(json(StatusCode::OK, UserEnvelope { user }))
}

async fn delete_user(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Answer {
    lock(&shared.account).delete_user(&id)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn list_teams(State(shared): State<Arc<Shared>>, parts: Parts) -> Answer {
    let pairs = query_pairs(parts.uri.query());
    let page = PageRequest::parse(&pairs)?;
    let query = values(&pairs, "query").last().filter(|q| !q.is_empty());
    let all = lock(&shared.account).list_teams(query);
    let (teams, page) = paging::page(&all, page, parts.extensions.get::<PageFault>().copied());
    Ok(json(StatusCode::OK, TeamsPage { teams, page }))
}

async fn get_team(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Answer {
    let team = lock(&shared.account).get_team(&id)?;
    Ok(json(StatusCode::OK, serde_json::json!({ "team": team })))
}

async fn team_members(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    parts: Parts,
) -> Answer {
    let pairs = query_pairs(parts.uri.query());
    let page = PageRequest::parse(&pairs)?;
    let all = lock(&shared.account).team_members(&id)?;
    let (members, page) = paging::page(&all, page, parts.extensions.get::<PageFault>().copied());
    Ok(json(StatusCode::OK, TeamMembersPage { members, page }))
}

async fn set_membership(
    State(shared): State<Arc<Shared>>,
    Path((team_id, user_id)): Path<(String, String)>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer {
    let body = json_body(&headers, &bytes)?;
    lock(&shared.account).set_membership(&team_id, &user_id, body.as_ref())?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn remove_membership(
    State(shared): State<Arc<Shared>>,
    Path((team_id, user_id)): Path<(String, String)>,
) -> Answer {
    lock(&shared.account).remove_membership(&team_id, &user_id)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_pairs_decode_brackets_and_repeats() {
        let pairs = query_pairs(Some(
            "include%5B%5D=teams&team_ids[]=PA&team_ids%5B%5D=PB&query=ann+lee%40x.io&bad=%zz",
        ));
        assert!(includes(&pairs).teams);
        assert_eq!(
            values(&pairs, "team_ids[]").collect::<Vec<_>>(),
            ["PA", "PB"]
        );
        assert_eq!(values(&pairs, "query").next(), Some("ann lee@x.io"));
        assert_eq!(values(&pairs, "bad").next(), Some("%zz"));
        assert!(query_pairs(None).is_empty());
    }
}
