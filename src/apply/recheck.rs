//! The re-check before a destructive action (a deactivation or deletion): the user read
//! again must still match the action's [`Guard`], the marker read as the planner reads it.

use super::Mismatch;
use crate::email::Email;
use crate::ids::{EmployeeId, UserId};
use crate::marker::{self, MarkerKeys, MarkerState, Verdict};
use crate::pagerduty::models::User;
use crate::plan::Guard;
use crate::plan::ownership::untouchable;
use std::collections::BTreeSet;

/// Why the re-read user no longer matches the guard, if it does not.
///
/// The marker is read as the planner reads it (`crate::plan::matching`): with the run's
/// marker `keys`, a marker whose signature no key verifies counts as unreadable, and so does
/// an unsigned or unbound one where the plan did not trust it (its guard names no
/// employee: the planner matched the user by email). A marker whose signature fails counts
/// as no marker, whatever it names; an unreadable or unconfirmed one too, unless it still
/// appears to name an employee other than `employee_id` (the action's): the planner leaves
/// such a user alone, so the re-check does too. So a leaver who edits their own signed
/// marker, or forges a claim to another employee, is still deactivated, as planned, and the
/// deactivation rewrites the marker. A marker that names no employee (the suspension
/// record of an offboarded unmanaged user) counts as no marker: such a user is matched by
/// email.
pub(super) fn recheck(
    user: &User,
    guard: &Guard,
    employee_id: Option<&EmployeeId>,
    keys: Option<&MarkerKeys>,
    protected: &BTreeSet<Email>,
    key_owner: Option<&UserId>,
) -> Option<Mismatch> {
    if let Some(why) = untouchable(user, None, protected, key_owner) {
        return Some(Mismatch::Untouchable(why));
    }
    let email = Email::normalise(&user.email);
    let parsed = marker::parse(user.description.as_deref());
    let verdict = match (&parsed.marker, keys) {
        (MarkerState::Valid(m), Some(k)) => Some(k.check(m, parsed.sig.as_deref(), &user.email)),
        _ => None,
    };
    let trusted = match (&parsed.marker, verdict) {
        (MarkerState::Valid(_), None) => true,
        (_, Some(Verdict::Current | Verdict::Previous)) => true,
        // Trusted only where the planner trusted it (then the guard names its employee):
        // its rule needs the export and the account.
        (_, Some(Verdict::Unsigned | Verdict::Unbound)) => guard.employee_id.is_some(),
        _ => false,
    };
    // What is wrong with a marker present but not used, for the words of a mismatch.
    let fault = match (&parsed.marker, verdict) {
        (MarkerState::Absent, _) => None,
        (MarkerState::Invalid(_), _) => Some("unreadable"),
        (_, Some(Verdict::Failed)) => Some("signature invalid"),
        (_, Some(Verdict::Unsigned)) if !trusted => Some("unsigned and unconfirmed"),
        (_, Some(Verdict::Unbound)) if !trusted => Some("signed, not bound, and unconfirmed"),
        _ => Some("names no employee"),
    };
    let found = match parsed.marker {
        MarkerState::Valid(m) if trusted => m.employee_id,
        MarkerState::Absent => None,
        // A signature that fails: treated as absent, as the planner does (it matches such a
        // user by email, whoever the marker names).
        MarkerState::Valid(_) if verdict == Some(Verdict::Failed) => None,
        // Unreadable, or signed with no key of this run: what it claims, when that is
        // another employee than the action's, and not the claim the plan saw and acted on.
        _ => marker::claimed_employee_id(user.description.as_deref())
            .filter(|claim| Some(claim) != employee_id)
            .filter(|claim| Some(claim) != guard.claimed.as_ref())
            .filter(|_| guard.employee_id.is_none()),
    };
    match (found, &guard.employee_id) {
        (Some(found), Some(want)) if &found == want => None,
        (Some(found), Some(want)) => Some(Mismatch::MarkerNamesAnother {
            found,
            expected: want.clone(),
        }),
        (Some(found), None) => Some(Mismatch::MarkerAdded { found }),
        (None, Some(want)) => Some(match fault {
            None => Mismatch::MarkerGone {
                expected: want.clone(),
            },
            Some(fault) => Mismatch::MarkerReplaced {
                expected: want.clone(),
                fault,
                claimed: marker::claimed_employee_id(user.description.as_deref()),
            },
        }),
        (None, None) if email == guard.email => None,
        (None, None) => Some(Mismatch::EmailChanged { now: email }),
    }
}
