//! The `validate` summary, as text and as JSON.

use super::FORMAT_VERSION;
use crate::hr::{Lifecycle, ProblemKind, Roster};
use serde_json::{Value, json};
use std::fmt::Write as _;

/// The `validate` summary: rows read, valid employees by lifecycle state, row problems
/// by kind, then every problem with its line.
pub fn render_validate(roster: &Roster, path: &str) -> String {
    let mut out = String::new();
    let counts = roster.counts();
    let _ = writeln!(out, "{path}: {} rows read", roster.rows_read);
    let _ = writeln!(
        out,
        "  valid: {} ({} active, {} terminated, {} pending)",
        roster.employees.len(),
        counts.get(&Lifecycle::Active).unwrap_or(&0),
        counts.get(&Lifecycle::Terminated).unwrap_or(&0),
        counts.get(&Lifecycle::Pending).unwrap_or(&0),
    );
    let _ = writeln!(out, "  rows with problems: {}", roster.invalid_rows());
    let pc = roster.problem_counts();
    for (k, n) in &pc {
        let _ = writeln!(out, "    {k}: {n}");
    }
    if !roster.problems.is_empty() {
        let _ = writeln!(
            out,
            "\nProblems (these rows are skipped; their people are never deactivated this run):"
        );
        for p in &roster.problems {
            let _ = writeln!(out, "  {p}");
        }
    }
    out
}

/// The `validate` summary as JSON.
pub fn validate_json(roster: &Roster) -> Value {
    let counts = roster.counts();
    let by_kind: serde_json::Map<String, Value> = roster
        .problem_counts()
        .into_iter()
        .map(|(k, n): (ProblemKind, usize)| {
            (
                serde_json::to_value(k)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                json!(n),
            )
        })
        .collect();
    json!({
        "format_version": FORMAT_VERSION,
        "rows_read": roster.rows_read,
        "valid": roster.employees.len(),
        "active": counts.get(&Lifecycle::Active).unwrap_or(&0),
        "terminated": counts.get(&Lifecycle::Terminated).unwrap_or(&0),
        "pending": counts.get(&Lifecycle::Pending).unwrap_or(&0),
        "invalid_rows": roster.invalid_rows(),
        "problems_by_kind": by_kind,
        "problems": roster.problems,
    })
}
