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
use super::contract::{ActionKind, ProbableDuplicate};
use super::matching::Index;
use crate::email::Email;
use crate::pagerduty::models::User;
use std::collections::BTreeMap;

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
