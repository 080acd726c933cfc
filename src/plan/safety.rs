//! Change thresholds checked on a finished plan, before the first write.
//!
//! The most expensive failure in identity provisioning is mass deprovisioning from a bad
//! export (Okta pauses imports past 20% unassignments; Entra quarantines a job past a
//! deletion threshold). These checks refuse the whole run (exit 3); `plan` shows the same
//! refusal. README.md § Safety lists each check, its default and its override.

use super::{ActionKind, LicenseShortfall, Plan, SkipCause};
use crate::config::{PERCENT_CAPS_MIN_USERS, SafetyConfig};

/// One-run overrides from the command line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Overrides {
    /// `--allow-deactivations N`: both deactivation caps become N for this run.
    pub allow_deactivations: Option<usize>,
    /// `--allow-role-changes N`: both role-change caps become N for this run.
    pub allow_role_changes: Option<usize>,
    /// `--allow-reactivations N`: both reactivation caps become N for this run.
    pub allow_reactivations: Option<usize>,
    /// `--allow-probable-duplicates N`: the probable-duplicate cap becomes N for this run.
    pub allow_probable_duplicates: Option<usize>,
    /// `--allow-rekeys N`: both re-key caps become N for this run.
    pub allow_rekeys: Option<usize>,
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
    what: &'a str,
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
            key,
            percent_key,
            flag,
            max,
            max_percent,
        } = *self;
        if let Some(n) = allow {
            return (count > n).then(|| {
                format!("{count} {what} exceed {flag} {n}; review the plan and raise it if this is intended")
            });
        }
        if count > max {
            return Some(format!(
                "{count} {what} exceed [safety] {key} = {max}; review the plan, then rerun with {flag} {count}"
            ));
        }
        let pct = percent(count, managed);
        if managed > PERCENT_CAPS_MIN_USERS && pct > max_percent {
            return Some(format!(
                "{count} {what} are {pct:.1}% of the {managed} users hr2pagerduty manages, above [safety] {percent_key} = {max_percent}; review the plan, then rerun with {flag} {count}"
            ));
        }
        None
    }
}

/// Every threshold the plan exceeds, as a message naming the setting and the override;
/// empty when the plan may proceed.
pub fn check(plan: &Plan, safety: &SafetyConfig, overrides: Overrides) -> Vec<String> {
    let mut out = Vec::new();
    let managed = plan.population.managed_users;
    let deactivations = plan.count(ActionKind::Deactivate);
    let deactivation_cap = Cap {
        what: "deactivations",
        key: "max_deactivations",
        percent_key: "max_deactivation_percent",
        flag: "--allow-deactivations",
        max: safety.max_deactivations,
        max_percent: safety.max_deactivation_percent,
    };
    out.extend(deactivation_cap.check(deactivations, managed, overrides.allow_deactivations));
    let reactivation_cap = Cap {
        what: "reactivations",
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
        key: "max_role_changes",
        percent_key: "max_role_change_percent",
        flag: "--allow-role-changes",
        max: safety.max_role_changes,
        max_percent: safety.max_role_change_percent,
    };
    out.extend(role_cap.check(role_changes, managed, overrides.allow_role_changes));
    let rekey_cap = Cap {
        what: "re-keyed markers",
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

/// The refusal for more probable duplicates than allowed, with the first examples.
fn probable_duplicates(plan: &Plan, safety: &SafetyConfig, overrides: Overrides) -> Option<String> {
    let flagged: Vec<_> = plan
        .actions
        .iter()
        .filter_map(|a| a.probable_duplicate.as_ref().map(|d| (a, d)))
        .collect();
    let count = flagged.len();
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
        "{count} planned creates have the name of an existing PagerDuty user that no HR row matched, above {setting} (probable duplicates, each sent an invitation: is [hr] email_template or the email domain wrong?); e.g. {}; if they are new people, rerun with --allow-probable-duplicates {count}",
        examples.join(", ")
    ))
}

/// The refusal when many HR rows are skipped because the user their email finds carries a
/// marker naming another employee: the employee IDs appear to have changed, and such a run
/// would match nobody and offboard nobody. The share is taken of the managed users plus
/// those users (a user skipped this way is not counted as managed).
fn identity_drift(plan: &Plan, safety: &SafetyConfig) -> Option<String> {
    let conflicts: Vec<_> = plan
        .skipped
        .iter()
        .filter_map(|s| match &s.reason {
            SkipCause::EmailOfAnotherEmployee {
                marker_employee_id, ..
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
                s.email.as_deref().unwrap_or("")
            )
        })
        .collect();
    Some(format!(
        "{count} HR rows are skipped because the user their email finds carries a marker naming another employee ID ({over}): the employee IDs appear to have changed (a new HR system, a prefix added?), so this run would match and offboard nobody; e.g. {}; if the IDs did change, rerun plan and apply with --rekey-employee-ids to re-key the markers of users whose email matches exactly one HR row",
        examples.join("; ")
    ))
}

/// The refusal for a licence the plan would run out of.
fn license_words(s: &LicenseShortfall) -> String {
    let released = if s.released > 0 {
        format!(
            " ({} of them released by the plan's deactivations)",
            s.released
        )
    } else {
        String::new()
    };
    match (&s.license, &s.role) {
        (Some(l), _) => format!(
            "the plan gives licence {:?} ({}) to {} users but only {} are free{released}: {} missing; free allocations in PagerDuty (or name another licence in [roles]), then run again",
            l.name,
            l.id,
            s.needed,
            s.available,
            s.missing()
        ),
        (None, role) => format!(
            "the plan needs a licence allowing base role {} for {} users, and PagerDuty can pick one for only {} (licences allowing it: {}){released}: {} missing; free allocations in PagerDuty, then run again",
            role.as_ref().map(|r| r.as_str()).unwrap_or("?"),
            s.needed,
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
mod tests {
    use super::*;
    use crate::email::Email;
    use crate::plan::{Action, Change, Field, Population};

    fn plan(deactivations: usize, role_changes: usize, pop: Population) -> Plan {
        let mk = |kind, role: bool| Action {
            kind,
            employee_id: None,
            email: Email::normalise("x@example.com"),
            name: "X".into(),
            user_id: Some("P".into()),
            reason: String::new(),
            changes: if role {
                vec![Change {
                    field: Field::Role,
                    old: None,
                    new: None,
                }]
            } else {
                vec![]
            },
            teams: None,
            steps: vec![],
            guard: None,
            line: None,
            probable_duplicate: None,
            rekeyed_from: None,
        };
        let mut actions: Vec<Action> = (0..deactivations)
            .map(|_| mk(ActionKind::Deactivate, true))
            .collect();
        actions.extend((0..role_changes).map(|_| mk(ActionKind::Update, true)));
        Plan {
            actions,
            population: pop,
            ..Plan::default()
        }
    }

    fn pop(managed: usize, active: usize, hr: usize) -> Population {
        Population {
            managed_users: managed,
            managed_active_users: active,
            hr_active: hr,
        }
    }

    #[test]
    fn absolute_deactivation_cap_and_its_override() {
        let s = SafetyConfig::default();
        let p = plan(26, 0, pop(1000, 1000, 990));
        let r = check(&p, &s, Overrides::default());
        assert_eq!(r.len(), 1);
        assert!(
            r[0].contains("max_deactivations = 25") && r[0].contains("--allow-deactivations 26"),
            "{r:?}"
        );
        assert!(
            check(
                &p,
                &s,
                Overrides {
                    allow_deactivations: Some(26),
                    ..Default::default()
                }
            )
            .is_empty()
        );
        assert_eq!(
            check(
                &p,
                &s,
                Overrides {
                    allow_deactivations: Some(10),
                    ..Default::default()
                }
            )
            .len(),
            1
        );
        assert!(check(&plan(25, 0, pop(1000, 1000, 990)), &s, Overrides::default()).is_empty());
    }

    #[test]
    fn percentage_cap_applies_only_above_fifty_managed_users() {
        let s = SafetyConfig::default();
        let r = check(&plan(7, 0, pop(60, 60, 60)), &s, Overrides::default());
        assert!(
            r.len() == 1
                && r[0].contains("11.7%")
                && r[0].contains("[safety] max_deactivation_percent = 10;"),
            "{r:?}"
        );
        let r = check(&plan(0, 7, pop(60, 60, 60)), &s, Overrides::default());
        assert!(
            r.len() == 1 && r[0].contains("[safety] max_role_change_percent = 10;"),
            "{r:?}"
        );
        assert!(check(&plan(7, 0, pop(50, 50, 50)), &s, Overrides::default()).is_empty());
    }

    #[test]
    fn reactivation_caps() {
        let s = SafetyConfig {
            max_reactivations: 1,
            ..SafetyConfig::default()
        };
        let mut p = plan(0, 0, pop(10, 10, 10));
        for a in plan(2, 0, pop(10, 10, 10)).actions {
            p.actions.push(Action {
                kind: ActionKind::Reactivate,
                ..a
            });
        }
        let r = check(&p, &s, Overrides::default());
        assert!(
            r.len() == 1
                && r[0].contains("max_reactivations = 1")
                && r[0].contains("--allow-reactivations 2"),
            "{r:?}"
        );
        let allow = Overrides {
            allow_reactivations: Some(2),
            ..Default::default()
        };
        assert!(check(&p, &s, allow).is_empty());
    }

    #[test]
    fn role_change_caps() {
        let s = SafetyConfig {
            max_role_changes: 2,
            ..SafetyConfig::default()
        };
        let r = check(&plan(0, 3, pop(10, 10, 10)), &s, Overrides::default());
        assert!(
            r.len() == 1 && r[0].contains("--allow-role-changes 3"),
            "{r:?}"
        );
        assert!(
            check(
                &plan(0, 3, pop(10, 10, 10)),
                &s,
                Overrides {
                    allow_role_changes: Some(3),
                    ..Default::default()
                }
            )
            .is_empty()
        );
    }

    #[test]
    fn shrink_check_catches_a_truncated_export() {
        let s = SafetyConfig::default();
        let r = check(
            &plan(0, 0, pop(100, 100, 80)),
            &s,
            Overrides {
                allow_deactivations: Some(1000),
                ..Default::default()
            },
        );
        assert!(r.len() == 1 && r[0].contains("20.0% fewer"), "{r:?}");
        assert!(check(&plan(0, 0, pop(100, 100, 91)), &s, Overrides::default()).is_empty());
        assert!(check(&plan(0, 0, pop(0, 0, 0)), &s, Overrides::default()).is_empty());
    }

    #[test]
    fn the_shrink_check_applies_only_above_fifty_managed_users() {
        let s = SafetyConfig::default();
        // One leaver in an account of 8 is 12.5%: max_deactivations governs there.
        assert!(check(&plan(1, 0, pop(8, 8, 7)), &s, Overrides::default()).is_empty());
        assert!(check(&plan(0, 0, pop(50, 50, 30)), &s, Overrides::default()).is_empty());
        let r = check(&plan(0, 0, pop(51, 51, 40)), &s, Overrides::default());
        assert!(r.len() == 1 && r[0].contains("max_shrink_percent"), "{r:?}");
    }

    fn with_duplicates(n: usize) -> Plan {
        let mut p = plan(0, 0, pop(10, 10, 10));
        for i in 0..n {
            let mut a = plan(1, 0, pop(0, 0, 0)).actions.remove(0);
            a.kind = ActionKind::Create;
            a.name = format!("Person {i}");
            a.email = crate::email::Email::normalise(&format!("p{i}@new.example"));
            a.probable_duplicate = Some(crate::plan::ProbableDuplicate {
                user_id: format!("POLD{i:03}").into(),
                name: format!("Person {i}"),
                email: format!("p{i}@old.example"),
            });
            p.actions.push(a);
        }
        p
    }

    #[test]
    fn probable_duplicates_are_capped_with_examples() {
        let s = SafetyConfig::default();
        assert!(check(&with_duplicates(5), &s, Overrides::default()).is_empty());
        let r = check(&with_duplicates(6), &s, Overrides::default());
        assert_eq!(r.len(), 1, "{r:?}");
        assert!(
            r[0].starts_with("6 planned creates have the name of an existing PagerDuty user")
                && r[0].contains("[safety] max_probable_duplicates = 5")
                && r[0].contains(
                    "\"Person 0\" <p0@new.example> would duplicate POLD000 <p0@old.example>"
                )
                && r[0].contains("POLD002")
                && !r[0].contains("POLD003")
                && r[0].ends_with("rerun with --allow-probable-duplicates 6"),
            "{r:?}"
        );
        let allow = |n| Overrides {
            allow_probable_duplicates: Some(n),
            ..Default::default()
        };
        assert!(check(&with_duplicates(6), &s, allow(6)).is_empty());
        assert!(
            check(&with_duplicates(7), &s, allow(6))[0]
                .contains("above --allow-probable-duplicates 6")
        );
    }

    fn with_conflicts(n: usize, managed: usize) -> Plan {
        let mut p = plan(0, 0, pop(managed, managed, managed));
        for i in 0..n {
            p.skipped.push(crate::plan::Skip {
                employee_id: Some(format!("E-{i}").into()),
                email: Some(format!("p{i}@example.com")),
                pagerduty_user_id: Some(format!("P{i:06}").into()),
                line: Some(2 + i as u64),
                reason: SkipCause::EmailOfAnotherEmployee {
                    user: format!("P{i:06}").into(),
                    marker_employee_id: format!("{i}").into(),
                },
            });
        }
        p
    }

    #[test]
    fn many_foreign_markers_are_refused_as_changed_employee_ids() {
        let s = SafetyConfig::default();
        assert!(check(&with_conflicts(5, 0), &s, Overrides::default()).is_empty());
        let r = check(&with_conflicts(6, 0), &s, Overrides::default());
        assert_eq!(r.len(), 1, "{r:?}");
        assert!(
            r[0].contains("6 HR rows are skipped because the user their email finds carries a marker naming another employee ID")
                && r[0].contains("above [safety] max_identity_conflicts = 5")
                && r[0].contains("the employee IDs appear to have changed")
                && r[0].contains("old ID 0, new ID E-0, p0@example.com")
                && r[0].contains("--rekey-employee-ids"),
            "{r:?}"
        );
        // The share, above 50 managed users (the skipped users count as managed): with
        // max_identity_conflicts raised, 5 of 55 (9.1%) passes and 7 of 57 (12.3%) does not.
        let lax = SafetyConfig {
            max_identity_conflicts: 100,
            ..SafetyConfig::default()
        };
        assert!(check(&with_conflicts(5, 50), &lax, Overrides::default()).is_empty());
        let r = check(&with_conflicts(7, 50), &lax, Overrides::default());
        assert!(
            r.len() == 1
                && r[0].contains(
                    "12.3% of 57 managed users, above [safety] max_identity_conflict_percent = 10"
                ),
            "{r:?}"
        );
        assert!(
            check(&with_conflicts(7, 40), &lax, Overrides::default()).is_empty(),
            "47 users: no share"
        );
    }

    #[test]
    fn rekeys_are_capped_like_the_other_changes() {
        let s = SafetyConfig {
            max_rekeys: 2,
            ..SafetyConfig::default()
        };
        let mut p = plan(0, 0, pop(10, 10, 10));
        for a in plan(3, 0, pop(0, 0, 0)).actions {
            p.actions.push(Action {
                kind: ActionKind::Update,
                changes: vec![],
                rekeyed_from: Some("old".into()),
                ..a
            });
        }
        let r = check(&p, &s, Overrides::default());
        assert!(
            r.len() == 1
                && r[0].contains("3 re-keyed markers exceed [safety] max_rekeys = 2")
                && r[0].contains("--allow-rekeys 3"),
            "{r:?}"
        );
        let allow = Overrides {
            allow_rekeys: Some(3),
            ..Default::default()
        };
        assert!(check(&p, &s, allow).is_empty());
    }

    #[test]
    fn a_licence_shortfall_names_how_many_are_missing() {
        let mut p = plan(0, 0, pop(10, 10, 10));
        p.license_shortfalls = vec![
            LicenseShortfall {
                license: Some(crate::plan::LicenseLabel {
                    id: "PFULL01".into(),
                    name: "Full User".into(),
                }),
                role: None,
                needed: 7,
                available: 5,
                released: 2,
                candidates: vec![],
            },
            LicenseShortfall {
                license: None,
                role: Some(crate::vocab::Role::ReadOnlyLimitedUser),
                needed: 3,
                available: 1,
                released: 0,
                candidates: vec!["Stakeholder".into()],
            },
        ];
        let r = check(&p, &SafetyConfig::default(), Overrides::default());
        assert_eq!(
            r,
            [
                "the plan gives licence \"Full User\" (PFULL01) to 7 users but only 5 are free (2 of them released by the plan's deactivations): 2 missing; free allocations in PagerDuty (or name another licence in [roles]), then run again",
                "the plan needs a licence allowing base role read_only_limited_user for 3 users, and PagerDuty can pick one for only 1 (licences allowing it: \"Stakeholder\"): 2 missing; free allocations in PagerDuty, then run again",
            ]
        );
    }
}
