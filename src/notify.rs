//! The summary `apply` POSTs to a chat webhook at the end of a run (`--notify URL`,
//! `HR2PAGERDUTY_NOTIFY_URL`, `[notify] url`; README.md § Notifications).
//!
//! The body is Slack-compatible JSON, `{"text": "..."}` (Slack's incoming webhooks take a
//! `text` field; Mattermost and Microsoft Teams' Slack-compatible connectors read the same
//! shape). The text is made from the JSON apply report of the run, whatever way it ended:
//! the status and exit code, the counts (deletions only when there are some), the failed
//! actions, the blocked deactivations and deletions, and a refusal's reason. Every `&`, `<`
//! and `>` of the text is escaped as Slack's message formatting requires ([`slack_escape`]),
//! so a name or error message like `<!channel>` is shown, not obeyed. The request has a 10-second timeout ([`TIMEOUT`]) and follows no
//! redirect; the URL, a secret like the API key, appears in no message (a failed request's
//! error is reported without it).

use crate::config::NotifyUrl;
use serde_json::{Value, json};
use std::time::Duration;

/// The whole notification request, connection included, is given up after this long.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// At most this many failed (and, separately, blocked) actions are named in the text; the
/// rest are counted.
pub const MAX_LISTED: usize = 10;

/// The text for a run whose JSON apply report is `report` (see
/// [`crate::report::apply_json`] and [`crate::report::stopped_json`]) against the account at
/// `api_url`: one headline (status, exit code), the counts, one line per failed or
/// blocked action, per action on a user whose ownership marker was not trusted
/// (`actions[].marker_signature` `invalid`, `unsigned_not_trusted` or
/// `unbound_not_trusted`), per note on a marker the run did not trust (`marker_notes[]`),
/// and per skip that needs a person (`skipped[].needs_attention`; at most [`MAX_LISTED`] of
/// each), and the run's error.
pub fn summary_text(report: &Value, api_url: &str) -> String {
    let status = report["status"].as_str().unwrap_or("unknown");
    let exit = report["exit_code"].as_u64().unwrap_or(1);
    let mut lines = vec![format!(
        "hr2pagerduty apply against {api_url}: {} (exit {exit})",
        status.replace('_', " ")
    )];
    let s = &report["summary"];
    let n = |k: &str| s[k].as_u64().unwrap_or(0);
    // Deletions (`[lifecycle] deactivate = "delete"`) are named only in runs that have some.
    let deleted = match n("deleted") {
        0 => String::new(),
        d => format!(", {d} deleted"),
    };
    lines.push(format!(
        "{} created, {} updated, {} deactivated{deleted}, {} reactivated, {} failed, {} blocked, {} skipped",
        n("created"),
        n("updated"),
        n("deactivated"),
        n("reactivated"),
        n("failed"),
        n("blocked"),
        n("skipped")
    ));
    let actions = report["actions"].as_array().cloned().unwrap_or_default();
    let blocked_title = if actions
        .iter()
        .any(|a| a["outcome"] == "blocked" && a["action"] == "delete")
    {
        "Blocked deactivations and deletions (on call)"
    } else {
        "Blocked deactivations (on call)"
    };
    for (outcome, title) in [("failed", "Failed"), ("blocked", blocked_title)] {
        let of: Vec<&Value> = actions.iter().filter(|a| a["outcome"] == outcome).collect();
        if of.is_empty() {
            continue;
        }
        lines.push(format!("{title} ({}):", of.len()));
        for a in of.iter().take(MAX_LISTED) {
            lines.push(format!("- {}", action_line(a)));
        }
        if of.len() > MAX_LISTED {
            lines.push(format!("- and {} more", of.len() - MAX_LISTED));
        }
    }
    // Actions on users whose ownership marker was not trusted (its signature failed, or it
    // is unsigned or unbound and unconfirmed): a forgery or a hand edit someone may want
    // to look at, whatever the action did.
    let untrusted: Vec<(&Value, &str)> = actions
        .iter()
        .filter_map(|a| {
            let words = match a["marker_signature"].as_str()? {
                "invalid" => "signature invalid",
                "unsigned_not_trusted" => "unsigned and unconfirmed",
                "unbound_not_trusted" => "signed, not bound, and unconfirmed",
                _ => return None,
            };
            Some((a, words))
        })
        .collect();
    if !untrusted.is_empty() {
        lines.push(format!(
            "Ownership markers not trusted ({}):",
            untrusted.len()
        ));
        for (a, words) in untrusted.iter().take(MAX_LISTED) {
            lines.push(format!("- {}: marker {words}", action_line(a)));
        }
        if untrusted.len() > MAX_LISTED {
            lines.push(format!("- and {} more", untrusted.len() - MAX_LISTED));
        }
    }
    // The planner's notes on markers it did not trust (`marker_notes`), users with no
    // action among them: a forged or copied marker shows nowhere else.
    let notes = report["marker_notes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if !notes.is_empty() {
        lines.push(format!("Ownership marker notes ({}):", notes.len()));
        for n in notes.iter().take(MAX_LISTED) {
            lines.push(format!("- {}", n.as_str().unwrap_or_default()));
        }
        if notes.len() > MAX_LISTED {
            lines.push(format!("- and {} more", notes.len() - MAX_LISTED));
        }
    }
    // The skips a person must settle (`needs_attention`), named like the failures.
    let attention: Vec<&Value> = report["skipped"]
        .as_array()
        .map(|s| s.iter().filter(|s| s["needs_attention"] == true).collect())
        .unwrap_or_default();
    if !attention.is_empty() {
        lines.push(format!("Skipped, needs a person ({}):", attention.len()));
        for s in attention.iter().take(MAX_LISTED) {
            lines.push(format!("- {}", skip_line(s)));
        }
        if attention.len() > MAX_LISTED {
            lines.push(format!("- and {} more", attention.len() - MAX_LISTED));
        }
    }
    if let Some(e) = report["error"].as_str() {
        let label = if status == "refused" {
            "Refused"
        } else {
            "Error"
        };
        lines.push(format!("{label}: {e}"));
    }
    slack_escape(&lines.join("\n"))
}

/// `text` with `&`, `<` and `>` written as `&amp;`, `&lt;` and `&gt;`: the three characters
/// Slack's message formatting reads as markup (`<!channel>`, `<@U123>`, `<url|label>`) and
/// asks senders to escape, and the only ones
/// (<https://api.slack.com/reference/surfaces/formatting#escaping>). The text has no markup
/// of its own, so all of it is escaped: the escalation policy names, emails and error
/// messages it quotes come from PagerDuty and the HR export.
pub fn slack_escape(text: &str) -> String {
    // `&` first, so the entities written for `<` and `>` are not escaped again.
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `create jane@example.com (employee 1042): error text`.
fn action_line(a: &Value) -> String {
    let kind = a["action"].as_str().unwrap_or("action");
    let who = a["email"]
        .as_str()
        .or_else(|| a["pagerduty_user_id"].as_str())
        .unwrap_or("?");
    let mut line = format!("{kind} {who}");
    if let Some(id) = a["employee_id"].as_str() {
        line.push_str(&format!(" (employee {id})"));
    }
    match &a["error"] {
        Value::Null => {
            if let Some(b) = a["blocked"].as_str() {
                line.push_str(&format!(": {b}"));
            }
        }
        Value::String(e) => line.push_str(&format!(": {e}")),
        other => line.push_str(&format!(": {other}")),
    }
    line
}

/// `jane@example.com (PJANE01, employee 1042): reason`.
fn skip_line(s: &Value) -> String {
    let ids: Vec<String> = [
        s["pagerduty_user_id"].as_str().map(str::to_string),
        s["employee_id"].as_str().map(|e| format!("employee {e}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    let who = s["email"].as_str().unwrap_or("?");
    let reason = s["reason"].as_str().unwrap_or("");
    match ids.is_empty() {
        true => format!("{who}: {reason}"),
        false => format!("{who} ({}): {reason}", ids.join(", ")),
    }
}

/// POSTs `{"text": text}` to `url` with a [`TIMEOUT`] and no redirects.
///
/// # Errors
/// A message without the URL: the request failed (connection, timeout) or the receiver
/// answered with a status that is not a success.
pub async fn send(url: &NotifyUrl, text: &str) -> Result<(), String> {
    let client = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| format!("cannot build the notification client: {}", e.without_url()))?;
    let answer = client
        .post(url.expose())
        .json(&json!({ "text": text }))
        .send()
        .await
        .map_err(|e| {
            let kind = if e.is_timeout() {
                "timed out"
            } else if e.is_connect() {
                "could not connect"
            } else {
                "failed"
            };
            format!("the request {kind} ({})", e.without_url())
        })?;
    let status = answer.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("the receiver answered HTTP {}", status.as_u16()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_names_counts_failures_blocked_deactivations_and_refusals() {
        let report = json!({
            "status": "failed", "exit_code": 1, "error": "1 of 2 actions failed, 1 blocked (on call)",
            "summary": {"created": 1, "updated": 0, "deactivated": 0, "reactivated": 0,
                        "failed": 1, "blocked": 1, "skipped": 2},
            "actions": [
                {"action": "create", "email": "a@example.com", "employee_id": "1", "outcome": "applied", "error": null},
                {"action": "create", "email": "b@example.com", "employee_id": "2", "outcome": "failed", "error": "POST /users: HTTP 400"},
                {"action": "deactivate", "email": "c@example.com", "employee_id": "3", "outcome": "blocked", "error": null, "blocked": "on call"}
            ]
        });
        let text = summary_text(&report, "https://api.pagerduty.com");
        assert_eq!(
            text,
            "hr2pagerduty apply against https://api.pagerduty.com: failed (exit 1)\n\
             1 created, 0 updated, 0 deactivated, 0 reactivated, 1 failed, 1 blocked, 2 skipped\n\
             Failed (1):\n\
             - create b@example.com (employee 2): POST /users: HTTP 400\n\
             Blocked deactivations (on call) (1):\n\
             - deactivate c@example.com (employee 3): on call\n\
             Error: 1 of 2 actions failed, 1 blocked (on call)"
        );
        let refused = json!({"status": "refused", "exit_code": 3, "error": "refused before any write: 9 deactivations", "summary": {}, "actions": []});
        let text = summary_text(&refused, "https://api.eu.pagerduty.com");
        assert!(
            text.starts_with(
                "hr2pagerduty apply against https://api.eu.pagerduty.com: refused (exit 3)\n"
            ),
            "{text}"
        );
        assert!(
            text.ends_with("\nRefused: refused before any write: 9 deactivations"),
            "{text}"
        );
    }

    #[test]
    fn names_and_errors_cannot_mention_the_channel() {
        let report = json!({
            "status": "failed", "exit_code": 1, "error": "stopped: <!here> & more",
            "summary": {"blocked": 1},
            "actions": [
                {"action": "deactivate", "email": "c@example.com", "outcome": "blocked", "error": null,
                 "blocked": "on call in escalation policy IT Ops <!channel> EP"}
            ]
        });
        let text = summary_text(&report, "https://api.pagerduty.com");
        assert!(
            text.contains("- deactivate c@example.com: on call in escalation policy IT Ops &lt;!channel&gt; EP"),
            "{text}"
        );
        assert!(
            text.ends_with("\nError: stopped: &lt;!here&gt; &amp; more"),
            "{text}"
        );
        assert!(!text.contains('<') && !text.contains('>'), "{text}");
        assert_eq!(slack_escape("a&lt;b<c>"), "a&amp;lt;b&lt;c&gt;");
    }

    #[test]
    fn skips_that_need_a_person_are_named_and_the_others_are_not() {
        let report = json!({
            "status": "failed", "exit_code": 1, "error": "1 skipped needs a person (skipped[].needs_attention)",
            "summary": {"skipped": 2},
            "actions": [],
            "skipped": [
                {"employee_id": "1009", "email": "lea@example.com", "pagerduty_user_id": "PLEA", "hr_line": null,
                 "reason": "2 PagerDuty users (PCOPY, PLEA) carry the marker for employee 1009; fix by hand", "needs_attention": true},
                {"employee_id": null, "email": "owner@example.com", "pagerduty_user_id": "POWN", "hr_line": null,
                 "reason": "account owner: never changed", "needs_attention": false}
            ]
        });
        let text = summary_text(&report, "https://api.pagerduty.com");
        assert!(
            text.contains(
                "\nSkipped, needs a person (1):\n- lea@example.com (PLEA, employee 1009): 2 PagerDuty users (PCOPY, PLEA) carry the marker for employee 1009; fix by hand\nError: 1 skipped needs a person"
            ),
            "{text}"
        );
        assert!(!text.contains("owner@"), "{text}");
    }

    #[test]
    fn actions_on_users_whose_marker_was_not_trusted_are_named() {
        let report = json!({
            "status": "applied", "exit_code": 0,
            "summary": {"created": 0, "updated": 1, "deactivated": 0, "reactivated": 1,
                        "failed": 0, "blocked": 0, "skipped": 0},
            "actions": [
                {"action": "reactivate", "email": "alan@example.com", "employee_id": "1003",
                 "outcome": "applied", "error": null, "marker_signature": "unsigned_not_trusted"},
                {"action": "update", "email": "ada@example.com", "employee_id": "1001",
                 "outcome": "applied", "error": null, "marker_signature": "invalid"},
                {"action": "update", "email": "kat@example.com", "employee_id": "1004",
                 "outcome": "applied", "error": null, "marker_signature": "valid"},
            ],
            "skipped": [],
            "error": null,
        });
        let text = summary_text(&report, "https://api.pagerduty.com");
        assert!(
            text.contains(
                "Ownership markers not trusted (2):\n- reactivate alan@example.com (employee 1003): marker unsigned and unconfirmed\n- update ada@example.com (employee 1001): marker signature invalid"
            ),
            "{text}"
        );
        assert!(!text.contains("kat@example.com"), "{text}");
        assert!(!text.contains("Ownership marker notes"), "{text}");
    }

    #[test]
    fn notes_on_markers_not_trusted_are_listed() {
        let report = json!({
            "status": "applied", "exit_code": 0,
            "summary": {"created": 0, "updated": 0, "deactivated": 0, "reactivated": 0,
                        "failed": 0, "blocked": 0, "skipped": 0},
            "actions": [], "skipped": [], "error": null,
            "marker_notes": ["user PCARL (carl@example.net): ownership marker ignored: its signature does not verify; matched by email only"],
        });
        let text = summary_text(&report, "https://api.pagerduty.com");
        assert!(
            text.contains("Ownership marker notes (1):\n- user PCARL (carl@example.net): ownership marker ignored: its signature does not verify; matched by email only"),
            "{text}"
        );
    }

    #[test]
    fn long_lists_are_cut_and_counted() {
        let actions: Vec<Value> = (0..13)
            .map(|i| json!({"action": "update", "email": format!("u{i}@example.com"), "outcome": "failed", "error": "x"}))
            .collect();
        let report = json!({"status": "failed", "exit_code": 1, "summary": {"failed": 13}, "actions": actions});
        let text = summary_text(&report, "u");
        assert!(
            text.contains("- update u9@example.com: x\n- and 3 more"),
            "{text}"
        );
        assert!(!text.contains("u10@"), "{text}");
    }

    #[test]
    fn deletions_are_counted_and_a_blocked_one_is_named_only_when_the_run_has_some() {
        let report = json!({
            "status": "partially_applied", "exit_code": 1,
            "summary": {"created": 0, "updated": 0, "deactivated": 1, "deleted": 2,
                        "reactivated": 0, "failed": 0, "blocked": 1, "skipped": 0},
            "actions": [
                {"action": "delete", "email": "d@example.com", "employee_id": "4", "outcome": "blocked", "error": null, "blocked": "on call"}
            ]
        });
        let text = summary_text(&report, "https://api.pagerduty.com");
        assert!(
            text.contains("0 updated, 1 deactivated, 2 deleted, 0 reactivated, 0 failed"),
            "{text}"
        );
        assert!(
            text.contains(
                "Blocked deactivations and deletions (on call) (1):\n- delete d@example.com (employee 4): on call"
            ),
            "{text}"
        );
    }
}
