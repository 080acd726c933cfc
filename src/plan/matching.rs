//! Matching employees to PagerDuty users: first by the employee ID in the user's ownership
//! marker, then by normalised email among users without a usable marker (no marker, an
//! unreadable one, or the suspension record of an offboarded unmanaged user, which names no
//! employee).
//!
//! Three situations leave an employee alone instead of matching: several users carry the
//! employee's marker; the email finds a user whose marker (readable or not) names another
//! employee; or no user matches but an unreadable marker seems to name this employee (a
//! create would duplicate that user).

use super::skip::SkipCause;
use crate::email::Email;
use crate::hr::Employee;
use crate::ids::EmployeeId;
use crate::marker::{self, Marker, MarkerState, Parsed};
use crate::pagerduty::models::User;
use std::collections::BTreeMap;

/// The account's users indexed by marker employee ID and by email.
pub(super) struct Index<'a> {
    /// Employee ID → users whose valid marker names it, by user ID.
    by_marker: BTreeMap<EmployeeId, Vec<&'a User>>,
    /// User ID → its description split into human text and marker.
    parsed: BTreeMap<&'a str, Parsed>,
    /// Normalised email → user (the last user listed, if two share an address).
    by_email: BTreeMap<Email, &'a User>,
    /// Employee IDs that unreadable markers still appear to name → those users, by user ID.
    claims: BTreeMap<EmployeeId, Vec<&'a User>>,
    /// One note per unreadable marker, in listing order.
    notes: Vec<String>,
}

/// What matching found for one employee.
pub(super) enum Found<'a> {
    /// The user whose marker names the employee.
    ByMarker(&'a User),
    /// The user with the employee's email and no usable marker.
    ByEmail(&'a User),
    /// No user: the employee has none yet.
    Nobody,
    /// The employee is left alone. `user` is the user involved, if one is; `decided` is true
    /// when that user needs no further look (it is not considered as a leaver).
    Blocked {
        /// Why.
        reason: SkipCause,
        /// The user the skip names.
        user: Option<&'a User>,
        /// Whether the user is settled by this skip.
        decided: bool,
    },
}

impl<'a> Index<'a> {
    /// Indexes `users`, noting each unreadable marker.
    pub(super) fn new(users: &'a [User]) -> Index<'a> {
        let mut ix = Index {
            by_marker: BTreeMap::new(),
            parsed: BTreeMap::new(),
            by_email: BTreeMap::new(),
            claims: BTreeMap::new(),
            notes: Vec::new(),
        };
        for u in users {
            let p = marker::parse(u.description.as_deref());
            match &p.marker {
                MarkerState::Valid(m) => {
                    if let Some(eid) = &m.employee_id {
                        ix.by_marker.entry(eid.clone()).or_default().push(u);
                    }
                }
                MarkerState::Invalid(why) => {
                    ix.notes.push(format!(
                        "user {} ({}): ownership marker ignored: {why}; matched by email only",
                        u.id, u.email
                    ));
                    if let Some(id) = marker::claimed_employee_id(u.description.as_deref()) {
                        ix.claims.entry(id).or_default().push(u);
                    }
                }
                MarkerState::Absent => {}
            }
            ix.parsed.insert(u.id.as_str(), p);
            ix.by_email.insert(Email::normalise(&u.email), u);
        }
        // Users sharing a marker or a claim are named in user ID order, whatever the
        // listing order, so the plan does not depend on it.
        for users in ix.by_marker.values_mut().chain(ix.claims.values_mut()) {
            users.sort_by(|a, b| a.id.cmp(&b.id));
        }
        ix
    }

    /// The notes about unreadable markers, in listing order.
    pub(super) fn notes(&self) -> &[String] {
        &self.notes
    }

    /// The human text of `u`'s description (everything but the marker line).
    pub(super) fn human(&self, u: &User) -> &str {
        &self.parsed[u.id.as_str()].human
    }

    /// What `u`'s description says about its marker.
    pub(super) fn state(&self, u: &User) -> &MarkerState {
        &self.parsed[u.id.as_str()].marker
    }

    /// `u`'s marker, when it has a valid one.
    pub(super) fn marker(&self, u: &User) -> Option<&Marker> {
        match self.state(u) {
            MarkerState::Valid(m) => Some(m),
            _ => None,
        }
    }

    /// The user with this normalised email.
    pub(super) fn by_email(&self, email: &Email) -> Option<&'a User> {
        self.by_email.get(email).copied()
    }

    /// Employee IDs whose marker more than one user carries, with those users.
    pub(super) fn conflicts(&self) -> impl Iterator<Item = (&EmployeeId, &[&'a User])> {
        self.by_marker
            .iter()
            .filter(|(_, users)| users.len() > 1)
            .map(|(eid, users)| (eid, users.as_slice()))
    }

    /// Matches `e`: by marker, then by email.
    pub(super) fn find(&self, e: &Employee) -> Found<'a> {
        let by_id = self.by_marker.get(&e.employee_id);
        if by_id.is_some_and(|v| v.len() > 1) {
            return Found::Blocked {
                reason: SkipCause::EmployeeOnSeveralUsers,
                user: None,
                decided: false,
            };
        }
        if let Some(u) = by_id.and_then(|v| v.first().copied()) {
            return Found::ByMarker(u);
        }
        if let Some(u) = self.by_email(&e.email) {
            let foreign = match self.marker(u) {
                Some(m) => m
                    .employee_id
                    .as_ref()
                    .filter(|other| **other != e.employee_id)
                    .map(|other| SkipCause::EmailOfAnotherEmployee {
                        user: u.id.clone(),
                        marker_employee_id: other.clone(),
                    }),
                None => marker::claimed_employee_id(u.description.as_deref())
                    .filter(|other| *other != e.employee_id)
                    .map(|other| SkipCause::EmailOfAnotherUnreadableMarker {
                        user: u.id.clone(),
                        claimed_employee_id: other,
                    }),
            };
            return match foreign {
                Some(reason) => Found::Blocked {
                    reason,
                    user: Some(u),
                    decided: true,
                },
                None => Found::ByEmail(u),
            };
        }
        if let Some(claimants) = self.claims.get(&e.employee_id) {
            // A broken marker naming this employee: creating would duplicate them.
            return Found::Blocked {
                reason: SkipCause::ClaimedByUnreadableMarker {
                    users: claimants.iter().map(|u| u.id.clone()).collect(),
                },
                user: claimants.first().copied(),
                decided: false,
            };
        }
        Found::Nobody
    }
}
