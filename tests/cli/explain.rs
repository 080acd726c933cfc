//! End to end: the explainable plan (each action's HR line and the rules behind its role
//! and teams, in the text and JSON plans), the invitation emails counted by the plan, the
//! prompt and the apply, and colour (`--color`, `NO_COLOR`, a terminal or a pipe).
//!
//! Inputs are the demo's (`samples/demo/config.toml`, `samples/demo/hr.csv`). The terminal
//! tests run the binary under util-linux `script`, which gives it a pseudo-terminal as
//! stdin and stdout.

use crate::support::e2e::*;
use crate::support::*;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn demo_plan_args(extra: &[&str]) -> Vec<String> {
    let mut v = inputs("plan", &demo_config(), &demo_hr());
    v.extend(extra.iter().map(|s| s.to_string()));
    v
}

/// True when `text` holds an ANSI SGR sequence.
fn has_escape_codes(text: &str) -> bool {
    text.contains("\x1b[")
}

#[test]
fn the_json_and_text_plans_name_each_actions_hr_line_and_rules() {
    let sim = Sim::start(demo_seed());
    let run = run_args(against(&sim, KEY), &demo_plan_args(&["--format", "json"]));
    run.expect_code(0);
    let plan = run.json();
    // samples/demo/hr.csv: the header is line 1, employee 1009 is on line 10. He is an
    // Area Sales Manager in Sales: role by the second [[roles.rule]], team by the fourth
    // [[teams.rule]].
    let john = action_of(&plan, "john.backus@example.com");
    assert_eq!(john["hr_line"], 10);
    assert_eq!(john["role_rule"], "roles.rule #2");
    assert_eq!(john["team_rules"], json!({"Sales": "teams.rule #4"}));
    // No role rule matches a Sr. Network Engineer: the default; IT/IS gives IT Operations by
    // the second team rule (the first needs the IT Manager title).
    let margaret = action_of(&plan, "margaret.hamilton@example.com");
    assert_eq!(margaret["hr_line"], 8);
    assert_eq!(margaret["role_rule"], "default");
    assert_eq!(
        margaret["team_rules"],
        json!({"IT Operations": "teams.rule #2"})
    );
    // A rehire: the rules give the role and the governed teams; Chess Club, which no rule
    // names, comes back from the suspension record in her marker.
    let katherine = action_of(&plan, "katherine.johnson@example.com");
    assert_eq!(katherine["action"], "reactivate");
    assert_eq!(katherine["role_rule"], "roles.rule #2");
    assert_eq!(
        katherine["team_rules"],
        json!({"Chess Club": "suspension record", "Production": "teams.rule #3"})
    );
    // A leaver in the export: its line, no rules. A leaver missing from it: no line.
    let alan = action_of(&plan, "alan.turing@example.com");
    assert_eq!(
        (&alan["hr_line"], &alan["role_rule"], &alan["team_rules"]),
        (&json!(4), &Value::Null, &json!({}))
    );
    let dennis = action_of(&plan, "dennis.ritchie@example.com");
    assert_eq!(
        (
            &dennis["hr_line"],
            &dennis["role_rule"],
            &dennis["team_rules"]
        ),
        (&Value::Null, &Value::Null, &json!({}))
    );
    assert_eq!(plan["summary"]["invitations"], 3);

    let text = run_args(against(&sim, KEY), &demo_plan_args(&[]));
    text.expect_code(0).expect_stdout(&[
        "  #   new hire: status \"Active\" in HR, no PagerDuty user with this employee ID or email\n  #   from HR line 10; role by roles.rule #2; teams: Sales by teams.rule #4\n  + user \"John Backus\" {\n",
        "  #   from HR line 8; role by default; teams: IT Operations by teams.rule #2\n",
        "  #   from HR line 5; role by roles.rule #2; teams: Chess Club by suspension record, Production by teams.rule #3\n",
        "  #   leaver: status \"Voluntarily Terminated\" in HR\n  #   from HR line 4\n",
        "  #   leaver: employee 1099 is not in the HR export\n  #   no HR row\n",
        "Plan: 3 to create, 3 to update, 2 to deactivate, 1 to reactivate. PagerDuty will send 3 invitation emails (one per user created).\n",
    ]);
}

#[test]
fn the_apply_summary_and_report_count_the_invitations_sent() {
    let sim = Sim::start(demo_seed());
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let mut args = inputs("apply", &demo_config(), &demo_hr());
    args.extend([
        "--yes".into(),
        "--report".into(),
        report.display().to_string(),
    ]);
    let run = run_args(against(&sim, KEY), &args);
    run.expect_code(0).expect_stdout(&[
        "PagerDuty will send 3 invitation emails (one per user created).\n",
        "PagerDuty sent 3 invitation emails (one per user created).\n",
    ]);
    // Three users were created in the simulator: one POST /users each.
    let posts = sim
        .writes()
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/users")
        .count();
    assert_eq!(posts, 3);
    let v: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(v["summary"]["invitations"], 3);
    assert_eq!(v["summary"]["created"], 3);
    let john = action_of(&v, "john.backus@example.com");
    assert_eq!(john["role_rule"], "roles.rule #2");
    assert_eq!(john["outcome"], "applied");
}

#[test]
fn no_color_and_a_pipe_give_no_escape_codes_but_color_always_does() {
    let sim = Sim::start(demo_seed());
    // stdout is a pipe here: auto gives none, with or without NO_COLOR.
    let piped = run_args(against(&sim, KEY), &demo_plan_args(&[]));
    assert!(!has_escape_codes(&piped.stdout), "{}", piped.stdout);
    let mut cmd = against(&sim, KEY);
    cmd.env("NO_COLOR", "1");
    let no_color = run_args(cmd, &demo_plan_args(&[]));
    assert!(!has_escape_codes(&no_color.stdout), "{}", no_color.stdout);
    assert_eq!(no_color.stdout, piped.stdout);
    // --color always wins over NO_COLOR and the pipe (as in ripgrep); never is plain.
    let mut cmd = against(&sim, KEY);
    cmd.env("NO_COLOR", "1");
    let always = run_args(cmd, &demo_plan_args(&["--color", "always"]));
    always.expect_code(0);
    assert!(
        always
            .stdout
            .contains("  \x1b[32m+\x1b[0m user \"John Backus\" {"),
        "{}",
        always.stdout
    );
    let never = run_args(against(&sim, KEY), &demo_plan_args(&["--color", "never"]));
    assert_eq!(never.stdout, piped.stdout);
    // The JSON plan is never coloured.
    let json = run_args(
        against(&sim, KEY),
        &demo_plan_args(&["--format", "json", "--color", "always"]),
    );
    assert!(!has_escape_codes(&json.stdout));
    json.json();
}

/// `words` quoted for `sh -c`.
fn shell_line(words: &[String]) -> String {
    words
        .iter()
        .map(|w| format!("'{}'", w.replace('\'', r"'\''")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs the binary with `args` on a pseudo-terminal (util-linux `script`), `input` written
/// to it, against `sim`, with `env` set; returns what the terminal showed.
fn on_terminal(sim: &Sim, args: &[String], input: &str, env: &[(&str, &str)]) -> String {
    let mut words = vec![
        env!("CARGO_BIN_EXE_hr2pagerduty").to_string(),
        "--no-progress".into(),
    ];
    words.extend(args.iter().cloned());
    let mut cmd = Command::new("script");
    cmd.args(["-q", "-e", "-c", &shell_line(&words), "/dev/null"])
        .env("PAGERDUTY_API_URL", sim.url())
        .env("PAGERDUTY_API_KEY", KEY)
        .env("XDG_STATE_HOME", state_home())
        .env("TERM", "xterm-256color")
        .env_remove("NO_COLOR")
        .env_remove("RUST_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd
        .spawn()
        .expect("util-linux `script` runs the binary on a pseudo-terminal");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(input.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_terminal_gets_colour_unless_no_color_is_set() {
    let sim = Sim::start(demo_seed());
    let shown = on_terminal(&sim, &demo_plan_args(&[]), "", &[]);
    assert!(
        shown.contains("\x1b[32m+\x1b[0m user \"John Backus\" {"),
        "{shown}"
    );
    assert!(shown.contains("\x1b[1mPlan:\x1b[0m 3 to create"), "{shown}");
    let no_color = on_terminal(&sim, &demo_plan_args(&[]), "", &[("NO_COLOR", "1")]);
    assert!(no_color.contains("Plan: 3 to create"), "{no_color}");
    assert!(!has_escape_codes(&no_color), "{no_color}");
    // An empty NO_COLOR does not count (no-color.org).
    let empty = on_terminal(&sim, &demo_plan_args(&[]), "", &[("NO_COLOR", "")]);
    assert!(has_escape_codes(&empty), "{empty}");
}

#[test]
fn the_prompt_says_how_many_invitation_emails_pagerduty_will_send() {
    let sim = Sim::start(demo_seed());
    let config: PathBuf = demo_config();
    let args = inputs("apply", &config, &demo_hr());
    // Any answer but "yes" cancels: nothing is written.
    let shown = on_terminal(&sim, &args, "no\n", &[("NO_COLOR", "1")]);
    assert!(
        shown.contains(
            "Do you want to perform these actions?\r\n  PagerDuty will send 3 invitation emails (one per user created).\r\n  Only 'yes' will be accepted to approve."
        ),
        "{shown}"
    );
    assert!(
        shown.contains("Apply cancelled; nothing was changed."),
        "{shown}"
    );
    assert!(sim.writes().is_empty(), "{:?}", sim.writes());
}
