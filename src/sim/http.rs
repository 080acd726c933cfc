//! The HTTP face of the simulator: axum routes, the shared state, the endpoints and the
//! accept loop. The request pipeline every route sits behind is in [`super::pipeline`].
//!
//! The accept loop is hyper's HTTP/1 connection driver run per connection in a task, instead
//! of `axum::serve`, so the simulator can close one connection without answering (the
//! `drop` faults) and can abort every connection at shutdown, even one held by a `delay`
//! fault.

use super::RecordedRequest;
use super::error::SimError;
use super::faults::FaultBook;
use super::lag::ListingLag;
use super::paging::{self, PageFault, PageRequest};
use super::random::{Counted, Counters, RandomFaults, RandomState};
use super::ratelimit::RateLimiter;
use super::state::{Account, Includes, KeyWrite, UserFilter};
use crate::ids::{TeamId, UserId};
use crate::pagerduty::models::{TeamMembersPage, TeamsPage, UserEnvelope, UsersPage};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::middleware;
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
pub(crate) const MAX_BODY_BYTES: usize = 1 << 20;

/// State shared by the handlers and the [`super::SimHandle`].
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) account: Mutex<Account>,
    pub(crate) faults: Mutex<FaultBook>,
    pub(crate) limiter: Mutex<RateLimiter>,
    pub(crate) log: Mutex<Vec<RecordedRequest>>,
    pub(crate) writes: AtomicUsize,
    /// The write a crash test holds, if any.
    pub(crate) freeze: super::freeze::Freeze,
    /// Random faults, latency and listing lag in force.
    pub(crate) random: Mutex<RandomState>,
    /// Injected faults by kind.
    pub(crate) counts: Counters,
    /// Users created too recently to be listed.
    pub(crate) lag: Mutex<ListingLag>,
    /// `POST /users` past the rate limit and not yet answered.
    pub(crate) creates_in_flight: AtomicUsize,
    /// Accepted keys; empty = any non-empty key.
    api_keys: HashSet<String>,
    pub(crate) shutdown: watch::Receiver<bool>,
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
        random: RandomFaults,
        api_keys: Vec<String>,
        shutdown: watch::Receiver<bool>,
    ) -> Shared {
        Shared {
            account: Mutex::new(account),
            faults: Mutex::new(faults),
            limiter: Mutex::new(limiter),
            log: Mutex::new(Vec::new()),
            writes: AtomicUsize::new(0),
            freeze: super::freeze::Freeze::default(),
            random: Mutex::new(RandomState::new(random)),
            counts: Counters::default(),
            lag: Mutex::new(ListingLag::default()),
            creates_in_flight: AtomicUsize::new(0),
            api_keys: api_keys.into_iter().collect(),
            shutdown,
        }
    }

    /// Records a request as it arrives; returns its index in the log and, for a write, its
    /// number among the writes (from 1).
    pub(crate) fn record_arrival(&self, parts: &Parts, bytes: &Bytes) -> (usize, Option<usize>) {
        let method = parts.method.as_str().to_string();
        let write = matches!(method.as_str(), "POST" | "PUT" | "DELETE")
            .then(|| self.writes.fetch_add(1, Ordering::SeqCst) + 1);
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
        (log.len() - 1, write)
    }

    pub(crate) fn record_status(&self, index: usize, status: u16) {
        let mut log = lock(&self.log);
        if let Some(r) = log.get_mut(index) {
            r.status = status;
            tracing::debug!(method = %r.method, path = %r.path, status, "sim request");
        }
    }

    /// The key of a well-formed, accepted `Authorization: Token token=<key>` header (F3).
    pub(crate) fn api_key(&self, headers: &HeaderMap) -> Option<String> {
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
pub(crate) struct ConnControl(pub(crate) Arc<Notify>);

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
        .layer(middleware::from_fn_with_state(
            shared.clone(),
            super::pipeline::pipeline,
        ))
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
pub(crate) async fn stopped(mut shutdown: watch::Receiver<bool>) {
    loop {
        if *shutdown.borrow_and_update() {
            return;
        }
        if shutdown.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
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
    // Under the account lock, so that a create cannot slip between the two (lock order:
    // account, then lag).
    let hidden = lock(&shared.lag).hidden(Instant::now());
    let mut all = account.user_ids(&filter);
    if !hidden.is_empty() {
        let before = all.len();
        all.retain(|id| !hidden.contains(*id));
        if all.len() < before {
            shared.counts.add(Counted::LaggedListing);
        }
    }
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
    let lag_ms = lock(&shared.random).config().list_lag_ms;
    let key = shared.api_key(&headers);
    let mut account = lock(&shared.account);
    account.require_key_may(key.as_deref(), KeyWrite::Users)?;
    let body = match json_body(&headers, &bytes) {
        Ok(body) => body.unwrap_or(Value::Null),
        Err(e) => {
            // The From header is a header-level rule: it is reported before body problems.
            account.check_requester(from.as_deref())?;
            return Err(e);
        }
    };
    let user = account.create_user(from.as_deref(), &body)?;
    if lag_ms > 0 {
        let listable_at = Instant::now() + Duration::from_millis(lag_ms);
        lock(&shared.lag).created(user.id.as_str(), listable_at);
    }
    drop(account);
    Ok(json(StatusCode::CREATED, UserEnvelope { user }))
}

async fn update_user(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer {
    let body = json_body(&headers, &bytes)?.unwrap_or(Value::Null);
    let key = shared.api_key(&headers);
    let mut account = lock(&shared.account);
    if account.sets_role(&id, &body) {
        account.require_key_may(key.as_deref(), KeyWrite::Users)?;
    }
    let user = account.update_user(&id, &body)?;
    drop(account);
    Ok(json(StatusCode::OK, UserEnvelope { user }))
}

async fn delete_user(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Answer {
    let key = shared.api_key(&headers);
    let mut account = lock(&shared.account);
    account.require_key_may(key.as_deref(), KeyWrite::Users)?;
    account.delete_user(&id)?;
    drop(account);
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
    Path((team_id, user_id)): Path<(TeamId, UserId)>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer {
    let body = json_body(&headers, &bytes)?;
    let key = shared.api_key(&headers);
    let mut account = lock(&shared.account);
    account.require_key_may(key.as_deref(), KeyWrite::TeamRoles)?;
    account.set_membership(&team_id, &user_id, body.as_ref())?;
    drop(account);
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn remove_membership(
    State(shared): State<Arc<Shared>>,
    Path((team_id, user_id)): Path<(TeamId, UserId)>,
    headers: HeaderMap,
) -> Answer {
    let key = shared.api_key(&headers);
    let mut account = lock(&shared.account);
    account.require_key_may(key.as_deref(), KeyWrite::TeamRoles)?;
    account.remove_membership(&team_id, &user_id)?;
    drop(account);
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
