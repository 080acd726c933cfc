//! What people and machines read: the `terraform plan`-style text plan, the JSON plan, the
//! JSON apply report, the `validate` summary, and the progress bar.
//!
//! Results go to stdout; progress and logs go to stderr (see [`progress`]). Rendering is
//! pure (values in, `String` or `serde_json::Value` out) so it is tested without a terminal;
//! [`file`](mod@file) replaces the report file atomically.

pub mod file;
pub mod progress;

use crate::apply::{Outcome, OutcomeStatus};
use crate::hr::{Lifecycle, ProblemKind, Roster};
use crate::marker::{self, MarkerState};
use crate::pagerduty::ClientStats;
use crate::plan::{Action, ActionKind, Change, Field, Plan};
use serde::Serialize;
use serde_json::{Value, json};
use std::fmt::Write as _;

/// Version of the JSON plan and report layouts; bumped on an incompatible change.
pub const FORMAT_VERSION: &str = "1";

fn symbol(kind: ActionKind) -> &'static str {
    match kind {
        ActionKind::Create => "+",
        ActionKind::Update => "~",
        ActionKind::Deactivate => "-",
        ActionKind::Reactivate => "^",
    }
}

fn verb(kind: ActionKind) -> &'static str {
    match kind {
        ActionKind::Create => "will be created",
        ActionKind::Update => "will be updated in place",
        ActionKind::Deactivate => "will be deactivated (suspended)",
        ActionKind::Reactivate => "will be reactivated",
    }
}

fn quoted(v: &Option<String>) -> String {
    match v {
        Some(s) => format!("{s:?}"),
        None => "null".into(),
    }
}

/// A short account of a description for the text plan: the marker's meaning rather than
/// its JSON, plus whether human text is kept.
fn describe_description(d: &Option<String>) -> String {
    let Some(d) = d else { return "null".into() };
    let p = marker::parse(Some(d));
    let mut s = match p.marker {
        MarkerState::Absent => "no marker".to_string(),
        MarkerState::Invalid(_) => "unreadable marker".to_string(),
        MarkerState::Valid(m) => match m.suspended {
            None => format!("marker: employee {}", m.employee_id),
            Some(s) => format!(
                "marker: employee {}, suspended {} (restores role {}, {} team{})",
                m.employee_id,
                s.on,
                s.role,
                s.teams.len(),
                if s.teams.len() == 1 { "" } else { "s" }
            ),
        },
    };
    if !p.human.is_empty() {
        s.push_str(" + bio kept");
    }
    format!("[{s}]")
}

fn change_line(out: &mut String, c: &Change, width: usize, create: bool) {
    let name = c.field.as_str();
    let (old, new) = if c.field == Field::Description {
        (describe_description(&c.old), describe_description(&c.new))
    } else {
        (quoted(&c.old), quoted(&c.new))
    };
    if create {
        let _ = writeln!(out, "      + {name:<width$} = {new}");
    } else {
        let _ = writeln!(out, "      ~ {name:<width$} = {old} → {new}");
    }
}

fn list(v: &[String]) -> String {
    format!(
        "[{}]",
        v.iter()
            .map(|s| format!("{s:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

fn headline(a: &Action) -> String {
    let mut who = Vec::new();
    if let Some(id) = &a.user_id {
        who.push(id.to_string());
    }
    if let Some(e) = &a.employee_id {
        who.push(format!("employee {e}"));
    }
    format!("  # user {} ({}) {}", a.email, who.join(", "), verb(a.kind))
}

/// Renders one action as text: headline, reason, and field-level changes.
pub fn render_action(a: &Action) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", headline(a));
    let _ = writeln!(out, "  #   {}", a.reason);
    let _ = writeln!(out, "  {} user {:?} {{", symbol(a.kind), a.name);
    let width = a
        .changes
        .iter()
        .map(|c| c.field.as_str().len())
        .chain(a.teams.iter().map(|_| "teams".len()))
        .max()
        .unwrap_or(0);
    let create = a.kind == ActionKind::Create;
    for c in &a.changes {
        change_line(&mut out, c, width, create);
    }
    if let Some(t) = &a.teams {
        if create {
            let _ = writeln!(out, "      + {:<width$} = {}", "teams", list(&t.new));
        } else {
            let _ = writeln!(
                out,
                "      ~ {:<width$} = {} → {}",
                "teams",
                list(&t.old),
                list(&t.new)
            );
        }
    }
    let _ = writeln!(out, "    }}");
    out
}

/// The closing line: `Plan: N to create, N to update, N to deactivate, N to reactivate.`
pub fn summary_line(plan: &Plan) -> String {
    format!(
        "Plan: {} to create, {} to update, {} to deactivate, {} to reactivate.",
        plan.count(ActionKind::Create),
        plan.count(ActionKind::Update),
        plan.count(ActionKind::Deactivate),
        plan.count(ActionKind::Reactivate)
    )
}

/// The whole text plan, in the manner of `terraform plan`: notes, one block per action,
/// what is skipped and why (HR row problems by line), then the summary line. When there is
/// nothing to do the text starts with `No changes.`: followed by
/// `PagerDuty matches the HR export (N unchanged).` when nothing is skipped, otherwise by
/// `N unchanged; M skipped (see below): PagerDuty does not match the HR export for them.`
pub fn render_plan(plan: &Plan, roster: &Roster) -> String {
    let mut out = String::new();
    for n in &plan.notes {
        let _ = writeln!(out, "Note: {n}");
    }
    if !plan.notes.is_empty() {
        out.push('\n');
    }
    let skipped = plan.skipped.len() + roster.invalid_rows();
    if plan.is_empty() && skipped == 0 {
        let _ = writeln!(
            out,
            "No changes. PagerDuty matches the HR export ({} unchanged).",
            plan.unchanged
        );
    } else if plan.is_empty() {
        // "matches the HR export" would be false for the people skipped.
        let _ = writeln!(
            out,
            "No changes. {} unchanged; {skipped} skipped (see below): PagerDuty does not match the HR export for them.",
            plan.unchanged
        );
    } else {
        let present: Vec<ActionKind> = [
            ActionKind::Create,
            ActionKind::Update,
            ActionKind::Deactivate,
            ActionKind::Reactivate,
        ]
        .into_iter()
        .filter(|k| plan.count(*k) > 0)
        .collect();
        let _ = writeln!(out, "hr2pagerduty will perform the following actions:");
        let _ = writeln!(
            out,
            "  ({})\n",
            present
                .iter()
                .map(|k| format!("{} {k}", symbol(*k)))
                .collect::<Vec<_>>()
                .join(", ")
        );
        for a in &plan.actions {
            out.push_str(&render_action(a));
            out.push('\n');
        }
    }
    if skipped > 0 {
        if plan.is_empty() {
            out.push('\n');
        }
        let _ = writeln!(out, "Skipped ({skipped}):");
        for p in &roster.problems {
            let _ = writeln!(out, "  - HR {p}");
        }
        for s in &plan.skipped {
            let who = [
                s.email.clone(),
                s.pagerduty_user_id.as_ref().map(|id| id.to_string()),
                s.employee_id.as_ref().map(|e| format!("employee {e}")),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ");
            let _ = writeln!(out, "  - {who}: {}", s.reason);
        }
    }
    if !plan.is_empty() {
        let _ = writeln!(out, "\n{}", summary_line(plan));
    }
    out
}

fn changes_json(a: &Action) -> Value {
    let mut m = serde_json::Map::new();
    for c in &a.changes {
        m.insert(c.field.as_str().into(), json!([c.old, c.new]));
    }
    if let Some(t) = &a.teams {
        m.insert("teams".into(), json!([t.old, t.new]));
    }
    Value::Object(m)
}

fn action_json(a: &Action) -> serde_json::Map<String, Value> {
    let v = json!({
        "action": a.kind,
        "employee_id": a.employee_id,
        "email": a.email,
        "name": a.name,
        "pagerduty_user_id": a.user_id,
        "reason": a.reason,
        "changes": changes_json(a),
        "hr_line": a.line,
    });
    match v {
        Value::Object(m) => m,
        _ => unreachable!("json! of an object literal"),
    }
}

/// One skipped person or row, as JSON: HR row problems first (by line), then plan skips.
fn skipped_json(plan: &Plan, roster: &Roster) -> Vec<Value> {
    let mut out: Vec<Value> = roster
        .problems
        .iter()
        .map(|p| {
            json!({
                "employee_id": p.employee_id,
                "email": p.email,
                "pagerduty_user_id": null,
                "hr_line": p.line,
                "problem": p.kind,
                "reason": p.message,
            })
        })
        .collect();
    out.extend(plan.skipped.iter().map(|s| {
        json!({
            "employee_id": s.employee_id,
            "email": s.email,
            "pagerduty_user_id": s.pagerduty_user_id,
            "hr_line": s.line,
            "reason": s.reason,
        })
    }));
    out
}

/// The JSON plan: `actions[]` (one per user: `action`, `employee_id`, `email`,
/// `pagerduty_user_id` or null, `reason`, `changes` {field: [old, new]} with `teams` as
/// `[[old "team:role", …], [new …]]`), `skipped[]`, `notes[]`, and `summary` {create,
/// update, deactivate, reactivate, unchanged, skipped}. `skipped` counts HR rows with
/// problems plus people deliberately left alone.
pub fn plan_json(plan: &Plan, roster: &Roster) -> Value {
    json!({
        "format_version": FORMAT_VERSION,
        "actions": plan.actions.iter().map(|a| Value::Object(action_json(a))).collect::<Vec<_>>(),
        "skipped": skipped_json(plan, roster),
        "notes": plan.notes,
        "summary": {
            "create": plan.count(ActionKind::Create),
            "update": plan.count(ActionKind::Update),
            "deactivate": plan.count(ActionKind::Deactivate),
            "reactivate": plan.count(ActionKind::Reactivate),
            "unchanged": plan.unchanged,
            "skipped": plan.skipped.len() + roster.invalid_rows(),
        },
    })
}

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
    /// an unreadable saved plan (exit 64).
    UsageError,
    /// The HR export is unusable (exit 65).
    HrUnusable,
    /// The configuration is invalid (exit 78).
    ConfigInvalid,
}

/// Counts of an apply, as the report's `summary`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ApplySummary {
    /// Creates applied.
    pub created: usize,
    /// Updates applied.
    pub updated: usize,
    /// Deactivations applied.
    pub deactivated: usize,
    /// Reactivations applied.
    pub reactivated: usize,
    /// Actions that failed.
    pub failed: usize,
    /// Actions skipped at apply time, plus people the plan left alone and HR rows with
    /// problems.
    pub skipped: usize,
}

/// Tallies outcomes.
pub fn apply_summary(outcomes: &[Outcome], plan: &Plan, roster: &Roster) -> ApplySummary {
    let mut s = ApplySummary {
        skipped: plan.skipped.len() + roster.invalid_rows(),
        ..ApplySummary::default()
    };
    for o in outcomes {
        match o.status {
            OutcomeStatus::Applied => match o.action.kind {
                ActionKind::Create => s.created += 1,
                ActionKind::Update => s.updated += 1,
                ActionKind::Deactivate => s.deactivated += 1,
                ActionKind::Reactivate => s.reactivated += 1,
            },
            OutcomeStatus::Failed => s.failed += 1,
            OutcomeStatus::Skipped => s.skipped += 1,
        }
    }
    s
}

/// The JSON apply report of a run that reached the apply (or found nothing to apply):
/// `status` and `exit_code` (how the run ended), `error` (null, or how many actions
/// failed), `summary` {created, updated, deactivated, reactivated, failed, skipped},
/// `actions[]` (the plan's fields plus `outcome` ∈ applied|failed|skipped, `error` text or
/// null, `attempts` = HTTP requests sent for the action including retries and the
/// re-check, `steps_done`/`steps_total`), `skipped[]` as in the plan, and `requests` (see
/// [`requests_json`]).
pub fn apply_json(
    status: RunStatus,
    exit_code: u8,
    outcomes: &[Outcome],
    plan: &Plan,
    roster: &Roster,
    requests: Value,
) -> Value {
    let actions: Vec<Value> = outcomes
        .iter()
        .map(|o| {
            let mut m = action_json(&o.action);
            m.insert("pagerduty_user_id".into(), json!(o.user_id));
            m.insert("outcome".into(), json!(o.status));
            m.insert("error".into(), json!(o.error));
            m.insert("attempts".into(), json!(o.attempts));
            m.insert("steps_done".into(), json!(o.steps_done));
            m.insert("steps_total".into(), json!(o.action.steps.len()));
            Value::Object(m)
        })
        .collect();
    let summary = apply_summary(outcomes, plan, roster);
    let error = (summary.failed > 0).then(|| {
        format!(
            "{} of {} action{} failed",
            summary.failed,
            outcomes.len(),
            if outcomes.len() == 1 { "" } else { "s" }
        )
    });
    json!({
        "format_version": FORMAT_VERSION,
        "status": status,
        "exit_code": exit_code,
        "error": error,
        "summary": summary,
        "actions": actions,
        "skipped": skipped_json(plan, roster),
        "requests": requests,
    })
}

/// The JSON apply report of a run that stopped without applying anything: `status`,
/// `exit_code`, `error` (the message printed, or null for a cancelled run), a `summary` of
/// zeros, empty `actions` and `skipped`, and `requests` null. Same layout as
/// [`apply_json`], so a reader needs no second parser.
pub fn stopped_json(status: RunStatus, exit_code: u8, error: Option<&str>) -> Value {
    json!({
        "format_version": FORMAT_VERSION,
        "status": status,
        "exit_code": exit_code,
        "error": error,
        "summary": ApplySummary::default(),
        "actions": [],
        "skipped": [],
        "requests": null,
    })
}

fn past(kind: ActionKind) -> &'static str {
    match kind {
        ActionKind::Create => "created",
        ActionKind::Update => "updated",
        ActionKind::Deactivate => "deactivated",
        ActionKind::Reactivate => "reactivated",
    }
}

/// The line printed as an action ends, in the manner of `terraform apply`:
/// `  + created EMAIL (ID, employee N): K requests`, or the `Error:`/`Skipped:` line.
pub fn outcome_line(o: &Outcome) -> String {
    let who_id = o.user_id.as_deref().unwrap_or("no PagerDuty ID");
    match o.status {
        OutcomeStatus::Applied => {
            let mut who = vec![who_id.to_string()];
            if let Some(e) = &o.action.employee_id {
                who.push(format!("employee {e}"));
            }
            format!(
                "  {} {} {} ({}): {} request{}",
                symbol(o.action.kind),
                past(o.action.kind),
                o.action.email,
                who.join(", "),
                o.attempts,
                if o.attempts == 1 { "" } else { "s" }
            )
        }
        OutcomeStatus::Failed => format!(
            "  ! {} of {} ({who_id}) failed: {}",
            o.action.kind,
            o.action.email,
            o.error.as_deref().unwrap_or("unknown error")
        ),
        OutcomeStatus::Skipped => format!(
            "  ? {} of {} ({who_id}) skipped: {}",
            o.action.kind,
            o.action.email,
            o.error.as_deref().unwrap_or("")
        ),
    }
}

/// Text after an apply, in the manner of `terraform apply` (the per-action lines of
/// [`outcome_line`] are printed as actions end): each failure
/// (`Error: KIND of EMAIL (ID) failed after N attempts: …`) and apply-time skip
/// (`Skipped: KIND of EMAIL (ID): …`), then
/// `Apply complete! N created, N updated, N deactivated, N reactivated, N failed, N skipped.`
/// (`Apply finished with failures.` when an action failed).
pub fn render_apply(outcomes: &[Outcome], plan: &Plan, roster: &Roster) -> String {
    let mut out = String::new();
    let mut problems = String::new();
    for o in outcomes {
        let who = format!(
            "{} ({})",
            o.action.email,
            o.user_id.as_deref().unwrap_or("no PagerDuty ID")
        );
        match o.status {
            OutcomeStatus::Failed => {
                let _ = writeln!(
                    problems,
                    "Error: {} of {who} failed after {} attempt{}: {}",
                    o.action.kind,
                    o.attempts,
                    if o.attempts == 1 { "" } else { "s" },
                    o.error.as_deref().unwrap_or("unknown error")
                );
            }
            OutcomeStatus::Skipped => {
                let _ = writeln!(
                    problems,
                    "Skipped: {} of {who}: {}",
                    o.action.kind,
                    o.error.as_deref().unwrap_or("")
                );
            }
            OutcomeStatus::Applied => {}
        }
    }
    if !out.is_empty() && !problems.is_empty() {
        out.push('\n');
    }
    out.push_str(&problems);
    if !out.is_empty() {
        out.push('\n');
    }
    let s = apply_summary(outcomes, plan, roster);
    let head = if s.failed == 0 {
        "Apply complete!"
    } else {
        "Apply finished with failures."
    };
    let _ = writeln!(
        out,
        "{head} {} created, {} updated, {} deactivated, {} reactivated, {} failed, {} skipped.",
        s.created, s.updated, s.deactivated, s.reactivated, s.failed, s.skipped
    );
    out
}

/// The `validate` summary: rows read, valid employees by lifecycle state, row problems
/// by kind, then every problem with its line.
pub fn render_validate(roster: &Roster, path: &str) -> String {
    let mut out = String::new();
    let counts = roster.counts();
    let _ = writeln!(out, "{path}: {} rows read", roster.rows_read);
    let _ = writeln!(
        out,
        "  valid: {} ({} active, {} terminated, {} pending)",
        roster.employees.len(),
        counts.get(&Lifecycle::Active).unwrap_or(&0),
        counts.get(&Lifecycle::Terminated).unwrap_or(&0),
        counts.get(&Lifecycle::Pending).unwrap_or(&0),
    );
    let _ = writeln!(out, "  rows with problems: {}", roster.invalid_rows());
    let pc = roster.problem_counts();
    for (k, n) in &pc {
        let _ = writeln!(out, "    {k}: {n}");
    }
    if !roster.problems.is_empty() {
        let _ = writeln!(
            out,
            "\nProblems (these rows are skipped; their people are never deactivated this run):"
        );
        for p in &roster.problems {
            let _ = writeln!(out, "  {p}");
        }
    }
    out
}

/// The `validate` summary as JSON.
pub fn validate_json(roster: &Roster) -> Value {
    let counts = roster.counts();
    let by_kind: serde_json::Map<String, Value> = roster
        .problem_counts()
        .into_iter()
        .map(|(k, n): (ProblemKind, usize)| {
            (
                serde_json::to_value(k)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                json!(n),
            )
        })
        .collect();
    json!({
        "format_version": FORMAT_VERSION,
        "rows_read": roster.rows_read,
        "valid": roster.employees.len(),
        "active": counts.get(&Lifecycle::Active).unwrap_or(&0),
        "terminated": counts.get(&Lifecycle::Terminated).unwrap_or(&0),
        "pending": counts.get(&Lifecycle::Pending).unwrap_or(&0),
        "invalid_rows": roster.invalid_rows(),
        "problems_by_kind": by_kind,
        "problems": roster.problems,
    })
}

#[cfg(test)]
mod tests;
