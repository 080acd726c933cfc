//! Listing beyond PagerDuty's 10,000 offset ceiling (fact F10): the real client against the
//! simulator (which reads `query` as a substring of name or email) and against stand-ins
//! with other `query` semantics, to show that completeness is proven by counting whatever
//! the filter matches.

use crate::support::client::*;
use hr2pagerduty::pagerduty::{ApiError, Client, IncompleteReason, MAX_PARTITIONS};
use hr2pagerduty::sim::{self, Seed, SeedMembership, SeedTeam, SeedUser};
use serde_json::json;
use std::collections::{BTreeSet, HashSet};
use std::sync::Mutex;
use std::time::Instant;

const FIRST: [&str; 12] = [
    "Ada", "Ben", "Chloé", "Dmitri", "Eva", "Farid", "Grace", "Hiro", "Ines", "Jon", "Kemal", "Lea",
];
/// 11 of 25 end in "son", so more than 10,000 of 25,000 local parts end in `son` and the
/// partition `son@` must be narrowed again.
const LAST: [&str; 25] = [
    "Johnson", "Anderson", "Wilson", "Jackson", "Thompson", "Nelson", "Carlson", "Peterson",
    "Olson", "Larson", "Hudson", "Brown", "Martin", "Allen", "Green", "Smith", "Garcia", "Lee",
    "Nakamura", "Okafor", "Novak", "Rossi", "Dubois", "Kowalski", "Haddad",
];

fn seed_user(name: String, email: String, teams: Vec<SeedMembership>) -> SeedUser {
    SeedUser {
        id: None,
        name,
        email,
        role: None,
        time_zone: None,
        job_title: None,
        description: None,
        color: None,
        teams,
        ..SeedUser::default()
    }
}

/// `n` people named from [`FIRST`] × [`LAST`], emails `first<i>.last@<domain>`.
fn people(n: usize) -> Vec<SeedUser> {
    (0..n)
        .map(|i| {
            let (first, last) = (FIRST[i % FIRST.len()], LAST[i % LAST.len()]);
            let domain = ["example.com", "corp.example.org", "example.co.uk"][i % 3];
            seed_user(
                format!("{first} {last}"),
                format!(
                    "{}{i}.{}@{domain}",
                    first.to_lowercase(),
                    last.to_lowercase()
                ),
                vec![],
            )
        })
        .collect()
}

fn big_seed(users: Vec<SeedUser>, teams: Vec<SeedTeam>) -> Seed {
    let mut seed = Seed {
        users,
        teams,
        ..Seed::default()
    };
    seed.rate_limit.requests = 1_000_000;
    seed
}

fn team(id: &str, name: &str) -> SeedTeam {
    SeedTeam {
        id: Some(id.to_string()),
        name: name.to_string(),
        description: None,
        default_role: None,
    }
}

fn client(url: &str) -> Client {
    let mut cfg = config(url);
    cfg.concurrency = 8;
    // The simulator serves an account of this size slowly in a debug build on a busy machine.
    cfg.request_timeout = std::time::Duration::from_secs(30);
    Client::new(cfg).unwrap()
}

fn query_of(r: &sim::RecordedRequest) -> Vec<(String, String)> {
    reqwest::Url::parse(&format!("http://x/?{}", r.query))
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn reason(e: ApiError) -> IncompleteReason {
    match e {
        ApiError::IncompleteListing { what, reason } => {
            assert_eq!(what, "users");
            reason
        }
        other => panic!("expected an incomplete listing, got {other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_of_25000_users_is_listed_completely_by_partitions() {
    let t0 = Instant::now();
    let sim = sim::start(big_seed(people(25_000), vec![]), 0)
        .await
        .unwrap();
    let seeded = t0.elapsed();
    let client = client(&sim.url());
    let progress = Mutex::new(Vec::new());
    let t1 = Instant::now();
    let users = client
        .list_users(&|n, total| progress.lock().unwrap().push((n, total)))
        .await
        .unwrap();
    let listed = t1.elapsed();

    // Every user once, exactly the account's.
    let expected: BTreeSet<String> = sim
        .users()
        .into_iter()
        .map(|u| u.id.into_string())
        .collect();
    let got: Vec<String> = users.iter().map(|u| u.id.as_str().to_string()).collect();
    assert_eq!(got.len(), 25_000);
    assert_eq!(got.iter().cloned().collect::<BTreeSet<_>>(), expected);
    // In PagerDuty's order (name, then ID), with teams included.
    assert!(users.windows(2).all(|w| {
        (w[0].name.to_lowercase(), w[0].id.as_str()) <= (w[1].name.to_lowercase(), w[1].id.as_str())
    }));
    assert_eq!(
        progress.lock().unwrap().last(),
        Some(&(25_000, Some(25_000)))
    );

    // Every request stays within the ceiling, asks for `total`, and filters by `query`
    // (email suffixes) after the first, but for the last: the recount of one user.
    let requests = sim.requests();
    let mut queries = BTreeSet::new();
    for (i, r) in requests.iter().enumerate() {
        let q = query_of(r);
        let get = |k: &str| q.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
        let offset: u32 = get("offset").unwrap().parse().unwrap();
        let limit: u32 = get("limit").unwrap().parse().unwrap();
        assert!(offset + limit <= 10_000, "{}", r.query);
        assert_eq!(get("total").as_deref(), Some("true"));
        // 0: still in flight when the count was reached (then dropped).
        assert!(matches!(r.status, 0 | 200), "{}: {}", r.status, r.query);
        match get("query") {
            None if i == 0 => {}
            None => {
                assert_eq!(
                    i,
                    requests.len() - 1,
                    "only the first and last are unfiltered"
                );
                assert_eq!((offset, limit), (0, 1), "the recount asks one user");
            }
            Some(query) => {
                assert!(query.ends_with('@'), "{query}");
                queries.insert(query);
            }
        }
    }
    // `son@` (11,000 users) had to be narrowed; `n@` and `@` too.
    for q in ["@", "n@", "on@", "son@", "nson@"] {
        assert!(queries.contains(q), "{q} not asked: {queries:?}");
    }
    // Near the minimum: 250 pages, plus one probe per partition that had to be narrowed or
    // was empty, plus the last page of each partition.
    let sent = requests.len();
    println!(
        "25,000 users: seeded in {seeded:?}, listed in {listed:?} with {sent} requests \
         ({} partitions asked)",
        queries.len()
    );
    assert!(sent <= 400, "{sent} requests");
    sim.shutdown().await;
}

/// 10,050 users sharing the local part `oncall` at different domains: `oncall@` cannot be
/// narrowed by any email suffix, so the split falls back to teams.
fn oncall_seed(team_of: impl Fn(usize) -> Option<&'static str>) -> Seed {
    let mut users = people(40);
    users.extend((0..10_050).map(|i| {
        let teams = team_of(i)
            .map(|t| {
                vec![SeedMembership {
                    team: t.to_string(),
                    role: None,
                }]
            })
            .unwrap_or_default();
        seed_user(
            format!("On-call {i:05}"),
            format!("oncall@customer{i:05}.example.net"),
            teams,
        )
    }));
    big_seed(
        users,
        vec![team("PTEAMA1", "Alpha"), team("PTEAMB1", "Bravo")],
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partition_no_suffix_narrows_is_split_by_team() {
    let sim = sim::start(
        oncall_seed(|i| Some(if i % 2 == 0 { "Alpha" } else { "Bravo" })),
        0,
    )
    .await
    .unwrap();
    let users = client(&sim.url()).list_users(&|_, _| {}).await.unwrap();
    assert_eq!(users.len(), 10_090);
    let ids: HashSet<&str> = users.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(ids.len(), 10_090);
    let teamed = sim
        .requests()
        .iter()
        .filter(|r| r.query.contains("team_ids"))
        .count();
    assert!(teamed >= 2, "no split by team");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_no_filter_reaches_make_the_listing_incomplete() {
    // Half of the `oncall@` users are on a team; the other half are out of reach.
    let sim = sim::start(oncall_seed(|i| (i % 2 == 0).then_some("Alpha")), 0)
        .await
        .unwrap();
    let err = client(&sim.url()).list_users(&|_, _| {}).await.unwrap_err();
    let text = err.to_string();
    println!("{text}\n{} requests", sim.requests().len());
    match reason(err) {
        IncompleteReason::Unreached {
            seen, total, open, ..
        } => {
            assert_eq!(total, 10_090);
            // The 5,025 on a team and the 40 others, plus those on the first pages of the
            // partitions too large to walk.
            assert!((5_025 + 40..10_090).contains(&seen), "{seen}");
            let filters: Vec<&str> = open.iter().map(|p| p.filter.as_str()).collect();
            assert!(filters.contains(&"query=oncall@"), "{filters:?}");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        text.contains("query=oncall@ (10050 users") && text.contains("creating users"),
        "{text}"
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_teams_ability_the_team_split_is_refused_and_said() {
    // team_ids[] needs the `teams` ability (fact F12): the simulator answers 402 without it.
    let mut seed = oncall_seed(|i| Some(if i % 2 == 0 { "Alpha" } else { "Bravo" }));
    seed.abilities = Some(vec![]);
    let sim = sim::start(seed, 0).await.unwrap();
    let err = client(&sim.url()).list_users(&|_, _| {}).await.unwrap_err();
    match reason(err) {
        IncompleteReason::Unreached { notes, open, .. } => {
            assert!(
                notes.len() == 1
                    && notes[0].contains("team_ids[] was refused")
                    && notes[0].contains("402"),
                "{notes:?}"
            );
            assert_eq!(open[0].filter, "query=oncall@");
        }
        other => panic!("{other:?}"),
    }
    sim.shutdown().await;
}

/// A stand-in whose `query` matches name prefixes only (one reading of "records whose name
/// matches the query"), with `n` users named `Name <i>` (two in three) or `Other <i>`.
fn name_prefix_server(n: usize) -> impl Fn(&Recorded) -> Reply + Send + Sync + 'static {
    let all: Vec<(String, serde_json::Value)> = (0..n)
        .map(|i| {
            let name = format!("{} {i:05}", if i % 3 == 0 { "Other" } else { "Name" });
            let user = json!({"id": format!("PU{i:05}"), "type": "user", "name": name,
                   "email": format!("u{i}@example.com"), "role": "user",
                   "time_zone": null, "description": null, "job_title": null, "teams": []});
            (name.to_lowercase(), user)
        })
        .collect();
    move |r| {
        let offset: usize = r.q("offset").unwrap().parse().unwrap();
        let limit: usize = r.q("limit").unwrap().parse().unwrap();
        if offset + limit > 10_000 {
            return Reply::error(400, 2002, "Arguments Caused Error", &[]);
        }
        let query = r.q("query").unwrap_or("").to_lowercase();
        let matching: Vec<&serde_json::Value> = all
            .iter()
            .filter(|(name, _)| name.starts_with(&query))
            .map(|(_, u)| u)
            .collect();
        let page: Vec<_> = matching
            .iter()
            .skip(offset)
            .take(limit)
            .map(|u| (*u).clone())
            .collect();
        let more = offset + page.len() < matching.len();
        Reply::json(
            200,
            users_page(offset as u32, page, more, Some(matching.len() as u64)),
        )
    }
}

#[tokio::test]
async fn where_query_matches_name_prefixes_only_names_partition_the_listing() {
    // 13,333 names start with "name": the prefix is narrowed to "name 0", "name 1", ...
    let server = Server::start(name_prefix_server(20_000)).await;
    let users = client(&server.url).list_users(&|_, _| {}).await.unwrap();
    assert_eq!(users.len(), 20_000);
    let lines = server.lines();
    // `@` matched nobody, so names were used.
    assert!(lines.iter().any(|l| l.contains("query=@&")));
    for q in ["n", "name", "name 1", "o"] {
        let wanted = format!("offset=0&query={q}&");
        assert!(lines.iter().any(|l| l.contains(&wanted)), "{q}: {lines:#?}");
    }
    assert!(lines.len() < 300, "{} requests", lines.len());
}

#[tokio::test]
async fn a_server_that_ignores_query_never_yields_a_complete_listing() {
    // Every filter answers the whole account: no partition ever narrows. The listing
    // gives up after MAX_PARTITIONS partitions instead of claiming completeness.
    let server = Server::start(|r| {
        let offset: u32 = r.q("offset").unwrap().parse().unwrap();
        let start = offset as usize;
        let users = (start..start + 100).map(user).collect();
        Reply::json(200, users_page(offset, users, true, Some(20_000)))
    })
    .await;
    let err = client(&server.url)
        .list_users(&|_, _| {})
        .await
        .unwrap_err();
    match reason(err) {
        IncompleteReason::PartitionLimit {
            seen,
            total,
            partitions,
        } => {
            assert_eq!((seen, total, partitions), (100, 20_000, MAX_PARTITIONS));
        }
        other => panic!("{other:?}"),
    }
    assert!(server.lines().len() <= MAX_PARTITIONS);
}

#[tokio::test]
async fn a_user_added_during_a_partitioned_listing_makes_it_incomplete() {
    // 12,000 users named by prefix; from the second unfiltered request on (the recount at
    // the end: the partitions all carry `query`), the account holds one user more, who
    // was added after the partition that would list them was walked.
    let inner = name_prefix_server(12_000);
    let unfiltered = std::sync::atomic::AtomicUsize::new(0);
    let server = Server::start(move |r| {
        let reply = inner(r);
        let later = r.q("query").is_none()
            && unfiltered.fetch_add(1, std::sync::atomic::Ordering::SeqCst) > 0;
        match reply {
            Reply::Json(status, headers, mut body) if later => {
                body["total"] = json!(12_001);
                Reply::Json(status, headers, body)
            }
            other => other,
        }
    })
    .await;
    let err = client(&server.url)
        .list_users(&|_, _| {})
        .await
        .unwrap_err();
    match reason(err) {
        IncompleteReason::RecountChanged { first, now } => {
            assert_eq!((first, now), (12_000, 12_001));
        }
        other => panic!("{other:?}"),
    }
    // The recount is one request of one item, after every partition.
    let last = server.lines().last().cloned().unwrap();
    assert!(last.contains("limit=1&offset=0&total=true"), "{last}");
    assert!(!last.contains("query="), "{last}");
}
