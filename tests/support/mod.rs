//! The one support module of the integration tests, included by every test binary
//! (`tests/{hr,client,plan,sim,cli}/main.rs` and `tests/client_tracing.rs`) with
//! `#[path = "../support/mod.rs"] mod support;`.
//!
//! What every area needs sits here: the repository paths, the real exports of
//! `../shared/data/hr` (a test that needs one skips, saying so, when `../shared` is absent),
//! the PagerDuty simulator held by the test process ([`Sim`]) and what one run of the binary
//! did ([`Run`]). What one area needs sits in a submodule:
//!
//! | module | for |
//! |---|---|
//! | [`client`] | a scripted stand-in server recording every request, for the client tests |
//! | [`e2e`] | running the binary against a simulator with `assert_cmd`, readers for its output |
//! | [`world`] | a simulated account for a real export and the checks of its state after `apply` |
//! | [`safety`] | the safety tests' workspace, synthetic workforces and accounts in sync with an export |
//! | [`signed`] | the marker-integrity tests' runs with a marker key, signed accounts and verdicts |
//!
//! Every network test talks to 127.0.0.1 only: the simulator and the scripted server bind
//! there, and the binary is pointed at them through `PAGERDUTY_API_URL`.
#![allow(dead_code)]

pub mod client;
pub mod e2e;
pub mod safety;
pub mod signed;
pub mod world;

use hr2pagerduty::ids::TeamId;
use hr2pagerduty::marker::{Marker, SavedMembership, Suspension};
use hr2pagerduty::pagerduty::models::{Role, TeamRole, User};
use hr2pagerduty::sim::{self, Fault, RecordedRequest, Seed, SimHandle};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The marker of employee `eid` suspended on `on` from base role `role` and `teams`, and
/// nothing else (no termination date, no leave, not restored from the archive, nothing
/// refused): the suspension record a test seeds a suspended user with.
pub fn suspension_record(
    eid: &str,
    on: chrono::NaiveDate,
    role: Role,
    teams: Vec<SavedMembership>,
) -> Marker {
    Marker {
        employee_id: Some(eid.into()),
        suspended: Some(Suspension {
            on,
            role,
            teams,
            termination_date: None,
            leave: false,
            from_archive: None,
            refused: Vec::new(),
            reactivating: false,
        }),
        pending_termination: None,
        created: None,
    }
}

/// The repository root.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A path under the repository root.
pub fn repo(rel: &str) -> PathBuf {
    root().join(rel)
}

/// A file of `fixtures/hr/`.
pub fn hr_fixture(name: &str) -> Vec<u8> {
    std::fs::read(root().join("fixtures/hr").join(name)).unwrap()
}

/// The path of a real HR export in `../shared/data/hr`, or `None` (with a notice on
/// stderr) when `../shared` is not present.
pub fn shared_hr_path(name: &str) -> Option<PathBuf> {
    let p = root().join("../shared/data/hr").join(name);
    if p.is_file() {
        Some(p)
    } else {
        eprintln!("skipped: ../shared not present ({} missing)", p.display());
        None
    }
}

/// The bytes of a real HR export in `../shared/data/hr`, or `None` (with a notice on
/// stderr) when `../shared` is not present.
pub fn shared_hr_bytes(name: &str) -> Option<Vec<u8>> {
    shared_hr_path(name).map(|p| std::fs::read(p).unwrap())
}

/// Byte offset where 1-based `line` starts.
pub fn line_start(bytes: &[u8], line: usize) -> usize {
    if line == 1 {
        return 0;
    }
    bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .nth(line - 2)
        .map(|(i, _)| i + 1)
        .unwrap()
}

/// The plan of `roster` under `policy`, as of `today`, against an account holding `teams`
/// and no user but `cfg`'s `from` bot (`PBOTSYN`, which creating users needs): the creates
/// that bring such an account in sync with the export, which the support modules turn
/// into seed users.
pub fn plan_against_empty(
    cfg: &hr2pagerduty::config::Config,
    policy: &hr2pagerduty::plan::Policy,
    roster: &hr2pagerduty::hr::Roster,
    teams: &[hr2pagerduty::pagerduty::models::Team],
    today: chrono::NaiveDate,
) -> hr2pagerduty::plan::Plan {
    let bot: User = serde_json::from_value(serde_json::json!({
        "id": "PBOTSYN", "name": "Sync Bot", "email": cfg.pagerduty.from.as_str(), "role": "admin"
    }))
    .expect("bot user");
    hr2pagerduty::plan::plan(hr2pagerduty::plan::Inputs {
        roster,
        users: std::slice::from_ref(&bot),
        teams,
        members: &BTreeMap::new(),
        policy,
        oncall: &hr2pagerduty::oncall::OncallFacts::default(),
        today,
        run_day: today,
        archive: &hr2pagerduty::archive::Archive::default(),
        key_owner: None,
        licenses: &[],
        license_holders: None,
        marker_keys: None,
        unkeyed: hr2pagerduty::plan::Unkeyed::NotSet,
    })
    .expect("the export plans against an empty account")
}

/// `bytes` with a `"` inserted at the start of the fifth field (after the fourth comma)
/// of 1-based `line`: a quote that nothing closes in an export that quotes nothing.
pub fn stray_quote_in_fifth_field(bytes: &[u8], line: usize) -> Vec<u8> {
    let at = line_start(bytes, line);
    let field = at
        + bytes[at..]
            .iter()
            .enumerate()
            .filter(|(_, b)| **b == b',')
            .nth(4)
            .unwrap()
            .0
        + 1;
    let mut damaged = bytes.to_vec();
    damaged.insert(field, b'"');
    damaged
}

/// `bytes` with a `"` inserted at the start of the first field of 1-based `line` that
/// begins with `field` (after its comma).
pub fn stray_quote_before(bytes: &[u8], line: usize, field: &str) -> Vec<u8> {
    let at = line_start(bytes, line);
    let text = String::from_utf8_lossy(&bytes[at..line_start(bytes, line + 1)]).into_owned();
    let position = at + text.find(&format!(",{field}")).unwrap() + 1;
    let mut damaged = bytes.to_vec();
    damaged.insert(position, b'"');
    damaged
}

// ---- The simulator ---------------------------------------------------------------------------

/// A simulator started in this test process on 127.0.0.1 (any free port), on a tokio runtime
/// of its own so that plain `#[test]` functions can run the real binary synchronously while
/// it serves. Stopped when dropped.
pub struct Sim {
    /// Kept alive while the binary runs: its worker threads serve the simulator.
    rt: tokio::runtime::Runtime,
    /// The running simulator.
    pub handle: SimHandle,
    http: reqwest::Client,
    /// The key [`Sim::api`] sends: the seed's first API key.
    key: String,
}

impl Sim {
    /// Starts a simulator for `seed`.
    pub fn start(seed: Seed) -> Sim {
        Sim::start_on(seed, 0)
    }

    /// Starts a simulator for `seed` on `127.0.0.1:port` (0: any free port), e.g. to serve
    /// a changed account at the address a saved plan names, once the first is dropped.
    ///
    /// Each simulator of a test process gets its own account subdomain (the seed's, or
    /// `sim`, with `-tN` appended): the apply lock is keyed by the account, and the tests of
    /// one process share one state directory, so simulators that shared a subdomain would
    /// share one lock.
    pub fn start_on(mut seed: Seed, port: u16) -> Sim {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let base = seed.subdomain.take().unwrap_or_else(|| "sim".to_string());
        seed.subdomain = Some(format!("{base}-t{n}"));
        let key = seed
            .api_keys
            .first()
            .map(|k| k.key().to_string())
            .unwrap_or_else(|| "any-key".to_string());
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime");
        let handle = rt
            .block_on(sim::start(seed, port))
            .expect("the simulator starts");
        Sim {
            rt,
            handle,
            http: reqwest::Client::new(),
            key,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        self.handle.url()
    }

    /// Another process on the seed's first key: spends `requests_per_minute` of its budget on
    /// this simulator's runtime until the returned generator is stopped or dropped.
    pub fn competing_load(&self, requests_per_minute: u32) -> sim::CompetingLoad {
        let _runtime = self.rt.enter();
        self.handle.competing_load(&self.key, requests_per_minute)
    }

    /// The apply lock file in `dir` of this simulator's account, named as `apply` names it:
    /// by the web host of the first user's `html_url` (the simulator's subdomain), else by
    /// the normalised URL.
    pub fn lock_file(&self, dir: &std::path::Path) -> std::path::PathBuf {
        let web = self.handle.users().into_iter().find_map(|u| u.html_url);
        hr2pagerduty::apply::lock::lock_path(
            dir,
            &hr2pagerduty::apply::lock::account_of(web.as_deref(), &self.url()),
        )
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.handle.requests()
    }

    /// Every POST, PUT and DELETE received so far.
    pub fn writes(&self) -> Vec<RecordedRequest> {
        self.requests()
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
            for m in self.handle.team_members(t.id.as_str()) {
                if m.user.id == user_id {
                    out.insert((t.id.clone(), m.role.clone()));
                }
            }
        }
        out
    }

    /// `(team ID, team role)` of every membership, by user ID, from one pass over the teams'
    /// member lists (users on no team are absent).
    pub fn all_memberships(&self) -> BTreeMap<String, BTreeSet<(TeamId, TeamRole)>> {
        let mut out: BTreeMap<String, BTreeSet<(TeamId, TeamRole)>> = BTreeMap::new();
        for t in self.handle.teams() {
            for m in self.handle.team_members(t.id.as_str()) {
                out.entry(m.user.id.to_string())
                    .or_default()
                    .insert((t.id.clone(), m.role.clone()));
            }
        }
        out
    }

    /// The account as a user sees it, without the IDs the simulator generated: by lowercased
    /// email, what hr2pagerduty writes of each user and their team memberships. Two runs
    /// that did the same to the same seed give equal states.
    pub fn state(&self) -> BTreeMap<String, UserState> {
        let teams = self.all_memberships();
        self.handle
            .users()
            .into_iter()
            .map(|u| {
                let state = UserState {
                    name: u.name.clone(),
                    role: u.role.clone(),
                    job_title: u.job_title.clone(),
                    time_zone: u.time_zone.clone(),
                    description: u.description.clone(),
                    teams: teams.get(u.id.as_str()).cloned().unwrap_or_default(),
                };
                (u.email.to_lowercase(), state)
            })
            .collect()
    }

    /// Adds a fault.
    pub fn inject(&self, fault: Fault) {
        self.handle.inject(fault);
    }

    /// Kills `child` (SIGKILL) once the simulator holds the write it was told to freeze at
    /// (`handle.freeze_at_write(write, ..)`), waits for it and lets the simulator go on;
    /// false when the run ended before reaching that write. Waits at most 60 s.
    pub fn kill_when_frozen(&self, mut child: std::process::Child, write: usize) -> bool {
        let deadline = Instant::now() + Duration::from_secs(60);
        let killed = loop {
            if self.handle.frozen() {
                let _ = child.kill();
                break true;
            }
            if child.try_wait().unwrap().is_some() {
                break false;
            }
            assert!(
                Instant::now() < deadline,
                "the run neither ended nor reached write {write}"
            );
            std::thread::sleep(Duration::from_micros(200));
        };
        child.wait().unwrap();
        self.handle.unfreeze();
        killed
    }

    /// Waits (at most 30 s) until a `POST` has arrived and is not answered yet (a create
    /// held by a delay fault), then kills `child` (SIGKILL) and waits for it: a run killed
    /// while under way.
    pub fn kill_during_a_create(&self, mut child: std::process::Child) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self
            .handle
            .requests()
            .iter()
            .any(|r| r.method == "POST" && r.status == 0)
        {
            assert!(Instant::now() < deadline, "the create never arrived");
            std::thread::sleep(Duration::from_millis(5));
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
    }

    /// Runs a future on the simulator's runtime while it keeps serving (for code that wants
    /// the runtime, e.g. an HTTP client in the test).
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    /// Sends a request to the simulator's API as another tool would (the test's own writes
    /// are counted by the simulator like any other), with the seed's first key; returns the
    /// status.
    pub fn api(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> u16 {
        let url = format!("{}{path}", self.url());
        let http = self.http.clone();
        let key = self.key.clone();
        self.rt.block_on(async move {
            let mut rb = http
                .request(method, url)
                .header("Authorization", format!("Token token={key}"))
                .header("Accept", "application/vnd.pagerduty+json;version=2")
                .header("From", "bot@example.com");
            if let Some(b) = body {
                rb = rb.json(&b);
            }
            rb.send().await.unwrap().status().as_u16()
        })
    }

    /// `PUT /users/{id}` with `{"user": fields}`; panics unless PagerDuty answers 200.
    pub fn put_user(&self, id: &str, fields: Value) {
        let status = self.api(
            reqwest::Method::PUT,
            &format!("/users/{id}"),
            Some(serde_json::json!({ "user": fields })),
        );
        assert_eq!(status, 200, "PUT /users/{id} {fields}");
    }

    /// Waits (up to 30 s) until a request matching `pred` has arrived and is still waiting
    /// for its answer (status 0: held by a `delay` fault).
    pub fn wait_in_flight(&self, what: &str, pred: impl Fn(&RecordedRequest) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if self.requests().iter().any(|r| r.status == 0 && pred(r)) {
                return;
            }
            assert!(Instant::now() < deadline, "{what} never arrived");
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

/// One user of [`Sim::state`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserState {
    /// Name.
    pub name: String,
    /// Base role.
    pub role: Role,
    /// Job title.
    pub job_title: Option<String>,
    /// Time zone.
    pub time_zone: Option<String>,
    /// Description (bio and marker).
    pub description: Option<String>,
    /// Team memberships with their team roles.
    pub teams: BTreeSet<(TeamId, TeamRole)>,
}

// ---- One run of the binary -----------------------------------------------------------------

/// What one run of the binary printed and returned.
pub struct Run {
    /// Exit code (-1 when killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// Shows the exit code, stderr, and stdout cut to its first and last 1,500 characters.
impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let chars: Vec<char> = self.stdout.chars().collect();
        let stdout = if chars.len() > 3000 {
            let head: String = chars[..1500].iter().collect();
            let tail: String = chars[chars.len() - 1500..].iter().collect();
            format!(
                "{head}\n[... {} characters ...]\n{tail}",
                chars.len() - 3000
            )
        } else {
            self.stdout.clone()
        };
        write!(
            f,
            "exit code {}\n--- stderr ---\n{}--- stdout ---\n{stdout}",
            self.code, self.stderr
        )
    }
}

impl Run {
    /// From a finished process.
    pub fn from_output(out: std::process::Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Panics with the whole output unless the exit code is `code`.
    pub fn expect_code(&self, code: i32) -> &Run {
        assert_eq!(
            self.code, code,
            "exit code {} (wanted {code})\n{self:?}",
            self.code
        );
        self
    }

    /// Panics with the whole output unless stderr contains every needle.
    pub fn expect_stderr(&self, needles: &[&str]) -> &Run {
        for n in needles {
            assert!(self.stderr.contains(n), "stderr lacks {n:?}:\n{self:?}");
        }
        self
    }

    /// Panics with the whole output unless stdout contains every needle.
    pub fn expect_stdout(&self, needles: &[&str]) -> &Run {
        for n in needles {
            assert!(self.stdout.contains(n), "stdout lacks {n:?}:\n{self:?}");
        }
        self
    }

    /// The `Error: ...` text on stderr (from the line starting with `Error:` to the end).
    pub fn error(&self) -> &str {
        let at = self
            .stderr
            .find("Error: ")
            .unwrap_or_else(|| panic!("no error on stderr:\n{self:?}"));
        &self.stderr[at..]
    }

    /// Stdout parsed as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}
