//! The marker-integrity tests' set-up (`tests/cli/marker_{integrity,binding}.rs`): the
//! safety tests' workspace and account ([`super::safety`]) run with a marker key, and how
//! that key judges a user's marker in the simulator.

use super::safety::{KEY, Person, Workspace, base_seed, csv, safety_config, workforce};
use super::{Run, Sim, e2e};
use hr2pagerduty::marker::{self, MarkerKey, MarkerKeys, MarkerState, Verdict};

/// The marker key of these tests (`PAGERDUTY_MARKER_KEY`); every run asserts it never
/// appears in the output.
pub const MARKER_KEY: &str = "integrity-test-marker-key-0f9e8d7c6b5a4";

/// `hr2pagerduty --no-progress CMD [--yes] --config C --hr H EXTRA` against `sim`, with
/// `PAGERDUTY_MARKER_KEY` set to `key` when given (and unset otherwise); `doctor` gets
/// `--config C` alone.
pub fn keyed(sim: &Sim, ws: &Workspace, cmd: &str, extra: &[&str], key: Option<&str>) -> Run {
    let mut c = e2e::hr2pd();
    c.arg(cmd)
        .env("PAGERDUTY_API_URL", sim.url())
        .env("PAGERDUTY_API_KEY", KEY)
        .write_stdin("");
    if cmd == "apply" {
        c.arg("--yes");
    }
    if cmd == "doctor" {
        c.args(["--config", &ws.config.display().to_string()]);
    } else {
        c.args(ws.inputs());
    }
    c.args(extra);
    if let Some(k) = key {
        c.env("PAGERDUTY_MARKER_KEY", k);
    }
    let run = Run::from_output(c.output().unwrap());
    assert!(
        !run.stdout.contains(MARKER_KEY) && !run.stderr.contains(MARKER_KEY),
        "{run:?}"
    );
    run
}

/// [`MARKER_KEY`] as the run's only key.
fn keys() -> MarkerKeys {
    MarkerKeys::new(MarkerKey::new("K", MARKER_KEY).unwrap(), None)
}

/// How [`MARKER_KEY`] judges the marker of `email`'s user in the simulator (a panic when it
/// has no valid marker).
pub fn verdict(sim: &Sim, email: &str) -> Verdict {
    let d = sim.user(email).description;
    let p = marker::parse(d.as_deref());
    match &p.marker {
        MarkerState::Valid(m) => keys().check(m, p.sig.as_deref(), email),
        other => panic!("{email}: {other:?}"),
    }
}

/// A signed account: `n` people from employee 1000 ([`workforce`]) in a workspace with the
/// safety configuration, and a simulator of the safety seed after one `apply` with
/// [`MARKER_KEY`] (exit 0), so that every user carries a signed marker.
pub fn signed_account(n: u32) -> (Vec<Person>, Workspace, Sim) {
    let people = workforce(1000, n);
    let ws = Workspace::new(&safety_config(), &csv(&people));
    let sim = Sim::start(base_seed());
    keyed(&sim, &ws, "apply", &[], Some(MARKER_KEY)).expect_code(0);
    (people, ws, sim)
}

/// Terminates `people[i]` in the export and applies with [`MARKER_KEY`]: one deactivation
/// (exit 0), whose suspension record is signed.
pub fn deactivate_signed(people: &mut [Person], ws: &Workspace, sim: &Sim, i: usize) {
    people[i].status = "Terminated";
    ws.write_hr(&csv(people));
    keyed(sim, ws, "apply", &[], Some(MARKER_KEY))
        .expect_code(0)
        .expect_stdout(&["1 deactivated"]);
}

/// `plan --detailed-exitcode` with [`MARKER_KEY`] finds nothing to do (exit 0).
pub fn keyed_plan_is_empty(sim: &Sim, ws: &Workspace) {
    keyed(sim, ws, "plan", &["--detailed-exitcode"], Some(MARKER_KEY))
        .expect_code(0)
        .expect_stdout(&["No changes."]);
}

/// The `marker_key` check of `doctor --format json EXTRA` with `PAGERDUTY_MARKER_KEY` set
/// to `key` when given.
pub fn doctor_marker_check(
    sim: &Sim,
    ws: &Workspace,
    extra: &[&str],
    key: Option<&str>,
) -> serde_json::Value {
    let mut all = vec!["--format", "json"];
    all.extend(extra);
    let v = keyed(sim, ws, "doctor", &all, key).json();
    v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "marker_key")
        .cloned()
        .unwrap_or_else(|| panic!("{v}"))
}
