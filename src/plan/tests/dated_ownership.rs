//! Planner tests where issue 7's dated rules (`plan::dated`: future hires, scheduled
//! terminations, leave) meet its ownership rules (offboarded unmanaged users, the
//! suspended-by-others conflict, probable duplicates, identity drift and re-keys, the shrink
//! check in small accounts). Each plans on a given day, applies the plan to the in-memory
//! account, and plans again.

use super::*;
use crate::config::SafetyCaps;
use crate::plan::fixture::dated_config;
use crate::plan::safety::{self, Overrides};

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

/// The plan of `r` against `acct` on `today`, with `--rekey-employee-ids` when `rekey`.
fn plan_on(acct: &Account, r: &Roster, cfg: &Config, today: NaiveDate, rekey: bool) -> Plan {
    let mut policy = Policy::from_config(cfg);
    policy.rekey_employee_ids = rekey;
    acct.plan_of(fixture::inputs(r, &policy, today)).unwrap()
}

/// Employee `id` (Sales) with `status` and the dates.
fn dated_emp(
    id: &str,
    email: &str,
    name: &str,
    status: Lifecycle,
    hired: Option<NaiveDate>,
    left: Option<NaiveDate>,
) -> Employee {
    let mut e = emp(id, email, name, status, "Sales", "Rep");
    e.hire_date = hired;
    e.termination_date = left;
    e
}

fn marker_of(acct: &Account, id: &str) -> Marker {
    let u = acct.users.iter().find(|u| u.id == id).unwrap();
    match marker::parse(u.description.as_deref()).marker {
        MarkerState::Valid(m) => m,
        other => panic!("{id}: {other:?}"),
    }
}

#[test]
fn an_offboarded_user_claimed_by_a_dated_leaver_keeps_the_cause_of_its_suspension() {
    let cfg = dated_config("offboard", "on_leave = \"suspend\"");
    let mut acct = Account::new(vec![
        user(
            "PCARL01",
            "carl@example.com",
            "Carl Tractor",
            Role::User,
            "Rep",
            None,
        ),
        user(
            "PDANA01",
            "dana@example.com",
            "Dana Scully",
            Role::User,
            "Rep",
            None,
        ),
    ]);
    // 29 November: neither is in the export; both are offboarded, with records that name
    // no employee and no cause.
    let p = plan_on(&acct, &roster(vec![]), &cfg, day(11, 29), false);
    assert_eq!(p.count(ActionKind::Deactivate), 2, "{:#?}", p.actions);
    acct.apply(&p, None);
    assert_eq!(marker_of(&acct, "PCARL01").employee_id, None);

    // 30 November: HR lists Carl, whose termination comes due today (the status still says
    // active), and Dana, on leave with on_leave = "suspend". Both rows find their user by
    // email and claim its record, which gains the cause.
    let carl = |status| {
        dated_emp(
            "7",
            "carl@example.com",
            "Carl Tractor",
            status,
            Some(day(1, 5)),
            Some(day(11, 30)),
        )
    };
    let dana = |status| {
        dated_emp(
            "8",
            "dana@example.com",
            "Dana Scully",
            status,
            Some(day(2, 1)),
            None,
        )
    };
    let r = roster(vec![carl(Lifecycle::Active), dana(Lifecycle::OnLeave)]);
    let p = plan_on(&acct, &r, &cfg, day(11, 30), false);
    // Only the records are rewritten: updates of the marker, not deactivations (no access
    // is lost), counted by no deactivation cap.
    assert_eq!(
        (p.count(ActionKind::Update), p.count(ActionKind::Deactivate)),
        (2, 0),
        "{:#?}",
        p.actions
    );
    for a in &p.actions {
        assert!(
            a.reason.starts_with("leaver already suspended"),
            "{}",
            a.reason
        );
        assert!(!a.changes_role(), "only the record is rewritten: {a:#?}");
    }
    acct.apply(&p, None);
    let m = marker_of(&acct, "PCARL01");
    let s = m.suspended.unwrap();
    assert_eq!(
        (
            m.employee_id.as_ref().map(|id| id.as_str()),
            s.on,
            s.termination_date,
            s.leave
        ),
        (Some("7"), day(11, 29), Some(day(11, 30)), false),
        "the offboarding date and role stay; the termination date that decided is recorded"
    );
    let m = marker_of(&acct, "PDANA01");
    let s = m.suspended.unwrap();
    assert_eq!(
        (
            m.employee_id.as_ref().map(|id| id.as_str()),
            s.termination_date,
            s.leave
        ),
        (Some("8"), None, true)
    );

    // 1 December: Carl's termination date has passed while the status says active. The
    // record says that date brought the suspension, so it stays (no reactivation, and no
    // conflict reported). Dana is back from leave: a return, not a rehire.
    let r = roster(vec![carl(Lifecycle::Active), dana(Lifecycle::Active)]);
    let p = plan_on(&acct, &r, &cfg, day(12, 1), false);
    assert!(p.conflicts.is_empty(), "{:#?}", p.conflicts);
    assert_eq!(p.actions.len(), 1, "{:#?}", p.actions);
    assert_eq!(p.actions[0].kind, ActionKind::Reactivate);
    assert_eq!(
        p.actions[0].user_id.as_ref().map(|id| id.as_str()),
        Some("PDANA01")
    );
    assert!(
        p.actions[0].reason.starts_with("return from leave"),
        "{}",
        p.actions[0].reason
    );
    acct.apply(&p, None);
    assert!(plan_on(&acct, &r, &cfg, day(12, 1), false).is_empty());
}

/// Six future hires (hire date 10 December) whose emails find users whose markers name
/// employee IDs the export no longer lists, as after a renumbering.
fn renumbered_future_hires() -> (Roster, Account) {
    let r = roster(
        (1..=6)
            .map(|i| {
                dated_emp(
                    &format!("110{i}"),
                    &format!("a{i}@example.com"),
                    &format!("Aa N{i}"),
                    Lifecycle::Active,
                    Some(day(12, 10)),
                    None,
                )
            })
            .collect(),
    );
    let acct = Account::new(
        (1..=6)
            .map(|i| {
                user(
                    &format!("PA0000{i}"),
                    &format!("a{i}@example.com"),
                    &format!("Aa N{i}"),
                    Role::LimitedUser,
                    "Rep",
                    marked(&format!("10{i}")),
                )
            })
            .collect(),
    );
    (r, acct)
}

#[test]
fn future_hires_under_another_employees_marker_count_as_identity_drift_only_from_their_date() {
    let cfg = dated_config("report", "");
    let (r, acct) = renumbered_future_hires();
    let drift = |p: &Plan| {
        safety::check(p, &SafetyCaps::default(), Overrides::default())
            .iter()
            .map(ToString::to_string)
            .filter(|w| w.contains("max_identity_conflicts"))
            .count()
    };
    // Before the hire date: the six rows are listed as skipped, marked as future hires,
    // and not counted; --rekey-employee-ids writes nothing for them either.
    for rekey in [false, true] {
        let p = plan_on(&acct, &r, &cfg, day(11, 30), rekey);
        assert!(p.actions.is_empty(), "{:#?}", p.actions);
        assert_eq!(p.skipped.len(), 6, "{:#?}", p.skipped);
        assert!(
            p.skipped
                .iter()
                .all(|s| s.not_yet_hired
                    && matches!(s.reason, SkipCause::EmailOfAnotherEmployee { .. })),
            "{:#?}",
            p.skipped
        );
        assert_eq!(drift(&p), 0);
    }
    // On the hire date they are provisioned today: counted, and re-keyed when asked.
    let p = plan_on(&acct, &r, &cfg, day(12, 10), false);
    assert!(p.skipped.iter().all(|s| !s.not_yet_hired));
    assert_eq!(drift(&p), 1, "{p:#?}");
    let mut acct = acct;
    let p = plan_on(&acct, &r, &cfg, day(12, 10), true);
    assert_eq!(
        p.actions
            .iter()
            .filter(|a| a.rekeyed_from.is_some())
            .count(),
        6,
        "{:#?}",
        p.actions
    );
    assert!(p.skipped.is_empty(), "{:#?}", p.skipped);
    acct.apply(&p, None);
    assert!(plan_on(&acct, &r, &cfg, day(12, 10), false).is_empty());
}

#[test]
fn the_suspended_by_others_conflict_is_decided_by_the_standing() {
    let cfg = dated_config("report", "");
    let held =
        |status, hired| dated_emp("50", "held@example.com", "He Ld", status, Some(hired), None);
    let acct = Account::new(vec![user(
        "PHELD01",
        "held@example.com",
        "He Ld",
        Role::RestrictedAccess,
        "Rep",
        None,
    )]);
    let conflict = SkipCause::SuspendedByOthers {
        role: Role::RestrictedAccess,
    };
    // Kept in sync while on leave (on_leave = "keep"), and a future hire on its hire date:
    // both would be adopted today, which would undo someone else's suspension.
    for e in [
        held(Lifecycle::OnLeave, day(1, 1)),
        held(Lifecycle::Active, day(11, 30)),
    ] {
        let p = plan_on(&acct, &roster(vec![e]), &cfg, day(11, 30), false);
        assert!(p.actions.is_empty(), "{:#?}", p.actions);
        assert_eq!(
            p.skipped.iter().map(|s| &s.reason).collect::<Vec<_>>(),
            [&conflict]
        );
    }
    // A future hire not due yet: nothing is done today, so there is nothing to conflict
    // with; the user is left as it is until the date.
    let p = plan_on(
        &acct,
        &roster(vec![held(Lifecycle::Active, day(12, 10))]),
        &cfg,
        day(11, 30),
        false,
    );
    assert!(p.is_empty(), "{p:#?}");
    assert!(p.skipped.is_empty() && p.pending.is_empty(), "{p:#?}");
}

#[test]
fn a_future_hire_is_a_probable_duplicate_only_when_its_create_comes_due() {
    let cfg = dated_config("report", "");
    let acct = Account::new(vec![user(
        "PZOE001",
        "zoe.k@old-domain.example",
        "Zoë Kovács",
        Role::LimitedUser,
        "Rep",
        None,
    )]);
    let r = roster(vec![dated_emp(
        "60",
        "zoe@example.com",
        "Zoe Kovacs",
        Lifecycle::Active,
        Some(day(12, 10)),
        None,
    )]);
    let before = plan_on(&acct, &r, &cfg, day(11, 30), false);
    assert!(before.actions.is_empty(), "{:#?}", before.actions);
    assert_eq!(before.pending.len(), 1);
    assert!(safety::check(&before, &SafetyCaps::default(), Overrides::default()).is_empty());
    let due = plan_on(&acct, &r, &cfg, day(12, 10), false);
    assert_eq!(due.count(ActionKind::Create), 1, "{:#?}", due.actions);
    assert_eq!(
        due.actions[0]
            .probable_duplicate
            .as_ref()
            .map(|d| d.user_id.as_str()),
        Some("PZOE001")
    );
}

/// `n` managed users in sync with `n` rows, of which `leave` are on leave.
fn managed(n: usize, leave: usize) -> (Roster, Account) {
    let rows = (0..n)
        .map(|i| {
            let status = if i < leave {
                Lifecycle::OnLeave
            } else {
                Lifecycle::Active
            };
            dated_emp(
                &format!("{}", 100 + i),
                &format!("p{i}@example.com"),
                &format!("Pe N{i}"),
                status,
                Some(day(1, 1)),
                None,
            )
        })
        .collect();
    let users = (0..n)
        .map(|i| {
            user(
                &format!("PM{i:05}"),
                &format!("p{i}@example.com"),
                &format!("Pe N{i}"),
                Role::LimitedUser,
                "Rep",
                marked(&format!("{}", 100 + i)),
            )
        })
        .collect();
    (roster(rows), Account::new(users))
}

#[test]
fn the_shrink_check_counts_those_provisioned_today_and_only_above_fifty_users() {
    let suspend = dated_config("report", "on_leave = \"suspend\"");
    let keep = dated_config("report", "");
    // Deactivations are capped separately; here only the shrink check is looked at.
    let lax = SafetyCaps {
        max_deactivation_percent: 100.0,
        ..SafetyCaps::default()
    };
    let shrink = |p: &Plan| {
        safety::check(p, &lax, Overrides::default())
            .iter()
            .map(ToString::to_string)
            .filter(|w| w.contains("max_shrink_percent"))
            .collect::<Vec<_>>()
    };
    // 60 managed users, 7 on leave: suspended, they are not provisioned today (53 of 60,
    // 11.7% fewer); kept, they are.
    let (r, acct) = managed(60, 7);
    let p = plan_on(&acct, &r, &suspend, day(11, 30), false);
    assert_eq!(p.count(ActionKind::Deactivate), 7);
    assert_eq!(
        (p.population.hr_active, p.population.managed_active_users),
        (53, 60)
    );
    let w = shrink(&p);
    assert!(
        w.len() == 1 && w[0].contains("lists 53 active employees, 11.7% fewer than the 60"),
        "{w:?}"
    );
    assert!(shrink(&plan_on(&acct, &r, &keep, day(11, 30), false)).is_empty());
    // 8 managed users, one on leave suspended: 12.5% fewer, but in a small account
    // max_deactivations governs, so nothing is refused.
    let (r, acct) = managed(8, 1);
    let p = plan_on(&acct, &r, &suspend, day(11, 30), false);
    assert_eq!(
        (p.population.hr_active, p.population.managed_active_users),
        (7, 8)
    );
    assert!(safety::check(&p, &SafetyCaps::default(), Overrides::default()).is_empty());
}
