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
use crate::pagerduty::Client;
use crate::pipeline::{PlanOptions, client_config};
use crate::plan::safety::{self, Overrides};
use crate::plan::{self, Plan, SafetyPolicy};
use crate::printer::Printer;
use crate::report::{self, file::ReportFile};
use secrecy::ExposeSecret;
use std::io::{BufRead, Write};
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

/// The planner's options a command's safety flags give ([`PlanOptions`]).
pub(super) fn plan_options(flags: SafetyFlags) -> PlanOptions {
    PlanOptions {
        allow_oncall_gaps: flags.allow_oncall_gaps,
        rekey_employee_ids: flags.rekey_employee_ids,
    }
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
pub(super) fn check_archive(plan: &Plan, archive: &Archive) -> Result<(), Failure> {
    if plan.attempted(plan::ActionKind::Delete) == 0 {
        return Ok(());
    }
    archive
        .check_writable()
        .map_err(|e| Failure::Usage(format!("{e}; nothing was written")))
}

/// The safety refusal for `plan` (with the `--allow-*` overrides of `flags`), if any:
/// every tripped check, one per line.
pub(super) fn refusal(p: &Plan, cfg: &Config, flags: SafetyFlags) -> Option<Failure> {
    let overrides = Overrides {
        allow_deactivations: flags.allow_deactivations,
        allow_role_changes: flags.allow_role_changes,
        allow_reactivations: flags.allow_reactivations,
        allow_deletions: flags.allow_deletions,
        allow_probable_duplicates: flags.allow_probable_duplicates,
        allow_rekeys: flags.allow_rekeys,
        allow_new_marker_key: flags.allow_new_marker_key,
    };
    let problems = safety::check(p, &SafetyPolicy::from_config(cfg), overrides);
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
mod tests {
    use super::*;

    #[test]
    fn shell_words_are_quoted_only_when_a_shell_would_split_or_expand_them() {
        assert_eq!(shell_word("samples/config.toml"), "samples/config.toml");
        assert_eq!(
            shell_word("--api-url=http://127.0.0.1:8080"),
            "--api-url=http://127.0.0.1:8080"
        );
        assert_eq!(shell_word("my plan.json"), "'my plan.json'");
        assert_eq!(shell_word("$HOME"), "'$HOME'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word(""), "''");
    }

    #[test]
    fn the_prompt_says_how_many_invitation_emails_pagerduty_will_send() {
        let out = crate::printer::tests::Sink::default();
        let err = crate::printer::tests::Sink::default();
        let printer = Printer::to_writers(Box::new(out.clone()), Box::new(err.clone()), 0);
        assert!(prompt(&printer, 3).is_none());
        // On stderr, never stdout; a printer of writers is no terminal, so the question
        // says where the plan went.
        assert_eq!(out.text(), "");
        assert_eq!(
            err.text(),
            "\nDo you want to perform these actions? (the plan was written to stdout, which is not this terminal)\n  PagerDuty will send 3 invitation emails (one per user created).\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: "
        );
        assert_eq!(
            prompt_text(1, false),
            "\nDo you want to perform these actions?\n  PagerDuty will send 1 invitation email (one per user created).\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: "
        );
        // Nothing to say when nobody is created.
        let none = prompt_text(0, false);
        assert!(!none.contains("invitation"), "{none}");
    }

    #[test]
    fn a_stopped_run_replaces_the_report_with_why_and_keeps_its_exit_code() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.json");
        std::fs::write(&path, "last night's").unwrap();
        let file = ReportFile::new(&path);
        let printer = Printer::to_writers(Box::new(std::io::sink()), Box::new(std::io::sink()), 0);
        let result = finish_report(
            Some(&file),
            Err(Failure::Refused("a check tripped".into())),
            &printer,
        );
        assert_eq!(result.unwrap_err().exit(), Exit::Refused);
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(v["status"], "refused");
        assert_eq!(v["exit_code"], 3);
        assert_eq!(v["error"], "refused before any write: a check tripped");
    }
}
