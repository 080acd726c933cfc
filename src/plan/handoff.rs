//! Emails handed from one person to another in one run: A changes address, and B (a new
//! hire, or a user moving too) takes A's old one. PagerDuty refuses an email another user
//! holds ("Email has already been taken", fact F31), so B's action must run after A's email
//! change: B's action names A's user in [`super::Action::waits_for`], and the executor
//! orders the two (and runs B's only once A's email change was done).
//!
//! Before the pass over employees, every user whose email changes this run is found (an
//! active employee matched by marker whose HR email differs). A move can happen when its
//! target address is free, or held by a user that itself moves (a chain). A cycle (two
//! people swapping addresses, or longer rings) cannot be ordered: those moves are blocked
//! and noted, as is a move onto an address held by a user who stays.

use super::dated::Standing;
use super::employees::dated_for;
use super::matching::{Found, Index};
use super::ownership::untouchable;
use super::policy::Policy;
use crate::email::Email;
use crate::hr::Employee;
use crate::ids::UserId;
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// The email moves of one run.
#[derive(Debug, Default)]
pub(super) struct Handoffs {
    /// User ID → (its address now, the address HR gives), for every user whose email is to
    /// change.
    wanted: BTreeMap<UserId, (Email, Email)>,
    /// Current address → the user holding it, among the users whose email is to change.
    holders: BTreeMap<Email, UserId>,
    /// Whether each wanted move can happen (filled for every key of `wanted`).
    possible: BTreeMap<UserId, bool>,
}

impl Handoffs {
    /// Finds the moves of `employees` (those employed today) against the users of `index`;
    /// `found` is what matching found for each employee ([`Index::find`]), in their order.
    pub(super) fn new(
        index: &Index<'_>,
        employees: &[Employee],
        found: &[Found<'_>],
        policy: &Policy,
        today: NaiveDate,
        key_owner: Option<&UserId>,
    ) -> Handoffs {
        let mut h = Handoffs::default();
        for (e, found) in employees.iter().zip(found) {
            let d = dated_for(index, found, e, policy, today);
            if !matches!(d.standing, Standing::Employed { .. }) {
                continue;
            }
            // Without the key in an account that is, or was, signed, a match by marker
            // changes no email (`employees::guards::unchecked_marker_email_change`).
            let Found::ByMarker(u) = *found else {
                continue;
            };
            if index.unchecked_signed_account() {
                continue;
            }
            if e.email.is_normal_form_of(&u.email)
                || untouchable(u, Some(&e.email), &policy.protected, key_owner).is_some()
            {
                continue;
            }
            let now = Email::normalise(&u.email);
            h.holders.insert(now.clone(), u.id.clone());
            h.wanted.insert(u.id.clone(), (now, e.email.clone()));
        }
        let ids: Vec<UserId> = h.wanted.keys().cloned().collect();
        for id in ids {
            h.resolve(&id, index, &mut Vec::new());
        }
        h
    }

    /// Whether `id`'s move can happen: its target is free, or held by a user whose move can
    /// happen; `path` holds the moves being resolved (a repeat is a cycle).
    fn resolve(&mut self, id: &UserId, index: &Index<'_>, path: &mut Vec<UserId>) -> bool {
        if let Some(&p) = self.possible.get(id) {
            return p;
        }
        if path.contains(id) {
            return false;
        }
        let Some((_, target)) = self.wanted.get(id).cloned() else {
            return false;
        };
        let ok = match index.by_email(&target) {
            None => true,
            Some(holder) if holder.id == *id => true,
            Some(holder) => {
                path.push(id.clone());
                let ok = self.wanted.contains_key(&holder.id)
                    && self.resolve(&holder.id.clone(), index, path);
                path.pop();
                ok
            }
        };
        self.possible.insert(id.clone(), ok);
        ok
    }

    /// The user that gives up `email` in this run before anyone takes it, if one does.
    pub(super) fn freed_by(&self, email: &Email) -> Option<&UserId> {
        self.holders
            .get(email)
            .filter(|id| self.possible.get(*id).copied().unwrap_or(false))
    }
}
