//! What people and machines read: the `terraform plan`-style text plan, the JSON plan, the
//! JSON apply report, the `validate` summary, and the progress bar.
//!
//! Results go to stdout; progress and logs go to stderr (see [`progress`]). Rendering is
//! pure (values in, `String` or `serde_json::Value` out) so it is tested without a terminal.

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
        who.push(id.clone());
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
                s.pagerduty_user_id.clone(),
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

/// The client's counters as JSON for the apply report's `requests` object: requests sent
/// (retries and lookups included), retries, 429s received, seconds paused by 429s, seconds
/// spent in the limiter (summed over requests), writes recovered after an unknown outcome,
/// the last `ratelimit-remaining`, the run's wall-clock seconds and the achieved rate in
/// requests per minute.
pub fn requests_json(s: &ClientStats, elapsed: std::time::Duration) -> Value {
    let secs = elapsed.as_secs_f64();
    json!({
        "requests_sent": s.requests_sent,
        "retries": s.retries,
        "rate_limited": s.rate_limited,
        "paused_seconds": s.paused.as_secs_f64(),
        "limiter_wait_seconds": s.limiter_wait.as_secs_f64(),
        "recovered": s.recovered,
        "ratelimit_remaining": s.ratelimit_remaining,
        "elapsed_seconds": secs,
        "requests_per_minute": if secs > 0.0 { s.requests_sent as f64 * 60.0 / secs } else { 0.0 },
    })
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

/// The JSON apply report: `summary` {created, updated, deactivated, reactivated, failed,
/// skipped}, `actions[]` (the plan's fields plus `outcome` ∈ applied|failed|skipped,
/// `error` text or null, `attempts` = HTTP requests sent for the action including
/// retries, `steps_done`/`steps_total`), `skipped[]` as in the plan, and `requests`
/// (client counters).
pub fn apply_json(outcomes: &[Outcome], plan: &Plan, roster: &Roster, requests: Value) -> Value {
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
    json!({
        "format_version": FORMAT_VERSION,
        "summary": apply_summary(outcomes, plan, roster),
        "actions": actions,
        "skipped": skipped_json(plan, roster),
        "requests": requests,
    })
}

/// Text after an apply: each failure and apply-time skip, then
/// `Apply complete! N created, N updated, N deactivated, N reactivated, N failed, N skipped.`
pub fn render_apply(outcomes: &[Outcome], plan: &Plan, roster: &Roster) -> String {
    let mut out = String::new();
    for o in outcomes {
        let who = format!(
            "{} ({})",
            o.action.email,
            o.user_id.as_deref().unwrap_or("no PagerDuty ID")
        );
        match o.status {
            OutcomeStatus::Failed => {
                let _ = writeln!(
                    out,
                    "Error: {} of {who} failed after {} attempt{}: {}",
                    o.action.kind,
                    o.attempts,
                    if o.attempts == 1 { "" } else { "s" },
                    o.error.as_deref().unwrap_or("unknown error")
                );
            }
            OutcomeStatus::Skipped => {
                let _ = writeln!(
                    out,
                    "Skipped: {} of {who}: {}",
                    o.action.kind,
                    o.error.as_deref().unwrap_or("")
                );
            }
            OutcomeStatus::Applied => {}
        }
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
