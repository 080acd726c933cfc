//! End to end: an `apply` stopped early. SIGTERM and SIGINT stop new actions, let the
//! action in flight finish and exit 143 / 130 with an `interrupted` report; a second
//! signal exits at once leaving the in-progress report; SIGKILL leaves a report saying the
//! run is in progress, never last night's; `--max-runtime` stops new writes and exits 1;
//! every time the next run finishes the job (the stale lock taken over) and a plan after
//! it says `No changes.`. Also: the lock protects the account, whatever the configuration's
//! folder, and an email handed from one person to another converges in one run.
//!
//! A `delay` fault holds one chosen request in flight, so the signal lands mid-apply
//! deterministically; the configuration runs one action at a time (`concurrency = 1`), so
//! the actions after the held one are not started yet.

use crate::support::e2e::*;
use crate::support::*;
use hr2pagerduty::sim::{Fault, FaultKind, RandomFaults};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The demo configuration, one action at a time, in `dir`. In an account this small one
/// leaver is a large share: a run stopped after its creates and before its suspensions
/// leaves 9 active managed users for 8 active employees (11%), above the default
/// `max_shrink_percent` of 10, as any night with that share of leavers would; README's
/// advice for small accounts (raise it) is followed.
fn sequential_config(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(demo_config()).unwrap();
    assert_eq!(text.matches("concurrency = 4\n").count(), 1);
    assert_eq!(text.matches("[safety]\n").count(), 1);
    let path = dir.join("config.toml");
    let text = text
        .replace("concurrency = 4\n", "concurrency = 1\n")
        .replace("[safety]\n", "[safety]\nmax_shrink_percent = 20\n");
    std::fs::write(&path, text).unwrap();
    path
}

/// The binary against `sim`, as a child process with its output piped.
fn spawn(sim: &Sim, args: &[String]) -> Child {
    command_against(sim, args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts")
}

/// Sends `signal` (`TERM`, `INT`, `KILL`) to `child`.
fn signal(child: &Child, signal: &str) {
    let ok = Command::new("kill")
        .args(["-s", signal, &child.id().to_string()])
        .status()
        .expect("kill runs")
        .success();
    assert!(ok, "kill -s {signal} failed");
}

/// Waits (at most `limit`) for `child` and collects what it printed.
fn wait_at_most(child: Child, limit: Duration) -> Run {
    let started = Instant::now();
    let out = child.wait_with_output().unwrap();
    assert!(started.elapsed() < limit, "took {:?}", started.elapsed());
    Run::from_output(out)
}

/// The outcomes of a report, in plan order.
fn outcomes(report: &Value) -> Vec<String> {
    report["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["outcome"].as_str().unwrap().to_string())
        .collect()
}

/// How many of the report's actions are deactivations: they run first (the licences they
/// release are free for the creates after them), so they have ended before any create.
fn deactivations(report: &Value) -> usize {
    report["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["action"] == "deactivate")
        .count()
}

/// An apply without faults finishes the job, and a plan after it says `No changes.`; no
/// email has two users.
fn converges(sim: &Sim, config: &Path, hr: &Path) -> Run {
    sim.handle.clear_faults();
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("again.json");
    let again = run_args(against(sim, KEY), &apply_args(config, hr, &report, &[]));
    again.expect_code(0);
    assert_eq!(read_json(&report)["status"], "applied");
    let plan = run_args(
        against(sim, KEY),
        &[
            inputs("plan", config, hr),
            vec!["--detailed-exitcode".into()],
        ]
        .concat(),
    );
    plan.expect_code(0).expect_stdout(&["No changes."]);
    assert_one_user_per_employee(sim);
    assert_eq!(
        sim.handle.users().len(),
        undisturbed_user_count(config, hr),
        "as many users as an undisturbed run leaves"
    );
    again
}

#[test]
fn sigterm_mid_apply_finishes_the_action_in_flight_and_reports_the_rest_not_started() {
    let sim = Sim::start(demo_seed());
    // The first create is held 1.5 s, long enough for the signal to land during it.
    sim.inject(Fault::new("POST", "/users", FaultKind::Delay { ms: 1500 }));
    let dir = tempfile::tempdir().unwrap();
    let config = sequential_config(dir.path());
    let report = dir.path().join("r.json");
    std::fs::write(&report, "{\"status\": \"no_changes\"}\n").unwrap();
    let child = spawn(&sim, &apply_args(&config, &demo_hr(), &report, &[]));
    sim.wait_in_flight("the first create", |r| r.method == "POST");
    assert_eq!(
        read_json(&report)["status"],
        "in_progress",
        "replaced at the start"
    );
    signal(&child, "TERM");
    let run = wait_at_most(child, Duration::from_secs(30));
    run.expect_code(143)
        .expect_stderr(&[
            "SIGTERM received: no new action starts",
            "Error: interrupted by SIGTERM",
        ])
        .expect_stdout(&["Apply stopped early.", "Not started: "]);

    let r = read_json(&report);
    assert_eq!(
        (&r["status"], &r["exit_code"]),
        (&"interrupted".into(), &143.into()),
        "{r:#}"
    );
    let o = outcomes(&r);
    // The deactivations ran before the first create; then the create in flight finished.
    let d = deactivations(&r);
    assert!(d > 0);
    assert_eq!(o.iter().filter(|s| *s == "applied").count(), d + 1, "{o:?}");
    assert_eq!(
        o.iter().filter(|s| *s == "not_started").count(),
        o.len() - d - 1,
        "{o:?}"
    );
    assert_eq!(r["summary"]["not_started"], (o.len() - d - 1) as u64);
    // Exactly one create was sent: the one in flight, which finished.
    assert_eq!(
        sim.writes().iter().filter(|w| w.method == "POST").count(),
        1
    );

    converges(&sim, &config, &demo_hr());
}

#[test]
fn sigint_before_the_first_write_changes_nothing() {
    let sim = Sim::start(demo_seed());
    sim.inject(Fault::new("GET", "/users", FaultKind::Delay { ms: 5000 }));
    let dir = tempfile::tempdir().unwrap();
    let config = sequential_config(dir.path());
    let report = dir.path().join("r.json");
    let child = spawn(&sim, &apply_args(&config, &demo_hr(), &report, &[]));
    sim.wait_in_flight("the listing", |r| r.method == "GET" && r.path == "/users");
    signal(&child, "INT");
    let run = wait_at_most(child, Duration::from_secs(4));
    run.expect_code(130)
        .expect_stderr(&["interrupted by SIGINT before the first write; nothing was changed"]);
    let r = read_json(&report);
    assert_eq!(
        (&r["status"], &r["exit_code"]),
        (&"interrupted".into(), &130.into())
    );
    assert!(sim.writes().is_empty());
}

/// A scheduler that closed the job's stderr (a log pipe whose reader died) must not cost
/// the stop: the signal halts the run even though its message cannot be written.
#[test]
fn sigint_with_stderr_closed_still_stops_the_run() {
    let sim = Sim::start(demo_seed());
    sim.inject(Fault::new("GET", "/users", FaultKind::Delay { ms: 5000 }));
    let dir = tempfile::tempdir().unwrap();
    let config = sequential_config(dir.path());
    let report = dir.path().join("r.json");
    let mut child = spawn(&sim, &apply_args(&config, &demo_hr(), &report, &[]));
    // Close the read end of the child's stderr: every write to it now fails (EPIPE).
    drop(child.stderr.take());
    sim.wait_in_flight("the listing", |r| r.method == "GET" && r.path == "/users");
    signal(&child, "INT");
    let started = Instant::now();
    let status = child.wait().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(status.code(), Some(130));
    assert_eq!(read_json(&report)["status"], "interrupted");
    assert!(sim.writes().is_empty(), "{:?}", sim.writes());
}

#[test]
fn a_second_signal_exits_at_once_and_leaves_the_report_in_progress() {
    let sim = Sim::start(demo_seed());
    // Hold the second deactivation's re-check, Dennis Ritchie's (a read, harmless if it is
    // answered late): the first deactivation (they run first) has ended by then.
    sim.inject(Fault::new(
        "GET",
        "/users/PDENN01",
        FaultKind::Delay { ms: 20_000 },
    ));
    let dir = tempfile::tempdir().unwrap();
    let config = sequential_config(dir.path());
    let report = dir.path().join("r.json");
    let child = spawn(&sim, &apply_args(&config, &demo_hr(), &report, &[]));
    sim.wait_in_flight("the re-check", |r| {
        r.method == "GET" && r.path.starts_with("/users/PDENN01")
    });
    // The report is rewritten within a second of the last outcome.
    std::thread::sleep(Duration::from_millis(1500));
    signal(&child, "TERM");
    std::thread::sleep(Duration::from_millis(200));
    signal(&child, "TERM");
    let run = wait_at_most(child, Duration::from_secs(5));
    run.expect_code(143)
        .expect_stderr(&["SIGTERM again: exiting at once"]);
    let r = read_json(&report);
    assert_eq!(
        (&r["status"], &r["exit_code"]),
        (&"in_progress".into(), &Value::Null)
    );
    let o = outcomes(&r);
    assert!(
        o.iter().any(|s| s == "applied"),
        "the ended actions are listed: {o:?}"
    );
    assert!(o.iter().any(|s| s == "pending"), "{o:?}");

    let again = converges(&sim, &config, &demo_hr());
    again.expect_stderr(&[
        "Warning: took over the lock ",
        "a process that no longer holds it",
    ]);
}

#[test]
fn sigkill_mid_create_leaves_an_in_progress_report_and_the_next_run_converges() {
    let sim = Sim::start(demo_seed());
    // The second create is held; the first has ended (and been written) when the kill lands.
    sim.inject(Fault::new("POST", "/users", FaultKind::Delay { ms: 1500 }).skip(1));
    let dir = tempfile::tempdir().unwrap();
    let config = sequential_config(dir.path());
    let report = dir.path().join("r.json");
    std::fs::write(&report, "{\"status\": \"no_changes\"}\n").unwrap();
    let mut child = spawn(&sim, &apply_args(&config, &demo_hr(), &report, &[]));
    sim.wait_in_flight("the second create", |r| r.method == "POST");
    std::thread::sleep(Duration::from_millis(1200));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let r = read_json(&report);
    assert_eq!(r["status"], "in_progress", "{r:#}");
    let o = outcomes(&r);
    // The deactivations (they run first) and the first create had ended.
    assert_eq!(
        o.iter().filter(|s| *s == "applied").count(),
        deactivations(&r) + 1,
        "{o:?}"
    );
    // Whether the held create lands or not, the next run makes one user of it.
    std::thread::sleep(Duration::from_millis(800));
    let again = converges(&sim, &config, &demo_hr());
    again.expect_stderr(&["Warning: took over the lock "]);
}

#[test]
fn max_runtime_stops_new_writes_lets_the_one_in_flight_finish_and_exits_1() {
    let sim = Sim::start(demo_seed());
    // The first write is the first deactivation's marker (deactivations run first).
    sim.inject(Fault::new("PUT", "/users/*", FaultKind::Delay { ms: 2000 }));
    let dir = tempfile::tempdir().unwrap();
    let config = sequential_config(dir.path());
    let report = dir.path().join("r.json");
    let run = run_args(
        against(&sim, KEY),
        &apply_args(&config, &demo_hr(), &report, &["--max-runtime", "1s"]),
    );
    run.expect_code(1)
        .expect_stderr(&["Error: --max-runtime 1s ran out: "])
        .expect_stdout(&["Apply stopped early."]);
    let r = read_json(&report);
    assert_eq!(
        (&r["status"], &r["exit_code"]),
        (&"failed".into(), &1.into()),
        "{r:#}"
    );
    let o = outcomes(&r);
    // The write in flight finished its request; no request was sent after it.
    assert!(
        o.iter()
            .filter(|s| *s == "applied" || *s == "interrupted")
            .count()
            == 1,
        "{o:?}"
    );
    assert_eq!(
        o.iter().filter(|s| *s == "not_started").count(),
        o.len() - 1,
        "{o:?}"
    );
    assert_eq!(sim.writes().len(), 1, "{:?}", sim.writes());
    converges(&sim, &config, &demo_hr());
}

#[test]
fn two_configurations_for_one_account_exclude_each_other_and_leave_no_lock_beside_them() {
    let sim = Sim::start(demo_seed());
    // After the read that names the account (before the lock), the listing waits 3 s.
    sim.inject(Fault::new("GET", "/users", FaultKind::Delay { ms: 3000 }).skip(1));
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (config_a, config_b) = (sequential_config(a.path()), sequential_config(b.path()));
    let first = spawn(
        &sim,
        &apply_args(&config_a, &demo_hr(), &a.path().join("r.json"), &[]),
    );
    sim.wait_in_flight("the first apply's listing", |r| {
        r.method == "GET" && r.path == "/users" && r.query != "limit=1"
    });
    let second = run_args(
        against(&sim, KEY),
        &apply_args(&config_b, &demo_hr(), &b.path().join("r.json"), &[]),
    );
    second
        .expect_code(3)
        .expect_stderr(&["another apply holds the lock ", "wait for it to finish"]);
    let first = wait_at_most(first, Duration::from_secs(60));
    first.expect_code(0);
    for dir in [a.path(), b.path()] {
        let names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| !n.ends_with(".lock")), "{names:?}");
    }
}

#[test]
fn the_lock_is_the_accounts_whatever_the_url_as_written_or_the_key() {
    const OTHER_KEY: &str = "a-second-key-of-the-same-account";
    let mut seed = demo_seed();
    seed.api_keys.push(OTHER_KEY.into());
    let sim = Sim::start(seed);
    sim.inject(Fault::new("GET", "/users", FaultKind::Delay { ms: 4000 }).skip(1));
    let dir = tempfile::tempdir().unwrap();
    let config = sequential_config(dir.path());
    assert!(sim.url().starts_with("http://127.0.0.1:"), "{}", sim.url());
    let first = spawn(
        &sim,
        &apply_args(&config, &demo_hr(), &dir.path().join("r1.json"), &[]),
    );
    sim.wait_in_flight("the first apply's listing", |r| {
        r.method == "GET" && r.path == "/users" && r.query != "limit=1"
    });
    let localhost = sim.url().replace("127.0.0.1", "localhost");
    let mut by_name = against(&sim, KEY);
    by_name.env("PAGERDUTY_API_URL", &localhost);
    let mut by_other_key = against(&sim, OTHER_KEY);
    by_other_key.env("PAGERDUTY_API_URL", format!("{localhost}/"));
    for (what, cmd, report) in [
        ("localhost", by_name, "r2.json"),
        ("another key", by_other_key, "r3.json"),
    ] {
        run_args(
            cmd,
            &apply_args(&config, &demo_hr(), &dir.path().join(report), &[]),
        )
        .expect_code(3)
        .expect_stderr(&["another apply holds the lock ", "wait for it to finish"]);
        assert!(
            sim.writes().is_empty(),
            "{what}: nothing written while the first apply lists"
        );
    }
    wait_at_most(first, Duration::from_secs(60)).expect_code(0);
}

/// The demo export plus `n` new hires in Production.
fn many_hires_hr(dir: &Path, n: usize) -> PathBuf {
    let mut text = std::fs::read_to_string(demo_hr()).unwrap();
    for i in 0..n {
        let id = 60_000 + i;
        text.push_str(&format!(
            "{id},First{id},Last{id},person{id}@example.com,Production Technician I,Production,Active\n"
        ));
    }
    let path = dir.join("hires.csv");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn max_runtime_ends_a_429_pause_at_once_and_sends_nothing_after_the_deadline() {
    // The reviewer's storm, made to land among the writes (a random one may land on the
    // reads before the first write, which the read phase already ends at the deadline): two
    // creates in a row answered 429 asking for a 45 s pause, far beyond an 8 s --max-runtime,
    // every answer 30 ms late.
    let mut seed = demo_seed();
    seed.rate_limit.requests = 6000;
    seed.random_faults = RandomFaults {
        latency_ms: 30,
        ..RandomFaults::default()
    };
    let sim = Sim::start(seed);
    sim.inject(
        Fault::new(
            "POST",
            "/users",
            FaultKind::RateLimited { reset_seconds: 45 },
        )
        .skip(20)
        .times(2),
    );
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(demo_config()).unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        text.replace(
            "requests_per_minute = 900\n",
            "requests_per_minute = 6000\n",
        )
        .replace("concurrency = 4\n", "concurrency = 16\n")
        .replace("[safety]\n", "[safety]\nmax_shrink_percent = 20\n"),
    )
    .unwrap();
    let hr = many_hires_hr(dir.path(), 300);
    let report = dir.path().join("r.json");
    let deadline = Duration::from_secs(8);
    let started = Instant::now();
    let child = spawn(
        &sim,
        &apply_args(&config, &hr, &report, &["--max-runtime", "8s"]),
    );
    // Its output is read as it comes (a full pipe would hold the run before its writes).
    let waiter = std::thread::spawn(move || {
        let run = wait_at_most(child, Duration::from_secs(60));
        (run, started.elapsed())
    });
    // A request counts when the simulator receives it: what has arrived by a second past
    // the deadline is all that may ever arrive.
    std::thread::sleep(deadline + Duration::from_secs(1));
    let by_then = sim.requests().len();
    let (run, took) = waiter.join().unwrap();
    run.expect_code(1)
        .expect_stderr(&["Error: --max-runtime 8s ran out: "]);
    assert!(
        took < deadline + Duration::from_secs(4),
        "the run ended {took:?} after it started"
    );
    let paused = sim.requests().iter().filter(|r| r.status == 429).count();
    assert!(paused > 0, "the storm paused the run before its deadline");
    assert_eq!(
        sim.requests().len(),
        by_then,
        "no request after the deadline (+1 s)"
    );
    let r = read_json(&report);
    let o = outcomes(&r);
    assert!(
        o.iter().any(|s| s == "not_started" || s == "interrupted"),
        "{o:?}"
    );
    assert!(
        o.iter()
            .all(|s| ["applied", "not_started", "interrupted"].contains(&s.as_str())),
        "a stopped wait is not a failure: {o:?}"
    );
}

/// The demo export plus a new hire who gets Edsger's old address (Edsger moves to
/// edsger.dijkstra@ in the same export).
fn handoff_hr(dir: &Path) -> PathBuf {
    let mut text = std::fs::read_to_string(demo_hr()).unwrap();
    text.push_str(
        "1012,Edna,Newhire,edsger.d@example.com,Production Technician I,Production,Active\n",
    );
    let path = dir.join("hr.csv");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn an_email_handed_to_a_new_hire_converges_in_one_run() {
    let sim = Sim::start(demo_seed());
    let dir = tempfile::tempdir().unwrap();
    let config = demo_config();
    let hr = handoff_hr(dir.path());
    let plan = run_args(against(&sim, KEY), &inputs("plan", &config, &hr));
    plan.expect_code(0).expect_stdout(&[
        "takes over edsger.d@example.com from PagerDuty user PEDSG01, whose email changes first in this run",
    ]);
    let json = run_args(
        against(&sim, KEY),
        &[
            inputs("plan", &config, &hr),
            vec!["--format".into(), "json".into()],
        ]
        .concat(),
    );
    let edna = json.json()["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["employee_id"] == "1012")
        .cloned()
        .unwrap();
    assert_eq!(
        (&edna["action"], &edna["waits_for"]),
        (&"create".into(), &"PEDSG01".into())
    );
    let report = dir.path().join("r.json");
    run_args(against(&sim, KEY), &apply_args(&config, &hr, &report, &[])).expect_code(0);
    assert_eq!(sim.user("edsger.dijkstra@example.com").id, "PEDSG01");
    let edna = sim.user("edsger.d@example.com");
    assert_ne!(edna.id, "PEDSG01");
    assert_eq!(
        marker_of(edna.description.as_deref())
            .employee_id
            .as_ref()
            .map(|id| id.as_str()),
        Some("1012")
    );
    let again = run_args(
        against(&sim, KEY),
        &[
            inputs("plan", &config, &hr),
            vec!["--detailed-exitcode".into()],
        ]
        .concat(),
    );
    again.expect_code(0).expect_stdout(&["No changes."]);
}

#[test]
fn a_new_hire_is_not_created_when_the_email_change_it_waits_for_fails() {
    let sim = Sim::start(demo_seed());
    sim.inject(Fault::new("PUT", "/users/PEDSG01", FaultKind::status(400)).always());
    let dir = tempfile::tempdir().unwrap();
    let config = demo_config();
    let hr = handoff_hr(dir.path());
    let report = dir.path().join("r.json");
    run_args(against(&sim, KEY), &apply_args(&config, &hr, &report, &[])).expect_code(1);
    let r = read_json(&report);
    let edna = r["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["employee_id"] == "1012")
        .unwrap();
    assert_eq!(edna["outcome"], "skipped", "{edna:#}");
    assert!(
        edna["error"]
            .as_str()
            .unwrap()
            .contains("PEDSG01 was to give up this email first"),
        "{edna:#}"
    );
    assert!(
        sim.writes().iter().all(|w| !(w.method == "POST"
            && w.body
                .as_ref()
                .is_some_and(|b| b.to_string().contains("edsger.d@example.com")))),
        "no create was sent for the address still held"
    );
    assert_eq!(
        sim.user("edsger.d@example.com").id,
        "PEDSG01",
        "A keeps it, alone"
    );
}

#[test]
fn sigterm_while_creates_wait_for_a_create_slot_sends_none_of_them() {
    // The reviewer's finding: four actions at a time, one create at a time, the first
    // create held 2 s. The signal lands while the next creates wait for the create slot:
    // they have sent nothing, so none is sent after the signal and each is `not_started`,
    // as when --max-runtime runs out.
    let sim = Sim::start(demo_seed());
    sim.inject(Fault::new("POST", "/users", FaultKind::Delay { ms: 2000 }));
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(demo_config()).unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        text.replace(
            "concurrency = 4\n",
            "concurrency = 4\ncreate_concurrency = 1\n",
        )
        .replace("[safety]\n", "[safety]\nmax_shrink_percent = 20\n"),
    )
    .unwrap();
    let hr = many_hires_hr(dir.path(), 8);
    let report = dir.path().join("r.json");
    let child = spawn(&sim, &apply_args(&config, &hr, &report, &[]));
    sim.wait_in_flight("the first create", |r| r.method == "POST");
    // The other actions reach the create slot and wait there.
    std::thread::sleep(Duration::from_millis(300));
    signal(&child, "TERM");
    let run = wait_at_most(child, Duration::from_secs(30));
    run.expect_code(143);
    let posts = sim.writes().iter().filter(|w| w.method == "POST").count();
    assert_eq!(posts, 1, "only the create in flight at the signal was sent");
    let r = read_json(&report);
    let creates: Vec<&Value> = r["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["action"] == "create")
        .collect();
    assert!(creates.len() >= 8, "{r:#}");
    assert_eq!(
        creates.iter().filter(|a| a["outcome"] == "applied").count(),
        1
    );
    assert!(
        creates
            .iter()
            .filter(|a| a["outcome"] != "applied")
            .all(|a| a["outcome"] == "not_started" && a["attempts"] == 0),
        "{creates:#?}"
    );
    converges(&sim, &config, &hr);
}

/// A plan whose only action is one `PUT` (a job title changed in HR), against an account
/// otherwise in sync, with that `PUT` held `hold_ms` in flight.
fn one_update_held(hold_ms: u64) -> (Sim, crate::support::safety::Workspace) {
    use crate::support::safety::*;
    let mut people = workforce(1000, 3);
    let (ws, sim) = in_sync(base_seed(), &people);
    people[0].title = "Lead".into();
    ws.write_hr(&csv(&people));
    sim.inject(Fault::new(
        "PUT",
        "/users/*",
        FaultKind::Delay { ms: hold_ms },
    ));
    (sim, ws)
}

/// Issue 9 review F4, end to end: a stop (SIGTERM, or `--max-runtime` running out) that
/// leaves no action unfinished (here it lands while the plan's last and only action has
/// its one request in flight, which then ends) interrupts nothing: the report says
/// `applied` with exit code 0, as an undisturbed run, not `interrupted` / 143 or `failed`
/// / 1, and stderr says the stop came after every action had ended.
#[test]
fn a_stop_that_leaves_no_action_unfinished_reports_the_run_complete() {
    for (stop, extra, note) in [
        (
            "SIGTERM",
            vec![],
            "Note: SIGTERM came after every action had ended",
        ),
        (
            "--max-runtime",
            vec!["--max-runtime", "3s"],
            "Note: --max-runtime came after every action had ended",
        ),
    ] {
        let (sim, ws) = one_update_held(5000);
        let report = ws.path("r.json");
        // The safety fixtures' own key (`safety::spawn`), not the demo's.
        let child =
            crate::support::safety::spawn(&sim, &apply_args(&ws.config, &ws.hr, &report, &extra));
        sim.wait_in_flight("the update", |r| r.method == "PUT");
        if stop == "SIGTERM" {
            signal(&child, "TERM");
        }
        let started = Instant::now();
        let run = crate::support::safety::wait(child);
        assert!(started.elapsed() < Duration::from_secs(30), "{stop}");
        run.expect_code(0).expect_stderr(&[note]);
        assert!(!run.stderr.contains("Error:"), "{stop}: {run:?}");
        let r = read_json(&report);
        assert_eq!(
            (&r["status"], &r["exit_code"]),
            (&"applied".into(), &0.into()),
            "{stop}: {r:#}"
        );
        assert_eq!(outcomes(&r), ["applied"], "{stop}: {r:#}");
        assert_eq!(r["summary"]["updated"], 1, "{stop}: {r:#}");
        assert_eq!(sim.writes().len(), 1, "{stop}: {:?}", sim.writes());
    }
}
