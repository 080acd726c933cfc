//! What several commands share: loading the configuration and the export, resolving the
//! connection settings and building the client ([`connect`]), the marker keys, the archive's warnings
//! and checks, and the safety refusal.

use super::Failure;
use crate::archive::{Archive, ArchiveFile};
use crate::cli::{self, SafetyFlags};
use crate::config::{
    Config, Connection, ENV_API_KEY, ENV_MARKER_KEY, ENV_MARKER_KEY_PREVIOUS, read_key_file,
    read_secret_file,
};
use crate::doctor::MarkerKeySources;
use crate::hr::{self, Roster};
use crate::marker::MarkerKeys;
use crate::pagerduty::Client;
use crate::pipeline::{PlanOptions, client_config};
use crate::plan::safety::{self, Overrides};
use crate::plan::{self, Plan, Unkeyed};
use crate::printer::Printer;
use crate::report;
use secrecy::ExposeSecret;
use std::collections::BTreeSet;
use std::path::Path;

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
/// [`Failure::Usage`]: no key, a key that is not UTF-8, a key file that cannot be read or
/// that others can read, or an API URL that is not allowed.
fn settings(cfg: &Config, flags: &cli::Connection) -> Result<Connection, Failure> {
    let file_key = match &flags.api_key_file {
        Some(path) => Some(read_key_file(path).map_err(Failure::Usage)?),
        None => None,
    };
    let env_key = match &file_key {
        Some(_) => None,
        None => env_text(ENV_API_KEY)?,
    };
    if let Some(k) = &env_key {
        crate::config::check_key_text(k.trim(), ENV_API_KEY).map_err(Failure::Usage)?;
    }
    let key = file_key
        .as_ref()
        .map(|k| k.expose_secret())
        .or(env_key.as_deref());
    let (flag_url, env_url) = flags.api_url_given();
    Connection::resolve(flag_url, env_url, key, cfg).map_err(Failure::Usage)
}

/// The marker keys of this run: `--marker-key-file` (read by [`read_secret_file`], the
/// checks of `--api-key-file`) or else `PAGERDUTY_MARKER_KEY`, and, during a rotation,
/// `--marker-key-previous-file` or else `PAGERDUTY_MARKER_KEY_PREVIOUS`
/// ([`MarkerKeys::resolve`]); `None` when no current key is given.
///
/// # Errors
/// [`Failure::Usage`] (exit 64): a key file that cannot be read or that its group or others
/// can use, a key that is empty, shorter than [`crate::marker::sign::MIN_KEY_BYTES`],
/// not UTF-8, or (file or variable alike) of more than one line or with a control character
/// ([`crate::config::check_marker_key_text`]), or a previous key without a current one.
pub(super) fn marker_keys(flags: &cli::Connection) -> Result<Option<MarkerKeys>, Failure> {
    let read = |file: Option<&Path>, name: &str| -> Result<Option<String>, Failure> {
        if let Some(path) = file {
            let key = read_secret_file(path, "marker key").map_err(Failure::Usage)?;
            return Ok(Some(key.expose_secret().to_string()));
        }
        let text = env_text(name)?;
        if let Some(t) = &text {
            crate::config::check_marker_key_text(t, name).map_err(Failure::Usage)?;
        }
        Ok(text)
    };
    let sources = marker_key_sources(flags);
    let current = read(flags.marker_key_file.as_deref(), ENV_MARKER_KEY)?;
    let previous = read(
        flags.marker_key_previous_file.as_deref(),
        ENV_MARKER_KEY_PREVIOUS,
    )?;
    MarkerKeys::resolve(
        (&sources.current, current.as_deref()),
        (&sources.previous, previous.as_deref()),
    )
    .map_err(Failure::Usage)
}

/// The secret in the environment variable `name`, `None` when it is unset.
///
/// # Errors
/// [`Failure::Usage`] (exit 64) when it is not valid UTF-8: no key is, and reading it as
/// unset would give the wrong advice. The message names the variable, never its bytes.
fn env_text(name: &str) -> Result<Option<String>, Failure> {
    match std::env::var(name) {
        Ok(v) => Ok(Some(v)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(Failure::Usage(format!(
            "{name} is not valid UTF-8, so it is not a valid key (a file read with the wrong encoding, or stray bytes); export the key as plain text"
        ))),
    }
}

/// Whether `PAGERDUTY_MARKER_KEY` or `PAGERDUTY_MARKER_KEY_PREVIOUS` is set (to anything,
/// even empty): what `demo`, which reads neither, tells the user it ignores.
pub(super) fn marker_key_variables_set() -> bool {
    [ENV_MARKER_KEY, ENV_MARKER_KEY_PREVIOUS]
        .iter()
        .any(|v| std::env::var_os(v).is_some())
}

/// Where [`marker_keys`] reads each key from, in words (never the key): `the marker key
/// file PATH` (`the previous marker key file PATH`) when the flag is given, else the
/// variable's name.
pub(super) fn marker_key_sources(flags: &cli::Connection) -> MarkerKeySources {
    let named = |file: Option<&Path>, what: &str, name: &str| match file {
        Some(p) => format!("the {what} file {}", p.display()),
        None => name.to_string(),
    };
    MarkerKeySources {
        current: named(
            flags.marker_key_file.as_deref(),
            "marker key",
            ENV_MARKER_KEY,
        ),
        previous: named(
            flags.marker_key_previous_file.as_deref(),
            "previous marker key",
            ENV_MARKER_KEY_PREVIOUS,
        ),
    }
}

/// The planner's options a command's safety flags and the run's marker keys give
/// ([`PlanOptions`]).
pub(super) fn plan_options(flags: SafetyFlags, keys: Option<&MarkerKeys>) -> PlanOptions<'_> {
    PlanOptions {
        allow_oncall_gaps: flags.allow_oncall_gaps,
        rekey_employee_ids: flags.rekey_employee_ids,
        finish_marker_migration: flags.finish_marker_migration,
        allow_new_marker_key: flags.allow_new_marker_key,
        allow_unsigned_run: flags.allow_unsigned_run,
        allow_adoption_by_email: flags.allow_adoption_by_email,
        marker_keys: keys,
        unkeyed: Unkeyed::NotSet,
    }
}

/// A command's way to PagerDuty: the connection settings and the client built from them.
pub(super) struct Connected {
    /// URL and key ([`settings`]).
    pub(super) settings: Connection,
    /// The client for them, with `[pagerduty]`'s `From`, rate, burst, concurrency and
    /// timeouts ([`client_from`]).
    pub(super) client: Client,
}

/// The connection settings of `flags` ([`settings`]) and the client for them and `cfg`
/// ([`client_from`]): the set-up of every command that talks to the account.
///
/// # Errors
/// Those of [`settings`] ([`Failure::Usage`]) and of [`client_from`] ([`Failure::Failed`]).
pub(super) fn connect(cfg: &Config, flags: &cli::Connection) -> Result<Connected, Failure> {
    let settings = settings(cfg, flags)?;
    let client = client_from(cfg, &settings)?;
    Ok(Connected { settings, client })
}

/// The client for `connection` and the `[pagerduty]` section of `cfg` ([`client_config`]).
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
pub(super) fn check_archive(plan: &Plan, archive: &ArchiveFile) -> Result<(), Failure> {
    if plan.attempted(plan::ActionKind::Delete) == 0 {
        return Ok(());
    }
    archive
        .check_writable()
        .map_err(|e| Failure::Usage(format!("{e}; nothing was written")))
}

/// The safety refusal for `plan` (with the `--allow-*` overrides of `flags`), if any:
/// every tripped check, one per line. `abilities` are the account's (`GET /abilities`),
/// read when the plan gives a base role that needs one ([`safety::abilities_needed`]);
/// one it lacks refuses the run ([`safety::missing_abilities`]).
/// `keys` are the run's connection flags, from which the refusal of a wrong marker key
/// names where the key was read ([`marker_key_check`]); `None` for a run without keys.
pub(super) fn refusal(
    p: &Plan,
    cfg: &Config,
    flags: SafetyFlags,
    abilities: Option<&BTreeSet<String>>,
    keys: Option<&cli::Connection>,
) -> Option<Failure> {
    let overrides = overrides(flags);
    let mut problems = safety::check(p, &cfg.safety.caps, overrides);
    if let Some(have) = abilities {
        problems.extend(safety::missing_abilities(p, have));
    }
    let check = keys.map(marker_key_check);
    (!problems.is_empty()).then(|| Failure::Refused(report::refusal(&problems, check.as_deref())))
}

/// Where the run's marker key was read from, and a way to compare it with the earlier
/// runs' key that works for that source, for the refusal of a wrong key: a key file's
/// line ending is not part of the key (`read_secret_file`), so the file's bytes are
/// hashed without it; the variable's value is hashed as it is.
pub(super) fn marker_key_check(flags: &cli::Connection) -> String {
    match flags.marker_key_file.as_deref() {
        Some(path) => {
            let file = crate::quote::shell_word(&path.display().to_string());
            format!(
                "The marker key was read from the marker key file {}: compare `tr -d '\\r\\n' < {file} | sha256sum` with the same for the key the earlier runs used (the file's line ending is not part of the key)",
                path.display()
            )
        }
        None => format!(
            "The marker key was read from {ENV_MARKER_KEY}: compare `printf %s \"${ENV_MARKER_KEY}\" | sha256sum` with the same for the key the earlier runs used"
        ),
    }
}

/// [`refusal`], when the run's marker keys alone refuse `p` (a wrong key, or none on a
/// signed account: [`safety::marker_key_refusal`]): then the plan, built on markers read
/// wrongly, is not printed at all, only the refusal.
pub(super) fn refused_on_markers(
    p: &Plan,
    cfg: &Config,
    flags: SafetyFlags,
    abilities: Option<&BTreeSet<String>>,
    keys: &cli::Connection,
) -> Option<Failure> {
    safety::marker_key_refusal(p, overrides(flags))?;
    refusal(p, cfg, flags, abilities, Some(keys))
}

/// The safety overrides `flags` give.
fn overrides(flags: SafetyFlags) -> Overrides {
    Overrides {
        allow_deactivations: flags.allow_deactivations,
        allow_role_changes: flags.allow_role_changes,
        allow_reactivations: flags.allow_reactivations,
        allow_deletions: flags.allow_deletions,
        allow_probable_duplicates: flags.allow_probable_duplicates,
        allow_rekeys: flags.allow_rekeys,
        allow_new_marker_key: flags.allow_new_marker_key,
        allow_unsigned_run: flags.allow_unsigned_run,
        rekey_employee_ids: flags.rekey_employee_ids,
    }
}
