//! A rehire of an archived (deleted) person: the user is created again, under a new
//! PagerDuty ID, with what the archive holds.
//!
//! Steps, in order: `POST /users` carrying a marker whose `suspended` record names the
//! deleted user (`from_archive`), the archived role and teams; one `PUT` per team; the
//! archived contact methods and notification rules ([`Step::RestoreContacts`]); then the
//! marker without `suspended`, last. A crash anywhere leaves a user the next plan matches by
//! employee ID and sees as a rehire not yet finished, so the reactivation builder sends what
//! is still missing (the contact restore reads what exists first, so it is idempotent).

use super::{active_marker, change, desired_labels, for_row, restorable, status_words};
use crate::archive::ArchiveRecord;
use crate::hr::Employee;
use crate::ids::TeamId;
use crate::marker::{self, Marker, Suspension};
use crate::pagerduty::models::NewUser;
use crate::pagerduty::models::contact::ContactMethodType;
use crate::plan::context::Ctx;
use crate::plan::{Action, ActionKind, Field, Step, TeamSource, TeamsChange};
use crate::vocab::{Role, TeamRole};
use crate::words::plural;
use std::collections::BTreeMap;

/// The re-creation of active employee `e` from the archive record `r` of their deleted
/// user. Name, email, job title and time zone come from the export as on a create (the
/// archived job title when the export maps none, the archived time zone when it has none);
/// the role and the rule-governed teams from the rules; the other teams, the bio (the human
/// text of the description), the colour, the contact methods and notification rules from
/// the archive.
pub(in crate::plan) fn restore(cx: &Ctx<'_>, e: &Employee, r: &ArchiveRecord) -> Action {
    let role = cx.rules.role_for(e);
    let license = cx
        .licensing
        .for_create(&role, cx.licensing.named_for(cx.rules.role_rule_for(e)));
    let old = &r.user;
    let tz = e
        .time_zone
        .clone()
        .or_else(|| old.time_zone.clone())
        .unwrap_or_else(|| cx.policy.default_time_zone.clone());
    let job_title = if cx.policy.sync_job_title {
        e.job_title.clone()
    } else {
        old.job_title.clone().filter(|t| !t.trim().is_empty())
    };
    let human = marker::parse(old.description.as_deref()).human;
    let restoring = Marker {
        employee_id: Some(e.employee_id.clone()),
        suspended: Some(Suspension {
            on: r.deleted_on(),
            role: r.role.clone(),
            teams: r.teams.clone(),
            termination_date: None,
            leave: false,
            from_archive: Some(r.pagerduty_user_id.clone()),
            refused: Vec::new(),
            reactivating: false,
        }),
        pending_termination: None,
        // A re-creation is a create: the marker records the run's day.
        created: Some(cx.inp.today),
    };
    let final_description = cx.render_marker(
        &human,
        &active_marker(&e.employee_id, Some(cx.inp.today)),
        e.email.as_str(),
    );
    let teams = restorable(cx, e, &role, &r.teams);
    let mut changes = vec![
        change(Field::Name, None, Some(e.name.clone())),
        change(Field::Email, None, Some(e.email.to_string())),
        change(Field::Role, None, Some(role.to_string())),
    ];
    changes.extend(license.change);
    if let Some(t) = &job_title {
        changes.push(change(Field::JobTitle, None, Some(t.clone())));
    }
    changes.push(change(Field::TimeZone, None, Some(tz.clone())));
    changes.push(change(
        Field::Description,
        None,
        Some(final_description.clone()),
    ));
    let mut steps = vec![Step::CreateUser(NewUser {
        kind: "user".into(),
        name: e.name.clone(),
        email: e.email.to_string(),
        role: Some(role.clone()),
        time_zone: Some(tz),
        job_title,
        description: Some(cx.render_marker(&human, &restoring, e.email.as_str())),
        color: old.color.clone(),
        license: license.send,
    })];
    steps.extend(restore_steps(
        cx,
        r,
        &teams.desired,
        restoring,
        final_description,
    ));
    let mut reason = reason(cx, e, r, &role);
    reason.push_str(&teams.reason_suffix(&role));
    let new_teams = desired_labels(cx, &teams.desired);
    Action {
        reason,
        changes,
        teams: (!new_teams.is_empty()).then(|| TeamsChange {
            old: vec![],
            new: new_teams,
        }),
        steps,
        team_rules: teams.sources(cx, e, TeamSource::DeletionArchive),
        ..for_row(cx, ActionKind::Reactivate, e)
    }
}

/// The requests after the `POST /users`: one `PUT` per team of `desired`, the archived
/// contact methods and notification rules of record `r` (the user carrying marker
/// `restoring`, which the create writes), then the marker without `suspended`
/// (`final_description`), last.
fn restore_steps(
    cx: &Ctx<'_>,
    r: &ArchiveRecord,
    desired: &BTreeMap<TeamId, TeamRole>,
    restoring: Marker,
    final_description: String,
) -> Vec<Step> {
    let mut steps = Vec::new();
    for (id, team_role) in desired {
        steps.push(Step::SetTeamRole {
            team_id: id.clone(),
            team: cx.team_name(id),
            role: team_role.clone(),
        });
    }
    steps.push(Step::RestoreContacts {
        from_user: r.pagerduty_user_id.clone(),
        record: Some(restoring),
    });
    steps.push(Step::UpdateUser(crate::pagerduty::models::UserUpdate {
        description: Some(final_description),
        ..Default::default()
    }));
    steps
}

/// The rehire's reason: the deleted user of record `r` (ID, archived name and email, so
/// that a reader sees whom the archive takes the person for), what the archive restores, a role
/// the rules now give (`role`) other than the archived one, and the push contact methods
/// that are not restored.
fn reason(cx: &Ctx<'_>, e: &Employee, r: &ArchiveRecord, role: &Role) -> String {
    let push = r
        .contact_methods
        .iter()
        .filter(|m| m.kind == ContactMethodType::Push)
        .count();
    let mut reason = format!(
        "rehire: {} in HR; PagerDuty user {} ({:?}, {}) was deleted on {} and is re-created from the archive under a new PagerDuty ID (the ID changes), with {} contact {}, {} notification {} and {} {} recorded (role {} before deletion)",
        status_words(e),
        r.pagerduty_user_id,
        r.user.name,
        r.email,
        r.deleted_on_in(&cx.policy.default_time_zone),
        r.contact_methods.len(),
        plural(r.contact_methods.len(), "method", "methods"),
        r.notification_rules.len(),
        plural(r.notification_rules.len(), "rule", "rules"),
        r.teams.len(),
        plural(r.teams.len(), "team", "teams"),
        r.role,
    );
    if *role != r.role {
        reason.push_str(&format!("; rules now give role {role}"));
    }
    if push > 0 {
        reason.push_str(&format!(
            "; {push} push contact {} not restored: the PagerDuty mobile app makes them",
            plural(push, "method", "methods")
        ));
    }
    reason
}
