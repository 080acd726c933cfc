//! The simulator's endpoints and rules, exercised over HTTP on 127.0.0.1 with reqwest.

use hr2pagerduty::pagerduty::models::{EMAIL_TAKEN, Role, TeamRole};
use hr2pagerduty::sim::{self, Seed, SimHandle};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::path::Path;

// Escalation policies, schedules, on-calls, incidents and the rules they bring.
#[path = "api/oncall.rs"]
mod oncall;
// Licences, contact methods, notification rules, abilities and GET /users/me.
#[path = "api/accounts.rs"]
mod accounts;

const KEY: &str = "test-key-123";

const SEED: &str = r#"{
  "api_keys": ["test-key-123"],
  "teams": [{"id": "PTEAM01", "name": "IT Operations"}, {"id": "PTEAM02", "name": "Database"}],
  "users": [
    {"id": "POWNER1", "name": "Olive Owner", "email": "owner@example.com", "role": "owner"},
    {"id": "PBOT001", "name": "Provisioning Bot", "email": "bot@example.com", "role": "admin",
     "teams": [{"team": "IT Operations", "role": "manager"}]},
    {"id": "PRESP01", "name": "Rita Responder", "email": "rita@example.com", "role": "limited_user",
     "teams": [{"team": "PTEAM02"}]},
    {"id": "PSTAKE1", "name": "Sam Stakeholder", "email": "sam@example.com", "role": "read_only_user"}
  ]
}"#;

struct Api {
    sim: SimHandle,
    client: reqwest::Client,
}

struct Answer {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

impl Answer {
    fn code(&self) -> Option<i64> {
        self.body["error"]["code"].as_i64()
    }
    fn errors(&self) -> Vec<String> {
        self.body["error"]["errors"]
            .as_array()
            .map(|a| a.iter().map(|e| e.as_str().unwrap().to_string()).collect())
            .unwrap_or_default()
    }
}

async fn api(seed: &str) -> Api {
    let sim = sim::start(Seed::from_json(seed).unwrap(), 0).await.unwrap();
    Api {
        sim,
        client: reqwest::Client::new(),
    }
}

impl Api {
    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, format!("{}{}", self.sim.url(), path))
            .header("Authorization", format!("Token token={KEY}"))
            .header("Accept", "application/vnd.pagerduty+json;version=2")
    }

    async fn send(&self, rb: reqwest::RequestBuilder) -> Answer {
        let resp = rb.send().await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.unwrap();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap()
        };
        Answer {
            status,
            headers,
            body,
        }
    }

    async fn get(&self, path: &str) -> Answer {
        self.send(self.request(Method::GET, path)).await
    }

    async fn post_user(&self, from: Option<&str>, user: Value) -> Answer {
        let mut rb = self
            .request(Method::POST, "/users")
            .json(&json!({ "user": user }));
        if let Some(from) = from {
            rb = rb.header("From", from);
        }
        self.send(rb).await
    }

    async fn post(&self, path: &str, body: Value) -> Answer {
        self.send(self.request(Method::POST, path).json(&body))
            .await
    }

    async fn put(&self, path: &str, body: Value) -> Answer {
        self.send(self.request(Method::PUT, path).json(&body)).await
    }

    async fn delete(&self, path: &str) -> Answer {
        self.send(self.request(Method::DELETE, path)).await
    }
}

fn assert_invalid(a: &Answer, needle: &str) {
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.body);
    assert_eq!(a.code(), Some(2001), "{}", a.body);
    assert_eq!(a.body["error"]["message"], "Invalid Input Provided");
    assert!(
        a.errors().iter().any(|e| e.contains(needle)),
        "no error containing {needle:?} in {}",
        a.body
    );
}

#[tokio::test]
async fn authentication_needs_the_exact_token_header() {
    let api = api(SEED).await;
    let url = format!("{}/users", api.sim.url());
    for header in [
        None,
        Some("Bearer test-key-123".to_string()),
        Some("Token test-key-123".to_string()),
        Some("token token=test-key-123".to_string()),
        Some("Token token=wrong-key".to_string()),
        Some("Token token=".to_string()),
    ] {
        let mut rb = api.client.get(&url);
        if let Some(h) = &header {
            rb = rb.header("Authorization", h);
        }
        let a = api.send(rb).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{header:?}");
        assert_eq!(a.code(), Some(2006), "{header:?}");
        assert!(a.headers.get("ratelimit-limit").is_none());
    }
    assert_eq!(api.get("/users").await.status, StatusCode::OK);
    // The key never reaches the recorded requests.
    let recorded = format!("{:?}", api.sim.requests());
    assert!(!recorded.contains(KEY), "{recorded}");
    assert_eq!(api.sim.requests().len(), 7);
}

#[tokio::test]
async fn without_listed_keys_any_non_empty_token_is_accepted() {
    let api = api(r#"{"users": []}"#).await;
    let a = api
        .send(
            api.client
                .get(format!("{}/users", api.sim.url()))
                .header("Authorization", "Token token=anything-goes"),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK);
    let a = api
        .send(
            api.client
                .get(format!("{}/users", api.sim.url()))
                .header("Authorization", "Token token="),
        )
        .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn created_user_is_normalised_stored_and_listed() {
    let api = api(SEED).await;
    let a = api
        .post_user(
            Some("bot@example.com"),
            json!({"type": "user", "name": "  Ann   de Vries ", "email": "Ann.deVries@Example.COM",
                   "role": "limited_user", "time_zone": "Europe/Kiev", "job_title": "SRE",
                   "description": "hr2pagerduty\nline two", "color": "green"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let user = &a.body["user"];
    let id = user["id"].as_str().unwrap();
    assert!(
        id.len() == 7
            && id.starts_with('P')
            && id[1..]
                .chars()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()),
        "{id}"
    );
    assert_eq!(user["type"], "user");
    assert_eq!(user["name"], "Ann de Vries");
    assert_eq!(user["summary"], "Ann de Vries");
    assert_eq!(user["email"], "ann.devries@example.com");
    assert_eq!(user["role"], "limited_user");
    assert_eq!(user["time_zone"], "Europe/Kiev");
    assert_eq!(user["description"], "hr2pagerduty\nline two");
    assert_eq!(user["invitation_sent"], true);
    assert_eq!(user["self"], format!("{}/users/{id}", api.sim.url()));
    assert_eq!(user["teams"], json!([]));

    let fetched = api.get(&format!("/users/{id}")).await;
    assert_eq!(fetched.status, StatusCode::OK);
    assert_eq!(&fetched.body["user"], user);
    assert_eq!(
        api.sim.user_by_email("ANN.DEVRIES@example.com").unwrap().id,
        id
    );
    assert_eq!(api.sim.write_count(), 1);
    let last = api.sim.requests().pop().unwrap();
    assert_eq!(
        (last.method.as_str(), last.path.as_str(), last.status),
        ("GET", &*format!("/users/{id}"), 200)
    );
    let post = &api.sim.requests()[0];
    assert_eq!(post.from.as_deref(), Some("bot@example.com"));
    assert_eq!(post.body.as_ref().unwrap()["user"]["job_title"], "SRE");
}

#[tokio::test]
async fn role_defaults_to_user_and_time_zone_to_the_account_zone() {
    let api = api(SEED).await;
    let a = api
        .post_user(
            Some("bot@example.com"),
            json!({"name": "Dee Fault", "email": "dee@example.com"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED);
    assert_eq!(a.body["user"]["role"], "user");
    assert_eq!(a.body["user"]["time_zone"], "Etc/UTC");
    assert_eq!(a.body["user"]["job_title"], Value::Null);
}

#[tokio::test]
async fn from_header_is_required_well_formed_and_a_user_of_the_account() {
    let api = api(SEED).await;
    let user = json!({"name": "New Person", "email": "new@example.com"});

    let a = api.post_user(None, user.clone()).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(a.code(), Some(2016));
    assert_eq!(
        a.body["error"]["message"],
        "You must specify a user's email address in the \"From\" header to perform this action"
    );

    let a = api.post_user(Some("bot"), user.clone()).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(a.code(), Some(1028));
    assert_eq!(a.body["error"]["message"], "Malformed \"From\" header");

    let a = api
        .post_user(Some("stranger@example.com"), user.clone())
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(a.code(), Some(1008));

    // The From header is checked before the body.
    let a = api.post_user(None, json!({"name": 5})).await;
    assert_eq!(a.code(), Some(2016));

    assert!(api.sim.user_by_email("new@example.com").is_none());
    let a = api.post_user(Some("BOT@Example.com"), user).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    assert_eq!(api.sim.write_count(), 5);
}

#[tokio::test]
async fn validation_follows_the_documented_limits() {
    let api = api(SEED).await;
    let from = Some("bot@example.com");
    let long = "x".repeat(101);
    let cases = [
        (json!({"email": "a@example.com"}), "Name can't be blank"),
        (
            json!({"name": "  ", "email": "a@example.com"}),
            "Name can't be blank",
        ),
        (
            json!({"name": long, "email": "a@example.com"}),
            "Name is too long",
        ),
        (json!({"name": "A"}), "Email can't be blank"),
        (
            json!({"name": "A", "email": "not-an-email"}),
            "Email is invalid",
        ),
        (json!({"name": "A", "email": "a@b.c"}), "Email is too short"),
        (
            json!({"name": "A", "email": format!("{}@example.com", "a".repeat(89))}),
            "Email is too long",
        ),
        (
            json!({"name": "A", "email": "a@example.com", "role": "superuser"}),
            "Role must be in",
        ),
        (
            json!({"name": "A", "email": "a@example.com", "role": "manager"}),
            "Role must be in",
        ),
        (
            json!({"name": "A", "email": "a@example.com", "role": "owner"}),
            "owner",
        ),
        (
            json!({"name": "A", "email": "a@example.com", "time_zone": "US/Mountain"}),
            "is not a valid tzinfo identifier",
        ),
        (
            json!({"name": "A", "email": "a@example.com", "time_zone": "Europe/Kyiv"}),
            "is not a valid tzinfo identifier",
        ),
        (
            json!({"name": "A", "email": "a@example.com", "job_title": "t".repeat(101)}),
            "Job title is too long",
        ),
        (
            json!({"name": 42, "email": "a@example.com"}),
            "invalid type",
        ),
    ];
    for (user, needle) in cases {
        let a = api.post_user(from, user.clone()).await;
        assert_invalid(&a, needle);
    }
    // Exactly at the limits is fine.
    let a = api
        .post_user(
            from,
            json!({"name": "n".repeat(100), "email": format!("{}@example.com", "a".repeat(88)),
                   "job_title": "t".repeat(100), "time_zone": "America/Godthab"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    // Every problem is reported at once.
    let a = api
        .post_user(from, json!({"name": long, "email": "bad", "role": "x"}))
        .await;
    assert_eq!(a.errors().len(), 3, "{}", a.body);
    assert_eq!(api.sim.users().len(), 5);
}

#[tokio::test]
async fn duplicate_emails_are_refused_case_insensitively() {
    let api = api(SEED).await;
    let a = api
        .post_user(
            Some("bot@example.com"),
            json!({"name": "Rita Two", "email": "RITA@Example.com"}),
        )
        .await;
    assert_invalid(&a, EMAIL_TAKEN);
    assert_eq!(a.errors(), vec![EMAIL_TAKEN.to_string()]);
    // Also on update.
    let a = api
        .put(
            "/users/PRESP01",
            json!({"user": {"email": "Bot@example.com"}}),
        )
        .await;
    assert_invalid(&a, EMAIL_TAKEN);
    // Changing only the case of one's own email is fine.
    let a = api
        .put(
            "/users/PRESP01",
            json!({"user": {"email": "Rita@EXAMPLE.com"}}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.body["user"]["email"], "rita@example.com");
}

#[tokio::test]
async fn put_is_a_partial_update() {
    let api = api(SEED).await;
    let before = api.get("/users/PRESP01").await.body["user"].clone();
    let a = api
        .put(
            "/users/PRESP01",
            json!({"user": {"job_title": "Night shift", "id": "PHACKED", "type": "nonsense",
                             "invitation_sent": true, "teams": [], "unknown_field": 1,
                             "avatar_url": "https://example.com/x.png"}}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let mut expected = before.clone();
    expected["job_title"] = json!("Night shift");
    assert_eq!(a.body["user"], expected);
    assert_eq!(api.get("/users/PRESP01").await.body["user"], expected);

    let a = api
        .put(
            "/users/PRESP01",
            json!({"user": {"role": "observer", "time_zone": "Asia/Kolkata",
                             "description": "bio\nwith newline", "name": "Rita  R."}}),
        )
        .await;
    let user = &a.body["user"];
    assert_eq!(
        (
            &user["role"],
            &user["time_zone"],
            &user["description"],
            &user["name"]
        ),
        (
            &json!("observer"),
            &json!("Asia/Kolkata"),
            &json!("bio\nwith newline"),
            &json!("Rita R.")
        )
    );
    assert_eq!(user["email"], before["email"]);
    assert_eq!(user["job_title"], "Night shift");

    // Explicit nulls clear; the time zone falls back to the account's.
    let a = api
        .put(
            "/users/PRESP01",
            json!({"user": {"description": null, "job_title": null, "time_zone": null}}),
        )
        .await;
    let user = &a.body["user"];
    assert_eq!(user["description"], Value::Null);
    assert_eq!(user["job_title"], Value::Null);
    assert_eq!(user["time_zone"], "Etc/UTC");

    // An empty update changes nothing.
    let a = api.put("/users/PRESP01", json!({"user": {}})).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_invalid(
        &api.put("/users/PRESP01", json!({"user": {"name": null}}))
            .await,
        "Name can't be blank",
    );
    assert_invalid(
        &api.put("/users/PRESP01", json!({"user": {"time_zone": "UTC"}}))
            .await,
        "tzinfo",
    );
    assert_invalid(
        &api.put("/users/PRESP01", json!({"name": "x"})).await,
        "user",
    );
    let missing = api.put("/users/PNOPE00", json!({"user": {}})).await;
    assert_eq!(
        (missing.status, missing.code()),
        (StatusCode::NOT_FOUND, Some(2100))
    );
}

#[tokio::test]
async fn the_account_owner_cannot_be_changed_deleted_or_created() {
    let api = api(SEED).await;
    let before = api.sim.user_by_email("owner@example.com").unwrap();
    let a = api
        .put("/users/POWNER1", json!({"user": {"job_title": "CEO"}}))
        .await;
    assert_eq!((a.status, a.code()), (StatusCode::FORBIDDEN, Some(2010)));
    let a = api
        .put("/users/POWNER1", json!({"user": {"role": "admin"}}))
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let a = api.delete("/users/POWNER1").await;
    assert_eq!((a.status, a.code()), (StatusCode::FORBIDDEN, Some(2010)));
    assert_eq!(api.sim.user_by_email("owner@example.com").unwrap(), before);

    assert_invalid(
        &api.put("/users/PRESP01", json!({"user": {"role": "owner"}}))
            .await,
        "owner",
    );
    assert_eq!(
        api.sim.user_by_email("rita@example.com").unwrap().role,
        Role::LimitedUser
    );
}

#[tokio::test]
async fn delete_removes_the_user_and_its_memberships_and_ids_are_not_reused() {
    let api = api(SEED).await;
    assert_eq!(api.sim.team_members("PTEAM02").len(), 1);
    let a = api.delete("/users/PRESP01").await;
    assert_eq!(a.status, StatusCode::NO_CONTENT);
    assert_eq!(a.body, Value::Null);
    assert_eq!(
        api.get("/users/PRESP01").await.status,
        StatusCode::NOT_FOUND
    );
    assert!(api.sim.team_members("PTEAM02").is_empty());
    let again = api.delete("/users/PRESP01").await;
    assert_eq!(
        (again.status, again.code()),
        (StatusCode::NOT_FOUND, Some(2100))
    );

    // Re-creating the same person gives a new ID.
    let a = api
        .post_user(
            Some("bot@example.com"),
            json!({"name": "Rita Responder", "email": "rita@example.com"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED);
    assert_ne!(a.body["user"]["id"], "PRESP01");
}

#[tokio::test]
async fn team_membership_roles_defaults_and_rules() {
    let api = api(SEED).await;
    // Seeded: bot is manager of IT Operations; Rita (limited_user) got the default responder.
    assert_eq!(api.sim.team_members("PTEAM02")[0].role, TeamRole::Responder);

    // No body: the default follows the base role.
    let a = api
        .send(api.request(Method::PUT, "/teams/PTEAM01/users/PRESP01"))
        .await;
    assert_eq!(a.status, StatusCode::NO_CONTENT, "{}", a.body);
    let a = api.put("/teams/PTEAM02/users/PBOT001", json!({})).await;
    assert_eq!(a.status, StatusCode::NO_CONTENT);
    let members = api.get("/teams/PTEAM01/members").await;
    assert_eq!(members.status, StatusCode::OK);
    assert_eq!(
        members.body["members"],
        json!([
            {"user": {"id": "PBOT001", "type": "user_reference", "summary": "Provisioning Bot",
                      "self": format!("{}/users/PBOT001", api.sim.url()),
                      "html_url": "https://sim.pagerduty.com/users/PBOT001"},
             "role": "manager"},
            {"user": {"id": "PRESP01", "type": "user_reference", "summary": "Rita Responder",
                      "self": format!("{}/users/PRESP01", api.sim.url()),
                      "html_url": "https://sim.pagerduty.com/users/PRESP01"},
             "role": "responder"}
        ])
    );
    assert_eq!(members.body["more"], false);
    assert_eq!(api.sim.team_members("PTEAM02")[0].role, TeamRole::Manager);

    // An explicit role changes an existing membership.
    let a = api
        .put("/teams/PTEAM01/users/PRESP01", json!({"role": "observer"}))
        .await;
    assert_eq!(a.status, StatusCode::NO_CONTENT);
    let roles: Vec<TeamRole> = api
        .sim
        .team_members("PTEAM01")
        .into_iter()
        .map(|m| m.role)
        .collect();
    assert_eq!(roles, [TeamRole::Manager, TeamRole::Observer]);

    // Rules.
    assert_invalid(
        &api.put("/teams/PTEAM01/users/PRESP01", json!({"role": "admin"}))
            .await,
        "Role must be in observer, responder, manager",
    );
    assert_invalid(
        &api.put("/teams/PTEAM01/users/PSTAKE1", json!({"role": "observer"}))
            .await,
        "read_only_user",
    );
    let a = api
        .put("/teams/PNOTEAM/users/PRESP01", json!({"role": "observer"}))
        .await;
    assert_eq!((a.status, a.code()), (StatusCode::NOT_FOUND, Some(6001)));
    let a = api
        .put("/teams/PTEAM01/users/PNOUSER", json!({"role": "observer"}))
        .await;
    assert_eq!((a.status, a.code()), (StatusCode::NOT_FOUND, Some(2100)));
    let a = api.get("/teams/PNOTEAM/members").await;
    assert_eq!((a.status, a.code()), (StatusCode::NOT_FOUND, Some(6001)));

    // The user object lists its teams (references by default, full with include[]=teams).
    let rita = api.get("/users/PRESP01").await.body["user"].clone();
    assert_eq!(
        rita["teams"],
        json!([
            {"id": "PTEAM02", "type": "team_reference", "summary": "Database",
             "self": format!("{}/teams/PTEAM02", api.sim.url()),
             "html_url": "https://sim.pagerduty.com/teams/PTEAM02"},
            {"id": "PTEAM01", "type": "team_reference", "summary": "IT Operations",
             "self": format!("{}/teams/PTEAM01", api.sim.url()),
             "html_url": "https://sim.pagerduty.com/teams/PTEAM01"}
        ])
    );
    let full = api.get("/users/PRESP01?include%5B%5D=teams").await.body["user"]["teams"].clone();
    assert_eq!(full[0]["type"], "team");
    assert_eq!(full[0]["name"], "Database");

    // Removal.
    let a = api.delete("/teams/PTEAM01/users/PRESP01").await;
    assert_eq!(a.status, StatusCode::NO_CONTENT);
    assert_eq!(api.sim.team_members("PTEAM01").len(), 1);
    let a = api.delete("/teams/PTEAM01/users/PRESP01").await;
    assert_eq!(a.status, StatusCode::NO_CONTENT);
    let a = api.delete("/teams/PNOTEAM/users/PRESP01").await;
    assert_eq!(a.code(), Some(6001));
}

#[tokio::test]
async fn teams_list_filter_and_get() {
    let api = api(SEED).await;
    let a = api.get("/teams").await;
    let names: Vec<&str> = a.body["teams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Database", "IT Operations"]);
    assert_eq!(a.body["teams"][0]["type"], "team");
    assert_eq!(a.body["teams"][0]["default_role"], "manager");
    let a = api.get("/teams?query=it%20oper").await;
    assert_eq!(a.body["teams"].as_array().unwrap().len(), 1);
    let a = api.get("/teams/PTEAM01").await;
    assert_eq!(a.body["team"]["name"], "IT Operations");
    let a = api.get("/teams/PNOTEAM").await;
    assert_eq!(a.code(), Some(6001));
}

fn many_users_seed(n: usize) -> String {
    let users: Vec<Value> = (0..n)
        .map(|i| json!({"name": format!("User {:03}", (i * 7) % n), "email": format!("u{i}@example.com")}))
        .collect();
    json!({"api_keys": [KEY], "teams": [{"id": "PTEAM01", "name": "Ops"}], "users": users})
        .to_string()
}

#[tokio::test]
async fn pagination_defaults_clamp_total_and_the_10000_cap() {
    let api = api(&many_users_seed(60)).await;
    let a = api.get("/users").await;
    assert_eq!(a.body["users"].as_array().unwrap().len(), 25);
    assert_eq!(
        (
            &a.body["limit"],
            &a.body["offset"],
            &a.body["more"],
            &a.body["total"]
        ),
        (&json!(25), &json!(0), &json!(true), &Value::Null)
    );
    let a = api.get("/users?limit=500&total=true").await;
    assert_eq!(a.body["limit"], 100);
    assert_eq!(a.body["users"].as_array().unwrap().len(), 60);
    assert_eq!(
        (&a.body["more"], &a.body["total"]),
        (&json!(false), &json!(60))
    );
    let a = api.get("/users?limit=25&offset=50").await;
    assert_eq!(a.body["users"].as_array().unwrap().len(), 10);
    assert_eq!(a.body["more"], false);

    let a = api.get("/users?offset=9900&limit=100").await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(
        (a.body["users"].as_array().unwrap().len(), &a.body["more"]),
        (0, &json!(false))
    );
    for q in ["offset=9901&limit=100", "offset=10000", "offset=9976"] {
        let a = api.get(&format!("/users?{q}")).await;
        assert_eq!(
            (a.status, a.code()),
            (StatusCode::BAD_REQUEST, Some(2002)),
            "{q}"
        );
        assert!(a.errors()[0].contains("10000"), "{}", a.body);
    }
    let a = api.get("/teams/PTEAM01/members?offset=9999&limit=2").await;
    assert_eq!(a.code(), Some(2002));
    for q in ["limit=abc", "limit=0", "offset=-5"] {
        let a = api.get(&format!("/users?{q}")).await;
        assert_eq!(
            (a.status, a.code()),
            (StatusCode::BAD_REQUEST, Some(2001)),
            "{q}"
        );
    }
}

#[tokio::test]
async fn walking_all_pages_yields_every_user_once_in_name_order() {
    let api = api(&many_users_seed(45)).await;
    let mut seen = Vec::new();
    let mut offset = 0;
    loop {
        let a = api.get(&format!("/users?limit=7&offset={offset}")).await;
        let users = a.body["users"].as_array().unwrap().clone();
        seen.extend(
            users
                .iter()
                .map(|u| u["name"].as_str().unwrap().to_string()),
        );
        if a.body["more"] == false {
            break;
        }
        offset += 7;
    }
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted);
    assert_eq!(seen.len(), 45);
    assert_eq!(seen.first().unwrap(), "User 000");
}

#[tokio::test]
async fn same_names_are_ordered_by_id_and_query_matches_name_or_email() {
    let api = api(r#"{"users": [
            {"id": "PZZZZZ1", "name": "alex Smith", "email": "a1@example.com"},
            {"id": "PAAAAA1", "name": "Alex Smith", "email": "a2@example.com"},
            {"id": "PMMMMM1", "name": "Bea", "email": "ALEX.b@Example.com"}]}"#)
    .await;
    let ids = |a: &Answer| -> Vec<String> {
        a.body["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        ids(&api.get("/users").await),
        ["PAAAAA1", "PZZZZZ1", "PMMMMM1"]
    );
    assert_eq!(
        ids(&api.get("/users?query=ALEX").await),
        ["PAAAAA1", "PZZZZZ1", "PMMMMM1"]
    );
    assert_eq!(
        ids(&api.get("/users?query=alex.b%40example.com").await),
        ["PMMMMM1"]
    );
    assert_eq!(
        ids(&api.get("/users?query=smith").await),
        ["PAAAAA1", "PZZZZZ1"]
    );
    assert!(ids(&api.get("/users?query=nobody").await).is_empty());
}

#[tokio::test]
async fn team_ids_filter_and_include_teams_on_the_list() {
    let api = api(SEED).await;
    let a = api
        .get("/users?team_ids%5B%5D=PTEAM02&team_ids[]=PTEAM01")
        .await;
    let names: Vec<&str> = a.body["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Provisioning Bot", "Rita Responder"]);
    let a = api.get("/users?team_ids[]=PTEAM02&include[]=teams").await;
    assert_eq!(a.body["users"][0]["teams"][0]["type"], "team");
    assert_eq!(a.body["users"][0]["teams"][0]["name"], "Database");
}

#[tokio::test]
async fn total_counts_what_query_and_team_ids_select_on_every_page() {
    // 250 users: even ones at example.com, odd ones at other.org; every third on Ops.
    let users: Vec<Value> = (0..250)
        .map(|i| {
            let domain = if i % 2 == 0 { "example.com" } else { "other.org" };
            let teams = if i % 3 == 0 { json!([{"team": "Ops"}]) } else { json!([]) };
            json!({"name": format!("User {i:03}"), "email": format!("u{i}@{domain}"), "teams": teams})
        })
        .collect();
    let seed =
        json!({"api_keys": [KEY], "teams": [{"id": "PTEAM01", "name": "Ops"}], "users": users});
    let api = api(&seed.to_string()).await;
    let count = |a: &Answer| a.body["users"].as_array().unwrap().len();
    // (filter, users it selects): the partition filters the client's listing uses.
    for (filter, total) in [
        ("query=%40other.org", 125),
        ("query=5%40", 25),
        ("query=15%40", 3),
        ("team_ids[]=PTEAM01", 84),
        ("query=%40other.org&team_ids[]=PTEAM01", 42),
        ("query=user%201", 100),
        ("query=nobody", 0),
    ] {
        let mut seen = 0;
        for offset in (0..total.max(1)).step_by(100) {
            let a = api
                .get(&format!(
                    "/users?{filter}&total=true&limit=100&offset={offset}"
                ))
                .await;
            assert_eq!(a.status, StatusCode::OK, "{filter}: {}", a.body);
            assert_eq!(a.body["total"], json!(total), "{filter} at {offset}");
            assert_eq!(
                a.body["more"],
                json!(offset + 100 < total),
                "{filter} at {offset}"
            );
            seen += count(&a);
        }
        assert_eq!(seen, total, "{filter}");
        // Without total=true the total stays null, with or without filters.
        let a = api.get(&format!("/users?{filter}")).await;
        assert_eq!(a.body["total"], Value::Null, "{filter}");
    }
}

#[tokio::test]
async fn bodies_must_be_json_and_unknown_paths_are_404() {
    let api = api(SEED).await;
    let a = api
        .send(
            api.request(Method::POST, "/users")
                .header("From", "bot@example.com")
                .header("Content-Type", "text/plain")
                .body(r#"{"user":{"name":"A","email":"a@example.com"}}"#),
        )
        .await;
    assert_invalid(&a, "Content-Type");
    let a = api
        .send(
            api.request(Method::POST, "/users")
                .header("From", "bot@example.com")
                .header("Content-Type", "application/json")
                .body("{not json"),
        )
        .await;
    assert_invalid(&a, "not valid JSON");
    let a = api
        .send(
            api.request(Method::POST, "/users")
                .header("From", "bot@example.com"),
        )
        .await;
    assert_invalid(&a, "{\"user\"");
    let a = api.get("/services").await;
    assert_eq!((a.status, a.code()), (StatusCode::NOT_FOUND, Some(2100)));
    assert!(api.sim.user_by_email("a@example.com").is_none());
}

#[tokio::test]
async fn ids_are_deterministic_for_the_same_seed_and_requests() {
    let mut runs = Vec::new();
    for _ in 0..2 {
        let api = api(
            r#"{"teams": [{"name": "Ops"}], "users": [{"name": "B", "email": "b@example.com"}]}"#,
        )
        .await;
        let created = api
            .post_user(
                Some("b@example.com"),
                json!({"name": "C", "email": "c@example.com"}),
            )
            .await;
        runs.push((
            api.sim.teams()[0].id.clone(),
            api.sim.users()[0].id.clone(),
            created.body["user"]["id"].as_str().unwrap().to_string(),
        ));
        api.sim.shutdown().await;
    }
    assert_eq!(runs[0], runs[1]);
    let (team, seeded, created) = &runs[0];
    assert!(team.as_str() != seeded.as_str() && seeded != created && team != created);
}

#[tokio::test]
async fn the_fixture_seed_loads_and_invalid_seeds_do_not_start() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sim/basic.json");
    let seed = Seed::from_file(&path).unwrap();
    let sim = sim::start(seed, 0).await.unwrap();
    assert_eq!(sim.users().len(), 4);
    assert_eq!(sim.teams().len(), 3);
    let rita = sim.user_by_email("rita@example.com").unwrap();
    assert_eq!(rita.teams.len(), 2);
    let sam = sim.user_by_email("sam@example.com").unwrap();
    assert_eq!(
        sam.description.as_deref(),
        Some("Reads the status page.\nNothing else.")
    );
    assert_eq!(sam.time_zone.as_deref(), Some("Europe/London"));
    assert!(sim.addr().ip().is_loopback());
    sim.shutdown().await;

    let bad = Seed {
        users: vec![hr2pagerduty::sim::SeedUser {
            id: None,
            name: "X".into(),
            email: "x@example.com".into(),
            role: Some(Role::Other("boss".into())),
            time_zone: None,
            job_title: None,
            description: None,
            color: None,
            teams: vec![],
            ..Default::default()
        }],
        ..Seed::default()
    };
    let err = sim::start(bad, 0).await.unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("Role must be in"), "{err}");
}
