//! Planner tests of the deactivation modes: deletion of leavers (`deactivate = "delete"`),
//! of old suspensions (`delete_suspended_after_days`), and rehires re-created from the
//! archive, including an interrupted restore.

use super::*;
use crate::archive::{Archive, ArchiveRecord};
use crate::ids::EmployeeId;
use crate::marker::SavedMembership;
use crate::pagerduty::models::contact::{ContactMethod, NotificationRule, UserRecord};
use crate::plan::fixture::deletion_config;
use chrono::TimeZone;

const DELETE: &str = "deactivate = \"delete\"\narchive = \"a.jsonl\"\n";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
}

fn plan_with(acct: &Account, r: &Roster, cfg: &Config, archive: &Archive) -> Plan {
    plan_on_day(acct, r, cfg, archive, today())
}

/// [`plan_with`] as of `today`.
fn plan_on_day(
    acct: &Account,
    r: &Roster,
    cfg: &Config,
    archive: &Archive,
    today: NaiveDate,
) -> Plan {
    plan_as_of(acct, r, cfg, archive, today, today)
}

/// [`plan_with`] as of `today`, run on `run_day` (a later day for a back-dated run).
fn plan_as_of(
    acct: &Account,
    r: &Roster,
    cfg: &Config,
    archive: &Archive,
    today: NaiveDate,
    run_day: NaiveDate,
) -> Plan {
    acct.plan_of(Inputs {
        run_day,
        archive,
        ..fixture::inputs(r, &Policy::from_config(cfg), today)
    })
    .unwrap()
}

fn leaver(status: Lifecycle) -> Roster {
    roster(vec![emp(
        "12",
        "fa@example.com",
        "Fa Gu",
        status,
        "IT",
        "Engineer",
    )])
}

/// Fa Gu (employee 12), admin, on IT Operations (responder) and Chess Club (observer).
fn fa(acct: &mut Account, description: Option<String>) {
    acct.users.push(user(
        "PFA0001",
        "fa@example.com",
        "Fa Gu",
        Role::Admin,
        "Engineer",
        description,
    ));
    acct.join("PFA0001", "PTITOPS", TeamRole::Responder);
    acct.join("PFA0001", "PTCHESS", TeamRole::Observer);
}

fn suspended_marker(eid: &str, on: NaiveDate, from_archive: Option<&str>) -> Option<String> {
    let chess = SavedMembership {
        id: "PTCHESS".into(),
        name: Some("Chess Club".into()),
        role: TeamRole::Observer,
    };
    let mut m = suspension_record(eid, on, Role::Admin, vec![chess]);
    if let Some(s) = m.suspended.as_mut() {
        s.from_archive = from_archive.map(UserId::new);
    }
    Some(marker::render("Bio", &m))
}

/// A suspended Fa Gu (no teams, stakeholder role), suspended on `on`.
fn suspended_fa(acct: &mut Account, on: NaiveDate) {
    let mut u = user(
        "PFA0001",
        "fa@example.com",
        "Fa Gu",
        Role::ReadOnlyLimitedUser,
        "Engineer",
        suspended_marker("12", on, None),
    );
    u.teams.clear();
    acct.users.push(u);
}

/// The archive record of Fa Gu's deleted user `id` (deleted 2026-10-01), with one SMS
/// method, one rule and the Chess Club membership; `employee` names her employee ID.
fn record(id: &str, employee: Option<&str>) -> ArchiveRecord {
    let mut u = user(
        id,
        "fa@example.com",
        "Fa Gu",
        Role::Admin,
        "Engineer",
        Some(format!("Pager fan\n{}", marked("12").unwrap())),
    );
    u.time_zone = Some("Europe/Lisbon".into());
    u.color = Some("purple".into());
    let method = serde_json::from_value(serde_json::json!({
        "id": "PCMSMS1", "type": "sms_contact_method", "label": "Mobile",
        "address": "5550100", "country_code": 351,
    }))
    .unwrap();
    let rule = serde_json::from_value(serde_json::json!({
        "id": "PNR0001", "start_delay_in_minutes": 0, "urgency": "high",
        "contact_method": {"id": "PCMSMS1", "type": "sms_contact_method_reference"},
    }))
    .unwrap();
    ArchiveRecord::new(
        UserRecord {
            user: u,
            contact_methods: vec![method],
            notification_rules: vec![rule],
        },
        employee.map(EmployeeId::new),
        Role::Admin,
        vec![SavedMembership {
            id: "PTCHESS".into(),
            name: Some("Chess Club".into()),
            role: TeamRole::Observer,
        }],
        None,
        None,
        chrono::Utc.with_ymd_and_hms(2026, 10, 1, 2, 0, 0).unwrap(),
    )
}

#[test]
fn in_delete_mode_a_leaver_is_one_archived_deletion_that_converges() {
    let cfg = deletion_config("report", DELETE);
    let mut acct = Account::new(vec![owner()]);
    fa(&mut acct, Some(format!("Bio\n{}", marked("12").unwrap())));
    let none = Archive::default();
    for r in [leaver(Lifecycle::Terminated), roster(vec![])] {
        let p = plan_with(&acct, &r, &cfg, &none);
        assert_eq!(p.actions.len(), 1, "{:#?}", p.actions);
        let a = &p.actions[0];
        assert_eq!(a.kind, ActionKind::Delete);
        assert_eq!(a.user_id.as_ref().map(|id| id.as_str()), Some("PFA0001"));
        assert_eq!(
            a.guard,
            Some(Guard {
                employee_id: Some("12".into()),
                email: Email::normalise("fa@example.com"),
                claimed: None,
            }),
            "re-checked like a suspension"
        );
        assert_eq!(
            a.steps,
            vec![Step::DeleteUser {
                role: Role::Admin,
                teams: vec![
                    SavedMembership {
                        id: "PTCHESS".into(),
                        name: Some("Chess Club".into()),
                        role: TeamRole::Observer
                    },
                    SavedMembership {
                        id: "PTITOPS".into(),
                        name: Some("IT Operations".into()),
                        role: TeamRole::Responder
                    },
                ],
                suspended_on: None,
                termination_date: None,
            }],
            "no team removal first: the deletion removes the memberships"
        );
        assert_eq!(
            a.changes,
            vec![Change {
                field: Field::Role,
                old: Some("admin".into()),
                new: None
            }]
        );
        assert_eq!(
            a.teams.as_ref().unwrap().old,
            [
                TeamMembership::from("Chess Club:observer"),
                "IT Operations:responder".into()
            ]
        );
        assert!(
            a.reason
                .contains("[lifecycle] deactivate = \"delete\": the user's record"),
            "{}",
            a.reason
        );
        assert_eq!(p.count(ActionKind::Deactivate), 0);
    }
    let r = leaver(Lifecycle::Terminated);
    let p = plan_with(&acct, &r, &cfg, &none);
    acct.apply(&p, None);
    let again = plan_with(&acct, &r, &cfg, &none);
    assert!(again.is_empty(), "{:#?}", again.actions);
}

#[test]
fn in_delete_mode_a_user_suspended_before_is_deleted_with_what_its_marker_recorded() {
    let cfg = deletion_config("report", DELETE);
    let mut acct = Account::new(vec![owner()]);
    suspended_fa(&mut acct, NaiveDate::from_ymd_opt(2026, 11, 29).unwrap());
    let p = plan_with(
        &acct,
        &leaver(Lifecycle::Terminated),
        &cfg,
        &Archive::default(),
    );
    assert_eq!(p.actions.len(), 1);
    assert_eq!(
        p.actions[0].steps,
        vec![Step::DeleteUser {
            role: Role::Admin,
            teams: vec![SavedMembership {
                id: "PTCHESS".into(),
                name: Some("Chess Club".into()),
                role: TeamRole::Observer
            }],
            suspended_on: NaiveDate::from_ymd_opt(2026, 11, 29),
            termination_date: None,
        }]
    );
}

#[test]
fn an_old_suspension_is_deleted_a_recent_one_kept_and_a_new_leaver_suspended_first() {
    let cfg = deletion_config(
        "report",
        "delete_suspended_after_days = 30\narchive = \"a.jsonl\"\n",
    );
    let none = Archive::default();
    let days_ago = |n: u64| today() - chrono::Days::new(n);
    for (ago, deleted) in [(31, true), (30, true), (29, false), (5, false)] {
        let mut acct = Account::new(vec![owner()]);
        suspended_fa(&mut acct, days_ago(ago));
        let p = plan_with(&acct, &leaver(Lifecycle::Terminated), &cfg, &none);
        if deleted {
            assert_eq!(
                p.count(ActionKind::Delete),
                1,
                "{ago} days: {:#?}",
                p.actions
            );
            let reason = &p.actions[0].reason;
            assert!(
                reason.contains(&format!(
                    "suspended on {}, {ago} days ago ([lifecycle] delete_suspended_after_days = 30)"
                , days_ago(ago))),
                "{reason}"
            );
            acct.apply(&p, None);
            assert!(plan_with(&acct, &leaver(Lifecycle::Terminated), &cfg, &none).is_empty());
        } else {
            assert!(p.is_empty(), "{ago} days: {:#?}", p.actions);
        }
    }
    // A leaver not suspended yet is suspended, whatever the setting: deleted in a later run.
    let mut acct = Account::new(vec![owner()]);
    fa(&mut acct, marked("12"));
    let p = plan_with(&acct, &leaver(Lifecycle::Terminated), &cfg, &none);
    assert_eq!(
        (p.count(ActionKind::Deactivate), p.count(ActionKind::Delete)),
        (1, 0)
    );
    // Without the setting, an old suspension stays.
    let mut acct = Account::new(vec![owner()]);
    suspended_fa(&mut acct, days_ago(400));
    assert!(plan_with(&acct, &leaver(Lifecycle::Terminated), &std_config(), &none).is_empty());
}

#[test]
fn a_rehire_of_an_archived_person_is_re_created_and_an_interrupted_restore_finishes() {
    let cfg = deletion_config("report", DELETE);
    let archive = Archive::in_memory(vec![record("POLD001", Some("12"))]);
    let rehire = leaver(Lifecycle::Active);
    let mut acct = Account::new(vec![owner()]);
    let p = plan_with(&acct, &rehire, &cfg, &archive);
    assert_eq!(p.actions.len(), 1, "{:#?}", p.actions);
    let a = &p.actions[0];
    assert_eq!((a.kind, a.user_id.as_ref()), (ActionKind::Reactivate, None));
    assert_eq!(a.restores_from().map(UserId::as_str), Some("POLD001"));
    assert!(
        a.reason.contains(
            // Deleted at 02:00 UTC on 1 October: 30 September in America/New_York.
            "PagerDuty user POLD001 (\"Fa Gu\", fa@example.com) was deleted on 2026-09-30 and is re-created from the archive under a new PagerDuty ID (the ID changes), with 1 contact method, 1 notification rule and 1 team recorded (role admin before deletion)"
        ),
        "{}",
        a.reason
    );
    let Step::CreateUser(n) = &a.steps[0] else {
        panic!("{:?}", a.steps)
    };
    assert_eq!(
        n.time_zone.as_deref(),
        Some("Europe/Lisbon"),
        "the archived zone"
    );
    assert_eq!(n.color.as_deref(), Some("purple"));
    assert_eq!(n.role, Some(Role::LimitedUser), "the rules' role");
    let MarkerState::Valid(m) = marker::parse(n.description.as_deref()).marker else {
        panic!("{n:?}")
    };
    let restoring = m.clone();
    let s = m.suspended.expect("a restore in progress");
    assert_eq!(
        s.from_archive.as_ref().map(|id| id.as_str()),
        Some("POLD001")
    );
    assert!(n.description.as_deref().unwrap().starts_with("Pager fan\n"));
    assert_eq!(
        a.steps[1..],
        [
            Step::SetTeamRole {
                team_id: "PTCHESS".into(),
                team: "Chess Club".into(),
                role: TeamRole::Observer
            },
            Step::SetTeamRole {
                team_id: "PTITOPS".into(),
                team: "IT Operations".into(),
                role: TeamRole::Responder
            },
            Step::RestoreContacts {
                from_user: "POLD001".into(),
                // The restore reads and writes the marker the plan made, not the user's.
                record: Some(restoring.clone()),
            },
            Step::UpdateUser(UserUpdate {
                description: Some(format!(
                    "Pager fan\n{}",
                    marked_created("12", today()).unwrap()
                )),
                ..Default::default()
            }),
        ]
    );
    // A crash after the create and one team: the next plan finishes the rest.
    acct.apply(&p, Some(2));
    let p2 = plan_with(&acct, &rehire, &cfg, &archive);
    assert_eq!(
        p2.actions.len(),
        1,
        "no duplicate create: {:#?}",
        p2.actions
    );
    let a2 = &p2.actions[0];
    assert_eq!(a2.kind, ActionKind::Reactivate);
    assert!(a2.user_id.is_some());
    assert!(
        a2.reason
            .contains("finishes the restore from the archive of deleted user POLD001"),
        "{}",
        a2.reason
    );
    assert_eq!(
        a2.steps[a2.steps.len() - 2..],
        [
            Step::RestoreContacts {
                from_user: "POLD001".into(),
                // The restore reads and writes the marker the plan made, not the user's.
                record: Some(restoring.clone()),
            },
            Step::UpdateUser(UserUpdate {
                description: Some(format!(
                    "Pager fan\n{}",
                    marked_created("12", today()).unwrap()
                )),
                ..Default::default()
            }),
        ]
    );
    acct.apply(&p2, None);
    assert!(plan_with(&acct, &rehire, &cfg, &archive).is_empty());
    // Without the record (the archive was lost), the restore still finishes, and says so.
    let mut acct = Account::new(vec![owner()]);
    acct.apply(&p, Some(1));
    let p3 = plan_with(&acct, &rehire, &cfg, &Archive::default());
    assert!(
        p3.actions[0]
            .reason
            .contains("the archive has no record of it"),
        "{}",
        p3.actions[0].reason
    );
    assert!(p3.actions[0].restores_from().is_none());
    acct.apply(&p3, None);
    assert!(plan_with(&acct, &rehire, &cfg, &Archive::default()).is_empty());
}

/// A rehire's memberships each name their source: the rule for the team a rule gives, and
/// for the team no rule names, the record it is restored from (the suspension record in the
/// marker, or the deletion archive).
#[test]
fn a_rehire_s_restored_team_names_the_record_it_comes_from() {
    let rules = |source| {
        BTreeMap::from([
            ("Chess Club".to_string(), source),
            ("IT Operations".to_string(), TeamSource::Rule(1)),
        ])
    };
    let cfg = deletion_config("report", DELETE);
    let rehire = leaver(Lifecycle::Active);
    // Suspended yesterday, back in HR today: the marker's suspension record.
    let mut acct = Account::new(vec![owner()]);
    suspended_fa(&mut acct, today() - chrono::Days::new(1));
    let p = plan_with(&acct, &rehire, &cfg, &Archive::default());
    assert_eq!(kinds(&p), [ActionKind::Reactivate], "{p:#?}");
    assert_eq!(p.actions[0].team_rules, rules(TeamSource::SuspensionRecord));
    // Deleted, re-created from the archive record.
    let archive = Archive::in_memory(vec![record("POLD001", Some("12"))]);
    let mut acct = Account::new(vec![owner()]);
    let p = plan_with(&acct, &rehire, &cfg, &archive);
    assert_eq!(kinds(&p), [ActionKind::Reactivate], "{p:#?}");
    assert_eq!(p.actions[0].team_rules, rules(TeamSource::DeletionArchive));
    // Stopped after the create: the plan that finishes the restore still names the
    // deletion archive (the marker only carries its record meanwhile).
    acct.apply(&p, Some(1));
    let p = plan_with(&acct, &rehire, &cfg, &archive);
    assert_eq!(kinds(&p), [ActionKind::Reactivate], "{p:#?}");
    assert!(p.actions[0].user_id.is_some(), "{p:#?}");
    assert_eq!(p.actions[0].team_rules, rules(TeamSource::DeletionArchive));
}

#[test]
fn a_rehire_who_leaves_again_mid_restore_gets_back_everything_archived_before() {
    let cfg = deletion_config("report", DELETE);
    let today = today();
    let mut archived = vec![record("POLD001", Some("12"))];
    let mut acct = Account::new(vec![owner()]);
    // The rehire's run stops right after its POST /users: the new user has only what
    // PagerDuty gives every new user (the login email method and a high-urgency rule at 0
    // minutes on it) and a marker still naming the deleted user.
    let p = plan_with(
        &acct,
        &leaver(Lifecycle::Active),
        &cfg,
        &Archive::in_memory(archived.clone()),
    );
    acct.apply(&p, Some(1));
    let half = acct
        .users
        .iter()
        .find(|u| u.email == "fa@example.com")
        .unwrap()
        .id
        .clone();
    assert_ne!(half.as_str(), "POLD001");
    // The person leaves again before a run finishes the restore: the half-restored user is
    // deleted, and its record (what it had then) is the latest.
    let p = plan_with(
        &acct,
        &leaver(Lifecycle::Terminated),
        &cfg,
        &Archive::in_memory(archived.clone()),
    );
    assert_eq!(kinds(&p), [ActionKind::Delete], "{:#?}", p.actions);
    apply_archiving(&mut acct, &p, &mut archived, today);
    let latest = archived.last_mut().unwrap();
    assert_eq!(latest.pagerduty_user_id, half);
    let pd_default: (ContactMethod, NotificationRule) = (
        serde_json::from_value(serde_json::json!({
            "id": "PCMDEF1", "type": "email_contact_method", "label": "Default",
            "address": "fa@example.com",
        }))
        .unwrap(),
        serde_json::from_value(serde_json::json!({
            "id": "PNRDEF1", "start_delay_in_minutes": 0, "urgency": "high",
            "contact_method": {"id": "PCMDEF1", "type": "email_contact_method_reference"},
        }))
        .unwrap(),
    );
    latest.contact_methods = vec![pd_default.0];
    latest.notification_rules = vec![pd_default.1];
    assert!(acct.users.iter().all(|u| u.id != half), "deleted");
    // Rehired again: restored from the latest record, with the SMS method and rule of the
    // one before it, which the unfinished restore never sent; not PagerDuty's default rule,
    // which a finished restore would have deleted.
    let archive = Archive::in_memory(archived);
    let p = plan_with(&acct, &leaver(Lifecycle::Active), &cfg, &archive);
    assert_eq!(p.actions.len(), 1, "{:#?}", p.actions);
    let a = &p.actions[0];
    assert_eq!(a.restores_from(), Some(&half));
    assert!(
        a.reason
            .contains("with 2 contact methods, 1 notification rule and 1 team recorded"),
        "{}",
        a.reason
    );
    let r = archive.restorable(&half).unwrap();
    let methods: Vec<(&str, &str)> = r
        .contact_methods
        .iter()
        .map(|m| (m.id.as_str(), m.address.as_str()))
        .collect();
    assert_eq!(
        methods,
        [("PCMDEF1", "fa@example.com"), ("PCMSMS1", "5550100")]
    );
    let rules: Vec<(&str, &str, u32)> = r
        .notification_rules
        .iter()
        .map(|n| {
            (
                n.contact_method.id.as_str(),
                n.urgency.as_str(),
                n.start_delay_in_minutes,
            )
        })
        .collect();
    assert_eq!(rules, [("PCMSMS1", "high", 0)]);
}

#[test]
fn an_unmarked_users_record_is_found_by_email_and_a_user_that_still_exists_is_not_restored() {
    let cfg = deletion_config("report", DELETE);
    let rehire = leaver(Lifecycle::Active);
    let acct = Account::new(vec![owner()]);
    let by_email = Archive::in_memory(vec![record("POLD002", None)]);
    let p = plan_with(&acct, &rehire, &cfg, &by_email);
    assert_eq!(
        p.actions[0].restores_from().map(UserId::as_str),
        Some("POLD002")
    );
    // A record under another employee ID with their email is not restored by this row's
    // ID: without --rekey-employee-ids it is a skip that needs a person, no create
    // (a_deleted_person_back_under_a_renumbered_id_is_restored_only_with_rekey_employee_ids).
    let other = Archive::in_memory(vec![record("POLD003", Some("99"))]);
    let p = plan_with(&acct, &rehire, &cfg, &other);
    assert!(p.actions.is_empty(), "{:#?}", p.actions);
    assert!(
        p.skipped
            .iter()
            .any(|s| matches!(s.reason, SkipCause::ArchivedUnderAnotherId { .. })),
        "{:#?}",
        p.skipped
    );
    // A record whose DELETE PagerDuty refused: the user is still there.
    let mut acct = Account::new(vec![owner()]);
    acct.users.push(user(
        "POLD001",
        "fa.old@example.com",
        "Fa Gu",
        Role::Admin,
        "Engineer",
        None,
    ));
    let kept = Archive::in_memory(vec![record("POLD001", Some("12"))]);
    let p = plan_with(&acct, &rehire, &cfg, &kept);
    let a = p
        .actions
        .iter()
        .find(|a| a.email.as_str() == "fa@example.com")
        .unwrap();
    assert_eq!(a.kind, ActionKind::Create, "{a:#?}");
}

/// HR reuses employee IDs: a row with the archived person's employee ID is re-created from
/// the record only when it is plausibly that person (the same email, or the same name as
/// the probable-duplicate check compares names); anyone else is a plain create that
/// restores nothing (no contact methods or rules pointing at the ex-employee's phone) and
/// names the record it leaves alone.
#[test]
fn a_reused_employee_id_restores_nothing_unless_the_name_or_email_is_the_archived_person_s() {
    let cfg = deletion_config("report", DELETE);
    let acct = Account::new(vec![owner()]);
    let archive = Archive::in_memory(vec![record("POLD001", Some("12"))]);
    let row = |email: &str, name: &str| {
        roster(vec![emp(
            "12",
            email,
            name,
            Lifecycle::Active,
            "IT",
            "Engineer",
        )])
    };
    let p = plan_with(
        &acct,
        &row("petra@example.com", "Petra Newhire"),
        &cfg,
        &archive,
    );
    assert_eq!(p.actions.len(), 1, "{:#?}", p.actions);
    let a = &p.actions[0];
    assert_eq!(a.kind, ActionKind::Create, "{a:#?}");
    assert_eq!(a.restores_from(), None);
    assert!(
        !a.steps
            .iter()
            .any(|s| matches!(s, Step::RestoreContacts { .. })),
        "{:?}",
        a.steps
    );
    let Step::CreateUser(n) = &a.steps[0] else {
        panic!("{:?}", a.steps)
    };
    assert_eq!(n.color, None, "nothing of the record");
    assert_ne!(n.time_zone.as_deref(), Some("Europe/Lisbon"));
    assert!(!n.description.as_deref().unwrap().contains("Pager fan"));
    assert!(
        a.reason.contains(
            "the archive holds deleted user POLD001 (\"Fa Gu\", fa@example.com) under employee ID 12, but with another name and email, so this is another person who was given the ID: nothing is restored from that record"
        ),
        "{}",
        a.reason
    );
    // The same person: by email (a new name), or by name compared as the duplicate check
    // compares names (a new email).
    for (email, name) in [
        ("fa@example.com", "Fa Gu-Lopes"),
        ("fa.gu@example.com", "  FA   Gú "),
    ] {
        let p = plan_with(&acct, &row(email, name), &cfg, &archive);
        let a = &p.actions[0];
        assert_eq!(
            (a.kind, a.restores_from().map(UserId::as_str)),
            (ActionKind::Reactivate, Some("POLD001")),
            "{email} {name}: {a:#?}"
        );
        assert!(
            a.reason.contains("(\"Fa Gu\", fa@example.com)"),
            "{}",
            a.reason
        );
    }
}

/// HR renumbered a deleted person (record under employee 12, the row now E-12, same email):
/// without `--rekey-employee-ids` the row is a skip that needs a person, naming the record
/// (a fresh create would leave it behind for good); with the flag the record is restored
/// as for a rehire, counted as a re-key, and the reason says so. A record of another
/// person's email, or one the row of its own old ID restores, is left alone.
#[test]
fn a_deleted_person_back_under_a_renumbered_id_is_restored_only_with_rekey_employee_ids() {
    let cfg = deletion_config("report", DELETE);
    let acct = Account::new(vec![owner()]);
    let archive = Archive::in_memory(vec![record("POLD001", Some("12"))]);
    let fa_as =
        |id: &str, email: &str| emp(id, email, "Fa Gu", Lifecycle::Active, "IT", "Engineer");
    let renumbered = roster(vec![fa_as("E-12", "fa@example.com")]);
    let p = plan_with(&acct, &renumbered, &cfg, &archive);
    assert!(p.actions.is_empty(), "{:#?}", p.actions);
    let row_skips: Vec<&Skip> = p
        .skipped
        .iter()
        .filter(|s| s.employee_id.is_some())
        .collect();
    assert_eq!(row_skips.len(), 1, "{:#?}", p.skipped);
    let skip = row_skips[0];
    assert_eq!(
        skip.reason,
        SkipCause::ArchivedUnderAnotherId {
            user: UserId::new("POLD001"),
            name: "Fa Gu".into(),
            email: Email::normalise("fa@example.com"),
            archived_employee_id: EmployeeId::new("12"),
        }
    );
    assert!(skip.reason.needs_attention());
    assert!(
        skip.reason.to_string().starts_with(
            "not created: the deletion archive holds deleted user POLD001 (\"Fa Gu\", fa@example.com) under employee ID 12, the same person by email"
        ),
        "{}",
        skip.reason
    );
    assert!(
        skip.reason
            .to_string()
            .contains("rerun with --rekey-employee-ids")
    );

    let mut rekey = Policy::from_config(&cfg);
    rekey.rekey_employee_ids = true;
    let p = acct
        .plan_of(Inputs {
            archive: &archive,
            ..fixture::inputs(&renumbered, &rekey, today())
        })
        .unwrap();
    assert_eq!(p.actions.len(), 1, "{:#?}", p);
    let a = &p.actions[0];
    assert_eq!(
        (a.kind, a.restores_from().map(UserId::as_str)),
        (ActionKind::Reactivate, Some("POLD001"))
    );
    assert_eq!(a.rekeyed_from, Some(EmployeeId::new("12")));
    assert!(
        a.steps
            .iter()
            .any(|s| matches!(s, Step::RestoreContacts { .. })),
        "{:?}",
        a.steps
    );
    assert!(
        a.reason.contains("under a new PagerDuty ID (the ID changes)")
            && a.reason.ends_with("; re-keys the archive record from employee 12 to employee E-12 (--rekey-employee-ids; the export no longer lists 12, and this row has the deleted user's email)"),
        "{}",
        a.reason
    );
    assert!(
        p.skipped.iter().all(|s| s.employee_id.is_none()),
        "{:#?}",
        p.skipped
    );

    // Another email: nothing ties the row to the record; a plain create.
    let other = roster(vec![fa_as("E-12", "fa.gu@example.com")]);
    let p = plan_with(&acct, &other, &cfg, &archive);
    assert_eq!(p.actions[0].kind, ActionKind::Create, "{:#?}", p.actions);
    // The old ID's own row is the same person (by name): that row is the record's.
    let both = roster(vec![
        fa_as("E-12", "fa@example.com"),
        emp(
            "12",
            "gu.fa@example.com",
            "Fa Gu",
            Lifecycle::Terminated,
            "IT",
            "Engineer",
        ),
    ]);
    let p = plan_with(&acct, &both, &cfg, &archive);
    assert!(
        p.skipped
            .iter()
            .all(|s| !matches!(s.reason, SkipCause::ArchivedUnderAnotherId { .. })),
        "{:#?}",
        p.skipped
    );
}

#[test]
fn a_deletion_is_on_call_checked_and_blocked_like_a_suspension() {
    let none = Archive::default();
    let r = leaver(Lifecycle::Terminated);
    let old_suspension = deletion_config(
        "report",
        "delete_suspended_after_days = 30\narchive = \"a.jsonl\"\n",
    );
    for (cfg, suspended) in [
        (deletion_config("report", DELETE), false),
        (old_suspension, true),
    ] {
        let mut acct = Account::new(vec![owner()]);
        if suspended {
            suspended_fa(&mut acct, today() - chrono::Days::new(40));
        } else {
            fa(&mut acct, marked("12"));
        }
        acct.oncall.insert(UserId::new("PFA0001"), on_call());
        let p = plan_with(&acct, &r, &cfg, &none);
        assert_eq!(
            (p.count(ActionKind::Delete), p.attempted(ActionKind::Delete)),
            (1, 0),
            "{:#?}",
            p.actions
        );
        assert_eq!(p.blocked(), 1);
        let a = &p.actions[0];
        assert_eq!(a.oncall, Some(on_call()));
        let b = a.blocked.as_ref().expect("blocked");
        assert!(
            b.to_string()
                .starts_with("on escalation policy \"IT Operations EP\" (PEPOPS1)"),
            "{b}"
        );
        assert!(
            matches!(a.steps.as_slice(), [Step::DeleteUser { .. }]),
            "the step stays, for an override"
        );
        // Not attempted: the next run plans the same blocked deletion.
        acct.apply(&p, None);
        assert_eq!(plan_with(&acct, &r, &cfg, &none), p);

        // --allow-oncall-gaps cannot let through the deletion of a user with open incidents
        // assigned, which PagerDuty refuses (fact F22): it stays blocked, counted among the
        // blocks only a person can clear, so no archive record and no DELETE are written.
        let mut allow = Policy::from_config(&cfg);
        allow.allow_oncall_gaps = true;
        let p = acct.plan_with(&r, &allow, &acct.oncall_facts(), today());
        assert_eq!((p.attempted(ActionKind::Delete), p.blocked()), (0, 1));
        let b = p.actions[0]
            .blocked
            .as_ref()
            .expect("blocked with the switch");
        assert_eq!(b.cause(), crate::oncall::BlockCause::IncidentsAssigned);
        assert!(
            b.to_string().ends_with("; PagerDuty refuses to delete a user with open incidents assigned, so --allow-oncall-gaps cannot help"),
            "{b}"
        );
        assert_eq!(
            crate::oncall::blocked_words([b]).as_deref(),
            Some("with open incidents assigned")
        );

        // Once the incidents are reassigned, the switch lets it through, still naming what
        // it leaves behind.
        let mut free_of_incidents = on_call();
        free_of_incidents.incidents.clear();
        acct.oncall
            .insert(UserId::new("PFA0001"), free_of_incidents.clone());
        let p = acct.plan_with(&r, &allow, &acct.oncall_facts(), today());
        assert_eq!((p.attempted(ActionKind::Delete), p.blocked()), (1, 0));
        assert_eq!(p.actions[0].oncall, Some(free_of_incidents));
        acct.oncall.insert(UserId::new("PFA0001"), on_call());

        // Duties not looked up: the user is named as needed and the deletion blocked.
        let unread = OncallFacts::new(Lookahead {
            since: "2026-11-30T00:00:00Z".parse().unwrap(),
            days: 30,
        });
        let p = acct.plan_with(&r, &Policy::from_config(&cfg), &unread, today());
        assert_eq!(p.needs_oncall, BTreeSet::from([UserId::new("PFA0001")]));
        assert_eq!(p.blocked(), 1);

        // Once the user holds nothing, the deletion goes ahead and converges.
        acct.oncall.clear();
        let p = plan_with(&acct, &r, &cfg, &none);
        assert_eq!(p.actions[0].oncall, Some(OncallImpact::default()));
        assert_eq!((p.attempted(ActionKind::Delete), p.blocked()), (1, 0));
        acct.apply(&p, None);
        assert!(plan_with(&acct, &r, &cfg, &none).is_empty());
    }
}

/// PagerDuty refuses to delete the only target of an escalation policy's level (a level
/// needs a target), so `--allow-oncall-gaps` cannot let such a deletion through: it stays
/// blocked, counted among the blocks only a person can clear, and nothing is planned to run
/// (the action is not attempted: no archive record, no `DELETE`). A suspension of the same
/// user (suspend mode) is let through by the switch: the user stays on the level.
#[test]
fn the_deletion_of_a_level_s_only_target_stays_blocked_with_allow_oncall_gaps() {
    let r = leaver(Lifecycle::Terminated);
    let cfg = deletion_config("report", DELETE);
    let mut acct = Account::new(vec![owner()]);
    fa(&mut acct, marked("12"));
    let ep = crate::oncall::Named {
        id: crate::ids::EscalationPolicyId::new("PEPX001"),
        name: "Legacy EP".into(),
    };
    let alone = OncallImpact {
        escalation_policies: vec![ep.clone()],
        sole_target_of: vec![crate::oncall::SoleTarget {
            policy: ep,
            level: 1,
        }],
        ..OncallImpact::default()
    };
    acct.oncall.insert(UserId::new("PFA0001"), alone.clone());
    let mut allow = Policy::from_config(&cfg);
    allow.allow_oncall_gaps = true;
    let p = acct.plan_with(&r, &allow, &acct.oncall_facts(), today());
    assert_eq!(
        (
            p.count(ActionKind::Delete),
            p.attempted(ActionKind::Delete),
            p.blocked()
        ),
        (1, 0, 1),
        "{:#?}",
        p.actions
    );
    let a = &p.actions[0];
    assert_eq!(a.oncall, Some(alone.clone()));
    let b = a.blocked.as_ref().expect("blocked with the switch");
    assert_eq!(b.cause(), crate::oncall::BlockCause::SoleTarget);
    assert!(
        b.to_string().ends_with("they are the only target of level 1 of escalation policy \"Legacy EP\" (PEPX001), and PagerDuty refuses to delete a level's only target, so --allow-oncall-gaps cannot help"),
        "{b}"
    );
    assert!(
        b.deletion_remedy().starts_with(
            "add another target to level 1 of escalation policy \"Legacy EP\" (PEPX001)"
        ),
        "{}",
        b.deletion_remedy()
    );
    // Not attempted: the next run plans the same.
    acct.apply(&p, None);
    assert_eq!(acct.plan_with(&r, &allow, &acct.oncall_facts(), today()), p);

    // Once another target is on the level, the switch lets the deletion through.
    let shared = OncallImpact {
        sole_target_of: Vec::new(),
        ..alone.clone()
    };
    acct.oncall.insert(UserId::new("PFA0001"), shared);
    let p = acct.plan_with(&r, &allow, &acct.oncall_facts(), today());
    assert_eq!((p.attempted(ActionKind::Delete), p.blocked()), (1, 0));

    // In suspend mode the level keeps its target: no sole-target hold (this fixture's
    // stakeholder suspended role is held for being on a policy at all, §3.2).
    acct.oncall.insert(UserId::new("PFA0001"), alone);
    let suspend = deletion_config("report", "");
    let mut allow = Policy::from_config(&suspend);
    allow.allow_oncall_gaps = true;
    let p = acct.plan_with(&r, &allow, &acct.oncall_facts(), today());
    assert_eq!(p.count(ActionKind::Deactivate), 1, "{:#?}", p.actions);
    assert_eq!(
        p.actions[0].blocked.as_ref().map(|b| b.cause()),
        Some(crate::oncall::BlockCause::StakeholderOnRota)
    );
}

#[test]
fn the_key_owner_and_protected_users_are_never_deleted() {
    let cfg = deletion_config("report", DELETE);
    let mut acct = Account::new(vec![owner()]);
    // Two leavers by marker: Fa Gu owns the API key, the other's email is protected.
    fa(&mut acct, marked("12"));
    acct.users.push(user(
        "PVIP001",
        "vip@example.com",
        "Vi Po",
        Role::Admin,
        "Engineer",
        marked("14"),
    ));
    let key_owner = UserId::new("PFA0001");
    let p = acct
        .plan_of(Inputs {
            key_owner: Some(&key_owner),
            ..fixture::inputs(&roster(vec![]), &Policy::from_config(&cfg), today())
        })
        .unwrap();
    assert!(p.actions.is_empty(), "{:#?}", p.actions);
    let mut why: Vec<(String, SkipCause)> = p
        .skipped
        .iter()
        .map(|s| {
            (
                s.email.as_ref().map(Email::to_string).unwrap_or_default(),
                s.reason.clone(),
            )
        })
        .collect();
    why.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        why,
        vec![
            (
                "fa@example.com".to_string(),
                SkipCause::Untouchable(Untouchable::KeyOwner)
            ),
            (
                "owner@example.com".to_string(),
                SkipCause::Untouchable(Untouchable::Owner)
            ),
            (
                "vip@example.com".to_string(),
                SkipCause::Untouchable(Untouchable::Protected)
            ),
        ]
    );
}

#[test]
fn an_offboarded_unmanaged_user_is_suspended_and_never_deleted() {
    let none = Archive::default();
    let r = roster(vec![]);
    for lifecycle in [
        DELETE,
        "delete_suspended_after_days = 30\narchive = \"a.jsonl\"\n",
    ] {
        let cfg = deletion_config("offboard", lifecycle);
        let mut acct = Account::new(vec![owner()]);
        acct.users.push(user(
            "PUN0001",
            "un@example.com",
            "Un Known",
            Role::User,
            "Engineer",
            None,
        ));
        let p = plan_with(&acct, &r, &cfg, &none);
        assert_eq!(p.actions.len(), 1, "{:#?}", p.actions);
        let a = &p.actions[0];
        assert_eq!(
            (
                a.kind,
                a.user_id.as_ref().map(|id| id.as_str()),
                a.employee_id.as_ref()
            ),
            (ActionKind::Deactivate, Some("PUN0001"), None),
            "suspended with a record that names no employee, not deleted"
        );
        acct.apply(&p, None);
        assert!(plan_with(&acct, &r, &cfg, &none).is_empty());
        // Long after the suspension, still no deletion.
        let later = acct.plan_with(
            &r,
            &Policy::from_config(&cfg),
            &acct.oncall_facts(),
            today() + chrono::Days::new(400),
        );
        assert!(later.is_empty(), "{:#?}", later.actions);
    }
}

/// Applies `p` to `acct` as the executor does for its deletions: each deleted user's record
/// (profile only; contacts are not modelled here) is appended to `archived` first, with
/// what the step says to record, written on `on`.
fn apply_archiving(acct: &mut Account, p: &Plan, archived: &mut Vec<ArchiveRecord>, on: NaiveDate) {
    for a in p.actions.iter().filter(|a| a.attempted()) {
        let Some(Step::DeleteUser {
            role,
            teams,
            suspended_on,
            termination_date,
        }) = a.steps.first()
        else {
            continue;
        };
        let u = acct
            .users
            .iter()
            .find(|u| Some(&u.id) == a.user_id.as_ref())
            .unwrap();
        archived.push(ArchiveRecord::new(
            UserRecord {
                user: u.clone(),
                contact_methods: vec![],
                notification_rules: vec![],
            },
            a.employee_id.clone(),
            role.clone(),
            teams.clone(),
            *suspended_on,
            *termination_date,
            on.and_hms_opt(2, 0, 0).unwrap().and_utc(),
        ));
    }
    acct.apply(p, None);
}

/// Fa Gu's row (employee 12, IT) with `status` and the dates.
fn fa_row(status: Lifecycle, hired: Option<NaiveDate>, left: Option<NaiveDate>) -> Roster {
    let mut e = emp("12", "fa@example.com", "Fa Gu", status, "IT", "Engineer");
    e.hire_date = hired;
    e.termination_date = left;
    roster(vec![e])
}

fn kinds(p: &Plan) -> Vec<ActionKind> {
    p.actions.iter().map(|a| a.kind).collect()
}

#[test]
fn a_leaver_deleted_for_its_termination_date_is_not_re_created_while_the_row_keeps_it() {
    let d = today();
    let day = |n: u64| d + chrono::Days::new(n);
    let leaving = fa_row(Lifecycle::Active, None, Some(d));
    // Delete mode: the scheduled termination comes due on D and is a deletion that
    // records the date.
    let cfg = deletion_config("report", DELETE);
    let mut acct = Account::new(vec![owner()]);
    fa(&mut acct, marked("12"));
    let mut archived = vec![];
    let p = plan_on_day(&acct, &leaving, &cfg, &Archive::default(), d);
    assert_eq!(kinds(&p), [ActionKind::Delete]);
    assert!(
        matches!(p.actions[0].steps.as_slice(), [Step::DeleteUser { termination_date, .. }] if *termination_date == Some(d)),
        "{:?}",
        p.actions[0].steps
    );
    apply_archiving(&mut acct, &p, &mut archived, d);
    assert_eq!(archived[0].termination_date, Some(d));
    // The days after, long past the catch-up days too: the row still carries the date and
    // the status still says active, but no rehire is re-created from the archive.
    let archive = Archive::in_memory(archived.clone());
    for n in [0, 1, 30, 31, 400] {
        let p = plan_on_day(&acct, &leaving, &cfg, &archive, day(n));
        assert!(p.is_empty(), "D+{n}: {:#?}", p.actions);
    }
    // A record without the date (written before the field existed, or for a leaver the
    // status decided) is re-created once the date is out of the catch-up days: the
    // behaviour the field fixes.
    let mut old = archived[0].clone();
    old.termination_date = None;
    let p = plan_on_day(
        &acct,
        &leaving,
        &cfg,
        &Archive::in_memory(vec![old]),
        day(31),
    );
    assert_eq!(kinds(&p), [ActionKind::Reactivate]);
    // A rehire still is: the date removed, a new hire date after it, or another date
    // (here too old to be due: the status decides).
    for back in [
        fa_row(Lifecycle::Active, None, None),
        fa_row(Lifecycle::Active, Some(day(20)), Some(d)),
        fa_row(
            Lifecycle::Active,
            None,
            Some(day(1) - chrono::Days::new(200)),
        ),
    ] {
        let p = plan_on_day(&acct, &back, &cfg, &archive, day(40));
        assert_eq!(kinds(&p), [ActionKind::Reactivate], "{p:#?}");
        assert_eq!(
            p.actions[0].restores_from().map(UserId::as_str),
            Some("PFA0001")
        );
    }

    // Suspend mode with delete_suspended_after_days: suspended on D (the marker records
    // the date), deleted 5 days later with that date, then never re-created.
    let cfg = deletion_config(
        "report",
        "delete_suspended_after_days = 5\narchive = \"a.jsonl\"\n",
    );
    let mut acct = Account::new(vec![owner()]);
    fa(&mut acct, marked("12"));
    let mut archived = vec![];
    let p = plan_on_day(&acct, &leaving, &cfg, &Archive::default(), d);
    assert_eq!(kinds(&p), [ActionKind::Deactivate]);
    apply_archiving(&mut acct, &p, &mut archived, d);
    let p = plan_on_day(
        &acct,
        &fa_row(Lifecycle::Terminated, None, Some(d)),
        &cfg,
        &Archive::default(),
        day(5),
    );
    assert_eq!(kinds(&p), [ActionKind::Delete]);
    apply_archiving(&mut acct, &p, &mut archived, day(5));
    assert_eq!(
        (archived[0].suspended_on, archived[0].termination_date),
        (Some(d), Some(d)),
        "the marker's date, although the status decided on the day of the deletion"
    );
    let archive = Archive::in_memory(archived);
    for n in [6, 31, 400] {
        let p = plan_on_day(&acct, &leaving, &cfg, &archive, day(n));
        assert!(p.is_empty(), "D+{n}: {:#?}", p.actions);
    }
}

#[test]
fn a_run_as_of_an_earlier_day_undoes_no_suspension_or_deletion_recorded_after_it() {
    let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
    let rehire = leaver(Lifecycle::Active);
    // Suspended on 30 November: a run as of 20 November leaves the user suspended.
    let mut acct = Account::new(vec![owner()]);
    suspended_fa(&mut acct, today());
    let cfg = std_config();
    let none = Archive::default();
    let p = plan_on_day(&acct, &rehire, &cfg, &none, day(11, 20));
    assert!(p.actions.is_empty(), "{:#?}", p.actions);
    assert!(
        p.notes.iter().any(|n| n.contains(
            "PagerDuty user PFA0001 was suspended on 2026-11-30, after the as-of day 2026-11-20; not reactivated"
        )),
        "{:#?}",
        p.notes
    );
    // As of that very day or later, the row decides as always: a rehire.
    let p = plan_on_day(&acct, &rehire, &cfg, &none, today());
    assert_eq!(p.count(ActionKind::Reactivate), 1, "{:#?}", p.actions);
    // Deleted at 02:00 UTC on 1 October, 30 September in the configured zone: a run as of
    // 20 September does not re-create it.
    let cfg = deletion_config("report", DELETE);
    let archive = Archive::in_memory(vec![record("POLD001", Some("12"))]);
    let acct = Account::new(vec![owner()]);
    let p = plan_on_day(&acct, &rehire, &cfg, &archive, day(9, 20));
    assert!(p.actions.is_empty(), "{:#?}", p.actions);
    assert!(
        p.notes.iter().any(|n| n.contains(
            "PagerDuty user POLD001 was deleted on 2026-09-30, after the as-of day 2026-09-20; not re-created from the archive"
        )),
        "{:#?}",
        p.notes
    );
    let p = plan_on_day(&acct, &rehire, &cfg, &archive, day(9, 30));
    assert_eq!(p.count(ActionKind::Reactivate), 1, "{:#?}", p.actions);
}

#[test]
fn a_back_dated_suspension_is_dated_the_day_it_happens_and_its_grace_period_counts_from_it() {
    let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
    let cfg = deletion_config(
        "report",
        "delete_suspended_after_days = 30\narchive = \"a.jsonl\"\n",
    );
    let none = Archive::default();
    let mut acct = Account::new(vec![owner()]);
    fa(&mut acct, marked("12"));
    // Terminated on 15 November, applied on 30 November by a run as of 20 November.
    let mut e = emp(
        "12",
        "fa@example.com",
        "Fa Gu",
        Lifecycle::Active,
        "IT",
        "Engineer",
    );
    e.termination_date = Some(day(11, 15));
    let r = roster(vec![e]);
    let p = plan_as_of(&acct, &r, &cfg, &none, day(11, 20), day(11, 30));
    assert_eq!(p.count(ActionKind::Deactivate), 1, "{:#?}", p.actions);
    acct.apply(&p, None);
    let u = acct.users.iter().find(|u| u.id == "PFA0001").unwrap();
    let MarkerState::Valid(m) = marker::parse(u.description.as_deref()).marker else {
        panic!("{u:?}")
    };
    let s = m.suspended.expect("suspended");
    assert_eq!(
        (s.on, s.termination_date),
        (day(11, 30), Some(day(11, 15))),
        "dated the day it happened, for the termination date it applied"
    );
    // 30 days after the as-of day but 20 after the suspension: not deleted yet.
    let p = plan_on_day(&acct, &r, &cfg, &none, day(12, 20));
    assert_eq!(p.count(ActionKind::Delete), 0, "{:#?}", p.actions);
    // 30 days after the suspension: deleted.
    let p = plan_on_day(&acct, &r, &cfg, &none, day(12, 30));
    assert_eq!(p.count(ActionKind::Delete), 1, "{:#?}", p.actions);
}

#[test]
fn a_person_suspended_on_leave_who_then_leaves_is_deleted_after_the_grace_period_from_that_day() {
    let cfg = deletion_config(
        "report",
        "delete_suspended_after_days = 30\narchive = \"a.jsonl\"\n",
    );
    let none = Archive::default();
    let long_ago = today() - chrono::Days::new(100);
    let later = |n: u64| today() + chrono::Days::new(n);
    // Terminated in HR, or gone from the export.
    for r in [leaver(Lifecycle::Terminated), roster(vec![])] {
        let mut acct = Account::new(vec![owner()]);
        suspended_fa(&mut acct, long_ago);
        let u = acct.users.iter_mut().find(|u| u.id == "PFA0001").unwrap();
        let MarkerState::Valid(mut m) = marker::parse(u.description.as_deref()).marker else {
            panic!("{u:?}")
        };
        m.suspended.as_mut().unwrap().leave = true;
        u.description = Some(marker::render("Bio", &m));
        let p = plan_with(&acct, &r, &cfg, &none);
        // Only the record is rewritten: an update of the marker, not a deactivation (no
        // access is lost), so no deactivation cap counts it.
        assert_eq!(
            (
                p.count(ActionKind::Update),
                p.count(ActionKind::Deactivate),
                p.count(ActionKind::Delete)
            ),
            (1, 0, 0),
            "{:#?}",
            p.actions
        );
        let reason = &p.actions[0].reason;
        assert!(
            reason.contains(&format!(
                "suspended for a leave of absence since {long_ago}, its record now a termination's, dated {} (the day [lifecycle] delete_suspended_after_days counts from)",
                today()
            )),
            "{reason}"
        );
        // Without delete_suspended_after_days the date counts for nothing: not mentioned.
        let keeping = deletion_config("report", "");
        let kept = plan_with(&acct, &r, &keeping, &none);
        assert_eq!(kept.count(ActionKind::Update), 1, "{:#?}", kept.actions);
        assert!(
            kept.actions[0].reason.ends_with(&format!(
                "its record now a termination's, dated {}",
                today()
            )),
            "{}",
            kept.actions[0].reason
        );
        acct.apply(&p, None);
        let u = acct.users.iter().find(|u| u.id == "PFA0001").unwrap();
        let MarkerState::Valid(m) = marker::parse(u.description.as_deref()).marker else {
            panic!("{u:?}")
        };
        let s = m.suspended.unwrap();
        assert_eq!((s.leave, s.on, s.role), (false, today(), Role::Admin));
        assert!(plan_with(&acct, &r, &cfg, &none).is_empty());
        let p = plan_on_day(&acct, &r, &cfg, &none, later(29));
        assert!(p.is_empty(), "{:#?}", p.actions);
        let p = plan_on_day(&acct, &r, &cfg, &none, later(30));
        assert_eq!(p.count(ActionKind::Delete), 1, "{:#?}", p.actions);
    }
}

#[test]
fn without_the_archive_file_a_row_with_a_past_termination_date_is_not_created() {
    let cfg = deletion_config("report", DELETE);
    let acct = Account::new(vec![owner()]);
    let mut e = emp(
        "12",
        "fa@example.com",
        "Fa Gu",
        Lifecycle::Active,
        "IT",
        "Engineer",
    );
    e.termination_date = Some(today() - chrono::Days::new(90));
    let r = roster(vec![e.clone()]);
    let missing = Archive::missing_file(Path::new("/srv/h2p/archive.jsonl"));
    let p = plan_with(&acct, &r, &cfg, &missing);
    assert_eq!(p.count(ActionKind::Create), 0, "{:#?}", p.actions);
    assert!(
        p.notes.iter().any(|n| n.contains(
            "not created: the row carries termination date 2026-09-01, which has passed, and the archive /srv/h2p/archive.jsonl does not exist, so a deleted leaver cannot be told from a new hire"
        )),
        "{:#?}",
        p.notes
    );
    assert!(
        p.notes
            .iter()
            .any(|n| n.starts_with("the deletion archive /srv/h2p/archive.jsonl does not exist")),
        "{:#?}",
        p.notes
    );
    // An existing (empty) archive: the row is a new hire as before; so is a row without a
    // past termination date when the file is missing.
    assert_eq!(
        plan_with(&acct, &r, &cfg, &Archive::default()).count(ActionKind::Create),
        1
    );
    e.termination_date = None;
    let p = plan_with(&acct, &roster(vec![e]), &cfg, &missing);
    assert_eq!(p.count(ActionKind::Create), 1, "{:#?}", p.actions);
}

#[test]
fn a_row_back_to_active_keeping_a_due_date_after_a_deletion_by_status_is_named() {
    let d = today();
    let left = d - chrono::Days::new(6);
    let cfg = deletion_config("report", DELETE);
    let mut acct = Account::new(vec![owner()]);
    fa(&mut acct, marked("12"));
    let mut archived = vec![];
    // Deleted because the status said terminated: the record carries no date.
    let p = plan_on_day(
        &acct,
        &fa_row(Lifecycle::Terminated, None, Some(left)),
        &cfg,
        &Archive::default(),
        d,
    );
    assert_eq!(kinds(&p), [ActionKind::Delete]);
    apply_archiving(&mut acct, &p, &mut archived, d);
    assert_eq!(archived[0].termination_date, None);
    // The status back to active, the date kept and still due: an overdue termination,
    // nothing to do, but the plan names the person and how a rehire is written.
    let archive = Archive::in_memory(archived);
    let p = plan_on_day(
        &acct,
        &fa_row(Lifecycle::Active, None, Some(left)),
        &cfg,
        &archive,
        d,
    );
    assert!(p.actions.is_empty(), "{:#?}", p.actions);
    let note = p
        .notes
        .iter()
        .find(|n| n.starts_with("employee 12 (line "))
        .unwrap_or_else(|| panic!("{:#?}", p.notes));
    assert!(
        note.contains("treated as an overdue termination; nothing to do, since PagerDuty user PFA0001 was deleted and archived; if this is a rehire, give a hire date after the termination date"),
        "{note}"
    );
    // With a hire date after it, the rehire is re-created, and no such note.
    let p = plan_on_day(
        &acct,
        &fa_row(Lifecycle::Active, Some(d), Some(left)),
        &cfg,
        &archive,
        d,
    );
    assert_eq!(kinds(&p), [ActionKind::Reactivate]);
    assert!(
        !p.notes.iter().any(|n| n.contains("overdue termination")),
        "{:#?}",
        p.notes
    );
}
