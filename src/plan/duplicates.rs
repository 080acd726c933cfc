//! Probable duplicates: a planned create whose name equals that of an existing PagerDuty
//! user that no HR row matched. A wrong `[hr] email_template` or a changed email domain on a
//! first sync makes every person look new, and each create sends an invitation; the name
//! still finds the person's existing user. Names are compared trimmed, with runs of
//! whitespace collapsed, case-insensitively and without diacritics (`deunicode`, as the
//! email template does: `Zoë  KOVÁCS` equals `zoe kovacs`).
//!
//! Flagged creates carry [`ProbableDuplicate`]; `[safety] max_probable_duplicates` caps
//! them ([`super::safety`]).

use super::Tally;
use super::contract::{Action, ActionKind, ProbableDuplicate};
use super::matching::Index;
use crate::email::Email;
use crate::ids::UserId;
use crate::pagerduty::models::User;
use std::collections::{BTreeMap, BTreeSet};

/// `name` as the comparison sees it.
pub(super) fn comparable(name: &str) -> String {
    name.split_whitespace()
        .map(|w| deunicode::deunicode(w).to_lowercase())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Flags each create in `t` whose name equals that of a user of `users` that no HR row
/// matched (of several such namesakes, the one with the lowest user ID, so that the plan
/// does not depend on the order PagerDuty lists users in).
pub(super) fn flag(users: &[User], index: &Index<'_>, t: &mut Tally) {
    if !t.out.actions.iter().any(|a| a.kind == ActionKind::Create) {
        return;
    }
    let mut unmatched: BTreeMap<String, &User> = BTreeMap::new();
    for u in users {
        if !t.matched.contains(index.slot(u)) {
            let key = comparable(&u.name);
            if !key.is_empty() {
                let first = unmatched.entry(key).or_insert(u);
                if u.id < first.id {
                    *first = u;
                }
            }
        }
    }
    if unmatched.is_empty() {
        return;
    }
    for a in t
        .out
        .actions
        .iter_mut()
        .filter(|a| a.kind == ActionKind::Create)
    {
        if let Some(u) = unmatched.get(&comparable(&a.name)) {
            a.probable_duplicate = Some(ProbableDuplicate {
                user_id: u.id.clone(),
                name: u.name.clone(),
                email: Email::normalise(&u.email),
            });
        }
    }
    flag_namesakes(&mut t.out.actions);
}

/// The deactivations among `actions` of a user that a flagged create would duplicate
/// ([`ProbableDuplicate::user_id`]): unmanaged users that `unmanaged_users = "offboard"`
/// suspends in the run that creates their namesakes. Counted with the creates by
/// `[safety] max_probable_duplicates`.
pub(super) fn offboarded_namesakes(actions: &[Action]) -> impl Iterator<Item = &Action> {
    let namesakes: BTreeSet<&UserId> = actions
        .iter()
        .filter_map(|a| a.probable_duplicate.as_ref().map(|d| &d.user_id))
        .collect();
    actions.iter().filter(move |a| {
        a.kind == ActionKind::Deactivate
            && a.employee_id.is_none()
            && a.user_id.as_ref().is_some_and(|id| namesakes.contains(id))
    })
}

/// Adds to the reason of each deactivation of a flagged create's namesake
/// ([`offboarded_namesakes`]) which create has its name.
fn flag_namesakes(actions: &mut [Action]) {
    let creates: BTreeMap<UserId, (String, Email)> = actions
        .iter()
        .filter_map(|a| {
            let d = a.probable_duplicate.as_ref()?;
            Some((d.user_id.clone(), (a.name.clone(), a.email.clone())))
        })
        .collect();
    let ids: BTreeSet<UserId> = offboarded_namesakes(actions)
        .filter_map(|a| a.user_id.clone())
        .collect();
    for a in actions.iter_mut() {
        if let Some((name, email)) = a
            .user_id
            .as_ref()
            .filter(|id| ids.contains(*id))
            .and_then(|id| creates.get(id))
        {
            a.reason.push_str(&format!(
                "; probable duplicate: this plan also creates {name:?} <{email}> with this user's name (is [hr] email_template or the email domain wrong?), counted by [safety] max_probable_duplicates"
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::comparable;

    #[test]
    fn names_compare_trimmed_collapsed_and_without_case_or_diacritics() {
        assert_eq!(comparable("  Zoë   KOVÁCS "), comparable("zoe kovacs"));
        assert_eq!(comparable("Søren\tÅberg"), "soren aberg");
        assert_ne!(comparable("Ann Lee"), comparable("Anne Lee"));
    }
}
