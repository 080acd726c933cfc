//! The `validate` summary, as text and as JSON.

use super::FORMAT_VERSION;
use crate::hr::{ProblemKind, Roster};
use crate::plan::dated::Counts;
use crate::words::plural;
use chrono::NaiveDate;
use serde_json::{Value, json};
use std::fmt::Write as _;

/// What `validate` knows of the dates: the day it read them as of, whether the export maps
/// a date column, and the employees by what they are that day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifecycles {
    /// "Today" (the date in `[lifecycle] default_time_zone`, or `--as-of`).
    pub as_of: NaiveDate,
    /// True when `hire_date` or `termination_date` is mapped.
    pub dates_mapped: bool,
    /// The counts (see [`crate::plan::dated::counts`]).
    pub counts: Counts,
}

/// The `validate` summary: rows read, valid employees by lifecycle state as of `l.as_of`
/// (active, on leave, terminated, pending), the scheduled terminations and date conflicts
/// when a date column is mapped, row problems by kind, then every problem with its line.
pub fn render_validate(roster: &Roster, l: &Lifecycles, path: &str) -> String {
    let mut out = String::new();
    let c = &l.counts;
    let _ = writeln!(out, "{path}: {} rows read", roster.rows_read);
    let _ = writeln!(
        out,
        "  valid: {} ({} active, {} on leave, {} terminated, {} pending)",
        roster.employees.len(),
        c.active,
        c.on_leave,
        c.terminated,
        c.pending,
    );
    if l.dates_mapped {
        // Overdue terminations (within termination_catch_up_days) are named only when
        // there are some.
        let overdue = match c.overdue_terminations {
            0 => String::new(),
            n => format!(
                ", {n} {} overdue (within termination_catch_up_days, counted as terminated)",
                plural(n, "termination", "terminations")
            ),
        };
        let _ = writeln!(
            out,
            "  dates as of {}: {} {} scheduled{overdue}, {} {} on active rows",
            l.as_of,
            c.scheduled_terminations,
            plural(c.scheduled_terminations, "termination", "terminations"),
            c.conflicts,
            plural(
                c.conflicts,
                "past termination date",
                "past termination dates"
            ),
        );
    }
    if c.start_conflicts > 0 {
        let _ = writeln!(
            out,
            "  of the pending, {} {} whose hire date has passed or is missing (start date conflicts: not provisioned until HR catches up)",
            c.start_conflicts,
            plural(c.start_conflicts, "future start", "future starts"),
        );
    }
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

/// The `validate` summary as JSON: `rows_read`, `valid`, `as_of`, `active`, `on_leave`,
/// `terminated`, `pending`, `scheduled_terminations`, `overdue_terminations`, `conflicts`,
/// `start_conflicts`, `invalid_rows`,
/// `problems_by_kind` and `problems`.
pub fn validate_json(roster: &Roster, l: &Lifecycles) -> Value {
    let c = &l.counts;
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
        "as_of": l.as_of,
        "active": c.active,
        "on_leave": c.on_leave,
        "terminated": c.terminated,
        "pending": c.pending,
        "scheduled_terminations": c.scheduled_terminations,
        "overdue_terminations": c.overdue_terminations,
        "conflicts": c.conflicts,
        "start_conflicts": c.start_conflicts,
        "invalid_rows": roster.invalid_rows(),
        "problems_by_kind": by_kind,
        "problems": roster.problems,
    })
}
