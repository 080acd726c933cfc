//! Bulk onboarding through the tool's own plan and apply path (`observe_and_plan`, then
//! `apply::apply`, with the client `client_config` builds from a `[pagerduty]` section)
//! against the in-process simulator: issue 8's targets 1, 5 and 7.
//!
//! Every figure runs at a scaled-up budget: the simulator allows `960 × scale` requests per
//! minute and `[pagerduty] requests_per_minute` is set to match, while the injected latency
//! is divided by the same `scale`, so that rate × latency (the requests that must be in
//! flight, Little's law) is the one of PagerDuty at 960 per minute and the named latency
//! (issue 8, target 7). Lock contention is on: an overlapping `POST /users` is answered
//! PagerDuty's transient "account could not be locked" with probability `--lock-percent`.
//!
//! Run: `cargo bench --bench onboarding` (prints one line per figure). Options after `--`:
//! `--creates N` (default 5000; people of figure a), `--side N` (default 500; people of
//! figure b), `--kinds N` (default 1000; people of figure c), `--scale N` (default 10),
//! `--lock-percent P` (default 5), `--only a|b|c`, and for figure a `--latencies LIST`
//! (default `150,600,1000`, in ms at 960/min) and `--create-concurrency LIST` (default
//! `0,4,32`; 0 is the default configuration).
//!
//! Figures:
//! - **a**, budget use: `--creates` new hires (half of them joining a team by rule) at
//!   150, 600 and 1,000 ms equivalent latency with the default `[pagerduty]` settings, then
//!   with `create_concurrency = 4` (the default before it became 16) and 32. Each line also
//!   gives the create limit's mean over the run (sampled every millisecond). Budget use is the requests the simulator answered (429s
//!   included) over budget × the run's duration (listing, planning and applying).
//! - **b**, side by side: `--side` new hires at `concurrency = 1` and at the default, at 150
//!   and 600 ms equivalent latency, with the ratio of their durations.
//! - **c**, requests per action kind: `--kinds` people created, then updated (a new job
//!   title), deactivated (terminated in HR) and reactivated (active again), one plan and
//!   apply each; the requests sent while applying, per action, against the minimum that
//!   README's step order needs (create: 1 + 1 per team; update: one `PUT`; deactivate: the
//!   re-check `GET`, the marker `PUT`, one `DELETE` per team and the role `PUT`, or one `PUT`
//!   when there is no team; reactivate: the role `PUT`, one membership per team, the marker
//!   `PUT`, or one `PUT` when there is no team), and the requests of listing and planning
//!   (pages, team members, the on-call look-ups for the planned deactivations). The bench
//!   takes no apply lock, so the `apply` command's one `GET /users?limit=1` naming the
//!   account for it is in none of these figures (one request more per run).

use hr2pagerduty::apply::{self, ApplyOptions, OutcomeStatus, Stop};
use hr2pagerduty::config::{Config, Connection, DEFAULT_CREATE_CONCURRENCY};
use hr2pagerduty::hr;
use hr2pagerduty::pagerduty::{Client, ClientStats};
use hr2pagerduty::pipeline::{PlanOptions, client_config, observe_and_plan, today};
use hr2pagerduty::plan::{ActionKind, Plan, Step};
use hr2pagerduty::progress::Progress;
use hr2pagerduty::sim::{self, Seed, SimHandle};
use secrecy::SecretString;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// PagerDuty's budget per key (fact F27 in PAGERDUTY_API.md).
const BUDGET: u32 = 960;
/// The team the rule gives people of department IT/IS.
const TEAM_ID: &str = "PITOPS1";

/// A comma-separated list after `name` (or `default`), e.g. `--latencies 150,1000`.
fn list<T: std::str::FromStr>(name: &str, default: &str) -> Vec<T> {
    arg(name, default.to_string())
        .split(',')
        .filter_map(|v| v.trim().parse().ok())
        .collect()
}

fn arg<T: std::str::FromStr>(name: &str, default: T) -> T {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The `[pagerduty]` settings a figure changes; `None` keeps the default.
#[derive(Debug, Clone, Copy, Default)]
struct Settings {
    concurrency: Option<usize>,
    create_concurrency: Option<usize>,
}

/// The configuration: `samples/config.toml`'s HR columns and rules, the rate and burst
/// scaled, and `settings` on top of the defaults.
fn config(scale: u32, settings: Settings) -> Config {
    let mut pd = format!(
        "from = \"provisioning-bot@example.com\"\nrequests_per_minute = {}\nburst = {}\n",
        BUDGET * scale,
        10 * scale.min(6)
    );
    if let Some(c) = settings.concurrency {
        pd += &format!("concurrency = {c}\n");
    }
    if let Some(c) = settings.create_concurrency {
        pd += &format!("create_concurrency = {c}\n");
    }
    let text = format!(
        r#"[pagerduty]
{pd}
[hr]
delimiter = ","
encoding = "utf-8"
date_format = "%d-%b-%y"

[hr.columns]
employee_id = "EmpID"
email = "ADEmail"
first_name = "FirstName"
last_name = "LastName"
status = "EmployeeStatus"
job_title = "Title"
department = "DepartmentType"

[hr.status]
active = ["Active"]
terminated = ["Terminated for Cause"]

[lifecycle]
suspended_role = "read_only_limited_user"
protected = ["provisioning-bot@example.com"]
default_time_zone = "America/New_York"

[roles]
default = "limited_user"

[[teams.rule]]
when = {{ department = "IT/IS" }}
team = "IT Operations"
role = "responder"
"#
    );
    Config::from_toml(&text, Path::new("bench.toml")).expect("the bench's configuration")
}

/// An export of `n` people with `status` and `title`; every other one is in IT/IS.
fn export(n: usize, status: &str, title: &str) -> Vec<u8> {
    let mut csv =
        String::from("EmpID,ADEmail,FirstName,LastName,EmployeeStatus,Title,DepartmentType\n");
    for i in 0..n {
        let dept = if i % 2 == 0 { "IT/IS" } else { "Sales" };
        csv += &format!("{i},person{i}@example.com,Person,Number{i},{status},{title},{dept}\n");
    }
    csv.into_bytes()
}

async fn simulator(scale: u32, latency_ms: u64, lock_percent: f64) -> SimHandle {
    let mut seed = Seed::from_json(&format!(
        r#"{{"rate_limit": {{"requests": {}, "window_seconds": 60}},
            "teams": [{{"id": "{TEAM_ID}", "name": "IT Operations"}}],
            "users": [{{"id": "PBOT001", "name": "Provisioning Bot",
                        "email": "provisioning-bot@example.com", "role": "admin"}}]}}"#,
        BUDGET * scale
    ))
    .expect("seed");
    seed.random_faults.latency_ms = latency_ms;
    seed.random_faults.lock_contention_percent = lock_percent;
    sim::start(seed, 0).await.expect("simulator")
}

/// One run: observe and plan, then apply.
struct Run {
    plan: Plan,
    /// Requests the simulator answered while listing and planning, and while applying.
    plan_requests: usize,
    apply_requests: usize,
    /// 429 answers among all of them.
    answered_429: usize,
    secs: f64,
    /// The create limit's mean over the run (sampled every millisecond).
    mean_create_limit: f64,
    stats: ClientStats,
    failed: usize,
}

async fn run(sim: &SimHandle, cfg: &Config, csv: &[u8]) -> Run {
    let connection = Connection {
        api_url_source: hr2pagerduty::config::ApiUrlSource::Flag,
        api_url: sim.url(),
        api_key: SecretString::from("bench-key".to_string()),
    };
    let client = Client::new(client_config(cfg, &connection)).expect("client");
    let roster = hr::read_bytes(csv, cfg).expect("export");
    let progress = Progress::hidden();
    let before = sim.requests().len();
    let started = Instant::now();
    // The create limit, sampled every millisecond while the run lasts (for its mean).
    let samples = Arc::new((AtomicUsize::new(0), AtomicUsize::new(0)));
    let sampler = tokio::spawn({
        let (c, samples) = (client.clone(), samples.clone());
        async move {
            loop {
                samples
                    .0
                    .fetch_add(c.stats().create_limit, Ordering::Relaxed);
                samples.1.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            }
        }
    });
    let planned = observe_and_plan(
        &client,
        cfg,
        &roster,
        &progress,
        &connection.api_url,
        today(cfg, None),
        PlanOptions::default(),
    )
    .await
    .unwrap_or_else(|e| panic!("planning failed: {e:?}"));
    let planned_at = sim.requests().len();
    let opts = ApplyOptions {
        concurrency: cfg.pagerduty.concurrency,
        protected: cfg.lifecycle.protected.clone(),
        stop: Stop::never(),
        archive: planned.archive_file.clone(),
        key_owner: planned.account.key_owner.as_ref().map(|u| u.id.clone()),
        marker_keys: None,
    };
    let outcomes = apply::apply(&client, &planned.plan, &opts, &progress, &|_, _| {}).await;
    let secs = started.elapsed().as_secs_f64();
    sampler.abort();
    let all = sim.requests();
    Run {
        plan: planned.plan,
        plan_requests: planned_at - before,
        apply_requests: all.len() - planned_at,
        answered_429: all[before..].iter().filter(|r| r.status == 429).count(),
        secs,
        mean_create_limit: samples.0.load(Ordering::Relaxed) as f64
            / samples.1.load(Ordering::Relaxed).max(1) as f64,
        stats: client.stats(),
        failed: outcomes
            .iter()
            .filter(|o| o.status != OutcomeStatus::Applied)
            .count(),
    }
}

impl Run {
    fn requests(&self) -> usize {
        self.plan_requests + self.apply_requests
    }

    /// Requests answered over what the simulator's budget allows in the run's duration.
    fn budget_use(&self, scale: u32) -> f64 {
        self.requests() as f64 / (f64::from(BUDGET * scale) / 60.0 * self.secs)
    }

    fn line(&self, scale: u32) -> String {
        let s = &self.stats;
        format!(
            "{} requests in {:.2} s (x{scale} = {:.0} s at 960/min): budget use {:.1}%, 429s {} ({:.2}%), \
             account locks {}, in flight peak {} (cap {}), creates in flight peak {} (limit: mean {:.1}, at end {}), failed actions {}",
            self.requests(),
            self.secs,
            self.secs * f64::from(scale),
            100.0 * self.budget_use(scale),
            self.answered_429,
            100.0 * self.answered_429 as f64 / self.requests().max(1) as f64,
            s.account_locks,
            s.in_flight_peak,
            s.in_flight_limit,
            s.create_peak,
            self.mean_create_limit,
            s.create_limit,
            self.failed,
        )
    }
}

async fn onboard(people: usize, latency_ms: u64, scale: u32, lock: f64, settings: Settings) -> Run {
    let sim = simulator(scale, latency_ms / u64::from(scale), lock).await;
    let r = run(
        &sim,
        &config(scale, settings),
        &export(people, "Active", "Engineer"),
    )
    .await;
    assert_eq!(sim.users().len(), people + 1, "every hire created");
    sim.shutdown().await;
    r
}

async fn figure_a(people: usize, scale: u32, lock: f64) {
    let latencies: Vec<u64> = list("--latencies", "150,600,1000");
    let ceilings: Vec<usize> = list("--create-concurrency", "0,4,32");
    for create_concurrency in ceilings.into_iter().map(|c| (c > 0).then_some(c)) {
        for &latency in &latencies {
            let settings = Settings {
                create_concurrency,
                ..Settings::default()
            };
            let r = onboard(people, latency, scale, lock, settings).await;
            println!(
                "a: {people} creates, {latency} ms (x{scale}: {} ms), create_concurrency {}: {}",
                latency / u64::from(scale),
                create_concurrency.map_or(format!("{DEFAULT_CREATE_CONCURRENCY} (default)"), |c| c
                    .to_string()),
                r.line(scale)
            );
        }
    }
}

async fn figure_b(people: usize, scale: u32, lock: f64) {
    for latency in [150, 600] {
        let one = onboard(
            people,
            latency,
            scale,
            lock,
            Settings {
                concurrency: Some(1),
                ..Settings::default()
            },
        )
        .await;
        let default = onboard(people, latency, scale, lock, Settings::default()).await;
        println!(
            "b: {people} creates, {latency} ms (x{scale}): concurrency 1: {}",
            one.line(scale)
        );
        println!(
            "b: {people} creates, {latency} ms (x{scale}): default:       {}",
            default.line(scale)
        );
        println!(
            "b: {latency} ms: concurrency 1 takes {:.1}x as long as the default",
            one.secs / default.secs
        );
    }
}

/// The fewest requests README's step order allows for `plan`'s actions of `kind` (the
/// re-check included for deactivations), from the plan's team changes.
fn minimum(plan: &Plan, kind: ActionKind) -> usize {
    plan.actions
        .iter()
        .filter(|a| a.kind == kind)
        .map(|a| {
            let teams = a
                .steps
                .iter()
                .filter(|s| matches!(s, Step::SetTeamRole { .. } | Step::RemoveFromTeam { .. }))
                .count();
            match kind {
                ActionKind::Create => 1 + teams,
                ActionKind::Update => 1 + teams,
                ActionKind::Deactivate if teams == 0 => 2,
                ActionKind::Deactivate => 3 + teams,
                ActionKind::Reactivate if teams == 0 => 1,
                ActionKind::Reactivate => 2 + teams,
                ActionKind::Delete => 2,
            }
        })
        .sum()
}

async fn figure_c(people: usize, scale: u32, lock: f64) {
    let sim = simulator(scale, 150 / u64::from(scale), lock).await;
    let cfg = config(scale, Settings::default());
    let phases = [
        (ActionKind::Create, "Active", "Engineer"),
        (ActionKind::Update, "Active", "Senior Engineer"),
        (
            ActionKind::Deactivate,
            "Terminated for Cause",
            "Senior Engineer",
        ),
        (ActionKind::Reactivate, "Active", "Senior Engineer"),
    ];
    for (kind, status, title) in phases {
        let r = run(&sim, &cfg, &export(people, status, title)).await;
        let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
        for a in &r.plan.actions {
            *kinds.entry(a.kind.to_string()).or_default() += 1;
        }
        let actions = kinds.get(&kind.to_string()).copied().unwrap_or(0);
        let min = minimum(&r.plan, kind);
        println!(
            "c: {kind}: {actions} actions (plan: {kinds:?}), failed {}: apply sent {} requests \
             ({:.3} per action), minimum {min} ({:.3} per action), ratio {:.3}; listing and planning {} requests \
             ({} 429s in all, {} account-lock answers retried)",
            r.failed,
            r.apply_requests,
            r.apply_requests as f64 / actions.max(1) as f64,
            min as f64 / actions.max(1) as f64,
            r.apply_requests as f64 / min.max(1) as f64,
            r.plan_requests,
            r.answered_429,
            r.stats.account_locks,
        );
    }
    sim.shutdown().await;
}

#[tokio::main]
async fn main() {
    let scale: u32 = arg("--scale", 10u32).max(1);
    let lock: f64 = arg("--lock-percent", 5.0);
    let only: String = arg("--only", String::new());
    println!(
        "budget {}/min (960 x {scale}), latency divided by {scale}, lock contention {lock}%",
        BUDGET * scale
    );
    if only.is_empty() || only == "a" {
        figure_a(arg("--creates", 5_000), scale, lock).await;
    }
    if only.is_empty() || only == "b" {
        figure_b(arg("--side", 500), scale, lock).await;
    }
    if only.is_empty() || only == "c" {
        figure_c(arg("--kinds", 1_000), scale, lock).await;
    }
}
