//! What several commands share: loading the configuration and the export, resolving the
//! connection settings and building the client, the observe-and-plan loop, the safety
//! refusal, the report-file lifecycle of `apply` and `demo`, the confirmation prompt and
//! shell quoting.

use super::Failure;
use crate::archive::Archive;
use crate::cli::{self, SafetyFlags};
use crate::config::{
    Config, Connection, ENV_API_KEY, ENV_API_URL, ENV_MARKER_KEY, ENV_MARKER_KEY_PREVIOUS,
    read_key_file,
};
use crate::exit::Exit;
use crate::hr::{self, Roster};
use crate::marker::MarkerKeys;
use crate::observe::{Account, Needs, Observer};
use crate::pagerduty::{Client, ClientConfig, RetryPolicy};
use crate::plan::safety::{self, Overrides};
use crate::plan::{self, Inputs, Plan, Policy, SafetyPolicy};
use crate::printer::Printer;
use crate::progress::Progress;
use crate::report::{self, file::ReportFile};
use crate::vocab::time_zones;
use chrono::NaiveDate;
use secrecy::ExposeSecret;
use std::collections::BTreeSet;
use std::io::{BufRead, Write};
use std::path::Path;
use std::sync::Arc;

/// The configuration at `config` and the export at `hr_path`, read with it (the
/// invalid-rows limit applied).
///
/// # Errors
/// [`Failure::Config`], [`Failure::Hr`].
pub(super) fn load(config: &Path, hr_path: &Path) -> Result<(Config, Roster), Failure> {
    let cfg = Config::load(config)?;
    log_config(config);
    let roster = hr::read_file(hr_path, &cfg)?;
    log_roster(hr_path, &roster);
    Ok((cfg, roster))
}

/// Logs (at info, `-v`) that the configuration at `path` was read.
pub(super) fn log_config(path: &Path) {
    tracing::info!(path = %path.display(), "read the configuration {}", path.display());
}

/// Logs (at info, `-v`) what the export at `path` held.
pub(super) fn log_roster(path: &Path, roster: &Roster) {
    tracing::info!(
        path = %path.display(),
        rows = roster.rows_read,
        valid = roster.employees.len(),
        invalid_rows = roster.invalid_rows(),
        "read the HR export {}: {} rows read, {} valid employees, rows with problems: {}",
        path.display(),
        roster.rows_read,
        roster.employees.len(),
        roster.invalid_rows()
    );
}

/// Logs (at info, `-v`) the requests `client` sent so far and the rate-limit budget the
/// latest answer reported (`ratelimit-remaining` of `ratelimit-limit`, fact F28).
pub(super) fn log_requests(client: &Client) {
    let st = client.stats();
    let budget = match (st.ratelimit_remaining, st.ratelimit_limit) {
        (Some(left), Some(limit)) => {
            format!("; rate-limit budget: {left} of {limit} requests left in the window")
        }
        _ => String::new(),
    };
    tracing::info!(
        requests = st.requests_sent,
        retries = st.retries,
        rate_limited = st.rate_limited,
        ratelimit_remaining = st.ratelimit_remaining,
        ratelimit_limit = st.ratelimit_limit,
        "sent {} PagerDuty requests ({} retries, {} answered 429){budget}",
        st.requests_sent,
        st.retries,
        st.rate_limited
    );
}

/// The connection settings: `--api-url`, then the environment, then the configuration;
/// the key from `--api-key-file` (checked by [`read_key_file`]) when given, else from
/// `PAGERDUTY_API_KEY`.
///
/// # Errors
/// [`Failure::Usage`]: no key, a key file that cannot be read or that others can read, or
/// an API URL that is not allowed.
pub(super) fn settings(cfg: &Config, flags: &cli::Connection) -> Result<Connection, Failure> {
    let env_url = std::env::var(ENV_API_URL).ok();
    let file_key = match &flags.api_key_file {
        Some(path) => Some(read_key_file(path).map_err(Failure::Usage)?),
        None => None,
    };
    let env_key = match &file_key {
        Some(_) => None,
        None => std::env::var(ENV_API_KEY).ok(),
    };
    if let Some(k) = &env_key {
        crate::config::check_key_text(k.trim(), ENV_API_KEY).map_err(Failure::Usage)?;
    }
    let key = file_key
        .as_ref()
        .map(|k| k.expose_secret())
        .or(env_key.as_deref());
    Connection::resolve(flags.api_url.as_deref(), env_url.as_deref(), key, cfg)
        .map_err(Failure::Usage)
}

/// The marker keys of this run: `PAGERDUTY_MARKER_KEY` and, during a rotation,
/// `PAGERDUTY_MARKER_KEY_PREVIOUS` ([`MarkerKeys::resolve`]); `None` when the first is unset.
///
/// # Errors
/// [`Failure::Usage`] (exit 64): a key that is empty, shorter than
/// [`crate::marker::sign::MIN_KEY_BYTES`] or not UTF-8, or a previous key without a current one.
pub(super) fn marker_keys() -> Result<Option<MarkerKeys>, Failure> {
    let read = |name: &str| match std::env::var(name) {
        Ok(v) => Ok(Some(v)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => {
            Err(Failure::Usage(format!("{name} is not valid UTF-8")))
        }
    };
    let current = read(ENV_MARKER_KEY)?;
    let previous = read(ENV_MARKER_KEY_PREVIOUS)?;
    MarkerKeys::resolve(
        (ENV_MARKER_KEY, current.as_deref()),
        (ENV_MARKER_KEY_PREVIOUS, previous.as_deref()),
    )
    .map_err(Failure::Usage)
}

/// The client's configuration for this run: URL and key from `connection`; `From`, rate,
/// burst, concurrency, create concurrency, timeout and rate-limit wait from `[pagerduty]`;
/// [`RetryPolicy::default`].
pub fn client_config(cfg: &Config, connection: &Connection) -> ClientConfig {
    let pd = &cfg.pagerduty;
    ClientConfig {
        base_url: connection.api_url.clone(),
        api_key: connection.api_key.clone(),
        from: pd.from.clone(),
        requests_per_minute: pd.requests_per_minute,
        burst: pd.burst,
        concurrency: pd.concurrency,
        create_concurrency: pd.create_concurrency,
        rate_limit_wait: pd.rate_limit_wait,
        request_timeout: pd.request_timeout,
        retry: RetryPolicy::default(),
    }
}

/// The client for `connection` and the `[pagerduty]` section of `cfg`.
///
/// # Errors
/// [`Failure::Failed`] when the HTTP client cannot be built.
pub(super) fn client_from(cfg: &Config, connection: &Connection) -> Result<Client, Failure> {
    Client::new(client_config(cfg, connection)).map_err(|e| Failure::Failed(e.to_string()))
}

/// `value` pretty-printed (two-space indent), without a final newline.
pub(super) fn pretty(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// The deletion archive `[lifecycle] archive` names (an empty in-memory one when none is
/// configured). A file that does not exist yet is an empty archive.
///
/// # Errors
/// [`Failure::Usage`] (exit 64) when it cannot be read or a complete line is not a record:
/// like a lock directory or a saved plan that cannot be read, the setting is valid and the
/// file system (or the file) refuses it.
pub fn load_archive(cfg: &Config) -> Result<Arc<Archive>, Failure> {
    match &cfg.lifecycle.archive {
        Some(path) => Archive::load(path)
            .map(Arc::new)
            .map_err(|e| Failure::Usage(e.to_string())),
        None => Ok(Arc::new(Archive::in_memory(Vec::new()))),
    }
}

/// Prints a warning when the archive's last line was a write a crash cut short (skipped,
/// and cut off by the next deletion's write).
pub(super) fn warn_archive(archive: &Archive, printer: &Printer) {
    if let (true, Some(path)) = (archive.torn_tail(), archive.path()) {
        printer.err(&format!(
            "Warning: the archive {} ends with an incomplete line (a write cut short by a crash, whose deletion was not sent); it is skipped, and the next deletion removes it",
            path.display()
        ));
    }
}

/// Before the first write of a plan that deletes someone (a deletion that will be
/// attempted: a blocked one writes nothing), finds out whether the archive can be written
/// (creating it, mode 0600, when it does not exist).
///
/// # Errors
/// [`Failure::Usage`] (exit 64), before anything is written.
pub(super) fn check_archive(plan: &Plan, archive: &Archive) -> Result<(), Failure> {
    if plan.attempted(plan::ActionKind::Delete) == 0 {
        return Ok(());
    }
    archive
        .check_writable()
        .map_err(|e| Failure::Usage(format!("{e}; nothing was written")))
}

/// What [`observe_and_plan`] read from PagerDuty and the archive, and the plan computed
/// from them.
#[derive(Debug, Clone)]
pub struct Planned {
    /// Users, teams, and the members of every team read.
    pub account: Account,
    /// The deletion archive, as read before planning ([`load_archive`]).
    pub archive: Arc<Archive>,
    /// The plan.
    pub plan: Plan,
}

/// "Today" for a run under `cfg`: `as_of` (the `--as-of` flag) when given, otherwise the
/// date now in `[lifecycle] default_time_zone` (README § Dated changes and leave).
pub fn today(cfg: &Config, as_of: Option<NaiveDate>) -> NaiveDate {
    as_of.unwrap_or_else(|| {
        let now = chrono::Utc::now();
        // Validation accepted the zone, and every PagerDuty zone is in the tz database
        // (tested in vocab::time_zones); UTC is only a fallback that cannot be reached.
        time_zones::date_in(&cfg.lifecycle.default_time_zone, now)
            .unwrap_or_else(|| now.date_naive())
    })
}

/// Reads the deletion archive ([`load_archive`], first, so that an unreadable one stops the
/// run before any request) and PagerDuty (users, teams, the API key's own user, licences,
/// members of the teams the rules name and of the teams whose roles a suspension or a
/// deletion must record, who holds which licence when the plan needs it, and the on-call
/// duties of the users about to be deactivated or deleted; the abilities when the plan
/// gives a base role that needs one) and computes the plan for
/// `roster` under `cfg`, as of `today` (see [`today`]), with `flags.allow_oncall_gaps`
/// letting on-call users' deactivations and deletions through and
/// `flags.rekey_employee_ids` (`--rekey-employee-ids`) re-keying markers. GET requests
/// only. `api_url` is the account's API URL, named when PagerDuty rejects the key. The
/// planner is run again while its plan needs more ([`Plan::needs_team_members`],
/// [`Plan::needs_license_holders`], [`Plan::needs_oncall`]); reading them is
/// [`crate::observe`]'s job, deciding which is the planner's. On-calls are looked up from
/// the present moment whatever `today` is: what a deactivation leaves uncovered is decided
/// now.
///
/// # Errors
/// [`Failure::Refused`] when a listing cannot be proven complete, [`Failure::Failed`] when
/// PagerDuty is unreachable or rejects the key, [`Failure::Rules`] for rule mistakes,
/// [`Failure::Usage`] for an archive that cannot be read.
pub async fn observe_and_plan(
    client: &Client,
    cfg: &Config,
    roster: &Roster,
    progress: &Progress,
    api_url: &str,
    today: NaiveDate,
    flags: SafetyFlags,
) -> Result<Planned, Failure> {
    observe_and_plan_keyed(client, cfg, roster, progress, api_url, today, flags, None).await
}

/// [`observe_and_plan`] with the run's marker keys ([`marker_keys`]), which the planner
/// signs with and checks markers against ([`Inputs::marker_keys`]).
///
/// # Errors
/// Those of [`observe_and_plan`].
#[allow(clippy::too_many_arguments)]
pub async fn observe_and_plan_keyed(
    client: &Client,
    cfg: &Config,
    roster: &Roster,
    progress: &Progress,
    api_url: &str,
    today: NaiveDate,
    flags: SafetyFlags,
    marker_keys: Option<&MarkerKeys>,
) -> Result<Planned, Failure> {
    let archive = load_archive(cfg)?;
    let observer = observer(client, cfg, progress, api_url);
    let mut account = observer.account().await?;
    let mut policy = Policy::from_config(cfg);
    policy.allow_oncall_gaps = flags.allow_oncall_gaps;
    policy.rekey_employee_ids = flags.rekey_employee_ids;
    let rules = plan::rules::ResolvedRules::resolve(&policy.rules, &account.teams)?;
    let governed = Needs {
        team_members: rules.governed(),
        ..Needs::default()
    };
    observer.complete(&mut account, &governed).await?;
    // Suspensions are dated the day they really happen, whatever `--as-of` says.
    let run_day = self::today(cfg, None);
    let compute = |account: &Account| {
        plan::plan(Inputs {
            roster,
            users: &account.users,
            teams: &account.teams,
            members: &account.members,
            policy: &policy,
            oncall: &account.oncall,
            today,
            run_day,
            archive: &archive,
            key_owner: account.key_owner.as_ref().map(|u| &u.id),
            licenses: &account.licenses,
            license_holders: account.license_holders.as_ref(),
            marker_keys,
        })
    };
    let mut p = compute(&account)?;
    // Each round reads only what is still missing; the needs depend on the actions, which
    // extra reads refine but do not multiply (licence holders and on-call duties add no
    // team, and the teams of suspensions need neither), so two rounds settle (a third is a
    // guard).
    for _ in 0..3 {
        if p.needs_team_members.is_empty() && !p.needs_license_holders && p.needs_oncall.is_empty()
        {
            break;
        }
        let more = Needs {
            team_members: p.needs_team_members.clone(),
            license_holders: p.needs_license_holders,
            oncall: p.needs_oncall.clone(),
            abilities: false,
        };
        observer.complete(&mut account, &more).await?;
        p = compute(&account)?;
    }
    // The abilities decide no action, only whether the run may start (`refusal`).
    if !safety::abilities_needed(&p).is_empty() {
        account.abilities = Some(observer.abilities().await?);
    }
    progress.finish();
    tracing::info!(
        users = account.users.len(),
        teams = account.teams.len(),
        teams_read = account.members.len(),
        "listed {} users and {} teams; read the members of {} teams",
        account.users.len(),
        account.teams.len(),
        account.members.len()
    );
    log_plan(&p, roster);
    Ok(Planned {
        account,
        archive,
        plan: p,
    })
}

/// The observer of a run under `cfg`: the members of `[pagerduty] concurrency` teams at a
/// time, on-calls looked up `[lifecycle] oncall_lookahead_days` ahead; what `plan`,
/// `apply` and `apply --plan` all read through.
fn observer<'a>(
    client: &'a Client,
    cfg: &Config,
    progress: &'a Progress,
    api_url: &'a str,
) -> Observer<'a> {
    Observer::new(client, progress, cfg.pagerduty.concurrency, api_url)
        .with_oncall_lookahead(cfg.lifecycle.oncall_lookahead_days)
}

/// What `apply --plan` checks a saved plan against, GET requests only: every user (no
/// teams, licences or licence holders), then the members of `needs.team_members`, the
/// abilities with `needs.abilities` and the on-call duties of `needs.oncall`, then the API
/// key's own user
/// ([`Account::key_owner`]). `api_url` is named when PagerDuty rejects the key.
///
/// # Errors
/// As [`observe_and_plan`]: [`Failure::Refused`] for a listing that cannot be proven
/// complete, [`Failure::Failed`] for other failed reads.
pub(super) async fn observe_for_saved(
    client: &Client,
    cfg: &Config,
    progress: &Progress,
    api_url: &str,
    needs: &Needs,
) -> Result<Account, Failure> {
    let observer = observer(client, cfg, progress, api_url);
    let mut account = observer.account_of(observer.users().await?);
    observer.complete(&mut account, needs).await?;
    account.key_owner = observer.key_owner().await?;
    Ok(account)
}

/// Logs (at info, `-v`) the plan's counts; the skipped count includes the export's rows
/// skipped for HR problems (`roster`), as the plan's `Skipped (N)` does.
pub(super) fn log_plan(p: &Plan, roster: &Roster) {
    use plan::ActionKind as K;
    let skipped = p.skipped.len() + roster.invalid_rows();
    tracing::info!(
        create = p.count(K::Create),
        update = p.count(K::Update),
        deactivate = p.count(K::Deactivate),
        reactivate = p.count(K::Reactivate),
        delete = p.count(K::Delete),
        skipped,
        unchanged = p.unchanged,
        "planned {} creates, {} updates, {} deactivations, {} reactivations, {} deletions; {} skipped, {} unchanged",
        p.count(K::Create),
        p.count(K::Update),
        p.count(K::Deactivate),
        p.count(K::Reactivate),
        p.count(K::Delete),
        skipped,
        p.unchanged
    );
}

/// The safety refusal for `plan` (with the `--allow-*` overrides of `flags`), if any:
/// every tripped check, one per line. `abilities` are the account's (`GET /abilities`),
/// read when the plan gives a base role that needs one ([`safety::abilities_needed`]);
/// one it lacks refuses the run ([`safety::missing_abilities`]).
pub(super) fn refusal(
    p: &Plan,
    cfg: &Config,
    flags: SafetyFlags,
    abilities: Option<&BTreeSet<String>>,
) -> Option<Failure> {
    let overrides = Overrides {
        allow_deactivations: flags.allow_deactivations,
        allow_role_changes: flags.allow_role_changes,
        allow_reactivations: flags.allow_reactivations,
        allow_deletions: flags.allow_deletions,
        allow_probable_duplicates: flags.allow_probable_duplicates,
        allow_rekeys: flags.allow_rekeys,
        allow_new_marker_key: flags.allow_new_marker_key,
        allow_unsigned_run: flags.allow_unsigned_run,
    };
    let mut problems = safety::check(p, &SafetyPolicy::from_config(cfg), overrides);
    if let Some(have) = abilities {
        problems.extend(safety::missing_abilities(p, have));
    }
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
pub(super) fn shell_word(word: &str) -> String {
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

/// Asks whether to apply a plan that sends `invitations` invitation emails, on the
/// terminal, never on stdout, so that `apply > log` still shows the question: on stderr
/// when it is a terminal, else on the controlling terminal `/dev/tty`
/// ([`Printer::question_terminal`]; `apply > log 2>&1` at a terminal), else on stderr as
/// the last resort. Returns the controlling terminal when the question went there: the
/// answer is read from it ([`read_yes`]). When stdout is not a terminal, the question says
/// where the plan went.
pub(super) fn prompt(printer: &Printer, invitations: usize) -> Option<std::fs::File> {
    let text = prompt_text(invitations, !printer.stdout_is_terminal());
    if let Some(mut tty) = printer.question_terminal()
        && tty
            .write_all(text.as_bytes())
            .and_then(|()| tty.flush())
            .is_ok()
    {
        return Some(tty);
    }
    printer.ask(&text);
    None
}

/// The confirmation question, in the manner of `terraform apply`; when the plan creates
/// users it says how many invitation emails PagerDuty will send, since those cannot be
/// taken back, and with `plan_elsewhere` that the plan went to a stdout that is not this
/// terminal.
fn prompt_text(invitations: usize, plan_elsewhere: bool) -> String {
    let emails = report::invitations_sentence(invitations)
        .map(|s| format!("  {s}\n"))
        .unwrap_or_default();
    let elsewhere = if plan_elsewhere {
        " (the plan was written to stdout, which is not this terminal)"
    } else {
        ""
    };
    format!(
        "\nDo you want to perform these actions?{elsewhere}\n{emails}  Only 'yes' will be accepted to approve.\n\n  Enter a value: "
    )
}

/// Reads one line from `tty` (the terminal [`prompt`] asked on) or else from stdin, and
/// says whether it was `yes` (surrounding white space ignored). Blocks: call it off the
/// async workers.
///
/// # Errors
/// [`Failure::Usage`] when the answer cannot be read.
pub(super) fn read_yes(tty: Option<std::fs::File>) -> Result<bool, Failure> {
    let mut line = String::new();
    match tty {
        Some(tty) => std::io::BufReader::new(tty).read_line(&mut line),
        None => std::io::stdin().lock().read_line(&mut line),
    }
    .map_err(|e| Failure::Usage(format!("cannot read the answer: {e}")))?;
    Ok(line.trim() == "yes")
}

/// How a run that got to its end went: the exit code and the apply report to write.
#[derive(Debug)]
pub(super) struct Ended {
    /// The exit code.
    pub(super) exit: Exit,
    /// The JSON apply report.
    pub(super) report: serde_json::Value,
}

/// The `--report FILE` of `apply` or `demo`, in its `--report-format`.
pub(super) fn report_file(path: Option<&Path>, format: cli::ReportFormat) -> Option<ReportFile> {
    let format = match format {
        cli::ReportFormat::Json => report::ReportFormat::Json,
        cli::ReportFormat::Csv => report::ReportFormat::Csv,
        cli::ReportFormat::Markdown => report::ReportFormat::Markdown,
    };
    path.map(|p| ReportFile::new(p).with_format(format))
}

/// Finds out, before the first write and without touching an existing report, whether the
/// report can be written.
///
/// # Errors
/// [`Failure::Usage`] (exit 64) when it cannot.
pub(super) fn check_report(report: Option<&ReportFile>) -> Result<(), Failure> {
    match report {
        Some(r) => r.check().map_err(|e| {
            Failure::Usage(format!("cannot write report {}: {e}", r.path().display()))
        }),
        None => Ok(()),
    }
}

/// Replaces the report atomically with `report`.
///
/// # Errors
/// [`Failure::Failed`] (exit 1) when it cannot be written.
pub(super) fn write_report(
    file: Option<&ReportFile>,
    report: &serde_json::Value,
) -> Result<(), Failure> {
    match file {
        Some(r) => r.write_report(report).map_err(|e| {
            Failure::Failed(format!("cannot write report {}: {e}", r.path().display()))
        }),
        None => Ok(()),
    }
}

/// Writes the report of a run that ended (its own report) or stopped (a report saying
/// why, with the exit code), and passes the result on. A report that cannot be written
/// after a stop is a warning: the stop's own error is the one that matters.
///
/// # Errors
/// The stop's [`Failure`], or [`write_report`]'s.
pub(super) fn finish_report(
    file: Option<&ReportFile>,
    result: Result<Ended, Failure>,
    printer: &Printer,
) -> Result<Exit, Failure> {
    match result {
        Ok(ended) => {
            write_report(file, &ended.report)?;
            Ok(ended.exit)
        }
        Err(f) => {
            if let Some(r) = file.filter(|r| !r.unwritable()) {
                let v = report::stopped_json(f.status(), f.exit().code(), Some(&f.to_string()));
                if let Err(e) = r.write_report(&v) {
                    printer.err(&format!(
                        "Warning: cannot write report {}: {e}",
                        r.path().display()
                    ));
                }
            }
            Err(f)
        }
    }
}

#[cfg(test)]
mod tests;
