//! The checks that leave a row's user alone, or hold back a create, where writing it could
//! hand access to the wrong person or bring a deleted leaver back: a lost archive, an
//! adoption by email only that raises access, a match by a marker a run without the key
//! cannot check, a date conflict on an unverified marker, a
//! user suspended by someone else, and whether a re-key may take a user over.

use super::Target;
use crate::email::Email;
use crate::hr::Employee;
use crate::ids::EmployeeId;
use crate::marker;
use crate::pagerduty::models::User;
use crate::plan::Tally;
use crate::plan::adoption::{Wanted, adoption_by_email, adoption_raise, another_name};
use crate::plan::context::Ctx;
use crate::plan::dated::{Dated, Standing};
use crate::plan::matching::{Index, Resign};
use crate::plan::skip::{MarkerFault, SkipCause, UnverifiedMarker};
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
/// email without a trusted marker, or an unsigned marker the email confirms, also under
/// `--finish-marker-migration`) in an account whose markers are signed
/// ([`Index::signed_account`]), and taking it over would raise its access by the one rule
/// the executor reads too ([`adoption_raise`]): users can set their own email, so one who
/// takes a new hire's address would be given the hire's access (README.md § Marker
/// integrity). So is one whose user's name is not the row's ([`another_name`]), whatever
/// it raises: the user would be signed as the employee and given all HR gives it later. So
/// is one of the row's name ([`adoption_by_email`]: the name is self-editable too) unless
/// `--allow-adoption-by-email` ([`crate::plan::Policy::allow_adoption_by_email`]), under
/// which an adoption of a user of the row's name that raises nothing still happens; so
/// does every adoption of an account not signed yet (the first run with the key).
pub(super) fn unconfirmed_adoption(
    cx: &mut Ctx<'_>,
    index: &Index<'_>,
    e: &Employee,
    u: &User,
    target: &Target<'_>,
) -> Option<SkipCause> {
    // Without the key in an account that is, or was, signed, no marker is checked: a
    // match by marker proves no more than the email does.
    let unchecked = index.unchecked_signed_account();
    let by_email_only = match index.marker(u) {
        None => target.matched_by_email,
        Some(_) if unchecked => true,
        // An unsigned marker the email confirms proves no more than the email does, with
        // `--finish-marker-migration` too: the flag signs such markers, it never lets one
        // raise its user's access in a signed account.
        Some(_) => cx.resign.get(&u.id) == Some(&Resign::Unsigned),
    };
    if !(index.signed_account() || unchecked) || !by_email_only {
        return None;
    }
    let current = cx.memberships(u);
    let mut wants = Vec::new();
    for (team, want) in cx.rules.teams_for(e) {
        if want.role == TeamRole::Manager && current.get(&team).is_some_and(|m| m.role.is_none()) {
            // Its members were not read: ask for them, and count it as given until known.
            cx.needs.insert(team.clone());
        }
        wants.push(Wanted {
            team: cx.team_name(&team),
            team_id: team,
            role: want.role,
        });
    }
    let has = current.into_iter().map(|(t, m)| (t, m.role)).collect();
    let raise = adoption_raise(&u.role, &has, &cx.rules.role_for(e), &wants);
    // Whatever tonight raises, a user under another name than the row's is not taken
    // over by its email: it would be signed as the employee, and given all HR gives the
    // employee on later nights.
    if let Some(other) = another_name(&u.id, &u.name, &u.email, &e.name, raise.clone()) {
        return Some(other);
    }
    // The name is self-editable too: in a signed account the email and the name alone
    // never make an adoption without a person, unless `--allow-adoption-by-email` says a
    // person checked. (A match by a marker a keyless run cannot check keeps its own skip;
    // an unsigned marker `--finish-marker-migration` signs keeps the migration's rule.)
    let signed = index.signed_account() || target.matched_by_email;
    let finishing = cx.policy.finish_marker_migration && index.marker(u).is_some();
    if signed && !finishing && !cx.policy.allow_adoption_by_email {
        return Some(adoption_by_email(&u.id, &u.email, raise));
    }
    let raise = raise?;
    Some(match unchecked && !target.matched_by_email {
        true => SkipCause::UncheckedMarkerWithoutKey {
            user: u.id.clone(),
            user_email: None,
            raise: Some(Box::new(raise)),
        },
        false => raise,
    })
}

/// The skip of employed `e`'s user `u`, found by its marker in a run without the key while
/// markers of the account carry a `sig` ([`Index::unchecked_signed_account`]), when its
/// email is not the HR row's: the marker cannot be checked, and a user who writes a new
/// hire's employee ID into their own marker would otherwise be given the hire's email (and
/// then its role and teams), and the next keyed run would sign the forgery (README.md §
/// Marker integrity). A match the email confirms is guarded as an adoption by email
/// ([`unconfirmed_adoption`]).
pub(super) fn unchecked_marker_email_change(
    index: &Index<'_>,
    e: &Employee,
    u: &User,
    target: &Target<'_>,
) -> Option<SkipCause> {
    (index.unchecked_signed_account()
        && !target.matched_by_email
        && !e.email.is_normal_form_of(&u.email))
    .then(|| SkipCause::UncheckedMarkerWithoutKey {
        user: u.id.clone(),
        user_email: Some(Email::normalise(&u.email)),
        raise: None,
    })
}

/// The skip of `e`'s row (standing `d`, not a leaver's) whose user `u`, found by its email, carries a
/// marker whose signature fails while it seems to name another employee (listed in the
/// export or not). Matching treats such a marker as absent, so that a leaver who forges a
/// claim is still deactivated by its own row; but a user who sets their own email to a new
/// hire's address breaks the signature of their marker (the email is signed): adopted, it
/// would be given the hire's access and its marker signed again as the hire's, while the
/// employee it names escapes its deactivation or is created a second time. Nothing is
/// written: the claim keeps blocking a create of the employee it names.
pub(super) fn foreign_unverified_claim(
    index: &Index<'_>,
    e: &Employee,
    u: &User,
    target: &Target<'_>,
    d: &Dated,
) -> Option<SkipCause> {
    if matches!(d.standing, Standing::Leaver(_))
        || !target.matched_by_email
        || index.marker(u).is_some()
        || index.fault(u) != MarkerFault::SignatureInvalid
    {
        return None;
    }
    let claimed = marker::claimed_employee_id(u.description.as_deref())
        .filter(|other| *other != e.employee_id)?;
    Some(SkipCause::EmailOfAnotherUnreadableMarker {
        user: u.id.clone(),
        claimed_employee_id: claimed,
        fault: MarkerFault::SignatureInvalid,
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
    // `--finish-marker-migration`: an unsigned marker its HR row confirms (trusted, so
    // read) is taken as the first run with the key takes it, stamp and all.
    let finishing = cx.policy.finish_marker_migration
        && marker == UnverifiedMarker::Unsigned
        && index.marker(u).is_some();
    (employed && access && index.migrated() && !finishing).then_some(
        SkipCause::PastTerminationUnverified {
            termination_date,
            catch_up_days: cx.policy.termination_catch_up_days,
            marker,
        },
    )
}

/// True for the base roles that leave a user unable to respond: the stakeholder roles and
/// `restricted_access` (PAGERDUTY_API.md §3.2), as a suspension by someone else would.
pub(super) fn suspends(role: &Role) -> bool {
    role.is_stakeholder() || *role == Role::RestrictedAccess
}

/// Whether `e`'s row may take over user `u`, whose marker names `old`, under
/// `--rekey-employee-ids`: the export no longer lists `old` (not even on a row with a
/// problem), or matching re-keys `u` to `e` although it does ([`Index::overlap_rekey`]:
/// IDs reversed, shuffled, shifted); `e`'s email is on no row with a problem (so it names
/// exactly one HR row), and `u` is not already settled (a duplicate marker).
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
        && (!cx.roster_ids.contains(old) || index.overlap_rekey(u) == Some(&e.employee_id))
        && !roster.protected_ids.contains(old)
        && !roster.protected_emails.contains(&e.email)
}
