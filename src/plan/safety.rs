//! Change thresholds checked on a finished plan, before the first write.
//!
//! The most expensive failure in identity provisioning is mass deprovisioning from a bad
//! export (Okta pauses imports past 20% unassignments; Entra quarantines a job past a
//! deletion threshold). These checks refuse the whole run (exit 3); `plan` shows the same
//! refusal. README.md § Safety lists each check, its default and its override.

use super::{ActionKind, MarkerSignatures, Plan, SkipCause, Step};
use crate::config::{PERCENT_CAPS_MIN_USERS, SafetyCaps};
use crate::marker::{self, MarkerKeys, MarkerState, Verdict};
use crate::pagerduty::models::User;
use crate::vocab::Role;
use crate::words::plural;
use std::collections::{BTreeMap, BTreeSet};

mod trip;
pub use trip::{Allowance, CapKind, Drifted, Duplicate, Limit, SafetyTrip};

/// One-run overrides from the command line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Overrides {
    /// `--allow-deactivations N`: both deactivation caps become N for this run.
    pub allow_deactivations: Option<usize>,
    /// `--allow-role-changes N`: both role-change caps become N for this run.
    pub allow_role_changes: Option<usize>,
    /// `--allow-reactivations N`: both reactivation caps become N for this run.
    pub allow_reactivations: Option<usize>,
    /// `--allow-deletions N`: the deletion cap becomes N for this run.
    pub allow_deletions: Option<usize>,
    /// `--allow-probable-duplicates N`: the probable-duplicate cap becomes N for this run.
    pub allow_probable_duplicates: Option<usize>,
    /// `--allow-rekeys N`: both re-key caps become N for this run.
    pub allow_rekeys: Option<usize>,
    /// `--allow-new-marker-key`: signed markers of which none verifies do not refuse the run
    /// (a rotation whose previous key is lost).
    pub allow_new_marker_key: bool,
    /// `--allow-unsigned-run`: signed markers in the account do not refuse a run without
    /// PAGERDUTY_MARKER_KEY.
    pub allow_unsigned_run: bool,
    /// `--rekey-employee-ids` is given: the identity-drift refusal then says what still
    /// blocks the re-keys instead of advising the flag.
    pub rekey_employee_ids: bool,
}

/// How many examples a refusal lists.
const EXAMPLES: usize = 3;

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

/// The refusal for `count` changes of `cap` among `managed` users, if any: above the
/// override `allow` when given, else above the count cap `max`, else (above
/// [`PERCENT_CAPS_MIN_USERS`] managed users) above the percentage cap `max_percent`.
fn cap_check(
    cap: CapKind,
    (max, max_percent): (usize, f64),
    count: usize,
    managed: usize,
    allow: Option<usize>,
) -> Option<SafetyTrip> {
    let limit = if let Some(n) = allow {
        (count > n).then_some(Limit::Allowed(n))?
    } else if count > max {
        Limit::Count(max)
    } else if managed > PERCENT_CAPS_MIN_USERS && percent(count, managed) > max_percent {
        Limit::Percent {
            of: managed,
            max_percent,
        }
    } else {
        return None;
    };
    Some(SafetyTrip::Cap { cap, count, limit })
}

/// The refusal for `count` deletions, if any: a count cap only (`[safety] max_deletions`,
/// or `--allow-deletions N` in its place), since a deletion cannot be undone whatever the
/// account's size.
fn deletion_cap(count: usize, max: usize, allow: Option<usize>) -> Option<SafetyTrip> {
    let limit = match allow {
        Some(n) => Allowance::Allowed(n),
        None => Allowance::Setting(max),
    };
    let (Allowance::Allowed(n) | Allowance::Setting(n)) = limit;
    (count > n).then_some(SafetyTrip::Deletions { count, limit })
}

/// `1 deletion exceeds`, or `N deletions exceed`: the start of a cap's refusal.
fn exceed(n: usize, one: &str, many: &str) -> String {
    format!(
        "{} {}",
        count_of(n, one, many),
        plural(n, "exceeds", "exceed")
    )
}

/// [`count`] of a `usize`.
fn count_of(n: usize, one: &str, many: &str) -> String {
    count(n as u64, one, many)
}

/// Every threshold the plan exceeds ([`SafetyTrip`], each shown as a message naming the
/// setting and the override); empty when the plan may proceed.
///
/// The deactivation and deletion caps count the actions that will be attempted
/// ([`Plan::attempted`]): a deactivation or deletion blocked by on-call duties
/// ([`crate::oncall::check`]) sends nothing, so it takes no user away and does not count;
/// with `--allow-oncall-gaps` none is blocked, and every one counts.
pub fn check(plan: &Plan, safety: &SafetyCaps, overrides: Overrides) -> Vec<SafetyTrip> {
    let mut out = Vec::new();
    let managed = plan.population.managed_users;
    out.extend(cap_check(
        CapKind::Deactivations,
        (safety.max_deactivations, safety.max_deactivation_percent),
        plan.attempted(ActionKind::Deactivate),
        managed,
        overrides.allow_deactivations,
    ));
    out.extend(cap_check(
        CapKind::Reactivations,
        (safety.max_reactivations, safety.max_reactivation_percent),
        plan.count(ActionKind::Reactivate),
        managed,
        overrides.allow_reactivations,
    ));
    let role_changes = plan
        .actions
        .iter()
        .filter(|a| a.kind == ActionKind::Update && a.changes_role())
        .count();
    out.extend(cap_check(
        CapKind::RoleChanges,
        (safety.max_role_changes, safety.max_role_change_percent),
        role_changes,
        managed,
        overrides.allow_role_changes,
    ));
    out.extend(deletion_cap(
        plan.attempted(ActionKind::Delete),
        safety.max_deletions,
        overrides.allow_deletions,
    ));
    let rekeys = plan
        .actions
        .iter()
        .filter(|a| a.rekeyed_from.is_some())
        .count();
    out.extend(cap_check(
        CapKind::Rekeys,
        (safety.max_rekeys, safety.max_rekey_percent),
        rekeys,
        managed,
        overrides.allow_rekeys,
    ));
    out.extend(wrong_marker_key(plan, overrides));
    out.extend(missing_marker_key(plan, overrides));
    out.extend(probable_duplicates(plan, safety, overrides));
    out.extend(identity_drift(plan, safety, overrides.rekey_employee_ids));
    out.extend(
        plan.license_shortfalls
            .iter()
            .cloned()
            .map(SafetyTrip::License),
    );
    // Like the percentage caps, the shrink check applies only above 50 managed users: in a
    // small account one leaver is already a large share, and max_deactivations governs.
    let active = plan.population.managed_active_users;
    let hr = plan.population.hr_active;
    if managed > PERCENT_CAPS_MIN_USERS
        && active > 0
        && hr < active
        && percent(active - hr, active) > safety.max_shrink_percent
    {
        out.push(SafetyTrip::Shrink {
            hr,
            active,
            max_percent: safety.max_shrink_percent,
        });
    }
    out
}

/// The refusal when the account has signed markers and none of them verifies with the run's
/// keys: the key is then almost certainly not the one that signed them (a typo, another
/// account's secret), and such a run would treat every marker as forged and rewrite them
/// all under that key. A real rotation passes the old key in `PAGERDUTY_MARKER_KEY_PREVIOUS`;
/// `--allow-new-marker-key` is for one whose old key is lost.
///
/// Only more than [`FORGED_SIGNATURES_TOLERATED`] such markers refuse: users can write a
/// `sig` into their own profile, and a few forged ones must not halt every run. Up to that
/// many are treated as forged (ignored, reported, matched by email only).
fn wrong_marker_key(plan: &Plan, overrides: Overrides) -> Option<SafetyTrip> {
    wrong_key_for(plan.marker_signatures.as_ref()?, overrides)
}

/// `wrong_marker_key`'s rule and words for the counts `s`, wherever they were taken:
/// `apply --plan` counts the markers the account holds now ([`signatures_of`]) with the
/// apply's keys, since the saved plan's counts were taken with the keys of the `plan` run.
/// Also the refusal of a rotation left unfinished ([`SafetyTrip::UnfinishedRotation`]):
/// some markers verify while more than [`FORGED_SIGNATURES_TOLERATED`] fail, as after a
/// rotation stopped part-way whose previous key was then dropped; such a run would read
/// the markers still signed with the old key as forged and lose their suspension records.
/// `--allow-new-marker-key` lifts both (the old key lost).
///
/// The rotation refusal also needs the failing markers to be more than
/// [`ROTATION_FAILING_PERCENT`] of the signed ones: each user can break the `sig` of their
/// own marker, so a fixed count alone would let six users stop every nightly run (leavers
/// among them keeping their access; r10i 2), while a rotation stopped part-way leaves, as a
/// rule, a large share unsigned. Below that share the failing markers are read as forged
/// (matched by email, rewritten where the email is the HR row's).
pub fn wrong_key_for(s: &MarkerSignatures, overrides: Overrides) -> Option<SafetyTrip> {
    let failed = s.signed.saturating_sub(s.verified);
    if failed <= FORGED_SIGNATURES_TOLERATED || overrides.allow_new_marker_key {
        return None;
    }
    match s.verified {
        0 => Some(SafetyTrip::WrongMarkerKey(s.clone())),
        _ if failed * 100 > s.signed * ROTATION_FAILING_PERCENT => {
            Some(SafetyTrip::UnfinishedRotation(s.clone()))
        }
        _ => None,
    }
}

/// The share of the signed markers, in percent, that must fail (beside more than
/// [`FORGED_SIGNATURES_TOLERATED`]) for a run whose key verifies others to be refused as a
/// rotation stopped part-way ([`SafetyTrip::UnfinishedRotation`]).
pub const ROTATION_FAILING_PERCENT: usize = 10;

/// How the readable markers of `users` that carry a `sig` verify with `keys`, counted as the
/// planner counts them for [`Plan::marker_signatures`]: `signed` readable markers with a
/// `sig`, `verified` those that verify with the current or the previous key (bound or not),
/// the first failing users in listing order.
pub fn signatures_of(users: &[User], keys: &MarkerKeys) -> MarkerSignatures {
    let mut out = MarkerSignatures::default();
    for u in users {
        let p = marker::parse(u.description.as_deref());
        let (MarkerState::Valid(m), Some(sig)) = (&p.marker, p.sig.as_deref()) else {
            continue;
        };
        out.signed += 1;
        if keys.check(m, Some(sig), &u.email) == Verdict::Failed {
            out.note_failed(u);
        } else {
            out.verified += 1;
        }
    }
    out
}

/// The refusal for the run's marker keys alone (a wrong key, or none on a signed account),
/// also among [`check`]'s: a plan built on a key that cannot be right trusts or ignores
/// every marker wrongly, so the commands print this refusal instead of that plan.
pub fn marker_key_refusal(plan: &Plan, overrides: Overrides) -> Option<SafetyTrip> {
    wrong_marker_key(plan, overrides).or_else(|| missing_marker_key(plan, overrides))
}

/// How many signed markers that no key verifies (with a key), or that cannot be checked
/// (without one), a run treats as forged instead of refusing: up to 5, like
/// `[safety] max_identity_conflicts`'s default. Users can write a `sig` into their own
/// profile; an account that earlier runs really signed holds a marker on every managed user.
pub const FORGED_SIGNATURES_TOLERATED: usize = 5;

/// The refusal when the run has no marker key and the account holds signed markers: the
/// earlier runs signed them, so this run is missing its key (an unset variable, an optional
/// environment file that was not read), and without it every marker, forged ones included,
/// would be trusted as unsigned markers were before signing began.
fn missing_marker_key(plan: &Plan, overrides: Overrides) -> Option<SafetyTrip> {
    let n = plan.unchecked_signed_markers;
    if n <= FORGED_SIGNATURES_TOLERATED || overrides.allow_unsigned_run {
        return None;
    }
    Some(SafetyTrip::MissingMarkerKey {
        count: n,
        among: plan.unchecked_signed_users.clone(),
    })
}

/// The refusal for more probable duplicates than allowed, with the first examples. A
/// planned deactivation of a flagged create's namesake (an unmanaged user offboarded in the
/// same run, [`super::duplicates::offboarded_namesakes`]) counts too: a wrong email
/// template would otherwise create the duplicates and suspend the real people at once.
fn probable_duplicates(
    plan: &Plan,
    safety: &SafetyCaps,
    overrides: Overrides,
) -> Option<SafetyTrip> {
    let flagged: Vec<Duplicate> = plan
        .actions
        .iter()
        .filter_map(|a| {
            a.probable_duplicate.as_ref().map(|d| Duplicate {
                name: a.name.clone(),
                email: a.email.clone(),
                existing: d.clone(),
            })
        })
        .collect();
    let namesakes = super::duplicates::offboarded_namesakes(&plan.actions).count();
    let count = flagged.len() + namesakes;
    let (n, limit) = match overrides.allow_probable_duplicates {
        Some(n) => (n, Allowance::Allowed(n)),
        None => (
            safety.max_probable_duplicates,
            Allowance::Setting(safety.max_probable_duplicates),
        ),
    };
    if count <= n {
        return None;
    }
    Some(SafetyTrip::ProbableDuplicates {
        count,
        namesakes,
        limit,
        examples: flagged.into_iter().take(EXAMPLES).collect(),
    })
}

/// The refusal when many HR rows are skipped because the user their email finds carries a
/// marker naming another employee, because the user their marker finds has another email
/// while theirs is on another managed user ([`SkipCause::MarkerEmailConflict`]: IDs
/// renumbered onto old values), or because the user their marker finds has the email and
/// name of another row ([`SkipCause::EmployeeIdMoved`]: a person moved to another ID whose
/// old one HR gave to someone else): the employee IDs appear to have changed, and such a run
/// would match nobody and offboard nobody, or the wrong people. The share is taken of the managed users plus
/// those users (a user skipped this way is not counted as managed). A future hire not
/// provisioned yet ([`super::Skip::not_yet_hired`]) is not counted: nothing is done for it
/// today either way, and `--rekey-employee-ids` re-keys only rows acted on today.
fn identity_drift(plan: &Plan, safety: &SafetyCaps, rekey_given: bool) -> Option<SafetyTrip> {
    let conflicts: Vec<Drifted> = plan
        .skipped
        .iter()
        .filter(|s| !s.not_yet_hired)
        .filter_map(|s| match &s.reason {
            SkipCause::EmailOfAnotherEmployee {
                marker_employee_id, ..
            }
            | SkipCause::MarkerEmailConflict {
                holder_employee_id: marker_employee_id,
                ..
            } => Some(Drifted {
                old: marker_employee_id.clone(),
                new: s.employee_id.clone(),
                email: s.email.clone(),
            }),
            // The person of this row's old ID now on another: from this ID to that one,
            // under the email they kept.
            SkipCause::EmployeeIdMoved {
                email, moved_to, ..
            } => Some(Drifted {
                old: s.employee_id.clone()?,
                new: Some(moved_to.clone()),
                email: Some(email.clone()),
            }),
            _ => None,
        })
        .collect();
    let count = conflicts.len();
    let base = plan.population.managed_users + count;
    let limit = if count > safety.max_identity_conflicts {
        Limit::Count(safety.max_identity_conflicts)
    } else if base > PERCENT_CAPS_MIN_USERS
        && percent(count, base) > safety.max_identity_conflict_percent
    {
        Limit::Percent {
            of: base,
            max_percent: safety.max_identity_conflict_percent,
        }
    } else {
        return None;
    };
    // A person moved to another ID is counted on both rows (each is skipped), but named
    // once among the examples.
    let mut examples: Vec<Drifted> = Vec::new();
    for d in conflicts {
        if examples.len() == EXAMPLES {
            break;
        }
        if !examples.contains(&d) {
            examples.push(d);
        }
    }
    Some(SafetyTrip::IdentityDrift {
        count,
        limit,
        examples,
        rekey_given,
    })
}

/// The account abilities the plan's attempted actions need ([`Role::ability`], the rule
/// `doctor` checks the configuration with), each with the base roles that need it and the
/// emails of the users given each: the roles sent on `POST /users` and `PUT /users/{id}`
/// (a suspension's `suspended_role`, a rule's role, a restored role). Empty when none does,
/// and then the run need not read `GET /abilities`.
pub fn abilities_needed(plan: &Plan) -> BTreeMap<&'static str, BTreeMap<Role, Vec<&str>>> {
    let mut out: BTreeMap<&'static str, BTreeMap<Role, Vec<&str>>> = BTreeMap::new();
    for a in plan.actions.iter().filter(|a| a.attempted()) {
        let roles = a.steps.iter().filter_map(|s| match s {
            Step::CreateUser(u) => u.role.as_ref(),
            Step::UpdateUser(u) => u.role.as_ref(),
            _ => None,
        });
        for role in roles {
            if let Some(ability) = role.ability() {
                let emails = out
                    .entry(ability)
                    .or_default()
                    .entry(role.clone())
                    .or_default();
                if emails.last() != Some(&a.email.as_str()) {
                    emails.push(a.email.as_str());
                }
            }
        }
    }
    out
}

/// The refusal for each ability the plan needs ([`abilities_needed`]) that the account
/// lacks (`have`: the names `GET /abilities` lists). PagerDuty answers such a role change
/// 402 (code 2014) only at the suspension's last step, after the marker and the team
/// removals were written, so the run is refused before its first write instead.
pub fn missing_abilities(plan: &Plan, have: &BTreeSet<String>) -> Vec<SafetyTrip> {
    abilities_needed(plan)
        .into_iter()
        .filter(|(ability, _)| !have.contains(*ability))
        .map(|(ability, roles)| {
            let users: BTreeSet<&str> = roles.values().flatten().copied().collect();
            SafetyTrip::MissingAbility {
                ability,
                roles: roles.into_keys().collect(),
                users: users.into_iter().map(str::to_string).collect(),
            }
        })
        .collect()
}

/// `n` and the word for it: `1 user`, `2 users`.
fn count(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n: u64 = n.into();
    format!("{n} {}", plural(n, one, many))
}

#[cfg(test)]
mod tests;
