//! What a plan lists about dates that changes nothing today: the changes that come due
//! later ([`Pending`]) and the rows whose dates and status disagree ([`DateConflict`],
//! [`StartConflict`]). `plan::dated` decides them; the report and saved plans read them.

use super::ActionKind;
use crate::config::PastTerminationDate;
use crate::email::Email;
use crate::ids::{EmployeeId, UserId};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A change that comes due on a later date: listed by the plan, applied by the run of that
/// day (see `plan::dated`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    /// The employee.
    pub employee_id: EmployeeId,
    /// The employee's email (as HR gives it).
    pub email: Email,
    /// [`ActionKind::Create`] for a future hire without a user,
    /// [`ActionKind::Reactivate`] for one whose earlier user is suspended, or
    /// [`ActionKind::Deactivate`] for a scheduled termination ([`ActionKind::Delete`] when
    /// `[lifecycle] deactivate = "delete"`).
    pub kind: ActionKind,
    /// The first day the change is applied.
    pub on: NaiveDate,
    /// The date in the export that brings it: the hire date (a create or reactivation
    /// comes due `[lifecycle] provision_days_before_start` days before it) or the
    /// termination date.
    pub date: NaiveDate,
    /// The PagerDuty user, when one exists.
    pub user_id: Option<UserId>,
    /// The HR line.
    pub line: u64,
}

/// A termination date before today on a row whose status says active: exports carry
/// stale exit dates and rehires keep old ones, so `[lifecycle] past_termination_date`
/// decides, and the plan reports each one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateConflict {
    /// The employee.
    pub employee_id: EmployeeId,
    /// The employee's email.
    pub email: Email,
    /// The status value as the export writes it.
    pub status: Option<String>,
    /// The termination date, before today.
    pub termination_date: NaiveDate,
    /// What decided: the status (the employee stays) or the date (a leaver).
    pub decided_by: PastTerminationDate,
    /// The HR line.
    pub line: u64,
    /// `[lifecycle] termination_catch_up_days`: the date is older than that, so a
    /// termination missed until then is no longer applied by itself (a blocked one stays
    /// due while its user carries the termination-pending stamp, and is no conflict).
    #[serde(default)]
    pub catch_up_days: u32,
}

impl DateConflict {
    /// True when the status decided (the employee stays), false when the date did (a
    /// leaver).
    pub fn status_decides(&self) -> bool {
        self.decided_by == PastTerminationDate::Status
    }
}

/// A row whose status is `[hr.status] pending` (a future start) but whose hire date has
/// passed, or which has no hire date: HR has not caught up (the person has started, or will
/// not start, and the status says neither; or no date says when to provision). The status
/// decides: the employee is not provisioned (an existing user is left as it is), and the
/// plan reports each such row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartConflict {
    /// The employee.
    pub employee_id: EmployeeId,
    /// The employee's email.
    pub email: Email,
    /// The status value as the export writes it.
    pub status: Option<String>,
    /// The hire date, before today; `None` when the row has none.
    pub hire_date: Option<NaiveDate>,
    /// The PagerDuty user the row matched, left as it is; `None` when there is none.
    pub user_id: Option<UserId>,
    /// The HR line.
    pub line: u64,
}
