//! The `--report FILE` of an `apply` in progress. The report is replaced when the run
//! starts by one whose `status` is `in_progress` ([`crate::report::starting_json`]), then,
//! while actions run, by the outcomes so far ([`crate::report::progress_json`]): within a
//! second of an outcome (at most once a second), or at once after
//! [`WRITE_EVERY_OUTCOMES`] outcomes, and once more when the run ends (by
//! [`super::common::finish_report`]). Each write is
//! atomic ([`ReportFile`]), so a run killed at any moment, even with SIGKILL, leaves a
//! report that says it did not finish, never last night's. In every `--report-format`:
//! CSV and Markdown show the actions not ended yet as `pending`.

use crate::apply::Outcome;
use crate::hr::Roster;
use crate::plan::Plan;
use crate::printer::Printer;
use crate::report::{self, file::ReportFile};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The longest time between two writes while outcomes keep arriving: 1 second.
pub(super) const WRITE_EVERY: Duration = Duration::from_secs(1);
/// Outcomes after which the report is written even within [`WRITE_EVERY`].
pub(super) const WRITE_EVERY_OUTCOMES: usize = 200;

/// The report of one apply as it runs.
pub(super) struct LiveReport<'a> {
    file: &'a ReportFile,
    plan: &'a Plan,
    roster: &'a Roster,
    printer: &'a Printer,
    state: Mutex<State>,
}

struct State {
    ended: Vec<Option<Outcome>>,
    unwritten: usize,
    written: Instant,
}

impl<'a> LiveReport<'a> {
    /// The live report of `plan` in `file`, written once now (every action pending).
    pub(super) fn start(
        file: &'a ReportFile,
        plan: &'a Plan,
        roster: &'a Roster,
        printer: &'a Printer,
    ) -> LiveReport<'a> {
        let live = LiveReport {
            file,
            plan,
            roster,
            printer,
            state: Mutex::new(State {
                ended: vec![None; plan.actions.len()],
                unwritten: 0,
                written: Instant::now(),
            }),
        };
        let mut s = live.state.lock().unwrap_or_else(|e| e.into_inner());
        live.write(&mut s);
        drop(s);
        live
    }

    /// Records the outcome of the plan's action `i`; writes the report when it is due.
    pub(super) fn record(&self, i: usize, o: &Outcome) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(slot) = s.ended.get_mut(i) {
            *slot = Some(o.clone());
        }
        s.unwritten += 1;
        if s.unwritten >= WRITE_EVERY_OUTCOMES || s.written.elapsed() >= WRITE_EVERY {
            self.write(&mut s);
        }
    }

    /// Writes the report when outcomes ended since the last write.
    pub(super) fn flush(&self) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if s.unwritten > 0 {
            self.write(&mut s);
        }
    }

    fn write(&self, s: &mut State) {
        if self.file.unwritable() {
            return;
        }
        let v = report::progress_json(&s.ended, self.plan, self.roster);
        if let Err(e) = self.file.write_report(&v) {
            // Said once: `unwritable` stops further attempts.
            self.printer.err(&format!(
                "Warning: cannot write report {}: {e}",
                self.file.path().display()
            ));
        }
        s.unwritten = 0;
        s.written = Instant::now();
    }
}
