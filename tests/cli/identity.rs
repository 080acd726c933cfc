//! The evidence against a match by marker through the real binary against the simulator:
//! an employee ID that HR reused for another person, employee IDs renumbered onto old
//! values (reversed, shifted by one), and a person moved to another ID whose old one HR
//! gave to a new hire, refused and then re-keyed with
//! `--rekey-employee-ids` (a suspended leaver's re-key counted as an update of its marker).
//! Each is a scenario: plan, apply, plan again.

use crate::support::safety::*;
use crate::support::*;
use hr2pagerduty::sim::{Fault, FaultKind};

/// The export of `people` in which the person at position `i` carries employee ID `ids[i]`
/// (emails and names stay theirs).
fn with_ids(people: &[Person], ids: &[u32]) -> Vec<u8> {
    let text = String::from_utf8(csv(people)).unwrap();
    let mut lines = text.lines();
    let mut out = format!("{}\n", lines.next().unwrap());
    for (line, id) in lines.zip(ids) {
        let (_, rest) = line.split_once(',').unwrap();
        out.push_str(&format!("{id},{rest}\n"));
    }
    out.into_bytes()
}

#[test]
fn a_reused_employee_id_does_not_hand_a_suspended_users_record_to_a_new_hire() {
    let people = workforce(2000, 3);
    let (sim, ws) = in_sync(&people);
    let mut hr = people.clone();
    hr[1].status = "Terminated";
    ws.write_hr(&csv(&hr));
    apply(&sim, &ws, &[]).expect_code(0);
    converged(&sim, &ws);
    let rob = sim.user("person2001@example.com");
    // HR reuses 2001 for Zoe: another name, another email.
    let mut text = String::from_utf8(csv(&[people[0].clone(), people[2].clone()])).unwrap();
    text.push_str("2001,zoe@example.com,Zoe,Newhire,Active,Support,Agent,Etc/UTC,2026-11-01,\n");
    ws.write_hr(text.as_bytes());
    let before = sim.handle.write_count();
    plan(&sim, &ws, &["--detailed-exitcode"])
        .expect_code(0)
        .expect_stdout(&[
            "this employee ID's marker is on PagerDuty user",
            "\"Given2001 Family2001\", person2001@example.com",
            "HR may have reused the employee ID",
        ]);
    apply(&sim, &ws, &[]).expect_code(1);
    assert_eq!(sim.handle.write_count(), before, "nothing was written");
    assert_eq!(sim.user("person2001@example.com"), rob);
    // The next night says the same and still writes nothing.
    apply(&sim, &ws, &[]).expect_code(1);
    assert_eq!(sim.handle.write_count(), before);
}

fn in_sync(people: &[Person]) -> (Sim, Workspace) {
    let ws = Workspace::new(&safety_config(), &csv(people));
    let sim = sim_in_sync(base_seed(), &ws.config, &csv(people));
    converged(&sim, &ws);
    (sim, ws)
}

#[test]
fn ids_renumbered_onto_old_values_are_refused_then_rekeyed_to_the_right_people() {
    let people = workforce(3000, 8);
    for (what, ids) in [
        ("reversed", (3000..3008).rev().collect::<Vec<u32>>()),
        ("shifted by one", (3001..3009).collect()),
    ] {
        let (sim, ws) = in_sync(&people);
        let mut hr = people.clone();
        // Person 3000 moves to Management (role user), so a wrong match would move a role.
        hr[0].department = "Management";
        ws.write_hr(&with_ids(&hr, &ids));
        let before = sim.handle.write_count();
        plan(&sim, &ws, &[]).expect_code(3).expect_stderr(&[
            "the employee IDs appear to have changed",
            "--rekey-employee-ids",
        ]);
        apply(&sim, &ws, &[]).expect_code(3);
        assert_eq!(sim.handle.write_count(), before, "{what}");

        let rekey = ["--rekey-employee-ids"];
        let run = plan(&sim, &ws, &["--format", "json", "--rekey-employee-ids"]);
        run.expect_code(0);
        let v = run.json();
        let actions = v["actions"].as_array().unwrap();
        assert_eq!(actions.len(), 8, "{what}: {v:#}");
        assert!(
            actions.iter().all(|a| a["rekeyed_from"].is_string()),
            "{what}: {v:#}"
        );
        apply(&sim, &ws, &rekey).expect_code(0);
        converged(&sim, &ws);
        for (p, id) in people.iter().zip(&ids) {
            let u = sim.user(&p.email());
            assert_eq!(u.name, format!("Given{0} Family{0}", p.id), "{what}");
            let marker = u.description.unwrap_or_default();
            assert!(
                marker.contains(&format!("\"employee_id\":\"{id}\"")),
                "{what}: {marker}"
            );
            let want = if p.id == 3000 { "user" } else { "limited_user" };
            assert_eq!(u.role.to_string(), want, "{what}: {}", p.email());
        }
    }
}

#[test]
fn a_person_moved_to_another_id_keeps_their_user_from_the_hire_given_the_old_id() {
    let people = workforce(4000, 3);
    let (sim, ws) = in_sync(&people);
    let dave = sim.user("person4001@example.com");
    // HR moves 4001 to 4101, keeping the email and the name, and gives 4001 to a new hire
    // who shares the first name, under a new email.
    let mut text = String::from_utf8(with_ids(&people, &[4000, 4101, 4002])).unwrap();
    text.push_str(
        "4001,given4001.zhang@example.com,Given4001,Zhang,Active,Support,Agent,Etc/UTC,2026-11-01,\n",
    );
    ws.write_hr(text.as_bytes());
    let before = sim.handle.write_count();
    // Without the evidence, the user was renamed to the hire and the person created afresh.
    plan(&sim, &ws, &["--detailed-exitcode"])
        .expect_code(0)
        .expect_stdout(&[
            "whose email and name are on the HR row of employee 4101",
            "HR may have moved that person to employee ID 4101",
            "email belongs to PagerDuty user",
        ]);
    apply(&sim, &ws, &[]).expect_code(1);
    assert_eq!(sim.handle.write_count(), before, "nothing was written");
    assert_eq!(sim.user("person4001@example.com"), dave);

    // --rekey-employee-ids: the user is re-keyed to 4101 and 4001's hire created.
    let run = plan(&sim, &ws, &["--format", "json", "--rekey-employee-ids"]);
    run.expect_code(0);
    let v = run.json();
    let actions = v["actions"].as_array().unwrap();
    assert_eq!(actions.len(), 2, "{v:#}");
    assert!(
        actions.iter().any(|a| a["action"] == "update"
            && a["pagerduty_user_id"] == dave.id.as_str()
            && a["rekeyed_from"] == "4001"),
        "{v:#}"
    );
    assert!(
        actions
            .iter()
            .any(|a| a["action"] == "create" && a["email"] == "given4001.zhang@example.com"),
        "{v:#}"
    );
    apply(&sim, &ws, &["--rekey-employee-ids"]).expect_code(0);
    converged(&sim, &ws);
    let moved = sim.user("person4001@example.com");
    assert_eq!(
        (moved.id.as_str(), moved.name.as_str()),
        (dave.id.as_str(), dave.name.as_str())
    );
    assert!(
        moved
            .description
            .unwrap_or_default()
            .contains("\"employee_id\":\"4101\"")
    );
    let hire = sim.user("given4001.zhang@example.com");
    assert_ne!(hire.id, dave.id);
    assert!(
        hire.description
            .unwrap_or_default()
            .contains("\"employee_id\":\"4001\"")
    );
}

#[test]
fn rekeying_a_suspended_leaver_is_a_marker_update_the_deactivation_cap_does_not_count() {
    let people = workforce(5000, 3);
    let (sim, ws) = in_sync(&people);
    let mut hr = people.clone();
    hr[1].status = "Terminated";
    ws.write_hr(&csv(&hr));
    apply(&sim, &ws, &[]).expect_code(0);
    converged(&sim, &ws);
    let suspended = sim.user("person5001@example.com");
    // A new HR system: every ID renumbered, the leaver still listed as terminated.
    ws.write_hr(&with_ids(&hr, &[5100, 5101, 5102]));
    let run = plan(
        &sim,
        &ws,
        &[
            "--format",
            "json",
            "--rekey-employee-ids",
            "--allow-deactivations",
            "0",
        ],
    );
    run.expect_code(0);
    let v = run.json();
    assert_eq!(v["summary"]["deactivate"], 0, "{v:#}");
    assert_eq!(v["summary"]["update"], 3, "{v:#}");
    let leaver = v["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["email"] == "person5001@example.com")
        .unwrap();
    assert_eq!(
        (&leaver["action"], &leaver["rekeyed_from"]),
        (&"update".into(), &"5001".into()),
        "{v:#}"
    );
    apply(
        &sim,
        &ws,
        &["--rekey-employee-ids", "--allow-deactivations", "0"],
    )
    .expect_code(0);
    converged(&sim, &ws);
    let after = sim.user("person5001@example.com");
    assert_eq!(after.role, suspended.role, "still suspended");
    assert!(
        after
            .description
            .unwrap_or_default()
            .contains("\"employee_id\":\"5101\"")
    );
}

/// The employee ID each user's marker names, for the no-duplicate checks.
fn marker_ids(sim: &Sim, people: &[Person]) -> Vec<Option<String>> {
    people
        .iter()
        .map(|p| {
            let d = sim.user(&p.email()).description.unwrap_or_default();
            d.split("\"employee_id\":\"")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .map(str::to_string)
        })
        .collect()
}

#[test]
fn a_rekey_whose_put_fails_for_good_leaves_no_duplicate_and_the_next_rekey_run_finishes() {
    // IDs shifted by one; the re-key PUT of the second person (giving 3201 up to the
    // first) fails with 503 until the retries run out (r7g #2).
    let people = workforce(3200, 8);
    let (sim, ws) = in_sync(&people);
    let ids: Vec<u32> = (3201..3209).collect();
    ws.write_hr(&with_ids(&people, &ids));
    let second = sim.user(&people[1].email()).id;
    sim.inject(Fault::new("PUT", &format!("/users/{second}"), FaultKind::status(503)).times(1000));
    let rekey = ["--rekey-employee-ids"];
    let run = plan(&sim, &ws, &["--format", "json", "--rekey-employee-ids"]);
    run.expect_code(0);
    let v = run.json();
    let first = v["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["employee_id"] == "3201")
        .unwrap()
        .clone();
    assert_eq!(first["rekey_after"], second.as_str(), "{first:#}");
    // The failed PUT fails the second person's re-key, and the first person's, which takes
    // the ID the second was to give up, is not attempted: no two users share a marker.
    apply(&sim, &ws, &rekey)
        .expect_code(1)
        .expect_stdout(&["was to give up the employee ID this re-key takes"]);
    let now = marker_ids(&sim, &people);
    let mut seen = now.clone();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), people.len(), "no duplicate marker: {now:?}");
    assert_eq!(now[0].as_deref(), Some("3200"), "{now:?}");
    assert_eq!(now[1].as_deref(), Some("3201"), "{now:?}");
    // PagerDuty answers again: the next --rekey run finishes the job.
    sim.handle.clear_faults();
    apply(&sim, &ws, &rekey).expect_code(0);
    converged(&sim, &ws);
    let want: Vec<Option<String>> = ids.iter().map(|id| Some(id.to_string())).collect();
    assert_eq!(marker_ids(&sim, &people), want);
}

#[test]
fn a_shift_whose_last_person_left_rekeys_the_chain_and_offboards_that_person() {
    // IDs shifted by one, and the last person (whose old ID the seventh now carries) gone
    // from the export (r7g #3): re-keyed with the flag, and the leaver suspended with a
    // record that names no employee.
    let people = workforce(3300, 8);
    let (sim, ws) = in_sync(&people);
    let ids: Vec<u32> = (3301..3308).collect();
    ws.write_hr(&with_ids(&people[..7], &ids));
    let run = plan(&sim, &ws, &["--format", "json", "--rekey-employee-ids"]);
    run.expect_code(0);
    let v = run.json();
    let actions = v["actions"].as_array().unwrap();
    assert_eq!(
        actions
            .iter()
            .filter(|a| a["rekeyed_from"].is_string())
            .count(),
        7,
        "{v:#}"
    );
    let last = sim.user(&people[7].email());
    let leaver = actions
        .iter()
        .find(|a| a["pagerduty_user_id"] == last.id.as_str())
        .unwrap();
    assert_eq!(leaver["action"], "deactivate", "{leaver:#}");
    assert!(leaver["employee_id"].is_null(), "{leaver:#}");
    apply(&sim, &ws, &["--rekey-employee-ids"]).expect_code(0);
    converged(&sim, &ws);
    let gone = sim.user(&people[7].email());
    assert_eq!(gone.role.to_string(), "read_only_limited_user");
    let d = gone.description.unwrap_or_default();
    assert!(
        d.contains("\"suspended\"") && !d.contains("employee_id"),
        "{d}"
    );
    let want: Vec<Option<String>> = ids.iter().map(|id| Some(id.to_string())).collect();
    assert_eq!(marker_ids(&sim, &people[..7]), want);
}

#[test]
fn a_duplicate_marker_an_interrupted_swap_left_is_settled_by_the_next_rekey_run() {
    // Two people swapped IDs, and a run (of an older build, or stopped inside the one
    // link of the cycle no order can keep apart) wrote only the first re-key: both users
    // carry 3401 (r7g #2).
    let people = workforce(3400, 2);
    let (sim, ws) = in_sync(&people);
    ws.write_hr(&with_ids(&people, &[3401, 3400]));
    let first = sim.user(&people[0].email());
    let second = sim.user(&people[1].email());
    sim.put_user(
        first.id.as_str(),
        serde_json::json!({
            "description": second.description.clone().unwrap_or_default(),
        }),
    );
    // Without the flag: both left alone, and the words say the flag settles it.
    plan(&sim, &ws, &[]).expect_code(0).expect_stdout(&[
        "carry the marker for employee 3401",
        "rerun plan and apply with --rekey-employee-ids, which re-keys the others",
    ]);
    apply(&sim, &ws, &[]).expect_code(1);
    // With it: the second person's user, with the email of the row of 3400, is re-keyed.
    let run = plan(&sim, &ws, &["--format", "json", "--rekey-employee-ids"]);
    run.expect_code(0);
    let v = run.json();
    let actions = v["actions"].as_array().unwrap();
    assert_eq!(actions.len(), 1, "{v:#}");
    assert_eq!(actions[0]["pagerduty_user_id"], second.id.as_str(), "{v:#}");
    assert_eq!(actions[0]["rekeyed_from"], "3401", "{v:#}");
    apply(&sim, &ws, &["--rekey-employee-ids"]).expect_code(0);
    converged(&sim, &ws);
    assert_eq!(
        marker_ids(&sim, &people),
        [Some("3401".to_string()), Some("3400".to_string())]
    );
}

#[test]
fn a_blocked_leaver_giving_its_id_up_is_rekeyed_and_the_chain_behind_it_proceeds() {
    // IDs shifted by one; the second person (3301 → 3302) left and is on an escalation
    // policy of no team of theirs, so their deactivation is blocked (review e3).
    let people = workforce(3300, 3);
    let ws = Workspace::new(&safety_config(), &csv(&people));
    let cfg = hr2pagerduty::config::Config::load(&ws.config).unwrap();
    let roster = hr2pagerduty::hr::read_bytes(&csv(&people), &cfg).unwrap();
    let mut seed = base_seed();
    let mut users = in_sync_users(&cfg, &roster, &seed);
    let giver = users
        .iter_mut()
        .find(|u| u.email == people[1].email())
        .unwrap();
    giver.id = Some("PGIVER1".into());
    seed.users.extend(users);
    seed.escalation_policies = serde_json::from_value(serde_json::json!([
        {"id": "PEPX001", "name": "Cross EP",
         "escalation_rules": [{"escalation_delay_in_minutes": 10,
           "targets": [{"id": "PGIVER1", "type": "user_reference"}]}]}
    ]))
    .unwrap();
    let sim = Sim::start(seed);
    let mut hr = people.clone();
    hr[1].status = "Terminated";
    ws.write_hr(&with_ids(&hr, &[3301, 3302, 3303]));
    let rekey = ["--rekey-employee-ids"];
    let role = sim.user(&people[1].email()).role;
    // The block exits 1; every marker is re-keyed, the leaver's by a marker write alone.
    apply(&sim, &ws, &rekey).expect_code(1).expect_stdout(&[
        "re-keys the ownership marker from employee 3301 to employee 3302 (--rekey-employee-ids) although the deactivation is blocked",
        "Cross EP",
    ]);
    let want = [
        Some("3301".to_string()),
        Some("3302".into()),
        Some("3303".into()),
    ];
    assert_eq!(marker_ids(&sim, &people), want);
    assert_eq!(sim.user(&people[1].email()).role, role, "not offboarded");
    // The next night: the same block, nothing else written.
    let before = sim.handle.write_count();
    apply(&sim, &ws, &rekey).expect_code(1);
    assert_eq!(sim.handle.write_count(), before);
    assert_eq!(marker_ids(&sim, &people), want);
}
