//! Evidence against a match by marker. The marker says which employee ID a user belongs to,
//! but HR reuses employee IDs, and an export whose IDs were renumbered onto old values
//! points every marker at the wrong person. A marker match is therefore used only when the
//! user is plausibly the row's person (for an active user [`plausibly_same`]: the row's
//! email, or the same name, first name or last name, compared as probable duplicates
//! compare names; for a suspended user, whom the match would reactivate, [`same_person`]:
//! the row's email or the same name, the rule the deletion archive's restores follow), when
//! the row's email is not held by another managed user (one whose trusted marker names
//! another employee) that keeps it in this run, and when no other row carries the user's
//! email and name while this row is not [`same_person`] (HR moved that person to another
//! ID and gave this one to someone else).
//! Otherwise the row is a skip that needs a person ([`SkipCause::EmployeeIdReused`],
//! [`SkipCause::MarkerEmailConflict`], [`SkipCause::EmployeeIdMoved`]; the last two count
//! as identity conflicts).
//!
//! Under `--rekey-employee-ids`, a user whose email matches exactly one HR row is re-keyed
//! to that row's ID even when another row's marker points at it ([`Index::rekey_overlaps`]),
//! so that IDs reversed, shuffled or shifted by one are re-keyed like IDs that are new, and
//! so is a person moved to another ID whose old ID HR gave to someone else.

use super::{Found, Index};
use crate::email::Email;
use crate::hr::{Employee, Roster};
use crate::ids::{EmployeeId, UserId};
use crate::pagerduty::models::User;
use crate::plan::Inputs;
use crate::plan::duplicates::comparable;
use crate::plan::ownership::untouchable;
use crate::plan::skip::RekeyHold;
use crate::plan::skip::SkipCause;
use foldhash::{HashMap, HashMapExt};
use std::collections::{BTreeMap, BTreeSet};

/// The export's rows by email (emails are unique in a roster), for the evidence that a
/// user's email and name are on another row than the one its marker names.
pub(in crate::plan) struct Rows<'r> {
    by_email: HashMap<&'r str, &'r Employee>,
}

impl<'r> Rows<'r> {
    /// Indexes the rows of `roster` by email.
    pub(in crate::plan) fn new(roster: &'r Roster) -> Rows<'r> {
        let mut by_email = HashMap::with_capacity(roster.employees.len());
        for e in &roster.employees {
            by_email.insert(e.email.as_str(), e);
        }
        Rows { by_email }
    }

    /// The row other than `e` (another employee ID) that carries user `u`'s email and its
    /// name (compared as probable duplicates compare names): the person `u` belongs to,
    /// whom HR moved to that row's employee ID, when `u`'s marker names `e`'s.
    fn moved_to(&self, e: &Employee, u: &User) -> Option<&'r Employee> {
        let r = *self.by_email.get(Email::normalised(&u.email).as_ref())?;
        (r.employee_id != e.employee_id && comparable(&r.name) == comparable(&u.name)).then_some(r)
    }
}

/// The other users of a duplicate marker that the evidence settles, each with the
/// employee ID of the row whose email it has, to which it is re-keyed.
type Settled = Vec<(UserId, EmployeeId)>;

/// Who gives an email up earlier in this run (the email hand-offs), if anyone does.
pub(in crate::plan) type Freed<'f> = &'f dyn Fn(&Email) -> Option<UserId>;

/// Whether a person named `name` with email `email` (a listed user, or a deleted one the
/// archive records) is employee `e`: the email normalises to `e`'s, or the name equals
/// `e`'s, compared as probable duplicates compare names (trimmed, whitespace collapsed,
/// case- and diacritic-insensitive). The one rule for a match that would hand `e` a
/// person's whole record back: a restore from the archive (`build::delete`) and the
/// reactivation of a suspended user found by marker ([`doubt`]). A name that keeps only
/// one word, under another email, is another person here.
pub(in crate::plan) fn same_person(name: &str, email: &str, e: &Employee) -> bool {
    e.email.is_normal_form_of(email) || comparable(name) == comparable(&e.name)
}

/// Whether active user `u`, whose marker names `e`'s employee ID, is plausibly `e`'s person: it has
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
/// hand-offs); `None` while they are not known yet, when only an implausible match, or a
/// user whose email and name another row carries while `e` is not [`same_person`], is
/// doubted. A suspended user (its
/// marker records a suspension, which the match would restore) must be [`same_person`];
/// an active one only [`plausibly_same`].
fn doubt(
    index: &Index<'_>,
    rows: &Rows<'_>,
    e: &Employee,
    u: &User,
    freed: Option<Freed<'_>>,
) -> Option<SkipCause> {
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
    let suspended = index.marker(u).is_some_and(|m| m.suspended.is_some());
    let plausible = if suspended {
        same_person(&u.name, &u.email, e)
    } else {
        plausibly_same(e, u)
    };
    let kept = |h: &User| freed.is_none_or(|f| f(&e.email).as_ref() != Some(&h.id));
    match holder {
        Some((h, other)) if kept(h) && (!plausible || freed.is_some()) => {
            Some(SkipCause::MarkerEmailConflict {
                user: u.id.clone(),
                user_email: Email::normalise(&u.email),
                holder: h.id.clone(),
                holder_employee_id: other.clone(),
                rekey_given: index.rekey_given,
            })
        }
        None if !plausible => Some(SkipCause::EmployeeIdReused {
            user: u.id.clone(),
            name: u.name.clone(),
            email: Email::normalise(&u.email),
        }),
        // The user's email and name on another row, while this row is not the same person
        // (another email, and at most a word of the name in common): that row is its
        // person, moved to another employee ID, and this ID was given to someone else. A
        // row of this ID with the user's very name keeps it (an email change), as before.
        _ if !same_person(&u.name, &u.email, e) => {
            rows.moved_to(e, u).map(|r| SkipCause::EmployeeIdMoved {
                user: u.id.clone(),
                email: Email::normalise(&u.email),
                moved_to: r.employee_id.clone(),
                rekey_hold: index.rekey_hold(u),
            })
        }
        _ => None,
    }
}

/// Turns each match by marker in `found` (one per employee of `employees`, in order) that
/// the evidence is against into a skip ([`Found::Blocked`], the user settled by it). Run
/// once before the email hand-offs are known (`freed` is `None`: implausible matches, and
/// users whose email and name another row of `rows` carries) and once after (`freed` says
/// who gives an email up: a row whose email another managed user keeps).
pub(in crate::plan) fn doubt_marker_matches<'a>(
    index: &Index<'a>,
    rows: &Rows<'_>,
    employees: &[Employee],
    found: &mut [Found<'a>],
    freed: Option<Freed<'_>>,
) {
    for (e, f) in employees.iter().zip(found.iter_mut()) {
        if let Found::ByMarker(u) = *f
            && let Some(reason) = doubt(index, rows, e, u, freed)
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
    /// `u` is not plausibly `e`'s person, `e`'s email is on another user whose trusted
    /// marker names another employee, or another row of `rows` carries `u`'s email and name
    /// while `e` is not [`same_person`].
    fn contradicts(&self, rows: &Rows<'_>, e: &Employee, u: &User) -> bool {
        doubt(self, rows, e, u, Some(&|_: &Email| None)).is_some()
    }

    /// Under `--rekey-employee-ids` (`inp.policy.rekey_employee_ids`), finds the users to
    /// re-key to the row whose email they hold although the export lists the employee
    /// their marker names (IDs reversed, shuffled, shifted by one): the row's email is on
    /// exactly one row, on no row with a problem, and the row is no future hire
    /// (`hire_date` after `today`); the old ID is on no row with a problem and on one user
    /// only, and the evidence is against its row's match by marker on that user
    /// ([`Index::contradicts`]: a row of the old ID that the user plausibly is, and whose
    /// email is free, keeps it, unless it is not [`same_person`] while the row whose email
    /// the user holds also carries its name).
    ///
    /// Two more ways out of a chain of shifted IDs:
    /// - A duplicate marker (several users carry employee N's) that an interrupted re-key
    ///   left is settled when the evidence is unambiguous: exactly one of them has the
    ///   email of the row of N (it keeps N), and each other one the email of another row
    ///   (usable as above, its ID on no duplicate), to which it is re-keyed.
    /// - A user whose marker names the ID of a row that a candidate is re-keyed to, and
    ///   whose own email and name are on no HR row (its email not even on one with a
    ///   problem: a row with its name may be its person under a new email), and whom
    ///   hr2pagerduty may write (not the owner, the key's user, protected or the `[pagerduty]
    ///   from` user), gives that ID up ([`Index::released`]): its person is gone from the
    ///   export, and it is planned as a user with no HR row (`plan::leavers`).
    ///
    /// A candidate is dropped while the user that the row's own ID finds by marker stays
    /// (neither re-keyed nor giving the ID up), until none is; a duplicate whose others
    /// are not all re-keyed so stays a duplicate. [`Index::find`] then no longer matches
    /// such a user by its old marker. Without the flag nothing changes, but the duplicates
    /// the flag would settle are kept for the words of their skip
    /// ([`Index::rekey_resolves`]); with it, each user with another row's email that the
    /// flag leaves as it is gets the reason ([`Index::rekey_hold`]).
    pub(in crate::plan) fn rekey_overlaps(&mut self, inp: Inputs<'_>, rows: &Rows<'_>) {
        let roster = inp.roster;
        let rekey = inp.policy.rekey_employee_ids;
        self.rekey_given = rekey;
        let listed: BTreeMap<&EmployeeId, &Employee> = roster
            .employees
            .iter()
            .map(|e| (&e.employee_id, e))
            .collect();
        let mut rows_by_email: BTreeMap<&Email, usize> = BTreeMap::new();
        for e in &roster.employees {
            *rows_by_email.entry(&e.email).or_default() += 1;
        }
        // Why a row cannot take a re-key, if it cannot.
        let row_hold = |e: &Employee| -> Option<RekeyHold> {
            if rows_by_email.get(&e.email) != Some(&1)
                || roster.protected_emails.contains(&e.email)
                || roster.protected_ids.contains(&e.employee_id)
            {
                Some(RekeyHold::RowProblem)
            } else if e.hire_date.is_some_and(|h| h > inp.today) {
                Some(RekeyHold::NotYetHired)
            } else {
                None
            }
        };
        let mut picked: BTreeMap<UserId, EmployeeId> = BTreeMap::new();
        let mut holds: BTreeMap<UserId, RekeyHold> = BTreeMap::new();
        for e in &roster.employees {
            let Some(u) = self.by_email(&e.email) else {
                continue;
            };
            let Some(old) = self.marker(u).and_then(|m| m.employee_id.as_ref()) else {
                continue;
            };
            if *old == e.employee_id {
                continue;
            }
            let hold = if let Some(h) = row_hold(e) {
                Some(h)
            } else if roster.protected_ids.contains(old) {
                Some(RekeyHold::RowProblem)
            } else if self.marker_conflicts.contains_key(old) {
                Some(RekeyHold::SeveralCopies)
            } else if let Some(old_row) = listed.get(old) {
                (!self.contradicts(rows, old_row, u)).then_some(RekeyHold::OldRowKeeps)
            } else {
                // The export no longer lists the old ID: the employee pass re-keys it
                // (`employees::guards::rekeyable`).
                continue;
            };
            match hold {
                Some(h) => {
                    holds.insert(u.id.clone(), h);
                }
                None => {
                    picked.insert(u.id.clone(), e.employee_id.clone());
                }
            }
        }
        // Duplicates an interrupted re-key left: the one keeping N, and the others with the
        // rows they are re-keyed to.
        let mut duplicates: Vec<(EmployeeId, &User, Settled)> = Vec::new();
        for (n, users) in &self.marker_conflicts {
            if let Some(d) = self.settle_duplicate(n, users, &listed, rows, &row_hold) {
                duplicates.push((n.clone(), d.0, d.1));
            }
        }
        let mut dup_others: BTreeMap<UserId, ()> = BTreeMap::new();
        for (_, _, others) in &duplicates {
            for (o, to) in others {
                holds.remove(o);
                picked.insert(o.clone(), to.clone());
                dup_others.insert(o.clone(), ());
            }
        }
        // The names of the rows, read only when some user may give an ID up: a user whose
        // name a row carries may be that row's person under a new email, not a leaver.
        let names: BTreeSet<String> = if picked.is_empty() {
            BTreeSet::new()
        } else {
            roster
                .employees
                .iter()
                .map(|e| comparable(&e.name))
                .collect()
        };
        let departs = |w: &User| {
            let email = Email::normalise(&w.email);
            !rows.by_email.contains_key(email.as_str())
                && !names.contains(&comparable(&w.name))
                && !roster.protected_emails.contains(&email)
                && untouchable(w, None, &inp.policy.protected, inp.key_owner).is_none()
                && email != inp.policy.from
        };
        let mut settled = vec![true; duplicates.len()];
        loop {
            let staying: Vec<(UserId, UserId)> = picked
                .iter()
                .filter_map(|(u, to)| {
                    let w = self.by_marker.get(to)?;
                    // A duplicate is settled only onto an ID no user keeps: not even one
                    // that would give it up.
                    let stays = w.id != *u
                        && !picked.contains_key(&w.id)
                        && (self.marker_conflicts.contains_key(to)
                            || dup_others.contains_key(u)
                            || !departs(w));
                    stays.then(|| (u.clone(), w.id.clone()))
                })
                .collect();
            for (u, w) in &staying {
                picked.remove(u);
                holds.insert(u.clone(), RekeyHold::TargetHeld { holder: w.clone() });
            }
            // A duplicate is settled only when every other one is re-keyed.
            let mut undone = false;
            for (at, (_, _, others)) in duplicates.iter().enumerate() {
                if settled[at] && others.iter().any(|(o, _)| !picked.contains_key(o)) {
                    settled[at] = false;
                    undone = true;
                    for (o, _) in others {
                        picked.remove(o);
                        holds.insert(o.clone(), RekeyHold::SeveralCopies);
                    }
                }
            }
            if staying.is_empty() && !undone {
                break;
            }
        }
        let resolved: Vec<(EmployeeId, &User)> = duplicates
            .iter()
            .zip(&settled)
            .filter(|(_, ok)| **ok)
            .map(|((n, keeper, _), _)| (n.clone(), *keeper))
            .collect();
        if !rekey {
            self.rekey_resolves = resolved.into_iter().map(|(n, _)| n).collect();
            return;
        }
        for (n, keeper) in resolved {
            self.marker_conflicts.remove(&n);
            self.by_marker.insert(n, keeper);
        }
        let mut released = BTreeMap::new();
        for (u, to) in &picked {
            if let Some(w) = self.by_marker.get(to)
                && w.id != *u
                && !picked.contains_key(&w.id)
            {
                released.insert(w.id.clone(), (to.clone(), u.clone()));
            }
        }
        self.released = released;
        self.overlap_rekeys = picked;
        self.rekey_holds = holds;
    }

    /// The duplicate marker of employee `n` on `users`, settled when the evidence is
    /// unambiguous: the one user with the email of the row of `n` (which keeps it), and
    /// each other user with the row whose email it has (another ID, on no duplicate, a row
    /// `row_hold` lets take a re-key), to which it is re-keyed. `None` otherwise.
    fn settle_duplicate<'u>(
        &self,
        n: &EmployeeId,
        users: &[&'u User],
        listed: &BTreeMap<&EmployeeId, &Employee>,
        rows: &Rows<'_>,
        row_hold: &dyn Fn(&Employee) -> Option<RekeyHold>,
    ) -> Option<(&'u User, Settled)> {
        let row = *listed.get(n)?;
        if row_hold(row).is_some() {
            return None;
        }
        let mut keepers = users
            .iter()
            .filter(|u| row.email.is_normal_form_of(&u.email));
        let keeper = *keepers.next()?;
        if keepers.next().is_some() {
            return None;
        }
        let mut others = Vec::new();
        for o in users.iter().filter(|u| u.id != keeper.id) {
            let r = *rows.by_email.get(Email::normalised(&o.email).as_ref())?;
            if r.employee_id == *n
                || self.marker_conflicts.contains_key(&r.employee_id)
                || row_hold(r).is_some()
                || others.iter().any(|(_, to)| *to == r.employee_id)
            {
                return None;
            }
            others.push((o.id.clone(), r.employee_id.clone()));
        }
        Some((keeper, others))
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
