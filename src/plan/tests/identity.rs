//! Planner tests of the evidence against a match by marker (`matching::evidence`): an
//! employee ID that HR reused for another person (its person gone, suspended, or moved to
//! another ID), and employee IDs renumbered onto old
//! values (reversed, shuffled, shifted by one), with `--rekey-employee-ids` as the way out;
//! and an unmanaged namesake of a probable duplicate offboarded in the same run.

use super::*;
use crate::config::SafetyCaps;
use crate::plan::safety::{self, Overrides, SafetyTrip};

fn rob(status: Lifecycle, email: &str, name: &str) -> Employee {
    emp("23", email, name, status, "Sales", "Rep")
}

/// The plan of `r` against `acct`, with `--rekey-employee-ids` when `rekey`.
pub(super) fn plan_rekey(acct: &Account, r: &Roster, cfg: &Config, rekey: bool) -> Plan {
    let mut policy = Policy::from_config(cfg);
    policy.rekey_employee_ids = rekey;
    let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    acct.plan_with(r, &policy, &acct.oncall_facts(), today)
}

fn reused(p: &Plan) -> Vec<(&str, &str)> {
    p.skipped
        .iter()
        .filter_map(|s| match &s.reason {
            SkipCause::EmployeeIdReused { user, .. } => Some((
                s.employee_id.as_ref().map_or("", |id| id.as_str()),
                user.as_str(),
            )),
            _ => None,
        })
        .collect()
}

#[test]
fn a_reused_employee_id_does_not_hand_a_suspended_leavers_user_to_a_new_hire() {
    let cfg = std_config();
    let mut acct = Account::new(vec![user(
        "PROB",
        "rob@example.com",
        "Rob Moved",
        Role::LimitedUser,
        "Rep",
        marked("23"),
    )]);
    acct.join("PROB", "PTCHESS", TeamRole::Observer);
    let left = roster(vec![rob(
        Lifecycle::Terminated,
        "rob@example.com",
        "Rob Moved",
    )]);
    let p = acct.plan(&left, &cfg);
    assert_eq!(p.count(ActionKind::Deactivate), 1);
    acct.apply(&p, None);
    let suspended = acct.users[0].clone();

    // HR gives Rob's old employee ID to Zoe: another name, another email.
    let zoe = roster(vec![rob(
        Lifecycle::Active,
        "zoe@example.com",
        "Zoe Newhire",
    )]);
    let p = acct.plan(&zoe, &cfg);
    assert!(p.actions.is_empty(), "{:#?}", p.actions);
    assert_eq!(reused(&p), [("23", "PROB")], "{:#?}", p.skipped);
    let skip = &p.skipped[0];
    assert!(skip.reason.needs_attention());
    let words = skip.reason.to_string();
    for part in [
        "PROB",
        "\"Rob Moved\"",
        "rob@example.com",
        "reused the employee ID",
        "set that PagerDuty user's email to this HR row's",
        "remove the marker line from that user",
    ] {
        assert!(words.contains(part), "{part}: {words}");
    }
    acct.apply(&p, None);
    assert_eq!(acct.users[0], suspended, "nothing was written");

    // A reactivation hands the row the whole suspended user back, so it asks what a
    // restore from the archive asks (`evidence::same_person`): the same email or the same
    // name. One shared word under a new email is not enough (an active user's mover
    // update accepts it, below): a new hire sharing the first name is skipped.
    for (email, name) in [
        ("r.moved@example.com", "Robert Moved"),
        ("rob.new@example.com", "Rob Newhire"),
    ] {
        let p = acct.plan(&roster(vec![rob(Lifecycle::Active, email, name)]), &cfg);
        assert!(p.actions.is_empty(), "{name}: {:#?}", p.actions);
        assert_eq!(reused(&p), [("23", "PROB")], "{name}: {:#?}", p.skipped);
    }
    // The same person rehired under the same name and a new email, or the same email and a
    // new name, is still Rob's user.
    for (email, name) in [
        ("r.moved@example.com", "Rob Moved"),
        ("rob@example.com", "Robert Moved"),
    ] {
        let back = roster(vec![rob(Lifecycle::Active, email, name)]);
        let mut acct = acct.clone();
        let p = acct.plan(&back, &cfg);
        assert_eq!(
            p.count(ActionKind::Reactivate),
            1,
            "{name}: {:#?}",
            p.skipped
        );
        acct.apply(&p, None);
        assert!(acct.plan(&back, &cfg).is_empty(), "{name}");
    }
}

/// Dave D (employee 4, on a team) and the export that moves him to employee 104, keeping
/// his email and name, and gives 4 to a new hire, Dave Zhang, with a new email.
pub(super) fn moved_dave() -> (Account, Roster) {
    let mut acct = Account::new(vec![user(
        "PDAVE",
        "dave@example.com",
        "Dave D",
        Role::LimitedUser,
        "Rep",
        marked("4"),
    )]);
    acct.join("PDAVE", "PTITOPS", TeamRole::Responder);
    let r = roster(vec![
        emp(
            "4",
            "dave.zhang@example.com",
            "Dave Zhang",
            Lifecycle::Active,
            "Sales",
            "Rep",
        ),
        emp(
            "104",
            "dave@example.com",
            "Dave D",
            Lifecycle::Active,
            "IT",
            "Rep",
        ),
    ]);
    (acct, r)
}

#[test]
fn a_person_moved_to_another_id_keeps_their_user_from_the_new_hire_given_the_old_id() {
    let cfg = std_config();
    let (mut acct, r) = moved_dave();
    let before = acct.users.clone();
    let p = plan_rekey(&acct, &r, &cfg, false);
    // Without this evidence Dave's user was renamed to Dave Zhang, given his email, and a
    // fresh user created for Dave D: Dave Zhang held Dave D's phones and rules.
    assert!(p.actions.is_empty(), "{:#?}", p.actions);
    let causes: Vec<(&str, &SkipCause)> = p
        .skipped
        .iter()
        .map(|s| (s.employee_id.as_ref().unwrap().as_str(), &s.reason))
        .collect();
    assert_eq!(
        causes,
        [
            (
                "4",
                &SkipCause::EmployeeIdMoved {
                    user: "PDAVE".into(),
                    email: Email::normalise("dave@example.com"),
                    moved_to: "104".into(),
                    rekey_hold: None,
                }
            ),
            (
                "104",
                &SkipCause::EmailOfAnotherEmployee {
                    user: "PDAVE".into(),
                    marker_employee_id: "4".into(),
                    rekey_hold: None,
                }
            ),
        ],
        "{:#?}",
        p.skipped
    );
    assert!(p.skipped.iter().all(|s| s.reason.needs_attention()));
    // Both rows count as identity conflicts; the move is one example.
    let caps = SafetyCaps {
        max_identity_conflicts: 1,
        ..SafetyCaps::default()
    };
    let refused = safety::check(&p, &caps, Overrides::default());
    assert!(
        refused.iter().any(|t| matches!(
            t,
            SafetyTrip::IdentityDrift { count: 2, examples, .. } if examples.len() == 1
        )),
        "{refused:?}"
    );
    acct.apply(&p, None);
    assert_eq!(acct.users, before, "nothing was written");

    // --rekey-employee-ids: Dave's user is re-keyed to 104, and 4's hire is created.
    let p = plan_rekey(&acct, &r, &cfg, true);
    assert!(p.skipped.is_empty(), "{:#?}", p.skipped);
    let rekey = p
        .actions
        .iter()
        .find(|a| a.user_id.as_ref().is_some_and(|id| id.as_str() == "PDAVE"))
        .expect("Dave's user is re-keyed");
    assert_eq!(rekey.kind, ActionKind::Update);
    assert_eq!(
        rekey.employee_id.as_ref().map(|id| id.as_str()),
        Some("104")
    );
    assert_eq!(rekey.rekeyed_from.as_ref().map(|id| id.as_str()), Some("4"));
    assert_eq!(rekey.email.as_str(), "dave@example.com");
    assert!(
        rekey.reason.contains(
            "the export lists 4 on another person's row, and this row has the user's email"
        ),
        "{}",
        rekey.reason
    );
    let create = p
        .actions
        .iter()
        .find(|a| a.kind == ActionKind::Create)
        .expect("Dave Zhang is created");
    assert_eq!(create.email.as_str(), "dave.zhang@example.com");
    assert_eq!(create.waits_for, None);
    assert_eq!(p.actions.len(), 2, "{:#?}", p.actions);
    acct.apply(&p, None);
    let dave = acct.users.iter().find(|u| u.id == "PDAVE").unwrap();
    assert_eq!(
        (dave.name.as_str(), dave.email.as_str()),
        ("Dave D", "dave@example.com")
    );
    assert!(plan_rekey(&acct, &r, &cfg, false).is_empty(), "converged");
}

#[test]
fn an_address_handed_to_a_new_hire_of_another_name_is_still_a_handoff() {
    // The move's evidence needs the user's name on the other row too: Dave D moving to a
    // new address and a new hire given his old one is a hand-off (as before), not a skip.
    let cfg = std_config();
    let (mut acct, _) = moved_dave();
    let r = roster(vec![
        emp(
            "4",
            "dave.d@example.com",
            "Dave D",
            Lifecycle::Active,
            "IT",
            "Rep",
        ),
        emp(
            "104",
            "dave@example.com",
            "Dave Zhang",
            Lifecycle::Active,
            "Sales",
            "Rep",
        ),
    ]);
    let p = plan_rekey(&acct, &r, &cfg, false);
    assert!(p.skipped.is_empty(), "{:#?}", p.skipped);
    let create = p
        .actions
        .iter()
        .find(|a| a.kind == ActionKind::Create)
        .unwrap();
    assert_eq!(
        create.waits_for.as_ref().map(|id| id.as_str()),
        Some("PDAVE")
    );
    acct.apply(&p, None);
    assert!(acct.plan(&r, &cfg).is_empty());
}

#[test]
fn a_reused_employee_id_does_not_rename_an_active_user_into_a_mover() {
    let cfg = std_config();
    let acct = Account::new(vec![user(
        "PKAY",
        "kay@example.com",
        "Kay Old",
        Role::LimitedUser,
        "Rep",
        marked("23"),
    )]);
    // Kay left and HR gave her ID to Nia the same night; Kay's row is gone.
    let nia = roster(vec![rob(Lifecycle::Active, "nia@example.com", "Nia New")]);
    let p = acct.plan(&nia, &cfg);
    assert!(p.actions.is_empty(), "{:#?}", p.actions);
    assert_eq!(reused(&p), [("23", "PKAY")]);
    // A name change that keeps the last name (a marriage ends, say) is an update.
    let renamed = roster(vec![rob(
        Lifecycle::Active,
        "kim.old@example.com",
        "Kim Old",
    )]);
    let p = acct.plan(&renamed, &cfg);
    assert_eq!(p.count(ActionKind::Update), 1, "{:#?}", p.skipped);
    assert!(p.skipped.is_empty());
}

/// `n` people with users marked by IDs `1..=n` (`pN@`, name `N PersonN` in words, base role
/// limited_user), and the export in which person `i` carries ID `ids[i - 1]`, person 1
/// an IT manager (the admin rule).
pub(super) fn renumbered(ids: &[u32]) -> (Account, Roster) {
    let users = (1..=ids.len())
        .map(|i| {
            user(
                &format!("PU{i:04}"),
                &format!("p{i}@example.com"),
                &format!("{} Person{i}", NUMBERS[i]),
                Role::LimitedUser,
                "Rep",
                marked(&i.to_string()),
            )
        })
        .collect();
    let rows = ids
        .iter()
        .enumerate()
        .map(|(at, id)| {
            let i = at + 1;
            let (dept, title) = if i == 1 {
                ("IT", "Manager")
            } else {
                ("Sales", "Rep")
            };
            emp(
                &id.to_string(),
                &format!("p{i}@example.com"),
                &format!("{} Person{i}", NUMBERS[i]),
                Lifecycle::Active,
                dept,
                title,
            )
        })
        .collect();
    (Account::new(users), roster(rows))
}

/// A word per number, so that no two test people share a first or a last name.
const NUMBERS: [&str; 10] = [
    "Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine",
];

#[test]
fn ids_renumbered_onto_old_values_are_refused_then_rekeyed() {
    let cfg = std_config();
    let caps = SafetyCaps::default();
    for (what, ids) in [
        ("reversed", vec![8, 7, 6, 5, 4, 3, 2, 1]),
        ("shuffled", vec![3, 1, 2, 6, 4, 5, 8, 7]),
        ("shifted by one", vec![2, 3, 4, 5, 6, 7, 8, 9]),
    ] {
        let (mut acct, r) = renumbered(&ids);
        let p = plan_rekey(&acct, &r, &cfg, false);
        // No user is written for the wrong person: no name, role or team change.
        assert!(
            p.actions.iter().all(|a| a.kind == ActionKind::Create),
            "{what}: {:#?}",
            p.actions
        );
        assert_eq!(p.count(ActionKind::Deactivate), 0, "{what}");
        let conflicts = p
            .skipped
            .iter()
            .filter(|s| {
                matches!(
                    s.reason,
                    SkipCause::MarkerEmailConflict { .. }
                        | SkipCause::EmailOfAnotherEmployee { .. }
                )
            })
            .count();
        assert!(conflicts >= 7, "{what}: {:#?}", p.skipped);
        let refused = safety::check(&p, &caps, Overrides::default());
        assert!(
            refused
                .iter()
                .any(|r| matches!(r, SafetyTrip::IdentityDrift { .. })
                    && r.to_string()
                        .contains("employee IDs appear to have changed")),
            "{what}: {refused:?}"
        );

        // --rekey-employee-ids re-keys each user to the row with its email.
        let p = plan_rekey(&acct, &r, &cfg, true);
        assert!(p.skipped.is_empty(), "{what}: {:#?}", p.skipped);
        for a in &p.actions {
            let i: usize = a.email.as_str()[1..]
                .split('@')
                .next()
                .unwrap()
                .parse()
                .unwrap();
            assert_eq!(
                a.user_id.as_ref().map(|id| id.as_str()),
                Some(format!("PU{i:04}").as_str()),
                "{what}: {a:#?}"
            );
            assert!(a.rekeyed_from.is_some(), "{what}: {a:#?}");
        }
        let rekeyed = p
            .actions
            .iter()
            .filter(|a| a.rekeyed_from.is_some())
            .count();
        assert_eq!(rekeyed, ids.len(), "{what}");
        acct.apply(&p, None);
        let admins: Vec<&str> = acct
            .users
            .iter()
            .filter(|u| u.role == Role::Admin && u.email.starts_with('p'))
            .map(|u| u.email.as_str())
            .collect();
        assert_eq!(
            admins,
            ["p1@example.com"],
            "{what}: admin to the IT manager only"
        );
        for u in acct.users.iter().filter(|u| u.email.starts_with('p')) {
            let i: usize = u.email[1..].split('@').next().unwrap().parse().unwrap();
            assert_eq!(u.name, format!("{} Person{i}", NUMBERS[i]), "{what}");
        }
        assert!(plan_rekey(&acct, &r, &cfg, false).is_empty(), "{what}");
    }
}

#[test]
fn offboarding_the_namesake_of_a_probable_duplicate_counts_against_the_same_cap() {
    // A wrong email domain under unmanaged_users = "offboard": 3 creates that duplicate
    // 3 unmarked users, whom the same run would suspend as unmanaged.
    let cfg = crate::plan::fixture::config_replacing(
        "unmanaged_users = \"report\"",
        "unmanaged_users = \"offboard\"",
    );
    let names = ["Ann Lee", "Bo Kim", "Cy Ng"];
    let r = roster(
        names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let email = format!("{}@wrong.example", n.replace(' ', "."));
                emp(
                    &format!("{}", 40 + i),
                    &email,
                    n,
                    Lifecycle::Active,
                    "Sales",
                    "Rep",
                )
            })
            .collect(),
    );
    let acct = Account::new(
        names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let email = format!("{}@example.com", n.replace(' ', "."));
                user(&format!("PN{i}"), &email, n, Role::LimitedUser, "Rep", None)
            })
            .collect(),
    );
    let p = acct.plan(&r, &cfg);
    assert_eq!(p.count(ActionKind::Create), 3);
    let namesakes: Vec<&Action> = p
        .actions
        .iter()
        .filter(|a| a.kind == ActionKind::Deactivate && a.reason.contains("probable duplicate"))
        .collect();
    assert_eq!(namesakes.len(), 3, "{:#?}", p.actions);
    assert!(
        namesakes[0]
            .reason
            .contains("this plan also creates \"Ann Lee\" <ann.lee@wrong.example>"),
        "{}",
        namesakes[0].reason
    );
    // 3 creates alone pass the default cap of 5; with their 3 namesakes' suspensions, 6 do not.
    let refused = safety::check(&p, &SafetyCaps::default(), Overrides::default());
    assert!(
        refused.iter().any(|r| matches!(
            r,
            SafetyTrip::ProbableDuplicates {
                count: 6,
                namesakes: 3,
                ..
            }
        ) && r
            .to_string()
            .starts_with("6 probable duplicates: 3 planned creates")
            && r.to_string().contains("--allow-probable-duplicates 6")),
        "{refused:?}"
    );
    let allowed = Overrides {
        allow_probable_duplicates: Some(6),
        ..Overrides::default()
    };
    assert!(
        safety::check(&p, &SafetyCaps::default(), allowed)
            .iter()
            .all(|r| !matches!(r, SafetyTrip::ProbableDuplicates { .. })),
    );
}

#[test]
fn rekeying_an_already_suspended_leaver_is_a_marker_update_not_a_deactivation() {
    let cfg = std_config();
    let record = suspension_record(
        "3",
        NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
        Role::Admin,
        vec![],
    );
    let mut acct = Account::new(vec![user(
        "PCAROL",
        "carol@example.com",
        "Carol C",
        Role::ReadOnlyLimitedUser,
        "Rep",
        Some(marker::render("", &record)),
    )]);
    // Still on call somewhere: a marker write takes nothing away, so it does not matter.
    acct.oncall.insert("PCAROL".into(), on_call());
    let r = roster(vec![emp(
        "1003",
        "carol@example.com",
        "Carol C",
        Lifecycle::Terminated,
        "Sales",
        "Rep",
    )]);
    let p = plan_rekey(&acct, &r, &cfg, true);
    assert_eq!(p.actions.len(), 1, "{:#?}", p.actions);
    let a = &p.actions[0];
    // It was a deactivation: shown "will be deactivated (suspended)", counted against
    // max_deactivations, and on-call checked.
    assert_eq!(a.kind, ActionKind::Update, "{a:#?}");
    assert_eq!(a.rekeyed_from.as_ref().map(|id| id.as_str()), Some("3"));
    assert!(
        a.reason.starts_with(
            "leaver already suspended: re-keys the marker from employee 3 to employee 1003"
        ),
        "{}",
        a.reason
    );
    assert!(a.blocked.is_none() && a.oncall.is_none(), "{a:#?}");
    assert!(!a.changes_role());
    let caps = SafetyCaps {
        max_deactivations: 0,
        max_rekeys: 1,
        ..SafetyCaps::default()
    };
    let refused = safety::check(&p, &caps, Overrides::default());
    assert!(refused.is_empty(), "{refused:?}");
    let caps = SafetyCaps {
        max_rekeys: 0,
        ..caps
    };
    assert!(
        safety::check(&p, &caps, Overrides::default())
            .iter()
            .any(|t| t.to_string().contains("max_rekeys")),
        "still capped as a re-key"
    );
    acct.apply(&p, None);
    let m = match marker::parse(acct.users[0].description.as_deref()).marker {
        MarkerState::Valid(m) => m,
        other => panic!("{other:?}"),
    };
    assert_eq!(m.employee_id.as_ref().map(|id| id.as_str()), Some("1003"));
    assert_eq!(m.suspended, record.suspended, "the record is kept");
    assert_eq!(acct.users[0].role, Role::ReadOnlyLimitedUser);
    assert!(plan_rekey(&acct, &r, &cfg, false).is_empty(), "converged");
}

#[test]
fn a_rekey_run_that_cannot_rekey_names_the_blocking_marker_instead_of_the_flag() {
    // IDs shifted by one, and the last person (whose ID 8 the seventh now carries) gone
    // from the export but protected ([lifecycle] protected), so that its user cannot give
    // the ID up: nothing can be re-keyed, the flag given or not (r7g #3, #7).
    let mut cfg = std_config();
    cfg.lifecycle
        .protected
        .insert(Email::normalise("p8@example.com"));
    let caps = SafetyCaps::default();
    let (acct, full) = renumbered(&[2, 3, 4, 5, 6, 7, 8, 9]);
    let mut rows = full.employees.clone();
    rows.pop();
    let r = roster(rows);
    let advice = "rerun plan and apply with --rekey-employee-ids";
    let without = plan_rekey(&acct, &r, &cfg, false);
    let with = plan_rekey(&acct, &r, &cfg, true);
    // Words only: the same rows are skipped, and nothing is re-keyed either way.
    assert_eq!(without.skipped.len(), with.skipped.len());
    assert!(with.actions.iter().all(|a| a.rekeyed_from.is_none()));
    for (p, rekey) in [(&without, false), (&with, true)] {
        let conflicts: Vec<&Skip> = p
            .skipped
            .iter()
            .filter(|s| matches!(s.reason, SkipCause::MarkerEmailConflict { .. }))
            .collect();
        assert_eq!(conflicts.len(), 7, "{:#?}", p.skipped);
        let last = conflicts
            .iter()
            .find(|s| s.employee_id.as_ref().map(|id| id.as_str()) == Some("8"))
            .unwrap()
            .reason
            .to_string();
        assert_eq!(last.contains(advice), !rekey, "{last}");
        if rekey {
            assert!(
                last.contains(
                    "cannot re-key PU0007 to this ID while PU0008 keeps that ID's marker"
                ) && last.contains("settle PU0008"),
                "{last}"
            );
        }
        let overrides = Overrides {
            rekey_employee_ids: rekey,
            ..Default::default()
        };
        let drift = safety::check(p, &caps, overrides)
            .into_iter()
            .find(|t| matches!(t, SafetyTrip::IdentityDrift { .. }))
            .unwrap()
            .to_string();
        assert_eq!(drift.contains(advice), !rekey, "{drift}");
        assert_eq!(
            drift.contains("could not re-key these rows"),
            rekey,
            "{drift}"
        );
    }
}
