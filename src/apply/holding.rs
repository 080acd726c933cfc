//! Which escalation policies keep a user on a team after PagerDuty refused the removal
//! (fact F32 in PAGERDUTY_API.md), looked up for the report.

use super::*;
use crate::oncall::{attribute, user_targets};
use crate::vocab::limits::ONCALLS_MAX_DAYS_AHEAD;

/// The escalation policies of `team` that keep `user` on it after PagerDuty refused the
/// removal (fact F32). These look-ups are not counted in the action's `attempts` (its own
/// requests and re-check). The team's policies
/// (`GET /escalation_policies?team_ids[]=`) that target the user directly; otherwise those
/// through which the user is on call in the next 90 days (`GET /oncalls`, e.g. through a
/// schedule, as far ahead as PagerDuty lists, [`ONCALLS_MAX_DAYS_AHEAD`]); otherwise every policy of the team that targets a schedule (one of them holds
/// the user). Empty when the look-ups fail: the refusal is reported without the policy.
pub(super) async fn policies_holding(
    client: &Client,
    team: &TeamId,
    user: &UserId,
) -> Vec<Named<EscalationPolicyId>> {
    let named = |p: &crate::pagerduty::models::oncall::EscalationPolicy| Named {
        id: p.id.clone(),
        name: p.name.clone(),
    };
    let Ok(policies) = client
        .list_escalation_policies(&[], std::slice::from_ref(team))
        .await
    else {
        return Vec::new();
    };
    let direct: Vec<Named<EscalationPolicyId>> = policies
        .iter()
        .filter(|p| user_targets(p).any(|u| &u == user))
        .map(named)
        .collect();
    if !direct.is_empty() || policies.is_empty() {
        return direct;
    }
    let ids: Vec<EscalationPolicyId> = policies.iter().map(|p| p.id.clone()).collect();
    let now = chrono::Utc::now();
    let until = now + chrono::Duration::days(i64::from(ONCALLS_MAX_DAYS_AHEAD));
    let users = std::slice::from_ref(user);
    // The policies of the user's on-calls, attributed as the on-call check does.
    let on_call: BTreeSet<EscalationPolicyId> =
        match client.list_oncalls(users, &ids, now, until).await {
            Ok(oncalls) => attribute(users, &[], &oncalls, &[], &[])
                .impacts
                .remove(user)
                .map(|i| i.escalation_policies.into_iter().map(|p| p.id).collect())
                .unwrap_or_default(),
            Err(_) => BTreeSet::new(),
        };
    let through_schedules = |p: &&crate::pagerduty::models::oncall::EscalationPolicy| {
        p.escalation_rules
            .iter()
            .flat_map(|r| &r.targets)
            .any(|t| t.schedule_id().is_some())
    };
    if on_call.is_empty() {
        policies
            .iter()
            .filter(through_schedules)
            .map(named)
            .collect()
    } else {
        policies
            .iter()
            .filter(|p| on_call.contains(&p.id))
            .map(named)
            .collect()
    }
}
