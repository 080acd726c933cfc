//! The words of the skips, where a person reads them: each [`SkipCause`]'s sentence with its
//! values (its [`fmt::Display`], which the text plan and the `reason` of the JSON plan and
//! report print), and the words of [`UnverifiedMarker`], [`MarkerFault`] and [`SkipSide`].
//! What a skip is, and which need a person, is in the parent module.

use super::{LeftAlone, MarkerFault, RekeyHold, SkipCause, SkipSide, UnverifiedMarker};
use crate::ids::UserId;
use crate::plan::ownership::Untouchable;
use std::fmt;

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

impl RekeyHold {
    /// Why `--rekey-employee-ids` leaves the marker of `user` (naming `old`, in words:
    /// `employee 2`) as it is rather than re-keying it to `to` (in words), and what a
    /// person must do.
    fn words(&self, user: &str, old: &str, to: &str) -> String {
        let values: Vec<&str> = match self {
            RekeyHold::TargetHeld { holder } => {
                vec![holder.as_str(), to, user, holder.as_str()]
            }
            RekeyHold::OldRowKeeps => vec![old, user],
            RekeyHold::SeveralCopies => vec![old, user],
            RekeyHold::RowProblem => vec![old],
            RekeyHold::NotYetHired => vec![],
        };
        let words = match self {
            RekeyHold::TargetHeld { .. } => pieces::HOLD_TARGET_HELD,
            RekeyHold::OldRowKeeps => pieces::HOLD_OLD_ROW_KEEPS,
            RekeyHold::SeveralCopies => pieces::HOLD_SEVERAL_COPIES,
            RekeyHold::RowProblem => pieces::HOLD_ROW_PROBLEM,
            RekeyHold::NotYetHired => pieces::HOLD_NOT_YET_HIRED,
        };
        fill(words, &values)
    }
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

impl LeftAlone {
    /// Why the user is left alone, inside a skip reason: `its email is listed under
    /// [lifecycle] protected`.
    pub fn words(self) -> String {
        match self {
            LeftAlone::Untouchable(Untouchable::Protected) => {
                "its email is listed under [lifecycle] protected, and a protected user is never written".into()
            }
            LeftAlone::Untouchable(Untouchable::Owner) => {
                "it is the account owner, which is never written".into()
            }
            LeftAlone::Untouchable(Untouchable::KeyOwner) => {
                "it owns the API key this run uses, and is never written".into()
            }
            LeftAlone::Unmarked => "it carries no ownership marker naming an employee".into(),
            LeftAlone::Unverified(fault) => {
                format!("its ownership marker is not used: {}", fault.words())
            }
        }
    }

    /// The way out after offboarding by hand, where hr2pagerduty can finish it: a user it
    /// may write, given the leaver's email back, is matched by it and deactivated.
    fn tail(self) -> &'static str {
        match self {
            LeftAlone::Untouchable(Untouchable::Owner) => {
                " (the account owner must first hand ownership to another user)"
            }
            LeftAlone::Untouchable(Untouchable::KeyOwner) => {
                " (the job must first run with a key of another user)"
            }
            LeftAlone::Untouchable(Untouchable::Protected)
            | LeftAlone::Unmarked
            | LeftAlone::Unverified(_) => {
                ", or set its email in PagerDuty back to this HR row's and the next run deactivates it"
            }
        }
    }
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

/// The words of each cause, around its values (one more piece than values).
mod pieces {
    pub const DUPLICATE_MARKER: &[&str] = &[
        "",
        " PagerDuty users (",
        ") carry the marker for employee ",
        "; fix by hand",
    ];
    /// [`DUPLICATE_MARKER`] when `--rekey-employee-ids` would settle it.
    pub const DUPLICATE_MARKER_REKEY_RESOLVES: &[&str] = &[
        "",
        " PagerDuty users (",
        ") carry the marker for employee ",
        "; the evidence says which keeps it (one has the email of that employee's HR row, each other one the email of another row whose ID no other user keeps: a re-key that stopped part-way?), so rerun plan and apply with --rekey-employee-ids, which re-keys the others to their rows; if that is wrong, fix the markers by hand",
    ];
    /// The words of a [`super::RekeyHold`] inside a skip, around its values.
    pub const HOLD_TARGET_HELD: &[&str] = &[
        "PagerDuty user ",
        " keeps the marker of ",
        " (no HR row re-keys it away in this run, and it is not a user gone from the export that could give the ID up: its email is on an HR row, or it is a user hr2pagerduty never writes, or its own re-key is held the same way, down a chain of shifted IDs), and re-keying ",
        " would leave two users with one marker; settle ",
        " (or the user at the end of that chain) by hand: if its person has left, offboard it in PagerDuty and remove its marker line; if not, fix its marker or email; then rerun with --rekey-employee-ids",
    ];
    pub const HOLD_OLD_ROW_KEEPS: &[&str] = &[
        "the export lists ",
        " on a row that this user plausibly is (the same name, and that row's email held by no other managed user), so the user keeps that ID; if ",
        " is this row's person and not that row's, remove its marker line in PagerDuty: the next run matches it to this row by email (and creates the other row's user); if not, correct this row's email in HR",
    ];
    pub const HOLD_SEVERAL_COPIES: &[&str] = &[
        "several PagerDuty users carry the marker of ",
        " and the evidence does not say which keeps it (see their skip); decide by hand which user is that employee's, remove the marker line from the others (",
        " among them, if it is not), then rerun with --rekey-employee-ids",
    ];
    pub const HOLD_ROW_PROBLEM: &[&str] = &[
        "an HR row with a problem this run names this email or ",
        ", so no marker is re-keyed onto or away from it; fix that row in HR (it is listed with the HR problems), then rerun with --rekey-employee-ids",
    ];
    pub const HOLD_NOT_YET_HIRED: &[&str] = &[
        "this row is a future hire, and nothing is written for it before its hire date: its user is re-keyed from that day on; nothing to do",
    ];
    pub const EMPLOYEE_ON_SEVERAL_USERS: &[&str] =
        &["several PagerDuty users carry this employee's marker"];
    pub const EMAIL_OF_ANOTHER_EMPLOYEE: &[&str] = &[
        "email belongs to PagerDuty user ",
        " whose marker names employee ",
        "",
    ];
    pub const EMPLOYEE_ID_REUSED: &[&str] = &[
        "this employee ID's marker is on PagerDuty user ",
        " (",
        ", ",
        "), whose name and email are not this HR row's: HR may have reused the employee ID for another person, so nothing is written; if it is the same person, set that PagerDuty user's email to this HR row's and the next run matches it; if not, remove the marker line from that user: the next run then creates this employee if HR lists them as employed (a leaver is never created; its row then needs nothing)",
    ];
    pub const ARCHIVED_UNDER_ANOTHER_ID: &[&str] = &[
        "not created: the deletion archive holds deleted user ",
        " (",
        ", ",
        ") under employee ID ",
        ", the same person by email, and a fresh create would leave that record (contact methods, notification rules, teams) behind for good; if HR renumbered this employee or rehired them under a new ID, rerun with --rekey-employee-ids to re-create them from that record (the PagerDuty ID changes); to create them afresh instead, remove that record's line from the archive file",
    ];
    pub const EMPLOYEE_ID_MOVED: &[&str] = &[
        "this employee ID's marker is on PagerDuty user ",
        " (",
        "), whose email and name are on the HR row of employee ",
        ": HR may have moved that person to employee ID ",
        " and given this ID to someone else, so neither row is written; if so, rerun plan and apply with --rekey-employee-ids (that user's marker is re-keyed to ",
        " and this employee is created); if not, fix the marker or the email by hand",
    ];
    /// [`EMPLOYEE_ID_MOVED`] in a run with `--rekey-employee-ids` that could not re-key.
    pub const EMPLOYEE_ID_MOVED_HELD: &[&str] = &[
        "this employee ID's marker is on PagerDuty user ",
        " (",
        "), whose email and name are on the HR row of employee ",
        ": HR may have moved that person to employee ID ",
        " and given this ID to someone else, so neither row is written; --rekey-employee-ids does not re-key that user: ",
        "; if HR did not move the person, fix the marker or the email by hand",
    ];
    /// After [`EMAIL_OF_ANOTHER_EMPLOYEE`] in a run with `--rekey-employee-ids` that
    /// could not re-key that user to this row.
    pub const EMAIL_OF_ANOTHER_EMPLOYEE_HELD: &[&str] = &[
        "email belongs to PagerDuty user ",
        " whose marker names employee ",
        "; --rekey-employee-ids does not re-key it to this row: ",
        "",
    ];
    pub const EMAIL_TAKEN: &[&str] = &[
        "HR gives this employee a new email, but PagerDuty user ",
        " already has it and keeps it in this run, so PagerDuty would refuse the change: the email is not changed (this user keeps ",
        "; its other changes are applied); give that user another email, or correct the email in HR, and the next run changes it",
    ];
    pub const MARKER_EMAIL_CONFLICT: &[&str] = &[
        "this employee ID's marker is on PagerDuty user ",
        " (",
        "), but this HR row's email belongs to PagerDuty user ",
        ", whose marker names employee ",
        ": conflicting evidence (employee IDs renumbered onto old values?), so neither user is written for this row; if the employee IDs changed, rerun plan and apply with --rekey-employee-ids; if not, fix the marker or the email by hand",
    ];
    /// [`MARKER_EMAIL_CONFLICT`] in a run that already has `--rekey-employee-ids`.
    pub const MARKER_EMAIL_CONFLICT_REKEY_GIVEN: &[&str] = &[
        "this employee ID's marker is on PagerDuty user ",
        " (",
        "), but this HR row's email belongs to PagerDuty user ",
        ", whose marker names employee ",
        ": --rekey-employee-ids cannot re-key ",
        " to this ID while ",
        " keeps that ID's marker (no HR row re-keys it away in this run, and it is not a user gone from the export that could give the ID up: its email is on an HR row, or it is a user hr2pagerduty never writes, or its own re-key is blocked the same way, down a chain of shifted IDs), so neither user is written for this row; settle ",
        " (or the user at the end of that chain) by hand: if its person has left, offboard it in PagerDuty and remove its marker line; if not, fix its marker or email; then rerun with --rekey-employee-ids",
    ];
    pub const EMAIL_OF_ANOTHER_UNREADABLE_MARKER: &[&str] = &[
        "email belongs to PagerDuty user ",
        " whose marker (",
        ") seems to name employee ",
        "; if that user is this employee, remove that marker line and the next run adopts it by email (in an account whose markers are signed, only a run with --allow-adoption-by-email, and only where that raises none of its access; else give it this employee's role and teams by hand first)",
    ];
    pub const CLAIMED_BY_UNREADABLE_MARKER: &[&str] = &[
        "PagerDuty user ",
        " carries a marker (",
        ") that seems to name this employee; if that user is this employee, set its email in PagerDuty to this HR row's and the next run matches it; if not, remove that marker line: the next run then creates this employee if HR lists them as employed (a leaver is never created; its row then needs nothing)",
    ];
    pub const UNTRUSTED_LEAVER_MARKER: &[&str] = &[
        "the HR export does not list the employee this user's marker (",
        ") seems to name, but the marker cannot be trusted, so the user is not deactivated and keeps its role and teams; if it is that former employee, suspend it by hand in PagerDuty; if not, remove that marker line",
    ];
    pub const UNVERIFIED_MARKER_CLAIMING_LISTED: &[&str] = &[
        "this user's ownership marker (",
        ") seems to name employee ",
        ", whom the HR export lists, but no HR row matches this user (by a marker that verifies, or by its email)",
        "",
    ];
    pub const UNVERIFIED_MARKER_CLAIMING_NONE: &[&str] = &[
        "this user's ownership marker (",
        ") names no employee that can be read, and no HR row matches this user (by its email)",
        "",
    ];
    /// The end of both: why it needs a person, and the ways out.
    pub const UNVERIFIED_MARKER_WITHOUT_ROW_END: &str = ": it still holds a role or teams and may be a leaver hiding behind an edited marker, so it is not kept on silently; not deactivated (it keeps its access until settled; [lifecycle] unmanaged_users = \"offboard\" deactivates it); if it is a former employee, suspend it by hand in PagerDuty; if it is a current employee, set its email in PagerDuty to its HR row's and remove that marker line";
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
        "PagerDuty user has no signed ownership marker and only its email ties it to this employee (users can change their own email), in an account whose markers are signed; taking it over would give it ",
        ": left alone; check that the user is this employee, then give it that access by hand in PagerDuty, and a run with --allow-adoption-by-email adopts it and signs its marker",
    ];
    pub const ADOPTION_OF_ANOTHER_NAME: &[&str] = &[
        "PagerDuty user ",
        " (named ",
        ", email ",
        ") has no ownership marker this run can trust and only its email ties it to this employee (users can change their own email), in an account whose markers are signed, and its name is not this HR row's (",
        "): taking it over would rename it, sign its marker as this employee's and give it every access HR gives this employee from now on",
        ": left alone, nothing is written; check that the user is this person (ask them; look in the user's PagerDuty history for when its email and name changed): if it is, set its name in PagerDuty to this HR row's (and give it any access named here by hand), and a run with --allow-adoption-by-email adopts it and signs its marker; if it is not, set its email back or remove the user, and the next run creates this employee",
    ];
    pub const ADOPTION_BY_EMAIL: &[&str] = &[
        "PagerDuty user ",
        " (email ",
        ") has no ownership marker this run can trust, in an account whose markers are signed: nothing but its email and its name, which the user can set themselves, ties it to this employee, so taking it over could sign another person as this employee and give them every access HR gives this employee from now on",
        ": left alone, nothing is written; check who made this user (look in its PagerDuty history for when its email and name were set): if it is this employee's, rerun with --allow-adoption-by-email (that run adopts it and signs its marker); if it is not, set its email back or remove the user, and the next run creates this employee",
    ];
    pub const UNCHECKED_MARKER_WITHOUT_KEY: &[&str] = &[
        "PAGERDUTY_MARKER_KEY is not set, but markers of this account carry a signature (it is, or was, signed), so the ownership marker of PagerDuty user ",
        " that names this employee cannot be checked (a user can write any employee ID, with a made-up sig, into their own profile): taking it over would ",
        ": left alone, nothing is written; give the key (PAGERDUTY_MARKER_KEY or --marker-key-file) and rerun, and the keyed run checks the marker",
    ];
    pub const PAST_TERMINATION_UNVERIFIED: &[&str] = &[
        "termination date ",
        " passed more than ",
        " days ago ([lifecycle] termination_catch_up_days) while the status says active, and this user's ownership marker is ",
        " while other markers of the account verify with PAGERDUTY_MARKER_KEY: a termination-pending stamp may have been removed from it, so the user is not kept on silently (nothing is written; it keeps its access until settled); if the employee has left, mark the row terminated in HR; if not, clear or correct the stale termination date in HR",
    ];
    /// After [`PAST_TERMINATION_UNVERIFIED`] on an unsigned marker: the likelier cause.
    pub const UNFINISHED_MIGRATION: &str = "; if many users are listed so, the first apply with PAGERDUTY_MARKER_KEY most likely stopped before signing every marker: then run apply once with --finish-marker-migration, which trusts and signs the unsigned markers whose email is the HR row's, as that first apply would have";
    pub const PROTECTED: &[&str] = &["protected by [lifecycle] protected: never changed"];
    pub const LEAVER_NAMESAKE: &[&str] = &[
        "this leaver's row (HR line ",
        ") finds no PagerDuty user, but PagerDuty user ",
        " (",
        "), which no HR row matches, has this leaver's name ",
        " and still holds a role or teams, and the run leaves it alone (",
        "), so nothing is written: check whether the leaver changed that user's email or removed its marker; if it is the leaver, offboard it by hand in PagerDuty (suspend it, or take away its role and teams)",
        "",
    ];
    pub const HR_ROW_PROBLEM: &[&str] =
        &["the HR row for this employee has a problem this run; not deactivated"];
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
            SkipCause::DuplicateMarker {
                employee_id,
                users,
                rekey_resolves,
            } => (
                if *rekey_resolves {
                    pieces::DUPLICATE_MARKER_REKEY_RESOLVES
                } else {
                    pieces::DUPLICATE_MARKER
                },
                vec![
                    users.len().to_string(),
                    id_list(users),
                    employee_id.to_string(),
                ],
            ),
            SkipCause::EmployeeOnSeveralUsers => (pieces::EMPLOYEE_ON_SEVERAL_USERS, vec![]),
            SkipCause::EmailOfAnotherEmployee {
                user,
                marker_employee_id,
                rekey_hold: None,
            } => (
                pieces::EMAIL_OF_ANOTHER_EMPLOYEE,
                vec![user.to_string(), marker_employee_id.to_string()],
            ),
            SkipCause::EmailOfAnotherEmployee {
                user,
                marker_employee_id,
                rekey_hold: Some(hold),
            } => (
                pieces::EMAIL_OF_ANOTHER_EMPLOYEE_HELD,
                vec![
                    user.to_string(),
                    marker_employee_id.to_string(),
                    // The row's own ID is not among the values: "this row".
                    hold.words(
                        user.as_str(),
                        &format!("employee {marker_employee_id}"),
                        "this row's employee ID",
                    ),
                ],
            ),
            SkipCause::EmployeeIdReused { user, name, email } => (
                pieces::EMPLOYEE_ID_REUSED,
                vec![
                    user.to_string(),
                    crate::quote::quoted(name),
                    email.to_string(),
                ],
            ),
            SkipCause::ArchivedUnderAnotherId {
                user,
                name,
                email,
                archived_employee_id,
            } => (
                pieces::ARCHIVED_UNDER_ANOTHER_ID,
                vec![
                    user.to_string(),
                    crate::quote::quoted(name),
                    email.to_string(),
                    archived_employee_id.to_string(),
                ],
            ),
            SkipCause::EmployeeIdMoved {
                user,
                email,
                moved_to,
                rekey_hold: Some(hold),
            } => (
                pieces::EMPLOYEE_ID_MOVED_HELD,
                vec![
                    user.to_string(),
                    email.to_string(),
                    moved_to.to_string(),
                    moved_to.to_string(),
                    hold.words(
                        user.as_str(),
                        "this row's employee ID",
                        &format!("employee {moved_to}"),
                    ),
                ],
            ),
            SkipCause::EmployeeIdMoved {
                user,
                email,
                moved_to,
                rekey_hold: None,
            } => (
                pieces::EMPLOYEE_ID_MOVED,
                vec![
                    user.to_string(),
                    email.to_string(),
                    moved_to.to_string(),
                    moved_to.to_string(),
                    moved_to.to_string(),
                ],
            ),
            SkipCause::MarkerEmailConflict {
                user,
                user_email,
                holder,
                holder_employee_id,
                rekey_given: false,
            } => (
                pieces::MARKER_EMAIL_CONFLICT,
                vec![
                    user.to_string(),
                    user_email.to_string(),
                    holder.to_string(),
                    holder_employee_id.to_string(),
                ],
            ),
            SkipCause::MarkerEmailConflict {
                user,
                user_email,
                holder,
                holder_employee_id,
                rekey_given: true,
            } => (
                pieces::MARKER_EMAIL_CONFLICT_REKEY_GIVEN,
                vec![
                    user.to_string(),
                    user_email.to_string(),
                    holder.to_string(),
                    holder_employee_id.to_string(),
                    holder.to_string(),
                    user.to_string(),
                    user.to_string(),
                ],
            ),
            SkipCause::EmailTaken { holder, user_email } => (
                pieces::EMAIL_TAKEN,
                vec![holder.to_string(), user_email.to_string()],
            ),
            SkipCause::EmailOfAnotherUnreadableMarker {
                user,
                claimed_employee_id,
                fault,
            } => (
                pieces::EMAIL_OF_ANOTHER_UNREADABLE_MARKER,
                vec![
                    user.to_string(),
                    fault.words().to_string(),
                    claimed_employee_id.to_string(),
                ],
            ),
            SkipCause::ClaimedByUnreadableMarker { users, fault } => (
                pieces::CLAIMED_BY_UNREADABLE_MARKER,
                vec![id_list(users), fault.words().to_string()],
            ),
            SkipCause::UntrustedLeaverMarker { fault } => (
                pieces::UNTRUSTED_LEAVER_MARKER,
                vec![fault.words().to_string()],
            ),
            SkipCause::UnverifiedMarkerWithoutRow {
                fault,
                claimed_employee_id: Some(eid),
            } => (
                pieces::UNVERIFIED_MARKER_CLAIMING_LISTED,
                vec![
                    fault.words().to_string(),
                    eid.to_string(),
                    pieces::UNVERIFIED_MARKER_WITHOUT_ROW_END.to_string(),
                ],
            ),
            SkipCause::UnverifiedMarkerWithoutRow {
                fault,
                claimed_employee_id: None,
            } => (
                pieces::UNVERIFIED_MARKER_CLAIMING_NONE,
                vec![
                    fault.words().to_string(),
                    pieces::UNVERIFIED_MARKER_WITHOUT_ROW_END.to_string(),
                ],
            ),
            SkipCause::Untouchable(Untouchable::Owner) => (pieces::OWNER, vec![]),
            SkipCause::Untouchable(Untouchable::KeyOwner) => (pieces::KEY_OWNER, vec![]),
            SkipCause::FromUser => (pieces::FROM_USER, vec![]),
            SkipCause::SuspendedByOthers { role } => {
                (pieces::SUSPENDED_BY_OTHERS, vec![role.to_string()])
            }
            SkipCause::UnconfirmedAdoption {
                from,
                to,
                manager_on,
                joins,
            } => {
                let mut more = Vec::new();
                if from.raised_to(to) {
                    more.push(format!("base role {to} (it has {from})"));
                }
                if !manager_on.is_empty() {
                    more.push(format!("the manager role on {}", manager_on.join(", ")));
                }
                if !joins.is_empty() {
                    more.push(format!("membership of {}", joins.join(", ")));
                }
                let last = more.pop().unwrap_or_default();
                let said = match more.is_empty() {
                    true => last,
                    false => format!("{} and {last}", more.join(", ")),
                };
                (pieces::UNCONFIRMED_ADOPTION, vec![said])
            }
            SkipCause::AdoptionOfAnotherName {
                user,
                user_name,
                user_email,
                row_name,
                raise,
            } => {
                let also = match raise {
                    Some(raise) => format!(" (tonight: {})", raise.parts().1.concat()),
                    None => String::new(),
                };
                (
                    pieces::ADOPTION_OF_ANOTHER_NAME,
                    vec![
                        user.to_string(),
                        crate::quote::quoted(user_name),
                        user_email.to_string(),
                        crate::quote::quoted(row_name),
                        also,
                    ],
                )
            }
            SkipCause::AdoptionByEmail {
                user,
                user_email,
                raise,
            } => {
                let also = match raise {
                    Some(raise) => format!(" (tonight: {})", raise.parts().1.concat()),
                    None => String::new(),
                };
                (
                    pieces::ADOPTION_BY_EMAIL,
                    vec![user.to_string(), user_email.to_string(), also],
                )
            }
            SkipCause::UncheckedMarkerWithoutKey {
                user,
                user_email,
                raise,
            } => {
                let mut would = Vec::new();
                if let Some(email) = user_email {
                    would.push(format!("change its email from {email} to this HR row's"));
                }
                if let Some(raise) = raise {
                    let (_, given) = raise.parts();
                    would.push(format!("give it {}", given.concat()));
                }
                (
                    pieces::UNCHECKED_MARKER_WITHOUT_KEY,
                    vec![user.to_string(), would.join(" and ")],
                )
            }
            SkipCause::Untouchable(Untouchable::Protected) => (pieces::PROTECTED, vec![]),
            SkipCause::LeaverNamesake {
                line,
                user,
                email,
                name,
                left_alone,
            } => (
                pieces::LEAVER_NAMESAKE,
                vec![
                    line.to_string(),
                    user.to_string(),
                    email.to_string(),
                    crate::quote::quoted(name),
                    left_alone.words(),
                    left_alone.tail().to_string(),
                ],
            ),
            SkipCause::PastTerminationUnverified {
                termination_date,
                catch_up_days,
                marker,
            } => (
                pieces::PAST_TERMINATION_UNVERIFIED,
                vec![
                    termination_date.to_string(),
                    catch_up_days.to_string(),
                    marker.words().to_string(),
                    match marker {
                        UnverifiedMarker::Unsigned => pieces::UNFINISHED_MIGRATION.to_string(),
                        _ => String::new(),
                    },
                ],
            ),
            SkipCause::HrRowProblem => (pieces::HR_ROW_PROBLEM, vec![]),
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
