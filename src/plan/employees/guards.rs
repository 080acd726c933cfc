//! The checks that leave a row's user alone, or hold back a create, where writing it could
//! hand access to the wrong person or bring a deleted leaver back: a lost archive, an
//! adoption by email only that raises access, a date conflict on an unverified marker, a
//! user suspended by someone else, and whether a re-key may take a user over.

use super::Target;
use crate::hr::Employee;
use crate::ids::EmployeeId;
use crate::pagerduty::models::User;
use crate::plan::Tally;
use crate::plan::context::Ctx;
use crate::plan::dated::{Dated, Standing};
use crate::plan::matching::{Index, Resign};
use crate::plan::skip::SkipCause;
use crate::vocab::{Role, SUSPENDED_ROLES, TeamRole};

/// True when employee `e`, employed today with no user, carries a termination date that
/// has passed (and is not before its hire date) while the configured archive file does not
/// exist: a deleted leaver whose record was lost would be created as a new user with an
/// invitation, so no create is made.
pub(super) fn unarchived_leaver(cx: &Ctx<'_>, e: &Employee) -> bool {
    cx.inp.archive.missing()
        && e.termination_date
            .is_some_and(|t| t < cx.inp.today && e.hire_date.is_none_or(|h| t >= h))
}

/// The skip of employed `e`'s user `u` when only its email ties it to `e` (matched by
/// email without a trusted marker, or an unsigned marker the email confirms) in an account
/// whose markers are signed ([`Index::migrated`]), and taking it over would raise its base
/// role ([`Role::raised_to`]) or give it the manager role on a team: users can set their
/// own email, so one who takes a new hire's address would be given the hire's access
/// (README.md § Marker integrity). An adoption that raises nothing still happens; so does
/// every adoption of an account not migrated yet (the first run with the key).
pub(super) fn unconfirmed_adoption(
    cx: &mut Ctx<'_>,
    index: &Index<'_>,
    e: &Employee,
    u: &User,
    target: &Target<'_>,
) -> Option<SkipCause> {
    let by_email_only = match index.marker(u) {
        None => target.matched_by_email,
        Some(_) => cx.resign.get(&u.id) == Some(&Resign::Unsigned),
    };
    if !index.migrated() || !by_email_only {
        return None;
    }
    let to = cx.rules.role_for(e);
    let current = cx.memberships(u);
    let mut manager_on = Vec::new();
    for (team, want) in cx.rules.teams_for(e) {
        if want.role != TeamRole::Manager {
            continue;
        }
        let has = current.get(&team).map(|m| m.role.clone());
        if has == Some(None) {
            // Its members were not read: ask for them, and count it as given until known.
            cx.needs.insert(team.clone());
        }
        if has != Some(Some(TeamRole::Manager)) {
            manager_on.push(cx.team_name(&team));
        }
    }
    (u.role.raised_to(&to) || !manager_on.is_empty()).then(|| SkipCause::UnconfirmedAdoption {
        from: u.role.clone(),
        to,
        manager_on,
    })
}

/// The skip of an employee kept on by a date conflict (`d.conflict`: a termination date
/// older than the catch-up days, which the status decides) whose user `u`'s marker does not
/// verify ([`Index::unverified`]: missing, unsigned, edited) in an account whose markers do
/// ([`Index::migrated`]). A termination blocked on its date stays due past the catch-up days
/// only by the signed stamp in the user's marker, and a leaver may edit their own profile:
/// replacing the marker with an unsigned one naming their employee ID (trusted by its
/// email, then signed again without the stamp) or deleting it (matched by email) would
/// otherwise keep them active for good, listed only as a date conflict. Such a user is
/// never written or kept silently while it holds access: a skip that needs a person,
/// settled in HR.
pub(super) fn unproven_stale_termination(
    cx: &Ctx<'_>,
    index: &Index<'_>,
    u: &User,
    d: &Dated,
) -> Option<SkipCause> {
    let termination_date = d.conflict?;
    let employed = matches!(d.standing, Standing::Employed { .. });
    // A user already without access (a suspended role, no team) keeps nothing it should
    // lose: the row decides as for any conflict.
    let access = !SUSPENDED_ROLES.contains(&u.role) || !u.teams.is_empty();
    let marker = index.unverified(u)?;
    (employed && access && index.migrated()).then_some(SkipCause::PastTerminationUnverified {
        termination_date,
        catch_up_days: cx.policy.termination_catch_up_days,
        marker,
    })
}

/// True for the base roles that leave a user unable to respond: the stakeholder roles and
/// `restricted_access` (PAGERDUTY_API.md §3.2), as a suspension by someone else would.
pub(super) fn suspends(role: &Role) -> bool {
    role.is_stakeholder() || *role == Role::RestrictedAccess
}

/// Whether `e`'s row may take over user `u`, whose marker names `old`, under
/// `--rekey-employee-ids`: the export no longer lists `old` (not even on a row with a
/// problem), `e`'s email is on no row with a problem (so it names exactly one HR row), and
/// `u` is not already settled (a duplicate marker).
pub(super) fn rekeyable(
    cx: &Ctx<'_>,
    index: &Index<'_>,
    t: &Tally,
    e: &Employee,
    u: &User,
    old: &EmployeeId,
) -> bool {
    let roster = cx.inp.roster;
    cx.policy.rekey_employee_ids
        && !t.handled.contains(index.slot(u))
        && !cx.roster_ids.contains(old)
        && !roster.protected_ids.contains(old)
        && !roster.protected_emails.contains(&e.email)
}
