//! Unit tests of the on-call book.

use super::*;
use crate::sim::links::Lookup;
use crate::sim::seed::Seed;

struct Names;

impl Lookup for Names {
    fn api_url(&self, path: &str) -> String {
        format!("http://sim{path}")
    }
    fn web_url(&self, path: &str) -> String {
        format!("https://sim.pagerduty.com{path}")
    }
    fn user_name(&self, id: &str) -> Option<String> {
        Some(format!("Name of {id}"))
    }
    fn team_name(&self, id: &str) -> Option<String> {
        Some(format!("Team {id}"))
    }
}

fn book(json: &str) -> Result<OncallBook, Vec<String>> {
    let seed: Seed = serde_json::from_str(json).unwrap();
    let users: HashSet<String> = ["PUSER01", "PUSER02", "PUSER03"].map(String::from).into();
    let teams: HashSet<String> = ["PTEAM01"].map(String::from).into();
    let mut ids = IdGenerator::for_objects();
    let mut cx = SeedContext {
        users: &users,
        teams: &teams,
        ids: &mut ids,
        now: "2026-03-02T00:00:00Z".parse().unwrap(),
        time_zone: "Etc/UTC",
    };
    let mut problems = Vec::new();
    let b = OncallBook::from_seed(
        &seed.schedules,
        &seed.escalation_policies,
        &mut cx,
        &mut problems,
    );
    if problems.is_empty() {
        Ok(b)
    } else {
        Err(problems)
    }
}

const SEED: &str = r#"{
  "schedules": [{"id": "PSCHED1", "name": "Primary",
    "schedule_layers": [{"name": "Weekly", "users": [{"user": {"id": "PUSER02", "type": "user_reference"}}]}],
    "final_schedule": {"rendered_schedule_entries": [
    {"user": {"id": "PUSER02", "type": "user_reference"}, "start": "2026-03-01T00:00:00Z", "end": "2026-03-08T00:00:00Z"},
    {"user": {"id": "PUSER03", "type": "user_reference"}, "start": "2026-03-08T00:00:00Z", "end": "2026-03-15T00:00:00Z"},
    {"user": {"id": "PUSER02", "type": "user_reference"}, "start": "2026-07-01T00:00:00Z", "end": "2026-07-08T00:00:00Z"}]}}],
  "escalation_policies": [{"id": "PEPOL01", "name": "Ops", "teams": [{"id": "PTEAM01"}],
    "escalation_rules": [
      {"escalation_delay_in_minutes": 30, "targets": [{"id": "PSCHED1", "type": "schedule_reference"}]},
      {"escalation_delay_in_minutes": 30, "targets": [{"id": "PUSER01", "type": "user_reference"}]}]}]
}"#;

fn filter(since: &str, until: &str) -> OncallFilter {
    OncallFilter {
        user_ids: vec![],
        policy_ids: vec![],
        schedule_ids: vec![],
        since: since.parse().unwrap(),
        until: until.parse().unwrap(),
        earliest: false,
    }
}

#[test]
fn shifts_in_range_and_direct_targets_are_on_call() {
    let b = book(SEED).unwrap();
    let now = "2026-03-02T00:00:00Z".parse().unwrap();
    let calls = b.oncalls(
        &filter("2026-03-02T00:00:00Z", "2026-03-02T00:00:00Z"),
        now,
        &Names,
    );
    let got: Vec<(u32, &str, bool)> = calls
        .iter()
        .map(|c| (c.escalation_level, c.user.id.as_str(), c.schedule.is_some()))
        .collect();
    assert_eq!(got, [(1, "PUSER02", true), (2, "PUSER01", false)]);
    assert!(calls[1].start.is_none() && calls[1].end.is_none());

    // A month ahead: both March shifts; the July shift is beyond the range.
    let calls = b.oncalls(
        &filter("2026-03-02T00:00:00Z", "2026-04-01T00:00:00Z"),
        now,
        &Names,
    );
    assert_eq!(calls.len(), 3);
    // The July shift is inside the range but beyond the 90-day horizon.
    let calls = b.oncalls(
        &filter("2026-06-15T00:00:00Z", "2026-07-10T00:00:00Z"),
        now,
        &Names,
    );
    assert_eq!(calls.len(), 1, "{calls:?}");
    let mut f = filter("2026-03-02T00:00:00Z", "2026-04-01T00:00:00Z");
    f.earliest = true;
    f.schedule_ids = vec!["PSCHED1".into()];
    let calls = b.oncalls(&f, now, &Names);
    assert_eq!(calls.len(), 2);
    f.schedule_ids = vec!["null".into()];
    let calls = b.oncalls(&f, now, &Names);
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].user.id, "PUSER01");
}

#[test]
fn team_removal_and_sole_target_rules() {
    let b = book(SEED).unwrap();
    assert_eq!(
        b.team_policies_reaching(&"PTEAM01".into(), &"PUSER02".into()),
        [("PEPOL01", "Ops")]
    );
    assert_eq!(
        b.team_policies_reaching(&"PTEAM01".into(), &"PUSER01".into())
            .len(),
        1
    );
    // PUSER03 holds a shift through an override, on no layer: not among the schedule's
    // users, so the policy does not reach them.
    assert!(
        b.team_policies_reaching(&"PTEAM01".into(), &"PUSER03".into())
            .is_empty()
    );
    assert!(
        b.team_policies_reaching(&"PTEAM02".into(), &"PUSER01".into())
            .is_empty()
    );
    assert_eq!(b.sole_target_of("PUSER01"), [("Ops", "PEPOL01", 2)]);
    assert!(b.sole_target_of("PUSER02").is_empty());
    // The user filter of policies is about direct targets only.
    let direct = PolicyFilter {
        user_ids: vec!["PUSER02".into()],
        ..PolicyFilter::default()
    };
    assert!(b.policy_ids(&direct).is_empty());
    let direct = PolicyFilter {
        user_ids: vec!["PUSER01".into()],
        ..PolicyFilter::default()
    };
    assert_eq!(b.policy_ids(&direct), ["PEPOL01"]);
}

#[test]
fn broken_seeds_name_every_problem() {
    let problems = book(
        r#"{"schedules": [{"name": "S", "time_zone": "Mars/Base", "final_schedule": {"rendered_schedule_entries": [
              {"user": {"id": "PNOBODY"}, "start": "2026-03-02T00:00:00Z", "end": "2026-03-01T00:00:00Z"}]}}],
            "escalation_policies": [
              {"name": "A", "escalation_rules": []},
              {"name": "a", "teams": [{"id": "PTEAM01"}, {"id": "PTEAM02"}],
               "escalation_rules": [{"escalation_delay_in_minutes": 5, "targets": [{"id": "PUSER01"}]}]}]}"#,
    )
    .unwrap_err()
    .join("\n");
    for needle in [
        "Mars/Base",
        "\"PNOBODY\" is not a user of the seed",
        "end must be after start",
        "At least one escalation rule must be provided",
        "another escalation policy has this name",
        "needs a type",
        "Only one team may be associated with the policy",
        "\"PTEAM02\" is not a team of the seed",
    ] {
        assert!(
            problems.contains(needle),
            "missing {needle:?} in {problems}"
        );
    }
}
