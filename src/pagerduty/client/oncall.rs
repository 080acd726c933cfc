//! The on-call look-ups made before a deactivation (issue 7): escalation policies, on-call
//! shifts and open incidents of the users asked for, and the account's schedules, each a
//! paginated listing over the one request layer. An `impl` block of [`Client`] kept apart so that `client.rs` stays the
//! home of the user and team calls.

use super::{Client, listing_name};
use crate::ids::{EscalationPolicyId, TeamId, UserId};
use crate::pagerduty::error::ApiError;
use crate::pagerduty::models::incidents::{Incident, IncidentsPage};
use crate::pagerduty::models::oncall::{
    EscalationPoliciesPage, EscalationPolicy, EscalationPolicyEnvelope, Oncall, Schedule,
    SchedulesPage,
};
use crate::pagerduty::pagination::{KeyedOncallsPage, Listing, collect};
use crate::pagerduty::transport::{NotFound, Request};
use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::Method;

impl Client {
    /// The escalation policies on which any of `user_ids` is a target and, when `team_ids`
    /// is not empty, that belong to one of those teams:
    /// `GET /escalation_policies?user_ids[]=…&team_ids[]=…&limit=100&offset=…&total=true`,
    /// every page (one `user_ids[]` or `team_ids[]` pair per ID; OpenAPI
    /// `listEscalationPolicies`; `team_ids[]` needs the account's `teams` ability). Each
    /// policy comes with its rules and their targets, so several users can be looked up in
    /// one listing and told apart.
    ///
    /// # Errors
    /// As [`Client::list_users`].
    pub async fn list_escalation_policies(
        &self,
        user_ids: &[UserId],
        team_ids: &[TeamId],
    ) -> Result<Vec<EscalationPolicy>, ApiError> {
        let mut pairs: Vec<(&'static str, String)> = Vec::new();
        pairs.extend(user_ids.iter().map(|u| ("user_ids[]", u.to_string())));
        pairs.extend(team_ids.iter().map(|t| ("team_ids[]", t.to_string())));
        collect::<EscalationPoliciesPage>(
            &self.inner,
            &Listing::new(
                &listing_name("escalation policies", user_ids.len(), team_ids),
                &["escalation_policies"],
                &pairs,
            ),
            &|_, _| {},
        )
        .await
    }

    /// The on-calls of any of `user_ids` (and, when `policy_ids` is not empty, of those
    /// escalation policies only) that overlap `since`..`until`:
    /// `GET /oncalls?user_ids[]=…&escalation_policy_ids[]=…&since=…&until=…&limit=100&offset=…&total=true`,
    /// every page (OpenAPI `listOnCalls`: "If an on-call period overlaps with the range, it
    /// will be included"; `until` at most 90 days after `since`, "On-call shifts are
    /// limited to 90 days in the future"). A direct target's permanent on-call (no schedule,
    /// no start or end) is listed whatever the range. Each on-call names its user.
    ///
    /// # Errors
    /// As [`Client::list_users`]; a range PagerDuty refuses is [`ApiError::Status`] 400.
    pub async fn list_oncalls(
        &self,
        user_ids: &[UserId],
        policy_ids: &[EscalationPolicyId],
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<Oncall>, ApiError> {
        let mut pairs: Vec<(&'static str, String)> = Vec::new();
        pairs.extend(user_ids.iter().map(|u| ("user_ids[]", u.to_string())));
        pairs.extend(
            policy_ids
                .iter()
                .map(|p| ("escalation_policy_ids[]", p.to_string())),
        );
        pairs.push(("since", since.to_rfc3339_opts(SecondsFormat::Secs, true)));
        pairs.push(("until", until.to_rfc3339_opts(SecondsFormat::Secs, true)));
        let keyed = collect::<KeyedOncallsPage>(
            &self.inner,
            &Listing::new(
                &listing_name("on-calls", user_ids.len(), &[]),
                &["oncalls"],
                &pairs,
            ),
            &|_, _| {},
        )
        .await?;
        Ok(keyed.into_iter().map(|k| k.oncall).collect())
    }

    /// The triggered and acknowledged incidents assigned to any of `user_ids`, whatever
    /// their age: `GET /incidents?user_ids[]=…&statuses[]=triggered&statuses[]=acknowledged&date_range=all&limit=100&offset=…&total=true`,
    /// every page (OpenAPI `listIncidents`: `user_ids[]` "Returns only the incidents
    /// currently assigned to the passed user(s)"; without `date_range=all` the search
    /// covers only the last month). Each incident names its assignees.
    ///
    /// # Errors
    /// As [`Client::list_users`].
    pub async fn list_open_incidents(
        &self,
        user_ids: &[UserId],
    ) -> Result<Vec<Incident>, ApiError> {
        let mut pairs: Vec<(&'static str, String)> = user_ids
            .iter()
            .map(|u| ("user_ids[]", u.to_string()))
            .collect();
        pairs.push(("statuses[]", "triggered".to_string()));
        pairs.push(("statuses[]", "acknowledged".to_string()));
        pairs.push(("date_range", "all".to_string()));
        collect::<IncidentsPage>(
            &self.inner,
            &Listing::new(
                &listing_name("open incidents", user_ids.len(), &[]),
                &["incidents"],
                &pairs,
            ),
            &|_, _| {},
        )
        .await
    }

    /// Every schedule of the account, with the users on it and the escalation policies
    /// that use it: `GET /schedules?limit=100&offset=…&total=true`, every page (OpenAPI
    /// `listSchedules`; a `Schedule`'s read-only `users` are "all of the users on the
    /// schedule" and its `escalation_policies` "all of the escalation policies that uses
    /// this schedule"). No `include[]`: layers and rendered entries are not needed. More
    /// than 10,000 schedules cannot be listed completely (fact F10).
    ///
    /// # Errors
    /// As [`Client::list_users`].
    pub async fn list_schedules(&self) -> Result<Vec<Schedule>, ApiError> {
        collect::<SchedulesPage>(
            &self.inner,
            &Listing::new("schedules", &["schedules"], &[]),
            &|_, _| {},
        )
        .await
    }

    /// One escalation policy, with its `teams`: `GET /escalation_policies/{id}` (OpenAPI
    /// `getEscalationPolicy`); `None` on 404 (a policy deleted since it was named). The
    /// on-call look-up reads it for a policy that reaches a user only through a schedule or
    /// an on-call, whose teams the listing by `user_ids[]` does not give.
    ///
    /// # Errors
    /// Any request error other than 404; [`ApiError::Decode`] for an unexpected body.
    pub async fn get_escalation_policy(
        &self,
        id: &EscalationPolicyId,
    ) -> Result<Option<EscalationPolicy>, ApiError> {
        let mut req = Request::new(Method::GET, &["escalation_policies", id.as_str()]);
        req.not_found = NotFound::Answer;
        let ex = self.inner.send(&req).await?;
        if ex.status == 404 {
            return Ok(None);
        }
        Ok(Some(
            ex.decode::<EscalationPolicyEnvelope>()?.escalation_policy,
        ))
    }
}
