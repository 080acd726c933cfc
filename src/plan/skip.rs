//! People and users the planner deliberately leaves alone, and why.
//!
//! A [`Skip`] carries its cause as a [`SkipCause`], which code matches on; the words are
//! rendered only where a person reads them ([`fmt::Display`]: the text plan, the `reason`
//! of the JSON plan and report). A saved plan stores the cause itself, as a stable
//! snake_case tag with its values (`{"cause": "duplicate_marker", "details": {...}}`), never
//! the words, so rewording a cause changes no file format.

use super::ownership::Untouchable;
use crate::email::Email;
use crate::hr::Employee;
use crate::ids::{EmployeeId, UserId};
use crate::pagerduty::models::User;
use crate::vocab::Role;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A person or user deliberately left alone, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skip {
    /// Employee ID, when known.
    pub employee_id: Option<EmployeeId>,
    /// Email, when known: the HR row's, or the PagerDuty user's (normalised; PagerDuty
    /// returns emails lower-cased, fact F33, so this is the text it shows).
    pub email: Option<Email>,
    /// PagerDuty user ID, when one is involved.
    pub pagerduty_user_id: Option<UserId>,
    /// HR line, when an HR row is involved.
    pub line: Option<u64>,
    /// Why nothing is done (serialised as its tag and values, see [`SkipCause`]).
    pub reason: SkipCause,
    /// True when the employee is a future hire not provisioned yet (`plan::dated`'s
    /// `Standing::NotYetHired`): nothing would be done for them today either way, so the
    /// identity-drift check ([`super::safety`]) does not count the skip before the hire date.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not_yet_hired: bool,
}

impl Skip {
    /// The skip of HR employee `e`, naming `user` when one is involved.
    pub(super) fn employee(e: &Employee, user: Option<&User>, reason: SkipCause) -> Skip {
        Skip {
            employee_id: Some(e.employee_id.clone()),
            email: Some(e.email.clone()),
            pagerduty_user_id: user.map(|u| u.id.clone()),
            line: Some(e.line),
            reason,
            not_yet_hired: false,
        }
    }

    /// The skip of user `u`, which carries no marker naming an employee and has no HR row
    /// (an unmanaged user that `[lifecycle] unmanaged_users = "offboard"` would otherwise
    /// deactivate).
    pub(super) fn unmanaged(u: &User, reason: SkipCause) -> Skip {
        Skip {
            employee_id: None,
            email: Some(Email::normalise(&u.email)),
            pagerduty_user_id: Some(u.id.clone()),
            line: None,
            reason,
            not_yet_hired: false,
        }
    }

    /// The skip of user `u`, whose marker names `employee_id`, with no HR row involved.
    pub(super) fn user(employee_id: &EmployeeId, u: &User, reason: SkipCause) -> Skip {
        Skip {
            employee_id: Some(employee_id.clone()),
            email: Some(Email::normalise(&u.email)),
            pagerduty_user_id: Some(u.id.clone()),
            line: None,
            reason,
            not_yet_hired: false,
        }
    }
}

/// Why a person or a user is left alone. Serialised (in saved plans) adjacently tagged: the
/// variant as a snake_case `cause` (`email_of_another_employee`), its values under
/// `details` (none for a cause without values); its words are [`fmt::Display`]'s.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "cause", content = "details", rename_all = "snake_case")]
pub enum SkipCause {
    /// On each of `users`: they all carry the marker of `employee_id`, so none of them is
    /// matched or deactivated until someone fixes the markers.
    DuplicateMarker {
        /// The employee the markers name.
        employee_id: EmployeeId,
        /// Every user carrying that marker, in the order listed.
        users: Vec<UserId>,
    },
    /// On the employee: several users carry this employee's marker (see
    /// [`SkipCause::DuplicateMarker`]).
    EmployeeOnSeveralUsers,
    /// On the employee: the user with the employee's email carries a marker naming another
    /// employee (a rehire under a new employee ID, or employee IDs that changed).
    EmailOfAnotherEmployee {
        /// The user holding the email.
        user: UserId,
        /// The employee its marker names.
        marker_employee_id: EmployeeId,
    },
    /// On the employee: the user with the employee's email carries a marker the run does
    /// not use (`fault` says why) that seems to name another employee.
    EmailOfAnotherUnreadableMarker {
        /// The user holding the email.
        user: UserId,
        /// The employee its marker seems to name.
        claimed_employee_id: EmployeeId,
        /// Why the marker is not used.
        fault: MarkerFault,
    },
    /// On the employee: no user matches, but the markers of `users`, which the run does not
    /// use (`fault` says why, of the first), seem to name this employee, so a create would
    /// duplicate them.
    ClaimedByUnreadableMarker {
        /// The users with such a marker, in the order listed.
        users: Vec<UserId>,
        /// Why the (first) marker is not used.
        fault: MarkerFault,
    },
    /// On a user whose marker the run does not use (`fault` says why) and seems to name an
    /// employee the export does not list, and who still holds a role or teams: it may be a
    /// leaver (markers written before `PAGERDUTY_MARKER_KEY` was set are unsigned), but
    /// nothing proves the marker is hr2pagerduty's, so the user is not deactivated. A
    /// person must settle it: the user keeps its access until then.
    UntrustedLeaverMarker {
        /// Why the marker is not used.
        fault: MarkerFault,
    },
    /// The user (or, for an employee no user matches, the email HR gives) is never written.
    Untouchable(Untouchable),
    /// On a marked user whose employee the export does not list (or, with
    /// `unmanaged_users = "offboard"`, an unmarked user whose email an HR row names): that
    /// HR row has a problem this run, so the missing row is no proof of a leaver.
    HrRowProblem,
    /// On a leaver, or an unmanaged user that `unmanaged_users = "offboard"` would
    /// deactivate, who is the `[pagerduty] from` user, which every create names (fact F6):
    /// never deactivated or deleted; `from` must be changed first.
    FromUser,
    /// On an employee active in HR whose user, matched by email, carries no marker and a
    /// base role that suspends it (a stakeholder role or `restricted_access`) other than the
    /// one the rules give: someone else suspended that user, and adopting it would undo that.
    SuspendedByOthers {
        /// The user's base role.
        role: Role,
    },
    /// On an employee active in HR whose user, in an account whose markers are signed
    /// (some verifies), carries no trusted signed marker and is tied to the employee only
    /// by its email (matched by email, or an unsigned marker the email confirms), when
    /// taking it over would raise its base role (`from` to `to`, PagerDuty's order,
    /// [`Role::raised_to`]) or give it the manager role on `manager_on` teams. Users can
    /// set their own email in PagerDuty: one who takes a new hire's address would be given
    /// the hire's access. A person checks that the user is this employee and gives the
    /// role by hand; the next run then adopts it and signs its marker.
    UnconfirmedAdoption {
        /// The user's base role.
        from: Role,
        /// The base role the rules give the employee.
        to: Role,
        /// The teams (names) on which the rules give the manager role the user lacks.
        manager_on: Vec<String>,
    },
    /// On an employee whose row's termination date passed more than
    /// `[lifecycle] termination_catch_up_days` ago while the status says active (a date
    /// conflict the status would decide), whose user's marker does not verify with
    /// `PAGERDUTY_MARKER_KEY` (`marker` says how) in an account whose markers do: the
    /// termination-pending stamp that keeps a blocked termination due could have been
    /// removed from it in PagerDuty (by the leaver, who may edit their own profile), so
    /// the user is not kept on as an employee silently. A person must settle it in HR.
    PastTerminationUnverified {
        /// The row's termination date.
        termination_date: NaiveDate,
        /// `[lifecycle] termination_catch_up_days`.
        catch_up_days: u32,
        /// What the user's marker is short of a verified one.
        marker: UnverifiedMarker,
    },
}

/// What a user's marker is short of one whose tag verifies with the run's marker keys.
/// Serialised as a snake_case tag (`signature_invalid`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnverifiedMarker {
    /// No marker line.
    Absent,
    /// Unsigned (trusted or not by its HR row).
    Unsigned,
    /// It cannot be read.
    Unreadable,
    /// Its signature does not verify.
    SignatureInvalid,
    /// Signed before the binding and not confirmed by an HR row.
    Unbound,
}

impl UnverifiedMarker {
    /// The words after "this user's ownership marker is ".
    pub fn words(self) -> &'static str {
        match self {
            UnverifiedMarker::Absent => "missing",
            UnverifiedMarker::Unsigned => "unsigned",
            UnverifiedMarker::Unreadable => "unreadable",
            UnverifiedMarker::SignatureInvalid => "edited or forged (signature invalid)",
            UnverifiedMarker::Unbound => "signed, not bound to it, and unconfirmed",
        }
    }
}

/// Why a marker that seems to name an employee is not used by the run. Serialised as a
/// snake_case tag (`signature_invalid`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MarkerFault {
    /// It cannot be read (bad JSON, an unknown version, two marker lines, ...).
    Unreadable,
    /// It is unsigned while `PAGERDUTY_MARKER_KEY` is set, and no HR row confirms it (the
    /// HR row of the employee it names does not have the user's email, or there is none).
    Unsigned,
    /// Its signature does not verify with the run's marker keys.
    SignatureInvalid,
    /// Its signature is genuine but not bound to this user (made before the binding), and
    /// no HR row confirms it.
    Unbound,
}

impl MarkerFault {
    /// The words for it inside a skip reason: `marker (unsigned and unconfirmed)`.
    pub fn words(self) -> &'static str {
        match self {
            MarkerFault::Unreadable => "unreadable",
            MarkerFault::Unsigned => "unsigned and unconfirmed",
            MarkerFault::SignatureInvalid => "signature invalid",
            MarkerFault::Unbound => "signed, not bound, and unconfirmed",
        }
    }
}

/// Where the cause of a skip lies, for the words that sum skips up (the text plan's
/// `No changes.` line): what someone must fix, and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SkipSide {
    /// A problem in the HR export (a row with a problem, and the users its row would name).
    Hr,
    /// A conflict in PagerDuty to fix there by hand (markers, an email held by another
    /// employee's user, a user someone else suspended).
    PagerDuty,
    /// Left alone on purpose: the account owner, the key's user, a protected user, the
    /// `From` user.
    Protected,
}

impl SkipSide {
    /// Words for `n` skips of this side, after the count: `1 for a problem in the HR export`.
    pub fn words(self) -> &'static str {
        match self {
            SkipSide::Hr => "for a problem in the HR export",
            SkipSide::PagerDuty => "for a conflict in PagerDuty to fix by hand",
            SkipSide::Protected => {
                "left alone on purpose (owner, API key user, protected or From user)"
            }
        }
    }
}

impl SkipCause {
    /// Whether this skip needs a person: a marker dispute, a marker that cannot be trusted
    /// while it hides a leaver or blocks a hire, an email another employee's user holds, a
    /// user someone else suspended. Until someone acts, a person's access is wrong (a
    /// leaver keeps theirs, an employee has none), so `apply` applies everything else and
    /// then exits 1 (README.md § What to alert on). Not the skips made on purpose (owner,
    /// API key user, protected, `From` user), nor an HR row's problem (the row is listed,
    /// and too many of them refuse the export, exit 65): these are the
    /// [`SkipSide::PagerDuty`] ones.
    pub fn needs_attention(&self) -> bool {
        self.side() == SkipSide::PagerDuty
    }

    /// Where this cause lies (see [`SkipSide`]).
    pub fn side(&self) -> SkipSide {
        match self {
            SkipCause::HrRowProblem => SkipSide::Hr,
            SkipCause::Untouchable(_) | SkipCause::FromUser => SkipSide::Protected,
            SkipCause::DuplicateMarker { .. }
            | SkipCause::EmployeeOnSeveralUsers
            | SkipCause::EmailOfAnotherEmployee { .. }
            | SkipCause::EmailOfAnotherUnreadableMarker { .. }
            | SkipCause::ClaimedByUnreadableMarker { .. }
            | SkipCause::UntrustedLeaverMarker { .. }
            | SkipCause::SuspendedByOthers { .. }
            | SkipCause::UnconfirmedAdoption { .. }
            | SkipCause::PastTerminationUnverified { .. } => SkipSide::PagerDuty,
        }
    }
}

/// The words of each cause, around its values (one more piece than values).
mod words {
    pub const DUPLICATE_MARKER: &[&str] = &[
        "",
        " PagerDuty users (",
        ") carry the marker for employee ",
        "; fix by hand",
    ];
    pub const EMPLOYEE_ON_SEVERAL_USERS: &[&str] =
        &["several PagerDuty users carry this employee's marker"];
    pub const EMAIL_OF_ANOTHER_EMPLOYEE: &[&str] = &[
        "email belongs to PagerDuty user ",
        " whose marker names employee ",
        "",
    ];
    pub const EMAIL_OF_ANOTHER_UNREADABLE_MARKER: &[&str] = &[
        "email belongs to PagerDuty user ",
        " whose marker (",
        ") seems to name employee ",
        "; if that user is this employee, remove that marker line and the next run adopts it by email",
    ];
    pub const CLAIMED_BY_UNREADABLE_MARKER: &[&str] = &[
        "PagerDuty user ",
        " carries a marker (",
        ") that seems to name this employee; if that user is this employee, set its email in PagerDuty to this HR row's and the next run matches it; if not, remove that marker line and the next run creates this employee",
    ];
    pub const UNTRUSTED_LEAVER_MARKER: &[&str] = &[
        "the HR export does not list the employee this user's marker (",
        ") seems to name, but the marker cannot be trusted, so the user is not deactivated and keeps its role and teams; if it is that former employee, suspend it by hand in PagerDuty; if not, remove that marker line",
    ];
    pub const OWNER: &[&str] = &["account owner: never changed"];
    pub const KEY_OWNER: &[&str] = &["owns the API key this run uses: never changed"];
    pub const FROM_USER: &[&str] = &[
        "the [pagerduty] from user, which every create names in its From header: never deactivated or deleted; change [pagerduty] from to another user first (the next run then offboards this one), or list it under [lifecycle] protected to keep it",
    ];
    pub const SUSPENDED_BY_OTHERS: &[&str] = &[
        "PagerDuty user has no ownership marker and base role ",
        ", as if suspended by someone other than hr2pagerduty: left alone (a conflict); give it back a working role by hand, or fix the HR status",
    ];
    pub const UNCONFIRMED_ADOPTION: &[&str] = &[
        "PagerDuty user has no signed ownership marker and only its email ties it to this employee (users can change their own email), while other markers of this account verify; taking it over would give it ",
        ": left alone; check that the user is this employee, then give it that access by hand in PagerDuty, and the next run adopts it and signs its marker",
    ];
    pub const PAST_TERMINATION_UNVERIFIED: &[&str] = &[
        "termination date ",
        " passed more than ",
        " days ago ([lifecycle] termination_catch_up_days) while the status says active, and this user's ownership marker is ",
        " while other markers of the account verify with PAGERDUTY_MARKER_KEY: a termination-pending stamp may have been removed from it, so the user is not kept on silently (nothing is written; it keeps its access until settled); if the employee has left, mark the row terminated in HR; if not, clear or correct the stale termination date in HR",
    ];
    pub const PROTECTED: &[&str] = &["protected by [lifecycle] protected: never changed"];
    pub const HR_ROW_PROBLEM: &[&str] =
        &["the HR row for this employee has a problem this run; not deactivated"];
}

impl super::Plan {
    /// The skips that need a person ([`SkipCause::needs_attention`]), in the plan's order:
    /// `apply` exits 1 while there are any.
    pub fn needs_attention(&self) -> impl Iterator<Item = &Skip> {
        self.skipped.iter().filter(|s| s.reason.needs_attention())
    }
}

/// `words` with `values` between them.
fn fill(words: &[&str], values: &[&str]) -> String {
    let mut out = String::new();
    for (i, w) in words.iter().enumerate() {
        out.push_str(w);
        if let Some(v) = values.get(i) {
            out.push_str(v);
        }
    }
    out
}

fn id_list(ids: &[UserId]) -> String {
    ids.iter()
        .map(UserId::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

impl SkipCause {
    /// The words and values of this cause.
    fn parts(&self) -> (&'static [&'static str], Vec<String>) {
        match self {
            SkipCause::DuplicateMarker { employee_id, users } => (
                words::DUPLICATE_MARKER,
                vec![
                    users.len().to_string(),
                    id_list(users),
                    employee_id.to_string(),
                ],
            ),
            SkipCause::EmployeeOnSeveralUsers => (words::EMPLOYEE_ON_SEVERAL_USERS, vec![]),
            SkipCause::EmailOfAnotherEmployee {
                user,
                marker_employee_id,
            } => (
                words::EMAIL_OF_ANOTHER_EMPLOYEE,
                vec![user.to_string(), marker_employee_id.to_string()],
            ),
            SkipCause::EmailOfAnotherUnreadableMarker {
                user,
                claimed_employee_id,
                fault,
            } => (
                words::EMAIL_OF_ANOTHER_UNREADABLE_MARKER,
                vec![
                    user.to_string(),
                    fault.words().to_string(),
                    claimed_employee_id.to_string(),
                ],
            ),
            SkipCause::ClaimedByUnreadableMarker { users, fault } => (
                words::CLAIMED_BY_UNREADABLE_MARKER,
                vec![id_list(users), fault.words().to_string()],
            ),
            SkipCause::UntrustedLeaverMarker { fault } => (
                words::UNTRUSTED_LEAVER_MARKER,
                vec![fault.words().to_string()],
            ),
            SkipCause::Untouchable(Untouchable::Owner) => (words::OWNER, vec![]),
            SkipCause::Untouchable(Untouchable::KeyOwner) => (words::KEY_OWNER, vec![]),
            SkipCause::FromUser => (words::FROM_USER, vec![]),
            SkipCause::SuspendedByOthers { role } => {
                (words::SUSPENDED_BY_OTHERS, vec![role.to_string()])
            }
            SkipCause::UnconfirmedAdoption {
                from,
                to,
                manager_on,
            } => {
                let mut more = Vec::new();
                if from.raised_to(to) {
                    more.push(format!("base role {to} (it has {from})"));
                }
                if !manager_on.is_empty() {
                    more.push(format!("the manager role on {}", manager_on.join(", ")));
                }
                (words::UNCONFIRMED_ADOPTION, vec![more.join(" and ")])
            }
            SkipCause::Untouchable(Untouchable::Protected) => (words::PROTECTED, vec![]),
            SkipCause::PastTerminationUnverified {
                termination_date,
                catch_up_days,
                marker,
            } => (
                words::PAST_TERMINATION_UNVERIFIED,
                vec![
                    termination_date.to_string(),
                    catch_up_days.to_string(),
                    marker.words().to_string(),
                ],
            ),
            SkipCause::HrRowProblem => (words::HR_ROW_PROBLEM, vec![]),
        }
    }
}

impl fmt::Display for SkipCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (words, values) = self.parts();
        let values: Vec<&str> = values.iter().map(String::as_str).collect();
        f.write_str(&fill(words, &values))
    }
}

#[cfg(test)]
mod tests;
