//! A trusted marker signed again and nothing else: an update whose one step writes the
//! description (the one-time signing of a marker written before `PAGERDUTY_MARKER_KEY` was
//! set, or the re-signing of one signed with `PAGERDUTY_MARKER_KEY_PREVIOUS`). It changes
//! no role, so no safety cap counts it.

use super::change;
use crate::email::Email;
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
    Some(Action {
        employee_id: m.employee_id.clone(),
        user_id: Some(u.id.clone()),
        reason: why.reason().to_string(),
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
        // Signing decides no role and no team (none is set): nothing to explain beyond the
        // reason.
        ..Action::new(
            ActionKind::Update,
            Email::normalise(&u.email),
            u.name.clone(),
        )
    })
}
