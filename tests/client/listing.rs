//! Listing: the one offset paginator against a scripted server (facts F9, F10).

use crate::support::client::*;
use hr2pagerduty::email::Email;
use hr2pagerduty::pagerduty::models::TeamRole;
use hr2pagerduty::pagerduty::{ApiError, Client, IncompleteReason};
use serde_json::json;
use std::sync::Mutex;
use std::time::Duration;

fn users(range: std::ops::Range<usize>) -> Vec<serde_json::Value> {
    range.map(user).collect()
}

fn incomplete(e: ApiError) -> (String, IncompleteReason) {
    match e {
        ApiError::IncompleteListing { what, reason } => (what, reason),
        other => panic!("expected an incomplete listing, got {other}"),
    }
}

/// Serves `total` users in pages at any offset, in whatever order the requests come.
fn pages_of(total: usize) -> impl Fn(&Recorded) -> Reply + Send + Sync + 'static {
    move |r| {
        let offset: usize = r.q("offset").unwrap().parse().unwrap();
        let limit: usize = r.q("limit").unwrap().parse().unwrap();
        let end = (offset + limit).min(total);
        Reply::json(
            200,
            users_page(
                offset as u32,
                users(offset.min(end)..end),
                end < total,
                Some(total as u64),
            ),
        )
    }
}

#[tokio::test]
async fn lists_250_users_in_three_pages_with_teams_included() {
    let server = Server::start(pages_of(250)).await;
    let client = Client::new(config(&server.url)).unwrap();
    let seen = Mutex::new(Vec::new());
    let list = client
        .list_users(&|n, total| seen.lock().unwrap().push((n, total)))
        .await
        .unwrap();
    let mut lines = server.lines();
    assert_eq!(lines.remove(0), users_line(0), "the first page comes first");
    lines.sort();
    assert_eq!(lines, [users_line(100), users_line(200)]);
    // In offset order, whatever order the pages were answered in.
    assert_eq!(list.len(), 250);
    assert!((0..250).all(|i| list[i].id.as_str() == format!("PU{i:05}")));
    assert_eq!(list[7].teams[0].id, "PT1");
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[0], (100, Some(250)));
    assert_eq!(seen[2], (250, Some(250)));
}

#[tokio::test]
async fn once_total_is_known_the_other_pages_are_requested_together() {
    // Each answer takes 300 ms. One page at a time, 9 more pages would take 2.7 s; with 4
    // requests in flight the first 4 of them all arrive before the first is answered.
    let server = Server::start(move |r| pages_of(1_000)(r).after(Duration::from_millis(300))).await;
    let client = Client::new(config(&server.url)).unwrap();
    let list = client.list_users(&|_, _| {}).await.unwrap();
    assert_eq!(list.len(), 1_000);
    let requests = server.requests();
    assert_eq!(requests.len(), 10);
    let second = requests[1].at;
    let together = requests[1..]
        .iter()
        .filter(|r| r.at.duration_since(second) < Duration::from_millis(250))
        .count();
    assert!(
        (2..=4).contains(&together),
        "{together} pages in flight together (the client's cap is 4)"
    );
}

#[tokio::test]
async fn the_ceiling_answer_at_a_low_offset_is_an_incomplete_listing() {
    // PagerDuty's answer past the ceiling (400, code 2002), here at offset 200 of 300.
    let server = Server::start(|r| {
        if r.q("offset") == Some("200") {
            Reply::error(
                400,
                2002,
                "Arguments Caused Error",
                &["Offset+limit exceeds maximum allowed value of 10000."],
            )
        } else {
            pages_of(300)(r)
        }
    })
    .await;
    let client = Client::new(config(&server.url)).unwrap();
    let err = client.list_users(&|_, _| {}).await.unwrap_err();
    assert!(err.is_incomplete_listing());
    let text = err.to_string();
    let (what, reason) = incomplete(err);
    assert_eq!(what, "users");
    match reason {
        IncompleteReason::CeilingAnswer {
            offset,
            limit,
            detail,
        } => {
            assert_eq!((offset, limit), (200, 100));
            assert!(detail.contains("code 2002"), "{detail}");
        }
        other => panic!("{other:?}"),
    }
    assert!(text.contains("offset-ceiling answer"), "{text}");
    // Other 400s stay plain HTTP failures.
    let server = Server::start(|_| Reply::error(400, 2001, "Invalid Input Provided", &[])).await;
    let err = Client::new(config(&server.url))
        .unwrap()
        .list_users(&|_, _| {})
        .await
        .unwrap_err();
    assert!(!err.is_incomplete_listing(), "{err}");
    assert_eq!(err.status(), Some(400));
}

#[tokio::test]
async fn a_listing_that_stops_before_total_is_incomplete() {
    let server = Server::scripted(vec![
        (
            &users_line(0),
            Reply::json(200, users_page(0, users(0..100), true, Some(180))),
        ),
        (
            &users_line(100),
            Reply::json(200, users_page(100, users(100..150), false, Some(180))),
        ),
    ])
    .await;
    let client = Client::new(config(&server.url)).unwrap();
    let (what, reason) = incomplete(client.list_users(&|_, _| {}).await.unwrap_err());
    server.assert_done();
    assert_eq!(what, "users");
    assert_eq!(
        reason,
        IncompleteReason::StoppedEarly {
            fetched: 150,
            total: 180
        }
    );
}

#[tokio::test]
async fn a_repeated_page_is_incomplete() {
    // The second answer claims offset 100 but holds the first page again.
    let server = Server::scripted(vec![
        (
            &users_line(0),
            Reply::json(200, users_page(0, users(0..100), true, Some(300))),
        ),
        (
            &users_line(100),
            Reply::json(200, users_page(100, users(0..100), true, Some(300))),
        ),
    ])
    .await;
    let client = Client::new(config(&server.url)).unwrap();
    let (_, reason) = incomplete(client.list_users(&|_, _| {}).await.unwrap_err());
    server.assert_done();
    assert_eq!(
        reason,
        IncompleteReason::RepeatedItem {
            offset: 100,
            id: "PU00000".into()
        }
    );
}

#[tokio::test]
async fn more_true_on_an_empty_page_is_incomplete() {
    let server = Server::scripted(vec![
        (
            &users_line(0),
            Reply::json(200, users_page(0, users(0..100), true, None)),
        ),
        (
            &users_line(100),
            Reply::json(200, users_page(100, vec![], true, None)),
        ),
    ])
    .await;
    let client = Client::new(config(&server.url)).unwrap();
    let (_, reason) = incomplete(client.list_users(&|_, _| {}).await.unwrap_err());
    server.assert_done();
    assert_eq!(reason, IncompleteReason::EmptyPageWithMore { offset: 100 });
}

#[tokio::test]
async fn an_answer_for_another_offset_is_incomplete() {
    let server = Server::scripted(vec![
        (
            &users_line(0),
            Reply::json(200, users_page(0, users(0..100), true, Some(250))),
        ),
        (
            &users_line(100),
            Reply::json(200, users_page(0, users(100..200), true, Some(250))),
        ),
    ])
    .await;
    let client = Client::new(config(&server.url)).unwrap();
    let (_, reason) = incomplete(client.list_users(&|_, _| {}).await.unwrap_err());
    server.assert_done();
    assert_eq!(
        reason,
        IncompleteReason::WrongOffset {
            requested: 100,
            returned: 0
        }
    );
}

#[tokio::test]
async fn more_than_10000_teams_stop_after_the_first_page() {
    // Only GET /users is partitioned; another listing above the ceiling is incomplete.
    let team = |i: usize| json!({"id": format!("PT{i}"), "type": "team", "name": format!("T{i}")});
    let server = Server::scripted(vec![(
        "GET /teams?limit=100&offset=0&total=true",
        Reply::json(
            200,
            json!({"teams": (0..100).map(team).collect::<Vec<_>>(),
                   "limit": 100, "offset": 0, "more": true, "total": 12_000}),
        ),
    )])
    .await;
    let client = Client::new(config(&server.url)).unwrap();
    let err = client.list_teams().await.unwrap_err();
    let text = err.to_string();
    let (what, reason) = incomplete(err);
    server.assert_done();
    assert_eq!(what, "teams");
    assert_eq!(
        reason,
        IncompleteReason::OffsetCeiling {
            fetched: 100,
            total: Some(12_000)
        }
    );
    assert!(
        text.contains("10,000") && text.contains("not sent"),
        "{text}"
    );
}

/// Serves pages of 100 users forever (`more: true`), with `total` as given.
fn endless(total: Option<u64>) -> impl Fn(&Recorded) -> Reply + Send + Sync + 'static {
    move |r| {
        let offset: u32 = r.q("offset").unwrap().parse().unwrap();
        let limit: usize = r.q("limit").unwrap().parse().unwrap();
        let start = offset as usize;
        Reply::json(
            200,
            users_page(offset, users(start..start + limit), true, total),
        )
    }
}

#[tokio::test]
async fn the_offset_ceiling_is_never_passed_when_total_is_missing() {
    // PagerDuty answers 400 to offset + limit > 10,000 (fact F10); the walk must stop at
    // offset 9,900 and report, not send offset 10,000.
    let server = Server::start(endless(None)).await;
    let client = Client::new(config(&server.url)).unwrap();
    let err = client.list_users(&|_, _| {}).await.unwrap_err();
    let expected: Vec<String> = (0..100).map(|p| users_line(p * 100)).collect();
    assert_eq!(server.lines(), expected);
    for r in server.requests() {
        let o: u32 = r.q("offset").unwrap().parse().unwrap();
        let l: u32 = r.q("limit").unwrap().parse().unwrap();
        assert!(o + l <= 10_000, "{}", r.line());
    }
    let text = err.to_string();
    let (_, reason) = incomplete(err);
    assert_eq!(
        reason,
        IncompleteReason::OffsetCeiling {
            fetched: 10_000,
            total: None
        }
    );
    assert!(text.contains("not sent"), "{text}");
}

#[tokio::test]
async fn exactly_10000_users_can_be_listed() {
    let server = Server::start(|r| {
        let offset: u32 = r.q("offset").unwrap().parse().unwrap();
        let start = offset as usize;
        let more = offset < 9_900;
        Reply::json(
            200,
            users_page(offset, users(start..start + 100), more, Some(10_000)),
        )
    })
    .await;
    let client = Client::new(config(&server.url)).unwrap();
    let list = client.list_users(&|_, _| {}).await.unwrap();
    assert_eq!(list.len(), 10_000);
    assert_eq!(server.lines().len(), 100);
}

#[tokio::test]
async fn a_listing_without_total_completes_on_more_false() {
    // 2020-era answers carry no `total` key at all.
    let page = |offset: u32, range, more| json!({"users": users(range), "limit": 100, "offset": offset, "more": more});
    let server = Server::scripted(vec![
        (&users_line(0), Reply::json(200, page(0, 0..100, true))),
        (
            &users_line(100),
            Reply::json(200, page(100, 100..130, false)),
        ),
    ])
    .await;
    let client = Client::new(config(&server.url)).unwrap();
    let seen = Mutex::new(Vec::new());
    let list = client
        .list_users(&|n, t| seen.lock().unwrap().push((n, t)))
        .await
        .unwrap();
    server.assert_done();
    assert_eq!(list.len(), 130);
    assert_eq!(*seen.lock().unwrap(), vec![(100, None), (130, None)]);
}

#[tokio::test]
async fn teams_and_team_members_use_the_same_paginator() {
    let team =
        |i: usize| json!({"id": format!("PT{i}"), "type": "team", "name": format!("Team {i}")});
    let member =
        |id: &str, role: &str| json!({"user": {"id": id, "type": "user_reference"}, "role": role});
    let server = Server::scripted(vec![
        (
            "GET /teams?limit=100&offset=0&total=true",
            Reply::json(
                200,
                json!({"teams": (0..100).map(team).collect::<Vec<_>>(),
                "limit": 100, "offset": 0, "more": true, "total": 101}),
            ),
        ),
        (
            "GET /teams?limit=100&offset=100&total=true",
            Reply::json(
                200,
                json!({"teams": [team(100)], "limit": 100, "offset": 100,
                "more": false, "total": 101}),
            ),
        ),
        (
            "GET /teams/PT7/members?limit=100&offset=0&total=true",
            Reply::json(
                200,
                json!({"members": [member("PU1", "manager"), member("PU2", "responder")],
                "limit": 100, "offset": 0, "more": false, "total": 2}),
            ),
        ),
    ])
    .await;
    let client = Client::new(config(&server.url)).unwrap();
    let teams = client.list_teams().await.unwrap();
    assert_eq!(teams.len(), 101);
    assert_eq!(teams[100].name, "Team 100");
    let members = client.list_team_members(&"PT7".into()).await.unwrap();
    server.assert_done();
    assert_eq!(members[0].user.id, "PU1");
    assert_eq!(members[0].role, TeamRole::Manager);
    assert_eq!(members[1].role, TeamRole::Responder);
}

#[tokio::test]
async fn a_repeated_member_is_detected_by_user_id() {
    let member = json!({"user": {"id": "PU1", "type": "user_reference"}, "role": "observer"});
    let server = Server::scripted(vec![(
        "GET /teams/PT7/members?limit=100&offset=0&total=true",
        Reply::json(
            200,
            json!({"members": [member.clone(), member], "limit": 100, "offset": 0,
            "more": false, "total": 2}),
        ),
    )])
    .await;
    let client = Client::new(config(&server.url)).unwrap();
    let (what, reason) = incomplete(client.list_team_members(&"PT7".into()).await.unwrap_err());
    assert_eq!(what, "members of team PT7");
    assert_eq!(
        reason,
        IncompleteReason::RepeatedItem {
            offset: 0,
            id: "PU1".into()
        }
    );
}

#[tokio::test]
async fn find_by_email_compares_exactly_and_case_insensitively() {
    // `query` also matches other users (a longer address containing this one).
    let server = Server::scripted(vec![
        (
            &lookup_line("a.smith@example.com"),
            Reply::json(
                200,
                users_page(
                    0,
                    vec![
                        user_with("PX1", "ja.smith@example.com"),
                        user_with("PX2", "A.Smith@Example.COM"),
                    ],
                    false,
                    Some(2),
                ),
            ),
        ),
        (
            &lookup_line("nobody@example.com"),
            Reply::json(
                200,
                users_page(
                    0,
                    vec![user_with("PX3", "nobody@example.com.au")],
                    false,
                    Some(1),
                ),
            ),
        ),
    ])
    .await;
    let client = Client::new(config(&server.url)).unwrap();
    let found = client
        .find_user_by_email(&Email::normalise("A.Smith@example.com"))
        .await
        .unwrap();
    assert_eq!(found.map(|u| u.id.into_string()), Some("PX2".to_string()));
    let none = client
        .find_user_by_email(&Email::normalise("nobody@example.com"))
        .await
        .unwrap();
    assert!(none.is_none());
    server.assert_done();
}

#[tokio::test]
async fn get_user_includes_teams_and_maps_404_to_none() {
    let server = Server::scripted(vec![
        (
            "GET /users/PU00001?include[]=teams",
            Reply::json(200, json!({"user": user(1)})),
        ),
        (
            "GET /users/PGONE?include[]=teams",
            Reply::error(404, 2100, "Not Found", &[]),
        ),
    ])
    .await;
    let client = Client::new(config(&server.url)).unwrap();
    let u = client.get_user(&"PU00001".into()).await.unwrap().unwrap();
    assert_eq!(u.email, "user1@example.com");
    assert!(client.get_user(&"PGONE".into()).await.unwrap().is_none());
    server.assert_done();
}

#[tokio::test]
async fn a_decode_error_names_the_json_path() {
    let mut bad = user(1);
    bad["role"] = json!(5);
    let server = Server::scripted(vec![(
        &users_line(0),
        Reply::json(200, users_page(0, vec![user(0), bad], false, Some(2))),
    )])
    .await;
    let client = Client::new(config(&server.url)).unwrap();
    let err = client.list_users(&|_, _| {}).await.unwrap_err();
    match &err {
        ApiError::Decode {
            json_path,
            path,
            status,
            ..
        } => {
            assert_eq!(json_path, "users[1].role");
            assert_eq!(path, "/users");
            assert_eq!(*status, 200);
        }
        other => panic!("expected a decode error, got {other}"),
    }
    assert!(err.to_string().contains("users[1].role"), "{err}");
}
