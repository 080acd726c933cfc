//! Tests of the change thresholds, the shrink check, probable duplicates, identity drift,
//! re-keys and licence shortfalls.

use super::*;
use crate::email::Email;
use crate::plan::{Action, Change, Field, LicenseShortfall, Population};
use crate::vocab::Role;

/// [`super::check`]'s refusals in words, as the commands show them.
fn check(p: &Plan, s: &SafetyCaps, o: Overrides) -> Vec<String> {
    words(super::check(p, s, o))
}

/// [`super::missing_abilities`]'s refusals in words.
fn missing_abilities(p: &Plan, have: &BTreeSet<String>) -> Vec<String> {
    words(super::missing_abilities(p, have))
}

fn words(trips: Vec<SafetyTrip>) -> Vec<String> {
    trips.iter().map(ToString::to_string).collect()
}

fn plan(deactivations: usize, role_changes: usize, pop: Population) -> Plan {
    let mk = |kind, role: bool| Action {
        user_id: Some("P".into()),
        changes: if role {
            vec![Change {
                field: Field::Role,
                old: None,
                new: None,
            }]
        } else {
            vec![]
        },
        ..Action::new(kind, Email::normalise("x@example.com"), "X".into())
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
    let s = SafetyCaps::default();
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
    let s = SafetyCaps::default();
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
    let s = SafetyCaps {
        max_reactivations: 1,
        ..SafetyCaps::default()
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
    let s = SafetyCaps {
        max_role_changes: 2,
        ..SafetyCaps::default()
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
    let s = SafetyCaps::default();
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
    let s = SafetyCaps::default();
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
            email: Email::normalise(&format!("p{i}@old.example")),
        });
        p.actions.push(a);
    }
    p
}

#[test]
fn probable_duplicates_are_capped_with_examples() {
    let s = SafetyCaps::default();
    assert!(check(&with_duplicates(5), &s, Overrides::default()).is_empty());
    let r = check(&with_duplicates(6), &s, Overrides::default());
    assert_eq!(r.len(), 1, "{r:?}");
    assert!(
        r[0].starts_with("6 planned creates have the name of an existing PagerDuty user")
            && r[0].contains("[safety] max_probable_duplicates = 5")
            && r[0]
                .contains("\"Person 0\" <p0@new.example> would duplicate POLD000 <p0@old.example>")
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
        check(&with_duplicates(7), &s, allow(6))[0].contains("above --allow-probable-duplicates 6")
    );
}

fn with_conflicts(n: usize, managed: usize) -> Plan {
    let mut p = plan(0, 0, pop(managed, managed, managed));
    for i in 0..n {
        p.skipped.push(crate::plan::Skip {
            employee_id: Some(format!("E-{i}").into()),
            email: Some(Email::normalise(&format!("p{i}@example.com"))),
            pagerduty_user_id: Some(format!("P{i:06}").into()),
            line: Some(2 + i as u64),
            reason: SkipCause::EmailOfAnotherEmployee {
                user: format!("P{i:06}").into(),
                marker_employee_id: format!("{i}").into(),
                rekey_hold: None,
            },
            not_yet_hired: false,
        });
    }
    p
}

#[test]
fn many_foreign_markers_are_refused_as_changed_employee_ids() {
    let s = SafetyCaps::default();
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
    let lax = SafetyCaps {
        max_identity_conflicts: 100,
        ..SafetyCaps::default()
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

/// A plan re-keying `n` markers among `managed` users.
fn with_rekeys(n: usize, managed: usize) -> Plan {
    let mut p = plan(0, 0, pop(managed, managed, managed));
    for a in plan(n, 0, pop(0, 0, 0)).actions {
        p.actions.push(Action {
            kind: ActionKind::Update,
            changes: vec![],
            rekeyed_from: Some("old".into()),
            ..a
        });
    }
    p
}

#[test]
fn rekeys_are_capped_like_the_other_changes() {
    let s = SafetyCaps {
        max_rekeys: 2,
        ..SafetyCaps::default()
    };
    let p = with_rekeys(3, 10);
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
    // The share, above 50 managed users only, with its own setting: 11 of 100 is above
    // max_rekey_percent = 10 (the other shares raised out of the way); 11 of 50 is not
    // checked as a share.
    let share = SafetyCaps {
        max_rekeys: 100,
        max_rekey_percent: 10.0,
        max_role_change_percent: 100.0,
        max_deactivation_percent: 100.0,
        ..SafetyCaps::default()
    };
    assert!(check(&with_rekeys(10, 100), &share, Overrides::default()).is_empty());
    let r = check(&with_rekeys(11, 100), &share, Overrides::default());
    assert!(
        r.len() == 1
            && r[0].contains(
                "11 re-keyed markers are 11.0% of the 100 users hr2pagerduty manages, above [safety] max_rekey_percent = 10"
            )
            && r[0].contains("--allow-rekeys 11"),
        "{r:?}"
    );
    assert!(check(&with_rekeys(11, 50), &share, Overrides::default()).is_empty());
    let allow = Overrides {
        allow_rekeys: Some(11),
        ..Default::default()
    };
    assert!(check(&with_rekeys(11, 100), &share, allow).is_empty());
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
    let r = check(&p, &SafetyCaps::default(), Overrides::default());
    assert_eq!(
        r,
        [
            "the plan gives licence \"Full User\" (PFULL01) to 7 users but only 5 are free (2 of them released by the users this plan deactivates or deletes): 2 missing; free allocations in PagerDuty (or name another licence in [roles]), then run again",
            "the plan needs a licence allowing base role read_only_limited_user for 3 users, and PagerDuty can pick one for only 1 (licences allowing it: \"Stakeholder\"): 2 missing; free allocations in PagerDuty, then run again",
        ]
    );
}

#[test]
fn deletion_cap_and_its_override() {
    let s = SafetyCaps {
        max_deletions: 2,
        ..SafetyCaps::default()
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
    let many = SafetyCaps {
        max_deletions: 100,
        max_deactivations: 1,
        ..SafetyCaps::default()
    };
    assert!(check(&deletes(30), &many, Overrides::default()).is_empty());
    // No percentage: 9 deletions among 60 managed users (15%) are within a cap of 10.
    let mut p = deletes(9);
    p.population = pop(60, 60, 60);
    let ten = SafetyCaps {
        max_deletions: 10,
        ..SafetyCaps::default()
    };
    assert!(check(&p, &ten, Overrides::default()).is_empty());
}

#[test]
fn blocked_deactivations_and_deletions_are_not_counted_by_their_caps() {
    // Three deactivations and three deletions, two of each blocked by on-call duties: one of
    // each will be attempted, within caps of 1.
    let s = SafetyCaps {
        max_deactivations: 1,
        max_deletions: 1,
        ..SafetyCaps::default()
    };
    let blocked = Some(crate::oncall::Blocked {
        impact: Some(crate::oncall::OncallImpact::default()),
        lookahead_days: 30,
        refused: Vec::new(),
        removals_only: false,
        held: None,
    });
    let mut p = plan(3, 0, pop(10, 10, 7));
    for a in plan(3, 0, pop(10, 10, 7)).actions {
        p.actions.push(Action {
            kind: ActionKind::Delete,
            ..a
        });
    }
    let mut gated = p.clone();
    for kind in [ActionKind::Deactivate, ActionKind::Delete] {
        for a in gated.actions.iter_mut().filter(|a| a.kind == kind).take(2) {
            a.blocked = blocked.clone();
        }
    }
    assert_eq!(
        check(&gated, &s, Overrides::default()),
        Vec::<String>::new()
    );
    // With none blocked (as under --allow-oncall-gaps) all three of each count.
    assert_eq!(
        check(&p, &s, Overrides::default()),
        vec![
            "3 deactivations exceed [safety] max_deactivations = 1; review the plan, then rerun with --allow-deactivations 3".to_string(),
            "3 deletions exceed [safety] max_deletions = 1; a deletion cannot be undone (the archive re-creates a rehire under a new PagerDuty ID): review the plan, then rerun with --allow-deletions 3".to_string(),
        ]
    );
    // One blocked of three: two attempted, over the cap, and the message counts two.
    let mut one = p.clone();
    one.actions[0].blocked = blocked;
    let r = check(&one, &s, Overrides::default());
    assert!(r[0].starts_with("2 deactivations exceed"), "{r:?}");
}

#[test]
fn signed_markers_none_of_which_verifies_refuse_the_run_unless_allowed() {
    use crate::plan::MarkerSignatures;
    let safety = SafetyCaps::default();
    let with = |signed, verified| Plan {
        marker_signatures: Some(MarkerSignatures {
            signed,
            verified,
            failing: examples(),
        }),
        ..Plan::default()
    };
    let refused = check(&with(11, 0), &safety, Overrides::default());
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(
        refused[0].starts_with("none of the 11 signed ownership markers in PagerDuty verifies with the marker key (or the previous one), among them PA (a@example.com), PB (b@example.com):")
            && refused[0].contains("the key is probably wrong")
            && refused[0].contains("PAGERDUTY_MARKER_KEY_PREVIOUS")
            && refused[0].contains("--allow-new-marker-key"),
        "{refused:?}"
    );
    let allowed = Overrides {
        allow_new_marker_key: true,
        ..Overrides::default()
    };
    assert!(check(&with(11, 0), &safety, allowed).is_empty());
    // One marker that verifies shows the key is right, and up to 5 others that fail are
    // forged or edited; more say that a rotation stopped part-way (r10h 2), refused too.
    assert!(check(&with(6, 1), &safety, Overrides::default()).is_empty());
    let stopped = check(&with(11, 1), &safety, Overrides::default());
    assert!(
        matches!(&stopped[..], [w] if w.starts_with("10 of the 11 signed ownership markers") && w.contains("rotation probably stopped part-way")),
        "{stopped:?}"
    );
    assert!(check(&with(11, 1), &safety, allowed).is_empty());
    // The share counts too (r10i 2): six users who break their own markers' `sig` in an
    // account of 200 signed markers do not stop the run; 30 of 200 (more than 10%) do.
    assert!(check(&with(200, 194), &safety, Overrides::default()).is_empty());
    assert!(check(&with(200, 180), &safety, Overrides::default()).is_empty());
    assert_eq!(
        check(&with(200, 179), &safety, Overrides::default()).len(),
        1
    );
    assert_eq!(
        check(&with(200, 170), &safety, Overrides::default()).len(),
        1
    );
    // Nothing signed yet (the migration run), or no key at all: nothing to compare; and up
    // to 5 signed markers of which none verifies are forgeries a user can write into their
    // own profile (the planner ignores them), not a wrong key.
    assert!(check(&with(0, 0), &safety, Overrides::default()).is_empty());
    assert!(check(&with(1, 0), &safety, Overrides::default()).is_empty());
    assert!(check(&with(5, 0), &safety, Overrides::default()).is_empty());
    assert_eq!(check(&with(6, 0), &safety, Overrides::default()).len(), 1);
    assert!(check(&Plan::default(), &safety, Overrides::default()).is_empty());
}

#[test]
fn signed_markers_read_without_a_key_refuse_the_run_unless_allowed() {
    let safety = SafetyCaps::default();
    let with = |n| Plan {
        unchecked_signed_markers: n,
        unchecked_signed_users: examples(),
        ..Plan::default()
    };
    let refused = check(&with(6), &safety, Overrides::default());
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(
        refused[0].starts_with(
            "PAGERDUTY_MARKER_KEY is not set, but 6 ownership markers in PagerDuty are signed (among them PA (a@example.com), PB (b@example.com)):"
        ),
        "{refused:?}"
    );
    assert!(refused[0].contains("--allow-unsigned-run"), "{refused:?}");
    let allowed = Overrides {
        allow_unsigned_run: true,
        ..Overrides::default()
    };
    assert!(check(&with(6), &safety, allowed).is_empty());
    // Up to FORGED_SIGNATURES_TOLERATED (5) signed markers, which users can write into
    // their own profiles, do not refuse: a run without the key reads every marker
    // unchecked anyway.
    assert_eq!(crate::plan::safety::FORGED_SIGNATURES_TOLERATED, 5);
    assert!(check(&with(5), &safety, Overrides::default()).is_empty());
    assert!(check(&with(1), &safety, Overrides::default()).is_empty());
    // No signed marker (signing never began): nothing refuses.
    assert!(check(&with(0), &safety, Overrides::default()).is_empty());
}

#[test]
fn a_count_of_one_is_worded_in_the_singular() {
    let none = SafetyCaps {
        max_deactivations: 0,
        max_deletions: 0,
        ..SafetyCaps::default()
    };
    let mut p = plan(1, 0, pop(10, 10, 10));
    p.actions.push(Action {
        kind: ActionKind::Delete,
        ..p.actions[0].clone()
    });
    p.license_shortfalls = vec![LicenseShortfall {
        license: Some(crate::plan::LicenseLabel {
            id: "PFULL01".into(),
            name: "Full User".into(),
        }),
        role: None,
        needed: 1,
        available: 0,
        released: 0,
        candidates: vec![],
    }];
    let r = check(&p, &none, Overrides::default());
    assert!(
        r[0].starts_with("1 deactivation exceeds [safety] max_deactivations = 0;"),
        "{r:#?}"
    );
    assert!(
        r[1].starts_with("1 deletion exceeds [safety] max_deletions = 0;"),
        "{r:#?}"
    );
    assert!(
        r[2].starts_with(
            "the plan gives licence \"Full User\" (PFULL01) to 1 user but only 0 are free:"
        ),
        "{r:#?}"
    );
    let allow = Overrides {
        allow_deactivations: Some(0),
        ..Overrides::default()
    };
    assert!(
        check(&p, &none, allow)[0].starts_with("1 deactivation exceeds --allow-deactivations 0;")
    );
}

#[test]
fn a_role_needing_an_ability_the_account_lacks_is_refused_naming_the_users() {
    use crate::pagerduty::models::UserUpdate;
    let mut p = plan(4, 0, pop(10, 10, 10));
    for (i, a) in p.actions.iter_mut().enumerate() {
        a.email = Email::normalise(&format!("u{i}@example.com"));
        a.steps = vec![Step::UpdateUser(UserUpdate {
            role: Some(if i == 0 {
                Role::ReadOnlyUser
            } else {
                Role::ReadOnlyLimitedUser
            }),
            ..UserUpdate::default()
        })];
    }
    // A blocked action sends nothing: not counted.
    p.actions[3].blocked = Some(crate::oncall::Blocked {
        impact: None,
        lookahead_days: 7,
        refused: Vec::new(),
        removals_only: false,
        held: None,
    });
    let needed = abilities_needed(&p);
    assert_eq!(
        needed.keys().copied().collect::<Vec<_>>(),
        ["read_only_users"]
    );
    let have: BTreeSet<String> = ["teams".to_string()].into();
    let r = missing_abilities(&p, &have);
    assert_eq!(r.len(), 1);
    assert!(
        r[0].starts_with("the plan gives base roles read_only_user, read_only_limited_user to 3 users (u0@example.com, u1@example.com, u2@example.com), which PagerDuty refuses (402) without the account's read_only_users ability"),
        "{}",
        r[0]
    );
    let have: BTreeSet<String> = ["teams".to_string(), "read_only_users".to_string()].into();
    assert!(missing_abilities(&p, &have).is_empty());
    // No role that needs one: nothing to read.
    assert!(abilities_needed(&plan(2, 0, pop(10, 10, 10))).is_empty());
}

/// Two users whose signed markers fail, as the planner lists them for the refusals.
fn examples() -> Vec<crate::plan::FailedSignature> {
    ["a", "b"]
        .into_iter()
        .map(|n| crate::plan::FailedSignature {
            user_id: format!("P{}", n.to_uppercase()).as_str().into(),
            email: format!("{n}@example.com"),
        })
        .collect()
}

/// The refusals are typed values that code can match on: which cap, the count and the
/// limit it exceeds (the override, the count cap or the percentage cap), and the shrink.
#[test]
fn each_refusal_is_a_typed_value_naming_the_cap_the_count_and_the_limit() {
    let s = SafetyCaps::default();
    let trips = |p: &Plan, o| super::check(p, &s, o);
    assert_eq!(
        trips(&plan(26, 0, pop(1000, 1000, 990)), Overrides::default()),
        [SafetyTrip::Cap {
            cap: CapKind::Deactivations,
            count: 26,
            limit: Limit::Count(25),
        }]
    );
    assert_eq!(
        trips(&plan(0, 7, pop(60, 60, 60)), Overrides::default()),
        [SafetyTrip::Cap {
            cap: CapKind::RoleChanges,
            count: 7,
            limit: Limit::Percent {
                of: 60,
                max_percent: 10.0,
            },
        }]
    );
    let allow = Overrides {
        allow_deactivations: Some(2),
        ..Overrides::default()
    };
    assert_eq!(
        trips(&plan(3, 0, pop(100, 100, 100)), allow),
        [SafetyTrip::Cap {
            cap: CapKind::Deactivations,
            count: 3,
            limit: Limit::Allowed(2),
        }]
    );
    assert_eq!(
        trips(
            &plan(0, 0, pop(100, 100, 80)),
            Overrides {
                allow_deactivations: Some(1000),
                ..Overrides::default()
            }
        ),
        [SafetyTrip::Shrink {
            hr: 80,
            active: 100,
            max_percent: s.max_shrink_percent,
        }]
    );
}
