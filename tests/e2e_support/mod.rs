//! Shared helpers for the end-to-end tests: a simulator held by the test process, the real
//! binary run against it, and small readers for what the binary prints.
//!
//! The simulator runs on a tokio multi-thread runtime owned by the test, bound to
//! 127.0.0.1; the binary (run with `assert_cmd`, which blocks the test thread) talks to it
//! through `PAGERDUTY_API_URL`. Every run gets a clean environment for the variables the
//! tool reads (`PAGERDUTY_API_KEY`, `PAGERDUTY_API_URL`, `RUST_LOG`) and `--no-progress`.
#![allow(dead_code)]

pub mod world;

use hr2pagerduty::ids::TeamId;
use hr2pagerduty::marker::{self, Marker, MarkerState};
use hr2pagerduty::pagerduty::models::{TeamRole, User};
use hr2pagerduty::sim::{self, RecordedRequest, Seed, SimHandle};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The API key every test seed accepts: distinctive, so a leak anywhere is found by search.
pub const KEY: &str = "e2e-KEY-4be1f07c93d2a58e";

/// The repository root.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A path under the repository root.
pub fn repo(rel: &str) -> PathBuf {
    root().join(rel)
}

/// A real HR export from `../shared/data/hr`, or `None` (with a printed notice) when
/// `../shared` is not present.
pub fn shared_hr(name: &str) -> Option<PathBuf> {
    let p = root().join("../shared/data/hr").join(name);
    if p.is_file() {
        Some(p)
    } else {
        eprintln!("skipped: ../shared not present ({} missing)", p.display());
        None
    }
}

/// A simulator started in this test process on 127.0.0.1 (any free port).
pub struct Sim {
    /// Kept alive while the binary runs: its worker threads serve the simulator.
    rt: tokio::runtime::Runtime,
    /// The running simulator.
    pub handle: SimHandle,
}

impl Sim {
    /// Starts a simulator for `seed`.
    pub fn start(seed: Seed) -> Sim {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime");
        let handle = rt
            .block_on(sim::start(seed, 0))
            .expect("the simulator starts");
        Sim { rt, handle }
    }

    /// The demo's seed (`samples/demo/seed.json`) with [`KEY`] as its only API key.
    pub fn demo_seed() -> Seed {
        let mut seed = Seed::from_file(&repo("samples/demo/seed.json")).expect("demo seed");
        seed.api_keys = vec![KEY.into()];
        seed
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        self.handle.url()
    }

    /// Every POST, PUT and DELETE received so far.
    pub fn writes(&self) -> Vec<RecordedRequest> {
        self.handle
            .requests()
            .into_iter()
            .filter(|r| r.method != "GET")
            .collect()
    }

    /// The user with this email.
    pub fn user(&self, email: &str) -> User {
        self.handle
            .user_by_email(email)
            .unwrap_or_else(|| panic!("no user {email} in the simulator"))
    }

    /// `(team ID, team role)` of every membership of `user_id`, from the teams' member lists.
    pub fn memberships(&self, user_id: &str) -> BTreeSet<(TeamId, TeamRole)> {
        let mut out = BTreeSet::new();
        for t in self.handle.teams() {
            for m in self.handle.team_members(&t.id) {
                if m.user.id == user_id {
                    out.insert((t.id.clone(), m.role.clone()));
                }
            }
        }
        out
    }

    /// Runs a blocking closure while the simulator keeps serving (for code that wants the
    /// runtime, e.g. an HTTP client in the test).
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    /// Exit code (-1 when killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// Panics with both streams unless the exit code is `code`.
    pub fn expect_code(&self, code: i32) -> &Run {
        assert_eq!(
            self.code, code,
            "exit code {} (wanted {code})\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }

    /// Stdout parsed as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

/// The binary with a clean environment and `--no-progress`.
pub fn hr2pd() -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("hr2pagerduty").expect("the binary is built");
    c.env_remove("PAGERDUTY_API_KEY")
        .env_remove("PAGERDUTY_API_URL")
        .env_remove("RUST_LOG")
        .arg("--no-progress");
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
