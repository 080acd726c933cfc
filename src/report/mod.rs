//! What people and machines read: the `terraform plan`-style text plan, the JSON plan, the
//! apply text, the JSON apply report and the `validate` summary.
//!
//! Results go to stdout; progress and logs go to stderr (see [`crate::progress`]). Rendering
//! is pure (values in, `String` or `serde_json::Value` out) so it is tested without a
//! terminal; [`file`](mod@file) replaces the report file atomically. One file per output:
//!
//! | file | output |
//! |---|---|
//! | `plan_text` | [`render_plan`], [`render_plan_styled`], [`render_plan_made_as_of`], [`render_action`], [`origin_line`], [`summary_line`], [`invitations_sentence`] |
//! | `style` | [`Paint`]: whether the text plan carries ANSI colour, and its colours |
//! | `plan_json` | [`plan_json`] |
//! | `apply_text` | [`outcome_line`], [`render_apply`] |
//! | `apply_json` | [`ApplyReport`], [`progress_json`], [`starting_json`], [`stopped_json`], [`requests_json`], [`RunStatus`], [`ApplySummary`] |
//! | `apply_table` | the apply report as CSV and Markdown ([`report_csv`], [`report_markdown`]), and [`render_report`] in a [`ReportFormat`] |
//! | `validate` | [`render_validate`], [`validate_json`] |
//! | `doctor` | [`doctor_text`], [`doctor_json`] |
//!
//! A new output format goes in a file of its own here, reading the same values.
//! `report` reads [`crate::apply`]'s outcomes; `apply` does not import `report`.

mod apply_json;
mod apply_table;
mod apply_text;
mod doctor;
pub mod file;
mod plan_json;
mod plan_text;
mod style;
mod validate;

pub use apply_json::{
    ApplyReport, ApplySummary, RunStatus, apply_summary, progress_json, requests_json,
    starting_json, stopped_json,
};
pub use apply_table::{
    ReportFormat, UNFINISHED_RUN, csv_cell, markdown_cell, render_report, report_csv,
    report_markdown,
};
pub use apply_text::{outcome_line, render_apply};
pub use doctor::{doctor_json, doctor_text};
pub use plan_json::plan_json;
pub use plan_text::{
    conflict_line, invitations_sentence, origin_line, pending_line, render_action, render_plan,
    render_plan_made_as_of, render_plan_styled, summary_line,
};
pub use style::Paint;
pub use validate::{Lifecycles, render_validate, validate_json};

use crate::plan::ActionKind;
use crate::plan::safety::SafetyTrip;

/// Version of the JSON plan and report layouts; bumped on an incompatible change.
pub const FORMAT_VERSION: &str = "1";

fn symbol(kind: ActionKind) -> &'static str {
    match kind {
        ActionKind::Create => "+",
        ActionKind::Update => "~",
        ActionKind::Deactivate => "-",
        ActionKind::Reactivate => "^",
        ActionKind::Delete => "x",
    }
}

/// The words of a safety refusal (README.md § Safety): the one tripped check's line, or,
/// for several, each on a line of its own after `\n  - `. Empty for none. `key_check`,
/// where the run's marker key came from with a check that works for that source (the
/// commands' words), follows a wrong marker key's line.
pub fn refusal(trips: &[SafetyTrip], key_check: Option<&str>) -> String {
    let line = |t: &SafetyTrip| match (t, key_check) {
        (SafetyTrip::WrongMarkerKey(_), Some(check)) => format!("{t}. {check}"),
        _ => t.to_string(),
    };
    match trips {
        [one] => line(one),
        _ => trips.iter().map(|t| format!("\n  - {}", line(t))).collect(),
    }
}

#[cfg(test)]
mod tests;
