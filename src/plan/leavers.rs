//! The pass over users no employee decided: a user whose marker names an employee the
//! export does not list is a leaver (unless the account owner, the API key's own user,
//! protected, the `[pagerduty] from` user that creates need, or that employee's HR row has
//! a problem this run). A user without a marker is
//! unmanaged: left alone, noted when `[lifecycle] unmanaged_users = "report"`, and with
//! `"offboard"` (HR authoritative for everyone) deactivated like a leaver, with a suspension
//! record that names no employee, unless it is a user hr2pagerduty never writes, the
//! `[pagerduty] from` user that creates need, or an HR row with a problem names its email
//! (then it is listed as skipped). A user whose marker is present but not used (it does not
//! verify, cannot be read, or is unsigned and unconfirmed) and who still holds access may
//! be a leaver hiding behind an edited marker: a skip that needs a person, or with
//! `"offboard"` deactivated like an unmanaged user. Last, a leaver's row that found no user
//! while a user left alone has the leaver's name and holds access is a skip that needs a
//! person ([`leaver_namesakes`]).

use super::Tally;
use super::build::{LeaverReason, LeaverWhy, Record, deactivate, leave, sign};
use super::context::Ctx;
use super::duplicates::comparable;
use super::matching::Index;
use super::ownership::untouchable;
use super::skip::{LeftAlone, Skip, SkipCause};
use crate::config::UnmanagedUsers;
use crate::email::Email;
use crate::ids::UserId;
use crate::marker::{self, Marker, MarkerState};
use crate::pagerduty::models::User;
use crate::vocab::SUSPENDED_ROLES;
use std::collections::{BTreeMap, BTreeSet};

/// Plans every user of the account the employee pass did not decide.
pub(super) fn plan_users_without_row<'a>(cx: &mut Ctx<'a>, index: &'a Index<'a>, t: &mut Tally) {
    let inp = cx.inp;
    for u in inp.users {
        if t.handled.contains(index.slot(u)) {
            continue;
        }
        let marker = index.marker(u);
        let Some(eid) = marker.and_then(|m| m.employee_id.as_ref()) else {
            plan_unmanaged(cx, index, u, marker, t);
            continue;
        };
        if let Some((old, to)) = index.released(u) {
            let why = LeaverWhy::IdRenumberedAway {
                old: old.clone(),
                to: to.clone(),
            };
            offboard(
                cx,
                index,
                u,
                marker,
                LeaverReason {
                    why,
                    by_email: false,
                },
                t,
            );
            continue;
        }
        if cx.roster_ids.contains(eid) {
            continue;
        }
        let email = Email::normalise(&u.email);
        let protected_by_row =
            inp.roster.protected_ids.contains(eid) || inp.roster.protected_emails.contains(&email);
        let reason = if protected_by_row {
            Some(SkipCause::HrRowProblem)
        } else {
            untouchable(u, None, &cx.policy.protected, inp.key_owner)
                .map(SkipCause::Untouchable)
                .or_else(|| (email == cx.policy.from).then_some(SkipCause::FromUser))
        };
        if let Some(reason) = reason {
            t.out.skipped.push(Skip::user(eid, u, reason));
            continue;
        }
        t.managed.insert(index.slot(u));
        let why = LeaverReason {
            why: LeaverWhy::NotInExport(eid.clone()),
            by_email: false,
        };
        let human = index.human(u);
        match leave(
            cx,
            u,
            Some(eid),
            None,
            human,
            marker,
            Record::default(),
            why,
        ) {
            Some(a) => t.out.actions.push(a),
            None => match marker.and_then(|m| sign(cx, u, human, m, None)) {
                Some(a) => t.out.actions.push(a),
                None => t.out.unchanged += 1,
            },
        }
    }
}

/// A user with no marker naming an employee (none at all, or the suspension record of an
/// earlier offboarding) and no HR row. A user hr2pagerduty never writes is listed as
/// skipped when it holds access (a base role other than a suspended one, or a team), in
/// every mode. A user whose marker is present but not used (it
/// does not verify, cannot be read, or is unsigned and unconfirmed) is [`plan_unverified`]'s.
fn plan_unmanaged<'a>(
    cx: &mut Ctx<'a>,
    index: &'a Index<'a>,
    u: &'a User,
    record: Option<&'a Marker>,
    t: &mut Tally,
) {
    // A user hr2pagerduty never writes is listed as skipped, with the reason, whenever it
    // holds access (in every `unmanaged_users` mode, marker or not): "PagerDuty matches the
    // HR export" would hide it, and a leaver can set their own email to a protected address
    // no user held. Informational (left alone on purpose), not a skip that needs a person.
    // The `[pagerduty] from` user is the run's own sender, which every create names (and
    // `doctor` checks is a user), so no leaver can take its address: it is not listed.
    if let Some(why) = untouchable(u, None, &cx.policy.protected, cx.inp.key_owner) {
        let access = !SUSPENDED_ROLES.contains(&u.role) || !u.teams.is_empty();
        let from = Email::normalise(&u.email) == cx.policy.from;
        if (access && !from) || cx.policy.unmanaged_users == UnmanagedUsers::Offboard {
            t.out
                .skipped
                .push(Skip::unmanaged(u, SkipCause::Untouchable(why)));
        }
        return;
    }
    if matches!(index.state(u), MarkerState::Invalid(_)) {
        plan_unverified(cx, index, u, t);
        return;
    }
    match cx.policy.unmanaged_users {
        UnmanagedUsers::Ignore => {}
        UnmanagedUsers::Report => {
            t.out.notes.push(match record {
                None => format!(
                    "user {} ({}) has no ownership marker and no HR row; left alone (unmanaged)",
                    u.id, u.email
                ),
                Some(_) => format!(
                    "user {} ({}) carries the suspension record of an earlier offboarding and has no HR row; left alone (unmanaged)",
                    u.id, u.email
                ),
            });
        }
        UnmanagedUsers::Offboard => {
            let why = LeaverReason {
                why: LeaverWhy::UnmanagedOffboard,
                by_email: false,
            };
            offboard(cx, index, u, record, why, t);
        }
    }
}

/// Deactivates unmanaged user `u` (`record`: its offboarding record, if any; or a user
/// giving its marker's ID up under `--rekey-employee-ids`, `record` its marker) for `why`,
/// unless it is a user hr2pagerduty never writes, the `[pagerduty] from` user, or an HR
/// row with a problem names its email (then it is listed as skipped).
fn offboard<'a>(
    cx: &mut Ctx<'a>,
    index: &'a Index<'a>,
    u: &'a User,
    record: Option<&'a Marker>,
    why: LeaverReason,
    t: &mut Tally,
) -> Option<()> {
    let reason = match untouchable(u, None, &cx.policy.protected, cx.inp.key_owner) {
        Some(why) => Some(SkipCause::Untouchable(why)),
        None if Email::normalise(&u.email) == cx.policy.from => Some(SkipCause::FromUser),
        None => inp_row_problem(cx, u).then_some(SkipCause::HrRowProblem),
    };
    if let Some(reason) = reason {
        t.out.skipped.push(Skip::unmanaged(u, reason));
        return None;
    }
    t.managed.insert(index.slot(u));
    let human = index.human(u);
    match deactivate(cx, u, None, None, human, record, Record::default(), why) {
        Some(a) => t.out.actions.push(a),
        None => match record.and_then(|m| sign(cx, u, human, m, None)) {
            Some(a) => t.out.actions.push(a),
            None => t.out.unchanged += 1,
        },
    }
    Some(())
}

/// A user no HR row matched (neither by a marker that verifies nor by email) whose marker
/// is present but not used (noted by the index): its signature fails, it cannot be read
/// (several marker lines among them), or it is unsigned and unconfirmed. A leaver can edit
/// their own profile, so such a user that still holds access (a base role other than a
/// suspended one, or a team) may be a leaver hiding, whatever the marker claims: a skip
/// that needs a person in every `unmanaged_users` mode ([`untrusted_leaver`]), and with
/// `"offboard"` deactivated like any unmanaged user, its claim recorded in the action's
/// guard for the re-check. Left alone (the index's note only): a user already without
/// access, a user hr2pagerduty never writes, one whose marker claims an employee whose
/// HR row has a problem this run, and one an HR row's skip already names (its marker
/// blocks that employee's create, [`SkipCause::ClaimedByUnreadableMarker`]).
fn plan_unverified<'a>(cx: &mut Ctx<'a>, index: &'a Index<'a>, u: &'a User, t: &mut Tally) {
    let Some(cause) = untrusted_leaver(cx, index, u, t) else {
        return;
    };
    let claimed = marker::claimed_employee_id(u.description.as_deref());
    if cx.policy.unmanaged_users != UnmanagedUsers::Offboard {
        // The claim to an employee the export lists is named in the words only: the skip
        // is not that employee's.
        t.out.skipped.push(match (&claimed, &cause) {
            (Some(eid), SkipCause::UntrustedLeaverMarker { .. }) => Skip::user(eid, u, cause),
            _ => Skip::unmanaged(u, cause),
        });
        return;
    }
    let why = LeaverReason {
        why: LeaverWhy::UnverifiedOffboard(index.fault(u)),
        by_email: false,
    };
    let before = t.out.actions.len();
    if offboard(cx, index, u, None, why, t).is_some()
        && let Some(a) = t.out.actions.get_mut(before)
        && let Some(g) = a.guard.as_mut()
    {
        // The re-check reads an unused marker by what it claims: the same claim is no
        // marker added since the plan.
        g.claimed = claimed;
    }
}

/// Why `u`, whose marker the run does not use and which no HR row matched, is not left
/// alone: it still holds access (a base role other than a suspended one, or a team), is
/// not a user hr2pagerduty never writes, no HR row's skip names it already, and no HR row
/// with a problem names its email or the employee its marker seems to name. The cause is
/// [`SkipCause::UntrustedLeaverMarker`] when the marker seems to name an employee the
/// export does not list (a leaver whose marker was written before the key, or a forgery;
/// only a person can tell), else [`SkipCause::UnverifiedMarkerWithoutRow`] (a claim to a
/// listed employee, whose row matched another user, or no readable claim at all).
fn untrusted_leaver(cx: &Ctx<'_>, index: &Index<'_>, u: &User, t: &Tally) -> Option<SkipCause> {
    let claimed = marker::claimed_employee_id(u.description.as_deref());
    let inp = cx.inp;
    let access = !SUSPENDED_ROLES.contains(&u.role) || !u.teams.is_empty();
    if !access
        || claimed_in_a_skip(t, u)
        || claimed
            .as_ref()
            .is_some_and(|eid| inp.roster.protected_ids.contains(eid))
        || inp_row_problem(cx, u)
        || untouchable(u, None, &cx.policy.protected, inp.key_owner).is_some()
    {
        return None;
    }
    let fault = index.fault(u);
    Some(match claimed {
        Some(eid) if !cx.roster_ids.contains(&eid) => SkipCause::UntrustedLeaverMarker { fault },
        claimed_employee_id => SkipCause::UnverifiedMarkerWithoutRow {
            fault,
            claimed_employee_id,
        },
    })
}

/// True when an HR row's skip already names `u` among the users whose unused markers
/// claim its employee ([`SkipCause::ClaimedByUnreadableMarker`]): listed once, there.
fn claimed_in_a_skip(t: &Tally, u: &User) -> bool {
    t.out.skipped.iter().any(|s| {
        matches!(&s.reason, SkipCause::ClaimedByUnreadableMarker { users, .. } if users.contains(&u.id))
    })
}

/// True when an HR row with a problem this run names `u`'s email: its missing row is no
/// proof that HR does not list the person.
fn inp_row_problem(cx: &Ctx<'_>, u: &User) -> bool {
    cx.inp
        .roster
        .protected_emails
        .contains(&Email::normalise(&u.email))
}

/// The leaver rows that found no user ([`Tally::userless_leavers`]) while a user no HR row
/// matched, which the run leaves alone (never written, no marker naming an employee, or a
/// marker it does not use), has the leaver's name and still holds access: a skip that
/// needs a person on the row, naming that user ([`SkipCause::LeaverNamesake`]). A leaver
/// may edit their own profile: set their email to a protected address no user held, or
/// any other, and remove their marker, and the row would find nobody while they keep
/// their role and teams. Names compare as the same-person rule compares them
/// (`matching::evidence::same_person`: by the email, which cannot match here since the
/// row found nobody, or by the name as probable duplicates compare it). Not the `From`
/// user, nor a user this run already deactivates (`unmanaged_users = "offboard"`). One
/// skip per row and namesake, in the export's order and then by user ID; the row is
/// counted among the skipped instead of the unchanged.
pub(super) fn leaver_namesakes(cx: &Ctx<'_>, index: &Index<'_>, t: &mut Tally) {
    if t.userless_leavers.is_empty() {
        return;
    }
    let inp = cx.inp;
    let acted: BTreeSet<&UserId> = t
        .out
        .actions
        .iter()
        .filter_map(|a| a.user_id.as_ref())
        .collect();
    let mut namesakes: BTreeMap<String, Vec<(&User, LeftAlone)>> = BTreeMap::new();
    for u in inp.users {
        let access = !SUSPENDED_ROLES.contains(&u.role) || !u.teams.is_empty();
        if t.matched.contains(index.slot(u))
            || !access
            || acted.contains(&u.id)
            || Email::normalise(&u.email) == cx.policy.from
        {
            continue;
        }
        let left_alone = match untouchable(u, None, &cx.policy.protected, inp.key_owner) {
            Some(why) => LeftAlone::Untouchable(why),
            None if matches!(index.state(u), MarkerState::Invalid(_)) => {
                LeftAlone::Unverified(index.fault(u))
            }
            None if index.marker(u).is_none_or(|m| m.employee_id.is_none()) => LeftAlone::Unmarked,
            // A marker the run trusts: a leaver of its own, or an employee's user.
            None => continue,
        };
        let key = comparable(&u.name);
        if !key.is_empty() {
            namesakes.entry(key).or_default().push((u, left_alone));
        }
    }
    if namesakes.is_empty() {
        return;
    }
    for list in namesakes.values_mut() {
        list.sort_by(|a, b| a.0.id.cmp(&b.0.id));
    }
    let mut seen = BTreeSet::new();
    for e in &inp.roster.employees {
        if !t.userless_leavers.contains(&e.employee_id) || !seen.insert(&e.employee_id) {
            continue;
        }
        let Some(users) = namesakes.get(&comparable(&e.name)) else {
            continue;
        };
        for (u, left_alone) in users {
            let cause = SkipCause::LeaverNamesake {
                line: e.line,
                user: u.id.clone(),
                email: Email::normalise(&u.email),
                name: u.name.clone(),
                left_alone: *left_alone,
            };
            t.out.skipped.push(Skip::employee(e, Some(u), cause));
        }
        // Counted unchanged by its pass; now it is among the skipped.
        t.out.unchanged = t.out.unchanged.saturating_sub(1);
    }
}
