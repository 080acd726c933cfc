//! The run's notification webhook (`--notify`, `HR2PAGERDUTY_NOTIFY_URL`, `[notify] url`):
//! which URL, which account the summary names, and sending the summary at the end.

use super::super::Failure;
use super::super::report_file::Ended;
use crate::cli::ApplyArgs;
use crate::config::{Config, Connection, ENV_NOTIFY_URL, NotifyUrl, api_url_of};
use crate::notify;
use crate::printer::Printer;
use crate::report;

/// Where the run's summary goes and the account it names, as far as the run got to know.
#[derive(Debug, Default)]
pub(super) struct Notify {
    /// The webhook: `--notify`, else `HR2PAGERDUTY_NOTIFY_URL`, else `[notify] url` once the
    /// configuration is loaded.
    pub(super) url: Option<NotifyUrl>,
    /// Where [`Notify::url`] came from: `--notify`, `HR2PAGERDUTY_NOTIFY_URL` or
    /// `[notify] url`, named when the summary cannot be sent.
    pub(super) source: &'static str,
    /// The account's API URL as far as it is known: `--api-url` or `PAGERDUTY_API_URL` from
    /// the start, else `[pagerduty] api_url` (or the default) once the configuration is
    /// loaded, and the resolved one after that; `None` while none is known.
    pub(super) api_url: Option<String>,
}

impl Notify {
    /// The URL the summary names: [`Notify::api_url`] or `(API URL not resolved)`.
    pub(super) fn account(&self) -> &str {
        self.api_url.as_deref().unwrap_or("(API URL not resolved)")
    }

    /// Learns `url` (from a flag, the environment or the configuration) unless one is known;
    /// a URL the API URL policy refuses is not named. The one way a URL not yet resolved
    /// gets here ([`Notify::resolved`] is the other, for the run's connection).
    pub(super) fn learn_api_url(&mut self, url: Option<&str>) {
        if self.api_url.is_none()
            && let Some(u) = url.map(|u| u.trim().trim_end_matches('/'))
            && !u.is_empty()
            && crate::config::check_api_url(u).is_ok()
        {
            self.api_url = Some(u.to_string());
        }
    }

    /// The run's connection is resolved: its API URL is the account named from now on.
    pub(super) fn resolved(&mut self, connection: &Connection) {
        self.api_url = Some(connection.api_url.clone());
    }
}

/// `--notify`, else `HR2PAGERDUTY_NOTIFY_URL` (clap reads it), checked by the API URL's
/// policy, with where it came from.
///
/// # Errors
/// [`Failure::Usage`] (exit 64) for a URL the policy refuses (the message names its source
/// and does not repeat it).
pub(super) fn notify_flag_or_env(
    a: &ApplyArgs,
) -> Result<Option<(NotifyUrl, &'static str)>, Failure> {
    // clap has put `HR2PAGERDUTY_NOTIFY_URL` here when the flag is absent, and refused an
    // empty value of either.
    let Some(url) = a.notify.as_deref() else {
        return Ok(None);
    };
    let source = notify_source(url);
    NotifyUrl::parse(url, source)
        .map(|u| Some((u, source)))
        .map_err(Failure::Usage)
}

/// Where clap's `--notify` value `url` came from: the variable when it holds that value
/// (clap reads it only without the flag; a flag repeating the variable's value is named as
/// the variable, the same URL either way), else the flag.
fn notify_source(url: &str) -> &'static str {
    match std::env::var(ENV_NOTIFY_URL) {
        Ok(v) if v == url => ENV_NOTIFY_URL,
        _ => "--notify",
    }
}

/// Sends the summary of `result` (the report the run writes, or would write) to `url`; a
/// failure is a warning on stderr and changes nothing else.
pub(super) async fn send_notification(
    url: &NotifyUrl,
    source: &str,
    result: &Result<Ended, Failure>,
    api_url: &str,
    printer: &Printer,
) {
    let report = match result {
        Ok(ended) => ended.report.clone(),
        Err(f) => report::ApplyReport::stopped(f.status(), f.exit().code(), Some(&f.to_string())),
    };
    let text = notify::summary_text(&report, api_url);
    match notify::send(url, &text).await {
        Ok(()) => tracing::info!("sent the run summary to the notification webhook"),
        Err(e) => printer.err(&format!(
            "Warning: the run summary could not be sent to the notification webhook (the URL from {source}): {e}"
        )),
    }
}

/// `[notify] url` of `cfg`, unless `--notify` or the environment already named one; and
/// `[pagerduty] api_url` (or the default: [`api_url_of`] without a flag or variable) as
/// the account named, unless one is known.
pub(super) fn learn_notify(notify: &mut Notify, cfg: &Config) {
    if notify.url.is_none() {
        notify.url = cfg.notify.url.clone();
        notify.source = "[notify] url";
    }
    notify.learn_api_url(Some(api_url_of(None, None, cfg).0));
}
