//! The one rule that decides whether taking over a user whom only its email ties to an
//! employee would raise its access, in an account whose markers are signed (README.md §
//! Marker integrity, "Adoption by email once markers are signed"): read by the planner's
//! guard (`plan::employees`) and by the executor when a create finds its email held by a
//! user already there (`apply`, after "Email has already been taken"), so that the plan and
//! the apply decide alike.

use super::SkipCause;
use crate::ids::TeamId;
use crate::vocab::{Role, TeamRole};
use std::collections::BTreeMap;

/// One team membership the rules give the employee: the team, its name for the words, and
/// the team role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    /// The team's ID.
    pub team_id: TeamId,
    /// The team's name, as the skip names it.
    pub team: String,
    /// The team role the rules give.
    pub role: TeamRole,
}

/// Why taking over user with base role `from` and team memberships `has` (team → its team
/// role, `None` when the role is not known: counted as not the manager's) as the employee
/// whom the rules give base role `to` and the memberships `wants` would raise its access,
/// as [`SkipCause::UnconfirmedAdoption`]; `None` when it raises nothing. A raise is a
/// higher base role in PagerDuty's order ([`Role::raised_to`]; a role outside it counts),
/// the manager role on a team where the user lacks it, or any team it is not on (a team
/// brings its on-call duties, incidents and services). An adoption that raises nothing
/// still happens.
pub fn adoption_raise(
    from: &Role,
    has: &BTreeMap<TeamId, Option<TeamRole>>,
    to: &Role,
    wants: &[Wanted],
) -> Option<SkipCause> {
    let mut manager_on = Vec::new();
    let mut joins = Vec::new();
    for w in wants {
        let had = has.get(&w.team_id);
        if w.role != TeamRole::Manager {
            if had.is_none() {
                joins.push(w.team.clone());
            }
            continue;
        }
        if had != Some(&Some(TeamRole::Manager)) {
            manager_on.push(w.team.clone());
        }
    }
    let raises = from.raised_to(to) || !manager_on.is_empty() || !joins.is_empty();
    raises.then(|| SkipCause::UnconfirmedAdoption {
        from: from.clone(),
        to: to.clone(),
        manager_on,
        joins,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wanted(id: &str, role: TeamRole) -> Wanted {
        Wanted {
            team_id: TeamId::from(id),
            team: format!("Team {id}"),
            role,
        }
    }

    #[test]
    fn a_higher_role_a_manager_role_or_a_new_team_is_a_raise_and_nothing_else_is() {
        let none = BTreeMap::new();
        let lim = Role::LimitedUser;
        assert!(adoption_raise(&lim, &none, &Role::Admin, &[]).is_some());
        assert!(adoption_raise(&Role::Admin, &none, &lim, &[]).is_none());
        let obs = [wanted("T1", TeamRole::Observer)];
        assert!(adoption_raise(&lim, &none, &lim, &obs).is_some());
        let on = BTreeMap::from([(TeamId::from("T1"), None)]);
        assert!(adoption_raise(&lim, &on, &lim, &obs).is_none());
        // A manager role not known to be held counts as given.
        let mgr = [wanted("T1", TeamRole::Manager)];
        assert!(adoption_raise(&lim, &on, &lim, &mgr).is_some());
        let managing = BTreeMap::from([(TeamId::from("T1"), Some(TeamRole::Manager))]);
        assert_eq!(adoption_raise(&lim, &managing, &lim, &mgr), None);
    }
}
