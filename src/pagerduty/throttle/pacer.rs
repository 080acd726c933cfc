//! Gate 4 of the [throttle](super): the pace. While a [`Pace`] from `ratelimit-remaining`
//! and `ratelimit-reset` applies ([`crate::pagerduty::budget`]), requests are spaced evenly
//! until the reset instead of spending the window's budget at once.

use super::lock;
use crate::pagerduty::budget::Pace;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::Instant;

/// Even spacing of requests while a [`Pace`] applies: a request goes when the previous one
/// went at least `interval` ago. Waiters re-read the pace when it becomes less strict.
#[derive(Default)]
pub(super) struct Pacer {
    state: Mutex<PaceState>,
    loosened: Notify,
}

#[derive(Default)]
struct PaceState {
    pace: Option<Pace>,
    last: Option<Instant>,
}

impl Pacer {
    pub(super) fn current(&self, now: Instant) -> Option<Pace> {
        lock(&self.state).pace.filter(|p| p.until > now)
    }

    pub(super) fn set(&self, pace: Option<Pace>) {
        let mut s = lock(&self.state);
        let loosened = match (s.pace, pace) {
            (Some(old), Some(new)) => new.interval < old.interval || new.until < old.until,
            (Some(_), None) => true,
            (None, _) => false,
        };
        s.pace = pace;
        drop(s);
        if loosened {
            self.loosened.notify_waiters();
        }
    }

    /// Waits for this request's turn; returns the time waited (zero when no pace held it).
    pub(super) async fn wait(&self) -> Duration {
        let started = Instant::now();
        let mut slept = false;
        let waited = |slept: bool| {
            if slept {
                started.elapsed()
            } else {
                Duration::ZERO
            }
        };
        loop {
            let loosened = self.loosened.notified();
            tokio::pin!(loosened);
            loosened.as_mut().enable();
            let wake = {
                let mut s = lock(&self.state);
                let now = Instant::now();
                match s.pace.filter(|p| p.until > now) {
                    None => {
                        s.last = Some(now);
                        return waited(slept);
                    }
                    Some(p) => {
                        let due = s.last.map_or(now, |l| l + p.interval);
                        if due <= now {
                            s.last = Some(now);
                            return waited(slept);
                        }
                        due.min(p.until)
                    }
                }
            };
            tokio::select! {
                _ = tokio::time::sleep_until(wake) => {}
                _ = &mut loosened => {}
            }
            slept = true;
        }
    }
}
