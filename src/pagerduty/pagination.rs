//! The one offset paginator (facts F9 and F10 in `../shared/reference/PAGERDUTY_API.md`).
//!
//! A listing asks for `limit=100&offset=N&total=true` and follows `more` until it is false,
//! one page at a time. Planning on a partial listing could delete or recreate users that
//! exist, so [`Walk`] accepts a listing only when it can show it is complete; otherwise it
//! returns an [`IncompleteReason`] (the application exits 3 before any write):
//!
//! - the answer's `offset` is not the one requested;
//! - a page repeats an item of an earlier page (a shifted or repeated page);
//! - `more: true` on an empty page (no progress);
//! - `more: false` with a different number of items than `total` announced;
//! - `total` is above 10,000, or the next request would need `offset + limit` above 10,000
//!   (PagerDuty answers that with 400, fact F10): the request is not sent.
//!
//! `total` may be missing (2020-era answers); the listing then ends on `more: false`.
//! The next offset advances by the number of items received, so a server that returns
//! fewer items than `limit` never makes the walk skip any.

use super::error::{ApiError, IncompleteReason};
use super::models::incidents::{Incident, IncidentsPage};
use super::models::licenses::{LicenseAllocation, LicenseAllocationsPage};
use super::models::oncall::{EscalationPoliciesPage, EscalationPolicy, Oncall, OncallsPage};
use super::models::{Pagination, Team, TeamMember, TeamMembersPage, TeamsPage, User, UsersPage};
use super::transport::{Request, Transport};
use reqwest::Method;
use serde::de::DeserializeOwned;
use std::collections::HashSet;

/// Page size requested: PagerDuty's maximum (fact F9).
pub const PAGE_LIMIT: u32 = 100;
/// `offset + limit` may not exceed this (fact F10).
pub const OFFSET_CEILING: u32 = 10_000;

/// A page type of a classic-paginated listing.
pub(crate) trait Page: DeserializeOwned {
    /// One listed item.
    type Item;
    /// The items and the pagination fields.
    fn into_parts(self) -> (Vec<Self::Item>, Pagination);
    /// The item's stable ID, used to detect repeated pages.
    fn id(item: &Self::Item) -> &str;
}

impl Page for UsersPage {
    type Item = User;
    fn into_parts(self) -> (Vec<User>, Pagination) {
        (self.users, self.page)
    }
    fn id(item: &User) -> &str {
        item.id.as_str()
    }
}

impl Page for TeamsPage {
    type Item = Team;
    fn into_parts(self) -> (Vec<Team>, Pagination) {
        (self.teams, self.page)
    }
    fn id(item: &Team) -> &str {
        item.id.as_str()
    }
}

impl Page for TeamMembersPage {
    type Item = TeamMember;
    fn into_parts(self) -> (Vec<TeamMember>, Pagination) {
        (self.members, self.page)
    }
    fn id(item: &TeamMember) -> &str {
        item.user.id.as_str()
    }
}

impl Page for LicenseAllocationsPage {
    type Item = LicenseAllocation;
    fn into_parts(self) -> (Vec<LicenseAllocation>, Pagination) {
        (self.license_allocations, self.page)
    }
    /// A user holds one licence, so the user's ID identifies an allocation.
    fn id(item: &LicenseAllocation) -> &str {
        item.user.id.as_str()
    }
}

impl Page for EscalationPoliciesPage {
    type Item = EscalationPolicy;
    fn into_parts(self) -> (Vec<EscalationPolicy>, Pagination) {
        (self.escalation_policies, self.page)
    }
    fn id(item: &EscalationPolicy) -> &str {
        item.id.as_str()
    }
}

impl Page for IncidentsPage {
    type Item = Incident;
    fn into_parts(self) -> (Vec<Incident>, Pagination) {
        (self.incidents, self.page)
    }
    fn id(item: &Incident) -> &str {
        item.id.as_str()
    }
}

/// An on-call with the key that identifies it within one listing: an `Oncall` has no ID
/// of its own (OpenAPI `Oncall`), so the key is its policy, level, user, schedule and start.
#[derive(Debug, Clone)]
pub(crate) struct KeyedOncall {
    key: String,
    /// The on-call.
    pub(crate) oncall: Oncall,
}

/// `GET /oncalls` answered as [`KeyedOncall`]s, so the one paginator's repeated-item check
/// works for on-calls too.
#[derive(Debug, serde::Deserialize)]
#[serde(from = "OncallsPage")]
pub(crate) struct KeyedOncallsPage {
    oncalls: Vec<KeyedOncall>,
    page: Pagination,
}

impl From<OncallsPage> for KeyedOncallsPage {
    fn from(p: OncallsPage) -> KeyedOncallsPage {
        let oncalls = p
            .oncalls
            .into_iter()
            .map(|o| KeyedOncall {
                key: format!(
                    "{}/{}/{}/{}/{}",
                    o.escalation_policy.id,
                    o.escalation_level,
                    o.user.id,
                    o.schedule.as_ref().map_or("", |s| s.id.as_str()),
                    o.start.map(|t| t.to_rfc3339()).unwrap_or_default()
                ),
                oncall: o,
            })
            .collect();
        KeyedOncallsPage {
            oncalls,
            page: p.page,
        }
    }
}

impl Page for KeyedOncallsPage {
    type Item = KeyedOncall;
    fn into_parts(self) -> (Vec<KeyedOncall>, Pagination) {
        (self.oncalls, self.page)
    }
    fn id(item: &KeyedOncall) -> &str {
        &item.key
    }
}

/// The progress checks of one listing, apart from any I/O.
#[derive(Debug, Default)]
pub(crate) struct Walk {
    offset: u32,
    fetched: usize,
    seen: HashSet<String>,
    total: Option<u64>,
    done: bool,
}

impl Walk {
    pub(crate) fn new() -> Walk {
        Walk::default()
    }

    /// Items accepted so far.
    pub(crate) fn fetched(&self) -> usize {
        self.fetched
    }

    /// The latest `total` PagerDuty reported.
    pub(crate) fn total(&self) -> Option<u64> {
        self.total
    }

    /// The next `(offset, limit)` to request, or `None` when the listing is complete.
    ///
    /// # Errors
    /// [`IncompleteReason::OffsetCeiling`] when no request within the ceiling remains.
    pub(crate) fn next_request(&self) -> Result<Option<(u32, u32)>, IncompleteReason> {
        if self.done {
            return Ok(None);
        }
        let limit = PAGE_LIMIT.min(OFFSET_CEILING.saturating_sub(self.offset));
        if limit == 0 {
            return Err(IncompleteReason::OffsetCeiling {
                fetched: self.fetched,
                total: self.total,
            });
        }
        Ok(Some((self.offset, limit)))
    }

    /// Checks the page answered for `requested` and moves on.
    ///
    /// # Errors
    /// The [`IncompleteReason`] that makes the listing unprovable.
    pub(crate) fn accept<'a>(
        &mut self,
        requested: u32,
        page: Pagination,
        ids: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), IncompleteReason> {
        if page.offset != requested {
            return Err(IncompleteReason::WrongOffset {
                requested,
                returned: page.offset,
            });
        }
        let mut received: u32 = 0;
        for id in ids {
            if !self.seen.insert(id.to_string()) {
                return Err(IncompleteReason::RepeatedItem {
                    offset: requested,
                    id: id.to_string(),
                });
            }
            received += 1;
        }
        self.fetched += received as usize;
        if page.total.is_some() {
            self.total = page.total;
        }
        if let Some(total) = self.total
            && total > u64::from(OFFSET_CEILING)
        {
            return Err(IncompleteReason::OffsetCeiling {
                fetched: self.fetched,
                total: Some(total),
            });
        }
        if page.more {
            if received == 0 {
                return Err(IncompleteReason::EmptyPageWithMore { offset: requested });
            }
            self.offset = requested.saturating_add(received);
            return Ok(());
        }
        self.done = true;
        match self.total {
            Some(total) if (self.fetched as u64) < total => Err(IncompleteReason::StoppedEarly {
                fetched: self.fetched,
                total,
            }),
            Some(total) if (self.fetched as u64) > total => Err(IncompleteReason::TotalExceeded {
                fetched: self.fetched,
                total,
            }),
            _ => Ok(()),
        }
    }
}

/// Lists every item of `segments` (e.g. `["users"]`), one page at a time, with `extra`
/// query pairs on every page; `progress(fetched, total)` runs after each page.
///
/// # Errors
/// Any request error, or [`ApiError::IncompleteListing`] naming `what`.
pub(crate) async fn collect<P: Page>(
    transport: &Transport,
    what: &str,
    segments: &[&str],
    extra: &[(&'static str, String)],
    progress: &(dyn Fn(usize, Option<u64>) + Send + Sync),
) -> Result<Vec<P::Item>, ApiError> {
    let incomplete = |reason| ApiError::IncompleteListing {
        what: what.to_string(),
        reason,
    };
    let mut walk = Walk::new();
    let mut items = Vec::new();
    while let Some((offset, limit)) = walk.next_request().map_err(incomplete)? {
        let mut req = Request::new(Method::GET, segments);
        for (k, v) in extra {
            req = req.query(k, v.clone());
        }
        let req = req
            .query("limit", limit.to_string())
            .query("offset", offset.to_string())
            .query("total", "true");
        let page: P = transport.send(&req).await?.decode()?;
        let (page_items, meta) = page.into_parts();
        walk.accept(offset, meta, page_items.iter().map(P::id))
            .map_err(incomplete)?;
        items.extend(page_items);
        progress(walk.fetched(), walk.total());
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(offset: u32, more: bool, total: Option<u64>) -> Pagination {
        Pagination {
            limit: PAGE_LIMIT,
            offset,
            more,
            total,
        }
    }

    fn ids(range: std::ops::Range<u32>) -> Vec<String> {
        range.map(|i| format!("P{i}")).collect()
    }

    fn accept(
        w: &mut Walk,
        offset: u32,
        more: bool,
        total: Option<u64>,
        items: &[String],
    ) -> Result<(), IncompleteReason> {
        w.accept(
            offset,
            meta(offset, more, total),
            items.iter().map(String::as_str),
        )
    }

    #[test]
    fn three_pages_complete_with_total() {
        let mut w = Walk::new();
        assert_eq!(w.next_request(), Ok(Some((0, 100))));
        accept(&mut w, 0, true, Some(250), &ids(0..100)).unwrap();
        assert_eq!(w.next_request(), Ok(Some((100, 100))));
        accept(&mut w, 100, true, Some(250), &ids(100..200)).unwrap();
        accept(&mut w, 200, false, Some(250), &ids(200..250)).unwrap();
        assert_eq!(w.next_request(), Ok(None));
        assert_eq!(w.fetched(), 250);
    }

    #[test]
    fn missing_total_completes_on_more_false() {
        let mut w = Walk::new();
        accept(&mut w, 0, true, None, &ids(0..100)).unwrap();
        accept(&mut w, 100, false, None, &ids(100..101)).unwrap();
        assert_eq!(w.next_request(), Ok(None));
    }

    #[test]
    fn a_short_page_with_more_advances_by_what_arrived() {
        let mut w = Walk::new();
        accept(&mut w, 0, true, None, &ids(0..25)).unwrap();
        assert_eq!(w.next_request(), Ok(Some((25, 100))));
    }

    #[test]
    fn each_failure_mode_is_named() {
        let mut w = Walk::new();
        assert_eq!(
            accept(&mut w, 0, false, Some(5), &ids(0..3)),
            Err(IncompleteReason::StoppedEarly {
                fetched: 3,
                total: 5
            })
        );
        let mut w = Walk::new();
        assert_eq!(
            accept(&mut w, 0, false, Some(2), &ids(0..3)),
            Err(IncompleteReason::TotalExceeded {
                fetched: 3,
                total: 2
            })
        );
        let mut w = Walk::new();
        assert_eq!(
            accept(&mut w, 0, true, None, &[]),
            Err(IncompleteReason::EmptyPageWithMore { offset: 0 })
        );
        let mut w = Walk::new();
        accept(&mut w, 0, true, None, &ids(0..100)).unwrap();
        assert_eq!(
            accept(&mut w, 100, true, None, &ids(99..199)),
            Err(IncompleteReason::RepeatedItem {
                offset: 100,
                id: "P99".into()
            })
        );
        let mut w = Walk::new();
        assert_eq!(
            w.accept(
                0,
                meta(100, true, None),
                ids(0..1).iter().map(String::as_str)
            ),
            Err(IncompleteReason::WrongOffset {
                requested: 0,
                returned: 100
            })
        );
    }

    #[test]
    fn a_total_above_the_ceiling_stops_at_once() {
        let mut w = Walk::new();
        assert_eq!(
            accept(&mut w, 0, true, Some(12_000), &ids(0..100)),
            Err(IncompleteReason::OffsetCeiling {
                fetched: 100,
                total: Some(12_000)
            })
        );
    }

    #[test]
    fn the_walk_never_asks_past_the_ceiling() {
        let mut w = Walk::new();
        let mut offset = 0;
        while let Ok(Some((o, limit))) = w.next_request() {
            assert!(o + limit <= OFFSET_CEILING);
            // Short pages of 60 make the last request shrink its limit to fit.
            let n = 60.min(limit);
            accept(&mut w, o, true, None, &ids(o..o + n)).unwrap();
            offset = o + n;
        }
        assert_eq!(offset, OFFSET_CEILING);
        assert_eq!(
            w.next_request(),
            Err(IncompleteReason::OffsetCeiling {
                fetched: 10_000,
                total: None
            })
        );
    }
}
