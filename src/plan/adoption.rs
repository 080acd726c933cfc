//! The one rule that decides whether taking over a user whom only its email ties to an
//! employee would raise its access, in an account whose markers are signed (README.md §
//! Marker integrity, "Adoption by email once markers are signed"): read by the planner's
//! guard (`plan::employees`) and by the executor when a create finds its email held by a
//! user already there (`apply`, after "Email has already been taken"), so that the plan and
//! the apply decide alike. Also the name rule of such an adoption ([`same_name`]): in a
//! signed account a user whose name is not the HR row's is not adopted by its email at all.

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

/// Whether a user named `user_name` may be the HR row named `row_name` for an adoption by
/// email in a signed account: the names are equal compared as probable duplicates compare
/// names (trimmed, whitespace collapsed, case- and diacritic-insensitive), the name rule of
/// `plan::matching::evidence::same_person`. The stricter of that rule and "shares a word":
/// a hand-made user for the person (`nora  NEWHIRE`, `Zoë Kovács` for `Zoe Kovacs`) passes,
/// while a user who took the hire's address under their own name, or one sharing only a
/// first name, does not.
pub fn same_name(user_name: &str, row_name: &str) -> bool {
    super::duplicates::comparable(user_name) == super::duplicates::comparable(row_name)
}

/// The skip of an adoption by email in a signed account of user `user` (name `user_name`,
/// email `user_email`) as the row named `row_name` when the names differ ([`same_name`]),
/// carrying `raise`, what the adoption would also raise tonight; `None` when the names are
/// the same (then `raise`, if any, is the skip on its own).
pub fn another_name(
    user: &crate::ids::UserId,
    user_name: &str,
    user_email: &str,
    row_name: &str,
    raise: Option<SkipCause>,
) -> Option<SkipCause> {
    (!same_name(user_name, row_name)).then(|| SkipCause::AdoptionOfAnotherName {
        user: user.clone(),
        user_name: user_name.to_string(),
        user_email: crate::email::Email::normalise(user_email),
        row_name: row_name.to_string(),
        raise: raise.map(Box::new),
    })
}

/// The skip of an adoption by email in a signed account of user `user` (email
/// `user_email`) whose name is the row's, without `--allow-adoption-by-email`: the email
/// and the name are both self-editable, so nothing else ties the user to the employee.
/// `raise` is what the adoption would also raise tonight.
pub fn adoption_by_email(
    user: &crate::ids::UserId,
    user_email: &str,
    raise: Option<SkipCause>,
) -> SkipCause {
    SkipCause::AdoptionByEmail {
        user: user.clone(),
        user_email: crate::email::Email::normalise(user_email),
        raise: raise.map(Box::new),
    }
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

    #[test]
    fn only_the_same_name_up_to_case_diacritics_and_whitespace_is_the_rows_person() {
        assert!(same_name("Nora Newhire", "Nora Newhire"));
        assert!(same_name("  nora   NEWHIRE ", "Nora Newhire"));
        assert!(same_name("Zoë Kovács", "Zoe Kovacs"));
        // Another person's name, one word shared, or one word dropped: not the same.
        assert!(!same_name("Carl Contractor", "Nora Newhire"));
        assert!(!same_name("Nora Contractor", "Nora Newhire"));
        assert!(!same_name("Nora", "Nora Newhire"));
        let u = crate::ids::UserId::from("PCARL01");
        let other = another_name(
            &u,
            "Carl Contractor",
            "Nora@Example.com",
            "Nora Newhire",
            None,
        );
        let Some(SkipCause::AdoptionOfAnotherName { user_email, .. }) = &other else {
            panic!("{other:?}");
        };
        assert_eq!(user_email.as_str(), "nora@example.com");
        assert_eq!(
            another_name(&u, "NORA NEWHIRE", "n@x", "Nora Newhire", None),
            None
        );
    }
}
