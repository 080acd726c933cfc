//! End to end, deactivation modes (issue 7): leavers deleted after their record is archived,
//! the deletion cap, old suspensions deleted, deletions blocked by on-call duties (and a saved
//! plan refused when those changed), deletions PagerDuty refuses, rehires re-created from the
//! archive, and the archive's path errors. Each scenario is plan, apply,
//! then a second plan, against the simulator, with the real binary.

use crate::support::e2e::*;
use crate::support::*;
use hr2pagerduty::archive::ArchiveRecord;
use hr2pagerduty::email::Email;
use hr2pagerduty::marker::{self, Marker, SavedMembership};
use hr2pagerduty::pagerduty::models::contact::{ContactMethod, NotificationRule};
use hr2pagerduty::pagerduty::models::{Role, TeamRole};
use hr2pagerduty::pagerduty::{Client, ClientConfig, RetryPolicy};
use hr2pagerduty::sim::{Fault, FaultKind, Seed};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Duration;

const HEADER: &str = "id,email,first,last,status,dept";

fn marker_of_employee(eid: &str) -> String {
    marker::render(
        "",
        &Marker {
            employee_id: Some(eid.into()),
            suspended: None,
            pending_termination: None,
            created: None,
        },
    )
}

/// The account: owner, bot, teams Ops and Chess Club, plus `users` (seed JSON) and the
/// seed's `extra` top-level fields.
fn seed(users: Vec<Value>, extra: &Value) -> Seed {
    let mut all = vec![
        json!({"id": "POWNER1", "name": "Olive Owner", "email": "owner@example.com", "role": "owner"}),
        json!({"id": "PBOT001", "name": "Sync Bot", "email": "bot@example.com", "role": "admin"}),
    ];
    all.extend(users);
    let mut seed = json!({
        "api_keys": [KEY],
        "teams": [{"id": "PTOPS01", "name": "Ops"}, {"id": "PCHESS1", "name": "Chess Club"}],
        "users": all,
    });
    for (k, v) in extra.as_object().into_iter().flatten() {
        seed[k] = v.clone();
    }
    Seed::from_json(&seed.to_string()).expect("seed")
}

/// A seeded account, its configuration and export, all in a temporary directory; the
/// archive is `archive.jsonl` beside the configuration (a relative path in it).
struct Case {
    dir: tempfile::TempDir,
    sim: Sim,
    config: PathBuf,
    hr: PathBuf,
}

impl Case {
    /// The account: owner, bot, teams Ops and Chess Club, plus `users` (seed JSON) and the
    /// seed's `extra` top-level fields; `[lifecycle]` gets `lifecycle`, `[safety]` gets
    /// `safety`; the export holds `rows` under [`HEADER`].
    fn new(lifecycle: &str, safety: &str, users: Vec<Value>, extra: Value, rows: &[&str]) -> Case {
        let dir = tempfile::tempdir().unwrap();
        let sim = Sim::start(seed(users, &extra));
        let config = dir.path().join("config.toml");
        std::fs::write(
            &config,
            format!(
                r#"[pagerduty]
from = "bot@example.com"

[hr.columns]
employee_id = "id"
email = "email"
first_name = "first"
last_name = "last"
status = "status"
department = "dept"

[hr.status]
active = ["Active"]
terminated = ["Terminated"]

[lifecycle]
suspended_role = "observer"
protected = ["bot@example.com"]
default_time_zone = "Europe/London"
{lifecycle}

[roles]
default = "limited_user"

[[teams.rule]]
when = {{ department = "Ops" }}
team = "Ops"
role = "responder"

[safety]
# One leaver in a handful of users is a large share: the shrink check is not tested here.
max_shrink_percent = 100
{safety}
"#
            ),
        )
        .unwrap();
        let hr = dir.path().join("hr.csv");
        let case = Case {
            dir,
            sim,
            config,
            hr,
        };
        case.set_rows(rows);
        case
    }

    /// The simulator started again on the same address with `account` (what the account
    /// looks like at a later moment).
    fn restart(&mut self, account: Seed) {
        let port = self.sim.handle.addr().port();
        let placeholder = Sim::start(seed(vec![], &json!({})));
        drop(std::mem::replace(&mut self.sim, placeholder));
        self.sim = Sim::start_on(account, port);
    }

    fn set_rows(&self, rows: &[&str]) {
        let mut text = format!("{HEADER}\n");
        for r in rows {
            text.push_str(r);
            text.push('\n');
        }
        std::fs::write(&self.hr, text).unwrap();
    }

    fn archive(&self) -> PathBuf {
        self.dir.path().join("archive.jsonl")
    }

    /// The archive's records, in file order.
    fn records(&self) -> Vec<ArchiveRecord> {
        let text = std::fs::read_to_string(self.archive()).unwrap_or_default();
        text.lines()
            .map(|l| serde_json::from_str(l).expect("an archive record"))
            .collect()
    }

    fn run(&self, cmd: &str, extra: &[&str]) -> Run {
        let mut args = inputs(cmd, &self.config, &self.hr);
        args.extend(extra.iter().map(|s| s.to_string()));
        if cmd == "apply" {
            args.push("--yes".into());
        }
        run_args(against(&self.sim, KEY), &args)
    }

    fn plan_json(&self, extra: &[&str]) -> Value {
        let mut a = vec!["--format", "json"];
        a.extend_from_slice(extra);
        let run = self.run("plan", &a);
        run.expect_code(0);
        run.json()
    }

    fn assert_no_changes(&self) {
        let run = self.run("plan", &[]);
        run.expect_code(0);
        assert!(run.stdout.contains("No changes."), "{}", run.stdout);
    }

    /// The user's contact methods and rules, read through the library's client.
    fn contacts(&self, user_id: &str) -> (Vec<ContactMethod>, Vec<NotificationRule>) {
        let client = Client::new(ClientConfig {
            base_url: self.sim.url(),
            api_key: KEY.to_string().into(),
            from: Email::normalise("bot@example.com"),
            requests_per_minute: 600,
            burst: 10,
            concurrency: 2,
            create_concurrency: 1,
            rate_limit_wait: Duration::from_secs(10),
            request_timeout: Duration::from_secs(5),
            retry: RetryPolicy::default(),
        })
        .unwrap();
        let id = user_id.into();
        self.sim.block_on(async {
            (
                client.list_contact_methods(&id).await.unwrap(),
                client.list_notification_rules(&id).await.unwrap(),
            )
        })
    }

    /// Requests (`METHOD path`) the simulator received for paths under `prefix`.
    fn requests_to(&self, prefix: &str) -> Vec<String> {
        self.sim
            .handle
            .requests()
            .into_iter()
            .filter(|r| r.path.starts_with(prefix))
            .map(|r| format!("{} {}", r.method, r.path))
            .collect()
    }
}

const DELETE_MODE: &str = "deactivate = \"delete\"\narchive = \"archive.jsonl\"";
const ANN_ROW: &str = "1001,ann@example.com,Ann,Active,Active,Ops";

fn ann() -> Value {
    json!({"id": "PANN001", "name": "Ann Active", "email": "ann@example.com", "role": "limited_user",
           "description": marker_of_employee("1001"), "teams": [{"team": "Ops", "role": "responder"}]})
}

/// Lee (employee 1002): a bio, a time zone and a job title, on Ops (responder) and Chess Club
/// (manager), with the default email, an SMS and a phone method and four rules, one of
/// them low urgency.
fn lee() -> Value {
    json!({"id": "PLEE001", "name": "Lee Leaver", "email": "lee@example.com", "role": "limited_user",
           "description": format!("Night owl\n{}", marker_of_employee("1002")),
           "time_zone": "Europe/Lisbon", "job_title": "SRE", "color": "purple",
           "teams": [{"team": "Ops", "role": "responder"}, {"team": "Chess Club", "role": "manager"}],
           "contact_methods": [
             {"id": "PCMLEE1", "type": "email_contact_method", "label": "Default", "address": "lee@example.com"},
             {"id": "PCMLEE2", "type": "sms_contact_method", "label": "Mobile", "address": "7700900123", "country_code": 44},
             {"id": "PCMLEE3", "type": "phone_contact_method", "label": "Home", "address": "7700900456", "country_code": 44}],
           "notification_rules": [
             {"id": "PNRLEE1", "start_delay_in_minutes": 0, "urgency": "high",
              "contact_method": {"id": "PCMLEE1", "type": "email_contact_method_reference"}},
             {"id": "PNRLEE2", "start_delay_in_minutes": 0, "urgency": "high",
              "contact_method": {"id": "PCMLEE2", "type": "sms_contact_method_reference"}},
             {"id": "PNRLEE3", "start_delay_in_minutes": 5, "urgency": "high",
              "contact_method": {"id": "PCMLEE3", "type": "phone_contact_method_reference"}},
             {"id": "PNRLEE4", "start_delay_in_minutes": 10, "urgency": "low",
              "contact_method": {"id": "PCMLEE2", "type": "sms_contact_method_reference"}}]})
}

/// Lee's four rules as (address, urgency, delay), sorted ([`rules_by_address`]): what a
/// rehire restored from the archive ends with.
fn lee_rules() -> Vec<(String, String, u32)> {
    vec![
        ("7700900123".into(), "high".into(), 0),
        ("7700900123".into(), "low".into(), 10),
        ("7700900456".into(), "high".into(), 5),
        ("lee@example.com".into(), "high".into(), 0),
    ]
}

/// Delete mode with Ann (staying) and Lee (terminated in the export) in the account.
fn lee_leaving() -> Case {
    Case::new(
        DELETE_MODE,
        "",
        vec![ann(), lee()],
        json!({}),
        &[ANN_ROW, LEE_LEFT],
    )
}

const LEE_LEFT: &str = "1002,lee@example.com,Lee,Leaver,Terminated,Ops";
const LEE_BACK: &str = "1002,lee@example.com,Lee,Leaver,Active,Ops";

/// [`lee_leaving`] after the run that archives and deletes Lee, with Lee's row back to
/// active (a rehire, re-created from the archive by the next run).
fn lee_deleted_then_back() -> Case {
    let case = lee_leaving();
    case.run("apply", &[]).expect_code(0);
    case.set_rows(&[ANN_ROW, LEE_BACK]);
    case
}

fn leaver(id: &str, eid: &str, name: &str) -> Value {
    let email = format!(
        "{}@example.com",
        name.split(' ').next().unwrap().to_lowercase()
    );
    json!({"id": id, "name": name, "email": email, "role": "limited_user",
           "description": marker_of_employee(eid)})
}

fn row(eid: &str, name: &str, status: &str) -> String {
    let (first, last) = name.split_once(' ').unwrap();
    format!(
        "{eid},{}@example.com,{first},{last},{status},Sales",
        first.to_lowercase()
    )
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn delete_mode_archives_a_leaver_in_full_then_deletes_it_and_converges() {
    let case = lee_leaving();
    let text = case.run("plan", &[]);
    text.expect_code(0);
    assert!(
        text.stdout.contains(
            "  # user lee@example.com (PLEE001, employee 1002) will be deleted (archived first; the PagerDuty ID is lost)\n"
        ),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("  x user \"Lee Leaver\" {\n      - role  = \"limited_user\"\n      - teams = [\"Chess Club:manager\", \"Ops:responder\"]\n"), "{}", text.stdout);
    assert!(
        text.stdout.ends_with(
            "Plan: 0 to create, 0 to update, 0 to deactivate, 0 to reactivate, 1 to delete.\n"
        ),
        "{}",
        text.stdout
    );
    let v = case.plan_json(&[]);
    assert_eq!(v["summary"]["delete"], 1);
    assert_eq!(v["summary"]["deactivate"], 0);
    assert_eq!(v["actions"][0]["action"], "delete");
    assert!(!case.archive().exists(), "plan writes nothing");

    let report = case.dir.path().join("report.json");
    let before = case.sim.handle.requests().len();
    let run = case.run("apply", &["--report", report.to_str().unwrap()]);
    run.expect_code(0);
    assert!(
        run.stdout
            .contains("  x deleted lee@example.com (PLEE001, employee 1002): 2 requests\n"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Apply complete! 0 created, 0 updated, 0 deactivated, 0 reactivated, 1 deleted, 0 failed, 1 skipped."), "{}", run.stdout);
    // One full read (the re-check), then the DELETE: nothing else for this user.
    let sent: Vec<String> = case.sim.handle.requests()[before..]
        .iter()
        .filter(|r| r.path.starts_with("/users/PLEE001") || r.method != "GET")
        .map(|r| format!("{} {}?{}", r.method, r.path, r.query))
        .collect();
    assert_eq!(
        sent,
        [
            "GET /users/PLEE001?include%5B%5D=contact_methods&include%5B%5D=notification_rules",
            "DELETE /users/PLEE001?"
        ]
    );
    assert!(case.sim.handle.user_by_email("lee@example.com").is_none());
    let r: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(r["summary"]["deleted"], 1);
    assert_eq!(r["actions"][0]["outcome"], "applied");
    assert_eq!(r["actions"][0]["attempts"], 2);

    // The archive: one line, the whole record, private.
    #[cfg(unix)]
    assert_eq!(mode(&case.archive()), 0o600);
    let records = case.records();
    assert_eq!(records.len(), 1);
    let rec = &records[0];
    assert_eq!(rec.pagerduty_user_id.as_str(), "PLEE001");
    assert_eq!(rec.employee_id.as_ref().map(|id| id.as_str()), Some("1002"));
    assert_eq!(rec.email.as_str(), "lee@example.com");
    assert_eq!(rec.role, Role::LimitedUser);
    assert_eq!(
        rec.teams,
        [
            SavedMembership {
                id: "PCHESS1".into(),
                name: Some("Chess Club".into()),
                role: TeamRole::Manager
            },
            SavedMembership {
                id: "PTOPS01".into(),
                name: Some("Ops".into()),
                role: TeamRole::Responder
            },
        ]
    );
    assert_eq!(rec.user.job_title.as_deref(), Some("SRE"));
    assert_eq!(rec.user.time_zone.as_deref(), Some("Europe/Lisbon"));
    assert!(
        rec.user
            .description
            .as_deref()
            .unwrap()
            .starts_with("Night owl\n")
    );
    let phones: Vec<(&str, Option<u16>)> = rec
        .contact_methods
        .iter()
        .map(|m| (m.address.as_str(), m.country_code))
        .collect();
    assert_eq!(
        phones,
        [
            ("lee@example.com", None),
            ("7700900123", Some(44)),
            ("7700900456", Some(44))
        ]
    );
    assert_eq!(rec.notification_rules.len(), 4, "both urgencies");
    case.assert_no_changes();
}

#[test]
fn the_archive_line_is_on_disk_before_the_delete_reaches_pagerduty() {
    let case = lee_leaving();
    // The DELETE is held 3 s by the simulator: look at the archive while it is in flight.
    case.sim.handle.inject(Fault::new(
        "DELETE",
        "/users/*",
        FaultKind::Delay { ms: 3000 },
    ));
    let mut args = inputs("apply", &case.config, &case.hr);
    args.push("--yes".into());
    let cmd = against(&case.sim, KEY);
    let apply = std::thread::spawn(move || run_args(cmd, &args));
    case.sim.wait_in_flight("DELETE /users/PLEE001", |r| {
        r.method == "DELETE" && r.path == "/users/PLEE001"
    });
    let records = case.records();
    assert_eq!(records.len(), 1, "archived before the DELETE arrived");
    assert_eq!(records[0].pagerduty_user_id.as_str(), "PLEE001");
    apply.join().unwrap().expect_code(0);

    // A DELETE that fails (as after a crash between the write and the request) leaves the
    // user and the record; the next run reuses the record and deletes.
    let case = lee_leaving();
    case.sim.handle.inject(Fault::new(
        "DELETE",
        "/users/*",
        FaultKind::Status {
            status: 400,
            code: Some(2001),
            message: None,
            errors: vec!["Scripted refusal".into()],
        },
    ));
    let run = case.run("apply", &[]);
    run.expect_code(1);
    assert!(run.stdout.contains("Scripted refusal"), "{}", run.stdout);
    assert!(case.sim.handle.user_by_email("lee@example.com").is_some());
    assert_eq!(
        case.records().len(),
        1,
        "written before the request was sent"
    );
    case.run("apply", &[]).expect_code(0);
    assert_eq!(case.records().len(), 1, "the identical record is reused");
    assert!(case.sim.handle.user_by_email("lee@example.com").is_none());
    case.assert_no_changes();
}

#[test]
fn deletions_are_capped_and_allow_deletions_raises_the_cap_for_one_run() {
    let users = vec![ann(), lee(), leaver("PKIM001", "1003", "Kim Gone")];
    let rows = [ANN_ROW, LEE_LEFT, &row("1003", "Kim Gone", "Terminated")];
    let case = Case::new(DELETE_MODE, "max_deletions = 1", users, json!({}), &rows);
    let plan = case.run("plan", &[]);
    plan.expect_code(3);
    assert!(
        plan.stderr
            .contains("2 deletions exceed [safety] max_deletions = 1;")
            && plan.stderr.contains("rerun with --allow-deletions 2"),
        "{}",
        plan.stderr
    );
    case.run("apply", &[]).expect_code(3);
    let refused = case.run("apply", &["--allow-deletions", "1"]);
    refused.expect_code(3);
    assert!(
        refused
            .stderr
            .contains("2 deletions exceed --allow-deletions 1"),
        "{}",
        refused.stderr
    );
    assert!(case.sim.writes().is_empty(), "refused before any write");
    assert!(!case.archive().exists());

    let saved = case.dir.path().join("plan.json");
    let out = case.run(
        "plan",
        &["--allow-deletions", "2", "--out", saved.to_str().unwrap()],
    );
    out.expect_code(0);
    assert!(
        out.stderr.contains("--allow-deletions 2 --yes"),
        "{}",
        out.stderr
    );
    case.run("apply", &["--allow-deletions", "2"])
        .expect_code(0);
    assert_eq!(case.records().len(), 2);
    assert!(case.sim.handle.user_by_email("kim@example.com").is_none());
    case.assert_no_changes();
}

#[test]
fn delete_suspended_after_days_deletes_an_old_suspension_and_keeps_a_recent_one() {
    let today = chrono::Utc::now().date_naive();
    let suspended = |id: &str, eid: &str, name: &str, days: u64| {
        let on = today - chrono::Days::new(days);
        let mut u = leaver(id, eid, name);
        u["role"] = json!("observer");
        u["description"] = json!(marker::render(
            "",
            &suspension_record(
                eid,
                on,
                Role::User,
                vec![SavedMembership {
                    id: "PCHESS1".into(),
                    name: Some("Chess Club".into()),
                    role: TeamRole::Manager,
                }]
            ),
        ));
        u
    };
    let users = vec![
        ann(),
        suspended("PSUE001", "1003", "Sue Old", 40),
        suspended("PREX001", "1004", "Rex New", 5),
    ];
    let rows = [
        ANN_ROW,
        &row("1003", "Sue Old", "Terminated"),
        &row("1004", "Rex New", "Terminated"),
    ];
    let case = Case::new(
        "delete_suspended_after_days = 30\narchive = \"archive.jsonl\"",
        "",
        users,
        json!({}),
        &rows,
    );
    // The day is fixed with --as-of: "today" is otherwise the date in default_time_zone.
    let as_of = today.to_string();
    let v = case.plan_json(&["--as-of", &as_of]);
    let actions = v["actions"].as_array().unwrap();
    assert_eq!(actions.len(), 1, "{v:#}");
    assert_eq!(actions[0]["action"], "delete");
    assert_eq!(actions[0]["pagerduty_user_id"], "PSUE001");
    let on = today - chrono::Days::new(40);
    assert!(
        actions[0]["reason"].as_str().unwrap().contains(&format!(
            "suspended on {on}, 40 days ago ([lifecycle] delete_suspended_after_days = 30)"
        )),
        "{v:#}"
    );
    case.run("apply", &["--as-of", &as_of]).expect_code(0);
    let records = case.records();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].pagerduty_user_id.as_str(), "PSUE001");
    assert_eq!(records[0].role, Role::User, "the role before suspension");
    assert_eq!(records[0].suspended_on, Some(on));
    assert_eq!(records[0].teams[0].id.as_str(), "PCHESS1");
    assert!(case.sim.handle.user_by_email("sue@example.com").is_none());
    assert!(case.sim.handle.user_by_email("rex@example.com").is_some());
    let again = case.run("plan", &["--as-of", &as_of]);
    again.expect_code(0);
    assert!(again.stdout.contains("No changes."), "{}", again.stdout);
}

/// Ivy (employee 1005) has an open incident; Sol (1006) is the only target of an
/// escalation policy. Both have left.
fn ivy_and_sol(lifecycle: &str) -> Case {
    let users = vec![
        ann(),
        leaver("PIVY001", "1005", "Ivy Paged"),
        leaver("PSOL001", "1006", "Sol Alone"),
    ];
    let extra = json!({
        "escalation_policies": [{"id": "PEPSOL1", "name": "Sol EP", "escalation_rules": [
            {"escalation_delay_in_minutes": 30, "targets": [{"id": "PSOL001", "type": "user_reference"}]}]}],
        "incidents": [{"id": "Q0000000000001", "title": "Disk full", "status": "triggered",
            "created_at": "2026-01-05T10:00:00Z",
            "assignments": [{"assignee": {"id": "PIVY001", "type": "user_reference"}}]}]
    });
    let rows = [
        ANN_ROW,
        &row("1005", "Ivy Paged", "Terminated"),
        &row("1006", "Sol Alone", "Terminated"),
    ];
    Case::new(lifecycle, "", users, extra, &rows)
}

/// The action for the PagerDuty user `id` in a JSON plan or report.
fn action_for_user<'a>(v: &'a Value, id: &str) -> &'a Value {
    v["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["pagerduty_user_id"] == id)
        .unwrap_or_else(|| panic!("no action for {id}: {v:#}"))
}

#[test]
fn a_deletion_of_a_leaver_on_call_is_blocked_with_no_archive_record_and_no_request() {
    let case = ivy_and_sol(DELETE_MODE);
    let text = case.run("plan", &[]);
    text.expect_code(0);
    for needle in [
        "  # user ivy@example.com (PIVY001, employee 1005) is blocked: it will not be deleted\n",
        "  #   blocked: 1 open incident assigned: \"Disk full\" (Q0000000000001); PagerDuty refuses to delete a user with open incidents assigned, so --allow-oncall-gaps cannot help\n",
        "  # user sol@example.com (PSOL001, employee 1006) is blocked: it will not be deleted\n",
        "  #   blocked: on escalation policy \"Sol EP\" (PEPSOL1); they are the only target of level 1 of escalation policy \"Sol EP\" (PEPSOL1), and PagerDuty refuses to delete a level's only target, so --allow-oncall-gaps cannot help\n",
        // Advice true to a deletion: no team removal or suspension, and no override where
        // PagerDuty refuses the DELETE anyway.
        "  #   to unblock: reassign or resolve incident \"Disk full\" (Q0000000000001) (PagerDuty refuses to delete a user with open incidents assigned); the next run then deletes them (--allow-oncall-gaps cannot help while incidents are assigned to them: PagerDuty refuses the deletion)\n",
        "  #   to unblock: add another target to level 1 of escalation policy \"Sol EP\" (PEPSOL1) (PagerDuty refuses to delete a level's only target); take them off escalation policy \"Sol EP\" (PEPSOL1), as a target or on its schedules; the next run then deletes them (--allow-oncall-gaps cannot help while they are a level's only target: PagerDuty refuses the deletion)\n",
        // Both are blocks only a person can clear, each counted by its cause.
        "Plan: 0 to create, 0 to update, 0 to deactivate, 0 to reactivate. 2 blocked (1 with open incidents assigned, 1 as the only target of an escalation policy level).\n",
    ] {
        assert!(
            text.stdout.contains(needle),
            "{needle}\n--- in\n{}",
            text.stdout
        );
    }
    let first = case.plan_json(&[]);
    assert_eq!(first["summary"]["delete"], 0, "{first:#}");
    assert_eq!(first["summary"]["blocked"], 2, "{first:#}");
    let ivy = action_for_user(&first, "PIVY001");
    assert_eq!(ivy["action"], "delete");
    assert_eq!(
        ivy["oncall"],
        json!({"escalation_policies": [], "schedules": [],
               "incidents": [{"id": "Q0000000000001", "title": "Disk full"}]})
    );
    assert_eq!(
        ivy["blocked"],
        "1 open incident assigned: \"Disk full\" (Q0000000000001); PagerDuty refuses to delete a user with open incidents assigned, so --allow-oncall-gaps cannot help"
    );
    assert_eq!(
        action_for_user(&first, "PSOL001")["oncall"]["escalation_policies"],
        json!([{"id": "PEPSOL1", "name": "Sol EP"}])
    );

    // Not attempted: no re-check, no archive record, no DELETE; apply exits 1.
    let report = case.dir.path().join("report.json");
    let before = case.sim.handle.requests().len();
    let run = case.run("apply", &["--report", report.to_str().unwrap()]);
    run.expect_code(1);
    assert!(
        run.stdout.contains(
            "Blocked: delete of ivy@example.com (PIVY001): blocked: 1 open incident assigned"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "  To unblock: reassign or resolve incident \"Disk full\" (Q0000000000001) (PagerDuty refuses to delete a user with open incidents assigned)"
        ),
        "{}",
        run.stdout
    );
    let r: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(r["status"], "failed");
    assert_eq!(r["summary"]["blocked"], 2);
    assert_eq!(r["summary"]["deleted"], 0);
    for id in ["PIVY001", "PSOL001"] {
        let a = action_for_user(&r, id);
        assert_eq!(
            (a["outcome"].clone(), a["attempts"].clone()),
            (json!("blocked"), json!(0)),
            "{a:#}"
        );
        assert!(
            case.sim.handle.requests()[before..]
                .iter()
                .all(|q| !q.path.starts_with(&format!("/users/{id}"))),
            "{id}: no request for a blocked deletion"
        );
    }
    assert!(case.sim.writes().is_empty());
    assert!(!case.archive().exists(), "no record for a blocked deletion");
    assert!(case.sim.handle.user_by_email("ivy@example.com").is_some());

    // The next night: the same blocked plan, and apply fails again.
    assert_eq!(case.plan_json(&[])["actions"], first["actions"]);
    case.run("apply", &[]).expect_code(1);
    assert!(case.sim.writes().is_empty());
}

#[test]
fn an_old_suspension_of_a_leaver_on_call_is_not_deleted() {
    let today = chrono::Utc::now().date_naive();
    let on = today - chrono::Days::new(40);
    let mut sol = leaver("PSOL001", "1006", "Sol Alone");
    sol["role"] = json!("observer");
    sol["description"] = json!(marker::render(
        "",
        &suspension_record("1006", on, Role::User, vec![]),
    ));
    let extra = json!({
        "escalation_policies": [{"id": "PEPSOL1", "name": "Sol EP", "escalation_rules": [
            {"escalation_delay_in_minutes": 30, "targets": [{"id": "PSOL001", "type": "user_reference"}]}]}]
    });
    let case = Case::new(
        "delete_suspended_after_days = 30\narchive = \"archive.jsonl\"",
        "",
        vec![ann(), sol],
        extra,
        &[ANN_ROW, &row("1006", "Sol Alone", "Terminated")],
    );
    let as_of = today.to_string();
    let v = case.plan_json(&["--as-of", &as_of]);
    let a = action_for_user(&v, "PSOL001");
    assert_eq!(a["action"], "delete", "{v:#}");
    assert_eq!(
        a["blocked"],
        "on escalation policy \"Sol EP\" (PEPSOL1); they are the only target of level 1 of escalation policy \"Sol EP\" (PEPSOL1), and PagerDuty refuses to delete a level's only target, so --allow-oncall-gaps cannot help"
    );
    case.run("apply", &["--as-of", &as_of]).expect_code(1);
    assert!(case.sim.writes().is_empty());
    assert!(!case.archive().exists());
}

#[test]
fn a_saved_plan_is_refused_when_a_deletions_oncall_duties_changed() {
    let mut case = lee_leaving();
    let saved = case.dir.path().join("saved.json");
    case.run("plan", &["--out", saved.to_str().unwrap()])
        .expect_code(0);
    let file: Value = serde_json::from_slice(&std::fs::read(&saved).unwrap()).unwrap();
    assert!(
        file["oncall_as_of"].is_string(),
        "the deletion's duties are recorded"
    );
    let saved_arg = saved.to_str().unwrap().to_string();
    // The same account on the same address, but Lee was paged after the plan was made.
    let paged = json!({"incidents": [{"id": "Q0000000000007", "title": "New page", "status": "triggered",
        "created_at": chrono::Utc::now().to_rfc3339(),
        "assignments": [{"assignee": {"id": "PLEE001", "type": "user_reference"}}]}]});
    case.restart(seed(vec![ann(), lee()], &paged));
    let refused = case.run("apply", &["--plan", &saved_arg]);
    refused.expect_code(3);
    assert!(
        refused.stderr.contains(
            "user PLEE001 (lee@example.com): then escalation policies [], schedules [], incidents []; now escalation policies [], schedules [], incidents [Q0000000000007]"
        ),
        "{}",
        refused.stderr
    );
    assert!(case.sim.writes().is_empty());
    assert!(
        !case.archive().exists(),
        "refused before the archive is touched"
    );
    // Unchanged: applied as saved.
    case.restart(seed(vec![ann(), lee()], &json!({})));
    case.run("apply", &["--plan", &saved_arg]).expect_code(0);
    assert!(case.sim.handle.user_by_email("lee@example.com").is_none());
    assert_eq!(case.records().len(), 1);
}

#[test]
fn a_sole_target_s_deletion_stays_blocked_with_allow_oncall_gaps_until_another_target_is_added() {
    // Sol is the only target of level 1 of "Sol EP": PagerDuty refuses to delete a level's
    // only target, so the switch cannot let the deletion through. It stays blocked, counted
    // among the blocks only a person can clear; no archive record, no DELETE.
    let mut case = ivy_and_sol(DELETE_MODE);
    let gaps = "--allow-oncall-gaps";
    let text = case.run("plan", &[gaps]);
    text.expect_code(0);
    for needle in [
        "  # user sol@example.com (PSOL001, employee 1006) is blocked: it will not be deleted\n",
        "(--allow-oncall-gaps cannot help while they are a level's only target: PagerDuty refuses the deletion)\n",
        "Plan: 0 to create, 0 to update, 0 to deactivate, 0 to reactivate. 2 blocked (1 with open incidents assigned, 1 as the only target of an escalation policy level).\n",
    ] {
        assert!(
            text.stdout.contains(needle),
            "{needle}\n--- in\n{}",
            text.stdout
        );
    }
    let v = case.plan_json(&[gaps]);
    let sol = action_for_user(&v, "PSOL001");
    assert_eq!(
        sol["oncall"]["sole_target_of"],
        json!([{"policy": {"id": "PEPSOL1", "name": "Sol EP"}, "level": 1}]),
        "{sol:#}"
    );
    let report = case.dir.path().join("report.json");
    let run = case.run("apply", &[gaps, "--report", report.to_str().unwrap()]);
    run.expect_code(1);
    assert!(
        run.stdout
            .contains("Apply finished with blocked deletions."),
        "{}",
        run.stdout
    );
    let r: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(
        action_for_user(&r, "PSOL001")["outcome"],
        "blocked",
        "{r:#}"
    );
    assert!(
        case.requests_to("/users/PSOL001")
            .iter()
            .all(|r| !r.starts_with("DELETE")),
        "no DELETE for Sol"
    );
    assert!(case.sim.handle.user_by_email("sol@example.com").is_some());
    assert!(
        !case.archive().exists(),
        "no archive record for a blocked deletion"
    );
    // The next plan is the same: nothing was written.
    assert_eq!(case.plan_json(&[gaps])["actions"], v["actions"]);

    // A person adds Ann to the level (the account a moment later): the switch lets Sol's
    // deletion through, PagerDuty accepts it, and the next plan has nothing left for Sol.
    case.restart(seed(
        vec![
            ann(),
            leaver("PIVY001", "1005", "Ivy Paged"),
            leaver("PSOL001", "1006", "Sol Alone"),
        ],
        &json!({
            "escalation_policies": [{"id": "PEPSOL1", "name": "Sol EP", "escalation_rules": [
                {"escalation_delay_in_minutes": 30, "targets": [
                    {"id": "PSOL001", "type": "user_reference"},
                    {"id": "PANN001", "type": "user_reference"}]}]}],
        }),
    ));
    let v = case.plan_json(&[gaps]);
    assert_eq!(
        (
            v["summary"]["delete"].clone(),
            v["summary"]["blocked"].clone()
        ),
        (json!(2), json!(0)),
        "{v:#}"
    );
    case.run("apply", &[gaps]).expect_code(0);
    assert!(case.sim.handle.user_by_email("sol@example.com").is_none());
    assert_eq!(case.records().len(), 2, "Ivy and Sol archived");
    case.assert_no_changes();
}

#[test]
fn a_delete_pagerduty_refuses_is_reported_once_not_retried_and_the_user_stays() {
    // Duties that appear after the plan's look-ups (here PagerDuty's refusal is scripted,
    // as for the only target of a level added since): the DELETE fails with PagerDuty's
    // reason, once, and is not retried; the record stays and is reused.
    let case = lee_leaving();
    let refusal = "User cannot be deleted as they are the only target of level 1 of escalation policy Lee EP (PEPLEE1); add another target first";
    case.sim.handle.inject(
        Fault::new(
            "DELETE",
            "/users/PLEE001",
            FaultKind::Status {
                status: 400,
                code: Some(2001),
                message: None,
                errors: vec![refusal.into()],
            },
        )
        .always(),
    );
    let report = case.dir.path().join("report.json");
    let run = case.run("apply", &["--report", report.to_str().unwrap()]);
    run.expect_code(1);
    let r: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    let a = action_for_user(&r, "PLEE001");
    assert_eq!(a["outcome"], "failed", "{a:#}");
    assert!(a["error"].as_str().unwrap().contains(refusal), "{a:#}");
    assert_eq!(
        run.stdout
            .matches("Error: delete of lee@example.com")
            .count(),
        1,
        "{}",
        run.stdout
    );
    let deletes = || {
        case.requests_to("/users/PLEE001")
            .into_iter()
            .filter(|r| r.starts_with("DELETE"))
            .count()
    };
    assert_eq!(deletes(), 1, "a refusal is not retried");
    assert!(case.sim.handle.user_by_email("lee@example.com").is_some());
    assert_eq!(
        case.records().len(),
        1,
        "Lee was archived before the DELETE"
    );
    // The next plan is the same: the user stays until a person clears what holds them.
    let v = case.plan_json(&[]);
    assert_eq!(v["summary"]["delete"], 1, "{v:#}");
    case.run("apply", &[]).expect_code(1);
    assert_eq!(
        case.records().len(),
        1,
        "the unchanged record is reused, not repeated"
    );
}

#[test]
fn a_deletion_with_open_incidents_stays_blocked_with_allow_oncall_gaps() {
    // PagerDuty refuses the DELETE of a user with open incidents assigned (fact F22), so
    // the switch cannot let Ivy's deletion through: it stays blocked, counted among the
    // blocks only a person can clear, and nothing of it is written: no archive record, no
    // DELETE (which would be refused with a 400).
    let case = ivy_and_sol(DELETE_MODE);
    let gaps = "--allow-oncall-gaps";
    let text = case.run("plan", &[gaps]);
    text.expect_code(0);
    for needle in [
        "  # user ivy@example.com (PIVY001, employee 1005) is blocked: it will not be deleted\n",
        "(--allow-oncall-gaps cannot help while incidents are assigned to them: PagerDuty refuses the deletion)\n",
        // Sol, the only target of a level, stays blocked too (PagerDuty refuses that DELETE).
        "Plan: 0 to create, 0 to update, 0 to deactivate, 0 to reactivate. 2 blocked (1 with open incidents assigned, 1 as the only target of an escalation policy level).\n",
    ] {
        assert!(
            text.stdout.contains(needle),
            "{needle}\n--- in\n{}",
            text.stdout
        );
    }
    let v = case.plan_json(&[gaps]);
    assert_eq!(v["summary"]["blocked"], 2, "{v:#}");
    assert_eq!(
        action_for_user(&v, "PIVY001")["blocked"],
        "1 open incident assigned: \"Disk full\" (Q0000000000001); PagerDuty refuses to delete a user with open incidents assigned, so --allow-oncall-gaps cannot help"
    );
    let report = case.dir.path().join("report.json");
    let run = case.run("apply", &[gaps, "--report", report.to_str().unwrap()]);
    run.expect_code(1);
    let r: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(
        action_for_user(&r, "PIVY001")["outcome"],
        "blocked",
        "{r:#}"
    );
    assert!(
        case.requests_to("/users/PIVY001")
            .iter()
            .all(|r| !r.starts_with("DELETE")),
        "no DELETE for Ivy"
    );
    assert!(case.sim.handle.user_by_email("ivy@example.com").is_some());
    assert!(
        case.records()
            .iter()
            .all(|rec| rec.pagerduty_user_id != "PIVY001"),
        "no archive record for Ivy"
    );
}

#[test]
fn a_rehire_is_re_created_from_the_archive_with_contact_methods_rules_and_teams() {
    let case = lee_leaving();
    case.run("apply", &[]).expect_code(0);
    assert!(case.sim.handle.user_by_email("lee@example.com").is_none());

    case.set_rows(&[ANN_ROW, LEE_BACK]);
    let text = case.run("plan", &[]);
    text.expect_code(0);
    assert!(
        text.stdout.contains(
            "  # user lee@example.com (employee 1002) will be re-created from the archive of deleted user PLEE001 (the PagerDuty ID changes)\n"
        ),
        "{}",
        text.stdout
    );
    let v = case.plan_json(&[]);
    let a = &v["actions"][0];
    assert_eq!(a["action"], "reactivate");
    assert_eq!(a["pagerduty_user_id"], Value::Null);
    assert_eq!(a["previous_pagerduty_user_id"], "PLEE001");
    assert!(
        a["reason"]
            .as_str()
            .unwrap()
            .contains("PagerDuty user PLEE001 (\"Lee Leaver\", lee@example.com) was deleted on "),
        "the archived name and email: {a:#}"
    );
    assert!(
        a["reason"]
            .as_str()
            .unwrap()
            .contains("under a new PagerDuty ID (the ID changes)"),
        "{a:#}"
    );
    assert_eq!(v["summary"]["reactivate"], 1);
    let plan_text = v.to_string();
    assert!(
        !plan_text.contains("7700900123"),
        "the plan carries no phone number"
    );

    case.run("apply", &[]).expect_code(0);
    let u = case.sim.user("lee@example.com");
    assert_ne!(u.id.as_str(), "PLEE001", "a new PagerDuty ID");
    assert_eq!(u.time_zone.as_deref(), Some("Europe/Lisbon"));
    assert_eq!(u.job_title.as_deref(), Some("SRE"));
    assert_eq!(u.color.as_deref(), Some("purple"));
    assert_eq!(human_of(u.description.as_deref()), "Night owl");
    assert_eq!(marker_of(u.description.as_deref()).suspended, None);
    assert_eq!(
        case.sim.memberships(u.id.as_str()),
        [
            ("PCHESS1".into(), TeamRole::Manager),
            ("PTOPS01".into(), TeamRole::Responder)
        ]
        .into()
    );
    let (methods, rules) = case.contacts(u.id.as_str());
    let mut got: Vec<(String, String, Option<u16>)> = methods
        .iter()
        .map(|m| {
            (
                m.kind.as_str().to_string(),
                m.address.clone(),
                m.country_code,
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            (
                "email_contact_method".into(),
                "lee@example.com".into(),
                None
            ),
            ("phone_contact_method".into(), "7700900456".into(), Some(44)),
            ("sms_contact_method".into(), "7700900123".into(), Some(44)),
        ],
        "the default email method is PagerDuty's own, not a second one"
    );
    assert_eq!(
        rules_by_address(&methods, &rules),
        lee_rules(),
        "every rule points at the new contact method IDs"
    );
    case.assert_no_changes();
}

/// A saved plan that re-creates a rehire from the archive, applied after the archive lost
/// that record (a file restored from an older backup, or removed): refused before any write
/// (no `POST /users`, so no invitation), naming the user; applied once the record is back.
#[test]
fn a_deleted_person_back_under_a_renumbered_id_is_restored_with_rekey_employee_ids() {
    // Lee (employee 1002) is deleted and archived; HR then renumbers him to E-1002, same
    // email and name. Without --rekey-employee-ids: a skip that needs a person, naming the
    // record, and nothing created (a fresh create would leave the record behind for good).
    let case = lee_deleted_then_back();
    case.set_rows(&[ANN_ROW, "E-1002,lee@example.com,Lee,Leaver,Active,Ops"]);
    let text = case.run("plan", &[]);
    text.expect_code(0);
    assert!(
        text.stdout.contains(
            "not created: the deletion archive holds deleted user PLEE001 (\"Lee Leaver\", lee@example.com) under employee ID 1002, the same person by email"
        ),
        "{}",
        text.stdout
    );
    let run = case.run("apply", &[]);
    run.expect_code(1);
    assert!(case.sim.handle.user_by_email("lee@example.com").is_none());

    // With the flag: restored as for a rehire, counted as a re-key.
    let rekey = "--rekey-employee-ids";
    let v = case.plan_json(&[rekey]);
    let a = &v["actions"][0];
    assert_eq!(
        (
            a["action"].clone(),
            a["previous_pagerduty_user_id"].clone(),
            a["rekeyed_from"].clone()
        ),
        (json!("reactivate"), json!("PLEE001"), json!("1002")),
        "{v:#}"
    );
    assert!(
        a["reason"]
            .as_str()
            .unwrap()
            .contains("under a new PagerDuty ID (the ID changes)"),
        "{a:#}"
    );
    case.run("apply", &[rekey]).expect_code(0);
    let u = case.sim.user("lee@example.com");
    assert_ne!(u.id.as_str(), "PLEE001", "a new PagerDuty ID");
    assert_eq!(
        marker_of(u.description.as_deref())
            .employee_id
            .as_ref()
            .map(|e| e.as_str()),
        Some("E-1002")
    );
    assert_eq!(
        case.sim.memberships(u.id.as_str()),
        [
            ("PCHESS1".into(), TeamRole::Manager),
            ("PTOPS01".into(), TeamRole::Responder)
        ]
        .into()
    );
    let (methods, rules) = case.contacts(u.id.as_str());
    assert_eq!(rules_by_address(&methods, &rules), lee_rules());
    // Converged, with or without the flag.
    case.assert_no_changes();
    let again = case.run("plan", &[rekey]);
    again.expect_code(0);
    assert!(again.stdout.contains("No changes."), "{}", again.stdout);
}

#[test]
fn a_saved_plan_is_refused_before_any_write_when_the_archive_lost_its_restore() {
    let case = lee_deleted_then_back();
    let saved = case.dir.path().join("saved.json");
    let saved_arg = saved.to_str().unwrap().to_string();
    case.run("plan", &["--out", &saved_arg]).expect_code(0);
    let full = std::fs::read(case.archive()).unwrap();
    for lost in [Some(Vec::new()), None] {
        match &lost {
            Some(bytes) => std::fs::write(case.archive(), bytes).unwrap(),
            None => std::fs::remove_file(case.archive()).unwrap(),
        }
        let before = case.sim.writes().len();
        let refused = case.run("apply", &["--plan", &saved_arg]);
        refused.expect_code(3);
        assert!(
            refused
                .stderr
                .contains("lee@example.com: the archive has no record of deleted user PLEE001"),
            "{}",
            refused.stderr
        );
        assert_eq!(case.sim.writes().len(), before, "nothing written");
        assert!(case.sim.handle.user_by_email("lee@example.com").is_none());
    }
    std::fs::write(case.archive(), &full).unwrap();
    case.run("apply", &["--plan", &saved_arg]).expect_code(0);
    assert_ne!(case.sim.user("lee@example.com").id.as_str(), "PLEE001");
}

/// HR gives a deleted leaver's employee ID to someone else (another name, another email):
/// a plain create, which restores nothing of the ex-employee (no bio, time zone, colour,
/// teams, phone numbers or rules pointing at them) and names the record it leaves alone.
#[test]
fn a_new_hire_given_a_deleted_leaver_s_employee_id_is_created_with_nothing_restored() {
    let case = Case::new(
        DELETE_MODE,
        "",
        vec![ann(), lee()],
        json!({}),
        &[ANN_ROW, LEE_LEFT],
    );
    case.run("apply", &[]).expect_code(0);
    case.set_rows(&[ANN_ROW, "1002,petra@example.com,Petra,Newhire,Active,Ops"]);
    let text = case.run("plan", &[]);
    text.expect_code(0);
    for needle in [
        "  # user petra@example.com (employee 1002) will be created\n",
        "the archive holds deleted user PLEE001 (\"Lee Leaver\", lee@example.com) under employee ID 1002, but with another name and email, so this is another person who was given the ID: nothing is restored from that record\n",
    ] {
        assert!(
            text.stdout.contains(needle),
            "{needle}\n--- in\n{}",
            text.stdout
        );
    }
    let v = case.plan_json(&[]);
    let a = &v["actions"][0];
    assert_eq!(a["action"], "create", "{a:#}");
    assert_eq!(v["summary"]["create"], 1);
    assert!(
        a.get("previous_pagerduty_user_id")
            .is_none_or(Value::is_null),
        "{a:#}"
    );

    case.run("apply", &[]).expect_code(0);
    let u = case.sim.user("petra@example.com");
    assert_ne!(u.time_zone.as_deref(), Some("Europe/Lisbon"));
    assert_ne!(
        u.color.as_deref(),
        Some("purple"),
        "PagerDuty's colour, not Lee's"
    );
    assert_eq!(human_of(u.description.as_deref()), "");
    assert_eq!(
        case.sim.memberships(u.id.as_str()),
        [("PTOPS01".into(), TeamRole::Responder)].into(),
        "the rules' team only"
    );
    let (methods, rules) = case.contacts(u.id.as_str());
    let addresses: Vec<&str> = methods.iter().map(|m| m.address.as_str()).collect();
    assert_eq!(
        addresses,
        ["petra@example.com"],
        "PagerDuty's default method only"
    );
    assert_eq!(rules.len(), 1, "PagerDuty's default rule only: {rules:?}");
    case.assert_no_changes();
}

#[test]
fn an_interrupted_restore_is_finished_by_the_next_run_without_duplicates() {
    let case = lee_deleted_then_back();
    // The second rule is refused: the restore stops with the marker still saying so.
    case.sim.handle.inject(
        Fault::new(
            "POST",
            "/users/*/notification_rules",
            FaultKind::status(400),
        )
        .skip(1),
    );
    let run = case.run("apply", &[]);
    run.expect_code(1);
    let u = case.sim.user("lee@example.com");
    let m = marker_of(u.description.as_deref());
    assert_eq!(
        m.suspended
            .and_then(|s| s.from_archive)
            .as_ref()
            .map(|id| id.as_str()),
        Some("PLEE001"),
        "the marker still says what is left to restore"
    );
    let v = case.plan_json(&[]);
    assert_eq!(v["actions"][0]["pagerduty_user_id"], u.id.as_str(), "{v:#}");
    assert!(
        v["actions"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("finishes the restore from the archive of deleted user PLEE001"),
        "{v:#}"
    );
    case.run("apply", &[]).expect_code(0);
    assert_eq!(case.sim.user("lee@example.com").id, u.id, "no second user");
    let (methods, rules) = case.contacts(u.id.as_str());
    assert_eq!(methods.len(), 3, "no duplicate contact method");
    assert_eq!(rules.len(), 4, "no duplicate rule");
    case.assert_no_changes();
}

#[test]
fn a_rehire_who_leaves_again_mid_restore_loses_no_archived_contact_method() {
    let case = lee_deleted_then_back();
    // The re-creation's first contact method POST is refused, as PagerDuty refuses an
    // address it will not take: the restore stops unfinished, the marker says so.
    case.sim.handle.inject(Fault::new(
        "POST",
        "/users/*/contact_methods",
        FaultKind::Status {
            status: 400,
            code: Some(2001),
            message: Some("Invalid Input Provided".into()),
            errors: vec!["Address is invalid".into()],
        },
    ));
    let run = case.run("apply", &[]);
    run.expect_code(1);
    assert!(
        run.stdout.contains("Address is invalid"),
        "PagerDuty's reason: {}",
        run.stdout
    );
    let half = case.sim.user("lee@example.com");
    assert_eq!(
        marker_of(half.description.as_deref())
            .suspended
            .and_then(|s| s.from_archive)
            .as_ref()
            .map(|id| id.as_str()),
        Some("PLEE001")
    );
    let (methods, _) = case.contacts(half.id.as_str());
    assert!(methods.len() < 3, "the restore is unfinished: {methods:?}");
    // Lee leaves again before any run finishes it: the half-restored user is archived (with
    // what it had) and deleted.
    case.set_rows(&[ANN_ROW, LEE_LEFT]);
    case.run("apply", &[]).expect_code(0);
    let records = case.records();
    assert_eq!(records.len(), 2);
    assert_eq!(records[1].pagerduty_user_id, half.id);
    assert!(records[1].contact_methods.len() < 3);
    // Rehired again: everything the first record held is back, each once.
    case.set_rows(&[ANN_ROW, LEE_BACK]);
    let v = case.plan_json(&[]);
    let reason = v["actions"][0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("with 3 contact methods, 4 notification rules and 2 teams recorded"),
        "{reason}"
    );
    case.run("apply", &[]).expect_code(0);
    let u = case.sim.user("lee@example.com");
    assert_eq!(marker_of(u.description.as_deref()).suspended, None);
    let (methods, rules) = case.contacts(u.id.as_str());
    let mut got: Vec<(String, String)> = methods
        .iter()
        .map(|m| (m.kind.as_str().to_string(), m.address.clone()))
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("email_contact_method".into(), "lee@example.com".into()),
            ("phone_contact_method".into(), "7700900456".into()),
            ("sms_contact_method".into(), "7700900123".into()),
        ]
    );
    assert_eq!(
        rules_by_address(&methods, &rules),
        lee_rules(),
        "the first record's rules, none lost and none twice"
    );
    case.assert_no_changes();
}

#[test]
fn a_contact_method_pagerduty_refuses_is_reported_once_and_not_sent_again() {
    let case = lee_deleted_then_back();
    // PagerDuty refuses every contact method create of the restore, for good.
    case.sim.handle.inject(
        Fault::new(
            "POST",
            "/users/*/contact_methods",
            FaultKind::Status {
                status: 400,
                code: Some(2001),
                message: Some("Invalid Input Provided".into()),
                errors: vec!["Address is invalid".into()],
            },
        )
        .always(),
    );
    let run = case.run("apply", &[]);
    run.expect_code(1);
    assert!(
        run.stdout.contains("Address is invalid"),
        "PagerDuty's reason: {}",
        run.stdout
    );
    let u = case.sim.user("lee@example.com");
    let s = marker_of(u.description.as_deref()).suspended.unwrap();
    assert_eq!(
        s.from_archive.as_ref().map(|id| id.as_str()),
        Some("PLEE001"),
        "still linked"
    );
    let mut refused: Vec<&str> = s.refused.iter().map(|id| id.as_str()).collect();
    refused.sort();
    assert_eq!(refused, ["PCMLEE2", "PCMLEE3"], "the SMS and phone methods");
    // The next plan names them; its apply sends them no more and finishes the restore.
    let v = case.plan_json(&[]);
    let reason = v["actions"][0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("2 archived contact methods that PagerDuty refused in an earlier run (HTTP 400, reported then) are not sent again"),
        "{reason}"
    );
    let path = format!("/users/{}/contact_methods", u.id);
    let before = case.requests_to(&path).len();
    let run = case.run("apply", &[]);
    run.expect_code(0);
    assert!(!run.stdout.contains("Address is invalid"), "{}", run.stdout);
    let posts = case.requests_to(&path)[before..]
        .iter()
        .filter(|r| r.starts_with("POST"))
        .count();
    assert_eq!(posts, 0, "not sent again");
    let u = case.sim.user("lee@example.com");
    assert_eq!(marker_of(u.description.as_deref()).suspended, None);
    case.assert_no_changes();
}

/// Fresh review: the restore read the contact methods to skip (`suspended.refused`) from
/// the user's description as it was at apply time, which nothing verifies then: a list
/// written there after the plan (the rehire editing their own profile mid-run) made the
/// restore skip those methods and finish without them. It reads them from the marker the
/// plan made or verified, so the list written mid-run changes nothing.
#[test]
fn a_refused_list_written_into_the_marker_mid_restore_skips_no_contact_method() {
    let case = Case::new(
        DELETE_MODE,
        "",
        vec![ann(), lee()],
        json!({}),
        &[ANN_ROW, LEE_LEFT],
    );
    case.run("apply", &[]).expect_code(0);
    case.set_rows(&[ANN_ROW, LEE_BACK]);
    // The re-created user's first team PUT is held: the rehire edits their profile then,
    // listing the SMS and phone methods as refused.
    case.sim.handle.inject(Fault::new(
        "PUT",
        "/teams/*/users/*",
        FaultKind::Delay { ms: 3000 },
    ));
    let mut args = inputs("apply", &case.config, &case.hr);
    args.push("--yes".into());
    let cmd = against(&case.sim, KEY);
    let apply = std::thread::spawn(move || run_args(cmd, &args));
    case.sim
        .wait_in_flight("the restore's first team PUT", |r| {
            r.method == "PUT" && r.path.starts_with("/teams/")
        });
    let u = case.sim.user("lee@example.com");
    let parsed = marker::parse(u.description.as_deref());
    let marker::MarkerState::Valid(mut m) = parsed.marker else {
        panic!("{:?}", u.description)
    };
    m.suspended.as_mut().expect("a restore in progress").refused =
        vec!["PCMLEE2".into(), "PCMLEE3".into()];
    case.sim.put_user(
        u.id.as_str(),
        json!({"description": marker::render(&parsed.human, &m)}),
    );
    apply.join().unwrap().expect_code(0);
    let u = case.sim.user("lee@example.com");
    let (methods, _) = case.contacts(u.id.as_str());
    let mut kinds: Vec<&str> = methods.iter().map(|m| m.kind.as_str()).collect();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            "email_contact_method",
            "phone_contact_method",
            "sms_contact_method"
        ],
        "every archived method restored"
    );
    assert_eq!(marker_of(u.description.as_deref()).suspended, None);
}

#[test]
fn archive_problems_stop_the_run_before_any_write() {
    // No archive while deleting: a configuration error (78), found offline by validate.
    let case = Case::new(
        "deactivate = \"delete\"",
        "",
        vec![ann(), lee()],
        json!({}),
        &[ANN_ROW, LEE_LEFT],
    );
    let validate = run_args(hr2pd(), &inputs("validate", &case.config, &case.hr));
    validate.expect_code(78);
    assert!(
        validate.stderr.contains("lifecycle.deactivate")
            && validate
                .stderr
                .contains("deleting users needs [lifecycle] archive"),
        "{}",
        validate.stderr
    );
    case.run("plan", &[]).expect_code(78);

    // A folder that does not exist (a share not mounted, a wrong path): plan and apply
    // both stop, a usage error (64) like an unwritable lock_dir, saying the folder must
    // exist; hr2pagerduty does not create it.
    let case = Case::new(
        "deactivate = \"delete\"\narchive = \"no/such/dir/archive.jsonl\"",
        "",
        vec![ann(), lee()],
        json!({}),
        &[ANN_ROW, LEE_LEFT],
    );
    for cmd in ["plan", "apply"] {
        let r = case.run(cmd, &[]);
        r.expect_code(64);
        for needle in [
            "the folder of the archive ",
            "no/such/dir/archive.jsonl does not exist; create it (mode 0700",
            "hr2pagerduty does not create it",
        ] {
            assert!(r.stderr.contains(needle), "{cmd}: {needle}\n{}", r.stderr);
        }
        assert!(
            !r.stderr.contains("created by the first deletion"),
            "{}",
            r.stderr
        );
    }
    assert!(!case.dir.path().join("no").exists(), "no folder created");
    assert!(case.sim.writes().is_empty());

    // A path that is a directory, or a damaged line: the archive cannot be read (64), and
    // nothing is planned from it.
    let case = Case::new(
        "deactivate = \"delete\"\narchive = \".\"",
        "",
        vec![ann(), lee()],
        json!({}),
        &[ANN_ROW, LEE_LEFT],
    );
    let plan = case.run("plan", &[]);
    plan.expect_code(64);
    assert!(
        plan.stderr.contains("cannot read the archive"),
        "{}",
        plan.stderr
    );
    let case = lee_leaving();
    std::fs::write(case.archive(), "{\"kind\": \"something else\"}\n").unwrap();
    let plan = case.run("plan", &[]);
    plan.expect_code(64);
    assert!(
        plan.stderr
            .contains("line 1 is not an hr2pagerduty-archive record"),
        "{}",
        plan.stderr
    );
    assert!(case.sim.writes().is_empty());
}

// A restored user's notification rules equal the archive's (PagerDuty's default rule).
mod rules;
