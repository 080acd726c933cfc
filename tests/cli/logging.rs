//! End to end: `--log-format json` (one JSON object per log event on stderr, an action's
//! events carrying its `employee_id`, `pagerduty_user_id` and `action`), against the
//! simulator with the demo's inputs.

use crate::support::e2e::*;
use crate::support::*;
use serde_json::Value;

#[test]
fn json_logs_are_one_object_per_line_and_an_action_s_events_name_it() {
    let sim = Sim::start(demo_seed());
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let cmd = against(&sim, KEY);
    let mut args = inputs("apply", &demo_config(), &demo_hr());
    args.extend([
        "--yes".into(),
        "--report".into(),
        report.display().to_string(),
        "--log-format".into(),
        "json".into(),
        "-vv".into(),
    ]);
    let r = run_args(cmd, &args);
    r.expect_code(0);
    let events: Vec<Value> = r
        .stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l:?}\n{r:?}")))
        .collect();
    for e in &events {
        assert!(e["timestamp"].is_string() && e["level"].is_string(), "{e}");
    }
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let actions = report["actions"].as_array().unwrap();
    assert!(!actions.is_empty());
    // Every event inside an action names that action: its employee, kind and user.
    let in_action: Vec<&Value> = events
        .iter()
        .filter(|e| e["span"]["name"] == "action")
        .collect();
    for e in &in_action {
        let span = &e["span"];
        let a = actions
            .iter()
            .find(|a| a["employee_id"] == span["employee_id"] && a["action"] == span["action"])
            .unwrap_or_else(|| panic!("no action for {e}"));
        // A create's ID is known from the moment PagerDuty answers the POST.
        if let Some(id) = span.get("pagerduty_user_id") {
            assert_eq!(id, &a["pagerduty_user_id"], "{e}");
        } else {
            assert_eq!(a["action"], "create", "{e}");
        }
    }
    // Each action ends with one info event carrying all three fields and its outcome, and
    // its requests (debug events) are logged inside it.
    for a in actions {
        let of_a = |e: &&&Value| {
            e["span"]["employee_id"] == a["employee_id"] && e["span"]["action"] == a["action"]
        };
        let ended: Vec<&&Value> = in_action
            .iter()
            .filter(of_a)
            .filter(|e| e["message"] == "action ended")
            .collect();
        assert_eq!(ended.len(), 1, "{a}\n{r:?}");
        let e = ended[0];
        assert_eq!(e["level"], "INFO");
        assert_eq!(
            e["span"]["pagerduty_user_id"], a["pagerduty_user_id"],
            "{e}"
        );
        assert_eq!(e["outcome"], a["outcome"], "{e}");
        assert_eq!(e["attempts"], a["attempts"], "{e}");
        // A create: its POST's own event comes before the ID is known; every event after
        // it (the team requests, the end) carries the ID PagerDuty answered with.
        if a["action"] == "create" {
            let mine: Vec<&&Value> = in_action.iter().filter(of_a).collect();
            let post = mine
                .iter()
                .position(|e| e["method"] == "POST" && e["path"] == "/users")
                .unwrap_or_else(|| panic!("no POST /users event for {a}\n{r:?}"));
            assert!(mine.len() > post + 1, "{a}\n{r:?}");
            for e in &mine[post + 1..] {
                assert_eq!(
                    e["span"]["pagerduty_user_id"], a["pagerduty_user_id"],
                    "an event after the create's POST answered: {e}"
                );
            }
            for e in &mine[..=post] {
                assert!(e["span"].get("pagerduty_user_id").is_none(), "{e}");
            }
        }
        let requests = in_action
            .iter()
            .filter(of_a)
            .filter(|e| e["level"] == "DEBUG")
            .count();
        assert!(requests > 0, "{a}\n{r:?}");
    }
}

/// The text log lines on stderr follow `--color` as the text plan does: `always` colours
/// them even though stderr is a pipe here, `never` and `auto` (a pipe) do not.
#[test]
fn text_log_colour_follows_the_color_flag() {
    let sim = Sim::start(demo_seed());
    let stderr_for = |color: &str| {
        let mut args = inputs("plan", &demo_config(), &demo_hr());
        args.extend(["-v".into(), "--color".into(), color.into()]);
        let r = run_args(against(&sim, KEY), &args);
        r.expect_code(0);
        assert!(r.stderr.contains("INFO"), "{r:?}");
        r.stderr
    };
    assert!(
        stderr_for("always").contains("\u{1b}["),
        "no ANSI code with --color always"
    );
    for color in ["never", "auto"] {
        let stderr = stderr_for(color);
        assert!(
            !stderr.contains('\u{1b}'),
            "ANSI code with --color {color}: {stderr:?}"
        );
    }
}
