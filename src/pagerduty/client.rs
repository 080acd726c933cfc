//! [`Client`]: the typed PagerDuty calls hr2pagerduty makes, over the one request layer.

use super::error::ApiError;
use super::models::licenses::{
    AbilitiesList, LicenseAllocationsPage, LicenseWithCounts, LicensesList,
};
use super::models::{
    Team, TeamMember, TeamMembersPage, TeamMembershipRequest, TeamRole, TeamsPage,
    UpdateUserRequest, User, UserEnvelope, UserUpdate, UsersPage,
};
use super::pagination::{self, Listing, OFFSET_CEILING, PAGE_LIMIT, collect};
use super::partition;
use super::retry::RetryPolicy;
use super::throttle::{ClientStats, Limits, Throttle};
use super::transport::{NotFound, Reply, Request, Transport};
use crate::email::Email;
use crate::ids::{LicenseId, TeamId, UserId};
use crate::words::plural;
use reqwest::header::HeaderValue;
use reqwest::{Method, Url};
use secrecy::{ExposeSecret, SecretString};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// How to reach PagerDuty and how hard to push it, field by field: the client knows
/// nothing of the configuration file (the commands fill this from `[pagerduty]` and the
/// resolved connection; tests fill it directly).
///
/// `Debug` shows the key as `[REDACTED]` (secrecy).
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Base URL without a trailing slash: `https://api.pagerduty.com` (US, fact F1),
    /// `https://api.eu.pagerduty.com` (EU, fact F2), or a local simulator
    /// (`http://127.0.0.1:PORT`).
    pub base_url: String,
    /// The REST API key, sent as `Authorization: Token token=<key>` (fact F3).
    pub api_key: SecretString,
    /// Email of a user in the account, sent as `From` on `POST /users` (fact F6).
    pub from: Email,
    /// Shared budget in requests per minute (PagerDuty allows 960 per key, fact F27). The
    /// limiter runs at this rate, or lower when the server advertises less: `ratelimit-limit`
    /// minus the burst per window, re-read from every user and team answer (see
    /// `budget.rs`). May be above 960 (a simulator with a larger budget); a warning is
    /// logged unless the server advertises as much.
    pub requests_per_minute: u32,
    /// Requests the limiter lets out back to back after a quiet spell (at most a tenth of
    /// an advertised `ratelimit-limit`).
    pub burst: u32,
    /// Requests in flight at most. The cap in force follows Little's law (rate × measured
    /// latency, plus a margin) up to this value; the limiter, not this cap, keeps the key
    /// under its rate.
    pub concurrency: usize,
    /// Overlapping `POST /users` at most: the ceiling of the create limit, which starts at 4
    /// (or this, when lower), grows by one after as many successful creates as the limit (up
    /// to this and to the in-flight target), and halves when PagerDuty's transient "account
    /// could not be locked" (fact F30) is frequent: more than a quarter of the last 32 create
    /// answers. The commands fill it from `[pagerduty] create_concurrency`, whose default
    /// and its reason are `config::DEFAULT_CREATE_CONCURRENCY` (the client has none of its
    /// own: it imports nothing of the configuration).
    pub create_concurrency: usize,
    /// Time the whole run may spend paused by 429s (wall clock, counted once however many
    /// requests wait). A 429 is waited out (`ratelimit-reset`, fact F28) whatever the
    /// request's attempts; once this is spent, a 429 fails its request with
    /// [`StopReason::RateLimitWaitExhausted`](super::StopReason::RateLimitWaitExhausted).
    /// Default [`DEFAULT_RATE_LIMIT_WAIT`](super::DEFAULT_RATE_LIMIT_WAIT) (600 s).
    pub rate_limit_wait: Duration,
    /// Time allowed for one HTTP request (connect, send, read the answer).
    pub request_timeout: Duration,
    /// Retry bounds; see [`RetryPolicy`].
    pub retry: RetryPolicy,
}

/// The result of a write: the value, the attempts it took (1 = no retry), and whether it
/// was *recovered*: the value comes from a look-up, not from the write's answer (an
/// attempt's outcome was unknown and a later check showed it had taken effect, so it was
/// not sent again; or, for a create, the email was already taken and its holder was found).
#[derive(Debug, Clone, PartialEq)]
pub struct Sent<T> {
    /// The answer (the created or updated user; `()` for answers without a body).
    pub value: T,
    /// Attempts of the write, including the first.
    pub attempts: u32,
    /// The value was found by a look-up: the write took effect on an attempt whose answer
    /// was lost, or (a create) the email's holder already existed.
    pub recovered: bool,
    /// (A create) PagerDuty refused the `POST` because the email was taken (fact F31) and
    /// `value` is the user that already held it: this request created nothing, so
    /// PagerDuty sent no invitation for it. `false` for a write that took effect.
    pub existed: bool,
}

impl<T> Sent<T> {
    /// The result of a write with a look-up: PagerDuty's answer decoded as the envelope `E`
    /// and unwrapped by `value`, or the value the look-up found (`recovered: true`).
    ///
    /// # Errors
    /// [`ApiError::Decode`] when the answer is not an `E`.
    fn from_reply<E: serde::de::DeserializeOwned>(
        reply: Reply<T>,
        value: impl FnOnce(E) -> T,
    ) -> Result<Sent<T>, ApiError> {
        Ok(match reply {
            Reply::Answer(ex) => Sent {
                value: value(ex.decode::<E>()?),
                attempts: ex.attempts,
                recovered: false,
                existed: false,
            },
            Reply::Recovered { value, attempts } => Sent {
                value,
                attempts,
                recovered: true,
                existed: false,
            },
        })
    }
}

/// The PagerDuty REST API v2 client. Cheap to clone; every clone shares one rate limiter,
/// one in-flight cap, one create cap, one 429 pause gate and one set of counters, so the
/// whole process stays within one key's budget.
///
/// All async methods take `&self` and are cancel-safe for the client: dropping a future
/// frees its in-flight slot and leaves the limiter and counters consistent. A cancelled
/// write may or may not have reached PagerDuty (as with a crash); the next listing shows
/// which.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Transport>,
    cfg: Arc<Settings>,
}

/// The non-secret settings kept for `Debug`.
#[derive(Debug)]
struct Settings {
    from: Email,
    requests_per_minute: u32,
    burst: u32,
    concurrency: usize,
    create_concurrency: usize,
    rate_limit_wait: Duration,
    request_timeout: Duration,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base().as_str())
            .field("api_key", &"[REDACTED]")
            .field("from", &self.cfg.from)
            .field("requests_per_minute", &self.cfg.requests_per_minute)
            .field("burst", &self.cfg.burst)
            .field("concurrency", &self.cfg.concurrency)
            .field("create_concurrency", &self.cfg.create_concurrency)
            .field("rate_limit_wait", &self.cfg.rate_limit_wait)
            .field("request_timeout", &self.cfg.request_timeout)
            .field("retry", self.inner.policy())
            .finish()
    }
}

impl Client {
    /// Builds the client and its shared limiter.
    ///
    /// # Errors
    /// [`ApiError::Config`] when the base URL is not an `http`/`https` URL, the key is
    /// empty or not a valid header value, `from` is not a valid header value, a rate, burst,
    /// concurrency or create concurrency is zero, the timeout is zero, or
    /// `retry.max_attempts` is zero. The message never contains the key.
    pub fn new(cfg: ClientConfig) -> Result<Client, ApiError> {
        let base = Url::parse(cfg.base_url.trim_end_matches('/'))
            .map_err(|e| ApiError::Config(format!("base URL {:?}: {e}", cfg.base_url)))?;
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            return Err(ApiError::Config(format!(
                "base URL {:?} is not an http(s) URL",
                cfg.base_url
            )));
        }
        let key = cfg.api_key.expose_secret().trim();
        if key.is_empty() {
            return Err(ApiError::Config("the API key is empty".into()));
        }
        let mut auth = HeaderValue::from_str(&format!("Token token={key}")).map_err(|_| {
            ApiError::Config("the API key contains characters not allowed in a header".into())
        })?;
        auth.set_sensitive(true);
        let from = HeaderValue::from_str(cfg.from.as_str()).map_err(|_| {
            ApiError::Config(format!(
                "From email {:?} is not a valid header",
                cfg.from.as_str()
            ))
        })?;
        if cfg.request_timeout.is_zero() {
            return Err(ApiError::Config(
                "request_timeout must be above zero".into(),
            ));
        }
        if cfg.retry.max_attempts == 0 {
            return Err(ApiError::Config(
                "retry.max_attempts must be at least 1".into(),
            ));
        }
        let throttle = Throttle::new(Limits {
            requests_per_minute: cfg.requests_per_minute,
            burst: cfg.burst,
            concurrency: cfg.concurrency,
            create_concurrency: cfg.create_concurrency,
            rate_limit_wait: cfg.rate_limit_wait,
            create_cooldown: cfg.retry.min_delay,
        })?;
        let transport = Transport::new(base, auth, from, cfg.request_timeout, throttle, cfg.retry)?;
        Ok(Client {
            inner: Arc::new(transport),
            cfg: Arc::new(Settings {
                from: cfg.from,
                requests_per_minute: cfg.requests_per_minute,
                burst: cfg.burst,
                concurrency: cfg.concurrency,
                create_concurrency: cfg.create_concurrency,
                rate_limit_wait: cfg.rate_limit_wait,
                request_timeout: cfg.request_timeout,
            }),
        })
    }

    /// Every user of the account: `GET /users?include[]=teams&limit=100&offset=0&total=true`,
    /// then, once that page gives `total`, every other page at once (paced by the shared
    /// limiter and in-flight cap). Above PagerDuty's 10,000-item offset ceiling (fact F10)
    /// the listing is partitioned with `query` and `team_ids[]` filters and is complete when
    /// the distinct users seen equal the unfiltered `total` (see `partition` in the module
    /// docs of [`crate::pagerduty`]). `progress(fetched_so_far, total)` runs after each page
    /// (`total` is `None` when PagerDuty does not report it).
    ///
    /// # Errors
    /// [`ApiError::IncompleteListing`] when the listing cannot be proven complete (a check
    /// of the paginator failed, PagerDuty answered a page with its offset-ceiling 400 code
    /// 2002, or partitioning could not reach every user); any request error.
    pub async fn list_users(
        &self,
        progress: &(dyn Fn(usize, Option<u64>) + Send + Sync),
    ) -> Result<Vec<User>, ApiError> {
        let listing = Listing::new("users", &["users"], &[("include[]", "teams".to_string())]);
        let first = listing
            .page::<UsersPage>(&self.inner, 0, PAGE_LIMIT)
            .await?;
        match first.meta.total {
            Some(total) if total > u64::from(OFFSET_CEILING) => {
                partition::list_users(&self.inner, &listing, first, total, progress).await
            }
            _ => {
                pagination::collect_after::<UsersPage>(&self.inner, &listing, first, progress).await
            }
        }
    }

    /// Every team: `GET /teams?limit=100&offset=…&total=true`.
    ///
    /// # Errors
    /// As [`Client::list_users`]; more than 10,000 teams is
    /// [`IncompleteReason::OffsetCeiling`](super::IncompleteReason::OffsetCeiling).
    pub async fn list_teams(&self) -> Result<Vec<Team>, ApiError> {
        let listing = Listing::new("teams", &["teams"], &[]);
        collect::<TeamsPage>(&self.inner, &listing, &|_, _| {}).await
    }

    /// Every member of a team with their team role:
    /// `GET /teams/{id}/members?limit=100&offset=…&total=true`.
    ///
    /// # Errors
    /// As [`Client::list_teams`]; a missing team is [`ApiError::Status`] 404.
    pub async fn list_team_members(&self, team_id: &TeamId) -> Result<Vec<TeamMember>, ApiError> {
        let listing = Listing::new(
            &format!("members of team {team_id}"),
            &["teams", team_id.as_str(), "members"],
            &[],
        );
        collect::<TeamMembersPage>(&self.inner, &listing, &|_, _| {}).await
    }

    /// The user whose email equals `email`: `GET /users?query=<email>&include[]=teams`
    /// (every page), then an exact compare of [`Email::normalise`]d addresses on the client,
    /// since `query` also matches other users (fact F33, §2 of `PAGERDUTY_API.md`).
    ///
    /// # Errors
    /// As [`Client::list_users`].
    pub async fn find_user_by_email(&self, email: &Email) -> Result<Option<User>, ApiError> {
        let listing = Listing::new(
            &format!("users matching {email}"),
            &["users"],
            &[
                ("query", email.as_str().to_string()),
                ("include[]", "teams".to_string()),
            ],
        );
        let users = collect::<UsersPage>(&self.inner, &listing, &|_, _| {}).await?;
        Ok(users
            .into_iter()
            .find(|u| Email::normalise(&u.email) == *email))
    }

    /// One user with their teams: `GET /users/{id}?include[]=teams`; `None` on 404 (a
    /// deleted user, fact F24).
    ///
    /// # Errors
    /// Any request error other than 404; [`ApiError::Decode`] for an unexpected body.
    pub async fn get_user(&self, id: &UserId) -> Result<Option<User>, ApiError> {
        let mut req =
            Request::new(Method::GET, &["users", id.as_str()]).query("include[]", "teams");
        req.not_found = NotFound::Answer;
        let ex = self.inner.send(&req).await?;
        if ex.status == 404 {
            return Ok(None);
        }
        Ok(Some(ex.decode::<UserEnvelope>()?.user))
    }

    /// Stops this client and every clone of it from sending: from now on a request not yet
    /// on the wire fails with [`ApiError::Stopped`], and a wait for a 429 pause, the
    /// limiter or a retry's backoff ends at once; a request on the wire finishes. Called
    /// when the run's `--max-runtime` runs out, or a signal's grace period ends.
    pub fn stop_sending(&self) {
        self.inner.stop_sending();
    }

    /// Stops every action that has sent nothing from sending: from now on the first
    /// request of an action run in [`in_action`](super::in_action), waiting at any gate
    /// (the in-flight cap, the create limit, a 429 pause, the limiter) or not yet there,
    /// fails with [`ApiError::Stopped`] and no attempt; the requests of actions already
    /// under way go on. Called when the run halts, for any reason.
    pub fn stop_new_actions(&self) {
        self.inner.stop_new_actions();
    }

    /// The web URL of one user of the account (`GET /users?limit=1`, the first user's
    /// `html_url`, e.g. `https://acme.pagerduty.com/users/PXXXXXX`): it names the account
    /// whatever API URL or key reached it. `None` when the account shows no user or the
    /// user carries no `html_url`.
    ///
    /// # Errors
    /// Any request error; [`ApiError::Decode`] for an unexpected body.
    pub async fn account_web_url(&self) -> Result<Option<String>, ApiError> {
        let req = Request::new(Method::GET, &["users"]).query("limit", "1");
        let ex = self.inner.send(&req).await?;
        let page = ex.decode::<UsersPage>()?;
        Ok(page.users.into_iter().find_map(|u| u.html_url))
    }

    /// The account's licences with their counts: `GET /licenses` (not paginated, §3.5 of
    /// `PAGERDUTY_API.md`). An account without licences answers an empty list; a 402 (the
    /// account lacks the ability), 403 or 404 is read as "no licences" too, so that the
    /// licence checks never stop an account that cannot list them.
    ///
    /// # Errors
    /// Any other request error; [`ApiError::Decode`] for an unexpected body.
    pub async fn list_licenses(&self) -> Result<Vec<LicenseWithCounts>, ApiError> {
        let mut req = Request::new(Method::GET, &["licenses"]);
        req.not_found = NotFound::Answer;
        match self.inner.send(&req).await {
            Ok(ex) if ex.status == 404 => Ok(Vec::new()),
            Ok(ex) => Ok(ex.decode::<LicensesList>()?.licenses),
            Err(e) if matches!(e.status(), Some(402 | 403)) => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    /// Who holds which licence: `GET /license_allocations?limit=100&offset=…&total=true`,
    /// every page (§3.5), as user ID → licence ID.
    ///
    /// # Errors
    /// As [`Client::list_users`].
    pub async fn list_license_holders(&self) -> Result<BTreeMap<UserId, LicenseId>, ApiError> {
        let listing = Listing::new("license allocations", &["license_allocations"], &[]);
        let all = collect::<LicenseAllocationsPage>(&self.inner, &listing, &|_, _| {}).await?;
        Ok(all.into_iter().map(|a| (a.user.id, a.license.id)).collect())
    }

    /// Changes a user: `PUT /users/{id}` with `{"user": {...}}` holding only the fields of
    /// `update` that are `Some` (a partial update, fact F34): an unchanged role or a licence
    /// that is not set is never sent. A role or licence change takes a licence allocation,
    /// so PagerDuty's transient "account could not be locked" (fact F30) is retried here
    /// too; "License is not available" is not (§3.5).
    ///
    /// # Errors
    /// [`ApiError::Status`] (404 for a missing user, 403 for the Account Owner, fact F15).
    pub async fn update_user(
        &self,
        id: &UserId,
        update: &UserUpdate,
    ) -> Result<Sent<User>, ApiError> {
        let mut req = Request::new(Method::PUT, &["users", id.as_str()]).json(&UpdateUserRequest {
            user: update.clone(),
        });
        req.account_lock_retryable = true;
        let ex = self.inner.send(&req).await?;
        Ok(Sent {
            value: ex.decode::<UserEnvelope>()?.user,
            attempts: ex.attempts,
            recovered: false,
            existed: false,
        })
    }

    /// Adds a user to a team or changes their team role: `PUT /teams/{id}/users/{user_id}`
    /// with `{"role": "<role>"}`, always explicit (fact F17, §5.1).
    ///
    /// # Errors
    /// [`ApiError::Status`], e.g. 400 for a stakeholder user (fact F17), 404.
    pub async fn set_team_role(
        &self,
        team_id: &TeamId,
        user_id: &UserId,
        role: &TeamRole,
    ) -> Result<Sent<()>, ApiError> {
        let req = Request::new(
            Method::PUT,
            &["teams", team_id.as_str(), "users", user_id.as_str()],
        )
        .json(&TeamMembershipRequest { role: role.clone() });
        let ex = self.inner.send(&req).await?;
        Ok(Sent {
            value: (),
            attempts: ex.attempts,
            recovered: false,
            existed: false,
        })
    }

    /// Removes a user from a team: `DELETE /teams/{id}/users/{user_id}`. A 404 after an
    /// attempt whose outcome was unknown counts as done (`recovered: true`).
    ///
    /// # Errors
    /// [`ApiError::Status`], e.g. 400 when the user is on an escalation policy of the team
    /// (fact F32).
    pub async fn remove_from_team(
        &self,
        team_id: &TeamId,
        user_id: &UserId,
    ) -> Result<Sent<()>, ApiError> {
        self.delete(&["teams", team_id.as_str(), "users", user_id.as_str()])
            .await
    }

    /// Deletes a user: `DELETE /users/{id}` (PagerDuty has no deactivation, fact F21). A
    /// 404 after an attempt whose outcome was unknown counts as done (`recovered: true`).
    ///
    /// # Errors
    /// [`ApiError::Status`], e.g. 400 for a user with assigned incidents (fact F22), 404.
    pub async fn delete_user(&self, id: &UserId) -> Result<Sent<()>, ApiError> {
        self.delete(&["users", id.as_str()]).await
    }

    /// The user owning the API key: `GET /users/me`, the one reader of that endpoint (the
    /// planner's key owner and `doctor`'s key check both come from here). PagerDuty answers
    /// 400 for an account-level key, which belongs to no user (OpenAPI `getCurrentUser`:
    /// "This will not work if the request is made with an account-level access token"; its
    /// answers are 200, 400 and 429 only; §2 of `PAGERDUTY_API.md`: `GET /users/me`
    /// exists for user-level tokens), so a 400 is [`KeyOwner::Account`] rather than an
    /// error. A 404 is not among the documented answers, so it is not read as any kind of
    /// key: it is an error (a wrong API URL answers 404 too, and `observe` hints at that).
    ///
    /// # Errors
    /// Any other request error (401 for a rejected key, [`ApiError::Status`] for a 404);
    /// [`ApiError::Decode`] for an unexpected body.
    pub async fn key_owner(&self) -> Result<KeyOwner, ApiError> {
        let req = Request::new(Method::GET, &["users", "me"]);
        match self.inner.send(&req).await {
            Ok(ex) => Ok(KeyOwner::User(Box::new(ex.decode::<UserEnvelope>()?.user))),
            Err(ApiError::Status { status: 400, .. }) => Ok(KeyOwner::Account),
            Err(e) => Err(e),
        }
    }

    /// The account's abilities by name (`teams`, `read_only_users`, ...): `GET /abilities`
    /// (OpenAPI `listAbilities`, not paginated).
    ///
    /// # Errors
    /// Any request error; [`ApiError::Decode`] for an unexpected body.
    pub async fn abilities(&self) -> Result<Vec<String>, ApiError> {
        let ex = self
            .inner
            .send(&Request::new(Method::GET, &["abilities"]))
            .await?;
        Ok(ex.decode::<AbilitiesList>()?.abilities)
    }

    async fn delete(&self, segments: &[&str]) -> Result<Sent<()>, ApiError> {
        let mut req = Request::new(Method::DELETE, segments);
        req.not_found = NotFound::AnswerAfterUnknown;
        let ex = self.inner.send(&req).await?;
        let recovered = ex.status == 404 && ex.after_unknown;
        if recovered {
            self.inner.throttle.count_recovered();
        }
        Ok(Sent {
            value: (),
            attempts: ex.attempts,
            recovered,
            existed: false,
        })
    }

    /// The request layer's counters so far (shared by all clones).
    pub fn stats(&self) -> ClientStats {
        self.inner.throttle.stats()
    }
}

/// Whom an API key belongs to, as [`Client::key_owner`] finds out.
#[derive(Debug, Clone, PartialEq)]
pub enum KeyOwner {
    /// A user-level key: PagerDuty acts as this user (fact F8: such a key already names a
    /// user, so the `From` header is not what PagerDuty records).
    User(Box<User>),
    /// An account-level key (`GET /users/me` answered 400): writes that need a user name
    /// one in `From` (facts F6, F8).
    Account,
}

/// How a filtered listing is named in errors: `on-calls of 3 users`, `escalation policies
/// of team PT1`.
fn listing_name(what: &str, users: usize, teams: &[TeamId]) -> String {
    let mut of = Vec::new();
    if users > 0 {
        of.push(format!("{users} user{}", plural(users, "", "s")));
    }
    of.extend(teams.iter().map(|t| format!("team {t}")));
    if of.is_empty() {
        what.to_string()
    } else {
        format!("{what} of {}", of.join(" and "))
    }
}

mod contact;
mod create;
mod oncall;
#[cfg(test)]
mod tests;
