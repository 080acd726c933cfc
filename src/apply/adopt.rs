//! Adopting the user a create found holding its email (the `POST`'s outcome was unknown,
//! or PagerDuty answered "Email has already been taken"): whether it may be adopted as this
//! employee's ([`adoption_refused`]), and the one update that brings it to the create's
//! state ([`adoption_update`]).

use super::NotAdoptable;
use crate::email::Email;
use crate::ids::{EmployeeId, UserId};
use crate::marker::{self, MarkerState};
use crate::pagerduty::models::{NewUser, User, UserUpdate};
use crate::plan::ownership::untouchable;
use std::collections::BTreeSet;

/// Why the user a create found holding its email may not be adopted as employee
/// `employee_id`'s, if it may not: the planner's owner/key-owner/protected rule first, then the
/// marker, which must be absent or name this employee.
pub fn adoption_refused(
    user: &User,
    employee_id: Option<&EmployeeId>,
    protected: &BTreeSet<Email>,
    key_owner: Option<&UserId>,
) -> Option<NotAdoptable> {
    if let Some(why) = untouchable(user, None, protected, key_owner) {
        return Some(NotAdoptable::Untouchable(why));
    }
    match marker::parse(user.description.as_deref()).marker {
        MarkerState::Absent => None,
        MarkerState::Valid(m) => match m.employee_id {
            // An offboarding record naming no employee counts as no marker, as at the
            // re-check: such a user is matched by email.
            None => None,
            Some(id) if Some(&id) == employee_id => None,
            Some(id) => Some(NotAdoptable::OtherEmployee(id)),
        },
        MarkerState::Invalid(_) => Some(NotAdoptable::UnreadableMarker),
    }
}

/// The partial update that brings `found`, a user a create adopted, to the create's state
/// `n`: the fields that differ (name, role, time zone, job title), the licence the create
/// names, and the description with the create's marker in place of any marker (the human
/// text kept). The email is the one looked up.
pub fn adoption_update(found: &User, n: &NewUser) -> UserUpdate {
    let differs = |want: &Option<String>, have: &Option<String>| {
        want.as_ref().filter(|w| Some(*w) != have.as_ref()).cloned()
    };
    // The create's marker line as the planner wrote it (signed when the run has a marker
    // key, README.md § Marker integrity), after the found user's human text.
    let line = n.description.as_deref().and_then(|d| {
        d.lines()
            .map(str::trim)
            .find(|l| l.starts_with(marker::PREFIX))
    });
    let description = match (marker::parse(n.description.as_deref()).marker, line) {
        (MarkerState::Valid(_), Some(line)) => {
            let human = marker::parse(found.description.as_deref()).human;
            Some(if human.is_empty() {
                line.to_string()
            } else {
                format!("{human}\n{line}")
            })
        }
        _ => n.description.clone(),
    };
    UserUpdate {
        name: (n.name != found.name).then(|| n.name.clone()),
        email: None,
        role: n.role.clone().filter(|r| *r != found.role),
        time_zone: differs(&n.time_zone, &found.time_zone),
        job_title: differs(&n.job_title, &found.job_title),
        description: differs(&description, &found.description),
        license: n.license.clone(),
    }
}
