//! Helpers of the end-to-end tests (`tests/cli/{demo,failures,output,real,recovery,snapshots}.rs`):
//! the real binary run against a simulator held by the test process (see [`super::Sim`]),
//! and small readers for what the binary prints.
//!
//! The simulator runs on a tokio multi-thread runtime owned by the test, bound to
//! 127.0.0.1; the binary (run with `assert_cmd`, which blocks the test thread) talks to it
//! through `PAGERDUTY_API_URL`. Every run gets a clean environment for the variables the
//! tool reads (`PAGERDUTY_API_KEY`, `PAGERDUTY_API_URL`, `RUST_LOG`), a state directory of
//! the test process's own (`XDG_STATE_HOME`, where apply locks go) and `--no-progress`.

use super::{Run, Sim, repo};
use hr2pagerduty::marker::{self, Marker, MarkerState};
use hr2pagerduty::sim::Seed;
use serde_json::Value;
use std::path::Path;

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

/// The binary with a clean environment, `XDG_STATE_HOME` at [`state_home`], and
/// `--no-progress`.
pub fn hr2pd() -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("hr2pagerduty").expect("the binary is built");
    c.env_remove("PAGERDUTY_API_KEY")
        .env_remove("PAGERDUTY_API_URL")
        .env_remove("PAGERDUTY_MARKER_KEY")
        .env_remove("PAGERDUTY_MARKER_KEY_PREVIOUS")
        .env_remove("RUST_LOG")
        .env("XDG_STATE_HOME", state_home())
        .env_remove("STATE_DIRECTORY");
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
    let out = cmd.args(args).output().expect("the binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
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
