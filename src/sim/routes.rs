//! The endpoints beyond users and teams: escalation policies, schedules, on-calls,
//! incidents, `GET /users/me`, licences, contact methods, notification rules and abilities.
//! Merged into the router of `http`, so every request here passes the same pipeline
//! (record → authenticate → rate-limit → fault) first. The rules are in the modules the
//! handlers call; the table of endpoints is in [`super`].

use super::clock::parse_instant;
use super::error::SimError;
use super::http::{Answer, Shared, includes, json, json_body, lock, query_pairs, values};
use super::incidents::{IncidentFilter, search_range};
use super::oncall::{
    ONCALL_HORIZON_DAYS, OncallFilter, PolicyFilter, SCHEDULE_RANGE_DAYS, ScheduleView,
};
use super::paging::{self, PageFault, PageRequest};
use super::state::Account;
use crate::ids::{NotificationRuleId, UserId};
use crate::pagerduty::models::contact::{
    ContactMethodEnvelope, ContactMethodsList, NotificationRuleEnvelope, NotificationRulesList,
};
use crate::pagerduty::models::incidents::{IncidentStatus, IncidentsPage, Urgency};
use crate::pagerduty::models::licenses::{
    AbilitiesList, LicenseAllocation, LicenseAllocationsPage, LicenseEnvelope, LicensesList,
};
use crate::pagerduty::models::oncall::{
    EscalationPoliciesPage, EscalationPolicyEnvelope, OncallsPage, ScheduleEnvelope, SchedulesPage,
};
use crate::pagerduty::models::{UserEnvelope, error_codes};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use std::sync::Arc;

type Pairs = Vec<(String, String)>;

/// The routes of this module, to merge into the simulator's router.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/escalation_policies", get(list_policies))
        .route("/escalation_policies/{id}", get(get_policy))
        .route("/schedules", get(list_schedules))
        .route("/schedules/{id}", get(get_schedule))
        .route("/oncalls", get(list_oncalls))
        .route("/incidents", get(list_incidents))
        .route("/users/me", get(current_user))
        .route("/users/{id}/license", get(user_license))
        .route(
            "/users/{id}/contact_methods",
            get(list_contact_methods).post(create_contact_method),
        )
        .route(
            "/users/{id}/contact_methods/{contact_method_id}",
            get(get_contact_method),
        )
        .route(
            "/users/{id}/notification_rules",
            get(list_notification_rules).post(create_notification_rule),
        )
        .route(
            "/users/{id}/notification_rules/{notification_rule_id}",
            get(get_notification_rule).delete(delete_notification_rule),
        )
        .route("/licenses", get(list_licenses))
        .route("/license_allocations", get(list_license_allocations))
        .route("/abilities", get(list_abilities))
        .route("/abilities/{id}", get(get_ability))
}

// ----- query helpers ----------------------------------------------------------------------

fn all(pairs: &Pairs, key: &str) -> Vec<String> {
    values(pairs, key).map(str::to_string).collect()
}

fn last<'a>(pairs: &'a Pairs, key: &'a str) -> Option<&'a str> {
    values(pairs, key).last().filter(|v| !v.is_empty())
}

fn flag(pairs: &Pairs, key: &str) -> bool {
    last(pairs, key).is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

fn page_fault(parts: &Parts) -> Option<PageFault> {
    parts.extensions.get::<PageFault>().copied()
}

/// `team_ids[]` "needs the `teams` ability" (OpenAPI parameter text on every list that has it).
fn team_ids(pairs: &Pairs, account: &Account) -> Result<Vec<String>, SimError> {
    let ids = all(pairs, "team_ids[]");
    if !ids.is_empty() {
        account.require_ability("teams")?;
    }
    Ok(ids)
}

/// Reads `name[]` values that must come from `allowed`.
fn enum_values<T: From<String>>(
    pairs: &Pairs,
    name: &str,
    allowed: &[&str],
) -> Result<Vec<T>, SimError> {
    values(pairs, name)
        .map(|v| {
            if allowed.contains(&v) {
                Ok(T::from(v.to_string()))
            } else {
                Err(SimError::invalid_input(vec![format!(
                    "{name} must be one of {}, got {v:?}",
                    allowed.join(", ")
                )]))
            }
        })
        .collect()
}

/// `since`/`until` with a default width on the missing side (schedules: "Defaults to 2 weeks
/// before until if an until is given … 2 weeks after since if a since is given"; neither →
/// from `now`, Inf).
fn schedule_range(
    pairs: &Pairs,
    now: DateTime<Utc>,
) -> Result<(DateTime<Utc>, DateTime<Utc>), SimError> {
    let width = Duration::days(SCHEDULE_RANGE_DAYS);
    let since = last(pairs, "since")
        .map(|v| parse_instant("since", v))
        .transpose()?;
    let until = last(pairs, "until")
        .map(|v| parse_instant("until", v))
        .transpose()?;
    let (since, until) = match (since, until) {
        (None, None) => (now, now + width),
        (Some(s), None) => (s, s + width),
        (None, Some(u)) => (u - width, u),
        (Some(s), Some(u)) => (s, u),
    };
    if until < since {
        return Err(SimError::invalid_input(vec![
            "until must not be before since".to_string(),
        ]));
    }
    Ok((since, until))
}

// ----- escalation policies ----------------------------------------------------------------

async fn list_policies(State(shared): State<Arc<Shared>>, parts: Parts) -> Answer {
    let pairs = query_pairs(parts.uri.query());
    let page = PageRequest::parse(&pairs)?;
    let descending = match last(&pairs, "sort_by") {
        None | Some("name") | Some("name:asc") => false,
        Some("name:desc") => true,
        Some(other) => {
            return Err(SimError::invalid_input(vec![format!(
                "sort_by must be name, name:asc or name:desc, got {other:?}"
            )]));
        }
    };
    let account = lock(&shared.account);
    let filter = PolicyFilter {
        query: last(&pairs, "query").map(str::to_string),
        user_ids: all(&pairs, "user_ids[]"),
        team_ids: team_ids(&pairs, &account)?,
        descending,
    };
    let ids = account.oncall().policy_ids(&filter);
    let (ids, page) = paging::page(&ids, page, page_fault(&parts));
    let teams = includes(&pairs).teams;
    let escalation_policies = ids
        .iter()
        .map(|id| account.oncall().policy(id, teams, &*account))
        .collect::<Result<_, _>>()?;
    Ok(json(
        StatusCode::OK,
        EscalationPoliciesPage {
            escalation_policies,
            page,
        },
    ))
}

async fn get_policy(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    parts: Parts,
) -> Answer {
    let pairs = query_pairs(parts.uri.query());
    let account = lock(&shared.account);
    let escalation_policy = account
        .oncall()
        .policy(&id, includes(&pairs).teams, &*account)?;
    Ok(json(
        StatusCode::OK,
        EscalationPolicyEnvelope { escalation_policy },
    ))
}

// ----- schedules --------------------------------------------------------------------------

async fn list_schedules(State(shared): State<Arc<Shared>>, parts: Parts) -> Answer {
    let pairs = query_pairs(parts.uri.query());
    let page = PageRequest::parse(&pairs)?;
    let account = lock(&shared.account);
    let teams = team_ids(&pairs, &account)?;
    let (since, until) = schedule_range(&pairs, account.now())?;
    let include = |v: &str| values(&pairs, "include[]").any(|x| x == v);
    let view = ScheduleView {
        layers: include("schedule_layers"),
        final_schedule: include("final_schedule"),
        overrides: include("overrides_subschedule"),
        since,
        until,
        overflow: flag(&pairs, "overflow"),
    };
    let ids = account.oncall().schedule_ids(last(&pairs, "query"), &teams);
    let (ids, page) = paging::page(&ids, page, page_fault(&parts));
    let schedules = ids
        .iter()
        .map(|id| account.oncall().schedule(id, view, &*account))
        .collect::<Result<_, _>>()?;
    Ok(json(StatusCode::OK, SchedulesPage { schedules, page }))
}

async fn get_schedule(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    parts: Parts,
) -> Answer {
    let pairs = query_pairs(parts.uri.query());
    let account = lock(&shared.account);
    let (since, until) = schedule_range(&pairs, account.now())?;
    let view = ScheduleView {
        layers: true,
        final_schedule: true,
        overrides: true,
        since,
        until,
        overflow: flag(&pairs, "overflow"),
    };
    let schedule = account.oncall().schedule(&id, view, &*account)?;
    Ok(json(StatusCode::OK, ScheduleEnvelope { schedule }))
}

// ----- on-calls ---------------------------------------------------------------------------

/// `GET /oncalls`: `since` and `until` default to now; `until` before `since`, or more than
/// 90 days after it, → 400/2001 ("the `until` time cannot be before the `since` time";
/// "On-call shifts are limited to 90 days in the future"; the error texts are Inf).
async fn list_oncalls(State(shared): State<Arc<Shared>>, parts: Parts) -> Answer {
    let pairs = query_pairs(parts.uri.query());
    let page = PageRequest::parse(&pairs)?;
    let account = lock(&shared.account);
    let now = account.now();
    let since = last(&pairs, "since")
        .map(|v| parse_instant("since", v))
        .transpose()?
        .unwrap_or(now);
    let until = last(&pairs, "until")
        .map(|v| parse_instant("until", v))
        .transpose()?
        .unwrap_or(now);
    if until < since {
        return Err(SimError::invalid_input(vec![
            "The until time cannot be before the since time".to_string(),
        ]));
    }
    if until - since > Duration::days(ONCALL_HORIZON_DAYS) {
        return Err(SimError::invalid_input(vec![format!(
            "The range from since to until may not exceed {ONCALL_HORIZON_DAYS} days"
        )]));
    }
    let filter = OncallFilter {
        user_ids: all(&pairs, "user_ids[]"),
        policy_ids: all(&pairs, "escalation_policy_ids[]"),
        schedule_ids: all(&pairs, "schedule_ids[]"),
        since,
        until,
        earliest: flag(&pairs, "earliest"),
    };
    let oncalls = account.oncall().oncalls(&filter, now, &*account);
    let (oncalls, page) = paging::page(&oncalls, page, page_fault(&parts));
    Ok(json(StatusCode::OK, OncallsPage { oncalls, page }))
}

// ----- incidents --------------------------------------------------------------------------

async fn list_incidents(State(shared): State<Arc<Shared>>, parts: Parts) -> Answer {
    let pairs = query_pairs(parts.uri.query());
    let page = PageRequest::parse(&pairs)?;
    let account = lock(&shared.account);
    let statuses: Vec<IncidentStatus> = enum_values(
        &pairs,
        "statuses[]",
        &["triggered", "acknowledged", "resolved"],
    )?;
    let urgencies: Vec<Urgency> = enum_values(&pairs, "urgencies[]", &["high", "low"])?;
    if !urgencies.is_empty() {
        // "Account must have the `urgencies` ability to do this" (OpenAPI `urgencies[]`).
        account.require_ability("urgencies")?;
    }
    let filter = IncidentFilter {
        user_ids: all(&pairs, "user_ids[]"),
        statuses,
        urgencies,
        team_ids: team_ids(&pairs, &account)?,
        range: search_range(
            last(&pairs, "date_range"),
            last(&pairs, "since"),
            last(&pairs, "until"),
            account.now(),
        )?,
    };
    let found = account.incidents().matching(&filter, account.oncall());
    let (found, page) = paging::page(&found, page, page_fault(&parts));
    let incidents = found
        .into_iter()
        .map(|n| account.incidents().render(n, account.oncall(), &*account))
        .collect();
    Ok(json(StatusCode::OK, IncidentsPage { incidents, page }))
}

// ----- the current user -------------------------------------------------------------------

async fn current_user(State(shared): State<Arc<Shared>>, parts: Parts) -> Answer {
    let pairs = query_pairs(parts.uri.query());
    let key = shared.api_key(&parts.headers);
    let user = lock(&shared.account).current_user(key.as_deref(), includes(&pairs))?;
    Ok(json(StatusCode::OK, UserEnvelope { user }))
}

// ----- licences ---------------------------------------------------------------------------

async fn list_licenses(State(shared): State<Arc<Shared>>) -> Answer {
    let licenses = lock(&shared.account).licenses().list();
    Ok(json(StatusCode::OK, LicensesList { licenses }))
}

async fn list_license_allocations(State(shared): State<Arc<Shared>>, parts: Parts) -> Answer {
    let pairs = query_pairs(parts.uri.query());
    let page = PageRequest::parse(&pairs)?;
    let account = lock(&shared.account);
    let all = account.licenses().allocations(&*account);
    let (items, page) = paging::page(&all, page, page_fault(&parts));
    let license_allocations = items
        .into_iter()
        .map(|(user, license, at)| LicenseAllocation {
            user: super::links::Lookup::user_ref(&*account, &user),
            license,
            allocated_at: super::clock::render(at),
        })
        .collect();
    Ok(json(
        StatusCode::OK,
        LicenseAllocationsPage {
            license_allocations,
            page,
        },
    ))
}

/// `GET /users/{id}/license`: 404/2100 for an unknown user, and for a user holding no
/// licence (an account without licences; Inf).
async fn user_license(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Answer {
    let account = lock(&shared.account);
    if !account.has_user(&id) {
        return Err(SimError::not_found());
    }
    let license = account
        .licenses()
        .license_of(&id)
        .ok_or_else(SimError::not_found)?;
    Ok(json(StatusCode::OK, LicenseEnvelope { license }))
}

// ----- contact methods and notification rules ---------------------------------------------

async fn list_contact_methods(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Answer {
    let account = lock(&shared.account);
    if !account.has_user(&id) {
        return Err(SimError::not_found());
    }
    let contact_methods = account.contacts().methods_of(&id, &*account);
    Ok(json(StatusCode::OK, ContactMethodsList { contact_methods }))
}

async fn get_contact_method(
    State(shared): State<Arc<Shared>>,
    Path((id, method)): Path<(String, String)>,
) -> Answer {
    let account = lock(&shared.account);
    if !account.has_user(&id) {
        return Err(SimError::not_found());
    }
    let contact_method = account.contacts().method_of(&id, &method, &*account)?;
    Ok(json(
        StatusCode::OK,
        ContactMethodEnvelope { contact_method },
    ))
}

async fn create_contact_method(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer {
    let body = json_body(&headers, &bytes)?.unwrap_or(Value::Null);
    let contact_method = lock(&shared.account).create_contact_method(&id, &body)?;
    Ok(json(
        StatusCode::CREATED,
        ContactMethodEnvelope { contact_method },
    ))
}

/// `GET /users/{id}/notification_rules`: `urgency` `high` (the default: "If not specified,
/// defaults to `high`"), `low` or `all`.
async fn list_notification_rules(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    parts: Parts,
) -> Answer {
    let pairs = query_pairs(parts.uri.query());
    let urgency = match last(&pairs, "urgency") {
        None | Some("high") => Some(Urgency::High),
        Some("low") => Some(Urgency::Low),
        Some("all") => None,
        Some(other) => {
            return Err(SimError::invalid_input(vec![format!(
                "urgency must be high, low or all, got {other:?}"
            )]));
        }
    };
    let account = lock(&shared.account);
    if !account.has_user(&id) {
        return Err(SimError::not_found());
    }
    let notification_rules = account
        .contacts()
        .rules_of(&id, urgency.as_ref(), &*account);
    Ok(json(
        StatusCode::OK,
        NotificationRulesList { notification_rules },
    ))
}

async fn create_notification_rule(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer {
    let body = json_body(&headers, &bytes)?.unwrap_or(Value::Null);
    let notification_rule = lock(&shared.account).create_notification_rule(&id, &body)?;
    Ok(json(
        StatusCode::CREATED,
        NotificationRuleEnvelope { notification_rule },
    ))
}

/// `GET /users/{id}/notification_rules/{notification_rule_id}`: 200 `{notification_rule}`.
async fn get_notification_rule(
    State(shared): State<Arc<Shared>>,
    Path((id, rule)): Path<(UserId, NotificationRuleId)>,
) -> Answer {
    let notification_rule = lock(&shared.account).notification_rule(&id, &rule)?;
    Ok(json(
        StatusCode::OK,
        NotificationRuleEnvelope { notification_rule },
    ))
}

/// `DELETE /users/{id}/notification_rules/{notification_rule_id}`: 204 with no body
/// (OpenAPI `deleteUserNotificationRule`); 404 for an unknown user or rule.
async fn delete_notification_rule(
    State(shared): State<Arc<Shared>>,
    Path((id, rule)): Path<(UserId, NotificationRuleId)>,
) -> Answer {
    lock(&shared.account).delete_notification_rule(&id, &rule)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

// ----- abilities --------------------------------------------------------------------------

async fn list_abilities(State(shared): State<Arc<Shared>>) -> Answer {
    let abilities = lock(&shared.account).abilities().to_vec();
    Ok(json(StatusCode::OK, AbilitiesList { abilities }))
}

/// `GET /abilities/{id}`: 204 when the account has the ability, else 402 (S15
/// `account_has_ability`; OpenAPI `getAbility`).
async fn get_ability(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Answer {
    let account = lock(&shared.account);
    if account.has_ability(&id) {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(SimError::api(
            402,
            error_codes::MISSING_ABILITY,
            "Missing Account Ability",
            vec![format!("The account does not have the {id} ability")],
        ))
    }
}
