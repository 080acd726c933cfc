//! Planner tests of the dated rules and of leave: each plans, applies the plan to the
//! in-memory account of `plan::tests`, and plans again (on the same day or a later one),
//! so every rule is checked through to `No changes.`

use super::super::fixture::{dated_config, dated_config_without_status, inputs};
use super::super::tests::{Account, emp, marked, on_call, owner, roster, signing_keys, user};
use super::*;
use crate::hr::Employee;
use crate::marker::{self, MarkerState};
use crate::plan::{ActionKind, Plan, StartConflict};
use crate::vocab::{Role, TeamRole};

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

/// Employee 7, Ann Lee (Sales), with `status` and the dates.
fn ann(status: Lifecycle, hired: Option<NaiveDate>, left: Option<NaiveDate>) -> Employee {
    let mut e = emp("7", "ann@example.com", "Ann Lee", status, "Sales", "Rep");
    e.hire_date = hired;
    e.termination_date = left;
    e
}

/// The same row as an export without a status column gives it.
fn ann_unstated(hired: Option<NaiveDate>, left: Option<NaiveDate>) -> Employee {
    let mut e = ann(Lifecycle::Active, hired, left);
    e.status_value = None;
    e
}

/// An account where Ann already has her (in sync) user.
fn with_ann() -> Account {
    Account::new(vec![
        owner(),
        user(
            "PANN001",
            "ann@example.com",
            "Ann Lee",
            Role::LimitedUser,
            "Rep",
            marked("7"),
        ),
    ])
}

fn kinds(p: &Plan) -> Vec<ActionKind> {
    p.actions.iter().map(|a| a.kind).collect()
}

fn pending(p: &Plan) -> Vec<(ActionKind, NaiveDate)> {
    p.pending.iter().map(|x| (x.kind, x.on)).collect()
}

fn ann_suspension(acct: &Account) -> Option<crate::marker::Suspension> {
    let u = acct.users.iter().find(|u| u.id == "PANN001").unwrap();
    match marker::parse(u.description.as_deref()).marker {
        MarkerState::Valid(m) => m.suspended,
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_future_hire_is_pending_until_its_provisioning_window_opens() {
    let cfg = dated_config("report", "provision_days_before_start = 3");
    let r = roster(vec![ann(Lifecycle::Active, Some(day(12, 10)), None)]);
    let mut acct = Account::new(vec![owner()]);
    // Outside the window (more than 3 days before the hire date): nothing, listed pending.
    let p = acct.plan_on(&r, &cfg, day(12, 6));
    assert!(p.is_empty(), "{:#?}", p.actions);
    assert_eq!(pending(&p), [(ActionKind::Create, day(12, 7))]);
    assert_eq!(p.pending[0].date, day(12, 10));
    assert_eq!(p.population.hr_active, 0);
    // Inside it: created.
    let p = acct.plan_on(&r, &cfg, day(12, 7));
    assert_eq!(kinds(&p), [ActionKind::Create]);
    assert!(p.pending.is_empty());
    acct.apply(&p, None);
    let again = acct.plan_on(&r, &cfg, day(12, 8));
    assert!(again.is_empty() && again.pending.is_empty(), "{again:#?}");
    // The default is 0 days: on the hire date itself, not the day before.
    let cfg = dated_config("report", "");
    let acct = Account::new(vec![owner()]);
    assert!(acct.plan_on(&r, &cfg, day(12, 9)).is_empty());
    assert_eq!(
        kinds(&acct.plan_on(&r, &cfg, day(12, 10))),
        [ActionKind::Create]
    );
}

#[test]
fn a_pending_status_is_provisioned_only_inside_its_hire_dates_window() {
    let cfg = dated_config("report", "provision_days_before_start = 3");
    let r = roster(vec![ann(Lifecycle::Pending, Some(day(12, 10)), None)]);
    let mut acct = Account::new(vec![owner()]);
    let p = acct.plan_on(&r, &cfg, day(12, 6));
    assert!(p.is_empty());
    assert_eq!(pending(&p), [(ActionKind::Create, day(12, 7))]);
    let p = acct.plan_on(&r, &cfg, day(12, 10));
    assert_eq!(kinds(&p), [ActionKind::Create]);
    assert!(p.start_conflicts.is_empty(), "{:#?}", p.start_conflicts);
    acct.apply(&p, None);
    let ann_id = acct
        .users
        .iter()
        .find(|u| u.email == "ann@example.com")
        .unwrap()
        .id
        .clone();
    // Past the hire date with the status still pending, the status decides: the user stays
    // as it is, neither updated nor suspended; the row is reported as a start date conflict.
    let p = acct.plan_on(&r, &cfg, day(12, 12));
    assert!(p.is_empty() && p.pending.is_empty(), "{p:#?}");
    let conflict = StartConflict {
        employee_id: "7".into(),
        email: r.employees[0].email.clone(),
        status: Some("Pending".into()),
        hire_date: Some(day(12, 10)),
        user_id: Some(ann_id),
        line: 8,
    };
    assert_eq!(p.start_conflicts, std::slice::from_ref(&conflict));
    // Without a user it is not created, and reported the same way.
    let p = Account::new(vec![owner()]).plan_on(&r, &cfg, day(12, 11));
    assert!(p.is_empty() && p.pending.is_empty(), "{p:#?}");
    assert_eq!(
        p.start_conflicts,
        [StartConflict {
            user_id: None,
            ..conflict.clone()
        }]
    );
    // Without a hire date nothing brings it: not provisioned, not listed as pending, but
    // reported.
    let r = roster(vec![ann(Lifecycle::Pending, None, None)]);
    let p = Account::new(vec![owner()]).plan_on(&r, &cfg, day(12, 6));
    assert!(p.is_empty() && p.pending.is_empty());
    assert_eq!(p.unchanged, 1);
    assert_eq!(
        p.start_conflicts,
        [StartConflict {
            user_id: None,
            hire_date: None,
            ..conflict
        }]
    );
}

#[test]
fn a_termination_tomorrow_is_pending_then_applied_on_its_date_and_stays_applied() {
    let cfg = dated_config("report", "");
    let r = roster(vec![ann(Lifecycle::Active, None, Some(day(12, 4)))]);
    let mut acct = with_ann();
    // The day before: nothing to do, a deactivation pending on the date.
    let p = acct.plan_on(&r, &cfg, day(12, 3));
    assert!(p.is_empty(), "{:#?}", p.actions);
    assert_eq!(pending(&p), [(ActionKind::Deactivate, day(12, 4))]);
    assert_eq!(
        p.pending[0].user_id.as_ref().map(|id| id.as_str()),
        Some("PANN001")
    );
    assert!(p.conflicts.is_empty());
    assert_eq!(p.population.hr_active, 1);
    // On the date (a termination dated today is applied today), without HR changing the
    // status.
    let p = acct.plan_on(&r, &cfg, day(12, 4));
    assert_eq!(kinds(&p), [ActionKind::Deactivate]);
    assert_eq!(
        p.actions[0].reason,
        "scheduled termination: termination date 2026-12-04 is today"
    );
    assert!(p.pending.is_empty() && p.conflicts.is_empty());
    assert_eq!(p.population.hr_active, 0);
    acct.apply(&p, None);
    let s = ann_suspension(&acct).expect("suspended");
    assert_eq!((s.on, s.termination_date), (day(12, 4), Some(day(12, 4))));
    // The next day the date has passed and the status still says active: the suspension
    // this date brought stays (no reactivation), and it is no conflict.
    for d in [day(12, 4), day(12, 5), day(12, 31)] {
        let p = acct.plan_on(&r, &cfg, d);
        assert!(p.is_empty(), "{d}: {:#?}", p.actions);
        assert!(
            p.conflicts.is_empty() && p.pending.is_empty(),
            "{d}: {p:#?}"
        );
    }
}

#[test]
fn a_past_termination_date_on_an_active_row_is_a_conflict_the_setting_decides() {
    // Older than the 30 catch-up days: no longer a scheduled termination still due.
    let r = roster(vec![ann(Lifecycle::Active, None, Some(day(10, 2)))]);
    // status (the default): the employee stays, the conflict is reported.
    let cfg = dated_config("report", "");
    let p = with_ann().plan_on(&r, &cfg, day(12, 3));
    assert!(p.is_empty(), "{:#?}", p.actions);
    assert_eq!(p.conflicts.len(), 1);
    let c = &p.conflicts[0];
    assert_eq!(
        (c.termination_date, c.decided_by, c.status.as_deref()),
        (day(10, 2), PastTerminationDate::Status, Some("Active"))
    );
    assert_eq!(p.population.hr_active, 1);
    // date: a leaver, and the conflict is still reported.
    let cfg = dated_config("report", "past_termination_date = \"date\"");
    let mut acct = with_ann();
    let p = acct.plan_on(&r, &cfg, day(12, 3));
    assert_eq!(kinds(&p), [ActionKind::Deactivate]);
    assert!(
        p.actions[0]
            .reason
            .contains("past_termination_date = \"date\""),
        "{}",
        p.actions[0].reason
    );
    assert_eq!(p.conflicts[0].decided_by, PastTerminationDate::Date);
    acct.apply(&p, None);
    assert!(acct.plan_on(&r, &cfg, day(12, 3)).is_empty());
    // A leaver by status has no conflict, whatever its date.
    let r = roster(vec![ann(Lifecycle::Terminated, None, Some(day(1, 2)))]);
    let p = with_ann().plan_on(&r, &dated_config("report", ""), day(12, 3));
    assert_eq!(kinds(&p), [ActionKind::Deactivate]);
    assert!(p.conflicts.is_empty());
}

#[test]
fn without_a_status_column_the_termination_date_decides() {
    let cfg = dated_config_without_status();
    let r = roster(vec![ann_unstated(Some(day(1, 5)), Some(day(12, 2)))]);
    let mut acct = with_ann();
    let p = acct.plan_on(&r, &cfg, day(12, 3));
    assert_eq!(kinds(&p), [ActionKind::Deactivate]);
    assert_eq!(
        p.actions[0].reason,
        "leaver: termination date 2026-12-02 has passed (no status column)"
    );
    assert!(p.conflicts.is_empty());
    acct.apply(&p, None);
    assert!(acct.plan_on(&r, &cfg, day(12, 3)).is_empty());
    // The same row with the date ahead: a scheduled termination.
    let r = roster(vec![ann_unstated(None, Some(day(12, 9)))]);
    let p = with_ann().plan_on(&r, &cfg, day(12, 3));
    assert!(p.is_empty());
    assert_eq!(pending(&p), [(ActionKind::Deactivate, day(12, 9))]);
}

#[test]
fn a_rehire_after_a_dated_termination_shows_as_a_later_hire_date_or_no_date() {
    let cfg = dated_config_without_status();
    let mut acct = with_ann();
    let left = roster(vec![ann_unstated(Some(day(1, 5)), Some(day(6, 30)))]);
    let p = acct.plan_on(&left, &cfg, day(7, 1));
    acct.apply(&p, None);
    assert!(ann_suspension(&acct).is_some());
    // HR rehires her on 2026-12-01 and keeps the old termination date: it is before the
    // new hire date, so it belongs to the earlier employment.
    for back in [
        ann_unstated(Some(day(12, 1)), Some(day(6, 30))),
        ann_unstated(Some(day(1, 5)), None),
    ] {
        let mut a = acct.clone();
        let r = roster(vec![back]);
        let p = a.plan_on(&r, &cfg, day(12, 3));
        assert_eq!(kinds(&p), [ActionKind::Reactivate], "{p:#?}");
        assert!(p.actions[0].reason.starts_with("rehire: "));
        a.apply(&p, None);
        assert!(ann_suspension(&a).is_none());
        assert!(a.plan_on(&r, &cfg, day(12, 3)).is_empty());
    }
}

#[test]
fn a_rehire_whose_status_went_back_to_active_keeps_its_old_date_and_is_reactivated() {
    // Suspended by status (nothing recorded about the date); rehired by the status with
    // the old termination date left in the export: status decides (the default).
    let cfg = dated_config("report", "");
    let mut acct = with_ann();
    let left = roster(vec![ann(Lifecycle::Terminated, None, Some(day(6, 30)))]);
    acct.apply(&acct.plan_on(&left, &cfg, day(7, 1)), None);
    assert_eq!(ann_suspension(&acct).unwrap().termination_date, None);
    let back = roster(vec![ann(Lifecycle::Active, None, Some(day(6, 30)))]);
    let p = acct.plan_on(&back, &cfg, day(12, 3));
    assert_eq!(kinds(&p), [ActionKind::Reactivate]);
    assert_eq!(p.conflicts.len(), 1, "the stale date is still reported");
    acct.apply(&p, None);
    assert!(acct.plan_on(&back, &cfg, day(12, 3)).is_empty());
}

#[test]
fn a_future_rehire_date_holds_back_the_reactivation_until_its_window() {
    let cfg = dated_config("report", "provision_days_before_start = 2");
    let mut acct = with_ann();
    let left = roster(vec![ann(Lifecycle::Terminated, None, None)]);
    acct.apply(&acct.plan_on(&left, &cfg, day(7, 1)), None);
    let r = roster(vec![ann(Lifecycle::Active, Some(day(12, 10)), None)]);
    let p = acct.plan_on(&r, &cfg, day(12, 3));
    assert!(p.is_empty(), "{:#?}", p.actions);
    assert_eq!(pending(&p), [(ActionKind::Reactivate, day(12, 8))]);
    let p = acct.plan_on(&r, &cfg, day(12, 8));
    assert_eq!(kinds(&p), [ActionKind::Reactivate]);
    acct.apply(&p, None);
    assert!(acct.plan_on(&r, &cfg, day(12, 8)).is_empty());
}

#[test]
fn leave_is_kept_by_default() {
    let cfg = dated_config("report", "");
    let r = roster(vec![ann(Lifecycle::OnLeave, None, None)]);
    let p = with_ann().plan_on(&r, &cfg, day(12, 3));
    assert!(p.is_empty() && p.pending.is_empty(), "{p:#?}");
    assert_eq!(p.population.hr_active, 1);
    // On leave and without a user: an employee like any other, so created.
    let p = Account::new(vec![owner()]).plan_on(&r, &cfg, day(12, 3));
    assert_eq!(kinds(&p), [ActionKind::Create]);
}

#[test]
fn leave_is_suspended_when_asked_and_the_return_reactivates_as_a_rehire_does() {
    let cfg = dated_config("report", "on_leave = \"suspend\"");
    let mut acct = with_ann();
    acct.join("PANN001", "PTCHESS", TeamRole::Observer);
    let away = roster(vec![ann(Lifecycle::OnLeave, None, None)]);
    let p = acct.plan_on(&away, &cfg, day(12, 3));
    assert_eq!(kinds(&p), [ActionKind::Deactivate]);
    assert_eq!(
        p.actions[0].reason,
        "leave of absence: status \"OnLeave\" in HR; [lifecycle] on_leave = \"suspend\""
    );
    assert_eq!(p.population.hr_active, 0);
    acct.apply(&p, None);
    let s = ann_suspension(&acct).unwrap();
    assert!(s.leave && s.termination_date.is_none());
    assert!(acct.plan_on(&away, &cfg, day(12, 4)).is_empty());
    // On leave without a user: nothing is created.
    let p = Account::new(vec![owner()]).plan_on(&away, &cfg, day(12, 3));
    assert!(p.is_empty());
    // Back from leave: reactivated, the team it had restored.
    let back = roster(vec![ann(Lifecycle::Active, None, None)]);
    let p = acct.plan_on(&back, &cfg, day(12, 20));
    assert_eq!(kinds(&p), [ActionKind::Reactivate]);
    assert!(
        p.actions[0].reason.starts_with("return from leave: "),
        "{}",
        p.actions[0].reason
    );
    acct.apply(&p, None);
    assert!(ann_suspension(&acct).is_none());
    let u = acct.users.iter().find(|u| u.id == "PANN001").unwrap();
    assert_eq!(u.role, Role::LimitedUser);
    assert!(u.teams.iter().any(|t| t.id == "PTCHESS"));
    assert!(acct.plan_on(&back, &cfg, day(12, 20)).is_empty());
}

#[test]
fn a_termination_date_before_the_hire_date_is_ignored() {
    let cfg = dated_config("report", "past_termination_date = \"date\"");
    let e = ann(Lifecycle::Active, Some(day(3, 1)), Some(day(2, 1)));
    let policy = Policy::from_config(&cfg);
    let d = dated(&e, &policy, day(12, 3), None, None);
    assert_eq!(d.standing, Standing::Employed { on_leave: false });
    assert_eq!((d.conflict, d.termination_scheduled), (None, None));
}

#[test]
fn a_future_hire_with_a_future_termination_lists_both() {
    let cfg = dated_config("report", "");
    let r = roster(vec![ann(
        Lifecycle::Active,
        Some(day(12, 10)),
        Some(day(12, 20)),
    )]);
    let p = Account::new(vec![owner()]).plan_on(&r, &cfg, day(12, 3));
    assert!(p.is_empty());
    assert_eq!(
        pending(&p),
        [
            (ActionKind::Create, day(12, 10)),
            (ActionKind::Deactivate, day(12, 20))
        ]
    );
}

#[test]
fn counts_give_each_standing_as_of_the_day() {
    let cfg = dated_config("report", "");
    let policy = Policy::from_config(&cfg);
    let mut e = vec![
        ann(Lifecycle::Active, None, None),
        ann(Lifecycle::Active, None, Some(day(12, 9))),
        ann(Lifecycle::Active, None, Some(day(1, 9))),
        // Within the catch-up days: a leaver still due, not a conflict.
        ann(Lifecycle::Active, None, Some(day(11, 20))),
        ann(Lifecycle::OnLeave, None, None),
        ann(Lifecycle::Terminated, None, None),
        ann(Lifecycle::Active, Some(day(12, 24)), None),
        ann(Lifecycle::Pending, None, None),
    ];
    for (i, x) in e.iter_mut().enumerate() {
        x.employee_id = i.to_string().into();
    }
    let c = counts(&roster(e.clone()), &policy, day(12, 3));
    assert_eq!(
        c,
        Counts {
            active: 3,
            on_leave: 1,
            terminated: 2,
            pending: 2,
            scheduled_terminations: 1,
            overdue_terminations: 1,
            conflicts: 1,
            start_conflicts: 1,
        }
    );
    // With no catch-up days, the same row is a conflict the status decides (kept active).
    let none = Policy::from_config(&dated_config("report", "termination_catch_up_days = 0"));
    let c0 = counts(&roster(e), &none, day(12, 3));
    assert_eq!(
        (
            c0.active,
            c0.terminated,
            c0.overdue_terminations,
            c0.conflicts
        ),
        (4, 1, 0, 2)
    );
}

/// The reason of a termination still due `ago` days after its date, 2026-11-02.
fn overdue_reason(ago: i64, catch_up: u32) -> String {
    format!(
        "scheduled termination overdue since 2026-11-02 ({ago} day{} ago; status \"Active\" in HR; within [lifecycle] termination_catch_up_days = {catch_up})",
        if ago == 1 { "" } else { "s" }
    )
}

/// Ann's trusted marker's termination-pending stamp.
fn ann_stamp(acct: &Account) -> Option<NaiveDate> {
    let u = acct.users.iter().find(|u| u.id == "PANN001").unwrap();
    match marker::parse(u.description.as_deref()).marker {
        MarkerState::Valid(m) => m.pending_termination,
        other => panic!("{other:?}"),
    }
}

/// The reason of the action that stamps the marker with termination date `d`.
fn stamp_reason(d: NaiveDate) -> String {
    format!(
        "termination pending: stamp the ownership marker with termination date {d}, whose deactivation is blocked, so that it stays due after [lifecycle] termination_catch_up_days = 30 while HR keeps that date; a marker write only, nothing is offboarded"
    )
}

#[test]
fn a_termination_blocked_on_its_date_is_stamped_and_stays_due_after_the_catch_up_days() {
    let cfg = dated_config("report", "");
    let d = day(11, 2);
    let r = roster(vec![ann(Lifecycle::Active, Some(day(1, 5)), Some(d))]);
    let mut acct = with_ann();
    // Ann is on call: every deactivation of hers is blocked until the duty is handed over.
    acct.oncall.insert("PANN001".into(), on_call());
    // D-1: pending on D.
    let p = acct.plan_on(&r, &cfg, day(11, 1));
    assert!(p.is_empty(), "{:#?}", p.actions);
    assert_eq!(pending(&p), [(ActionKind::Deactivate, d)]);
    assert!(p.conflicts.is_empty());
    // D: a leaver, blocked; the only write is the stamp, a marker update (first, so that
    // it runs before the deactivation), which changes no role and counts against no cap.
    let p = acct.plan_on(&r, &cfg, d);
    assert_eq!(
        (kinds(&p), p.blocked()),
        (vec![ActionKind::Update, ActionKind::Deactivate], 1)
    );
    let stamp = &p.actions[0];
    assert_eq!(stamp.reason, stamp_reason(d));
    assert!(stamp.blocked.is_none() && !stamp.changes_role() && stamp.teams.is_none());
    assert_eq!(
        stamp.changes.iter().map(|c| c.field).collect::<Vec<_>>(),
        [crate::plan::Field::Description]
    );
    assert_eq!(stamp.steps.len(), 1);
    acct.apply(&p, None);
    assert!(ann_suspension(&acct).is_none());
    assert_eq!(ann_stamp(&acct), Some(d));
    assert_eq!(
        acct.users[1].role,
        Role::LimitedUser,
        "the stamp offboards nothing"
    );
    // D+1 up to D+30 (the boundary): the same blocked deactivation, overdue, neither a
    // conflict nor pending; no second stamp.
    for ago in [0, 1, 2, 30] {
        let today = d + chrono::Days::new(ago);
        let p = acct.plan_on(&r, &cfg, today);
        assert_eq!(
            (kinds(&p), p.blocked()),
            (vec![ActionKind::Deactivate], 1),
            "{today}"
        );
        if ago > 0 {
            assert_eq!(p.actions[0].reason, overdue_reason(ago as i64, 30));
        }
        assert!(p.conflicts.is_empty() && p.pending.is_empty(), "{p:#?}");
        assert_eq!(p.population.hr_active, 0);
    }
    // D+31 and long after: the stamp keeps it due, still blocked; no conflict, and
    // termination_catch_up_days = 0 changes nothing for it.
    let zero = dated_config("report", "termination_catch_up_days = 0");
    for (cfg, today) in [(&cfg, day(12, 3)), (&cfg, day(12, 31)), (&zero, day(11, 3))] {
        let p = acct.plan_on(&r, cfg, today);
        assert_eq!(
            (kinds(&p), p.blocked()),
            (vec![ActionKind::Deactivate], 1),
            "{today}"
        );
        assert!(p.conflicts.is_empty(), "{p:#?}");
        assert_eq!(p.population.hr_active, 0);
    }
    // The duty handed over on D+40: suspended then; the suspension replaces the stamp,
    // and it stays so, since the suspension records the date.
    acct.oncall.clear();
    let p = acct.plan_on(&r, &cfg, day(12, 12));
    assert_eq!((kinds(&p), p.blocked()), (vec![ActionKind::Deactivate], 0));
    acct.apply(&p, None);
    let s = ann_suspension(&acct).expect("suspended");
    assert_eq!((s.on, s.termination_date), (day(12, 12), Some(d)));
    assert_eq!(ann_stamp(&acct), None);
    for today in [day(12, 12), day(12, 31)] {
        let p = acct.plan_on(&r, &cfg, today);
        assert!(p.is_empty() && p.conflicts.is_empty(), "{today}: {p:#?}");
    }
}

#[test]
fn a_stamp_for_another_date_keeps_nothing_due_and_is_removed() {
    let cfg = dated_config("report", "");
    let d = day(11, 2);
    let mut acct = with_ann();
    acct.oncall.insert("PANN001".into(), on_call());
    let r = roster(vec![ann(Lifecycle::Active, Some(day(1, 5)), Some(d))]);
    acct.apply(&acct.plan_on(&r, &cfg, d), None);
    assert_eq!(ann_stamp(&acct), Some(d));
    // Without the stamp, D+31 is a conflict the status decides (kept active): the
    // stamp is what keeps the termination due.
    let policy = Policy::from_config(&cfg);
    let e = ann(Lifecycle::Active, Some(day(1, 5)), Some(d));
    let without = dated(&e, &policy, day(12, 3), None, None);
    assert_eq!(without.conflict, Some(d));
    assert_eq!(without.standing, Standing::Employed { on_leave: false });
    let with = dated(&e, &policy, day(12, 3), None, Some(d));
    assert_eq!((with.conflict, with.overdue), (None, Some(d)));
    assert_eq!(
        with.standing,
        Standing::Leaver(LeaverCause::TerminationDate(d))
    );
    // A run as of a day before the stamped date (replaying a missed night), HR still
    // giving that date: the termination is pending again that day, and the stamp stays.
    for before in [day(10, 20), day(11, 1)] {
        let p = acct.plan_on(&r, &cfg, before);
        assert!(
            p.actions.is_empty(),
            "as of {before}: {:?}",
            p.actions.iter().map(|a| &a.reason).collect::<Vec<_>>()
        );
    }
    // A stamp of another date counts for nothing.
    let other = dated(&e, &policy, day(12, 3), None, Some(day(11, 1)));
    assert_eq!(other, without);
    // HR corrects the date (an older one, a future one) or clears it: the row decides as
    // without a stamp, and the stamp is removed by a marker update.
    for left in [Some(day(10, 1)), Some(day(12, 20)), None] {
        let r = roster(vec![ann(Lifecycle::Active, Some(day(1, 5)), left)]);
        let mut acct = acct.clone();
        let p = acct.plan_on(&r, &cfg, day(12, 3));
        assert_eq!(
            (kinds(&p), p.blocked()),
            (vec![ActionKind::Update], 0),
            "{left:?}"
        );
        let a = &p.actions[0];
        // Nothing else changes: the removal is the whole reason, not a "repair".
        assert_eq!(
            a.reason,
            "the termination-pending stamp 2026-11-02 is removed from the marker: HR no longer gives that termination date",
        );
        assert_eq!(
            p.conflicts.len(),
            usize::from(left == Some(day(10, 1))),
            "{left:?}"
        );
        acct.apply(&p, None);
        assert_eq!(ann_stamp(&acct), None);
        assert!(acct.plan_on(&r, &cfg, day(12, 3)).is_empty(), "{left:?}");
    }
}

#[test]
fn leave_follows_the_catch_up_rule_and_a_hire_after_the_date_voids_it() {
    let cfg = dated_config("report", "");
    let d = day(11, 2);
    // On leave (kept by default) with a termination date two days old: still due.
    let r = roster(vec![ann(Lifecycle::OnLeave, None, Some(d))]);
    let mut acct = with_ann();
    let p = acct.plan_on(&r, &cfg, day(11, 4));
    assert_eq!(kinds(&p), [ActionKind::Deactivate]);
    assert!(p.conflicts.is_empty());
    acct.apply(&p, None);
    assert!(acct.plan_on(&r, &cfg, day(11, 5)).is_empty());
    // A hire date after the termination date: the date belongs to an earlier employment.
    let r = roster(vec![ann(Lifecycle::Active, Some(day(11, 3)), Some(d))]);
    let p = with_ann().plan_on(&r, &cfg, day(11, 4));
    assert!(p.is_empty() && p.conflicts.is_empty(), "{p:#?}");
}

#[test]
fn a_row_back_to_active_keeping_a_due_date_after_a_suspension_by_status_is_named() {
    let cfg = dated_config("report", "");
    let left = day(11, 2);
    let mut acct = with_ann();
    // Suspended because the status said terminated: the record carries no date.
    let r = roster(vec![ann(
        Lifecycle::Terminated,
        Some(day(1, 5)),
        Some(left),
    )]);
    let p = acct.plan_on(&r, &cfg, day(11, 3));
    assert_eq!(kinds(&p), [ActionKind::Deactivate]);
    acct.apply(&p, None);
    assert_eq!(ann_suspension(&acct).unwrap().termination_date, None);
    // The status back to active, the date kept and still due: an overdue termination,
    // nothing to do (the user is suspended already, and is not reactivated), but the plan
    // names the person and how a rehire is written.
    let back = roster(vec![ann(Lifecycle::Active, Some(day(1, 5)), Some(left))]);
    let p = acct.plan_on(&back, &cfg, day(11, 6));
    assert!(p.actions.is_empty(), "{:#?}", p.actions);
    let note = p
        .notes
        .iter()
        .find(|n| n.starts_with("employee 7 (line "))
        .unwrap_or_else(|| panic!("{:#?}", p.notes));
    assert!(
        note.contains("status \"Active\" with termination date 2026-11-02, within [lifecycle] termination_catch_up_days = 30: treated as an overdue termination; nothing to do, since PagerDuty user PANN001 was suspended on "),
        "{note}"
    );
    assert!(
        note.ends_with("; not reactivated; if this is a rehire, give a hire date after the termination date (or remove the date) in HR, and the user is reactivated"),
        "{note}"
    );
    // After the catch-up days it is a conflict the status decides: reactivated, no note.
    let p = acct.plan_on(&back, &cfg, day(12, 3));
    assert_eq!(kinds(&p), [ActionKind::Reactivate]);
    assert!(!p.notes.iter().any(|n| n.contains("overdue termination")));
    // With a hire date after it, the rehire is reactivated at once, and no such note.
    let rehired = roster(vec![ann(Lifecycle::Active, Some(day(11, 5)), Some(left))]);
    let p = acct.plan_on(&rehired, &cfg, day(11, 6));
    assert_eq!(kinds(&p), [ActionKind::Reactivate]);
    assert!(
        !p.notes.iter().any(|n| n.contains("overdue termination")),
        "{:#?}",
        p.notes
    );
    // A suspension the date itself brought stays with no note: it is the documented rule.
    let mut dated_acct = with_ann();
    let r = roster(vec![ann(Lifecycle::Active, Some(day(1, 5)), Some(left))]);
    dated_acct.apply(&dated_acct.plan_on(&r, &cfg, left), None);
    assert_eq!(
        ann_suspension(&dated_acct).unwrap().termination_date,
        Some(left)
    );
    let p = dated_acct.plan_on(&r, &cfg, day(11, 6));
    assert!(p.is_empty(), "{:#?}", p.actions);
    assert!(!p.notes.iter().any(|n| n.contains("overdue termination")));
}

#[test]
fn a_stamp_whose_signature_fails_keeps_nothing_due() {
    let keys = signing_keys();
    let cfg = dated_config("report", "");
    let policy = Policy::from_config(&cfg);
    let d = day(11, 2);
    let r = roster(vec![ann(Lifecycle::Active, Some(day(1, 5)), Some(d))]);
    let keyed = |acct: &Account, today| {
        acct.plan_of(crate::plan::Inputs {
            marker_keys: Some(&keys),
            ..inputs(&r, &policy, today)
        })
        .unwrap()
    };
    let mut acct = with_ann();
    let carrier = acct.users[1].email.clone();
    let active = marker::Marker {
        employee_id: Some("7".into()),
        suspended: None,
        pending_termination: None,
        created: None,
    };
    acct.users[1].description = Some(marker::render_with("", &active, Some(&keys), &carrier));
    acct.oncall.insert("PANN001".into(), on_call());
    // D, signed: the stamp is written signed, and keeps the termination due on D+31.
    let p = keyed(&acct, d);
    assert_eq!(kinds(&p), [ActionKind::Update, ActionKind::Deactivate]);
    // Both actions on Ann's user say how her marker checked, the stamp too (the text plan
    // reads `signature valid` from it, not `signed, not checked`).
    assert_eq!(
        p.actions
            .iter()
            .map(|a| a.marker_signature)
            .collect::<Vec<_>>(),
        [Some(crate::plan::MarkerTrust::Valid); 2]
    );
    acct.apply(&p, None);
    assert_eq!(ann_stamp(&acct), Some(d));
    let p = keyed(&acct, day(12, 3));
    assert_eq!(
        (kinds(&p), p.blocked(), p.conflicts.len()),
        (vec![ActionKind::Deactivate], 1, 0)
    );
    // The stamp edited in PagerDuty (its date moved): the signature fails, the marker is
    // ignored like any marker that fails the check, and the stamp keeps nothing due.
    let stamped = acct.users[1].description.clone().unwrap();
    acct.users[1].description = Some(stamped.replace("2026-11-02", "2026-11-03"));
    let p = keyed(&acct, day(12, 3));
    assert!(
        !p.actions.iter().any(|a| a.kind == ActionKind::Deactivate),
        "{:#?}",
        p.actions
    );
    assert_eq!(p.conflicts.len(), 1, "{p:#?}");
    assert_eq!(p.conflicts[0].termination_date, d);
}

#[test]
fn without_a_status_column_a_stamp_whose_date_hr_no_longer_gives_is_removed() {
    let cfg = dated_config("report", "");
    let unstated = dated_config_without_status();
    let d = day(11, 2);
    let mut stamped = with_ann();
    stamped.oncall.insert("PANN001".into(), on_call());
    let r = roster(vec![ann(Lifecycle::Active, Some(day(1, 5)), Some(d))]);
    stamped.apply(&stamped.plan_on(&r, &cfg, d), None);
    assert_eq!(ann_stamp(&stamped), Some(d));
    // The export loses its status column (the date decides), and HR gives another date
    // or none. Still on call, so a leaver's deactivation is blocked: the stamp for D must
    // go all the same, since HR no longer gives D.
    for left in [None, Some(day(12, 20)), Some(day(11, 20)), Some(day(10, 1))] {
        let r = roster(vec![ann_unstated(Some(day(1, 5)), left)]);
        let mut acct = stamped.clone();
        let p = acct.plan_on(&r, &unstated, day(12, 3));
        if left.is_some_and(|l| l < day(12, 3)) {
            // A leaver by the new date, blocked: the removal is a marker write of its own,
            // before the blocked deactivation.
            assert_eq!(
                (kinds(&p), p.blocked()),
                (vec![ActionKind::Update, ActionKind::Deactivate], 1),
                "{left:?}"
            );
            assert_eq!(
                p.actions[0].reason,
                "the termination-pending stamp 2026-11-02 is removed from the marker: HR no longer gives that termination date"
            );
        }
        acct.apply(&p, None);
        assert_eq!(ann_stamp(&acct), None, "{left:?}: {:#?}", p.actions);
        let again = acct.plan_on(&r, &unstated, day(12, 3));
        assert!(
            !again.actions.iter().any(|a| a.kind == ActionKind::Update),
            "{left:?}: {:#?}",
            again.actions
        );
    }
    // HR still gives D: the date decides, the deactivation is blocked, the stamp stays.
    let r = roster(vec![ann_unstated(Some(day(1, 5)), Some(d))]);
    let mut acct = stamped.clone();
    let p = acct.plan_on(&r, &unstated, day(12, 3));
    assert_eq!((kinds(&p), p.blocked()), (vec![ActionKind::Deactivate], 1));
    acct.apply(&p, None);
    assert_eq!(ann_stamp(&acct), Some(d));
}

/// Fresh review of issues 7 and 10: with the key set, a leaver whose termination was
/// blocked and stamped could edit their own profile, replacing the signed marker with an
/// unsigned one naming their own employee ID (trusted by its email, then signed again
/// without the stamp) or deleting it (matched by email): after the catch-up days the
/// termination was a date conflict the status decides, and the leaver stayed active for
/// good, silently. In an account whose markers verify, such a user is a skip that needs a
/// person, and nothing is written for it.
#[test]
fn a_stamp_removed_in_a_signed_account_leaves_a_skip_that_needs_a_person() {
    use crate::plan::{SkipCause, UnverifiedMarker};
    let keys = signing_keys();
    let cfg = dated_config("report", "");
    // Settled in HR, the user is adopted by its email: a person checked it.
    let mut policy = Policy::from_config(&cfg);
    policy.allow_adoption_by_email = true;
    let d = day(11, 2);
    let cal = emp(
        "8",
        "cal@example.com",
        "Cal Day",
        Lifecycle::Active,
        "Sales",
        "Rep",
    );
    let r = roster(vec![ann(Lifecycle::Active, Some(day(1, 5)), Some(d)), cal]);
    let keyed = |acct: &Account, today| {
        acct.plan_of(crate::plan::Inputs {
            marker_keys: Some(&keys),
            ..inputs(&r, &policy, today)
        })
        .unwrap()
    };
    let active = |eid: &str| marker::Marker {
        employee_id: Some(eid.into()),
        suspended: None,
        pending_termination: None,
        created: None,
    };
    let mut acct = with_ann();
    acct.users.push(user(
        "PCAL001",
        "cal@example.com",
        "Cal Day",
        Role::LimitedUser,
        "Rep",
        None,
    ));
    for (id, eid) in [("PANN001", "7"), ("PCAL001", "8")] {
        let i = acct.users.iter().position(|u| u.id == id).unwrap();
        let carrier = acct.users[i].email.clone();
        acct.users[i].description =
            Some(marker::render_with("", &active(eid), Some(&keys), &carrier));
    }
    acct.oncall.insert("PANN001".into(), on_call());
    acct.apply(&keyed(&acct, d), None);
    assert_eq!(ann_stamp(&acct), Some(d));
    // Untouched, the stamp keeps the termination due after the catch-up days.
    let p = keyed(&acct, day(12, 3));
    assert_eq!((kinds(&p), p.blocked()), (vec![ActionKind::Deactivate], 1));
    // The owner (no HR row) is listed as left alone on purpose, nothing else.
    assert!(
        p.needs_attention().next().is_none() && p.conflicts.is_empty(),
        "{p:#?}"
    );
    let stamped = acct.users[1].description.clone().unwrap();
    let unsigned = marker::render_with("", &active("7"), None, "ann@example.com");
    for (edited, what) in [
        (Some(unsigned), UnverifiedMarker::Unsigned),
        (None, UnverifiedMarker::Absent),
        (Some("Sales rep".to_string()), UnverifiedMarker::Absent),
        (
            Some(stamped.replace("2026-11-02", "2026-11-03")),
            UnverifiedMarker::SignatureInvalid,
        ),
    ] {
        let mut acct = acct.clone();
        acct.users[1].description = edited;
        let p = keyed(&acct, day(12, 3));
        assert!(
            !p.actions.iter().any(|a| a
                .user_id
                .as_ref()
                .is_some_and(|id| id.as_str() == "PANN001")),
            "{what:?}: nothing is written for Ann: {:#?}",
            p.actions
        );
        let skips: Vec<&SkipCause> = p.needs_attention().map(|s| &s.reason).collect();
        assert_eq!(
            skips,
            [&SkipCause::PastTerminationUnverified {
                termination_date: d,
                catch_up_days: 30,
                marker: what,
            }],
            "{what:?}"
        );
        assert_eq!(
            p.skipped[0]
                .pagerduty_user_id
                .as_ref()
                .map(|id| id.as_str()),
            Some("PANN001")
        );
        // Still listed as the date conflict it is.
        assert_eq!(p.conflicts.len(), 1, "{what:?}");
        // HR settles it: the row marked terminated (a leaver, blocked, stamped again
        // where the marker is trusted), or the stale date cleared (an employee, whose
        // marker is written again, signed).
        let settled = |status, left| {
            let mut r2 = r.clone();
            r2.employees[0] = ann(status, Some(day(1, 5)), left);
            r2
        };
        for r2 in [
            settled(Lifecycle::Terminated, Some(d)),
            settled(Lifecycle::Active, None),
        ] {
            let p = acct
                .plan_of(crate::plan::Inputs {
                    marker_keys: Some(&keys),
                    ..inputs(&r2, &policy, day(12, 3))
                })
                .unwrap();
            assert_eq!(p.needs_attention().count(), 0, "{what:?}: {:#?}", p.skipped);
        }
    }
    // Cal, whose marker verifies, with an old termination date and no stamp: the date
    // conflict the status decides, as before (nothing suggests a stamp was removed).
    let mut old_date = r.clone();
    old_date.employees[1].termination_date = Some(day(10, 1));
    let p = acct
        .plan_of(crate::plan::Inputs {
            marker_keys: Some(&keys),
            ..inputs(&old_date, &policy, day(12, 3))
        })
        .unwrap();
    assert_eq!(p.needs_attention().count(), 0, "{:#?}", p.skipped);
    assert_eq!(p.conflicts.len(), 1);
}

/// The plan of `r` as of `today` on a run that really happens on `run_day` (a replay with
/// `--as-of` when `today` is earlier).
fn replay(
    acct: &Account,
    r: &Roster,
    policy: &Policy,
    today: NaiveDate,
    run_day: NaiveDate,
) -> Plan {
    acct.plan_of(crate::plan::Inputs {
        run_day,
        ..inputs(r, policy, today)
    })
    .unwrap()
}

/// Ann's trusted marker's `created`.
fn ann_created(acct: &Account) -> Option<NaiveDate> {
    let u = acct
        .users
        .iter()
        .find(|u| u.email == "ann@example.com")
        .unwrap();
    match marker::parse(u.description.as_deref()).marker {
        MarkerState::Valid(m) => m.created,
        other => panic!("{other:?}"),
    }
}

/// An account where Ann's user carries `description`.
fn ann_with(description: Option<String>) -> Account {
    Account::new(vec![
        owner(),
        user(
            "PANN001",
            "ann@example.com",
            "Ann Lee",
            Role::LimitedUser,
            "Rep",
            description,
        ),
    ])
}

#[test]
fn a_replay_as_of_an_earlier_day_does_not_offboard_by_date_a_user_a_later_run_created() {
    let policy = Policy::from_config(&dated_config("report", ""));
    // Active with an exit date of 1 November: as of 5 December the date is older than the
    // 30 catch-up days and the status decides (created); as of 20 November it is a
    // termination still due.
    let (left, later, earlier) = (day(11, 1), day(12, 5), day(11, 20));
    let r = roster(vec![ann(Lifecycle::Active, Some(day(1, 5)), Some(left))]);
    let mut acct = Account::new(vec![owner()]);
    let p = replay(&acct, &r, &policy, later, later);
    assert_eq!(kinds(&p), [ActionKind::Create]);
    acct.apply(&p, None);
    assert_eq!(ann_created(&acct), Some(later), "the run's as-of day");
    // The night of 20 November applied late, on 5 December: nothing is offboarded, noted.
    let p = replay(&acct, &r, &policy, earlier, later);
    assert!(p.actions.is_empty(), "{:#?}", p.actions);
    assert_eq!(p.unchanged, 1);
    let note = "employee 7 (line 8): termination date 2026-11-01 is due as of 2026-11-20, but PagerDuty user PNEW001 was created by a run as of 2026-12-05, after the as-of day 2026-11-20; not deactivated (a run as of an earlier day does not undo what a later run applied; run without --as-of, or with a later one, to let the row decide)";
    assert!(p.notes.iter().any(|n| n == note), "{:#?}", p.notes);
    // As of the creating day again, and a day later with a moved job title: the marker
    // keeps the day, so nothing but the move is written.
    let p = replay(&acct, &r, &policy, later, later);
    assert!(p.is_empty(), "{:#?}", p.actions);
    let mut moved = r.clone();
    moved.employees[0].job_title = Some("Lead".into());
    let p = replay(&acct, &moved, &policy, day(12, 6), day(12, 6));
    assert_eq!(kinds(&p), [ActionKind::Update]);
    acct.apply(&p, None);
    assert_eq!(ann_created(&acct), Some(later), "kept by the update");
    let p = replay(&acct, &moved, &policy, earlier, day(12, 6));
    assert!(p.actions.is_empty(), "{:#?}", p.actions);
}

#[test]
fn a_replay_still_offboards_a_status_leaver_a_user_without_the_day_and_a_day_no_run_had() {
    let policy = Policy::from_config(&dated_config("report", ""));
    let (left, later, earlier) = (day(11, 1), day(12, 5), day(11, 20));
    let active = roster(vec![ann(Lifecycle::Active, Some(day(1, 5)), Some(left))]);
    // A status that says terminated decides whatever the dates: deactivated.
    let acct = ann_with(crate::plan::tests::marked_created("7", later));
    let gone = roster(vec![ann(
        Lifecycle::Terminated,
        Some(day(1, 5)),
        Some(left),
    )]);
    let p = replay(&acct, &gone, &policy, earlier, later);
    assert_eq!(kinds(&p), [ActionKind::Deactivate], "{:#?}", p.notes);
    // A marker written before the field existed: the replay deactivates, as before.
    let p = replay(&with_ann(), &active, &policy, earlier, later);
    assert_eq!(kinds(&p), [ActionKind::Deactivate]);
    assert_eq!(
        p.actions[0].reason,
        overdue_reason(19, 30).replace("2026-11-02", "2026-11-01")
    );
    // A day after the day the run really happens was written by no run (a user edited
    // the profile): ignored, on a replay and on an ordinary run.
    let acct = ann_with(crate::plan::tests::marked_created("7", day(12, 20)));
    for (today, run_day) in [(earlier, later), (earlier, earlier)] {
        let p = replay(&acct, &active, &policy, today, run_day);
        assert_eq!(kinds(&p), [ActionKind::Deactivate], "{today} on {run_day}");
    }
    // The deactivation keeps the day on the suspension's marker.
    let mut acct = ann_with(crate::plan::tests::marked_created("7", day(11, 10)));
    let p = replay(&acct, &active, &policy, earlier, later);
    assert_eq!(
        kinds(&p),
        [ActionKind::Deactivate],
        "created before the as-of day"
    );
    acct.apply(&p, None);
    assert_eq!(ann_created(&acct), Some(day(11, 10)));
    assert!(ann_suspension(&acct).is_some());
}

#[test]
fn a_row_created_once_its_termination_date_is_older_than_the_catch_up_days_says_so() {
    let cfg = dated_config("report", "");
    let r = roster(vec![ann(
        Lifecycle::Active,
        Some(day(1, 5)),
        Some(day(11, 1)),
    )]);
    let acct = Account::new(vec![owner()]);
    // As of 1 December, 30 days on: a termination still due, nothing created.
    let p = acct.plan_on(&r, &cfg, day(12, 1));
    assert!(p.actions.is_empty(), "{:#?}", p.actions);
    // The night after, the status decides: created, and the reason says why.
    let p = acct.plan_on(&r, &cfg, day(12, 2));
    assert_eq!(kinds(&p), [ActionKind::Create]);
    assert_eq!(
        p.actions[0].reason,
        "new hire: status \"Active\" in HR, no PagerDuty user with this employee ID or email; termination date 2026-11-01 has passed but status \"Active\" does not say terminated; the status decides: created ([lifecycle] past_termination_date = \"status\"); the date passed more than 30 days ago ([lifecycle] termination_catch_up_days = 30), so it is no longer a termination still due"
    );
    assert_eq!(p.conflicts.len(), 1);
    // Without a termination date, the plain words.
    let hired = roster(vec![ann(Lifecycle::Active, Some(day(1, 5)), None)]);
    let p = acct.plan_on(&hired, &cfg, day(12, 2));
    assert_eq!(
        p.actions[0].reason,
        "new hire: status \"Active\" in HR, no PagerDuty user with this employee ID or email"
    );
}
