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
//! ([`Observer::complete`]). This module does not plan:
//! `pipeline::observe_and_plan` drives the loop, asking for the members of the teams the rules govern,
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
//! ([`crate::oncall`] says what each look-up is), into [`Account::oncall`]. The planner asks
//! for the users of planned deactivations and deletions, and for movers with a planned
//! team removal (whether PagerDuty will refuse it, fact F32). Each policy's teams come with
//! it ([`OncallFacts::policy_teams`]): from the listing by `user_ids[]` for the policies
//! that target a user, and one `GET /escalation_policies/{id}` for each policy that reaches
//! a user only through a schedule or an on-call (its reference carries no teams).
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
//! teams, licences) is [`Observer::preflight`], in [`preflight`]. Which escalation policies
//! keep a user on a team after PagerDuty refused the removal, which `apply` reports, is
//! [`policies_holding`], in `holding`. How a failed read is told
//! ([`ObserveError`] and the hints naming what to check) is in `error`.
//!
//! Imports: the client and its models (`pagerduty`), `ids`, `oncall`, `progress`, and the
//! name of the API key variable from `config`, the default lookahead and how far ahead
//! `GET /oncalls` lists from `vocab::limits`; never the planner.

use crate::ids::{EscalationPolicyId, LicenseId, TeamId, UserId};
use crate::oncall::{self, Lookahead, OncallFacts};
use crate::pagerduty::models::incidents::Incident;
use crate::pagerduty::models::licenses::LicenseWithCounts;
use crate::pagerduty::models::oncall::{EscalationPolicy, Oncall, Schedule};
use crate::pagerduty::models::{Team, TeamMember, User};
use crate::pagerduty::{ApiError, Client, KeyOwner};
use crate::progress::Progress;
use crate::vocab::limits::DEFAULT_ONCALL_LOOKAHEAD_DAYS;
use futures::{StreamExt, TryFutureExt};
use std::collections::{BTreeMap, BTreeSet};

mod error;
mod holding;
pub mod preflight;

pub use error::{Access, ObserveError, Subject, auth_hint, connection_hint};
pub use holding::{holding_window, policies_holding};

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
    /// The account's abilities by name (`GET /abilities`), once read (the commands ask for
    /// them only when the plan gives a base role that needs one).
    pub abilities: Option<BTreeSet<String>>,
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
    /// Read the account's abilities (once: not again when already read).
    pub abilities: bool,
}

/// Users per on-call look-up request (`user_ids[]` pairs in one query): about 1,200
/// characters of query string with PagerDuty's 7-character IDs, well under the URL
/// lengths servers accept. See the module docs.
pub const ONCALL_BATCH_USERS: usize = 50;

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
        .map_err(|e| ObserveError::from_api(e, api_url, Subject::UsersAndTeams))
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
            oncall: OncallFacts::new(Lookahead {
                since: chrono::Utc::now(),
                days: self.lookahead_days,
            }),
            schedules: None,
            key_owner: None,
            licenses: Vec::new(),
            license_holders: None,
            abilities: None,
        }
    }

    /// The error of a failed read of `what`.
    fn error(&self, what: Subject) -> impl Fn(ApiError) -> ObserveError + '_ {
        move |e| ObserveError::from_api(e, self.api_url, what)
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
            .map_err(self.error(Subject::UsersAndTeams))
    }

    /// Lists every team (`GET /teams`, all pages) on a "listing teams" stage.
    ///
    /// # Errors
    /// See [`ObserveError`].
    pub async fn teams(&self) -> Result<Vec<Team>, ObserveError> {
        self.progress.stage("listing teams", None);
        self.client
            .list_teams()
            .await
            .map_err(self.error(Subject::UsersAndTeams))
    }

    /// The user that owns the API key: `GET /users/me`, `None` for an account-level key
    /// (see [`Client::key_owner`], which `doctor`'s key check reads too).
    ///
    /// # Errors
    /// See [`ObserveError`].
    pub async fn key_owner(&self) -> Result<Option<User>, ObserveError> {
        match self
            .client
            .key_owner()
            .await
            .map_err(self.error(Subject::UsersAndTeams))?
        {
            KeyOwner::User(user) => Ok(Some(*user)),
            KeyOwner::Account => Ok(None),
        }
    }

    /// The account's licences with their allocation counts (`GET /licenses`); empty when
    /// it has none.
    ///
    /// # Errors
    /// See [`ObserveError`].
    pub async fn licenses(&self) -> Result<Vec<LicenseWithCounts>, ObserveError> {
        self.client
            .list_licenses()
            .await
            .map_err(self.error(Subject::Licences))
    }

    /// Users, then teams, the API key's own user and the licences (those three at once);
    /// no team members yet.
    ///
    /// # Errors
    /// See [`ObserveError`].
    pub async fn account(&self) -> Result<Account, ObserveError> {
        let users = self.users().await?;
        let (teams, key_owner, licenses) =
            futures::try_join!(self.teams(), self.key_owner(), self.licenses())?;
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
    /// licence allocation (`GET /license_allocations`, all pages); then, with
    /// [`Needs::abilities`] and none read yet, the abilities (`GET /abilities`); then the
    /// on-call duties of each user in [`Needs::oncall`] not yet in [`Account::oncall`], over
    /// its window, in batches, with every schedule when [`Account::schedules`] were not
    /// listed yet (see the module docs), counted on a "looking up on-call duties" stage.
    ///
    /// # Errors
    /// See [`ObserveError`]; a read that fails adds nothing of its own to `account` (team
    /// members read before a failed on-call look-up are kept).
    pub async fn complete(&self, account: &mut Account, needs: &Needs) -> Result<(), ObserveError> {
        self.read_members(account, needs).await?;
        self.read_license_holders(account, needs).await?;
        if needs.abilities && account.abilities.is_none() {
            account.abilities = Some(self.abilities().await?);
        }
        self.read_oncall(account, needs).await
    }

    /// The account's abilities by name (`GET /abilities`).
    ///
    /// # Errors
    /// See [`ObserveError`].
    pub async fn abilities(&self) -> Result<BTreeSet<String>, ObserveError> {
        let list = self
            .client
            .abilities()
            .await
            .map_err(self.error(Subject::UsersAndTeams))?;
        Ok(list.into_iter().collect())
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
            read.insert(id, r.map_err(self.error(Subject::UsersAndTeams))?);
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
                    .map_err(self.error(Subject::Licences))?,
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
                .collect::<Vec<Result<Vec<Answers>, (Subject, ApiError)>>>()
        );
        if let Some(listed) = schedules.map_err(self.error(Subject::Schedules))? {
            account.schedules = Some(listed);
        }
        let schedules = account.schedules.as_deref().unwrap_or_default();
        // A target naming a user the listing no longer has is a deleted user's reference.
        let listed: BTreeSet<&UserId> = account.users.iter().map(|u| &u.id).collect();
        let mut read = BTreeMap::new();
        let mut teams = BTreeMap::new();
        for r in results {
            for a in r.map_err(|(what, e)| self.error(what)(e))? {
                let mut impacts =
                    oncall::attribute(&a.users, &a.policies, &a.oncalls, &a.incidents, schedules)
                        .impacts;
                for (user, impact) in &mut impacts {
                    impact.sole_target_of =
                        oncall::sole_target_levels(user, &a.policies, |u| listed.contains(u));
                }
                read.append(&mut impacts);
                teams.extend(a.policies.iter().map(policy_teams));
            }
        }
        let more = self.read_policy_teams(&read, &teams, account).await?;
        teams.extend(more);
        account.oncall.users.append(&mut read);
        account.oncall.policy_teams.append(&mut teams);
        Ok(())
    }

    /// The teams of the policies `impacts` name that neither `listed` (the policies the
    /// listings by `user_ids[]` gave in full) nor `account` already hold: a policy reaching a
    /// user only through a schedule or an on-call comes as a reference, without its `teams`.
    /// One `GET /escalation_policies/{id}` per such policy, `concurrency` at a time under the
    /// client's shared limiter; a policy gone since (404) has no team.
    async fn read_policy_teams(
        &self,
        impacts: &BTreeMap<UserId, oncall::OncallImpact>,
        listed: &BTreeMap<EscalationPolicyId, Vec<TeamId>>,
        account: &Account,
    ) -> Result<Vec<(EscalationPolicyId, Vec<TeamId>)>, ObserveError> {
        let missing: BTreeSet<EscalationPolicyId> = impacts
            .values()
            .flat_map(|i| i.escalation_policies.iter().map(|p| p.id.clone()))
            .filter(|id| !listed.contains_key(id) && !account.oncall.policy_teams.contains_key(id))
            .collect();
        let client = self.client;
        let results: Vec<(
            EscalationPolicyId,
            Result<Option<EscalationPolicy>, ApiError>,
        )> = futures::stream::iter(missing)
            .map(|id| async move {
                let r = client.get_escalation_policy(&id).await;
                (id, r)
            })
            .buffer_unordered(self.concurrency)
            .collect()
            .await;
        let mut out = Vec::new();
        for (id, r) in results {
            let teams = r
                .map_err(self.error(Subject::EscalationPolicies))?
                .map(|p| policy_teams(&p).1)
                .unwrap_or_default();
            out.push((id, teams));
        }
        Ok(out)
    }
}

/// A policy's ID and its teams' IDs (`EscalationPolicy.teams`).
fn policy_teams(p: &EscalationPolicy) -> (EscalationPolicyId, Vec<TeamId>) {
    (p.id.clone(), p.teams.iter().map(|t| t.id.clone()).collect())
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
/// [`Answers`] per user. A failed request comes with what it read.
async fn look_up_batch(
    client: &Client,
    batch: &[UserId],
    window: Lookahead,
) -> Result<Vec<Answers>, (Subject, ApiError)> {
    let of = |what: Subject| move |e: ApiError| (what, e);
    let (policies, oncalls, incidents) = futures::try_join!(
        client
            .list_escalation_policies(batch, &[])
            .map_err(of(Subject::EscalationPolicies)),
        client
            .list_oncalls(batch, &[], window.since, window.until())
            .map_err(of(Subject::Oncalls)),
        client
            .list_open_incidents(batch)
            .map_err(of(Subject::Incidents)),
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
            policies: client
                .list_escalation_policies(one, &[])
                .await
                .map_err(of(Subject::EscalationPolicies))?,
            oncalls: oncalls.clone(),
            incidents: incidents.clone(),
        });
    }
    Ok(out)
}
