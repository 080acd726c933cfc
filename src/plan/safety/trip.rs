//! The safety checks a plan trips, as typed values ([`SafetyTrip`]) that code matches on,
//! and their words (README.md § Safety): each names the setting and the override, and is
//! rendered only where a refusal is shown ([`crate::report::refusal`]).

use super::{EXAMPLES, count, count_of, exceed, percent};
use crate::email::Email;
use crate::ids::EmployeeId;
use crate::plan::{FailedSignature, LicenseShortfall, MarkerSignatures, ProbableDuplicate};
use crate::vocab::Role;
use crate::words::plural;
use std::fmt;

/// A check that refuses the run before its first write (exit 3); `plan` shows the same
/// refusal.
#[derive(Debug, Clone, PartialEq)]
pub enum SafetyTrip {
    /// `count` changes of one kind exceed a cap ([`CapKind`]) at `limit`.
    Cap {
        /// Which cap.
        cap: CapKind,
        /// The changes counted.
        count: usize,
        /// The limit they exceed: the `--allow-*` override, the count cap, or the
        /// percentage cap of the managed users.
        limit: Limit,
    },
    /// `count` deletions exceed `[safety] max_deletions` or `--allow-deletions`.
    Deletions {
        /// The deletions that will be attempted.
        count: usize,
        /// The limit they exceed.
        limit: Allowance,
    },
    /// The account has signed markers and none verifies with the run's keys (the counts
    /// and the first failing users).
    WrongMarkerKey(MarkerSignatures),
    /// Some signed markers of the account verify with the run's keys while more than
    /// [`super::FORGED_SIGNATURES_TOLERATED`] fail (the counts and the first failing
    /// users): most likely a marker-key rotation stopped part-way and the previous key was
    /// dropped before every marker was signed again.
    UnfinishedRotation(MarkerSignatures),
    /// The run has no marker key and the account holds `count` signed markers, among them
    /// `among`.
    MissingMarkerKey {
        /// The readable markers with a `sig` that no key checked.
        count: usize,
        /// The first of their users.
        among: Vec<FailedSignature>,
    },
    /// More planned creates share the name of an unmatched PagerDuty user than
    /// `[safety] max_probable_duplicates` or `--allow-probable-duplicates` allow.
    ProbableDuplicates {
        /// The probable duplicates: the planned creates flagged plus `namesakes`.
        count: usize,
        /// The planned deactivations of a flagged create's namesake (an unmanaged user
        /// offboarded in the same run, `crate::plan::duplicates::offboarded_namesakes`).
        namesakes: usize,
        /// The limit they exceed.
        limit: Allowance,
        /// The first of them.
        examples: Vec<Duplicate>,
    },
    /// Many HR rows are skipped because the user their email finds carries a marker naming
    /// another employee (`limit`: [`Limit::Count`], or [`Limit::Percent`] of the managed
    /// users plus those rows; no flag overrides it, and [`Limit::Allowed`] reads as a count).
    IdentityDrift {
        /// The rows skipped so.
        count: usize,
        /// The limit they exceed.
        limit: Limit,
        /// The first of them.
        examples: Vec<Drifted>,
        /// The run has `--rekey-employee-ids`: these rows are the ones it could not
        /// re-key, so the words say what blocks them instead of advising the flag.
        rekey_given: bool,
    },
    /// The plan would run out of a licence.
    License(LicenseShortfall),
    /// The export lists fewer active employees than the active users hr2pagerduty manages,
    /// by more than `[safety] max_shrink_percent`.
    Shrink {
        /// Active employees in the export (provisioned today).
        hr: usize,
        /// Active users hr2pagerduty manages.
        active: usize,
        /// `[safety] max_shrink_percent`.
        max_percent: f64,
    },
    /// The plan gives base roles that need an account ability `GET /abilities` does not
    /// list.
    MissingAbility {
        /// The ability (`teams`, `read_only_users`, ...).
        ability: &'static str,
        /// The base roles that need it.
        roles: Vec<Role>,
        /// The emails of the users given them, sorted, each once.
        users: Vec<String>,
    },
}

/// The change caps that count changes of one kind against a count and a percentage of the
/// managed users.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapKind {
    /// `max_deactivations`, `max_deactivation_percent`, `--allow-deactivations`.
    Deactivations,
    /// `max_reactivations`, `max_reactivation_percent`, `--allow-reactivations`.
    Reactivations,
    /// `max_role_changes`, `max_role_change_percent`, `--allow-role-changes`.
    RoleChanges,
    /// `max_rekeys`, `max_rekey_percent`, `--allow-rekeys`.
    Rekeys,
}

/// The names of a cap: what it counts (plural, singular), its `[safety]` keys and its flag.
struct CapWords {
    what: &'static str,
    one: &'static str,
    key: &'static str,
    /// Not `key` + `_percent`: the keys are `max_deactivations` and
    /// `max_deactivation_percent`.
    percent_key: &'static str,
    flag: &'static str,
}

impl CapKind {
    fn words(self) -> CapWords {
        let (what, one, key, percent_key, flag) = match self {
            CapKind::Deactivations => (
                "deactivations",
                "deactivation",
                "max_deactivations",
                "max_deactivation_percent",
                "--allow-deactivations",
            ),
            CapKind::Reactivations => (
                "reactivations",
                "reactivation",
                "max_reactivations",
                "max_reactivation_percent",
                "--allow-reactivations",
            ),
            CapKind::RoleChanges => (
                "role changes",
                "role change",
                "max_role_changes",
                "max_role_change_percent",
                "--allow-role-changes",
            ),
            CapKind::Rekeys => (
                "re-keyed markers",
                "re-keyed marker",
                "max_rekeys",
                "max_rekey_percent",
                "--allow-rekeys",
            ),
        };
        CapWords {
            what,
            one,
            key,
            percent_key,
            flag,
        }
    }
}

/// The limit a count exceeds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Limit {
    /// The run's `--allow-*` override, N.
    Allowed(usize),
    /// The `[safety]` count cap.
    Count(usize),
    /// The `[safety]` percentage cap (a percentage, 0-100) of `of` users.
    Percent {
        /// The users the share is taken of.
        of: usize,
        /// The cap.
        max_percent: f64,
    },
}

/// The count limit of a check without a percentage cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allowance {
    /// The run's `--allow-*` override, N.
    Allowed(usize),
    /// The `[safety]` setting.
    Setting(usize),
}

/// A planned create that probably duplicates an existing user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    /// The create's display name.
    pub name: String,
    /// The create's email.
    pub email: Email,
    /// The existing user it would duplicate.
    pub existing: ProbableDuplicate,
}

/// An HR row skipped because its email's user carries a marker naming another employee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drifted {
    /// The employee ID the marker names.
    pub old: EmployeeId,
    /// The row's employee ID.
    pub new: Option<EmployeeId>,
    /// The row's email.
    pub email: Option<Email>,
}

impl fmt::Display for SafetyTrip {
    /// The refusal's words, one line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SafetyTrip::Cap { cap, count, limit } => cap_words(f, cap.words(), *count, limit),
            SafetyTrip::Deletions { count, limit } => match limit {
                Allowance::Allowed(n) => write!(
                    f,
                    "{} --allow-deletions {n}; review the plan and raise it if this is intended",
                    exceed(*count, "deletion", "deletions")
                ),
                Allowance::Setting(max) => write!(
                    f,
                    "{} [safety] max_deletions = {max}; a deletion cannot be undone (the archive re-creates a rehire under a new PagerDuty ID): review the plan, then rerun with --allow-deletions {count}",
                    exceed(*count, "deletion", "deletions")
                ),
            },
            SafetyTrip::WrongMarkerKey(s) => write!(
                f,
                "none of the {} signed ownership markers in PagerDuty verifies with the marker key (or the previous one), among them {}: the key is probably wrong. Check that it is the secret the earlier runs used; when rotating, give the old key as the previous one (--marker-key-previous-file FILE or PAGERDUTY_MARKER_KEY_PREVIOUS); only if the old key is lost, rerun with --allow-new-marker-key (every signed marker is then treated as unreadable: matched by email and rewritten under the new key)",
                s.signed,
                s.failing_words()
            ),
            SafetyTrip::UnfinishedRotation(s) => write!(
                f,
                "{} of the {} signed ownership markers in PagerDuty do not verify with the marker key (or the previous one) while {} do, among them {}: a marker-key rotation probably stopped part-way (killed, or out of --max-runtime) and the previous key was dropped before every marker was signed again, and this run would treat those markers as forged (their suspension records restoring nothing). Give the old key as the previous one (--marker-key-previous-file FILE or PAGERDUTY_MARKER_KEY_PREVIOUS) until a plan shows no `re-sign marker` update; only if the old key is lost, rerun with --allow-new-marker-key (the markers that fail are then treated as unreadable: matched by email and rewritten under the new key)",
                s.signed - s.verified,
                s.signed,
                s.verified,
                s.failing_words()
            ),
            SafetyTrip::MissingMarkerKey { count: n, among } => {
                let among = among
                    .iter()
                    .map(|f| format!("{} ({})", f.user_id, f.email))
                    .collect::<Vec<_>>()
                    .join(", ");
                write!(
                    f,
                    "PAGERDUTY_MARKER_KEY is not set, but {n} ownership markers in PagerDuty are signed (among them {among}): earlier runs used a key, and without it this run cannot tell a forged marker from a genuine one. Give the secret the earlier runs used with --marker-key-file FILE or PAGERDUTY_MARKER_KEY (check that the scheduler passes it); only to stop signing on purpose, rerun with --allow-unsigned-run (every marker is then trusted unchecked)"
                )
            }
            SafetyTrip::ProbableDuplicates {
                count,
                namesakes,
                limit,
                examples,
            } => {
                let setting = match limit {
                    Allowance::Allowed(n) => format!("--allow-probable-duplicates {n}"),
                    Allowance::Setting(max) => format!("[safety] max_probable_duplicates = {max}"),
                };
                let examples: Vec<String> = examples
                    .iter()
                    .take(EXAMPLES)
                    .map(|d| {
                        format!(
                            "{:?} <{}> would duplicate {} <{}>",
                            d.name, d.email, d.existing.user_id, d.existing.email
                        )
                    })
                    .collect();
                write!(
                    f,
                    "{} the name of an existing PagerDuty user that no HR row matched, above {setting} (probable duplicates, each sent an invitation: is [hr] email_template or the email domain wrong?); e.g. {}; if they are new people, rerun with --allow-probable-duplicates {count}",
                    match (count - namesakes, *namesakes) {
                        (1, 0) => "1 planned create has".to_string(),
                        (n, 0) => format!("{n} planned creates have"),
                        (n, m) => format!(
                            "{count} probable duplicates: {n} planned {} whose namesakes, offboarded as unmanaged users in the same run, are {m} of the planned deactivations; the creates have",
                            plural(n, "create", "creates")
                        ),
                    },
                    examples.join(", ")
                )
            }
            SafetyTrip::IdentityDrift {
                count,
                limit,
                examples,
                rekey_given,
            } => {
                let over = match limit {
                    Limit::Percent { of, max_percent } => format!(
                        "{:.1}% of {of} managed users, above [safety] max_identity_conflict_percent = {max_percent}",
                        percent(*count, *of)
                    ),
                    Limit::Count(max) | Limit::Allowed(max) => {
                        format!("above [safety] max_identity_conflicts = {max}")
                    }
                };
                let examples: Vec<String> = examples
                    .iter()
                    .take(EXAMPLES)
                    .map(|d| {
                        format!(
                            "old ID {}, new ID {}, {}",
                            d.old,
                            d.new.as_ref().map(|e| e.to_string()).unwrap_or_default(),
                            d.email.as_ref().map_or("", Email::as_str)
                        )
                    })
                    .collect();
                let advice = if *rekey_given {
                    "--rekey-employee-ids is given, and could not re-key these rows: each skip above names the user that keeps the marker of its new ID (a person gone from the export, or a chain of shifted IDs ending at one); settle those users by hand as the skips say, then rerun with --rekey-employee-ids"
                } else {
                    "if the IDs did change, rerun plan and apply with --rekey-employee-ids to re-key the markers of users whose email matches exactly one HR row"
                };
                write!(
                    f,
                    "{} skipped because the user their email finds carries a marker naming another employee ID ({over}): the employee IDs appear to have changed (a new HR system, a prefix added?), so this run would match and offboard nobody; e.g. {}; {advice}",
                    if *count == 1 {
                        "1 HR row is".to_string()
                    } else {
                        format!("{count} HR rows are")
                    },
                    examples.join("; ")
                )
            }
            SafetyTrip::License(s) => f.write_str(&license_words(s)),
            SafetyTrip::Shrink {
                hr,
                active,
                max_percent,
            } => write!(
                f,
                "the export lists {hr} active employees, {:.1}% fewer than the {active} active users hr2pagerduty manages, above [safety] max_shrink_percent = {max_percent}; is the export truncated? If the drop is real, raise max_shrink_percent for this run's config",
                percent(active - hr, *active)
            ),
            SafetyTrip::MissingAbility {
                ability,
                roles,
                users,
            } => {
                let examples: Vec<&str> = users.iter().take(EXAMPLES).map(String::as_str).collect();
                let more = if users.len() > EXAMPLES { ", …" } else { "" };
                let names: Vec<&str> = roles.iter().map(Role::as_str).collect();
                write!(
                    f,
                    "the plan gives base {} {} to {} ({}{more}), which PagerDuty refuses (402) without the account's {ability} ability, and GET /abilities does not list it; give the account that ability (a PagerDuty plan with stakeholder users), or configure a base role that needs none ([lifecycle] suspended_role = \"restricted_access\" or \"observer\" for suspensions, [roles] for the rest), then run again",
                    plural(names.len(), "role", "roles"),
                    names.join(", "),
                    count(users.len() as u64, "user", "users"),
                    examples.join(", "),
                )
            }
        }
    }
}

/// The refusal of a change cap: `count` changes exceed `limit`.
fn cap_words(f: &mut fmt::Formatter<'_>, w: CapWords, count: usize, limit: &Limit) -> fmt::Result {
    let CapWords {
        what,
        one,
        key,
        percent_key,
        flag,
    } = w;
    match *limit {
        Limit::Allowed(n) => write!(
            f,
            "{} {flag} {n}; review the plan and raise it if this is intended",
            exceed(count, one, what)
        ),
        Limit::Count(max) => write!(
            f,
            "{} [safety] {key} = {max}; review the plan, then rerun with {flag} {count}",
            exceed(count, one, what)
        ),
        Limit::Percent {
            of: managed,
            max_percent,
        } => write!(
            f,
            "{} {} {:.1}% of the {managed} users hr2pagerduty manages, above [safety] {percent_key} = {max_percent}; review the plan, then rerun with {flag} {count}",
            count_of(count, one, what),
            plural(count, "is", "are"),
            percent(count, managed)
        ),
    }
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
