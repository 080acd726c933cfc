//! How one refused request affects an apply: a 403 fails only its own action, and a team
//! that refuses to let a leaver go does not keep the leaver on every other team.
//! Library-level: the simulator in-process, the demo's inputs, `commands::observe_and_plan`
//! and `apply::apply`.

use hr2pagerduty::apply::{self, ApplyOptions, OutcomeStatus};
use hr2pagerduty::commands::{self, demo::files};
use hr2pagerduty::config::{Config, Connection};
use hr2pagerduty::pagerduty::Client;
use hr2pagerduty::progress::Progress;
use hr2pagerduty::sim::faults::{Fault, FaultKind};
use hr2pagerduty::{hr, sim};
use std::path::Path;

const KEY: &str = "demo-key-not-secret";

async fn setup(fault: Fault) -> (sim::SimHandle, Client, Config, hr::Roster) {
    let cfg = Config::from_toml(files::CONFIG, Path::new("config.toml")).unwrap();
    let roster = hr::read_bytes(files::HR.as_bytes(), &cfg).unwrap();
    let mut seed = sim::Seed::from_json(files::SEED).unwrap();
    seed.faults.push(fault);
    let handle = sim::start(seed, 0).await.unwrap();
    let s = Connection::resolve(Some(&handle.url()), None, Some(KEY), &cfg).unwrap();
    let client = Client::new(commands::client_config(&cfg, &s)).unwrap();
    (handle, client, cfg, roster)
}

fn opts(cfg: &Config) -> ApplyOptions {
    ApplyOptions {
        concurrency: 4,
        protected: cfg.lifecycle.protected.clone(),
    }
}

#[tokio::test]
async fn a_403_fails_its_own_action_and_the_run_goes_on() {
    let fault = Fault::new("PUT", "/users/PBARB01", FaultKind::status(403)).always();
    let (_sim, client, cfg, roster) = setup(fault).await;
    let obs = commands::observe_and_plan(&client, &cfg, &roster, &Progress::hidden(), "sim")
        .await
        .unwrap();
    let outcomes = apply::apply(
        &client,
        &obs.plan,
        &opts(&cfg),
        &Progress::hidden(),
        &|_| {},
    )
    .await;
    let failed: Vec<&str> = outcomes
        .iter()
        .filter(|o| o.status == OutcomeStatus::Failed)
        .map(|o| o.action.email.as_str())
        .collect();
    assert_eq!(failed, vec!["barbara.liskov@example.com"]);
    assert!(
        outcomes
            .iter()
            .filter(|o| o.action.email.as_str() != "barbara.liskov@example.com")
            .all(|o| o.status == OutcomeStatus::Applied),
        "{outcomes:#?}"
    );
}

#[tokio::test]
async fn a_team_that_refuses_a_removal_does_not_keep_the_leaver_on_other_teams() {
    // PagerDuty refuses to remove a user who is on an escalation policy of the team (F32).
    let fault = Fault::new(
        "DELETE",
        "/teams/PITOPS1/users/PALAN01",
        FaultKind::Status {
            status: 400,
            code: Some(2001),
            message: None,
            errors: vec![
                "User cannot be removed as they belong to an escalation policy on this team".into(),
            ],
        },
    )
    .always();
    let (sim, client, cfg, roster) = setup(fault).await;
    let obs = commands::observe_and_plan(&client, &cfg, &roster, &Progress::hidden(), "sim")
        .await
        .unwrap();
    let outcomes = apply::apply(
        &client,
        &obs.plan,
        &opts(&cfg),
        &Progress::hidden(),
        &|_| {},
    )
    .await;
    let alan = outcomes
        .iter()
        .find(|o| o.action.email.as_str() == "alan.turing@example.com")
        .unwrap();
    assert_eq!(alan.status, OutcomeStatus::Failed);
    assert!(
        alan.error.as_deref().unwrap().contains("escalation policy"),
        "{:?}",
        alan.error
    );
    // Chess Club let him go; IT Operations did not; the stakeholder role waits for it.
    assert!(
        sim.team_members("PCHESS1")
            .iter()
            .all(|m| m.user.id != "PALAN01")
    );
    assert!(
        sim.team_members("PITOPS1")
            .iter()
            .any(|m| m.user.id == "PALAN01")
    );
    let user = sim.users().into_iter().find(|u| u.id == "PALAN01").unwrap();
    assert_eq!(user.role.as_str(), "limited_user");
    assert!(
        user.description.unwrap().contains("\"suspended\""),
        "the record was written first"
    );
    // The next plan finishes what is left: one removal, then the role.
    let again = commands::observe_and_plan(&client, &cfg, &roster, &Progress::hidden(), "sim")
        .await
        .unwrap();
    let next = again
        .plan
        .actions
        .iter()
        .find(|a| a.email.as_str() == "alan.turing@example.com")
        .unwrap();
    assert_eq!(next.steps.len(), 2, "{:?}", next.steps);
    assert!(
        next.reason.contains("finishing an interrupted suspension"),
        "{}",
        next.reason
    );
}

#[tokio::test]
async fn each_outcome_is_reported_as_its_action_ends() {
    // A fault that never fires: a clean run.
    let fault = Fault::new("GET", "/nowhere", FaultKind::status(500));
    let (_sim, client, cfg, roster) = setup(fault).await;
    let obs = commands::observe_and_plan(&client, &cfg, &roster, &Progress::hidden(), "sim")
        .await
        .unwrap();
    let seen = std::sync::Mutex::new(Vec::new());
    let outcomes = apply::apply(&client, &obs.plan, &opts(&cfg), &Progress::hidden(), &|o| {
        seen.lock()
            .unwrap()
            .push(hr2pagerduty::report::outcome_line(o));
    })
    .await;
    let seen = seen.into_inner().unwrap();
    assert_eq!(seen.len(), outcomes.len());
    for o in &outcomes {
        assert!(
            seen.contains(&hr2pagerduty::report::outcome_line(o)),
            "{seen:?}"
        );
    }
    assert!(
        seen.iter()
            .any(|l| l.starts_with("  + created frances.allen@example.com (P")),
        "{seen:?}"
    );
}
