//! A new hire: `POST /users` carrying the marker, then one `PUT` per team the rules give.

use super::{active_marker, change, desired_labels, for_row, ruled_teams, status_words};
use crate::archive::ArchiveRecord;
use crate::hr::Employee;

use crate::pagerduty::models::NewUser;
use crate::plan::context::Ctx;
use crate::plan::{Action, ActionKind, Field, Step, TeamsChange};

/// The create action for an active employee no user matches. `reused` is the archive
/// record of a deleted user whose marker named `e`'s employee ID but who is someone else
/// ([`crate::plan::matching::evidence::same_person`]): nothing of it is restored, and the reason says so.
pub(in crate::plan) fn create(
    cx: &Ctx<'_>,
    e: &Employee,
    reused: Option<&ArchiveRecord>,
) -> Action {
    let role = cx.rules.role_for(e);
    let license = cx
        .licensing
        .for_create(&role, cx.licensing.named_for(cx.rules.role_rule_for(e)));
    let tz = e
        .time_zone
        .clone()
        .unwrap_or_else(|| cx.policy.default_time_zone.clone());
    // The marker records the run's day (the as-of day), so that a run as of an earlier
    // day does not offboard the user for a termination date ([`Marker::created`]).
    let marker = active_marker(&e.employee_id, Some(cx.inp.today));
    let description = cx.render_marker("", &marker, e.email.as_str());
    let teams = ruled_teams(cx, e);
    let mut changes = vec![
        change(Field::Name, None, Some(e.name.clone())),
        change(Field::Email, None, Some(e.email.to_string())),
        change(Field::Role, None, Some(role.to_string())),
    ];
    changes.extend(license.change);
    if let Some(t) = &e.job_title {
        changes.push(change(Field::JobTitle, None, Some(t.clone())));
    }
    changes.push(change(Field::TimeZone, None, Some(tz.clone())));
    changes.push(change(Field::Description, None, Some(description.clone())));
    let mut steps = vec![Step::CreateUser(NewUser {
        kind: "user".into(),
        name: e.name.clone(),
        email: e.email.to_string(),
        role: Some(role),
        time_zone: Some(tz),
        job_title: e.job_title.clone(),
        description: Some(description),
        color: None,
        license: license.send,
    })];
    for (id, role) in &teams {
        steps.push(Step::SetTeamRole {
            team_id: id.clone(),
            team: cx.team_name(id),
            role: role.clone(),
        });
    }
    let new_teams = desired_labels(cx, &teams);
    let mut reason = format!(
        "new hire: {} in HR, no PagerDuty user with this employee ID or email",
        status_words(e)
    );
    if let Some(r) = reused {
        reason.push_str(&format!(
            "; the archive holds deleted user {} ({:?}, {}) under employee ID {}, but with another name and email, so this is another person who was given the ID: nothing is restored from that record",
            r.pagerduty_user_id, r.user.name, r.email, e.employee_id
        ));
    }
    Action {
        reason,
        changes,
        teams: (!new_teams.is_empty()).then(|| TeamsChange {
            old: vec![],
            new: new_teams,
        }),
        steps,
        ..for_row(cx, ActionKind::Create, e)
    }
}
