//! The leak test: every command that holds the key (and `apply` with a notification
//! webhook) at the most verbose log level (`-vv`, `RUST_LOG=trace`), in both log formats
//! (`--log-format text` and `json`, the JSON run's apply writing its report as Markdown),
//! through success, 401, 429 and 500 answers; stdout, stderr (the logs), the saved plan and
//! the report are searched for the key, every 8-character piece of it, and the webhook
//! URL's secret part; the marker keys (`PAGERDUTY_MARKER_KEY`, `..._PREVIOUS`) are set for
//! every run and searched for the same way.

use crate::support::Sim;
use crate::support::e2e::{KEY, demo_seed, hr2pd, run_args};
use crate::support::repo;
use hr2pagerduty::sim::{Fault, FaultKind};
use std::path::Path;

const HOOK_SECRET: &str = "hookSecretLeak5a4b3c2d";
/// `PAGERDUTY_MARKER_KEY` and `PAGERDUTY_MARKER_KEY_PREVIOUS` of every run.
const MARKER_KEY: &str = "markerKeyLeak-7d41c9a2e08b5f36-current";
const MARKER_KEY_PREVIOUS: &str = "markerKeyLeak-1b2c3d4e5f60718a-previous";

/// Every needle that must not appear: the API key and the marker keys, each 8-character
/// window of them, the hook.
fn needles() -> Vec<String> {
    let mut out = Vec::new();
    for secret in [KEY, MARKER_KEY, MARKER_KEY_PREVIOUS] {
        out.extend((0..=secret.len() - 8).map(|i| secret[i..i + 8].to_string()));
        out.push(secret.to_string());
    }
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

/// Runs every command against a simulator from `start` in each log format (a fresh one
/// each, since the apply changes the account) and checks every output. The two run side by
/// side: most of their time is spent waiting out 429 pauses and retries.
fn every_command(start: impl Fn() -> Sim + Sync, what: &str) {
    std::thread::scope(|scope| {
        for log_format in ["text", "json"] {
            let start = &start;
            scope.spawn(move || {
                every_command_logging(&start(), &format!("{what}, {log_format} logs"), log_format);
            });
        }
    });
}

/// Runs every command against `sim` with `--log-format log_format` and checks every output.
fn every_command_logging(sim: &Sim, what: &str, log_format: &str) {
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
            "--report-format".into(),
            if log_format == "json" {
                "markdown"
            } else {
                "json"
            }
            .into(),
        ],
    ];
    for args in commands {
        let mut cmd = hr2pd();
        cmd.env("PAGERDUTY_API_URL", sim.url())
            .env("PAGERDUTY_API_KEY", KEY)
            .env("PAGERDUTY_MARKER_KEY", MARKER_KEY)
            .env("PAGERDUTY_MARKER_KEY_PREVIOUS", MARKER_KEY_PREVIOUS)
            .env("RUST_LOG", "trace");
        let mut all = args.clone();
        all.extend(["-vv".into(), "--log-format".into(), log_format.to_string()]);
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
    every_command(|| Sim::start(demo_seed()), "success");
}

#[test]
fn no_output_holds_the_key_or_the_webhook_when_the_key_is_rejected() {
    let start = || {
        let mut seed = demo_seed();
        seed.api_keys = vec!["another-key-entirely".into()];
        Sim::start(seed)
    };
    every_command(start, "401");
}

#[test]
fn no_output_holds_the_key_or_the_webhook_through_429s() {
    let start = || {
        let sim = Sim::start(demo_seed());
        sim.inject(Fault::new("GET", "/users", FaultKind::status(429)).times(2));
        sim
    };
    every_command(start, "429");
}

#[test]
fn no_output_holds_the_key_or_the_webhook_through_500s() {
    let start = || {
        let sim = Sim::start(demo_seed());
        sim.inject(Fault::new("GET", "/users", FaultKind::status(500)).times(6));
        sim
    };
    every_command(start, "500");
}

/// A `[notify] url` that the configuration cannot take, in each way the file can be wrong
/// on its line: TOML syntax (an array, an unterminated string, the key twice, the table as
/// a string), and a URL the validation refuses (plain http to another host). `validate` and
/// `plan` exit 78 naming the line, the TOML errors with their caret, and neither output
/// holds the URL's secret part.
#[test]
fn no_configuration_error_holds_the_webhook() {
    let dir = tempfile::tempdir().unwrap();
    let base = std::fs::read_to_string(repo("samples/demo/config.toml")).unwrap();
    let lines = base.lines().count();
    let hook = format!("http://127.0.0.1:9/services/T0/B0/{HOOK_SECRET}");
    let remote = format!("http://hooks.example.com/services/T0/B0/{HOOK_SECRET}");
    let cases = [
        (
            "array",
            format!("\n[notify]\nurl = [\"{hook}\"]\n"),
            3,
            true,
        ),
        (
            "unterminated",
            format!("\n[notify]\nurl = \"{hook}\n"),
            3,
            true,
        ),
        (
            "duplicate",
            format!("\n[notify]\nurl = \"{hook}\"\nurl = \"{hook}\"\n"),
            4,
            true,
        ),
        (
            "table as a string",
            format!("\nnotify = \"{hook}\"\n"),
            2,
            true,
        ),
        (
            "refused URL",
            format!("\n[notify]\nurl = \"{remote}\"\n"),
            3,
            false,
        ),
    ];
    let hr = repo("samples/demo/hr.csv");
    for (what, tail, line, caret) in cases {
        let config = dir.path().join("config.toml");
        std::fs::write(&config, format!("{base}{tail}")).unwrap();
        for cmd in ["validate", "plan"] {
            let mut c = hr2pd();
            c.env("PAGERDUTY_API_KEY", KEY)
                .env("PAGERDUTY_API_URL", "http://127.0.0.1:9");
            let r = run_args(c, &crate::support::e2e::inputs(cmd, &config, &hr));
            assert_eq!(r.code, 78, "{what}, {cmd}: {r:?}");
            assert_clean(
                &format!("{what}, {cmd}"),
                &[("stdout", r.stdout.clone()), ("stderr", r.stderr.clone())],
            );
            assert!(
                r.stderr.contains(&format!("line {}", lines + line)),
                "{what}, {cmd}: {r:?}"
            );
            assert_eq!(r.stderr.contains('^'), caret, "{what}, {cmd}: {r:?}");
        }
    }
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
        .args(["sandbox", "-vv", "--port", "0", "--seed"])
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
