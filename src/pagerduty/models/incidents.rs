//! Incidents, as far as offboarding needs them: who an open incident is assigned to
//! (`DELETE /users/{id}` is refused while a user has assigned incidents, fact F22).
//!
//! Shapes follow PagerDuty's OpenAPI document (`components.schemas.Incident`, `Assignment`,
//! and the `listIncidents` response). Only the fields hr2pagerduty and the simulator use are
//! typed; the others are ignored on decode.

use super::oncall::EscalationPolicyReference;
use super::{Pagination, TeamReference, UserReference};
use crate::ids::IncidentId;
use crate::vocab::roles::string_enum;
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use std::fmt;

/// An incident's status (OpenAPI `Incident.status`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum IncidentStatus {
    /// Open, not yet acknowledged.
    Triggered,
    /// Open, acknowledged by a responder.
    Acknowledged,
    /// Closed; a resolved incident is assigned to nobody.
    Resolved,
    /// A value outside the documented enum ("More status codes may be introduced in the
    /// future", `listIncidents` `statuses[]`), kept verbatim.
    Other(String),
}

impl IncidentStatus {
    /// Every documented status.
    pub const ALL: [IncidentStatus; 3] = [
        IncidentStatus::Triggered,
        IncidentStatus::Acknowledged,
        IncidentStatus::Resolved,
    ];

    /// The API spelling, e.g. `"acknowledged"`.
    pub fn as_str(&self) -> &str {
        match self {
            IncidentStatus::Triggered => "triggered",
            IncidentStatus::Acknowledged => "acknowledged",
            IncidentStatus::Resolved => "resolved",
            IncidentStatus::Other(s) => s,
        }
    }

    /// True for `triggered` and `acknowledged`: the incident still needs someone.
    pub fn is_open(&self) -> bool {
        matches!(
            self,
            IncidentStatus::Triggered | IncidentStatus::Acknowledged
        )
    }
}

string_enum!(IncidentStatus);

/// An incident's urgency, also the urgency a notification rule applies to (OpenAPI
/// `Incident.urgency`, `NotificationRule.urgency`: `high` or `low`; `low` needs the account's
/// `urgencies` ability).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum Urgency {
    /// High urgency (PagerDuty's default).
    High,
    /// Low urgency.
    Low,
    /// A value outside the documented enum, kept verbatim.
    Other(String),
}

impl Urgency {
    /// Every documented urgency.
    pub const ALL: [Urgency; 2] = [Urgency::High, Urgency::Low];

    /// The API spelling.
    pub fn as_str(&self) -> &str {
        match self {
            Urgency::High => "high",
            Urgency::Low => "low",
            Urgency::Other(s) => s,
        }
    }
}

string_enum!(Urgency);

/// One assignment of an incident (`Assignment`): the user it is assigned to, and since when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    /// When the assignment was made.
    pub at: DateTime<FixedOffset>,
    /// The assignee.
    pub assignee: UserReference,
}

/// An incident as `GET /incidents` returns it (OpenAPI `Incident`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    /// Incident ID.
    pub id: IncidentId,
    /// Always `incident`.
    #[serde(rename = "type", default = "incident_type")]
    pub kind: String,
    /// Short human label, e.g. `[#1234] The server is on fire.`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// API URL.
    #[serde(rename = "self", default, skip_serializing_if = "Option::is_none")]
    pub self_url: Option<String>,
    /// Web URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html_url: Option<String>,
    /// The account-wide incident number.
    #[serde(default)]
    pub incident_number: u64,
    /// A succinct description of the problem.
    #[serde(default)]
    pub title: String,
    /// When the incident was created.
    pub created_at: DateTime<FixedOffset>,
    /// When the incident last changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<FixedOffset>>,
    /// `triggered`, `acknowledged` or `resolved`.
    pub status: IncidentStatus,
    /// `high` or `low`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgency: Option<Urgency>,
    /// Who the incident is assigned to now; empty once resolved.
    #[serde(default)]
    pub assignments: Vec<Assignment>,
    /// `escalation_policy` or `direct_assignment`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_via: Option<String>,
    /// When the status last changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_status_change_at: Option<DateTime<FixedOffset>>,
    /// When the incident was resolved (resolved incidents only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<DateTime<FixedOffset>>,
    /// The escalation policy the incident follows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalation_policy: Option<EscalationPolicyReference>,
    /// Teams involved in the incident.
    #[serde(default)]
    pub teams: Vec<TeamReference>,
}

fn incident_type() -> String {
    "incident".to_string()
}

/// `GET /incidents` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentsPage {
    /// This page's incidents.
    pub incidents: Vec<Incident>,
    /// The pagination fields.
    #[serde(flatten)]
    pub page: Pagination,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_official_incident_example_subset() {
        let body = r#"{"id": "PT4KHLK", "type": "incident", "summary": "[#1234] The server is on fire.",
            "incident_number": 1234, "title": "The server is on fire.",
            "created_at": "2015-10-06T21:30:42Z", "updated_at": "2015-10-06T21:40:23Z",
            "status": "acknowledged", "urgency": "high", "assigned_via": "escalation_policy",
            "assignments": [{"at": "2015-11-10T00:31:52Z", "assignee": {"id": "PXPGF42",
            "type": "user_reference", "summary": "Earline Greenholt"}}],
            "service": {"id": "PIJ90N7", "type": "service_reference"}}"#;
        let i: Incident = serde_json::from_str(body).unwrap();
        assert!(i.status.is_open());
        assert_eq!(i.assignments[0].assignee.id, "PXPGF42");
        assert_eq!(i.urgency, Some(Urgency::High));
        let resolved: IncidentStatus = serde_json::from_str("\"resolved\"").unwrap();
        assert!(!resolved.is_open());
        let future: IncidentStatus = serde_json::from_str("\"snoozed\"").unwrap();
        assert_eq!(future, IncidentStatus::Other("snoozed".into()));
    }
}
