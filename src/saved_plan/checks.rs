//! What `apply --plan` checks a saved plan against: the inputs it was made from
//! (configuration, export, as-of day, API URL), the fingerprints of the users it touches
//! (name, email, role, job title, time zone, description and team memberships), the users
//! its creates would make, its deactivations' on-call duties, and the licences its changes
//! need against those free now.

use super::{SavedPlan, SavedPlanError, Stale, file_sha256};
use crate::digest::sha256_hex;
use crate::email::Email;
use crate::ids::{TeamId, UserId};
use crate::marker::{self, MarkerKeys, MarkerState, Verdict};
use crate::oncall::{self, OncallFacts, OncallImpact, RefusedRemoval, SoleTarget};
use crate::pagerduty::models::licenses::LicenseWithCounts;
use crate::pagerduty::models::{TeamMember, User};
use crate::plan::licenses;
use crate::plan::{Action, ActionKind, LicenseMove, LicenseShortfall, Plan, Step, TeamRolesByUser};
use crate::vocab::TeamRole;
use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

impl SavedPlan {
    /// Checks that the configuration file at `path` is the one the plan was made from.
    ///
    /// # Errors
    /// [`SavedPlanError::Input`] when it cannot be read; when its bytes differ,
    /// [`Stale::OtherConfig`] if the plan recorded another file, else [`Stale::Config`].
    pub fn check_config(&self, path: &Path) -> Result<(), SavedPlanError> {
        if file_sha256(path)? != self.config_sha256 {
            let given = std::fs::canonicalize(path).ok();
            return Err(match (&self.config_path, given) {
                (Some(then), Some(now)) if *then != now => Stale::OtherConfig {
                    then: then.clone(),
                    now: path.to_path_buf(),
                },
                _ => Stale::Config(path.to_path_buf()),
            }
            .into());
        }
        Ok(())
    }

    /// Checks that the HR export at `path` is the one the plan was made from.
    ///
    /// # Errors
    /// [`SavedPlanError::Input`] when it cannot be read, [`Stale::Hr`] when it differs.
    pub fn check_hr(&self, path: &Path) -> Result<(), SavedPlanError> {
        if file_sha256(path)? != self.hr_sha256 {
            return Err(Stale::Hr(path.to_path_buf()).into());
        }
        Ok(())
    }

    /// Checks that `as_of` (the `--as-of` of `apply --plan`, when given) is the day the plan
    /// was made as of. Without `--as-of` any day passes: nothing is recomputed, and the
    /// saved actions are applied as reviewed.
    ///
    /// # Errors
    /// [`Stale::AsOf`].
    pub fn check_as_of(&self, as_of: Option<NaiveDate>) -> Result<(), Stale> {
        match as_of {
            Some(now) if self.as_of != Some(now) => Err(Stale::AsOf {
                then: self.as_of,
                now,
            }),
            _ => Ok(()),
        }
    }

    /// Checks that this run's API URL is the plan's.
    ///
    /// # Errors
    /// [`Stale::ApiUrl`].
    pub fn check_api_url(&self, api_url: &str) -> Result<(), Stale> {
        if api_url != self.api_url {
            return Err(Stale::ApiUrl {
                then: self.api_url.clone(),
                now: api_url.to_string(),
            });
        }
        Ok(())
    }

    /// The users whose on-call duties the plan recorded: those of its on-call checked
    /// actions (deactivations), of its actions with a team removal, sent or refused
    /// (`removes_teams`), and of its updates and reactivations checked for the stakeholder
    /// role the rules give (`gives_stakeholder`).
    pub fn oncall_users(&self) -> BTreeSet<UserId> {
        self.plan
            .actions
            .iter()
            .filter(|a| a.kind.is_oncall_checked() || removes_teams(a) || gives_stakeholder(a))
            .filter_map(|a| a.user_id.clone())
            .collect()
    }

    /// Checks that each archive restore of `plan` (an attempted action's
    /// [`Action::restores_from`]) still finds its record: `restorable` tells whether the
    /// deletion archive, as read now, holds a record for a deleted user's ID. Called
    /// before any write, so that a record lost since the plan refuses the plan instead of
    /// failing its restore after the user was created.
    ///
    /// # Errors
    /// [`Stale::ArchiveLost`], one line per action whose record is gone.
    pub fn check_restores(plan: &Plan, restorable: impl Fn(&UserId) -> bool) -> Result<(), Stale> {
        let lines: Vec<String> = plan
            .actions
            .iter()
            .filter(|a| a.attempted())
            .filter_map(|a| {
                let from = a.restores_from()?;
                (!restorable(from)).then(|| {
                    format!(
                        "{}: the archive has no record of deleted user {from}, whose contact methods and notification rules the plan restores",
                        a.email
                    )
                })
            })
            .collect();
        if lines.is_empty() {
            Ok(())
        } else {
            Err(Stale::ArchiveLost { lines })
        }
    }

    /// Checks the on-call duties looked up now (`now`) against those the plan recorded for
    /// each deactivation.
    ///
    /// # Errors
    /// [`Stale::Oncall`] with the lines of [`oncall_drift`].
    pub fn check_oncall(&self, now: &OncallFacts) -> Result<(), Stale> {
        let lines = oncall_drift(&self.plan, now);
        if lines.is_empty() {
            Ok(())
        } else {
            Err(Stale::Oncall {
                as_of: self
                    .oncall_as_of
                    .clone()
                    .unwrap_or_else(|| "never: the plan predates on-call checks".into()),
                lines,
            })
        }
    }

    /// The plan to apply: the saved one, with whether each deactivation is blocked decided
    /// again from its recorded impact ([`oncall::check`]) under this run's
    /// `--allow-oncall-gaps` (`allow_gaps`). Call it after [`SavedPlan::check_oncall`].
    pub fn plan_for_apply(&self, allow_gaps: bool) -> Plan {
        let mut plan = self.plan.clone();
        // A plan without the lookahead predates on-call checks: it has no deactivation that
        // `check_oncall` lets through, so the value is never shown.
        let days = self.oncall_lookahead_days.unwrap_or_default();
        for a in plan
            .actions
            .iter_mut()
            .filter(|a| a.kind.is_oncall_checked())
        {
            a.blocked = oncall::check(
                a.oncall.as_ref(),
                days,
                allow_gaps,
                &a.refused_removals,
                a.taking(),
            );
        }
        plan
    }

    /// The licences the saved plan would run out of if applied now: its licence changes
    /// ([`Plan::license_moves`]) counted again by the planner's ledger
    /// ([`licenses::ledger`]) against `now`, the account's licences as listed by this run
    /// (`GET /licenses`, free allocations included), each deactivation's or deletion's move
    /// counted as `plan` (the plan to apply, [`SavedPlan::plan_for_apply`]) decides the
    /// action this run: left out when it blocks it (it runs no request), counted when it
    /// lets through one the saved plan blocked ([`LicenseMove::blocked`]: a plan made
    /// without `--allow-oncall-gaps`, applied with it), so that the count matches what will
    /// run. With the rule problems of a base role no licence of `now` allows. Both empty
    /// for a plan that changes no licence.
    pub fn license_shortfalls(
        plan: &Plan,
        now: &[LicenseWithCounts],
    ) -> (Vec<LicenseShortfall>, Vec<String>) {
        let blocked_now: BTreeMap<&UserId, bool> = plan
            .actions
            .iter()
            .filter(|a| a.kind.is_oncall_checked())
            .filter_map(|a| a.user_id.as_ref().map(|u| (u, a.blocked.is_some())))
            .collect();
        let moves: Vec<LicenseMove> = plan
            .license_moves
            .iter()
            .filter_map(|m| {
                let decided = m
                    .user_id
                    .as_ref()
                    .filter(|_| m.deactivation)
                    .and_then(|u| blocked_now.get(u));
                match decided {
                    Some(true) => None,
                    Some(false) => Some(LicenseMove {
                        blocked: false,
                        ..m.clone()
                    }),
                    None => Some(m.clone()),
                }
            })
            .filter(|m| !m.blocked)
            .collect();
        if moves.is_empty() {
            return (Vec::new(), Vec::new());
        }
        licenses::ledger(now, &moves)
    }

    /// Checks the current PagerDuty state (`users`, and `members` of the teams in
    /// [`SavedPlan::teams_read`]) against the plan's fingerprints. `plan` is the plan this
    /// run applies ([`SavedPlan::plan_for_apply`]): an action it blocks is not attempted, so
    /// it is nothing left to apply. `keys` are the apply's marker keys, which check the
    /// marker of a user that seems to be a create of the plan ([`CreateProof`]).
    ///
    /// # Errors
    /// [`Stale::Applied`] when the state differs because every action is already done
    /// ([`already_done`]) or blocked in `plan`, else [`Stale::Account`] with the lines of
    /// [`drift`].
    pub fn check_account(
        &self,
        plan: &Plan,
        users: &[User],
        members: &BTreeMap<TeamId, Vec<TeamMember>>,
        keys: Option<&MarkerKeys>,
    ) -> Result<(), Stale> {
        let proof = CreateProof::new(&self.plan, keys);
        let lines = drift(self, users, members, keys);
        let blocked = plan.actions.iter().filter(|a| a.blocked.is_some()).count();
        let mut held_causes: Vec<oncall::BlockCause> = plan
            .actions
            .iter()
            .filter_map(|a| a.blocked.as_ref())
            .map(oncall::Blocked::cause)
            .filter(|c| !c.lifted_by_switch())
            .collect();
        let held = held_causes.len();
        held_causes.sort_unstable();
        held_causes.dedup();
        if lines.is_empty() {
            Ok(())
        } else if plan
            .actions
            .iter()
            .all(|a| a.blocked.is_some() || already_done(a, users, proof))
        {
            Err(Stale::Applied {
                created_at: self.created_at.clone(),
                actions: self.plan.actions.len(),
                blocked,
                held,
                held_causes,
            })
        } else {
            Err(Stale::Account {
                created_at: self.created_at.clone(),
                lines,
            })
        }
    }
}

/// The fingerprint of one user: SHA-256 over the fields the plan reads and writes.
/// `roles` are the user's team roles from the members listings read
/// ([`TeamRolesByUser::of`]); a team without one reads as `?`.
pub fn user_fingerprint(u: &User, roles: Option<&BTreeMap<&TeamId, &TeamRole>>) -> String {
    let mut teams: Vec<String> = u
        .teams
        .iter()
        .map(|t| {
            let role = roles.and_then(|r| r.get(&t.id)).map_or("?", |r| r.as_str());
            format!("{}:{role}", t.id)
        })
        .collect();
    teams.sort();
    let canonical = serde_json::json!([
        u.id,
        u.name,
        Email::normalise(&u.email),
        u.role,
        u.job_title,
        u.time_zone,
        u.description,
        teams,
    ]);
    sha256_hex(canonical.to_string().as_bytes())
}

/// Fingerprints of every user `plan` touches.
pub fn fingerprints(
    plan: &Plan,
    users: &[User],
    members: &BTreeMap<TeamId, Vec<TeamMember>>,
) -> BTreeMap<UserId, String> {
    let roles = TeamRolesByUser::new(members);
    let touched: BTreeSet<&UserId> = plan
        .actions
        .iter()
        .filter_map(|a| a.user_id.as_ref())
        .collect();
    users
        .iter()
        .filter(|u| touched.contains(&u.id))
        .map(|u| (u.id.clone(), user_fingerprint(u, roles.of(&u.id))))
        .collect()
}

/// The IDs an impact names, as `[A, B]` lists for messages.
fn ids_text(i: Option<&OncallImpact>) -> String {
    match i {
        None => "not looked up".into(),
        Some(i) => {
            let (p, s, n) = i.ids();
            format!(
                "escalation policies [{}], schedules [{}], incidents [{}]",
                p.join(", "),
                s.join(", "),
                n.join(", ")
            )
        }
    }
}

/// Sole-target levels by policy ID, `[PEP1 level 1, …]` or `none`, for messages.
fn levels_text(v: &[SoleTarget]) -> String {
    if v.is_empty() {
        return "none".into();
    }
    let ids: Vec<String> = SoleTarget::ids(v)
        .into_iter()
        .map(|(p, l)| format!("{p} level {l}"))
        .collect();
    format!("[{}]", ids.join(", "))
}

/// The teams `a` takes its user off, or would but PagerDuty refuses: its
/// `DELETE /teams/{id}/users/{user_id}` steps and its [`Action::refused_removals`], by ID
/// with the team's name.
fn removed_teams(a: &Action) -> Vec<(&TeamId, String)> {
    let mut teams: Vec<(&TeamId, String)> = a
        .steps
        .iter()
        .filter_map(|s| match s {
            Step::RemoveFromTeam { team_id, team } => Some((team_id, team.clone())),
            _ => None,
        })
        .chain(
            a.refused_removals
                .iter()
                .map(|r| (&r.team_id, r.team.clone())),
        )
        .collect();
    teams.sort();
    teams.dedup_by(|x, y| x.0 == y.0);
    teams
}

/// True when `a` is an update or a reactivation with a team removal, sent or refused: its
/// user's on-call duties decide which removals PagerDuty refuses (fact F32).
pub(super) fn removes_teams(a: &Action) -> bool {
    matches!(a.kind, ActionKind::Update | ActionKind::Reactivate) && !removed_teams(a).is_empty()
}

/// True when `a` is an update or a reactivation that recorded the on-call duties its
/// user's stakeholder base role was checked against ([`Action::oncall`]): PagerDuty refuses
/// that role while the user is on a schedule or an escalation policy (§3.2), so a change
/// of those duties since makes the saved role change (or the role left as it is) wrong.
fn gives_stakeholder(a: &Action) -> bool {
    matches!(a.kind, ActionKind::Update | ActionKind::Reactivate) && a.oncall.is_some()
}

/// The refused removals as `team [policies]` words, for messages.
fn refused_text(r: &[RefusedRemoval]) -> String {
    if r.is_empty() {
        return "none".into();
    }
    r.iter()
        .map(|r| {
            let ids: Vec<&str> = r
                .escalation_policies
                .iter()
                .map(|p| p.id.as_str())
                .collect();
            format!("{} [{}]", r.team_id, ids.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The refused removals `r` by ID: each team with its policies' IDs.
fn refused_ids(r: &[RefusedRemoval]) -> BTreeSet<(&str, BTreeSet<&str>)> {
    r.iter()
        .map(|r| {
            (
                r.team_id.as_str(),
                r.escalation_policies
                    .iter()
                    .map(|p| p.id.as_str())
                    .collect(),
            )
        })
        .collect()
}

/// Why the on-call duties looked up now (`now`) differ from those `plan` recorded, one line
/// per deactivation, or update or reactivation checked for a stakeholder role
/// (`gives_stakeholder`), whose impact changed (compared by ID, see
/// [`OncallImpact::same_as`]), one per deletion whose user is now the only target of other
/// escalation policy levels ([`OncallImpact::sole_target_of`], by policy ID and level: a
/// deletion held by them, or let through since, would be decided otherwise), and one per
/// action whose team removals PagerDuty refuses changed (a deactivation's, or a mover's,
/// `removes_teams`: compared by team and policy IDs, from the policies' teams looked up
/// now); empty when none did.
pub fn oncall_drift(plan: &Plan, now: &OncallFacts) -> Vec<String> {
    let mut out = Vec::new();
    for a in plan
        .actions
        .iter()
        .filter(|a| a.kind.is_oncall_checked() || removes_teams(a) || gives_stakeholder(a))
    {
        let Some(id) = &a.user_id else { continue };
        let then = a.oncall.as_ref();
        let current = now.users.get(id);
        let same = match (then, current) {
            _ if !a.kind.is_oncall_checked() && !gives_stakeholder(a) => true,
            (Some(t), Some(c)) => t.same_as(c),
            _ => false,
        };
        if !same {
            out.push(format!(
                "user {id} ({}): then {}; now {}",
                a.email,
                ids_text(then),
                ids_text(current)
            ));
            continue;
        }
        // Only a deletion is held by the levels its user alone is on (`Held::SoleTarget`).
        if let (ActionKind::Delete, Some(t), Some(c)) = (a.kind, then, current)
            && SoleTarget::ids(&t.sole_target_of) != SoleTarget::ids(&c.sole_target_of)
        {
            out.push(format!(
                "user {id} ({}): escalation policy levels they are the only target of then {}; now {}",
                a.email,
                levels_text(&t.sole_target_of),
                levels_text(&c.sole_target_of)
            ));
            continue;
        }
        let refused = now.refused_removals(id, removed_teams(a));
        let looked_up = current.is_some();
        if !looked_up || refused_ids(&refused) != refused_ids(&a.refused_removals) {
            out.push(format!(
                "user {id} ({}): team removals PagerDuty refuses (team [escalation policies]) then {}; now {}",
                a.email,
                refused_text(&a.refused_removals),
                if looked_up {
                    refused_text(&refused)
                } else {
                    "not looked up".to_string()
                }
            ));
        }
    }
    out
}

/// Which marker on a user holding a saved create's email proves the create done
/// ([`already_done`], [`drift`]). For a plan made without a marker key, any marker naming
/// the create's employee (only hr2pagerduty writes it, as far as that run can tell). For a
/// plan made with one ([`Plan::marker_signatures`]), only a marker whose tag verifies with
/// the apply's keys (current or previous) bound to that email: a user can write an unsigned
/// marker naming the hire into their own profile and take the hire's address, which is no
/// create of this plan's (README.md § Marker integrity). Without keys for the apply, no
/// marker proves such a plan's create.
#[derive(Debug, Clone, Copy)]
pub struct CreateProof<'k> {
    /// Whether the plan was made with a marker key.
    signed: bool,
    /// The apply's marker keys.
    keys: Option<&'k MarkerKeys>,
}

impl<'k> CreateProof<'k> {
    /// The proof of `plan`'s creates, checked with the apply's `keys`.
    pub fn new(plan: &Plan, keys: Option<&'k MarkerKeys>) -> CreateProof<'k> {
        CreateProof {
            signed: plan.marker_signatures.is_some(),
            keys,
        }
    }

    /// Whether `u`, which holds create `a`'s email, carries the marker that proves `a` done.
    fn proves(&self, a: &crate::plan::Action, u: &User) -> bool {
        let p = marker::parse(u.description.as_deref());
        let MarkerState::Valid(m) = &p.marker else {
            return false;
        };
        if m.employee_id != a.employee_id {
            return false;
        }
        if !self.signed {
            return true;
        }
        self.keys.is_some_and(|k| {
            matches!(
                k.check(m, p.sig.as_deref(), &u.email),
                Verdict::Current | Verdict::Previous
            )
        })
    }
}

/// The user `a` creates, when it exists now with `a`'s email carrying the marker that
/// `proof` takes for the create's ([`CreateProof`]), so the create was done.
fn created_user<'u>(
    a: &crate::plan::Action,
    users: &'u [User],
    proof: CreateProof<'_>,
) -> Option<&'u User> {
    a.employee_id.as_ref()?;
    users
        .iter()
        .find(|u| Email::normalise(&u.email) == a.email && proof.proves(a, u))
}

/// What create `a` has not made yet of its user `u` (which carries its marker): the base
/// role it sets, and each team it puts `u` on (a team `PUT` gives the membership and its
/// role in one request). Empty when the create is finished; a run stopped after the
/// `POST /users` and before the team requests leaves it unfinished.
fn create_unfinished(a: &crate::plan::Action, u: &User) -> Vec<String> {
    use crate::plan::Step;
    let mut out = Vec::new();
    for step in &a.steps {
        match step {
            Step::CreateUser(n) => {
                if let Some(role) = n.role.as_ref().filter(|r| **r != u.role) {
                    out.push(format!("base role {role} (it has {})", u.role));
                }
            }
            Step::SetTeamRole {
                team_id,
                team,
                role,
            } if !u.teams.iter().any(|t| t.id == *team_id) => {
                out.push(format!("{team} ({team_id}) as {role}"));
            }
            _ => {}
        }
    }
    out
}

/// True when PagerDuty (`users`) already shows `a` done: for a create, its user exists with
/// the employee's marker, as `proof` takes it, and email (`created_user`) and the role and
/// teams the create sets (`create_unfinished`); for a deletion, its user is gone;
/// otherwise its user has every field the action changes at its new value (the licence,
/// which is not a user field, aside) and, when the action changes teams, exactly the
/// teams it ends with, by name. An action with nothing such to compare is not known done.
pub fn already_done(a: &crate::plan::Action, users: &[User], proof: CreateProof<'_>) -> bool {
    use crate::plan::{ActionKind, Field};
    let Some(id) = &a.user_id else {
        return created_user(a, users, proof).is_some_and(|u| create_unfinished(a, u).is_empty());
    };
    let user = users.iter().find(|u| &u.id == id);
    if a.kind == ActionKind::Delete {
        return user.is_none();
    }
    let Some(u) = user else { return false };
    let mut compared = false;
    for c in &a.changes {
        let now: Option<String> = match c.field {
            Field::License => continue,
            Field::Name => Some(u.name.clone()),
            Field::Email => Some(Email::normalise(&u.email).to_string()),
            Field::Role => Some(u.role.to_string()),
            Field::JobTitle => u.job_title.clone(),
            Field::TimeZone => u.time_zone.clone(),
            Field::Description => u.description.clone(),
        };
        let new = match c.field {
            Field::Email => c.new.as_deref().map(|e| Email::normalise(e).to_string()),
            _ => c.new.clone(),
        };
        if now != new {
            return false;
        }
        compared = true;
    }
    if let Some(t) = &a.teams {
        let want: BTreeSet<&str> = t.new.iter().map(|m| m.team.as_str()).collect();
        let have: BTreeSet<&str> = u
            .teams
            .iter()
            .filter_map(|r| r.name.as_deref().or(r.summary.as_deref()))
            .collect();
        if want != have {
            return false;
        }
        compared = true;
    }
    compared
}

/// Another action of `plan` on `a`'s user that PagerDuty already shows done: what changed
/// the user since the plan was made, when `a` itself is not done.
fn own_done<'p>(
    plan: &'p Plan,
    a: &crate::plan::Action,
    users: &[User],
    proof: CreateProof<'_>,
) -> Option<&'p crate::plan::Action> {
    plan.actions.iter().find(|o| {
        !std::ptr::eq(*o, a)
            && o.user_id.is_some()
            && o.user_id == a.user_id
            && already_done(o, users, proof)
    })
}

/// Why `saved` cannot be applied to the current state, one line per user; empty when every
/// touched user is as it was and no user the plan creates exists yet. An action PagerDuty
/// already shows done ([`already_done`], a create's marker checked with the apply's `keys`
/// when the plan was made with a marker key: [`CreateProof`]) says so.
pub fn drift(
    saved: &SavedPlan,
    users: &[User],
    members: &BTreeMap<TeamId, Vec<TeamMember>>,
    keys: Option<&MarkerKeys>,
) -> Vec<String> {
    let proof = CreateProof::new(&saved.plan, keys);
    let now = fingerprints(&saved.plan, users, members);
    let mut out = Vec::new();
    for a in &saved.plan.actions {
        match &a.user_id {
            Some(id) => match (saved.users.get(id), now.get(id)) {
                (Some(then), Some(now)) if then == now => {}
                _ if already_done(a, users, proof) => out.push(format!(
                    "user {id} ({}): already done (PagerDuty shows the plan's {} applied)",
                    a.email, a.kind
                )),
                (_, None) => out.push(format!("user {id} ({}) no longer exists", a.email)),
                // The user changed because another action of this plan on it was applied
                // (a termination-pending stamp before its blocked deactivation): this plan's
                // own write, not someone else's.
                _ if own_done(&saved.plan, a, users, proof).is_some() => out.push(format!(
                    "user {id} ({}): changed by this plan's own {} (already applied); its {} is not done",
                    a.email,
                    own_done(&saved.plan, a, users, proof)
                        .expect("just found")
                        .kind,
                    a.kind
                )),
                _ => out.push(format!(
                    "user {id} ({}) changed since the plan was made",
                    a.email
                )),
            },
            None if created_user(a, users, proof).is_some() => {
                let u = created_user(a, users, proof).expect("just found");
                let missing = create_unfinished(a, u);
                out.push(if missing.is_empty() {
                    format!(
                        "the plan creates {}: already done (user {} carries its marker)",
                        a.email, u.id
                    )
                } else {
                    format!(
                        "the plan creates {}: only partly done (user {} carries its marker but not yet {}); a new plan finishes it",
                        a.email,
                        u.id,
                        missing.join(", ")
                    )
                });
            }
            None => {
                // The user that gives the email up first in this plan still holds it.
                let taken_by_email = users.iter().find(|u| {
                    Email::normalise(&u.email) == a.email && a.waits_for.as_ref() != Some(&u.id)
                });
                let taken_by_marker = users.iter().find(|u| {
                    matches!(marker::parse(u.description.as_deref()).marker,
                        MarkerState::Valid(m) if m.employee_id.is_some() && m.employee_id == a.employee_id)
                });
                if let Some(u) = taken_by_email.or(taken_by_marker) {
                    out.push(format!(
                        "the plan creates {}, but user {} ({}) now exists",
                        a.email, u.id, u.email
                    ));
                }
            }
        }
    }
    out
}
