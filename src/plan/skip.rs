//! People and users the planner deliberately leaves alone, and why.
//!
//! A [`Skip`] carries its cause as a [`SkipCause`], which code matches on; the words are
//! rendered only where a person reads them ([`fmt::Display`](std::fmt::Display), written in
//! `words`: the text plan, the `reason` of the JSON plan and report). A saved plan stores
//! the cause itself, as a stable snake_case tag with its values (`{"cause":
//! "duplicate_marker", "details": {...}}`), never the words, so rewording a cause changes no
//! file format.

use super::ownership::Untouchable;
use crate::email::Email;
use crate::hr::Employee;
use crate::ids::{EmployeeId, UserId};
use crate::pagerduty::models::User;
use crate::vocab::Role;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

mod words;

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
/// `details` (none for a cause without values); its words are
/// [`fmt::Display`](std::fmt::Display)'s.
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
        /// In a run without `--rekey-employee-ids`: whether the evidence settles which user
        /// keeps the marker (exactly one has the email of the HR row of `employee_id`, and
        /// each other one the email of another row, whose ID no user keeps), so that the
        /// flag would resolve it (README.md § Safety, re-keying). Absent from the JSON when
        /// `false`.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        rekey_resolves: bool,
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
        /// In a run with `--rekey-employee-ids`: why the flag does not re-key that user to
        /// this row (the words then say what a person must do instead of advising the flag).
        /// Absent from the JSON without the flag.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rekey_hold: Option<RekeyHold>,
    },
    /// On the employee, active in HR with no user: the deletion archive holds deleted user
    /// `user` (`name`, `email`: this row's email) under another employee ID,
    /// `archived_employee_id`, the same person by the archive's rule (HR renumbered them, or
    /// rehired them under a new ID). A fresh create would leave that record (contact
    /// methods, notification rules, teams) behind for good, so nothing is created until a
    /// person decides: `--rekey-employee-ids` re-creates them from the record (a re-key).
    ArchivedUnderAnotherId {
        /// The deleted user the record is of.
        user: UserId,
        /// Its name, as archived.
        name: String,
        /// Its login email, as archived (the row's).
        email: Email,
        /// The employee ID its marker named.
        archived_employee_id: EmployeeId,
    },
    /// On the employee: the user whose marker names the employee ID (`user`) has neither
    /// the row's email nor a plausibly same name (README.md § Matching): HR may have reused
    /// the employee ID for another person, and writing would hand that person the old
    /// user's record (contact methods, notification rules, teams). Nothing is written.
    EmployeeIdReused {
        /// The user the marker finds.
        user: UserId,
        /// Its name, as PagerDuty shows it.
        name: String,
        /// Its email (normalised).
        email: Email,
    },
    /// On the employee: the user whose marker names the employee ID (`user`) has another
    /// email and name than the row (at most a word of the name in common), and another HR
    /// row, of employee `moved_to`, carries that user's email and name (README.md §
    /// Matching): HR moved that person to `moved_to` and may have given
    /// this ID to someone else, and writing would hand them the person's user. Nothing is
    /// written for this row (the other row is then skipped too, its email being on the
    /// user whose marker names this ID); counted as an identity conflict
    /// ([`super::safety`]). `--rekey-employee-ids` re-keys the user to `moved_to`.
    EmployeeIdMoved {
        /// The user the marker finds.
        user: UserId,
        /// Its email (normalised), the other row's.
        email: Email,
        /// The employee ID of the row with the user's email and name.
        moved_to: EmployeeId,
        /// In a run with `--rekey-employee-ids`: why the flag does not re-key that user to
        /// `moved_to`. Absent from the JSON without the flag.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rekey_hold: Option<RekeyHold>,
    },
    /// On the employee: the user whose marker names the employee ID (`user`, email
    /// `user_email`) has another email, while the row's email is on user `holder`, whose
    /// marker names employee `holder_employee_id`, and that user keeps it in this run.
    /// The two facts disagree (employee IDs renumbered onto old values?), so neither user
    /// is written for this row; counted as an identity conflict ([`super::safety`]).
    MarkerEmailConflict {
        /// The user the marker finds.
        user: UserId,
        /// Its email (normalised).
        user_email: Email,
        /// The user holding the row's email.
        holder: UserId,
        /// The employee the holder's marker names.
        holder_employee_id: EmployeeId,
        /// Whether the run has `--rekey-employee-ids`: the holder could not be re-keyed to
        /// this row's ID because `user` keeps that ID's marker, so the words name that
        /// marker instead of advising the flag again (absent from the JSON when `false`).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        rekey_given: bool,
    },
    /// On the employee: HR gives the row a new email, which another PagerDuty user
    /// (`holder`: unmanaged, or whose marker the run does not use, or left alone on
    /// purpose) already has and does not give up in this run (a hand-off,
    /// `plan::handoff`). PagerDuty refuses the change ("Email has already been taken"), so
    /// the row's user keeps `user_email`; only the email change is skipped, the row's
    /// other changes are applied.
    EmailTaken {
        /// The user holding the row's email.
        holder: UserId,
        /// The address the row's user keeps (normalised).
        user_email: Email,
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
    /// On a user whose marker is present but not used (`fault` says why: its signature
    /// fails, it cannot be read, several marker lines among them, or it is unsigned and
    /// unconfirmed), whom no HR row matches (by a marker that verifies or by email), and
    /// who still holds a role or teams, while its marker seems to name `claimed_employee_id`,
    /// an employee the export lists (whose row matched another user), or no employee that
    /// can be read. A leaver may edit their own profile to claim someone else: the user may
    /// be a leaver hiding, so it is not kept on silently. With `unmanaged_users = "offboard"`
    /// it is deactivated instead (README.md § Marker integrity).
    UnverifiedMarkerWithoutRow {
        /// Why the marker is not used.
        fault: MarkerFault,
        /// The listed employee the marker seems to name, if it names one that can be read.
        claimed_employee_id: Option<EmployeeId>,
    },
    /// On a leaver's row (terminated, past its termination date, or suspended for leave)
    /// that finds no PagerDuty user, while `user`, which no HR row matched and which the run
    /// leaves alone (`left_alone` says why: never written, no marker naming an employee, or
    /// a marker the run does not use), has the leaver's name (compared as
    /// [`crate::plan`]'s same-person rule compares names: trimmed, whitespace collapsed,
    /// case- and diacritic-insensitive) and still holds a role or teams. A leaver can set
    /// their own email (to a protected address no user held, say) and remove their marker:
    /// the row would then find nobody and the user keep its access with nothing said.
    /// Nothing is written; a person checks whether that user is the leaver.
    LeaverNamesake {
        /// The leaver's HR line.
        line: u64,
        /// The user with the leaver's name.
        user: UserId,
        /// Its email (normalised).
        email: Email,
        /// Its name, as PagerDuty shows it.
        name: String,
        /// Why the run leaves that user alone.
        left_alone: LeftAlone,
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
    /// [`Role::raised_to`]), give it the manager role on `manager_on` teams, or make it a
    /// member of `joins` teams (any team role). Users can set their own email in
    /// PagerDuty: one who takes a new hire's address would be given the hire's access. A
    /// person checks that the user is this employee and gives the role and teams by hand;
    /// the next run then adopts it and signs its marker.
    UnconfirmedAdoption {
        /// The user's base role.
        from: Role,
        /// The base role the rules give the employee.
        to: Role,
        /// The teams (names) on which the rules give the manager role the user lacks.
        manager_on: Vec<String>,
        /// The teams (names) the rules make it a member of (with a role other than
        /// manager) that it is not on. Absent from saved plans made before it existed.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        joins: Vec<String>,
    },
    /// On an employee active in HR whose user, `user`, in an account whose markers are
    /// signed (or, without the key, carry a `sig`), is tied to the employee only by its
    /// email (as for [`SkipCause::UnconfirmedAdoption`]) and whose name, `user_name`, is
    /// not the row's (`row_name`) by the project's name rule
    /// ([`crate::plan::adoption::same_name`]: trimmed, whitespace collapsed, case- and
    /// diacritic-insensitive). Users can set their own email: a contractor who takes a new
    /// hire's address would be renamed and signed as the hire, and be given every access HR
    /// gives the hire later, whether or not this run raises any. `raise` is what the
    /// adoption would also raise tonight, when it would. Nothing is written; a person checks
    /// that the user is this employee.
    AdoptionOfAnotherName {
        /// The user whose email is the row's.
        user: UserId,
        /// Its name, as PagerDuty shows it.
        user_name: String,
        /// Its email (normalised).
        user_email: Email,
        /// The HR row's name.
        row_name: String,
        /// What taking it over would also raise (an [`SkipCause::UnconfirmedAdoption`]).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        raise: Option<Box<SkipCause>>,
    },
    /// On an employee active in HR whose user, `user`, in an account whose markers are
    /// signed, is tied to the employee only by its email (as for
    /// [`SkipCause::UnconfirmedAdoption`]) under the row's name
    /// ([`crate::plan::adoption::same_name`]), without `--allow-adoption-by-email`. Users can
    /// set their own email and their own name: a contractor who takes a new hire's address
    /// and name would be signed as the hire and given every access HR gives the hire, the
    /// name rule passing. `raise` is what the adoption would also raise tonight, when it
    /// would. Nothing is written; a person checks who made the user.
    AdoptionByEmail {
        /// The user whose email is the row's.
        user: UserId,
        /// Its email (normalised).
        user_email: Email,
        /// What taking it over would also raise (an [`SkipCause::UnconfirmedAdoption`]).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        raise: Option<Box<SkipCause>>,
    },
    /// On an employee HR calls employed whose user, `user`, carries a marker naming it, in a
    /// run without `PAGERDUTY_MARKER_KEY` while some marker of the account carries a `sig`
    /// (the account is, or was, signed; not under `--allow-unsigned-run`): this run cannot
    /// check the marker, and a user can write any employee ID (with any `sig`) into their
    /// own profile, so the match is trusted only as far as the user's email confirms it
    /// (the rule a keyed run applies to an unsigned marker). Taking the user over would
    /// change its email (`user_email`, to the HR row's) or raise its access (`raise`, an
    /// [`SkipCause::UnconfirmedAdoption`]): left alone until a run with the key checks it.
    UncheckedMarkerWithoutKey {
        /// The user whose marker names the employee.
        user: UserId,
        /// The user's email, when taking it over would change it to the HR row's.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        user_email: Option<Email>,
        /// What taking it over would raise, when its email is the HR row's.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        raise: Option<Box<SkipCause>>,
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

/// Why `--rekey-employee-ids` leaves a user's marker as it is although the user has the
/// email of an HR row of another employee ID (`plan::matching::evidence`): the words of
/// the skip that names the user say what a person must do. Serialised adjacently tagged,
/// as [`SkipCause`] is (`{"hold": "target_held", "details": {"holder": "P..."}}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "hold", content = "details", rename_all = "snake_case")]
pub enum RekeyHold {
    /// Another user keeps the marker of the row's employee ID (`holder`): no HR row
    /// re-keys it away in this run, and it is not a user gone from the export that could
    /// give the ID up (its email is on an HR row, or it is a user hr2pagerduty never
    /// writes), or its own re-key is held the same way, down a chain of shifted IDs.
    TargetHeld {
        /// The user keeping the marker of the row's ID.
        holder: UserId,
    },
    /// The export lists the employee the user's marker names on a row that the user
    /// plausibly is (its name, and its email free): that row keeps the user.
    OldRowKeeps,
    /// Several users carry the user's marker, and the evidence does not say which one
    /// keeps it.
    SeveralCopies,
    /// An HR row with a problem this run names the row's email or the employee the
    /// user's marker names: nothing is re-keyed onto or away from it.
    RowProblem,
    /// The row is a future hire not provisioned yet: it is re-keyed from its hire date.
    NotYetHired,
}

/// Why the run leaves a user alone that no HR row matched ([`SkipCause::LeaverNamesake`]).
/// Serialised as a snake_case tag (`unmarked`), with its value (`{"untouchable":
/// "protected"}`, `{"unverified": "signature_invalid"}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeftAlone {
    /// hr2pagerduty never writes it: the account owner, the API key's own user, a
    /// protected email.
    Untouchable(Untouchable),
    /// It carries no ownership marker naming an employee (an unmanaged user).
    Unmarked,
    /// Its ownership marker is present but not used (why).
    Unverified(MarkerFault),
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

impl SkipCause {
    /// Whether this skip needs a person: a marker dispute, a marker that cannot be trusted
    /// while it hides a leaver or blocks a hire, an email another employee's user holds, a
    /// user someone else suspended, a leaver whose row finds no user while a user left
    /// alone has their name and access. Until someone acts, a person's access is wrong (a
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
            | SkipCause::EmployeeIdReused { .. }
            | SkipCause::ArchivedUnderAnotherId { .. }
            | SkipCause::EmployeeIdMoved { .. }
            | SkipCause::MarkerEmailConflict { .. }
            | SkipCause::EmailTaken { .. }
            | SkipCause::EmailOfAnotherUnreadableMarker { .. }
            | SkipCause::ClaimedByUnreadableMarker { .. }
            | SkipCause::UntrustedLeaverMarker { .. }
            | SkipCause::UnverifiedMarkerWithoutRow { .. }
            | SkipCause::LeaverNamesake { .. }
            | SkipCause::SuspendedByOthers { .. }
            | SkipCause::UnconfirmedAdoption { .. }
            | SkipCause::AdoptionOfAnotherName { .. }
            | SkipCause::AdoptionByEmail { .. }
            | SkipCause::UncheckedMarkerWithoutKey { .. }
            | SkipCause::PastTerminationUnverified { .. } => SkipSide::PagerDuty,
        }
    }
}

impl super::Plan {
    /// More skips than this of an unsigned marker with a stale termination date say that
    /// the first apply with the key stopped part-way ([`super::Plan::unfinished_migration`]),
    /// rather than that each user edited their own marker (as many forged signatures say a
    /// wrong key, `safety::FORGED_SIGNATURES_TOLERATED`).
    pub const UNFINISHED_MIGRATION_AFTER: usize = 5;

    /// The skips that need a person ([`SkipCause::needs_attention`]), in the plan's order:
    /// `apply` exits 1 while there are any.
    pub fn needs_attention(&self) -> impl Iterator<Item = &Skip> {
        self.skipped.iter().filter(|s| s.reason.needs_attention())
    }

    /// How many skips are a stale termination date on an unsigned marker
    /// ([`SkipCause::PastTerminationUnverified`]), when more than
    /// [`Self::UNFINISHED_MIGRATION_AFTER`]: the likely cause is a first apply with
    /// `PAGERDUTY_MARKER_KEY` that stopped before signing every marker, not users who each
    /// replaced their own, and `--finish-marker-migration` finishes it.
    pub fn unfinished_migration(&self) -> Option<usize> {
        let n = self
            .skipped
            .iter()
            .filter(|s| {
                matches!(
                    s.reason,
                    SkipCause::PastTerminationUnverified {
                        marker: UnverifiedMarker::Unsigned,
                        ..
                    }
                )
            })
            .count();
        (n > Self::UNFINISHED_MIGRATION_AFTER).then_some(n)
    }

    /// What the skips that need a person mean until settled, for the line that counts
    /// them: that a person's access is wrong, or, for an unfinished migration
    /// ([`Self::unfinished_migration`]), what is most likely wrong and the way out.
    pub fn attention_consequence(&self) -> String {
        match self.unfinished_migration() {
            None => "until settled, a person's access is wrong".into(),
            Some(n) => format!(
                "{n} of them are unsigned markers with a stale termination date while other markers verify, most likely a first apply with PAGERDUTY_MARKER_KEY that stopped before signing every marker: run apply once with --finish-marker-migration (review its plan first)"
            ),
        }
    }
}

#[cfg(test)]
mod tests;
