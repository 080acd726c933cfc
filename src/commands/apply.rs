//! `apply` and `apply --plan FILE`: compute the plan (or check a saved one against its
//! inputs and the account), print it, refuse as `plan` would, ask unless `--yes`, take the
//! apply lock, execute, and replace `--report FILE` however the run ends: first with a
//! report saying the run is in progress, then as actions end (`live_report`, through
//! `execute`, which `demo` shares), and once more at the end. SIGINT, SIGTERM and `--max-runtime` stop the run early (`stop`).

use super::Failure;
use super::common::{
    Connected, check_archive, connect, log_config, log_requests, log_roster, marker_key_check,
    marker_keys, plan_options, refusal, refused_on_markers, warn_archive,
};
use super::execute::{Run, execute};
use super::prompt::{prompt, read_yes};
use super::report_file::{Ended, check_report, finish_report, report_file, write_report};
use super::stop::Stops;
use crate::apply::lock::{self, ApplyLock};
use crate::cli::{ApplyArgs, SafetyFlags};
use crate::config::{Config, Connection, ENV_MARKER_KEY};
use crate::exit::Exit;
use crate::hr::{self, Roster};
use crate::marker::{self, MarkerKeys, MarkerState, Verdict};
use crate::observe::{self, Needs};
use crate::pagerduty::{Client, models::User};
use crate::pipeline::{load_archive, log_plan, observe_and_plan, observe_for_saved, today};
use crate::plan::{Plan, Step, safety};
use crate::printer::Printer;
use crate::report::{self, RunStatus, file::ReportFile};
use crate::saved_plan::SavedPlan;
use crate::words::plural;
use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::path::Path;
use webhook::{Notify, learn_notify, notify_flag_or_env, send_notification};

/// Runs `apply`: whatever happens after the arguments are parsed, `--report FILE` is
/// replaced with a report of how the run ended (see [`RunStatus`]), and the notification
/// webhook, when one is known by then, gets its summary. A notification that cannot be sent
/// is a warning: it never changes the exit code or the report.
///
/// # Errors
/// Every [`Failure`] of loading, observing, refusing and the saved-plan checks; a
/// [`Failure::Usage`] without `--yes` when stdin is not a terminal, or for a report or lock
/// directory that cannot be written.
pub(super) async fn run(a: ApplyArgs, printer: &Printer) -> Result<Exit, Failure> {
    let file = report_file(a.report.report.as_deref(), a.report.report_format);
    let mut notify = Notify::default();
    // clap has put PAGERDUTY_API_URL here when --api-url is absent.
    notify.learn_api_url(a.connection.api_url.as_deref());
    let result = match (
        notify_flag_or_env(&a),
        Stops::start(a.max_runtime, a.grace_period),
    ) {
        (Ok(url), Ok(stops)) => {
            if let Some((url, source)) = url {
                notify.url = Some(url);
                notify.source = source;
            }
            apply_run(&a, printer, file.as_ref(), &stops, &mut notify).await
        }
        (Err(f), _) | (_, Err(f)) => Err(f),
    };
    if let Some(url) = &notify.url {
        send_notification(url, notify.source, &result, notify.account(), printer).await;
    }
    finish_report(file.as_ref(), result, printer)
}

async fn apply_run(
    a: &ApplyArgs,
    printer: &Printer,
    file: Option<&ReportFile>,
    stops: &Stops,
    notify: &mut Notify,
) -> Result<Ended, Failure> {
    let interactive = std::io::stdin().is_terminal();
    if !a.yes && !interactive {
        return Err(Failure::Usage(
            "apply needs --yes when stdin is not a terminal (nothing was read or written)".into(),
        ));
    }
    // A report that cannot be written is a usage error found before anything else; then
    // last night's report is replaced at once by one saying this run is in progress.
    check_report(file)?;
    write_report(file, &report::starting_json())?;
    if let Some(plan_path) = &a.plan {
        return apply_saved(a, plan_path, printer, file, stops, notify).await;
    }
    let hr_path =
        a.hr.clone()
            .ok_or_else(|| Failure::Usage("apply needs --hr (or --plan)".into()))?;
    let cfg = Config::load(&a.config)?;
    log_config(&a.config);
    learn_notify(notify, &cfg);
    not_ahead(
        &cfg,
        a.as_of.as_of,
        "--as-of",
        "preview that day with plan --as-of",
    )?;
    let roster = hr::read_file(&hr_path, &cfg)?;
    log_roster(&hr_path, &roster);
    let Connected {
        settings: s,
        client,
    } = connect(&cfg, &a.connection)?;
    let keys = marker_keys(&a.connection)?;
    notify.resolved(&s);
    let _lock = stops.race(take_lock(&client, &cfg, &s, printer)).await?;
    let bar = printer.progress();
    let as_of = today(&cfg, a.as_of.as_of);
    let planned = stops
        .race(observe_and_plan(
            &client,
            &cfg,
            &roster,
            &bar,
            &s.api_url,
            as_of,
            plan_options(a.safety, keys.as_ref()),
        ))
        .await?;
    warn_archive(&planned.archive, printer);
    let run = Run {
        stops: Some(stops),
        report: file,
        marker_keys: keys.as_ref(),
        ..Run::planned(&client, &cfg, &planned, &roster, &bar, &s.api_url, printer)
    };
    show_and_apply(a, &run, planned.account.abilities.as_ref(), None).await
}

/// `apply --plan FILE`: check the saved plan against its inputs, the current PagerDuty
/// state and the current on-call duties of its deactivations' users, then apply exactly its
/// actions (each deactivation blocked or not under this run's `--allow-oncall-gaps`).
async fn apply_saved(
    a: &ApplyArgs,
    plan_path: &Path,
    printer: &Printer,
    file: Option<&ReportFile>,
    stops: &Stops,
    notify: &mut Notify,
) -> Result<Ended, Failure> {
    let cfg = Config::load(&a.config)?;
    log_config(&a.config);
    learn_notify(notify, &cfg);
    let saved = SavedPlan::read(plan_path)?;
    saved.check_config(&a.config)?;
    saved.check_as_of(a.as_of.as_of)?;
    not_ahead(
        &cfg,
        saved.as_of,
        "the saved plan's as-of day",
        "apply this plan on or after",
    )?;
    let (archive, snapshot) = load_archive(&cfg)?;
    warn_archive(&snapshot, printer);
    let roster = match &a.hr {
        Some(hr_path) => {
            saved.check_hr(hr_path)?;
            hr::read_file(hr_path, &cfg)?
        }
        // The rows the saved plan skipped for HR problems, listed and counted as with --hr.
        None => Roster {
            problems: saved.hr_problems.clone(),
            ..Roster::default()
        },
    };
    let Connected {
        settings: s,
        client,
    } = connect(&cfg, &a.connection)?;
    let keys = marker_keys(&a.connection)?;
    if let Some(f) = saved_with_key_applied_without(&saved.plan, keys.as_ref(), a.safety) {
        return Err(f);
    }
    notify.resolved(&s);
    saved.check_api_url(&s.api_url)?;
    let _lock = stops.race(take_lock(&client, &cfg, &s, printer)).await?;
    let bar = printer.progress();
    let mut plan = saved.plan_for_apply(a.safety.allow_oncall_gaps);
    let needs = Needs {
        team_members: saved.teams_read.clone(),
        license_holders: false,
        oncall: saved.oncall_users(),
        // Re-checked, as at plan time: the account may have lost an ability since.
        abilities: !safety::abilities_needed(&plan).is_empty(),
    };
    let account = stops
        .race(observe_for_saved(
            &client,
            &cfg,
            &bar,
            &s.api_url,
            &needs,
            !plan.license_moves.is_empty(),
        ))
        .await?;
    bar.finish();
    if let Some(f) = saved_with_another_key(&account.users, keys.as_ref(), a) {
        return Err(f);
    }
    saved.check_account(&plan, &account.users, &account.members, keys.as_ref())?;
    saved.check_oncall(&account.oncall)?;
    SavedPlan::check_restores(&plan, |from| snapshot.restorable(from).is_some())?;
    // The licences counted again against those free now, as `plan` counts them: one used up
    // since the plan was made refuses it before any write (exit 3), like a plan that runs out.
    let (shortfalls, problems) = SavedPlan::license_shortfalls(&plan, &account.licenses);
    if !problems.is_empty() {
        return Err(Failure::Refused(problems.join("; ")));
    }
    plan.license_shortfalls = shortfalls;
    // The day the plan was made as of, when it is applied on another.
    let made = saved
        .as_of
        .filter(|_| a.as_of.as_of.is_none())
        .filter(|d| *d != today(&cfg, None));
    if let Some(made) = made {
        printer.err(&format!(
            "Note: the plan was made as of {made}; it is applied as saved, so changes pending since then are not in it (make a new plan to include them)."
        ));
    }
    log_plan(&plan, &roster);
    warn_not_signed(&plan, keys.as_ref(), printer);
    let run = Run {
        client: &client,
        cfg: &cfg,
        plan: &plan,
        roster: &roster,
        archive: &archive,
        progress: &bar,
        api_url: &s.api_url,
        printer,
        stops: Some(stops),
        report: file,
        key_owner: account.key_owner.as_ref().map(|u| &u.id),
        marker_keys: keys.as_ref(),
    };
    show_and_apply(a, &run, account.abilities.as_ref(), made).await
}

/// The end of both kinds of `apply`, once `run` holds the plan: prints the plan, refuses it
/// when a safety cap is exceeded (`a.safety` the overrides) or it gives a role needing an
/// ability the account lacks (`abilities`, read when the plan gives such a role), ends
/// without a write when it is empty, checks the archive can take its deletions, then asks
/// (unless `--yes`) and applies. `made` is the day a saved plan was made as of when it is
/// applied on another: its pending changes are printed as of that day.
///
/// # Errors
/// The safety refusal, an archive that cannot be written, or what
/// [`confirm_and_execute`] returns.
async fn show_and_apply(
    a: &ApplyArgs,
    run: &Run<'_>,
    abilities: Option<&BTreeSet<String>>,
    made: Option<chrono::NaiveDate>,
) -> Result<Ended, Failure> {
    let printer = run.printer;
    if let Some(f) = refused_on_markers(run.plan, run.cfg, a.safety, abilities, &a.connection) {
        return Err(f);
    }
    printer.out(&report::render_plan_made_as_of(
        run.plan,
        run.roster,
        report::Paint::new(printer.color()),
        made,
    ));
    if let Some(f) = refusal(run.plan, run.cfg, a.safety, abilities, Some(&a.connection)) {
        return Err(f);
    }
    if run.plan.is_empty() {
        return Ok(no_changes(run.client, run.plan, run.roster, printer));
    }
    check_archive(run.plan, run.archive)?;
    confirm_and_execute(a.yes, run).await
}

/// The refusal of a saved `plan` made with `PAGERDUTY_MARKER_KEY` (it says how the
/// account's signed markers verified) applied without it (`keys` is `None`), as a `plan`
/// without the key on that account is refused: the re-checks before deactivations would
/// read every marker unchecked. `--allow-unsigned-run` overrides, as for `plan`.
fn saved_with_key_applied_without(
    plan: &Plan,
    keys: Option<&MarkerKeys>,
    flags: SafetyFlags,
) -> Option<Failure> {
    (keys.is_none() && plan.marker_signatures.is_some() && !flags.allow_unsigned_run).then(|| {
        Failure::Refused(format!(
            "this plan was made with a marker key ({ENV_MARKER_KEY} or --marker-key-file), and none is given for this apply: without it the re-checks before deactivations cannot tell a forged ownership marker from a genuine one. Give the secret the plan was made with, with --marker-key-file FILE or {ENV_MARKER_KEY} (check that the scheduler passes it); only to stop signing on purpose, rerun with --allow-unsigned-run"
        ))
    })
}

/// The refusal of a saved plan applied with a `PAGERDUTY_MARKER_KEY` (and `_PREVIOUS`) that
/// verifies none of the signed markers the account holds now (`users`), by `plan`'s rule and
/// in its words ([`safety::wrong_key_for`]): the saved plan's own counts were taken with
/// the keys of the `plan` run, and this run would sign and re-check markers with a key that
/// is probably wrong. `--allow-new-marker-key` overrides, as for `plan`.
fn saved_with_another_key(
    users: &[User],
    keys: Option<&MarkerKeys>,
    a: &ApplyArgs,
) -> Option<Failure> {
    let overrides = safety::Overrides {
        allow_new_marker_key: a.safety.allow_new_marker_key,
        ..safety::Overrides::default()
    };
    safety::wrong_key_for(&safety::signatures_of(users, keys?), overrides).map(|t| {
        let check = marker_key_check(&a.connection);
        Failure::Refused(report::refusal(&[t], Some(&check)))
    })
}

/// With marker keys, warns when the saved `plan` writes markers the current key did not
/// sign (a plan made without the key, or before a rotation): they are sent as saved, since
/// signing them now would vouch for a plan made without checking the markers it read, and
/// the next run checks them like any marker in PagerDuty.
fn warn_not_signed(plan: &Plan, keys: Option<&MarkerKeys>, printer: &Printer) {
    let Some(keys) = keys else { return };
    // Each written description with the email its user has once the request is done.
    let descriptions = plan.actions.iter().flat_map(|a| {
        a.steps.iter().filter_map(move |s| match s {
            Step::CreateUser(n) => n.description.as_deref().map(|d| (d, n.email.as_str())),
            Step::UpdateUser(u) => u
                .description
                .as_deref()
                .map(|d| (d, u.email.as_deref().unwrap_or(a.email.as_str()))),
            _ => None,
        })
    });
    let not_signed = descriptions
        .filter(|(d, carrier)| {
            let p = marker::parse(Some(d));
            matches!(&p.marker, MarkerState::Valid(m) if keys.check(m, p.sig.as_deref(), carrier) != Verdict::Current)
        })
        .count();
    if not_signed > 0 {
        printer.err(&format!(
            "Warning: {not_signed} {} this saved plan writes {} not signed with {ENV_MARKER_KEY} (the plan was made without it or with another key); {} written as saved, and the next plan checks {} (README.md § Marker integrity)",
            plural(not_signed, "marker", "markers"),
            plural(not_signed, "is", "are"),
            plural(not_signed, "it is", "they are"),
            plural(not_signed, "it", "them")
        ));
    }
}

/// Takes the apply lock for the account `client` reaches ([`lock::account_of`]: the web host
/// of one user's `html_url`, read with one `GET /users?limit=1`, else the normalised API
/// URL of `s`), in `[safety] lock_dir` or else the machine-wide default
/// ([`lock::default_lock_dir`]), either created when missing (mode 0700), warning when it
/// is taken over from a process that no longer holds it.
///
/// # Errors
/// [`Failure::Refused`] when another apply holds it, [`Failure::Usage`] when the lock file
/// cannot be used or no default directory is known, [`Failure::Failed`] when the account
/// cannot be read.
async fn take_lock(
    client: &Client,
    cfg: &Config,
    s: &Connection,
    printer: &Printer,
) -> Result<ApplyLock, Failure> {
    let web = observe::account_web_url(client, &s.api_url).await?;
    let dir = match &cfg.safety.lock_dir {
        Some(d) => d.clone(),
        None => lock::default_lock_dir().ok_or_else(|| {
            Failure::Usage(
                "no state directory is known for the apply lock (no home directory); set [safety] lock_dir".into(),
            )
        })?,
    };
    // A configured directory that does not exist yet is created like the default one (a
    // fresh volume, a first run), rather than refusing the run.
    lock::create_lock_dir(&dir).map_err(|e| Failure::Usage(e.to_string()))?;
    let path = lock::lock_path(&dir, &lock::account_of(web.as_deref(), &s.api_url));
    let lock = ApplyLock::acquire(&path).map_err(|e| match e {
        lock::LockError::Held { .. } => Failure::Refused(e.to_string()),
        lock::LockError::Io { .. } => Failure::Usage(e.to_string()),
    })?;
    if let Some(old) = &lock.taken_over {
        let age = lock::age_text(std::time::Duration::from_secs(
            (chrono::Utc::now().timestamp().max(0) as u64).saturating_sub(old.started),
        ));
        printer.err(&format!(
            "Warning: took over the lock {} left by PID {} (started {age} ago), a process that no longer holds it.",
            path.display(),
            old.pid
        ));
    }
    Ok(lock)
}

/// Refuses an `apply` as of `as_of` when that day is after today in `[lifecycle]
/// default_time_zone`: a dated change (a scheduled termination, a deletion, a future hire's
/// create) would be applied before its date, and what is written cannot wait for the day.
/// `plan` and `validate` preview a later day freely. `what` names where the day came from;
/// `instead` is what to do, followed by the day (`preview that day with plan --as-of` for
/// `--as-of`; `apply this plan on or after` for a saved plan, which applies from its day on).
///
/// # Errors
/// [`Failure::Usage`] (exit 64), before any request.
fn not_ahead(
    cfg: &Config,
    as_of: Option<chrono::NaiveDate>,
    what: &str,
    instead: &str,
) -> Result<(), Failure> {
    let now = today(cfg, None);
    match as_of {
        Some(day) if day > now => Err(Failure::Usage(format!(
            "{what} {day} is after today ({now} in {}): apply writes only what is due, so that no dated change is applied early; {instead} {day} (nothing was sent to PagerDuty)",
            cfg.lifecycle.default_time_zone
        ))),
        _ => Ok(()),
    }
}

/// The report of a run whose plan was empty: `no_changes`, unless skips need a person
/// ([`Plan::needs_attention`]): then the run failed (exit 1), as after an apply.
fn no_changes(client: &Client, plan: &Plan, roster: &Roster, printer: &Printer) -> Ended {
    log_requests(client);
    let stats = client.stats();
    let (exit, status) = match plan.needs_attention().count() {
        0 => (Exit::Success, RunStatus::NoChanges),
        n => {
            printer.err(&format!(
                "Error: nothing to apply, but {n} skipped need{} a person (marked ! under Skipped above); {}, so the run exits 1.",
                plural(n, "s", ""),
                plan.attention_consequence()
            ));
            (Exit::Failure, RunStatus::Failed)
        }
    };
    Ended {
        exit,
        report: report::ApplyReport::new(
            status,
            exit.code(),
            &[],
            plan,
            roster,
            report::requests_json(&stats, &stats, std::time::Duration::ZERO),
        ),
    }
}

/// Asks for confirmation unless `yes`, then applies (the report path was checked first).
///
/// # Errors
/// [`Failure::Usage`] when the answer cannot be read.
async fn confirm_and_execute(yes: bool, run: &Run<'_>) -> Result<Ended, Failure> {
    let answer = async {
        if yes {
            return Ok(true);
        }
        // The answer is read on a blocking thread, so that a signal still ends the run.
        let tty = prompt(run.printer, run.plan.invitations());
        tokio::task::spawn_blocking(move || read_yes(tty))
            .await
            .map_err(|e| Failure::Failed(format!("the prompt failed: {e}")))?
    };
    let yes = match run.stops {
        Some(stops) => stops.race(answer).await?,
        None => answer.await?,
    };
    if let Some(h) = run.stops.and_then(Stops::halted) {
        return Err(run.stops.expect("halted").failure(h));
    }
    if !yes {
        run.printer.out("\nApply cancelled; nothing was changed.\n");
        return Ok(Ended {
            exit: Exit::Success,
            report: report::ApplyReport::stopped(RunStatus::Cancelled, Exit::Success.code(), None),
        });
    }
    run.printer.out("\n");
    Ok(execute(run).await)
}

mod webhook;
