//! Executing a plan, for the commands that apply one (`apply`, `demo`): what a run works
//! with ([`Run`]), the run of a plan just made ([`Run::planned`]), and [`execute`], which
//! applies the plan, prints each outcome and the summary, writes the report as actions end
//! and says how the run ended. Here so that `apply` and `demo` share it without importing
//! each other.

use super::common::log_requests;
use super::live_report::{LiveReport, WRITE_EVERY};
use super::report_file::Ended;
use super::stop::{self, Stops};
use crate::apply::{self, ApplyOptions, Halt, Outcome, OutcomeStatus, Stop};
use crate::archive::ArchiveFile;
use crate::config::Config;
use crate::exit::Exit;
use crate::hr::Roster;
use crate::ids::UserId;
use crate::marker::MarkerKeys;
use crate::observe::{Access, auth_hint};
use crate::pagerduty::Client;
use crate::pipeline::Planned;
use crate::plan::Plan;
use crate::printer::Printer;
use crate::progress::Progress;
use crate::report::{self, RunStatus, file::ReportFile};
use crate::words::plural;
use std::collections::BTreeSet;
use std::sync::Arc;

/// What an apply works with, once the plan is known.
pub(in crate::commands) struct Run<'a> {
    /// The client (its counters give the report's `requests`).
    pub(super) client: &'a Client,
    /// The configuration (`concurrency`, `[lifecycle] protected`).
    pub(super) cfg: &'a Config,
    /// The plan to apply.
    pub(super) plan: &'a Plan,
    /// The export the plan was made from (empty for a saved plan applied without `--hr`).
    pub(super) roster: &'a Roster,
    /// The deletion archive the plan was made with.
    pub(super) archive: &'a Arc<ArchiveFile>,
    /// The run's progress display.
    pub(super) progress: &'a Progress,
    /// The account's API URL, named in the 401/403 hint.
    pub(super) api_url: &'a str,
    /// Where output goes.
    pub(super) printer: &'a Printer,
    /// What stops the run early (`None`: nothing does, as in `demo`).
    pub(super) stops: Option<&'a Stops>,
    /// The `--report FILE`, rewritten as actions end.
    pub(super) report: Option<&'a ReportFile>,
    /// The user that owns the API key (never written, re-checked before deactivations).
    pub(super) key_owner: Option<&'a UserId>,
    /// The run's marker keys, which the re-check before a deactivation verifies markers
    /// with (`None` without `PAGERDUTY_MARKER_KEY`).
    pub(super) marker_keys: Option<&'a MarkerKeys>,
}

// The run of a plan just made, as `apply` and `demo` both set it up; `apply` adds what
// stops it and the report file.
impl<'a> Run<'a> {
    /// A run of the plan in `planned` (with its archive and the API key's owner), made from
    /// `roster`, through `client` under `cfg`, shown on `progress` and `printer`: nothing
    /// stops it early, no report file, no marker keys. A caller sets those it has with
    /// `Run { field, ..Run::planned(...) }`.
    pub(in crate::commands) fn planned(
        client: &'a Client,
        cfg: &'a Config,
        planned: &'a Planned,
        roster: &'a Roster,
        progress: &'a Progress,
        api_url: &'a str,
        printer: &'a Printer,
    ) -> Run<'a> {
        Run {
            client,
            cfg,
            plan: &planned.plan,
            roster,
            archive: &planned.archive_file,
            progress,
            api_url,
            printer,
            stops: None,
            report: None,
            key_owner: planned.account.key_owner.as_ref().map(|u| &u.id),
            marker_keys: None,
        }
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
        .and_then(|s| auth_hint(s, api_url, Access::Write))
}

/// Applies the plan and prints what was done: each outcome as its action ends, then the
/// summary. The `requests` of the report are the apply's own, from a snapshot of the
/// client's counters taken just before it starts.
pub(super) async fn execute(run: &Run<'_>) -> Ended {
    let Run {
        client,
        cfg,
        plan,
        roster,
        archive,
        progress,
        api_url,
        printer,
        stops,
        report: file,
        key_owner,
        marker_keys,
    } = *run;
    let opts = ApplyOptions {
        concurrency: cfg.pagerduty.concurrency,
        protected: cfg.lifecycle.protected.clone(),
        archive: archive.clone(),
        stop: stops.map_or_else(Stop::never, Stops::stop),
        key_owner: key_owner.cloned(),
        marker_keys: marker_keys.cloned(),
    };
    let live = file.map(|f| LiveReport::start(f, plan, roster, printer));
    let before = client.stats();
    let started = std::time::Instant::now();
    let on_outcome = |i: usize, o: &Outcome| {
        if let Some(live) = &live {
            live.record(i, o);
        }
        // Actions never started are counted once at the end, not listed one by one.
        if o.status != OutcomeStatus::NotStarted {
            let line = report::outcome_line(o) + "\n";
            progress.suspend(|| printer.out(&line));
        }
    };
    let work = apply::apply(client, plan, &opts, progress, &on_outcome);
    // Outcomes that ended while no other did are written within a second too.
    let flush = async {
        loop {
            tokio::time::sleep(WRITE_EVERY).await;
            if let Some(live) = &live {
                live.flush();
            }
        }
    };
    let outcomes: Vec<Outcome> = tokio::select! {
        outcomes = work => outcomes,
        () = flush => unreachable!("the flush loop never ends"),
    };
    let requests = report::requests_json(&before, &client.stats(), started.elapsed());
    log_requests(client);
    // What was done is printed before the report is written: the writes have happened, so
    // a report that cannot be written must not also hide their outcome.
    printer.out(&report::render_apply(&outcomes, plan, roster));
    if let Some(hint) = apply_auth_hint(&outcomes, api_url) {
        printer.err(&format!("Error: {hint}"));
    }
    // A blocked deactivation leaves a leaver with access, a team removal PagerDuty refuses
    // (left out of a mover's update) leaves a mover on their old team, and a skip that
    // needs a person leaves someone's access wrong: the run fails so that the scheduler
    // alerts, as it does for a failed action.
    // A deactivation the re-check left undone (the user changed since the plan) leaves a
    // leaver with access too.
    let failed = outcomes.iter().any(|o| {
        matches!(o.status, OutcomeStatus::Failed | OutcomeStatus::Blocked)
            || !o.action.refused_removals.is_empty()
            || o.undone_at_recheck()
    }) || plan.needs_attention().next().is_some();
    let stopped = outcomes
        .iter()
        .any(|o| matches!(o.cause, Some(apply::Cause::AuthenticationRejected)));
    let halt = stopped_early(stops.and_then(Stops::halted), &outcomes);
    if let (Some(h), None) = (stops.and_then(Stops::halted), halt) {
        printer.err(&format!(
            "Note: {} came after every action had ended; the run is complete.",
            match h {
                Halt::Signal(s) => s.name().to_string(),
                Halt::MaxRuntime => "--max-runtime".to_string(),
            }
        ));
    }
    let (exit, status) = match halt {
        Some(Halt::Signal(s)) => (stop::signal_exit(s), RunStatus::Interrupted),
        Some(Halt::MaxRuntime) => (Exit::Failure, RunStatus::Failed),
        None if failed || stopped => (Exit::Failure, RunStatus::Failed),
        None => (Exit::Success, RunStatus::Applied),
    };
    let mut r = report::ApplyReport::new(status, exit.code(), &outcomes, plan, roster, requests);
    if let Some(h) = halt {
        let left = unfinished(&outcomes);
        let why = match h {
            Halt::MaxRuntime => format!(
                "--max-runtime {} ran out",
                stops
                    .and_then(Stops::max_runtime)
                    .map(|d| humantime::format_duration(d).to_string())
                    .unwrap_or_default()
            ),
            Halt::Signal(s) => format!("interrupted by {}", s.name()),
        };
        let message = format!(
            "{why}: {left} of {} action{} not finished (not started or interrupted); the next run finishes them",
            outcomes.len(),
            plural(outcomes.len(), "", "s")
        );
        printer.err(&format!("Error: {message}"));
        r.error = Some(message);
    }
    Ended { exit, report: r }
}

/// How many actions the run's stop left unfinished (not started or interrupted).
fn unfinished(outcomes: &[Outcome]) -> usize {
    outcomes
        .iter()
        .filter(|o| {
            matches!(
                o.status,
                OutcomeStatus::NotStarted | OutcomeStatus::Interrupted
            )
        })
        .count()
}

/// The halt that stopped the run early: `halt`, unless every action had ended when it
/// came (a signal, or `--max-runtime` running out, after the last action): then the run
/// is complete and ends as an undisturbed run would (exit 0 or 1, README.md § Exit
/// codes), since 130 and 143 mean an apply the signal interrupted.
fn stopped_early(halt: Option<Halt>, outcomes: &[Outcome]) -> Option<Halt> {
    halt.filter(|_| unfinished(outcomes) > 0)
}

#[cfg(test)]
mod tests;
