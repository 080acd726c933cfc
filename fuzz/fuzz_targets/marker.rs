//! The ownership marker in a user's description:
//! - `marker::parse` and `marker::claimed_employee_id` never panic on any description;
//! - a valid marker renders back (with the human text parse found) to a description that
//!   parses to the same marker and the same human text, and rendering is a fixed point;
//! - a valid marker's employee ID is the one `claimed_employee_id` reads (none for an
//!   offboarding's record);
//! - any marker built from the input (any employee ID an export can hold, that is at most
//!   `ids::MAX_EMPLOYEE_ID_LEN` characters, or none; date, role, teams) with any human text
//!   free of marker lines round-trips through `render` and `parse`; one naming a longer
//!   employee ID (which no export row can hold) parses as invalid.
//!
//! The input is fields separated by NUL bytes (missing fields are empty; invalid UTF-8 is
//! replaced): a description to parse; then the marker to build: employee ID (empty: none,
//! an offboarding's record, built only when suspended), human text,
//! suspension date (`YYYY-MM-DD`, any year chrono reads; not a date: not suspended), base
//! role, termination date (not a date: none), leave and reactivation (an `r` in it: a
//! reactivation under way; any other character: a leave; empty: neither), the deleted user
//! whose archive a re-created user still restores (empty: none), the termination-pending
//! stamp (not a date: none), the contact method IDs a restore was refused (comma-separated,
//! empty: none), then team ID, team name (empty: none) and team role, repeated.

#![no_main]

use chrono::NaiveDate;
use hr2pagerduty::ids::{ContactMethodId, EmployeeId, MAX_EMPLOYEE_ID_LEN, TeamId, UserId};
use hr2pagerduty::marker::{self, Marker, MarkerState, PREFIX, SavedMembership, Suspension};
use hr2pagerduty::vocab::{Role, TeamRole};
use libfuzzer_sys::fuzz_target;

fn check_description(d: &str) {
    let p = marker::parse(Some(d));
    let claimed = marker::claimed_employee_id(Some(d));
    if let MarkerState::Valid(m) = &p.marker {
        let again = marker::render(&p.human, m);
        let q = marker::parse(Some(&again));
        assert_eq!(q.marker, p.marker, "{d:?} → {again:?}");
        assert_eq!(q.human, p.human, "{d:?} → {again:?}");
        assert_eq!(
            marker::render(&q.human, m),
            again,
            "render is a fixed point"
        );
        // An offboarding's record names no employee, and claims none.
        assert_eq!(
            claimed.as_ref().map(EmployeeId::as_str),
            m.employee_id.as_ref().map(|id| id.as_str().trim()),
            "{d:?}"
        );
    }
}

fn check_built(f: &[String]) {
    let field = |i: usize| f.get(i).map_or("", String::as_str);
    let (employee_id, human) = (field(1), field(2));
    if human.lines().any(|l| l.trim_start().starts_with(PREFIX)) {
        return;
    }
    let suspended = field(3).parse::<NaiveDate>().ok().map(|on| Suspension {
        on,
        role: Role::from(field(4)),
        termination_date: field(5).parse::<NaiveDate>().ok(),
        leave: field(6).chars().any(|c| c != 'r'),
        reactivating: field(6).contains('r'),
        from_archive: (!field(7).is_empty()).then(|| UserId::new(field(7))),
        refused: field(9)
            .split(',')
            .filter(|id| !id.is_empty())
            .map(ContactMethodId::new)
            .collect(),
        teams: f
            .get(10..)
            .unwrap_or_default()
            .chunks(3)
            .map(|t| SavedMembership {
                id: TeamId::new(t[0].as_str()),
                name: t.get(1).filter(|n| !n.is_empty()).cloned(),
                role: TeamRole::from(t.get(2).map_or("", String::as_str)),
            })
            .collect(),
    });
    // An empty employee ID builds an offboarding's record, which must be suspended.
    let employee_id = (!employee_id.trim().is_empty()).then(|| EmployeeId::new(employee_id));
    if employee_id.is_none() && suspended.is_none() {
        return;
    }
    let m = Marker {
        employee_id,
        suspended,
        pending_termination: field(8).parse::<NaiveDate>().ok(),
        created: None,
    };
    let line = marker::render_line(&m);
    assert!(!line.contains(['\n', '\r']), "one line: {line:?}");
    let d = marker::render(human, &m);
    let p = marker::parse(Some(&d));
    if m.employee_id
        .as_ref()
        .is_some_and(|id| id.as_str().chars().count() > MAX_EMPLOYEE_ID_LEN)
    {
        // Longer than any HR row may carry: no employee can own it (issue 9, bug 4).
        assert!(matches!(p.marker, MarkerState::Invalid(_)), "{d:?}");
        return;
    }
    assert_eq!(p.marker, MarkerState::Valid(m.clone()), "{d:?}");
    assert_eq!(p.human, marker::parse(Some(human)).human, "{d:?}");
    let d2 = marker::render(&p.human, &m);
    assert_eq!(marker::parse(Some(&d2)), p, "{d:?} → {d2:?}");
}

fuzz_target!(|data: &[u8]| {
    let fields: Vec<String> = data
        .split(|b| *b == 0)
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect();
    check_description(fields.first().map_or("", String::as_str));
    check_built(&fields);
});
