//! Change thresholds checked on a finished plan, before the first write.
//!
//! The most expensive failure in identity provisioning is mass deprovisioning from a bad
//! export (Okta pauses imports past 20% unassignments; Entra quarantines a job past a
//! deletion threshold). These checks refuse the whole run (exit 3); `plan` shows the same
//! refusal. README.md § Safety lists each check, its default and its override.

use super::{ActionKind, LicenseShortfall, MarkerSignatures, Plan, SkipCause, Step};
use crate::config::{PERCENT_CAPS_MIN_USERS, SafetyCaps};
use crate::email::Email;
use crate::marker::{self, MarkerKeys, MarkerState, Verdict};
use crate::pagerduty::models::User;
use crate::vocab::Role;
use crate::words::plural;
use std::collections::{BTreeMap, BTreeSet};

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

/// One cap family (deactivations or role changes) and its settings.
struct Cap<'a> {
    /// What is counted, plural (`deactivations`).
    what: &'a str,
    /// The same, singular (`deactivation`), for a count of 1.
    one: &'a str,
    /// The `[safety]` key of the count cap.
    key: &'a str,
    /// The `[safety]` key of the percentage cap (not `key` + `_percent`: the keys are
    /// `max_deactivations` and `max_deactivation_percent`).
    percent_key: &'a str,
    flag: &'a str,
    max: usize,
    max_percent: f64,
}

impl Cap<'_> {
    /// The refusal for `count` such changes among `managed` users, if any.
    fn check(&self, count: usize, managed: usize, allow: Option<usize>) -> Option<String> {
        let Cap {
            what,
            one,
            key,
            percent_key,
            flag,
            max,
            max_percent,
        } = *self;
        if let Some(n) = allow {
            return (count > n).then(|| {
                format!(
                    "{} {flag} {n}; review the plan and raise it if this is intended",
                    exceed(count, one, what)
                )
            });
        }
        if count > max {
            return Some(format!(
                "{} [safety] {key} = {max}; review the plan, then rerun with {flag} {count}",
                exceed(count, one, what)
            ));
        }
        let pct = percent(count, managed);
        if managed > PERCENT_CAPS_MIN_USERS && pct > max_percent {
            return Some(format!(
                "{} {} {pct:.1}% of the {managed} users hr2pagerduty manages, above [safety] {percent_key} = {max_percent}; review the plan, then rerun with {flag} {count}",
                count_of(count, one, what),
                plural(count, "is", "are")
            ));
        }
        None
    }
}

/// The refusal for `count` deletions, if any: a count cap only (`[safety] max_deletions`,
/// or `--allow-deletions N` in its place), since a deletion cannot be undone whatever the
/// account's size.
fn deletion_cap(count: usize, max: usize, allow: Option<usize>) -> Option<String> {
    match allow {
        Some(n) => (count > n).then(|| {
            format!("{} --allow-deletions {n}; review the plan and raise it if this is intended", exceed(count, "deletion", "deletions"))
        }),
        None => (count > max).then(|| {
            format!(
                "{} [safety] max_deletions = {max}; a deletion cannot be undone (the archive re-creates a rehire under a new PagerDuty ID): review the plan, then rerun with --allow-deletions {count}",
                exceed(count, "deletion", "deletions")
            )
        }),
    }
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

/// Every threshold the plan exceeds, as a message naming the setting and the override;
/// empty when the plan may proceed.
///
/// The deactivation and deletion caps count the actions that will be attempted
/// ([`Plan::attempted`]): a deactivation or deletion blocked by on-call duties
/// ([`crate::oncall::check`]) sends nothing, so it takes no user away and does not count;
/// with `--allow-oncall-gaps` none is blocked, and every one counts.
pub fn check(plan: &Plan, safety: &SafetyCaps, overrides: Overrides) -> Vec<String> {
    let mut out = Vec::new();
    let managed = plan.population.managed_users;
    let deactivations = plan.attempted(ActionKind::Deactivate);
    let deactivation_cap = Cap {
        what: "deactivations",
        one: "deactivation",
        key: "max_deactivations",
        percent_key: "max_deactivation_percent",
        flag: "--allow-deactivations",
        max: safety.max_deactivations,
        max_percent: safety.max_deactivation_percent,
    };
    out.extend(deactivation_cap.check(deactivations, managed, overrides.allow_deactivations));
    let reactivation_cap = Cap {
        what: "reactivations",
        one: "reactivation",
        key: "max_reactivations",
        percent_key: "max_reactivation_percent",
        flag: "--allow-reactivations",
        max: safety.max_reactivations,
        max_percent: safety.max_reactivation_percent,
    };
    out.extend(reactivation_cap.check(
        plan.count(ActionKind::Reactivate),
        managed,
        overrides.allow_reactivations,
    ));
    let role_changes = plan
        .actions
        .iter()
        .filter(|a| a.kind == ActionKind::Update && a.changes_role())
        .count();
    let role_cap = Cap {
        what: "role changes",
        one: "role change",
        key: "max_role_changes",
        percent_key: "max_role_change_percent",
        flag: "--allow-role-changes",
        max: safety.max_role_changes,
        max_percent: safety.max_role_change_percent,
    };
    out.extend(role_cap.check(role_changes, managed, overrides.allow_role_changes));
    out.extend(deletion_cap(
        plan.attempted(ActionKind::Delete),
        safety.max_deletions,
        overrides.allow_deletions,
    ));
    let rekey_cap = Cap {
        what: "re-keyed markers",
        one: "re-keyed marker",
        key: "max_rekeys",
        percent_key: "max_rekey_percent",
        flag: "--allow-rekeys",
        max: safety.max_rekeys,
        max_percent: safety.max_rekey_percent,
    };
    out.extend(
        rekey_cap.check(
            plan.actions
                .iter()
                .filter(|a| a.rekeyed_from.is_some())
                .count(),
            managed,
            overrides.allow_rekeys,
        ),
    );
    out.extend(wrong_marker_key(plan, overrides));
    out.extend(missing_marker_key(plan, overrides));
    out.extend(probable_duplicates(plan, safety, overrides));
    out.extend(identity_drift(plan, safety));
    out.extend(plan.license_shortfalls.iter().map(license_words));
    // Like the percentage caps, the shrink check applies only above 50 managed users: in a
    // small account one leaver is already a large share, and max_deactivations governs.
    let active = plan.population.managed_active_users;
    let hr = plan.population.hr_active;
    if managed > PERCENT_CAPS_MIN_USERS && active > 0 && hr < active {
        let shrink = percent(active - hr, active);
        if shrink > safety.max_shrink_percent {
            out.push(format!(
                "the export lists {hr} active employees, {shrink:.1}% fewer than the {active} active users hr2pagerduty manages, above [safety] max_shrink_percent = {}; is the export truncated? If the drop is real, raise max_shrink_percent for this run's config",
                safety.max_shrink_percent
            ));
        }
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
fn wrong_marker_key(plan: &Plan, overrides: Overrides) -> Option<String> {
    wrong_key_for(plan.marker_signatures.as_ref()?, overrides)
}

/// [`wrong_marker_key`]'s rule and words for the counts `s`, wherever they were taken:
/// `apply --plan` counts the markers the account holds now ([`signatures_of`]) with the
/// apply's keys, since the saved plan's counts were taken with the keys of the `plan` run.
pub fn wrong_key_for(s: &MarkerSignatures, overrides: Overrides) -> Option<String> {
    if s.signed <= FORGED_SIGNATURES_TOLERATED || s.verified > 0 || overrides.allow_new_marker_key {
        return None;
    }
    Some(format!(
        "none of the {} signed ownership markers in PagerDuty verifies with PAGERDUTY_MARKER_KEY (or PAGERDUTY_MARKER_KEY_PREVIOUS), among them {}: the key is probably wrong. Check that it is the secret the earlier runs used (compare `printf %s \"$PAGERDUTY_MARKER_KEY\" | sha256sum` on both sides); when rotating, set the old key in PAGERDUTY_MARKER_KEY_PREVIOUS; only if the old key is lost, rerun with --allow-new-marker-key (every signed marker is then treated as unreadable: matched by email and rewritten under the new key)",
        s.signed,
        s.failing_words()
    ))
}

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
pub fn marker_key_refusal(plan: &Plan, overrides: Overrides) -> Option<String> {
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
fn missing_marker_key(plan: &Plan, overrides: Overrides) -> Option<String> {
    let n = plan.unchecked_signed_markers;
    if n <= FORGED_SIGNATURES_TOLERATED || overrides.allow_unsigned_run {
        return None;
    }
    let among = plan
        .unchecked_signed_users
        .iter()
        .map(|f| format!("{} ({})", f.user_id, f.email))
        .collect::<Vec<_>>()
        .join(", ");
    Some(format!(
        "PAGERDUTY_MARKER_KEY is not set, but {n} ownership markers in PagerDuty are signed (among them {among}): earlier runs used a key, and without it this run cannot tell a forged marker from a genuine one. Give the secret the earlier runs used with --marker-key-file FILE or PAGERDUTY_MARKER_KEY (check that the scheduler passes it); only to stop signing on purpose, rerun with --allow-unsigned-run (every marker is then trusted unchecked)"
    ))
}

/// The refusal for more probable duplicates than allowed, with the first examples. A
/// planned deactivation of a flagged create's namesake (an unmanaged user offboarded in the
/// same run, [`super::duplicates::offboarded_namesakes`]) counts too: a wrong email
/// template would otherwise create the duplicates and suspend the real people at once.
fn probable_duplicates(plan: &Plan, safety: &SafetyCaps, overrides: Overrides) -> Option<String> {
    let flagged: Vec<_> = plan
        .actions
        .iter()
        .filter_map(|a| a.probable_duplicate.as_ref().map(|d| (a, d)))
        .collect();
    let namesakes = super::duplicates::offboarded_namesakes(&plan.actions).count();
    let creates = flagged.len();
    let count = creates + namesakes;
    let (limit, setting) = match overrides.allow_probable_duplicates {
        Some(n) => (n, format!("--allow-probable-duplicates {n}")),
        None => (
            safety.max_probable_duplicates,
            format!(
                "[safety] max_probable_duplicates = {}",
                safety.max_probable_duplicates
            ),
        ),
    };
    if count <= limit {
        return None;
    }
    let examples: Vec<String> = flagged
        .iter()
        .take(EXAMPLES)
        .map(|(a, d)| {
            format!(
                "{:?} <{}> would duplicate {} <{}>",
                a.name, a.email, d.user_id, d.email
            )
        })
        .collect();
    Some(format!(
        "{} the name of an existing PagerDuty user that no HR row matched, above {setting} (probable duplicates, each sent an invitation: is [hr] email_template or the email domain wrong?); e.g. {}; if they are new people, rerun with --allow-probable-duplicates {count}",
        match (creates, namesakes) {
            (1, 0) => "1 planned create has".to_string(),
            (n, 0) => format!("{n} planned creates have"),
            (n, m) => format!(
                "{count} probable duplicates: {n} planned {} whose namesakes, offboarded as unmanaged users in the same run, are {m} of the planned deactivations; the creates have",
                crate::words::plural(n, "create", "creates")
            ),
        },
        examples.join(", ")
    ))
}

/// The refusal when many HR rows are skipped because the user their email finds carries a
/// marker naming another employee, or because the user their marker finds has another email
/// while theirs is on another managed user ([`SkipCause::MarkerEmailConflict`]: IDs
/// renumbered onto old values): the employee IDs appear to have changed, and such a run
/// would match nobody and offboard nobody, or the wrong people. The share is taken of the managed users plus
/// those users (a user skipped this way is not counted as managed). A future hire not
/// provisioned yet ([`super::Skip::not_yet_hired`]) is not counted: nothing is done for it
/// today either way, and `--rekey-employee-ids` re-keys only rows acted on today.
fn identity_drift(plan: &Plan, safety: &SafetyCaps) -> Option<String> {
    let conflicts: Vec<_> = plan
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
            } => Some((s, marker_employee_id)),
            _ => None,
        })
        .collect();
    let count = conflicts.len();
    let base = plan.population.managed_users + count;
    let pct = percent(count, base);
    let over = if count > safety.max_identity_conflicts {
        format!(
            "above [safety] max_identity_conflicts = {}",
            safety.max_identity_conflicts
        )
    } else if base > PERCENT_CAPS_MIN_USERS && pct > safety.max_identity_conflict_percent {
        format!(
            "{pct:.1}% of {base} managed users, above [safety] max_identity_conflict_percent = {}",
            safety.max_identity_conflict_percent
        )
    } else {
        return None;
    };
    let examples: Vec<String> = conflicts
        .iter()
        .take(EXAMPLES)
        .map(|(s, old)| {
            format!(
                "old ID {old}, new ID {}, {}",
                s.employee_id
                    .as_ref()
                    .map(|e| e.to_string())
                    .unwrap_or_default(),
                s.email.as_ref().map_or("", Email::as_str)
            )
        })
        .collect();
    Some(format!(
        "{} skipped because the user their email finds carries a marker naming another employee ID ({over}): the employee IDs appear to have changed (a new HR system, a prefix added?), so this run would match and offboard nobody; e.g. {}; if the IDs did change, rerun plan and apply with --rekey-employee-ids to re-key the markers of users whose email matches exactly one HR row",
        if count == 1 {
            "1 HR row is".to_string()
        } else {
            format!("{count} HR rows are")
        },
        examples.join("; ")
    ))
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
pub fn missing_abilities(plan: &Plan, have: &BTreeSet<String>) -> Vec<String> {
    abilities_needed(plan)
        .into_iter()
        .filter(|(ability, _)| !have.contains(*ability))
        .map(|(ability, roles)| {
            let users: BTreeSet<&str> = roles.values().flatten().copied().collect();
            let examples: Vec<&str> = users.iter().take(EXAMPLES).copied().collect();
            let more = if users.len() > EXAMPLES { ", …" } else { "" };
            let names: Vec<&str> = roles.keys().map(Role::as_str).collect();
            format!(
                "the plan gives base {} {} to {} ({}{more}), which PagerDuty refuses (402) without the account's {ability} ability, and GET /abilities does not list it; give the account that ability (a PagerDuty plan with stakeholder users), or configure a base role that needs none ([lifecycle] suspended_role = \"restricted_access\" or \"observer\" for suspensions, [roles] for the rest), then run again",
                plural(names.len(), "role", "roles"),
                names.join(", "),
                count(users.len() as u64, "user", "users"),
                examples.join(", "),
            )
        })
        .collect()
}

/// `n` and the word for it: `1 user`, `2 users`.
fn count(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n: u64 = n.into();
    format!("{n} {}", plural(n, one, many))
}

/// The refusal for a licence the plan would run out of.
fn license_words(s: &LicenseShortfall) -> String {
    let released = if s.released > 0 {
        format!(
            " ({} of them released by the users this plan deactivates or deletes)",
            s.released
        )
    } else {
        String::new()
    };
    match (&s.license, &s.role) {
        (Some(l), _) => format!(
            "the plan gives licence {:?} ({}) to {} but only {} free{released}: {} missing; free allocations in PagerDuty (or name another licence in [roles]), then run again",
            l.name,
            l.id,
            count(s.needed, "user", "users"),
            if s.available == 1 {
                "1 is".to_string()
            } else {
                format!("{} are", s.available)
            },
            s.missing()
        ),
        (None, role) => format!(
            "the plan needs a licence allowing base role {} for {}, and PagerDuty can pick one for only {} (licences allowing it: {}){released}: {} missing; free allocations in PagerDuty, then run again",
            role.as_ref().map(|r| r.as_str()).unwrap_or("?"),
            count(s.needed, "user", "users"),
            s.available,
            s.candidates
                .iter()
                .map(|c| format!("{c:?}"))
                .collect::<Vec<_>>()
                .join(", "),
            s.missing()
        ),
    }
}

#[cfg(test)]
mod tests;
