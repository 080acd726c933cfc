//! Evidence against a match by marker. The marker says which employee ID a user belongs to,
//! but HR reuses employee IDs, and an export whose IDs were renumbered onto old values
//! points every marker at the wrong person. A marker match is therefore used only when the
//! user is plausibly the row's person ([`plausibly_same`]: the row's email, or the same
//! name, first name or last name, compared as probable duplicates compare names), and when
//! the row's email is not held by another managed user (one whose trusted marker names
//! another employee) that keeps it in this run. Otherwise the row is a skip that needs a
//! person ([`SkipCause::EmployeeIdReused`], [`SkipCause::MarkerEmailConflict`]; the second
//! counts as an identity conflict).
//!
//! Under `--rekey-employee-ids`, a user whose email matches exactly one HR row is re-keyed
//! to that row's ID even when another row's marker points at it ([`Index::rekey_overlaps`]),
//! so that IDs reversed, shuffled or shifted by one are re-keyed like IDs that are new.

use super::{Found, Index};
use crate::email::Email;
use crate::hr::{Employee, Roster};
use crate::ids::{EmployeeId, UserId};
use crate::pagerduty::models::User;
use crate::plan::duplicates::comparable;
use crate::plan::skip::SkipCause;
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// Who gives an email up earlier in this run (the email hand-offs), if anyone does.
pub(in crate::plan) type Freed<'f> = &'f dyn Fn(&Email) -> Option<UserId>;

/// Whether user `u`, whose marker names `e`'s employee ID, is plausibly `e`'s person: it has
/// the row's email (normalised), or its name equals the row's, or shares its first or its
/// last word with it, names compared as probable duplicates compare them (trimmed,
/// whitespace collapsed, case- and diacritic-insensitive). A legal-name change that keeps
/// the first or the last name, or the email, still passes.
pub(in crate::plan) fn plausibly_same(e: &Employee, u: &User) -> bool {
    if e.email.is_normal_form_of(&u.email) {
        return true;
    }
    let theirs = comparable(&u.name);
    let theirs: Vec<&str> = theirs.split(' ').filter(|w| !w.is_empty()).collect();
    let (Some(first), Some(last)) = (theirs.first(), theirs.last()) else {
        return false;
    };
    [
        e.name.as_str(),
        &format!("{} {}", e.first_name, e.last_name),
    ]
    .iter()
    .any(|name| {
        let ours = comparable(name);
        let ours: Vec<&str> = ours.split(' ').filter(|w| !w.is_empty()).collect();
        ours.first() == Some(first) || ours.last() == Some(last)
    })
}

/// The skip cause for `e`'s match by marker on `u`, when the evidence is against it:
/// `freed` tells whether a user gives the row's email up in this run (the email
/// hand-offs); `None` while they are not known yet, when only an implausible match is
/// doubted.
fn doubt(index: &Index<'_>, e: &Employee, u: &User, freed: Option<Freed<'_>>) -> Option<SkipCause> {
    if e.email.is_normal_form_of(&u.email) {
        return None;
    }
    // The row's email on another user whose trusted marker names another employee.
    let holder = index
        .by_email(&e.email)
        .filter(|h| h.id != u.id)
        .and_then(|h| {
            let other = index.marker(h)?.employee_id.as_ref()?;
            (*other != e.employee_id).then_some((h, other))
        });
    let plausible = plausibly_same(e, u);
    let kept = |h: &User| freed.is_none_or(|f| f(&e.email).as_ref() != Some(&h.id));
    match holder {
        Some((h, other)) if kept(h) && (!plausible || freed.is_some()) => {
            Some(SkipCause::MarkerEmailConflict {
                user: u.id.clone(),
                user_email: Email::normalise(&u.email),
                holder: h.id.clone(),
                holder_employee_id: other.clone(),
            })
        }
        None if !plausible => Some(SkipCause::EmployeeIdReused {
            user: u.id.clone(),
            name: u.name.clone(),
            email: Email::normalise(&u.email),
        }),
        _ => None,
    }
}

/// Turns each match by marker in `found` (one per employee of `employees`, in order) that
/// the evidence is against into a skip ([`Found::Blocked`], the user settled by it). Run
/// once before the email hand-offs are known (`freed` is `None`: implausible matches) and
/// once after (`freed` says who gives an email up: a row whose email another managed user
/// keeps).
pub(in crate::plan) fn doubt_marker_matches<'a>(
    index: &Index<'a>,
    employees: &[Employee],
    found: &mut [Found<'a>],
    freed: Option<Freed<'_>>,
) {
    for (e, f) in employees.iter().zip(found.iter_mut()) {
        if let Found::ByMarker(u) = *f
            && let Some(reason) = doubt(index, e, u, freed)
        {
            *f = Found::Blocked {
                reason,
                user: Some(u),
                decided: true,
            };
        }
    }
}

impl Index<'_> {
    /// Whether the evidence is against row `e`'s match by marker on `u`, hand-offs aside:
    /// `u` is not plausibly `e`'s person, or `e`'s email is on another user whose trusted
    /// marker names another employee.
    fn contradicts(&self, e: &Employee, u: &User) -> bool {
        doubt(self, e, u, Some(&|_: &Email| None)).is_some()
    }

    /// Under `--rekey-employee-ids` (`rekey`), finds the users to re-key to the row whose
    /// email they hold although the export lists the employee their marker names (IDs
    /// reversed, shuffled, shifted by one): the row's email is on exactly one row, on no
    /// row with a problem, and the row is no future hire (`hire_date` after `today`); the
    /// old ID is on no row with a problem and on one user only, and the evidence is against
    /// its row's match by marker on that user ([`Index::contradicts`]: a row of the old ID
    /// that the user plausibly is, and whose email is free, keeps it). A candidate is dropped
    /// while the user that the row's own ID finds by marker stays (it would keep that ID
    /// too), until none is. [`Index::find`] then no longer matches such a user by its old
    /// marker.
    pub(in crate::plan) fn rekey_overlaps(
        &mut self,
        roster: &Roster,
        rekey: bool,
        today: NaiveDate,
    ) {
        if !rekey {
            return;
        }
        let listed: BTreeMap<&EmployeeId, &Employee> = roster
            .employees
            .iter()
            .map(|e| (&e.employee_id, e))
            .collect();
        let mut rows_by_email: BTreeMap<&Email, usize> = BTreeMap::new();
        for e in &roster.employees {
            *rows_by_email.entry(&e.email).or_default() += 1;
        }
        let mut picked: BTreeMap<UserId, EmployeeId> = BTreeMap::new();
        for e in &roster.employees {
            if rows_by_email.get(&e.email) != Some(&1)
                || roster.protected_emails.contains(&e.email)
                || e.hire_date.is_some_and(|h| h > today)
            {
                continue;
            }
            let Some(u) = self.by_email(&e.email) else {
                continue;
            };
            let Some(old) = self.marker(u).and_then(|m| m.employee_id.as_ref()) else {
                continue;
            };
            let Some(old_row) = listed.get(old) else {
                continue;
            };
            if *old != e.employee_id
                && !roster.protected_ids.contains(old)
                && !self.marker_conflicts.contains_key(old)
                && self.contradicts(old_row, u)
            {
                picked.insert(u.id.clone(), e.employee_id.clone());
            }
        }
        loop {
            let staying: Vec<UserId> = picked
                .iter()
                .filter(|(u, to)| {
                    self.by_marker
                        .get(*to)
                        .is_some_and(|w| w.id != **u && !picked.contains_key(&w.id))
                })
                .map(|(u, _)| u.clone())
                .collect();
            if staying.is_empty() {
                break;
            }
            for u in staying {
                picked.remove(&u);
            }
        }
        self.overlap_rekeys = picked;
    }
}

#[cfg(test)]
mod tests {
    use super::plausibly_same;
    use crate::hr::Lifecycle;
    use crate::plan::tests::{emp, user};
    use crate::vocab::Role;

    #[test]
    fn a_marker_user_is_plausibly_the_row_by_email_or_a_kept_first_or_last_name() {
        let e = emp(
            "7",
            "zoe@example.com",
            "Zoë Newhire",
            Lifecycle::Active,
            "IT",
            "Rep",
        );
        let u = |name: &str, email: &str| user("P1", email, name, Role::LimitedUser, "Rep", None);
        // Same email, whatever the name.
        assert!(plausibly_same(&e, &u("Rob Moved", "ZOE@example.com")));
        // Another email: the first or the last name must be kept.
        assert!(plausibly_same(&e, &u("zoe  Married", "z.m@example.com")));
        assert!(plausibly_same(&e, &u("Zoey NEWHIRE", "z.n@example.com")));
        assert!(!plausibly_same(&e, &u("Rob Moved", "rob@example.com")));
        assert!(!plausibly_same(&e, &u("Zoey Newhires", "rob@example.com")));
        assert!(!plausibly_same(&e, &u("", "rob@example.com")));
    }
}
