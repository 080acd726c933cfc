//! The leak test: every command that holds the key (and `apply` with a notification
//! webhook) at the most verbose log level (`-vv`, `RUST_LOG=trace`), through success, 401,
//! 429 and 500 answers; stdout, stderr (the logs), the saved plan and the report are
//! searched for the key, every 8-character piece of it, and the webhook URL's secret part.

use crate::support::Sim;
use crate::support::e2e::{KEY, demo_seed, hr2pd, run_args};
use crate::support::repo;
use hr2pagerduty::sim::{Fault, FaultKind};
use std::path::Path;

const HOOK_SECRET: &str = "hookSecretLeak5a4b3c2d";

/// Every needle that must not appear: the key, each 8-character window of it, the hook.
fn needles() -> Vec<String> {
    let mut out: Vec<String> = (0..=KEY.len() - 8)
        .map(|i| KEY[i..i + 8].to_string())
        .collect();
    out.push(KEY.to_string());
    out.push(HOOK_SECRET.to_string());
    out
}

fn assert_clean(what: &str, texts: &[(&str, String)]) {
    for (name, text) in texts {
        for n in needles() {
            assert!(!text.contains(&n), "{what}: {name} contains {n:?}");
        }
    }
}

/// Runs every command against `sim` and checks every output.
fn every_command(sim: &Sim, what: &str) {
    let dir = tempfile::tempdir().unwrap();
    let plan_file = dir.path().join("plan.json");
    let report = dir.path().join("report.json");
    let config = repo("samples/demo/config.toml");
    let hr = repo("samples/demo/hr.csv");
    let hook = format!("http://127.0.0.1:9/services/T0/B0/{HOOK_SECRET}");
    let s = |p: &Path| p.display().to_string();
    let commands: Vec<Vec<String>> = vec![
        vec![
            "validate".into(),
            "--config".into(),
            s(&config),
            "--hr".into(),
            s(&hr),
        ],
        vec![
            "plan".into(),
            "--config".into(),
            s(&config),
            "--hr".into(),
            s(&hr),
            "--out".into(),
            s(&plan_file),
        ],
        vec![
            "plan".into(),
            "--config".into(),
            s(&config),
            "--hr".into(),
            s(&hr),
            "--format".into(),
            "json".into(),
        ],
        vec!["doctor".into(), "--config".into(), s(&config)],
        vec![
            "doctor".into(),
            "--config".into(),
            s(&config),
            "--format".into(),
            "json".into(),
        ],
        vec![
            "apply".into(),
            "--config".into(),
            s(&config),
            "--hr".into(),
            s(&hr),
            "--yes".into(),
            "--report".into(),
            s(&report),
            "--notify".into(),
            hook.clone(),
        ],
    ];
    for args in commands {
        let mut cmd = hr2pd();
        cmd.env("PAGERDUTY_API_URL", sim.url())
            .env("PAGERDUTY_API_KEY", KEY)
            .env("RUST_LOG", "trace");
        let mut all = vec!["-vv".to_string()];
        all.extend(args.clone());
        let r = run_args(cmd, &all);
        let files: Vec<(&str, String)> = [("plan file", &plan_file), ("report", &report)]
            .into_iter()
            .map(|(n, p)| (n, std::fs::read_to_string(p).unwrap_or_default()))
            .collect();
        let mut texts = vec![("stdout", r.stdout.clone()), ("stderr", r.stderr.clone())];
        texts.extend(files);
        assert_clean(&format!("{what}: {}", args.join(" ")), &texts);
        // The logs are there: the most verbose level does print.
        if args[0] != "validate" {
            assert!(
                r.stderr.contains("TRACE") || r.stderr.contains("DEBUG"),
                "{what}: {r:?}"
            );
        }
    }
}

#[test]
fn no_output_holds_the_key_or_the_webhook_on_success() {
    let sim = Sim::start(demo_seed());
    every_command(&sim, "success");
}

#[test]
fn no_output_holds_the_key_or_the_webhook_when_the_key_is_rejected() {
    let mut seed = demo_seed();
    seed.api_keys = vec!["another-key-entirely".into()];
    let sim = Sim::start(seed);
    every_command(&sim, "401");
}

#[test]
fn no_output_holds_the_key_or_the_webhook_through_429s() {
    let sim = Sim::start(demo_seed());
    sim.inject(Fault::new("GET", "/users", FaultKind::status(429)).times(2));
    every_command(&sim, "429");
}

#[test]
fn no_output_holds_the_key_or_the_webhook_through_500s() {
    let sim = Sim::start(demo_seed());
    sim.inject(Fault::new("GET", "/users", FaultKind::status(500)).times(6));
    every_command(&sim, "500");
}

/// `sandbox` prints a key to use (a sandbox key is no secret): the seed's, never the one in
/// the environment, which a user who also runs against the real PagerDuty may well have
/// exported. The sandbox is started at the most verbose level with [`KEY`] in its
/// environment, then receives requests carrying its own key and [`KEY`] (a `plan` pointed
/// at it from such a shell); neither its banner nor its logs hold [`KEY`] or a piece of it.
#[test]
fn the_sandbox_banner_names_the_seeds_key_and_never_the_environments() {
    use std::io::BufRead;
    use std::process::{Command, Stdio};

    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("stderr.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_hr2pagerduty"))
        .args(["-vv", "sandbox", "--port", "0", "--seed"])
        .arg(repo("samples/demo/seed.json"))
        .env("PAGERDUTY_API_KEY", KEY)
        .env("RUST_LOG", "trace")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("sandbox starts");
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut banner = String::new();
    while !banner.ends_with("Press Ctrl-C to stop.\n") {
        if out.read_line(&mut banner).unwrap() == 0 {
            let _ = child.kill();
            panic!("banner ended: {banner}");
        }
    }
    // The seed's key is shown, ready to paste, and it works.
    assert!(
        banner.contains("\n  export PAGERDUTY_API_KEY=demo-key-not-secret\n"),
        "{banner}"
    );
    let url = banner
        .lines()
        .find_map(|l| l.strip_prefix("  export PAGERDUTY_API_URL="))
        .unwrap()
        .to_string();
    let statuses: Vec<u16> = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let http = reqwest::Client::new();
            let mut statuses = Vec::new();
            for key in ["demo-key-not-secret", KEY] {
                let r = http
                    .get(format!("{url}/users"))
                    .header("Authorization", format!("Token token={key}"))
                    .send()
                    .await
                    .unwrap();
                statuses.push(r.status().as_u16());
            }
            statuses
        });
    assert_eq!(statuses, [200, 401]);
    // Stopped as a user stops it (Ctrl-C), so that everything it logs is written.
    let stopped = Command::new("kill")
        .args(["-s", "INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    assert_eq!(child.wait().unwrap().code(), Some(0));
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
    let stderr = std::fs::read_to_string(&log).unwrap();
    assert!(
        stderr.contains("DEBUG") || stderr.contains("TRACE"),
        "the logs are there: {stderr}"
    );
    assert_clean("sandbox", &[("stdout", banner + &rest), ("stderr", stderr)]);
}
