//! Harness of the CLI-level safety tests (`tests/cli/safety_*.rs`).
//!
//! Each test starts the PagerDuty simulator in the test process (on its own tokio runtime,
//! so plain `#[test]` functions can run the real binary synchronously), writes a
//! configuration and an HR export into a temporary directory (the apply lock lands there
//! too), runs `hr2pagerduty` with `PAGERDUTY_API_URL` pointing at the simulator, and
//! inspects the exit code, the output and the requests the simulator received.
//!
//! Accounts "in sync" with an export are built from the library: the export is planned
//! against an empty account and every planned create becomes a seeded user, with the same
//! marker, role, title, time zone and team memberships the tool itself would have written.
#![allow(dead_code)]

use super::{Run, Sim, plan_against_empty, root};
use hr2pagerduty::config::Config;
use hr2pagerduty::hr::{self, Roster};
use hr2pagerduty::pagerduty::models::Team;
use hr2pagerduty::plan::{ActionKind, Policy, Step};
use hr2pagerduty::sim::{Seed, SeedMembership, SeedUser};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

/// The API key of `fixtures/safety/seed.json`. Every run asserts it never appears in the
/// output.
pub const KEY: &str = "safety-test-key";

/// `fixtures/safety/config.toml` as text.
pub fn safety_config() -> String {
    std::fs::read_to_string(root().join("fixtures/safety/config.toml")).unwrap()
}

/// `samples/real/NAME` as text, with the client budget raised to PagerDuty's ceiling so
/// the tests stay fast.
pub fn real_config(name: &str) -> String {
    std::fs::read_to_string(root().join("samples/real").join(name))
        .unwrap()
        .replacen(
            "[pagerduty]\n",
            "[pagerduty]\nrequests_per_minute = 900\nburst = 60\nconcurrency = 8\n",
            1,
        )
}

// ---- The simulator ------------------------------------------------------------------------

/// `fixtures/safety/seed.json`: the owner, the provisioning bot and the Engineering team.
pub fn base_seed() -> Seed {
    Seed::from_file(&root().join("fixtures/safety/seed.json")).unwrap()
}

/// The teams of a seed as the planner sees them (every seeded team must have an ID).
fn seed_teams(seed: &Seed) -> Vec<Team> {
    seed.teams
        .iter()
        .map(|t| {
            serde_json::from_value(serde_json::json!({
                "id": t.id.clone().expect("seeded teams carry IDs"),
                "name": t.name,
            }))
            .unwrap()
        })
        .collect()
}

/// The users an account must hold to be in sync with `roster` under `cfg`: the export
/// planned against an account without users, each planned create turned into a seed user.
pub fn in_sync_users(cfg: &Config, roster: &Roster, base: &Seed) -> Vec<SeedUser> {
    in_sync_users_as_of(cfg, roster, base, hr2pagerduty::pipeline::today(cfg, None))
}

/// [`in_sync_users`] with the export's dates read as of `today` (the `--as-of` the runs
/// against the account will give).
pub fn in_sync_users_as_of(
    cfg: &Config,
    roster: &Roster,
    base: &Seed,
    today: chrono::NaiveDate,
) -> Vec<SeedUser> {
    // Creating users needs the `from` bot in the account (the base seed holds it).
    let p = plan_against_empty(
        cfg,
        &Policy::from_config(cfg),
        roster,
        &seed_teams(base),
        today,
    );
    p.actions
        .iter()
        .map(|a| {
            assert_eq!(a.kind, ActionKind::Create, "{a:?}");
            let Step::CreateUser(n) = &a.steps[0] else {
                panic!("{a:?}")
            };
            let teams = a.steps[1..]
                .iter()
                .map(|s| match s {
                    Step::SetTeamRole { team_id, role, .. } => SeedMembership {
                        team: team_id.to_string(),
                        role: Some(role.clone()),
                    },
                    other => panic!("{other:?}"),
                })
                .collect();
            SeedUser {
                id: None,
                name: n.name.clone(),
                email: n.email.clone(),
                role: n.role.clone(),
                time_zone: n.time_zone.clone(),
                job_title: n.job_title.clone(),
                description: n.description.clone(),
                color: None,
                teams,
                ..Default::default()
            }
        })
        .collect()
}

/// A workspace holding `people` as the export under [`safety_config`], and a simulator
/// whose account (`base` plus a user for each of them) is already in sync with it: where
/// most safety tests start.
pub fn in_sync(base: Seed, people: &[Person]) -> (Workspace, Sim) {
    let hr = csv(people);
    let ws = Workspace::new(&safety_config(), &hr);
    let sim = sim_in_sync(base, &ws.config, &hr);
    (ws, sim)
}

/// A simulator seeded with `base` plus an account in sync with the export `hr` read with
/// the configuration at `config`.
pub fn sim_in_sync(base: Seed, config: &Path, hr: &[u8]) -> Sim {
    let cfg = Config::load(config).unwrap();
    let roster = hr::read_bytes(hr, &cfg).unwrap();
    let mut seed = base;
    let users = in_sync_users(&cfg, &roster, &seed);
    seed.users.extend(users);
    Sim::start(seed)
}

// ---- Synthetic workforces ------------------------------------------------------------------

/// The header of `fixtures/hr/*.csv` and of generated exports.
pub const HEADER: &str =
    "EmployeeID,Email,FirstName,LastName,Status,Department,Title,TimeZone,HireDate,Notes";

/// One employee of a generated export.
#[derive(Debug, Clone)]
pub struct Person {
    pub id: u32,
    pub status: &'static str,
    pub department: &'static str,
    pub title: String,
}

impl Person {
    pub fn email(&self) -> String {
        format!("person{}@example.com", self.id)
    }
}

/// `n` active employees in Support, IDs `first..first+n`.
pub fn workforce(first: u32, n: u32) -> Vec<Person> {
    (first..first + n)
        .map(|id| Person {
            id,
            status: "Active",
            department: "Support",
            title: "Agent".into(),
        })
        .collect()
}

/// The export of `people`, LF line endings.
pub fn csv(people: &[Person]) -> Vec<u8> {
    let mut out = format!("{HEADER}\n");
    for p in people {
        out.push_str(&format!(
            "{},{},Given{},Family{},{},{},{},Etc/UTC,2020-01-01,\n",
            p.id,
            p.email(),
            p.id,
            p.id,
            p.status,
            p.department,
            p.title
        ));
    }
    out.into_bytes()
}

// ---- Running the binary ----------------------------------------------------------------------

/// A temporary directory with a configuration and an HR export.
pub struct Workspace {
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
    pub hr: PathBuf,
}

impl Workspace {
    /// `config.toml` from `config`, `hr.csv` from `hr`.
    pub fn new(config: &str, hr: &[u8]) -> Workspace {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace {
            config: dir.path().join("config.toml"),
            hr: dir.path().join("hr.csv"),
            dir,
        };
        std::fs::write(&ws.config, config).unwrap();
        std::fs::write(&ws.hr, hr).unwrap();
        ws
    }

    /// A path in the workspace.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Replaces the export.
    pub fn write_hr(&self, hr: &[u8]) {
        std::fs::write(&self.hr, hr).unwrap();
    }

    /// `--config C --hr H` as arguments.
    pub fn inputs(&self) -> Vec<String> {
        vec![
            "--config".into(),
            self.config.display().to_string(),
            "--hr".into(),
            self.hr.display().to_string(),
        ]
    }
}

fn command(url: &str, args: &[String]) -> std::process::Command {
    let mut cmd = super::e2e::binary();
    cmd.args(args)
        .env("PAGERDUTY_API_URL", url)
        .env("PAGERDUTY_API_KEY", KEY)
        .stdin(Stdio::null());
    cmd
}

/// Runs `hr2pagerduty --no-progress ARGS` against `url` and waits for it.
pub fn run_at(url: &str, args: &[String]) -> Run {
    let mut cmd = super::e2e::hr2pd();
    cmd.args(args)
        .env("PAGERDUTY_API_URL", url)
        .env("PAGERDUTY_API_KEY", KEY)
        .write_stdin("");
    let out = cmd.output().unwrap();
    finish(out)
}

pub fn finish(out: std::process::Output) -> Run {
    assert!(out.status.code().is_some(), "exited with a code: {out:?}");
    let run = Run::from_output(out);
    assert!(
        !run.stdout.contains(KEY) && !run.stderr.contains(KEY),
        "the API key was printed:\n{run:?}"
    );
    run
}

/// Runs `hr2pagerduty --no-progress ARGS` against the simulator.
pub fn run(sim: &Sim, args: &[String]) -> Run {
    run_at(&sim.url(), args)
}

/// Starts `hr2pagerduty --no-progress ARGS` against the simulator without waiting.
pub fn spawn(sim: &Sim, args: &[String]) -> Child {
    command(&sim.url(), args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits for a spawned run.
pub fn wait(child: Child) -> Run {
    finish(child.wait_with_output().unwrap())
}

/// The next plan of `ws` against `sim` is empty and says so (`--detailed-exitcode` exit 0,
/// `No changes.`).
pub fn converged(sim: &Sim, ws: &Workspace) {
    plan(sim, ws, &["--detailed-exitcode"])
        .expect_code(0)
        .expect_stdout(&["No changes."]);
}

/// `plan` with the workspace's inputs and `extra` arguments.
pub fn plan(sim: &Sim, ws: &Workspace, extra: &[&str]) -> Run {
    let mut args = vec!["plan".to_string()];
    args.extend(ws.inputs());
    args.extend(extra.iter().map(|s| s.to_string()));
    run(sim, &args)
}

/// `apply --yes` with the workspace's inputs and `extra` arguments.
pub fn apply(sim: &Sim, ws: &Workspace, extra: &[&str]) -> Run {
    let mut args = vec!["apply".to_string(), "--yes".to_string()];
    args.extend(ws.inputs());
    args.extend(extra.iter().map(|s| s.to_string()));
    run(sim, &args)
}

/// Strings as owned arguments.
pub fn args(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}
