//! The simulator's clock and its reading of timestamps in query strings.

use super::error::SimError;
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

/// Where "now" comes from: the system clock, or an instant fixed by the seed's `now` (or
/// [`super::SimHandle::set_clock`]), where time stands still.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Clock {
    /// `Utc::now()`.
    System,
    /// Always this instant.
    Fixed(DateTime<Utc>),
}

impl Clock {
    /// The current instant.
    pub(crate) fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Fixed(t) => *t,
        }
    }
}

/// Parses a `since`/`until` query value: RFC 3339 (`2026-03-02T09:00:00Z`,
/// `2026-03-02T10:00:00+01:00`) or a bare date (`2026-03-02`, read as midnight UTC; Inf:
/// PagerDuty reads dates without an offset in the account's or the given `time_zone`, which the
/// simulator does not model).
///
/// # Errors
/// 400/2001 naming the parameter and the value.
pub(crate) fn parse_instant(name: &str, value: &str) -> Result<DateTime<Utc>, SimError> {
    let value = value.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc());
    }
    Err(SimError::invalid_input(vec![format!(
        "{name} must be an ISO 8601 date-time such as 2026-03-02T09:00:00Z, got {value:?}"
    )]))
}

/// An instant as the simulator renders it: in UTC (Inf: PagerDuty renders timestamps in the
/// account's or the requested `time_zone`; the instant is the same).
pub(crate) fn render(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    t.fixed_offset()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rfc3339_and_dates() {
        let t = parse_instant("since", "2026-03-02T10:00:00+01:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-03-02T09:00:00+00:00");
        let d = parse_instant("until", "2026-03-02").unwrap();
        assert_eq!(d.to_rfc3339(), "2026-03-02T00:00:00+00:00");
        let e = parse_instant("since", "yesterday").unwrap_err();
        assert_eq!(e.status(), 400);
        assert!(e.to_string().contains("since must be"), "{e}");
        let fixed = Clock::Fixed(d);
        assert_eq!(fixed.now(), d);
    }
}
