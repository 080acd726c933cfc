//! How each action of an apply ended, and why an action was not applied, as types that
//! code matches on; the words are rendered only for people and the report
//! ([`fmt::Display`], and serde, which writes the same words as the report's `error`).

use super::stop::Halt;
use crate::email::Email;
use crate::ids::{EmployeeId, EscalationPolicyId, TeamId, UserId};
use crate::oncall::{Blocked, Named};
use crate::pagerduty::{ApiError, Refusal, TransportKind};
use crate::plan::ownership::Untouchable;
use crate::plan::{Action, SkipCause};
use crate::words::plural;
use serde::{Serialize, Serializer};
use std::fmt;

/// How an action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeStatus {
    /// Every step succeeded.
    Applied,
    /// A step failed; later steps were not sent.
    Failed,
    /// Not attempted: the apply-time re-check did not match, authentication was rejected
    /// earlier in the run, or the email it needs was not freed.
    Skipped,
    /// Not attempted: the user is on call, or the action has nothing to send but team
    /// removals PagerDuty refuses ([`Cause::Blocked`]); the run exits 1.
    Blocked,
    /// Never started: the run stopped first (`--max-runtime`, a signal).
    NotStarted,
    /// Started, then stopped by the run's stop before its last step: between two steps
    /// (`--max-runtime`), or abandoned with a request in flight after a signal's grace
    /// period. The next run finishes it.
    Interrupted,
}

impl OutcomeStatus {
    /// The report's word for the status (`applied`, `not_started`...), as serde writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeStatus::Applied => "applied",
            OutcomeStatus::Failed => "failed",
            OutcomeStatus::Skipped => "skipped",
            OutcomeStatus::Blocked => "blocked",
            OutcomeStatus::NotStarted => "not_started",
            OutcomeStatus::Interrupted => "interrupted",
        }
    }
}

/// The result of one action.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    /// The action as planned.
    pub action: Action,
    /// How it ended.
    pub status: OutcomeStatus,
    /// The PagerDuty user ID (for a create, the new user's).
    pub user_id: Option<UserId>,
    /// Why the action failed, was skipped or blocked: a [`Cause::Failed`] when `status` is
    /// [`OutcomeStatus::Failed`], a [`Cause::Blocked`] when [`OutcomeStatus::Blocked`],
    /// another cause when [`OutcomeStatus::Skipped`], `None` when applied. Serialised as its
    /// words, under `error`.
    #[serde(rename = "error")]
    pub cause: Option<Cause>,
    /// HTTP requests sent for this action, retries and re-checks included.
    pub attempts: u32,
    /// Steps completed.
    pub steps_done: usize,
    /// The HTTP status of the answer that failed the action, when there was one.
    pub http_status: Option<u16>,
    /// A create whose `POST` PagerDuty refused because the email was taken, by a user it
    /// may adopt (no marker, or this employee's): that user, which existed before the
    /// run's request, was brought to the create's state instead of creating one (so no
    /// invitation was sent). Reported as `adopted` in the JSON report.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub adopted: bool,
}

impl Outcome {
    /// Whether this is a deactivation or deletion that the re-check before it left undone
    /// while the user still exists ([`Mismatch::leaves_access`]): the user changed since
    /// the plan and keeps its access until the next run plans it again, so the apply exits
    /// 1 (README.md § Exit codes).
    pub fn undone_at_recheck(&self) -> bool {
        self.status == OutcomeStatus::Skipped
            && matches!(&self.cause, Some(Cause::Recheck(m)) if m.leaves_access())
    }
}

/// Why an action was not applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cause {
    /// Not attempted: PagerDuty rejected the key itself (401) earlier in the run, which
    /// stops new actions from starting.
    AuthenticationRejected,
    /// Not attempted: the user read again just before a destructive action did not match
    /// the action's [`crate::plan::Guard`].
    Recheck(Mismatch),
    /// A step failed and later steps were not sent; after a team removal PagerDuty refused,
    /// the remaining removals were still tried, and their failures follow in order.
    Failed(Vec<StepFailure>),
    /// Not attempted: the plan blocked the action because its user is on call
    /// ([`crate::oncall::check`]), or because all it would send is team removals PagerDuty
    /// refuses ([`Blocked::refused_removals_only`]).
    Blocked(Blocked),
    /// A create found the email already held (its outcome was unknown, or PagerDuty
    /// answered "Email has already been taken", fact F31), and the user holding it may not
    /// be adopted as this employee's: the action failed.
    NotAdopted {
        /// The user holding the email.
        user: UserId,
        /// Why it is not this employee's.
        why: NotAdoptable,
    },
    /// Not attempted: the action takes over an email that `user`'s action was to give up
    /// first in this run, and that email change did not happen.
    EmailNotFreed {
        /// The user whose email change was to free the address.
        user: UserId,
    },
    /// Not attempted: the action re-keys its user to an employee ID that `user`'s action
    /// was to take away from that user's marker first in this run, and that marker write
    /// did not happen (two users would carry one marker).
    IdNotReleased {
        /// The user whose marker was to give the ID up.
        user: UserId,
    },
    /// Never started: the run stopped first.
    NotStarted(Halt),
    /// Started and stopped before its end (see [`OutcomeStatus::Interrupted`]);
    /// `abandoned` when a request in flight was dropped.
    Interrupted {
        /// Why the run stopped.
        halt: Halt,
        /// A request in flight was dropped after the grace period.
        abandoned: bool,
    },
}

/// Why the user a create found holding its email is not adopted. The owner/protected
/// rule is the planner's ([`crate::plan::ownership::untouchable`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotAdoptable {
    /// The account owner, or a protected email.
    Untouchable(Untouchable),
    /// Its ownership marker names another employee.
    OtherEmployee(EmployeeId),
    /// Its description holds a marker line that cannot be read.
    UnreadableMarker,
    /// The plan's account has signed markers ([`crate::plan::Plan::adoption_guarded`]),
    /// the user carries no marker of this employee that verifies, and taking it over would
    /// raise its access, or its name is not the create's: the planner's skip for the same
    /// case, by the same rules ([`crate::plan::adoption::adoption_raise`],
    /// [`crate::plan::adoption::another_name`]), a [`SkipCause::UnconfirmedAdoption`] or a
    /// [`SkipCause::AdoptionOfAnotherName`]. Users can set their own email: one who takes a
    /// new hire's address between the plan and the create would be given the hire's access.
    RaisesAccess(Box<SkipCause>),
}

/// One failed request of an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepFailure {
    /// The step's 1-based position; a failed re-check read counts as step 1.
    pub step: usize,
    /// The number of steps of the action.
    pub steps: usize,
    /// What failed: PagerDuty's answer, the transport, or a condition the step needs.
    pub error: StepError,
    /// For a team removal PagerDuty refused because the user is on one of the team's
    /// escalation policies (fact F32): the team, and the policies found holding the user
    /// (empty when none could be named); the membership is left in place.
    pub held_by: Option<HeldBy>,
}

/// Why one step of an action failed. The client's failures keep the client's words
/// (request, HTTP status, PagerDuty's message, attempts); the conditions a step needs are
/// worded by [`fmt::Display`], which the report writes as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepError {
    /// PagerDuty refused the request for good (a 4xx other than 401,
    /// [`ApiError::refusal`]): which refusal, and the client's words.
    Refused {
        /// Which refusal.
        refusal: Refusal,
        /// The client's error, in its words.
        text: String,
    },
    /// PagerDuty answered with another failure: a 401 (the key is refused), a 5xx or
    /// another status the client's retries did not get past.
    Status {
        /// The HTTP status of the last answer.
        status: u16,
        /// The client's error, in its words.
        text: String,
    },
    /// No usable answer (no connection, a timeout, a connection dropped).
    Transport {
        /// What failed below HTTP.
        kind: TransportKind,
        /// The client's error, in its words.
        text: String,
    },
    /// A `POST` whose outcome is unknown and could not be checked, so it was not sent
    /// again ([`ApiError::OutcomeUnknown`]).
    OutcomeUnknown {
        /// The client's error, in its words.
        text: String,
    },
    /// Another failure of the client (an answer that could not be decoded, say).
    Client {
        /// The client's error, in its words.
        text: String,
    },
    /// A restore's archive holds no record of the deleted user it restores from.
    NotArchived {
        /// The deleted user.
        from: UserId,
    },
    /// A restore's user no longer exists when its contact methods are read.
    UserGone {
        /// The user.
        user: UserId,
    },
    /// A deletion without a `[lifecycle] archive` configured: its user was not deleted.
    NoArchive,
    /// A deletion whose archive record could not be written (the archive's error, in its
    /// words): its user was not deleted.
    ArchiveNotWritten(String),
}

impl StepError {
    /// The step error of the client's `e`, classified by its kind, in its words.
    pub fn from_api(e: &ApiError) -> StepError {
        let text = e.to_string();
        if let Some(refusal) = e.refusal() {
            return StepError::Refused { refusal, text };
        }
        match e {
            ApiError::Status { status, .. } => StepError::Status {
                status: *status,
                text,
            },
            ApiError::Transport { kind, .. } => StepError::Transport { kind: *kind, text },
            ApiError::OutcomeUnknown { .. } => StepError::OutcomeUnknown { text },
            _ => StepError::Client { text },
        }
    }
}

impl fmt::Display for StepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StepError::Refused { text, .. }
            | StepError::Status { text, .. }
            | StepError::Transport { text, .. }
            | StepError::OutcomeUnknown { text }
            | StepError::Client { text } => f.write_str(text),
            StepError::NotArchived { from } => write!(
                f,
                "the archive has no record of deleted user {from}; its contact methods and notification rules cannot be restored"
            ),
            StepError::UserGone { user } => write!(f, "user {user} no longer exists"),
            StepError::NoArchive => {
                f.write_str("no [lifecycle] archive is configured, so the user was not deleted")
            }
            StepError::ArchiveNotWritten(e) => write!(f, "{e}; the user was not deleted"),
        }
    }
}

/// Who keeps a user on a team whose removal PagerDuty refused (fact F32).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldBy {
    /// The team.
    pub team: TeamId,
    /// The team's name.
    pub team_name: String,
    /// The team's escalation policies that reach the user, as far as they could be found.
    pub policies: Vec<Named<EscalationPolicyId>>,
}

impl fmt::Display for HeldBy {
    /// `held by escalation policy "Ops EP" (PEP1) of team "Ops" (PT1); the membership is
    /// left in place`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let team = format!("team {:?} ({})", self.team_name, self.team);
        match self.policies.as_slice() {
            [] => write!(f, "held by an escalation policy of {team}")?,
            ps => write!(
                f,
                "held by escalation polic{} {} of {team}",
                plural(ps.len(), "y", "ies"),
                ps.iter()
                    .map(|p| format!("{:?} ({})", p.name, p.id))
                    .collect::<Vec<_>>()
                    .join(", ")
            )?,
        }
        f.write_str("; the membership is left in place")
    }
}

/// What the re-check found instead of what the action's guard expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mismatch {
    /// The user no longer exists (`GET /users/{id}` answered 404).
    Gone,
    /// The user became one hr2pagerduty never writes ([`crate::plan::ownership`]).
    Untouchable(Untouchable),
    /// The user's marker names another employee than the planned one.
    MarkerNamesAnother {
        /// The employee the marker names now.
        found: EmployeeId,
        /// The employee the plan expected.
        expected: EmployeeId,
    },
    /// The user was matched by email with no usable marker, and now carries one.
    MarkerAdded {
        /// The employee the new marker names.
        found: EmployeeId,
    },
    /// The planned employee's marker line was removed: the description has no marker.
    MarkerGone {
        /// The employee the plan expected.
        expected: EmployeeId,
    },
    /// The planned employee's marker was replaced or edited: the description has a marker,
    /// but not one that names the planned employee and is trusted (its signature fails, it
    /// cannot be read, it is unsigned where the plan did not trust it, or it names no
    /// employee).
    MarkerReplaced {
        /// The employee the plan expected.
        expected: EmployeeId,
        /// What is wrong with the marker now (`signature invalid`, `unreadable`...).
        fault: &'static str,
        /// The employee the marker now seems to name, if one can be read.
        claimed: Option<EmployeeId>,
    },
    /// The user was matched by email with no usable marker, and its email changed.
    EmailChanged {
        /// The user's email now (normalised).
        now: Email,
    },
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cause::AuthenticationRejected => {
                f.write_str("not attempted: authentication was rejected")
            }
            Cause::Recheck(m) => write!(f, "re-check: {m}"),
            Cause::NotAdopted { user, why } => write!(
                f,
                "the email is already held by PagerDuty user {user}, which is not adopted: {why}"
            ),
            Cause::EmailNotFreed { user } => write!(
                f,
                "not attempted: PagerDuty user {user} was to give up this email first in this run, and that change did not happen"
            ),
            Cause::IdNotReleased { user } => write!(
                f,
                "not attempted: PagerDuty user {user} was to give up the employee ID this re-key takes first in this run (its marker written), and that write did not happen, so two users would carry one marker; the next run with --rekey-employee-ids tries both again"
            ),
            Cause::NotStarted(halt) => write!(f, "not started: {halt}"),
            Cause::Interrupted {
                halt,
                abandoned: false,
            } => write!(
                f,
                "interrupted between two steps: {halt}; the next run finishes it"
            ),
            Cause::Interrupted {
                halt,
                abandoned: true,
            } => write!(
                f,
                "abandoned with a request in flight after the grace period: {halt}; the next run finishes it"
            ),
            Cause::Failed(failures) => {
                for (i, s) in failures.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    write!(f, "step {}/{}: {}", s.step, s.steps, s.error)?;
                    if let Some(h) = &s.held_by {
                        write!(f, "; {h}")?;
                    }
                }
                Ok(())
            }
            Cause::Blocked(b) => write!(f, "blocked: {b}"),
        }
    }
}

impl Mismatch {
    /// Whether the user the re-check read still exists, so that skipping its deactivation
    /// leaves it with the access the plan was to take away: every mismatch but
    /// [`Mismatch::Gone`].
    pub fn leaves_access(&self) -> bool {
        !matches!(self, Mismatch::Gone)
    }
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mismatch::Gone => f.write_str("the user no longer exists"),
            Mismatch::Untouchable(Untouchable::Owner) => {
                f.write_str("the user is now the account owner")
            }
            Mismatch::Untouchable(Untouchable::Protected) => {
                f.write_str("the user's email is protected")
            }
            Mismatch::Untouchable(Untouchable::KeyOwner) => {
                f.write_str("the user now owns the API key this run uses")
            }
            Mismatch::MarkerNamesAnother { found, expected } => write!(
                f,
                "the user's marker now names employee {found} instead of {expected}"
            ),
            Mismatch::MarkerAdded { found } => {
                write!(f, "the user now carries a marker for employee {found}")
            }
            Mismatch::MarkerGone { expected } => {
                write!(f, "the user's marker for employee {expected} was removed")
            }
            Mismatch::MarkerReplaced {
                expected,
                fault,
                claimed,
            } => {
                write!(
                    f,
                    "the user's marker was replaced since the plan and no longer names employee {expected} ({fault}"
                )?;
                match claimed {
                    Some(c) if c == expected => f.write_str(")"),
                    Some(c) => write!(f, "; it seems to name employee {c})"),
                    None => f.write_str(")"),
                }
            }
            Mismatch::EmailChanged { now } => write!(f, "the user's email changed to {now}"),
        }
    }
}

impl fmt::Display for NotAdoptable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotAdoptable::Untouchable(Untouchable::Owner) => f.write_str("it is the account owner"),
            NotAdoptable::Untouchable(Untouchable::Protected) => {
                f.write_str("its email is protected")
            }
            NotAdoptable::Untouchable(Untouchable::KeyOwner) => {
                f.write_str("it is the user that owns the API key")
            }
            NotAdoptable::OtherEmployee(id) => {
                write!(f, "its ownership marker names employee {id}")
            }
            NotAdoptable::UnreadableMarker => f.write_str("its ownership marker cannot be read"),
            NotAdoptable::RaisesAccess(cause) => write!(f, "{cause}"),
        }
    }
}

impl Serialize for Cause {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests;
