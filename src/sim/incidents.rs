//! Incidents: seeded, listed by `GET /incidents`, and consulted by `DELETE /users/{id}`
//! (refused while the user has assigned incidents, fact F22). The simulator creates, updates
//! and resolves no incidents.

use super::clock::{parse_instant, render};
use super::error::SimError;
use super::idgen::IdGenerator;
use super::links::Lookup;
use super::oncall::OncallBook;
use super::seed::SeedIncident;
use crate::ids::IncidentId;
use crate::pagerduty::models::incidents::{Assignment, Incident, IncidentStatus, Urgency};
use chrono::{DateTime, Months, Utc};
use std::collections::HashSet;

/// Width of the search when neither `since` nor `until` is given, and of the range when only
/// one is: "default is 1 month" (OpenAPI `listIncidents` `since`/`until`).
const DEFAULT_RANGE_MONTHS: u32 = 1;
/// Widest search: "Maximum range is 6 months" (same parameters).
const MAX_RANGE_MONTHS: u32 = 6;

/// A creation-time range: from (inclusive) to (exclusive).
pub(crate) type Range = (DateTime<Utc>, DateTime<Utc>);

#[derive(Debug, Clone)]
struct IncidentRecord {
    id: String,
    number: u64,
    title: String,
    status: IncidentStatus,
    urgency: Urgency,
    created_at: DateTime<Utc>,
    resolved_at: Option<DateTime<Utc>>,
    /// (user ID, assigned at).
    assignments: Vec<(String, DateTime<Utc>)>,
    policy: Option<String>,
}

/// Which incidents `GET /incidents` returns.
#[derive(Debug, Clone, Default)]
pub(crate) struct IncidentFilter {
    /// Incidents currently assigned to one of these users (when non-empty).
    pub(crate) user_ids: Vec<String>,
    /// Only these statuses (when non-empty).
    pub(crate) statuses: Vec<IncidentStatus>,
    /// Only these urgencies (when non-empty).
    pub(crate) urgencies: Vec<Urgency>,
    /// Only incidents whose escalation policy belongs to one of these teams (when non-empty).
    pub(crate) team_ids: Vec<String>,
    /// Created at or after the first and before the second; `None` with `date_range=all`.
    pub(crate) range: Option<Range>,
}

/// The creation-time range `GET /incidents` searches.
///
/// - `date_range=all`: every incident ("the since and until parameters and defaults are
///   ignored"); any other `date_range` value → 400.
/// - Neither `since` nor `until`: the month before `now` (the documented default of 1
///   month, Inf: ending now).
/// - Only one of them: a range of 1 month from `since`, or up to `until` (Inf: the default
///   width applied to the missing side).
/// - `until` before `since`, or a range longer than 6 months → 400/2001 (Inf: PagerDuty
///   documents the maximum, not its error).
///
/// # Errors
/// 400/2001 as above, or for a value that is not a date-time.
pub(crate) fn search_range(
    date_range: Option<&str>,
    since: Option<&str>,
    until: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Option<Range>, SimError> {
    match date_range {
        Some("all") => return Ok(None),
        Some(other) => {
            return Err(SimError::invalid_input(vec![format!(
                "date_range must be all, got {other:?}"
            )]));
        }
        None => {}
    }
    let month = Months::new(DEFAULT_RANGE_MONTHS);
    let since = since.map(|v| parse_instant("since", v)).transpose()?;
    let until = until.map(|v| parse_instant("until", v)).transpose()?;
    let (since, until) = match (since, until) {
        (None, None) => (now - month, now),
        (Some(s), None) => (s, s + month),
        (None, Some(u)) => (u - month, u),
        (Some(s), Some(u)) => (s, u),
    };
    if until < since {
        return Err(SimError::invalid_input(vec![
            "until must not be before since".to_string(),
        ]));
    }
    if since + Months::new(MAX_RANGE_MONTHS) < until {
        return Err(SimError::invalid_input(vec![
            "The date range of an incident search may not exceed 6 months".to_string(),
        ]));
    }
    Ok(Some((since, until)))
}

/// The incidents of the account, ordered by creation time, then number.
#[derive(Debug, Default)]
pub(crate) struct IncidentBook {
    incidents: Vec<IncidentRecord>,
}

impl IncidentBook {
    /// Builds the book from the seed's `incidents`; `users` are the seeded user IDs.
    pub(crate) fn from_seed(
        seeded: &[SeedIncident],
        users: &HashSet<String>,
        policies: &OncallBook,
        ids: &mut IdGenerator,
        problems: &mut Vec<String>,
    ) -> IncidentBook {
        let mut numbers = HashSet::new();
        let mut next = seeded
            .iter()
            .filter_map(|i| i.incident_number)
            .max()
            .unwrap_or(0);
        let mut incidents = Vec::new();
        for (i, s) in seeded.iter().enumerate() {
            let entry = format!("incidents[{i}] ({})", s.title);
            let mut errors = Vec::new();
            if s.kind.as_deref().is_some_and(|k| k != "incident") {
                errors.push("type must be incident".to_string());
            }
            if s.title.trim().is_empty() {
                errors.push("title can't be blank".to_string());
            }
            // Seed-given IDs are checked and reserved by the account beforehand.
            let id = s.id.clone().unwrap_or_else(|| ids.fresh());
            let number = s.incident_number.unwrap_or_else(|| {
                next += 1;
                next
            });
            if !numbers.insert(number) {
                errors.push(format!("incident_number {number} is used twice"));
            }
            let status = s.status.clone().unwrap_or(IncidentStatus::Triggered);
            if !IncidentStatus::ALL.contains(&status) {
                errors.push(format!(
                    "status {:?} must be triggered, acknowledged or resolved",
                    status.as_str()
                ));
            }
            let urgency = s.urgency.clone().unwrap_or(Urgency::High);
            if !Urgency::ALL.contains(&urgency) {
                errors.push(format!(
                    "urgency {:?} must be high or low",
                    urgency.as_str()
                ));
            }
            let created_at = s.created_at.to_utc();
            let resolved_at = match (&status, s.resolved_at) {
                (IncidentStatus::Resolved, at) => {
                    Some(at.map(|t| t.to_utc()).unwrap_or(created_at))
                }
                (_, Some(_)) => {
                    errors.push("only a resolved incident has resolved_at".to_string());
                    None
                }
                (_, None) => None,
            };
            if status == IncidentStatus::Resolved && !s.assignments.is_empty() {
                errors.push(
                    "a resolved incident is assigned to nobody (\"resolved incidents are not \
                     assigned to any user\", OpenAPI listIncidents)"
                        .to_string(),
                );
            }
            let mut assignments = Vec::new();
            for a in &s.assignments {
                if a.assignee
                    .kind
                    .as_deref()
                    .is_some_and(|k| k != "user_reference" && k != "user")
                {
                    errors.push(format!(
                        "assignee {:?} must be a user_reference",
                        a.assignee.id
                    ));
                } else if !users.contains(&a.assignee.id) {
                    errors.push(format!(
                        "assignee {:?} is not a user of the seed",
                        a.assignee.id
                    ));
                }
                assignments.push((
                    a.assignee.id.clone(),
                    a.at.map(|t| t.to_utc()).unwrap_or(created_at),
                ));
            }
            let policy = s.escalation_policy.as_ref().map(|p| p.id.clone());
            if let Some(p) = &s.escalation_policy {
                if p.kind
                    .as_deref()
                    .is_some_and(|k| k != "escalation_policy_reference")
                {
                    errors.push(format!(
                        "escalation_policy {:?} must be an escalation_policy_reference",
                        p.id
                    ));
                } else if !policies.has_policy(&p.id) {
                    errors.push(format!(
                        "escalation_policy {:?} is not a policy of the seed",
                        p.id
                    ));
                }
            }
            problems.extend(errors.into_iter().map(|e| format!("{entry}: {e}")));
            incidents.push(IncidentRecord {
                id,
                number,
                title: s.title.trim().to_string(),
                status,
                urgency,
                created_at,
                resolved_at,
                assignments,
                policy,
            });
        }
        incidents.sort_by_key(|i| (i.created_at, i.number));
        IncidentBook { incidents }
    }

    /// The open (triggered or acknowledged) incidents assigned to `user`, as (ID, title).
    pub(crate) fn open_assigned_to(&self, user: &str) -> Vec<(&str, &str)> {
        self.incidents
            .iter()
            .filter(|i| i.status.is_open() && i.assignments.iter().any(|(u, _)| u == user))
            .map(|i| (i.id.as_str(), i.title.as_str()))
            .collect()
    }

    /// Positions of the incidents matching `f`, in API order (creation time, then number;
    /// Inf: PagerDuty's default order is not documented).
    pub(crate) fn matching(&self, f: &IncidentFilter, policies: &OncallBook) -> Vec<usize> {
        self.incidents
            .iter()
            .enumerate()
            .filter(|(_, i)| {
                f.user_ids.is_empty() || i.assignments.iter().any(|(u, _)| f.user_ids.contains(u))
            })
            .filter(|(_, i)| f.statuses.is_empty() || f.statuses.contains(&i.status))
            .filter(|(_, i)| f.urgencies.is_empty() || f.urgencies.contains(&i.urgency))
            .filter(|(_, i)| {
                f.team_ids.is_empty()
                    || i.policy
                        .as_deref()
                        .and_then(|p| policies.policy_team(p))
                        .is_some_and(|t| f.team_ids.iter().any(|x| x == t))
            })
            .filter(|(_, i)| {
                f.range
                    .is_none_or(|(since, until)| i.created_at >= since && i.created_at < until)
            })
            .map(|(n, _)| n)
            .collect()
    }

    /// The incident at position `n` (from [`IncidentBook::matching`]) as the API shows it.
    pub(crate) fn render(&self, n: usize, policies: &OncallBook, lk: &dyn Lookup) -> Incident {
        let i = &self.incidents[n];
        let changed = i.resolved_at.unwrap_or(i.created_at);
        Incident {
            id: IncidentId::new(&*i.id),
            kind: "incident".to_string(),
            summary: Some(format!("[#{}] {}", i.number, i.title)),
            self_url: Some(lk.api_url(&format!("/incidents/{}", i.id))),
            html_url: Some(lk.web_url(&format!("/incidents/{}", i.id))),
            incident_number: i.number,
            title: i.title.clone(),
            created_at: render(i.created_at),
            updated_at: Some(render(changed)),
            status: i.status.clone(),
            urgency: Some(i.urgency.clone()),
            assignments: i
                .assignments
                .iter()
                .map(|(u, at)| Assignment {
                    at: render(*at),
                    assignee: lk.user_ref(u),
                })
                .collect(),
            assigned_via: Some("escalation_policy".to_string()),
            last_status_change_at: Some(render(changed)),
            resolved_at: i.resolved_at.map(render),
            escalation_policy: i.policy.as_deref().map(|p| policies.policy_ref(p, lk)),
            teams: i
                .policy
                .as_deref()
                .and_then(|p| policies.policy_team(p))
                .map(|t| vec![lk.team_ref(t, false)])
                .unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn search_range_defaults_and_limits() {
        let now = at("2026-03-15T12:00:00Z");
        assert_eq!(
            search_range(Some("all"), Some("x"), None, now).unwrap(),
            None
        );
        assert_eq!(
            search_range(None, None, None, now).unwrap(),
            Some((at("2026-02-15T12:00:00Z"), now))
        );
        assert_eq!(
            search_range(None, Some("2026-01-01"), None, now).unwrap(),
            Some((at("2026-01-01T00:00:00Z"), at("2026-02-01T00:00:00Z")))
        );
        assert_eq!(
            search_range(None, None, Some("2026-01-01T00:00:00Z"), now).unwrap(),
            Some((at("2025-12-01T00:00:00Z"), at("2026-01-01T00:00:00Z")))
        );
        assert!(search_range(None, Some("2026-01-01"), Some("2026-07-01"), now).is_ok());
        for (since, until) in [("2026-01-01", "2026-07-02"), ("2026-02-01", "2026-01-01")] {
            let e = search_range(None, Some(since), Some(until), now).unwrap_err();
            assert_eq!(e.envelope().error.code, Some(2001), "{since}..{until}");
        }
        assert_eq!(
            search_range(Some("week"), None, None, now)
                .unwrap_err()
                .status(),
            400
        );
    }
}
