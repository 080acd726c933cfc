//! Planner tests. A small in-memory executor applies a plan's steps (all of them, or only
//! the first few, to model a crash) so convergence can be checked without a network.

use super::*;
use crate::config::{Config, SafetyCaps};
use crate::email::Email;
use crate::hr::{Employee, Lifecycle, Roster};
use crate::ids::UserId;
pub(super) use crate::marker::tests::suspension_record;
use crate::marker::{self, Marker, MarkerState};
use crate::oncall::{Lookahead, OncallFacts, OncallImpact};
use crate::pagerduty::models::{TeamReference, UserReference, UserUpdate};
use crate::plan::ownership::Untouchable;
use crate::vocab::{Role, TeamRole};
use std::collections::BTreeSet;
use std::path::Path;

pub(super) use super::fixture::{CONFIG, config, parse};

pub(super) fn std_config() -> Config {
    config(
        r#"
[[teams.rule]]
when = { department = "IT" }
team = "IT Operations"
role = "responder"
[[teams.rule]]
when = { department = "IT", job_title = "Manager" }
team = "PTMGRS1"
role = "manager"
"#,
    )
}

pub(super) fn teams() -> Vec<Team> {
    [
        ("PTITOPS", "IT Operations"),
        ("PTMGRS1", "Managers"),
        ("PTCHESS", "Chess Club"),
    ]
    .iter()
    .map(|(id, name)| Team {
        id: TeamId::new(*id),
        kind: "team".into(),
        name: name.to_string(),
        description: None,
        summary: None,
        self_url: None,
        html_url: None,
        default_role: None,
    })
    .collect()
}

pub(super) fn emp(
    id: &str,
    email: &str,
    name: &str,
    status: Lifecycle,
    dept: &str,
    title: &str,
) -> Employee {
    let (first, last) = name.split_once(' ').unwrap();
    Employee {
        line: 1 + id.parse::<u64>().unwrap_or(0),
        employee_id: id.into(),
        email: Email::parse(email).unwrap(),
        first_name: first.into(),
        last_name: last.into(),
        name: name.into(),
        status,
        status_value: Some(format!("{status:?}")),
        job_title: Some(title.into()),
        department: Some(dept.into()),
        time_zone: None,
        hire_date: None,
        termination_date: None,
        attributes: Default::default(),
    }
}

pub(super) fn user(
    id: &str,
    email: &str,
    name: &str,
    role: Role,
    title: &str,
    description: Option<String>,
) -> User {
    User {
        id: id.into(),
        kind: "user".into(),
        summary: None,
        self_url: None,
        html_url: None,
        name: name.into(),
        email: email.into(),
        time_zone: Some("America/New_York".into()),
        color: None,
        role,
        avatar_url: None,
        description,
        invitation_sent: None,
        job_title: Some(title.into()),
        created_via_sso: None,
        teams: vec![],
        contact_methods: vec![],
        notification_rules: vec![],
    }
}

pub(super) fn marked(eid: &str) -> Option<String> {
    Some(marker::render(
        "",
        &Marker {
            employee_id: Some(eid.into()),
            suspended: None,
            pending_termination: None,
            created: None,
        },
    ))
}

/// The marker of employee `eid`'s user that a run as of `on` created
/// ([`Marker::created`]).
pub(super) fn marked_created(eid: &str, on: NaiveDate) -> Option<String> {
    Some(marker::render(
        "",
        &Marker {
            employee_id: Some(eid.into()),
            suspended: None,
            pending_termination: None,
            created: Some(on),
        },
    ))
}

/// An account: users plus members of every team.
#[derive(Clone)]
pub(super) struct Account {
    pub(super) users: Vec<User>,
    pub(super) members: BTreeMap<TeamId, Vec<TeamMember>>,
    next_id: u32,
    /// What users hold on call; every user not named holds nothing (looked up, empty).
    pub(super) oncall: BTreeMap<UserId, OncallImpact>,
    /// The teams of the escalation policies in `oncall` ([`OncallFacts::policy_teams`]):
    /// a member on one of them cannot be removed from its team (fact F32).
    pub(super) policy_teams: BTreeMap<crate::ids::EscalationPolicyId, Vec<TeamId>>,
}

impl Account {
    /// An account with `users` plus the `from` bot every create needs.
    pub(super) fn new(mut users: Vec<User>) -> Account {
        users.push(user(
            "PBOT",
            "bot@example.com",
            "Sync Bot",
            Role::Admin,
            "Bot",
            None,
        ));
        let mut members = BTreeMap::new();
        for t in teams() {
            members.insert(t.id, vec![]);
        }
        Account {
            users,
            members,
            next_id: 1,
            oncall: BTreeMap::new(),
            policy_teams: BTreeMap::new(),
        }
    }

    pub(super) fn join(&mut self, user_id: &str, team: &str, role: TeamRole) {
        let list = self.members.get_mut(team).unwrap();
        list.retain(|m| m.user.id != user_id);
        list.push(TeamMember {
            user: UserReference {
                id: user_id.into(),
                kind: "user_reference".into(),
                summary: None,
                self_url: None,
                html_url: None,
            },
            role,
        });
        let u = self.users.iter_mut().find(|u| u.id == user_id).unwrap();
        if !u.teams.iter().any(|t| t.id == team) {
            u.teams.push(TeamReference {
                id: team.into(),
                kind: "team_reference".into(),
                summary: None,
                name: None,
                self_url: None,
                html_url: None,
            });
        }
    }

    fn leave(&mut self, user_id: &str, team: &str) {
        self.members
            .get_mut(team)
            .unwrap()
            .retain(|m| m.user.id != user_id);
        let u = self.users.iter_mut().find(|u| u.id == user_id).unwrap();
        u.teams.retain(|t| t.id != team);
    }

    /// Applies the first `limit` steps of every action (all when `None`), an action that
    /// waits for another user's email change after the others (as the executor orders
    /// them). Panics on a step PagerDuty would refuse ([`Account::step`]): the planner must
    /// never plan one.
    pub(super) fn apply(&mut self, plan: &Plan, limit: Option<usize>) {
        // A blocked action is not attempted (as `apply` does); an action that waits for
        // another user's email change runs after the others.
        let mut ordered: Vec<&Action> = plan.actions.iter().filter(|a| a.attempted()).collect();
        ordered.sort_by_key(|a| a.waits_for.is_some());
        for a in ordered {
            let mut uid = a.user_id.clone();
            for step in a.steps.iter().take(limit.unwrap_or(usize::MAX)) {
                if let Err(why) = self.step(&mut uid, step) {
                    panic!("PagerDuty refuses {step:?} of {a:#?}: {why}");
                }
            }
        }
    }

    /// Sends one request of an action whose user is `uid` (set by the `POST`), as PagerDuty
    /// answers it (PAGERDUTY_API.md §4, §5.1): a create refuses a taken email (F31) and the
    /// `owner` role; a partial `PUT /users/{id}` changes only the fields it carries, refuses
    /// a taken email, any write to the account owner (403) and a stakeholder base role while
    /// the user is on a team (F17; the simulator's rule) or on a schedule or an escalation
    /// policy (`oncall`, §3.2); `PUT /teams/{id}/users/{user}`
    /// adds the user or changes its team role, and refuses a stakeholder user (F17) or an
    /// unknown team (404); `DELETE /teams/{id}/users/{user}` removes the membership, and
    /// succeeds for a non-member, but refuses a member on an escalation policy of the team
    /// (`oncall` and `policy_teams`, fact F32). The error is the refusal, in words.
    pub(super) fn step(&mut self, uid: &mut Option<UserId>, step: &Step) -> Result<(), String> {
        let taken = |users: &[User], email: &str, by: Option<&UserId>| {
            users
                .iter()
                .any(|u| Email::normalise(&u.email) == Email::normalise(email) && Some(&u.id) != by)
        };
        match step {
            Step::CreateUser(n) => {
                if taken(&self.users, &n.email, None) {
                    return Err("400: Email has already been taken (F31)".into());
                }
                let role = n.role.clone().unwrap_or(Role::User);
                if role == Role::Owner {
                    return Err("400: role owner cannot be assigned".into());
                }
                let id = format!("PNEW{:03}", self.next_id);
                self.next_id += 1;
                let mut u = user(&id, &n.email, &n.name, role, "", n.description.clone());
                u.job_title = n.job_title.clone();
                u.time_zone = n.time_zone.clone();
                self.users.push(u);
                *uid = Some(UserId::new(id));
            }
            Step::UpdateUser(upd) => {
                let id = uid.clone().ok_or("PUT before the POST")?;
                if let Some(e) = &upd.email
                    && taken(&self.users, e, Some(&id))
                {
                    return Err("400: Email has already been taken (F31)".into());
                }
                let u = self
                    .users
                    .iter_mut()
                    .find(|u| u.id == id)
                    .ok_or("404: no such user")?;
                if u.role == Role::Owner || upd.role == Some(Role::Owner) {
                    return Err("403: the account owner cannot be changed".into());
                }
                if let Some(v) = &upd.role
                    && v.is_stakeholder()
                    && !u.teams.is_empty()
                {
                    return Err(format!("400: role {v} cannot belong to teams (F17)"));
                }
                if let Some(v) = &upd.role
                    && v.is_stakeholder()
                    && self.oncall.get(&id).is_some_and(OncallImpact::on_rota)
                {
                    return Err(format!(
                        "400: Role {v} cannot be on schedules or escalation policies (§3.2)"
                    ));
                }
                if let Some(v) = &upd.name {
                    u.name = v.clone()
                }
                if let Some(v) = &upd.email {
                    u.email = v.clone()
                }
                if let Some(v) = &upd.role {
                    u.role = v.clone()
                }
                if let Some(v) = &upd.job_title {
                    u.job_title = Some(v.clone())
                }
                if let Some(v) = &upd.time_zone {
                    u.time_zone = Some(v.clone())
                }
                if let Some(v) = &upd.description {
                    u.description = Some(v.clone())
                }
            }
            Step::SetTeamRole { team_id, role, .. } => {
                let id = uid.clone().ok_or("team PUT before the POST")?;
                if !self.members.contains_key(team_id) {
                    return Err(format!("404: no team {team_id}"));
                }
                let u = self
                    .users
                    .iter()
                    .find(|u| u.id == id)
                    .ok_or("404: no such user")?;
                if u.role.is_stakeholder() {
                    return Err(format!("400: a {} cannot be on a team (F17)", u.role));
                }
                if !role.is_known() {
                    return Err(format!("400: team role {role} is not in the enum"));
                }
                self.join(id.as_str(), team_id.as_str(), role.clone());
            }
            Step::RemoveFromTeam { team_id, .. } => {
                let id = uid.clone().ok_or("team DELETE before the POST")?;
                if !self.members.contains_key(team_id) {
                    return Err(format!("404: no team {team_id}"));
                }
                if !self.users.iter().any(|u| u.id == id) {
                    return Err("404: no such user".into());
                }
                let member = self.members[team_id].iter().any(|m| m.user.id == id);
                let held = self.oncall.get(&id).is_some_and(|i| {
                    i.escalation_policies.iter().any(|p| {
                        self.policy_teams
                            .get(&p.id)
                            .is_some_and(|t| t.contains(team_id))
                    })
                });
                if member && held {
                    return Err(format!(
                        "400: User cannot be removed as they belong to an escalation policy on this team ({team_id}, F32)"
                    ));
                }
                self.leave(id.as_str(), team_id.as_str());
            }
            Step::DeleteUser { .. } => {
                let id = uid.clone().ok_or("DELETE before the POST")?;
                if !self.users.iter().any(|u| u.id == id) {
                    return Err("404: no such user".into());
                }
                self.users.retain(|u| u.id != id);
                for list in self.members.values_mut() {
                    list.retain(|m| m.user.id != id);
                }
            }
            // Contact methods are not modelled here (tests/cli/delete.rs covers them).
            Step::RestoreContacts { .. } => {}
        }
        Ok(())
    }

    /// The on-call facts of every user: their entry in `oncall`, or nothing held.
    pub(super) fn oncall_facts(&self) -> OncallFacts {
        let mut facts = OncallFacts::new(Lookahead {
            since: "2026-11-30T00:00:00Z".parse().unwrap(),
            days: 30,
        });
        for u in &self.users {
            facts.users.insert(
                u.id.clone(),
                self.oncall.get(&u.id).cloned().unwrap_or_default(),
            );
        }
        facts.policy_teams = self.policy_teams.clone();
        facts
    }

    pub(super) fn plan(&self, roster: &Roster, cfg: &Config) -> Plan {
        self.plan_on(roster, cfg, NaiveDate::from_ymd_opt(2026, 11, 30).unwrap())
    }

    /// The plan as of `today`.
    pub(super) fn plan_on(&self, roster: &Roster, cfg: &Config, today: NaiveDate) -> Plan {
        self.plan_with(
            roster,
            &Policy::from_config(cfg),
            &self.oncall_facts(),
            today,
        )
    }

    /// The plan of `inputs` (from [`fixture::inputs`], with whatever else a test gives:
    /// marker keys, an archive, a key owner, licences) against this account: its users,
    /// members and on-call facts and the test teams take the place of the inputs' own.
    pub(super) fn plan_of(&self, inputs: Inputs<'_>) -> Result<Plan, PlanError> {
        let teams = teams();
        plan(Inputs {
            users: &self.users,
            teams: &teams,
            members: &self.members,
            oncall: &self.oncall_facts(),
            ..inputs
        })
    }

    /// The plan under `policy`, with the on-call facts `oncall`, as of `today`.
    pub(super) fn plan_with(
        &self,
        roster: &Roster,
        policy: &Policy,
        oncall: &OncallFacts,
        today: NaiveDate,
    ) -> Plan {
        let teams = teams();
        plan(Inputs {
            users: &self.users,
            teams: &teams,
            members: &self.members,
            oncall,
            ..fixture::inputs(roster, policy, today)
        })
        .unwrap()
    }
}

/// The current marker key (`PAGERDUTY_MARKER_KEY`) of the tests' signed accounts.
pub(super) const SIGNING_KEY: &str = "0123456789abcdef0123456789abcdef-current";

/// [`SIGNING_KEY`] alone, without a previous key.
pub(super) fn signing_keys() -> marker::MarkerKeys {
    marker::MarkerKeys::new(marker::MarkerKey::new("K", SIGNING_KEY).unwrap(), None)
}

pub(super) fn roster(employees: Vec<Employee>) -> Roster {
    Roster {
        rows_read: employees.len(),
        employees,
        ..Roster::default()
    }
}

pub(super) fn owner() -> User {
    user(
        "POWNER1",
        "owner@example.com",
        "Olive Owner",
        Role::Owner,
        "CEO",
        None,
    )
}

#[test]
fn new_hire_is_created_with_marker_rules_and_teams_then_converges() {
    let cfg = std_config();
    let r = roster(vec![emp(
        "7",
        "ann.lee@example.com",
        "Ann Lee",
        Lifecycle::Active,
        "IT",
        "Manager",
    )]);
    let mut acct = Account::new(vec![owner()]);
    let p = acct.plan(&r, &cfg);
    assert_eq!(p.count(ActionKind::Create), 1);
    let a = &p.actions[0];
    let Step::CreateUser(n) = &a.steps[0] else {
        panic!("{:?}", a.steps)
    };
    assert_eq!(n.role, Some(Role::Admin));
    assert_eq!(n.time_zone.as_deref(), Some("America/New_York"));
    // The marker records the day of the run that created the user.
    assert_eq!(
        n.description.as_deref(),
        Some(r#"hr2pagerduty:v1 {"employee_id":"7","created":"2026-11-30"}"#)
    );
    assert_eq!(
        a.teams.as_ref().unwrap().new,
        [
            TeamMembership::from("IT Operations:responder"),
            "Managers:manager".into()
        ]
    );
    assert_eq!(a.steps.len(), 3);
    acct.apply(&p, None);
    let again = acct.plan(&r, &cfg);
    assert!(again.is_empty(), "{:#?}", again.actions);
    assert_eq!(again.unchanged, 1);
    // The owner has no HR row and no marker: listed as left alone on purpose
    // (informational, not a skip that needs a person).
    assert_eq!(
        again
            .skipped
            .iter()
            .map(|s| s.reason.clone())
            .collect::<Vec<_>>(),
        [SkipCause::Untouchable(Untouchable::Owner)]
    );
    assert_eq!(again.needs_attention().count(), 0);
}

#[test]
fn crash_after_create_is_finished_by_the_next_plan_without_a_duplicate() {
    let cfg = std_config();
    let r = roster(vec![emp(
        "7",
        "ann.lee@example.com",
        "Ann Lee",
        Lifecycle::Active,
        "IT",
        "Engineer",
    )]);
    let mut acct = Account::new(vec![]);
    let p = acct.plan(&r, &cfg);
    acct.apply(&p, Some(1));
    let p2 = acct.plan(&r, &cfg);
    assert_eq!(p2.actions.len(), 1);
    assert_eq!(p2.actions[0].kind, ActionKind::Update);
    assert_eq!(
        p2.actions[0].steps,
        vec![Step::SetTeamRole {
            team_id: "PTITOPS".into(),
            team: "IT Operations".into(),
            role: TeamRole::Responder
        }]
    );
    acct.apply(&p2, None);
    assert!(acct.plan(&r, &cfg).is_empty());
    assert_eq!(
        acct.users
            .iter()
            .filter(|u| u.email == "ann.lee@example.com")
            .count(),
        1,
        "no duplicate user"
    );
}

#[test]
fn adoption_by_email_writes_only_the_marker_and_keeps_the_bio() {
    let cfg = std_config();
    let r = roster(vec![emp(
        "8",
        "bo@example.com",
        "Bo Diaz",
        Lifecycle::Active,
        "Sales",
        "Rep",
    )]);
    let u = user(
        "PBO0001",
        "Bo@Example.com",
        "Bo  Diaz",
        Role::LimitedUser,
        "Rep",
        Some("Likes pagers.".into()),
    );
    let mut acct = Account::new(vec![u]);
    let p = acct.plan(&r, &cfg);
    assert_eq!(p.actions.len(), 1);
    let a = &p.actions[0];
    assert_eq!(a.kind, ActionKind::Update);
    assert!(a.reason.starts_with("adopt"), "{}", a.reason);
    let Step::UpdateUser(upd) = &a.steps[0] else {
        panic!()
    };
    assert_eq!(
        upd,
        &UserUpdate {
            description: Some("Likes pagers.\nhr2pagerduty:v1 {\"employee_id\":\"8\"}".into()),
            ..UserUpdate::default()
        },
        "name differing only in spacing and email only in case are not changes"
    );
    acct.apply(&p, None);
    assert!(acct.plan(&r, &cfg).is_empty());
}

#[test]
fn email_change_is_an_update_matched_by_employee_id() {
    let cfg = std_config();
    let r = roster(vec![emp(
        "9",
        "cy.new@example.com",
        "Cy Ng",
        Lifecycle::Active,
        "Sales",
        "Rep",
    )]);
    let u = user(
        "PCY0001",
        "cy.old@example.com",
        "Cy Ng",
        Role::LimitedUser,
        "Rep",
        marked("9"),
    );
    let mut acct = Account::new(vec![u]);
    let p = acct.plan(&r, &cfg);
    assert_eq!(p.actions.len(), 1);
    let a = &p.actions[0];
    assert_eq!(
        (a.kind, a.user_id.as_ref().map(|id| id.as_str())),
        (ActionKind::Update, Some("PCY0001"))
    );
    assert!(
        a.reason.contains("matched by employee ID 9"),
        "{}",
        a.reason
    );
    assert_eq!(
        a.steps,
        vec![Step::UpdateUser(UserUpdate {
            email: Some("cy.new@example.com".into()),
            ..Default::default()
        })]
    );
    acct.apply(&p, None);
    assert!(acct.plan(&r, &cfg).is_empty());
}

#[test]
fn mover_update_sends_only_changed_fields_and_never_an_unchanged_role() {
    let cfg = std_config();
    let r = roster(vec![emp(
        "10",
        "di@example.com",
        "Di Ro",
        Lifecycle::Active,
        "Sales",
        "Senior Rep",
    )]);
    let u = user(
        "PDI0001",
        "di@example.com",
        "Di Ro",
        Role::LimitedUser,
        "Rep",
        marked("10"),
    );
    let p = Account::new(vec![u]).plan(&r, &cfg);
    assert_eq!(
        p.actions[0].steps,
        vec![Step::UpdateUser(UserUpdate {
            job_title: Some("Senior Rep".into()),
            ..Default::default()
        })]
    );
    assert_eq!(
        p.actions[0].changes,
        vec![Change {
            field: Field::JobTitle,
            old: Some("Rep".into()),
            new: Some("Senior Rep".into())
        }]
    );
    assert!(!p.actions[0].changes_role());
}

#[test]
fn promotion_moves_role_and_governed_teams_but_not_other_teams() {
    let cfg = std_config();
    let r = roster(vec![emp(
        "11",
        "ed@example.com",
        "Ed Fu",
        Lifecycle::Active,
        "IT",
        "Manager",
    )]);
    let mut acct = Account::new(vec![user(
        "PED0001",
        "ed@example.com",
        "Ed Fu",
        Role::LimitedUser,
        "Manager",
        marked("11"),
    )]);
    acct.join("PED0001", "PTITOPS", TeamRole::Observer);
    acct.join("PED0001", "PTCHESS", TeamRole::Manager);
    let p = acct.plan(&r, &cfg);
    let a = &p.actions[0];
    assert!(a.changes_role());
    assert_eq!(
        a.teams.as_ref().unwrap(),
        &TeamsChange {
            old: vec!["IT Operations:observer".into()],
            new: vec!["IT Operations:responder".into(), "Managers:manager".into()],
        }
    );
    assert!(!a.steps.iter().any(|s| matches!(s, Step::RemoveFromTeam { team_id, .. } | Step::SetTeamRole { team_id, .. } if team_id == "PTCHESS")));
    acct.apply(&p, None);
    assert!(acct.plan(&r, &cfg).is_empty());
    assert!(
        acct.members["PTCHESS"]
            .iter()
            .any(|m| m.user.id == "PED0001")
    );
}

fn suspended_setup() -> (Config, Account) {
    let cfg = std_config();
    let mut acct = Account::new(vec![
        owner(),
        user(
            "PFA0001",
            "fa@example.com",
            "Fa Gu",
            Role::Admin,
            "Manager",
            Some(format!("Bio line\n{}", marked("12").unwrap())),
        ),
    ]);
    acct.join("PFA0001", "PTITOPS", TeamRole::Responder);
    acct.join("PFA0001", "PTMGRS1", TeamRole::Manager);
    acct.join("PFA0001", "PTCHESS", TeamRole::Observer);
    (cfg, acct)
}

#[test]
fn leaver_is_suspended_marker_first_then_teams_removed() {
    let (cfg, mut acct) = suspended_setup();
    let r = roster(vec![emp(
        "12",
        "fa@example.com",
        "Fa Gu",
        Lifecycle::Terminated,
        "IT",
        "Manager",
    )]);
    let p = acct.plan(&r, &cfg);
    assert_eq!(p.actions.len(), 1);
    let a = &p.actions[0];
    assert_eq!(a.kind, ActionKind::Deactivate);
    assert_eq!(
        a.guard,
        Some(Guard {
            employee_id: Some("12".into()),
            email: Email::normalise("fa@example.com"),
            claimed: None,
        })
    );
    let Step::UpdateUser(upd) = &a.steps[0] else {
        panic!("{:?}", a.steps)
    };
    assert_eq!(
        upd.role, None,
        "a stakeholder role cannot hold teams: it is set last"
    );
    assert_eq!(
        a.steps.last(),
        Some(&Step::UpdateUser(UserUpdate {
            role: Some(Role::ReadOnlyLimitedUser),
            ..Default::default()
        }))
    );
    let d = upd.description.as_deref().unwrap();
    assert!(d.starts_with("Bio line\nhr2pagerduty:v1 "), "{d}");
    let parsed = marker::parse(Some(d));
    let MarkerState::Valid(m) = parsed.marker else {
        panic!()
    };
    let s = m.suspended.unwrap();
    assert_eq!(s.role, Role::Admin);
    assert_eq!(s.on.to_string(), "2026-11-30");
    assert_eq!(
        s.teams
            .iter()
            .map(|t| (t.id.as_str(), t.role.as_str()))
            .collect::<Vec<_>>(),
        vec![
            ("PTCHESS", "observer"),
            ("PTITOPS", "responder"),
            ("PTMGRS1", "manager")
        ]
    );
    assert_eq!(a.steps.len(), 5);
    assert!(
        a.steps[1..4]
            .iter()
            .all(|s| matches!(s, Step::RemoveFromTeam { .. }))
    );
    acct.apply(&p, None);
    assert!(acct.plan(&r, &cfg).is_empty());
    assert_eq!(
        acct.users
            .iter()
            .find(|u| u.id == "PFA0001")
            .unwrap()
            .teams
            .len(),
        0
    );
}

#[test]
fn every_crash_point_of_suspension_then_rehire_is_finished_by_the_next_plan() {
    let leaver = roster(vec![emp(
        "12",
        "fa@example.com",
        "Fa Gu",
        Lifecycle::Terminated,
        "IT",
        "Manager",
    )]);
    let rehire = roster(vec![emp(
        "12",
        "fa@example.com",
        "Fa Gu",
        Lifecycle::Active,
        "IT",
        "Manager",
    )]);
    for crash_at in 0..5 {
        let (cfg, mut acct) = suspended_setup();
        let before = acct.clone();
        let p = acct.plan(&leaver, &cfg);
        acct.apply(&p, Some(crash_at));
        let resume = acct.plan(&leaver, &cfg);
        if crash_at > 0 {
            assert_eq!(resume.actions[0].kind, ActionKind::Deactivate);
            assert_eq!(
                resume.actions[0].steps.len(),
                5 - crash_at,
                "crash after {crash_at} steps"
            );
        }
        acct.apply(&resume, None);
        assert!(acct.plan(&leaver, &cfg).is_empty());

        // Rehire, crashing at every point too.
        let total = acct.plan(&rehire, &cfg).actions[0].steps.len();
        for crash2 in 0..=total {
            let mut a2 = acct.clone();
            let p = a2.plan(&rehire, &cfg);
            assert_eq!(p.actions[0].kind, ActionKind::Reactivate);
            a2.apply(&p, Some(crash2));
            let p2 = a2.plan(&rehire, &cfg);
            a2.apply(&p2, None);
            assert!(
                a2.plan(&rehire, &cfg).is_empty(),
                "crash at {crash_at}/{crash2}"
            );
            let u = a2.users.iter().find(|u| u.id == "PFA0001").unwrap();
            let orig = before.users.iter().find(|u| u.id == "PFA0001").unwrap();
            assert_eq!(u.role, Role::Admin, "same PagerDuty ID, role restored");
            assert_eq!(
                u.description, orig.description,
                "marker back to active, bio kept"
            );
            assert_eq!(
                a2.members, before.members,
                "all three teams restored with their roles"
            );
        }
    }
}

#[test]
fn managed_user_missing_from_export_is_a_leaver_unless_its_row_was_invalid() {
    let cfg = std_config();
    let acct = Account::new(vec![user(
        "PGO0001",
        "go@example.com",
        "Go Ha",
        Role::LimitedUser,
        "Rep",
        marked("13"),
    )]);
    let p = acct.plan(&roster(vec![]), &cfg);
    assert_eq!(p.actions[0].kind, ActionKind::Deactivate);
    assert!(p.actions[0].reason.contains("not in the HR export"));

    let mut r = roster(vec![]);
    r.protected_ids.insert("13".into());
    let p = acct.plan(&r, &cfg);
    assert!(p.is_empty());
    assert_eq!(
        p.skipped[0].reason,
        SkipCause::HrRowProblem,
        "{:?}",
        p.skipped
    );
}

#[test]
fn owner_and_protected_users_are_never_written() {
    let cfg = std_config();
    let r = roster(vec![
        emp(
            "1",
            "owner@example.com",
            "Olive Owner",
            Lifecycle::Terminated,
            "IT",
            "CEO",
        ),
        emp(
            "2",
            "vip@example.com",
            "Vi Pe",
            Lifecycle::Active,
            "IT",
            "Manager",
        ),
    ]);
    let acct = Account::new(vec![
        owner(),
        user("PVIP001", "vip@example.com", "Vi Pe", Role::User, "x", None),
    ]);
    let p = acct.plan(&r, &cfg);
    assert!(p.is_empty(), "{:#?}", p.actions);
    assert_eq!(p.skipped.len(), 2);
    let causes: Vec<&SkipCause> = p.skipped.iter().map(|s| &s.reason).collect();
    assert!(causes.contains(&&SkipCause::Untouchable(Untouchable::Owner)));
    assert!(causes.contains(&&SkipCause::Untouchable(Untouchable::Protected)));
}

#[test]
fn unknown_team_and_stakeholder_on_team_are_rule_mistakes() {
    let cfg = config("[[teams.rule]]\nteam = \"Nope\"\nrole = \"observer\"\n");
    let teams = teams();
    let err = plan(Inputs {
        teams: &teams,
        ..fixture::inputs(
            &roster(vec![]),
            &Policy::from_config(&cfg),
            NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        )
    })
    .unwrap_err();
    assert!(err.to_string().contains("no team \"Nope\""), "{err}");
    // The rule's line, as the configuration's own problems carry theirs.
    let line = format!("{CONFIG}[[teams.rule]]\n").lines().count() + 1;
    assert!(
        err.to_string().contains(&format!(
            "line {line}: teams.rule #1: PagerDuty has no team"
        )),
        "{err}"
    );

    let cfg = config("[[teams.rule]]\nteam = \"IT Operations\"\nrole = \"observer\"\n").to_owned();
    let mut cfg2 = cfg.clone();
    cfg2.roles.default = Role::ReadOnlyUser;
    let r = roster(vec![emp(
        "3",
        "ro@example.com",
        "Ro Su",
        Lifecycle::Active,
        "Sales",
        "Rep",
    )]);
    let err = plan(Inputs {
        teams: &teams,
        ..fixture::inputs(
            &r,
            &Policy::from_config(&cfg2),
            NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        )
    })
    .unwrap_err();
    assert!(err.to_string().contains("refuses on teams"), "{err}");
}

#[test]
fn conflicting_markers_and_foreign_email_matches_are_skipped() {
    let cfg = std_config();
    let r = roster(vec![
        emp(
            "20",
            "a@example.com",
            "Aa Bb",
            Lifecycle::Active,
            "Sales",
            "Rep",
        ),
        emp(
            "21",
            "b@example.com",
            "Cc Dd",
            Lifecycle::Active,
            "Sales",
            "Rep",
        ),
    ]);
    let acct = Account::new(vec![
        user(
            "P1",
            "x@example.com",
            "Aa Bb",
            Role::LimitedUser,
            "Rep",
            marked("20"),
        ),
        user(
            "P2",
            "y@example.com",
            "Aa Bb",
            Role::LimitedUser,
            "Rep",
            marked("20"),
        ),
        user(
            "P3",
            "b@example.com",
            "Cc Dd",
            Role::LimitedUser,
            "Rep",
            marked("99"),
        ),
    ]);
    let p = acct.plan(&r, &cfg);
    assert!(
        p.actions
            .iter()
            .all(|a| a.user_id.as_ref().map(|id| id.as_str()) == Some("P3")
                && a.kind == ActionKind::Deactivate),
        "only P3, whose employee 99 is gone, is acted on: {:#?}",
        p.actions
    );
    let duplicate = SkipCause::DuplicateMarker {
        employee_id: "20".into(),
        users: vec!["P1".into(), "P2".into()],
        rekey_resolves: false,
    };
    assert_eq!(
        p.skipped.iter().filter(|s| s.reason == duplicate).count(),
        2
    );
    assert!(p.skipped.iter().any(|s| s.reason
        == SkipCause::EmailOfAnotherEmployee {
            user: "P3".into(),
            marker_employee_id: "99".into(),
            rekey_hold: None,
        }));
}

#[test]
fn unreadable_marker_is_noted_and_replaced_after_email_match() {
    let cfg = std_config();
    let r = roster(vec![emp(
        "30",
        "h@example.com",
        "Ha Ki",
        Lifecycle::Active,
        "Sales",
        "Rep",
    )]);
    let acct = Account::new(vec![user(
        "PH",
        "h@example.com",
        "Ha Ki",
        Role::LimitedUser,
        "Rep",
        Some("hr2pagerduty:v1 {oops".into()),
    )]);
    let p = acct.plan(&r, &cfg);
    assert!(
        p.notes[0].contains("ownership marker ignored"),
        "{:?}",
        p.notes
    );
    assert_eq!(p.actions[0].kind, ActionKind::Update);
    assert!(p.actions[0].reason.contains("unreadable"));
}

#[test]
fn unknown_team_roles_are_requested_before_suspension() {
    let cfg = std_config();
    let (_, mut acct) = suspended_setup();
    acct.members.remove("PTCHESS");
    let r = roster(vec![emp(
        "12",
        "fa@example.com",
        "Fa Gu",
        Lifecycle::Terminated,
        "IT",
        "Manager",
    )]);
    let p = acct.plan(&r, &cfg);
    assert_eq!(
        p.needs_team_members,
        BTreeSet::from([TeamId::new("PTCHESS")])
    );
}

#[test]
fn pending_and_terminated_without_user_change_nothing_and_order_is_by_email() {
    let cfg = std_config();
    let r = roster(vec![
        emp(
            "40",
            "zz@example.com",
            "Zz Top",
            Lifecycle::Active,
            "Sales",
            "Rep",
        ),
        emp(
            "41",
            "pp@example.com",
            "Pp Qq",
            Lifecycle::Pending,
            "Sales",
            "Rep",
        ),
        emp(
            "42",
            "tt@example.com",
            "Tt Uu",
            Lifecycle::Terminated,
            "Sales",
            "Rep",
        ),
        emp(
            "43",
            "aa@example.com",
            "Aa Zz",
            Lifecycle::Active,
            "Sales",
            "Rep",
        ),
    ]);
    let p = Account::new(vec![]).plan(&r, &cfg);
    let emails: Vec<&str> = p.actions.iter().map(|a| a.email.as_str()).collect();
    assert_eq!(emails, vec!["aa@example.com", "zz@example.com"]);
    assert_eq!(p.unchanged, 2);
    assert_eq!(p.population.hr_active, 2);
}

#[test]
fn an_email_change_onto_another_users_address_is_a_skip_that_needs_a_person_and_the_rest_applied() {
    let cfg = std_config();
    let r = roster(vec![emp(
        "50",
        "taken@example.com",
        "Ja Ko",
        Lifecycle::Active,
        "Sales",
        "Senior Rep",
    )]);
    let acct = Account::new(vec![
        user(
            "PJA",
            "ja.old@example.com",
            "Ja Ko",
            Role::LimitedUser,
            "Rep",
            marked("50"),
        ),
        user(
            "POTHER",
            "taken@example.com",
            "Someone Else",
            Role::LimitedUser,
            "Rep",
            None,
        ),
    ]);
    let mut acct = acct;
    let p = acct.plan(&r, &cfg);
    assert_eq!(
        p.actions[0].steps,
        vec![Step::UpdateUser(UserUpdate {
            job_title: Some("Senior Rep".into()),
            ..Default::default()
        })],
        "the title lands; the email does not"
    );
    assert_eq!(p.actions[0].email.as_str(), "ja.old@example.com");
    // The holder does not give the address up in this run: the email change is a skip
    // that needs a person, naming the holder (r10g #12: it was only a note, exit 0).
    let taken = |p: &Plan| -> Vec<Skip> {
        p.skipped
            .iter()
            .filter(|s| {
                matches!(&s.reason, SkipCause::EmailTaken { holder, user_email }
                    if holder.as_str() == "POTHER" && user_email.as_str() == "ja.old@example.com")
            })
            .cloned()
            .collect()
    };
    let skips = taken(&p);
    assert_eq!(skips.len(), 1, "{:?}", p.skipped);
    assert_eq!(
        skips[0].pagerduty_user_id.as_ref().map(|id| id.as_str()),
        Some("PJA")
    );
    assert!(skips[0].reason.needs_attention());
    assert!(
        skips[0]
            .reason
            .to_string()
            .contains("PagerDuty user POTHER")
    );
    assert!(
        !p.notes.iter().any(|n| n.contains("already has it")),
        "{:?}",
        p.notes
    );
    acct.apply(&p, None);
    let again = acct.plan(&r, &cfg);
    assert!(again.is_empty(), "no request is retried every night");
    assert_eq!(
        taken(&again).len(),
        1,
        "the conflict is still reported: {:?}",
        again.skipped
    );
    assert_eq!(
        again.unchanged, 0,
        "the row is counted once, among the skipped"
    );
}

#[test]
fn a_protected_email_is_never_created_either() {
    let cfg = std_config();
    let r = roster(vec![emp(
        "51",
        "vip@example.com",
        "Vi Pe",
        Lifecycle::Active,
        "Sales",
        "Rep",
    )]);
    let p = Account::new(vec![]).plan(&r, &cfg);
    assert!(p.is_empty());
    assert_eq!(
        p.skipped[0].reason,
        SkipCause::Untouchable(Untouchable::Protected)
    );
}

#[test]
fn a_stakeholder_role_is_not_given_to_a_member_of_an_unruled_team() {
    let mut cfg = std_config();
    cfg.roles.default = Role::ReadOnlyUser;
    let r = roster(vec![emp(
        "60",
        "st@example.com",
        "St Ak",
        Lifecycle::Active,
        "Sales",
        "Analyst",
    )]);
    let mut acct = Account::new(vec![user(
        "PST",
        "st@example.com",
        "St Ak",
        Role::LimitedUser,
        "Rep",
        marked("60"),
    )]);
    acct.join("PST", "PTCHESS", TeamRole::Observer);
    let p = acct.plan(&r, &cfg);
    assert_eq!(p.actions.len(), 1);
    assert!(!p.actions[0].changes_role(), "{:?}", p.actions[0].changes);
    assert!(
        p.notes.iter().any(|n| n.contains("Chess Club")),
        "{:?}",
        p.notes
    );
    acct.apply(&p, None);
    assert!(acct.plan(&r, &cfg).is_empty());
    acct.leave("PST", "PTCHESS");
    let p = acct.plan(&r, &cfg);
    assert!(
        p.actions[0].changes_role(),
        "once off the team, the role follows the rules"
    );
}

#[test]
fn creating_users_needs_a_from_user_that_exists() {
    let cfg = std_config();
    let r = roster(vec![emp(
        "70",
        "new@example.com",
        "Ne Wu",
        Lifecycle::Active,
        "Sales",
        "Rep",
    )]);
    let mut acct = Account::new(vec![]);
    acct.users.retain(|u| u.id != "PBOT");
    let teams = teams();
    let err = plan(Inputs {
        users: &acct.users,
        teams: &teams,
        members: &acct.members,
        ..fixture::inputs(
            &r,
            &Policy::from_config(&cfg),
            NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        )
    })
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("from = \"bot@example.com\" is not a user"),
        "{err}"
    );
}

#[test]
fn a_broken_marker_naming_an_employee_blocks_a_duplicate_create() {
    let cfg = std_config();
    // The marker was written by a newer version; the employee's email changed meanwhile.
    let r = roster(vec![emp(
        "80",
        "ed.new@example.com",
        "Ed Ko",
        Lifecycle::Active,
        "Sales",
        "Rep",
    )]);
    let acct = Account::new(vec![user(
        "PED",
        "ed.old@example.com",
        "Ed Ko",
        Role::LimitedUser,
        "Rep",
        Some("hr2pagerduty:v2 {\"employee_id\":\"80\"}".into()),
    )]);
    let p = acct.plan(&r, &cfg);
    assert!(p.is_empty(), "no create: {:#?}", p.actions);
    assert_eq!(
        p.skipped[0].reason,
        SkipCause::ClaimedByUnreadableMarker {
            users: vec!["PED".into()],
            fault: MarkerFault::Unreadable,
        },
        "{:?}",
        p.skipped
    );
    assert_eq!(
        p.skipped[0]
            .pagerduty_user_id
            .as_ref()
            .map(|id| id.as_str()),
        Some("PED")
    );
    assert!(
        !p.notes
            .iter()
            .any(|n| n.contains("has no ownership marker")),
        "noted once, as unreadable: {:?}",
        p.notes
    );

    // Matched by email, but the broken marker names someone else: not adopted.
    let r = roster(vec![emp(
        "81",
        "ed.old@example.com",
        "Ed Ko",
        Lifecycle::Active,
        "Sales",
        "Rep",
    )]);
    let p = acct.plan(&r, &cfg);
    assert!(p.is_empty(), "{:#?}", p.actions);
    assert_eq!(
        p.skipped[0].reason,
        SkipCause::EmailOfAnotherUnreadableMarker {
            user: "PED".into(),
            claimed_employee_id: "80".into(),
            fault: MarkerFault::Unreadable,
        },
        "{:?}",
        p.skipped
    );
}

#[test]
fn stakeholder_with_a_team_is_found_offline() {
    let mut cfg = config("[[teams.rule]]\nteam = \"IT Operations\"\nrole = \"observer\"\n");
    let r = roster(vec![emp(
        "90",
        "ro@example.com",
        "Ro Su",
        Lifecycle::Active,
        "Sales",
        "Rep",
    )]);
    assert!(check_rules_offline(&Policy::from_config(&cfg), &r).is_ok());
    cfg.roles.default = Role::ReadOnlyUser;
    let err = check_rules_offline(&Policy::from_config(&cfg), &r)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("employee 90 (line 91)") && err.contains("\"IT Operations\""),
        "{err}"
    );
}

/// The day the planner tests plan on.
fn nov_30() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
}

/// What a leaver on call holds: a policy, a schedule shift and an open incident
/// ([`crate::oncall::held_fixture`]).
pub(super) fn on_call() -> OncallImpact {
    crate::oncall::held_fixture()
}

#[test]
fn a_leaver_on_call_is_blocked_every_run_until_free_or_allowed() {
    let (cfg, mut acct) = suspended_setup();
    let r = roster(vec![emp(
        "12",
        "fa@example.com",
        "Fa Gu",
        Lifecycle::Terminated,
        "IT",
        "Manager",
    )]);
    acct.oncall.insert(UserId::new("PFA0001"), on_call());
    let p = acct.plan(&r, &cfg);
    assert_eq!((p.count(ActionKind::Deactivate), p.blocked()), (1, 1));
    assert_eq!(p.attempted(ActionKind::Deactivate), 0);
    let a = &p.actions[0];
    assert_eq!(a.oncall, Some(on_call()));
    let b = a.blocked.as_ref().expect("blocked");
    assert_eq!(b.lookahead_days, 30);
    assert!(
        b.to_string()
            .starts_with("on escalation policy \"IT Operations EP\" (PEPOPS1)"),
        "{b}"
    );
    assert_eq!(a.steps.len(), 5, "the steps stay, for an override");
    assert!(p.needs_oncall.is_empty());
    // Not attempted: the next run finds the same user and plans the same blocked action.
    acct.apply(&p, None);
    assert_eq!(acct.plan(&r, &cfg), p);

    // The switch cannot let through a suspension to a stakeholder role (this setup's
    // read_only_limited_user) of a user on an escalation policy: PagerDuty does not allow a
    // stakeholder on one (PAGERDUTY_API.md §3.2) and would refuse the role change, the
    // suspension's last step. The block says so and counts among those only a person can
    // clear.
    let mut allow = Policy::from_config(&cfg);
    allow.allow_oncall_gaps = true;
    let p = acct.plan_with(&r, &allow, &acct.oncall_facts(), nov_30());
    assert_eq!((p.attempted(ActionKind::Deactivate), p.blocked()), (0, 1));
    let b = p.actions[0]
        .blocked
        .as_ref()
        .expect("blocked even with the switch");
    assert_eq!(b.cause(), crate::oncall::BlockCause::StakeholderOnRota);
    assert!(
        b.to_string().ends_with("; the suspension gives base role read_only_limited_user, a stakeholder role, which PagerDuty does not allow on schedules or escalation policies, so --allow-oncall-gaps cannot help: the deactivation is blocked (not attempted)"),
        "{b}"
    );
    assert!(
        b.remedy().ends_with("the next run then goes ahead (--allow-oncall-gaps cannot: PagerDuty does not allow base role read_only_limited_user on schedules or escalation policies)"),
        "{}",
        b.remedy()
    );

    // With a suspended role PagerDuty allows there, the switch lets it through, with what
    // it leaves behind still named.
    allow.suspended_role = Role::RestrictedAccess;
    let p = acct.plan_with(&r, &allow, &acct.oncall_facts(), nov_30());
    assert_eq!((p.attempted(ActionKind::Deactivate), p.blocked()), (1, 0));
    assert_eq!(p.actions[0].oncall, Some(on_call()));

    // Once the user holds nothing, the deactivation goes ahead and converges.
    acct.oncall.clear();
    let p = acct.plan(&r, &cfg);
    assert_eq!(p.actions[0].oncall, Some(OncallImpact::default()));
    assert_eq!(p.blocked(), 0);
    acct.apply(&p, None);
    assert!(acct.plan(&r, &cfg).is_empty());
}

#[test]
fn a_leaver_a_schedule_lists_is_blocked_through_its_policy_and_not_counted_by_the_cap() {
    // No on-call names the leaver (their next shift is beyond the lookahead) and no policy
    // targets them directly; the schedule listing shows them in "Ops Weekly", which
    // "Ops EP" uses.
    let (cfg, mut acct) = suspended_setup();
    let r = roster(vec![emp(
        "12",
        "fa@example.com",
        "Fa Gu",
        Lifecycle::Terminated,
        "IT",
        "Manager",
    )]);
    let weekly: crate::pagerduty::models::oncall::Schedule = serde_json::from_value(serde_json::json!({
        "id": "PSCHED1", "type": "schedule", "name": "Ops Weekly", "time_zone": "Etc/UTC",
        "users": [{"id": "PFA0001", "type": "user_reference"}],
        "escalation_policies": [{"id": "PEPOPS1", "type": "escalation_policy_reference", "summary": "Ops EP"}]
    }))
    .unwrap();
    let leaver = [UserId::new("PFA0001")];
    let mut found = crate::oncall::attribute(&leaver, &[], &[], &[], &[weekly]).impacts;
    acct.oncall
        .insert(leaver[0].clone(), found.remove(&leaver[0]).unwrap());
    let p = acct.plan(&r, &cfg);
    assert_eq!((p.count(ActionKind::Deactivate), p.blocked()), (1, 1));
    let a = &p.actions[0];
    let held = a.oncall.as_ref().unwrap();
    assert_eq!(
        (
            held.escalation_policies[0].id.as_str(),
            held.escalation_policies[0].name.as_str(),
            held.schedules[0].id.as_str(),
            held.schedules[0].name.as_str()
        ),
        ("PEPOPS1", "Ops EP", "PSCHED1", "Ops Weekly")
    );
    assert_eq!(
        a.blocked.as_ref().unwrap().to_string(),
        "on escalation policy \"Ops EP\" (PEPOPS1); on schedule \"Ops Weekly\" (PSCHED1); the suspension gives base role read_only_limited_user, a stakeholder role, which PagerDuty does not allow on schedules or escalation policies, so --allow-oncall-gaps cannot help: the deactivation is blocked (not attempted)"
    );
    // Not attempted, so a cap of no deactivations at all still lets the plan through; with
    // --allow-oncall-gaps it is attempted, and counted.
    let none = SafetyCaps {
        max_deactivations: 0,
        ..SafetyCaps::default()
    };
    let caps = |p: &Plan| {
        super::safety::check(p, &none, super::safety::Overrides::default())
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(caps(&p), Vec::<String>::new());
    // (A stakeholder suspension stays blocked with the switch: see above.)
    let mut allow = Policy::from_config(&cfg);
    allow.allow_oncall_gaps = true;
    allow.suspended_role = Role::RestrictedAccess;
    let p = acct.plan_with(&r, &allow, &acct.oncall_facts(), nov_30());
    assert_eq!(p.attempted(ActionKind::Deactivate), 1);
    assert_eq!(
        caps(&p),
        vec!["1 deactivation exceeds [safety] max_deactivations = 0; review the plan, then rerun with --allow-deactivations 1".to_string()]
    );
}

#[test]
fn a_leaver_whose_duties_were_not_looked_up_is_blocked_and_named_as_needed() {
    let (cfg, acct) = suspended_setup();
    let r = roster(vec![]);
    let unread = OncallFacts::new(Lookahead {
        since: "2026-11-30T00:00:00Z".parse().unwrap(),
        days: 14,
    });
    let p = acct.plan_with(&r, &Policy::from_config(&cfg), &unread, nov_30());
    assert_eq!(p.needs_oncall, BTreeSet::from([UserId::new("PFA0001")]));
    let a = &p.actions[0];
    assert_eq!(a.oncall, None);
    assert_eq!(
        a.blocked,
        Some(crate::oncall::Blocked {
            impact: None,
            lookahead_days: 14,
            refused: Vec::new(),
            removals_only: false,
            held: None,
        })
    );
    // Only deactivations are looked up: a plan with none needs nobody.
    let mut acct = acct;
    acct.users.retain(|u| u.id != "PFA0001");
    let p = acct.plan_with(&r, &Policy::from_config(&cfg), &unread, nov_30());
    assert!(p.needs_oncall.is_empty() && p.blocked() == 0);
}

/// Gu (PGU0001) moves from manager to engineer: into IT Operations, out of Managers
/// (PTMGRS1).
pub(super) fn mover() -> (Config, Account, Roster) {
    let cfg = std_config();
    let r = roster(vec![emp(
        "21",
        "gu@example.com",
        "Gu Ha",
        Lifecycle::Active,
        "IT",
        "Engineer",
    )]);
    let mut acct = Account::new(vec![user(
        "PGU0001",
        "gu@example.com",
        "Gu Ha",
        Role::LimitedUser,
        "Manager",
        marked("21"),
    )]);
    acct.join("PGU0001", "PTMGRS1", TeamRole::Manager);
    (cfg, acct, r)
}

#[test]
fn a_mover_joins_the_new_team_before_leaving_the_old_one() {
    let (cfg, mut acct, r) = mover();
    let p = acct.plan(&r, &cfg);
    let steps = &p.actions[0].steps;
    let put = steps.iter().position(|s| matches!(s, Step::UpdateUser(_)));
    let add = steps
        .iter()
        .position(|s| matches!(s, Step::SetTeamRole { team_id, .. } if team_id == "PTITOPS"));
    let remove = steps
        .iter()
        .position(|s| matches!(s, Step::RemoveFromTeam { team_id, .. } if team_id == "PTMGRS1"));
    assert!(put < add && add < remove, "{steps:?}");
    // A crash after the addition leaves the user on both teams; the next plan removes.
    acct.apply(&p, Some(2));
    assert_eq!(acct.users[0].teams.len(), 2);
    let next = acct.plan(&r, &cfg);
    assert!(
        matches!(
            next.actions[0].steps.as_slice(),
            [Step::RemoveFromTeam { .. }]
        ),
        "{next:?}"
    );
    acct.apply(&next, None);
    assert!(acct.plan(&r, &cfg).is_empty());
}

/// Ha Iv (employee 22, Sales), a limited user and responder on IT Operations, whom the
/// configuration now gives the stakeholder default role (`read_only_user`) and no team:
/// a move into a stakeholder role, which holds no teams (F17).
pub(super) fn stakeholder_mover() -> (Config, Roster, Account) {
    let mut cfg = std_config();
    cfg.roles.default = Role::ReadOnlyUser;
    // Sales gets no team from the rules, and the stakeholder default role.
    let r = roster(vec![emp(
        "22",
        "ha@example.com",
        "Ha Iv",
        Lifecycle::Active,
        "Sales",
        "Rep",
    )]);
    let mut acct = Account::new(vec![user(
        "PHA0001",
        "ha@example.com",
        "Ha Iv",
        Role::LimitedUser,
        "Rep",
        marked("22"),
    )]);
    acct.join("PHA0001", "PTITOPS", TeamRole::Responder);
    (cfg, r, acct)
}

#[test]
fn a_move_into_a_stakeholder_role_leaves_teams_before_the_role_changes() {
    let (cfg, r, mut acct) = stakeholder_mover();
    let p = acct.plan(&r, &cfg);
    let steps = &p.actions[0].steps;
    assert!(
        matches!(
            steps.as_slice(),
            [
                Step::RemoveFromTeam { .. },
                Step::UpdateUser(UserUpdate {
                    role: Some(Role::ReadOnlyUser),
                    ..
                })
            ]
        ),
        "{steps:?}"
    );
    // The in-memory executor refuses a stakeholder on a team, as PagerDuty does (F17).
    acct.apply(&p, None);
    assert!(acct.plan(&r, &cfg).is_empty());
}

/// Found by the planner's property tests: a rehire whom the rules now give a stakeholder
/// role, while on a team no rule names (put there by hand during the suspension), got a
/// `PUT` of that role, which PagerDuty refuses (F17), every night.
#[test]
fn a_rehire_on_an_unruled_team_keeps_its_role_instead_of_a_refused_stakeholder_role() {
    let mut cfg = std_config();
    cfg.roles.default = Role::ReadOnlyUser;
    let r = roster(vec![emp(
        "61",
        "re@example.com",
        "Re Hi",
        Lifecycle::Active,
        "Sales",
        "Analyst",
    )]);
    let record = suspension_record(
        "61",
        NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
        Role::Admin,
        vec![],
    );
    let mut acct = Account::new(vec![user(
        "PRE",
        "re@example.com",
        "Re Hi",
        Role::ReadOnlyLimitedUser,
        "Analyst",
        Some(marker::render("", &record)),
    )]);
    acct.users[0].role = Role::Observer;
    acct.join("PRE", "PTCHESS", TeamRole::Observer);
    let p = acct.plan(&r, &cfg);
    assert_eq!(p.actions.len(), 1);
    assert_eq!(p.actions[0].kind, ActionKind::Reactivate);
    assert!(!p.actions[0].changes_role(), "{:?}", p.actions[0].changes);
    assert!(
        p.notes
            .iter()
            .any(|n| n.contains("Chess Club") && n.contains("role left at observer")),
        "{:?}",
        p.notes
    );
    acct.apply(&p, None);
    assert!(acct.plan(&r, &cfg).is_empty());
}

/// Found by `proptests::the_plan_does_not_depend_on_input_order`: the users a duplicate
/// marker or an unreadable claim names were listed in PagerDuty's listing order.
#[test]
fn users_sharing_a_marker_are_named_in_id_order_whatever_the_listing_order() {
    let cfg = std_config();
    let r = roster(vec![emp(
        "22",
        "new@example.com",
        "Ne Wu",
        Lifecycle::Active,
        "Sales",
        "Rep",
    )]);
    let users = vec![
        user(
            "PB",
            "b@example.com",
            "Aa Bb",
            Role::LimitedUser,
            "Rep",
            marked("20"),
        ),
        user(
            "PA",
            "a@example.com",
            "Aa Bb",
            Role::LimitedUser,
            "Rep",
            marked("20"),
        ),
        user(
            "PD",
            "d@example.com",
            "Ne Wu",
            Role::LimitedUser,
            "Rep",
            Some("hr2pagerduty:v2 {\"employee_id\":\"22\"}".into()),
        ),
        user(
            "PC",
            "c@example.com",
            "Ne Wu",
            Role::LimitedUser,
            "Rep",
            Some("hr2pagerduty:v2 {\"employee_id\":\"22\"}".into()),
        ),
    ];
    let listed = Account::new(users.clone()).plan(&r, &cfg);
    let mut reversed = users;
    reversed.reverse();
    assert_eq!(
        Account::new(reversed).plan(&r, &cfg).skipped,
        listed.skipped
    );
    let causes: Vec<&SkipCause> = listed.skipped.iter().map(|s| &s.reason).collect();
    assert!(causes.contains(&&SkipCause::DuplicateMarker {
        employee_id: "20".into(),
        users: vec!["PA".into(), "PB".into()],
        rekey_resolves: false,
    }));
    assert!(causes.contains(&&SkipCause::ClaimedByUnreadableMarker {
        users: vec!["PC".into(), "PD".into()],
        fault: MarkerFault::Unreadable,
    }));
    let claimed = listed
        .skipped
        .iter()
        .find(|s| s.employee_id.as_ref().map(|id| id.as_str()) == Some("22"));
    assert_eq!(
        claimed
            .unwrap()
            .pagerduty_user_id
            .as_ref()
            .map(|id| id.as_str()),
        Some("PC")
    );
}

#[test]
fn an_address_handed_to_a_new_hire_is_taken_after_the_old_owner_moves_in_one_run() {
    let cfg = std_config();
    // A (60) moves from shared@ to a.new@; B (61), a new hire, gets shared@.
    let r = roster(vec![
        emp(
            "60",
            "a.new@example.com",
            "Al Po",
            Lifecycle::Active,
            "Sales",
            "Rep",
        ),
        emp(
            "61",
            "shared@example.com",
            "Be Qu",
            Lifecycle::Active,
            "Sales",
            "Rep",
        ),
    ]);
    let mut acct = Account::new(vec![user(
        "PAL",
        "shared@example.com",
        "Al Po",
        Role::LimitedUser,
        "Rep",
        marked("60"),
    )]);
    let p = acct.plan(&r, &cfg);
    assert!(p.skipped.is_empty(), "{:#?}", p.skipped);
    let create = p
        .actions
        .iter()
        .find(|a| a.kind == ActionKind::Create)
        .expect("B is created this run");
    assert_eq!(create.email.as_str(), "shared@example.com");
    assert_eq!(create.waits_for.as_ref().map(|id| id.as_str()), Some("PAL"));
    assert!(
        create
            .reason
            .contains("takes over shared@example.com from PagerDuty user PAL"),
        "{}",
        create.reason
    );
    let update = p
        .actions
        .iter()
        .find(|a| a.kind == ActionKind::Update)
        .unwrap();
    assert_eq!(update.waits_for, None);
    assert_eq!(update.email.as_str(), "a.new@example.com");
    acct.apply(&p, None);
    assert!(acct.plan(&r, &cfg).is_empty(), "converged in one run");
}

#[test]
fn a_chain_of_moves_is_ordered_and_a_swap_is_a_conflict_for_a_person() {
    let cfg = std_config();
    // Chain: C (72) takes B's address, B (71) takes A's, A (70) moves to a free one.
    let chain = roster(vec![
        emp(
            "70",
            "free@example.com",
            "Aa Aa",
            Lifecycle::Active,
            "Sales",
            "Rep",
        ),
        emp(
            "71",
            "a@example.com",
            "Bb Bb",
            Lifecycle::Active,
            "Sales",
            "Rep",
        ),
        emp(
            "72",
            "b@example.com",
            "Cc Cc",
            Lifecycle::Active,
            "Sales",
            "Rep",
        ),
    ]);
    let mut acct = Account::new(vec![
        user(
            "PA",
            "a@example.com",
            "Aa Aa",
            Role::LimitedUser,
            "Rep",
            marked("70"),
        ),
        user(
            "PB",
            "b@example.com",
            "Bb Bb",
            Role::LimitedUser,
            "Rep",
            marked("71"),
        ),
    ]);
    let p = acct.plan(&chain, &cfg);
    let waits: Vec<(&str, Option<&str>)> = p
        .actions
        .iter()
        .map(|a| (a.email.as_str(), a.waits_for.as_ref().map(|id| id.as_str())))
        .collect();
    assert_eq!(
        waits,
        [
            ("a@example.com", Some("PA")),
            ("b@example.com", Some("PB")),
            ("free@example.com", None)
        ]
    );
    assert!(
        p.notes.iter().all(|n| !n.contains("already has it")),
        "{:?}",
        p.notes
    );
    assert!(p.needs_attention().next().is_none(), "{:?}", p.skipped);
    // The in-memory executor runs waiting actions last; a real one follows the chain.
    let mut again = acct.clone();
    let first: Plan = Plan {
        actions: p
            .actions
            .iter()
            .filter(|a| a.waits_for.is_none())
            .cloned()
            .collect(),
        ..p.clone()
    };
    again.apply(&first, None);
    let second = Plan {
        actions: p
            .actions
            .iter()
            .filter(|a| a.waits_for.as_ref().map(|id| id.as_str()) == Some("PA"))
            .cloned()
            .collect(),
        ..p.clone()
    };
    again.apply(&second, None);
    let third = Plan {
        actions: p
            .actions
            .iter()
            .filter(|a| a.waits_for.as_ref().map(|id| id.as_str()) == Some("PB"))
            .cloned()
            .collect(),
        ..p.clone()
    };
    again.apply(&third, None);
    assert!(
        again.plan(&chain, &cfg).is_empty(),
        "the chain converged in one run"
    );
    acct = again;
    assert_eq!(
        acct.users
            .iter()
            .filter(|u| u.email == "b@example.com")
            .count(),
        1
    );

    // Swap: D and E trade addresses; neither can go first.
    let swap = roster(vec![
        emp(
            "80",
            "e@example.com",
            "Dd Dd",
            Lifecycle::Active,
            "Sales",
            "Rep",
        ),
        emp(
            "81",
            "d@example.com",
            "Ee Ee",
            Lifecycle::Active,
            "Sales",
            "Rep",
        ),
    ]);
    let acct = Account::new(vec![
        user(
            "PD",
            "d@example.com",
            "Dd Dd",
            Role::LimitedUser,
            "Rep",
            marked("80"),
        ),
        user(
            "PE",
            "e@example.com",
            "Ee Ee",
            Role::LimitedUser,
            "Rep",
            marked("81"),
        ),
    ]);
    // Each row's marker finds one user while its email is on the other, which keeps it:
    // conflicting evidence, so neither user is written and each row needs a person.
    let p = acct.plan(&swap, &cfg);
    assert!(p.actions.is_empty(), "{:#?}", p.actions);
    let conflicts: BTreeSet<(&str, &str)> = p
        .skipped
        .iter()
        .filter_map(|s| match &s.reason {
            SkipCause::MarkerEmailConflict { user, holder, .. } => {
                Some((user.as_str(), holder.as_str()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        conflicts,
        BTreeSet::from([("PD", "PE"), ("PE", "PD")]),
        "{:#?}",
        p.skipped
    );
    assert!(p.skipped.iter().all(|s| s.reason.needs_attention()));
}

mod ownership;

mod dated_ownership;

mod deletion;

mod explain;

mod signing;

mod takeover;

mod binding;

mod refused_removals;

mod identity;

mod rekey;
mod stakeholder_rota;
