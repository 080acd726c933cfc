//! `plan`: the dry run. Lists PagerDuty (GET requests only), prints the plan as text or
//! JSON, refuses as `apply` would, and with `--out FILE` saves it for `apply --plan FILE`
//! ([`crate::saved_plan`]), printing the command that applies it.

use super::Failure;
use super::common::{
    Connected, connect, load, log_requests, marker_keys, plan_options, pretty, refusal,
    refused_on_markers, warn_archive,
};
use crate::cli::{Format, PlanArgs};
use crate::config::ApiUrlSource;
use crate::exit::Exit;
use crate::pipeline::{observe_and_plan, today};
use crate::printer::Printer;
use crate::quote::shell_word;
use crate::report::{self, file::ReportFile};
use crate::saved_plan::{SavedPlan, Sources, file_sha256};
use std::path::Path;

/// Runs `plan`.
///
/// # Errors
/// Those of loading and [`crate::pipeline::observe_and_plan`]; [`Failure::Usage`] for a marker
/// key that is refused; [`Failure::Refused`] when a safety check
/// trips (after the plan is printed); [`Failure::Usage`] when the saved plan cannot be
/// written or an input cannot be read again for its fingerprint.
pub(super) async fn run(a: PlanArgs, printer: &Printer) -> Result<Exit, Failure> {
    check_out(a.out.as_deref())?;
    let (cfg, roster) = load(&a.inputs.config, &a.inputs.hr)?;
    let Connected {
        settings: s,
        client,
    } = connect(&cfg, &a.connection)?;
    let keys = marker_keys(&a.connection)?;
    let bar = printer.progress();
    let as_of = today(&cfg, a.as_of.as_of);
    let planned = observe_and_plan(
        &client,
        &cfg,
        &roster,
        &bar,
        &s.api_url,
        as_of,
        plan_options(a.safety, keys.as_ref()),
    )
    .await;
    log_requests(&client);
    let planned = planned?;
    warn_archive(&planned.archive, printer);
    let abilities = planned.account.abilities.as_ref();
    if let Some(f) = refused_on_markers(&planned.plan, &cfg, a.safety, abilities, &a.connection) {
        return Err(f);
    }
    match a.format {
        Format::Text => printer.out(&report::render_plan_styled(
            &planned.plan,
            &roster,
            report::Paint::new(printer.color()),
        )),
        Format::Json => printer.out(&(pretty(&report::plan_json(&planned.plan, &roster)) + "\n")),
    }
    if let Some(f) = refusal(
        &planned.plan,
        &cfg,
        a.safety,
        planned.account.abilities.as_ref(),
        Some(&a.connection),
    ) {
        return Err(f);
    }
    if let Some(saved_path) = &a.out {
        let sources = Sources {
            as_of,
            api_url: s.api_url.clone(),
            config_sha256: file_sha256(&a.inputs.config)?,
            config_path: std::fs::canonicalize(&a.inputs.config).ok(),
            hr_sha256: file_sha256(&a.inputs.hr)?,
        };
        let created_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let mut saved = SavedPlan::new(
            planned.plan.clone(),
            &planned.account.users,
            &planned.account.members,
            sources,
            created_at,
            &planned.account.oncall,
        );
        saved.hr_problems = roster.problems.clone();
        saved.write(saved_path)?;
        printer.err(&saved_message(
            saved_path,
            as_of,
            today(&cfg, None),
            &apply_command(&a, s.api_url_source, saved_path),
        ));
    }
    Ok(if a.detailed_exitcode && !planned.plan.is_empty() {
        Exit::Changes
    } else {
        Exit::Success
    })
}

/// What `plan --out` says once the plan is saved to `saved`: the command that applies it
/// (`command`). A plan made as of `as_of`, a day after `today`, cannot be applied before that
/// day (`apply` refuses it with exit 64, so that no dated change is written early), so the
/// message says from which day the command works.
fn saved_message(
    saved: &Path,
    as_of: chrono::NaiveDate,
    today: chrono::NaiveDate,
    command: &str,
) -> String {
    if as_of > today {
        format!(
            "Saved the plan to {}, made as of {as_of}, after today ({today}): apply refuses it before {as_of} (exit 64). On or after {as_of}, to apply exactly these actions: {command}",
            saved.display()
        )
    } else {
        format!(
            "Saved the plan to {}. To apply exactly these actions: {command}",
            saved.display()
        )
    }
}

/// Finds out, before anything is read or listed, whether the saved plan can be written to
/// `out` (its directory exists and takes a file; the path is not a directory), without
/// touching a file already there.
///
/// # Errors
/// [`Failure::Usage`] (exit 64) when it cannot.
fn check_out(out: Option<&Path>) -> Result<(), Failure> {
    match out {
        Some(path) => ReportFile::new(path).check().map_err(|e| {
            Failure::Usage(format!(
                "cannot write the plan to {}: {e}; nothing was listed",
                path.display()
            ))
        }),
        None => Ok(()),
    }
}

/// The command that applies the plan saved to `saved`: the configuration, the saved plan,
/// the `--api-url` when the URL came from it (`source`), the `--api-key-file`, the marker key files and the safety overrides the plan was made with (a saved plan is checked
/// again when applied, so it needs the same overrides), the `--as-of` it was made with
/// (checked against the plan's), and `--yes` (the plan has been reviewed), each word
/// quoted for a POSIX shell.
fn apply_command(a: &PlanArgs, source: ApiUrlSource, saved: &Path) -> String {
    let mut words: Vec<String> = vec![
        "hr2pagerduty".into(),
        "apply".into(),
        "--config".into(),
        a.inputs.config.display().to_string(),
        "--plan".into(),
        saved.display().to_string(),
    ];
    // A URL that came from `PAGERDUTY_API_URL` is left to it, as the key is; the flag's
    // value is repeated as given.
    if let (ApiUrlSource::Flag, Some(url)) = (source, &a.connection.api_url) {
        words.extend(["--api-url".into(), url.clone()]);
    }
    let files = [
        ("--api-key-file", &a.connection.api_key_file),
        ("--marker-key-file", &a.connection.marker_key_file),
        (
            "--marker-key-previous-file",
            &a.connection.marker_key_previous_file,
        ),
    ];
    for (flag, path) in files {
        if let Some(path) = path {
            words.extend([flag.into(), path.display().to_string()]);
        }
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
    if let Some(n) = a.safety.allow_deletions {
        words.extend(["--allow-deletions".into(), n.to_string()]);
    }
    if let Some(n) = a.safety.allow_probable_duplicates {
        words.extend(["--allow-probable-duplicates".into(), n.to_string()]);
    }
    if let Some(n) = a.safety.allow_rekeys {
        words.extend(["--allow-rekeys".into(), n.to_string()]);
    }
    if let Some(d) = a.as_of.as_of {
        words.extend(["--as-of".into(), d.to_string()]);
    }
    if a.safety.allow_oncall_gaps {
        words.push(crate::oncall::ALLOW_FLAG.into());
    }
    if a.safety.allow_new_marker_key {
        words.push("--allow-new-marker-key".into());
    }
    if a.safety.allow_unsigned_run {
        words.push("--allow-unsigned-run".into());
    }
    words.push("--yes".into());
    words
        .iter()
        .map(|w| shell_word(w))
        .collect::<Vec<_>>()
        .join(" ")
}
