//! Command orchestration: load config → read the export → list PagerDuty → plan →
//! render → (confirm) → apply → report. Each command returns an [`Exit`]; nothing here
//! calls `process::exit`.

use crate::apply::lock::{self, ApplyLock};
use crate::apply::{self, ApplyOptions, Outcome, OutcomeStatus};
use crate::cli::{
    ApplyArgs, Cli, Command, DemoArgs, Format, PlanArgs, SafetyFlags, SandboxArgs, ValidateArgs,
};
use crate::config::{Config, ConfigError, Connection, ENV_API_KEY, ENV_API_URL};
use crate::exit::Exit;
use crate::hr::{self, HrError, Roster};
use crate::ids::TeamId;
use crate::pagerduty::models::{Team, TeamMember, User};
use crate::pagerduty::{ApiError, Client, ClientConfig, RetryPolicy};
use crate::plan::safety::{self, Overrides};
use crate::plan::{self, Inputs, Plan, PlanError, Policy};
use crate::progress::Progress;
use crate::report::file::ReportFile;
use crate::report::{self, RunStatus};
use crate::saved_plan::{self as saved, SavedPlan};
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

    /// The apply report's `status` for a run that stopped with this failure.
    pub fn status(&self) -> RunStatus {
        match self {
            Failure::Usage(_) => RunStatus::UsageError,
            Failure::Config(_) | Failure::Rules(_) => RunStatus::ConfigInvalid,
            Failure::Hr(_) => RunStatus::HrUnusable,
            Failure::Refused(_) => RunStatus::Refused,
            Failure::Failed(_) => RunStatus::Failed,
        }
    }
}

/// What to check when PagerDuty rejects the key (401) or refuses a request (403), for the
/// account at `api_url`; `None` for other statuses. 401 means a bad or missing key, 403 a
/// key not permitted to do this, e.g. a read-only key on a write (§1.3 and the HTTP
/// meanings in `../shared/reference/PAGERDUTY_API.md`).
fn auth_hint(status: u16, api_url: &str, write: bool) -> Option<String> {
    match status {
        401 => Some(format!(
            "PagerDuty rejected the API key (401): check {ENV_API_KEY} (and that it belongs to the account at {api_url})"
        )),
        403 if write => Some(format!(
            "PagerDuty refused a write (403): check that {ENV_API_KEY} is a full-access key (a read-only key can plan but not apply) for the account at {api_url}"
        )),
        403 => Some(format!(
            "PagerDuty refused the request (403): check that {ENV_API_KEY} may read the users and teams of the account at {api_url}"
        )),
        _ => None,
    }
}

/// A failed PagerDuty call as a [`Failure`]: an incomplete listing refuses (exit 3), a
/// rejected key says what to check, anything else fails (exit 1).
fn api_failure(api_url: &str) -> impl Fn(ApiError) -> Failure + '_ {
    move |e| {
        if e.is_incomplete_listing() {
            Failure::Refused(format!(
                "{e}; the listing cannot be proven complete, so nothing was written"
            ))
        } else if let Some(hint) = e.status().and_then(|s| auth_hint(s, api_url, false)) {
            Failure::Failed(format!("{hint}; {e}"))
        } else {
            Failure::Failed(format!("PagerDuty: {e}"))
        }
    }
}

/// Writes `text` to stdout. Every result goes through here: a write error (a closed pipe,
/// as in `apply … | head -1`, or a full disk) is ignored instead of panicking like
/// `print!`, so the run still writes its report and exits with its own code.
fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let result = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
    if let Err(e) = result
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        // A reader that went away (a closed pipe) is normal; a full disk is not: the
        // command then exits 1 instead of claiming success with missing output.
        let mut first = STDOUT_ERROR.lock().unwrap_or_else(|p| p.into_inner());
        first.get_or_insert_with(|| e.to_string());
    }
}

/// The first stdout write error other than a closed pipe, if any.
static STDOUT_ERROR: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

/// Writes `text` and a newline to stderr, ignoring write errors as [`out`] does.
fn err(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{text}");
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
    let code = match result {
        Ok(code) => code,
        Err(f) => {
            err(&format!("Error: {f}"));
            f.exit()
        }
    };
    let stdout_error = STDOUT_ERROR.lock().map(|e| e.clone()).unwrap_or(None);
    match stdout_error {
        Some(e) if matches!(code, Exit::Success | Exit::Changes) => {
            err(&format!("Error: cannot write to stdout: {e}"));
            Exit::Failure
        }
        _ => code,
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
        Format::Text => out(&report::render_validate(
            &roster,
            &a.inputs.hr.display().to_string(),
        )),
        Format::Json => out(&(pretty(&report::validate_json(&roster)) + "\n")),
    }
    hr::check_invalid_rows(&roster, cfg.safety.max_invalid_rows_percent)?;
    // Rule mistakes that need no PagerDuty account (a stakeholder role with a team).
    plan::check_rules_offline(&Policy::from_config(&cfg), &roster)?;
    Ok(Exit::Success)
}

fn pretty(v: &serde_json::Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

fn settings(cfg: &Config, flag_url: Option<&str>) -> Result<Connection, Failure> {
    let env_url = std::env::var(ENV_API_URL).ok();
    let env_key = std::env::var(ENV_API_KEY).ok();
    Connection::resolve(flag_url, env_url.as_deref(), env_key.as_deref(), cfg)
        .map_err(Failure::Usage)
}

/// What was read from PagerDuty, and the plan computed from it.
pub struct Observed {
    /// All users.
    pub users: Vec<User>,
    /// All teams.
    pub teams: Vec<Team>,
    /// Members of the teams the plan needed.
    pub members: BTreeMap<TeamId, Vec<TeamMember>>,
    /// The plan.
    pub plan: Plan,
}

/// Reads the members of the teams in `ids` not yet in `members`, `concurrency` teams at a
/// time, with a progress bar counting teams.
async fn fetch_members(
    client: &Client,
    ids: &BTreeSet<TeamId>,
    members: &mut BTreeMap<TeamId, Vec<TeamMember>>,
    concurrency: usize,
    progress: &Progress,
    api_url: &str,
) -> Result<(), Failure> {
    let wanted: Vec<TeamId> = ids
        .iter()
        .filter(|id| !members.contains_key(*id))
        .cloned()
        .collect();
    progress.stage("reading team members", Some(wanted.len() as u64));
    let results: Vec<(TeamId, Result<Vec<TeamMember>, ApiError>)> = futures::stream::iter(wanted)
        .map(|id| async move {
            let r = client.list_team_members(&id).await;
            progress.inc();
            (id, r)
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    for (id, r) in results {
        members.insert(id, r.map_err(api_failure(api_url))?);
    }
    Ok(())
}

/// Lists PagerDuty (users, teams, members of the teams the rules name and of teams whose
/// roles a suspension must record) and computes the plan. GET requests only. `api_url` is
/// the account's API URL, named when PagerDuty rejects the key.
///
/// # Errors
/// [`Failure::Refused`] when a listing cannot be proven complete, [`Failure::Failed`] when
/// PagerDuty is unreachable or rejects the key, [`Failure::Rules`] for rule mistakes.
pub async fn observe(
    client: &Client,
    cfg: &Config,
    roster: &Roster,
    progress: &Progress,
    api_url: &str,
) -> Result<Observed, Failure> {
    progress.stage("listing users", None);
    let users = client
        .list_users(&|n, total| {
            progress.set(n as u64);
            if let Some(t) = total {
                progress.set_total(t);
            }
        })
        .await
        .map_err(api_failure(api_url))?;
    progress.stage("listing teams", None);
    let teams = client.list_teams().await.map_err(api_failure(api_url))?;
    let policy = Policy::from_config(cfg);
    let rules = plan::rules::ResolvedRules::resolve(&policy.rules, &teams)?;
    let mut members = BTreeMap::new();
    let concurrency = cfg.pagerduty.concurrency;
    fetch_members(
        client,
        &rules.governed(),
        &mut members,
        concurrency,
        progress,
        api_url,
    )
    .await?;
    let today = chrono::Utc::now().date_naive();
    let mut p = plan::plan(Inputs {
        roster,
        users: &users,
        teams: &teams,
        members: &members,
        policy: &policy,
        today,
    })?;
    if !p.needs_team_members.is_empty() {
        fetch_members(
            client,
            &p.needs_team_members,
            &mut members,
            concurrency,
            progress,
            api_url,
        )
        .await?;
        p = plan::plan(Inputs {
            roster,
            users: &users,
            teams: &teams,
            members: &members,
            policy: &policy,
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

/// The client's configuration for this run: URL and key from `connection`; `From`, rate,
/// burst, concurrency and timeout from `[pagerduty]`; [`RetryPolicy::default`].
pub fn client_config(cfg: &Config, connection: &Connection) -> ClientConfig {
    let pd = &cfg.pagerduty;
    ClientConfig {
        base_url: connection.api_url.clone(),
        api_key: connection.api_key.clone(),
        from: pd.from.clone(),
        requests_per_minute: pd.requests_per_minute,
        burst: pd.burst,
        concurrency: pd.concurrency,
        request_timeout: pd.request_timeout,
        retry: RetryPolicy::default(),
    }
}

fn client_from(cfg: &Config, s: &Connection) -> Result<Client, Failure> {
    Client::new(client_config(cfg, s)).map_err(|e| Failure::Failed(e.to_string()))
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

/// `word` as one shell word: unchanged when it holds only characters no POSIX shell
/// treats specially, otherwise in single quotes (a `'` inside becomes `'\''`).
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./:=@%+,".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// The command that applies the plan saved to `saved`: the configuration, the saved plan,
/// the `--api-url` and safety overrides the plan was made with (a saved plan is checked
/// again when applied, so it needs the same overrides), and `--yes` (the plan has been
/// reviewed), each word quoted for a POSIX shell.
fn apply_command(a: &PlanArgs, saved: &Path) -> String {
    let mut words: Vec<String> = vec![
        "hr2pagerduty".into(),
        "apply".into(),
        "--config".into(),
        a.inputs.config.display().to_string(),
        "--plan".into(),
        saved.display().to_string(),
    ];
    if let Some(url) = &a.connection.api_url {
        words.extend(["--api-url".into(), url.clone()]);
    }
    if let Some(n) = a.safety.allow_deactivations {
        words.extend(["--allow-deactivations".into(), n.to_string()]);
    }
    if let Some(n) = a.safety.allow_reactivations {
        words.extend(["--allow-reactivations".into(), n.to_string()]);
    }
    if let Some(n) = a.safety.allow_role_changes {
        words.extend(["--allow-role-changes".into(), n.to_string()]);
    }
    words.push("--yes".into());
    words
        .iter()
        .map(|w| shell_word(w))
        .collect::<Vec<_>>()
        .join(" ")
}

async fn cmd_plan(a: PlanArgs, progress: bool) -> Result<Exit, Failure> {
    let (cfg, roster) = load(&a.inputs.config, &a.inputs.hr)?;
    let s = settings(&cfg, a.connection.api_url.as_deref())?;
    let client = client_from(&cfg, &s)?;
    let bar = Progress::new(progress);
    let obs = observe(&client, &cfg, &roster, &bar, &s.api_url).await?;
    match a.format {
        Format::Text => out(&report::render_plan(&obs.plan, &roster)),
        Format::Json => out(&(pretty(&report::plan_json(&obs.plan, &roster)) + "\n")),
    }
    if let Some(f) = refusal(&obs.plan, &cfg, a.safety) {
        return Err(f);
    }
    if let Some(saved_path) = &a.out {
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
        std::fs::write(saved_path, text).map_err(|e| {
            Failure::Usage(format!(
                "cannot write the plan to {}: {e}",
                saved_path.display()
            ))
        })?;
        err(&format!(
            "Saved the plan to {}. To apply exactly these actions: {}",
            saved_path.display(),
            apply_command(&a, saved_path)
        ));
    }
    Ok(if a.detailed_exitcode && !obs.plan.is_empty() {
        Exit::Changes
    } else {
        Exit::Success
    })
}

fn file_sha256(path: &Path) -> Result<String, Failure> {
    std::fs::read(path)
        .map(|b| crate::digest::sha256_hex(&b))
        .map_err(|e| Failure::Usage(format!("cannot read {}: {e}", path.display())))
}

fn confirm() -> Result<bool, Failure> {
    out(
        "\nDo you want to perform these actions?\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ",
    );
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::Usage(format!("cannot read the answer: {e}")))?;
    Ok(line.trim() == "yes")
}

/// How a run that got to its end went: the exit code and the apply report to write.
struct Ended {
    exit: Exit,
    report: serde_json::Value,
}

/// Finds out, before the first write and without touching an existing report, whether the
/// report can be written (a usage error, exit 64, when not).
fn check_report(report: Option<&ReportFile>) -> Result<(), Failure> {
    match report {
        Some(r) => r.check().map_err(|e| {
            Failure::Usage(format!("cannot write report {}: {e}", r.path().display()))
        }),
        None => Ok(()),
    }
}

/// Replaces the report atomically with `report` (exit 1 when it cannot be written).
fn write_report(file: Option<&ReportFile>, report: &serde_json::Value) -> Result<(), Failure> {
    match file {
        Some(r) => r.write(&(pretty(report) + "\n")).map_err(|e| {
            Failure::Failed(format!("cannot write report {}: {e}", r.path().display()))
        }),
        None => Ok(()),
    }
}

/// Writes the report of a run that ended (its own report) or stopped (a report saying
/// why, with the exit code), and passes the result on. A report that cannot be written
/// after a stop is a warning: the stop's own error is the one that matters.
fn finish_report(
    file: Option<&ReportFile>,
    result: Result<Ended, Failure>,
) -> Result<Exit, Failure> {
    match result {
        Ok(ended) => {
            write_report(file, &ended.report)?;
            Ok(ended.exit)
        }
        Err(f) => {
            if let Some(r) = file.filter(|r| !r.unwritable()) {
                let v = report::stopped_json(f.status(), f.exit().code(), Some(&f.to_string()));
                if let Err(e) = r.write(&(pretty(&v) + "\n")) {
                    err(&format!(
                        "Warning: cannot write report {}: {e}",
                        r.path().display()
                    ));
                }
            }
            Err(f)
        }
    }
}

/// The report of a run whose plan was empty.
fn no_changes(client: &Client, plan: &Plan, roster: &Roster) -> Ended {
    let stats = client.stats();
    Ended {
        exit: Exit::Success,
        report: report::apply_json(
            RunStatus::NoChanges,
            Exit::Success.code(),
            &[],
            plan,
            roster,
            report::requests_json(&stats, &stats, std::time::Duration::ZERO),
        ),
    }
}

/// What to check when actions failed because PagerDuty rejected the key (401) or refused
/// the writes (403).
fn apply_auth_hint(outcomes: &[Outcome], api_url: &str) -> Option<String> {
    let statuses: BTreeSet<u16> = outcomes
        .iter()
        .filter(|o| o.status == OutcomeStatus::Failed)
        .filter_map(|o| o.http_status)
        .collect();
    [401, 403]
        .into_iter()
        .find(|s| statuses.contains(s))
        .and_then(|s| auth_hint(s, api_url, true))
}

/// Applies `plan` and prints what was done. The `requests` of the report are the apply's
/// own, from a snapshot of the client's counters taken just before it starts.
async fn execute(
    client: &Client,
    cfg: &Config,
    plan: &Plan,
    roster: &Roster,
    progress: &Progress,
    api_url: &str,
) -> Ended {
    let opts = ApplyOptions {
        concurrency: cfg.pagerduty.concurrency,
        protected: cfg.lifecycle.protected.clone(),
    };
    let before = client.stats();
    let started = std::time::Instant::now();
    let outcomes: Vec<Outcome> = apply::apply(client, plan, &opts, progress, &|o| {
        let line = report::outcome_line(o) + "\n";
        progress.suspend(|| out(&line));
    })
    .await;
    let requests = report::requests_json(&before, &client.stats(), started.elapsed());
    // What was done is printed before the report is written: the writes have happened, so
    // a report that cannot be written must not also hide their outcome.
    out(&report::render_apply(&outcomes, plan, roster));
    if let Some(hint) = apply_auth_hint(&outcomes, api_url) {
        err(&format!("Error: {hint}"));
    }
    let failed = outcomes.iter().any(|o| o.status == OutcomeStatus::Failed);
    let stopped = outcomes.iter().any(|o| {
        o.status == OutcomeStatus::Skipped
            && o.attempts == 0
            && o.error
                .as_deref()
                .is_some_and(|e| e.contains("authentication"))
    });
    let (exit, status) = if failed || stopped {
        (Exit::Failure, RunStatus::Failed)
    } else {
        (Exit::Success, RunStatus::Applied)
    };
    Ended {
        exit,
        report: report::apply_json(status, exit.code(), &outcomes, plan, roster, requests),
    }
}

/// Asks for confirmation unless `--yes`, then applies (the report path was checked first).
async fn confirm_and_execute(
    yes: bool,
    client: &Client,
    cfg: &Config,
    plan: &Plan,
    roster: &Roster,
    progress: &Progress,
    api_url: &str,
) -> Result<Ended, Failure> {
    if !yes && !confirm()? {
        out("\nApply cancelled; nothing was changed.\n");
        return Ok(Ended {
            exit: Exit::Success,
            report: report::stopped_json(RunStatus::Cancelled, Exit::Success.code(), None),
        });
    }
    out("\n");
    Ok(execute(client, cfg, plan, roster, progress, api_url).await)
}

fn take_lock(cfg: &Config, s: &Connection) -> Result<ApplyLock, Failure> {
    let path = lock::lock_path(&cfg.safety.lock_dir, &s.api_url, s.api_key.expose_secret());
    let lock = ApplyLock::acquire(&path).map_err(|e| match e {
        lock::LockError::Held { .. } => Failure::Refused(e.to_string()),
        lock::LockError::Io { .. } => Failure::Usage(e.to_string()),
    })?;
    if let Some(old) = &lock.taken_over {
        let age = lock::age_text(std::time::Duration::from_secs(
            (chrono::Utc::now().timestamp().max(0) as u64).saturating_sub(old.started),
        ));
        err(&format!(
            "Warning: took over the lock {} left by PID {} (started {age} ago), a process that no longer holds it.",
            path.display(),
            old.pid
        ));
    }
    Ok(lock)
}

/// `apply`: whatever happens after the arguments are parsed, `--report FILE` is replaced
/// with a report of how the run ended (see [`RunStatus`]).
async fn cmd_apply(a: ApplyArgs, progress: bool) -> Result<Exit, Failure> {
    let file = a.report.as_deref().map(ReportFile::new);
    let result = apply_run(&a, progress, file.as_ref()).await;
    finish_report(file.as_ref(), result)
}

async fn apply_run(
    a: &ApplyArgs,
    progress: bool,
    file: Option<&ReportFile>,
) -> Result<Ended, Failure> {
    let interactive = std::io::stdin().is_terminal();
    if !a.yes && !interactive {
        return Err(Failure::Usage(
            "apply needs --yes when stdin is not a terminal (nothing was read or written)".into(),
        ));
    }
    // A report that cannot be written is a usage error found before anything else.
    check_report(file)?;
    if let Some(plan_path) = &a.plan {
        return apply_saved(a, plan_path, progress).await;
    }
    let hr_path =
        a.hr.clone()
            .ok_or_else(|| Failure::Usage("apply needs --hr (or --plan)".into()))?;
    let (cfg, roster) = load(&a.config, &hr_path)?;
    let s = settings(&cfg, a.connection.api_url.as_deref())?;
    let client = client_from(&cfg, &s)?;
    let _lock = take_lock(&cfg, &s)?;
    let bar = Progress::new(progress);
    let obs = observe(&client, &cfg, &roster, &bar, &s.api_url).await?;
    out(&report::render_plan(&obs.plan, &roster));
    if let Some(f) = refusal(&obs.plan, &cfg, a.safety) {
        return Err(f);
    }
    if obs.plan.is_empty() {
        return Ok(no_changes(&client, &obs.plan, &roster));
    }
    confirm_and_execute(a.yes, &client, &cfg, &obs.plan, &roster, &bar, &s.api_url).await
}

/// `apply --plan FILE`: check the saved plan against its inputs and the current PagerDuty
/// state, then apply exactly its actions.
async fn apply_saved(a: &ApplyArgs, plan_path: &Path, progress: bool) -> Result<Ended, Failure> {
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
    let users = client
        .list_users(&|n, total| {
            bar.set(n as u64);
            if let Some(t) = total {
                bar.set_total(t);
            }
        })
        .await
        .map_err(api_failure(&s.api_url))?;
    let mut members = BTreeMap::new();
    fetch_members(
        &client,
        &saved.teams_read,
        &mut members,
        cfg.pagerduty.concurrency,
        &bar,
        &s.api_url,
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
    out(&report::render_plan(&saved.plan, &roster));
    if let Some(f) = refusal(&saved.plan, &cfg, a.safety) {
        return Err(f);
    }
    if saved.plan.is_empty() {
        return Ok(no_changes(&client, &saved.plan, &roster));
    }
    confirm_and_execute(a.yes, &client, &cfg, &saved.plan, &roster, &bar, &s.api_url).await
}

async fn sandbox(a: SandboxArgs) -> Result<Exit, Failure> {
    let seed = sim::Seed::from_file(&a.seed)
        .map_err(|e| Failure::Usage(format!("seed {}: {e}", a.seed.display())))?;
    let handle = sim::start(seed, a.port)
        .await
        .map_err(|e| Failure::Failed(format!("cannot listen on 127.0.0.1:{}: {e}", a.port)))?;
    out(&format!(
        "PagerDuty simulator listening on {url}\n  export {ENV_API_URL}={url}\n  export {ENV_API_KEY}=<one of the seed's api_keys>\nPress Ctrl-C to stop.\n",
        url = handle.url()
    ));
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
    out(&format!(
        "Demo: a PagerDuty simulator is running on {} with the accounts in samples/demo/seed.json.\nReading samples/demo/hr.csv with samples/demo/config.toml.\n\n",
        handle.url()
    ));
    let s = Connection::resolve(Some(&handle.url()), None, Some(demo_files::KEY), &cfg)
        .map_err(Failure::Usage)?;
    let client = client_from(&cfg, &s)?;
    let bar = Progress::new(progress);
    let file = a.report.as_deref().map(ReportFile::new);

    out("=== hr2pagerduty plan ===\n\n");
    let obs = observe(&client, &cfg, &roster, &bar, &s.api_url).await?;
    out(&report::render_plan(&obs.plan, &roster));

    out("\n=== hr2pagerduty apply --yes ===\n\n");
    if let Some(f) = refusal(&obs.plan, &cfg, SafetyFlags::default()) {
        return Err(f);
    }
    check_report(file.as_ref())?;
    let ended = execute(&client, &cfg, &obs.plan, &roster, &bar, &s.api_url).await;
    write_report(file.as_ref(), &ended.report)?;

    out("\n=== hr2pagerduty plan (again) ===\n\n");
    let again = observe(&client, &cfg, &roster, &bar, &s.api_url).await?;
    out(&report::render_plan(&again.plan, &roster));
    handle.shutdown().await;
    Ok(if again.plan.is_empty() {
        ended.exit
    } else {
        Exit::Failure
    })
}
