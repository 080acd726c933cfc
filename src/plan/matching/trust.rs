//! Whether a marker is trusted with the run's marker keys (README.md § Marker integrity):
//! a tag that verifies, or an unsigned or unbound marker the export confirms; and whether a
//! trusted suspension record is stale.

use super::Resign;
use crate::email::Email;
use crate::hr::Employee;
use crate::ids::EmployeeId;
use crate::marker::{Marker, MarkerKeys, Verdict};
use crate::pagerduty::models::User;
use crate::plan::Inputs;
use crate::plan::dated::{self, Standing};
use crate::vocab::SUSPENDED_ROLES;
use std::collections::{BTreeMap, BTreeSet};

/// What deciding whether a marker is trusted reads: the keys, and the export's rows by
/// employee ID and by email, with the policy and the date their standing needs.
pub(super) struct Trust<'a> {
    pub(super) keys: &'a MarkerKeys,
    inp: Inputs<'a>,
    rows: BTreeMap<&'a EmployeeId, &'a Employee>,
    emails: BTreeSet<&'a Email>,
    /// Whether some marker of the account verifies with the run's keys: the one-time
    /// migration of unsigned markers happened, so an unsigned suspension record is no
    /// longer hr2pagerduty's (README.md § Marker integrity).
    pub(super) migrated: bool,
    /// Whether the account is migrated and `--finish-marker-migration` is given: unsigned
    /// markers are trusted as on the first run with the key, but an unsigned suspension
    /// record is signed without its role and teams ([`Resign::UnsignedRecord`]).
    pub(super) finishing: bool,
}

impl<'a> Trust<'a> {
    pub(super) fn new(inp: Inputs<'a>, keys: &'a MarkerKeys) -> Trust<'a> {
        let mut rows = BTreeMap::new();
        for e in &inp.roster.employees {
            rows.entry(&e.employee_id).or_insert(e);
        }
        Trust {
            keys,
            inp,
            rows,
            emails: inp.roster.employees.iter().map(|e| &e.email).collect(),
            migrated: false,
            finishing: false,
        }
    }

    /// Whether `u`'s readable marker `m`, whose tag checked as `verdict`, is trusted: `Ok`
    /// with what signing it again needs, or `Err` with why not (for the note).
    pub(super) fn check(
        &self,
        u: &User,
        m: &Marker,
        verdict: Verdict,
    ) -> Result<Option<Resign>, String> {
        let email = Email::normalise(&u.email);
        match verdict {
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
            Verdict::Unsigned if self.migrated && m.suspended.is_some() => Err(
                "it is unsigned and records a suspension, but other markers of this account verify (the one-time signing of unsigned markers is over), so the record is not trusted to restore a role or teams".into(),
            ),
            Verdict::Unbound | Verdict::Unsigned => {
                let (what, why) = if verdict == Verdict::Unbound {
                    ("its signature is not bound to this user", Resign::Unbound)
                } else if self.finishing && m.suspended.is_some() {
                    ("it is unsigned", Resign::UnsignedRecord)
                } else {
                    ("it is unsigned", Resign::Unsigned)
                };
                self.confirmed(m, &email, verdict == Verdict::Unsigned)
                    .map(|()| Some(why))
                    .map_err(|e| format!("{what} and {e}"))
            }
        }
    }

    /// `Ok` when the export confirms marker `m`, which is not bound to the user with
    /// `email`: the HR row of the employee it names has that email (and, when `strict`,
    /// it records no suspension while the employee is employed); an offboarding record
    /// while no HR row has that email. `Err` says why not, after "it is unsigned and".
    fn confirmed(&self, m: &Marker, email: &Email, strict: bool) -> Result<(), String> {
        match &m.employee_id {
                None if self.emails.contains(email) => Err(
                    "is an offboarding record while an HR row now has this user's email, so the record is not trusted to restore a role or teams".into(),
                ),
                None => Ok(()),
                Some(eid) => match self.rows.get(eid) {
                    None => Err(format!(
                        "no HR row of employee {eid} confirms it (a signed marker is needed to claim an employee ID the export does not list)"
                    )),
                    Some(e) if e.email != *email => Err(format!(
                        "the HR row of employee {eid} (line {}) has another email",
                        e.line
                    )),
                    Some(e) if strict && m.suspended.is_some() && self.employed(e, m) => Err(format!(
                        "records a suspension while employee {eid} (line {}) is employed, so the record is not trusted to restore a role or teams",
                        e.line
                    )),
                    Some(_) => Ok(()),
                },
        }
    }

    /// Whether trusted marker `m` on `u` records a suspension that `u` is no longer in: `u`
    /// has a base role other than the suspended ones ([`SUSPENDED_ROLES`]), the record is
    /// neither a reactivation under way (`reactivating`) nor a restore from the archive
    /// (`from_archive`), and the HR row of the employee it names is provisioned today. A
    /// user can paste an old record of its own, validly signed, back into its profile;
    /// honoured, it would give back teams an admin removed since. A leaver's record is
    /// kept (a suspension interrupted before its role is set resumes from it).
    pub(super) fn stale(&self, u: &User, m: &Marker) -> bool {
        let Some(s) = &m.suspended else {
            return false;
        };
        !s.reactivating
            && s.from_archive.is_none()
            && !SUSPENDED_ROLES.contains(&u.role)
            && m.employee_id
                .as_ref()
                .and_then(|eid| self.rows.get(eid))
                .is_some_and(|e| self.employed(e, m))
    }

    /// Whether `e` is provisioned today, with the termination date `m`'s suspension
    /// records counted as applied (as the employee pass reads it).
    fn employed(&self, e: &Employee, m: &Marker) -> bool {
        let applied = m.suspended.as_ref().and_then(|s| s.termination_date);
        matches!(
            dated::dated(
                e,
                self.inp.policy,
                self.inp.today,
                applied,
                m.pending_termination
            )
            .standing,
            Standing::Employed { .. }
        )
    }
}
