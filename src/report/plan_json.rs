//! The JSON plan of `plan --format json` (README.md § JSON plan), and the per-action and
//! per-skip objects the JSON apply report shares with it.

use super::FORMAT_VERSION;
use crate::hr::{Roster, RowProblem};
use crate::plan::{Action, ActionKind, Plan, Skip};
use crate::quote;
use serde_json::{Value, json};

/// Each changed field as `[old, new]`; a value longer than [`quote::JSON_VALUE_CHARS`]
/// (a hostile description) is cut, with its length ([`quote::json_value`]).
fn changes_json(a: &Action) -> Value {
    fn bounded(v: &Option<String>) -> Option<std::borrow::Cow<'_, str>> {
        v.as_deref().map(quote::json_value)
    }
    let mut m = serde_json::Map::new();
    for c in &a.changes {
        m.insert(
            c.field.as_str().into(),
            json!([bounded(&c.old), bounded(&c.new)]),
        );
    }
    if let Some(t) = &a.teams {
        m.insert("teams".into(), json!([t.old, t.new]));
    }
    Value::Object(m)
}

pub(super) fn action_json(a: &Action) -> serde_json::Map<String, Value> {
    let v = json!({
        "action": a.kind,
        "employee_id": a.employee_id,
        "email": a.email,
        "name": a.name,
        "pagerduty_user_id": a.user_id,
        "reason": a.reason,
        "changes": changes_json(a),
        "hr_line": a.line,
        "role_rule": a.role_rule.map(|r| r.to_string()),
        "team_rules": a
            .team_rules
            .iter()
            .map(|(team, rule)| (team.clone(), json!(rule.to_string())))
            .collect::<serde_json::Map<_, _>>(),
    });
    let mut m = match v {
        Value::Object(m) => m,
        _ => unreachable!("json! of an object literal"),
    };
    if let Some(old) = a.restores_from().filter(|_| a.user_id.is_none()) {
        m.insert("previous_pagerduty_user_id".into(), json!(old));
    }
    // Only on the actions that wait for another user's email change.
    if let Some(u) = &a.waits_for {
        m.insert("waits_for".into(), json!(u));
    }
    // Only on the re-keys that wait for another user to give their new ID up.
    if let Some(u) = &a.rekey_after {
        m.insert("rekey_after".into(), json!(u));
    }
    if a.kind == ActionKind::Create {
        m.insert(
            "probable_duplicate".into(),
            match &a.probable_duplicate {
                Some(d) => json!({
                    "pagerduty_user_id": d.user_id,
                    "name": d.name,
                    "email": d.email,
                }),
                None => Value::Null,
            },
        );
    }
    if let Some(old) = &a.rekeyed_from {
        m.insert("rekeyed_from".into(), json!(old));
    }
    // Only with marker keys, for a user that carried a readable marker.
    if let Some(t) = a.marker_signature {
        m.insert("marker_signature".into(), json!(t));
    }
    if a.kind.is_oncall_checked() {
        m.insert("oncall".into(), json!(a.oncall));
    }
    // An update is blocked when it has nothing to send but team removals PagerDuty refuses.
    if a.kind.is_oncall_checked() || a.kind == ActionKind::Update {
        m.insert(
            "blocked".into(),
            json!(a.blocked.as_ref().map(ToString::to_string)),
        );
    }
    if matches!(
        a.kind,
        ActionKind::Update | ActionKind::Deactivate | ActionKind::Reactivate
    ) {
        m.insert(
            "blocked_team_removals".into(),
            blocked_team_removals_json(a),
        );
    }
    m
}

/// An action's team removals PagerDuty will refuse ([`Action::refused_removals`]), as
/// `[{team: {id, name}, escalation_policies: [{id, name}], reason, remedy}]`.
pub(super) fn blocked_team_removals_json(a: &Action) -> Value {
    Value::Array(
        a.refused_removals
            .iter()
            .map(|r| {
                json!({
                    "team": {"id": r.team_id, "name": r.team},
                    "escalation_policies": r.escalation_policies,
                    "reason": r.to_string(),
                    "remedy": r.remedy(),
                })
            })
            .collect(),
    )
}

/// One skipped person or row, as JSON: HR row problems first (by line), then plan skips;
/// each with `needs_attention`, true for the skips a person must settle
/// ([`crate::plan::SkipCause::needs_attention`]; never for an HR row's problem), and
/// `cause`: a plan skip's stable snake_case tag, the one a saved plan stores
/// (`email_taken`), null for an HR row's problem (which has `problem`).
pub(super) fn skipped_json(plan: &Plan, roster: &Roster) -> Vec<Value> {
    skipped_values(&roster.problems, &plan.skipped)
}

/// [`skipped_json`] of the HR rows' `problems` and the plan's `skipped`.
pub(super) fn skipped_values(problems: &[RowProblem], skipped: &[Skip]) -> Vec<Value> {
    let mut out: Vec<Value> = problems
        .iter()
        .map(|p| {
            json!({
                "employee_id": p.employee_id,
                "email": p.email,
                "pagerduty_user_id": null,
                "hr_line": p.line,
                "problem": p.kind,
                "cause": null,
                "reason": p.message,
                "needs_attention": false,
            })
        })
        .collect();
    out.extend(skipped.iter().map(|s| {
        json!({
            "employee_id": s.employee_id,
            "email": s.email,
            "pagerduty_user_id": s.pagerduty_user_id,
            "hr_line": s.line,
            "cause": cause_tag(&s.reason),
            "reason": s.reason.to_string(),
            "needs_attention": s.reason.needs_attention(),
        })
    }));
    out
}

/// The stable tag of skip cause `c`, as a saved plan stores it (`{"cause": "email_taken",
/// "details": …}`): its `cause`.
fn cause_tag(c: &crate::plan::SkipCause) -> Value {
    serde_json::to_value(c)
        .ok()
        .and_then(|v| v.get("cause").cloned())
        .unwrap_or(Value::Null)
}

/// The JSON plan: `actions[]` (one per user: `action`, `employee_id`, `email`,
/// `pagerduty_user_id` or null, `reason`, `hr_line` (the HR row's line, or null),
/// `role_rule` (`"roles.rule #N"` or `"default"`, null for a deactivation, a deletion or an
/// action with no HR row), `team_rules` {team name: `"teams.rule #N"`} for every
/// membership the rules give, and `"suspension record"` or `"deletion archive"` for a
/// membership no rule names that a rehire gets back, `changes` {field: [old, new]} with `teams` as
/// `[[old "team:role", …], [new …]]` and `license` as licence names; a create also carries
/// `probable_duplicate`, null or {`pagerduty_user_id`, `name`, `email`}; on a rehire
/// re-created from the archive, `previous_pagerduty_user_id`; a deactivation or deletion
/// carries `oncall` {escalation_policies: [{id, name}], schedules: [{id, name}], incidents:
/// [{id, title}]} or null, and `blocked`: null or why it is not attempted, in words; an
/// update or a deactivation carries `blocked_team_removals`, the team removals PagerDuty
/// will refuse while the user is on one of the team's escalation policies (fact F32), each
/// `{team: {id, name}, escalation_policies: [{id, name}], reason, remedy}` (empty when
/// none; an update does not send them, a deactivation with any is blocked); an
/// action that re-keys a marker carries `rekeyed_from`, the old employee ID; with marker
/// keys, an action whose user carried a readable marker carries `marker_signature`, how it
/// checked: [`crate::plan::MarkerTrust`] in snake case), `skipped[]`,
/// `notes[]`, `pending[]` (changes that come due later: `employee_id`, `email`, `action`
/// create, reactivate or deactivate, `on` `YYYY-MM-DD`), `conflicts[]` (past termination
/// dates on rows the status calls active: `employee_id`, `email`, `hr_line`, `status`,
/// `termination_date`, `decided_by` status or date, `fix`: what to do, in words),
/// `start_conflicts[]` (rows whose status
/// says a future start while their hire date has passed or is missing: `employee_id`,
/// `email`, `hr_line`, `status`, `hire_date` or null, `pagerduty_user_id` or null), and
/// `summary` {create, update, deactivate, reactivate, delete, unchanged, skipped, pending,
/// conflicts, start_conflicts, blocked, blocked_team_removals, invitations}. The action counts are of actions that will be attempted; `blocked` counts
/// the others; `blocked_team_removals` the refused removals of the updates that go ahead
/// ([`Plan::blocked_team_removals`]); `invitations` the invitation emails PagerDuty will send, one per user
/// created ([`Plan::invitations`]).
/// `skipped` counts HR rows with problems plus people deliberately left alone.
pub fn plan_json(plan: &Plan, roster: &Roster) -> Value {
    let pending: Vec<Value> = plan
        .pending
        .iter()
        .map(|p| {
            json!({
                "employee_id": p.employee_id,
                "email": p.email,
                "action": p.kind,
                "on": p.on,
            })
        })
        .collect();
    let conflicts: Vec<Value> = plan
        .conflicts
        .iter()
        .map(|c| {
            json!({
                "employee_id": c.employee_id,
                "email": c.email,
                "hr_line": c.line,
                "status": c.status,
                "termination_date": c.termination_date,
                "decided_by": c.decided_by,
                "fix": super::plan_text::conflict_fix(c),
            })
        })
        .collect();
    let start_conflicts: Vec<Value> = plan
        .start_conflicts
        .iter()
        .map(|c| {
            json!({
                "employee_id": c.employee_id,
                "email": c.email,
                "hr_line": c.line,
                "status": c.status,
                "hire_date": c.hire_date,
                "pagerduty_user_id": c.user_id,
            })
        })
        .collect();
    json!({
        "format_version": FORMAT_VERSION,
        "actions": plan.actions.iter().map(|a| Value::Object(action_json(a))).collect::<Vec<_>>(),
        "skipped": skipped_json(plan, roster),
        "notes": plan.notes,
        "pending": pending,
        "conflicts": conflicts,
        "start_conflicts": start_conflicts,
        "summary": {
            "create": plan.attempted(ActionKind::Create),
            "update": plan.attempted(ActionKind::Update),
            "deactivate": plan.attempted(ActionKind::Deactivate),
            "reactivate": plan.attempted(ActionKind::Reactivate),
            "delete": plan.attempted(ActionKind::Delete),
            "unchanged": plan.unchanged,
            "skipped": plan.skipped.len() + roster.invalid_rows(),
            "pending": plan.pending.len(),
            "conflicts": plan.conflicts.len(),
            "start_conflicts": plan.start_conflicts.len(),
            "blocked": plan.blocked(),
            "blocked_team_removals": plan.blocked_team_removals(),
            "invitations": plan.invitations(),
        },
    })
}
