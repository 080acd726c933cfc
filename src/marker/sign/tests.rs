use super::*;
use crate::marker::tests::suspended;
use crate::marker::{MarkerState, parse, render_line_with, render_with};
use chrono::NaiveDate;

const KEY: &str = "0123456789abcdef0123456789abcdef";
const OTHER: &str = "fedcba9876543210fedcba9876543210";
/// The email of the user carrying the markers of these tests.
const ANN: &str = "ann@example.com";

fn keys(current: &str, previous: Option<&str>) -> MarkerKeys {
    MarkerKeys::new(
        MarkerKey::new("K", current).unwrap(),
        previous.map(|p| MarkerKey::new("P", p).unwrap()),
    )
}

fn active() -> Marker {
    Marker {
        employee_id: Some("3427".into()),
        suspended: None,
        pending_termination: None,
        created: None,
    }
}

/// The marker `line` says, with its `sig`.
fn read(line: &str) -> (Marker, Option<String>) {
    let p = parse(Some(line));
    match p.marker {
        MarkerState::Valid(m) => (m, p.sig),
        other => panic!("{line}: {other:?}"),
    }
}

/// The tags were computed outside this crate, with
/// `printf '%s\nuser:%s' "$CANONICAL" ann@example.com | openssl dgst -sha256 -hmac "$KEY"`
/// (and, unbound, `printf '%s' "$CANONICAL" | ...`) cut to 32 hex digits: the canonical
/// form and the tag are what README.md documents, and stay so.
#[test]
fn the_canonical_form_and_tag_are_stable_and_match_openssl() {
    assert_eq!(
        canonical(&active()),
        r#"hr2pagerduty:v1 {"employee_id":"3427"}"#
    );
    assert_eq!(
        canonical_for(&active(), " Ann@Example.com "),
        "hr2pagerduty:v1 {\"employee_id\":\"3427\"}\nuser:ann@example.com"
    );
    let k = keys(KEY, None);
    assert_eq!(k.sign(&active(), ANN), "97a710c266c576066e059094303ca855");
    assert_eq!(
        render_line_with(&active(), Some(&k), ANN),
        r#"hr2pagerduty:v1 {"employee_id":"3427","sig":"97a710c266c576066e059094303ca855"}"#
    );
    // The tag of the construction before the binding still verifies, as unbound.
    let unbound = Some("be3d6ace384446f1aaa8488ddbcf7469");
    assert_eq!(k.check(&active(), unbound, ANN), Verdict::Unbound);
    assert_eq!(
        keys(OTHER, Some(KEY)).check(&active(), unbound, ANN),
        Verdict::Unbound
    );
    assert_eq!(
        keys(OTHER, None).check(&active(), unbound, ANN),
        Verdict::Failed
    );
}

/// A signed marker copied onto another user (a replay) does not verify there; nor does
/// one whose user's email changed outside hr2pagerduty. Case and white space of the
/// email as PagerDuty holds it do not matter.
#[test]
fn a_tag_is_bound_to_the_email_of_the_user_carrying_it() {
    let k = keys(KEY, None);
    let (m, sig) = read(&render_line_with(&suspended(), Some(&k), ANN));
    assert_eq!(k.check(&m, sig.as_deref(), ANN), Verdict::Current);
    assert_eq!(
        k.check(&m, sig.as_deref(), " ANN@example.COM"),
        Verdict::Current
    );
    assert_eq!(
        k.check(&m, sig.as_deref(), "carl@example.com"),
        Verdict::Failed
    );
    let rotating = keys(OTHER, Some(KEY));
    assert_eq!(rotating.check(&m, sig.as_deref(), ANN), Verdict::Previous);
    assert_eq!(
        rotating.check(&m, sig.as_deref(), "carl@example.com"),
        Verdict::Failed
    );
}

#[test]
fn a_signed_marker_round_trips_and_verifies_with_the_current_key_only() {
    let k = keys(KEY, None);
    for m in [active(), suspended()] {
        let d = render_with("Ask me about Kafka.", &m, Some(&k), ANN);
        let p = parse(Some(&d));
        assert_eq!(p.human, "Ask me about Kafka.");
        assert_eq!(p.marker, MarkerState::Valid(m.clone()));
        assert_eq!(k.check(&m, p.sig.as_deref(), ANN), Verdict::Current);
        assert_eq!(
            keys(OTHER, None).check(&m, p.sig.as_deref(), ANN),
            Verdict::Failed
        );
        // Unsigned rendering is today's v1 line, which still reads.
        let (plain, sig) = read(&crate::marker::render_line(&m));
        assert_eq!((plain, sig), (m.clone(), None));
        assert_eq!(k.check(&m, None, ANN), Verdict::Unsigned);
    }
}

#[test]
fn the_previous_key_verifies_as_previous_during_a_rotation() {
    let old = keys(OTHER, None);
    let line = render_line_with(&suspended(), Some(&old), ANN);
    let (m, sig) = read(&line);
    let rotating = keys(KEY, Some(OTHER));
    assert_eq!(rotating.check(&m, sig.as_deref(), ANN), Verdict::Previous);
    // Without the previous key the old tag is just a tag that fails.
    assert_eq!(
        keys(KEY, None).check(&m, sig.as_deref(), ANN),
        Verdict::Failed
    );
    // Re-signed, it verifies with the current key.
    let again = render_line_with(&m, Some(&rotating), ANN);
    let (m2, sig2) = read(&again);
    assert_eq!(rotating.check(&m2, sig2.as_deref(), ANN), Verdict::Current);
}

/// Each field that drives a decision, edited in a signed marker's text, breaks the tag.
#[test]
fn tampering_with_any_field_fails_the_check() {
    let k = keys(KEY, None);
    let mut full = suspended();
    if let Some(s) = &mut full.suspended {
        s.termination_date = NaiveDate::from_ymd_opt(2026, 11, 29);
        s.leave = true;
        s.from_archive = Some("POLD001".into());
    }
    let signed = render_line_with(&full, Some(&k), ANN);
    let edits: [(&str, &str); 10] = [
        (r#""employee_id":"3427""#, r#""employee_id":"3428""#),
        (r#""on":"2026-11-30""#, r#""on":"2026-11-01""#),
        (r#""role":"admin""#, r#""role":"owner""#),
        (r#""id":"PT4KHLK""#, r#""id":"PT4KHLX""#),
        (r#""name":"IT Operations""#, r#""name":"IT Ops""#),
        (r#""role":"manager""#, r#""role":"responder""#),
        (
            r#""termination_date":"2026-11-29""#,
            r#""termination_date":"2026-11-28""#,
        ),
        (r#""leave":true"#, r#""leave":false"#),
        (r#""from_archive":"POLD001""#, r#""from_archive":"POLD002""#),
        (
            r#""teams":[{"id":"PT4KHLK","name":"IT Operations","role":"manager"}]"#,
            r#""teams":[{"id":"PT4KHLK","name":"IT Operations","role":"manager"},{"id":"PEVIL01","role":"manager"}]"#,
        ),
    ];
    for (from, to) in edits {
        assert!(signed.contains(from), "{from} not in {signed}");
        let forged = signed.replacen(from, to, 1);
        let (m, sig) = read(&forged);
        assert_ne!(m, full, "{to}");
        assert_eq!(
            k.check(&m, sig.as_deref(), ANN),
            Verdict::Failed,
            "{forged}"
        );
    }
    // Dropping the suspension record, or the whole tag's last digit, fails too.
    let (m, sig) = read(&signed);
    assert_eq!(k.check(&m, sig.as_deref(), ANN), Verdict::Current);
    assert_eq!(k.check(&active(), sig.as_deref(), ANN), Verdict::Failed);
    let short = sig.unwrap()[..31].to_string();
    assert_eq!(k.check(&m, Some(&short), ANN), Verdict::Failed);
    assert_eq!(k.check(&m, Some("not hex"), ANN), Verdict::Failed);
    assert_eq!(k.check(&m, Some(""), ANN), Verdict::Failed);
}

#[test]
fn a_sig_that_is_not_a_string_reads_as_an_empty_tag() {
    let (m, sig) = read(r#"hr2pagerduty:v1 {"employee_id":"3427","sig":7}"#);
    assert_eq!(sig.as_deref(), Some(""));
    assert_eq!(
        keys(KEY, None).check(&m, sig.as_deref(), ANN),
        Verdict::Failed
    );
}

#[test]
fn keys_are_refused_empty_or_short_and_never_shown() {
    let empty = MarkerKey::new("PAGERDUTY_MARKER_KEY", "  \n").unwrap_err();
    assert!(
        empty.contains("PAGERDUTY_MARKER_KEY is set but empty"),
        "{empty}"
    );
    let short = MarkerKey::new("PAGERDUTY_MARKER_KEY", "tooshort-secret").unwrap_err();
    assert!(
        short.contains("15 bytes") && short.contains("at least 32"),
        "{short}"
    );
    assert!(!short.contains("tooshort"), "{short}");
    let k = keys(KEY, Some(OTHER));
    let shown = format!("{k:?}");
    assert!(
        !shown.contains(&KEY[..8]) && !shown.contains(&OTHER[..8]),
        "{shown}"
    );
    // A trailing newline (a key read from a file) is not part of the key.
    let nl = MarkerKeys::new(MarkerKey::new("K", &format!("{KEY}\n")).unwrap(), None);
    assert_eq!(nl.sign(&active(), ANN), k.sign(&active(), ANN));
}

#[test]
fn resolve_reads_both_variables() {
    let none = MarkerKeys::resolve(("A", None), ("B", None)).unwrap();
    assert!(none.is_none());
    let both = MarkerKeys::resolve(("A", Some(KEY)), ("B", Some(OTHER)))
        .unwrap()
        .unwrap();
    assert!(both.has_previous());
    let orphan = MarkerKeys::resolve(("A", None), ("B", Some(OTHER))).unwrap_err();
    assert!(orphan.contains("B is set but A is not"), "{orphan}");
    let empty = MarkerKeys::resolve(("A", Some("")), ("B", None)).unwrap_err();
    assert!(empty.contains("A is set but empty"), "{empty}");
}

/// The termination-pending stamp drives a decision (a blocked termination stays due), so
/// the tag covers it: an edited or added stamp fails the check, and a marker without one
/// renders (and so verifies) exactly as before the field existed.
#[test]
fn the_tag_covers_the_termination_pending_stamp() {
    let k = keys(KEY, None);
    let stamped = Marker {
        pending_termination: NaiveDate::from_ymd_opt(2026, 11, 2),
        ..active()
    };
    let line = render_line_with(&stamped, Some(&k), ANN);
    assert!(
        line.starts_with(
            r#"hr2pagerduty:v1 {"employee_id":"3427","pending_termination":"2026-11-02","sig":""#
        ),
        "{line}"
    );
    let (m, sig) = read(&line);
    assert_eq!(m, stamped);
    assert_eq!(k.check(&m, sig.as_deref(), ANN), Verdict::Current);
    let edited = line.replace("2026-11-02", "2026-12-02");
    let (m, sig) = read(&edited);
    assert_eq!(k.check(&m, sig.as_deref(), ANN), Verdict::Failed);
    // The active marker's signature, moved onto a stamped marker, fails too.
    let plain = render_line_with(&active(), Some(&k), ANN);
    assert!(!plain.contains("pending_termination"), "{plain}");
    let added = plain.replace(
        r#""3427","#,
        r#""3427","pending_termination":"2026-11-02","#,
    );
    let (m, sig) = read(&added);
    assert_eq!(m, stamped);
    assert_eq!(k.check(&m, sig.as_deref(), ANN), Verdict::Failed);
}

/// The day of the creating run drives a decision (a run as of an earlier day does not
/// offboard the user by a date), so the tag covers it, after the stamp; a marker without it
/// renders (and so verifies, with the tag it had) exactly as before the field existed.
#[test]
fn the_tag_covers_the_creating_runs_day() {
    let k = keys(KEY, None);
    let created = Marker {
        pending_termination: NaiveDate::from_ymd_opt(2026, 11, 2),
        created: NaiveDate::from_ymd_opt(2026, 10, 1),
        ..active()
    };
    let line = render_line_with(&created, Some(&k), ANN);
    assert!(
        line.starts_with(
            r#"hr2pagerduty:v1 {"employee_id":"3427","pending_termination":"2026-11-02","created":"2026-10-01","sig":""#
        ),
        "{line}"
    );
    let (m, sig) = read(&line);
    assert_eq!(m, created);
    assert_eq!(k.check(&m, sig.as_deref(), ANN), Verdict::Current);
    for edited in [
        line.replace("2026-10-01", "2026-12-01"),
        line.replace(r#","created":"2026-10-01""#, ""),
    ] {
        let (m, sig) = read(&edited);
        assert_eq!(
            k.check(&m, sig.as_deref(), ANN),
            Verdict::Failed,
            "{edited}"
        );
    }
    // Without the field: the line and its tag of before (the openssl-checked tag of the
    // test above still verifies).
    assert_eq!(
        crate::marker::render_line(&active()),
        r#"hr2pagerduty:v1 {"employee_id":"3427"}"#
    );
    let before = Some("97a710c266c576066e059094303ca855");
    assert_eq!(k.check(&active(), before, ANN), Verdict::Current);
    let added = render_line_with(&active(), Some(&k), ANN)
        .replace(r#""3427","#, r#""3427","created":"2026-10-01","#);
    let (m, sig) = read(&added);
    assert_eq!(k.check(&m, sig.as_deref(), ANN), Verdict::Failed);
}
