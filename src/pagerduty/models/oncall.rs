//! Escalation policies, schedules and on-calls: what a deactivation must look at before it
//! takes a user away (issue 7).
//!
//! Shapes follow PagerDuty's OpenAPI document (`../shared/reference/pagerduty-rest-openapiv3.json`,
//! `components.schemas.EscalationPolicy`, `EscalationRule`, `EscalationTargetReference`,
//! `Schedule`, `ScheduleLayer`, `ScheduleLayerEntry`, `SubSchedule`, `Oncall`, and the list
//! responses of `listEscalationPolicies`, `listSchedules` and `listOnCalls`). Timestamps are
//! RFC 3339 instants (`format: date-time`); PagerDuty renders them in the account's (or the
//! requested) time zone, so they decode with their offset.

use super::{Pagination, TeamReference, UserReference};
use crate::ids::{EscalationPolicyId, EscalationRuleId, ScheduleId, ScheduleLayerId, UserId};
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

/// The `errors[]` text of the 400/2001 PagerDuty answers to `DELETE /teams/{id}/users/{user_id}`
/// while the user is on an escalation policy of that team (fact F32, S20).
pub const TEAM_REMOVAL_BLOCKED: &str =
    "User cannot be removed as they belong to an escalation policy on this team";

/// A reference to an escalation policy (`EscalationPolicyReference`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscalationPolicyReference {
    /// Escalation policy ID.
    pub id: EscalationPolicyId,
    /// `escalation_policy_reference` (or `escalation_policy` when included in full).
    #[serde(rename = "type", default = "escalation_policy_reference_type")]
    pub kind: String,
    /// Short human label (the policy's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// API URL of the policy.
    #[serde(rename = "self", default, skip_serializing_if = "Option::is_none")]
    pub self_url: Option<String>,
    /// Web URL of the policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html_url: Option<String>,
}

fn escalation_policy_reference_type() -> String {
    "escalation_policy_reference".to_string()
}

/// A reference to a schedule (`ScheduleReference`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleReference {
    /// Schedule ID.
    pub id: ScheduleId,
    /// `schedule_reference`.
    #[serde(rename = "type", default = "schedule_reference_type")]
    pub kind: String,
    /// Short human label (the schedule's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// API URL of the schedule.
    #[serde(rename = "self", default, skip_serializing_if = "Option::is_none")]
    pub self_url: Option<String>,
    /// Web URL of the schedule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html_url: Option<String>,
}

fn schedule_reference_type() -> String {
    "schedule_reference".to_string()
}

/// One target of an escalation rule (`EscalationTargetReference`): a user or a schedule,
/// typed by its `type` ([`Target`]).
///
/// `type` is one of `user_reference`, `schedule_reference`, `user`, `schedule` or
/// `schedule_v3_reference` (OpenAPI enum); another value decodes to [`Target::Other`], so
/// a listing never fails on it. [`EscalationTarget::user_id`] and
/// [`EscalationTarget::schedule_id`] read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "WireTarget", into = "WireTarget")]
pub struct EscalationTarget {
    /// What the target is (the `type`), with its `id` typed accordingly.
    pub target: Target,
    /// Short human label (the user's or the schedule's name).
    pub summary: Option<String>,
    /// API URL of the target.
    pub self_url: Option<String>,
    /// Web URL of the target.
    pub html_url: Option<String>,
}

/// An escalation target's `type` and `id`, typed: the spelling of `type` is kept (a
/// reference and a full object are both accepted, and written back as they came).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `user_reference`.
    UserReference(UserId),
    /// `user` (a full user object).
    User(UserId),
    /// `schedule_reference`.
    ScheduleReference(ScheduleId),
    /// `schedule` (a full schedule object).
    Schedule(ScheduleId),
    /// `schedule_v3_reference`.
    ScheduleV3Reference(ScheduleId),
    /// A `type` outside the documented enum, kept verbatim with its `id`.
    Other {
        /// The `type` as sent.
        kind: String,
        /// The `id` as sent.
        id: String,
    },
}

impl Target {
    /// Types the `id` of a target by its `type` (`kind`, the API spelling).
    pub fn new(kind: &str, id: impl Into<String>) -> Target {
        let id = id.into();
        match kind {
            "user_reference" => Target::UserReference(UserId::new(id)),
            "user" => Target::User(UserId::new(id)),
            "schedule_reference" => Target::ScheduleReference(ScheduleId::new(id)),
            "schedule" => Target::Schedule(ScheduleId::new(id)),
            "schedule_v3_reference" => Target::ScheduleV3Reference(ScheduleId::new(id)),
            other => Target::Other {
                kind: other.to_string(),
                id,
            },
        }
    }

    /// The API spelling of `type`, e.g. `user_reference`.
    pub fn kind(&self) -> &str {
        match self {
            Target::UserReference(_) => "user_reference",
            Target::User(_) => "user",
            Target::ScheduleReference(_) => "schedule_reference",
            Target::Schedule(_) => "schedule",
            Target::ScheduleV3Reference(_) => "schedule_v3_reference",
            Target::Other { kind, .. } => kind,
        }
    }

    /// The `id`, whatever the kind.
    pub fn id(&self) -> &str {
        match self {
            Target::UserReference(u) | Target::User(u) => u.as_str(),
            Target::ScheduleReference(s) | Target::Schedule(s) | Target::ScheduleV3Reference(s) => {
                s.as_str()
            }
            Target::Other { id, .. } => id,
        }
    }
}

/// The wire shape of an [`EscalationTarget`], with `type` and `id` as strings.
#[derive(Serialize, Deserialize)]
struct WireTarget {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    summary: Option<String>,
    #[serde(rename = "self", default, skip_serializing_if = "Option::is_none")]
    self_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    html_url: Option<String>,
}

impl From<WireTarget> for EscalationTarget {
    fn from(w: WireTarget) -> Self {
        EscalationTarget {
            target: Target::new(&w.kind, w.id),
            summary: w.summary,
            self_url: w.self_url,
            html_url: w.html_url,
        }
    }
}

impl From<EscalationTarget> for WireTarget {
    fn from(t: EscalationTarget) -> Self {
        WireTarget {
            id: t.target.id().to_string(),
            kind: t.target.kind().to_string(),
            summary: t.summary,
            self_url: t.self_url,
            html_url: t.html_url,
        }
    }
}

impl EscalationTarget {
    /// The user ID when the target is a user (`user_reference` or `user`).
    pub fn user_id(&self) -> Option<UserId> {
        match &self.target {
            Target::UserReference(u) | Target::User(u) => Some(u.clone()),
            _ => None,
        }
    }

    /// The schedule ID when the target is a schedule (`schedule_reference`, `schedule` or
    /// `schedule_v3_reference`).
    pub fn schedule_id(&self) -> Option<ScheduleId> {
        match &self.target {
            Target::ScheduleReference(s) | Target::Schedule(s) | Target::ScheduleV3Reference(s) => {
                Some(s.clone())
            }
            _ => None,
        }
    }
}

/// One level of an escalation policy (`EscalationRule`): who is notified, and after how long
/// the incident escalates to the next level. Targets: 1 to 10 (OpenAPI `minItems`/`maxItems`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscalationRule {
    /// Rule ID (read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<EscalationRuleId>,
    /// Minutes before an unacknowledged incident escalates away from this rule.
    pub escalation_delay_in_minutes: u32,
    /// The users and schedules notified at this level.
    pub targets: Vec<EscalationTarget>,
}

/// An escalation policy as `GET /escalation_policies` returns it (OpenAPI `EscalationPolicy`).
/// A rule's level is its position in `escalation_rules`, counted from 1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EscalationPolicy {
    /// Policy ID.
    pub id: EscalationPolicyId,
    /// Always `escalation_policy`.
    #[serde(rename = "type", default = "escalation_policy_type")]
    pub kind: String,
    /// Short human label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// API URL.
    #[serde(rename = "self", default, skip_serializing_if = "Option::is_none")]
    pub self_url: Option<String>,
    /// Web URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html_url: Option<String>,
    /// The policy's name.
    pub name: String,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// How many times the policy repeats after its last rule (default 0).
    #[serde(default)]
    pub num_loops: u32,
    /// `if_has_services` (PagerDuty's default) or `always`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_call_handoff_notifications: Option<String>,
    /// The levels, in order.
    #[serde(default)]
    pub escalation_rules: Vec<EscalationRule>,
    /// Services using the policy (read-only; not interpreted).
    #[serde(default)]
    pub services: Vec<serde_json::Value>,
    /// The team the policy belongs to (at most one; needs the `teams` ability). Full team
    /// objects with `include[]=teams`.
    #[serde(default)]
    pub teams: Vec<TeamReference>,
}

fn escalation_policy_type() -> String {
    "escalation_policy".to_string()
}

/// `GET /escalation_policies` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EscalationPoliciesPage {
    /// This page's policies.
    pub escalation_policies: Vec<EscalationPolicy>,
    /// The pagination fields.
    #[serde(flatten)]
    pub page: Pagination,
}

/// `GET /escalation_policies/{id}` response: `{"escalation_policy": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EscalationPolicyEnvelope {
    /// The policy.
    pub escalation_policy: EscalationPolicy,
}

/// A user of a schedule layer (`ScheduleLayerUser`): `{"user": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleLayerUser {
    /// The user.
    pub user: UserReference,
}

/// One layer (rotation) of a schedule (`ScheduleLayer`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleLayer {
    /// Layer ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<ScheduleLayerId>,
    /// Layer name, e.g. `Layer 1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// When the layer starts.
    pub start: DateTime<FixedOffset>,
    /// When the layer ends; absent or null for a layer without end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<DateTime<FixedOffset>>,
    /// The instant the rotation is computed from.
    pub rotation_virtual_start: DateTime<FixedOffset>,
    /// Length of one turn, in seconds.
    pub rotation_turn_length_seconds: u64,
    /// The users taking turns, in rotation order.
    #[serde(default)]
    pub users: Vec<ScheduleLayerUser>,
}

/// One on-call entry of a rendered schedule (`ScheduleLayerEntry`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleEntry {
    /// Who is on call.
    pub user: UserReference,
    /// Start of the entry.
    pub start: DateTime<FixedOffset>,
    /// End of the entry.
    pub end: DateTime<FixedOffset>,
}

/// A computed sub-schedule (`SubSchedule`): `Final Schedule` (layers plus overrides, what
/// on-calls come from) or `Overrides`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubSchedule {
    /// `Final Schedule` or `Overrides`.
    pub name: String,
    /// The entries in the requested range.
    #[serde(default)]
    pub rendered_schedule_entries: Vec<ScheduleEntry>,
}

/// A schedule as `GET /schedules` and `GET /schedules/{id}` return it (OpenAPI `Schedule`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schedule {
    /// Schedule ID.
    pub id: ScheduleId,
    /// Always `schedule`.
    #[serde(rename = "type", default = "schedule_type")]
    pub kind: String,
    /// Short human label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// API URL.
    #[serde(rename = "self", default, skip_serializing_if = "Option::is_none")]
    pub self_url: Option<String>,
    /// Web URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html_url: Option<String>,
    /// The schedule's name.
    #[serde(default)]
    pub name: String,
    /// The schedule's time zone.
    pub time_zone: String,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The layers (on `GET /schedules/{id}`, or with `include[]=schedule_layers`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schedule_layers: Vec<ScheduleLayer>,
    /// The final schedule (on `GET /schedules/{id}`, or with `include[]=final_schedule`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_schedule: Option<SubSchedule>,
    /// The overrides (on `GET /schedules/{id}`, or with `include[]=overrides_subschedule`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overrides_subschedule: Option<SubSchedule>,
    /// Escalation policies that target this schedule (read-only).
    #[serde(default)]
    pub escalation_policies: Vec<EscalationPolicyReference>,
    /// Users on the schedule (read-only).
    #[serde(default)]
    pub users: Vec<UserReference>,
    /// Teams of the schedule (read-only).
    #[serde(default)]
    pub teams: Vec<TeamReference>,
}

fn schedule_type() -> String {
    "schedule".to_string()
}

/// `GET /schedules` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchedulesPage {
    /// This page's schedules.
    pub schedules: Vec<Schedule>,
    /// The pagination fields.
    #[serde(flatten)]
    pub page: Pagination,
}

/// `GET /schedules/{id}` response: `{"schedule": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleEnvelope {
    /// The schedule.
    pub schedule: Schedule,
}

/// One on-call entry of `GET /oncalls` (OpenAPI `Oncall`): a user on call for one level of
/// one escalation policy, for a time.
///
/// `schedule` is null when the rule targets the user directly; `start` and `end` are then
/// null too ("If `null`, the on-call is a permanent user on-call"; OpenAPI `Oncall.start`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Oncall {
    /// The policy.
    pub escalation_policy: EscalationPolicyReference,
    /// Who is on call.
    pub user: UserReference,
    /// The schedule the on-call comes from; null for a direct user target.
    #[serde(default)]
    pub schedule: Option<ScheduleReference>,
    /// The policy level, counted from 1.
    pub escalation_level: u32,
    /// Start of the on-call; null for a permanent on-call.
    #[serde(default)]
    pub start: Option<DateTime<FixedOffset>>,
    /// End of the on-call; null when the user does not go off call.
    #[serde(default)]
    pub end: Option<DateTime<FixedOffset>>,
}

/// `GET /oncalls` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OncallsPage {
    /// This page's on-calls.
    pub oncalls: Vec<Oncall>,
    /// The pagination fields.
    #[serde(flatten)]
    pub page: Pagination,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_official_oncall_example() {
        let body = r#"{"oncalls": [{"user": {"id": "PT23IWX", "type": "user_reference",
            "summary": "Tim Wright"}, "schedule": {"id": "PI7DH85", "type": "schedule_reference",
            "summary": "Daily Engineering Rotation"}, "escalation_policy": {"id": "PT20YPA",
            "type": "escalation_policy_reference", "summary": "Engineering Escalation Policy"},
            "escalation_level": 2, "start": "2015-03-06T15:28:51-05:00",
            "end": "2015-03-07T15:28:51-05:00"},
            {"user": {"id": "PT23IWX", "type": "user_reference"}, "schedule": null,
             "escalation_policy": {"id": "PT20YPA", "type": "escalation_policy_reference"},
             "escalation_level": 1, "start": null, "end": null}],
            "limit": 25, "offset": 0, "more": false, "total": null}"#;
        let page: OncallsPage = serde_json::from_str(body).unwrap();
        let first = &page.oncalls[0];
        assert_eq!(first.schedule.as_ref().unwrap().id, "PI7DH85");
        assert_eq!(first.escalation_level, 2);
        assert_eq!(
            first.start.unwrap().to_rfc3339(),
            "2015-03-06T15:28:51-05:00"
        );
        let direct = &page.oncalls[1];
        assert!(direct.schedule.is_none() && direct.start.is_none() && direct.end.is_none());
    }

    #[test]
    fn targets_say_whether_they_are_users_or_schedules() {
        let rule: EscalationRule = serde_json::from_str(
            r#"{"escalation_delay_in_minutes": 30, "targets": [
                {"id": "PAM4FGS", "type": "user_reference"},
                {"id": "PI7DH85", "type": "schedule_reference"}]}"#,
        )
        .unwrap();
        assert_eq!(rule.targets[0].user_id(), Some(UserId::new("PAM4FGS")));
        assert_eq!(rule.targets[0].schedule_id(), None);
        assert_eq!(
            rule.targets[1].schedule_id(),
            Some(ScheduleId::new("PI7DH85"))
        );
        assert_eq!(rule.targets[1].user_id(), None);
    }

    #[test]
    fn a_target_keeps_its_type_and_id_through_a_round_trip() {
        for (kind, user, schedule) in [
            ("user_reference", true, false),
            ("user", true, false),
            ("schedule_reference", false, true),
            ("schedule", false, true),
            ("schedule_v3_reference", false, true),
            ("team_reference", false, false),
        ] {
            let wire = serde_json::json!({"id": "PX1", "type": kind, "summary": "S"});
            let t: EscalationTarget = serde_json::from_value(wire.clone()).unwrap();
            assert_eq!(t.user_id().is_some(), user, "{kind}");
            assert_eq!(t.schedule_id().is_some(), schedule, "{kind}");
            assert_eq!(t.target.kind(), kind);
            assert_eq!(t.target.id(), "PX1");
            assert_eq!(serde_json::to_value(&t).unwrap(), wire, "{kind}");
        }
    }
}
