//! The crash suite (issue 9, "Crash consistency"): `apply`, the real binary in a process of
//! its own, is killed with SIGKILL at random moments spread over the whole run, a bounded
//! number of times, against a simulator in the test process that survives every kill; then
//! one clean `apply` runs. The account must end exactly as an undisturbed run leaves it (the
//! same users with the same names, roles, titles, time zones, descriptions with their
//! markers and suspension records, and team memberships), the stale lock is taken over, and
//! a plan after it says `No changes.`.
//!
//! The moments: the undisturbed run counts its writes (W); each kill waits until the
//! simulator has received a random number of further writes in `0..W` (0: during start-up
//! and the listing), then a random 0–9 ms more (so a kill may land while a request is in
//! flight), then sends SIGKILL. Every answer is delayed 10 ± 8 ms so the run is long enough
//! to be hit anywhere: between a deactivation's marker write and its team removals,
//! between a create and its team roles, mid-reactivation, mid-email change.
//!
//! The moments come from a fixed seed ([`SEED`]; `HR2PD_CRASH_SEED=N` runs another), and a
//! failure names the seed, the trial and the kills.
//!
//! A second test sweeps instead of sampling: with one request at a time, the simulator
//! holds each write of the undisturbed run in turn, before and after applying it, and the
//! run is killed while it waits for that answer.

use crate::support::e2e::*;
use crate::support::safety::{Person, csv};
use crate::support::world::{Mix, World};
use crate::support::*;
use hr2pagerduty::sim::{FreezeStage, RandomFaults};
use std::collections::BTreeMap;
use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// The seed of the kill moments.
const SEED: u64 = 0x1599_0c0f_fee5;
/// Trials, each a fresh account killed up to [`MAX_KILLS`] times.
const TRIALS: u64 = 10;
/// Kills per trial at most.
const MAX_KILLS: u64 = 3;

/// splitmix64: a small, fixed generator, so the moments depend on the seed alone.
struct Moments(u64);

impl Moments {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
}

fn seed() -> u64 {
    std::env::var("HR2PD_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(SEED)
}

/// 120 employees over four departments (Engineering joins the Engineering team, Management
/// gets the `user` base role), every 20th terminated.
fn workforce() -> Vec<Person> {
    const DEPARTMENTS: [&str; 4] = ["Engineering", "Support", "Sales", "Management"];
    (1..=120)
        .map(|id| Person {
            id,
            status: if id % 20 == 0 { "Terminated" } else { "Active" },
            department: DEPARTMENTS[(id % 4) as usize],
            title: format!("Title {}", id % 5),
        })
        .collect()
}

/// The account and export of every trial: every kind of action, several multi-step.
fn world(dir: &Path) -> World {
    let hr = dir.join("hr.csv");
    std::fs::write(&hr, csv(&workforce())).unwrap();
    World::build(
        "fixtures/safety/config.toml",
        &hr,
        Mix {
            movers: 6,
            leavers: 5,
            new_hires: 15,
            rehire: true,
            email_change: true,
            adoption: true,
            absent: true,
        },
    )
}

/// The world's simulator, every answer delayed 10 ± 8 ms.
fn start(world: &World) -> Sim {
    let mut seed = world.seed.clone();
    seed.random_faults = RandomFaults {
        latency_ms: 10,
        latency_jitter_ms: 8,
        ..RandomFaults::default()
    };
    Sim::start(seed)
}

/// Runs the binary to the end.
fn apply(sim: &Sim, world: &World, report: &Path) -> Run {
    run_args(
        against(sim, KEY),
        &apply_args(&world.config_path, &world.hr_path, report, &[]),
    )
}

/// Starts `apply` (the binary, in a process of its own) against `sim`, writing its report to
/// `report` and its output to `stdout` and `stderr`.
fn spawn_apply(
    sim: &Sim,
    world: &World,
    report: &Path,
    stdout: Stdio,
    stderr: Stdio,
) -> std::process::Child {
    let args = apply_args(&world.config_path, &world.hr_path, report, &[]);
    command_against(sim, &args)
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .expect("the binary starts")
}

/// What one killed run did.
#[derive(Debug)]
struct Kill {
    /// Writes the simulator had received when SIGKILL was sent.
    at_writes: usize,
    /// The run ended by itself before the moment came.
    finished: bool,
}

/// Starts `apply` and kills it once the simulator has received `writes` more writes, plus
/// `extra_ms`; or lets it finish if it does first.
fn kill_at(sim: &Sim, world: &World, dir: &Path, writes: usize, extra_ms: u64) -> Kill {
    let report = dir.join("report.json");
    let out = std::fs::File::create(dir.join("killed.out")).unwrap();
    let err = std::fs::File::create(dir.join("killed.err")).unwrap();
    let target = sim.handle.write_count() + writes;
    let mut child = spawn_apply(sim, world, &report, out.into(), err.into());
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Kill {
                at_writes: sim.handle.write_count(),
                finished: status.code().is_some(),
            };
        }
        if sim.handle.write_count() >= target {
            break;
        }
        assert!(Instant::now() < deadline, "the run neither ended nor wrote");
        std::thread::sleep(Duration::from_micros(500));
    }
    std::thread::sleep(Duration::from_millis(extra_ms));
    let at_writes = sim.handle.write_count();
    // SIGKILL; an already ended child makes kill fail, which is fine.
    let _ = child.kill();
    let status = child.wait().unwrap();
    let finished = status.code().is_some();
    if !finished && let Ok(bytes) = std::fs::read(&report) {
        // A report left by a killed run never claims the run ended.
        let v: serde_json::Value = serde_json::from_slice(&bytes).expect("the report is JSON");
        assert_eq!(v["status"], "in_progress", "{v:#}");
    }
    Kill {
        at_writes,
        finished,
    }
}

/// The state an undisturbed run leaves, and the writes it needed.
fn undisturbed(world: &World) -> (BTreeMap<String, UserState>, usize) {
    let sim = start(world);
    let before = world.snapshot(&sim);
    let dir = tempfile::tempdir().unwrap();
    apply(&sim, world, &dir.path().join("report.json")).expect_code(0);
    world.check_converged(&sim, &before);
    (sim.state(), sim.handle.write_count())
}

#[test]
fn the_convergence_check_sees_a_second_user_carrying_one_employees_marker() {
    // check_converged must be able to fail: after an undisturbed run, a second managed
    // user carrying a copy of another one's marker.
    let dir = tempfile::tempdir().unwrap();
    let world = world(dir.path());
    let sim = start(&world);
    let before = world.snapshot(&sim);
    apply(&sim, &world, &dir.path().join("report.json")).expect_code(0);
    world.check_converged(&sim, &before);
    // Two employees the run only kept in sync (none of the cast set apart).
    let c = &world.cast;
    let managed: Vec<String> = world
        .desired
        .iter()
        .filter(|(e, _)| {
            !(c.movers.contains(e)
                || c.leavers.contains(e)
                || c.new_hires.contains(e)
                || c.rehire.as_ref() == Some(*e)
                || c.adoption.as_ref() == Some(*e)
                || c.email_change.as_ref().is_some_and(|(id, _)| id == *e)
                || c.protected_row.as_ref().is_some_and(|(id, _)| id == *e))
        })
        .map(|(_, d)| d.user.email.clone())
        .take(2)
        .collect();
    copy_marker(&sim, &managed[0], &managed[1]);
    let why = panic_message(|| world.check_converged(&sim, &before));
    assert!(why.contains("two users carry employee "), "{why}");
}

/// One trial: kills at moments from `moments`, a clean run, the checks. Returns whether
/// the clean run took over a lock left by a kill.
fn trial(
    world: &World,
    want: &BTreeMap<String, UserState>,
    writes: usize,
    moments: &mut Moments,
    kills: &mut Vec<Kill>,
) -> bool {
    let sim = start(world);
    let before = world.snapshot(&sim);
    let dir = tempfile::tempdir().unwrap();
    let n = 1 + moments.below(MAX_KILLS);
    for _ in 0..n {
        let k = kill_at(
            &sim,
            world,
            dir.path(),
            moments.below(writes as u64) as usize,
            moments.below(10),
        );
        let finished = k.finished;
        kills.push(k);
        if finished {
            break;
        }
    }
    clean_run_matches(&sim, world, want, &before, dir.path())
}

/// After the kills: a stale lock is taken over, one clean run ends with exit 0, a plan says
/// `No changes.`, and the account equals `want` (an undisturbed run's). Returns whether a
/// stale lock was left.
fn clean_run_matches(
    sim: &Sim,
    world: &World,
    want: &BTreeMap<String, UserState>,
    before: &BTreeMap<String, hr2pagerduty::pagerduty::models::User>,
    dir: &Path,
) -> bool {
    let stale = lock_file(sim).exists();
    let clean = apply(sim, world, &dir.join("clean.json"));
    clean.expect_code(0);
    if stale {
        clean.expect_stderr(&["took over the lock"]);
    }
    let mut args = inputs("plan", &world.config_path, &world.hr_path);
    args.push("--detailed-exitcode".into());
    run_args(against(sim, KEY), &args)
        .expect_code(0)
        .expect_stdout(&["No changes."]);
    world.check_converged(sim, before);
    let got = sim.state();
    let differ: Vec<(&String, Option<&UserState>, Option<&UserState>)> = want
        .keys()
        .chain(got.keys())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .filter(|e| want.get(*e) != got.get(*e))
        .map(|e| (e, want.get(e), got.get(e)))
        .collect();
    assert!(
        differ.is_empty(),
        "the account differs from an undisturbed run's (email, undisturbed, now): {differ:#?}"
    );
    stale
}

/// The panic message of a failed trial.
fn message(e: &(dyn std::any::Any + Send)) -> String {
    e.downcast_ref::<String>()
        .cloned()
        .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

#[test]
fn sigkill_at_random_moments_then_a_clean_run_ends_as_an_undisturbed_run() {
    let seed = seed();
    let dir = tempfile::tempdir().unwrap();
    let world = world(dir.path());
    let (want, writes) = undisturbed(&world);
    assert!(writes > 30, "{writes} writes");
    let mut moments = Moments(seed);
    let mut takeovers = 0;
    let mut killed = 0;
    for t in 0..TRIALS {
        let mut kills = Vec::new();
        let r = std::panic::catch_unwind(AssertUnwindSafe(|| {
            trial(&world, &want, writes, &mut moments, &mut kills)
        }));
        match r {
            Ok(stale) => takeovers += usize::from(stale),
            Err(e) => panic!(
                "crash suite: trial {t} of seed {seed} (HR2PD_CRASH_SEED={seed}) failed after kills {kills:?}: {}",
                message(&*e)
            ),
        }
        let at: Vec<String> = kills
            .iter()
            .map(|k| match k.finished {
                true => format!("ended by itself at {} writes", k.at_writes),
                false => format!("killed at {} writes", k.at_writes),
            })
            .collect();
        eprintln!(
            "crash suite: seed {seed}, trial {t} ({writes} writes undisturbed): {}",
            at.join(", ")
        );
        killed += kills.iter().filter(|k| !k.finished).count();
    }
    // The suite did kill runs, and some kill left a lock that the next run took over.
    assert!(killed >= TRIALS as usize, "only {killed} kills");
    assert!(takeovers > 0, "no kill left a lock to take over");
}

/// The sweep's account: 24 employees (every kind of action, several multi-step), planned
/// with one request at a time, so that the n-th write is the same request in every run.
fn sweep_world(dir: &Path) -> World {
    let config = std::fs::read_to_string(repo("fixtures/safety/config.toml")).unwrap();
    let serial = config.replace("concurrency = 8", "concurrency = 1");
    assert_ne!(serial, config, "the fixture sets the concurrency");
    let config_path = dir.join("config.toml");
    std::fs::write(&config_path, serial).unwrap();
    let hr = dir.join("hr.csv");
    let people: Vec<Person> = workforce().into_iter().take(24).collect();
    std::fs::write(&hr, csv(&people)).unwrap();
    World::build(
        config_path.to_str().unwrap(),
        &hr,
        Mix {
            movers: 2,
            leavers: 1,
            new_hires: 3,
            rehire: true,
            email_change: true,
            adoption: true,
            absent: true,
        },
    )
}

/// Starts `apply`, and kills it with SIGKILL once the simulator holds its write number
/// `write` at `stage`. Returns false when the run ended before reaching that write.
fn kill_frozen(sim: &Sim, world: &World, dir: &Path, write: usize, stage: FreezeStage) -> bool {
    sim.handle.freeze_at_write(write, stage);
    let child = spawn_apply(
        sim,
        world,
        &dir.join("report.json"),
        Stdio::null(),
        Stdio::null(),
    );
    sim.kill_when_frozen(child, write)
}

#[test]
fn sigkill_at_every_write_before_and_after_pagerduty_applies_it_then_a_clean_run_converges() {
    // Random moments (above) reach most places; this sweep reaches every one: for each
    // write of an undisturbed run, the run is killed while that write waits for its answer,
    // once before PagerDuty applied it and once after (the change made, the answer lost),
    // then a clean run must end exactly as the undisturbed run did.
    let dir = tempfile::tempdir().unwrap();
    let world = sweep_world(dir.path());
    let (want, writes) = {
        let sim = Sim::start(world.seed.clone());
        let before = world.snapshot(&sim);
        apply(&sim, &world, &dir.path().join("undisturbed.json")).expect_code(0);
        world.check_converged(&sim, &before);
        (sim.state(), sim.handle.write_count())
    };
    assert!(writes >= 15, "{writes} writes: too few to sweep");
    let mut killed = 0;
    for write in 1..=writes {
        for stage in [FreezeStage::BeforeCommit, FreezeStage::AfterCommit] {
            let sim = Sim::start(world.seed.clone());
            let before = world.snapshot(&sim);
            let trial = tempfile::tempdir().unwrap();
            let r = std::panic::catch_unwind(AssertUnwindSafe(|| {
                let was_killed = kill_frozen(&sim, &world, trial.path(), write, stage);
                clean_run_matches(&sim, &world, &want, &before, trial.path());
                was_killed
            }));
            match r {
                Ok(k) => killed += usize::from(k),
                Err(e) => panic!(
                    "crash sweep: killed at write {write} of {writes} ({stage:?}): {}",
                    message(&*e)
                ),
            }
        }
    }
    // Every write of the undisturbed run was reached, twice: the same run, one request at a
    // time, sends the same writes in the same order.
    assert_eq!(killed, 2 * writes, "kills that reached their write");
    eprintln!("crash sweep: {writes} writes, {killed} kills, every one converged");
}

/// Whether the report `text`, in `--report-format format`, says that its run did not
/// finish: JSON `status` `in_progress` with a null `exit_code`; CSV whose last row is the
/// `run,in_progress` row; Markdown whose first line says `in progress`.
fn says_unfinished(format: &str, text: &str) -> bool {
    match format {
        "json" => {
            let v: serde_json::Value = serde_json::from_str(text).expect("the report is JSON");
            v["status"] == "in_progress" && v["exit_code"].is_null()
        }
        "csv" => {
            text.lines().last()
                == Some(&format!(
                    "run,in_progress,,,,,{}",
                    hr2pagerduty::report::UNFINISHED_RUN
                ))
        }
        _ => text.starts_with("**hr2pagerduty apply: in progress**"),
    }
}

#[test]
fn sigkill_mid_apply_leaves_a_report_saying_the_run_did_not_finish_in_every_format() {
    // The report is replaced by an in-progress one before the first write, and by the
    // run's own report only at the end: a run killed with SIGKILL while its first write,
    // or a later one, waits for PagerDuty's answer leaves a report that says it did not
    // finish (never last night's, never one that looks finished), in each report format;
    // the next run's report replaces it.
    let dir = tempfile::tempdir().unwrap();
    let world = sweep_world(dir.path());
    for write in [1, 8] {
        for format in ["json", "csv", "markdown"] {
            let sim = Sim::start(world.seed.clone());
            let report = dir.path().join(format!("report-{write}.{format}"));
            std::fs::write(&report, "last night's report\n").unwrap();
            let args = apply_args(
                &world.config_path,
                &world.hr_path,
                &report,
                &["--report-format", format],
            );
            sim.handle.freeze_at_write(write, FreezeStage::BeforeCommit);
            let child = command_against(&sim, &args)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("the binary starts");
            assert!(
                sim.kill_when_frozen(child, write),
                "ended before write {write}"
            );
            let left = std::fs::read_to_string(&report).unwrap();
            assert!(
                says_unfinished(format, &left),
                "killed at write {write}, {format}:\n{left}"
            );
            if format == "json" {
                // Actions not ended yet are pending (outcomes are written at most once a
                // second, so those that ended just before the kill may be pending too).
                let v: serde_json::Value = serde_json::from_str(&left).unwrap();
                let pending = v["actions"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|a| a["outcome"] == "pending")
                    .count();
                assert!(pending > 0, "{v:#}");
            }
            // The next run (taking over the stale lock) replaces it with its own report.
            run_args(against(&sim, KEY), &args).expect_code(0);
            let done = std::fs::read_to_string(&report).unwrap();
            assert!(!says_unfinished(format, &done), "{format}:\n{done}");
            assert!(
                !done.contains("in_progress") && !done.contains("in progress"),
                "{done}"
            );
        }
    }
}
