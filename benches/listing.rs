//! How long listing users takes against the simulator at a given latency and budget,
//! compared with the floor the rate limit sets (requests / rate): issue 8's target 4 asks
//! for at most 1.1 × (pages / rate) for 10,000 users at 150 ms, and the partitioned listing
//! of a larger account is shown next to it.
//!
//! Run: `cargo bench --bench listing` (prints one line per figure). Latency is the
//! simulator's `random_faults.latency_ms` (every request waits that long, without holding
//! the account). The client is the one the tool builds from `samples/config.toml` (the
//! default `[pagerduty]` settings: 960 requests per minute, burst 10, up to 32 in flight as
//! latency asks), its rate and burst scaled with the simulator's budget. Options after
//! `--`: `--full` adds the unscaled partitioned listing (25,000 users at 150 ms and 960/min,
//! about 25 s).

use hr2pagerduty::config::{Config, Connection};
use hr2pagerduty::pagerduty::Client;
use hr2pagerduty::pipeline::client_config;
use hr2pagerduty::sim::{self, Seed, SeedUser};
use secrecy::SecretString;
use std::time::Instant;

/// PagerDuty's budget per key (fact F27).
const BUDGET: u32 = 960;

fn seed(users: usize, budget: u32, latency_ms: u64) -> Seed {
    let mut seed = Seed {
        users: (0..users)
            .map(|i| SeedUser {
                id: None,
                name: format!("Person {i:05}"),
                email: format!("person{i}.{}@example.com", ["lee", "olson", "smith"][i % 3]),
                role: None,
                time_zone: None,
                job_title: None,
                description: None,
                color: None,
                teams: vec![],
                ..SeedUser::default()
            })
            .collect(),
        ..Seed::default()
    };
    seed.rate_limit.requests = budget;
    seed.rate_limit.window_seconds = 60;
    seed.random_faults.latency_ms = latency_ms;
    seed
}

/// The client `hr2pagerduty` builds from `samples/config.toml` (the commented starting point,
/// whose `[pagerduty]` values are the defaults), its rate and burst multiplied by `scale`;
/// `concurrency` overrides the file's when given.
fn client(url: &str, scale: u32, concurrency: Option<usize>) -> (Client, usize) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/config.toml");
    let cfg = Config::load(&path).expect("samples/config.toml");
    let connection = Connection {
        api_url_source: hr2pagerduty::config::ApiUrlSource::Flag,
        api_url: url.to_string(),
        api_key: SecretString::from("bench-key".to_string()),
    };
    let mut client = client_config(&cfg, &connection);
    client.requests_per_minute *= scale;
    client.burst *= scale;
    if let Some(c) = concurrency {
        client.concurrency = c;
    }
    let in_flight = client.concurrency;
    (Client::new(client).expect("client"), in_flight)
}

/// Lists `users` users at `latency_ms` against a simulator allowing `BUDGET × scale`
/// requests per minute and prints the time against requests / budget.
async fn figure(
    label: &str,
    users: usize,
    latency_ms: u64,
    scale: u32,
    concurrency: Option<usize>,
) {
    let budget = BUDGET * scale;
    let sim = sim::start(seed(users, budget, latency_ms), 0)
        .await
        .expect("simulator");
    let (client, in_flight) = client(&sim.url(), scale, concurrency);
    let t = Instant::now();
    let listed = client
        .list_users(&|_, _| {})
        .await
        .expect("a complete listing");
    let took = t.elapsed().as_secs_f64();
    assert_eq!(listed.len(), users);
    let requests = sim.requests().len();
    let floor = requests as f64 * 60.0 / f64::from(budget);
    let pages = users.div_ceil(100);
    // The target: at most 1.1 x (pages / rate limit); the partition probes are requests
    // beyond the pages, so the two ratios differ for a partitioned listing.
    let page_floor = pages as f64 * 60.0 / f64::from(budget);
    println!(
        "{label}: {users} users at {latency_ms} ms, budget {budget}/min, concurrency {in_flight}: \
         {took:.2} s for {requests} requests ({pages} pages minimum); requests/budget = {floor:.2} s, \
         pages/budget = {page_floor:.2} s; ratio to requests {:.3}, to pages {:.3} (target <= 1.1)",
        took / floor,
        took / page_floor
    );
    sim.shutdown().await;
}

#[tokio::main]
async fn main() {
    let full = std::env::args().any(|a| a == "--full");
    figure("target 4", 10_000, 150, 1, None).await;
    figure("target 4, scaled x10", 10_000, 15, 10, None).await;
    figure("one page at a time, scaled x10", 10_000, 15, 10, Some(1)).await;
    figure("partitioned, scaled x10", 25_000, 15, 10, None).await;
    if full {
        figure("partitioned", 25_000, 150, 1, None).await;
    }
}
