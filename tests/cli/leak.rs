//! The leak test: no output of any command holds a secret, at the most verbose log level
//! (`-vv` and `RUST_LOG=trace`), in both log formats, through four ways PagerDuty answers.
//!
//! - Secrets: the API key ([`KEY`]), the marker keys ([`MARKER_KEY`],
//!   [`MARKER_KEY_PREVIOUS`]) and the notification webhook URL (the receiver's
//!   [`Receiver::url`]); each secret whole and every 8-character piece of it (the URL's
//!   three secret path segments piece by piece, and the URL whole).
//! - Commands, each on a fresh simulator (so that every one meets the faults): `validate`;
//!   `plan --out FILE`; `plan --format json`; `doctor` in text and JSON; `apply --yes` with
//!   `--report` in each `--report-format` (json, csv, markdown) and the webhook; `apply
//!   --plan FILE` (of a plan made on the same simulator before its faults) with the webhook;
//!   `demo --report` in each report format (the built-in simulator, with the secrets in
//!   its environment); `completions bash|zsh|fish`; `man` and `man apply`.
//! - The secrets' sources: with `--log-format text`, every secret from the environment
//!   (`PAGERDUTY_API_KEY`, `PAGERDUTY_MARKER_KEY`, `PAGERDUTY_MARKER_KEY_PREVIOUS`, `--notify
//!   URL`); with `--log-format json`, the keys from `--api-key-file`, `--marker-key-file` and
//!   `--marker-key-previous-file` (the variables set too) and the webhook from
//!   `HR2PAGERDUTY_NOTIFY_URL`.
//! - Answers: success; 401 (the simulator knows another key); 429 (the first two `GET
//!   /users` of each command answered 429 with `ratelimit-reset: 1`, then served); 500 (the
//!   first five `GET /users` of each command answered 500: the retries run out and the
//!   command fails).
//! - Searched: stdout, stderr (the logs: text lines, or one JSON object per line), every
//!   file the command left in its directory (the saved plan, the report in its format),
//!   and every notification body the webhook received. `sandbox` is the last test's.
//! - A password in the API URL or the webhook URL (`https://user:PASSWORD@host`), from a
//!   flag, a variable or the configuration: refused, and no output holds a piece of it.

use crate::notify::Receiver;
use crate::support::Sim;
use crate::support::e2e::{KEY, demo_seed, hr2pd, run_args};
use crate::support::repo;
use axum::http::StatusCode;
use hr2pagerduty::sim::{Fault, FaultKind, Seed};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// `PAGERDUTY_MARKER_KEY` of every run (no English word in it, so that no 8-character
/// piece of it is ordinary text).
const MARKER_KEY: &str = "mKq7d41c9a2e08b5f36XqZ0rT4wYvLp93hGk2Ns8";
/// `PAGERDUTY_MARKER_KEY_PREVIOUS` of every run.
const MARKER_KEY_PREVIOUS: &str = "pVx1b2c3d4e5f60718aZ9yW8vU7tS6rQ5pO4nM3j";

/// Every needle that must not appear: each secret and each 8-character window of it. The
/// webhook's secret parts are its last three path segments (a Slack URL's workspace,
/// channel and token), each searched the same way, and the URL whole.
fn needles(hook: &str) -> Vec<String> {
    let mut secrets = vec![KEY, MARKER_KEY, MARKER_KEY_PREVIOUS];
    let segments: Vec<&str> = hook.rsplit('/').take(3).collect();
    secrets.extend(segments);
    let mut out = vec![hook.to_string()];
    for secret in secrets {
        assert!(secret.len() >= 8, "{secret}");
        out.extend((0..=secret.len() - 8).map(|i| secret[i..i + 8].to_string()));
        out.push(secret.to_string());
    }
    out
}

fn assert_clean(what: &str, hook: &str, texts: &[(String, String)]) {
    let needles = needles(hook);
    for (name, text) in texts {
        for n in &needles {
            assert!(!text.contains(n.as_str()), "{what}: {name} contains {n:?}");
        }
    }
}

/// How the simulator answers: its seed, and the faults injected before each command.
struct Answers {
    what: &'static str,
    seed: fn() -> Seed,
    faults: fn(&Sim),
}

/// One command of the list, in a directory of its own.
struct Command {
    args: Vec<String>,
    /// Talks to the simulator (a fresh one, faults injected).
    sim: bool,
    /// Takes `--api-url`, `--api-key-file` and the marker key files.
    connection: bool,
    /// Takes `--notify` (an apply).
    notify: bool,
    /// Takes `-vv` and `--log-format`.
    logs: bool,
    /// An `apply --plan`: the plan is made first, on the same simulator, before the faults.
    saved_plan: bool,
}

fn command(args: &[&str]) -> Command {
    let name = args[0];
    Command {
        args: args.iter().map(|a| a.to_string()).collect(),
        sim: matches!(name, "plan" | "doctor" | "apply"),
        connection: matches!(name, "plan" | "doctor" | "apply"),
        notify: name == "apply",
        logs: !matches!(name, "completions" | "man"),
        saved_plan: args.contains(&"--plan"),
    }
}

/// Every command of the list (module documentation), with the demo's inputs; `plan.json`
/// and `report.*` are relative to the command's directory.
fn commands(config: &str, hr: &str) -> Vec<Command> {
    let inputs = |cmd: &'static str| vec![cmd, "--config", config, "--hr", hr];
    let mut out = vec![
        command(&inputs("validate")),
        command(&[inputs("plan"), vec!["--out", "plan.json"]].concat()),
        command(&[inputs("plan"), vec!["--format", "json"]].concat()),
        command(&["doctor", "--config", config]),
        command(&["doctor", "--config", config, "--format", "json"]),
    ];
    for (format, file) in [
        ("json", "report.json"),
        ("csv", "report.csv"),
        ("markdown", "report.md"),
    ] {
        let report = ["--yes", "--report", file, "--report-format", format];
        out.push(command(&[inputs("apply"), report.to_vec()].concat()));
    }
    out.push(command(&[
        "apply",
        "--config",
        config,
        "--plan",
        "plan.json",
        "--yes",
        "--report",
        "report.json",
    ]));
    for (format, file) in [
        ("json", "report.json"),
        ("csv", "report.csv"),
        ("markdown", "report.md"),
    ] {
        out.push(command(&[
            "demo",
            "--report",
            file,
            "--report-format",
            format,
        ]));
    }
    for shell in ["bash", "zsh", "fish"] {
        out.push(command(&["completions", shell]));
    }
    out.push(command(&["man"]));
    out.push(command(&["man", "apply"]));
    out
}

/// Every file in `dir` as `(name, text)`.
fn files_in(dir: &Path) -> Vec<(String, String)> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let text = String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned();
            (format!("file {}", p.display()), text)
        })
        .collect()
}

/// `path` holding `secret` and a newline, readable by its owner only.
fn secret_file(path: PathBuf, secret: &str) -> PathBuf {
    std::fs::write(&path, format!("{secret}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path
}

/// Runs every command with both log formats side by side (most of the time is spent
/// waiting out 429 pauses and retries).
fn every_command(answers: Answers) {
    std::thread::scope(|scope| {
        for log_format in ["text", "json"] {
            let answers = &answers;
            scope.spawn(move || every_command_logging(answers, log_format));
        }
    });
}

/// Runs every command with `--log-format log_format` (where it is taken) against
/// simulators answering as `answers` says, and checks every output.
fn every_command_logging(answers: &Answers, log_format: &str) {
    let receiver = Receiver::start(StatusCode::OK);
    let hook = receiver.url();
    let keys = tempfile::tempdir().unwrap();
    let key_files = [
        (
            "--api-key-file",
            secret_file(keys.path().join("api-key"), KEY),
        ),
        (
            "--marker-key-file",
            secret_file(keys.path().join("marker-key"), MARKER_KEY),
        ),
        (
            "--marker-key-previous-file",
            secret_file(keys.path().join("marker-key-previous"), MARKER_KEY_PREVIOUS),
        ),
    ];
    let config = repo("samples/demo/config.toml").display().to_string();
    let hr = repo("samples/demo/hr.csv").display().to_string();
    for c in commands(&config, &hr) {
        let what = format!("{}, {log_format} logs: {}", answers.what, c.args.join(" "));
        let dir = tempfile::tempdir().unwrap();
        let sim = c.sim.then(|| Sim::start((answers.seed)()));
        let mut args = c.args.clone();
        if c.logs {
            args.extend(["-vv".into(), "--log-format".into(), log_format.into()]);
        }
        if c.connection && log_format == "json" {
            for (flag, path) in &key_files {
                args.extend([flag.to_string(), path.display().to_string()]);
            }
        }
        if c.notify && log_format == "text" {
            args.extend(["--notify".into(), hook.clone()]);
        }
        let base = || {
            let mut cmd = hr2pd();
            cmd.current_dir(dir.path())
                .env("PAGERDUTY_API_KEY", KEY)
                .env("PAGERDUTY_MARKER_KEY", MARKER_KEY)
                .env("PAGERDUTY_MARKER_KEY_PREVIOUS", MARKER_KEY_PREVIOUS)
                .env("STATE_DIRECTORY", dir.path())
                .env("RUST_LOG", "trace");
            if log_format == "json" {
                cmd.env("HR2PAGERDUTY_NOTIFY_URL", &hook);
            }
            if let Some(sim) = &sim {
                cmd.env("PAGERDUTY_API_URL", sim.url());
            }
            cmd
        };
        if c.saved_plan {
            let plan = [
                "plan",
                "--config",
                &config,
                "--hr",
                &hr,
                "--out",
                "plan.json",
            ];
            let made = run_args(base(), &plan.map(String::from));
            assert_clean(&what, &hook, &[("plan's stderr".into(), made.stderr)]);
        }
        if let Some(sim) = &sim {
            (answers.faults)(sim);
        }
        let received = receiver.bodies().len();
        let r = run_args(base(), &args);
        let mut texts = vec![
            ("stdout".to_string(), r.stdout.clone()),
            ("stderr".to_string(), r.stderr.clone()),
        ];
        texts.extend(files_in(dir.path()));
        let bodies = receiver.bodies();
        for (path, body) in &bodies[received..] {
            texts.push((format!("notification to {path}"), body.to_string()));
        }
        assert_clean(&what, &hook, &texts);
        // The outputs are there to search: the logs at the most verbose level, the
        // notification of each apply, the page or script of completions and man.
        if c.logs && c.args[0] != "validate" {
            assert!(
                r.stderr.contains("TRACE") || r.stderr.contains("DEBUG"),
                "{what}: {r:?}"
            );
        }
        if c.notify {
            assert!(bodies.len() > received, "{what}: no notification\n{r:?}");
        }
        if !c.logs {
            r.expect_code(0);
            assert!(r.stdout.len() > 1000, "{what}: {r:?}");
        }
    }
}

#[test]
fn no_output_holds_a_secret_on_success() {
    every_command(Answers {
        what: "success",
        seed: demo_seed,
        faults: |_| {},
    });
}

#[test]
fn no_output_holds_a_secret_when_the_key_is_rejected() {
    every_command(Answers {
        what: "401",
        seed: || {
            let mut seed = demo_seed();
            seed.api_keys = vec!["another-key-entirely".into()];
            seed
        },
        faults: |_| {},
    });
}

#[test]
fn no_output_holds_a_secret_through_429s() {
    every_command(Answers {
        what: "429",
        seed: demo_seed,
        faults: |sim| {
            let limited = FaultKind::RateLimited { reset_seconds: 1 };
            sim.inject(Fault::new("GET", "/users", limited).times(2));
        },
    });
}

#[test]
fn no_output_holds_a_secret_when_500s_exhaust_the_retries() {
    every_command(Answers {
        what: "500",
        seed: demo_seed,
        faults: |sim| {
            sim.inject(Fault::new("GET", "/users", FaultKind::status(500)).times(5));
        },
    });
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
    // Three secret path segments of 8 characters or more, as needles() takes them.
    let path = "services/T0LeakWorkspace/B0LeakChannel/hookSecretLeak5a4b3c2d";
    let hook = format!("http://127.0.0.1:9/{path}");
    let remote = format!("http://hooks.example.com/{path}");
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
                &hook,
                &[
                    ("stdout".into(), r.stdout.clone()),
                    ("stderr".into(), r.stderr.clone()),
                ],
            );
            assert!(
                r.stderr.contains(&format!("line {}", lines + line)),
                "{what}, {cmd}: {r:?}"
            );
            assert_eq!(r.stderr.contains('^'), caret, "{what}, {cmd}: {r:?}");
        }
    }
}

/// Review r10h #3: a password in the API URL or the webhook URL (`https://user:PASSWORD@host`)
/// was printed verbatim in connection errors. Such URLs are refused before any request,
/// from every source (flag, variable, configuration file), at the most verbose log level:
/// exit 64 from a flag or variable, 78 from the file, and no output holds the password or
/// any 8-character piece of it.
#[test]
fn no_output_holds_a_password_given_in_the_api_url_or_the_webhook_url() {
    const PASSWORD: &str = "pw9Qx7ZkLeakUrlT4v2";
    let dir = tempfile::tempdir().unwrap();
    let base = std::fs::read_to_string(repo("samples/demo/config.toml")).unwrap();
    let hr = repo("samples/demo/hr.csv");
    let api = format!("https://ops:{PASSWORD}@127.0.0.1:9");
    let hook = format!("https://hooks:{PASSWORD}@127.0.0.1:9/services/T0/B0/x");
    let good = dir.path().join("good.toml");
    std::fs::write(&good, &base).unwrap();
    let in_file = |name: &str, text: String| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let api_file = in_file(
        "api.toml",
        base.replacen(
            "[pagerduty]\n",
            &format!("[pagerduty]\napi_url = \"{api}\"\n"),
            1,
        ),
    );
    let hook_file = in_file("hook.toml", format!("{base}\n[notify]\nurl = \"{hook}\"\n"));
    assert_ne!(std::fs::read_to_string(&api_file).unwrap(), base);
    // (what, command, config, extra arguments, environment, exit code)
    type Case<'a> = (
        String,
        &'a str,
        &'a Path,
        Vec<String>,
        Vec<(&'a str, String)>,
        i32,
    );
    let mut cases: Vec<Case<'_>> = Vec::new();
    for cmd in ["plan", "apply", "doctor"] {
        cases.push((
            "--api-url".into(),
            cmd,
            &good,
            vec!["--api-url".into(), api.clone()],
            vec![],
            64,
        ));
        cases.push((
            "PAGERDUTY_API_URL".into(),
            cmd,
            &good,
            vec![],
            vec![("PAGERDUTY_API_URL", api.clone())],
            64,
        ));
        cases.push((
            "[pagerduty] api_url".into(),
            cmd,
            &api_file,
            vec![],
            vec![],
            78,
        ));
    }
    cases.push((
        "[pagerduty] api_url".into(),
        "validate",
        &api_file,
        vec![],
        vec![],
        78,
    ));
    cases.push((
        "--notify".into(),
        "apply",
        &good,
        vec!["--notify".into(), hook.clone()],
        vec![],
        64,
    ));
    cases.push((
        "HR2PAGERDUTY_NOTIFY_URL".into(),
        "apply",
        &good,
        vec![],
        vec![("HR2PAGERDUTY_NOTIFY_URL", hook.clone())],
        64,
    ));
    cases.push((
        "[notify] url".into(),
        "apply",
        &hook_file,
        vec![],
        vec![],
        78,
    ));
    for (what, cmd, config, extra, env, code) in cases {
        let mut c = hr2pd();
        c.env("PAGERDUTY_API_KEY", KEY)
            .env("PAGERDUTY_API_URL", "http://127.0.0.1:9")
            .env("RUST_LOG", "trace")
            .write_stdin("");
        for (k, v) in env {
            c.env(k, v);
        }
        let mut args = match cmd {
            "doctor" => vec![
                "doctor".to_string(),
                "--config".into(),
                config.display().to_string(),
            ],
            _ => crate::support::e2e::inputs(cmd, config, &hr),
        };
        args.insert(0, "-vv".into());
        if cmd == "apply" {
            args.push("--yes".into());
        }
        args.extend(extra);
        let r = run_args(c, &args);
        let case = format!("{what}, {cmd}");
        assert_eq!(r.code, code, "{case}: {r:?}");
        assert!(r.stderr.contains("user name or password"), "{case}: {r:?}");
        for n in (0..=PASSWORD.len() - 8).map(|i| &PASSWORD[i..i + 8]) {
            assert!(
                !r.stdout.contains(n) && !r.stderr.contains(n),
                "{case}: holds {n:?}: {r:?}"
            );
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
    assert_clean(
        "sandbox",
        "http://127.0.0.1:9/services/T0SANDBOX/B0SANDBOX/notUsedHere0",
        &[("stdout".into(), banner + &rest), ("stderr".into(), stderr)],
    );
}
