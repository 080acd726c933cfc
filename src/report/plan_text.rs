//! The text plan, in the manner of `terraform plan`: one block per action with its reason,
//! where it comes from (the HR line and the rules behind its role and teams) and
//! field-level `old → new` changes, what is skipped and why, and the summary line. Coloured
//! when the caller's [`Paint`] says so.
//!
//! One section per file: an action's block in `action`, the changes pending on a later
//! date and the date conflicts in `dates`, a description's marker in `description`; the
//! skipped lines, the summary line and the whole plan here.

use super::style::Paint;
use super::symbol;
use crate::email::Email;
use crate::hr::Roster;
use crate::plan::{ActionKind, Plan, SkipSide};
use crate::words::plural;
use action::action_text;
use chrono::NaiveDate;
use std::fmt::Write as _;

mod action;
mod dates;
mod description;

pub(super) use action::remedy;
pub use action::{origin_line, render_action};
pub use dates::{conflict_fix, conflict_line, pending_line, start_conflict_line};

/// The closing line: `Plan: N to create, N to update, N to deactivate, N to reactivate.`,
/// with `, N to delete` before the period when the plan deletes anyone, counting the actions
/// that will be attempted, then ` N blocked (CAUSES).` when some are blocked, with their
/// causes in the words of [`crate::oncall::blocked_words`] (`on call`, `on their team's
/// escalation policy`, or each counted when both are present),
/// ` N team removals blocked (escalation policy).` when updates leave out removals
/// PagerDuty will refuse ([`Plan::blocked_team_removals`]), and
/// ` PagerDuty will send N invitation emails (one per user created).` when the plan
/// creates users ([`Plan::invitations`]).
pub fn summary_line(plan: &Plan) -> String {
    let deletes = plan.attempted(ActionKind::Delete);
    let mut line = format!(
        "Plan: {} to create, {} to update, {} to deactivate, {} to reactivate{}.",
        plan.attempted(ActionKind::Create),
        plan.attempted(ActionKind::Update),
        plan.attempted(ActionKind::Deactivate),
        plan.attempted(ActionKind::Reactivate),
        if deletes > 0 {
            format!(", {deletes} to delete")
        } else {
            String::new()
        }
    );
    let blocked = plan.blocked();
    if let Some(causes) =
        crate::oncall::blocked_words(plan.actions.iter().filter_map(|a| a.blocked.as_ref()))
    {
        let _ = write!(line, " {blocked} blocked ({causes}).");
    }
    let removals = plan.blocked_team_removals();
    if removals > 0 {
        let _ = write!(
            line,
            " {removals} team {} blocked (escalation policy).",
            plural(removals, "removal", "removals")
        );
    }
    if let Some(n) = invitations_sentence(plan.invitations()) {
        let _ = write!(line, " {n}");
    }
    line
}

/// `PagerDuty will send N invitation email(s) (one per user created).`, or `None` for 0.
pub fn invitations_sentence(n: usize) -> Option<String> {
    (n > 0).then(|| {
        format!(
            "PagerDuty will send {n} invitation email{} (one per user created).",
            plural(n, "", "s")
        )
    })
}

/// The HR rows with problems, in line order, each with its problems' messages joined by
/// `; ` (a row may have several problems; it is one skipped row).
fn skipped_rows(roster: &Roster) -> Vec<(u64, String)> {
    let mut rows: Vec<(u64, String)> = Vec::new();
    for p in &roster.problems {
        match rows.last_mut() {
            Some((line, text)) if *line == p.line => {
                text.push_str("; ");
                text.push_str(&p.message);
            }
            _ => rows.push((p.line, p.message.clone())),
        }
    }
    rows
}

/// What `n` skips are, by where their causes lie: `1 skipped (see below) for a problem in
/// the HR export` for one side, `3 skipped (see below): 1 for …, 2 for …` for several.
fn skipped_words(plan: &Plan, hr_rows: usize) -> String {
    let mut by_side: std::collections::BTreeMap<SkipSide, usize> = Default::default();
    if hr_rows > 0 {
        by_side.insert(SkipSide::Hr, hr_rows);
    }
    for s in &plan.skipped {
        *by_side.entry(s.reason.side()).or_default() += 1;
    }
    let n: usize = by_side.values().sum();
    if by_side.len() == 1 {
        let side = by_side.keys().next().copied().unwrap_or(SkipSide::Hr);
        format!("{n} skipped (see below) {}", side.words())
    } else {
        let parts: Vec<String> = by_side
            .iter()
            .map(|(side, k)| format!("{k} {}", side.words()))
            .collect();
        format!("{n} skipped (see below): {}", parts.join(", "))
    }
}

/// The whole text plan, in the manner of `terraform plan`: notes, one block per action,
/// what is skipped and why (HR rows with problems, one line per row, then the people and
/// users skipped; `Skipped (N)` counts those lines), the changes pending on a later date,
/// the date conflicts, the start date conflicts, then the summary line. When there is
/// nothing to do the text starts with `No changes.`: followed by
/// `PagerDuty matches the HR export (N unchanged).` when nothing is skipped, otherwise by
/// `N unchanged; M skipped (see below) …` with what the skips are by where their causes
/// lie ([`SkipSide`]: a problem in the HR export, a conflict in PagerDuty, left alone on
/// purpose). `paint` colours the text (or not).
pub fn render_plan_styled(plan: &Plan, roster: &Roster, paint: Paint) -> String {
    render_plan_made_as_of(plan, roster, paint, None)
}

/// [`render_plan_styled`] for a saved plan applied on another day than the one it was made
/// as of (`made`, when it differs): its changes pending are those of that day, which this
/// apply does not make, and their dates may have passed, so the `Pending` heading says
/// both (`Pending as of 2026-12-01, the day the plan was made as of (N; …)`).
pub fn render_plan_made_as_of(
    plan: &Plan,
    roster: &Roster,
    paint: Paint,
    made: Option<NaiveDate>,
) -> String {
    let mut out = String::new();
    for n in &plan.notes {
        let _ = writeln!(out, "Note: {n}");
    }
    if !plan.notes.is_empty() {
        out.push('\n');
    }
    let rows = skipped_rows(roster);
    let skipped = plan.skipped.len() + rows.len();
    if plan.is_empty() && skipped == 0 {
        let _ = writeln!(
            out,
            "No changes. PagerDuty matches the HR export ({} unchanged).",
            plan.unchanged
        );
    } else if plan.is_empty() {
        // "matches the HR export" would be false for the people skipped; and a skip is
        // worded by its cause: an HR row's problem is not PagerDuty's.
        let _ = writeln!(
            out,
            "No changes. {} unchanged; {}.",
            plan.unchanged,
            skipped_words(plan, rows.len())
        );
    } else {
        let present: Vec<ActionKind> = [
            ActionKind::Create,
            ActionKind::Update,
            ActionKind::Deactivate,
            ActionKind::Reactivate,
            ActionKind::Delete,
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
                .map(|k| format!("{} {k}", paint.kind(*k, symbol(*k))))
                .collect::<Vec<_>>()
                .join(", ")
        );
        for a in &plan.actions {
            out.push_str(&action_text(a, paint));
            out.push('\n');
        }
    }
    if skipped > 0 {
        if plan.is_empty() {
            out.push('\n');
        }
        let _ = writeln!(out, "Skipped ({skipped}):");
        for (line, problems) in &rows {
            let _ = writeln!(out, "  - HR line {line}: {problems}");
        }
        for s in &plan.skipped {
            let who = [
                s.email.as_ref().map(Email::to_string),
                s.pagerduty_user_id.as_ref().map(|id| id.to_string()),
                s.employee_id.as_ref().map(|e| format!("employee {e}")),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ");
            // `!` marks the skips a person must settle (`SkipCause::needs_attention`).
            let mark = if s.reason.needs_attention() { '!' } else { '-' };
            let _ = writeln!(out, "  {mark} {who}: {}", s.reason);
        }
        let attention = plan.needs_attention().count();
        if attention > 0 {
            let _ = writeln!(
                out,
                "{attention} of these need{} a person (marked !): {}, and apply applies everything else, then exits 1.",
                plural(attention, "s", ""),
                plan.attention_consequence()
            );
        }
    }
    if !plan.pending.is_empty() {
        let n = plan.pending.len();
        let _ = match made {
            Some(made) => writeln!(
                out,
                "\nPending as of {made}, the day the plan was made as of ({n}; this saved plan does not make them, whether or not their day has come; make a new plan to include those due):"
            ),
            None => writeln!(out, "\nPending ({n}):"),
        };
        for p in &plan.pending {
            let _ = writeln!(out, "  - {}", pending_line(p));
        }
    }
    if !plan.conflicts.is_empty() {
        let _ = writeln!(out, "\nDate conflicts ({}):", plan.conflicts.len());
        for c in &plan.conflicts {
            let _ = writeln!(out, "  - {}", conflict_line(c));
        }
    }
    if !plan.start_conflicts.is_empty() {
        let _ = writeln!(
            out,
            "\nStart date conflicts ({}):",
            plan.start_conflicts.len()
        );
        for c in &plan.start_conflicts {
            let _ = writeln!(out, "  - {}", start_conflict_line(c));
        }
    }
    if !plan.is_empty() {
        let line = summary_line(plan);
        let line = match line.strip_prefix("Plan:") {
            Some(rest) => format!("{}{rest}", paint.bold("Plan:")),
            None => line,
        };
        let _ = writeln!(out, "\n{line}");
    }
    out
}

/// [`render_plan_styled`] without colour ([`Paint::PLAIN`]): the text plan as a file or a
/// pipe gets it. With colour on, the words are the same; the headlines are bold (red for a
/// deactivation or deletion) and the symbols of blocks, change lines and the legend are in
/// their colours (see [`Paint`]).
pub fn render_plan(plan: &Plan, roster: &Roster) -> String {
    render_plan_styled(plan, roster, Paint::PLAIN)
}
