//! `[pagerduty]`: the `From` email, the request budget and the file's API URL.

use super::Problems;
use crate::config::connection::check_api_url;
use crate::config::defaults::{
    MAX_BURST, MAX_CONCURRENCY, MAX_REQUEST_TIMEOUT_SECONDS, PAGERDUTY_REQUESTS_PER_MINUTE,
};
use crate::config::resolved::PagerDutyConfig;
use crate::config::schema::PagerDutyTable;
use crate::email::Email;
use std::time::Duration;

/// Checks `[pagerduty]`: `from` is an address PagerDuty accepts; `requests_per_minute`
/// 1–960, `concurrency` 1–64, `burst` 1–60, `request_timeout_seconds` 1–300, and
/// `requests_per_minute + burst` at most 960 (fact F27); `api_url` passes the https-only
/// policy.
pub(super) fn check(pd: &PagerDutyTable, p: &mut Problems<'_>) -> PagerDutyConfig {
    let from = match Email::parse(pd.from.get_ref()) {
        Ok(e) => e,
        Err(e) => {
            p.at(
                "pagerduty.from",
                pd.from.span(),
                format!("{e}; it must be the email of an existing PagerDuty user"),
            );
            Email::normalise(pd.from.get_ref())
        }
    };
    let rpm = *pd.requests_per_minute.get_ref();
    if rpm == 0 || rpm > PAGERDUTY_REQUESTS_PER_MINUTE {
        p.at(
            "pagerduty.requests_per_minute",
            pd.requests_per_minute.span(),
            format!(
                "{rpm} is outside 1..={PAGERDUTY_REQUESTS_PER_MINUTE}; PagerDuty allows {PAGERDUTY_REQUESTS_PER_MINUTE} requests per minute per key"
            ),
        );
    }
    let concurrency = *pd.concurrency.get_ref();
    if concurrency == 0 || concurrency > MAX_CONCURRENCY {
        p.at(
            "pagerduty.concurrency",
            pd.concurrency.span(),
            format!("{concurrency} is outside 1..={MAX_CONCURRENCY}"),
        );
    }
    let burst = *pd.burst.get_ref();
    if burst == 0 || burst > MAX_BURST {
        p.at(
            "pagerduty.burst",
            pd.burst.span(),
            format!("{burst} is outside 1..={MAX_BURST}"),
        );
    }
    let timeout = *pd.request_timeout_seconds.get_ref();
    if !(1..=MAX_REQUEST_TIMEOUT_SECONDS).contains(&timeout) {
        p.at(
            "pagerduty.request_timeout_seconds",
            pd.request_timeout_seconds.span(),
            format!("{timeout} is outside 1..={MAX_REQUEST_TIMEOUT_SECONDS} seconds"),
        );
    }
    if let Some(url) = &pd.api_url
        && let Err(e) = check_api_url(url)
    {
        p.unplaced("pagerduty.api_url", e);
    }
    if rpm.saturating_add(burst) > PAGERDUTY_REQUESTS_PER_MINUTE {
        p.at(
            "pagerduty.requests_per_minute",
            pd.requests_per_minute.span(),
            format!(
                "{rpm} plus a burst of {burst} can put {} requests in one minute, above PagerDuty's {PAGERDUTY_REQUESTS_PER_MINUTE} per key; lower requests_per_minute or burst",
                u64::from(rpm) + u64::from(burst)
            ),
        );
    }
    PagerDutyConfig {
        from,
        requests_per_minute: rpm,
        concurrency,
        burst,
        request_timeout: Duration::from_secs(timeout),
        api_url: pd.api_url.clone(),
    }
}
