//! Saved plans: `plan --out FILE` and `apply --plan FILE`, the reviewed-change workflow.
//!
//! A saved plan holds the [`Plan`] itself plus fingerprints: SHA-256 of the configuration
//! and of the HR export it was computed from, and of the PagerDuty state of every user it
//! touches. `apply --plan` lists PagerDuty again and refuses (exit 3), naming each user, when
//! any touched user changed since, when a user the plan would create now exists, or when
//! the inputs given differ from the ones the plan was made from. Then it applies exactly the
//! saved actions, nothing recomputed.
//!
//! A user's fingerprint covers what the plan reads and writes: name, email, role, job
//! title, time zone, description (the marker) and team memberships with their roles.
//!
//! On-call duties: every deactivation in the plan records its user's on-call impact
//! ([`crate::plan::Action::oncall`]), and the saved plan records when they were looked up
//! ([`SavedPlan::oncall_as_of`]) and how far ahead. `apply --plan` looks them up again
//! (the same look-ups as `plan`, the schedule listing included, so a leaver added to a
//! schedule's layer since is seen) and refuses ([`Stale::Oncall`]) when a deactivation's
//! impact changed (another escalation policy, schedule or incident, by ID); whether an unchanged impact blocks the action is
//! decided again with that run's `--allow-oncall-gaps` ([`SavedPlan::plan_for_apply`]).
//!
//! This module owns the file format ([`SavedPlan`], [`KIND`], [`VERSION`]) and reading and
//! writing the file; `checks` the fingerprints and every check against the inputs, the
//! account and the on-call duties (the drift check); the planner
//! ([`crate::plan`]) knows nothing of saved plans. Errors: [`SavedPlanError`] for a file
//! that cannot be read, parsed or written (a usage error, exit 64 in the commands), and
//! [`Stale`] for a plan whose inputs or account changed (refused, exit 3).

use crate::digest::sha256_hex;
use crate::hr::RowProblem;
use crate::ids::{TeamId, UserId};
use crate::oncall::{BlockCause, OncallFacts};
use crate::pagerduty::models::{TeamMember, User};
use crate::plan::Plan;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

mod checks;
pub use checks::{CreateProof, already_done, drift, fingerprints, oncall_drift, user_fingerprint};

/// What the `kind` field of a saved plan says.
pub const KIND: &str = "hr2pagerduty-saved-plan";
/// The saved-plan layout version this build reads and writes. Version 2 stores each skip's
/// cause as its tag and values ([`crate::plan::SkipCause`]) where version 1 stored its
/// words; a file of version 1 is refused ([`SavedPlanError::Version`]): a plan is made
/// again in seconds, and guessing a cause back from its words is what the tag ended.
pub const VERSION: u32 = 2;

/// A plan saved for review, with what it was computed from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedPlan {
    /// Always [`KIND`].
    pub kind: String,
    /// Always [`VERSION`].
    pub version: u32,
    /// When it was made (RFC 3339, UTC).
    pub created_at: String,
    /// The API base URL it was computed against.
    pub api_url: String,
    /// SHA-256 (hex) of the configuration file's bytes.
    pub config_sha256: String,
    /// The configuration file the plan was made with (its canonical path), so that another
    /// file is told apart from a changed one; `None` in a plan saved by a build that did
    /// not record it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_path: Option<PathBuf>,
    /// SHA-256 (hex) of the HR export's bytes.
    pub hr_sha256: String,
    /// The day the plan read the export's dates as of ("today" of the run that made it,
    /// or its `--as-of`); `None` in a plan saved by a build that did not record it.
    #[serde(default)]
    pub as_of: Option<NaiveDate>,
    /// Teams whose members were read (their memberships are part of the fingerprints).
    pub teams_read: BTreeSet<TeamId>,
    /// Fingerprint of each user an action touches, by user ID.
    pub users: BTreeMap<UserId, String>,
    /// When the on-call duties of the plan's deactivations were looked up (RFC 3339, UTC):
    /// the start of the lookahead; `None` in a plan saved before on-call checks existed.
    #[serde(default)]
    pub oncall_as_of: Option<String>,
    /// How many days ahead the on-calls were looked up.
    #[serde(default)]
    pub oncall_lookahead_days: Option<u32>,
    /// The plan.
    pub plan: Plan,
    /// The export's rows skipped for a problem in HR ([`crate::hr::Roster::problems`]),
    /// which the plan itself does not hold: `apply --plan` lists and counts them as
    /// `apply --hr` does. Empty in a plan saved by a build that did not record them (it
    /// still loads; such a plan shows no HR skips).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hr_problems: Vec<RowProblem>,
}

/// What a plan was computed from, besides the PagerDuty state: the API URL, the
/// SHA-256 (hex, see [`file_sha256`]) of the configuration file and of the HR export, and
/// the day the export's dates were read as of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sources {
    /// The day of the dates ("today", or `--as-of`).
    pub as_of: NaiveDate,
    /// The API base URL.
    pub api_url: String,
    /// SHA-256 of the configuration file's bytes.
    pub config_sha256: String,
    /// The configuration file's canonical path, when it can be resolved.
    pub config_path: Option<PathBuf>,
    /// SHA-256 of the HR export's bytes.
    pub hr_sha256: String,
}

/// A saved plan that cannot be read or written (a usage error: exit 64 in the commands),
/// or one that no longer fits what it was made from ([`SavedPlanError::Stale`], exit 3).
#[derive(Debug, thiserror::Error)]
pub enum SavedPlanError {
    /// The saved plan file cannot be read.
    #[error("cannot read the saved plan {path}: {source}")]
    Read {
        /// The saved plan.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not JSON of a saved plan.
    #[error("{path} is not a saved plan: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// Where the JSON does not fit.
        source: serde_json::Error,
    },
    /// The file is a saved plan of another kind or layout version (made by another version
    /// of hr2pagerduty).
    #[error(
        "{path} is a {kind:?} version {version}, not an {KIND} version {VERSION}: it was made by another version of hr2pagerduty; make the plan again with this one (plan --out)"
    )]
    Version {
        /// The file.
        path: PathBuf,
        /// Its `kind`.
        kind: String,
        /// Its `version`.
        version: u32,
    },
    /// The saved plan cannot be written.
    #[error("cannot write the plan to {path}: {source}")]
    Write {
        /// Where it was to go.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// An input whose SHA-256 is recorded (configuration, export) cannot be read.
    #[error("cannot read {path}: {source}")]
    Input {
        /// The input file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The plan no longer fits what it was made from.
    #[error(transparent)]
    Stale(#[from] Stale),
}

/// Why a saved plan may not be applied: something it was made from changed. Each message
/// ends by saying what to do (make a new plan), except the API URL's, which names both.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Stale {
    /// The configuration file's bytes differ from the ones the plan recorded.
    #[error("the configuration {0} changed since the plan was made; make a new plan")]
    Config(PathBuf),
    /// The configuration given is another file than the one the plan was made with (and
    /// its bytes differ).
    #[error("the plan was made with the configuration {}, not {}; apply it with --config {}, or make a new plan with this one", then.display(), now.display(), then.display())]
    OtherConfig {
        /// The file the plan was made with.
        then: PathBuf,
        /// The file given.
        now: PathBuf,
    },
    /// Every action of the plan is already done in PagerDuty: the plan was applied (by an
    /// earlier `apply --plan`, or a run since did the same).
    #[error(
        "the plan (made {created_at}) was already applied: PagerDuty already shows every one of its {actions} actions done{}; there is nothing left to apply from it (a new plan shows what is left to do)",
        blocked_words(*blocked, *held, held_causes)
    )]
    Applied {
        /// When the plan was made.
        created_at: String,
        /// Actions in the plan.
        actions: usize,
        /// Of them, the actions blocked in this run: never attempted, so not done, but
        /// nothing this run would write either.
        blocked: usize,
        /// Of the blocked, those `--allow-oncall-gaps` cannot let through
        /// ([`BlockCause::lifted_by_switch`]): held by a team removal PagerDuty refuses
        /// while the user is on the team's escalation policy, by a stakeholder suspension
        /// of a user on a schedule or escalation policy, or by a deletion with open
        /// incidents assigned.
        held: usize,
        /// The causes of the `held` blocks, each once, sorted.
        held_causes: Vec<BlockCause>,
    },
    /// The HR export given is not the one the plan was made from.
    #[error("the HR export {0} is not the one the plan was made from; make a new plan")]
    Hr(PathBuf),
    /// `--as-of` names another day than the one the plan was made as of.
    #[error("the plan was made as of {}, not {now}; make a new plan with --as-of {now}", then.map_or_else(|| "an unrecorded day".to_string(), |d| d.to_string()))]
    AsOf {
        /// The plan's day, when recorded.
        then: Option<NaiveDate>,
        /// The day `--as-of` names.
        now: NaiveDate,
    },
    /// The API URL differs from the plan's.
    #[error("the plan was made against {then}, not {now}")]
    ApiUrl {
        /// The plan's API URL.
        then: String,
        /// The API URL of this run.
        now: String,
    },
    /// The on-call duties of a deactivation's user, or the team removals PagerDuty refuses of an
    /// action that takes its user off a team, changed: one line per user (see
    /// [`oncall_drift`]).
    #[error(
        "the on-call duties of users the plan deactivates, takes off a team or checks for a stakeholder role changed since they were looked up ({as_of}); make a new plan:\n  - {}",
        lines.join("\n  - ")
    )]
    Oncall {
        /// When the plan looked them up.
        as_of: String,
        /// What changed, one line per user.
        lines: Vec<String>,
    },
    /// The deletion archive no longer holds the record of a deleted user that an action
    /// of the plan restores (a rehire re-created from the archive): one line per action.
    /// Applying would create the user (PagerDuty sends the invitation) and only then fail
    /// its restore.
    #[error(
        "the deletion archive lost records the plan restores from since the plan was made; put the archive file back as it was, or make a new plan:\n  - {}",
        lines.join("\n  - ")
    )]
    ArchiveLost {
        /// The user and the deleted user whose record is gone, one line per action.
        lines: Vec<String>,
    },
    /// PagerDuty changed: one line per user (see [`drift`]).
    #[error(
        "PagerDuty changed since the plan was made ({created_at}); make a new plan:\n  - {}",
        lines.join("\n  - ")
    )]
    Account {
        /// When the plan was made.
        created_at: String,
        /// What changed, one line per user.
        lines: Vec<String>,
    },
}

/// What [`Stale::Applied`] says of its `blocked` actions, `held` of them for `causes` the
/// override cannot lift (nothing when none): the override is offered only for those on
/// call, and for the held a person's step, the one cause's ([`BlockCause::person_must`]) or
/// a general one.
fn blocked_words(blocked: usize, held: usize, causes: &[BlockCause]) -> String {
    use crate::words::plural;
    let on_call = blocked.saturating_sub(held);
    let held_words = match causes {
        [one] => one.words().to_string(),
        _ => format!(
            "where --allow-oncall-gaps cannot help ({})",
            causes
                .iter()
                .map(|c| c.words())
                .collect::<Vec<_>>()
                .join("; ")
        ),
    };
    let person = match causes {
        [one] => one.person_must(),
        _ => "someone must clear what blocks them first",
    };
    match (blocked, held) {
        (0, _) => String::new(),
        (n, 0) => format!(
            ", but for {n} blocked on call, which {} not attempted (rerun with --allow-oncall-gaps to attempt {})",
            plural(n, "is", "are"),
            plural(n, "it", "them")
        ),
        (n, h) if h == n => format!(
            ", but for {n} blocked {held_words}, which {} not attempted (--allow-oncall-gaps cannot help: {person})",
            plural(n, "is", "are")
        ),
        (n, h) => format!(
            ", but for {n} blocked ({on_call} on call, {h} {held_words}), which are not attempted (rerun with --allow-oncall-gaps to attempt the {on_call} on call)"
        ),
    }
}

/// SHA-256 (hex) of the bytes of the file at `path`.
///
/// # Errors
/// [`SavedPlanError::Input`] when the file cannot be read.
pub fn file_sha256(path: &Path) -> Result<String, SavedPlanError> {
    std::fs::read(path)
        .map(|b| sha256_hex(&b))
        .map_err(|source| SavedPlanError::Input {
            path: path.to_path_buf(),
            source,
        })
}

impl SavedPlan {
    /// `plan` as computed from `sources` and from the PagerDuty state `users`, `members`
    /// (the members of every team read) and `oncall` (the on-call duties looked up), made at
    /// `created_at` (RFC 3339).
    pub fn new(
        plan: Plan,
        users: &[User],
        members: &BTreeMap<TeamId, Vec<TeamMember>>,
        sources: Sources,
        created_at: String,
        oncall: &OncallFacts,
    ) -> SavedPlan {
        SavedPlan {
            oncall_as_of: Some(oncall.lookahead.since_param()),
            oncall_lookahead_days: Some(oncall.lookahead.days),
            kind: KIND.into(),
            version: VERSION,
            created_at,
            api_url: sources.api_url,
            config_sha256: sources.config_sha256,
            config_path: sources.config_path,
            hr_sha256: sources.hr_sha256,
            as_of: Some(sources.as_of),
            teams_read: members.keys().cloned().collect(),
            users: fingerprints(&plan, users, members),
            plan,
            hr_problems: Vec::new(),
        }
    }

    /// Writes the plan to `path` as pretty-printed JSON with a final newline.
    ///
    /// # Errors
    /// [`SavedPlanError::Write`].
    pub fn write(&self, path: &Path) -> Result<(), SavedPlanError> {
        let text = serde_json::to_string_pretty(self).unwrap_or_default() + "\n";
        std::fs::write(path, text).map_err(|source| SavedPlanError::Write {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Reads the saved plan at `path`.
    ///
    /// # Errors
    /// [`SavedPlanError::Read`], [`SavedPlanError::Parse`], or [`SavedPlanError::Version`]
    /// for a file of another [`KIND`] or [`VERSION`].
    pub fn read(path: &Path) -> Result<SavedPlan, SavedPlanError> {
        let text = std::fs::read_to_string(path).map_err(|source| SavedPlanError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let parse_err = |source| SavedPlanError::Parse {
            path: path.to_path_buf(),
            source,
        };
        // The kind and version first, so that a layout of another version is refused by
        // its version, not by the first field that no longer fits.
        let header: Header = serde_json::from_str(&text).map_err(parse_err)?;
        if header.kind != KIND || header.version != VERSION {
            return Err(SavedPlanError::Version {
                path: path.to_path_buf(),
                kind: header.kind,
                version: header.version,
            });
        }
        serde_json::from_str(&text).map_err(parse_err)
    }
}

/// The fields every saved-plan layout starts with.
#[derive(Deserialize)]
struct Header {
    kind: String,
    version: u32,
}

#[cfg(test)]
mod tests;
