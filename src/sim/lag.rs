//! Listing lag: users created recently enough to be missing from `GET /users` (see
//! [`super::random`], "Listing lag").
//!
//! PagerDuty serves listings and `query` look-ups from a search index that catches up with
//! writes after a while, while `GET /users/{id}` reads the user itself. The simulator keeps,
//! for each user created through the API while `list_lag_ms` is above 0, the moment it
//! becomes listable; `GET /users` leaves out every user whose moment has not come.

use std::collections::HashSet;
use tokio::time::Instant;

/// Users not listable yet, each with the moment it becomes listable.
#[derive(Debug, Default)]
pub(crate) struct ListingLag {
    pending: Vec<(Instant, String)>,
}

impl ListingLag {
    /// Hides the user `id` from listings until `listable_at`.
    pub(crate) fn created(&mut self, id: &str, listable_at: Instant) {
        self.pending.push((listable_at, id.to_string()));
    }

    /// The users still hidden at `now` (forgetting those whose moment has come).
    pub(crate) fn hidden(&mut self, now: Instant) -> HashSet<String> {
        self.pending.retain(|(at, _)| *at > now);
        self.pending.iter().map(|(_, id)| id.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn users_are_hidden_until_their_moment() {
        let mut lag = ListingLag::default();
        let t0 = Instant::now();
        lag.created("PA", t0 + Duration::from_millis(100));
        lag.created("PB", t0 + Duration::from_millis(300));
        assert_eq!(lag.hidden(t0).len(), 2);
        let later = lag.hidden(t0 + Duration::from_millis(100));
        assert_eq!(later, HashSet::from(["PB".to_string()]));
        assert!(lag.hidden(t0 + Duration::from_millis(300)).is_empty());
        assert!(lag.pending.is_empty());
    }
}
