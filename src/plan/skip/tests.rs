use super::*;

fn every_cause() -> Vec<SkipCause> {
    vec![
        SkipCause::DuplicateMarker {
            employee_id: "2001".into(),
            users: vec!["PDUPA01".into(), "PDUPB01".into()],
            rekey_resolves: false,
        },
        SkipCause::EmployeeOnSeveralUsers,
        SkipCause::EmailOfAnotherEmployee {
            user: "PFORE01".into(),
            marker_employee_id: "2999".into(),
            rekey_hold: None,
        },
        SkipCause::EmailOfAnotherUnreadableMarker {
            user: "PUNRD02".into(),
            claimed_employee_id: "2998".into(),
            fault: MarkerFault::Unreadable,
        },
        SkipCause::ClaimedByUnreadableMarker {
            users: vec!["PUNRD01".into()],
            fault: MarkerFault::Unreadable,
        },
        SkipCause::ClaimedByUnreadableMarker {
            users: vec!["PUNSG01".into()],
            fault: MarkerFault::Unsigned,
        },
        SkipCause::EmailOfAnotherUnreadableMarker {
            user: "PBADS01".into(),
            claimed_employee_id: "2997".into(),
            fault: MarkerFault::SignatureInvalid,
        },
        SkipCause::UntrustedLeaverMarker {
            fault: MarkerFault::Unsigned,
        },
        SkipCause::UntrustedLeaverMarker {
            fault: MarkerFault::SignatureInvalid,
        },
        SkipCause::Untouchable(Untouchable::Owner),
        SkipCause::Untouchable(Untouchable::Protected),
        SkipCause::HrRowProblem,
        SkipCause::Untouchable(Untouchable::KeyOwner),
        SkipCause::SuspendedByOthers {
            role: Role::ReadOnlyLimitedUser,
        },
        SkipCause::FromUser,
        SkipCause::UnconfirmedAdoption {
            from: Role::LimitedUser,
            to: Role::Admin,
            manager_on: vec!["IT Managers".into()],
            joins: vec![],
        },
        SkipCause::PastTerminationUnverified {
            termination_date: NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(),
            catch_up_days: 30,
            marker: UnverifiedMarker::Unsigned,
        },
        SkipCause::UnconfirmedAdoption {
            from: Role::LimitedUser,
            to: Role::Admin,
            manager_on: vec!["IT Managers".into()],
            joins: vec!["IT Operations".into(), "Chess Club".into()],
        },
        SkipCause::UnconfirmedAdoption {
            from: Role::LimitedUser,
            to: Role::LimitedUser,
            manager_on: vec![],
            joins: vec!["IT Operations".into()],
        },
        SkipCause::UnverifiedMarkerWithoutRow {
            fault: MarkerFault::SignatureInvalid,
            claimed_employee_id: Some("2002".into()),
        },
        SkipCause::UnverifiedMarkerWithoutRow {
            fault: MarkerFault::Unreadable,
            claimed_employee_id: None,
        },
        SkipCause::EmployeeIdMoved {
            user: "PMOVD01".into(),
            email: crate::email::Email::normalise("dave@example.com"),
            moved_to: "2104".into(),
            rekey_hold: None,
        },
        SkipCause::DuplicateMarker {
            employee_id: "2002".into(),
            users: vec!["PDUPC01".into(), "PDUPD01".into()],
            rekey_resolves: true,
        },
        SkipCause::EmailOfAnotherEmployee {
            user: "PFORE02".into(),
            marker_employee_id: "2996".into(),
            rekey_hold: Some(RekeyHold::TargetHeld {
                holder: "PHOLD01".into(),
            }),
        },
        SkipCause::EmailOfAnotherEmployee {
            user: "PFORE03".into(),
            marker_employee_id: "2995".into(),
            rekey_hold: Some(RekeyHold::OldRowKeeps),
        },
        SkipCause::EmailOfAnotherEmployee {
            user: "PFORE04".into(),
            marker_employee_id: "2994".into(),
            rekey_hold: Some(RekeyHold::SeveralCopies),
        },
        SkipCause::EmailOfAnotherEmployee {
            user: "PFORE05".into(),
            marker_employee_id: "2993".into(),
            rekey_hold: Some(RekeyHold::NotYetHired),
        },
        SkipCause::EmployeeIdMoved {
            user: "PMOVD02".into(),
            email: crate::email::Email::normalise("erin@example.com"),
            moved_to: "2105".into(),
            rekey_hold: Some(RekeyHold::RowProblem),
        },
        SkipCause::LeaverNamesake {
            line: 6,
            user: "PCAROL1".into(),
            email: crate::email::Email::normalise("old-automation@example.com"),
            name: "Carol Leaver".into(),
            left_alone: LeftAlone::Untouchable(Untouchable::Protected),
        },
        SkipCause::AdoptionOfAnotherName {
            user: "PCARL01".into(),
            user_name: "Carl Contractor".into(),
            user_email: crate::email::Email::normalise("nora@example.com"),
            row_name: "Nora Newhire".into(),
            raise: Some(Box::new(SkipCause::UnconfirmedAdoption {
                from: Role::LimitedUser,
                to: Role::Admin,
                manager_on: vec![],
                joins: vec![],
            })),
        },
        SkipCause::AdoptionByEmail {
            user: "PCARL02".into(),
            user_email: crate::email::Email::normalise("nora@example.com"),
            raise: None,
        },
    ]
}

#[test]
fn the_words_are_the_documented_ones() {
    let words: Vec<String> = every_cause().iter().map(ToString::to_string).collect();
    assert_eq!(
        words,
        [
            "2 PagerDuty users (PDUPA01, PDUPB01) carry the marker for employee 2001; fix by hand",
            "several PagerDuty users carry this employee's marker",
            "email belongs to PagerDuty user PFORE01 whose marker names employee 2999",
            "email belongs to PagerDuty user PUNRD02 whose marker (unreadable) seems to name employee 2998; if that user is this employee, remove that marker line and the next run adopts it by email (in an account whose markers are signed, only a run with --allow-adoption-by-email, and only where that raises none of its access; else give it this employee's role and teams by hand first)",
            "PagerDuty user PUNRD01 carries a marker (unreadable) that seems to name this employee; if that user is this employee, set its email in PagerDuty to this HR row's and the next run matches it; if not, remove that marker line: the next run then creates this employee if HR lists them as employed (a leaver is never created; its row then needs nothing)",
            "PagerDuty user PUNSG01 carries a marker (unsigned and unconfirmed) that seems to name this employee; if that user is this employee, set its email in PagerDuty to this HR row's and the next run matches it; if not, remove that marker line: the next run then creates this employee if HR lists them as employed (a leaver is never created; its row then needs nothing)",
            "email belongs to PagerDuty user PBADS01 whose marker (signature invalid) seems to name employee 2997; if that user is this employee, remove that marker line and the next run adopts it by email (in an account whose markers are signed, only a run with --allow-adoption-by-email, and only where that raises none of its access; else give it this employee's role and teams by hand first)",
            "the HR export does not list the employee this user's marker (unsigned and unconfirmed) seems to name, but the marker cannot be trusted, so the user is not deactivated and keeps its role and teams; if it is that former employee, suspend it by hand in PagerDuty; if not, remove that marker line",
            "the HR export does not list the employee this user's marker (signature invalid) seems to name, but the marker cannot be trusted, so the user is not deactivated and keeps its role and teams; if it is that former employee, suspend it by hand in PagerDuty; if not, remove that marker line",
            "account owner: never changed",
            "protected by [lifecycle] protected: never changed",
            "the HR row for this employee has a problem this run; not deactivated",
            "owns the API key this run uses: never changed",
            "PagerDuty user has no ownership marker and base role read_only_limited_user, as if suspended by someone other than hr2pagerduty: left alone (a conflict); give it back a working role by hand, or fix the HR status",
            "the [pagerduty] from user, which every create names in its From header: never deactivated or deleted; change [pagerduty] from to another user first (the next run then offboards this one), or list it under [lifecycle] protected to keep it",
            "PagerDuty user has no signed ownership marker and only its email ties it to this employee (users can change their own email), in an account whose markers are signed; taking it over would give it base role admin (it has limited_user) and the manager role on IT Managers: left alone; check that the user is this employee, then give it that access by hand in PagerDuty, and a run with --allow-adoption-by-email adopts it and signs its marker",
            "termination date 2026-11-02 passed more than 30 days ago ([lifecycle] termination_catch_up_days) while the status says active, and this user's ownership marker is unsigned while other markers of the account verify with PAGERDUTY_MARKER_KEY: a termination-pending stamp may have been removed from it, so the user is not kept on silently (nothing is written; it keeps its access until settled); if the employee has left, mark the row terminated in HR; if not, clear or correct the stale termination date in HR; if many users are listed so, the first apply with PAGERDUTY_MARKER_KEY most likely stopped before signing every marker: then run apply once with --finish-marker-migration, which trusts and signs the unsigned markers whose email is the HR row's, as that first apply would have",
            "PagerDuty user has no signed ownership marker and only its email ties it to this employee (users can change their own email), in an account whose markers are signed; taking it over would give it base role admin (it has limited_user), the manager role on IT Managers and membership of IT Operations, Chess Club: left alone; check that the user is this employee, then give it that access by hand in PagerDuty, and a run with --allow-adoption-by-email adopts it and signs its marker",
            "PagerDuty user has no signed ownership marker and only its email ties it to this employee (users can change their own email), in an account whose markers are signed; taking it over would give it membership of IT Operations: left alone; check that the user is this employee, then give it that access by hand in PagerDuty, and a run with --allow-adoption-by-email adopts it and signs its marker",
            "this user's ownership marker (signature invalid) seems to name employee 2002, whom the HR export lists, but no HR row matches this user (by a marker that verifies, or by its email): it still holds a role or teams and may be a leaver hiding behind an edited marker, so it is not kept on silently; not deactivated (it keeps its access until settled; [lifecycle] unmanaged_users = \"offboard\" deactivates it); if it is a former employee, suspend it by hand in PagerDuty; if it is a current employee, set its email in PagerDuty to its HR row's and remove that marker line",
            "this user's ownership marker (unreadable) names no employee that can be read, and no HR row matches this user (by its email): it still holds a role or teams and may be a leaver hiding behind an edited marker, so it is not kept on silently; not deactivated (it keeps its access until settled; [lifecycle] unmanaged_users = \"offboard\" deactivates it); if it is a former employee, suspend it by hand in PagerDuty; if it is a current employee, set its email in PagerDuty to its HR row's and remove that marker line",
            "this employee ID's marker is on PagerDuty user PMOVD01 (dave@example.com), whose email and name are on the HR row of employee 2104: HR may have moved that person to employee ID 2104 and given this ID to someone else, so neither row is written; if so, rerun plan and apply with --rekey-employee-ids (that user's marker is re-keyed to 2104 and this employee is created); if not, fix the marker or the email by hand",
            "2 PagerDuty users (PDUPC01, PDUPD01) carry the marker for employee 2002; the evidence says which keeps it (one has the email of that employee's HR row, each other one the email of another row whose ID no other user keeps: a re-key that stopped part-way?), so rerun plan and apply with --rekey-employee-ids, which re-keys the others to their rows; if that is wrong, fix the markers by hand",
            "email belongs to PagerDuty user PFORE02 whose marker names employee 2996; --rekey-employee-ids does not re-key it to this row: PagerDuty user PHOLD01 keeps the marker of this row's employee ID (no HR row re-keys it away in this run, and it is not a user gone from the export that could give the ID up: its email is on an HR row, or it is a user hr2pagerduty never writes, or its own re-key is held the same way, down a chain of shifted IDs), and re-keying PFORE02 would leave two users with one marker; settle PHOLD01 (or the user at the end of that chain) by hand: if its person has left, offboard it in PagerDuty and remove its marker line; if not, fix its marker or email; then rerun with --rekey-employee-ids",
            "email belongs to PagerDuty user PFORE03 whose marker names employee 2995; --rekey-employee-ids does not re-key it to this row: the export lists employee 2995 on a row that this user plausibly is (the same name, and that row's email held by no other managed user), so the user keeps that ID; if PFORE03 is this row's person and not that row's, remove its marker line in PagerDuty: the next run matches it to this row by email (and creates the other row's user); if not, correct this row's email in HR",
            "email belongs to PagerDuty user PFORE04 whose marker names employee 2994; --rekey-employee-ids does not re-key it to this row: several PagerDuty users carry the marker of employee 2994 and the evidence does not say which keeps it (see their skip); decide by hand which user is that employee's, remove the marker line from the others (PFORE04 among them, if it is not), then rerun with --rekey-employee-ids",
            "email belongs to PagerDuty user PFORE05 whose marker names employee 2993; --rekey-employee-ids does not re-key it to this row: this row is a future hire, and nothing is written for it before its hire date: its user is re-keyed from that day on; nothing to do",
            "this employee ID's marker is on PagerDuty user PMOVD02 (erin@example.com), whose email and name are on the HR row of employee 2105: HR may have moved that person to employee ID 2105 and given this ID to someone else, so neither row is written; --rekey-employee-ids does not re-key that user: an HR row with a problem this run names this email or this row's employee ID, so no marker is re-keyed onto or away from it; fix that row in HR (it is listed with the HR problems), then rerun with --rekey-employee-ids; if HR did not move the person, fix the marker or the email by hand",
            "this leaver's row (HR line 6) finds no PagerDuty user, but PagerDuty user PCAROL1 (old-automation@example.com), which no HR row matches, has this leaver's name \"Carol Leaver\" and still holds a role or teams, and the run leaves it alone (its email is listed under [lifecycle] protected, and a protected user is never written), so nothing is written: check whether the leaver changed that user's email or removed its marker; if it is the leaver, offboard it by hand in PagerDuty (suspend it, or take away its role and teams), or set its email in PagerDuty back to this HR row's and the next run deactivates it",
            "PagerDuty user PCARL01 (named \"Carl Contractor\", email nora@example.com) has no ownership marker this run can trust and only its email ties it to this employee (users can change their own email), in an account whose markers are signed, and its name is not this HR row's (\"Nora Newhire\"): taking it over would rename it, sign its marker as this employee's and give it every access HR gives this employee from now on (tonight: base role admin (it has limited_user)): left alone, nothing is written; check that the user is this person (ask them; look in the user's PagerDuty history for when its email and name changed): if it is, set its name in PagerDuty to this HR row's (and give it any access named here by hand), and a run with --allow-adoption-by-email adopts it and signs its marker; if it is not, set its email back or remove the user, and the next run creates this employee",
            "PagerDuty user PCARL02 (email nora@example.com) has no ownership marker this run can trust, in an account whose markers are signed: nothing but its email and its name, which the user can set themselves, ties it to this employee, so taking it over could sign another person as this employee and give them every access HR gives this employee from now on: left alone, nothing is written; check who made this user (look in its PagerDuty history for when its email and name were set): if it is this employee's, rerun with --allow-adoption-by-email (that run adopts it and signs its marker); if it is not, set its email back or remove the user, and the next run creates this employee",
        ]
    );
}

#[test]
fn every_cause_is_stored_as_its_tag_and_values_and_reads_back() {
    let mut causes = every_cause();
    // Employee IDs come from HR and may hold anything, the words' separators included.
    causes.push(SkipCause::DuplicateMarker {
        employee_id: "a; fix by hand".into(),
        users: vec!["PA".into(), "PB".into()],
        rekey_resolves: false,
    });
    for cause in causes {
        let json = serde_json::to_value(&cause).unwrap();
        let text = json.to_string();
        assert!(
            !text.contains(&cause.to_string()),
            "no words stored: {text}"
        );
        assert!(json["cause"].is_string(), "{text}");
        assert_eq!(serde_json::from_value::<SkipCause>(json).unwrap(), cause);
    }
}

#[test]
fn the_stored_tags_are_stable_snake_case() {
    let tags: Vec<String> = every_cause()
        .iter()
        .map(|c| {
            serde_json::to_value(c).unwrap()["cause"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        tags,
        [
            "duplicate_marker",
            "employee_on_several_users",
            "email_of_another_employee",
            "email_of_another_unreadable_marker",
            "claimed_by_unreadable_marker",
            "claimed_by_unreadable_marker",
            "email_of_another_unreadable_marker",
            "untrusted_leaver_marker",
            "untrusted_leaver_marker",
            "untouchable",
            "untouchable",
            "hr_row_problem",
            "untouchable",
            "suspended_by_others",
            "from_user",
            "unconfirmed_adoption",
            "past_termination_unverified",
            "unconfirmed_adoption",
            "unconfirmed_adoption",
            "unverified_marker_without_row",
            "unverified_marker_without_row",
            "employee_id_moved",
            "duplicate_marker",
            "email_of_another_employee",
            "email_of_another_employee",
            "email_of_another_employee",
            "email_of_another_employee",
            "employee_id_moved",
            "leaver_namesake",
            "adoption_of_another_name",
            "adoption_by_email",
        ]
    );
    let [dup, owner, fault, role] =
        [0, 9, 7, 13].map(|i| serde_json::to_value(&every_cause()[i]).unwrap());
    assert_eq!(
        dup,
        serde_json::json!({"cause": "duplicate_marker", "details": {"employee_id": "2001", "users": ["PDUPA01", "PDUPB01"]}})
    );
    assert_eq!(
        owner,
        serde_json::json!({"cause": "untouchable", "details": "owner"})
    );
    assert_eq!(
        fault,
        serde_json::json!({"cause": "untrusted_leaver_marker", "details": {"fault": "unsigned"}})
    );
    assert_eq!(
        role,
        serde_json::json!({"cause": "suspended_by_others", "details": {"role": "read_only_limited_user"}})
    );
    assert_eq!(
        serde_json::to_value(SkipCause::FromUser).unwrap(),
        serde_json::json!({"cause": "from_user"})
    );
    assert_eq!(
        serde_json::to_value(&every_cause()[16]).unwrap(),
        serde_json::json!({"cause": "past_termination_unverified", "details": {"termination_date": "2026-11-02", "catch_up_days": 30, "marker": "unsigned"}})
    );
    // Without teams to join, an unconfirmed adoption is stored as before `joins` existed,
    // so that saved plans of either build read back.
    assert_eq!(
        serde_json::to_value(&every_cause()[15]).unwrap(),
        serde_json::json!({"cause": "unconfirmed_adoption", "details": {"from": "limited_user", "to": "admin", "manager_on": ["IT Managers"]}})
    );
    assert_eq!(
        serde_json::to_value(
            every_cause()
                .iter()
                .find(|c| matches!(c, SkipCause::LeaverNamesake { .. }))
                .unwrap(),
        )
        .unwrap()["details"]["left_alone"],
        serde_json::json!({"untouchable": "protected"})
    );
    assert_eq!(
        serde_json::to_value(&every_cause()[18]).unwrap()["details"]["joins"],
        serde_json::json!(["IT Operations"])
    );
}

#[test]
fn only_the_conflicts_in_pagerduty_need_a_person() {
    let attention: Vec<bool> = every_cause()
        .iter()
        .map(SkipCause::needs_attention)
        .collect();
    for (cause, needs) in every_cause().iter().zip(attention) {
        let on_purpose = matches!(
            cause,
            SkipCause::Untouchable(_) | SkipCause::FromUser | SkipCause::HrRowProblem
        );
        assert_eq!(needs, !on_purpose, "{cause:?}");
    }
}

#[test]
fn a_cause_stored_as_words_or_an_unknown_tag_is_refused() {
    // What the build before tags wrote: the words. A saved plan holding them is
    // refused by its version before its skips are read (saved_plan's tests).
    for reason in [
        serde_json::json!("account owner: never changed"),
        serde_json::json!({"cause": "boom"}),
    ] {
        let skip = serde_json::json!({
            "employee_id": null, "email": null, "pagerduty_user_id": null,
            "line": null, "reason": reason,
        });
        assert!(serde_json::from_value::<Skip>(skip).is_err(), "{reason}");
    }
}

#[test]
fn a_rekey_hold_is_stored_as_its_tag_and_values() {
    let cause = SkipCause::EmailOfAnotherEmployee {
        user: "PFORE02".into(),
        marker_employee_id: "2996".into(),
        rekey_hold: Some(RekeyHold::TargetHeld {
            holder: "PHOLD01".into(),
        }),
    };
    assert_eq!(
        serde_json::to_value(&cause).unwrap()["details"]["rekey_hold"],
        serde_json::json!({"hold": "target_held", "details": {"holder": "PHOLD01"}})
    );
    // Absent without the flag, as in saved plans made before it existed.
    let without = SkipCause::EmailOfAnotherEmployee {
        user: "PFORE02".into(),
        marker_employee_id: "2996".into(),
        rekey_hold: None,
    };
    let json = serde_json::to_value(&without).unwrap();
    assert!(json["details"].get("rekey_hold").is_none(), "{json}");
}

/// README.md § JSON plan lists every tag a skip's `cause` can take (the JSON plan's and
/// report's `skipped[].cause`, a saved plan's stored cause): read from the variants of
/// [`SkipCause`] in this module's source, so that a new cause fails here until README
/// names it.
#[test]
fn readme_lists_every_skip_cause_tag() {
    let source = include_str!("../skip.rs");
    let body = source
        .split_once("pub enum SkipCause {")
        .and_then(|(_, rest)| rest.split_once("\n}\n"))
        .map(|(body, _)| body)
        .expect("the SkipCause enum");
    let tags: Vec<String> = body
        .lines()
        .filter(|l| l.starts_with("    ") && l[4..].starts_with(|c: char| c.is_ascii_uppercase()))
        .map(|l| {
            let name: String = l[4..]
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect();
            let mut tag = String::new();
            for (i, c) in name.chars().enumerate() {
                if c.is_ascii_uppercase() && i > 0 {
                    tag.push('_');
                }
                tag.push(c.to_ascii_lowercase());
            }
            tag
        })
        .collect();
    assert!(tags.len() >= 18, "{tags:?}");
    // The tags really are the serialised ones.
    for c in every_cause() {
        let tag = serde_json::to_value(&c).unwrap()["cause"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            tags.contains(&tag),
            "{tag} not read from the source: {tags:?}"
        );
    }
    let readme = include_str!("../../../README.md");
    let section = readme
        .split_once("\n### JSON plan\n")
        .and_then(|(_, rest)| rest.split_once("\n### JSON apply report\n"))
        .map(|(s, _)| s)
        .expect("README's JSON plan section");
    let missing: Vec<&String> = tags
        .iter()
        .filter(|t| !section.contains(&format!("- `{t}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "README § JSON plan does not list {missing:?}"
    );
}
