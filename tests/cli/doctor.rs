//! `doctor` against the simulator: every check passing on the demo account, with an
//! account-level and a user-level key, and each check failing on an account made to fail
//! it (exit 1), with GET requests only.

use crate::support::Sim;
use crate::support::e2e::{KEY, against, demo_seed, run};
use hr2pagerduty::sim::{Fault, FaultKind, Seed, SeedApiKey, SeedUserKey};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The demo's configuration with `from` replaced, in `dir`.
fn config_from(dir: &Path, from: &str) -> PathBuf {
    let text = std::fs::read_to_string(crate::support::repo("samples/demo/config.toml"))
        .unwrap()
        .replace(
            "from = \"provisioning-bot@example.com\"",
            &format!("from = \"{from}\""),
        );
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// The demo's configuration ([`crate::support::e2e::demo_config`]) as an argument.
fn demo_config() -> String {
    crate::support::e2e::demo_config().display().to_string()
}

/// `doctor --config CONFIG --format json` against `sim` with `key`: exit code and JSON.
fn doctor_json(sim: &Sim, key: &str, config: &str) -> (i32, Value) {
    let r = run(
        against(sim, key),
        &["doctor", "--config", config, "--format", "json"],
    );
    assert!(!r.stdout.contains(key) && !r.stderr.contains(key), "{r:?}");
    (r.code, r.json())
}

/// The `status` of the check named `name`.
fn status<'a>(v: &'a Value, name: &str) -> &'a str {
    v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == name)
        .unwrap_or_else(|| panic!("no check {name} in {v}"))["status"]
        .as_str()
        .unwrap()
}

fn check<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == name)
        .unwrap()
}

#[test]
fn the_demo_account_passes_every_check_with_get_requests_only() {
    let sim = Sim::start(demo_seed());
    let r = run(against(&sim, KEY), &["doctor", "--config", &demo_config()]);
    r.expect_code(0).expect_stdout(&[
        "pass    API key",
        "account-level key",
        "note    Write access",
        "read-only key",
        "note    Marker signing  PAGERDUTY_MARKER_KEY is not set",
        "pass    From user",
        "provisioning-bot@example.com is Provisioning Bot",
        "pass    Abilities",
        "teams and read_only_users",
        "pass    Teams",
        "IT Operations",
        "pass    Licences",
        "No check failed (6 passed, 2 notes).",
    ]);
    assert!(sim.writes().is_empty(), "{:?}", sim.writes());
    let paths: Vec<String> = sim.requests().iter().map(|r| r.path.clone()).collect();
    for p in ["/users/me", "/abilities", "/teams", "/licenses"] {
        assert!(paths.iter().any(|q| q == p), "{p} not requested: {paths:?}");
    }
    let (code, v) = doctor_json(&sim, KEY, &demo_config());
    assert_eq!(code, 0);
    assert_eq!(v["ok"], true);
    assert_eq!(v["summary"]["fail"], 0);
    assert_eq!(v["api_url"], sim.url());
    assert_eq!(status(&v, "write_access"), "note");
    assert_eq!(status(&v, "marker_key"), "note");
}

#[test]
fn a_user_level_key_names_its_user() {
    let mut seed = demo_seed();
    seed.api_keys = vec![SeedApiKey::User(SeedUserKey {
        key: KEY.into(),
        user: "provisioning-bot@example.com".into(),
    })];
    let sim = Sim::start(seed);
    let (code, v) = doctor_json(&sim, KEY, &demo_config());
    assert_eq!(code, 0, "{v}");
    let detail = check(&v, "api_key")["detail"].as_str().unwrap();
    assert!(
        detail.contains("user-level key of Provisioning Bot <provisioning-bot@example.com>"),
        "{detail}"
    );
}

#[test]
fn a_rejected_key_fails_and_skips_the_checks_that_need_it() {
    let sim = Sim::start(demo_seed());
    let wrong = "wrong-key-0123456789abcdef";
    let r = run(
        against(&sim, wrong),
        &["doctor", "--config", &demo_config()],
    );
    r.expect_code(1).expect_stdout(&[
        "fail    API key",
        "401",
        "What to do: check the key read from PAGERDUTY_API_KEY",
        "Integrations > Developer Tools > API Access Keys > Create New API Key",
    ]);
    // A key from --api-key-file is named by its file, in the detail and the fix alike.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("api-key");
    std::fs::write(&file, format!("{wrong}\n")).unwrap();
    std::fs::set_permissions(
        &file,
        <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o600),
    )
    .unwrap();
    let mut cmd = against(&sim, wrong);
    cmd.env_remove("PAGERDUTY_API_KEY");
    let shown = file.display().to_string();
    let from_file = run(
        cmd,
        &[
            "doctor",
            "--config",
            &demo_config(),
            "--api-key-file",
            &shown,
        ],
    );
    from_file.expect_code(1).expect_stdout(&[&format!(
        "What to do: check the key read from the API key file {shown}"
    )]);
    assert!(
        !from_file.stdout.contains("PAGERDUTY_API_KEY:"),
        "{}",
        from_file.stdout
    );
    // The API URL is no place to create a key.
    assert!(
        !r.stdout
            .contains("create a REST API key for the account at"),
        "{}",
        r.stdout
    );
    assert!(
        !r.stdout.contains(wrong) && !r.stderr.contains(wrong),
        "{r:?}"
    );
    let (code, v) = doctor_json(&sim, wrong, &demo_config());
    assert_eq!(code, 1);
    assert_eq!(v["ok"], false);
    for name in ["from_user", "abilities", "teams", "licenses"] {
        assert_eq!(status(&v, name), "skipped", "{name}: {v}");
    }
    // The configuration's own vocabulary is still checked offline.
    assert_eq!(status(&v, "vocabulary"), "pass");
}

#[test]
fn a_missing_from_user_fails() {
    let sim = Sim::start(demo_seed());
    let dir = tempfile::tempdir().unwrap();
    let config = config_from(dir.path(), "nobody@example.com");
    let (code, v) = doctor_json(&sim, KEY, &config.display().to_string());
    assert_eq!(code, 1, "{v}");
    assert_eq!(status(&v, "from_user"), "fail");
    assert_eq!(v["summary"]["fail"], 1);
    let c = check(&v, "from_user");
    assert!(c["detail"].as_str().unwrap().contains("nobody@example.com"));
    assert!(c["fix"].as_str().unwrap().contains("[pagerduty] from"));
}

/// Only a Global Admin or the Account Owner may add users and set roles
/// (PAGERDUTY_API.md §1.3): a From user of another role fails with an account-level key, as
/// whom PagerDuty then acts, and a user-level key of a Responder fails the key check (r10h
/// 22, 02: both passed, and apply then met 403 on every create).
#[test]
fn a_from_user_or_a_key_owner_who_cannot_add_users_fails() {
    let sim = Sim::start(demo_seed());
    let dir = tempfile::tempdir().unwrap();
    let config = config_from(dir.path(), "grace.hopper@example.com");
    let (code, v) = doctor_json(&sim, KEY, &config.display().to_string());
    assert_eq!(code, 1, "{v}");
    assert_eq!(status(&v, "from_user"), "fail", "{v}");
    assert_eq!(v["summary"]["fail"], 1, "{v}");
    let c = check(&v, "from_user");
    let detail = c["detail"].as_str().unwrap();
    assert!(detail.contains("base role limited_user"), "{detail}");
    assert!(
        detail.contains("only a Global Admin or the Account Owner may add users and set roles"),
        "{detail}"
    );
    assert!(
        c["fix"]
            .as_str()
            .unwrap()
            .contains("give grace.hopper@example.com the Global Admin base role"),
        "{c}"
    );
    // A user-level key of a Responder: the key check fails, naming the user and its role.
    let mut seed = demo_seed();
    seed.api_keys = vec![SeedApiKey::User(SeedUserKey {
        key: KEY.into(),
        user: "grace.hopper@example.com".into(),
    })];
    let sim = Sim::start(seed);
    let (code, v) = doctor_json(&sim, KEY, &demo_config());
    assert_eq!(code, 1, "{v}");
    assert_eq!(status(&v, "api_key"), "fail", "{v}");
    let c = check(&v, "api_key");
    let detail = c["detail"].as_str().unwrap();
    assert!(
        detail.contains(
            "user-level key of Grace Hopper <grace.hopper@example.com> (base role limited_user)"
        ),
        "{detail}"
    );
    assert!(detail.contains("403"), "{detail}");
    assert!(
        c["fix"].as_str().unwrap().contains("base role is admin"),
        "{c}"
    );
    // The other checks still ran: the key reads.
    assert_eq!(status(&v, "from_user"), "pass", "{v}");
    assert_eq!(status(&v, "teams"), "pass", "{v}");
    // With that key, a From user who is not an admin is a note: PagerDuty acts as the key's
    // user.
    let (_, v) = doctor_json(&sim, KEY, &config.display().to_string());
    assert_eq!(status(&v, "from_user"), "note", "{v}");
}

/// A time zone or role outside PagerDuty's vocabulary is the vocabulary check's failure,
/// with its line, and the other checks still run (r10h 01: it was exit 78 and no list).
#[test]
fn names_outside_pagerdutys_vocabulary_fail_their_check_with_their_lines() {
    let sim = Sim::start(demo_seed());
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(crate::support::repo("samples/demo/config.toml"))
        .unwrap()
        .replace("\"America/New_York\"", "\"Mars/Olympus\"")
        .replace("default = \"limited_user\"", "default = \"superuser\"")
        .replace("role = \"manager\"", "role = \"captain\"");
    let line_of = |needle: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let lines = [
        line_of("Mars/Olympus"),
        line_of("superuser"),
        line_of("captain"),
    ];
    let path = dir.path().join("config.toml");
    std::fs::write(&path, &text).unwrap();
    let config = path.display().to_string();
    let (code, v) = doctor_json(&sim, KEY, &config);
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["summary"]["fail"], 1, "{v}");
    let c = check(&v, "vocabulary");
    assert_eq!(c["status"], "fail");
    let detail = c["detail"].as_str().unwrap();
    for (line, what) in lines.iter().zip([
        "`lifecycle.default_time_zone`: \"Mars/Olympus\"",
        "`roles.default`: \"superuser\"",
        "`teams.rule #1 role`: \"captain\"",
    ]) {
        assert!(detail.contains(&format!("line {line}: {what}")), "{detail}");
    }
    assert!(c["fix"].as_str().unwrap().contains("exit 78"), "{c}");
    for other in ["api_key", "from_user", "abilities", "teams", "licenses"] {
        assert_eq!(status(&v, other), "pass", "{other}: {v}");
    }
    // The text form lists it like any other failure; plan still refuses the file.
    let r = run(against(&sim, KEY), &["doctor", "--config", &config]);
    r.expect_code(1)
        .expect_stdout(&["fail    Vocabulary", "Mars/Olympus", "1 check failed"]);
    // Any other problem is still a refusal of the file (exit 78).
    std::fs::write(
        &path,
        text.replace("[hr.columns]", "[hr.columns]\nbogus = 1"),
    )
    .unwrap();
    run(against(&sim, KEY), &["doctor", "--config", &config]).expect_code(78);
}

/// The demo seed as JSON, changed by `f`.
fn edited(f: impl FnOnce(&mut Value)) -> Seed {
    let mut v = serde_json::to_value(demo_seed()).unwrap();
    f(&mut v);
    Seed::from_json(&v.to_string()).unwrap()
}

/// Keeps the seed's users for which `keep` holds.
fn keep_users(v: &mut Value, keep: impl Fn(&Value) -> bool) {
    v["users"].as_array_mut().unwrap().retain(keep);
}

#[test]
fn missing_abilities_fail_naming_what_needs_them() {
    // Seeded users cannot hold what the account lacks: no stakeholders, no memberships.
    let without = |abilities: Value| {
        edited(|v| {
            keep_users(v, |u| !u["role"].as_str().unwrap().starts_with("read_only"));
            for u in v["users"].as_array_mut().unwrap() {
                u["teams"] = serde_json::json!([]);
            }
            v["abilities"] = abilities;
        })
    };
    let sim = Sim::start(without(serde_json::json!(["urgencies"])));
    let (code, v) = doctor_json(&sim, KEY, &demo_config());
    assert_eq!(code, 1, "{v}");
    let detail = check(&v, "abilities")["detail"].as_str().unwrap();
    assert!(
        detail.contains("teams (needed by [[teams.rule]]"),
        "{detail}"
    );
    assert!(
        detail.contains("read_only_users (needed by the stakeholder role read_only_limited_user)"),
        "{detail}"
    );
    // Only the missing one is named.
    let sim = Sim::start(without(serde_json::json!(["teams"])));
    let (code, v) = doctor_json(&sim, KEY, &demo_config());
    assert_eq!(code, 1);
    let detail = check(&v, "abilities")["detail"].as_str().unwrap();
    assert!(!detail.contains("teams ("), "{detail}");
    assert!(detail.contains("read_only_users"), "{detail}");
}

#[test]
fn a_team_the_rules_name_that_the_account_lacks_fails() {
    let sim = Sim::start(edited(|v| {
        v["teams"]
            .as_array_mut()
            .unwrap()
            .retain(|t| t["name"] != "Sales");
        for u in v["users"].as_array_mut().unwrap() {
            if let Some(teams) = u["teams"].as_array_mut() {
                teams.retain(|m| m["team"] != "Sales" && m["team"] != "PSALES1");
            }
        }
    }));
    let (code, v) = doctor_json(&sim, KEY, &demo_config());
    assert_eq!(code, 1, "{v}");
    assert_eq!(status(&v, "teams"), "fail");
    let detail = check(&v, "teams")["detail"].as_str().unwrap();
    assert!(detail.contains("no team \"Sales\""), "{detail}");
}

/// The demo seed with `licenses` (JSON), keeping only the users whose role one allows.
fn licensed(licenses: Value) -> Seed {
    edited(|v| {
        let allowed: Vec<Value> = licenses
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|l| l["valid_roles"].as_array().unwrap().clone())
            .collect();
        keep_users(v, |u| allowed.contains(&u["role"]));
        v["licenses"] = licenses;
    })
}

#[test]
fn licences_that_allow_no_configured_role_fail_and_full_ones_are_a_note() {
    // No licence allows limited_user (the default role).
    let sim = Sim::start(licensed(serde_json::json!([
        {"id": "PSTAKE1", "name": "Stakeholder", "valid_roles": ["read_only_user", "read_only_limited_user"]},
        {"id": "PFULL01", "name": "Full", "valid_roles": ["owner", "admin", "user"]}
    ])));
    let (code, v) = doctor_json(&sim, KEY, &demo_config());
    assert_eq!(code, 1, "{v}");
    let detail = check(&v, "licenses")["detail"].as_str().unwrap();
    assert_eq!(
        detail,
        "no licence of the account allows base role limited_user"
    );
    // Every role fits, but the full-user licence has no free allocation: a note, exit 0.
    let sim = Sim::start(licensed(serde_json::json!([
        {"id": "PFULL01", "name": "Full", "allocations_available": 0,
         "valid_roles": ["owner", "admin", "user", "limited_user", "observer", "restricted_access"]},
        {"id": "PSTAKE1", "name": "Stakeholder", "valid_roles": ["read_only_user", "read_only_limited_user"]}
    ])));
    let (code, v) = doctor_json(&sim, KEY, &demo_config());
    assert_eq!(code, 0, "{v}");
    assert_eq!(status(&v, "licenses"), "note");
    let detail = check(&v, "licenses")["detail"].as_str().unwrap();
    assert!(detail.contains("limited_user, admin, user"), "{detail}");
    assert!(!detail.contains("read_only_limited_user"), "{detail}");
}

#[test]
fn a_failing_request_fails_its_check_only() {
    let sim = Sim::start(demo_seed());
    sim.inject(Fault::new("GET", "/abilities", FaultKind::status(500)).always());
    let (code, v) = doctor_json(&sim, KEY, &demo_config());
    assert_eq!(code, 1, "{v}");
    assert_eq!(status(&v, "abilities"), "fail");
    assert!(
        check(&v, "abilities")["detail"]
            .as_str()
            .unwrap()
            .contains("HTTP 500")
    );
    for name in ["api_key", "from_user", "teams", "licenses"] {
        assert_eq!(status(&v, name), "pass", "{name}: {v}");
    }
}

#[test]
fn a_configured_archive_that_does_not_exist_is_a_note_and_an_existing_one_passes() {
    let sim = Sim::start(demo_seed());
    let dir = tempfile::tempdir().unwrap();
    let config = config_from(dir.path(), "provisioning-bot@example.com");
    let text = std::fs::read_to_string(&config).unwrap().replacen(
        "[lifecycle]\n",
        "[lifecycle]\ndeactivate = \"delete\"\narchive = \"archive.jsonl\"\n",
        1,
    );
    std::fs::write(&config, text).unwrap();
    let config = config.display().to_string();
    let (_, v) = doctor_json(&sim, KEY, &config);
    assert_eq!(status(&v, "archive"), "note", "{v:#}");
    assert!(
        check(&v, "archive")["detail"]
            .as_str()
            .unwrap()
            .contains("archive.jsonl does not exist"),
        "{v:#}"
    );
    std::fs::write(dir.path().join("archive.jsonl"), "").unwrap();
    let (_, v) = doctor_json(&sim, KEY, &config);
    assert_eq!(status(&v, "archive"), "pass", "{v:#}");
}

/// An archive whose folder does not exist fails the check (plan and apply would stop with
/// exit 64), with what to do; doctor creates nothing.
#[test]
fn an_archive_whose_folder_does_not_exist_fails_the_check() {
    let sim = Sim::start(demo_seed());
    let dir = tempfile::tempdir().unwrap();
    let config = config_from(dir.path(), "provisioning-bot@example.com");
    let text = std::fs::read_to_string(&config).unwrap().replacen(
        "[lifecycle]\n",
        "[lifecycle]\ndeactivate = \"delete\"\narchive = \"arch6/a.jsonl\"\n",
        1,
    );
    std::fs::write(&config, text).unwrap();
    let config = config.display().to_string();
    let (_, v) = doctor_json(&sim, KEY, &config);
    assert_eq!(status(&v, "archive"), "fail", "{v:#}");
    let c = check(&v, "archive");
    assert!(
        c["detail"]
            .as_str()
            .unwrap()
            .contains("arch6/a.jsonl does not exist: plan and apply stop (exit 64)"),
        "{v:#}"
    );
    assert!(
        c["fix"]
            .as_str()
            .unwrap()
            .starts_with("create it (mode 0700"),
        "{v:#}"
    );
    assert!(!dir.path().join("arch6").exists());
}

#[test]
fn a_licence_the_rules_name_that_plan_refuses_fails_doctor_too() {
    let sim = Sim::start(licensed(serde_json::json!([
        {"id": "PFULL01", "name": "Full",
         "valid_roles": ["owner", "admin", "user", "limited_user", "observer", "restricted_access"]},
        {"id": "PSTAKE1", "name": "Stakeholder", "valid_roles": ["read_only_user", "read_only_limited_user"]}
    ])));
    let dir = tempfile::tempdir().unwrap();
    let demo = std::fs::read_to_string(crate::support::repo("samples/demo/config.toml")).unwrap();
    for (extra, words) in [
        // The default role does not fit the default licence.
        (
            "default_license = \"Stakeholder\"\n",
            "roles.default: licence \"Stakeholder\" (PSTAKE1) does not allow base role limited_user",
        ),
        // A licence that is not the account's.
        (
            "default_license = \"Nope\"\n",
            "roles.default_license: PagerDuty has no licence \"Nope\"",
        ),
    ] {
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            demo.replacen("[roles]\n", &format!("[roles]\n{extra}"), 1),
        )
        .unwrap();
        let config = path.display().to_string();
        let (code, v) = doctor_json(&sim, KEY, &config);
        assert_eq!(code, 1, "{extra}: {v}");
        assert_eq!(status(&v, "licenses"), "fail", "{v}");
        let detail = check(&v, "licenses")["detail"].as_str().unwrap();
        assert!(detail.contains(words), "{detail}");
        // plan refuses the same configuration with the same words, exit 78.
        let hr = crate::support::e2e::demo_hr().display().to_string();
        let p = run(
            against(&sim, KEY),
            &["plan", "--config", &config, "--hr", &hr],
        );
        assert_eq!(p.code, 78, "{p:?}");
        assert!(p.stderr.contains(words), "{}", p.stderr);
    }
}
