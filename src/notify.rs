//! The summary `apply` POSTs to a chat webhook at the end of a run (`--notify URL`,
//! `HR2PAGERDUTY_NOTIFY_URL`, `[notify] url`; README.md § Notifications).
//!
//! The body is Slack-compatible JSON, `{"text": "..."}` (Slack's incoming webhooks take a
//! `text` field; Mattermost and Microsoft Teams' Slack-compatible connectors read the same
//! shape). The text is made from the apply report of the run ([`ApplyReport`], the values
//! the JSON apply report is written from), whatever way it ended:
//! the status and exit code, the counts (deletions only when there are some), the failed
//! actions, the blocked deactivations and deletions, and a refusal's reason. Every `&`, `<`
//! and `>` of the text is escaped as Slack's message formatting requires ([`slack_escape`]),
//! so a name or error message like `<!channel>` is shown, not obeyed. The request has a 10-second timeout ([`TIMEOUT`]) and follows no
//! redirect; the URL, a secret like the API key, appears in no message (a failed request's
//! error is reported without it).

use crate::apply::{Outcome, OutcomeStatus};
use crate::config::NotifyUrl;
use crate::pagerduty::{TransportKind, transport_kind};
use crate::plan::{ActionKind, MarkerTrust, Skip};
use crate::report::ApplyReport;
use serde_json::json;
use std::time::Duration;

/// The whole notification request, connection included, is given up after this long.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// At most this many failed (and, separately, blocked) actions are named in the text; the
/// rest are counted.
pub const MAX_LISTED: usize = 10;

/// The text for a run whose apply report is `report` against the account at `api_url`:
/// one headline (status, exit code), the counts, one line per failed or blocked action,
/// per action on a user whose ownership marker was not trusted (signature invalid, or
/// unsigned or unbound and unconfirmed: `marker_signature` `invalid`,
/// `unsigned_not_trusted` or `unbound_not_trusted` in the JSON), per note on a marker the
/// run did not trust ([`ApplyReport::marker_notes`]), and per skip that needs a
/// person ([`crate::plan::SkipCause::needs_attention`]; at most [`MAX_LISTED`] of each),
/// and the run's error.
pub fn summary_text(report: &ApplyReport, api_url: &str) -> String {
    let status = report.status.as_str();
    let mut lines = vec![format!(
        "hr2pagerduty apply against {api_url}: {} (exit {})",
        status.replace('_', " "),
        report.exit_code
    )];
    let s = &report.summary;
    // Deletions (`[lifecycle] deactivate = "delete"`) are named only in runs that have some.
    let deleted = match s.deleted {
        0 => String::new(),
        d => format!(", {d} deleted"),
    };
    lines.push(format!(
        "{}, {} updated, {} deactivated{deleted}, {} reactivated, {} failed, {} blocked, {} skipped",
        s.created_words(),
        s.updated, s.deactivated, s.reactivated, s.failed, s.blocked, s.skipped
    ));
    let actions = &report.outcomes;
    let blocked: Vec<&Outcome> = actions
        .iter()
        .filter(|o| o.status == OutcomeStatus::Blocked)
        .collect();
    let kinds = if blocked.iter().any(|o| o.action.kind == ActionKind::Update) {
        "actions"
    } else if blocked.iter().any(|o| o.action.kind == ActionKind::Delete) {
        "deactivations and deletions"
    } else {
        "deactivations"
    };
    // The causes in the plan's and the report's words: `on call`, `on their team's
    // escalation policy`, or each counted when both are present.
    let causes =
        crate::oncall::blocked_words(blocked.iter().filter_map(|o| o.action.blocked.as_ref()))
            .unwrap_or_else(|| "on call".into());
    let blocked_title = format!("Blocked {kinds} ({causes})");
    let blocked_title = blocked_title.as_str();
    for (outcome, title) in [
        (OutcomeStatus::Failed, "Failed"),
        (OutcomeStatus::Blocked, blocked_title),
    ] {
        let of: Vec<&Outcome> = actions.iter().filter(|o| o.status == outcome).collect();
        if of.is_empty() {
            continue;
        }
        lines.push(format!("{title} ({}):", of.len()));
        for o in of.iter().take(MAX_LISTED) {
            lines.push(format!("- {}", action_line(o)));
        }
        if of.len() > MAX_LISTED {
            lines.push(format!("- and {} more", of.len() - MAX_LISTED));
        }
    }
    // Actions on users whose ownership marker was not trusted (its signature failed, or it
    // is unsigned or unbound and unconfirmed): a forgery or a hand edit someone may want
    // to look at, whatever the action did.
    let untrusted: Vec<(&Outcome, &str)> = actions
        .iter()
        .filter_map(|o| {
            let words = match o.action.marker_signature? {
                MarkerTrust::Invalid => "signature invalid",
                MarkerTrust::UnsignedNotTrusted => "unsigned and unconfirmed",
                MarkerTrust::UnboundNotTrusted => "signed, not bound, and unconfirmed",
                _ => return None,
            };
            Some((o, words))
        })
        .collect();
    if !untrusted.is_empty() {
        lines.push(format!(
            "Ownership markers not trusted ({}):",
            untrusted.len()
        ));
        for (o, words) in untrusted.iter().take(MAX_LISTED) {
            lines.push(format!("- {}: marker {words}", action_line(o)));
        }
        if untrusted.len() > MAX_LISTED {
            lines.push(format!("- and {} more", untrusted.len() - MAX_LISTED));
        }
    }
    // The planner's notes on markers it did not trust (`marker_notes`), users with no
    // action among them: a forged or copied marker shows nowhere else.
    let notes = &report.marker_notes;
    if !notes.is_empty() {
        lines.push(format!("Ownership marker notes ({}):", notes.len()));
        for n in notes.iter().take(MAX_LISTED) {
            lines.push(format!("- {n}"));
        }
        if notes.len() > MAX_LISTED {
            lines.push(format!("- and {} more", notes.len() - MAX_LISTED));
        }
    }
    // The skips a person must settle (`needs_attention`), named like the failures; an HR
    // row's problem never is one.
    let attention: Vec<&Skip> = report
        .skipped
        .iter()
        .filter(|s| s.reason.needs_attention())
        .collect();
    if !attention.is_empty() {
        lines.push(format!("Skipped, needs a person ({}):", attention.len()));
        for s in attention.iter().take(MAX_LISTED) {
            lines.push(format!("- {}", skip_line(s)));
        }
        if attention.len() > MAX_LISTED {
            lines.push(format!("- and {} more", attention.len() - MAX_LISTED));
        }
    }
    if let Some(e) = &report.error {
        // A refusal's error already begins "refused before any write: "; the label is not
        // said twice ("Refused: refused before any write").
        if status == "refused" {
            let why = e.strip_prefix("refused before any write: ").unwrap_or(e);
            lines.push(format!("Refused before any write: {why}"));
        } else {
            lines.push(format!("Error: {e}"));
        }
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

/// `create jane@example.com (employee 1042): error text`; a blocked deactivation or
/// deletion without a cause, `: ` and why it is blocked.
fn action_line(o: &Outcome) -> String {
    let a = &o.action;
    let mut line = format!("{} {}", a.kind, a.email);
    if let Some(id) = &a.employee_id {
        line.push_str(&format!(" (employee {id})"));
    }
    match &o.cause {
        None => {
            if let Some(b) = a.blocked.as_ref().filter(|_| a.kind.is_oncall_checked()) {
                line.push_str(&format!(": {b}"));
            }
        }
        Some(c) => line.push_str(&format!(": {c}")),
    }
    line
}

/// `jane@example.com (PJANE01, employee 1042): reason`.
fn skip_line(s: &Skip) -> String {
    let ids: Vec<String> = [
        s.pagerduty_user_id.as_ref().map(ToString::to_string),
        s.employee_id.as_ref().map(|e| format!("employee {e}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    let who = s.email.as_ref().map_or("?", |e| e.as_str());
    let reason = &s.reason;
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
            // The API client's classification of the same reqwest errors, so an https://
            // URL to a plain-HTTP receiver gets the hint the API URL gets.
            let kind = match transport_kind(&e) {
                TransportKind::NotTls => "could not connect: the receiver's answer to the TLS handshake is not TLS, so the https:// URL points at a server that speaks plain HTTP; check the URL's scheme and port",
                TransportKind::Refused => "could not connect: connection refused",
                TransportKind::Connect => "could not connect",
                TransportKind::Timeout => "timed out",
                _ => "failed",
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
    use crate::apply::Cause;
    use crate::email::Email;
    use crate::oncall::Blocked;
    use crate::plan::ownership::Untouchable;
    use crate::plan::{Action, SkipCause};
    use crate::report::{ApplySummary, RunStatus};

    fn action(kind: ActionKind, email: &str, employee: Option<&str>) -> Action {
        Action {
            employee_id: employee.map(Into::into),
            ..Action::new(kind, Email::normalise(email), String::new())
        }
    }

    fn outcome(action: Action, status: OutcomeStatus, cause: Option<Cause>) -> Outcome {
        Outcome {
            action,
            status,
            user_id: None,
            cause,
            attempts: 1,
            steps_done: 0,
            http_status: None,
            adopted: false,
        }
    }

    /// A blocked deactivation or deletion, with why in the action (as planned).
    fn blocked(kind: ActionKind, email: &str, employee: Option<&str>) -> Outcome {
        let a = Action {
            blocked: Some(Blocked {
                impact: None,
                lookahead_days: 90,
                refused: Vec::new(),
                removals_only: false,
                held: None,
            }),
            ..action(kind, email, employee)
        };
        outcome(a, OutcomeStatus::Blocked, None)
    }

    fn report(status: RunStatus, exit_code: u8, outcomes: Vec<Outcome>) -> ApplyReport {
        ApplyReport {
            outcomes,
            ..ApplyReport::stopped(status, exit_code, None)
        }
    }

    fn on_call() -> String {
        Blocked {
            impact: None,
            lookahead_days: 90,
            refused: Vec::new(),
            removals_only: false,
            held: None,
        }
        .to_string()
    }

    #[test]
    fn the_text_names_counts_failures_blocked_deactivations_and_refusals() {
        let mut r = report(
            RunStatus::Failed,
            1,
            vec![
                outcome(
                    action(ActionKind::Create, "a@example.com", Some("1")),
                    OutcomeStatus::Applied,
                    None,
                ),
                outcome(
                    action(ActionKind::Create, "b@example.com", Some("2")),
                    OutcomeStatus::Failed,
                    Some(Cause::AuthenticationRejected),
                ),
                blocked(ActionKind::Deactivate, "c@example.com", Some("3")),
            ],
        );
        r.error = Some("1 of 2 actions failed, 1 blocked (on call)".into());
        r.summary = ApplySummary {
            created: 1,
            failed: 1,
            blocked: 1,
            skipped: 2,
            ..ApplySummary::default()
        };
        let text = summary_text(&r, "https://api.pagerduty.com");
        assert_eq!(
            text,
            format!(
                "hr2pagerduty apply against https://api.pagerduty.com: failed (exit 1)\n\
                 1 created, 0 updated, 0 deactivated, 0 reactivated, 1 failed, 1 blocked, 2 skipped\n\
                 Failed (1):\n\
                 - create b@example.com (employee 2): not attempted: authentication was rejected\n\
                 Blocked deactivations (on call) (1):\n\
                 - deactivate c@example.com (employee 3): {}\n\
                 Error: 1 of 2 actions failed, 1 blocked (on call)",
                slack_escape(&on_call())
            )
        );
        let refused = ApplyReport::stopped(
            RunStatus::Refused,
            3,
            Some("refused before any write: 9 deactivations"),
        );
        let text = summary_text(&refused, "https://api.eu.pagerduty.com");
        assert!(
            text.starts_with(
                "hr2pagerduty apply against https://api.eu.pagerduty.com: refused (exit 3)\n"
            ),
            "{text}"
        );
        assert!(
            text.ends_with("\nRefused before any write: 9 deactivations"),
            "{text}"
        );
    }

    #[test]
    fn the_status_words_are_the_reports_status_values() {
        for s in [
            RunStatus::Applied,
            RunStatus::NoChanges,
            RunStatus::Failed,
            RunStatus::Cancelled,
            RunStatus::Refused,
            RunStatus::UsageError,
            RunStatus::HrUnusable,
            RunStatus::ConfigInvalid,
            RunStatus::InProgress,
            RunStatus::Interrupted,
        ] {
            assert_eq!(json!(s), json!(s.as_str()));
            let text = summary_text(&ApplyReport::stopped(s, 0, None), "u");
            assert!(
                text.starts_with(&format!(
                    "hr2pagerduty apply against u: {} (exit 0)\n",
                    s.as_str().replace('_', " ")
                )),
                "{text}"
            );
        }
    }

    #[test]
    fn names_and_errors_cannot_mention_the_channel() {
        let mut r = report(
            RunStatus::Failed,
            1,
            vec![outcome(
                action(ActionKind::Update, "c@example.com", None),
                OutcomeStatus::Failed,
                Some(Cause::EmailNotFreed {
                    user: "P<!channel>".into(),
                }),
            )],
        );
        r.error = Some("stopped: <!here> & more".into());
        let text = summary_text(&r, "https://api.pagerduty.com");
        assert!(text.contains("P&lt;!channel&gt;"), "{text}");
        assert!(
            text.ends_with("\nError: stopped: &lt;!here&gt; &amp; more"),
            "{text}"
        );
        assert!(!text.contains('<') && !text.contains('>'), "{text}");
        assert_eq!(slack_escape("a&lt;b<c>"), "a&amp;lt;b&lt;c&gt;");
    }

    #[test]
    fn skips_that_need_a_person_are_named_and_the_others_are_not() {
        let mut r = report(RunStatus::Failed, 1, vec![]);
        r.error = Some("1 skipped needs a person (skipped[].needs_attention)".into());
        let copied = SkipCause::EmployeeOnSeveralUsers;
        r.skipped = vec![
            Skip {
                employee_id: Some("1009".into()),
                email: Some(Email::normalise("lea@example.com")),
                pagerduty_user_id: Some("PLEA".into()),
                line: None,
                reason: copied.clone(),
                not_yet_hired: false,
            },
            Skip {
                employee_id: None,
                email: Some(Email::normalise("owner@example.com")),
                pagerduty_user_id: Some("POWN".into()),
                line: None,
                reason: SkipCause::Untouchable(Untouchable::Owner),
                not_yet_hired: false,
            },
        ];
        let text = summary_text(&r, "https://api.pagerduty.com");
        assert!(
            text.contains(&format!(
                "\nSkipped, needs a person (1):\n- lea@example.com (PLEA, employee 1009): {}\nError: 1 skipped needs a person",
                slack_escape(&copied.to_string())
            )),
            "{text}"
        );
        assert!(!text.contains("owner@"), "{text}");
    }

    #[test]
    fn actions_on_users_whose_marker_was_not_trusted_are_named() {
        let signed = |kind, email, employee, trust| {
            let a = Action {
                marker_signature: Some(trust),
                ..action(kind, email, Some(employee))
            };
            outcome(a, OutcomeStatus::Applied, None)
        };
        let r = report(
            RunStatus::Applied,
            0,
            vec![
                signed(
                    ActionKind::Reactivate,
                    "alan@example.com",
                    "1003",
                    MarkerTrust::UnsignedNotTrusted,
                ),
                signed(
                    ActionKind::Update,
                    "ada@example.com",
                    "1001",
                    MarkerTrust::Invalid,
                ),
                signed(
                    ActionKind::Update,
                    "kat@example.com",
                    "1004",
                    MarkerTrust::Valid,
                ),
            ],
        );
        let text = summary_text(&r, "https://api.pagerduty.com");
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
        let mut report = report(RunStatus::Applied, 0, vec![]);
        report.marker_notes = vec![
            "user PCARL (carl@example.net): ownership marker ignored: its signature does not verify; matched by email only".into(),
        ];
        let text = summary_text(&report, "https://api.pagerduty.com");
        assert!(
            text.contains("Ownership marker notes (1):\n- user PCARL (carl@example.net): ownership marker ignored: its signature does not verify; matched by email only"),
            "{text}"
        );
    }

    #[test]
    fn long_lists_are_cut_and_counted() {
        let outcomes = (0..13)
            .map(|i| {
                outcome(
                    action(ActionKind::Update, &format!("u{i}@example.com"), None),
                    OutcomeStatus::Failed,
                    Some(Cause::AuthenticationRejected),
                )
            })
            .collect();
        let text = summary_text(&report(RunStatus::Failed, 1, outcomes), "u");
        assert!(
            text.contains(
                "- update u9@example.com: not attempted: authentication was rejected\n- and 3 more"
            ),
            "{text}"
        );
        assert!(!text.contains("u10@"), "{text}");
    }

    #[test]
    fn deletions_are_counted_and_a_blocked_one_is_named_only_when_the_run_has_some() {
        let mut r = report(
            RunStatus::Failed,
            1,
            vec![blocked(ActionKind::Delete, "d@example.com", Some("4"))],
        );
        r.summary = ApplySummary {
            deactivated: 1,
            deleted: 2,
            blocked: 1,
            ..ApplySummary::default()
        };
        let text = summary_text(&r, "https://api.pagerduty.com");
        assert!(
            text.contains("0 updated, 1 deactivated, 2 deleted, 0 reactivated, 0 failed"),
            "{text}"
        );
        assert!(
            text.contains(&format!(
                "Blocked deactivations and deletions (on call) (1):\n- delete d@example.com (employee 4): {}",
                slack_escape(&on_call())
            )),
            "{text}"
        );
    }

    #[test]
    fn the_blocked_title_names_the_kinds_and_causes_present() {
        let team_policy = |kind, email: &str| {
            let mut o = blocked(kind, email, Some("5"));
            if let Some(b) = o.action.blocked.as_mut() {
                b.refused = vec![crate::oncall::RefusedRemoval {
                    team_id: "PT1".into(),
                    team: "Ops".into(),
                    escalation_policies: Vec::new(),
                }];
            }
            o
        };
        let title = |outcomes: Vec<Outcome>| {
            let text = summary_text(&report(RunStatus::Failed, 1, outcomes), "http://127.0.0.1");
            text.lines()
                .find(|l| l.starts_with("Blocked "))
                .map(str::to_string)
                .unwrap_or_else(|| panic!("{text}"))
        };
        assert_eq!(
            title(vec![team_policy(ActionKind::Deactivate, "d@example.com")]),
            "Blocked deactivations (on their team's escalation policy) (1):"
        );
        assert_eq!(
            title(vec![
                blocked(ActionKind::Deactivate, "c@example.com", Some("3")),
                team_policy(ActionKind::Update, "m@example.com"),
            ]),
            "Blocked actions (1 on call, 1 on their team's escalation policy) (2):"
        );
    }
}
