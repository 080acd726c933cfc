//! The text plan, in the manner of `terraform plan`: one block per action with its reason,
//! where it comes from (the HR line and the rules behind its role and teams) and
//! field-level `old → new` changes, what is skipped and why, and the summary line. Coloured
//! when the caller's [`Paint`] says so.

use super::style::Paint;
use super::symbol;
use crate::email::Email;
use crate::hr::Roster;
use crate::marker::{self, MarkerState};
use crate::plan::{
    Action, ActionKind, Change, DateConflict, Field, MarkerTrust, Pending, Plan, SkipSide,
    StartConflict, TeamMembership,
};
use crate::words::plural;
use description::{Sig, describe_description};
use std::fmt::Write as _;

mod description;

fn verb(a: &Action) -> String {
    match a.kind {
        ActionKind::Create => "will be created".into(),
        ActionKind::Update => "will be updated in place".into(),
        ActionKind::Deactivate => "will be deactivated (suspended)".into(),
        ActionKind::Reactivate => match a.restores_from() {
            Some(old) if a.user_id.is_none() => format!(
                "will be re-created from the archive of deleted user {old} (the PagerDuty ID changes)"
            ),
            _ => "will be reactivated".into(),
        },
        ActionKind::Delete => "will be deleted (archived first; the PagerDuty ID is lost)".into(),
    }
}

fn quoted(v: &Option<String>) -> String {
    match v {
        Some(s) => format!("{s:?}"),
        None => "null".into(),
    }
}

/// How a change line shows its values: `+ new` for a new user, `- old` for a deleted one,
/// `~ old → new` otherwise.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Added,
    Removed,
    Changed,
}

impl Shape {
    /// The line's symbol, painted in the shape's colour.
    fn mark(self, paint: Paint) -> String {
        match self {
            Shape::Added => paint.added("+"),
            Shape::Removed => paint.removed("-"),
            Shape::Changed => paint.changed("~"),
        }
    }
}

/// For a description change that only signs the marker (the same marker and human text,
/// unsigned before, or signed with the previous key): one side, `[marker: employee 1001,
/// signed (was unsigned)]`, since the two sides would read alike but for the signature. A
/// marker whose signature failed keeps both sides (what was ignored, what is written).
fn resigned(a: &Action, c: &Change) -> Option<String> {
    let (old, new) = (
        marker::parse(c.old.as_deref()),
        marker::parse(c.new.as_deref()),
    );
    let same = matches!((&old.marker, &new.marker), (MarkerState::Valid(o), MarkerState::Valid(n)) if o == n)
        && old.human == new.human
        && new.sig.is_some()
        && (old.sig.is_none() || a.marker_signature == Some(MarkerTrust::PreviousKey));
    if !same {
        return None;
    }
    let was = a.marker_signature.map_or("unsigned", MarkerTrust::words);
    let new = describe_description(&c.new, Sig::Written);
    let body = new.strip_prefix('[')?.strip_suffix(']')?;
    Some(format!(
        "[{}]",
        body.replacen(", signed", &format!(", signed (was {was})"), 1)
    ))
}

fn change_line(out: &mut String, a: &Action, c: &Change, width: usize, shape: Shape, paint: Paint) {
    let name = c.field.as_str();
    if c.field == Field::Description
        && shape == Shape::Changed
        && let Some(one) = resigned(a, c)
    {
        let _ = writeln!(out, "      {} {name:<width$} = {one}", shape.mark(paint));
        return;
    }
    let (old, new) = if c.field == Field::Description {
        (
            describe_description(&c.old, Sig::Found(a.marker_signature)),
            describe_description(&c.new, Sig::Written),
        )
    } else {
        (quoted(&c.old), quoted(&c.new))
    };
    let mark = shape.mark(paint);
    let _ = match shape {
        Shape::Added => writeln!(out, "      {mark} {name:<width$} = {new}"),
        Shape::Removed => writeln!(out, "      {mark} {name:<width$} = {old}"),
        // Two descriptions whose short accounts agree still differ in their record (a
        // team's name or role in a suspension record): said once, not as `x → x`.
        Shape::Changed if old == new => writeln!(
            out,
            "      {mark} {name:<width$} = {new} (details of its record change; --format json shows them)"
        ),
        Shape::Changed => writeln!(out, "      {mark} {name:<width$} = {old} → {new}"),
    };
}

fn list(v: &[TeamMembership]) -> String {
    format!(
        "[{}]",
        v.iter()
            .map(|m| format!("{:?}", m.to_string()))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// Where an action comes from, for its comment line: `from HR line 1042; role by
/// roles.rule #2; teams: IT Operations by teams.rule #1` (the role and teams only for an
/// action the rules decide, the teams only when the rules give any), or `no HR row` for an
/// action no HR row decided (a leaver missing from the export, an unmanaged user).
pub fn origin_line(a: &Action) -> String {
    let Some(line) = a.line else {
        return "no HR row".into();
    };
    let mut out = format!("from HR line {line}");
    if let Some(r) = &a.role_rule {
        let _ = write!(out, "; role by {r}");
    }
    if !a.team_rules.is_empty() {
        let teams = a
            .team_rules
            .iter()
            .map(|(team, rule)| format!("{team} by {rule}"))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = write!(out, "; teams: {teams}");
    }
    out
}

fn headline(a: &Action) -> String {
    let mut who = Vec::new();
    if let Some(id) = &a.user_id {
        who.push(id.to_string());
    }
    if let Some(e) = &a.employee_id {
        who.push(format!("employee {e}"));
    }
    let verb = match a.blocked {
        Some(_) => format!("is blocked: it will not be {}d", a.kind),
        None => verb(a),
    };
    format!("  # user {} ({}) {verb}", a.email, who.join(", "))
}

/// What a human must do for blocked action of `kind` (`b`): a deletion has no team
/// removal or suspension, and PagerDuty refuses some `DELETE`s that the override cannot
/// force.
pub(super) fn remedy(kind: ActionKind, b: &crate::oncall::Blocked) -> String {
    match kind {
        ActionKind::Delete => b.deletion_remedy(),
        _ => b.remedy(),
    }
}

/// The on-call lines of an on-call checked action: what the user holds, and for a blocked
/// action why and what a human must do.
fn oncall_lines(out: &mut String, a: &Action) {
    match (&a.blocked, &a.oncall) {
        (Some(b), _) => {
            let _ = writeln!(out, "  #   blocked: {b}");
            let _ = writeln!(out, "  #   to unblock: {}", remedy(a.kind, b));
        }
        (None, Some(i)) if i.is_empty() => {
            let _ = writeln!(out, "  #   on call: {}", i.describe());
        }
        (None, Some(i)) => {
            let _ = writeln!(
                out,
                "  #   on call: {}; going ahead anyway ({}), leaving these gaps",
                i.describe(),
                crate::oncall::ALLOW_FLAG
            );
        }
        (None, None) => {
            let _ = writeln!(
                out,
                "  #   on call: not looked up; going ahead anyway ({})",
                crate::oncall::ALLOW_FLAG
            );
        }
    }
}

/// The lines of an update's or a reactivation's team removals PagerDuty will refuse
/// ([`Action::refused_removals`]): why each is not sent, and what a human must do.
fn refused_lines(out: &mut String, a: &Action) {
    let action = match a.kind {
        ActionKind::Reactivate => "reactivation",
        _ => "update",
    };
    for r in &a.refused_removals {
        let _ = writeln!(
            out,
            "  #   team removal blocked: {r}; the membership stays, the rest of the {action} goes ahead"
        );
        let _ = writeln!(
            out,
            "  #   to unblock: {}; the next run then removes them from the team",
            r.remedy()
        );
    }
}

/// Renders one action as text: headline, reason, where it comes from ([`origin_line`]),
/// the on-call impact of a deactivation, and field-level changes. A blocked action
/// ([`Action::blocked`]: a deactivation or deletion on call, an update of refused team
/// removals alone) writes nothing, so it shows no changes: why it is blocked, each object
/// by name and ID, and what a human must do, as Terraform prints no diff for what it will
/// not do. Plain; see [`render_plan_styled`] for colour.
pub fn render_action(a: &Action) -> String {
    action_text(a, Paint::PLAIN)
}

/// [`render_action`] painted with `paint`: the headline bold (red for a deactivation or
/// deletion), the block's symbol in the colour of the action kind and each change line's
/// symbol in the colour of its shape.
fn action_text(a: &Action, paint: Paint) -> String {
    let mut out = String::new();
    let head = headline(a);
    let (indent, head) = head.split_at(head.len() - head.trim_start().len());
    let head = if a.kind.is_oncall_checked() {
        paint.kind(a.kind, head)
    } else {
        paint.bold(head)
    };
    let _ = writeln!(out, "{indent}{head}");
    let _ = writeln!(out, "  #   {}", a.reason);
    let _ = writeln!(out, "  #   {}", origin_line(a));
    if let Some(d) = &a.probable_duplicate {
        let _ = writeln!(
            out,
            "  #   probable duplicate of {} {:?} <{}>: same name, and no HR row matched that user",
            d.user_id, d.name, d.email
        );
    }
    if a.kind.is_oncall_checked() || a.blocked.is_some() {
        oncall_lines(&mut out, a);
    } else {
        refused_lines(&mut out, a);
    }
    if a.blocked.is_some() {
        return out;
    }
    let _ = writeln!(
        out,
        "  {} user {:?} {{",
        paint.kind(a.kind, symbol(a.kind)),
        a.name
    );
    let width = a
        .changes
        .iter()
        .map(|c| c.field.as_str().len())
        .chain(a.teams.iter().map(|_| "teams".len()))
        .max()
        .unwrap_or(0);
    let shape = match a.kind {
        ActionKind::Create => Shape::Added,
        ActionKind::Reactivate if a.user_id.is_none() => Shape::Added,
        ActionKind::Delete => Shape::Removed,
        _ => Shape::Changed,
    };
    for c in &a.changes {
        change_line(&mut out, a, c, width, shape, paint);
    }
    if let Some(t) = &a.teams {
        let mark = shape.mark(paint);
        if shape == Shape::Added {
            let _ = writeln!(out, "      {mark} {:<width$} = {}", "teams", list(&t.new));
        } else if shape == Shape::Removed {
            let _ = writeln!(out, "      {mark} {:<width$} = {}", "teams", list(&t.old));
        } else {
            let _ = writeln!(
                out,
                "      {mark} {:<width$} = {} → {}",
                "teams",
                list(&t.old),
                list(&t.new)
            );
        }
    }
    let _ = writeln!(out, "    }}");
    out
}

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

/// One pending change: who, what and when, and the date in the export that brings it.
pub fn pending_line(p: &Pending) -> String {
    let mut who = Vec::new();
    if let Some(id) = &p.user_id {
        who.push(id.to_string());
    }
    who.push(format!("employee {}", p.employee_id));
    let what = match p.kind {
        ActionKind::Create => format!("will be created on {} (hire date {})", p.on, p.date),
        ActionKind::Reactivate => {
            format!("will be reactivated on {} (hire date {})", p.on, p.date)
        }
        ActionKind::Deactivate => {
            format!("will be deactivated on {} (termination date)", p.on)
        }
        ActionKind::Update => format!("will be updated on {}", p.on),
        ActionKind::Delete => format!("will be deleted on {} (termination date)", p.on),
    };
    format!("{} ({}) {what}", p.email, who.join(", "))
}

/// One date conflict: the row, the dates, what decided, and what to do ([`conflict_fix`]).
pub fn conflict_line(c: &DateConflict) -> String {
    let status = match &c.status {
        Some(s) => format!("status {s:?} does not say terminated"),
        None => "the row has no status".to_string(),
    };
    let decided = if c.status_decides() {
        "the status decides: kept active"
    } else {
        "the date decides: deactivated"
    };
    let mut line = format!(
        "{} (employee {}, line {}): termination date {} has passed but {status}; {decided} ([lifecycle] past_termination_date = \"{}\")",
        c.email,
        c.employee_id,
        c.line,
        c.termination_date,
        c.decided_by.as_str()
    );
    if c.status_decides() && c.catch_up_days > 0 {
        line.push_str(&format!(
            "; the date passed more than {n} day{s} ago ([lifecycle] termination_catch_up_days = {n}), so a termination missed until then (or blocked with no termination-pending stamp on its user) is no longer applied automatically",
            n = c.catch_up_days,
            s = plural(c.catch_up_days, "", "s"),
        ));
    }
    line.push_str(": ");
    line.push_str(&conflict_fix(c));
    line
}

/// What an operator should do about one date conflict: fix the HR row (its status or its
/// stale date), or change the policy for every row. Never a run `--as-of` the date: that
/// applies every change due on that day across the whole export, not this row's alone, so
/// `plan --as-of` is named only as a preview.
pub fn conflict_fix(c: &DateConflict) -> String {
    if c.status_decides() {
        format!(
            "if the employee has left, mark the row terminated in HR; if not, clear or correct its stale termination date; [lifecycle] past_termination_date = \"date\" makes such dates decide for every row (plan --as-of {} previews that day for the whole export, not this row alone)",
            c.termination_date
        )
    } else {
        "if the employee is still employed, clear or correct the stale termination date in HR (past_termination_date = \"status\" lets the status decide for every row)".to_string()
    }
}

/// One start date conflict: the row, its status and hire date (or that it has none), and
/// that the status decides until HR catches up.
pub fn start_conflict_line(c: &StartConflict) -> String {
    let status = c.status.as_deref().unwrap_or("pending");
    let date = match c.hire_date {
        Some(d) => {
            format!("hire date {d} has passed but status {status:?} still says a future start")
        }
        None => format!("status {status:?} says a future start but the row has no hire date"),
    };
    let kept = match &c.user_id {
        Some(id) => format!("PagerDuty user {id} is left as it is"),
        None => "not provisioned".to_string(),
    };
    let fix = match c.hire_date {
        Some(_) => {
            "mark the row active in HR once the person has started, or remove it if they will not"
        }
        None => {
            "give the row its hire date in HR (with [hr.columns] hire_date mapped), or mark it active once the person has started"
        }
    };
    format!(
        "{} (employee {}, line {}): {date}; the status decides: {kept} until HR catches up ({fix})",
        c.email, c.employee_id, c.line
    )
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
        let _ = writeln!(out, "\nPending ({}):", plan.pending.len());
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
