//! Freezing the simulator at one write, for crash tests that kill the client at an exact
//! point: the n-th write (POST, PUT or DELETE, counted from 1 in order of arrival, as
//! [`super::SimHandle::write_count`] counts them) is held before its endpoint runs
//! ([`FreezeStage::BeforeCommit`]: PagerDuty never saw it) or after
//! ([`FreezeStage::AfterCommit`]: the change is made, the client never hears so), and never
//! answered. The connection stays open until the client goes away, so a client killed while
//! frozen meets exactly that state. Not a PagerDuty behaviour: a test control.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// Where in the held write's handling the simulator stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FreezeStage {
    /// Before the endpoint: the write changes nothing.
    BeforeCommit,
    /// After the endpoint: the write is applied, its answer never sent.
    AfterCommit,
}

/// The freeze point in force and whether it has been reached.
#[derive(Debug, Default)]
pub(crate) struct Freeze {
    at: Mutex<Option<(usize, FreezeStage)>>,
    reached: AtomicBool,
}

impl Freeze {
    /// Holds write number `write` (1-based) at `stage`; replaces any earlier point and
    /// clears [`Freeze::reached`].
    pub(crate) fn set(&self, write: usize, stage: FreezeStage) {
        *super::http::lock(&self.at) = Some((write, stage));
        self.reached.store(false, Ordering::SeqCst);
    }

    /// No write is held from now on (a write already held stays held until its client
    /// goes away).
    pub(crate) fn clear(&self) {
        *super::http::lock(&self.at) = None;
        self.reached.store(false, Ordering::SeqCst);
    }

    /// Whether a write has been held since the point was set.
    pub(crate) fn reached(&self) -> bool {
        self.reached.load(Ordering::SeqCst)
    }

    /// True when write number `write` is to be held at `stage`; marks the point reached.
    pub(crate) fn holds(&self, write: Option<usize>, stage: FreezeStage) -> bool {
        let Some(write) = write else { return false };
        let hit = *super::http::lock(&self.at) == Some((write, stage));
        if hit {
            self.reached.store(true, Ordering::SeqCst);
        }
        hit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_chosen_write_at_the_chosen_stage_is_held() {
        let f = Freeze::default();
        assert!(!f.holds(Some(3), FreezeStage::AfterCommit), "no point set");
        f.set(3, FreezeStage::AfterCommit);
        assert!(
            !f.holds(None, FreezeStage::AfterCommit),
            "a read is never held"
        );
        assert!(!f.holds(Some(2), FreezeStage::AfterCommit));
        assert!(!f.holds(Some(3), FreezeStage::BeforeCommit));
        assert!(!f.reached());
        assert!(f.holds(Some(3), FreezeStage::AfterCommit));
        assert!(f.reached());
        f.clear();
        assert!(!f.reached());
        assert!(!f.holds(Some(3), FreezeStage::AfterCommit));
    }
}
