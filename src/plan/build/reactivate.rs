//! A rehire: restore what the suspension recorded. The role (and any moved fields) first,
//! since stakeholder roles cannot join teams; then the memberships; for a user re-created
//! from the archive whose restore was interrupted, the archived contact methods and
//! notification rules; then the marker without `suspended`, last, so that a crash anywhere
//! is resumed by the next plan. A team removal PagerDuty will refuse while the user is on
//! an escalation policy of the team (fact F32) is not sent, as for a mover
//! ([`crate::plan::Action::refused_removals`]).

use super::{
    KeptOff, active_marker, change, change_role, desired_labels, diff_fields, for_row,
    hold_refused_removals, labels, license_for_existing, membership_steps, restorable,
    stakeholder_duties, stakeholder_kept_off, status_words,
};
use crate::archive::ArchiveRecord;
use crate::hr::Employee;
use crate::ids::UserId;
use crate::marker::{Marker, Suspension};
use crate::oncall::{Blocked, Held};
use crate::pagerduty::models::{User, UserUpdate};
use crate::plan::context::Ctx;
use crate::plan::{Action, ActionKind, Field, Step, TeamSource, TeamsChange};
use crate::vocab::Role;
use crate::words::plural;
use chrono::NaiveDate;

/// The reactivation of `u`, suspended as `s` records, for active employee `e`. `human` is
/// the text of `u`'s description around the marker; `created` the day of the run that
/// created `u`, as its marker records it ([`Marker::created`]), which every marker this
/// reactivation writes keeps.
pub(in crate::plan) fn reactivate(
    cx: &mut Ctx<'_>,
    e: &Employee,
    u: &User,
    human: &str,
    s: &Suspension,
    created: Option<NaiveDate>,
) -> Action {
    let mut upd = UserUpdate::default();
    let mut changes = Vec::new();
    diff_fields(cx, e, u, &mut upd, &mut changes);
    let role = cx.rules.role_for(e);
    let current = cx.memberships(u);
    // A user put on a team no rule names while suspended keeps its role when the rules now
    // give a stakeholder one, as an update would: PagerDuty would refuse the role (F17).
    let kept = stakeholder_kept_off(cx, e, u, &current, &role);
    if u.role != role && kept.is_none() {
        change_role(&mut changes, &mut upd, &u.role, role.clone());
    }
    // The licence follows the role the user ends with (the rules' one unless kept off).
    license_for_existing(cx, e, u, &mut upd, &mut changes);
    // Desired memberships: the rules for governed teams, the marker for the others.
    let teams = restorable(cx, e, &role, &s.teams);
    let desired = &teams.desired;
    let mut scope = cx.governed.clone();
    scope.extend(desired.keys().cloned());
    let (mut removals, additions) = membership_steps(cx, &current, desired, &scope);
    // A stakeholder role held back by the user's duties brings no team removal either, as
    // for a mover: the rest of the reactivation goes ahead.
    if kept == Some(KeptOff::Rota) {
        removals.clear();
    }
    // A removal PagerDuty will refuse (fact F32) is not sent, as for a mover; the rest of
    // the reactivation goes ahead.
    let (removals, refused_removals) = hold_refused_removals(cx, u, removals);
    // The tag is bound to the user's email: the one this reactivation's `PUT` sets.
    let carrier = upd.email.clone().unwrap_or_else(|| u.email.clone());
    let final_description =
        cx.render_marker(human, &active_marker(&e.employee_id, created), &carrier);
    // When the marker is cleared in a later `PUT` than the first, the first carries the
    // suspension record flagged `reactivating` (signed for the email it sets), so that a
    // run stopped in between still finds a record that verifies and that it honours on a
    // user who has its role back (README.md § Marker integrity).
    let record = Marker {
        employee_id: Some(e.employee_id.clone()),
        suspended: Some(Suspension {
            reactivating: true,
            ..s.clone()
        }),
        pending_termination: None,
        created,
    };
    let under_way = cx.render_marker(human, &record, &carrier);
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
            // The record as this run trusted it: the restore reads its refused methods.
            record: Some(Marker {
                employee_id: Some(e.employee_id.clone()),
                suspended: Some(s.clone()),
                pending_termination: None,
                created,
            }),
        }),
        _ => None,
    };
    // A stakeholder role held back by the user's duties blocks the reactivation: reactivated
    // without it, the rehire would keep the suspended role with its record gone, and no
    // later run would give the role (review e6). Nothing is written; the plan shows the
    // same block each night until the person is off the rota, and the next run reactivates.
    let blocked = (kept == Some(KeptOff::Rota)).then(|| Blocked {
        impact: cx.inp.oncall.users.get(&u.id).map(|i| i.rota()),
        lookahead_days: cx.inp.oncall.lookahead.days,
        refused: Vec::new(),
        removals_only: false,
        held: Some(Held::RehireStakeholderRole {
            role: role.to_string(),
        }),
    });
    let steps = ordered_steps(
        upd,
        removals,
        additions,
        restore_contacts,
        final_description,
        under_way,
    );
    let mut reason = reason(e, s, archived, &role);
    reason.push_str(&teams.reason_suffix(&role));
    let old = labels(cx, &current, None);
    let new = desired_labels(cx, desired);
    Action {
        user_id: Some(u.id.clone()),
        reason,
        changes,
        teams: (old != new).then_some(TeamsChange { old, new }),
        steps,
        refused_removals,
        oncall: stakeholder_duties(cx, u, &role),
        blocked,
        // A re-creation's record is the archive's, copied into the marker while the restore
        // is unfinished: the teams still come from the deletion archive.
        team_rules: teams.sources(
            cx,
            e,
            if s.from_archive.is_some() {
                TeamSource::DeletionArchive
            } else {
                TeamSource::SuspensionRecord
            },
        ),
        ..for_row(cx, ActionKind::Reactivate, e)
    }
}

/// The reactivation's requests in order: the team `removals`; then either one `PUT` of
/// `upd` with the marker cleared (`final_description`), or, when teams are added or
/// archived contacts restored (`restore_contacts`), the `PUT` of `upd`, the `additions`,
/// the restore, and the marker cleared last. `under_way` (the suspension record flagged
/// `reactivating`, signed for the email `upd` sets) goes with that first `PUT`.
fn ordered_steps(
    mut upd: UserUpdate,
    removals: Vec<Step>,
    additions: Vec<Step>,
    restore_contacts: Option<Step>,
    final_description: String,
    under_way: String,
) -> Vec<Step> {
    let mut steps = removals;
    if additions.is_empty() && restore_contacts.is_none() {
        upd.description = Some(final_description);
        steps.push(Step::UpdateUser(upd));
    } else {
        if !upd.is_empty() {
            upd.description = Some(under_way);
            steps.push(Step::UpdateUser(upd));
        }
        steps.extend(additions);
        steps.extend(restore_contacts);
        steps.push(Step::UpdateUser(UserUpdate {
            description: Some(final_description),
            ..UserUpdate::default()
        }));
    }
    steps
}

/// The reactivation's reason: a rehire or a return from leave restoring what suspension
/// `s` recorded, or the end of a restore from the archive (`archived`: the deleted user and
/// its record, if the archive has it); and a role the rules now give (`role`) other than
/// the recorded one.
fn reason(
    e: &Employee,
    s: &Suspension,
    archived: Option<(&UserId, Option<&ArchiveRecord>)>,
    role: &Role,
) -> String {
    let mut reason = match &archived {
        // A record holding a suspended role and no team (signed by
        // `--finish-marker-migration` without the restore an unsigned record claimed)
        // restores nothing: say so rather than promise a restore.
        None if s.teams.is_empty() && crate::vocab::SUSPENDED_ROLES.contains(&s.role) => {
            format!(
                "{}: {} in HR; the suspension of {} recorded no role or team to restore: role and teams are the rules'",
                if s.leave {
                    "return from leave"
                } else {
                    "rehire"
                },
                status_words(e),
                s.on
            )
        }
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
    // A record whose role is a suspended one (signed by `--finish-marker-migration` without
    // the restore an unsigned record claimed) says nothing about the role before.
    if *role != s.role && !crate::vocab::SUSPENDED_ROLES.contains(&s.role) {
        reason.push_str(&format!(
            " (rules now give role {role}; it was {} before suspension)",
            s.role
        ));
    }
    if archived.is_some() && !s.refused.is_empty() {
        let n = s.refused.len();
        reason.push_str(&format!(
            "; {n} archived contact method{} that PagerDuty refused in an earlier run (HTTP 400, reported then) {} not sent again: add {} by hand (the archive keeps {}: {})",
            plural(n, "", "s"),
            plural(n, "is", "are"),
            plural(n, "it", "them"),
            plural(n, "it", "them"),
            s.refused.iter().map(|id| id.as_str()).collect::<Vec<_>>().join(", "),
        ));
    }
    reason
}
