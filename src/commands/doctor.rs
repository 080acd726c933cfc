//! `doctor`: checks, before the first run, that a configuration can work against its
//! account, with GET requests only, and says for each check whether it passed and what to
//! do when it did not (README.md § Before the first run: doctor).
//!
//! The command wires three pieces: [`crate::observe::preflight`] reads the facts,
//! [`crate::doctor`] judges them (the table of checks is there), and
//! [`report::doctor_text`] or [`report::doctor_json`] prints them. Exit 0 only when no
//! check failed; any failure is exit 1.

use super::Failure;
use super::common::{Connected, connect, log_requests, marker_key_sources, marker_keys, pretty};
use crate::cli::{DoctorArgs, Format};
use crate::config::Config;
use crate::doctor;
use crate::exit::Exit;
use crate::observe::Observer;
use crate::printer::Printer;
use crate::progress::Progress;
use crate::report;

/// Runs `doctor`.
///
/// # Errors
/// [`Failure::Config`] (exit 78) when the configuration does not load, [`Failure::Usage`]
/// (exit 64) without a key or with a URL the policy refuses; every check's own failure is
/// exit 1 after all checks are printed.
pub(super) async fn run(a: DoctorArgs, printer: &Printer) -> Result<Exit, Failure> {
    // Names outside PagerDuty's vocabulary are the vocabulary check's failure, not a
    // refusal of the file: the other checks still run (README § Before the first run).
    let (cfg, vocabulary) = Config::load_keeping_vocabulary(&a.config)?;
    let Connected {
        settings: s,
        client,
    } = connect(&cfg, &a.connection)?;
    let hidden = Progress::hidden();
    let observer = Observer::new(&client, &hidden, cfg.pagerduty.concurrency, &s.api_url);
    let facts = observer.preflight(&doctor::asked(&cfg)).await;
    log_requests(&client);
    let keys = marker_keys(&a.connection).map_err(|f| f.to_string());
    let sources = marker_key_sources(&a.connection);
    let archive = cfg.lifecycle.archive.as_deref().map(archive_presence);
    let key_source = match &a.connection.api_key_file {
        Some(p) => format!("the API key file {}", p.display()),
        None => crate::config::ENV_API_KEY.to_string(),
    };
    let local = doctor::Local {
        marker_keys: keys,
        sources: &sources,
        archive,
        vocabulary: &vocabulary,
    };
    let checks = doctor::diagnose(&cfg, &facts, local, &s.api_url, &key_source);
    let config = a.config.display().to_string();
    match a.format {
        Format::Text => printer.out(&report::doctor_text(&config, &s.api_url, &checks)),
        Format::Json => {
            let v = report::doctor_json(&config, &s.api_url, &checks);
            printer.out(&(pretty(&v) + "\n"));
        }
    }
    Ok(if doctor::passed(&checks) {
        Exit::Success
    } else {
        Exit::Failure
    })
}

/// How the archive file `path` stands now, for the doctor's check.
fn archive_presence(path: &std::path::Path) -> doctor::ArchivePresence {
    if path.exists() {
        doctor::ArchivePresence::Exists
    } else if crate::archive::folder_exists(path) {
        doctor::ArchivePresence::Missing
    } else {
        doctor::ArchivePresence::NoFolder
    }
}
