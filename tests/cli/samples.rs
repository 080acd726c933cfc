//! The samples a new user starts from, as README's walk-through uses them:
//! - each `samples/real/NAME.toml` has a seed, `samples/real/NAME.seed.json`, holding the
//!   teams its rules name and its `from` user (checked without `../shared`);
//! - `sandbox --seed samples/real/NAME.seed.json`, then `plan` with the URL and key its
//!   banner prints, against the real export in `../shared/data/hr`, plans without a refusal
//!   (skipped, saying so, when `../shared` is absent);
//! - `samples/config.toml` accepts `samples/demo/hr.csv` (`validate` and `plan`).

use crate::sandbox::sandbox;
use crate::support::e2e::{KEY, demo_seed, hr2pd, inputs, run_args};
use crate::support::{Run, Sim, repo, shared_hr_path};
use hr2pagerduty::config::Config;
use hr2pagerduty::pagerduty::models::Role;
use hr2pagerduty::sim::Seed;
use std::collections::BTreeSet;
use std::path::PathBuf;

/// Each sample configuration of `samples/real/` and the export of `../shared/data/hr` it is
/// written for.
const REAL: [(&str, &str); 4] = [
    ("hrdataset", "HRDataset_v14.csv"),
    ("kaggle", "kaggle_employee_data_all_in_one.csv"),
    ("midpoint", "midpoint_hris_demo_export-initial.csv"),
    ("workivate", "workivate_onboarding_full_import.csv"),
];

fn config_path(name: &str) -> PathBuf {
    repo(&format!("samples/real/{name}.toml"))
}

fn seed_path(name: &str) -> PathBuf {
    repo(&format!("samples/real/{name}.seed.json"))
}

/// The seed team a configured `team` resolves to, as the planner resolves it
/// (`plan::rules`): the one team with that ID, else the one whose trimmed name matches
/// case-insensitively.
fn seed_team<'a>(seed: &'a Seed, team: &str) -> Result<&'a str, String> {
    let wanted = team.trim();
    if let Some(t) = seed.teams.iter().find(|t| t.id.as_deref() == Some(wanted)) {
        return Ok(&t.name);
    }
    let by_name: Vec<&str> = seed
        .teams
        .iter()
        .filter(|t| t.name.trim().to_lowercase() == wanted.to_lowercase())
        .map(|t| t.name.as_str())
        .collect();
    match by_name[..] {
        [one] => Ok(one),
        [] => Err(format!("no team {wanted:?}")),
        _ => Err(format!("{} teams named {wanted:?}", by_name.len())),
    }
}

#[test]
fn every_real_sample_config_has_a_seed_with_its_teams_and_its_from_user() {
    // Every configuration in samples/real/ is one of REAL, so a new one needs a seed too.
    let configs: BTreeSet<String> = std::fs::read_dir(repo("samples/real"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|f| f.strip_suffix(".toml").map(str::to_string))
        .collect();
    let listed: BTreeSet<String> = REAL.iter().map(|(n, _)| n.to_string()).collect();
    assert_eq!(configs, listed);

    for (name, _) in REAL {
        let config = Config::load(&config_path(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let seed = Seed::from_file(&seed_path(name)).unwrap_or_else(|e| panic!("{name}: {e}"));

        // The teams: every team a rule names is in the seed, and the seed holds no other.
        let named: BTreeSet<&str> = config
            .teams
            .rules
            .iter()
            .map(|r| seed_team(&seed, &r.team).unwrap_or_else(|e| panic!("{name}: {e}")))
            .collect();
        let seeded: BTreeSet<&str> = seed.teams.iter().map(|t| t.name.as_str()).collect();
        assert!(!named.is_empty(), "{name}: no team rule");
        assert_eq!(named, seeded, "{name}: the seed's teams");

        // The `from` user exists, can create users (not a stakeholder), and is not the
        // account owner (a bot of its own, as README advises); the config protects it.
        let from = config.pagerduty.from.as_str();
        let user = seed
            .users
            .iter()
            .find(|u| u.email.eq_ignore_ascii_case(from))
            .unwrap_or_else(|| panic!("{name}: the from user {from} is not in the seed"));
        assert_eq!(user.role, Some(Role::Admin), "{name}: {from}");
        assert!(
            config.lifecycle.protected.contains(&config.pagerduty.from),
            "{name}: {from} is not protected"
        );
        // Every protected email is a user of the account.
        for p in &config.lifecycle.protected {
            assert!(
                seed.users
                    .iter()
                    .any(|u| u.email.eq_ignore_ascii_case(p.as_str())),
                "{name}: protected {p} is not in the seed"
            );
        }
        // A real account has an owner; the sandbox banner prints the seed's first key.
        assert!(
            seed.users.iter().any(|u| u.role == Some(Role::Owner)),
            "{name}: no account owner"
        );
        assert!(!seed.api_keys.is_empty(), "{name}: no API key");
    }
}

/// The value of `  export VAR=VALUE` in a sandbox banner.
fn exported(banner: &[String], var: &str) -> String {
    let prefix = format!("  export {var}=");
    banner
        .iter()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no {var} in {banner:?}"))
        .to_string()
}

/// A `Plan:` line's count of creates, e.g. 2458 in `Plan: 2458 to create, …`.
fn creates(run: &Run) -> u64 {
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("Plan: "))
        .unwrap_or_else(|| panic!("no Plan: line\n{run:?}"));
    line["Plan: ".len()..]
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{line}"))
}

/// README's walk-through for one sample: the sandbox from its seed, then `plan
/// --detailed-exitcode` with the URL and key the banner prints. Exit 2 (changes: the
/// workforce is to be created), no refusal, and the sandbox's account untouched.
fn walk_through(name: &str, export: &str) {
    let Some(hr) = shared_hr_path(export) else {
        return;
    };
    let (_sandbox, banner) = sandbox(&seed_path(name), &[]);
    let url = exported(&banner, "PAGERDUTY_API_URL");
    let key = exported(&banner, "PAGERDUTY_API_KEY");
    assert_eq!(key, "sandbox-key-not-secret", "{banner:?}");

    let mut cmd = hr2pd();
    cmd.env("PAGERDUTY_API_URL", &url)
        .env("PAGERDUTY_API_KEY", &key);
    let mut args = inputs("plan", &config_path(name), &hr);
    args.push("--detailed-exitcode".into());
    let run = run_args(cmd, &args);
    assert_eq!(run.code, 2, "{name}: {run:?}");
    assert!(!run.stderr.contains("refused"), "{name}: {run:?}");
    assert!(creates(&run) > 0, "{name}: {run:?}");
    // `doctor` agrees: the teams, the from user and the abilities the config needs exist.
    let mut cmd = hr2pd();
    cmd.env("PAGERDUTY_API_URL", &url)
        .env("PAGERDUTY_API_KEY", &key);
    let doctor = run_args(
        cmd,
        &[
            "doctor".into(),
            "--config".into(),
            config_path(name).display().to_string(),
        ],
    );
    assert_eq!(doctor.code, 0, "{name}: {doctor:?}");
}

#[test]
fn hrdataset_walk_through_plans_against_its_seed() {
    walk_through(REAL[0].0, REAL[0].1);
}

#[test]
fn kaggle_walk_through_plans_against_its_seed() {
    walk_through(REAL[1].0, REAL[1].1);
}

#[test]
fn midpoint_walk_through_plans_against_its_seed() {
    walk_through(REAL[2].0, REAL[2].1);
}

#[test]
fn workivate_walk_through_plans_against_its_seed() {
    walk_through(REAL[3].0, REAL[3].1);
}

/// `samples/config.toml` with `samples/demo/hr.csv`: the demo file's one deliberately broken
/// row (an email with a space) is reported, and neither `validate` nor `plan` refuses.
#[test]
fn the_sample_config_accepts_the_demo_export() {
    let config = repo("samples/config.toml");
    let hr = repo("samples/demo/hr.csv");
    let validate = run_args(hr2pd(), &inputs("validate", &config, &hr));
    assert_eq!(validate.code, 0, "{validate:?}");
    assert!(
        validate.stdout.contains("line 12"),
        "the broken row is reported: {validate:?}"
    );

    let sim = Sim::start(demo_seed());
    let mut cmd = hr2pd();
    cmd.env("PAGERDUTY_API_URL", sim.url())
        .env("PAGERDUTY_API_KEY", KEY);
    let mut args = inputs("plan", &config, &hr);
    args.push("--detailed-exitcode".into());
    let plan = run_args(cmd, &args);
    assert_eq!(plan.code, 2, "{plan:?}");
    assert!(!plan.stderr.contains("refused"), "{plan:?}");
    assert_eq!(sim.handle.write_count(), 0);
}
