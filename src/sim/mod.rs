//! A PagerDuty REST API v2 simulator, for tests, `hr2pagerduty sandbox` and
//! `hr2pagerduty demo`.
//!
//! It serves the user and team endpoints hr2pagerduty uses on `127.0.0.1`, keeps an account
//! in memory, and applies PagerDuty's documented rules; where the simulator and PagerDuty's
//! documentation could disagree, the documentation wins. The facts cited as F1…F37 and §n
//! are in `../shared/reference/PAGERDUTY_API.md`; S-numbers are that file's sources. It
//! shares only [`crate::pagerduty::models`] and [`crate::vocab`] (roles, time zones) with
//! the rest of the crate.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use hr2pagerduty::sim::{self, Fault, FaultKind, Seed};
//! let seed = Seed::from_json(r#"{"api_keys": ["k"], "users": [
//!     {"name": "Bot", "email": "bot@example.com", "role": "admin"}]}"#).unwrap();
//! let sim = sim::start(seed, 0).await?;            // any free port
//! sim.inject(Fault::new("POST", "/users", FaultKind::status(503)));
//! // ... point a client at sim.url() ...
//! sim.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! # Endpoints
//! All bodies are JSON, wrapped as PagerDuty wraps them (`{"user": {...}}`, S12).
//!
//! | Request | Success | Notes |
//! |---|---|---|
//! | `GET /users` | 200 `{users, limit, offset, more, total}` | `query` (case-insensitive substring of name or email, F33), `team_ids[]`, `include[]=teams` (full team objects instead of references), pagination |
//! | `POST /users` | 201 `{user}` | `From` required (below); invitation pending |
//! | `GET /users/{id}` | 200 `{user}` | `include[]=teams` |
//! | `PUT /users/{id}` | 200 `{user}` | partial update (F34): only the fields sent change, read-only and unknown fields are ignored; explicit `null` clears `time_zone`, `job_title`, `description` |
//! | `DELETE /users/{id}` | 204 | also removes the user's team memberships |
//! | `GET /teams` | 200 `{teams, limit, offset, more, total}` | `query` (case-insensitive substring of the name), pagination |
//! | `GET /teams/{id}` | 200 `{team}` | |
//! | `GET /teams/{id}/members` | 200 `{members: [{user, role}], limit, offset, more, total}` | `user` is a `user_reference` |
//! | `PUT /teams/{id}/users/{user_id}` | 204 | optional body `{"role": "observer"\|"responder"\|"manager"}`; adds or changes the role |
//! | `DELETE /teams/{id}/users/{user_id}` | 204 | also when the user was not a member (Inf) |
//!
//! Any other path: 404 with code 2100.
//!
//! # Rules
//! - **Authentication** (F3): `Authorization: Token token=<key>` exactly; anything else, or a
//!   key not in the seed's `api_keys` (when it lists any), → 401 `{"error":{"code":2006,
//!   "message":"Authentication failed"}}`. Other headers (`Accept`, F4) are not checked.
//! - **Content type** (F5): a non-empty POST/PUT body must be sent as `application/json`,
//!   otherwise 400/2001 (Inf: the docs require the header but do not give the error).
//! - **`From` on `POST /users`** (F6, F7): missing → 400, code 2016, "You must specify a
//!   user's email address in the "From" header to perform this action" (code as observed,
//!   S31); not an email → 400, code 1028, "Malformed "From" header"; a well-formed email of
//!   no user in the account → 400, code 1008 "Requester User Not Found" (the spec requires
//!   "a valid user associated with the account"; the error is undocumented, so the closest
//!   code on PagerDuty's list is used, Inf). Emails compare case-insensitively. The `From`
//!   user's role is not checked.
//! - **Validation** → 400, code 2001 "Invalid Input Provided", every problem in `errors[]`:
//!   name required, ≤ 100 characters after trimming and collapsing runs of whitespace (§3.1);
//!   email required, email-shaped, 6–100 characters, unique case-insensitively (duplicate:
//!   `"Email has already been taken"`, F31), stored lower-cased (F33); role in the 8-value
//!   enum (F13), default `user` (F14), never `owner` (F15); `time_zone` one of the 135
//!   accepted zones, else "Time zone is not a valid tzinfo identifier" (F19), unset → shown
//!   as the account's zone; `job_title` ≤ 100 (F18); description kept verbatim. Type errors
//!   (e.g. a number for `name`) → 400/2001 with serde's message.
//! - **Teams** (F17, §5.1): team role outside the enum, or a stakeholder base role
//!   (`read_only_user`, `read_only_limited_user`), → 400/2001. Without a role the member gets
//!   the default for its base role: observer (observer, restricted_access), responder
//!   (limited_user), manager (user, admin, owner). Changing a team member's base role to a
//!   stakeholder role → 400/2001 (Inf: keeps F17's invariant; remove memberships first).
//! - **Not found**: unknown user → 404/2100 "Not Found"; unknown team → 404/6001 "Team Not
//!   Found" (the team is checked first on membership routes).
//! - **Account owner** (F15, §4.2, §4.3): the seeded user with role `owner` (at most one)
//!   cannot be updated (`PUT` → 403/2010 "Access Denied") or deleted (`DELETE` → 403/2010).
//! - **IDs**: `P` + 6 characters of `0-9A-Z`, deterministic for a given seed and request
//!   sequence, never reused after deletion (F24). `self` URLs point at the simulator
//!   (`http://127.0.0.1:PORT/users/ID`); `html_url`s at `https://SUBDOMAIN.pagerduty.com/...`.
//! - **Order**: users by name (case-insensitive), then ID; teams likewise; team members by
//!   user name, then user ID. A user's `teams` by team name.
//! - **Pagination** (F9, F10, S8): see [`paging`]: `limit` default 25, clamped to 100;
//!   `offset + limit > 10000` → 400 code 2002; `total` null unless `total=true`.
//! - **Rate limit** (F27–F29, S7): a fixed window per API key, by default 960 requests per
//!   60 seconds (seed `rate_limit`, or [`SimHandle::set_rate_limit`]). Every authenticated
//!   response carries `ratelimit-limit`, `ratelimit-remaining` and `ratelimit-reset` (whole
//!   seconds until the window resets, rounded up). Over budget → 429 `{"error":{"message":
//!   "Rate Limit Exceeded","code":2020}}`; a refused request does not use budget. No
//!   `Retry-After`. 401 answers are not counted.
//!
//! Not modelled: licences, contact methods and notification rules (users carry none),
//! abilities (402), incidents blocking deletion (F22), escalation policies blocking team
//! removal (F32; inject a fault instead), the `From` user's permissions, the restriction of
//! fixed base roles to their default team role.
//!
//! # Request pipeline
//! Every request is (1) recorded ([`SimHandle::requests`]; POST/PUT/DELETE also counted by
//! [`SimHandle::write_count`]), (2) authenticated, (3) counted against its key's budget,
//! (4) offered to the faults (the first due fault applies; see [`faults`]), (5) handled.
//!
//! # Seed format
//! JSON; every top-level field is optional and unknown fields are errors:
//!
//! ```json
//! {
//!   "api_keys": ["demo-key"],
//!   "rate_limit": {"requests": 960, "window_seconds": 60},
//!   "subdomain": "acme",
//!   "time_zone": "Etc/UTC",
//!   "teams": [
//!     {"id": "PTEAM01", "name": "IT Operations", "description": "On call", "default_role": "manager"}
//!   ],
//!   "users": [
//!     {"name": "Olive Owner", "email": "owner@example.com", "role": "owner"},
//!     {"id": "PBOT001", "name": "Provisioning Bot", "email": "bot@example.com", "role": "admin",
//!      "time_zone": "Europe/London", "job_title": "Bot", "description": "bio", "color": "green",
//!      "teams": [{"team": "IT Operations", "role": "manager"}]}
//!   ],
//!   "faults": [
//!     {"method": "POST", "path": "/users", "skip": 1, "times": 1, "kind": {"type": "status", "status": 503}}
//!   ]
//! }
//! ```
//!
//! - `api_keys`: accepted keys; empty or absent → any non-empty key is accepted (each key
//!   still has its own budget).
//! - `rate_limit.requests` (alias `requests_per_minute`, default 960) per
//!   `rate_limit.window_seconds` (default 60, at least 1).
//! - `subdomain` (default `sim`): used in `html_url`s. `time_zone` (default `Etc/UTC`): the
//!   account's zone, one of the 135.
//! - `teams[]`: `name` (required, unique case-insensitively, ≤ 100), `id` (optional, `P` + 6
//!   of `0-9A-Z`), `description` (≤ 1024), `default_role` (`manager`, the default, or
//!   `none`).
//! - `users[]`: `name`, `email` (required), `id`, `role` (default `user`; `owner` allowed
//!   for one user), `time_zone`, `job_title`, `description`, `color`, and `teams[]` of
//!   `{"team": NAME_OR_ID, "role": TEAM_ROLE?}`. The same rules as `POST /users` apply.
//!   Seeded users have no pending invitation.
//! - `faults[]`: [`Fault`]s in JSON form: `method`, `path`, `skip` (default 0), `times`
//!   (default 1; `null` = every later match) and `kind` tagged by `type`: `status`
//!   (`status`, optional `code`, `message`, `errors`), `rate_limited` (`reset_seconds`),
//!   `bare_rate_limit`, `delay` (`ms`), `drop`, `apply_then_fail` (`status`, default 500),
//!   `apply_then_drop`, `account_lock`, `end_early`, `repeat_page`, `empty_page`.
//!
//! A small example is `fixtures/sim/basic.json`.

mod clock;
mod contacts;
mod error;
pub mod faults;
mod http;
mod idgen;
mod incidents;
mod licenses;
mod links;
mod load;
mod oncall;
pub mod paging;
mod ratelimit;
mod routes;
mod seed;
mod shape;
mod state;

pub use error::SimError;
pub use faults::{Fault, FaultKind};
pub use ratelimit::{DEFAULT_REQUESTS, DEFAULT_WINDOW_SECONDS};
pub use seed::{
    DEFAULT_ABILITIES, RateLimitSeed, Seed, SeedApiKey, SeedAssignment, SeedContactMethod,
    SeedEscalationPolicy, SeedEscalationRule, SeedIncident, SeedLayerUser, SeedLicense,
    SeedMembership, SeedNotificationRule, SeedReference, SeedSchedule, SeedScheduleEntry,
    SeedScheduleLayer, SeedSubSchedule, SeedTeam, SeedTime, SeedUser, SeedUserKey,
};

use crate::pagerduty::models::{Team, TeamMember, User};
use http::{Shared, lock};
use state::{Account, Includes, UserFilter};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// One request the simulator received. Never holds the `Authorization` header.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRequest {
    /// HTTP method, e.g. `POST`.
    pub method: String,
    /// Path without the query, e.g. `/teams/PTEAM01/users/PBOT001`.
    pub path: String,
    /// Raw query string without `?` (still percent-encoded), `""` when none.
    pub query: String,
    /// Status answered; 0 while the request is in flight or when the connection was closed
    /// without an answer (`drop` faults).
    pub status: u16,
    /// The `From` header, if sent.
    pub from: Option<String>,
    /// The body parsed as JSON; a non-JSON body as a JSON string; `None` when empty.
    pub body: Option<serde_json::Value>,
}

/// Starts a simulator for `seed` on `127.0.0.1:port` (`port` 0 picks a free port) and serves
/// it in a tokio task until [`SimHandle::shutdown`] (or the end of the runtime).
///
/// # Errors
/// `InvalidInput` when the seed breaks a rule (the message lists every problem, as
/// [`Seed::validate`]); otherwise the error of binding the port.
pub async fn start(seed: Seed, port: u16) -> std::io::Result<SimHandle> {
    let invalid =
        |e: SimError| std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string());
    let mut account = Account::from_seed(&seed, "").map_err(invalid)?;
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?;
    let addr = listener.local_addr()?;
    account.set_api_base(&format!("http://{addr}"));

    let mut faults = faults::FaultBook::default();
    for fault in seed.faults {
        faults.add(fault);
    }
    let limiter =
        ratelimit::RateLimiter::new(seed.rate_limit.requests, seed.rate_limit.window_seconds);
    let (stop, stopped) = watch::channel(false);
    let keys = seed.api_keys.iter().map(|k| k.key().to_string()).collect();
    let shared = Arc::new(Shared::new(account, faults, limiter, keys, stopped.clone()));
    let task = tokio::spawn(http::serve(listener, http::router(shared.clone()), stopped));
    Ok(SimHandle {
        inner: Arc::new(Inner {
            addr,
            shared,
            stop,
            task: Mutex::new(Some(task)),
        }),
    })
}

/// A running simulator. Cloning gives another handle to the same simulator.
#[derive(Clone)]
pub struct SimHandle {
    inner: Arc<Inner>,
}

struct Inner {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for SimHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimHandle")
            .field("url", &self.url())
            .finish_non_exhaustive()
    }
}

impl SimHandle {
    /// The base URL, `http://127.0.0.1:PORT` (no trailing slash).
    pub fn url(&self) -> String {
        format!("http://{}", self.inner.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.inner.addr
    }

    /// Every request received so far, in order of arrival.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.inner.shared.log).clone()
    }

    /// Number of POST, PUT and DELETE requests received, whatever their answer (including
    /// 401, 429, injected faults and dropped connections).
    pub fn write_count(&self) -> usize {
        self.inner.shared.writes.load(Ordering::SeqCst)
    }

    /// The current users in API order (name, then ID), each with team references.
    pub fn users(&self) -> Vec<User> {
        lock(&self.inner.shared.account).list_users(&UserFilter::default(), Includes::default())
    }

    /// The user with this email (compared case-insensitively), if any.
    pub fn user_by_email(&self, email: &str) -> Option<User> {
        lock(&self.inner.shared.account).user_by_email(email)
    }

    /// The current teams in API order (name, then ID).
    pub fn teams(&self) -> Vec<Team> {
        lock(&self.inner.shared.account).list_teams(None)
    }

    /// The members of a team with their team roles, in API order; empty for an unknown team.
    pub fn team_members(&self, team_id: &str) -> Vec<TeamMember> {
        lock(&self.inner.shared.account)
            .team_members(team_id)
            .unwrap_or_default()
    }

    /// Freezes the simulator's clock at `now` (what `GET /oncalls`, `GET /incidents` and new
    /// licence allocations take as the current time), as the seed's `now` does.
    pub fn set_clock(&self, now: chrono::DateTime<chrono::Utc>) {
        lock(&self.inner.shared.account).set_clock(now);
    }

    /// Adds a fault after those already present (earlier faults win when several are due).
    ///
    /// # Panics
    /// When the fault is malformed (see [`Fault::validate`]): a bug in the calling test.
    pub fn inject(&self, fault: Fault) {
        if let Err(e) = fault.validate() {
            panic!("invalid fault {fault:?}: {e}");
        }
        lock(&self.inner.shared.faults).add(fault);
    }

    /// Removes every fault, including those from the seed.
    pub fn clear_faults(&self) {
        lock(&self.inner.shared.faults).clear();
    }

    /// Sets the budget to `requests` per `window_seconds` seconds (0 is treated as 1) for
    /// every key, and starts every key's window afresh.
    pub fn set_rate_limit(&self, requests: u32, window_seconds: u64) {
        lock(&self.inner.shared.limiter).reconfigure(requests, window_seconds.max(1));
    }

    /// Stops accepting, closes every open connection (in-flight requests get no answer) and
    /// waits for the server task to end. Other clones of the handle stay usable for
    /// inspection.
    pub async fn shutdown(self) {
        let _ = self.inner.stop.send(true);
        let task = lock(&self.inner.task).take();
        if let Some(task) = task {
            let _ = task.await;
        }
    }
}
