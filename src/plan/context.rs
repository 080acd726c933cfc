//! What every part of one planning run reads and gathers: the inputs, the resolved rules,
//! team names, the team roles the members listings give, and what the builders collect as
//! they go (teams whose members are needed, users whose on-call duties are needed, blocked
//! email changes, the email hand-offs, notes).

use super::Inputs;
use super::contract::TeamMembership;
use super::handoff::Handoffs;
use super::licenses::Licensing;
use super::matching::Resign;
use super::policy::Policy;
use super::rules::ResolvedRules;
use crate::ids::{EmployeeId, TeamId, UserId};
use crate::marker::{self, Marker};
use crate::pagerduty::models::{TeamMember, User};
use crate::vocab::TeamRole;
use foldhash::HashSet;
use std::collections::{BTreeMap, BTreeSet};

/// A user's membership in one team as the planner sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Membership {
    pub(super) team_id: TeamId,
    /// `None` when the team's members were not fetched.
    pub(super) role: Option<TeamRole>,
}

/// The team roles the members listings give, by user: user ID → team ID → team role. Built
/// once per planning run (and by [`crate::saved_plan`] for its fingerprints) from the
/// members of every team read.
#[derive(Debug, Clone, Default)]
pub struct TeamRolesByUser<'a>(BTreeMap<&'a UserId, BTreeMap<&'a TeamId, &'a TeamRole>>);

impl<'a> TeamRolesByUser<'a> {
    /// The index of `members` (team ID → the members listing of that team).
    pub fn new(members: &'a BTreeMap<TeamId, Vec<TeamMember>>) -> TeamRolesByUser<'a> {
        let mut out: BTreeMap<&UserId, BTreeMap<&TeamId, &TeamRole>> = BTreeMap::new();
        for (team, list) in members {
            for m in list {
                out.entry(&m.user.id).or_default().insert(team, &m.role);
            }
        }
        TeamRolesByUser(out)
    }

    /// The teams `user` is listed in, with its role in each; `None` when no listing read
    /// names it.
    pub fn of(&self, user: &UserId) -> Option<&BTreeMap<&'a TeamId, &'a TeamRole>> {
        self.0.get(user)
    }
}

/// The state of one planning run.
pub(super) struct Ctx<'a> {
    pub(super) inp: Inputs<'a>,
    /// What the configuration asks (`inp.policy`).
    pub(super) policy: &'a Policy,
    pub(super) rules: ResolvedRules,
    /// Teams some rule names.
    pub(super) governed: BTreeSet<TeamId>,
    /// The employee IDs of the export's valid rows (looked up only).
    pub(super) roster_ids: HashSet<&'a EmployeeId>,
    /// Team ID → team name, for every team of the account.
    pub(super) team_names: BTreeMap<&'a TeamId, &'a str>,
    /// user ID → team ID → role, from the members listings (looked up by user only).
    roles_by_user: TeamRolesByUser<'a>,
    /// Teams whose members the plan needs but was not given.
    pub(super) needs: BTreeSet<TeamId>,
    /// Users whose on-call duties the plan needs but was not given.
    pub(super) needs_oncall: BTreeSet<UserId>,
    /// Employee IDs whose email must not change this run (another user holds the address).
    pub(super) email_blocked: BTreeSet<EmployeeId>,
    /// The email changes of this run, and which addresses they free.
    pub(super) handoffs: Handoffs,
    /// Notes gathered while planning actions.
    pub(super) notes: Vec<String>,
    /// The account's licences and the licence changes the builders record.
    pub(super) licensing: Licensing<'a>,
    /// Users whose trusted marker is to be signed again ([`super::matching::Index::resign`]).
    pub(super) resign: BTreeMap<UserId, Resign>,
}

impl<'a> Ctx<'a> {
    /// The context for `inp`, with its rules already resolved against the account's teams.
    pub(super) fn new(inp: Inputs<'a>, rules: ResolvedRules) -> Ctx<'a> {
        let governed = rules.governed();
        let roles_by_user = TeamRolesByUser::new(inp.members);
        Ctx {
            inp,
            policy: inp.policy,
            rules,
            governed,
            roster_ids: inp
                .roster
                .employees
                .iter()
                .map(|e| &e.employee_id)
                .collect(),
            team_names: inp.teams.iter().map(|t| (&t.id, t.name.as_str())).collect(),
            roles_by_user,
            needs: BTreeSet::new(),
            needs_oncall: BTreeSet::new(),
            email_blocked: BTreeSet::new(),
            handoffs: Handoffs::default(),
            notes: Vec::new(),
            licensing: Licensing::default(),
            resign: BTreeMap::new(),
        }
    }

    /// The description `human` + the marker line of `m`, signed when the run has marker
    /// keys for the user whose email (as PagerDuty will hold it once the request that
    /// writes the description is done) is `carrier`: what every builder writes.
    pub(super) fn render_marker(&self, human: &str, m: &Marker, carrier: &str) -> String {
        marker::render_with(human, m, self.inp.marker_keys, carrier)
    }

    /// The team's name, or its ID when the account has no such team.
    pub(super) fn team_name(&self, id: &TeamId) -> String {
        self.team_names
            .get(id)
            .map(|s| s.to_string())
            .unwrap_or_else(|| id.to_string())
    }

    /// The membership of team `id` with `role`, as [`super::TeamsChange`] lists it (by
    /// the team's name).
    pub(super) fn membership(&self, id: &TeamId, role: Option<TeamRole>) -> TeamMembership {
        TeamMembership {
            team: self.team_name(id),
            role,
        }
    }

    /// Every membership of `u`: its team references, plus any members listing naming it.
    pub(super) fn memberships(&self, u: &User) -> BTreeMap<TeamId, Membership> {
        let mut out = BTreeMap::new();
        let fetched = self.roles_by_user.of(&u.id);
        for t in &u.teams {
            let role = if self.inp.members.contains_key(&t.id) {
                fetched.and_then(|m| m.get(&t.id)).map(|r| (*r).clone())
            } else {
                None
            };
            out.insert(
                t.id.clone(),
                Membership {
                    team_id: t.id.clone(),
                    role,
                },
            );
        }
        if let Some(m) = fetched {
            for (team, role) in m {
                out.insert(
                    (*team).clone(),
                    Membership {
                        team_id: (*team).clone(),
                        role: Some((*role).clone()),
                    },
                );
            }
        }
        out
    }
}
