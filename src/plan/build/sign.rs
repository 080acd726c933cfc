//! A trusted marker signed again and nothing else: an update whose one step writes the
//! description (the one-time signing of a marker written before `PAGERDUTY_MARKER_KEY` was
//! set, or the re-signing of one signed with `PAGERDUTY_MARKER_KEY_PREVIOUS`). It changes
//! no role, so no safety cap counts it. Also the one builder of such a marker-only update
//! ([`marker_write`]), which the termination-pending stamp uses too.

use super::change;
use crate::email::Email;
use crate::ids::EmployeeId;
use crate::marker::Marker;
use crate::pagerduty::models::{User, UserUpdate};
use crate::plan::context::Ctx;
use crate::plan::{Action, ActionKind, Field, Step};

/// The action that signs `u`'s marker `m` (with human text `human`) with the current key,
/// when its marker is to be signed again ([`crate::plan::context::Ctx::resign`]) and no
/// other action of this run writes it. `line` is the HR line that decided the user, if
/// one did.
pub(in crate::plan) fn sign(
    cx: &Ctx<'_>,
    u: &User,
    human: &str,
    m: &Marker,
    line: Option<u64>,
) -> Option<Action> {
    let why = cx.resign.get(&u.id)?;
    let d = cx.render_marker(human, m, &u.email);
    if u.description.as_deref() == Some(d.as_str()) {
        return None;
    }
    // Signing decides no role and no team (none is set): nothing to explain beyond the
    // reason.
    Some(marker_write(
        u,
        d,
        m.employee_id.clone(),
        u.name.clone(),
        why.reason().to_string(),
        line,
    ))
}

/// The update whose one step writes `d` as `u`'s description, and nothing else (a marker
/// write alone: no role and no team, so no safety cap counts it): for `employee_id`, shown
/// as `name`, because of `reason`, decided by HR line `line` if one did. The signing of a
/// marker ([`sign`]) and the termination-pending stamp ([`super::stamp_pending`]).
pub(in crate::plan) fn marker_write(
    u: &User,
    d: String,
    employee_id: Option<EmployeeId>,
    name: String,
    reason: String,
    line: Option<u64>,
) -> Action {
    Action {
        employee_id,
        user_id: Some(u.id.clone()),
        reason,
        changes: vec![change(
            Field::Description,
            u.description.clone(),
            Some(d.clone()),
        )],
        steps: vec![Step::UpdateUser(UserUpdate {
            description: Some(d),
            ..UserUpdate::default()
        })],
        line,
        ..Action::new(ActionKind::Update, Email::normalise(&u.email), name)
    }
}
