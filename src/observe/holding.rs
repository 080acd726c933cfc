//! Which escalation policies keep a user on a team after PagerDuty refused the removal
//! (fact F32 in PAGERDUTY_API.md): read here, with the rest of what the crate reads from
//! PagerDuty, for `apply`'s report of the refusal.

use crate::ids::{EscalationPolicyId, TeamId, UserId};
use crate::oncall::{Lookahead, Named, attribute, user_targets};
use crate::pagerduty::Client;
use crate::pagerduty::models::oncall::EscalationPolicy;
use crate::vocab::limits::ONCALLS_MAX_DAYS_AHEAD;
use std::collections::BTreeSet;

/// The window [`policies_holding`] looks on-calls up over: from `now`, as far ahead as
/// PagerDuty lists ([`ONCALLS_MAX_DAYS_AHEAD`]), not the configured
/// `oncall_lookahead_days`. That setting bounds which duties block a deactivation; this
/// look-up asks which policy PagerDuty counts the user as belonging to, which does not
/// depend on when the user's shift is, so it looks as far as it can.
pub fn holding_window(now: chrono::DateTime<chrono::Utc>) -> Lookahead {
    Lookahead {
        since: now,
        days: ONCALLS_MAX_DAYS_AHEAD,
    }
}

/// The escalation policies of `team` that keep `user` on it after PagerDuty refused the
/// removal (fact F32). The team's policies (`GET /escalation_policies?team_ids[]=`) that
/// target the user directly; otherwise those through which the user is on call over
/// [`holding_window`] from now (`GET /oncalls`, e.g. through a schedule), attributed as
/// the on-call check does ([`attribute`]); otherwise every policy of the team that targets
/// a schedule (one of them holds the user). Empty when the look-ups fail: the refusal is
/// reported without the policy. These requests are the caller's to count (`apply` leaves
/// them out of an action's `attempts`).
pub async fn policies_holding(
    client: &Client,
    team: &TeamId,
    user: &UserId,
) -> Vec<Named<EscalationPolicyId>> {
    let named = |p: &EscalationPolicy| Named {
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
    let window = holding_window(chrono::Utc::now());
    let users = std::slice::from_ref(user);
    let on_call: BTreeSet<EscalationPolicyId> = match client
        .list_oncalls(users, &ids, window.since, window.until())
        .await
    {
        Ok(oncalls) => attribute(users, &[], &oncalls, &[], &[])
            .impacts
            .remove(user)
            .map(|i| i.escalation_policies.into_iter().map(|p| p.id).collect())
            .unwrap_or_default(),
        Err(_) => BTreeSet::new(),
    };
    let through_schedules = |p: &&EscalationPolicy| {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_holding_window_is_as_far_ahead_as_pagerduty_lists_on_calls() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-07T18:00:00Z")
            .unwrap()
            .to_utc();
        let w = holding_window(now);
        assert_eq!(w.since, now);
        assert_eq!(w.until_param(), "2027-03-07T18:00:00Z");
    }
}
