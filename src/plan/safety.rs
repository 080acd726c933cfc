//! Change thresholds checked on a finished plan, before the first write.
//!
//! The most expensive failure in identity provisioning is mass deprovisioning from a bad
//! export (Okta pauses imports past 20% unassignments; Entra quarantines a job past a
//! deletion threshold). These checks refuse the whole run (exit 3); `plan` shows the same
//! refusal. README.md § Safety lists each check, its default and its override.

use super::{ActionKind, Plan};
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
    /// `--allow-deletions N`: the deletion cap becomes N for this run.
    pub allow_deletions: Option<usize>,
}

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

/// The refusal for `count` deletions, if any: a count cap only (`[safety] max_deletions`,
/// or `--allow-deletions N` in its place), since a deletion cannot be undone whatever the
/// account's size.
fn deletion_cap(count: usize, max: usize, allow: Option<usize>) -> Option<String> {
    match allow {
        Some(n) => (count > n).then(|| {
            format!("{count} deletions exceed --allow-deletions {n}; review the plan and raise it if this is intended")
        }),
        None => (count > max).then(|| {
            format!(
                "{count} deletions exceed [safety] max_deletions = {max}; a deletion cannot be undone (the archive re-creates a rehire under a new PagerDuty ID): review the plan, then rerun with --allow-deletions {count}"
            )
        }),
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
    out.extend(deletion_cap(
        plan.count(ActionKind::Delete),
        safety.max_deletions,
        overrides.allow_deletions,
    ));
    let active = plan.population.managed_active_users;
    let hr = plan.population.hr_active;
    if active > 0 && hr < active {
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
            oncall: None,
            blocked: None,
            waits_for: None,
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
    fn deletion_cap_and_its_override() {
        let s = SafetyConfig {
            max_deletions: 2,
            ..SafetyConfig::default()
        };
        let deletes = |n: usize| {
            let mut p = plan(0, 0, pop(1000, 1000, 1000));
            for a in plan(n, 0, pop(1000, 1000, 1000)).actions {
                p.actions.push(Action {
                    kind: ActionKind::Delete,
                    ..a
                });
            }
            p
        };
        assert!(check(&deletes(2), &s, Overrides::default()).is_empty());
        let r = check(&deletes(3), &s, Overrides::default());
        assert!(
            r.len() == 1
                && r[0].starts_with("3 deletions exceed [safety] max_deletions = 2;")
                && r[0].ends_with("rerun with --allow-deletions 3"),
            "{r:?}"
        );
        let allow = |n| Overrides {
            allow_deletions: Some(n),
            ..Default::default()
        };
        assert!(check(&deletes(3), &s, allow(3)).is_empty());
        let r = check(&deletes(4), &s, allow(3));
        assert!(
            r.len() == 1 && r[0].starts_with("4 deletions exceed --allow-deletions 3;"),
            "{r:?}"
        );
        // Deletions are not deactivations: the deactivation caps do not count them.
        let many = SafetyConfig {
            max_deletions: 100,
            max_deactivations: 1,
            ..SafetyConfig::default()
        };
        assert!(check(&deletes(30), &many, Overrides::default()).is_empty());
        // No percentage: 9 deletions among 60 managed users (15%) are within a cap of 10.
        let mut p = deletes(9);
        p.population = pop(60, 60, 60);
        let ten = SafetyConfig {
            max_deletions: 10,
            ..SafetyConfig::default()
        };
        assert!(check(&p, &ten, Overrides::default()).is_empty());
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
}
