//! Archive tests: the record layout, appends (mode 0600, fsynced, reused when identical),
//! torn and corrupt lines, and the lookups the planner uses.

use super::*;
use crate::pagerduty::models::contact::{ContactMethod, NotificationRule};
use chrono::TimeZone;
use std::path::Path;

/// The file at `path` and the snapshot read from it.
fn load(path: &Path) -> (ArchiveFile, Archive) {
    let file = ArchiveFile::at(path);
    let snapshot = file.load().unwrap();
    (file, snapshot)
}

fn read(id: &str, email: &str, phone: &str) -> UserRecord {
    let user: User = serde_json::from_value(serde_json::json!({
        "id": id, "name": "Ann Lee", "email": email, "role": "admin",
        "time_zone": "Europe/London", "job_title": "SRE", "description": "bio",
    }))
    .unwrap();
    let method: ContactMethod = serde_json::from_value(serde_json::json!({
        "id": "PCM0001", "type": "sms_contact_method", "label": "Mobile",
        "address": phone, "country_code": 44,
    }))
    .unwrap();
    let rule: NotificationRule = serde_json::from_value(serde_json::json!({
        "id": "PNR0001", "start_delay_in_minutes": 0, "urgency": "high",
        "contact_method": {"id": "PCM0001", "type": "sms_contact_method_reference"},
    }))
    .unwrap();
    UserRecord {
        user,
        contact_methods: vec![method],
        notification_rules: vec![rule],
    }
}

fn at(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, day, 9, 0, 0).unwrap()
}

fn record(id: &str, employee: Option<&str>, email: &str, phone: &str, day: u32) -> ArchiveRecord {
    ArchiveRecord::new(
        read(id, email, phone),
        employee.map(EmployeeId::new),
        Role::Admin,
        vec![SavedMembership {
            id: "PTEAM01".into(),
            name: Some("Ops".into()),
            role: crate::vocab::TeamRole::Manager,
        }],
        None,
        None,
        at(day),
    )
}

#[test]
fn a_record_is_one_json_line_with_the_whole_user() {
    let r = record("PANN001", Some("1005"), "Ann@Example.com", "5550100", 2);
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["kind"], "hr2pagerduty-archive");
    assert_eq!(v["version"], 1);
    assert_eq!(v["archived_at"], "2026-03-02T09:00:00Z");
    assert_eq!(v["pagerduty_user_id"], "PANN001");
    assert_eq!(v["employee_id"], "1005");
    assert_eq!(v["email"], "ann@example.com");
    assert_eq!(v["role"], "admin");
    assert_eq!(
        v["teams"],
        serde_json::json!([{"id": "PTEAM01", "name": "Ops", "role": "manager"}])
    );
    assert_eq!(v["user"]["job_title"], "SRE");
    assert_eq!(v["contact_methods"][0]["address"], "5550100");
    assert_eq!(
        v["notification_rules"][0]["contact_method"]["id"],
        "PCM0001"
    );
    assert_eq!(
        r.deleted_on(),
        chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()
    );
    let back: ArchiveRecord = serde_json::from_value(v).unwrap();
    assert_eq!(back, r);
}

#[test]
fn a_missing_file_is_an_empty_archive_and_the_first_append_creates_it_private() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("archive.jsonl");
    let (f, a) = load(&path);
    assert!(a.records().is_empty() && !a.torn_tail());
    assert!(!path.exists(), "reading creates nothing");
    let r = record("PANN001", Some("1005"), "ann@example.com", "5550100", 2);
    assert!(f.append(&r).unwrap());
    assert!(a.records().is_empty(), "a snapshot does not change");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), 1);
    assert!(text.ends_with('\n'));
    assert_eq!(
        serde_json::from_str::<ArchiveRecord>(text.trim()).unwrap(),
        r
    );
    // Loaded again, the record is there.
    assert_eq!(load(&path).1.records(), vec![r]);
}

#[test]
fn an_identical_record_is_reused_and_a_changed_one_appended() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.jsonl");
    let (f, _) = load(&path);
    let r = record("PANN001", Some("1005"), "ann@example.com", "5550100", 2);
    assert!(f.append(&r).unwrap());
    // The next night, the same user read again (the DELETE was refused): reused.
    let again = record("PANN001", Some("1005"), "ann@example.com", "5550100", 3);
    assert!(!load(&path).0.append(&again).unwrap());
    assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 1);
    // A new phone number since: written again, and the latest record wins.
    let changed = record("PANN001", Some("1005"), "ann@example.com", "5550199", 4);
    let (f, _) = load(&path);
    assert!(f.append(&changed).unwrap());
    assert_eq!(f.by_user(&"PANN001".into()).as_ref(), Some(&changed));
    assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 2);
    assert_eq!(load(&path).1.by_user(&"PANN001".into()), Some(&changed));
}

#[test]
fn a_write_cut_short_is_skipped_and_cut_off_by_the_next_append() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.jsonl");
    let r = record("PANN001", Some("1005"), "ann@example.com", "5550100", 2);
    let line = serde_json::to_string(&r).unwrap();
    std::fs::write(&path, format!("{line}\n{}", &line[..40])).unwrap();
    let (f, a) = load(&path);
    assert!(a.torn_tail());
    assert_eq!(a.records(), vec![r.clone()]);
    let next = record("PBOB001", Some("1006"), "bob@example.com", "5550111", 3);
    assert!(f.append(&next).unwrap());
    let (_, a) = load(&path);
    assert!(!a.torn_tail());
    assert_eq!(a.records(), vec![r, next]);
    assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 2);
}

#[test]
fn a_whole_last_record_without_its_newline_is_kept_by_the_next_append() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.jsonl");
    let r = record("PANN001", Some("1005"), "ann@example.com", "5550100", 2);
    let line = serde_json::to_string(&r).unwrap();
    // A file edited by hand: the last record lost its newline, and load reads it.
    std::fs::write(&path, &line).unwrap();
    let (f, a) = load(&path);
    assert!(!a.torn_tail());
    assert_eq!(a.records(), vec![r.clone()]);
    let next = record("PBOB001", Some("1006"), "bob@example.com", "5550111", 3);
    assert!(f.append(&next).unwrap());
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        format!("{line}\n{}\n", serde_json::to_string(&next).unwrap())
    );
    assert_eq!(load(&path).1.records(), vec![r, next]);
}

#[test]
fn a_damaged_complete_line_refuses_the_archive_with_its_line_number() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.jsonl");
    let r = record("PANN001", Some("1005"), "ann@example.com", "5550100", 2);
    let line = serde_json::to_string(&r).unwrap();
    std::fs::write(&path, format!("{line}\n\n{{\"kind\": oops\n{line}\n")).unwrap();
    let e = ArchiveFile::at(&path).load().unwrap_err();
    assert!(matches!(e, ArchiveError::Corrupt { line: 3, .. }), "{e}");
    assert!(
        e.to_string()
            .contains("it is the only copy of deleted users"),
        "{e}"
    );
    let other = line.replace("\"version\":1", "\"version\":2");
    std::fs::write(&path, format!("{other}\n")).unwrap();
    let e = ArchiveFile::at(&path).load().unwrap_err().to_string();
    assert!(e.contains("line 1") && e.contains("version 2"), "{e}");
    // A directory is not an archive.
    let e = ArchiveFile::at(dir.path()).load().unwrap_err();
    assert!(matches!(e, ArchiveError::Read { .. }), "{e}");
}

#[test]
fn an_archive_in_a_missing_directory_cannot_be_read_or_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no/such/dir/a.jsonl");
    let a = ArchiveFile::at(&path);
    // Read before any plan: a missing folder is not "an archive not created yet".
    let e = a.load().unwrap_err();
    assert!(matches!(e, ArchiveError::NoFolder { .. }), "{e}");
    assert_eq!(
        e.to_string(),
        format!(
            "the folder of the archive {} does not exist; {NO_FOLDER_FIX}",
            path.display()
        )
    );
    assert!(!dir.path().join("no").exists(), "no folder created");
    let e = a.check_writable().unwrap_err();
    assert!(matches!(e, ArchiveError::Write { .. }), "{e}");
    let r = record("PANN001", Some("1005"), "ann@example.com", "5550100", 2);
    assert!(a.append(&r).is_err());
    assert!(
        a.by_user(&"PANN001".into()).is_none(),
        "a record that was not written is not kept"
    );
    let (ok, _) = load(&dir.path().join("a.jsonl"));
    ok.check_writable().unwrap();
    assert!(dir.path().join("a.jsonl").exists());
}

#[test]
fn lookups_take_the_latest_record_and_email_only_for_unmarked_users() {
    let a = Archive::in_memory(vec![
        record("POLD001", Some("1005"), "ann@example.com", "1", 1),
        record("PNEW001", Some("1005"), "ann@example.com", "2", 5),
        record("PUNM001", None, "carl@example.com", "3", 2),
    ]);
    let ann = a.by_employee(&"1005".into()).unwrap();
    assert_eq!(ann.pagerduty_user_id.as_str(), "PNEW001");
    assert_eq!(a.by_employee(&"9999".into()), None);
    assert!(ArchiveFile::none().load().unwrap().records().is_empty());
    assert_eq!(
        a.by_email(&Email::normalise("Carl@example.com"))
            .unwrap()
            .pagerduty_user_id
            .as_str(),
        "PUNM001"
    );
    assert_eq!(a.by_email(&Email::normalise("ann@example.com")), None);
    assert_eq!(
        a.by_user(&"POLD001".into()).unwrap().contact_methods[0].address,
        "1"
    );
}

#[test]
fn a_record_written_before_the_termination_date_field_reads_as_none() {
    let r = record("PUSER01", Some("7"), "a@example.com", "5550100", 3);
    let mut line = serde_json::to_value(&r).unwrap();
    assert!(
        line.as_object_mut()
            .unwrap()
            .remove("termination_date")
            .is_some()
    );
    let back: ArchiveRecord = serde_json::from_value(line).unwrap();
    assert_eq!(back.termination_date, None);
    assert!(back.same_content(&r));
    // And a record with the date keeps it.
    let mut dated = r.clone();
    dated.termination_date = chrono::NaiveDate::from_ymd_opt(2026, 12, 10);
    let text = serde_json::to_string(&dated).unwrap();
    assert!(
        text.contains("\"termination_date\":\"2026-12-10\""),
        "{text}"
    );
    let back: ArchiveRecord = serde_json::from_str(&text).unwrap();
    assert_eq!(back, dated);
}

/// A record of `id` with `methods` (`(id, type, address)`) and `rules` (`(method, urgency,
/// delay)`), whose description's marker names `from` as the deleted user its restore was
/// unfinished from.
fn linked(
    id: &str,
    from: Option<&str>,
    methods: &[(&str, &str, &str)],
    rules: &[(&str, &str, u32)],
) -> ArchiveRecord {
    let mut r = record(id, Some("1005"), "ann@example.com", "5550100", 2);
    let m = crate::marker::Marker {
        employee_id: Some("1005".into()),
        suspended: from.map(|f| crate::marker::Suspension {
            on: at(2).date_naive(),
            role: Role::Admin,
            teams: vec![],
            termination_date: None,
            leave: false,
            from_archive: Some(f.into()),
            refused: Vec::new(),
            reactivating: false,
        }),
        pending_termination: None,
        created: None,
    };
    r.user.description = Some(crate::marker::render("bio", &m));
    r.contact_methods = methods
        .iter()
        .map(|(id, kind, address)| {
            serde_json::from_value(serde_json::json!({
                "id": id, "type": kind, "label": "L", "address": address, "country_code": 44,
            }))
            .unwrap()
        })
        .collect();
    r.notification_rules = rules
        .iter()
        .enumerate()
        .map(|(i, (method, urgency, delay))| {
            serde_json::from_value(serde_json::json!({
                "id": format!("PNR{id}{i}"), "start_delay_in_minutes": delay, "urgency": urgency,
                "contact_method": {"id": method, "type": "x_reference"},
            }))
            .unwrap()
        })
        .collect();
    r
}

#[test]
fn a_record_of_an_unfinished_restore_is_restored_with_the_records_it_links_back_to() {
    const EMAIL: &str = "email_contact_method";
    const SMS: &str = "sms_contact_method";
    // P1 was deleted in full; P2 re-created from it got its SMS method but not its phone
    // one, then was deleted; P3, re-created from P2, was deleted right after its create.
    let p1 = linked(
        "P1",
        None,
        &[
            ("PCM11", EMAIL, "ann@example.com"),
            ("PCM12", SMS, "5550100"),
            ("PCM13", "phone_contact_method", "5550199"),
        ],
        &[
            ("PCM11", "high", 0),
            ("PCM12", "high", 0),
            ("PCM13", "low", 5),
        ],
    );
    let p2 = linked(
        "P2",
        Some("P1"),
        &[
            ("PCM21", EMAIL, "ANN@example.com"),
            ("PCM22", SMS, "5550100"),
        ],
        &[
            ("PCM21", "high", 0),
            ("PCM22", "high", 0),
            ("PCM22", "low", 10),
        ],
    );
    let p3 = linked(
        "P3",
        Some("P2"),
        &[("PCM31", EMAIL, "ann@example.com")],
        &[("PCM31", "high", 0)],
    );
    let archive = Archive::in_memory(vec![p1.clone(), p2, p3]);
    let ids = |l: Vec<ArchiveRecord>| -> Vec<String> {
        l.iter().map(|r| r.pagerduty_user_id.to_string()).collect()
    };
    assert_eq!(ids(archive.lineage(&"P3".into())), ["P3", "P2", "P1"]);
    let r = archive.restorable(&"P3".into()).unwrap();
    assert_eq!(
        r.pagerduty_user_id.as_str(),
        "P3",
        "the latest record's profile"
    );
    let methods: Vec<&str> = r.contact_methods.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(methods, ["PCM31", "PCM22", "PCM13"], "each method once");
    let rules: Vec<(&str, &str, u32)> = r
        .notification_rules
        .iter()
        .map(|n| {
            let m = n.contact_method.id.as_str();
            (m, n.urgency.as_str(), n.start_delay_in_minutes)
        })
        .collect();
    // PagerDuty's default rule of P3 and P2 (unfinished) is not taken from them, P1's is;
    // P2's own low-urgency rule is kept; P1's rules point at the methods taken.
    assert_eq!(
        rules,
        [
            ("PCM22", "high", 0),
            ("PCM22", "low", 10),
            ("PCM31", "high", 0),
            ("PCM13", "low", 5),
        ]
    );
    // A record restored in full (no link) comes back as written.
    assert_eq!(archive.restorable(&"P1".into()), Some(p1));
    assert_eq!(archive.restorable(&"P9".into()), None);
}

#[test]
fn a_link_to_a_missing_or_already_followed_record_ends_the_lineage() {
    let a = linked("PA", Some("PB"), &[], &[]);
    let b = linked("PB", Some("PA"), &[], &[]);
    let c = linked("PC", Some("PGONE"), &[], &[]);
    let archive = Archive::in_memory(vec![a, b, c]);
    let ids = |id: &str| -> Vec<String> {
        archive
            .lineage(&id.into())
            .iter()
            .map(|r| r.pagerduty_user_id.to_string())
            .collect()
    };
    assert_eq!(ids("PA"), ["PA", "PB"]);
    assert_eq!(ids("PC"), ["PC"]);
}
