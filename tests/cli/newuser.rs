//! What a new user meets first (issue 10, "Found by a new user"): the `apply` prompt on the
//! terminal even when stdout is redirected, an empty `PAGERDUTY_API_URL`, connection errors
//! that name the URL and the likely fix, `--help` and `-v`, and the wording of skips and
//! saved plans.
//!
//! Every network test talks to 127.0.0.1 only: the simulator, a closed port, a plain TCP
//! listener.

use crate::support::e2e::*;
use crate::support::*;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

// ---- The prompt ---------------------------------------------------------------------------

/// A pseudo-terminal: the master side (what the person at the terminal sees and types) and
/// the path of the slave side (the process's terminal).
fn pty() -> (std::fs::File, PathBuf) {
    use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).expect("a pty");
    grantpt(&master).expect("grantpt");
    unlockpt(&master).expect("unlockpt");
    let name = ptsname(&master, Vec::new()).expect("ptsname");
    let path = PathBuf::from(name.to_str().expect("a UTF-8 pty name"));
    (std::fs::File::from(master), path)
}

/// What the terminal showed so far, read by a thread of its own (a read of the master side
/// blocks while the process writes nothing).
fn watch(mut master: std::fs::File) -> std::sync::Arc<std::sync::Mutex<String>> {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let out = seen.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = master.read(&mut buf) {
            if n == 0 {
                break;
            }
            out.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    seen
}

/// Waits until the terminal shows `needle`; after 60 s kills `child` and fails.
fn wait_for(
    seen: &std::sync::Mutex<String>,
    needle: &str,
    child: &mut std::process::Child,
) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let text = seen.lock().unwrap().clone();
        if text.contains(needle) {
            return text;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{needle:?} never showed on the terminal: {text:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn apply_asks_on_the_terminal_when_stdout_goes_to_a_log() {
    // `apply > log` at a terminal: the question must reach the person, not the log.
    let sim = Sim::start(demo_seed());
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let (master, slave) = pty();
    let tty = || {
        std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&slave)
            .expect("the pty's slave side")
    };
    let mut args = inputs("apply", &demo_config(), &demo_hr());
    args.insert(0, "--no-progress".into());
    let mut child = Command::new(env!("CARGO_BIN_EXE_hr2pagerduty"))
        .args(&args)
        .env("PAGERDUTY_API_URL", sim.url())
        .env("PAGERDUTY_API_KEY", KEY)
        .env_remove("RUST_LOG")
        .env("XDG_STATE_HOME", state_home())
        .stdin(Stdio::from(tty()))
        .stderr(Stdio::from(tty()))
        .stdout(Stdio::from(std::fs::File::create(&log).unwrap()))
        .spawn()
        .expect("the binary runs");
    let mut input = master.try_clone().unwrap();
    let shown = watch(master);
    let seen = wait_for(&shown, "Enter a value: ", &mut child);
    assert!(
        seen.contains("Do you want to perform these actions?")
            && seen.contains("the plan was written to stdout"),
        "{seen}"
    );
    input.write_all(b"yes\n").unwrap();
    let status = child.wait().expect("the binary ends");
    assert_eq!(status.code(), Some(0), "terminal: {seen}");
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        logged.contains("hr2pagerduty will perform the following actions:")
            && logged.contains("Apply complete!"),
        "{logged}"
    );
    assert!(
        !logged.contains("Enter a value") && !logged.contains("Do you want"),
        "the prompt went to stdout: {logged}"
    );
    assert!(!sim.writes().is_empty(), "the typed yes applied nothing");
}

#[test]
fn apply_asks_on_the_controlling_terminal_when_stderr_goes_to_a_file() {
    // `apply 2>err.txt` (or `> log 2>&1`) typed at a terminal: stdin is the terminal,
    // stderr is not, so the question goes to /dev/tty, and the answer is read there.
    use std::os::unix::process::CommandExt;
    let sim = Sim::start(demo_seed());
    let dir = tempfile::tempdir().unwrap();
    let (log, err) = (dir.path().join("log"), dir.path().join("err.txt"));
    let (master, slave) = pty();
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&slave)
        .expect("the pty's slave side");
    let mut args = inputs("apply", &demo_config(), &demo_hr());
    args.push("--no-progress".into());
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hr2pagerduty"));
    cmd.args(&args)
        .env("PAGERDUTY_API_URL", sim.url())
        .env("PAGERDUTY_API_KEY", KEY)
        .env_remove("RUST_LOG")
        .env("XDG_STATE_HOME", state_home())
        .stdin(Stdio::from(tty))
        .stderr(Stdio::from(std::fs::File::create(&err).unwrap()))
        .stdout(Stdio::from(std::fs::File::create(&log).unwrap()));
    // SAFETY: setsid and TIOCSCTTY are async-signal-safe system calls: the child gets a
    // session of its own whose controlling terminal is the pty on its stdin.
    unsafe {
        cmd.pre_exec(|| {
            rustix::process::setsid()?;
            rustix::process::ioctl_tiocsctty(std::io::stdin())?;
            Ok(())
        });
    }
    let mut child = cmd.spawn().expect("the binary runs");
    let mut input = master.try_clone().unwrap();
    let shown = watch(master);
    let seen = wait_for(&shown, "Enter a value: ", &mut child);
    assert!(
        seen.contains("Do you want to perform these actions?"),
        "{seen}"
    );
    input.write_all(b"yes\n").unwrap();
    let status = child.wait().expect("the binary ends");
    let errors = std::fs::read_to_string(&err).unwrap();
    assert_eq!(status.code(), Some(0), "terminal: {seen}; stderr: {errors}");
    assert!(
        !errors.contains("Enter a value") && !errors.contains("Do you want"),
        "the prompt went to the stderr file: {errors}"
    );
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(logged.contains("Apply complete!"), "{logged}");
    assert!(!sim.writes().is_empty(), "the typed yes applied nothing");
}

// ---- The API URL ---------------------------------------------------------------------------

#[test]
fn an_empty_api_url_is_a_usage_error_naming_it_never_production() {
    let args = inputs("plan", &demo_config(), &demo_hr());
    let mut cmd = hr2pd();
    cmd.env("PAGERDUTY_API_URL", "")
        .env("PAGERDUTY_API_KEY", KEY);
    let r = run_args(cmd, &args);
    r.expect_code(64).expect_stderr(&[
        "PAGERDUTY_API_URL is set but empty",
        "never means production",
    ]);

    let mut with_flag = args.clone();
    with_flag.extend(["--api-url".to_string(), String::new()]);
    let mut cmd = hr2pd();
    cmd.env("PAGERDUTY_API_KEY", KEY);
    run_args(cmd, &with_flag)
        .expect_code(64)
        .expect_stderr(&["--api-url is empty"]);
}

/// `plan` of the demo's inputs against `url`, timed.
fn plan_against(url: &str) -> (Run, Duration) {
    let mut cmd = hr2pd();
    cmd.env("PAGERDUTY_API_URL", url)
        .env("PAGERDUTY_API_KEY", KEY);
    let started = Instant::now();
    let r = run_args(cmd, &inputs("plan", &demo_config(), &demo_hr()));
    (r, started.elapsed())
}

#[test]
fn a_refused_connection_names_the_url_and_the_fix_within_seconds() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}");
    let (r, took) = plan_against(&url);
    r.expect_code(1).expect_stderr(&[
        &format!("cannot connect to {url}: connection refused"),
        "is the simulator or sandbox running",
        "after 2 attempts",
    ]);
    // Five attempts with their backoff took about 11 s; one retry takes about one.
    assert!(took < Duration::from_secs(6), "took {took:?}: {}", r.stderr);
}

#[test]
fn https_to_a_plain_http_server_says_to_use_http() {
    // A plain TCP listener answering every connection as an HTTP server answers bytes it
    // cannot parse (a TLS ClientHello among them).
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { return };
            let mut buf = [0u8; 512];
            let _ = conn.read(&mut buf);
            let _ = conn.write_all(
                b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
            );
        }
    });
    let (r, _) = plan_against(&format!("https://127.0.0.1:{port}"));
    r.expect_code(1).expect_stderr(&[&format!(
        "https://127.0.0.1:{port} does not speak TLS: the server speaks plain HTTP; use http:// (loopback only): http://127.0.0.1:{port}"
    )]);
}

#[test]
fn an_api_url_with_a_path_answered_404_says_to_use_the_api_root() {
    let sim = Sim::start(demo_seed());
    let (r, _) = plan_against(&format!("{}/v2", sim.url()));
    r.expect_code(1).expect_stderr(&[
        "answered 404 Not Found to GET /v2/",
        "the API URL should be the API root, e.g. https://api.pagerduty.com, with no path (drop /v2)",
    ]);
}

// ---- validate ------------------------------------------------------------------------------

#[test]
fn validate_puts_a_blank_line_between_the_last_problem_and_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let text = std::fs::read_to_string(demo_config()).unwrap();
    std::fs::write(
        &config,
        text.replace(
            "max_invalid_rows_percent = 10",
            "max_invalid_rows_percent = 5",
        ),
    )
    .unwrap();
    let r = run_args(hr2pd(), &inputs("validate", &config, &demo_hr()));
    r.expect_code(65);
    assert!(r.stdout.ends_with("contains a space\n"), "{}", r.stdout);
    assert!(
        r.stderr
            .starts_with("\nError: 1 of 11 rows (9.1%) failed validation"),
        "{:?}",
        r.stderr
    );
}

// ---- -v ------------------------------------------------------------------------------------

#[test]
fn verbose_says_what_was_read_listed_and_sent() {
    let r = run_args(hr2pd(), &{
        let mut a = vec!["-v".to_string()];
        a.extend(inputs("validate", &demo_config(), &demo_hr()));
        a
    });
    r.expect_code(0).expect_stderr(&[
        "read the configuration ",
        "read the HR export ",
        "11 rows read, 10 valid employees, rows with problems: 1",
    ]);

    let sim = Sim::start(demo_seed());
    let mut a = vec!["-v".to_string()];
    a.extend(inputs("plan", &demo_config(), &demo_hr()));
    let r = run_args(against(&sim, KEY), &a);
    r.expect_code(0).expect_stderr(&[
        "read the configuration ",
        "listed ",
        " users and ",
        "planned ",
        "PagerDuty requests (",
        "rate-limit budget: ",
    ]);
    assert!(!r.stderr.contains(KEY), "{}", r.stderr);
    // Without -v: nothing on stderr.
    let quiet = run_args(
        against(&sim, KEY),
        &inputs("plan", &demo_config(), &demo_hr()),
    );
    assert_eq!(quiet.stderr, "", "{}", quiet.stderr);
}

// ---- --help --------------------------------------------------------------------------------

/// `hr2pagerduty [COMMAND] --help`, at a fixed width, with the variables set (their values
/// must never show).
fn help(command: Option<&str>) -> String {
    let mut cmd = hr2pd();
    cmd.env("COLUMNS", "100")
        .env("PAGERDUTY_API_KEY", "help-KEY-value-7f3a")
        .env("PAGERDUTY_API_URL", "http://127.0.0.1:1");
    let mut args: Vec<&str> = command.into_iter().collect();
    args.push("--help");
    let r = run(cmd, &args);
    r.expect_code(0);
    assert!(!r.stdout.contains("help-KEY-value-7f3a"), "{}", r.stdout);
    assert!(!r.stdout.contains("127.0.0.1:1"), "{}", r.stdout);
    r.stdout
}

#[test]
fn every_command_has_its_own_examples_and_only_its_own_flags() {
    for (command, examples) in [
        ("validate", &["hr2pagerduty validate --config"][..]),
        (
            "plan",
            &[
                "hr2pagerduty plan --config",
                "--out plan.json",
                "--detailed-exitcode\n",
            ][..],
        ),
        (
            "apply",
            &[
                "hr2pagerduty apply --config config.toml --plan plan.json",
                "--yes --report",
            ][..],
        ),
        (
            "sandbox",
            &["hr2pagerduty sandbox --seed samples/demo/seed.json"][..],
        ),
        ("demo", &["hr2pagerduty demo\n"][..]),
        ("doctor", &["hr2pagerduty doctor --config"][..]),
    ] {
        let text = help(Some(command));
        let after = text
            .split("Examples:")
            .nth(1)
            .unwrap_or_else(|| panic!("{text}"));
        for e in examples {
            assert!(after.contains(e), "{command}: {e:?} in {after}");
        }
        assert!(after.contains("Exit codes:"), "{command}: {after}");
        // The examples are the command's own: no other command's line.
        for other in ["validate", "plan", "apply", "sandbox", "demo", "doctor"] {
            if other != command {
                assert!(
                    !after.contains(&format!("  hr2pagerduty {other} ")),
                    "{command} shows {other}'s example: {after}"
                );
            }
        }
        let draws_bars = matches!(command, "plan" | "apply" | "demo");
        assert_eq!(
            text.contains("--no-progress"),
            draws_bars,
            "{command}: {text}"
        );
        let talks = matches!(command, "plan" | "apply" | "doctor");
        assert_eq!(
            text.contains("[env: PAGERDUTY_API_URL]"),
            talks,
            "{command}"
        );
        // Every variable the command reads is listed once in its Environment block; one
        // it does not read, never.
        let reads: &[&str] = match command {
            "plan" => &[
                "PAGERDUTY_API_KEY",
                "PAGERDUTY_API_URL",
                "PAGERDUTY_MARKER_KEY",
                "PAGERDUTY_MARKER_KEY_PREVIOUS",
                "NO_COLOR",
                "TERM",
                "RUST_LOG",
            ],
            "apply" => &[
                "PAGERDUTY_API_KEY",
                "PAGERDUTY_API_URL",
                "PAGERDUTY_MARKER_KEY",
                "PAGERDUTY_MARKER_KEY_PREVIOUS",
                "HR2PAGERDUTY_NOTIFY_URL",
                "STATE_DIRECTORY",
                "XDG_STATE_HOME",
                "NO_COLOR",
                "TERM",
                "RUST_LOG",
            ],
            "doctor" => &[
                "PAGERDUTY_API_KEY",
                "PAGERDUTY_API_URL",
                "PAGERDUTY_MARKER_KEY",
                "PAGERDUTY_MARKER_KEY_PREVIOUS",
                "RUST_LOG",
            ],
            "demo" => &["NO_COLOR", "TERM", "RUST_LOG"],
            _ => &["RUST_LOG"],
        };
        let env_block = text
            .split("Environment:\n")
            .nth(1)
            .and_then(|t| t.split("\n\n").next())
            .unwrap_or_else(|| panic!("{command} has no Environment block: {text}"));
        let listed: Vec<&str> = env_block
            .lines()
            .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
            .flat_map(|l| l.split("  ").nth(1).unwrap_or("").split(", "))
            .collect();
        let mut want: Vec<&str> = reads.to_vec();
        if command == "apply" {
            want.push("HOME");
        }
        let (mut got, mut want) = (listed.clone(), want);
        got.sort_unstable();
        want.sort_unstable();
        assert_eq!(got, want, "{command}: {env_block}");
        // Flags that do nothing on a command are not offered there.
        let colours = matches!(command, "plan" | "apply" | "demo");
        assert_eq!(text.contains("--color <WHEN>"), colours, "{command}");
        assert!(
            text.contains("--log-format <FORMAT>") && text.contains("-v, --verbose"),
            "{command}"
        );
        assert_eq!(
            text.contains("[env: HR2PAGERDUTY_NOTIFY_URL]"),
            command == "apply",
            "{command}"
        );
    }
    for command in ["completions", "man"] {
        let text = help(Some(command));
        for flag in [
            "--color",
            "--verbose",
            "--log-format",
            "--no-progress",
            "Environment:",
        ] {
            assert!(!text.contains(flag), "{command} offers {flag}: {text}");
        }
    }
}

#[test]
fn flags_given_where_they_do_nothing_are_refused_or_warned_about() {
    // Per command: --color on validate, -v on man, --no-progress on validate: clap's usage
    // error (64).
    let validate = inputs("validate", &demo_config(), &demo_hr());
    for (flag, args) in [
        ("--color", {
            let mut a = validate.clone();
            a.extend(["--color".into(), "always".into()]);
            a
        }),
        ("--no-progress", {
            let mut a = validate.clone();
            a.push("--no-progress".into());
            a
        }),
        ("-v", vec!["man".into(), "-v".into()]),
        (
            "--log-format",
            vec![
                "completions".into(),
                "bash".into(),
                "--log-format".into(),
                "json".into(),
            ],
        ),
        (
            "--color",
            vec![
                "doctor".into(),
                "--config".into(),
                "c.toml".into(),
                "--color".into(),
                "never".into(),
            ],
        ),
    ] {
        let r = run_args(hr2pd(), &args);
        r.expect_code(64);
        assert!(
            r.stderr.contains(&format!("unexpected argument '{flag}")),
            "{args:?}: {}",
            r.stderr
        );
    }
    // The hidden forms before the command, kept for scripts written while they were
    // global: ignored with a warning where they mean nothing, never silently.
    let mut a = vec!["--no-progress".to_string()];
    a.extend(validate.clone());
    let r = run_args(hr2pd(), &a);
    r.expect_code(0);
    assert!(
        r.stderr
            .contains("Warning: --no-progress does nothing on `validate`"),
        "{}",
        r.stderr
    );
    let r = run_args(
        hr2pd(),
        &["-v".to_string(), "completions".into(), "bash".into()],
    );
    r.expect_code(0);
    assert!(
        r.stderr
            .contains("Warning: -v does nothing on `completions`"),
        "{}",
        r.stderr
    );
    // And the old global --color before the command is no more.
    let mut a = vec!["--color".to_string(), "never".into()];
    a.extend(validate);
    run_args(hr2pd(), &a).expect_code(64);
}

#[test]
fn detailed_exitcode_help_lists_every_code_plan_can_give() {
    let text = help(Some("plan"));
    let flag = text
        .split("--detailed-exitcode\n")
        .nth(1)
        .and_then(|t| t.split("\n\n").next())
        .unwrap_or_else(|| panic!("{text}"))
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    // plan exits with 0, 1, 2, 3, 64, 65 or 78 (src/exit.rs; README § Exit codes).
    for code in [
        "0 when",
        "Exit 2",
        "1 the run failed",
        "3 refused",
        "64 usage",
        "65 HR",
        "78 configuration",
        "130 interrupted by SIGINT",
        "143 stopped by SIGTERM",
    ] {
        assert!(flag.contains(code), "{code:?} missing from {flag}");
    }
    let after = text
        .split("Exit codes:")
        .nth(1)
        .unwrap_or_default()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        after.contains("130 interrupted by SIGINT; 143 stopped by SIGTERM"),
        "{after}"
    );
}

#[test]
fn help_snapshots() {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        insta::assert_snapshot!("help", help(None));
        for command in ["validate", "plan", "apply", "sandbox", "demo", "doctor"] {
            insta::assert_snapshot!(format!("help_{command}"), help(Some(command)));
        }
    });
}

/// Every command's help lists the exit codes it gives, usage errors included, and its `-v`
/// says only what that command logs (r10h 3: demo said "0 the demo ran; 1 it failed" though
/// `demo --report /nonexistent/r.json` is 64; completions and man listed no codes; validate,
/// doctor and sandbox promised listings, counts and requests they never log).
#[test]
fn each_commands_help_lists_its_exit_codes_and_what_its_v_logs() {
    let flat = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
    for command in ["completions", "man", "demo"] {
        let text = flat(&help(Some(command)));
        let codes = text.split("Exit codes:").nth(1).unwrap_or_default();
        assert!(codes.contains("64 usage error"), "{command}: {text}");
    }
    run(hr2pd(), &["demo", "--report", "/nonexistent/r.json"]).expect_code(64);
    run(hr2pd(), &["man", "nocommand"]).expect_code(64);
    run(hr2pd(), &["completions", "nosh"]).expect_code(64);
    let verbose = |command: &str| {
        let text = help(Some(command));
        flat(
            text.split("--verbose...\n")
                .nth(1)
                .and_then(|t| t.split("\n\n").next())
                .unwrap_or_else(|| panic!("{text}")),
        )
    };
    for command in ["validate", "doctor", "sandbox"] {
        let v = verbose(command);
        for promise in ["the users and teams listed", "the plan's counts"] {
            assert!(!v.contains(promise), "{command}: {v}");
        }
    }
    assert!(verbose("validate").contains("validate sends no request"));
    assert!(verbose("sandbox").contains("every request the simulator answers"));
    assert!(verbose("plan").contains("the plan's counts"));
}
