//! The JSON apply report of `apply --report FILE` (README.md § JSON apply report): how the
//! run ended ([`RunStatus`]), the counts ([`ApplySummary`]), each action's outcome, and the
//! request counters.

use super::FORMAT_VERSION;
use super::plan_json::{action_json, skipped_json, skipped_values};
use crate::apply::{Outcome, OutcomeStatus};
use crate::hr::{Roster, RowProblem};
use crate::pagerduty::ClientStats;
use crate::plan::{ActionKind, Plan, Skip};
use crate::words::plural;
use serde::Serialize;
use serde_json::{Value, json};

/// The apply report's `requests` object, from two snapshots of the client's counters:
/// `before` taken just before the apply's first request, `after` when it ended, and the
/// apply's wall-clock time `apply`.
///
/// Whole run (the listing before the apply included): `requests_sent_total` (HTTP requests,
/// retries and recovery lookups included), `retries_total`, `rate_limited_total` (429s
/// received), `paused_seconds_total` (wall-clock seconds the shared 429 pause was closed),
/// `limiter_wait_seconds_total` (seconds requests waited for the rate limiter, summed over
/// requests), `recovered_total` (writes whose outcome was unknown and that were found to
/// have taken effect), and the last `ratelimit_remaining` / `ratelimit_limit` PagerDuty sent
/// (fact F28 in `PAGERDUTY_API.md`), or null.
///
/// The apply alone: `apply_requests` (requests sent between the two snapshots: re-checks,
/// writes, retries, lookups), `apply_seconds`, and `apply_requests_per_minute`
/// (`apply_requests × 60 / apply_seconds`, 0 when nothing was applied). A short apply may
/// show a rate above PagerDuty's 960 per minute: the limiter's burst lets the first
/// requests go back to back.
pub fn requests_json(
    before: &ClientStats,
    after: &ClientStats,
    apply: std::time::Duration,
) -> Value {
    let secs = apply.as_secs_f64();
    let apply_requests = after.requests_sent.saturating_sub(before.requests_sent);
    json!({
        "requests_sent_total": after.requests_sent,
        "retries_total": after.retries,
        "rate_limited_total": after.rate_limited,
        "paused_seconds_total": after.paused.as_secs_f64(),
        "limiter_wait_seconds_total": after.limiter_wait.as_secs_f64(),
        "recovered_total": after.recovered,
        "ratelimit_remaining": after.ratelimit_remaining,
        "ratelimit_limit": after.ratelimit_limit,
        "apply_requests": apply_requests,
        "apply_seconds": secs,
        "apply_requests_per_minute": if secs > 0.0 && apply_requests > 0 {
            apply_requests as f64 * 60.0 / secs
        } else {
            0.0
        },
    })
}

/// How an `apply` run ended: the report's `status`. README.md § JSON apply report lists
/// the values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Every action was applied (some may have been skipped at the apply-time re-check).
    Applied,
    /// The plan was empty: nothing to apply.
    NoChanges,
    /// An action failed, or the run failed before or during the apply (PagerDuty
    /// unreachable, authentication rejected, retries exhausted): exit 1.
    Failed,
    /// The person at the prompt did not type `yes`: nothing was changed (exit 0).
    Cancelled,
    /// Refused before any write: a safety check, an incomplete listing, a stale saved
    /// plan, another apply holding the lock (exit 3).
    Refused,
    /// A usage error: bad flags, `PAGERDUTY_API_KEY` unset, no `--yes` without a terminal,
    /// an unreadable saved plan, a deletion archive that cannot be read or written (exit 64).
    UsageError,
    /// The HR export is unusable (exit 65).
    HrUnusable,
    /// The configuration is invalid (exit 78).
    ConfigInvalid,
    /// The run has not ended: the report written when `apply` starts and rewritten as
    /// actions end (`exit_code` null). Left in place, it means the run was killed.
    InProgress,
    /// Stopped by SIGINT (exit 130) or SIGTERM (exit 143): actions never started are
    /// `not_started`, actions stopped part-way `interrupted`.
    Interrupted,
}

impl RunStatus {
    /// The report's `status` value: `applied`, `no_changes`, `in_progress`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Applied => "applied",
            RunStatus::NoChanges => "no_changes",
            RunStatus::Failed => "failed",
            RunStatus::Cancelled => "cancelled",
            RunStatus::Refused => "refused",
            RunStatus::UsageError => "usage_error",
            RunStatus::HrUnusable => "hr_unusable",
            RunStatus::ConfigInvalid => "config_invalid",
            RunStatus::InProgress => "in_progress",
            RunStatus::Interrupted => "interrupted",
        }
    }
}

/// Counts of an apply, as the report's `summary`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ApplySummary {
    /// Creates applied, adoptions included (see `adopted`).
    pub created: usize,
    /// Of `created`, the creates that adopted the user already holding the email
    /// ([`Outcome::adopted`]: the `POST` refused, "Email has already been taken"), which
    /// PagerDuty sent no invitation. Left out of the JSON report when 0.
    #[serde(skip_serializing_if = "is_zero")]
    pub adopted: usize,
    /// Updates applied.
    pub updated: usize,
    /// Deactivations applied.
    pub deactivated: usize,
    /// Reactivations applied (re-creations from the archive included).
    pub reactivated: usize,
    /// Deletions applied.
    pub deleted: usize,
    /// Actions that failed.
    pub failed: usize,
    /// Actions never started because the run stopped (`--max-runtime`, a signal).
    pub not_started: usize,
    /// Actions started and stopped part-way by the run's stop; the next run finishes them.
    pub interrupted: usize,
    /// Actions skipped at apply time, plus people the plan left alone and HR rows with
    /// problems.
    pub skipped: usize,
    /// Deactivations not attempted because their user is on call (the run exits 1).
    pub blocked: usize,
    /// Team removals the plan left out of updates because PagerDuty refuses them while the
    /// user is on one of the team's escalation policies (fact F32): the rest of each
    /// update was applied, the membership stays, and the run exits 1. Counted apart from
    /// `blocked`, which counts actions not attempted.
    pub blocked_team_removals: usize,
    /// Invitation emails PagerDuty sent: one per user this run created (`POST /users`
    /// done, whatever the action's later steps did), re-creations from the archive
    /// included. A create whose user was found after an attempt whose answer was lost (an
    /// unknown outcome, or "Email has already been taken" after a retry) counts too: that
    /// user is the one this run's own request created. An adopted user
    /// ([`Outcome::adopted`]: the `POST` refused, the email held before) does not.
    pub invitations: usize,
}

impl ApplySummary {
    /// `N created`, with ` (M adopted)` when M of the creates adopted the user already
    /// holding the email ([`ApplySummary::adopted`]), which got no invitation: the words of
    /// the apply text and of the notification.
    pub fn created_words(&self) -> String {
        match self.adopted {
            0 => format!("{} created", self.created),
            n => format!("{} created ({n} adopted)", self.created),
        }
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Tallies outcomes.
pub fn apply_summary(outcomes: &[Outcome], plan: &Plan, roster: &Roster) -> ApplySummary {
    let mut s = ApplySummary {
        skipped: plan.skipped.len() + roster.invalid_rows(),
        ..ApplySummary::default()
    };
    for o in outcomes {
        // `POST /users` is an action's first step (`crate::plan`), so a create counts once
        // its first step is done.
        if o.action.creates_user() && o.steps_done > 0 && !o.adopted {
            s.invitations += 1;
        }
        if o.status != OutcomeStatus::Blocked {
            s.blocked_team_removals += o.action.refused_removals.len();
        }
        match o.status {
            OutcomeStatus::Applied => match o.action.kind {
                ActionKind::Create => {
                    s.created += 1;
                    s.adopted += usize::from(o.adopted);
                }
                ActionKind::Update => s.updated += 1,
                ActionKind::Deactivate => s.deactivated += 1,
                ActionKind::Reactivate => s.reactivated += 1,
                ActionKind::Delete => s.deleted += 1,
            },
            OutcomeStatus::Failed => s.failed += 1,
            OutcomeStatus::Skipped => s.skipped += 1,
            OutcomeStatus::Blocked => s.blocked += 1,
            OutcomeStatus::NotStarted => s.not_started += 1,
            OutcomeStatus::Interrupted => s.interrupted += 1,
        }
    }
    s
}

/// `1 deactivation left undone at the re-check (...)`, when the re-check before a
/// deactivation or deletion skipped it while the user still exists
/// ([`Outcome::undone_at_recheck`]): the run then ends `failed`, exit 1.
pub(super) fn undone_words(outcomes: &[Outcome]) -> Option<String> {
    match outcomes.iter().filter(|o| o.undone_at_recheck()).count() {
        0 => None,
        n => Some(format!(
            "{n} {} left undone at the re-check (the user changed since the plan; the next run plans {} again)",
            plural(n, "deactivation", "deactivations"),
            plural(n, "it", "them")
        )),
    }
}

/// `2 skipped need a person (skipped[].needs_attention)`, when the plan has skips a person
/// must settle ([`Plan::needs_attention`]): the run then ends `failed`, exit 1.
pub(super) fn attention_words(plan: &Plan) -> Option<String> {
    match plan.needs_attention().count() {
        0 => None,
        n => Some(format!(
            "{n} skipped need{} a person (skipped[].needs_attention)",
            plural(n, "s", "")
        )),
    }
}

/// One action of the report: the plan's fields, then how it ended.
fn outcome_json(o: &Outcome) -> Value {
    let mut m = action_json(&o.action);
    m.insert("pagerduty_user_id".into(), json!(o.user_id));
    m.insert("outcome".into(), json!(o.status));
    m.insert("adopted".into(), json!(o.adopted));
    m.insert("error".into(), json!(o.cause));
    m.insert("attempts".into(), json!(o.attempts));
    m.insert("steps_done".into(), json!(o.steps_done));
    m.insert("steps_total".into(), json!(o.action.steps.len()));
    Value::Object(m)
}

/// The apply report of a run, as values: what the JSON apply report ([`ApplyReport::json`])
/// is written from, and what the notification (`crate::notify`) reads.
#[derive(Debug, Clone, PartialEq)]
pub struct ApplyReport {
    /// How the run ended.
    pub status: RunStatus,
    /// The run's exit code.
    pub exit_code: u8,
    /// Why the run failed or stopped, or how many actions failed or were blocked and how
    /// many skips need a person; `None` when nothing is wrong.
    pub error: Option<String>,
    /// The counts.
    pub summary: ApplySummary,
    /// Each action's outcome, in the plan's order.
    pub outcomes: Vec<Outcome>,
    /// The HR rows with problems, by line.
    pub problems: Vec<RowProblem>,
    /// The people and users the plan left alone.
    pub skipped: Vec<Skip>,
    /// The plan's notes on ownership markers it did not trust ([`Plan::marker_notes`]),
    /// users with no action among them.
    pub marker_notes: Vec<String>,
    /// The request counters ([`requests_json`]), or null.
    pub requests: Value,
}

impl ApplyReport {
    /// The report of a run that reached the apply (or found nothing to apply); its `error`
    /// says how many actions failed and how many were blocked, and how many skips need a
    /// person (`attention_words`), or is `None`.
    pub fn new(
        status: RunStatus,
        exit_code: u8,
        outcomes: &[Outcome],
        plan: &Plan,
        roster: &Roster,
        requests: Value,
    ) -> ApplyReport {
        let summary = apply_summary(outcomes, plan, roster);
        let n = outcomes.len();
        let of_n = format!("of {n} action{}", plural(n, "", "s"));
        // The blocks' causes in the plan's words (`on call`, `on their team's escalation
        // policy`, each counted when both are present).
        let causes = crate::oncall::blocked_words(
            outcomes
                .iter()
                .filter(|o| o.status == OutcomeStatus::Blocked)
                .filter_map(|o| o.action.blocked.as_ref()),
        )
        .unwrap_or_else(|| "on call".into());
        let error = match (summary.failed, summary.blocked) {
            (0, 0) => None,
            (f, 0) => Some(format!("{f} {of_n} failed")),
            (0, b) => Some(format!("{b} {of_n} blocked ({causes})")),
            (f, b) => Some(format!("{f} {of_n} failed, {b} blocked ({causes})")),
        };
        let error = match (error, summary.blocked_team_removals) {
            (e, 0) => e,
            (e, r) => {
                let words = format!(
                    "{r} team {} blocked (escalation policy)",
                    plural(r, "removal", "removals")
                );
                Some(e.map_or(words.clone(), |e| format!("{e}; {words}")))
            }
        };
        let error = match (error, undone_words(outcomes)) {
            (Some(e), Some(u)) => Some(format!("{e}; {u}")),
            (e, u) => e.or(u),
        };
        let error = match (error, attention_words(plan)) {
            (Some(e), Some(a)) => Some(format!("{e}; {a}")),
            (e, a) => e.or(a),
        };
        ApplyReport {
            status,
            exit_code,
            error,
            summary,
            outcomes: outcomes.to_vec(),
            problems: roster.problems.clone(),
            skipped: plan.skipped.clone(),
            marker_notes: plan.marker_notes.clone(),
            requests,
        }
    }

    /// The report of a run that stopped without applying anything: `error` is the message
    /// printed (`None` for a cancelled run), the counts are zeros, and there are no
    /// actions, skips or request counters.
    pub fn stopped(status: RunStatus, exit_code: u8, error: Option<&str>) -> ApplyReport {
        ApplyReport {
            status,
            exit_code,
            error: error.map(str::to_string),
            summary: ApplySummary::default(),
            outcomes: Vec::new(),
            problems: Vec::new(),
            skipped: Vec::new(),
            marker_notes: Vec::new(),
            requests: Value::Null,
        }
    }

    /// The JSON apply report: `status` and `exit_code` (how the run ended), `error` (null,
    /// or how many actions failed, how many were blocked, how many team removals were
    /// blocked (`N team removals blocked (escalation policy)`), and how many skips need a
    /// person, `attention_words`), `summary` {created, updated, deactivated, reactivated,
    /// deleted, failed, not_started, interrupted, skipped, blocked, blocked_team_removals,
    /// invitations}, `actions[]` (the plan's fields plus
    /// `outcome` ∈ applied|failed|skipped|blocked|not_started|interrupted, `error` text or
    /// null, `adopted` (a create that adopted the user already holding its email),
    /// `attempts` = HTTP requests sent for the action including retries and the re-check,
    /// `steps_done`/`steps_total`), `skipped[]` as in the plan, `marker_notes[]` (the plan's
    /// notes about ownership markers it did not trust, [`Plan::marker_notes`]), and
    /// `requests` (see [`requests_json`]).
    pub fn json(&self) -> Value {
        json!({
            "format_version": FORMAT_VERSION,
            "status": self.status,
            "exit_code": self.exit_code,
            "error": self.error,
            "summary": self.summary,
            "actions": self.outcomes.iter().map(outcome_json).collect::<Vec<_>>(),
            "skipped": skipped_values(&self.problems, &self.skipped),
            "marker_notes": self.marker_notes,
            "requests": self.requests,
        })
    }
}

/// The report of an apply in progress: [`ApplyReport::json`]'s layout with `status`
/// `in_progress`, `exit_code` null, the outcome of every action that has ended
/// (`ended[i]` for the plan's action `i`) and `"outcome": "pending"` for the others (not
/// ended when the report was written; some may be in flight), the summary of the ended
/// ones, and `requests` null.
pub fn progress_json(ended: &[Option<Outcome>], plan: &Plan, roster: &Roster) -> Value {
    let done: Vec<Outcome> = ended.iter().flatten().cloned().collect();
    let actions: Vec<Value> = plan
        .actions
        .iter()
        .enumerate()
        .map(|(i, a)| match ended.get(i).and_then(Option::as_ref) {
            Some(o) => outcome_json(o),
            None => {
                let mut m = action_json(a);
                m.insert("outcome".into(), json!("pending"));
                m.insert("error".into(), Value::Null);
                m.insert("steps_total".into(), json!(a.steps.len()));
                Value::Object(m)
            }
        })
        .collect();
    json!({
        "format_version": FORMAT_VERSION,
        "status": RunStatus::InProgress,
        "exit_code": null,
        "error": null,
        "summary": apply_summary(&done, plan, roster),
        "actions": actions,
        "skipped": skipped_json(plan, roster),
        "marker_notes": plan.marker_notes,
        "requests": null,
    })
}

/// The report written when `apply` starts, before the plan is known: `status`
/// `in_progress`, `exit_code` null, and the layout of [`stopped_json`].
pub fn starting_json() -> Value {
    let mut v = stopped_json(RunStatus::InProgress, 0, None);
    v["exit_code"] = Value::Null;
    v
}

/// The JSON apply report of a run that stopped without applying anything
/// ([`ApplyReport::stopped`]): `status`, `exit_code`, `error` (the message printed, or null
/// for a cancelled run), a `summary` of zeros, empty `actions` and `skipped`, and
/// `requests` null. Same layout as [`ApplyReport::json`], so a reader needs no second parser.
pub fn stopped_json(status: RunStatus, exit_code: u8, error: Option<&str>) -> Value {
    ApplyReport::stopped(status, exit_code, error).json()
}
