//! What `apply` guards at run time, through the real binary: one apply per account (a lock
//! held by a live process refuses with exit 3 naming its PID; a lock file left by a dead
//! process is reported with its PID and age and taken over), and the re-check of each
//! deactivation just before its first request (a user changed in between is skipped with
//! the reason; the other actions are applied).

use crate::support::safety::*;
use crate::support::*;
use hr2pagerduty::apply::lock::ApplyLock;
use hr2pagerduty::sim::{Fault, FaultKind};
use serde_json::{Value, json};
use std::time::{SystemTime, UNIX_EPOCH};

/// Five people in sync, then an export where 1002 has a new title.
fn scenario() -> (Sim, Workspace) {
    let people = workforce(1000, 5);
    let (ws, sim) = in_sync(base_seed(), &people);
    let mut hr = people.clone();
    hr[2].title = "Team Lead".into();
    ws.write_hr(&csv(&hr));
    (sim, ws)
}

/// The apply lock of `sim`'s account: in the machine-wide default directory (the test
/// process's `XDG_STATE_HOME`), never in the configuration's directory.
fn lock_file(sim: &Sim, ws: &Workspace) -> std::path::PathBuf {
    let path = e2e::lock_file(sim);
    assert!(
        !sim.lock_file(ws.dir.path()).exists(),
        "no lock file in the configuration's directory"
    );
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    path
}

/// How many requests arrived after the first `before`, each checked to be the one read
/// that names the account before the lock is taken (`GET /users?limit=1`).
fn only_the_account_read(sim: &Sim, before: usize) -> usize {
    let after = sim.requests();
    for r in &after[before..] {
        assert_eq!(
            (r.method.as_str(), r.path.as_str(), r.query.as_str()),
            ("GET", "/users", "limit=1"),
            "{r:?}"
        );
    }
    after.len() - before
}

fn apply_saved_args(ws: &Workspace, saved: &std::path::Path) -> Vec<String> {
    let mut a = args(&["apply", "--yes", "--config"]);
    a.push(ws.config.display().to_string());
    a.push("--plan".into());
    a.push(saved.display().to_string());
    a
}

#[test]
fn an_apply_is_refused_while_another_process_holds_the_lock() {
    let (sim, ws) = scenario();
    let saved = ws.path("saved.json");
    plan(&sim, &ws, &["--out", saved.to_str().unwrap()]).expect_code(0);
    let path = lock_file(&sim, &ws);
    let held = ApplyLock::acquire(&path).unwrap();

    let requests = sim.requests().len();
    let expected = format!(
        "Error: refused before any write: another apply holds the lock {} (PID {}, running for ",
        path.display(),
        std::process::id()
    );
    apply(&sim, &ws, &[])
        .expect_code(3)
        .expect_stderr(&[&expected, "wait for it to finish"]);
    run(&sim, &apply_saved_args(&ws, &saved))
        .expect_code(3)
        .expect_stderr(&[&expected]);
    assert_eq!(
        only_the_account_read(&sim, requests),
        2,
        "a refused apply sends only the read that names the account"
    );
    // plan takes no lock: it only reads.
    plan(&sim, &ws, &["--detailed-exitcode"]).expect_code(2);

    drop(held);
    apply(&sim, &ws, &[])
        .expect_code(0)
        .expect_stdout(&["Apply complete! 0 created, 1 updated"]);
    assert_eq!(sim.handle.write_count(), 1);
    assert!(!path.exists(), "the lock file is removed after the apply");
}

#[test]
fn a_second_apply_process_is_refused_while_the_first_runs() {
    let (sim, ws) = scenario();
    // The first apply holds the lock while its first listing request waits 3 s (after the
    // one read that names the account, which comes before the lock).
    sim.inject(Fault::new("GET", "/users", FaultKind::Delay { ms: 3000 }).skip(1));
    let mut first_args = vec!["apply".to_string(), "--yes".to_string()];
    first_args.extend(ws.inputs());
    let first = spawn(&sim, &first_args);
    let first_pid = first.id();
    sim.wait_in_flight("the first apply's listing", |r| {
        r.method == "GET" && r.path == "/users" && r.query != "limit=1"
    });

    let requests = sim.requests().len();
    apply(&sim, &ws, &[]).expect_code(3).expect_stderr(&[&format!(
        "Error: refused before any write: another apply holds the lock {} (PID {first_pid}, running for ",
        lock_file(&sim, &ws).display()
    )]);
    assert_eq!(
        only_the_account_read(&sim, requests),
        1,
        "the second apply sends only the read that names the account"
    );

    wait(first)
        .expect_code(0)
        .expect_stdout(&["Apply complete! 0 created, 1 updated"]);
    assert_eq!(sim.handle.write_count(), 1, "the update was applied once");
    assert!(!lock_file(&sim, &ws).exists());
}

#[test]
fn a_lock_file_left_by_a_dead_process_is_reported_and_taken_over() {
    let (sim, ws) = scenario();
    let mut gone = std::process::Command::new("true").spawn().unwrap();
    let dead_pid = gone.id();
    gone.wait().unwrap();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let path = lock_file(&sim, &ws);
    // Written without holding the OS lock, as a killed apply leaves it.
    std::fs::write(
        &path,
        json!({"pid": dead_pid, "started": now - 3725}).to_string(),
    )
    .unwrap();

    apply(&sim, &ws, &[])
        .expect_code(0)
        .expect_stderr(&[&format!(
            "Warning: took over the lock {} left by PID {dead_pid} (started 1h 2m ",
            path.display()
        )])
        .expect_stderr(&["a process that no longer holds it"])
        .expect_stdout(&["Apply complete! 0 created, 1 updated"]);
    assert_eq!(sim.handle.write_count(), 1);
    assert!(!path.exists());
}

#[test]
fn the_lock_of_a_killed_apply_is_taken_over_by_the_next_one() {
    let (sim, ws) = scenario();
    sim.inject(Fault::new("GET", "/users", FaultKind::Delay { ms: 10_000 }).skip(1));
    let mut a = vec!["apply".to_string(), "--yes".to_string()];
    a.extend(ws.inputs());
    let mut killed = spawn(&sim, &a);
    let killed_pid = killed.id();
    sim.wait_in_flight("the first apply's listing", |r| {
        r.method == "GET" && r.path == "/users" && r.query != "limit=1"
    });
    killed.kill().unwrap();
    killed.wait().unwrap();
    let path = lock_file(&sim, &ws);
    let left: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(
        left["pid"],
        json!(killed_pid),
        "the killed apply left its lock file"
    );

    let r = apply(&sim, &ws, &[]);
    r.expect_code(0)
        .expect_stderr(&[&format!(
            "Warning: took over the lock {} left by PID {killed_pid} (started ",
            path.display()
        )])
        .expect_stdout(&["Apply complete! 0 created, 1 updated"]);
    assert_eq!(sim.handle.write_count(), 1);
    assert!(!path.exists());
}

#[test]
fn a_deactivation_whose_user_changed_after_the_plan_is_skipped_with_the_reason() {
    // Fifty people in sync (four leavers stay under the shrink check); 1005 has no marker
    // (an existing user matched by email).
    let people = workforce(1000, 50);
    let ws = Workspace::new(&safety_config(), &csv(&people));
    let cfg = hr2pagerduty::config::Config::load(&ws.config).unwrap();
    let roster = hr2pagerduty::hr::read_bytes(&csv(&people), &cfg).unwrap();
    let mut seed = base_seed();
    let mut users = in_sync_users(&cfg, &roster, &seed);
    users[5].description = None;
    seed.users.extend(users);
    let sim = Sim::start(seed);

    // Leavers: 1000, 1001, 1002, 1004 (marked) and 1005 (matched by email); a mover: 1003.
    let mut hr = people.clone();
    for i in [0, 1, 2, 4, 5] {
        hr[i].status = "Terminated";
    }
    hr[3].title = "Team Lead".into();
    ws.write_hr(&csv(&hr));
    let id = |i: u32| sim.user(&format!("person{i}@example.com")).id;
    let (gone_marker, now_protected, control, mover, deleted, email_matched) =
        (id(1000), id(1001), id(1002), id(1003), id(1004), id(1005));

    // Each re-check read of the four victims waits 2 s; meanwhile another tool edits them.
    let victims = [&gone_marker, &now_protected, &deleted, &email_matched];
    for victim in victims {
        sim.inject(Fault::new(
            "GET",
            &format!("/users/{victim}"),
            FaultKind::Delay { ms: 2000 },
        ));
    }
    let report = ws.path("report.json");
    let mut a = vec!["apply".to_string(), "--yes".to_string()];
    a.extend(ws.inputs());
    a.extend(args(&["--report", report.to_str().unwrap()]));
    let child = spawn(&sim, &a);
    for victim in victims {
        sim.wait_in_flight("a re-check read", |r| {
            r.method == "GET" && r.path == format!("/users/{victim}")
        });
    }
    assert!(
        sim.writes()
            .iter()
            .all(|w| victims.iter().all(|v| !w.path.contains(v.as_str()))),
        "a deactivation re-checks before its first write: {:#?}",
        sim.writes()
    );
    sim.put_user(
        gone_marker.as_str(),
        json!({"description": "Edited by hand"}),
    );
    sim.put_user(
        now_protected.as_str(),
        json!({"email": "audit@example.com"}),
    );
    sim.put_user(
        email_matched.as_str(),
        json!({"email": "someone.else@example.com"}),
    );
    let status = sim.api(reqwest::Method::DELETE, &format!("/users/{deleted}"), None);
    assert_eq!(status, 204);

    let r = wait(child);
    // Three of them keep the access the plan was to take away: the run exits 1.
    r.expect_code(1).expect_stdout(&[
        &format!("Skipped: deactivate of person1000@example.com ({gone_marker}): re-check: the user's marker for employee 1000 was removed"),
        &format!("Skipped: deactivate of person1001@example.com ({now_protected}): re-check: the user's email is protected"),
        &format!("Skipped: deactivate of person1004@example.com ({deleted}): re-check: the user no longer exists"),
        &format!("Skipped: deactivate of person1005@example.com ({email_matched}): re-check: the user's email changed to someone.else@example.com"),
        "Left undone: 3 deactivations skipped at the re-check (the user changed since the plan, see Skipped above); the next run plans them again, so the run exits 1.",
        "Apply finished with deactivations left undone. 0 created, 1 updated, 1 deactivated, 0 reactivated, 0 failed, 5 skipped.",
    ]);

    let v: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let outcome = |uid: &str| {
        v["actions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["pagerduty_user_id"] == json!(uid))
            .map(|a| {
                (
                    a["outcome"].clone(),
                    a["error"].clone(),
                    a["steps_done"].clone(),
                )
            })
            .unwrap()
    };
    assert_eq!(
        outcome(gone_marker.as_str()),
        (
            json!("skipped"),
            json!("re-check: the user's marker for employee 1000 was removed"),
            json!(0)
        )
    );
    assert_eq!(outcome(now_protected.as_str()).0, json!("skipped"));
    assert_eq!(outcome(deleted.as_str()).0, json!("skipped"));
    assert_eq!(outcome(email_matched.as_str()).0, json!("skipped"));
    assert_eq!(outcome(control.as_str()).0, json!("applied"));
    assert_eq!(outcome(mover.as_str()).0, json!("applied"));

    // The only writes to the victims are the test's own edits.
    for victim in [&gone_marker, &now_protected, &email_matched] {
        let to_victim = sim
            .writes()
            .iter()
            .filter(|w| w.path.ends_with(victim.as_str()))
            .count();
        assert_eq!(to_victim, 1, "{victim}: {:#?}", sim.writes());
    }
    assert_eq!(sim.handle.write_count(), 4 + 2);
    for email in [
        "person1000@example.com",
        "audit@example.com",
        "someone.else@example.com",
    ] {
        assert_eq!(sim.user(email).role.as_str(), "limited_user", "{email}");
    }
    assert_eq!(
        sim.user("person1002@example.com").role.as_str(),
        "read_only_limited_user"
    );
}

#[test]
fn a_configured_lock_dir_that_does_not_exist_is_created_owner_only() {
    let people = workforce(1000, 5);
    let config = format!(
        "{}\n[safety]\nlock_dir = \"locks/apply\"\n",
        safety_config()
    );
    let ws = Workspace::new(&config, &csv(&people));
    let sim = sim_in_sync(base_seed(), &ws.config, &csv(&people));
    let mut hr = people.clone();
    hr[2].title = "Team Lead".into();
    ws.write_hr(&csv(&hr));
    let dir = ws.dir.path().join("locks/apply");
    assert!(!dir.exists());
    apply(&sim, &ws, &[]).expect_code(0);
    assert!(dir.is_dir(), "created, with its parent");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
    }
    // The lock was taken there (and released: the file is removed on exit).
    assert!(!sim.lock_file(&dir).exists());
    assert_eq!(
        sim.user("person1002@example.com").job_title.as_deref(),
        Some("Team Lead")
    );
}

/// `apply --yes` of `ws` against `sim` with `STATE_DIRECTORY` set to `state_directory`
/// (as systemd sets it for `StateDirectory=`) and the test's `XDG_STATE_HOME`.
fn apply_under_systemd(sim: &Sim, ws: &Workspace, state_directory: &std::path::Path) -> Run {
    let mut a = vec!["apply".to_string(), "--yes".to_string()];
    a.extend(ws.inputs());
    let mut cmd = crate::support::e2e::hr2pd();
    cmd.args(&a)
        .env("PAGERDUTY_API_URL", sim.url())
        .env("PAGERDUTY_API_KEY", KEY)
        .env("STATE_DIRECTORY", state_directory)
        .write_stdin("");
    finish(cmd.output().unwrap())
}

#[test]
fn the_lock_dir_is_safety_lock_dir_then_state_directory_then_xdg_state_home() {
    // systemd's StateDirectory= (with ProtectHome=yes the home directory is out of reach).
    let (sim, ws) = scenario();
    let systemd = tempfile::tempdir().unwrap();
    let held_path = sim.lock_file(systemd.path());
    let held = ApplyLock::acquire(&held_path).unwrap();
    apply_under_systemd(&sim, &ws, systemd.path())
        .expect_code(3)
        .expect_stderr(&[&format!(
            "another apply holds the lock {}",
            held_path.display()
        )]);
    drop(held);
    // $STATE_DIRECTORY comes before $XDG_STATE_HOME: a lock held there is not this run's.
    let xdg = lock_file(&sim, &ws);
    let other = ApplyLock::acquire(&xdg).unwrap();
    apply_under_systemd(&sim, &ws, systemd.path()).expect_code(0);
    drop(other);
    // [safety] lock_dir comes before $STATE_DIRECTORY.
    let people = workforce(1000, 5);
    let config = format!("{}\n[safety]\nlock_dir = \"locks\"\n", safety_config());
    let ws = Workspace::new(&config, &csv(&people));
    let sim = sim_in_sync(base_seed(), &ws.config, &csv(&people));
    let mut hr = people.clone();
    hr[2].title = "Team Lead".into();
    ws.write_hr(&csv(&hr));
    std::fs::create_dir_all(ws.dir.path().join("locks")).unwrap();
    let configured = sim.lock_file(&ws.dir.path().join("locks"));
    let held = ApplyLock::acquire(&configured).unwrap();
    apply_under_systemd(&sim, &ws, systemd.path())
        .expect_code(3)
        .expect_stderr(&[&format!(
            "another apply holds the lock {}",
            configured.display()
        )]);
    drop(held);
}
