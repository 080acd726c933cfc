//! Configuration tests: loading, defaults, line-numbered problems, the connection's
//! precedence and URL policy.

use super::*;
use std::path::PathBuf;

const GOOD: &str = r#"
[pagerduty]
from = "bot@example.com"

[hr]
date_format = "%d-%b-%y"

[hr.columns]
employee_id = "EmpID"
email = "ADEmail"
first_name = "FirstName"
last_name = "LastName"
status = "EmployeeStatus"
department = "DepartmentType"
job_title = "Title"

[hr.status]
active = ["Active", "Leave of Absence"]
terminated = ["Voluntarily Terminated"]

[lifecycle]
suspended_role = "read_only_limited_user"
protected = ["owner@example.com"]
default_time_zone = "America/New_York"

[roles]
default = "limited_user"
[[roles.rule]]
when = { department = "IT/IS", job_title = ["IT Manager - Infra"] }
role = "admin"

[[teams.rule]]
when = { department = "IT/IS" }
team = "IT Operations"
role = "responder"
"#;

fn load(text: &str) -> Result<Config, ConfigError> {
    Config::from_toml(text, Path::new("cfg.toml"))
}

#[test]
fn a_complete_file_loads_with_defaults() {
    let c = load(GOOD).unwrap();
    assert_eq!(c.pagerduty.requests_per_minute, 960);
    assert_eq!(c.pagerduty.concurrency, 32);
    assert_eq!(c.pagerduty.create_concurrency, 16);
    assert_eq!(
        c.pagerduty.rate_limit_wait,
        std::time::Duration::from_secs(600)
    );
    assert_eq!(c.roles.rules.len(), 1);
    assert_eq!(c.safety.caps.max_deactivations, 25);
    assert_eq!(c.hr.delimiter, b',');
}

#[test]
fn unknown_key_is_named_with_its_line() {
    let text = GOOD.replace("date_format", "date_fromat");
    let err = load(&text).unwrap_err().to_string();
    assert!(err.contains("date_fromat"), "{err}");
    assert!(err.contains("line 6"), "{err}");
}

#[test]
fn bad_role_and_unmapped_rule_field_are_reported_with_lines() {
    let text = GOOD
        .replace("role = \"admin\"", "role = \"superuser\"")
        .replace(
            "when = { department = \"IT/IS\" }",
            "when = { location = \"HQ\" }",
        );
    let err = load(&text).unwrap_err();
    let ConfigError::Invalid { problems, .. } = err else {
        panic!("{err}")
    };
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert_eq!(problems[0].key, "roles.rule #1 role");
    assert_eq!(problems[0].line, Some(30));
    assert!(problems[0].message.contains("superuser"));
    assert_eq!(problems[1].key, "teams.rule #1 when.location");
    assert!(problems[1].message.contains("department"));
    // teams.rule problems carry their line as roles.rule problems do (issue 10).
    assert!(problems[1].line.is_some(), "{problems:?}");
}

#[test]
fn a_team_rule_naming_no_team_is_reported_with_its_line() {
    let text = GOOD.replace("team = \"IT Operations\"", "team = \" \"");
    let line = text.lines().position(|l| l == "team = \" \"").unwrap() + 1;
    let ConfigError::Invalid { problems, .. } = load(&text).unwrap_err() else {
        panic!("not a validation error")
    };
    let got: Vec<(&str, Option<usize>)> =
        problems.iter().map(|p| (p.key.as_str(), p.line)).collect();
    assert_eq!(got, [("teams.rule #1 team", Some(line))]);
}

#[test]
fn time_zone_and_rate_are_checked() {
    let text = GOOD.replace("America/New_York", "US/Mountain").replace(
        "from = \"bot@example.com\"",
        "from = \"bot@example.com\"\nrequests_per_minute = 0",
    );
    let err = load(&text).unwrap_err().to_string();
    assert!(err.contains("US/Mountain"), "{err}");
    assert!(
        err.contains("requests_per_minute") && err.contains("960"),
        "{err}"
    );
}

#[test]
fn rates_above_960_are_allowed_and_the_client_limits_are_ranged() {
    let with = |extra: &str| {
        GOOD.replace(
            "from = \"bot@example.com\"",
            &format!("from = \"bot@example.com\"\n{extra}"),
        )
    };
    // A simulator's scaled-up budget, burst included: accepted (the client warns at run
    // time unless the server advertises as much).
    let c = load(&with("requests_per_minute = 60000\nburst = 60")).unwrap();
    assert_eq!(
        (c.pagerduty.requests_per_minute, c.pagerduty.burst),
        (60_000, 60)
    );
    let c = load(&with(
        "concurrency = 256\ncreate_concurrency = 64\nrate_limit_wait_seconds = 86400",
    ))
    .unwrap();
    assert_eq!(
        (c.pagerduty.concurrency, c.pagerduty.create_concurrency),
        (256, 64)
    );
    assert_eq!(
        c.pagerduty.rate_limit_wait,
        std::time::Duration::from_secs(86_400)
    );
    for (extra, key) in [
        (
            "requests_per_minute = 1000001",
            "pagerduty.requests_per_minute",
        ),
        ("concurrency = 257", "pagerduty.concurrency"),
        ("concurrency = 0", "pagerduty.concurrency"),
        ("create_concurrency = 0", "pagerduty.create_concurrency"),
        ("create_concurrency = 65", "pagerduty.create_concurrency"),
        (
            "rate_limit_wait_seconds = 0",
            "pagerduty.rate_limit_wait_seconds",
        ),
        (
            "rate_limit_wait_seconds = 86401",
            "pagerduty.rate_limit_wait_seconds",
        ),
    ] {
        let err = load(&with(extra)).unwrap_err();
        let ConfigError::Invalid { problems, .. } = err else {
            panic!("{extra}: {err}")
        };
        assert_eq!(problems.len(), 1, "{extra}: {problems:?}");
        assert_eq!(problems[0].key, key, "{extra}");
        assert_eq!(problems[0].line, Some(4), "{extra}: {problems:?}");
    }
}

#[test]
fn settings_precedence_is_flag_then_env_then_file() {
    let mut c = load(GOOD).unwrap();
    c.pagerduty.api_url = Some("https://api.eu.pagerduty.com".into());
    let s = Connection::resolve(None, None, Some("k"), &c).unwrap();
    assert_eq!(s.api_url, "https://api.eu.pagerduty.com");
    assert_eq!(s.api_url_source, ApiUrlSource::File);
    let s = Connection::resolve(None, Some("http://127.0.0.1:9/"), Some("k"), &c).unwrap();
    assert_eq!(s.api_url, "http://127.0.0.1:9");
    assert_eq!(s.api_url_source, ApiUrlSource::Environment);
    let s = Connection::resolve(
        Some("http://127.0.0.1:1"),
        Some("http://127.0.0.1:9"),
        Some("k"),
        &c,
    )
    .unwrap();
    assert_eq!(s.api_url, "http://127.0.0.1:1");
    assert_eq!(s.api_url_source, ApiUrlSource::Flag);
    c.pagerduty.api_url = None;
    let s = Connection::resolve(None, None, Some("k"), &c).unwrap();
    assert_eq!(
        (s.api_url.as_str(), s.api_url_source),
        (DEFAULT_API_URL, ApiUrlSource::Default)
    );
    // The notification's account before the connection is resolved: the same rule.
    assert_eq!(
        api_url_of(None, None, &c),
        (DEFAULT_API_URL, ApiUrlSource::Default)
    );
    assert!(
        Connection::resolve(None, None, None, &c)
            .unwrap_err()
            .contains("PAGERDUTY_API_KEY")
    );
}

#[test]
fn an_empty_api_url_is_refused_and_never_means_production() {
    let c = load(GOOD).unwrap();
    for empty in ["", "  "] {
        let err = Connection::resolve(None, Some(empty), Some("k"), &c).unwrap_err();
        assert!(
            err.starts_with("PAGERDUTY_API_URL is set but empty"),
            "{err}"
        );
        let err = Connection::resolve(Some(empty), None, Some("k"), &c).unwrap_err();
        assert!(err.starts_with("--api-url is empty"), "{err}");
    }
    // A flag given wins over an empty variable, as it wins over any.
    let s = Connection::resolve(Some("http://127.0.0.1:9"), Some(""), Some("k"), &c).unwrap();
    assert_eq!(s.api_url, "http://127.0.0.1:9");
}

#[test]
fn api_urls_must_be_https_except_to_loopback() {
    assert!(check_api_url("https://api.eu.pagerduty.com").is_ok());
    assert!(check_api_url("http://127.0.0.1:8080").is_ok());
    assert!(check_api_url("http://localhost:1").is_ok());
    assert!(check_api_url("http://[::1]:1").is_ok());
    for bad in [
        "http://api.pagerduty.com",
        "http://127.0.0.1.attacker.example",
        "http://localhost.attacker.example:80",
        "ftp://127.0.0.1",
        "api.pagerduty.com",
    ] {
        assert!(check_api_url(bad).is_err(), "{bad}");
    }
    let c = load(GOOD).unwrap();
    let err =
        Connection::resolve(Some("http://pagerduty.example.com"), None, Some("k"), &c).unwrap_err();
    assert!(err.contains("https"), "{err}");
    // r10h 3: user-info is refused without quoting the URL, parsable or not, in the API
    // URL and the notification URL alike.
    for bad in [
        "https://user:SECRETpw1@api.pagerduty.com",
        "https://SECRETpw1@api.pagerduty.com/path",
        "http://u:SECRETpw1@127.0.0.1:8080",
        "https://u:SECRETpw1@api.pagerduty.com:bad",
    ] {
        let err = check_api_url(bad).unwrap_err();
        assert!(
            err.contains("user name or password") && !err.contains("SECRETpw"),
            "{err}"
        );
        let err = crate::config::NotifyUrl::parse(bad, "--notify").unwrap_err();
        assert!(
            err.contains("notification URL") && !err.contains("SECRETpw"),
            "{err}"
        );
    }
    // An `@` in the path or the query is no user-info.
    assert!(check_api_url("https://api.pagerduty.com/a@b?c=d@e").is_ok());
    assert!(
        crate::config::NotifyUrl::parse("https://hooks.example.com/x?to=a@b", "--notify").is_ok()
    );
}

#[test]
fn a_suspended_role_must_not_let_a_leaver_act() {
    let text = GOOD.replace(
        "suspended_role = \"read_only_limited_user\"",
        "suspended_role = \"limited_user\"",
    );
    let err = load(&text).unwrap_err().to_string();
    assert!(
        err.contains("lifecycle.suspended_role") && err.contains("able to act"),
        "{err}"
    );
}

#[test]
fn condition_values_compare_trimmed_and_case_insensitively() {
    let v = OneOrMany::Many(vec!["IT/IS".into(), "Sales".into()]);
    assert!(v.matches("  it/is "));
    assert!(!v.matches("Production"));
}

#[test]
fn the_resolved_sections_hold_plain_values() {
    let text = GOOD
        .replace(
            "date_format = \"%d-%b-%y\"",
            "date_format = \"%d-%b-%y\"\ndelimiter = \"tab\"",
        )
        .replace(
            "protected = [\"owner@example.com\"]",
            "protected = [\" Owner@Example.com \", \"bot@example.com\"]",
        )
        .replace("team = \"IT Operations\"", "team = \"  IT Operations \"")
        .replace(
            "from = \"bot@example.com\"",
            "from = \"Bot@Example.com\"\nrequest_timeout_seconds = 7",
        );
    let c = load(&text).unwrap();
    assert_eq!(c.hr.delimiter, b'\t');
    assert_eq!(c.hr.name_order, NameOrder::FirstLast);
    assert_eq!(c.hr.encoding, Encoding::Utf8);
    assert_eq!(c.pagerduty.from.as_str(), "bot@example.com");
    assert_eq!(
        c.pagerduty.request_timeout,
        std::time::Duration::from_secs(7)
    );
    assert_eq!(c.pagerduty.burst, DEFAULT_BURST);
    let protected: Vec<&str> = c.lifecycle.protected.iter().map(|e| e.as_str()).collect();
    assert_eq!(protected, ["bot@example.com", "owner@example.com"]);
    assert_eq!(
        c.lifecycle.suspended_role,
        crate::vocab::Role::ReadOnlyLimitedUser
    );
    assert_eq!(c.lifecycle.unmanaged_users, UnmanagedUsers::Ignore);
    assert_eq!(c.teams.rules[0].team, "IT Operations");
    assert_eq!(c.roles.rules[0].role, crate::vocab::Role::Admin);
    assert_eq!(
        c.hr.rule_fields(),
        [
            "department",
            "email",
            "employee_id",
            "first_name",
            "job_title",
            "last_name",
            "status"
        ]
    );
}

#[test]
fn a_lock_dir_that_is_set_is_resolved_against_the_config_files_directory() {
    let at = |path: &str, extra: &str| {
        Config::from_toml(&format!("{GOOD}{extra}"), Path::new(path))
            .unwrap()
            .safety
            .lock_dir
    };
    // Unset: no directory of the configuration's, the machine-wide default.
    assert_eq!(at("cfg.toml", ""), None);
    assert_eq!(at("/etc/h2p/cfg.toml", ""), None);
    let relative = "\n[safety]\nlock_dir = \"locks\"\n";
    assert_eq!(
        at("/etc/h2p/cfg.toml", relative),
        Some(PathBuf::from("/etc/h2p/locks"))
    );
    let absolute = "\n[safety]\nlock_dir = \"/var/lock/h2p\"\n";
    assert_eq!(
        at("/etc/h2p/cfg.toml", absolute),
        Some(PathBuf::from("/var/lock/h2p"))
    );
}

#[test]
fn a_type_error_names_the_table_as_it_always_has() {
    // The schema's Rust types are private; their messages keep the documented names.
    for (text, name) in [
        ("pagerduty = 5", "struct PagerDutyConfig"),
        ("hr = 5", "struct HrConfig"),
        ("lifecycle = 5", "struct LifecycleConfig"),
        ("roles = 5", "struct RolesConfig"),
        ("teams = 5", "struct TeamsConfig"),
        ("safety = 5", "struct SafetyConfig"),
        ("teams = { rule = [5] }", "struct TeamRule"),
        (
            "roles = { default = \"user\", rule = [5] }",
            "struct RoleRule",
        ),
        ("hr = { columns = 5 }", "struct Columns"),
    ] {
        let err = load(text).unwrap_err().to_string();
        assert!(err.contains(&format!("expected {name}")), "{text}: {err}");
    }
}

#[test]
fn problems_without_a_span_have_no_line_and_keep_section_order() {
    let text = GOOD
        .replace("date_format = \"%d-%b-%y\"", "name_order = \"first_last\"")
        .replace(
            "[[teams.rule]]",
            "[safety]\nmax_shrink_percent = 101\n\n[[teams.rule]]",
        )
        .replace("role = \"responder\"", "role = \"boss\"");
    let ConfigError::Invalid { problems, .. } = load(&text).unwrap_err() else {
        panic!("not a validation error")
    };
    let keys: Vec<(&str, Option<usize>)> =
        problems.iter().map(|p| (p.key.as_str(), p.line)).collect();
    assert_eq!(
        keys,
        [
            ("hr.name_order", None),
            ("teams.rule #1 role", Some(38)),
            ("safety.max_shrink_percent", None),
        ]
    );
}

#[test]
fn the_largest_request_budget_is_refused_without_overflowing() {
    // u32::MAX is reported as out of range (a former rate-plus-burst message once overflowed
    // on it).
    let text = GOOD.replace(
        "from = \"bot@example.com\"",
        "from = \"bot@example.com\"\nrequests_per_minute = 4294967295",
    );
    let err = load(&text).unwrap_err().to_string();
    assert!(err.contains("4294967295 is outside 1..=1000000"), "{err}");
}

#[test]
fn deprecated_and_misplaced_roles_are_reported_with_their_lines() {
    let text = GOOD
        .replace("default = \"limited_user\"", "default = \"team_responder\"")
        .replace("role = \"admin\"", "role = \"manager\"")
        .replace("role = \"responder\"", "role = \"admin\"");
    let err = load(&text).unwrap_err();
    let ConfigError::Invalid { problems, .. } = err else {
        panic!("{err}")
    };
    let got: Vec<(&str, Option<usize>)> =
        problems.iter().map(|p| (p.key.as_str(), p.line)).collect();
    assert_eq!(
        got,
        [
            ("roles.default", Some(27)),
            ("roles.rule #1 role", Some(30)),
            ("teams.rule #1 role", Some(35)),
        ],
        "{problems:#?}"
    );
    assert!(
        problems[0].message.contains(
            "\"team_responder\" is a legacy base role PagerDuty deprecated on 2019-04-26"
        ),
        "{}",
        problems[0].message
    );
    assert!(
        problems[1]
            .message
            .contains("\"manager\" is a team role, not a base role"),
        "{}",
        problems[1].message
    );
    assert!(
        problems[2]
            .message
            .starts_with("\"admin\" is not a team role")
            && problems[2].message.contains("is a base role"),
        "{}",
        problems[2].message
    );
    // The suspended role is checked against the same vocabulary.
    let text = GOOD.replace(
        "suspended_role = \"read_only_limited_user\"",
        "suspended_role = \"team_responder\"",
    );
    let err = load(&text).unwrap_err().to_string();
    assert!(
        err.contains("line 22") && err.contains("deprecated"),
        "{err}"
    );
}

#[test]
fn licences_are_named_by_nonempty_strings_and_the_new_caps_have_defaults() {
    let text = GOOD
        .replace(
            "default = \"limited_user\"",
            "default = \"limited_user\"\ndefault_license = \"Full User\"",
        )
        .replace("role = \"admin\"", "role = \"admin\"\nlicense = \"  \"");
    let err = load(&text).unwrap_err();
    let ConfigError::Invalid { problems, .. } = err else {
        panic!("{err}")
    };
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(
        (problems[0].key.as_str(), problems[0].line),
        ("roles.rule #1 license", Some(32))
    );
    let ok = text.replace("license = \"  \"", "license = \" PFULL01 \"");
    let c = load(&ok).unwrap();
    assert_eq!(c.roles.default_license.as_deref(), Some("Full User"));
    assert_eq!(c.roles.rules[0].license.as_deref(), Some("PFULL01"));
    assert_eq!(c.safety.caps.max_probable_duplicates, 5);
    assert_eq!(c.safety.caps.max_identity_conflicts, 5);
    assert_eq!(c.safety.caps.max_identity_conflict_percent, 10.0);
    assert_eq!(c.safety.caps.max_rekeys, 25);
    let offboard = GOOD.replace(
        "default_time_zone",
        "unmanaged_users = \"offboard\"\ndefault_time_zone",
    );
    assert_eq!(
        load(&offboard).unwrap().lifecycle.unmanaged_users,
        UnmanagedUsers::Offboard
    );
}

#[test]
fn dated_lifecycle_settings_default_and_load() {
    let c = load(GOOD).unwrap();
    assert_eq!(c.lifecycle.provision_days_before_start, 0);
    assert_eq!(
        c.lifecycle.past_termination_date,
        PastTerminationDate::Status
    );
    assert_eq!(c.lifecycle.on_leave, OnLeave::Keep);
    let text = GOOD
        .replace(
            "default_time_zone = \"America/New_York\"",
            "default_time_zone = \"America/New_York\"\nprovision_days_before_start = 7\npast_termination_date = \"date\"\non_leave = \"suspend\"",
        )
        .replace(
            "active = [\"Active\", \"Leave of Absence\"]",
            "active = [\"Active\"]\nleave = [\"Leave of Absence\"]",
        );
    let c = load(&text).unwrap();
    assert_eq!(c.lifecycle.provision_days_before_start, 7);
    assert_eq!(c.lifecycle.past_termination_date, PastTerminationDate::Date);
    assert_eq!(c.lifecycle.on_leave, OnLeave::Suspend);
    assert_eq!(c.hr.status.leave, ["Leave of Absence"]);
}

#[test]
fn bad_dated_lifecycle_values_are_named_with_their_lines() {
    let with = |line: &str| {
        GOOD.replace(
            "default_time_zone = \"America/New_York\"",
            &format!("default_time_zone = \"America/New_York\"\n{line}"),
        )
    };
    // Out of range: a validation problem at the key's line (the line after
    // default_time_zone, line 25).
    for days in ["366", "-1"] {
        let err = load(&with(&format!("provision_days_before_start = {days}"))).unwrap_err();
        let ConfigError::Invalid { problems, .. } = err else {
            panic!("{err}")
        };
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].key, "lifecycle.provision_days_before_start");
        assert_eq!(problems[0].line, Some(25));
        assert!(problems[0].message.contains("0 to 365"), "{problems:?}");
    }
    // Not one of the values, or the wrong type: serde names the key and its line.
    for (line, want) in [
        (
            "past_termination_date = \"hr\"",
            "expected `status` or `date`",
        ),
        ("on_leave = \"pause\"", "expected `keep` or `suspend`"),
        ("provision_days_before_start = \"a week\"", "expected i64"),
    ] {
        let err = load(&with(line)).unwrap_err().to_string();
        assert!(err.contains("line 25"), "{line}: {err}");
        assert!(err.contains(want), "{line}: {err}");
    }
}

#[test]
fn a_leave_value_needs_the_status_column_and_one_state() {
    let text = GOOD.replace(
        "terminated = [\"Voluntarily Terminated\"]",
        "terminated = [\"Voluntarily Terminated\"]\nleave = [\"leave of absence\"]",
    );
    let err = load(&text).unwrap_err().to_string();
    assert!(
        err.contains("`hr.status.leave`: \"leave of absence\" is also listed under active"),
        "{err}"
    );
    let text = GOOD
        .replace("status = \"EmployeeStatus\"\n", "")
        .replace(
            "[hr.status]\nactive = [\"Active\", \"Leave of Absence\"]\nterminated = [\"Voluntarily Terminated\"]\n",
            "[hr.status]\nleave = [\"Leave\"]\n",
        );
    let err = load(&text).unwrap_err().to_string();
    assert!(
        err.contains("values are listed but hr.columns.status is not mapped"),
        "{err}"
    );
}

/// GOOD with `extra` added to `[lifecycle]`.
fn with_lifecycle(extra: &str) -> String {
    GOOD.replace(
        "default_time_zone = \"America/New_York\"",
        &format!("default_time_zone = \"America/New_York\"\n{extra}"),
    )
}

#[test]
fn leavers_are_suspended_by_default_and_nothing_is_deleted() {
    let c = load(GOOD).unwrap();
    assert_eq!(c.lifecycle.deactivate, DeactivationMode::Suspend);
    assert_eq!(c.lifecycle.delete_suspended_after_days, None);
    assert_eq!(c.lifecycle.archive, None);
    assert!(!c.lifecycle.deletes());
    assert_eq!(c.safety.caps.max_deletions, 10);
}

#[test]
fn deletion_modes_resolve_the_archive_against_the_config_files_directory() {
    let at = |path: &str, extra: &str| {
        Config::from_toml(&with_lifecycle(extra), Path::new(path))
            .unwrap()
            .lifecycle
    };
    let l = at(
        "/etc/h2p/cfg.toml",
        "deactivate = \"delete\"\narchive = \"deleted.jsonl\"",
    );
    assert_eq!(l.deactivate, DeactivationMode::Delete);
    assert!(l.deletes());
    assert_eq!(l.archive, Some(PathBuf::from("/etc/h2p/deleted.jsonl")));
    let l = at(
        "cfg.toml",
        "delete_suspended_after_days = 30\narchive = \"/srv/share/h2p.jsonl\"",
    );
    assert_eq!(l.deactivate, DeactivationMode::Suspend);
    assert_eq!(l.delete_suspended_after_days, Some(30));
    assert!(l.deletes());
    assert_eq!(l.archive, Some(PathBuf::from("/srv/share/h2p.jsonl")));
    // An archive without deletion is read for rehires (e.g. after going back to suspend).
    let l = at("cfg.toml", "archive = \"a.jsonl\"");
    assert!(!l.deletes());
    assert_eq!(l.archive, Some(PathBuf::from("./a.jsonl")));
}

#[test]
fn deletion_without_an_archive_and_contradictory_settings_are_refused_with_lines() {
    let problems = |extra: &str| {
        let ConfigError::Invalid { problems, .. } = load(&with_lifecycle(extra)).unwrap_err()
        else {
            panic!("not a validation error")
        };
        problems
            .into_iter()
            .map(|p| (p.key, p.line, p.message))
            .collect::<Vec<_>>()
    };
    let p = problems("deactivate = \"delete\"");
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(
        (p[0].0.as_str(), p[0].1),
        ("lifecycle.deactivate", Some(25))
    );
    assert!(
        p[0].2
            .starts_with("deleting users needs [lifecycle] archive = \"PATH\"")
    );
    assert!(
        p[0].2.contains("durable storage that every machine"),
        "{}",
        p[0].2
    );
    let p = problems("delete_suspended_after_days = 30");
    assert_eq!(
        (p[0].0.as_str(), p[0].1),
        ("lifecycle.delete_suspended_after_days", Some(25))
    );
    let p = problems("delete_suspended_after_days = 0\narchive = \"a.jsonl\"");
    assert!(
        p.len() == 1 && p[0].2.starts_with("must be at least 1"),
        "{p:?}"
    );
    let p =
        problems("deactivate = \"delete\"\ndelete_suspended_after_days = 3\narchive = \"a.jsonl\"");
    assert!(
        p.len() == 1
            && p[0]
                .2
                .starts_with("applies only with deactivate = \"suspend\""),
        "{p:?}"
    );
    let p = problems("deactivate = \"delete\"\narchive = \"\"");
    assert!(
        p.len() == 1 && (p[0].0.as_str(), p[0].1) == ("lifecycle.archive", Some(26)),
        "{p:?}"
    );
    let err = load(&with_lifecycle("deactivate = \"remove\""))
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown variant `remove`"), "{err}");
}

#[test]
fn samples_config_toml_shows_every_lifecycle_key_that_readme_documents() {
    // The demo configuration says samples/config.toml documents every key: each key of
    // README's [lifecycle] table is set or shown commented out in its [lifecycle] section.
    let readme = include_str!("../../README.md");
    let table = readme
        .split("### `[lifecycle]`")
        .nth(1)
        .and_then(|t| t.split("\n### ").next())
        .unwrap();
    let keys: Vec<&str> = table
        .lines()
        .filter_map(|l| l.strip_prefix("| `")?.split('`').next())
        .collect();
    assert!(keys.contains(&"termination_catch_up_days"), "{keys:?}");
    let sample = include_str!("../../samples/config.toml");
    let section = sample
        .split("\n[lifecycle]\n")
        .nth(1)
        .and_then(|s| s.split("\n[").next())
        .unwrap();
    for key in keys {
        assert!(
            section.lines().any(|l| {
                let l = l.trim_start_matches('#').trim_start();
                l.starts_with(&format!("{key} =")) || l.starts_with(&format!("{key}="))
            }),
            "samples/config.toml [lifecycle] does not show {key}"
        );
    }
}

/// `doctor` shows names outside PagerDuty's vocabulary as a failed check with their lines
/// instead of refusing the file (r10h 01): such a file loads there, the names kept as
/// written, and every other problem still refuses it; `Config::from_toml` refuses both.
#[test]
fn vocabulary_problems_alone_load_for_doctor_with_their_lines() {
    let bad = GOOD
        .replace("America/New_York", "Mars/Olympus")
        .replace("default = \"limited_user\"", "default = \"superuser\"")
        .replace("role = \"responder\"", "role = \"captain\"");
    let path = Path::new("cfg.toml");
    let (cfg, problems) = Config::from_toml_keeping_vocabulary(&bad, path).unwrap();
    assert_eq!(cfg.lifecycle.default_time_zone, "Mars/Olympus");
    assert_eq!(cfg.roles.default.as_str(), "superuser");
    let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert_eq!(shown.len(), 3, "{shown:?}");
    assert!(
        shown[0].starts_with("line 24: `lifecycle.default_time_zone`: \"Mars/Olympus\""),
        "{shown:?}"
    );
    assert!(
        shown[1].starts_with("line 27: `roles.default`: \"superuser\""),
        "{shown:?}"
    );
    assert!(
        shown[2].contains("`teams.rule #1 role`: \"captain\" is not a team role"),
        "{shown:?}"
    );
    assert!(load(&bad).is_err());
    // A suspended role PagerDuty does not know is vocabulary; one it knows but that leaves
    // a leaver able to act is not, nor is owner, nor any other problem.
    let unknown = GOOD.replace("\"read_only_limited_user\"", "\"nobody\"");
    assert!(Config::from_toml_keeping_vocabulary(&unknown, path).is_ok());
    for refused in [
        GOOD.replace("\"read_only_limited_user\"", "\"admin\""),
        GOOD.replace("default = \"limited_user\"", "default = \"owner\""),
        bad.replace("from = \"bot@example.com\"", "from = \"not an email\""),
    ] {
        assert!(
            Config::from_toml_keeping_vocabulary(&refused, path).is_err(),
            "{refused}"
        );
    }
}

/// A key file holds its key on one line, closed by at most one line ending: "KEY\n\n" was
/// accepted though README § Secrets says a file of two lines is exit 64 (r10h 5).
#[test]
fn a_key_file_with_a_blank_second_line_is_refused_and_one_line_ending_is_not() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("key");
    let key = "0123456789abcdef0123456789abcdef";
    for (text, ok) in [
        (format!("{key}\n"), true),
        (format!("{key}\r\n"), true),
        (format!("  {key}  \n"), true),
        (key.to_string(), true),
        (format!("{key}\n\n"), false),
        (format!("{key}\r\n\r\n"), false),
        (format!("\n{key}\n"), false),
    ] {
        std::fs::write(&path, &text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let read = read_secret_file(&path, "marker key");
        match read {
            Ok(s) => {
                assert!(ok, "{text:?} was accepted");
                assert_eq!(secrecy::ExposeSecret::expose_secret(&s), key);
            }
            Err(e) => {
                assert!(!ok, "{text:?}: {e}");
                assert!(e.contains("holds more than one line"), "{e}");
                assert!(!e.contains(key), "{e}");
            }
        }
    }
}
