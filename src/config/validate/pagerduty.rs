//! `[pagerduty]`: the `From` email, the request budget and the file's API URL.

use super::Problems;
use crate::config::connection::check_api_url;
use crate::config::defaults::{
    MAX_BURST, MAX_CONCURRENCY, MAX_CREATE_CONCURRENCY, MAX_RATE_LIMIT_WAIT_SECONDS,
    MAX_REQUEST_TIMEOUT_SECONDS, MAX_REQUESTS_PER_MINUTE,
};
use crate::config::resolved::PagerDutyConfig;
use crate::config::schema::PagerDutyTable;
use crate::email::Email;
use crate::vocab::limits::REQUESTS_PER_MINUTE;
use std::time::Duration;

/// Checks `[pagerduty]`: `from` is an address PagerDuty accepts; `requests_per_minute`
/// 1–1,000,000, `concurrency` 1–256, `create_concurrency` 1–64, `burst` 1–60,
/// `request_timeout_seconds` 1–300, `rate_limit_wait_seconds` 1–86,400; `api_url` passes
/// the https-only policy.
///
/// A budget above PagerDuty's 960 (fact F27) is accepted, for a simulator with a larger
/// one: the client warns at run time unless the server advertises as much, and never sends
/// faster than the advertised limit minus the burst, which is also why `requests_per_minute
/// + burst` may exceed 960.
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
    if rpm == 0 || rpm > MAX_REQUESTS_PER_MINUTE {
        p.at(
            "pagerduty.requests_per_minute",
            pd.requests_per_minute.span(),
            format!(
                "{rpm} is outside 1..={MAX_REQUESTS_PER_MINUTE}; PagerDuty allows {REQUESTS_PER_MINUTE} requests per minute per key"
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
    let create_concurrency = *pd.create_concurrency.get_ref();
    if create_concurrency == 0 || create_concurrency > MAX_CREATE_CONCURRENCY {
        p.at(
            "pagerduty.create_concurrency",
            pd.create_concurrency.span(),
            format!("{create_concurrency} is outside 1..={MAX_CREATE_CONCURRENCY}"),
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
    let rate_limit_wait = *pd.rate_limit_wait_seconds.get_ref();
    if !(1..=MAX_RATE_LIMIT_WAIT_SECONDS).contains(&rate_limit_wait) {
        p.at(
            "pagerduty.rate_limit_wait_seconds",
            pd.rate_limit_wait_seconds.span(),
            format!("{rate_limit_wait} is outside 1..={MAX_RATE_LIMIT_WAIT_SECONDS} seconds"),
        );
    }
    if let Some(url) = &pd.api_url
        && let Err(e) = check_api_url(url)
    {
        p.unplaced("pagerduty.api_url", e);
    }
    PagerDutyConfig {
        from,
        requests_per_minute: rpm,
        concurrency,
        create_concurrency,
        burst,
        request_timeout: Duration::from_secs(timeout),
        rate_limit_wait: Duration::from_secs(rate_limit_wait),
        api_url: pd.api_url.clone(),
    }
}
