//! Command orchestration: load config → read the export → list PagerDuty → plan →
//! render → (confirm) → apply → report. Each command returns an [`Exit`]; nothing here
//! calls `process::exit`.

use crate::apply::lock::{self, ApplyLock};
use crate::apply::{self, ApplyOptions, Outcome, OutcomeStatus};
use crate::cli::{
    ApplyArgs, Cli, Command, DemoArgs, Format, PlanArgs, SafetyFlags, SandboxArgs, ValidateArgs,
};
use crate::config::{Config, ConfigError, ENV_API_KEY, ENV_API_URL, Settings};
use crate::exit::Exit;
use crate::hr::{self, HrError, Roster};
use crate::pagerduty::models::{Team, TeamMember, User};
use crate::pagerduty::{ApiError, Client, ClientConfig};
use crate::plan::safety::{self, Overrides};
use crate::plan::saved::{self, SavedPlan};
use crate::plan::{self, Inputs, Plan, PlanError};
use crate::report::{self, progress::Progress};
use crate::sim;
use futures::StreamExt;
use secrecy::ExposeSecret;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

/// A reason the command stops, with the exit code it maps to.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// Command-line usage (exit 64).
    #[error("{0}")]
    Usage(String),
    /// Configuration (exit 78).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Rules that cannot be applied to this account (exit 78).
    #[error(transparent)]
    Rules(#[from] PlanError),
    /// The HR export (exit 65).
    #[error(transparent)]
    Hr(#[from] HrError),
    /// Refused before any write (exit 3).
    #[error("refused before any write: {0}")]
    Refused(String),
    /// The run failed (exit 1).
    #[error("{0}")]
    Failed(String),
}

impl Failure {
    /// The exit code.
    pub fn exit(&self) -> Exit {
        match self {
            Failure::Usage(_) => Exit::Usage,
            Failure::Config(_) | Failure::Rules(_) => Exit::Config,
            Failure::Hr(_) => Exit::HrInput,
            Failure::Refused(_) => Exit::Refused,
            Failure::Failed(_) => Exit::Failure,
        }
    }
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        if e.is_incomplete_listing() {
            Failure::Refused(format!(
                "{e}; the listing cannot be proven complete, so nothing was written"
            ))
        } else {
            Failure::Failed(format!("PagerDuty: {e}"))
        }
    }
}

/// Runs the parsed command line; prints results on stdout and errors on stderr.
pub async fn run(cli: Cli) -> Exit {
    let progress = !cli.no_progress && cli.verbose == 0;
    let result = match cli.command {
        Command::Validate(a) => validate(a),
        Command::Plan(a) => cmd_plan(a, progress).await,
        Command::Apply(a) => cmd_apply(a, progress).await,
        Command::Sandbox(a) => sandbox(a).await,
        Command::Demo(a) => demo(a, progress).await,
    };
    match result {
        Ok(code) => code,
        Err(f) => {
            eprintln!("Error: {f}");
            f.exit()
        }
    }
}

fn load(config: &Path, hr_path: &Path) -> Result<(Config, Roster), Failure> {
    let cfg = Config::load(config)?;
    let roster = hr::read_file(hr_path, &cfg)?;
    Ok((cfg, roster))
}

fn validate(a: ValidateArgs) -> Result<Exit, Failure> {
    let cfg = Config::load(&a.inputs.config)?;
    let bytes = std::fs::read(&a.inputs.hr).map_err(|source| HrError::Read {
        path: a.inputs.hr.clone(),
        source,
    })?;
    // Parse without the invalid-rows limit first, so every problem is listed before a refusal.
    let roster = hr::parse_bytes(&bytes, &cfg.hr)?;
    match a.format {
        Format::Text => print!(
            "{}",
            report::render_validate(&roster, &a.inputs.hr.display().to_string())
        ),
        Format::Json => println!("{}", pretty(&report::validate_json(&roster))),
    }
    hr::check_invalid_rows(&roster, cfg.safety.max_invalid_rows_percent)?;
    Ok(Exit::Success)
}

fn pretty(v: &serde_json::Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

fn settings(cfg: &Config, flag_url: Option<&str>) -> Result<Settings, Failure> {
    let env_url = std::env::var(ENV_API_URL).ok();
    let env_key = std::env::var(ENV_API_KEY).ok();
    Settings::resolve(flag_url, env_url.as_deref(), env_key.as_deref(), cfg).map_err(Failure::Usage)
}

/// What was read from PagerDuty, and the plan computed from it.
pub struct Observed {
    /// All users.
    pub users: Vec<User>,
    /// All teams.
    pub teams: Vec<Team>,
    /// Members of the teams the plan needed.
    pub members: BTreeMap<String, Vec<TeamMember>>,
    /// The plan.
    pub plan: Plan,
}

async fn fetch_members(
    client: &Client,
    ids: &BTreeSet<String>,
    members: &mut BTreeMap<String, Vec<TeamMember>>,
    concurrency: usize,
) -> Result<(), Failure> {
    let wanted: Vec<String> = ids
        .iter()
        .filter(|id| !members.contains_key(*id))
        .cloned()
        .collect();
    let results: Vec<(String, Result<Vec<TeamMember>, ApiError>)> = futures::stream::iter(wanted)
        .map(|id| async move {
            let r = client.list_team_members(&id).await;
            (id, r)
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    for (id, r) in results {
        members.insert(id, r?);
    }
    Ok(())
}

/// Lists PagerDuty (users, teams, members of the teams the rules name and of teams whose
/// roles a suspension must record) and computes the plan. GET requests only.
///
/// # Errors
/// [`Failure::Refused`] when a listing cannot be proven complete, [`Failure::Failed`] when
/// PagerDuty is unreachable or rejects the key, [`Failure::Rules`] for rule mistakes.
pub async fn observe(
    client: &Client,
    cfg: &Config,
    roster: &Roster,
    progress: &Progress,
) -> Result<Observed, Failure> {
    progress.stage("listing users", None);
    let users = client
        .list_users(&|n, total| {
            if let Some(t) = total {
                progress.set_total(t);
            }
            progress.set(n as u64);
        })
        .await?;
    progress.stage("listing teams", None);
    let teams = client.list_teams().await?;
    let rules = plan::rules::ResolvedRules::resolve(cfg, &teams)?;
    let mut members = BTreeMap::new();
    let concurrency = *cfg.pagerduty.concurrency.get_ref();
    progress.stage("reading team members", None);
    fetch_members(client, &rules.governed(), &mut members, concurrency).await?;
    let today = chrono::Utc::now().date_naive();
    let mut p = plan::plan(Inputs {
        roster,
        users: &users,
        teams: &teams,
        members: &members,
        config: cfg,
        today,
    })?;
    if !p.needs_team_members.is_empty() {
        fetch_members(client, &p.needs_team_members, &mut members, concurrency).await?;
        p = plan::plan(Inputs {
            roster,
            users: &users,
            teams: &teams,
            members: &members,
            config: cfg,
            today,
        })?;
    }
    progress.finish();
    Ok(Observed {
        users,
        teams,
        members,
        plan: p,
    })
}

fn client_from(cfg: &Config, s: &Settings) -> Result<Client, Failure> {
    Client::new(ClientConfig::from_settings(s, cfg)).map_err(|e| Failure::Failed(e.to_string()))
}

fn overrides(f: SafetyFlags) -> Overrides {
    Overrides {
        allow_deactivations: f.allow_deactivations,
        allow_role_changes: f.allow_role_changes,
        allow_reactivations: f.allow_reactivations,
    }
}

/// The safety refusal for `plan`, if any: every tripped check, one per line.
fn refusal(p: &Plan, cfg: &Config, flags: SafetyFlags) -> Option<Failure> {
    let problems = safety::check(p, &cfg.safety, overrides(flags));
    (!problems.is_empty()).then(|| {
        Failure::Refused(if problems.len() == 1 {
            problems[0].clone()
        } else {
            format!("\n  - {}", problems.join("\n  - "))
        })
    })
}

async fn cmd_plan(a: PlanArgs, progress: bool) -> Result<Exit, Failure> {
    let (cfg, roster) = load(&a.inputs.config, &a.inputs.hr)?;
    let s = settings(&cfg, a.connection.api_url.as_deref())?;
    let client = client_from(&cfg, &s)?;
    let obs = observe(&client, &cfg, &roster, &Progress::new(progress)).await?;
    match a.format {
        Format::Text => print!("{}", report::render_plan(&obs.plan, &roster)),
        Format::Json => println!("{}", pretty(&report::plan_json(&obs.plan, &roster))),
    }
    if let Some(f) = refusal(&obs.plan, &cfg, a.safety) {
        return Err(f);
    }
    if let Some(out) = &a.out {
        let saved = SavedPlan {
            kind: saved::KIND.into(),
            version: saved::VERSION,
            created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            api_url: s.api_url.clone(),
            config_sha256: file_sha256(&a.inputs.config)?,
            hr_sha256: file_sha256(&a.inputs.hr)?,
            teams_read: obs.members.keys().cloned().collect(),
            users: saved::fingerprints(&obs.plan, &obs.users, &obs.members),
            plan: obs.plan.clone(),
        };
        let text = serde_json::to_string_pretty(&saved).unwrap_or_default() + "\n";
        std::fs::write(out, text).map_err(|e| {
            Failure::Failed(format!("cannot write the plan to {}: {e}", out.display()))
        })?;
        eprintln!(
            "Saved the plan to {}. To apply exactly these actions: hr2pagerduty apply --config {} --plan {}",
            out.display(),
            a.inputs.config.display(),
            out.display()
        );
    }
    Ok(if a.detailed_exitcode && !obs.plan.is_empty() {
        Exit::Changes
    } else {
        Exit::Success
    })
}

fn file_sha256(path: &Path) -> Result<String, Failure> {
    std::fs::read(path)
        .map(|b| saved::sha256_hex(&b))
        .map_err(|e| Failure::Usage(format!("cannot read {}: {e}", path.display())))
}

fn confirm() -> Result<bool, Failure> {
    print!(
        "\nDo you want to perform these actions?\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: "
    );
    std::io::stdout().flush().ok();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::Usage(format!("cannot read the answer: {e}")))?;
    Ok(line.trim() == "yes")
}

fn write_report(
    path: Option<&Path>,
    json: impl FnOnce() -> serde_json::Value,
) -> Result<(), Failure> {
    if let Some(path) = path {
        std::fs::write(path, pretty(&json()) + "\n")
            .map_err(|e| Failure::Failed(format!("cannot write report {}: {e}", path.display())))?;
    }
    Ok(())
}

async fn execute(
    client: &Client,
    cfg: &Config,
    plan: &Plan,
    roster: &Roster,
    progress: &Progress,
    report_path: Option<&Path>,
) -> Result<Exit, Failure> {
    let opts = ApplyOptions {
        concurrency: *cfg.pagerduty.concurrency.get_ref(),
        protected: cfg.lifecycle.protected_emails().into_iter().collect(),
    };
    if let Some(path) = report_path {
        // Find out now, before the first write, whether the report can be written.
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .map_err(|e| Failure::Usage(format!("cannot write report {}: {e}", path.display())))?;
    }
    let started = std::time::Instant::now();
    let outcomes: Vec<Outcome> = apply::apply(client, plan, &opts, progress).await;
    let stats = report::requests_json(&client.stats(), started.elapsed());
    // What was done is printed before the report is written: the writes have happened, so
    // a report that cannot be written must not also hide their outcome.
    print!("{}", report::render_apply(&outcomes, plan, roster));
    write_report(report_path, || {
        report::apply_json(&outcomes, plan, roster, stats)
    })?;
    let failed = outcomes.iter().any(|o| o.status == OutcomeStatus::Failed);
    let stopped = outcomes.iter().any(|o| {
        o.status == OutcomeStatus::Skipped
            && o.attempts == 0
            && o.error
                .as_deref()
                .is_some_and(|e| e.contains("authentication"))
    });
    Ok(if failed || stopped {
        Exit::Failure
    } else {
        Exit::Success
    })
}

fn take_lock(cfg: &Config, s: &Settings) -> Result<ApplyLock, Failure> {
    let path = lock::lock_path(&cfg.lock_dir(), &s.api_url, s.api_key.expose_secret());
    let lock = ApplyLock::acquire(&path).map_err(|e| match e {
        lock::LockError::Held { .. } => Failure::Refused(e.to_string()),
        lock::LockError::Io { .. } => Failure::Usage(e.to_string()),
    })?;
    if let Some(old) = &lock.taken_over {
        let age = lock::age_text(std::time::Duration::from_secs(
            (chrono::Utc::now().timestamp().max(0) as u64).saturating_sub(old.started),
        ));
        eprintln!(
            "Warning: took over the lock {} left by PID {} (started {age} ago), a process that no longer holds it.",
            path.display(),
            old.pid
        );
    }
    Ok(lock)
}

async fn cmd_apply(a: ApplyArgs, progress: bool) -> Result<Exit, Failure> {
    let interactive = std::io::stdin().is_terminal();
    if !a.yes && !interactive {
        return Err(Failure::Usage(
            "apply needs --yes when stdin is not a terminal (nothing was read or written)".into(),
        ));
    }
    if let Some(plan_path) = a.plan.clone() {
        return apply_saved(a, &plan_path, progress).await;
    }
    let hr_path =
        a.hr.clone()
            .ok_or_else(|| Failure::Usage("apply needs --hr (or --plan)".into()))?;
    let (cfg, roster) = load(&a.config, &hr_path)?;
    let s = settings(&cfg, a.connection.api_url.as_deref())?;
    let client = client_from(&cfg, &s)?;
    let _lock = take_lock(&cfg, &s)?;
    let bar = Progress::new(progress);
    let obs = observe(&client, &cfg, &roster, &bar).await?;
    print!("{}", report::render_plan(&obs.plan, &roster));
    if let Some(f) = refusal(&obs.plan, &cfg, a.safety) {
        return Err(f);
    }
    if obs.plan.is_empty() {
        write_report(a.report.as_deref(), || {
            report::apply_json(
                &[],
                &obs.plan,
                &roster,
                report::requests_json(&client.stats(), std::time::Duration::ZERO),
            )
        })?;
        return Ok(Exit::Success);
    }
    if !a.yes && !confirm()? {
        println!("\nApply cancelled; nothing was changed.");
        return Ok(Exit::Success);
    }
    println!();
    execute(&client, &cfg, &obs.plan, &roster, &bar, a.report.as_deref()).await
}

/// `apply --plan FILE`: check the saved plan against its inputs and the current PagerDuty
/// state, then apply exactly its actions.
async fn apply_saved(a: ApplyArgs, plan_path: &Path, progress: bool) -> Result<Exit, Failure> {
    let cfg = Config::load(&a.config)?;
    let text = std::fs::read_to_string(plan_path).map_err(|e| {
        Failure::Usage(format!(
            "cannot read the saved plan {}: {e}",
            plan_path.display()
        ))
    })?;
    let saved: SavedPlan = serde_json::from_str(&text)
        .map_err(|e| Failure::Usage(format!("{} is not a saved plan: {e}", plan_path.display())))?;
    if saved.kind != saved::KIND || saved.version != saved::VERSION {
        return Err(Failure::Usage(format!(
            "{} is a {:?} version {}, not an {} version {}",
            plan_path.display(),
            saved.kind,
            saved.version,
            saved::KIND,
            saved::VERSION
        )));
    }
    if file_sha256(&a.config)? != saved.config_sha256 {
        return Err(Failure::Refused(format!(
            "the configuration {} changed since the plan was made; make a new plan",
            a.config.display()
        )));
    }
    let roster = match &a.hr {
        Some(hr_path) => {
            if file_sha256(hr_path)? != saved.hr_sha256 {
                return Err(Failure::Refused(format!(
                    "the HR export {} is not the one the plan was made from; make a new plan",
                    hr_path.display()
                )));
            }
            hr::read_file(hr_path, &cfg)?
        }
        None => Roster::default(),
    };
    let s = settings(&cfg, a.connection.api_url.as_deref())?;
    if s.api_url != saved.api_url {
        return Err(Failure::Refused(format!(
            "the plan was made against {}, not {}",
            saved.api_url, s.api_url
        )));
    }
    let client = client_from(&cfg, &s)?;
    let _lock = take_lock(&cfg, &s)?;
    let bar = Progress::new(progress);
    bar.stage("listing users", None);
    let users = client.list_users(&|n, _| bar.set(n as u64)).await?;
    let mut members = BTreeMap::new();
    fetch_members(
        &client,
        &saved.teams_read,
        &mut members,
        *cfg.pagerduty.concurrency.get_ref(),
    )
    .await?;
    bar.finish();
    let drift = saved::drift(&saved, &users, &members);
    if !drift.is_empty() {
        return Err(Failure::Refused(format!(
            "PagerDuty changed since the plan was made ({}); make a new plan:\n  - {}",
            saved.created_at,
            drift.join("\n  - ")
        )));
    }
    print!("{}", report::render_plan(&saved.plan, &roster));
    if let Some(f) = refusal(&saved.plan, &cfg, a.safety) {
        return Err(f);
    }
    if saved.plan.is_empty() {
        return Ok(Exit::Success);
    }
    if !a.yes && !confirm()? {
        println!("\nApply cancelled; nothing was changed.");
        return Ok(Exit::Success);
    }
    println!();
    execute(
        &client,
        &cfg,
        &saved.plan,
        &roster,
        &bar,
        a.report.as_deref(),
    )
    .await
}

async fn sandbox(a: SandboxArgs) -> Result<Exit, Failure> {
    let seed = sim::Seed::from_file(&a.seed)
        .map_err(|e| Failure::Usage(format!("seed {}: {e}", a.seed.display())))?;
    let handle = sim::start(seed, a.port)
        .await
        .map_err(|e| Failure::Failed(format!("cannot listen on 127.0.0.1:{}: {e}", a.port)))?;
    println!("PagerDuty simulator listening on {}", handle.url());
    println!("  export {ENV_API_URL}={}", handle.url());
    println!("  export {ENV_API_KEY}=<one of the seed's api_keys>");
    println!("Press Ctrl-C to stop.");
    std::io::stdout().flush().ok();
    tokio::signal::ctrl_c().await.ok();
    handle.shutdown().await;
    Ok(Exit::Success)
}

/// The demo's embedded inputs: configuration, HR export and simulator seed, from `samples/demo/`.
pub mod demo_files {
    /// `samples/demo/config.toml`.
    pub const CONFIG: &str = include_str!("../samples/demo/config.toml");
    /// `samples/demo/hr.csv`.
    pub const HR: &str = include_str!("../samples/demo/hr.csv");
    /// `samples/demo/seed.json`.
    pub const SEED: &str = include_str!("../samples/demo/seed.json");
    /// The API key the demo seed accepts.
    pub const KEY: &str = "demo-key-not-secret";
}

async fn demo(a: DemoArgs, progress: bool) -> Result<Exit, Failure> {
    let cfg = Config::from_toml(demo_files::CONFIG, Path::new("samples/demo/config.toml"))?;
    let roster = hr::read_bytes(demo_files::HR.as_bytes(), &cfg)?;
    let seed = sim::Seed::from_json(demo_files::SEED)
        .map_err(|e| Failure::Failed(format!("demo seed: {e}")))?;
    let handle = sim::start(seed, 0)
        .await
        .map_err(|e| Failure::Failed(format!("cannot start the simulator: {e}")))?;
    println!(
        "Demo: a PagerDuty simulator is running on {} with the accounts in samples/demo/seed.json.",
        handle.url()
    );
    println!("Reading samples/demo/hr.csv with samples/demo/config.toml.\n");
    let s = Settings::resolve(Some(&handle.url()), None, Some(demo_files::KEY), &cfg)
        .map_err(Failure::Usage)?;
    let client = Client::new(ClientConfig::from_settings(&s, &cfg))
        .map_err(|e| Failure::Failed(e.to_string()))?;
    let bar = Progress::new(progress);

    println!("=== hr2pagerduty plan ===\n");
    let obs = observe(&client, &cfg, &roster, &bar).await?;
    print!("{}", report::render_plan(&obs.plan, &roster));

    println!("\n=== hr2pagerduty apply --yes ===\n");
    if let Some(f) = refusal(
        &obs.plan,
        &cfg,
        SafetyFlags {
            allow_deactivations: None,
            allow_role_changes: None,
            allow_reactivations: None,
        },
    ) {
        return Err(f);
    }
    let code = execute(&client, &cfg, &obs.plan, &roster, &bar, a.report.as_deref()).await?;

    println!("\n=== hr2pagerduty plan (again) ===\n");
    let again = observe(&client, &cfg, &roster, &bar).await?;
    print!("{}", report::render_plan(&again.plan, &roster));
    handle.shutdown().await;
    Ok(if again.plan.is_empty() {
        code
    } else {
        Exit::Failure
    })
}
