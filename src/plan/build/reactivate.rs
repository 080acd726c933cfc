//! A rehire: restore what the suspension recorded. The role (and any moved fields) first,
//! since stakeholder roles cannot join teams; then the memberships; for a user re-created
//! from the archive whose restore was interrupted, the archived contact methods and
//! notification rules; then the marker without `suspended`, last, so that a crash anywhere
//! is resumed by the next plan.

use super::{
    active_marker, change, change_role, desired_labels, diff_fields, for_row, labels,
    membership_steps, restorable, stakeholder_kept_off, status_words,
};
use crate::hr::Employee;
use crate::marker::Suspension;
use crate::pagerduty::models::{User, UserUpdate};
use crate::plan::context::Ctx;
use crate::plan::licenses::insert_change;
use crate::plan::{Action, ActionKind, Field, Step, TeamsChange};

/// The reactivation of `u`, suspended as `s` records, for active employee `e`. `human` is
/// the text of `u`'s description around the marker.
pub(in crate::plan) fn reactivate(
    cx: &mut Ctx<'_>,
    e: &Employee,
    u: &User,
    human: &str,
    s: &Suspension,
) -> Action {
    let mut upd = UserUpdate::default();
    let mut changes = Vec::new();
    diff_fields(cx, e, u, &mut upd, &mut changes);
    let role = cx.rules.role_for(e);
    let current = cx.memberships(u);
    // A user put on a team no rule names while suspended keeps its role when the rules now
    // give a stakeholder one, as an update would: PagerDuty would refuse the role (F17).
    if u.role != role && !stakeholder_kept_off(cx, e, u, &current, &role) {
        change_role(&mut changes, &mut upd, &u.role, role.clone());
    }
    let named = cx.licensing.named_for(cx.rules.role_rule_for(e));
    // The licence follows the role the user ends with (the rules' one unless kept off).
    let new_role = upd.role.clone().unwrap_or_else(|| u.role.clone());
    let license = cx.licensing.for_existing(u, &new_role, named, false);
    upd.license = license.send;
    if let Some(c) = license.change {
        insert_change(&mut changes, c);
    }
    // Desired memberships: the rules for governed teams, the marker for the others.
    let teams = restorable(cx, e, &role, &s.teams);
    let desired = &teams.desired;
    let mut scope = cx.governed.clone();
    scope.extend(desired.keys().cloned());
    let (removals, additions) = membership_steps(cx, &current, desired, &scope);
    let final_description = cx.render_marker(human, &active_marker(&e.employee_id));
    changes.push(change(
        Field::Description,
        u.description.clone(),
        Some(final_description.clone()),
    ));
    // A user re-created from the archive whose restore was interrupted: the archived
    // contact methods and rules are restored (idempotently) before the marker is cleared.
    let archived = s
        .from_archive
        .as_ref()
        .map(|id| (id, cx.inp.archive.by_user(id)));
    let restore_contacts = match &archived {
        Some((id, Some(_))) => Some(Step::RestoreContacts {
            from_user: (*id).clone(),
        }),
        _ => None,
    };
    let mut steps = removals;
    if additions.is_empty() && restore_contacts.is_none() {
        upd.description = Some(final_description);
        steps.push(Step::UpdateUser(upd));
    } else {
        if !upd.is_empty() {
            steps.push(Step::UpdateUser(upd));
        }
        steps.extend(additions);
        steps.extend(restore_contacts);
        steps.push(Step::UpdateUser(UserUpdate {
            description: Some(final_description),
            ..UserUpdate::default()
        }));
    }
    let mut reason = match &archived {
        None => format!(
            "{}: {} in HR; restores what the suspension of {} recorded",
            if s.leave {
                "return from leave"
            } else {
                "rehire"
            },
            status_words(e),
            s.on
        ),
        Some((id, Some(_))) => format!(
            "rehire: {} in HR; finishes the restore from the archive of deleted user {id} (deleted {}): teams, contact methods and notification rules",
            status_words(e),
            s.on
        ),
        Some((id, None)) => format!(
            "rehire: {} in HR; finishes the restore of deleted user {id} (deleted {}), but the archive has no record of it: contact methods and notification rules are not restored",
            status_words(e),
            s.on
        ),
    };
    if role != s.role {
        reason.push_str(&format!(
            " (rules now give role {role}; it was {} before suspension)",
            s.role
        ));
    }
    reason.push_str(&teams.reason_suffix(&role));
    let old = labels(cx, &current, None);
    let new = desired_labels(cx, desired);
    Action {
        user_id: Some(u.id.clone()),
        reason,
        changes,
        teams: (old != new).then_some(TeamsChange { old, new }),
        steps,
        ..for_row(cx, ActionKind::Reactivate, e)
    }
}
