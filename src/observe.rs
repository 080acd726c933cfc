//! Reading PagerDuty: everything a plan needs, GET requests only.
//!
//! [`Observer`] reads through the [`Client`], drawing one progress stage per read
//! ("listing users", "listing teams", "reading team members"), and turns a failed read into
//! an [`ObserveError`]: a listing that cannot be proven complete, a key PagerDuty rejects
//! (401) or refuses (403), with what to check, or another API failure. `plan`, `apply` and
//! `apply --plan` all read through it.
//!
//! What is read is an [`Account`]: users and teams, the user that owns the API key
//! (`GET /users/me`) and the account's licences ([`Observer::account`]), then the members
//! of the teams in a [`Needs`] and, when asked, who holds which licence
//! ([`Observer::complete`]). This module does not plan: the
//! commands layer drives the loop, asking for the members of the teams the rules govern,
//! planning, then asking for what the plan says it still needs
//! (`Plan::needs_team_members` in `plan`: teams whose roles a suspension must record)
//! and planning again. `apply --plan` reads the users ([`Observer::users`]) and the members
//! of the saved plan's teams.
//!
//! The on-call look-up before planned deactivations goes the same way: the plan names the
//! users whose on-call duties it needs (`Plan::needs_oncall`), [`Needs::oncall`] carries
//! them here, and [`Observer::complete`] reads, for those users only, the escalation
//! policies that target them, their on-calls in the lookahead and their open incidents,
//! and, once, every schedule with the users on it and the policies using it
//! ([`crate::oncall`] says what each look-up is), into [`Account::oncall`].
//!
//! # Batching the on-call look-ups
//! The three listings each accept several `user_ids[]` at once, and each answer says which
//! user every item belongs to (a policy's rule targets, an on-call's `user`, an incident's
//! assignees), so users are looked up [`ONCALL_BATCH_USERS`] at a time: three listings per
//! batch (more only when a listing has more than 100 items), all batches and listings at
//! once under the client's shared limiter, through the one paginator. Should PagerDuty
//! return a policy that targets none of a batch's users directly (its documentation says
//! `user_ids[]` matches targets, so this is not expected), the policies of that batch's
//! users are listed again one user at a time, so that no policy is given to the wrong user.
//! The schedules (`GET /schedules`, all pages) are listed at the same time as the batches,
//! once per run ([`Account::schedules`]) and only when some user is to be looked up, so
//! their cost grows with the account's schedules, not with its users; every batch is then
//! attributed with them.
//!
//! What `doctor` reads before the first run (the key's owner, the `From` user, abilities,
//! teams, licences) is [`Observer::preflight`], in [`preflight`].
//!
//! Imports: the client and its models (`pagerduty`), `ids`, `oncall`, `progress`, and the
//! name of the API key variable and the default lookahead from `config`; never the
//! planner.

use crate::config::{DEFAULT_API_URL, DEFAULT_ONCALL_LOOKAHEAD_DAYS, ENV_API_KEY, ENV_API_URL};
use crate::ids::{LicenseId, TeamId, UserId};
use crate::oncall::{self, Lookahead, OncallFacts};
use crate::pagerduty::models::incidents::Incident;
use crate::pagerduty::models::licenses::LicenseWithCounts;
use crate::pagerduty::models::oncall::{EscalationPolicy, Oncall, Schedule};
use crate::pagerduty::models::{Team, TeamMember, User};
use crate::pagerduty::{ApiError, Client, TransportKind};
use crate::progress::Progress;
use futures::StreamExt;
use std::collections::{BTreeMap, BTreeSet};

pub mod preflight;

/// What was read from one PagerDuty account.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Account {
    /// Every user (a complete listing, with team references).
    pub users: Vec<User>,
    /// Every team; empty when only users were listed ([`Observer::users`], as
    /// `apply --plan` does).
    pub teams: Vec<Team>,
    /// Members, with their team roles, of each team read so far.
    pub members: BTreeMap<TeamId, Vec<TeamMember>>,
    /// The user that owns the API key (`GET /users/me`); `None` for an account-level key.
    pub key_owner: Option<User>,
    /// The account's licences (`GET /licenses`); empty when it has none.
    pub licenses: Vec<LicenseWithCounts>,
    /// Who holds which licence (`GET /license_allocations`), once read.
    pub license_holders: Option<BTreeMap<UserId, LicenseId>>,
    /// The on-call duties of each user looked up so far, and the window they were looked
    /// up over ([`Observer::account`] opens the window from now).
    pub oncall: OncallFacts,
    /// Every schedule (`GET /schedules`), once listed: the first on-call look-up lists them,
    /// later ones reuse them. `None` until then.
    pub schedules: Option<Vec<Schedule>>,
}

/// What a plan needs read beyond users and teams.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Needs {
    /// Teams whose members (and team roles) to read; teams already read are not read again.
    pub team_members: BTreeSet<TeamId>,
    /// Read who holds which licence (once: not again when already read).
    pub license_holders: bool,
    /// Users whose on-call duties to look up (users about to be deactivated); users already
    /// looked up are not looked up again.
    pub oncall: BTreeSet<UserId>,
}

/// Users per on-call look-up request (`user_ids[]` pairs in one query): about 1,200
/// characters of query string with PagerDuty's 7-character IDs, well under the URL
/// lengths servers accept. See the module docs.
pub const ONCALL_BATCH_USERS: usize = 50;

/// Whether a request that PagerDuty refused was a read or a write: a 403 means different
/// things for each (a read-only key can plan but not apply).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// GET requests: listing and reading, of what the text names (see [`read_subject`]),
    /// e.g. `users and teams` or `on-calls`.
    Read(&'static str),
    /// POST, PUT and DELETE requests: applying.
    Write,
}

/// What a read of `path` (a request path without its query) reads, in the words of a 403
/// hint: `on-calls`, `escalation policies`, `incidents`, `schedules` (the on-call
/// look-ups before a deactivation), `licences`, or else `users and teams`.
pub fn read_subject(path: &str) -> &'static str {
    match path {
        "/oncalls" => "on-calls",
        p if p.starts_with("/escalation_policies") => "escalation policies",
        p if p.starts_with("/incidents") => "incidents",
        p if p.starts_with("/schedules") => "schedules",
        "/licenses" | "/license_allocations" => "licences",
        _ => "users and teams",
    }
}

/// What to check when PagerDuty rejects the key (401) or refuses a request (403), for the
/// account at `api_url`; `None` for other statuses. 401 means a bad or missing key, 403 a
/// key not permitted to do this, e.g. a read-only key on a write, or a key that may not
/// read what the [`Access::Read`] names (§1.3 and the HTTP meanings in
/// `../shared/reference/PAGERDUTY_API.md`). The apply command uses the [`Access::Write`]
/// form for failed actions.
pub fn auth_hint(status: u16, api_url: &str, access: Access) -> Option<String> {
    match (status, access) {
        (401, _) => Some(format!(
            "PagerDuty rejected the API key (401): check {ENV_API_KEY} (and that it belongs to the account at {api_url})"
        )),
        (403, Access::Write) => Some(format!(
            "PagerDuty refused a write (403): check that {ENV_API_KEY} is a full-access key (a read-only key can plan but not apply) for the account at {api_url}"
        )),
        (403, Access::Read(what)) => Some(format!(
            "PagerDuty refused the request (403): check that {ENV_API_KEY} may read the {what} of the account at {api_url}"
        )),
        _ => None,
    }
}

/// What to check when a request to the account at `api_url` failed in a way that points at
/// the URL rather than at PagerDuty; `None` for other failures:
/// - the connection was refused: nothing listens there (a simulator or sandbox that is not
///   running, a wrong port);
/// - the TLS handshake was answered in plain HTTP: an `https://` URL for a plain-HTTP
///   server such as the simulator (plain `http://` is allowed to loopback only);
/// - a `GET` of a top-level path (`/users`, `/teams`, `/users/me`, …) answered 404, or any
///   `GET` answered 404 when the URL has a path (`…/v2`): PagerDuty's API root has no path,
///   and every request path is below it.
pub fn connection_hint(error: &ApiError, api_url: &str) -> Option<String> {
    let rest = api_url.split_once("://").map_or(api_url, |(_, r)| r);
    let (host, base_path) = match rest.find('/') {
        Some(i) => (&rest[..i], rest[i..].trim_end_matches('/')),
        None => (rest, ""),
    };
    match error {
        ApiError::Transport {
            kind: TransportKind::Refused,
            ..
        } => Some(format!(
            "cannot connect to {api_url}: connection refused; is the simulator or sandbox running (`hr2pagerduty sandbox` prints its URL), and is the URL right? It comes from --api-url, {ENV_API_URL} or [pagerduty] api_url"
        )),
        ApiError::Transport {
            kind: TransportKind::NotTls,
            ..
        } => {
            let hostname = host.rsplit_once(':').map_or(host, |(h, _)| h);
            let loopback = matches!(hostname, "127.0.0.1" | "localhost" | "[::1]");
            Some(if loopback {
                format!(
                    "{api_url} does not speak TLS: the server speaks plain HTTP; use http:// (loopback only): http://{host}{base_path}"
                )
            } else {
                format!(
                    "{api_url} does not speak TLS: the server answered the TLS handshake in plain HTTP; check the host and port (plain http:// is allowed to loopback only)"
                )
            })
        }
        ApiError::Status {
            method,
            path,
            status: 404,
            ..
        } if method.as_str() == "GET" => {
            let below = path.strip_prefix(base_path).unwrap_or(path);
            let top_level = below.matches('/').count() == 1 || below == "/users/me";
            (top_level || !base_path.is_empty()).then(|| {
                let drop = if base_path.is_empty() {
                    String::new()
                } else {
                    format!(" (drop {base_path})")
                };
                format!(
                    "{api_url} answered 404 Not Found to GET {path}: the API URL should be the API root, e.g. {DEFAULT_API_URL}, with no path{drop}"
                )
            })
        }
        _ => None,
    }
}

/// A read that failed. The text is what the commands print after `Error: ` (an incomplete
/// listing after `refused before any write: `).
#[derive(Debug, thiserror::Error)]
pub enum ObserveError {
    /// A listing cannot be proven complete ([`ApiError::is_incomplete_listing`]: a page
    /// check failed, PagerDuty gave its offset-ceiling answer, or a partitioned user listing
    /// did not reach the unfiltered `total`), so a plan from it could deactivate users it
    /// missed or create users who exist (refused, exit 3).
    #[error("{0}; the listing cannot be proven complete, so nothing was written")]
    Incomplete(ApiError),
    /// PagerDuty rejected the key (401).
    #[error("{}; {error}", hint(401, api_url))]
    Unauthorized {
        /// The account's API URL, named in the hint.
        api_url: String,
        /// The failed request.
        error: ApiError,
    },
    /// PagerDuty refused a read (403).
    #[error("{}; {error}", auth_hint(403, api_url, Access::Read(what)).unwrap_or_default())]
    Forbidden {
        /// The account's API URL, named in the hint.
        api_url: String,
        /// What the refused request read ([`read_subject`] of its path), named in the hint.
        what: &'static str,
        /// The failed request.
        error: ApiError,
    },
    /// The URL looks wrong: the connection was refused, an `https://` URL reached a
    /// plain-HTTP server, or the API root answered 404 (see [`connection_hint`]).
    #[error("{hint} ({error})")]
    Url {
        /// What to check, naming the URL.
        hint: String,
        /// The failed request.
        error: ApiError,
    },
    /// Any other failure: PagerDuty unreachable, retries exhausted, an unexpected answer.
    #[error("PagerDuty: {0}")]
    Api(ApiError),
}

/// The read hint for a status [`auth_hint`] knows.
fn hint(status: u16, api_url: &str) -> String {
    auth_hint(status, api_url, Access::Read("users and teams")).unwrap_or_default()
}

impl ObserveError {
    /// The failed request, whatever the class.
    pub fn api_error(&self) -> &ApiError {
        match self {
            ObserveError::Incomplete(error)
            | ObserveError::Unauthorized { error, .. }
            | ObserveError::Forbidden { error, .. }
            | ObserveError::Url { error, .. }
            | ObserveError::Api(error) => error,
        }
    }

    /// Classifies a failed read of the account at `api_url`.
    pub fn from_api(error: ApiError, api_url: &str) -> ObserveError {
        let api_url = api_url.to_string();
        if error.is_incomplete_listing() {
            ObserveError::Incomplete(error)
        } else {
            match error.status() {
                Some(401) => ObserveError::Unauthorized { api_url, error },
                Some(403) => ObserveError::Forbidden {
                    api_url,
                    what: read_subject(error.path().unwrap_or_default()),
                    error,
                },
                _ => match connection_hint(&error, &api_url) {
                    Some(hint) => ObserveError::Url { hint, error },
                    None => ObserveError::Api(error),
                },
            }
        }
    }
}

/// The web URL of one user of the account at `api_url`, which names the account whatever
/// API URL or key reached it (`GET /users?limit=1`, see [`Client::account_web_url`]);
/// `None` when the account shows no user or the user carries no `html_url`. The apply lock
/// is keyed by it.
///
/// # Errors
/// See [`ObserveError`].
pub async fn account_web_url(
    client: &Client,
    api_url: &str,
) -> Result<Option<String>, ObserveError> {
    client
        .account_web_url()
        .await
        .map_err(|e| ObserveError::from_api(e, api_url))
}

/// Reads one account through a client, with progress.
#[derive(Debug, Clone, Copy)]
pub struct Observer<'a> {
    client: &'a Client,
    progress: &'a Progress,
    concurrency: usize,
    api_url: &'a str,
    lookahead_days: u32,
}

impl<'a> Observer<'a> {
    /// Reads through `client`, drawing stages on `progress`, reading the members of up to
    /// `concurrency` teams at a time (at least 1; the client separately caps requests in
    /// flight). `api_url` is the account's API URL, named when PagerDuty rejects the key.
    pub fn new(
        client: &'a Client,
        progress: &'a Progress,
        concurrency: usize,
        api_url: &'a str,
    ) -> Observer<'a> {
        Observer {
            client,
            progress,
            concurrency: concurrency.max(1),
            api_url,
            lookahead_days: DEFAULT_ONCALL_LOOKAHEAD_DAYS,
        }
    }

    /// The same observer, looking on-calls up `days` days ahead
    /// (`[lifecycle] oncall_lookahead_days`; default
    /// [`DEFAULT_ONCALL_LOOKAHEAD_DAYS`]).
    pub fn with_oncall_lookahead(mut self, days: u32) -> Observer<'a> {
        self.lookahead_days = days;
        self
    }

    /// An account holding only `users`, with the on-call window opened from now (what
    /// `apply --plan` starts from).
    pub fn account_of(&self, users: Vec<User>) -> Account {
        Account {
            users,
            teams: Vec::new(),
            members: BTreeMap::new(),
            oncall: OncallFacts::new(Lookahead::from_now(self.lookahead_days)),
            schedules: None,
            key_owner: None,
            licenses: Vec::new(),
            license_holders: None,
        }
    }

    fn error(&self) -> impl Fn(ApiError) -> ObserveError + '_ {
        move |e| ObserveError::from_api(e, self.api_url)
    }

    /// Lists every user (`GET /users`, all pages), counting users on a "listing users"
    /// stage whose total is known after the first page.
    ///
    /// # Errors
    /// See [`ObserveError`].
    pub async fn users(&self) -> Result<Vec<User>, ObserveError> {
        let progress = self.progress;
        progress.stage("listing users", None);
        self.client
            .list_users(&|n, total| {
                progress.set(n as u64);
                if let Some(t) = total {
                    progress.set_total(t);
                }
            })
            .await
            .map_err(self.error())
    }

    /// Lists every team (`GET /teams`, all pages) on a "listing teams" stage.
    ///
    /// # Errors
    /// See [`ObserveError`].
    pub async fn teams(&self) -> Result<Vec<Team>, ObserveError> {
        self.progress.stage("listing teams", None);
        self.client.list_teams().await.map_err(self.error())
    }

    /// The user that owns the API key: `GET /users/me`, `None` for an account-level key
    /// (see [`Client::current_user`]).
    ///
    /// # Errors
    /// See [`ObserveError`].
    pub async fn key_owner(&self) -> Result<Option<User>, ObserveError> {
        self.client.current_user().await.map_err(self.error())
    }

    /// Users, then teams, the API key's own user and the licences (those three at once);
    /// no team members yet.
    ///
    /// # Errors
    /// See [`ObserveError`].
    pub async fn account(&self) -> Result<Account, ObserveError> {
        let users = self.users().await?;
        let (teams, key_owner, licenses) =
            futures::try_join!(self.teams(), self.key_owner(), async {
                self.client.list_licenses().await.map_err(self.error())
            },)?;
        Ok(Account {
            teams,
            key_owner,
            licenses,
            ..self.account_of(users)
        })
    }

    /// Reads what `needs` asks for and `account` lacks: the members of each team in
    /// [`Needs::team_members`] not yet in [`Account::members`] (`GET
    /// /teams/{id}/members`), `concurrency` teams at a time, counted on a "reading team
    /// members" stage; then, with [`Needs::license_holders`] and none read yet, every
    /// licence allocation (`GET /license_allocations`, all pages); then the on-call duties
    /// of each user in [`Needs::oncall`] not yet in [`Account::oncall`], over its window, in
    /// batches, with every schedule when [`Account::schedules`] were not listed yet (see
    /// the module docs), counted on a "looking up on-call duties" stage.
    ///
    /// # Errors
    /// See [`ObserveError`]; a read that fails adds nothing of its own to `account` (team
    /// members read before a failed on-call look-up are kept).
    pub async fn complete(&self, account: &mut Account, needs: &Needs) -> Result<(), ObserveError> {
        self.read_members(account, needs).await?;
        self.read_license_holders(account, needs).await?;
        self.read_oncall(account, needs).await
    }

    async fn read_members(&self, account: &mut Account, needs: &Needs) -> Result<(), ObserveError> {
        let wanted: Vec<TeamId> = needs
            .team_members
            .iter()
            .filter(|id| !account.members.contains_key(*id))
            .cloned()
            .collect();
        let progress = self.progress;
        progress.stage("reading team members", Some(wanted.len() as u64));
        let client = self.client;
        let results: Vec<(TeamId, Result<Vec<TeamMember>, ApiError>)> =
            futures::stream::iter(wanted)
                .map(|id| async move {
                    let r = client.list_team_members(&id).await;
                    progress.inc();
                    (id, r)
                })
                .buffer_unordered(self.concurrency)
                .collect()
                .await;
        let mut read = BTreeMap::new();
        for (id, r) in results {
            read.insert(id, r.map_err(self.error())?);
        }
        account.members.append(&mut read);
        Ok(())
    }

    async fn read_license_holders(
        &self,
        account: &mut Account,
        needs: &Needs,
    ) -> Result<(), ObserveError> {
        if needs.license_holders && account.license_holders.is_none() {
            self.progress.stage("reading licence allocations", None);
            account.license_holders = Some(
                self.client
                    .list_license_holders()
                    .await
                    .map_err(self.error())?,
            );
        }
        Ok(())
    }

    async fn read_oncall(&self, account: &mut Account, needs: &Needs) -> Result<(), ObserveError> {
        let wanted: Vec<UserId> = needs
            .oncall
            .iter()
            .filter(|u| !account.oncall.users.contains_key(*u))
            .cloned()
            .collect();
        if wanted.is_empty() {
            return Ok(());
        }
        let progress = self.progress;
        progress.stage("looking up on-call duties", Some(wanted.len() as u64));
        let client = self.client;
        let window = account.oncall.lookahead;
        let listed = account.schedules.is_some();
        let (schedules, results) = futures::join!(
            async {
                if listed {
                    Ok(None)
                } else {
                    client.list_schedules().await.map(Some)
                }
            },
            futures::stream::iter(wanted.chunks(ONCALL_BATCH_USERS).map(<[UserId]>::to_vec))
                .map(|batch| async move {
                    let r = look_up_batch(client, &batch, window).await;
                    for _ in &batch {
                        progress.inc();
                    }
                    r
                })
                .buffer_unordered(self.concurrency)
                .collect::<Vec<Result<Vec<Answers>, ApiError>>>()
        );
        if let Some(listed) = schedules.map_err(self.error())? {
            account.schedules = Some(listed);
        }
        let schedules = account.schedules.as_deref().unwrap_or_default();
        let mut read = BTreeMap::new();
        for r in results {
            for a in r.map_err(self.error())? {
                read.append(
                    &mut oncall::attribute(
                        &a.users,
                        &a.policies,
                        &a.oncalls,
                        &a.incidents,
                        schedules,
                    )
                    .impacts,
                );
            }
        }
        account.oncall.users.append(&mut read);
        Ok(())
    }
}

/// The answers of one look-up, for [`oncall::attribute`]: `users` and the policies listed
/// for exactly them, and the on-calls and open incidents of a batch holding them.
struct Answers {
    users: Vec<UserId>,
    policies: Vec<EscalationPolicy>,
    oncalls: Vec<Oncall>,
    incidents: Vec<Incident>,
}

/// The on-call answers for one batch of users over `window`: the three listings at once,
/// for the whole batch; when its policies cannot be told apart
/// ([`oncall::Attribution::unattributed`]), each user's policies listed alone, one
/// [`Answers`] per user.
async fn look_up_batch(
    client: &Client,
    batch: &[UserId],
    window: Lookahead,
) -> Result<Vec<Answers>, ApiError> {
    let (policies, oncalls, incidents) = futures::try_join!(
        client.list_escalation_policies(batch, &[]),
        client.list_oncalls(batch, &[], window.since, window.until()),
        client.list_open_incidents(batch),
    )?;
    let apart = oncall::attribute(batch, &policies, &[], &[], &[])
        .unattributed
        .is_empty();
    if apart || batch.len() == 1 {
        return Ok(vec![Answers {
            users: batch.to_vec(),
            policies,
            oncalls,
            incidents,
        }]);
    }
    let mut out = Vec::new();
    for user in batch {
        let one = std::slice::from_ref(user);
        out.push(Answers {
            users: one.to_vec(),
            policies: client.list_escalation_policies(one, &[]).await?,
            oncalls: oncalls.clone(),
            incidents: incidents.clone(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_write_hint_differs_from_the_read_hint_only_for_403() {
        assert_eq!(
            auth_hint(401, "u", Access::Read("users and teams")),
            auth_hint(401, "u", Access::Write)
        );
        assert!(
            auth_hint(403, "u", Access::Write)
                .unwrap()
                .contains("a read-only key can plan but not apply")
        );
        assert_eq!(auth_hint(404, "u", Access::Read("users and teams")), None);
    }

    #[test]
    fn a_refused_read_names_what_it_read() {
        for (path, what) in [
            ("/oncalls", "on-calls"),
            ("/escalation_policies", "escalation policies"),
            ("/incidents", "incidents"),
            ("/schedules", "schedules"),
            ("/licenses", "licences"),
            ("/license_allocations", "licences"),
            ("/users", "users and teams"),
            ("/users/me", "users and teams"),
            ("/teams/PT1/members", "users and teams"),
        ] {
            assert_eq!(read_subject(path), what, "{path}");
        }
        assert_eq!(
            auth_hint(403, "u", Access::Read("on-calls")).unwrap(),
            "PagerDuty refused the request (403): check that PAGERDUTY_API_KEY may read the on-calls of the account at u"
        );
    }
}
