//! One action's block in the text plan: its headline, reason and origin (the HR line and
//! the rules behind its role and teams), its on-call lines or refused team removals, and
//! its field-level changes (`+ new`, `- old`, `~ old → new`), with a description's marker
//! told in words ([`super::description`]).

use super::description::{Sig, describe_description};
use crate::marker::{self, MarkerState};
use crate::plan::{Action, ActionKind, Change, Field, MarkerTrust, TeamMembership};
use crate::report::style::Paint;
use crate::report::symbol;
use std::fmt::Write as _;

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
pub(in crate::report) fn remedy(kind: ActionKind, b: &crate::oncall::Blocked) -> String {
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
/// not do. Plain; see [`render_plan_styled`](super::render_plan_styled) for colour.
pub fn render_action(a: &Action) -> String {
    action_text(a, Paint::PLAIN)
}

/// [`render_action`] painted with `paint`: the headline bold (red for a deactivation or
/// deletion), the block's symbol in the colour of the action kind and each change line's
/// symbol in the colour of its shape.
pub(super) fn action_text(a: &Action, paint: Paint) -> String {
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
