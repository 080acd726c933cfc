use super::*;

/// The marker of employee `eid` suspended on `on` from base role `role` and `teams`, and
/// nothing else (no termination date, no leave, not restored from the archive, nothing
/// refused, not reactivating): the suspension record the marker, signing and planner tests
/// start from (a test sets any other field with `..`).
pub(crate) fn suspension_record(
    eid: &str,
    on: NaiveDate,
    role: Role,
    teams: Vec<SavedMembership>,
) -> Marker {
    Marker {
        employee_id: Some(eid.into()),
        suspended: Some(Suspension {
            on,
            role,
            teams,
            termination_date: None,
            leave: false,
            from_archive: None,
            refused: Vec::new(),
            reactivating: false,
        }),
        pending_termination: None,
        created: None,
    }
}

/// A suspension record (employee 3427, admin, manager of IT Operations), for the marker
/// tests and the signing tests.
pub(super) fn suspended() -> Marker {
    suspension_record(
        "3427",
        NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
        Role::Admin,
        vec![SavedMembership {
            id: "PT4KHLK".into(),
            name: Some("IT Operations".into()),
            role: TeamRole::Manager,
        }],
    )
}

#[test]
fn an_employee_id_longer_than_hr_allows_is_invalid_and_quoted_short() {
    let at_limit = "7".repeat(MAX_EMPLOYEE_ID_LEN);
    let line = |id: &str| {
        format!(
            "{PREFIX}{VERSION} {}",
            serde_json::json!({ "employee_id": id })
        )
    };
    assert!(matches!(
        parse(Some(&line(&at_limit))).marker,
        MarkerState::Valid(_)
    ));
    let huge = "7".repeat(3_000_000);
    let MarkerState::Invalid(why) = parse(Some(&line(&huge))).marker else {
        panic!("a 3,000,000-character ID is not a valid marker")
    };
    assert!(why.len() < 300, "{} characters", why.len());
    assert!(why.contains("(3000000 characters)"), "{why}");
    assert!(why.ends_with("is longer than 100 characters"), "{why}");
    // Nor does it claim that employee, read leniently.
    assert_eq!(claimed_employee_id(Some(&line(&huge))), None);
    let broken = format!("{PREFIX}{VERSION} {{\"employee_id\":\"{huge}");
    assert_eq!(claimed_employee_id(Some(&broken)), None);
    // A parser's message that quotes the value is cut too.
    let typed = format!("{PREFIX}{VERSION} {{\"employee_id\":7,\"suspended\":\"{huge}\"}}");
    let MarkerState::Invalid(why) = parse(Some(&typed)).marker else {
        panic!("not a marker")
    };
    assert!(why.len() < 300, "{} characters", why.len());
}

#[test]
fn a_dated_or_leave_suspension_round_trips_and_older_markers_read_as_neither() {
    let mut m = suspended();
    let s = m.suspended.as_mut().unwrap();
    s.termination_date = NaiveDate::from_ymd_opt(2026, 11, 30);
    s.leave = true;
    let line = render_line(&m);
    assert!(
        line.ends_with(r#""termination_date":"2026-11-30","leave":true}}"#),
        "{line}"
    );
    assert_eq!(parse(Some(&line)).marker, MarkerState::Valid(m));
    // The documented example, written before these fields existed, reads as a
    // status-decided suspension that is not a leave.
    let old = r#"hr2pagerduty:v1 {"employee_id":"3427","suspended":{"on":"2026-11-30","role":"admin","teams":[]}}"#;
    let MarkerState::Valid(m) = parse(Some(old)).marker else {
        panic!()
    };
    let s = m.suspended.unwrap();
    assert_eq!((s.termination_date, s.leave), (None, false));
}

#[test]
fn round_trips_and_keeps_human_text() {
    let m = suspended();
    let d = render("On call for the data platform.\nAsk me about Kafka.", &m);
    let p = parse(Some(&d));
    assert_eq!(
        p.human,
        "On call for the data platform.\nAsk me about Kafka."
    );
    assert_eq!(p.marker, MarkerState::Valid(m.clone()));
    assert_eq!(render(&p.human, &m), d);
}

#[test]
fn documented_example_parses() {
    let line = r#"hr2pagerduty:v1 {"employee_id":"3427","suspended":{"on":"2026-11-30","role":"admin","teams":[{"id":"PT4KHLK","name":"IT Operations","role":"manager"}]}}"#;
    assert_eq!(parse(Some(line)).marker, MarkerState::Valid(suspended()));
    assert_eq!(render_line(&suspended()), line);
}

#[test]
fn a_restore_in_progress_names_the_deleted_user_and_older_markers_still_read() {
    let mut m = suspended();
    if let Some(s) = &mut m.suspended {
        s.from_archive = Some("POLD001".into());
    }
    let line = render_line(&m);
    assert!(line.ends_with(r#"}],"from_archive":"POLD001"}}"#), "{line}");
    assert_eq!(parse(Some(&line)).marker, MarkerState::Valid(m));
    // Without the field (every marker written before archives existed): None.
    let old = render_line(&suspended());
    assert!(!old.contains("from_archive"));
}

#[test]
fn marker_only_and_absent() {
    let m = Marker {
        employee_id: Some("1".into()),
        suspended: None,
        pending_termination: None,
        created: None,
    };
    assert_eq!(render("", &m), r#"hr2pagerduty:v1 {"employee_id":"1"}"#);
    assert_eq!(parse(None).marker, MarkerState::Absent);
    assert_eq!(parse(Some("just a bio")).human, "just a bio");
}

#[test]
fn an_offboarding_record_names_no_employee() {
    let m = Marker {
        employee_id: None,
        ..suspended()
    };
    let line = render_line(&m);
    assert!(
        line.starts_with("hr2pagerduty:v1 {\"suspended\":"),
        "{line}"
    );
    assert_eq!(parse(Some(&line)).marker, MarkerState::Valid(m));
    assert!(matches!(
        parse(Some("hr2pagerduty:v1 {}")).marker,
        MarkerState::Invalid(why) if why.contains("no employee_id")
    ));
}

#[test]
fn a_broken_marker_still_claims_its_employee() {
    for d in [
        "hr2pagerduty:v2 {\"employee_id\":\"1005\"}",
        "Bio\nhr2pagerduty:v1 {\"employee_id\": \"1005\", oops",
    ] {
        assert_eq!(
            claimed_employee_id(Some(d)).as_ref().map(|id| id.as_str()),
            Some("1005"),
            "{d}"
        );
    }
    assert_eq!(claimed_employee_id(Some("hr2pagerduty:v1 {oops")), None);
    assert_eq!(claimed_employee_id(Some("just a bio")), None);
}

#[test]
fn broken_markers_are_invalid_not_errors() {
    for d in [
        "hr2pagerduty:v1 {not json",
        "hr2pagerduty:v9 {\"employee_id\":\"1\"}",
        "hr2pagerduty:v1 {\"employee_id\":\"  \"}",
        "hr2pagerduty:v1 {\"employee_id\":\"1\"}\nhr2pagerduty:v1 {\"employee_id\":\"2\"}",
    ] {
        let p = parse(Some(d));
        assert!(
            matches!(p.marker, MarkerState::Invalid(_)),
            "{d}: {:?}",
            p.marker
        );
    }
}

/// Found by the `marker` fuzz target: human lines were split with `str::lines` and
/// joined with `\n`, which drops the `\r` of a `\r\n` and one more before `\n` at each
/// parse, so every marker rewrite (a suspension, a reactivation) changed the bio.
#[test]
fn human_text_keeps_its_line_endings_through_a_marker_rewrite() {
    let d = "Likes pagers.\r\r\nOn call\r\nhr2pagerduty:v1 {\"employee_id\":\"7\"}\r\nWeekends";
    let p = parse(Some(d));
    assert_eq!(p.human, "Likes pagers.\r\r\nOn call\r\nWeekends");
    let m = Marker {
        employee_id: Some("7".into()),
        suspended: None,
        pending_termination: None,
        created: None,
    };
    assert_eq!(p.marker, MarkerState::Valid(m.clone()));
    let again = render(&p.human, &m);
    assert_eq!(
        again,
        "Likes pagers.\r\r\nOn call\r\nWeekends\nhr2pagerduty:v1 {\"employee_id\":\"7\"}"
    );
    assert_eq!(parse(Some(&again)), p);
}

/// Found by the `marker` fuzz target: serde reads a struct from a JSON array of its
/// fields too, so `["id"]` parsed as a valid marker for employee `id` while
/// `claimed_employee_id` (which reads objects) found no claim. Any shape but an object,
/// at the top or for `suspended` or one of its teams, is now an invalid marker.
#[test]
fn a_marker_that_is_not_a_json_object_is_invalid() {
    for json in [
        r#"["id"]"#,
        r#"["3427",{"on":"2026-11-30","role":"admin","teams":[]}]"#,
        r#"{"employee_id":"3427","suspended":["2026-11-30","admin",[]]}"#,
        r#"{"employee_id":"3427","suspended":{"on":"2026-11-30","role":"admin","teams":[["PT4KHLK",null,"manager"]]}}"#,
        r#""3427""#,
        "3427",
        "null",
    ] {
        let d = format!("Bio\nhr2pagerduty:v1 {json}");
        let p = parse(Some(&d));
        assert!(
            matches!(&p.marker, MarkerState::Invalid(why) if why.contains("not a JSON object")),
            "{json}: {:?}",
            p.marker
        );
        assert_eq!(p.human, "Bio");
    }
    // The object forms of the same data stay valid, and `suspended: null` is no
    // suspension.
    let ok = r#"hr2pagerduty:v1 {"employee_id":"3427","suspended":{"on":"2026-11-30","role":"admin","teams":[{"id":"PT4KHLK","role":"manager"}]}}"#;
    assert!(matches!(parse(Some(ok)).marker, MarkerState::Valid(_)));
    let null = r#"hr2pagerduty:v1 {"employee_id":"3427","suspended":null}"#;
    assert_eq!(
        parse(Some(null)).marker,
        MarkerState::Valid(Marker {
            employee_id: Some("3427".into()),
            suspended: None,
            pending_termination: None,
            created: None,
        })
    );
}
