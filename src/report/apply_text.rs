//! Text during and after an apply, in the manner of `terraform apply`: one line per action
//! as it ends, then the failures and skips again and the `Apply complete!` line.

use super::apply_json::apply_summary;
use super::symbol;
use crate::apply::{Outcome, OutcomeStatus};
use crate::hr::Roster;
use crate::plan::{ActionKind, Plan};
use crate::words::plural;
use std::fmt::Write as _;

fn past(kind: ActionKind) -> &'static str {
    match kind {
        ActionKind::Create => "created",
        ActionKind::Update => "updated",
        ActionKind::Deactivate => "deactivated",
        ActionKind::Reactivate => "reactivated",
        ActionKind::Delete => "deleted",
    }
}

/// The words of why `o` was not applied, or `absent` when it has no cause.
fn cause_words(o: &Outcome, absent: &str) -> String {
    o.cause
        .as_ref()
        .map_or_else(|| absent.to_string(), ToString::to_string)
}

/// The line printed as an action ends, in the manner of `terraform apply`:
/// `  + created EMAIL (ID, employee N): K requests`, or the `Error:`/`Skipped:` line.
pub fn outcome_line(o: &Outcome) -> String {
    let who_id = o
        .user_id
        .as_ref()
        .map(|id| id.as_str())
        .unwrap_or("no PagerDuty ID");
    match o.status {
        OutcomeStatus::Applied => {
            let mut who = vec![who_id.to_string()];
            if let Some(e) = &o.action.employee_id {
                who.push(format!("employee {e}"));
            }
            format!(
                "  {} {} {} ({}){}: {} request{}",
                symbol(o.action.kind),
                if o.adopted {
                    "adopted"
                } else {
                    past(o.action.kind)
                },
                o.action.email,
                who.join(", "),
                if o.adopted {
                    ", which already held the email"
                } else {
                    ""
                },
                o.attempts,
                plural(o.attempts, "", "s")
            )
        }
        OutcomeStatus::Failed => format!(
            "  ! {} of {} ({who_id}) failed: {}",
            o.action.kind,
            o.action.email,
            cause_words(o, "unknown error")
        ),
        OutcomeStatus::Skipped => format!(
            "  ? {} of {} ({who_id}) skipped: {}",
            o.action.kind,
            o.action.email,
            cause_words(o, "")
        ),
        OutcomeStatus::Blocked => format!(
            "  x {} of {} ({who_id}) not attempted: {}",
            o.action.kind,
            o.action.email,
            cause_words(o, "blocked")
        ),
        OutcomeStatus::NotStarted => format!(
            "  . {} of {} ({who_id}) {}",
            o.action.kind,
            o.action.email,
            cause_words(o, "not started")
        ),
        OutcomeStatus::Interrupted => format!(
            "  ! {} of {} ({who_id}) {} after {} of {} steps",
            o.action.kind,
            o.action.email,
            cause_words(o, "interrupted"),
            o.steps_done,
            o.action.steps.len()
        ),
    }
}

/// The kinds of the blocked outcomes, in words: `deactivations`, `deletions`, `updates` (an
/// update of refused team removals alone), as many as are present, joined with `and`
/// (`deactivations and deletions`); `deactivations` when none is.
fn blocked_kinds(outcomes: &[Outcome]) -> String {
    let kinds: Vec<&str> = [
        (ActionKind::Deactivate, "deactivations"),
        (ActionKind::Delete, "deletions"),
        (ActionKind::Update, "updates"),
        (ActionKind::Reactivate, "reactivations"),
    ]
    .into_iter()
    .filter(|(kind, _)| {
        outcomes
            .iter()
            .any(|o| o.status == OutcomeStatus::Blocked && o.action.kind == *kind)
    })
    .map(|(_, words)| words)
    .collect();
    match kinds.as_slice() {
        [] => "deactivations".into(),
        [one] => (*one).into(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// Text after an apply, in the manner of `terraform apply` (the per-action lines of
/// [`outcome_line`] are printed as actions end): each failure
/// (`Error: KIND of EMAIL (ID) failed after N requests: …`, counting every HTTP request of
/// the action, retries and re-checks included; the cause then says how often its last
/// request was tried), apply-time skip
/// (`Skipped: KIND of EMAIL (ID): …`) and blocked deactivation
/// (`Blocked: KIND of EMAIL (ID): blocked: …` and `  To unblock: …`), and team removal the
/// plan left out because PagerDuty refuses it (`Blocked: team removal of EMAIL (ID): …` and
/// `  To unblock: …`), then
/// `Apply complete! N created, N updated, N deactivated, N reactivated, N failed, N skipped.`
/// (`, N deleted` after the reactivations when anyone was deleted; `Apply finished with
/// failures.` when an action failed, `Apply finished with blocked deactivations.` (or
/// `deletions`, `updates`, `reactivations`, or several joined with `and`, as blocked: `blocked_kinds`) when
/// an action was blocked, which also adds `, N blocked`; `Apply finished with blocked team removals.`
/// when nothing failed or was blocked but a planned team removal was left out, which adds
/// `, N team removals blocked`; `Apply finished with deactivations left undone.` after a
/// line `Left undone: N deactivations skipped at the re-check ...` when nothing failed or
/// was blocked but a re-check left a deactivation or deletion of a user that still exists
/// undone ([`Outcome::undone_at_recheck`]); `Apply stopped
/// early.` with `, N interrupted, N not started` when the run was stopped, after a line
/// `Not started: N actions (why); the next run does them.` and one `Interrupted: …` line
/// per action stopped part-way; `Apply finished with skips that need a person.` after a
/// line `Needs a person: N skipped …` when the plan has skips a person must settle,
/// [`Plan::needs_attention`], and nothing failed or was blocked), and `PagerDuty sent N
/// invitation emails (one per user created).` when the run created users
/// ([`super::ApplySummary::invitations`]). A create that adopted the user holding its email
/// counts as created, said as `N created (M adopted)`, and gets no invitation (`(one per
/// user created; none to the M adopted)`).
pub fn render_apply(outcomes: &[Outcome], plan: &Plan, roster: &Roster) -> String {
    let mut out = String::new();
    let mut problems = String::new();
    for o in outcomes {
        let who = format!(
            "{} ({})",
            o.action.email,
            o.user_id
                .as_ref()
                .map(|id| id.as_str())
                .unwrap_or("no PagerDuty ID")
        );
        match o.status {
            OutcomeStatus::Failed => {
                let _ = writeln!(
                    problems,
                    "Error: {} of {who} failed after {} request{}: {}",
                    o.action.kind,
                    o.attempts,
                    plural(o.attempts, "", "s"),
                    cause_words(o, "unknown error")
                );
            }
            OutcomeStatus::Skipped => {
                let _ = writeln!(
                    problems,
                    "Skipped: {} of {who}: {}",
                    o.action.kind,
                    cause_words(o, "")
                );
            }
            OutcomeStatus::Blocked => {
                let _ = writeln!(
                    problems,
                    "Blocked: {} of {who}: {}",
                    o.action.kind,
                    cause_words(o, "blocked")
                );
                if let Some(b) = &o.action.blocked {
                    let _ = writeln!(
                        problems,
                        "  To unblock: {}",
                        super::plan_text::remedy(o.action.kind, b)
                    );
                }
            }
            OutcomeStatus::Interrupted => {
                let _ = writeln!(
                    problems,
                    "Interrupted: {} of {who} after {} of {} steps: {}",
                    o.action.kind,
                    o.steps_done,
                    o.action.steps.len(),
                    cause_words(o, "")
                );
            }
            OutcomeStatus::Applied | OutcomeStatus::NotStarted => {}
        }
        if o.status != OutcomeStatus::Blocked {
            for r in &o.action.refused_removals {
                let _ = writeln!(
                    problems,
                    "Blocked: team removal of {who}: {r}; the membership is left in place"
                );
                let _ = writeln!(
                    problems,
                    "  To unblock: {}; the next run then removes them from the team",
                    r.remedy()
                );
            }
        }
    }
    let not_started: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| o.status == OutcomeStatus::NotStarted)
        .collect();
    if let Some(first) = not_started.first() {
        let _ = writeln!(
            problems,
            "Not started: {} action{} ({}); the next run does them.",
            not_started.len(),
            plural(not_started.len(), "", "s"),
            cause_words(first, "")
        );
    }
    let undone = outcomes.iter().filter(|o| o.undone_at_recheck()).count();
    if undone > 0 {
        let _ = writeln!(
            problems,
            "Left undone: {undone} {} skipped at the re-check (the user changed since the plan, see Skipped above); the next run plans {} again, so the run exits 1.",
            plural(undone, "deactivation", "deactivations"),
            plural(undone, "it", "them")
        );
    }
    let attention = plan.needs_attention().count();
    if attention > 0 {
        let _ = writeln!(
            problems,
            "Needs a person: {attention} skipped (marked ! under Skipped in the plan above); {}, so the run exits 1.",
            plan.attention_consequence()
        );
    }
    if !out.is_empty() && !problems.is_empty() {
        out.push('\n');
    }
    out.push_str(&problems);
    if !out.is_empty() {
        out.push('\n');
    }
    let s = apply_summary(outcomes, plan, roster);
    let stopped = s.not_started + s.interrupted > 0;
    let blocked_head;
    let head = if stopped {
        "Apply stopped early."
    } else if s.failed > 0 {
        "Apply finished with failures."
    } else if s.blocked == 0 && undone > 0 {
        "Apply finished with deactivations left undone."
    } else if s.blocked == 0 && s.blocked_team_removals > 0 {
        "Apply finished with blocked team removals."
    } else if s.blocked == 0 && attention > 0 {
        "Apply finished with skips that need a person."
    } else if s.blocked > 0 {
        blocked_head = format!("Apply finished with blocked {}.", blocked_kinds(outcomes));
        &blocked_head
    } else {
        "Apply complete!"
    };
    let blocked = if s.blocked > 0 {
        format!(", {} blocked", s.blocked)
    } else {
        String::new()
    };
    let blocked = match s.blocked_team_removals {
        0 => blocked,
        r => format!(
            "{blocked}, {r} team {} blocked",
            plural(r, "removal", "removals")
        ),
    };
    let deleted = if s.deleted > 0 {
        format!(", {} deleted", s.deleted)
    } else {
        String::new()
    };
    let _ = write!(
        out,
        "{head} {}, {} updated, {} deactivated, {} reactivated{deleted}, {} failed, {} skipped{blocked}",
        s.created_words(),
        s.updated,
        s.deactivated,
        s.reactivated,
        s.failed,
        s.skipped
    );
    if stopped {
        let _ = write!(
            out,
            ", {} interrupted, {} not started",
            s.interrupted, s.not_started
        );
    }
    out.push_str(".\n");
    if s.invitations > 0 {
        let adopted = match s.adopted {
            0 => String::new(),
            n => format!("; none to the {n} adopted"),
        };
        let _ = writeln!(
            out,
            "PagerDuty sent {} invitation email{} (one per user created{adopted}).",
            s.invitations,
            plural(s.invitations, "", "s")
        );
    }
    out
}
