//! Helpers of the end-to-end tests (`tests/cli/*.rs`): the real binary run against a
//! simulator held by the test process (see [`super::Sim`]), the demo's inputs and the
//! arguments of an `apply` with a report, and small readers for what the binary prints
//! and writes.
//!
//! The simulator runs on a tokio multi-thread runtime owned by the test, bound to
//! 127.0.0.1; the binary (run with `assert_cmd`, which blocks the test thread) talks to it
//! through `PAGERDUTY_API_URL`. Every run gets a clean environment for the variables the
//! tool reads (`PAGERDUTY_API_KEY`, `PAGERDUTY_API_URL`, `RUST_LOG`), a state directory of
//! the test process's own (`XDG_STATE_HOME`, where apply locks go) and `--no-progress`.

use super::{Run, Sim, repo};
use hr2pagerduty::marker::{self, Marker, MarkerState};
use hr2pagerduty::pagerduty::models::contact::{ContactMethod, NotificationRule};
use hr2pagerduty::sim::{Fault, Seed};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The API key every test seed accepts: distinctive, so a leak anywhere is found by search.
pub const KEY: &str = "e2e-KEY-4be1f07c93d2a58e";

/// The demo's seed (`samples/demo/seed.json`) with [`KEY`] as its only API key.
pub fn demo_seed() -> Seed {
    let mut seed = Seed::from_file(&repo("samples/demo/seed.json")).expect("demo seed");
    seed.api_keys = vec![KEY.into()];
    seed
}

/// The state directory every run of the binary in this test process gets
/// (`XDG_STATE_HOME`), so that apply locks land there, not in the machine's own.
pub fn state_home() -> &'static Path {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("a temporary state directory"))
        .path()
}

/// The binary with a clean environment: none of the test process's PagerDuty and marker
/// variables, `RUST_LOG` or `STATE_DIRECTORY`, and `XDG_STATE_HOME` at [`state_home`]
/// (so the apply lock never lands in the user's state directory). The one set-up every
/// test running the binary starts from ([`hr2pd`], the safety helpers).
pub fn binary() -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_hr2pagerduty"));
    c.env_remove("PAGERDUTY_API_KEY")
        .env_remove("PAGERDUTY_API_URL")
        .env_remove("PAGERDUTY_MARKER_KEY")
        .env_remove("PAGERDUTY_MARKER_KEY_PREVIOUS")
        .env_remove("RUST_LOG")
        .env("XDG_STATE_HOME", state_home())
        .env_remove("STATE_DIRECTORY");
    c
}

/// [`binary`] as an `assert_cmd` command.
pub fn hr2pd() -> assert_cmd::Command {
    assert_cmd::Command::from_std(binary())
}

/// [`binary`] pointed at `sim` with [`KEY`], given `args`, stdin closed: for a test that
/// spawns the run itself and chooses what becomes of its stdout and stderr.
pub fn command_against(sim: &Sim, args: &[String]) -> std::process::Command {
    let mut c = binary();
    c.args(args)
        .env("PAGERDUTY_API_URL", sim.url())
        .env("PAGERDUTY_API_KEY", KEY)
        .stdin(std::process::Stdio::null());
    c
}

/// The binary pointed at `sim` with `key`.
pub fn against(sim: &Sim, key: &str) -> assert_cmd::Command {
    let mut c = hr2pd();
    c.env("PAGERDUTY_API_URL", sim.url())
        .env("PAGERDUTY_API_KEY", key);
    c
}

/// Runs `cmd` with `args` and collects the result.
pub fn run(mut cmd: assert_cmd::Command, args: &[&str]) -> Run {
    Run::from_output(cmd.args(args).output().expect("the binary runs"))
}

/// `--config C --hr H` for a command.
pub fn inputs<'a>(cmd: &'a str, config: &'a Path, hr: &'a Path) -> Vec<String> {
    vec![
        cmd.to_string(),
        "--config".into(),
        config.display().to_string(),
        "--hr".into(),
        hr.display().to_string(),
    ]
}

/// The demo's configuration, `samples/demo/config.toml`.
pub fn demo_config() -> PathBuf {
    repo("samples/demo/config.toml")
}

/// The demo's export, `samples/demo/hr.csv`.
pub fn demo_hr() -> PathBuf {
    repo("samples/demo/hr.csv")
}

/// `CMD --config C --hr H` with the demo's inputs ([`demo_config`], [`demo_hr`]), plus
/// `extra`.
pub fn demo_args(cmd: &str, extra: &[&str]) -> Vec<String> {
    let mut v = inputs(cmd, &demo_config(), &demo_hr());
    v.extend(extra.iter().map(|s| s.to_string()));
    v
}

/// The action for `email` in a JSON plan or report (`actions[]`), or a panic showing the
/// document.
pub fn action_of<'v>(v: &'v Value, email: &str) -> &'v Value {
    v["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["email"] == email)
        .unwrap_or_else(|| panic!("no action for {email}: {v:#}"))
}

/// The apply lock of `sim`'s account in the state directory of this test process's runs
/// ([`state_home`]).
pub fn lock_file(sim: &Sim) -> PathBuf {
    sim.lock_file(&state_home().join("hr2pagerduty"))
}

/// `apply --config CONFIG --hr HR --yes --report REPORT` plus `extra`.
pub fn apply_args(config: &Path, hr: &Path, report: &Path, extra: &[&str]) -> Vec<String> {
    let mut v = inputs("apply", config, hr);
    v.extend(["--yes".to_string(), "--report".to_string()]);
    v.push(report.display().to_string());
    v.extend(extra.iter().map(|s| s.to_string()));
    v
}

/// The JSON file at `p` (a report the binary wrote), or a panic saying it is missing or
/// showing what it holds instead.
pub fn read_json(p: &Path) -> Value {
    let bytes = std::fs::read(p).expect("report written");
    serde_json::from_slice(&bytes).unwrap_or_else(|e| {
        panic!(
            "the report is not JSON ({e}): {:?}",
            String::from_utf8_lossy(&bytes)
        )
    })
}

/// A user's notification `rules` as (the address of the contact method of `methods` each
/// points at, urgency, delay in minutes), sorted: what a restore from the archive must end
/// with, whatever new IDs PagerDuty gave the contact methods.
pub fn rules_by_address(
    methods: &[ContactMethod],
    rules: &[NotificationRule],
) -> Vec<(String, String, u32)> {
    let mut got: Vec<(String, String, u32)> = rules
        .iter()
        .map(|r| {
            let m = methods
                .iter()
                .find(|m| m.id == r.contact_method.id)
                .expect("a rule points at one of the user's contact methods");
            (
                m.address.clone(),
                r.urgency.as_str().to_string(),
                r.start_delay_in_minutes,
            )
        })
        .collect();
    got.sort();
    got
}

/// Runs `cmd` with owned arguments.
pub fn run_args(cmd: assert_cmd::Command, args: &[String]) -> Run {
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    run(cmd, &refs)
}

/// The valid marker in a description, or a panic naming what was found.
pub fn marker_of(description: Option<&str>) -> Marker {
    match marker::parse(description).marker {
        MarkerState::Valid(m) => m,
        other => panic!("no valid marker in {description:?}: {other:?}"),
    }
}

/// The human text of a description (every line but the marker).
pub fn human_of(description: Option<&str>) -> String {
    marker::parse(description).human
}

/// The `summary` object of a JSON plan or report, as `(key, number)` pairs.
pub fn summary(v: &Value) -> std::collections::BTreeMap<String, u64> {
    v["summary"]
        .as_object()
        .expect("summary object")
        .iter()
        .map(|(k, n)| (k.clone(), n.as_u64().expect("a count")))
        .collect()
}

/// Panics when two users of `sim` carry one employee's marker (or an unreadable marker
/// that still claims that employee): the duplicate a retried create could make. (Two users
/// with one email cannot occur: the simulator refuses the second, as PagerDuty does.)
pub fn assert_one_user_per_employee(sim: &Sim) {
    let mut seen: std::collections::BTreeMap<String, String> = Default::default();
    for u in sim.handle.users() {
        let employee = match marker::parse(u.description.as_deref()).marker {
            MarkerState::Valid(m) => m.employee_id.map(|e| e.to_string()),
            _ => marker::claimed_employee_id(u.description.as_deref()).map(|e| e.to_string()),
        };
        if let Some(e) = employee
            && let Some(other) = seen.insert(e.clone(), u.id.to_string())
        {
            panic!(
                "two users carry employee {e}'s marker: {other} and {}",
                u.id
            );
        }
    }
}

/// How many users the demo seed holds after one undisturbed `apply --yes` of `hr` with
/// `config` (run once per pair in this test process): what a disturbed run must end with.
pub fn undisturbed_user_count(config: &Path, hr: &Path) -> usize {
    static DONE: std::sync::Mutex<Vec<(String, String, usize)>> = std::sync::Mutex::new(Vec::new());
    let key = (
        std::fs::read_to_string(config).expect("the configuration"),
        std::fs::read_to_string(hr).expect("the export"),
    );
    if let Some((_, _, n)) = DONE
        .lock()
        .unwrap()
        .iter()
        .find(|(c, h, _)| (c, h) == (&key.0, &key.1))
    {
        return *n;
    }
    let sim = Sim::start(demo_seed());
    let mut args = inputs("apply", config, hr);
    args.push("--yes".into());
    let run = run_args(against(&sim, KEY), &args);
    assert_eq!(run.code, 0, "the undisturbed run: {run:?}");
    let n = sim.handle.users().len();
    DONE.lock().unwrap().push((key.0, key.1, n));
    n
}

/// `fault` (scripted on `GET /users` as `plan` sends it) for `apply`, which first reads one
/// user to name the account for its lock (`GET /users?limit=1`): one more matching request
/// is let through, so the fault still lands on the listing.
pub fn past_the_account_read(fault: &Fault) -> Fault {
    assert_eq!(
        (fault.method.as_str(), fault.path.as_str()),
        ("GET", "/users")
    );
    fault.clone().skip(fault.skip + 1)
}

/// Writes, through the simulator's API as another tool would, the description (so the
/// marker) of the user holding `holder` onto the user holding `onto`: two users then carry
/// one employee's marker, the duplicate the convergence checks must catch (a second user
/// with `holder`'s email cannot be made: the simulator refuses it, as PagerDuty does).
pub fn copy_marker(sim: &Sim, holder: &str, onto: &str) {
    let original = sim.user(holder);
    let target = sim.user(onto);
    sim.put_user(
        target.id.as_str(),
        serde_json::json!({ "description": original.description }),
    );
}

/// The message of the panic `f` raises; panics when it raises none.
pub fn panic_message(f: impl FnOnce()) -> String {
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .expect_err("the check should have failed");
    err.downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}
