//! The apply report as a table, for spreadsheets (`--report-format csv`) and chat
//! (`--report-format markdown`), and [`render_report`], which writes a report in any of the
//! formats (README.md § Report formats).
//!
//! Both tables are made from the JSON apply report (the value of [`super::ApplyReport::json`],
//! [`super::progress_json`], [`super::starting_json`] or [`super::stopped_json`]), so they
//! say exactly what the JSON says, for a run in progress as for one that ended: one row per
//! action ([`Row`]: action, outcome, employee ID, email, PagerDuty ID, changes, error). An
//! action that has not ended while the run is in progress has the outcome `pending`.
//!
//! CSV carries the rows alone (one header line, then one line per action, written with the
//! `csv` crate); a cell that a spreadsheet would read as a formula gets a leading `'`
//! ([`csv_cell`]). Markdown starts with one summary line (how the run ended or that it is
//! in progress, the counts, the run's error), then a GitHub-flavoured Markdown table whose
//! cells have `\`, `|` and line breaks escaped ([`markdown_cell`]).

use crate::words::plural;
use serde_json::Value;
use std::borrow::Cow;
use std::fmt::Write as _;

/// The format of the report file (`--report-format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReportFormat {
    /// The JSON apply report (README.md § JSON apply report), pretty-printed.
    #[default]
    Json,
    /// One CSV row per action under a header line ([`report_csv`]).
    Csv,
    /// A summary line and a Markdown table, one row per action ([`report_markdown`]).
    Markdown,
}

/// The text of the report file for the JSON apply report `report` in `format`, ending
/// with a line break.
pub fn render_report(report: &Value, format: ReportFormat) -> String {
    match format {
        ReportFormat::Json => serde_json::to_string_pretty(report).unwrap_or_default() + "\n",
        ReportFormat::Csv => report_csv(report),
        ReportFormat::Markdown => report_markdown(report),
    }
}

/// One action of the report as table cells, unescaped. A missing value is empty.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Row {
    /// `create`, `update`, `deactivate`, `reactivate` or `delete`.
    pub action: String,
    /// How the action ended (`applied`, `failed`, `skipped`, `blocked`, `not_started`,
    /// `interrupted`), or `pending` in the report of a run in progress.
    pub outcome: String,
    /// The HR employee ID (empty for a user no HR row names).
    pub employee_id: String,
    /// The email the action is for.
    pub email: String,
    /// The PagerDuty user ID (a create's once PagerDuty has answered it).
    pub pagerduty_user_id: String,
    /// The changes, `field: old → new` joined by `; ` ([`changes_text`]).
    pub changes: String,
    /// Why the action was not applied, in words (empty when it was, or has not ended).
    pub error: String,
}

impl Row {
    /// The cells in column order ([`COLUMNS`]).
    fn cells(&self) -> [&str; 7] {
        [
            self.action.as_str(),
            self.outcome.as_str(),
            self.employee_id.as_str(),
            self.email.as_str(),
            self.pagerduty_user_id.as_str(),
            self.changes.as_str(),
            self.error.as_str(),
        ]
    }
}

/// The CSV header: the JSON report's key of each column.
pub const COLUMNS: [&str; 7] = [
    "action",
    "outcome",
    "employee_id",
    "email",
    "pagerduty_user_id",
    "changes",
    "error",
];

/// The Markdown header, in words.
const HEADINGS: [&str; 7] = [
    "Action",
    "Outcome",
    "Employee ID",
    "Email",
    "PagerDuty ID",
    "Changes",
    "Error",
];

/// A JSON value as cell text: a string as it is, null as empty, anything else as JSON.
fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// One row per element of the report's `actions`, in report (plan) order.
pub fn rows(report: &Value) -> Vec<Row> {
    let actions = report["actions"].as_array().map_or(&[][..], Vec::as_slice);
    actions
        .iter()
        .map(|a| Row {
            action: text(&a["action"]),
            outcome: text(&a["outcome"]),
            employee_id: text(&a["employee_id"]),
            email: text(&a["email"]),
            pagerduty_user_id: text(&a["pagerduty_user_id"]),
            changes: changes_text(&a["changes"]),
            error: text(&a["error"]),
        })
        .collect()
}

/// The `changes` object of an action (`{field: [old, new]}`, `teams` as lists of
/// `"team:role"`) in words: `field: old → new` (`field: new` for a field set from nothing,
/// `field: old → (none)` for one cleared), the teams as the memberships added (`+`) and
/// removed (`-`), and the description (the ownership marker) only as `description changed`,
/// last; joined by `; `.
pub fn changes_text(changes: &Value) -> String {
    let Some(map) = changes.as_object() else {
        return String::new();
    };
    let mut parts = Vec::new();
    for (field, pair) in map.iter().filter(|(f, _)| *f != "description") {
        let (old, new) = (&pair[0], &pair[1]);
        let part = match field.as_str() {
            "teams" => {
                let list = |v: &Value| -> Vec<String> {
                    v.as_array()
                        .map(|l| l.iter().map(text).collect())
                        .unwrap_or_default()
                };
                let (old, new) = (list(old), list(new));
                let mut moves: Vec<String> = new
                    .iter()
                    .filter(|t| !old.contains(t))
                    .map(|t| format!("+{t}"))
                    .collect();
                moves.extend(
                    old.iter()
                        .filter(|t| !new.contains(t))
                        .map(|t| format!("-{t}")),
                );
                if moves.is_empty() {
                    continue;
                }
                format!("teams: {}", moves.join(", "))
            }
            _ => match (text(old), text(new)) {
                (o, n) if o.is_empty() => format!("{field}: {n}"),
                (o, n) if n.is_empty() => format!("{field}: {o} → (none)"),
                (o, n) => format!("{field}: {o} → {n}"),
            },
        };
        parts.push(part);
    }
    if map.contains_key("description") {
        parts.push("description changed".into());
    }
    parts.join("; ")
}

/// A CSV cell safe to open in a spreadsheet: a value starting with `=`, `+`, `-`, `@`, a
/// tab or a carriage return gets a leading `'`, so that it is read as text and never as a
/// formula (OWASP, "CSV Injection").
pub fn csv_cell(value: &str) -> Cow<'_, str> {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{value}")),
        _ => Cow::Borrowed(value),
    }
}

/// The last row of the CSV report of a run in progress ([`report_csv`]): action `run`,
/// outcome `in_progress` and this error. The run's own report replaces it when the run
/// ends, so a file that still holds it belongs to a run that never finished (killed with
/// SIGKILL, or its machine lost), even when every action above it has an outcome or the
/// run had not planned yet.
pub const UNFINISHED_RUN: &str = "the run has not finished: it is still going or it was killed (the report of a run that ends replaces this row)";

/// The CSV report: the header (`COLUMNS`) and one record per action, every cell through
/// [`csv_cell`], quoted where the value needs it (RFC 4180, by the `csv` crate); for a run
/// in progress (`status` `in_progress`), one more record: `run`, `in_progress` and
/// [`UNFINISHED_RUN`] in the error column. A report of a run that ended with no actions
/// (a run refused) is the header alone.
pub fn report_csv(report: &Value) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    // Writing to a Vec cannot fail; a record with the header's width is always accepted.
    let _ = w.write_record(COLUMNS);
    let mut all = rows(report);
    if report["status"] == "in_progress" {
        all.push(Row {
            action: "run".into(),
            outcome: "in_progress".into(),
            error: UNFINISHED_RUN.into(),
            ..Row::default()
        });
    }
    for row in all {
        let _ = w.write_record(row.cells().map(csv_cell).iter().map(|c| c.as_bytes()));
    }
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

/// A Markdown table cell: `\` and `|` escaped with a backslash (GitHub-flavoured Markdown
/// splits cells at unescaped pipes), each line break (`\r\n`, `\n`, `\r`) as `<br>`.
pub fn markdown_cell(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '|' => out.push_str("\\|"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("<br>");
            }
            '\n' => out.push_str("<br>"),
            c => out.push(c),
        }
    }
    out
}

/// The report's counts worth naming, in this order, as `(summary key, words)`.
const COUNTS: [(&str, &str); 11] = [
    ("created", "created"),
    ("updated", "updated"),
    ("deactivated", "deactivated"),
    ("reactivated", "reactivated"),
    ("deleted", "deleted"),
    ("failed", "failed"),
    // Neutral: the causes are in the run's error, which ends the line.
    ("blocked", "blocked"),
    (
        "blocked_team_removals",
        "team removals blocked (escalation policy)",
    ),
    ("interrupted", "interrupted"),
    ("not_started", "not started"),
    ("skipped", "skipped"),
];

/// `1 invitation email` / `N invitation emails`: the report's `summary.invitations`, the
/// invitation emails PagerDuty sends to the users the run created (one per user added:
/// `invitation_sent` and source S37 in `../shared/reference/PAGERDUTY_API.md`), named after
/// the action counts.
fn invitations_part(n: u64) -> String {
    format!("{n} invitation email{}", plural(n, "", "s"))
}

/// The Markdown report's first line, e.g. `**hr2pagerduty apply: failed** (exit 1) · 2
/// created, 1 failed · 1 of 3 actions failed`; for a run in progress, `**hr2pagerduty
/// apply: in progress** · 1 of 3 actions ended · 1 created`. Counts that are zero are left
/// out; the run's error, when there is one, ends the line.
pub fn summary_line(report: &Value) -> String {
    let status = report["status"].as_str().unwrap_or("unknown");
    let mut line = format!("**hr2pagerduty apply: {}**", status.replace('_', " "));
    if let Some(code) = report["exit_code"].as_u64() {
        let _ = write!(line, " (exit {code})");
    }
    let mut parts = Vec::new();
    if status == "in_progress" {
        let rows = rows(report);
        if !rows.is_empty() {
            let ended = rows.iter().filter(|r| r.outcome != "pending").count();
            parts.push(format!("{ended} of {} actions ended", rows.len()));
        }
    }
    let mut counts: Vec<String> = COUNTS
        .iter()
        .filter_map(|(key, words)| match report["summary"][key].as_u64() {
            // The creates that adopted the user holding their email, which got no
            // invitation, said as the apply text says them.
            Some(n) if n > 0 && *key == "created" => {
                match report["summary"]["adopted"].as_u64().filter(|&m| m > 0) {
                    Some(m) => Some(format!("{n} {words} ({m} adopted)")),
                    None => Some(format!("{n} {words}")),
                }
            }
            Some(n) if n > 0 => Some(format!("{n} {words}")),
            _ => None,
        })
        .collect();
    if let Some(n) = report["summary"]["invitations"].as_u64().filter(|&n| n > 0) {
        counts.push(invitations_part(n));
    }
    if !counts.is_empty() {
        parts.push(counts.join(", "));
    }
    if let Some(e) = report["error"].as_str() {
        parts.push(e.to_string());
    }
    for p in parts {
        let _ = write!(line, " · {}", markdown_cell(&p));
    }
    line
}

/// The Markdown report: `summary_line`, a blank line, then the table (a header, the
/// alignment row, one row per action, every cell through [`markdown_cell`]), or `No
/// actions.` when the report has none.
pub fn report_markdown(report: &Value) -> String {
    let mut out = summary_line(report);
    out.push_str("\n\n");
    let rows = rows(report);
    if rows.is_empty() {
        out.push_str("No actions.\n");
        return out;
    }
    let line = |cells: &[&str]| format!("| {} |\n", cells.join(" | "));
    out.push_str(&line(&HEADINGS[..]));
    out.push_str(&line(&["---"; 7][..]));
    for row in &rows {
        let cells = row.cells().map(markdown_cell);
        let refs: Vec<&str> = cells.iter().map(String::as_str).collect();
        out.push_str(&line(&refs));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A report as `ApplyReport::json` writes it: two actions ended, with a hostile email and an
    /// error spanning lines and holding pipes.
    fn ended() -> Value {
        json!({
            "format_version": "1",
            "status": "failed",
            "exit_code": 1,
            "error": "1 of 2 actions failed",
            "summary": {"created": 1, "updated": 0, "deactivated": 0, "reactivated": 0,
                "deleted": 0, "failed": 1, "not_started": 0, "interrupted": 0,
                "skipped": 3, "blocked": 0, "invitations": 1},
            "actions": [
                {"action": "create", "employee_id": "1001", "email": "ada@example.com",
                 "pagerduty_user_id": "PADA", "outcome": "applied", "error": null,
                 "changes": {"name": [null, "Ada"], "role": [null, "admin"],
                    "description": [null, "hr2pagerduty:v1 {\"employee_id\":\"1001\"}"],
                    "teams": [[], ["Ops:manager"]]}},
                {"action": "update", "employee_id": "=1+2", "email": "@evil|x@example.com",
                 "pagerduty_user_id": "PBO", "outcome": "failed",
                 "error": "step 1 of 1 failed: HTTP 400\nUser | Team\r\nnot allowed",
                 "changes": {"job_title": ["-Rep", "Senior\\Rep"],
                    "teams": [["Ops:responder", "Web:observer"], ["Ops:manager", "Web:observer"]]}}
            ],
            "skipped": [],
            "requests": null
        })
    }

    #[test]
    fn formula_cells_get_a_leading_quote_and_nothing_else_does() {
        for bad in ["=SUM(A1)", "+1", "-2", "@cmd", "\tx", "\rx"] {
            assert_eq!(csv_cell(bad), format!("'{bad}"), "{bad:?}");
        }
        for ok in ["", "ada@example.com", "1001", "a=b", " =x", "'=x", "P1-2"] {
            assert_eq!(csv_cell(ok), ok, "{ok:?}");
        }
    }

    #[test]
    fn markdown_cells_escape_pipes_backslashes_and_every_line_break() {
        assert_eq!(markdown_cell("a|b"), "a\\|b");
        assert_eq!(markdown_cell("a\\|b"), "a\\\\\\|b");
        assert_eq!(markdown_cell("1\n2\r\n3\r4"), "1<br>2<br>3<br>4");
        assert_eq!(markdown_cell("plain text"), "plain text");
    }

    #[test]
    fn changes_read_as_words() {
        let a = &ended()["actions"];
        assert_eq!(
            changes_text(&a[0]["changes"]),
            "name: Ada; role: admin; teams: +Ops:manager; description changed"
        );
        assert_eq!(
            changes_text(&a[1]["changes"]),
            "job_title: -Rep → Senior\\Rep; teams: +Ops:manager, -Ops:responder"
        );
        assert_eq!(
            changes_text(&json!({"license": ["Full User", null]})),
            "license: Full User → (none)"
        );
        assert_eq!(changes_text(&json!({})), "");
    }

    #[test]
    fn csv_has_one_guarded_row_per_action_and_reads_back() {
        let text = report_csv(&ended());
        let mut r = csv::Reader::from_reader(text.as_bytes());
        assert_eq!(r.headers().unwrap().iter().collect::<Vec<_>>(), COLUMNS);
        let records: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        assert_eq!(records.len(), 2, "{text}");
        assert_eq!(
            records[0].iter().collect::<Vec<_>>(),
            [
                "create",
                "applied",
                "1001",
                "ada@example.com",
                "PADA",
                "name: Ada; role: admin; teams: +Ops:manager; description changed",
                ""
            ]
        );
        let bad = &records[1];
        assert_eq!(&bad[2], "'=1+2");
        assert_eq!(&bad[3], "'@evil|x@example.com");
        // The line breaks stay inside one quoted cell.
        assert_eq!(
            &bad[6],
            "step 1 of 1 failed: HTTP 400\nUser | Team\r\nnot allowed"
        );
    }

    #[test]
    fn markdown_has_a_summary_line_and_a_table_with_escaped_cells() {
        let text = report_markdown(&ended());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "**hr2pagerduty apply: failed** (exit 1) · 1 created, 1 failed, 3 skipped, 1 invitation email · 1 of 2 actions failed"
        );
        assert_eq!(lines[1], "");
        assert_eq!(
            lines[2],
            "| Action | Outcome | Employee ID | Email | PagerDuty ID | Changes | Error |"
        );
        assert_eq!(lines[3], "| --- | --- | --- | --- | --- | --- | --- |");
        assert_eq!(lines.len(), 6, "{text}");
        assert_eq!(
            lines[5],
            "| update | failed | =1+2 | @evil\\|x@example.com | PBO | job_title: -Rep → Senior\\\\Rep; teams: +Ops:manager, -Ops:responder | step 1 of 1 failed: HTTP 400<br>User \\| Team<br>not allowed |"
        );
        // Every row splits into the header's seven cells at its unescaped pipes.
        for l in &lines[2..] {
            let unescaped = l.replace("\\\\", "").replace("\\|", "");
            assert_eq!(unescaped.matches('|').count(), 8, "{l}");
        }
    }

    #[test]
    fn a_run_in_progress_shows_pending_rows_in_every_format() {
        let mut v = ended();
        v["status"] = json!("in_progress");
        v["exit_code"] = Value::Null;
        v["error"] = Value::Null;
        v["actions"][1]["outcome"] = json!("pending");
        v["actions"][1]["error"] = Value::Null;
        v["summary"]["failed"] = json!(0);
        let md = report_markdown(&v);
        assert!(
            md.starts_with(
                "**hr2pagerduty apply: in progress** · 1 of 2 actions ended · 1 created, 3 skipped, 1 invitation email\n"
            ),
            "{md}"
        );
        assert!(md.contains("| update | pending | =1+2 |"), "{md}");
        let csv = report_csv(&v);
        let outcomes: Vec<String> = csv::Reader::from_reader(csv.as_bytes())
            .records()
            .map(|r| r.unwrap()[1].to_string())
            .collect();
        assert_eq!(outcomes, ["applied", "pending", "in_progress"]);
        let last = csv.lines().last().unwrap();
        assert_eq!(last, format!("run,in_progress,,,,,{UNFINISHED_RUN}"));
        // Before the plan is known (the report written at start), the row alone says so.
        let start = report_csv(&super::super::starting_json());
        assert_eq!(start.lines().nth(1), Some(last));
        assert_eq!(start.lines().count(), 2);
        let json: Value = serde_json::from_str(&render_report(&v, ReportFormat::Json)).unwrap();
        assert_eq!(json, v);
    }

    #[test]
    fn a_report_without_actions_is_a_header_or_says_so() {
        let refused = super::super::stopped_json(
            super::super::RunStatus::Refused,
            3,
            Some("refused before any write: 9 deactivations | cap 5"),
        );
        assert_eq!(
            report_markdown(&refused),
            "**hr2pagerduty apply: refused** (exit 3) · refused before any write: 9 deactivations \\| cap 5\n\nNo actions.\n"
        );
        assert_eq!(
            report_csv(&refused),
            "action,outcome,employee_id,email,pagerduty_user_id,changes,error\n"
        );
        let starting = super::super::starting_json();
        assert_eq!(
            summary_line(&starting),
            "**hr2pagerduty apply: in progress**"
        );
    }
}
