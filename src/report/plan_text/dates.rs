//! The text plan's dated sections, one line each: a change pending on a later date
//! (`Pending`), a date conflict with what to do about it (`Date conflicts`), and a start
//! date conflict (`Start date conflicts`).

use crate::plan::{ActionKind, DateConflict, Pending, StartConflict};
use crate::words::plural;

/// One pending change: who, what and when, and the date in the export that brings it.
pub fn pending_line(p: &Pending) -> String {
    let mut who = Vec::new();
    if let Some(id) = &p.user_id {
        who.push(id.to_string());
    }
    who.push(format!("employee {}", p.employee_id));
    let what = match p.kind {
        ActionKind::Create => format!("will be created on {} (hire date {})", p.on, p.date),
        ActionKind::Reactivate => {
            format!("will be reactivated on {} (hire date {})", p.on, p.date)
        }
        ActionKind::Deactivate => {
            format!("will be deactivated on {} (termination date)", p.on)
        }
        ActionKind::Update => format!("will be updated on {}", p.on),
        ActionKind::Delete => format!("will be deleted on {} (termination date)", p.on),
    };
    format!("{} ({}) {what}", p.email, who.join(", "))
}

/// One date conflict: the row, the dates, what decided, and what to do (`conflict_fix`).
pub fn conflict_line(c: &DateConflict) -> String {
    let status = match &c.status {
        Some(s) => format!("status {s:?} does not say terminated"),
        None => "the row has no status".to_string(),
    };
    let decided = if c.status_decides() {
        "the status decides: kept active"
    } else {
        "the date decides: deactivated"
    };
    let mut line = format!(
        "{} (employee {}, line {}): termination date {} has passed but {status}; {decided} ([lifecycle] past_termination_date = \"{}\")",
        c.email,
        c.employee_id,
        c.line,
        c.termination_date,
        c.decided_by.as_str()
    );
    if c.status_decides() && c.catch_up_days > 0 {
        line.push_str(&format!(
            "; the date passed more than {n} day{s} ago ([lifecycle] termination_catch_up_days = {n}), so a termination missed until then (or blocked with no termination-pending stamp on its user) is no longer applied automatically",
            n = c.catch_up_days,
            s = plural(c.catch_up_days, "", "s"),
        ));
    }
    line.push_str(": ");
    line.push_str(&conflict_fix(c));
    line
}

/// What an operator should do about one date conflict: fix the HR row (its status or its
/// stale date), or change the policy for every row. Never a run `--as-of` the date: that
/// applies every change due on that day across the whole export, not this row's alone, so
/// `plan --as-of` is named only as a preview.
pub fn conflict_fix(c: &DateConflict) -> String {
    if c.status_decides() {
        format!(
            "if the employee has left, mark the row terminated in HR; if not, clear or correct its stale termination date; [lifecycle] past_termination_date = \"date\" makes such dates decide for every row (plan --as-of {} previews that day for the whole export, not this row alone)",
            c.termination_date
        )
    } else {
        "if the employee is still employed, clear or correct the stale termination date in HR (past_termination_date = \"status\" lets the status decide for every row)".to_string()
    }
}

/// One start date conflict: the row, its status and hire date (or that it has none), and
/// that the status decides until HR catches up.
pub fn start_conflict_line(c: &StartConflict) -> String {
    let status = c.status.as_deref().unwrap_or("pending");
    let date = match c.hire_date {
        Some(d) => {
            format!("hire date {d} has passed but status {status:?} still says a future start")
        }
        None => format!("status {status:?} says a future start but the row has no hire date"),
    };
    let kept = match &c.user_id {
        Some(id) => format!("PagerDuty user {id} is left as it is"),
        None => "not provisioned".to_string(),
    };
    let fix = match c.hire_date {
        Some(_) => {
            "mark the row active in HR once the person has started, or remove it if they will not"
        }
        None => {
            "give the row its hire date in HR (with [hr.columns] hire_date mapped), or mark it active once the person has started"
        }
    };
    format!(
        "{} (employee {}, line {}): {date}; the status decides: {kept} until HR catches up ({fix})",
        c.email, c.employee_id, c.line
    )
}
