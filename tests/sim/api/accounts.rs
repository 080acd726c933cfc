//! Licences, contact methods, notification rules, abilities and `GET /users/me` over HTTP.

use super::{Answer, KEY, SEED as PLAIN_SEED, api, assert_invalid};
use hr2pagerduty::pagerduty::models::licenses::LICENSE_NOT_AVAILABLE;
use hr2pagerduty::sim::{DEFAULT_ABILITIES, Seed};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Two licences: Full User (one allocation left once the three seeded users hold theirs)
/// and Stakeholder (two left). Rita has a phone contact method and a rule.
const SEED: &str = r#"{
  "api_keys": ["test-key-123"],
  "now": "2026-03-02T09:00:00Z",
  "licenses": [
    {"id": "PFULL01", "type": "license", "name": "Business (Full User)", "description": "Full",
     "valid_roles": ["owner", "admin", "user", "limited_user", "observer", "restricted_access"],
     "role_group": "FullUser", "allocations_available": 1},
    {"id": "PSTAKE1", "name": "Business (Stakeholder)",
     "valid_roles": ["read_only_user", "read_only_limited_user"], "allocations_available": 2}
  ],
  "teams": [{"id": "PTEAM01", "name": "Ops"}],
  "users": [
    {"id": "POWNER1", "name": "Olive Owner", "email": "owner@example.com", "role": "owner"},
    {"id": "PBOT001", "name": "Provisioning Bot", "email": "bot@example.com", "role": "admin"},
    {"id": "PRESP01", "name": "Rita Responder", "email": "rita@example.com", "role": "limited_user",
     "license": {"id": "PFULL01", "type": "license_reference"},
     "contact_methods": [{"id": "PCMRITA", "type": "phone_contact_method", "label": "Mobile",
                          "address": "5555550100", "country_code": 1}],
     "notification_rules": [{"start_delay_in_minutes": 0, "urgency": "high",
                             "contact_method": {"id": "PCMRITA", "type": "phone_contact_method_reference"}}]}
  ]
}"#;

fn license(id: &str) -> Value {
    json!({"id": id, "type": "license_reference"})
}

fn counts(a: &Answer) -> Vec<(i64, Value)> {
    a.body["licenses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["current_value"].as_i64().unwrap(),
                l["allocations_available"].clone(),
            )
        })
        .collect()
}

async fn license_of(api: &super::Api, user: &str) -> String {
    let a = api.get(&format!("/users/{user}/license")).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    a.body["license"]["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn licences_allocations_and_a_users_licence() {
    let api = api(SEED).await;
    let a = api.get("/licenses").await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(counts(&a), [(3, json!(1)), (0, json!(2))]);
    let full = &a.body["licenses"][0];
    assert_eq!(full["type"], "license");
    assert_eq!(full["role_group"], "FullUser");
    assert_eq!(full["summary"], "Business (Full User)");
    assert_eq!(a.body["licenses"][1]["role_group"], "Stakeholder");
    assert_eq!(a.body["licenses"][1]["description"], "");

    let a = api.get("/license_allocations?limit=2&total=true").await;
    let allocations = a.body["license_allocations"].as_array().unwrap();
    assert_eq!(allocations.len(), 2);
    assert_eq!(
        (&a.body["more"], &a.body["total"]),
        (&json!(true), &json!(3))
    );
    assert_eq!(allocations[0]["user"]["summary"], "Olive Owner");
    assert_eq!(allocations[0]["license"]["id"], "PFULL01");
    assert!(allocations[0]["license"].get("current_value").is_none());
    assert_eq!(allocations[0]["allocated_at"], "2026-03-02T09:00:00Z");

    assert_eq!(license_of(&api, "PRESP01").await, "PFULL01");
    assert_eq!(api.get("/users/PNOPE00/license").await.code(), Some(2100));
}

#[tokio::test]
async fn licences_bound_roles_and_run_out_on_create() {
    let api = api(SEED).await;
    let from = Some("bot@example.com");
    // The role must be one of the licence's valid roles.
    let a = api
        .post_user(
            from,
            json!({"name": "Stake Holder", "email": "sh@example.com", "role": "read_only_user",
                   "license": license("PFULL01")}),
        )
        .await;
    assert_invalid(&a, "is not a valid role for license Business (Full User)");
    // Without a licence the backend picks one that allows the role.
    let a = api
        .post_user(
            from,
            json!({"name": "First Hire", "email": "first@example.com", "role": "limited_user"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let first = a.body["user"]["id"].as_str().unwrap().to_string();
    assert_eq!(license_of(&api, &first).await, "PFULL01");
    assert_eq!(counts(&api.get("/licenses").await)[0], (4, json!(0)));
    // Full User is used up: with or without naming it.
    for body in [
        json!({"name": "Second Hire", "email": "second@example.com", "role": "user"}),
        json!({"name": "Second Hire", "email": "second@example.com", "role": "user",
               "license": license("PFULL01")}),
    ] {
        let a = api.post_user(from, body).await;
        assert_invalid(&a, LICENSE_NOT_AVAILABLE);
        assert_eq!(a.errors(), [LICENSE_NOT_AVAILABLE]);
    }
    assert!(api.sim.user_by_email("second@example.com").is_none());
    // A stakeholder gets the stakeholder licence.
    let a = api
        .post_user(
            from,
            json!({"name": "Viewer", "email": "viewer@example.com", "role": "read_only_user"}),
        )
        .await;
    let viewer = a.body["user"]["id"].as_str().unwrap().to_string();
    assert_eq!(license_of(&api, &viewer).await, "PSTAKE1");
    // Unknown licences and wrong reference types are refused.
    let a = api
        .post_user(
            from,
            json!({"name": "X", "email": "x1@example.com", "license": license("PNOPE00")}),
        )
        .await;
    assert_invalid(&a, "License PNOPE00 not found");
    let a = api
        .post_user(
            from,
            json!({"name": "X", "email": "x2@example.com",
                                "license": {"id": "PSTAKE1", "type": "license"}}),
        )
        .await;
    assert_invalid(&a, "license_reference");
    // DELETE frees the allocation.
    assert_eq!(
        api.delete(&format!("/users/{first}")).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(counts(&api.get("/licenses").await)[0], (3, json!(1)));
}

#[tokio::test]
async fn a_role_change_with_the_old_licence_echoed_back_is_refused() {
    let api = api(SEED).await;
    let a = api
        .put(
            "/users/PRESP01",
            json!({"user": {"role": "read_only_user", "license": license("PFULL01")}}),
        )
        .await;
    assert_invalid(&a, "is not a valid role for license");
    assert_eq!(
        api.get("/users/PRESP01").await.body["user"]["role"],
        "limited_user"
    );
    // Without the licence the backend moves the user to one that allows the new role.
    let a = api
        .put(
            "/users/PRESP01",
            json!({"user": {"role": "read_only_user"}}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(license_of(&api, "PRESP01").await, "PSTAKE1");
    assert_eq!(
        counts(&api.get("/licenses").await),
        [(2, json!(2)), (1, json!(1))]
    );
    // Back to a full role: a seat is free again.
    let a = api
        .put("/users/PRESP01", json!({"user": {"role": "observer"}}))
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(license_of(&api, "PRESP01").await, "PFULL01");
    // A role the current licence allows keeps it; other fields never touch the licence.
    let a = api
        .put(
            "/users/PRESP01",
            json!({"user": {"role": "limited_user", "job_title": "SRE"}}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(
        counts(&api.get("/licenses").await),
        [(3, json!(1)), (0, json!(2))]
    );
}

#[tokio::test]
async fn without_seeded_licences_there_is_no_licence_logic() {
    let api = api(PLAIN_SEED).await;
    let a = api.get("/licenses").await;
    assert_eq!(
        (a.status, &a.body),
        (StatusCode::OK, &json!({"licenses": []}))
    );
    let a = api
        .post_user(
            Some("bot@example.com"),
            json!({"name": "Any", "email": "any@example.com", "license": license("PNOPE00")}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let id = a.body["user"]["id"].as_str().unwrap();
    assert_eq!(
        api.get(&format!("/users/{id}/license")).await.status,
        StatusCode::NOT_FOUND
    );
    let a = api.get("/license_allocations").await;
    assert_eq!(a.body["license_allocations"], json!([]));
}

#[tokio::test]
async fn created_users_get_a_default_email_method_and_rule() {
    let api = api(SEED).await;
    let a = api
        .post_user(
            Some("bot@example.com"),
            json!({"name": "New Hire", "email": "New.Hire@Example.com"}),
        )
        .await;
    let user = &a.body["user"];
    let id = user["id"].as_str().unwrap();
    let cm = &user["contact_methods"][0];
    assert_eq!(cm["type"], "email_contact_method_reference");
    assert_eq!(cm["summary"], "Default");
    assert_eq!(
        user["notification_rules"][0]["type"],
        "assignment_notification_rule_reference"
    );
    let cm_id = cm["id"].as_str().unwrap();

    let a = api.get(&format!("/users/{id}/contact_methods")).await;
    assert_eq!(
        a.body["contact_methods"],
        json!([{"id": cm_id, "type": "email_contact_method", "summary": "Default",
                "self": format!("{}/users/{id}/contact_methods/{cm_id}", api.sim.url()),
                "html_url": null, "label": "Default", "address": "new.hire@example.com",
                "send_short_email": false, "enabled": true}])
    );
    let a = api
        .get(&format!(
            "/users/{id}?include[]=contact_methods&include[]=notification_rules"
        ))
        .await;
    let user = &a.body["user"];
    assert_eq!(
        user["contact_methods"][0]["address"],
        "new.hire@example.com"
    );
    let rule = &user["notification_rules"][0];
    assert_eq!(rule["type"], "assignment_notification_rule");
    assert_eq!(
        (&rule["urgency"], &rule["start_delay_in_minutes"]),
        (&json!("high"), &json!(0))
    );
    assert_eq!(rule["contact_method"]["id"], cm_id);
    // Also on the listing.
    let a = api
        .get("/users?query=new&include%5B%5D=contact_methods")
        .await;
    assert_eq!(a.body["users"][0]["contact_methods"][0]["label"], "Default");

    // Seeded users carry what the seed lists: the bot nothing (empty arrays, as PagerDuty's
    // user objects always hold both), Rita her phone.
    let bot = api.get("/users/PBOT001").await;
    assert_eq!(
        bot.body["user"]["contact_methods"],
        json!([]),
        "{}",
        bot.body
    );
    assert_eq!(
        bot.body["user"]["notification_rules"],
        json!([]),
        "{}",
        bot.body
    );
    let a = api.get("/users/PRESP01/contact_methods/PCMRITA").await;
    let phone = &a.body["contact_method"];
    assert_eq!(
        (&phone["type"], &phone["country_code"]),
        (&json!("phone_contact_method"), &json!(1))
    );
    assert_eq!(phone["blacklisted"], false);
    assert!(phone.get("send_short_email").is_none());
}

#[tokio::test]
async fn contact_methods_are_validated_and_unique() {
    let api = api(SEED).await;
    let cm = |body: Value| json!({"contact_method": body});
    let post = |body: Value| api.post("/users/PRESP01/contact_methods", body);
    for (body, needle) in [
        (
            cm(json!({"type": "sms_contact_method", "label": "SMS", "address": "5555550100"})),
            "Country code can't be blank",
        ),
        (
            cm(
                json!({"type": "sms_contact_method", "label": "SMS", "address": "5555550100", "country_code": 2000}),
            ),
            "Country code must be between 1 and 1999",
        ),
        (
            cm(
                json!({"type": "phone_contact_method", "label": "Again", "address": "5555550100", "country_code": 1}),
            ),
            "User Contact method must be unique",
        ),
        (
            cm(json!({"type": "email_contact_method", "label": "Work"})),
            "Address can't be blank",
        ),
        (
            cm(json!({"type": "email_contact_method", "label": "Work", "address": "not-an-email"})),
            "not a valid email address",
        ),
        (
            json!({"type": "email_contact_method"}),
            "{\"contact_method\": {...}}",
        ),
    ] {
        assert_invalid(&post(body).await, needle);
    }
    let a = post(cm(
        json!({"type": "email_contact_method", "label": "Work", "address": "rita@work.example"}),
    ))
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let id = a.body["contact_method"]["id"].as_str().unwrap();
    assert_eq!(a.body["contact_method"]["send_short_email"], false);
    let fetched = api
        .get(&format!("/users/PRESP01/contact_methods/{id}"))
        .await;
    assert_eq!(fetched.body, a.body);
    // Email addresses compare case-insensitively.
    let a = post(cm(
        json!({"type": "email_contact_method", "label": "Dup", "address": "Rita@Work.Example"}),
    ))
    .await;
    assert_invalid(&a, "User Contact method must be unique");
    let a = post(cm(json!({"type": "sms_contact_method", "label": "SMS", "address": "5555550100", "country_code": 44})))
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    assert_eq!(
        api.get("/users/PRESP01/contact_methods").await.body["contact_methods"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        api.get("/users/PRESP01/contact_methods/PNOPE00")
            .await
            .code(),
        Some(2100)
    );
    assert_eq!(
        api.get("/users/PNOPE00/contact_methods").await.code(),
        Some(2100)
    );
    let a = api
        .post(
            "/users/PNOPE00/contact_methods",
            cm(json!({"type": "email_contact_method", "label": "W", "address": "a@b.co"})),
        )
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn notification_rules_are_validated_and_listed_by_urgency() {
    let api = api(SEED).await;
    let rule = |delay: i64, urgency: &str, cm: &str| {
        json!({"notification_rule": {"type": "assignment_notification_rule",
               "start_delay_in_minutes": delay, "urgency": urgency,
               "contact_method": {"id": cm, "type": "phone_contact_method_reference"}}})
    };
    let post = |body: Value| api.post("/users/PRESP01/notification_rules", body);
    assert_invalid(
        &post(rule(0, "high", "PCMRITA")).await,
        "Channel Start delay must be unique for a given contact method",
    );
    for (body, needle) in [
        (rule(5, "medium", "PCMRITA"), "Urgency must be high or low"),
        (rule(-5, "high", "PCMRITA"), "greater than or equal to 0"),
        (
            rule(5, "high", "PNOPE00"),
            "not a contact method of this user",
        ),
        (
            json!({"notification_rule": {"type": "assignment_notification_rule", "urgency": "high",
                "contact_method": {"id": "PCMRITA"}}}),
            "Start delay in minutes can't be blank",
        ),
    ] {
        assert_invalid(&post(body).await, needle);
    }
    let a = post(rule(5, "high", "PCMRITA")).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let created = &a.body["notification_rule"];
    assert_eq!(
        created["contact_method"]["type"],
        "phone_contact_method_reference"
    );
    assert_eq!(created["start_delay_in_minutes"], 5);
    let a = post(rule(0, "low", "PCMRITA")).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);

    let delays = |a: Answer| -> Vec<i64> {
        a.body["notification_rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["start_delay_in_minutes"].as_i64().unwrap())
            .collect()
    };
    // "If not specified, defaults to `high`".
    assert_eq!(
        delays(api.get("/users/PRESP01/notification_rules").await),
        [0, 5]
    );
    assert_eq!(
        delays(
            api.get("/users/PRESP01/notification_rules?urgency=low")
                .await
        ),
        [0]
    );
    assert_eq!(
        delays(
            api.get("/users/PRESP01/notification_rules?urgency=all")
                .await
        ),
        [0, 5, 0]
    );
    assert_eq!(
        api.get("/users/PRESP01/notification_rules?urgency=urgent")
            .await
            .code(),
        Some(2001)
    );
}

#[tokio::test]
async fn a_notification_rule_is_deleted_with_204_and_an_unknown_one_is_404() {
    let api = api(SEED).await;
    let a = api
        .post_user(
            Some("bot@example.com"),
            json!({"name": "New Hire", "email": "new.hire@example.com"}),
        )
        .await;
    let id = a.body["user"]["id"].as_str().unwrap().to_string();
    let default = a.body["user"]["notification_rules"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let rule_path = format!("/users/{id}/notification_rules/{default}");
    let a = api.get(&rule_path).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["notification_rule"]["id"], default.as_str());

    // OpenAPI deleteUserNotificationRule: 204, no body.
    let a = api.delete(&rule_path).await;
    assert_eq!(a.status, StatusCode::NO_CONTENT, "{}", a.body);
    assert_eq!(a.body, Value::Null);
    let a = api
        .get(&format!("/users/{id}/notification_rules?urgency=all"))
        .await;
    assert_eq!(a.body["notification_rules"], json!([]));
    let a = api.get(&format!("/users/{id}")).await;
    assert!(
        a.body["user"]["notification_rules"]
            .as_array()
            .is_none_or(Vec::is_empty),
        "{}",
        a.body
    );
    assert_eq!(
        a.body["user"]["contact_methods"].as_array().unwrap().len(),
        1,
        "the contact method stays"
    );

    // Gone now: 404 on the rule, deleted again or read.
    for a in [api.delete(&rule_path).await, api.get(&rule_path).await] {
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{}", a.body);
        assert_eq!(a.code(), Some(2100), "{}", a.body);
    }
    // Another user's rule is not this user's: 404, and it stays.
    let rita = api
        .get("/users/PRESP01/notification_rules?urgency=all")
        .await;
    let rita_rule = rita.body["notification_rules"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let a = api
        .delete(&format!("/users/{id}/notification_rules/{rita_rule}"))
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND, "{}", a.body);
    let a = api
        .delete(&format!("/users/PNOPE00/notification_rules/{rita_rule}"))
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND, "{}", a.body);
    assert_eq!(
        api.get("/users/PRESP01/notification_rules?urgency=all")
            .await
            .body["notification_rules"],
        rita.body["notification_rules"]
    );
    // Rita's own rule, through her path, goes.
    let a = api
        .delete(&format!("/users/PRESP01/notification_rules/{rita_rule}"))
        .await;
    assert_eq!(a.status, StatusCode::NO_CONTENT, "{}", a.body);
    assert_eq!(
        api.get("/users/PRESP01/notification_rules?urgency=all")
            .await
            .body["notification_rules"],
        json!([])
    );
}

#[tokio::test]
async fn abilities_are_listed_and_checked() {
    let api = api(SEED).await;
    let a = api.get("/abilities").await;
    assert_eq!(a.body, json!({"abilities": DEFAULT_ABILITIES}));
    let a = api.get("/abilities/teams").await;
    assert_eq!((a.status, &a.body), (StatusCode::NO_CONTENT, &Value::Null));
    let a = api.get("/abilities/time_travel").await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::PAYMENT_REQUIRED, Some(2014))
    );
}

#[tokio::test]
async fn missing_abilities_are_enforced_where_documented() {
    let mut seed: Value = serde_json::from_str(super::oncall::SEED).unwrap();
    seed["abilities"] = json!(["service_support_hours"]);
    seed["users"]
        .as_array_mut()
        .unwrap()
        .push(json!({"id": "PVIEW01", "name": "Viewer", "email": "viewer@example.com", "role": "observer"}));
    let api = api(&seed.to_string()).await;
    let refused = |a: &Answer, what: &str| {
        assert_eq!(
            (a.status, a.code()),
            (StatusCode::PAYMENT_REQUIRED, Some(2014)),
            "{what}: {}",
            a.body
        );
        assert_eq!(a.body["error"]["message"], "Missing Account Ability");
    };
    for path in [
        "/users?team_ids[]=PTEAM01",
        "/escalation_policies?team_ids[]=PTEAM01",
        "/schedules?team_ids[]=PTEAM01",
        "/incidents?team_ids[]=PTEAM01",
        "/incidents?urgencies[]=low",
        "/abilities/teams",
    ] {
        refused(&api.get(path).await, path);
    }
    refused(
        &api.put("/teams/PTEAM01/users/PDAVE01", json!({"role": "responder"}))
            .await,
        "add to team",
    );
    refused(
        &api.delete("/teams/PTEAM01/users/PFRANK1").await,
        "remove from team",
    );
    refused(
        &api.post_user(
            Some("bot@example.com"),
            json!({"name": "Stake", "email": "stake@example.com", "role": "read_only_limited_user"}),
        )
        .await,
        "create a stakeholder",
    );
    refused(
        &api.put(
            "/users/PVIEW01",
            json!({"user": {"role": "read_only_user"}}),
        )
        .await,
        "make a stakeholder",
    );
    let low = json!({"notification_rule": {"type": "assignment_notification_rule",
        "start_delay_in_minutes": 0, "urgency": "low", "contact_method": {"id": "PNOPE00"}}});
    let a = api
        .post(
            "/users/PDAVE01/contact_methods",
            json!({"contact_method": {
        "type": "email_contact_method", "label": "Work", "address": "dave@work.example"}}),
        )
        .await;
    let cm = a.body["contact_method"]["id"].as_str().unwrap().to_string();
    let mut rule = low.clone();
    rule["notification_rule"]["contact_method"]["id"] = json!(cm);
    refused(
        &api.post("/users/PDAVE01/notification_rules", rule).await,
        "low urgency rule",
    );
    // Where no ability is needed, all still works.
    assert_eq!(api.get("/users").await.status, StatusCode::OK);
    assert_eq!(
        api.get("/abilities").await.body,
        json!({"abilities": ["service_support_hours"]})
    );

    // A seed that puts a stakeholder in an account without read_only_users is refused.
    let mut seed: Value = serde_json::from_str(PLAIN_SEED).unwrap();
    seed["abilities"] = json!(["teams"]);
    let err = Seed::from_json(&seed.to_string()).unwrap_err().to_string();
    assert!(
        err.contains(
            "users[3] (sam@example.com): role read_only_user needs the read_only_users ability"
        ),
        "{err}"
    );
}

#[tokio::test]
async fn users_me_answers_only_for_a_user_level_key() {
    let api = api(super::oncall::SEED).await;
    let a = api.get("/users/me").await;
    assert_eq!((a.status, a.code()), (StatusCode::BAD_REQUEST, Some(2001)));
    assert!(
        a.errors()[0].contains("account-level API key"),
        "{}",
        a.body
    );
    let me = |key: &'static str| {
        api.client
            .get(format!("{}/users/me?include[]=teams", api.sim.url()))
            .header("Authorization", format!("Token token={key}"))
    };
    let a = api.send(me("alice-key-456")).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["user"]["id"], "PALICE1");
    assert_eq!(a.body["user"]["teams"][0]["type"], "team");
    // The user-level key is an accepted key like the others; an unknown key is refused.
    let a = api.send(me("who-knows")).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert!(!format!("{:?}", api.sim.requests()).contains("alice-key-456"));
    assert!(!format!("{:?}", Seed::from_json(super::oncall::SEED).unwrap()).contains(KEY));
}

/// PAGERDUTY_API.md §1.3 (S25): only a Global Admin or the Account Owner may add or delete
/// users and set base roles, and a Manager may change team roles only; a user-level key
/// carries its user's permissions (S5). A Responder's key once created users and granted
/// admin in the simulator, so a sandbox apply worked where PagerDuty answers 403 (r10h 22).
#[tokio::test]
async fn a_user_level_key_writes_only_what_its_users_role_may() {
    let mut seed: Value = serde_json::from_str(PLAIN_SEED).unwrap();
    seed["api_keys"] = json!([
        KEY,
        {"key": "admin-key", "user": "bot@example.com"},
        {"key": "owner-key", "user": "POWNER1"},
        {"key": "responder-key", "user": "rita@example.com"},
        {"key": "manager-key", "user": "mia@example.com"}
    ]);
    seed["users"].as_array_mut().unwrap().push(
        json!({"id": "PMANAG1", "name": "Mia Manager", "email": "mia@example.com", "role": "user"}),
    );
    let api = api(&seed.to_string()).await;
    let with = |key: &str, method: reqwest::Method, path: &str| {
        api.client
            .request(method, format!("{}{}", api.sim.url(), path))
            .header("Authorization", format!("Token token={key}"))
            .header("From", "bot@example.com")
    };
    let new_user = |n: usize| json!({"user": {"name": format!("New {n}"), "email": format!("new{n}@example.com")}});
    let denied = |a: &Answer, role: &str| {
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.body);
        assert_eq!(a.code(), Some(2010), "{}", a.body);
        assert!(
            a.errors()[0].contains(&format!("base role {role}")),
            "{}",
            a.body
        );
    };
    use reqwest::Method;
    for (key, role) in [("responder-key", "limited_user"), ("manager-key", "user")] {
        let a = api
            .send(with(key, Method::POST, "/users").json(&new_user(1)))
            .await;
        denied(&a, role);
        assert!(a.errors()[0].contains("only a Global Admin (admin) or the Account Owner"));
        let a = api
            .send(
                with(key, Method::PUT, "/users/PSTAKE1").json(&json!({"user": {"role": "admin"}})),
            )
            .await;
        denied(&a, role);
        denied(
            &api.send(with(key, Method::DELETE, "/users/PSTAKE1")).await,
            role,
        );
        // A PUT that keeps the role is not a role change.
        let a = api
            .send(
                with(key, Method::PUT, "/users/PSTAKE1")
                    .json(&json!({"user": {"role": "read_only_user", "job_title": "Auditor"}})),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    }
    // Team roles: a Manager may, a Responder may not.
    let a = api
        .send(
            with("responder-key", Method::PUT, "/teams/PTEAM01/users/PRESP01")
                .json(&json!({"role": "manager"})),
        )
        .await;
    denied(&a, "limited_user");
    let a = api
        .send(with(
            "responder-key",
            Method::DELETE,
            "/teams/PTEAM02/users/PRESP01",
        ))
        .await;
    denied(&a, "limited_user");
    let a = api
        .send(
            with("manager-key", Method::PUT, "/teams/PTEAM01/users/PRESP01")
                .json(&json!({"role": "responder"})),
        )
        .await;
    assert_eq!(a.status, StatusCode::NO_CONTENT, "{}", a.body);
    // An admin's and the owner's keys, and an account-level key, may do all of it.
    for (n, key) in ["admin-key", "owner-key", KEY].into_iter().enumerate() {
        let a = api
            .send(with(key, Method::POST, "/users").json(&new_user(n + 2)))
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{key}: {}", a.body);
        let id = a.body["user"]["id"].as_str().unwrap().to_string();
        let a = api
            .send(
                with(key, Method::PUT, &format!("/users/{id}"))
                    .json(&json!({"user": {"role": "admin"}})),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{key}: {}", a.body);
        let a = api
            .send(with(key, Method::DELETE, &format!("/users/{id}")))
            .await;
        assert_eq!(a.status, StatusCode::NO_CONTENT, "{key}: {}", a.body);
    }
}
