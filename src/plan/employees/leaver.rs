//! What a leaver's row adds to its deactivation or deletion: the offboarding record of why
//! it left, the termination-pending stamp of a blocked one, and the notes of an overdue
//! termination an earlier run already carried out (the user deleted, or suspended for
//! another reason); and the rewrite of an untrusted suspension record on a leaver already
//! suspended, which is an update, not a deactivation.

use crate::config::PastTerminationDate;
use crate::hr::Employee;
use crate::ids::EmployeeId;
use crate::marker::{self, Marker, MarkerState};
use crate::pagerduty::models::User;
use crate::plan::build::{Record, only_marker_write, restorable_record, stamp_pending};
use crate::plan::context::Ctx;
use crate::plan::dated::LeaverCause;
use crate::plan::matching::Index;
use crate::plan::{Action, ActionKind, Step};
use chrono::NaiveDate;

/// The termination-pending stamp for leaver `e` (user `u`, trusted marker `current`) whose
/// deactivation `a` is blocked (see [`stamp_pending`]): written when `cause` is a
/// termination date that only the catch-up days keep due (the status says active and
/// `[lifecycle] past_termination_date = "status"`); otherwise a stamp the marker carries
/// stays only while HR gives its date, and is removed when HR no longer does (the row's
/// date changed, or no status column makes the date decide anyway), as an employed row's
/// update removes it. With `rekey` (the old employee ID `--rekey-employee-ids` moves the
/// marker from), the re-key is written too, alone when no stamp changes.
#[allow(clippy::too_many_arguments)]
pub(super) fn pending_stamp(
    cx: &Ctx<'_>,
    e: &Employee,
    u: &User,
    human: &str,
    current: Option<&Marker>,
    cause: LeaverCause,
    a: &Option<Action>,
    rekey: Option<&EmployeeId>,
) -> Option<Action> {
    let blocked = a.as_ref().is_some_and(|a| a.blocked.is_some());
    let current = current.filter(|_| blocked)?;
    let catch_up_decides =
        e.status_value.is_some() && cx.policy.past_termination_date == PastTerminationDate::Status;
    let want = match cause {
        LeaverCause::TerminationDate(date) if catch_up_decides => Some(date),
        _ => current
            .pending_termination
            .filter(|d| Some(*d) == e.termination_date),
    };
    stamp_pending(cx, u, e, human, current, want, rekey)
}

/// What a leaver's offboarding record says of why it left.
pub(super) fn leaver_record(cause: LeaverCause) -> Record {
    match cause {
        LeaverCause::Status => Record::default(),
        LeaverCause::TerminationDate(date) => Record {
            termination_date: Some(date),
            leave: false,
        },
        LeaverCause::Leave => Record {
            termination_date: None,
            leave: true,
        },
    }
}

/// The note for `e`, a row whose status does not say terminated but whose termination
/// `date` is recent enough to be still due (`[lifecycle] termination_catch_up_days`), and
/// whose user was deleted and archived by an earlier run that the status decided (the
/// record carries no date): nothing to do, but a rehire written as the status back to
/// active, with the old date kept, would otherwise go unmentioned.
pub(super) fn deleted_overdue_note(cx: &mut Ctx<'_>, e: &Employee, date: NaiveDate) {
    let Some(r) = restorable_record(cx, e) else {
        return;
    };
    let status = e.status_value.as_deref().unwrap_or("");
    cx.notes.push(format!(
        "employee {} (line {}): status {status:?} with termination date {date}, within [lifecycle] termination_catch_up_days = {}: treated as an overdue termination; nothing to do, since PagerDuty user {} was deleted and archived; if this is a rehire, give a hire date after the termination date (or remove the date) in HR, and the user is re-created from the archive",
        e.employee_id, e.line, cx.policy.termination_catch_up_days, r.pagerduty_user_id
    ));
}

/// The note for `e`, a row whose status does not say terminated but whose termination
/// `date` is recent enough to be still due (`[lifecycle] termination_catch_up_days`), and
/// whose user `u` an earlier run suspended already (suspension `s`) for another reason than
/// this date (the status said terminated, or a leave): the deactivation is done, so there
/// is nothing to do, but a rehire written as the status back to active, with the old date
/// kept, would otherwise go unmentioned (the suspend-mode twin of
/// [`deleted_overdue_note`]).
pub(super) fn suspended_overdue_note(
    cx: &mut Ctx<'_>,
    e: &Employee,
    u: &User,
    s: &crate::marker::Suspension,
    date: NaiveDate,
) {
    if s.termination_date == Some(date) {
        // The date brought the suspension: it stays while the row keeps it, as documented.
        return;
    }
    let status = e.status_value.as_deref().unwrap_or("");
    cx.notes.push(format!(
        "employee {} (line {}): status {status:?} with termination date {date}, within [lifecycle] termination_catch_up_days = {}: treated as an overdue termination; nothing to do, since PagerDuty user {} was suspended on {}; not reactivated; if this is a rehire, give a hire date after the termination date (or remove the date) in HR, and the user is reactivated",
        e.employee_id, e.line, cx.policy.termination_catch_up_days, u.id, s.on
    ));
}

/// Deactivation `a` of leaver user `u` as an update when `u` is already suspended (the
/// deactivation only writes the marker: no role to change, no team to leave) and the
/// suspension record its marker holds is not trusted (the marker reads, but the run ignores
/// it, [`Index::fault`]): the suspension happened, so nothing is taken away; the record is
/// rewritten from the user as it is. Counted as an update (not by the deactivation caps,
/// not on-call checked), like the re-key of a leaver already suspended, with words that
/// say the record was not trusted and what the rewritten one holds (r10g 04). Any other
/// action is returned as it is.
pub(super) fn untrusted_record_rewrite(
    cx: &mut Ctx<'_>,
    index: &Index<'_>,
    u: &User,
    a: Action,
) -> Action {
    let untrusted = index.marker(u).is_none()
        && matches!(
            marker::parse(u.description.as_deref()).marker,
            MarkerState::Valid(Marker {
                suspended: Some(_),
                ..
            })
        );
    if a.kind != ActionKind::Deactivate || !untrusted || !only_marker_write(&a.steps) {
        return a;
    }
    let written = a.steps.iter().find_map(|s| match s {
        Step::UpdateUser(upd) => upd.description.as_deref(),
        _ => None,
    });
    let holds = match written.map(|d| marker::parse(Some(d)).marker) {
        Some(MarkerState::Valid(Marker {
            suspended: Some(s), ..
        })) => {
            let teams: Vec<String> = s
                .teams
                .iter()
                .map(|t| format!("{}:{}", t.name.as_deref().unwrap_or(t.id.as_str()), t.role))
                .collect();
            format!(
                "suspended {}, restores role {}, {}",
                s.on,
                s.role,
                if teams.is_empty() {
                    "no team".to_string()
                } else {
                    format!("teams {}", teams.join(", "))
                }
            )
        }
        _ => return a,
    };
    // Nothing is taken away: its on-call duties do not matter.
    cx.needs_oncall.remove(&u.id);
    Action {
        kind: ActionKind::Update,
        reason: format!(
            "leaver already suspended (base role {}): the suspension record in its ownership marker is not trusted ({}), so it restores nothing; the marker is rewritten with a record of the user as it is ({holds})",
            u.role,
            index.fault(u).words()
        ),
        teams: None,
        oncall: None,
        blocked: None,
        refused_removals: Vec::new(),
        ..a
    }
}
