//! The simulator with 25,000 users (issue 8's listing test seeds that many): seeding,
//! paging `GET /users` up to the offset ceiling, `query` look-ups and concurrent creates stay
//! fast (no work that grows with the square of the account) and correct. Timings are printed;
//! `cargo bench --bench sim_throughput` measures them in an optimised build.

use hr2pagerduty::sim::{self, Seed, SeedUser};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::time::{Duration, Instant};

const USERS: usize = 25_000;

fn user(i: usize) -> SeedUser {
    SeedUser {
        id: None,
        name: format!("Person {i:05}"),
        email: format!("person.{i}@example.com"),
        role: None,
        time_zone: None,
        job_title: None,
        description: None,
        color: None,
        teams: vec![],
        ..SeedUser::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_of_25000_users_is_seeded_listed_and_grown_quickly() {
    let t0 = Instant::now();
    let mut seed = Seed {
        users: (0..USERS).map(user).collect(),
        ..Seed::default()
    };
    seed.rate_limit.requests = 1_000_000;
    seed.users[0].email = "bot@example.com".into();
    let sim = sim::start(seed, 0).await.unwrap();
    let seeded = t0.elapsed();

    let http = reqwest::Client::new();
    let get = |path: String| {
        let http = http.clone();
        let url = format!("{}{path}", sim.url());
        async move {
            let resp = http
                .get(url)
                .header("Authorization", "Token token=k")
                .send()
                .await
                .unwrap();
            (resp.status().as_u16(), resp.json::<Value>().await.unwrap())
        }
    };

    // Every page up to the ceiling: 100 pages, each user once, in name order.
    let t1 = Instant::now();
    let mut seen = HashSet::new();
    let mut names = Vec::new();
    for page in 0..100 {
        let (status, body) = get(format!(
            "/users?limit=100&offset={}&total=true&include[]=teams",
            page * 100
        ))
        .await;
        assert_eq!(status, 200);
        assert_eq!(body["total"], USERS);
        assert_eq!(body["more"], true);
        for u in body["users"].as_array().unwrap() {
            assert!(seen.insert(u["id"].as_str().unwrap().to_string()));
            names.push(u["name"].as_str().unwrap().to_string());
        }
    }
    let listed = t1.elapsed();
    assert_eq!(seen.len(), 10_000);
    assert!(
        names
            .windows(2)
            .all(|w| w[0].to_lowercase() <= w[1].to_lowercase())
    );
    let (status, body) = get("/users?limit=100&offset=9901".to_string()).await;
    assert_eq!((status, &body["error"]["code"]), (400, &json!(2002)));

    // Query look-ups: a partition by name prefix, and exact emails.
    let t2 = Instant::now();
    let (_, body) = get("/users?query=person%201&total=true&limit=100".to_string()).await;
    assert_eq!(body["total"], 10_000, "Person 10000 to Person 19999");
    for i in (0..USERS).step_by(1250) {
        let (_, body) = get(format!("/users?query=person.{i}%40example.com")).await;
        let users = body["users"].as_array().unwrap();
        assert_eq!(users.len(), usize::from(i != 0), "{i}");
    }
    let queried = t2.elapsed();

    // 1,000 creates from 32 tasks.
    let t3 = Instant::now();
    let tasks: Vec<_> = (0..32)
        .map(|w| {
            let http = http.clone();
            let url = format!("{}/users", sim.url());
            tokio::spawn(async move {
                for i in (w..1000).step_by(32) {
                    let resp = http
                        .post(&url)
                        .header("Authorization", "Token token=k")
                        .header("From", "bot@example.com")
                        .json(&json!({"user": {"name": format!("Hire {i}"),
                                               "email": format!("hire.{i}@example.com")}}))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(resp.status(), 201);
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let created = t3.elapsed();
    assert_eq!(sim.users().len(), USERS + 1000);
    println!(
        "25,000 users: seeded in {seeded:?}; 100 pages in {listed:?}; 21 look-ups in {queried:?}; \
         1,000 creates in {created:?} ({:.0}/s)",
        1000.0 / created.as_secs_f64()
    );
    // Generous bounds for an unoptimised build on a shared 2-core machine: work quadratic in
    // the account size takes minutes here.
    assert!(seeded < Duration::from_secs(20), "seeding took {seeded:?}");
    assert!(listed < Duration::from_secs(30), "listing took {listed:?}");
    assert!(
        created < Duration::from_secs(30),
        "creating took {created:?}"
    );
    sim.shutdown().await;
}
