//! Planner tests of `--rekey-employee-ids` finishing what an earlier re-key left: a
//! duplicate marker an interrupted chain of shifted IDs (or a half-done swap) left, settled
//! when the evidence is unambiguous and left to a person otherwise; a user giving up its
//! marker's ID to a user re-keyed to it when its person is gone from the export; and the
//! words of the skips the flag still leaves.

use super::identity::{moved_dave, plan_rekey, renumbered};
use super::*;
use crate::config::{DeactivationMode, SafetyCaps};
use crate::plan::safety::{self, Overrides};

/// The user of person `i` (`PU000i`) in [`renumbered`]'s account.
fn pu(acct: &mut Account, i: usize) -> &mut User {
    let id = format!("PU{i:04}");
    acct.users.iter_mut().find(|u| u.id == id).unwrap()
}

/// The employee ID `u`'s marker names.
fn marker_id(u: &User) -> Option<String> {
    match marker::parse(u.description.as_deref()).marker {
        MarkerState::Valid(m) => m.employee_id.map(|id| id.to_string()),
        _ => None,
    }
}

/// The users carrying a marker of each employee ID, for the no-duplicate checks.
fn marker_holders(acct: &Account) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for u in &acct.users {
        if let Some(id) = marker_id(u) {
            out.entry(id).or_default().push(u.id.to_string());
        }
    }
    out
}

fn duplicate_skips(p: &Plan) -> Vec<&Skip> {
    p.skipped
        .iter()
        .filter(|s| matches!(s.reason, SkipCause::DuplicateMarker { .. }))
        .collect()
}

#[test]
fn a_chain_of_shifted_ids_stopped_half_way_is_finished_by_the_next_rekey_run() {
    let cfg = std_config();
    // IDs shifted by one: person i is employee i + 1. The first apply re-keyed every user
    // but PU0002 (its PUT failed for good), so PU0001 and PU0002 both carry 2 (r7g #2).
    let (mut acct, r) = renumbered(&[2, 3, 4, 5, 6, 7, 8, 9]);
    for i in [1, 3, 4, 5, 6, 7, 8] {
        pu(&mut acct, i).description = marked(&(i + 1).to_string());
    }
    // Without the flag: both users are left alone, and the words say the flag settles it.
    let p = plan_rekey(&acct, &r, &cfg, false);
    let dups = duplicate_skips(&p);
    assert!(!dups.is_empty(), "{:#?}", p.skipped);
    for s in &dups {
        assert_eq!(
            s.reason,
            SkipCause::DuplicateMarker {
                employee_id: "2".into(),
                users: vec!["PU0001".into(), "PU0002".into()],
                rekey_resolves: true,
            }
        );
        let words = s.reason.to_string();
        assert!(
            words.contains("rerun plan and apply with --rekey-employee-ids, which re-keys the others to their rows"),
            "{words}"
        );
    }
    // With it: PU0002 (bob's email is the row of 3, which no user keeps) is re-keyed to 3;
    // PU0001, with the email of the row of 2, keeps 2.
    let p = plan_rekey(&acct, &r, &cfg, true);
    assert!(p.skipped.is_empty(), "{:#?}", p.skipped);
    let rekeys: Vec<&Action> = p
        .actions
        .iter()
        .filter(|a| a.rekeyed_from.is_some())
        .collect();
    assert_eq!(rekeys.len(), 1, "{:#?}", p.actions);
    let a = rekeys[0];
    assert_eq!(a.user_id.as_ref().map(|id| id.as_str()), Some("PU0002"));
    assert_eq!(a.employee_id.as_ref().map(|id| id.as_str()), Some("3"));
    assert_eq!(a.rekeyed_from.as_ref().map(|id| id.as_str()), Some("2"));
    acct.apply(&p, None);
    assert!(marker_holders(&acct).values().all(|users| users.len() == 1));
    assert!(plan_rekey(&acct, &r, &cfg, false).is_empty(), "converged");
}

#[test]
fn a_chain_stopped_after_its_first_write_is_finished_down_the_whole_chain() {
    let cfg = std_config();
    // Only PU0001's re-key (1 -> 2) was written before the run was killed: PU0002 still
    // carries 2, and every other user its old ID, each the ID another row now has.
    let (mut acct, r) = renumbered(&[2, 3, 4, 5, 6, 7, 8, 9]);
    pu(&mut acct, 1).description = marked("2");
    let p = plan_rekey(&acct, &r, &cfg, true);
    assert!(p.skipped.is_empty(), "{:#?}", p.skipped);
    let mut rekeyed: Vec<(&str, &str)> = p
        .actions
        .iter()
        .filter(|a| a.rekeyed_from.is_some())
        .filter_map(|a| {
            Some((
                a.user_id.as_ref()?.as_str(),
                a.employee_id.as_ref()?.as_str(),
            ))
        })
        .collect();
    rekeyed.sort();
    assert_eq!(
        rekeyed,
        [
            ("PU0002", "3"),
            ("PU0003", "4"),
            ("PU0004", "5"),
            ("PU0005", "6"),
            ("PU0006", "7"),
            ("PU0007", "8"),
            ("PU0008", "9"),
        ]
    );
    acct.apply(&p, None);
    assert!(plan_rekey(&acct, &r, &cfg, false).is_empty(), "converged");
}

#[test]
fn a_swap_stopped_half_way_is_finished_by_the_next_rekey_run() {
    let cfg = std_config();
    // Two people swapped IDs; PU0001's re-key to 2 was written, PU0002's to 1 was not.
    let (mut acct, r) = renumbered(&[2, 1]);
    pu(&mut acct, 1).description = marked("2");
    let p = plan_rekey(&acct, &r, &cfg, true);
    assert!(p.skipped.is_empty(), "{:#?}", p.skipped);
    let rekeys: Vec<&Action> = p
        .actions
        .iter()
        .filter(|a| a.rekeyed_from.is_some())
        .collect();
    assert_eq!(rekeys.len(), 1, "{:#?}", p.actions);
    let a = rekeys[0];
    assert_eq!(a.user_id.as_ref().map(|id| id.as_str()), Some("PU0002"));
    assert_eq!(a.employee_id.as_ref().map(|id| id.as_str()), Some("1"));
    assert_eq!(a.rekeyed_from.as_ref().map(|id| id.as_str()), Some("2"));
    acct.apply(&p, None);
    assert_eq!(marker_id(pu(&mut acct, 1)).as_deref(), Some("2"));
    assert_eq!(marker_id(pu(&mut acct, 2)).as_deref(), Some("1"));
    assert!(plan_rekey(&acct, &r, &cfg, false).is_empty(), "converged");
}

#[test]
fn a_duplicate_marker_the_evidence_does_not_settle_stays_a_skip_that_needs_a_person() {
    let cfg = std_config();
    // PU0001 and PU0002 carry 2, PU0001 with the email of the row of 2. (1) PU0002's
    // email is on no HR row; (2) it is on the row of 3, whose marker another user keeps
    // (one whose email is on no row: it would give the ID up to an ordinary re-key, but a
    // duplicate is settled only onto an ID no user holds); (3) neither has the email of
    // the row of 2 (the export no longer lists 2).
    type Case = (&'static str, Vec<u32>, fn(&mut Account));
    let cases: [Case; 3] = [
        ("other on no row", vec![2], |_| {}),
        ("its row's ID held", vec![2, 3], |a| {
            a.users.push(user(
                "PU0099",
                "x@example.com",
                "Ninety Nine",
                Role::LimitedUser,
                "Rep",
                marked("3"),
            ));
        }),
        ("no keeper", vec![5, 3], |_| {}),
    ];
    for (what, ids, edit) in cases {
        let (mut acct, r) = renumbered(&ids);
        if ids.len() == 1 {
            acct.users.push(user(
                "PU0002",
                "p2@example.com",
                "Two Person2",
                Role::LimitedUser,
                "Rep",
                None,
            ));
        }
        pu(&mut acct, 1).description = marked("2");
        pu(&mut acct, 2).description = marked("2");
        edit(&mut acct);
        let p = plan_rekey(&acct, &r, &cfg, true);
        // Each user is named by a skip that needs a person: the duplicate's, or the skip
        // of the row its email finds, which says the flag cannot settle which user keeps 2.
        for id in ["PU0001", "PU0002"] {
            let named: Vec<&Skip> = p
                .skipped
                .iter()
                .filter(|s| s.pagerduty_user_id.as_ref().map(|u| u.as_str()) == Some(id))
                .collect();
            assert!(
                !named.is_empty() && named.iter().all(|s| s.reason.needs_attention()),
                "{what}: {id}: {:#?}",
                p.skipped
            );
            for s in named {
                if let SkipCause::EmailOfAnotherEmployee { rekey_hold, .. } = &s.reason {
                    assert_eq!(rekey_hold, &Some(RekeyHold::SeveralCopies), "{what}");
                    assert!(
                        s.reason.to_string().contains(
                            "--rekey-employee-ids does not re-key it to this row: several PagerDuty users carry the marker of employee 2"
                        ),
                        "{what}: {}",
                        s.reason
                    );
                }
            }
        }
        for s in duplicate_skips(&p) {
            assert!(
                matches!(
                    &s.reason,
                    SkipCause::DuplicateMarker { employee_id, rekey_resolves: false, .. }
                        if employee_id.as_str() == "2"
                ),
                "{what}: {s:#?}"
            );
        }
        assert!(
            p.actions.iter().all(|a| {
                let u = a.user_id.as_ref().map(|id| id.as_str());
                u != Some("PU0001") && u != Some("PU0002")
            }),
            "{what}: neither user is written: {:#?}",
            p.actions
        );
        let without = plan_rekey(&acct, &r, &cfg, false);
        assert!(
            duplicate_skips(&without)
                .iter()
                .all(|s| s.reason.to_string().ends_with("fix by hand")),
            "{what}"
        );
    }
}

#[test]
fn a_user_whose_id_is_renumbered_onto_another_and_whose_email_no_row_has_is_offboarded() {
    // IDs shifted by one, and person 8 (whose old ID 8 the seventh now carries) gone from
    // the export (r7g #3): the chain is re-keyed, and PU0008 is a leaver, suspended in
    // both deactivation modes, its record naming no employee (8 is person 7's now).
    for mode in [DeactivationMode::Suspend, DeactivationMode::Delete] {
        let mut cfg = std_config();
        cfg.lifecycle.deactivate = mode;
        let (mut acct, full) = renumbered(&[2, 3, 4, 5, 6, 7, 8, 9]);
        let mut rows = full.employees.clone();
        rows.pop();
        let r = roster(rows);
        let p = plan_rekey(&acct, &r, &cfg, true);
        assert!(p.skipped.is_empty(), "{mode:?}: {:#?}", p.skipped);
        assert_eq!(
            p.actions
                .iter()
                .filter(|a| a.rekeyed_from.is_some())
                .count(),
            7,
            "{mode:?}: {:#?}",
            p.actions
        );
        let hank: Vec<&Action> = p
            .actions
            .iter()
            .filter(|a| a.user_id.as_ref().map(|id| id.as_str()) == Some("PU0008"))
            .collect();
        assert_eq!(hank.len(), 1, "{mode:?}: {:#?}", p.actions);
        let a = hank[0];
        assert_eq!(a.kind, ActionKind::Deactivate, "{mode:?}: {a:#?}");
        assert_eq!(a.employee_id, None, "{mode:?}");
        assert!(a.rekeyed_from.is_none());
        assert!(
            a.reason.contains("employee 8, which its marker names, is now the HR row of user PU0007, re-keyed to it"),
            "{}",
            a.reason
        );
        // Re-checked against the marker it carries now.
        assert_eq!(
            a.guard
                .as_ref()
                .and_then(|g| g.employee_id.as_ref())
                .map(|id| id.as_str()),
            Some("8")
        );
        // Capped and checked like every deactivation.
        let caps = SafetyCaps {
            max_deactivations: 0,
            ..SafetyCaps::default()
        };
        let overrides = Overrides {
            rekey_employee_ids: true,
            ..Default::default()
        };
        assert!(
            safety::check(&p, &caps, overrides)
                .iter()
                .any(|t| t.to_string().contains("max_deactivations")),
            "{mode:?}"
        );
        assert!(a.kind.is_oncall_checked());
        acct.apply(&p, None);
        let h = pu(&mut acct, 8).clone();
        assert_eq!(h.role, Role::ReadOnlyLimitedUser, "{mode:?}: suspended");
        let m = match marker::parse(h.description.as_deref()).marker {
            MarkerState::Valid(m) => m,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            m.employee_id, None,
            "{mode:?}: the record keeps no claim to 8"
        );
        assert!(m.suspended.is_some());
        assert!(marker_holders(&acct).values().all(|users| users.len() == 1));
        assert_eq!(marker_id(pu(&mut acct, 7)).as_deref(), Some("8"));
        assert!(
            plan_rekey(&acct, &r, &cfg, true).is_empty(),
            "{mode:?}: converged"
        );
        assert!(
            plan_rekey(&acct, &r, &cfg, false).is_empty(),
            "{mode:?}: converged"
        );
    }
}

#[test]
fn without_the_flag_a_user_whose_id_is_renumbered_away_is_left_alone() {
    // The same export without --rekey-employee-ids: nobody is offboarded or re-keyed.
    let cfg = std_config();
    let (acct, full) = renumbered(&[2, 3, 4, 5, 6, 7, 8, 9]);
    let mut rows = full.employees.clone();
    rows.pop();
    let p = plan_rekey(&acct, &roster(rows), &cfg, false);
    assert!(
        p.actions
            .iter()
            .all(|a| a.rekeyed_from.is_none() && a.kind != ActionKind::Deactivate),
        "{:#?}",
        p.actions
    );
}

#[test]
fn a_moved_person_the_flag_cannot_rekey_names_the_user_that_keeps_the_new_id() {
    // Dave D moved from 4 to 104, and 104's marker is on a protected user (no HR row has
    // its email, but hr2pagerduty never writes it, so it cannot give the ID up).
    let mut cfg = std_config();
    cfg.lifecycle
        .protected
        .insert(Email::normalise("zed@example.com"));
    let (mut acct, r) = moved_dave();
    acct.users.push(user(
        "PZED",
        "zed@example.com",
        "Zed Z",
        Role::LimitedUser,
        "Rep",
        marked("104"),
    ));
    let with = plan_rekey(&acct, &r, &cfg, true);
    assert!(with.actions.iter().all(|a| a.rekeyed_from.is_none()));
    let moved: Vec<String> = with
        .skipped
        .iter()
        .filter(|s| matches!(s.reason, SkipCause::EmployeeIdMoved { .. }))
        .map(|s| s.reason.to_string())
        .collect();
    assert_eq!(moved.len(), 1, "{:#?}", with.skipped);
    assert!(
        !moved[0].contains("rerun plan and apply with --rekey-employee-ids (that user's marker"),
        "{}",
        moved[0]
    );
    assert!(
        moved[0].contains("--rekey-employee-ids does not re-key that user: PagerDuty user PZED keeps the marker of employee 104")
            && moved[0].contains("settle PZED"),
        "{}",
        moved[0]
    );
    // The row whose email is Dave's names the same hold.
    let email: Vec<String> = with
        .skipped
        .iter()
        .filter(|s| matches!(s.reason, SkipCause::EmailOfAnotherEmployee { .. }))
        .map(|s| s.reason.to_string())
        .collect();
    assert!(
        email
            .iter()
            .all(|w| w.contains("PagerDuty user PZED keeps the marker of this row's employee ID")),
        "{email:?} / {:#?}",
        with.skipped
    );
    // Without the flag, the same skip advises it.
    let without = plan_rekey(&acct, &r, &cfg, false);
    assert!(without.skipped.iter().any(|s| {
        matches!(s.reason, SkipCause::EmployeeIdMoved { .. })
            && s.reason
                .to_string()
                .contains("rerun plan and apply with --rekey-employee-ids")
    }));
}

/// The actions of `p` in the order the executor runs a chain: an action after the one it
/// waits for ([`Action::rekey_after`]), each chain from its end.
fn in_rekey_order(p: &Plan) -> Vec<&Action> {
    let by_user: BTreeMap<&str, &Action> = p
        .actions
        .iter()
        .filter_map(|a| Some((a.user_id.as_ref()?.as_str(), a)))
        .collect();
    let depth = |a: &Action| {
        let mut d = 0;
        let mut at = a;
        while let Some(next) = at
            .rekey_after
            .as_ref()
            .and_then(|u| by_user.get(u.as_str()))
        {
            d += 1;
            at = next;
            assert!(d <= p.actions.len(), "no cycle is left in the links");
        }
        d
    };
    let mut out: Vec<&Action> = p.actions.iter().collect();
    out.sort_by_key(|a| depth(a));
    out
}

#[test]
fn a_chain_of_rekeys_is_ordered_so_that_a_stop_anywhere_leaves_no_duplicate_marker() {
    let cfg = std_config();
    let full = renumbered(&[2, 3, 4, 5, 6, 7, 8, 9]);
    let mut gone = renumbered(&[2, 3, 4, 5, 6, 7, 8, 9]);
    gone.1.employees.pop();
    for (what, (acct, r)) in [("shifted", full), ("last person gone", gone)] {
        let p = plan_rekey(&acct, &r, &cfg, true);
        // Each re-key waits for the user giving its new ID up: PU000i for PU000(i+1).
        for a in p.actions.iter().filter(|a| a.rekeyed_from.is_some()) {
            let i: usize = a.user_id.as_ref().unwrap().as_str()[2..].parse().unwrap();
            let want = (i < 8).then(|| format!("PU{:04}", i + 1));
            assert_eq!(
                a.rekey_after.as_ref().map(|u| u.to_string()),
                want,
                "{what}: {a:#?}"
            );
        }
        // Stopped after any number of actions, in that order: never two users with one
        // marker, and the next --rekey run finishes the job.
        let order = in_rekey_order(&p);
        for k in 0..=order.len() {
            let mut acct = acct.clone();
            let part = Plan {
                actions: order[..k].iter().map(|a| (*a).clone()).collect(),
                ..Plan::default()
            };
            acct.apply(&part, None);
            assert!(
                marker_holders(&acct).values().all(|users| users.len() == 1),
                "{what}: stopped after {k}: {:?}",
                marker_holders(&acct)
            );
            let next = plan_rekey(&acct, &r, &cfg, true);
            assert!(
                next.skipped.is_empty(),
                "{what}: after {k}: {:#?}",
                next.skipped
            );
            acct.apply(&next, None);
            assert!(
                plan_rekey(&acct, &r, &cfg, false).is_empty(),
                "{what}: after {k}"
            );
        }
    }
}

#[test]
fn a_swap_cannot_be_ordered_so_one_of_its_links_is_dropped() {
    let cfg = std_config();
    let (acct, r) = renumbered(&[2, 1]);
    let p = plan_rekey(&acct, &r, &cfg, true);
    let links: Vec<(&str, Option<&str>)> = p
        .actions
        .iter()
        .filter(|a| a.rekeyed_from.is_some())
        .map(|a| {
            (
                a.user_id.as_ref().unwrap().as_str(),
                a.rekey_after.as_ref().map(|u| u.as_str()),
            )
        })
        .collect();
    // PU0002 waits for PU0001; PU0001, the lowest user ID of the cycle, waits for nobody.
    assert_eq!(links, [("PU0001", None), ("PU0002", Some("PU0001"))]);
}

#[test]
fn a_user_whose_name_a_row_carries_does_not_give_its_id_up() {
    // IDs shifted by one, and the last person listed under a new email: its user's email
    // is on no row, but its name is, so it may be that person, not a leaver. Nothing is
    // offboarded, and the chain stays skipped, naming that user.
    let cfg = std_config();
    let (acct, mut r) = renumbered(&[2, 3, 4, 5, 6, 7, 8, 9]);
    r.employees[7].email = Email::normalise("p8.new@example.com");
    let r = roster(r.employees.clone());
    let p = plan_rekey(&acct, &r, &cfg, true);
    assert!(
        p.actions.iter().all(|a| a.kind != ActionKind::Deactivate),
        "{:#?}",
        p.actions
    );
    assert!(
        p.skipped
            .iter()
            .any(|s| s.reason.to_string().contains("settle PU0008")),
        "{:#?}",
        p.skipped
    );
}

/// IDs shifted by one (person i is employee i + 1), and person 2 (`PU0002`, old ID 2, new
/// 3) a leaver on call, so that the deactivation is blocked: `leaver` makes row 3 one.
fn shifted_with_blocked_giver(leaver: impl Fn(&mut Employee)) -> (Account, Roster) {
    let (mut acct, mut r) = renumbered(&[2, 3]);
    leaver(&mut r.employees[1]);
    acct.oncall.insert("PU0002".into(), on_call());
    (acct, r)
}

/// The termination-pending stamp of `u`'s marker.
fn stamp_of(u: &User) -> Option<NaiveDate> {
    match marker::parse(u.description.as_deref()).marker {
        MarkerState::Valid(m) => m.pending_termination,
        _ => None,
    }
}

#[test]
fn a_blocked_leaver_giving_its_id_up_is_still_rekeyed_so_that_the_next_rekey_proceeds() {
    let cfg = std_config();
    let (mut acct, r) = shifted_with_blocked_giver(|e| e.status = Lifecycle::Terminated);
    let p = plan_rekey(&acct, &r, &cfg, true);
    // The re-key of PU0002 is a marker write alone, not blocked, before its blocked
    // deactivation (which re-keys nothing itself); PU0001's re-key waits for it.
    let on = |id: &str| -> Vec<&Action> {
        p.actions
            .iter()
            .filter(|a| a.user_id.as_ref().is_some_and(|u| u.as_str() == id))
            .collect()
    };
    let bob = on("PU0002");
    assert_eq!(bob.len(), 2, "{:#?}", p.actions);
    assert_eq!(bob[0].kind, ActionKind::Update);
    assert!(bob[0].blocked.is_none() && !bob[0].changes_role() && bob[0].steps.len() == 1);
    assert_eq!(
        bob[0].rekeyed_from.as_ref().map(|id| id.as_str()),
        Some("2")
    );
    assert!(
        bob[0]
            .reason
            .contains("re-keys the ownership marker from employee 2 to employee 3")
    );
    assert_eq!(bob[1].kind, ActionKind::Deactivate);
    assert!(bob[1].blocked.is_some() && bob[1].rekeyed_from.is_none());
    assert_eq!(p.blocked(), 1);
    let alice = on("PU0001");
    assert_eq!(
        alice[0].rekey_after.as_ref().map(|u| u.as_str()),
        Some("PU0002")
    );
    acct.apply(&p, None);
    assert_eq!(marker_id(pu(&mut acct, 1)).as_deref(), Some("2"));
    assert_eq!(marker_id(pu(&mut acct, 2)).as_deref(), Some("3"));
    assert_eq!(
        pu(&mut acct, 2).role,
        Role::LimitedUser,
        "nothing offboarded"
    );
    // The next night: the same blocked deactivation, nothing else.
    let next = plan_rekey(&acct, &r, &cfg, true);
    assert_eq!(
        next.actions.iter().map(|a| a.kind).collect::<Vec<_>>(),
        [ActionKind::Deactivate]
    );
    assert_eq!(next.blocked(), 1);
}

#[test]
fn a_blocked_dated_termination_giving_its_id_up_is_rekeyed_and_stamped_in_one_write() {
    let mut cfg = std_config();
    cfg.lifecycle.past_termination_date = crate::config::PastTerminationDate::Status;
    let left = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    let (mut acct, r) = shifted_with_blocked_giver(|e| e.termination_date = Some(left));
    let p = plan_rekey(&acct, &r, &cfg, true);
    let w = p
        .actions
        .iter()
        .find(|a| a.rekeyed_from.as_ref().is_some_and(|id| id.as_str() == "2"))
        .expect("PU0002 re-keyed");
    assert_eq!(w.kind, ActionKind::Update);
    assert!(w.blocked.is_none() && w.steps.len() == 1, "{w:#?}");
    assert!(
        w.reason.contains(
            "termination pending: stamp the ownership marker with termination date 2026-11-20"
        ),
        "{}",
        w.reason
    );
    assert_eq!(p.blocked(), 1);
    acct.apply(&p, None);
    assert_eq!(marker_id(pu(&mut acct, 1)).as_deref(), Some("2"));
    assert_eq!(marker_id(pu(&mut acct, 2)).as_deref(), Some("3"));
    assert_eq!(stamp_of(pu(&mut acct, 2)), Some(left));
    let next = plan_rekey(&acct, &r, &cfg, true);
    assert_eq!(
        next.actions.iter().map(|a| a.kind).collect::<Vec<_>>(),
        [ActionKind::Deactivate]
    );
    assert_eq!(next.blocked(), 1);
}
