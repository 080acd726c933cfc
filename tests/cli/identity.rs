//! The evidence against a match by marker through the real binary against the simulator:
//! an employee ID that HR reused for another person, employee IDs renumbered onto old
//! values (reversed, shifted by one), and a person moved to another ID whose old one HR
//! gave to a new hire, refused and then re-keyed with
//! `--rekey-employee-ids` (a suspended leaver's re-key counted as an update of its marker).
//! Each is a scenario: plan, apply, plan again.

use crate::support::safety::*;
use crate::support::*;

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
