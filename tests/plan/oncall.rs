//! The on-call look-ups of `observe` against the simulator seeded with
//! `fixtures/sim/oncall.json`: what each leaver holds is read in batched requests (several
//! `user_ids[]` at once) and attributed to the right user, shifts only within the lookahead,
//! a schedule's listed users whatever their next shift, open incidents whatever their age;
//! and users already looked up (and the schedules, once listed) are not looked up again.

use hr2pagerduty::config::{Config, Connection};
use hr2pagerduty::ids::{EscalationPolicyId, TeamId, UserId};
use hr2pagerduty::observe::{Account, Needs, ONCALL_BATCH_USERS, Observer};
use hr2pagerduty::oncall::{Lookahead, OncallFacts, OncallImpact};
use hr2pagerduty::pagerduty::Client;
use hr2pagerduty::progress::Progress;
use hr2pagerduty::sim::{self, RecordedRequest};
use std::collections::BTreeSet;
use std::path::Path;

use crate::support::repo;

const CONFIG: &str = r#"
[pagerduty]
from = "bot@example.com"
requests_per_minute = 900
burst = 60
[hr.columns]
employee_id = "id"
email = "email"
full_name = "name"
[lifecycle]
suspended_role = "read_only_limited_user"
default_time_zone = "Etc/UTC"
[roles]
default = "limited_user"
"#;

/// The fixture's simulator (its clock stands at the seed's `now`), a client, and that
/// `now`: the look-ups are made as of it.
async fn fixture() -> (sim::SimHandle, Client, chrono::DateTime<chrono::Utc>) {
    let seed = sim::Seed::from_file(&repo("fixtures/sim/oncall.json")).unwrap();
    let handle = sim::start(seed, 0).await.unwrap();
    let cfg = Config::from_toml(CONFIG, Path::new("c.toml")).unwrap();
    let s = Connection::resolve(Some(&handle.url()), None, Some("test-key-123"), &cfg).unwrap();
    let client = Client::new(hr2pagerduty::pipeline::client_config(&cfg, &s)).unwrap();
    let now = "2026-03-02T09:00:00Z".parse().unwrap();
    (handle, client, now)
}

fn users(ids: &[&str]) -> BTreeSet<UserId> {
    ids.iter().map(|s| UserId::new(*s)).collect()
}

/// What a plan asks `observe` for: the on-call duties of `ids`, and nothing else.
fn oncall_of(ids: &[&str]) -> Needs {
    Needs {
        oncall: users(ids),
        ..Needs::default()
    }
}

/// An account of no users whose on-call duties are looked up from `since` for `days`.
fn looking_ahead(
    observer: &Observer<'_>,
    since: chrono::DateTime<chrono::Utc>,
    days: u32,
) -> Account {
    let mut account = observer.account_of(vec![]);
    account.oncall = OncallFacts::new(Lookahead { since, days });
    account
}

/// The IDs an impact names: (policies, schedules, incidents).
fn ids(i: &OncallImpact) -> (Vec<String>, Vec<String>, Vec<String>) {
    let (p, s, n) = i.ids();
    let own = |v: Vec<&str>| v.into_iter().map(String::from).collect();
    (own(p), own(s), own(n))
}

/// The `user_ids[]` values of a recorded request.
fn user_ids(r: &RecordedRequest) -> Vec<String> {
    reqwest::Url::parse(&format!("http://x/?{}", r.query))
        .unwrap()
        .query_pairs()
        .filter(|(k, _)| k == "user_ids[]")
        .map(|(_, v)| v.into_owned())
        .collect()
}

fn lookups(sim: &sim::SimHandle) -> Vec<RecordedRequest> {
    sim.requests()
        .into_iter()
        .filter(|r| ["/escalation_policies", "/oncalls", "/incidents"].contains(&r.path.as_str()))
        .collect()
}

#[tokio::test]
async fn every_leaver_is_looked_up_in_one_batch_and_given_exactly_what_they_hold() {
    let (sim, client, now) = fixture().await;
    let progress = Progress::hidden();
    let observer = Observer::new(&client, &progress, 4, "sim");
    let mut account = looking_ahead(&observer, now, 30);
    let leavers = users(&[
        "PALICE1", "PBOB001", "PCAROL1", "PDAVE01", "PERIN01", "PFRANK1",
    ]);
    let needs = Needs {
        oncall: leavers.clone(),
        ..Needs::default()
    };
    observer.complete(&mut account, &needs).await.unwrap();

    // Three listings, each naming all six users at once.
    let sent = lookups(&sim);
    assert_eq!(sent.len(), 3, "{sent:#?}");
    for r in &sent {
        let named: BTreeSet<UserId> = user_ids(r).into_iter().map(UserId::new).collect();
        assert_eq!(named, leavers, "{r:?}");
    }
    let incidents = sent.iter().find(|r| r.path == "/incidents").unwrap();
    for want in [
        "statuses%5B%5D=triggered",
        "statuses%5B%5D=acknowledged",
        "date_range=all",
    ] {
        assert!(incidents.query.contains(want), "{}", incidents.query);
    }
    let oncalls = sent.iter().find(|r| r.path == "/oncalls").unwrap();
    assert!(
        oncalls.query.contains("since=2026-03-02T09%3A00%3A00Z")
            && oncalls.query.contains("until=2026-04-01T09%3A00%3A00Z"),
        "{}",
        oncalls.query
    );

    let of = |u: &str| ids(&account.oncall.users[&UserId::new(u)]);
    let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    // A direct target of a rule (a permanent on-call), with a triggered incident.
    assert_eq!(
        of("PALICE1"),
        (v(&["PEPOPS1"]), v(&["PSCHED1"]), v(&["Q0000000000001"]))
    );
    // Reached only through the schedule: its shift this week reveals the policy.
    assert_eq!(of("PBOB001"), (v(&["PEPOPS1"]), v(&["PSCHED1"]), v(&[])));
    // The Database policy's only target, with a low-urgency acknowledged incident.
    assert_eq!(
        of("PCAROL1"),
        (v(&["PEPDB01"]), v(&[]), v(&["Q0000000000004"]))
    );
    // An incident acknowledged four months ago is still open (date_range=all).
    assert_eq!(of("PDAVE01"), (v(&[]), v(&[]), v(&["Q0000000000002"])));
    assert_eq!(of("PERIN01"), (v(&["PEPOPS1"]), v(&[]), v(&[])));
    // On the team, on no policy, no shift, no incident.
    assert!(account.oncall.users[&UserId::new("PFRANK1")].is_empty());
    // Each policy named comes with its team, from the listing by user_ids[] (both policies
    // target one of the batch directly), so no policy is read on its own.
    assert_eq!(
        account.oncall.policy_teams,
        std::collections::BTreeMap::from([
            (
                EscalationPolicyId::new("PEPDB01"),
                vec![TeamId::new("PTEAM02")]
            ),
            (
                EscalationPolicyId::new("PEPOPS1"),
                vec![TeamId::new("PTEAM01")]
            ),
        ])
    );
    assert!(
        sim.requests()
            .iter()
            .all(|r| !r.path.starts_with("/escalation_policies/")),
        "no policy read by ID"
    );
    let alice = &account.oncall.users[&UserId::new("PALICE1")];
    assert_eq!(alice.escalation_policies[0].name, "IT Operations EP");
    assert_eq!(alice.schedules[0].name, "Ops Primary");
    assert_eq!(alice.incidents[0].title, "Disk full");

    // The schedules were listed once, with the batch.
    let schedules = || {
        sim.requests()
            .into_iter()
            .filter(|r| r.path == "/schedules")
            .count()
    };
    assert_eq!(schedules(), 1);

    // Users already looked up are not looked up again.
    observer.complete(&mut account, &needs).await.unwrap();
    assert_eq!(lookups(&sim).len(), 3);
    // A new leaver is; the schedules already listed are not listed again.
    let more = oncall_of(&["PCAROL1", "PGONE00"]);
    observer.complete(&mut account, &more).await.unwrap();
    assert_eq!(lookups(&sim).len(), 6);
    assert_eq!(schedules(), 1);
    assert!(account.oncall.users[&UserId::new("PGONE00")].is_empty());
}

#[tokio::test]
async fn the_team_of_a_policy_reached_only_through_a_schedule_is_read_by_id_once() {
    // Bob is on IT Operations EP only through its schedule: the listing by user_ids[] does
    // not return the policy, so its teams are read from GET /escalation_policies/{id}.
    let (sim, client, now) = fixture().await;
    let progress = Progress::hidden();
    let observer = Observer::new(&client, &progress, 4, "sim");
    let mut account = looking_ahead(&observer, now, 30);
    let needs = oncall_of(&["PBOB001"]);
    observer.complete(&mut account, &needs).await.unwrap();
    assert_eq!(
        account.oncall.policy_teams,
        std::collections::BTreeMap::from([(
            EscalationPolicyId::new("PEPOPS1"),
            vec![TeamId::new("PTEAM01")]
        )])
    );
    let by_id = || {
        sim.requests()
            .into_iter()
            .filter(|r| r.path == "/escalation_policies/PEPOPS1")
            .count()
    };
    assert_eq!(by_id(), 1);
    // Alice, a direct target, brings the policy in the listing with its teams: not read by
    // ID again.
    let more = oncall_of(&["PALICE1"]);
    observer.complete(&mut account, &more).await.unwrap();
    assert_eq!(by_id(), 1);
}

#[tokio::test]
async fn shifts_count_only_within_the_lookahead_but_a_layer_whatever_the_shift() {
    let (sim, client, now) = fixture().await;
    let progress = Progress::hidden();
    let observer = Observer::new(&client, &progress, 4, "sim");
    let bob = users(&["PBOB001"]);
    let needs = Needs {
        oncall: bob.clone(),
        ..Needs::default()
    };
    // From 17 March (the simulator's clock moved there too, as PagerDuty's would be), a
    // week ahead holds none of Bob's shifts: his March weeks are over, his June week far.
    let later: chrono::DateTime<chrono::Utc> = "2026-03-17T10:00:00Z".parse().unwrap();
    sim.set_clock(later);
    let week = client
        .list_oncalls(
            &[UserId::new("PBOB001")],
            &[],
            later,
            later + chrono::Duration::days(7),
        )
        .await
        .unwrap();
    assert!(week.is_empty(), "{week:?}");
    // From the same moment, 90 days ahead reaches his June shift.
    let quarter = client
        .list_oncalls(
            &[UserId::new("PBOB001")],
            &[],
            later,
            later + chrono::Duration::days(90),
        )
        .await
        .unwrap();
    assert_eq!(quarter.len(), 1, "{quarter:?}");
    // Either way he is in the schedule's layer, on the policy that uses it: the schedule
    // listing says so whatever the window.
    for days in [7, 90] {
        let mut account = looking_ahead(&observer, later, days);
        observer.complete(&mut account, &needs).await.unwrap();
        let (p, s, n) = ids(&account.oncall.users[&UserId::new("PBOB001")]);
        assert_eq!(
            (p, s, n),
            (
                vec!["PEPOPS1".to_string()],
                vec!["PSCHED1".to_string()],
                vec![]
            ),
            "{days} days"
        );
    }
    assert!(later > now);
}

#[tokio::test]
async fn many_leavers_are_looked_up_fifty_at_a_time() {
    let (sim, client, now) = fixture().await;
    let progress = Progress::hidden();
    let observer = Observer::new(&client, &progress, 4, "sim");
    let mut account = looking_ahead(&observer, now, 30);
    // 119 users nobody knows, and Alice.
    let mut many: BTreeSet<UserId> = (0..119).map(|i| UserId::new(format!("PX{i:05}"))).collect();
    many.insert(UserId::new("PALICE1"));
    let needs = Needs {
        oncall: many.clone(),
        ..Needs::default()
    };
    observer.complete(&mut account, &needs).await.unwrap();
    let sent = lookups(&sim);
    let batches = many.len().div_ceil(ONCALL_BATCH_USERS);
    assert_eq!(batches, 3);
    assert_eq!(sent.len(), 3 * batches, "{sent:#?}");
    assert!(sent.iter().all(|r| user_ids(r).len() <= ONCALL_BATCH_USERS));
    let asked: BTreeSet<UserId> = sent
        .iter()
        .filter(|r| r.path == "/oncalls")
        .flat_map(user_ids)
        .map(UserId::new)
        .collect();
    assert_eq!(asked, many, "every user in exactly the batches");
    assert_eq!(account.oncall.users.len(), many.len());
    assert!(!account.oncall.users[&UserId::new("PALICE1")].is_empty());
    assert!(account.oncall.users[&UserId::new("PX00000")].is_empty());
}

#[tokio::test]
async fn a_batch_whose_policies_cannot_be_told_apart_is_looked_up_again_one_user_at_a_time() {
    use crate::support::client::{Reply, Server};
    // A server that, unlike its documentation, returns a policy for a user reached only
    // through a schedule: the policy targets none of the batch's users directly.
    let server = Server::start(|r| {
        let users: Vec<&str> = r
            .query
            .iter()
            .filter(|(k, _)| k == "user_ids[]")
            .map(|(_, v)| v.as_str())
            .collect();
        let page = |key: &str, items: Vec<serde_json::Value>| {
            let n = items.len();
            Reply::json(
                200,
                serde_json::json!({key: items, "limit": 100, "offset": 0, "more": false, "total": n}),
            )
        };
        match r.path.as_str() {
            "/escalation_policies" if users.contains(&"PA") => page(
                "escalation_policies",
                vec![serde_json::json!({"id": "PEP1", "name": "Ops EP", "escalation_rules": [
                    {"escalation_delay_in_minutes": 5, "targets": [{"id": "PS1", "type": "schedule_reference"}]}]})],
            ),
            "/escalation_policies" => page("escalation_policies", vec![]),
            "/oncalls" => page("oncalls", vec![]),
            "/incidents" => page("incidents", vec![]),
            "/schedules" => page("schedules", vec![]),
            other => Reply::error(404, 2100, &format!("no {other}"), &[]),
        }
    })
    .await;
    let client = Client::new(crate::support::client::config(&server.url)).unwrap();
    let progress = Progress::hidden();
    let observer = Observer::new(&client, &progress, 4, "stand-in");
    let mut account = observer.account_of(vec![]);
    let needs = oncall_of(&["PA", "PB"]);
    observer.complete(&mut account, &needs).await.unwrap();
    assert_eq!(
        account.oncall.users[&UserId::new("PA")]
            .escalation_policies
            .iter()
            .map(|p| p.id.as_str())
            .collect::<Vec<_>>(),
        vec!["PEP1"]
    );
    assert!(account.oncall.users[&UserId::new("PB")].is_empty());
    // The three batched listings, then the policies of each user alone.
    let per_path = |p: &str| server.requests().iter().filter(|r| r.path == p).count();
    assert_eq!(per_path("/escalation_policies"), 3);
    assert_eq!(per_path("/oncalls"), 1);
    assert_eq!(per_path("/incidents"), 1);
    assert_eq!(per_path("/schedules"), 1, "once, not per user");
}

#[tokio::test]
async fn the_policies_holding_a_user_on_a_team_are_the_teams_policies_that_target_them() {
    let (sim, client, _) = fixture().await;
    let holding = |team: &str, user: &str| {
        let (team, user) = (TeamId::new(team), UserId::new(user));
        let client = &client;
        async move {
            hr2pagerduty::observe::policies_holding(client, &team, &user)
                .await
                .into_iter()
                .map(|p| (p.id.to_string(), p.name))
                .collect::<Vec<_>>()
        }
    };
    // IT Operations' policy names Alice in its second rule: found without `GET /oncalls`.
    assert_eq!(
        holding("PTEAM01", "PALICE1").await,
        [("PEPOPS1".to_string(), "IT Operations EP".to_string())]
    );
    assert!(sim.requests().iter().all(|r| r.path != "/oncalls"));
    // The Database team's one policy targets Carol alone and no schedule: nothing holds
    // Alice there.
    assert_eq!(holding("PTEAM02", "PALICE1").await, []);
    // A team without policies: nothing, and no on-call look-up.
    assert_eq!(holding("PNOTEAM", "PALICE1").await, []);
}
