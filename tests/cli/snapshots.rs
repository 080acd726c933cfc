//! Whole-command snapshots: what the real binary prints today, pinned before the issue-6
//! restructuring so that the restructuring can show it changed no output.
//!
//! Each snapshot is one run of `hr2pagerduty --no-progress …` (from the repository root,
//! against a simulator held by this test process, see `tests/support`): the command line, the
//! exit code, stdout and stderr. Files a run writes (the JSON report, a saved plan) get
//! snapshots of their own. The snapshots live in `tests/snapshots/`; a missing or changed
//! one fails `cargo test` (insta writes a `.snap.new` beside it outside CI, nothing under
//! `CI=true`). After a deliberate output change, review the `.snap.new` files and rename
//! them over the old ones (or use `cargo insta review`).
//!
//! What legitimately varies from run to run is replaced by insta filters, each as narrow as
//! the value it hides (see [`Redactions`]): the simulator's port, IDs the simulator hands
//! out to created users, today's date, RFC 3339 times, temporary directories, measured
//! durations and rates in the report, and the lock file's fingerprint, PID and age.
//!
//! Ordering: an apply prints one line per action as it ends, so under concurrency the lines
//! come in completion order. The applies against this test's simulator use a copy of
//! `samples/demo/config.toml` with `concurrency = 1`: with one action at a time they run
//! in the apply's fixed order (its per-user groups, creates first, then users by ID), so the
//! printed order, the order of the simulator's generated IDs and the report's last
//! `ratelimit_remaining` are all fixed, and the snapshot pins that order too (sorting would
//! hide it). `demo` has its configuration built in (`concurrency = 4`), so its
//! outcome lines are sorted before the snapshot (said in the snapshot's description).

use crate::support::e2e::{KEY, against, demo_seed, hr2pd, state_home};
use crate::support::{Run, Sim, root};
use hr2pagerduty::apply::lock::ApplyLock;
use hr2pagerduty::sim::Seed;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

// ---- Running and rendering ------------------------------------------------------------------

/// Runs `cmd` (which already carries `--no-progress`) with `args` from the repository root,
/// so that repository files can be named by relative paths, and renders the run as one
/// snapshot text: the command line, the exit code, stdout and stderr.
fn snap_run(mut cmd: assert_cmd::Command, args: &[&str]) -> (Run, String) {
    let out = cmd
        .current_dir(root())
        .args(args)
        .output()
        .expect("the binary runs");
    let run = Run::from_output(out);
    assert!(
        !run.stdout.contains(KEY) && !run.stderr.contains(KEY),
        "the API key was printed: {run:?}"
    );
    let text = render(args, &run);
    (run, text)
}

/// The snapshot text of one run.
fn render(args: &[&str], run: &Run) -> String {
    format!(
        "$ hr2pagerduty --no-progress {}\nexit code: {}\n----- stdout -----\n{}----- stderr -----\n{}",
        args.join(" "),
        run.code,
        stream(&run.stdout),
        stream(&run.stderr)
    )
}

/// A stream as shown in a snapshot: `(empty)` for nothing, and a visible mark when the
/// last line has no newline (so a change in the final newline shows too).
fn stream(s: &str) -> String {
    if s.is_empty() {
        "(empty)\n".into()
    } else if s.ends_with('\n') {
        s.into()
    } else {
        format!("{s}\n[no newline at end]\n")
    }
}

/// A file the run wrote, as text.
fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A path as an argument.
fn arg(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

// ---- Inputs ---------------------------------------------------------------------------------

const DEMO_CONFIG: &str = "samples/demo/config.toml";
const DEMO_HR: &str = "samples/demo/hr.csv";
const SAFETY_CONFIG: &str = "fixtures/safety/config.toml";

/// `samples/demo/config.toml` with `replace` applied (each pair must match once), written to
/// `dir/name`. Runs that apply take the lock in the configuration's directory, so they get
/// a copy in a temporary directory and never write into the repository.
fn config_copy(dir: &Path, name: &str, source: &str, replace: &[(&str, &str)]) -> PathBuf {
    let mut text = std::fs::read_to_string(root().join(source)).unwrap();
    for (from, to) in replace {
        assert_eq!(text.matches(from).count(), 1, "{from:?} in {source}");
        text = text.replacen(from, to, 1);
    }
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// The demo configuration with one request in flight (see the module docs on ordering).
const SEQUENTIAL: (&str, &str) = ("concurrency = 4\n", "concurrency = 1\n");

/// The simulator seed of these tests and the simulator: the demo's accounts, with a rate
/// limit window of an hour instead of a minute. The budget (960) stays PagerDuty's, so the
/// reports' `ratelimit_remaining` counts every request of the test, but it cannot be reset
/// by a test that takes over a minute on a loaded machine.
fn demo_sim() -> (Seed, Sim) {
    let mut seed = demo_seed();
    seed.rate_limit.window_seconds = 3600;
    let sim = Sim::start(seed.clone());
    (seed, sim)
}

// ---- Redactions -----------------------------------------------------------------------------

/// The insta filters of one test: `(regex, replacement)` pairs applied in order.
struct Redactions {
    filters: Vec<(String, String)>,
    /// Today's dates when the test started (see [`today`]).
    today: BTreeSet<String>,
}

/// Today's dates, `YYYY-MM-DD`, in the zones the binary takes "today" from in these tests
/// (`default_time_zone`: `Etc/UTC` in the safety fixtures, `America/New_York` in the demo
/// configuration), which differ for a few hours each night.
fn today() -> BTreeSet<String> {
    let now = chrono::Utc::now();
    ["Etc/UTC", "America/New_York"]
        .iter()
        .map(|z| {
            hr2pagerduty::vocab::time_zones::date_in(z, now)
                .expect("a zone of the tz database")
                .to_string()
        })
        .collect()
}

impl Redactions {
    /// The filters every snapshot needs.
    fn new() -> Redactions {
        let mut r = Redactions {
            filters: Vec::new(),
            today: today(),
        };
        // Before the date filter, which would otherwise cut a timestamp in two. Only the
        // saved plan's `created_at` has one today.
        r.add(
            r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})\b",
            "[timestamp]",
        );
        // The simulator listens on a free port.
        r.add(r"http://127\.0\.0\.1:\d+", "http://127.0.0.1:[port]");
        // Measured by the apply: wall time, and the limiter's waits under `burst`.
        r.add(
            r#""apply_seconds": [0-9.eE+-]+"#,
            r#""apply_seconds": [seconds]"#,
        );
        r.add(
            r#""apply_requests_per_minute": [0-9.eE+-]+"#,
            r#""apply_requests_per_minute": [requests per minute]"#,
        );
        r.add(
            r#""limiter_wait_seconds_total": [0-9.eE+-]+"#,
            r#""limiter_wait_seconds_total": [seconds]"#,
        );
        r
    }

    fn add(&mut self, regex: &str, replacement: &str) {
        self.filters.push((regex.into(), replacement.into()));
    }

    /// A temporary directory: `[tmp]` (also its canonical form).
    fn tmp(mut self, dir: &Path) -> Redactions {
        let mut forms = vec![dir.display().to_string()];
        if let Ok(c) = dir.canonicalize() {
            forms.push(c.display().to_string());
        }
        for f in forms {
            self.add(&regex::escape(&f), "[tmp]");
        }
        self
    }

    /// The IDs the simulator gave to users it created (every user not in `seed`), each as
    /// `[new id: LOCAL-PART]` so that which created user an ID belongs to still shows. The
    /// generator is deterministic for a fixed request order only, and the restructuring may
    /// legitimately change it.
    fn new_ids(mut self, sim: &Sim, seed: &Seed) -> Redactions {
        let seeded: BTreeSet<String> = seed.users.iter().filter_map(|u| u.id.clone()).collect();
        for u in sim.handle.users() {
            let id = u.id.to_string();
            if !seeded.contains(&id) {
                let local = u.email.split('@').next().unwrap_or_default().to_string();
                self.add(
                    &format!(r"\b{}\b", regex::escape(&id)),
                    &format!("[new id: {local}]"),
                );
            }
        }
        self
    }

    /// One more filter.
    fn with(mut self, regex: &str, replacement: &str) -> Redactions {
        self.add(regex, replacement);
        self
    }

    /// Asserts the snapshot `name` of `text` under these filters; `description` (when
    /// given) goes into the snapshot's header.
    fn assert(&self, name: &str, text: &str, description: Option<&str>) {
        let mut settings = insta::Settings::clone_current();
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        if let Some(d) = description {
            settings.set_description(d);
        }
        for (re, rep) in &self.filters {
            settings.add_filter(re, rep.as_str());
        }
        // Today's date in suspension markers and as-of dates; the dates when the test started
        // and now, in case the run crossed midnight. Dates in the inputs (the seed's 2026-10-01)
        // stay as they are.
        for d in self
            .today
            .iter()
            .cloned()
            .chain(today())
            .collect::<BTreeSet<_>>()
        {
            settings.add_filter(&format!(r"\b{}\b", regex::escape(&d)), "[today]");
        }
        settings.bind(|| insta::assert_snapshot!(name, text));
    }
}

// ---- validate -------------------------------------------------------------------------------

#[test]
fn validate_text_and_json() {
    let cases = [
        // A clean export.
        ("validate_clean", SAFETY_CONFIG, "fixtures/hr/valid.csv"),
        // The demo: one row with an invalid email (9%, under the demo's 10% limit).
        ("validate_demo_bad_row", DEMO_CONFIG, DEMO_HR),
        // A stray quote shifts a row (wrong number of fields), 1 of 25 rows.
        (
            "validate_shifted_row",
            SAFETY_CONFIG,
            "fixtures/hr/stray_quote_shifts_id.csv",
        ),
    ];
    for (name, config, hr) in cases {
        for (format, extra) in [("text", &[][..]), ("json", &["--format", "json"][..])] {
            let mut args = vec!["validate", "--config", config, "--hr", hr];
            args.extend_from_slice(extra);
            let (_, text) = snap_run(hr2pd(), &args);
            Redactions::new().assert(&format!("{name}_{format}"), &text, None);
        }
    }
}

// ---- plan -----------------------------------------------------------------------------------

#[test]
fn plan_text_json_and_detailed_exitcode() {
    let (_, sim) = demo_sim();
    let base = ["plan", "--config", DEMO_CONFIG, "--hr", DEMO_HR];
    let cases: [(&str, &[&str]); 3] = [
        ("plan_text", &[]),
        ("plan_json", &["--format", "json"]),
        ("plan_detailed_exitcode", &["--detailed-exitcode"]),
    ];
    for (name, extra) in cases {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        let (_, text) = snap_run(against(&sim, KEY), &args);
        Redactions::new().assert(name, &text, None);
    }
    // plan only reads.
    assert!(sim.writes().is_empty(), "{:?}", sim.writes());
}

// ---- apply ----------------------------------------------------------------------------------

#[test]
fn apply_with_report_then_plan_again() {
    let (seed, sim) = demo_sim();
    let dir = tempfile::tempdir().unwrap();
    let config = config_copy(dir.path(), "config.toml", DEMO_CONFIG, &[SEQUENTIAL]);
    let report = dir.path().join("report.json");
    let (_, apply) = snap_run(
        against(&sim, KEY),
        &[
            "apply",
            "--config",
            arg(&config),
            "--hr",
            DEMO_HR,
            "--yes",
            "--report",
            arg(&report),
        ],
    );
    let report_text = read(&report);
    let plan_args = ["plan", "--config", arg(&config), "--hr", DEMO_HR];
    let (_, again) = snap_run(against(&sim, KEY), &plan_args);
    let mut detailed = plan_args.to_vec();
    detailed.push("--detailed-exitcode");
    let (_, again_detailed) = snap_run(against(&sim, KEY), &detailed);
    // A second apply finds nothing to do and says so in its report.
    let report2 = dir.path().join("report2.json");
    let (_, apply2) = snap_run(
        against(&sim, KEY),
        &[
            "apply",
            "--config",
            arg(&config),
            "--hr",
            DEMO_HR,
            "--yes",
            "--report",
            arg(&report2),
        ],
    );
    let report2_text = read(&report2);

    let r = Redactions::new().tmp(dir.path()).new_ids(&sim, &seed);
    let seq = Some("applied with concurrency = 1 (a copy of samples/demo/config.toml)");
    r.assert("apply_yes", &apply, seq);
    r.assert("apply_yes_report", &report_text, seq);
    r.assert("plan_after_apply", &again, None);
    r.assert("plan_after_apply_detailed_exitcode", &again_detailed, None);
    r.assert("apply_no_changes", &apply2, None);
    r.assert("apply_no_changes_report", &report2_text, None);
}

#[test]
fn saved_plan_then_apply_plan() {
    let (seed, sim) = demo_sim();
    let dir = tempfile::tempdir().unwrap();
    let config = config_copy(dir.path(), "config.toml", DEMO_CONFIG, &[SEQUENTIAL]);
    let saved = dir.path().join("plan.json");
    let (_, plan_out) = snap_run(
        against(&sim, KEY),
        &[
            "plan",
            "--config",
            arg(&config),
            "--hr",
            DEMO_HR,
            "--out",
            arg(&saved),
        ],
    );
    let saved_text = read(&saved);
    let (_, apply) = snap_run(
        against(&sim, KEY),
        &[
            "apply",
            "--config",
            arg(&config),
            "--plan",
            arg(&saved),
            "--yes",
        ],
    );
    let r = Redactions::new().tmp(dir.path()).new_ids(&sim, &seed);
    r.assert("plan_out", &plan_out, None);
    r.assert("plan_out_file", &saved_text, None);
    r.assert(
        "apply_saved_plan",
        &apply,
        Some("applied with concurrency = 1 (a copy of samples/demo/config.toml)"),
    );
}

// ---- Refusals and errors ----------------------------------------------------------------------

#[test]
fn refusal_by_the_deactivation_cap() {
    let (_, sim) = demo_sim();
    let dir = tempfile::tempdir().unwrap();
    // The demo plans 2 deactivations; the configuration allows 1. The demo's file ends
    // in [safety], so the appended key lands there.
    let config = config_copy(
        dir.path(),
        "config.toml",
        DEMO_CONFIG,
        &[(
            "max_invalid_rows_percent = 10\n",
            "max_invalid_rows_percent = 10\nmax_deactivations = 1\n",
        )],
    );
    let report = dir.path().join("report.json");
    let (_, plan) = snap_run(
        against(&sim, KEY),
        &["plan", "--config", arg(&config), "--hr", DEMO_HR],
    );
    let (_, apply) = snap_run(
        against(&sim, KEY),
        &[
            "apply",
            "--config",
            arg(&config),
            "--hr",
            DEMO_HR,
            "--yes",
            "--report",
            arg(&report),
        ],
    );
    let report_text = read(&report);
    assert!(sim.writes().is_empty(), "{:?}", sim.writes());
    let r = Redactions::new().tmp(dir.path());
    r.assert("refusal_deactivation_cap_plan", &plan, None);
    r.assert("refusal_deactivation_cap_apply", &apply, None);
    r.assert("refusal_deactivation_cap_report", &report_text, None);
}

#[test]
fn refusal_while_another_apply_holds_the_lock() {
    let (_, sim) = demo_sim();
    let dir = tempfile::tempdir().unwrap();
    let config = config_copy(dir.path(), "config.toml", DEMO_CONFIG, &[]);
    let locks = state_home().join("hr2pagerduty");
    std::fs::create_dir_all(&locks).unwrap();
    let _held = ApplyLock::acquire(&sim.lock_file(&locks)).unwrap();
    let (_, apply) = snap_run(
        against(&sim, KEY),
        &["apply", "--config", arg(&config), "--hr", DEMO_HR, "--yes"],
    );
    let sent: Vec<_> = sim
        .handle
        .requests()
        .into_iter()
        .map(|r| format!("{} {}?{}", r.method, r.path, r.query))
        .collect();
    assert_eq!(
        sent,
        ["GET /users?limit=1"],
        "only the read that names the account"
    );
    Redactions::new()
        .tmp(dir.path())
        // The machine-wide lock directory: the test process's XDG_STATE_HOME.
        .with(
            &regex::escape(&state_home().display().to_string()),
            "[state]",
        )
        // The name's fingerprint hashes the API URL, whose port varies.
        .with(
            r"hr2pagerduty-[0-9a-f]{16}\.lock",
            "hr2pagerduty-[fingerprint].lock",
        )
        // The holder is this test process, holding the lock for a second or so.
        .with(
            r"\(PID \d+, running for (\d+h )?(\d+m )?\d+s\)",
            "(PID [pid], running for [age])",
        )
        .assert("refusal_lock_held", &apply, None);
}

#[test]
fn invalid_configuration_names_its_lines() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        // Rejected by the TOML schema (the parser's own error, with the line).
        (
            "config_unknown_key",
            "suspended_role = \"read_only_limited_user\"\nmystery_key = true\n",
        ),
        // Rejected by validation after parsing (the key and its line).
        (
            "config_bad_suspended_role",
            "suspended_role = \"superuser\"\n",
        ),
    ];
    let r = Redactions::new().tmp(dir.path());
    for (name, replacement) in cases {
        let config = config_copy(
            dir.path(),
            &format!("{name}.toml"),
            DEMO_CONFIG,
            &[("suspended_role = \"read_only_limited_user\"\n", replacement)],
        );
        let (_, text) = snap_run(
            hr2pd(),
            &["validate", "--config", arg(&config), "--hr", DEMO_HR],
        );
        r.assert(&format!("{name}_validate"), &text, None);
    }
}

#[test]
fn unusable_export() {
    let (_, sim) = demo_sim();
    let dir = tempfile::tempdir().unwrap();
    let config = config_copy(dir.path(), "config.toml", SAFETY_CONFIG, &[]);
    let hr = "fixtures/hr/unclosed_quote.csv";
    let (_, validate) = snap_run(hr2pd(), &["validate", "--config", arg(&config), "--hr", hr]);
    let report = dir.path().join("report.json");
    let (_, apply) = snap_run(
        against(&sim, KEY),
        &[
            "apply",
            "--config",
            arg(&config),
            "--hr",
            hr,
            "--yes",
            "--report",
            arg(&report),
        ],
    );
    let report_text = read(&report);
    assert!(sim.handle.requests().is_empty());
    let r = Redactions::new().tmp(dir.path());
    r.assert("hr_unusable_validate", &validate, None);
    r.assert("hr_unusable_apply", &apply, None);
    r.assert("hr_unusable_report", &report_text, None);
}

#[test]
fn usage_errors() {
    let (_, sim) = demo_sim();
    // A flag clap does not know.
    let (_, bogus) = snap_run(hr2pd(), &["plan", "--bogus"]);
    // apply without --yes and without a terminal (assert_cmd gives an empty stdin). A copy
    // of the configuration, so that no lock file could land in the repository.
    let dir = tempfile::tempdir().unwrap();
    let config = config_copy(dir.path(), "config.toml", DEMO_CONFIG, &[]);
    let (_, no_yes) = snap_run(
        against(&sim, KEY),
        &["apply", "--config", arg(&config), "--hr", DEMO_HR],
    );
    // plan without PAGERDUTY_API_KEY.
    let mut no_key = hr2pd();
    no_key.env("PAGERDUTY_API_URL", sim.url());
    let (_, no_key) = snap_run(no_key, &["plan", "--config", DEMO_CONFIG, "--hr", DEMO_HR]);
    assert!(sim.handle.requests().is_empty());
    let r = Redactions::new().tmp(dir.path());
    r.assert("usage_unknown_flag", &bogus, None);
    r.assert("usage_apply_without_yes", &no_yes, None);
    r.assert("usage_no_api_key", &no_key, None);
}

// ---- demo -----------------------------------------------------------------------------------

const APPLY_HEADER: &str = "=== hr2pagerduty apply --yes ===\n\n";

/// The demo's output with the apply's outcome lines (between the apply header and
/// `Apply complete!`) sorted: they are printed in completion order.
fn sort_outcome_lines(stdout: &str) -> String {
    let start = stdout.find(APPLY_HEADER).expect("apply header") + APPLY_HEADER.len();
    let end = start
        + stdout[start..]
            .find("Apply complete!")
            .expect("Apply complete! line");
    let mut lines: Vec<&str> = stdout[start..end].lines().collect();
    lines.sort_unstable();
    let mut block = lines.join("\n");
    if !block.is_empty() {
        block.push('\n');
    }
    format!("{}{block}{}", &stdout[..start], &stdout[end..])
}

#[test]
fn demo_full_output() {
    let (mut run, _) = snap_run(hr2pd(), &["demo"]);
    run.stdout = sort_outcome_lines(&run.stdout);
    // The demo's simulator runs inside the binary: its created users' IDs are read from
    // the outcome lines (`+ created EMAIL (ID, employee N)`).
    let created = regex::Regex::new(r"\+ created ([^@ ]+)@\S+ \((P[0-9A-Z]{6}),").unwrap();
    let mut r = Redactions::new();
    for c in created.captures_iter(&run.stdout) {
        r.add(&format!(r"\b{}\b", &c[2]), &format!("[new id: {}]", &c[1]));
    }
    r.assert(
        "demo",
        &render(&["demo"], &run),
        Some("the apply's outcome lines are sorted by the test: demo applies with concurrency = 4"),
    );
}

// ---- colour ---------------------------------------------------------------------------------

/// Escape characters shown as `\e`, so that the snapshot shows the colour codes.
fn visible_escapes(text: &str) -> String {
    text.replace('\x1b', "\\e")
}

#[test]
fn plan_text_coloured_and_plain() {
    let (_, sim) = demo_sim();
    let base = ["plan", "--config", DEMO_CONFIG, "--hr", DEMO_HR];
    let mut always = base.to_vec();
    always.extend(["--color", "always"]);
    let mut never = base.to_vec();
    never.extend(["--color", "never"]);
    let (coloured_run, coloured) = snap_run(against(&sim, KEY), &always);
    let (plain_run, plain) = snap_run(against(&sim, KEY), &never);
    // The same plan and words: only the escape codes differ.
    let codes = regex::Regex::new("\x1b\\[[0-9;]*m").unwrap();
    assert_eq!(
        codes.replace_all(&coloured_run.stdout, ""),
        plain_run.stdout
    );
    assert!(!plain_run.stdout.contains('\x1b'));
    Redactions::new().assert(
        "plan_text_color_always",
        &visible_escapes(&coloured),
        Some("escape characters shown as \\e"),
    );
    Redactions::new().assert("plan_text_color_never", &plain, None);
}

#[test]
fn doctor_text_and_json() {
    let (_, sim) = demo_sim();
    let (_, text) = snap_run(against(&sim, KEY), &["doctor", "--config", DEMO_CONFIG]);
    let (_, json) = snap_run(
        against(&sim, KEY),
        &["doctor", "--config", DEMO_CONFIG, "--format", "json"],
    );
    let r = Redactions::new();
    r.assert("doctor_text", &text, None);
    r.assert("doctor_json", &json, None);
}

#[test]
fn apply_report_csv_and_markdown() {
    for format in ["csv", "markdown"] {
        let (seed, sim) = demo_sim();
        let dir = tempfile::tempdir().unwrap();
        let config = config_copy(dir.path(), "config.toml", DEMO_CONFIG, &[SEQUENTIAL]);
        let report = dir.path().join(format!("report.{format}"));
        snap_run(
            against(&sim, KEY),
            &[
                "apply",
                "--config",
                arg(&config),
                "--hr",
                DEMO_HR,
                "--yes",
                "--report",
                arg(&report),
                "--report-format",
                format,
            ],
        );
        let r = Redactions::new().tmp(dir.path()).new_ids(&sim, &seed);
        let seq = Some("applied with concurrency = 1 (a copy of samples/demo/config.toml)");
        r.assert(&format!("apply_yes_report_{format}"), &read(&report), seq);
    }
}
