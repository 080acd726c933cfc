//! Escalation policies, schedules, on-calls and incidents over HTTP, and the rules they bring
//! to team removals (fact F32) and user deletions (fact F22).

use super::{Answer, KEY, api};
use hr2pagerduty::pagerduty::models::oncall::TEAM_REMOVAL_BLOCKED;
use hr2pagerduty::sim::Seed;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// `fixtures/sim/oncall.json`. The clock stands at 2026-03-02T09:00:00Z. Alice is a direct target of level 2 of the
/// IT Operations policy and in the schedule's layer; Bob is reached only through the
/// schedule; Carol is the only target of the Database policy; Dave has an acknowledged
/// incident from November; Erin is a second direct target; Frank is on no policy.
pub(super) const SEED: &str = include_str!("../../../fixtures/sim/oncall.json");

fn items<'a>(a: &'a Answer, key: &str) -> &'a Vec<Value> {
    a.body[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key} in {}", a.body))
}

fn field<'a>(a: &'a Answer, key: &str, name: &str) -> Vec<&'a str> {
    items(a, key)
        .iter()
        .map(|v| v[name].as_str().unwrap())
        .collect()
}

/// (level, user ID, schedule ID or "-", start or "-") of each on-call, in order.
fn oncalls(a: &Answer) -> Vec<(i64, String, String, String)> {
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    items(a, "oncalls")
        .iter()
        .map(|o| {
            (
                o["escalation_level"].as_i64().unwrap(),
                o["user"]["id"].as_str().unwrap().to_string(),
                o["schedule"]["id"].as_str().unwrap_or("-").to_string(),
                o["start"].as_str().unwrap_or("-").to_string(),
            )
        })
        .collect()
}

fn oc(level: i64, user: &str, schedule: &str, start: &str) -> (i64, String, String, String) {
    (level, user.into(), schedule.into(), start.into())
}

#[tokio::test]
async fn escalation_policies_list_filter_include_and_get() {
    let api = api(SEED).await;
    let a = api.get("/escalation_policies?total=true").await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(
        field(&a, "escalation_policies", "name"),
        ["Database EP", "IT Operations EP"]
    );
    assert_eq!(a.body["total"], 2);
    // user_ids[]: policies on which the user is a target; Bob is only in a targeted schedule.
    for (query, want) in [
        ("user_ids[]=PALICE1", vec!["PEPOPS1"]),
        ("user_ids[]=PBOB001", vec![]),
        (
            "user_ids%5B%5D=PCAROL1&user_ids%5B%5D=PERIN01",
            vec!["PEPDB01", "PEPOPS1"],
        ),
        ("team_ids[]=PTEAM02", vec!["PEPDB01"]),
        ("query=OPERATIONS", vec!["PEPOPS1"]),
        ("sort_by=name:desc", vec!["PEPOPS1", "PEPDB01"]),
    ] {
        let a = api.get(&format!("/escalation_policies?{query}")).await;
        assert_eq!(field(&a, "escalation_policies", "id"), want, "{query}");
    }
    let a = api.get("/escalation_policies?limit=1").await;
    assert_eq!(items(&a, "escalation_policies").len(), 1);
    assert_eq!(a.body["more"], true);
    assert_eq!(
        api.get("/escalation_policies?sort_by=created").await.code(),
        Some(2001)
    );

    let a = api.get("/escalation_policies/PEPOPS1").await;
    let p = &a.body["escalation_policy"];
    assert_eq!(p["type"], "escalation_policy");
    assert_eq!(p["summary"], "IT Operations EP");
    assert_eq!(p["description"], "Wakes Ops up");
    assert_eq!(p["num_loops"], 0);
    assert_eq!(p["on_call_handoff_notifications"], "if_has_services");
    assert_eq!(p["services"], json!([]));
    let rules = p["escalation_rules"].as_array().unwrap();
    assert_eq!(rules.len(), 2);
    assert_eq!(rules[0]["escalation_delay_in_minutes"], 15);
    assert_eq!(
        rules[0]["targets"][0],
        json!({"id": "PSCHED1", "type": "schedule_reference", "summary": "Ops Primary",
               "self": format!("{}/schedules/PSCHED1", api.sim.url()),
               "html_url": "https://acme.pagerduty.com/schedules/PSCHED1"})
    );
    assert_eq!(rules[1]["targets"][1]["type"], "user_reference");
    assert_eq!(rules[1]["targets"][1]["summary"], "Erin Second");
    assert_eq!(p["teams"][0]["type"], "team_reference");
    assert!(p["teams"][0].get("name").is_none());
    let a = api
        .get("/escalation_policies/PEPOPS1?include[]=teams")
        .await;
    let team = &a.body["escalation_policy"]["teams"][0];
    assert_eq!(
        (&team["type"], &team["name"]),
        (&json!("team"), &json!("IT Operations"))
    );
    assert_eq!(
        api.get("/escalation_policies/PNOPE00").await.code(),
        Some(2100)
    );
}

#[tokio::test]
async fn schedules_list_and_get_with_layers_and_the_final_schedule() {
    let api = api(SEED).await;
    let a = api.get("/schedules").await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let s = &items(&a, "schedules")[0];
    assert_eq!(s["name"], "Ops Primary");
    assert_eq!(s["time_zone"], "Europe/London");
    assert_eq!(s["description"], "Weekly rotation");
    let users: Vec<&str> = s["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["summary"].as_str().unwrap())
        .collect();
    assert_eq!(users, ["Alice Direct", "Bob Rotation"]);
    assert_eq!(s["escalation_policies"][0]["id"], "PEPOPS1");
    assert_eq!(s["teams"][0]["id"], "PTEAM01");
    assert!(s.get("schedule_layers").is_none() && s.get("final_schedule").is_none());
    assert_eq!(
        items(&api.get("/schedules?query=nothing").await, "schedules").len(),
        0
    );

    // The final schedule over the next two weeks by default: Bob now, then Alice.
    let a = api.get("/schedules?include[]=final_schedule").await;
    let entries = &items(&a, "schedules")[0]["final_schedule"]["rendered_schedule_entries"];
    let who: Vec<&str> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["user"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(who, ["PBOB001", "PALICE1"]);

    // GET by ID: layers, the final schedule cut at the range, and empty overrides.
    let a = api
        .get("/schedules/PSCHED1?since=2026-03-05T00:00:00Z&until=2026-03-10T00:00:00Z")
        .await;
    let s = &a.body["schedule"];
    assert_eq!(s["schedule_layers"][0]["name"], "Weekly");
    assert_eq!(
        s["schedule_layers"][0]["rotation_turn_length_seconds"],
        604800
    );
    assert_eq!(s["schedule_layers"][0]["users"][0]["user"]["id"], "PBOB001");
    assert_eq!(
        s["overrides_subschedule"]["rendered_schedule_entries"],
        json!([])
    );
    let entries = s["final_schedule"]["rendered_schedule_entries"]
        .as_array()
        .unwrap();
    let bounds = |e: &Value| {
        let t = |k: &str| {
            chrono::DateTime::parse_from_rfc3339(e[k].as_str().unwrap())
                .unwrap()
                .to_utc()
                .to_rfc3339()
        };
        (t("start"), t("end"))
    };
    assert_eq!(
        entries.iter().map(bounds).collect::<Vec<_>>(),
        [
            (
                "2026-03-05T00:00:00+00:00".into(),
                "2026-03-09T09:00:00+00:00".into()
            ),
            (
                "2026-03-09T09:00:00+00:00".into(),
                "2026-03-10T00:00:00+00:00".into()
            ),
        ] as [(String, String); 2]
    );
    let a = api
        .get("/schedules/PSCHED1?since=2026-03-05T00:00:00Z&until=2026-03-10T00:00:00Z&overflow=true")
        .await;
    let first = &a.body["schedule"]["final_schedule"]["rendered_schedule_entries"][0];
    assert_eq!(bounds(first).0, "2026-03-02T09:00:00+00:00");
    assert_eq!(
        api.get("/schedules/PNOPE00").await.status,
        StatusCode::NOT_FOUND
    );
}

/// A shift held through an override (Frank, on no layer, on call for a week in March): a
/// schedule's `users` are "the users on the schedule" (OpenAPI `Schedule.users`), its
/// layers' users, so Frank is not among them; `GET /oncalls` alone shows his shift, and
/// only when its range reaches it.
#[tokio::test]
async fn an_override_shift_shows_in_the_on_calls_but_not_among_the_schedule_s_users() {
    let mut seed: Value = serde_json::from_str(SEED).unwrap();
    seed["schedules"][0]["final_schedule"]["rendered_schedule_entries"]
        .as_array_mut()
        .unwrap()
        .push(json!({"user": {"id": "PFRANK1", "type": "user_reference"},
                     "start": "2026-03-23T09:00:00Z", "end": "2026-03-30T09:00:00Z"}));
    let api = api(&seed.to_string()).await;
    for path in ["/schedules", "/schedules/PSCHED1"] {
        let a = api.get(path).await;
        let s = match path {
            "/schedules" => &items(&a, "schedules")[0],
            _ => &a.body["schedule"],
        };
        assert_eq!(
            field_of(s, "users", "id"),
            ["PALICE1", "PBOB001"],
            "{path}: {s:#}"
        );
    }
    let within = api
        .get("/oncalls?user_ids[]=PFRANK1&since=2026-03-02T09:00:00Z&until=2026-04-01T09:00:00Z")
        .await;
    assert_eq!(
        oncalls(&within),
        [oc(1, "PFRANK1", "PSCHED1", "2026-03-23T09:00:00Z")]
    );
    let beyond = api
        .get("/oncalls?user_ids[]=PFRANK1&since=2026-03-02T09:00:00Z&until=2026-03-16T09:00:00Z")
        .await;
    assert!(oncalls(&beyond).is_empty(), "{}", beyond.body);
}

/// The `key` of each item of the list `name` of object `v`.
fn field_of<'a>(v: &'a Value, name: &str, key: &str) -> Vec<&'a str> {
    v[name]
        .as_array()
        .unwrap_or_else(|| panic!("no {name}: {v:#}"))
        .iter()
        .map(|x| x[key].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn oncalls_show_shifts_and_permanent_direct_targets() {
    let api = api(SEED).await;
    // Defaults: the on-calls at this instant. Bob's first shift ended exactly now.
    let a = api.get("/oncalls").await;
    assert_eq!(
        oncalls(&a),
        [
            oc(1, "PCAROL1", "-", "-"),
            oc(1, "PBOB001", "PSCHED1", "2026-03-02T09:00:00Z"),
            oc(2, "PALICE1", "-", "-"),
            oc(2, "PERIN01", "-", "-"),
        ]
    );
    let direct = &items(&a, "oncalls")[0];
    assert_eq!(direct["escalation_policy"]["summary"], "Database EP");
    assert_eq!(
        direct["escalation_policy"]["type"],
        "escalation_policy_reference"
    );
    assert!(direct["schedule"].is_null() && direct["start"].is_null() && direct["end"].is_null());
    let shift = &items(&a, "oncalls")[1];
    assert_eq!(shift["schedule"]["summary"], "Ops Primary");
    assert_eq!(shift["end"], "2026-03-09T09:00:00Z");

    // A user reached only through a schedule appears under user_ids[].
    let a = api
        .get("/oncalls?user_ids[]=PBOB001&since=2026-03-02T09:00:00Z&until=2026-04-01T09:00:00Z")
        .await;
    assert_eq!(
        oncalls(&a),
        [oc(1, "PBOB001", "PSCHED1", "2026-03-02T09:00:00Z")]
    );
    let a = api
        .get("/oncalls?user_ids[]=PALICE1&since=2026-03-02T09:00:00Z&until=2026-04-01T09:00:00Z")
        .await;
    assert_eq!(
        oncalls(&a),
        [
            oc(1, "PALICE1", "PSCHED1", "2026-03-09T09:00:00Z"),
            oc(2, "PALICE1", "-", "-"),
        ]
    );
    // earliest: one on-call per policy, level and user.
    let range = "since=2026-02-20T00:00:00Z&until=2026-03-20T00:00:00Z";
    let a = api
        .get(&format!("/oncalls?user_ids[]=PBOB001&{range}"))
        .await;
    assert_eq!(oncalls(&a).len(), 2);
    let a = api
        .get(&format!(
            "/oncalls?user_ids[]=PBOB001&{range}&earliest=true"
        ))
        .await;
    assert_eq!(
        oncalls(&a),
        [oc(1, "PBOB001", "PSCHED1", "2026-02-23T09:00:00Z")]
    );
    // Policy and schedule filters; `null` among schedule_ids[] means direct targets.
    let a = api.get("/oncalls?escalation_policy_ids[]=PEPDB01").await;
    assert_eq!(oncalls(&a), [oc(1, "PCAROL1", "-", "-")]);
    let a = api.get("/oncalls?schedule_ids[]=PSCHED1").await;
    assert_eq!(
        oncalls(&a),
        [oc(1, "PBOB001", "PSCHED1", "2026-03-02T09:00:00Z")]
    );
    let a = api.get("/oncalls?schedule_ids[]=null").await;
    assert_eq!(oncalls(&a).len(), 3);
    // Shifts more than 90 days ahead are not listed, even inside the range.
    let a = api
        .get("/oncalls?user_ids[]=PBOB001&since=2026-05-20T00:00:00Z&until=2026-06-30T00:00:00Z")
        .await;
    assert_eq!(oncalls(&a), []);
    // Pagination.
    let a = api.get("/oncalls?limit=3&total=true").await;
    assert_eq!(oncalls(&a).len(), 3);
    assert_eq!(
        (&a.body["more"], &a.body["total"]),
        (&json!(true), &json!(4))
    );
    let a = api.get("/oncalls?limit=3&offset=3").await;
    assert_eq!(oncalls(&a), [oc(2, "PERIN01", "-", "-")]);
}

#[tokio::test]
async fn oncall_ranges_are_limited_to_90_days_and_ordered() {
    let api = api(SEED).await;
    let ok = api
        .get("/oncalls?since=2026-03-02T09:00:00Z&until=2026-05-31T09:00:00Z")
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    for query in [
        "since=2026-03-02T09:00:00Z&until=2026-05-31T09:00:01Z",
        "since=2026-03-02T09:00:00Z&until=2026-03-01T09:00:00Z",
        "until=2026-03-01T00:00:00Z",
        "since=next%20week",
    ] {
        let a = api.get(&format!("/oncalls?{query}")).await;
        assert_eq!(
            (a.status, a.code()),
            (StatusCode::BAD_REQUEST, Some(2001)),
            "{query}: {}",
            a.body
        );
    }
}

#[tokio::test]
async fn incidents_search_the_last_month_unless_date_range_is_all() {
    let api = api(SEED).await;
    let a = api.get("/incidents").await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(
        field(&a, "incidents", "id"),
        ["Q0000000000001", "Q0000000000003", "Q0000000000004"]
    );
    let a = api.get("/incidents?date_range=all&total=true").await;
    assert_eq!(
        field(&a, "incidents", "id"),
        [
            "Q0000000000002",
            "Q0000000000001",
            "Q0000000000003",
            "Q0000000000004"
        ]
    );
    assert_eq!(a.body["total"], 4);
    let old = &items(&a, "incidents")[0];
    assert_eq!(old["summary"], "[#2] Old latency");
    assert_eq!(old["status"], "acknowledged");
    assert_eq!(old["assignments"][0]["assignee"]["id"], "PDAVE01");
    assert_eq!(old["assignments"][0]["assignee"]["type"], "user_reference");
    let disk = &items(&a, "incidents")[1];
    assert_eq!(disk["teams"][0]["id"], "PTEAM01");
    assert_eq!(disk["escalation_policy"]["id"], "PEPOPS1");

    // What issue 7's lookup sends: Dave's open incident is older than a month.
    let open = "user_ids[]=PDAVE01&statuses[]=triggered&statuses[]=acknowledged";
    assert_eq!(
        field(
            &api.get(&format!("/incidents?{open}")).await,
            "incidents",
            "id"
        ),
        [] as [&str; 0]
    );
    assert_eq!(
        field(
            &api.get(&format!("/incidents?{open}&date_range=all")).await,
            "incidents",
            "id"
        ),
        ["Q0000000000002"]
    );
    let a = api
        .get("/incidents?statuses[]=resolved&date_range=all")
        .await;
    let resolved = &items(&a, "incidents")[0];
    assert_eq!(resolved["id"], "Q0000000000003");
    assert_eq!(resolved["assignments"], json!([]));
    assert_eq!(resolved["resolved_at"], "2026-02-28T11:00:00Z");
    for (query, want) in [
        ("since=2025-10-01&until=2025-12-01", vec!["Q0000000000002"]),
        (
            "since=2026-02-26T00:00:00Z",
            vec!["Q0000000000003", "Q0000000000004"],
        ),
        ("team_ids[]=PTEAM02&date_range=all", vec!["Q0000000000004"]),
        ("urgencies[]=low", vec!["Q0000000000004"]),
        (
            "user_ids[]=PALICE1&user_ids[]=PCAROL1",
            vec!["Q0000000000001", "Q0000000000004"],
        ),
    ] {
        let a = api.get(&format!("/incidents?{query}")).await;
        assert_eq!(field(&a, "incidents", "id"), want, "{query}");
    }
    for query in [
        "since=2025-01-01&until=2026-03-01",
        "statuses[]=snoozed",
        "date_range=week",
        "urgencies[]=medium",
    ] {
        let a = api.get(&format!("/incidents?{query}")).await;
        assert_eq!(a.code(), Some(2001), "{query}: {}", a.body);
    }
}

#[tokio::test]
async fn team_removal_is_refused_while_a_team_policy_reaches_the_user() {
    let api = api(SEED).await;
    for (team, user) in [
        ("PTEAM01", "PBOB001"), // through the policy's schedule
        ("PTEAM01", "PALICE1"), // directly
        ("PTEAM02", "PCAROL1"), // the Database policy's only target
    ] {
        let a = api.delete(&format!("/teams/{team}/users/{user}")).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{team}/{user}");
        assert_eq!(a.code(), Some(2001));
        assert_eq!(a.errors(), [TEAM_REMOVAL_BLOCKED]);
    }
    let members: Vec<String> = api
        .sim
        .team_members("PTEAM01")
        .iter()
        .map(|m| m.user.id.to_string())
        .collect();
    assert!(members.contains(&"PBOB001".into()) && members.contains(&"PALICE1".into()));
    // Frank is on no policy; Carol's policy belongs to another team.
    for (team, user) in [("PTEAM01", "PFRANK1"), ("PTEAM01", "PCAROL1")] {
        let a = api.delete(&format!("/teams/{team}/users/{user}")).await;
        assert_eq!(
            a.status,
            StatusCode::NO_CONTENT,
            "{team}/{user}: {}",
            a.body
        );
    }
}

#[tokio::test]
async fn user_deletion_is_refused_with_open_incidents_or_as_a_rules_only_target() {
    let api = api(SEED).await;
    let a = api.delete("/users/PALICE1").await;
    assert_eq!((a.status, a.code()), (StatusCode::BAD_REQUEST, Some(2001)));
    assert_eq!(a.errors().len(), 1);
    assert!(a.errors()[0].contains("Q0000000000001"), "{}", a.body);
    // Also for an incident older than the default search.
    let a = api.delete("/users/PDAVE01").await;
    assert!(a.errors()[0].contains("Q0000000000002"), "{}", a.body);
    // Both reasons at once.
    let a = api.delete("/users/PCAROL1").await;
    let errors = a.errors();
    assert_eq!(errors.len(), 2, "{}", a.body);
    assert!(errors[0].contains("Q0000000000004"));
    assert!(
        errors[1].contains("only target of level 1 of escalation policy Database EP (PEPDB01)")
    );
    assert!(api.sim.user_by_email("carol@example.com").is_some());

    // Erin shares her level with Alice: she can go, and the policy still names her (F24).
    let erin_policies = "/escalation_policies?user_ids[]=PERIN01";
    let erin_oncalls = "/oncalls?user_ids[]=PERIN01";
    assert_eq!(
        field(&api.get(erin_policies).await, "escalation_policies", "id"),
        ["PEPOPS1"]
    );
    assert_eq!(
        oncalls(&api.get(erin_oncalls).await),
        [oc(2, "PERIN01", "-", "-")]
    );
    assert_eq!(
        api.delete("/users/PERIN01").await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        api.get("/users/PERIN01").await.status,
        StatusCode::NOT_FOUND
    );
    let a = api.get("/escalation_policies/PEPOPS1").await;
    let target = &a.body["escalation_policy"]["escalation_rules"][1]["targets"][1];
    assert_eq!(
        (&target["id"], &target["summary"]),
        (&json!("PERIN01"), &json!("Erin Second"))
    );
    // But the leftover reference targets nobody: no policy, no on-call finds her, and Alice
    // is now the only live target of level 2.
    assert_eq!(
        field(&api.get(erin_policies).await, "escalation_policies", "id"),
        Vec::<&str>::new()
    );
    assert_eq!(oncalls(&api.get(erin_oncalls).await), []);
    let a = api.delete("/users/PALICE1").await;
    assert_eq!(a.errors().len(), 2, "{}", a.body);
    assert!(
        a.errors()[1]
            .contains("only target of level 2 of escalation policy IT Operations EP (PEPOPS1)"),
        "{}",
        a.body
    );
    // Bob is only in the schedule: deletable; his shift stays in the final schedule as a
    // reference, but he is no longer on call.
    assert_eq!(
        oncalls(&api.get("/oncalls?schedule_ids[]=PSCHED1").await),
        [oc(1, "PBOB001", "PSCHED1", "2026-03-02T09:00:00Z")]
    );
    assert_eq!(
        api.delete("/users/PBOB001").await.status,
        StatusCode::NO_CONTENT
    );
    let a = api.get("/oncalls?schedule_ids[]=PSCHED1").await;
    assert_eq!(oncalls(&a), []);
    let a = api
        .get("/schedules/PSCHED1?since=2026-03-02T09:00:00Z&until=2026-03-03T09:00:00Z")
        .await;
    let entries = a.body["schedule"]["final_schedule"]["rendered_schedule_entries"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", a.body));
    assert_eq!(entries[0]["user"]["id"], "PBOB001", "{}", a.body);
}

#[tokio::test]
async fn broken_on_call_seeds_do_not_start() {
    let mut seed: Value = serde_json::from_str(SEED).unwrap();
    seed["escalation_policies"][0]["escalation_rules"][0]["targets"][0]["id"] = json!("PNOSCHD");
    seed["incidents"][2]["assignments"] =
        json!([{"assignee": {"id": "PBOB001", "type": "user_reference"}}]);
    seed["incidents"][0]["escalation_policy"]["id"] = json!("PNOPOL1");
    seed["api_keys"][1]["user"] = json!("nobody@example.com");
    seed["schedules"][0]["final_schedule"]["rendered_schedule_entries"][0]["end"] =
        json!("2026-02-01T00:00:00Z");
    let err = Seed::from_json(&seed.to_string()).unwrap_err().to_string();
    for needle in [
        "escalation_policies[0] (IT Operations EP): escalation_rules[0]: schedule \"PNOSCHD\" is not a schedule of the seed",
        "incidents[2] (Fixed already): a resolved incident is assigned to nobody",
        "incidents[0] (Disk full): escalation_policy \"PNOPOL1\" is not a policy of the seed",
        "api_keys[1]: user \"nobody@example.com\" is not a user of the seed",
        "schedules[0] (Ops Primary): final_schedule.rendered_schedule_entries[0]: end must be after start",
    ] {
        assert!(err.contains(needle), "missing {needle:?} in {err}");
    }
    // Unknown fields stay errors in the new objects too.
    let mut seed: Value = serde_json::from_str(SEED).unwrap();
    seed["escalation_policies"][0]["rules"] = json!([]);
    let err = Seed::from_json(&seed.to_string()).unwrap_err().to_string();
    assert!(err.contains("unknown field `rules`"), "{err}");
    // The key is fine; nothing of it reaches the error.
    assert!(!err.contains(KEY));
}

#[tokio::test]
async fn a_stakeholder_role_is_refused_while_the_user_is_on_a_schedule_or_policy() {
    // PAGERDUTY_API.md §3.2: a stakeholder "cannot be on schedules or EPs". Bob is only in
    // the IT Operations schedule's layer, Erin a direct target of its policy, Frank on
    // neither; none is on a team here, so that the teams rule (F17) does not answer first.
    let mut seed: Value = serde_json::from_str(SEED).unwrap();
    for u in seed["users"].as_array_mut().unwrap() {
        u.as_object_mut().unwrap().remove("teams");
    }
    let api = api(&seed.to_string()).await;
    for (user, on) in [
        ("PBOB001", "schedule \"Ops Primary\" (PSCHED1)"),
        (
            "PERIN01",
            "escalation policy \"IT Operations EP\" (PEPOPS1)",
        ),
    ] {
        for role in ["read_only_limited_user", "read_only_user"] {
            let a = api
                .put(&format!("/users/{user}"), json!({"user": {"role": role}}))
                .await;
            assert_eq!(
                a.status,
                StatusCode::BAD_REQUEST,
                "{user} {role}: {}",
                a.body
            );
            assert_eq!(a.code(), Some(2001));
            let errors = a.errors();
            assert!(
                errors.iter().any(|e| e.starts_with(&format!(
                    "Role {role} cannot be on schedules or escalation policies; take the user off "
                )) && e.contains(on)),
                "{user} {role}: {errors:?}"
            );
            assert_eq!(
                api.get(&format!("/users/{user}")).await.body["user"]["role"],
                "limited_user",
                "unchanged"
            );
        }
        // A role PagerDuty allows there is given.
        let a = api
            .put(
                &format!("/users/{user}"),
                json!({"user": {"role": "restricted_access"}}),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{user}: {}", a.body);
    }
    let a = api
        .put(
            "/users/PFRANK1",
            json!({"user": {"role": "read_only_limited_user"}}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
}
