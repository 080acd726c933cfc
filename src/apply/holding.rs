//! Which escalation policies keep a user on a team after PagerDuty refused the removal
//! (fact F32 in PAGERDUTY_API.md), looked up for the report.

use super::*;

/// How far ahead [`policies_holding`] looks for on-calls: PagerDuty's limit (OpenAPI
/// `listOnCalls`: "On-call shifts are limited to 90 days in the future").
const HOLDING_LOOKAHEAD_DAYS: i64 = 90;

/// The escalation policies of `team` that keep `user` on it after PagerDuty refused the
/// removal (fact F32). These look-ups are not counted in the action's `attempts` (its own
/// requests and re-check). The team's policies
/// (`GET /escalation_policies?team_ids[]=`) that target the user directly; otherwise those
/// through which the user is on call in the next 90 days (`GET /oncalls`, e.g. through a
/// schedule); otherwise every policy of the team that targets a schedule (one of them holds
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
        .filter(|p| {
            p.escalation_rules
                .iter()
                .flat_map(|r| &r.targets)
                .any(|t| t.user_id().as_ref() == Some(user))
        })
        .map(named)
        .collect();
    if !direct.is_empty() || policies.is_empty() {
        return direct;
    }
    let ids: Vec<EscalationPolicyId> = policies.iter().map(|p| p.id.clone()).collect();
    let now = chrono::Utc::now();
    let until = now + chrono::Duration::days(HOLDING_LOOKAHEAD_DAYS);
    let on_call: BTreeSet<EscalationPolicyId> = match client
        .list_oncalls(std::slice::from_ref(user), &ids, now, until)
        .await
    {
        Ok(oncalls) => oncalls
            .into_iter()
            .filter(|o| &o.user.id == user)
            .map(|o| o.escalation_policy.id)
            .collect(),
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
