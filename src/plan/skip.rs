//! People and users the planner deliberately leaves alone, and why.

use crate::hr::Employee;
use crate::ids::{EmployeeId, UserId};
use crate::pagerduty::models::User;
use serde::{Deserialize, Serialize};

/// A person or user deliberately left alone, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skip {
    /// Employee ID, when known.
    pub employee_id: Option<EmployeeId>,
    /// Email, when known.
    pub email: Option<String>,
    /// PagerDuty user ID, when one is involved.
    pub pagerduty_user_id: Option<UserId>,
    /// HR line, when an HR row is involved.
    pub line: Option<u64>,
    /// Why nothing is done.
    pub reason: String,
}

impl Skip {
    /// The skip of HR employee `e`, naming `user` when one is involved.
    pub(super) fn employee(e: &Employee, user: Option<&User>, reason: impl Into<String>) -> Skip {
        Skip {
            employee_id: Some(e.employee_id.clone()),
            email: Some(e.email.to_string()),
            pagerduty_user_id: user.map(|u| u.id.clone()),
            line: Some(e.line),
            reason: reason.into(),
        }
    }

    /// The skip of user `u`, whose marker names `employee_id`, with no HR row involved.
    pub(super) fn user(employee_id: &EmployeeId, u: &User, reason: impl Into<String>) -> Skip {
        Skip {
            employee_id: Some(employee_id.clone()),
            email: Some(u.email.clone()),
            pagerduty_user_id: Some(u.id.clone()),
            line: None,
            reason: reason.into(),
        }
    }
}
