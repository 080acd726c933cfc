//! The planner's data contract: what a [`Plan`] holds, read by [`crate::apply`] (the
//! [`Step`]s to send and the [`Guard`] to re-check), by the report (the [`Change`]s and
//! reasons a person reviews) and by saved plans (every type here is serialised as is, so a
//! renamed field changes the saved-plan layout).

use super::skip::Skip;
use crate::config::RuleLabel;
use crate::email::Email;
use crate::ids::{EmployeeId, TeamId, UserId};
use crate::marker::{Marker, SavedMembership};
use crate::oncall::{Blocked, OncallImpact, RefusedRemoval};
use crate::pagerduty::models::{NewUser, UserUpdate};
use crate::vocab::{Role, TeamRole};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

mod dates;
pub use dates::{DateConflict, Pending, StartConflict};
mod licenses;
pub use licenses::{LicenseLabel, LicenseMove, LicenseShortfall, LicenseTarget};
mod signatures;
pub use signatures::{FailedSignature, MarkerSignatures, MarkerTrust};
mod teams;
pub use teams::{TeamMembership, TeamsChange};

/// What an action does to a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// A new hire: `POST /users`, then team memberships.
    Create,
    /// A mover, an adoption or a repair: partial `PUT /users/{id}` and membership changes.
    Update,
    /// A leaver: suspension (see the module docs).
    Deactivate,
    /// A rehire: restore what the suspension recorded, or re-create an archived (deleted)
    /// user with what the archive holds (a new PagerDuty ID).
    Reactivate,
    /// A leaver deleted (`[lifecycle] deactivate = "delete"`, or a suspension older than
    /// `delete_suspended_after_days`): the full record is archived, then `DELETE /users/{id}`.
    Delete,
}

impl ActionKind {
    /// True for the kinds that take a user away and so are on-call checked before they
    /// are attempted ([`crate::oncall::check`]): a deactivation and a deletion.
    pub fn is_oncall_checked(self) -> bool {
        matches!(self, ActionKind::Deactivate | ActionKind::Delete)
    }
}

impl fmt::Display for ActionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ActionKind::Create => "create",
            ActionKind::Update => "update",
            ActionKind::Deactivate => "deactivate",
            ActionKind::Reactivate => "reactivate",
            ActionKind::Delete => "delete",
        })
    }
}

/// A user field an action changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// Display name.
    Name,
    /// Login email.
    Email,
    /// Base role.
    Role,
    /// Licence (by name): the one a rule names, or the one PagerDuty picks when a role
    /// change leaves the current licence (fact F20, §3.5). Shown for review; only a licence
    /// a rule names is ever sent.
    License,
    /// Job title.
    JobTitle,
    /// Time zone.
    TimeZone,
    /// Description (the ownership marker lives there).
    Description,
}

impl Field {
    /// The API field name.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Email => "email",
            Field::Role => "role",
            Field::License => "license",
            Field::JobTitle => "job_title",
            Field::TimeZone => "time_zone",
            Field::Description => "description",
        }
    }
}

/// One field's old and new value; `None` where the value did not exist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// The field.
    pub field: Field,
    /// Value before; `None` when absent (or on create).
    pub old: Option<String>,
    /// Value after.
    pub new: Option<String>,
}

/// What gave an action its base role: the first `[[roles.rule]]` whose `when` matched, or
/// `[roles] default` when none did. Shown as `roles.rule #N` (1-based, in file order) or
/// `default`, in the text and JSON plans (README.md § JSON plan, `role_rule`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoleSource {
    /// The `[[roles.rule]]` at this 1-based position.
    Rule(usize),
    /// `[roles] default`: no `[[roles.rule]]` matched.
    Default,
}

impl fmt::Display for RoleSource {
    /// `roles.rule #2`, or `default`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RoleSource::Rule(n) => RuleLabel::Role(*n).fmt(f),
            RoleSource::Default => f.write_str("default"),
        }
    }
}

/// What gives a team membership: the first matching `[[teams.rule]]` naming the team (its
/// team role wins), or, for a team no rule names that a rehire gets back, the record it was
/// kept in. Shown as `teams.rule #N` (1-based, in file order), `suspension record` or
/// `deletion archive` (README.md § JSON plan, `team_rules`). A saved plan holds a rule as
/// its number and a record as `"suspension_record"` or `"deletion_archive"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(from = "SavedTeamSource", into = "SavedTeamSource")]
pub enum TeamSource {
    /// The `[[teams.rule]]` at this 1-based position.
    Rule(usize),
    /// The suspension record in the user's marker: a rehire (or a return from leave)
    /// gets back the memberships suspension removed.
    SuspensionRecord,
    /// The user's record in the deletion archive: a rehire re-created from it gets back
    /// the memberships recorded before deletion.
    DeletionArchive,
}

impl fmt::Display for TeamSource {
    /// `teams.rule #1`, `suspension record` or `deletion archive`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TeamSource::Rule(n) => RuleLabel::Team(*n).fmt(f),
            TeamSource::SuspensionRecord => f.write_str("suspension record"),
            TeamSource::DeletionArchive => f.write_str("deletion archive"),
        }
    }
}

/// [`TeamSource`] in a saved plan: a rule's number (as saved plans always held it), or
/// the record's name.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum SavedTeamSource {
    Rule(usize),
    Record(SavedRecord),
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum SavedRecord {
    SuspensionRecord,
    DeletionArchive,
}

impl From<SavedTeamSource> for TeamSource {
    fn from(s: SavedTeamSource) -> Self {
        match s {
            SavedTeamSource::Rule(n) => TeamSource::Rule(n),
            SavedTeamSource::Record(SavedRecord::SuspensionRecord) => TeamSource::SuspensionRecord,
            SavedTeamSource::Record(SavedRecord::DeletionArchive) => TeamSource::DeletionArchive,
        }
    }
}

impl From<TeamSource> for SavedTeamSource {
    fn from(s: TeamSource) -> Self {
        match s {
            TeamSource::Rule(n) => SavedTeamSource::Rule(n),
            TeamSource::SuspensionRecord => SavedTeamSource::Record(SavedRecord::SuspensionRecord),
            TeamSource::DeletionArchive => SavedTeamSource::Record(SavedRecord::DeletionArchive),
        }
    }
}

/// One request [`crate::apply`] sends for an action, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "request", rename_all = "snake_case")]
pub enum Step {
    /// `POST /users`; later steps of the action use the created user's ID.
    CreateUser(NewUser),
    /// `PUT /users/{id}` with only the changed fields.
    UpdateUser(UserUpdate),
    /// `PUT /teams/{team_id}/users/{user_id}` with an explicit role.
    SetTeamRole {
        /// Team ID.
        team_id: TeamId,
        /// Team name, for messages.
        team: String,
        /// Team role.
        role: TeamRole,
    },
    /// `DELETE /teams/{team_id}/users/{user_id}`.
    RemoveFromTeam {
        /// Team ID.
        team_id: TeamId,
        /// Team name, for messages.
        team: String,
    },
    /// `DELETE /users/{user_id}`, sent only once the user's full record (read again just
    /// before, with the re-check) is durable in the archive ([`crate::archive`]). The
    /// fields are what the record says to restore on a rehire.
    DeleteUser {
        /// The base role to restore (the role before suspension for a suspended user).
        role: Role,
        /// The team memberships to restore, with team roles.
        teams: Vec<SavedMembership>,
        /// When the user had been suspended, for a suspended user.
        suspended_on: Option<NaiveDate>,
        /// The termination date that brought the deletion into effect, when a date
        /// decided (recorded in the archive, so that the row keeping this date is not
        /// taken for a rehire); absent from plans saved before it existed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        termination_date: Option<NaiveDate>,
    },
    /// Re-creates on the user the contact methods and notification rules that the archive
    /// holds for the deleted user `from_user` (the previous PagerDuty ID; with the records
    /// it links back to, [`crate::archive::Archive::restorable`]): reads what the
    /// user has now (one `GET /users/{id}` with both included), `POST`s the missing contact
    /// methods, `DELETE`s the rules the archive does not have (PagerDuty's default rule,
    /// unless archived too), then `POST`s the missing rules, pointing at the new contact
    /// method IDs, so the user ends with the archive's rules. PagerDuty's own default email
    /// method is never created again. Idempotent, so an interrupted restore is finished by
    /// sending it again. The contact details stay in the archive, not in the plan.
    RestoreContacts {
        /// The deleted user whose record to restore.
        from_user: UserId,
        /// The marker the user carries while the restore runs, as the plan made or verified
        /// it (a create's restoring record; a reactivation's trusted suspension record):
        /// the contact methods PagerDuty refused at an earlier restore
        /// ([`crate::marker::Suspension::refused`]) are taken from it, not from the user's
        /// description as read at apply time, which nothing verifies then, and a method
        /// refused now is recorded by writing this marker again. `None` in a plan saved
        /// before it existed: nothing is skipped and nothing is recorded.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        record: Option<Marker>,
    },
}

/// What a destructive action expects to find when it re-reads the user just before its
/// first request; a mismatch skips the action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guard {
    /// The employee ID the user's marker must carry, or `None` when the user was matched
    /// by email and carried no usable marker.
    pub employee_id: Option<EmployeeId>,
    /// The user's email at plan time (checked when there is no marker).
    pub email: Email,
    /// The employee ID the user's marker, which the plan did not use (its signature
    /// failed, it could not be read, or it was unsigned and unconfirmed), seemed to name at
    /// plan time (`plan::leavers`: an unmanaged user offboarded although its marker claims
    /// someone): the re-check takes the same claim for no marker added since. Absent from
    /// other actions and from saved plans made before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claimed: Option<EmployeeId>,
}

/// One planned change to one user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Action {
    /// What it does.
    pub kind: ActionKind,
    /// The employee, when an HR row or a marker names one.
    pub employee_id: Option<EmployeeId>,
    /// The user's email after the action.
    pub email: Email,
    /// The user's display name after the action.
    pub name: String,
    /// The PagerDuty user ID; `None` for a create.
    pub user_id: Option<UserId>,
    /// Why, in words.
    pub reason: String,
    /// Field-level changes, in a fixed field order.
    pub changes: Vec<Change>,
    /// Team membership changes, when any.
    pub teams: Option<TeamsChange>,
    /// The requests to send, in order.
    pub steps: Vec<Step>,
    /// The re-check for destructive actions.
    pub guard: Option<Guard>,
    /// The HR line the employee came from: the 1-based physical line of the export where
    /// the row starts, as `validate` reports lines (the header is line 1); `None` for an
    /// action no HR row decided (a leaver missing from the export, an unmanaged user
    /// offboarded). Shown as `hr_line` in the JSON plan.
    pub line: Option<u64>,
    /// What gave the base role this action sets or keeps: for the actions an active HR row
    /// decides (create, update, reactivate, re-create from the archive); `None` for
    /// deactivations and deletions, whose role the suspension or deletion decides, and for
    /// actions with no HR row. Absent from saved plans made before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_rule: Option<RoleSource>,
    /// For the same actions as [`Action::role_rule`]: every team membership the rules give
    /// the employee, by team name, with the rule that gives it, and the memberships a
    /// rehire gets back on teams no rule names, with the record they were kept in
    /// ([`TeamSource`]). Empty for the other actions; absent from saved plans made before
    /// it existed.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub team_rules: BTreeMap<String, TeamSource>,
    /// For an on-call checked action ([`ActionKind::is_oncall_checked`]): what the user
    /// holds in PagerDuty (escalation policies, on-call schedules, open incidents). For an
    /// update or a reactivation whose rules give a stakeholder base role the user does not
    /// have: the duties that role was checked against (PagerDuty refuses it on schedules
    /// and escalation policies, §3.2), which a saved plan compares when applied. `None` for
    /// other actions, or when it was not looked up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oncall: Option<OncallImpact>,
    /// Why the action is not attempted ([`crate::oncall::check`]); `None` when it goes
    /// ahead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked: Option<Blocked>,
    /// The team removals of this action that PagerDuty will refuse while the user is on one
    /// of the team's escalation policies (fact F32, [`crate::oncall::refused_removals`]).
    /// A deactivation with any is [`Action::blocked`] even with `--allow-oncall-gaps`; an
    /// update (a mover) leaves them out of its [`Action::steps`] and does the rest. Either
    /// way the run that applies it exits 1 (README.md § Exit codes). Empty for other actions;
    /// absent from saved plans made before it existed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refused_removals: Vec<RefusedRemoval>,
    /// The user whose email change, in the same run, frees the email this action gives its
    /// user (an address handed from one person to another): [`crate::apply`] runs this
    /// action after that user's action, and only once its email change was done. `None`
    /// for most actions; absent from saved plans made before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waits_for: Option<UserId>,
    /// The user whose action, in the same run, takes away from it the employee ID this
    /// action's re-key gives its user (`--rekey-employee-ids`, IDs shifted onto old values:
    /// that user is re-keyed to another ID, or gives the ID up as a leaver):
    /// [`crate::apply`] runs this action after that user's action, and only once its
    /// marker was written, so that a run stopped between the two leaves no two users with
    /// one marker. `None` for most actions (and for one re-key of each cycle of IDs, a swap,
    /// which no order can keep apart); absent from saved plans made before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rekey_after: Option<UserId>,
    /// For a create: the existing user this one would probably duplicate (same name, and no
    /// HR row matched that user), counted by `[safety] max_probable_duplicates`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probable_duplicate: Option<ProbableDuplicate>,
    /// The employee ID the user's marker named before this action re-keys it
    /// (`--rekey-employee-ids`), counted by `[safety] max_rekeys`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rekeyed_from: Option<EmployeeId>,
    /// With marker keys: how the readable marker the user carried when the plan was made
    /// checked against them (README.md § Marker integrity), so that the old side of a
    /// description change says whether its signature held. `None` without keys, for a
    /// user with no readable marker, for a create, and in saved plans made before it
    /// existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marker_signature: Option<MarkerTrust>,
}

/// An existing PagerDuty user that a planned create would probably duplicate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbableDuplicate {
    /// The existing user's ID.
    pub user_id: UserId,
    /// Its name as PagerDuty has it.
    pub name: String,
    /// Its email (normalised; PagerDuty returns emails lower-cased, fact F33).
    pub email: Email,
}

impl Action {
    /// An action of `kind` giving its user `email` and display `name`, with every other
    /// field empty (no employee, user, reason, change, step, guard, line, rule, on-call
    /// facts, block, hand-off, re-key order, probable duplicate, re-key or marker
    /// signature): the
    /// builders and tests state only what differs, with
    /// `Action { field, ..Action::new(kind, email, name) }`.
    pub fn new(kind: ActionKind, email: Email, name: String) -> Action {
        Action {
            kind,
            employee_id: None,
            email,
            name,
            user_id: None,
            reason: String::new(),
            changes: Vec::new(),
            teams: None,
            steps: Vec::new(),
            guard: None,
            line: None,
            role_rule: None,
            team_rules: BTreeMap::new(),
            oncall: None,
            blocked: None,
            refused_removals: Vec::new(),
            waits_for: None,
            rekey_after: None,
            probable_duplicate: None,
            rekeyed_from: None,
            marker_signature: None,
        }
    }

    /// What an on-call checked action would do, for [`crate::oncall::check`]: a deletion, or
    /// a suspension with the base role its steps give (the role of its last `PUT` that sets
    /// one, if any). A saved plan's action is checked again with it.
    pub fn taking(&self) -> crate::oncall::Taking<'_> {
        if self.kind == ActionKind::Delete {
            return crate::oncall::Taking::Deletion;
        }
        crate::oncall::Taking::Suspension(self.steps.iter().rev().find_map(|s| match s {
            Step::UpdateUser(u) => u.role.as_ref().map(|r| (r.as_str(), r.is_stakeholder())),
            _ => None,
        }))
    }

    /// True when the action changes the base role (counted by the role-change safety cap).
    pub fn changes_role(&self) -> bool {
        self.changes.iter().any(|c| c.field == Field::Role)
    }

    /// The deleted user this action re-creates from the archive (a rehire whose PagerDuty
    /// ID changes), if it does.
    pub fn restores_from(&self) -> Option<&UserId> {
        self.steps.iter().find_map(|s| match s {
            Step::RestoreContacts { from_user, .. } => Some(from_user),
            _ => None,
        })
    }

    /// True when the action creates a user (`POST /users`: a create, or a rehire re-created
    /// from the archive), for which PagerDuty sends the new user an invitation email.
    pub fn creates_user(&self) -> bool {
        self.steps.iter().any(|s| matches!(s, Step::CreateUser(_)))
    }

    /// True when the action will be attempted (it is not [`Action::blocked`]).
    pub fn attempted(&self) -> bool {
        self.blocked.is_none()
    }
}

/// Counts the safety checks use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Population {
    /// Users the run manages after adoption: marked users plus users matched by email.
    pub managed_users: usize,
    /// Of those, users not suspended before this run.
    pub managed_active_users: usize,
    /// Employees active in the export.
    pub hr_active: usize,
}

/// The plan: actions, people left alone, and notes for the reader.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Actions, sorted by email then user ID.
    pub actions: Vec<Action>,
    /// People or users left alone on purpose, with reasons (HR row problems not included).
    pub skipped: Vec<Skip>,
    /// Employees and managed users already in the desired state (or with nothing to do:
    /// a leaver without a user, a pending hire).
    pub unchanged: usize,
    /// Things the reader should know that change nothing (unreadable markers, unmanaged users).
    pub notes: Vec<String>,
    /// The notes about ownership markers the run did not trust (ignored as unreadable,
    /// forged, copied or bound to another user; or, without the key, read unchecked though
    /// signed), one per user in listing order; also the first of [`Plan::notes`]. The apply
    /// report carries them as `marker_notes` and the notification lists them, since a
    /// tampered marker on a user with no action shows nowhere else.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub marker_notes: Vec<String>,
    /// Teams whose members (with roles) the plan needs but was not given; the caller fetches
    /// them and plans again.
    pub needs_team_members: BTreeSet<TeamId>,
    /// True when the plan needs to know who holds which licence (`GET
    /// /license_allocations`) and was not told; the caller reads it and plans again.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub needs_license_holders: bool,
    /// Licences the plan would run out of; any refuses the run (exit 3).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub license_shortfalls: Vec<LicenseShortfall>,
    /// The licence changes the plan's actions bring, in the order the builders recorded
    /// them (empty where the account has no licences): what its licence ledger counted,
    /// for `apply --plan` to count again against the licences free when it runs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub license_moves: Vec<LicenseMove>,
    /// Users of on-call checked actions whose on-call duties the plan was not given (their
    /// actions are blocked until they are), and movers and rehires with a team removal or
    /// given a stakeholder role (§3.2: refused on schedules and escalation policies) whose
    /// duties were not given; the caller looks them up and plans again.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub needs_oncall: BTreeSet<UserId>,
    /// Counts for the safety checks.
    pub population: Population,
    /// Changes that come due on a later date, by date then email.
    #[serde(default)]
    pub pending: Vec<Pending>,
    /// Past termination dates on rows the status calls active, by HR line.
    #[serde(default)]
    pub conflicts: Vec<DateConflict>,
    /// Future starts whose hire date has passed or is missing, by HR line.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub start_conflicts: Vec<StartConflict>,
    /// With marker keys: how the account's signed markers verified (`None` without a key).
    /// Signed markers of which none verifies mean a wrong key, which refuses the run
    /// ([`crate::plan::safety::check`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marker_signatures: Option<MarkerSignatures>,
    /// Without marker keys: how many readable markers in the account carry a `sig`. A run
    /// without the key cannot tell a forged marker from a signed one, so any such marker
    /// refuses the run ([`crate::plan::safety::check`]) unless `--allow-unsigned-run`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub unchecked_signed_markers: usize,
    /// Without marker keys: the first users (at most [`MarkerSignatures::EXAMPLES`]) whose
    /// readable marker carries a `sig`, for the refusal.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unchecked_signed_users: Vec<FailedSignature>,
    /// With marker keys, whether the account's markers are signed (some verifies, or,
    /// under `--allow-new-marker-key`, some carries a `sig`); without them, whether some
    /// marker carries a `sig` (not under `--allow-unsigned-run`): a user whom only its email
    /// ties to an employee is then not taken over when that would raise its access. The
    /// planner skips such rows ([`SkipCause::UnconfirmedAdoption`](crate::plan::SkipCause::UnconfirmedAdoption)), and the executor
    /// refuses the same adoption when a create finds its email taken at apply time, by
    /// the same rule ([`crate::plan::adoption::adoption_raise`]). `false` in saved plans
    /// made before it existed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub adoption_guarded: bool,
    /// Whether the plan was made under `--allow-adoption-by-email`
    /// ([`crate::plan::Policy::allow_adoption_by_email`]): when the account is guarded
    /// ([`Plan::adoption_guarded`]) and this is `false`, the executor refuses every adoption
    /// of a user a create finds holding its email
    /// ([`SkipCause::AdoptionByEmail`](crate::plan::SkipCause::AdoptionByEmail)). `false`
    /// in saved plans made before it existed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub adoption_by_email_allowed: bool,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Plan {
    /// Number of actions of `kind`, blocked ones included (what the safety caps count).
    pub fn count(&self, kind: ActionKind) -> usize {
        self.actions.iter().filter(|a| a.kind == kind).count()
    }

    /// Number of actions of `kind` that will be attempted (not blocked).
    pub fn attempted(&self, kind: ActionKind) -> usize {
        self.actions
            .iter()
            .filter(|a| a.kind == kind && a.attempted())
            .count()
    }

    /// Invitation emails PagerDuty will send: one per user the plan creates
    /// ([`Action::creates_user`]) in the actions that will be attempted. PagerDuty sends
    /// every new user one (README.md § Ownership, "Invitation emails").
    pub fn invitations(&self) -> usize {
        self.actions
            .iter()
            .filter(|a| a.attempted() && a.creates_user())
            .count()
    }

    /// Number of blocked actions ([`Action::blocked`]).
    pub fn blocked(&self) -> usize {
        self.actions.iter().filter(|a| !a.attempted()).count()
    }

    /// Number of planned team removals left out of updates because PagerDuty will refuse
    /// them ([`Action::refused_removals`] of the actions that are not blocked; a blocked
    /// deactivation's are counted by [`Plan::blocked`]). The JSON plan's and report's
    /// `summary.blocked_team_removals`.
    pub fn blocked_team_removals(&self) -> usize {
        self.actions
            .iter()
            .filter(|a| a.attempted())
            .map(|a| a.refused_removals.len())
            .sum()
    }

    /// True when there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }
}
