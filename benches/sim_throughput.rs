//! How fast the simulator itself serves requests, so that benchmarks of the client measure
//! the client: seeding 25,000 users, paging `GET /users` over them, and concurrent
//! `POST /users` against that account (issue 8 asks for well over 1,000 creates per
//! second).
//!
//! Run: `cargo bench --bench sim_throughput` (prints one line per figure; the last one
//! checks that 600 ms of latency does not serialise requests). Options after
//! `--`: `--users N` (default 25000), `--creates N` (default 5000), `--concurrency N`
//! (default 32).

use hr2pagerduty::sim::{self, Seed, SeedUser};
use std::time::Instant;

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn seed(users: usize) -> Seed {
    let mut seed = Seed {
        users: vec![SeedUser {
            id: None,
            name: "Provisioning Bot".into(),
            email: "bot@example.com".into(),
            role: Some(hr2pagerduty::pagerduty::models::Role::Admin),
            time_zone: None,
            job_title: None,
            description: None,
            color: None,
            teams: vec![],
            ..SeedUser::default()
        }],
        ..Seed::default()
    };
    seed.rate_limit.requests = u32::MAX;
    for i in 0..users {
        seed.users.push(SeedUser {
            id: None,
            name: format!("Person {i:05}"),
            email: format!("person.{i}@example.com"),
            role: None,
            time_zone: None,
            job_title: Some("Engineer".into()),
            description: Some(format!("hr2pagerduty:v1 {{\"employee_id\":\"{i}\"}}")),
            color: None,
            teams: vec![],
            ..SeedUser::default()
        });
    }
    seed
}

#[tokio::main]
async fn main() {
    let users = arg("--users", 25_000);
    let creates = arg("--creates", 5_000);
    let concurrency = arg("--concurrency", 32).max(1);

    let t = Instant::now();
    let sim = sim::start(seed(users), 0).await.expect("simulator starts");
    println!(
        "seed: {} users in {:.3} s",
        users + 1,
        t.elapsed().as_secs_f64()
    );

    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()
        .unwrap();
    let auth = "Token token=bench";

    // Listing: every page up to PagerDuty's offset ceiling (10,000), with total=true.
    let t = Instant::now();
    let mut pages = 0;
    let mut listed = 0;
    let mut offset = 0;
    loop {
        let page: serde_json::Value = http
            .get(format!(
                "{}/users?limit=100&offset={offset}&total=true&include[]=teams",
                sim.url()
            ))
            .header("Authorization", auth)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        pages += 1;
        listed += page["users"].as_array().map_or(0, Vec::len);
        offset += 100;
        if page["more"] != true || offset + 100 > 10_000 {
            break;
        }
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "list: {pages} pages ({listed} users) of GET /users?limit=100 in {secs:.3} s: {:.0} pages/s",
        pages as f64 / secs
    );
    let t = Instant::now();
    let n = 200;
    for i in 0..n {
        let resp = http
            .get(format!(
                "{}/users?query=person.{}@&total=true",
                sim.url(),
                i * 97
            ))
            .header("Authorization", auth)
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_success());
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "query: {n} GET /users?query= look-ups in {secs:.3} s: {:.0} requests/s",
        n as f64 / secs
    );

    // Creates: `concurrency` tasks sending POST /users back to back.
    let t = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..concurrency {
        let http = http.clone();
        let url = format!("{}/users", sim.url());
        tasks.push(tokio::spawn(async move {
            let mut i = w;
            while i < creates {
                let resp = http
                    .post(&url)
                    .header("Authorization", auth)
                    .header("From", "bot@example.com")
                    .json(&serde_json::json!({"user": {
                        "name": format!("New Hire {i}"),
                        "email": format!("new.hire.{i}@example.com"),
                        "description": format!("hr2pagerduty:v1 {{\"employee_id\":\"n{i}\"}}"),
                    }}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(resp.status(), 201);
                i += concurrency;
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "create: {creates} POST /users at concurrency {concurrency} against {} users in {secs:.3} s: {:.0} requests/s",
        users + 1,
        creates as f64 / secs
    );
    assert_eq!(sim.users().len(), users + 1 + creates);

    // Latency: requests wait without holding the account, so `concurrency` requests in
    // flight at 600 ms give about concurrency / 0.6 s answers per second.
    sim.set_random_faults(sim::RandomFaults {
        latency_ms: 600,
        ..sim::RandomFaults::default()
    })
    .unwrap();
    let rounds = 5;
    let t = Instant::now();
    for _ in 0..rounds {
        let tasks: Vec<_> = (0..concurrency)
            .map(|_| {
                let req = http
                    .get(format!("{}/users?limit=100", sim.url()))
                    .header("Authorization", auth);
                tokio::spawn(async move { req.send().await.unwrap().status() })
            })
            .collect();
        for task in tasks {
            assert!(task.await.unwrap().is_success());
        }
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "latency: {} GET /users at 600 ms latency, {concurrency} in flight, in {secs:.3} s: {:.1} requests/s (ideal {:.1})",
        rounds * concurrency,
        (rounds * concurrency) as f64 / secs,
        concurrency as f64 / 0.6
    );
    sim.shutdown().await;
}
