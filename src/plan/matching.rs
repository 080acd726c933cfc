//! Matching employees to PagerDuty users: first by the employee ID in the user's ownership
//! marker, then by normalised email among users without a usable marker (no marker, an
//! unreadable one, or the suspension record of an offboarded unmanaged user, which names no
//! employee).
//!
//! Three situations leave an employee alone instead of matching: several users carry the
//! employee's marker; the email finds a user whose marker (readable or not) names another
//! employee; or no user matches but an unreadable marker seems to name this employee (a
//! create would duplicate that user).
//!
//! With marker keys ([`super::Inputs::marker_keys`]) a marker is trusted only when its tag
//! verifies ([`crate::marker::sign`]), or, unsigned, when the HR row of the employee it
//! names has the user's email (and it records no suspension that this run would restore);
//! an unsigned offboarding record is trusted while no HR row has the user's email. A marker
//! that is not trusted is handled as an unreadable one (noted, matched by email only, its
//! claimed employee ID still blocks a duplicate create). A trusted marker that is unsigned
//! or signed with the previous key is to be signed again ([`Index::resign`]).

use super::dated::{self, Standing};
use super::skip::SkipCause;
use super::{Inputs, MarkerSignatures};
use crate::email::Email;
use crate::hr::Employee;
use crate::ids::{EmployeeId, UserId};
use crate::marker::{self, Marker, MarkerKeys, MarkerState, Parsed, Verdict};
use crate::pagerduty::models::User;
use std::collections::{BTreeMap, BTreeSet};

/// Why a trusted marker is written again with the current key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Resign {
    /// It has no `sig` (written before the key was set): the one-time migration.
    Unsigned,
    /// Its `sig` is the previous key's (`PAGERDUTY_MARKER_KEY_PREVIOUS`): a rotation.
    Previous,
}

impl Resign {
    /// The reason of an action that only signs the marker.
    pub(super) fn reason(self) -> &'static str {
        match self {
            Resign::Unsigned => {
                "sign marker: it was written unsigned (before PAGERDUTY_MARKER_KEY was set) and the user's email is the HR row's"
            }
            Resign::Previous => {
                "re-sign marker: it is signed with PAGERDUTY_MARKER_KEY_PREVIOUS; the current key replaces it"
            }
        }
    }
}

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
    /// Users whose trusted marker is to be signed again, and why.
    resign: BTreeMap<UserId, Resign>,
    /// With marker keys: how the signed markers verified.
    signatures: Option<MarkerSignatures>,
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
    /// Indexes the users of `inp`, noting each unreadable marker and, with marker keys,
    /// each marker that is not trusted.
    pub(super) fn new(inp: Inputs<'a>) -> Index<'a> {
        let users = inp.users;
        let mut ix = Index {
            by_marker: BTreeMap::new(),
            parsed: BTreeMap::new(),
            by_email: BTreeMap::new(),
            claims: BTreeMap::new(),
            notes: Vec::new(),
            resign: BTreeMap::new(),
            signatures: inp.marker_keys.map(|_| MarkerSignatures::default()),
        };
        let trust = inp.marker_keys.map(|keys| Trust::new(inp, keys));
        for u in users {
            let mut p = marker::parse(u.description.as_deref());
            if let (Some(trust), MarkerState::Valid(m)) = (&trust, &p.marker) {
                if let (Some(count), Some(sig)) = (&mut ix.signatures, p.sig.as_deref()) {
                    count.signed += 1;
                    if trust.keys.check(m, Some(sig)) != Verdict::Failed {
                        count.verified += 1;
                    }
                }
                match trust.check(u, m, p.sig.as_deref()) {
                    Ok(None) => {}
                    Ok(Some(why)) => {
                        ix.resign.insert(u.id.clone(), why);
                    }
                    Err(why) => p.marker = MarkerState::Invalid(why),
                }
            }
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

    /// With marker keys, how the account's signed markers verified.
    pub(super) fn signatures(&self) -> Option<MarkerSignatures> {
        self.signatures
    }

    /// The users whose trusted marker is to be signed again with the current key, and why.
    pub(super) fn resign(&self) -> &BTreeMap<UserId, Resign> {
        &self.resign
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

/// What deciding whether a marker is trusted reads: the keys, and the export's rows by
/// employee ID and by email, with the policy and the date their standing needs.
struct Trust<'a> {
    keys: &'a MarkerKeys,
    inp: Inputs<'a>,
    rows: BTreeMap<&'a EmployeeId, &'a Employee>,
    emails: BTreeSet<&'a Email>,
}

impl<'a> Trust<'a> {
    fn new(inp: Inputs<'a>, keys: &'a MarkerKeys) -> Trust<'a> {
        let mut rows = BTreeMap::new();
        for e in &inp.roster.employees {
            rows.entry(&e.employee_id).or_insert(e);
        }
        Trust {
            keys,
            inp,
            rows,
            emails: inp.roster.employees.iter().map(|e| &e.email).collect(),
        }
    }

    /// Whether `u`'s readable marker `m` (with tag `sig`) is trusted: `Ok` with what
    /// signing it again needs, or `Err` with why not (for the note).
    fn check(&self, u: &User, m: &Marker, sig: Option<&str>) -> Result<Option<Resign>, String> {
        let email = Email::normalise(&u.email);
        match self.keys.check(m, sig) {
            Verdict::Current => Ok(None),
            Verdict::Previous => Ok(Some(Resign::Previous)),
            Verdict::Failed => Err(format!(
                "its signature does not verify with PAGERDUTY_MARKER_KEY{} (edited outside hr2pagerduty, or signed with a key this run does not hold)",
                if self.keys.has_previous() {
                    " or PAGERDUTY_MARKER_KEY_PREVIOUS"
                } else {
                    ""
                }
            )),
            Verdict::Unsigned => match &m.employee_id {
                None if self.emails.contains(&email) => Err(
                    "it is an unsigned offboarding record and an HR row now has this user's email, so the record is not trusted to restore a role or teams".into(),
                ),
                None => Ok(Some(Resign::Unsigned)),
                Some(eid) => match self.rows.get(eid) {
                    None => Err(format!(
                        "it is unsigned and no HR row of employee {eid} confirms it (a signed marker is needed to claim an employee ID the export does not list)"
                    )),
                    Some(e) if e.email != email => Err(format!(
                        "it is unsigned and the HR row of employee {eid} (line {}) has another email",
                        e.line
                    )),
                    Some(e) if m.suspended.is_some() && self.employed(e, m) => Err(format!(
                        "it is unsigned and records a suspension while employee {eid} (line {}) is employed, so the record is not trusted to restore a role or teams",
                        e.line
                    )),
                    Some(_) => Ok(Some(Resign::Unsigned)),
                },
            },
        }
    }

    /// Whether `e` is provisioned today, with the termination date `m`'s suspension
    /// records counted as applied (as the employee pass reads it).
    fn employed(&self, e: &Employee, m: &Marker) -> bool {
        let applied = m.suspended.as_ref().and_then(|s| s.termination_date);
        matches!(
            dated::dated(e, self.inp.policy, self.inp.today, applied).standing,
            Standing::Employed { .. }
        )
    }
}
