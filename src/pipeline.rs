//! The stages between the inputs and a plan, wired once for every caller (the commands,
//! the integration tests and the benches): the client's configuration from `[pagerduty]`
//! ([`client_config`]), the run's "today" ([`today`]), the deletion archive
//! ([`load_archive`]), and the loop "observe, plan, read the extra facts the plan needs,
//! plan again" ([`observe_and_plan`]), so that `observe` never calls the planner; and what
//! `apply --plan` reads to check a saved plan ([`observe_for_saved`]). No output but logs:
//! the commands print.

use crate::archive::{Archive, ArchiveError, ArchiveFile};
use crate::config::{Config, Connection};
use crate::hr::Roster;
use crate::marker::MarkerKeys;
use crate::observe::{Account, Needs, ObserveError, Observer};
use crate::pagerduty::{Client, ClientConfig, RetryPolicy};
use crate::plan::{self, Inputs, Plan, PlanError, Policy, Unkeyed};
use crate::progress::Progress;
use crate::vocab::time_zones;
use chrono::NaiveDate;
use std::sync::Arc;

/// Why [`observe_and_plan`] made no plan.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// The deletion archive cannot be read, or a complete line of it is not a record.
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    /// Reading PagerDuty failed (an incomplete listing, a rejected key, a failed request).
    #[error(transparent)]
    Observe(#[from] ObserveError),
    /// The rules cannot be applied to this account.
    #[error(transparent)]
    Rules(#[from] PlanError),
}

/// What a run gives the planner beyond its configuration: the `--allow-oncall-gaps` and
/// `--rekey-employee-ids` flags, and the run's marker keys. The default allows neither and
/// has no key.
#[derive(Debug, Clone, Copy, Default)]
pub struct PlanOptions<'a> {
    /// Let the deactivations and deletions of users with on-call duties through.
    pub allow_oncall_gaps: bool,
    /// Re-key the markers of users whose employee ID changed, matched by email.
    pub rekey_employee_ids: bool,
    /// `--finish-marker-migration`: trust and sign unsigned markers as on the first run
    /// with the key ([`Policy::finish_marker_migration`]).
    pub finish_marker_migration: bool,
    /// `--allow-new-marker-key`: the key is new ([`Policy::allow_new_marker_key`]).
    pub allow_new_marker_key: bool,
    /// `--allow-unsigned-run`: signing stopped on purpose ([`Policy::allow_unsigned_run`]).
    pub allow_unsigned_run: bool,
    /// `--allow-adoption-by-email`: a person checked the users adopted by email in a
    /// signed account ([`Policy::allow_adoption_by_email`]).
    pub allow_adoption_by_email: bool,
    /// The run's marker keys (read by the commands from the environment), which the
    /// planner signs with and checks markers against ([`Inputs::marker_keys`]); `None`
    /// without `PAGERDUTY_MARKER_KEY`.
    pub marker_keys: Option<&'a MarkerKeys>,
    /// Why there are no marker keys, when `marker_keys` is `None` ([`Inputs::unkeyed`]).
    pub unkeyed: Unkeyed,
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

/// The deletion archive `[lifecycle] archive` names: its file (for the executor's appends;
/// [`ArchiveFile::none`] when none is configured) and the snapshot read from it (for the
/// planner; empty when none is configured). A file that does not exist yet is an empty
/// archive, when its folder exists.
///
/// # Errors
/// [`ArchiveError`] when it cannot be read, its folder does not exist, or a complete line
/// is not a record (a usage error in the commands, exit 64: like a lock directory or a
/// saved plan that cannot be read, the setting is valid and the file system, or the file,
/// refuses it).
pub fn load_archive(cfg: &Config) -> Result<(Arc<ArchiveFile>, Arc<Archive>), ArchiveError> {
    let file = match &cfg.lifecycle.archive {
        Some(path) => ArchiveFile::at(path),
        None => ArchiveFile::none(),
    };
    let snapshot = file.load()?;
    Ok((Arc::new(file), Arc::new(snapshot)))
}

/// What [`observe_and_plan`] read from PagerDuty and the archive, and the plan computed
/// from them.
#[derive(Debug, Clone)]
pub struct Planned {
    /// Users, teams, and the members of every team read.
    pub account: Account,
    /// The deletion archive, as read before planning ([`load_archive`]): what the plan was
    /// made from.
    pub archive: Arc<Archive>,
    /// The archive's file, which the executor appends to before each deletion.
    pub archive_file: Arc<ArchiveFile>,
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
/// `roster` under `cfg`, as of `today` (see [`today`]), with `options.allow_oncall_gaps`
/// letting on-call users' deactivations and deletions through and
/// `options.rekey_employee_ids` (`--rekey-employee-ids`) re-keying markers, and
/// `options.marker_keys` signing and checking them. GET requests
/// only. `api_url` is the account's API URL, named when PagerDuty rejects the key. The
/// planner is run again while its plan needs more ([`Plan::needs_team_members`],
/// [`Plan::needs_license_holders`], [`Plan::needs_oncall`]); reading them is
/// [`crate::observe`]'s job, deciding which is the planner's. On-calls are looked up from
/// the present moment whatever `today` is: what a deactivation leaves uncovered is decided
/// now.
///
/// # Errors
/// [`PipelineError::Observe`] when a listing cannot be proven complete
/// ([`ObserveError::Incomplete`]), PagerDuty is unreachable or rejects the key;
/// [`PipelineError::Rules`] for rule mistakes; [`PipelineError::Archive`] for an archive
/// that cannot be read.
pub async fn observe_and_plan(
    client: &Client,
    cfg: &Config,
    roster: &Roster,
    progress: &Progress,
    api_url: &str,
    today: NaiveDate,
    options: PlanOptions<'_>,
) -> Result<Planned, PipelineError> {
    let (archive_file, archive) = load_archive(cfg)?;
    let observer = observer(client, cfg, progress, api_url);
    let mut account = observer.account().await?;
    let mut policy = Policy::from_config(cfg);
    policy.allow_oncall_gaps = options.allow_oncall_gaps;
    policy.rekey_employee_ids = options.rekey_employee_ids;
    policy.finish_marker_migration = options.finish_marker_migration;
    policy.allow_new_marker_key = options.allow_new_marker_key;
    policy.allow_unsigned_run = options.allow_unsigned_run;
    policy.allow_adoption_by_email = options.allow_adoption_by_email;
    let rules = plan::rules::ResolvedRules::resolve(&policy.rules, &account.teams)?;
    let governed = Needs {
        team_members: rules.governed(),
        ..Needs::default()
    };
    observer.complete(&mut account, &governed).await?;
    // Suspensions are dated the day they really happen, whatever `--as-of` says.
    let run_day = self::today(cfg, None);
    let compute = |account: &Account| {
        plan::plan_with_rules(
            Inputs {
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
                marker_keys: options.marker_keys,
                unkeyed: options.unkeyed,
            },
            rules.clone(),
        )
    };
    let mut p = compute(&account)?;
    // Each round reads only what is still missing; the needs depend on the actions, which
    // extra reads refine but do not multiply (licence holders and on-call duties add no
    // team, and the teams of suspensions need neither), so two rounds settle (a third is a
    // guard).
    for _ in 0..3 {
        let Some(more) = still_needed(&p) else {
            break;
        };
        observer.complete(&mut account, &more).await?;
        p = compute(&account)?;
    }
    // The abilities decide no action, only whether the run may start (the commands'
    // safety refusal).
    if !plan::safety::abilities_needed(&p).is_empty() {
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
        archive_file,
        plan: p,
    })
}

/// What plan `p` asks to be read before it is computed again: the members of
/// [`Plan::needs_team_members`], the licence holders ([`Plan::needs_license_holders`]) and
/// the on-call duties of [`Plan::needs_oncall`]; `None` when it needs nothing more. The
/// abilities are not among them: they decide no action, and are read once, after.
fn still_needed(p: &Plan) -> Option<Needs> {
    let more = Needs {
        team_members: p.needs_team_members.clone(),
        license_holders: p.needs_license_holders,
        oncall: p.needs_oncall.clone(),
        abilities: false,
    };
    (more != Needs::default()).then_some(more)
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
/// teams or licence holders), then the members of `needs.team_members`, the abilities with
/// `needs.abilities` and the on-call duties of `needs.oncall`, then the API key's own user
/// ([`Account::key_owner`]) and, with `licenses` (a saved plan that changes licences), the
/// account's licences with their free allocations (`GET /licenses`). `api_url` is named
/// when PagerDuty rejects the key.
///
/// # Errors
/// [`ObserveError::Incomplete`] for a listing that cannot be proven complete, the other
/// [`ObserveError`]s for other failed reads.
pub async fn observe_for_saved(
    client: &Client,
    cfg: &Config,
    progress: &Progress,
    api_url: &str,
    needs: &Needs,
    licenses: bool,
) -> Result<Account, ObserveError> {
    let observer = observer(client, cfg, progress, api_url);
    let mut account = observer.account_of(observer.users().await?);
    observer.complete(&mut account, needs).await?;
    account.key_owner = observer.key_owner().await?;
    if licenses {
        account.licenses = observer.licenses().await?;
    }
    Ok(account)
}

/// Logs (at info, `-v`) the plan's counts; the skipped count includes the export's rows
/// skipped for HR problems (`roster`), as the plan's `Skipped (N)` does.
pub fn log_plan(p: &Plan, roster: &Roster) {
    let counted =
        |n: usize, one: &str, many: &str| format!("{n} {}", crate::words::plural(n, one, many));
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
        "planned {}, {}, {}, {}, {}; {} skipped, {} unchanged",
        counted(p.count(K::Create), "create", "creates"),
        counted(p.count(K::Update), "update", "updates"),
        counted(p.count(K::Deactivate), "deactivation", "deactivations"),
        counted(p.count(K::Reactivate), "reactivation", "reactivations"),
        counted(p.count(K::Delete), "deletion", "deletions"),
        skipped,
        p.unchanged
    );
}
