//! The one offset paginator (facts F9 and F10 in `../shared/reference/PAGERDUTY_API.md`),
//! used by every listing: users, teams, team members, and each partition of a partitioned
//! user listing (`partition`).
//!
//! A listing asks for its first page (`limit=100&offset=0&total=true`). Once that page gives
//! `total`, every other page is known (`offset` = 100, 200, … below `total`), so all of them
//! are requested at once and answered in any order; the client's request layer (its shared
//! limiter and in-flight cap) paces them. Items are returned in offset order. When `total`
//! is missing (2020-era answers), the walk follows `more` one page at a time instead.
//!
//! Planning on a partial listing could delete or recreate users that exist, so [`Walk`]
//! accepts a listing only when it can show it is complete; otherwise it returns an
//! [`IncompleteReason`] (the application exits 3 before any write):
//!
//! - the answer's `offset` is not the one requested;
//! - a page repeats an item of an earlier page (a shifted or repeated page);
//! - every page but the last must be full (the first answer's `limit`), and the last must
//!   hold exactly the rest of `total`: a short page with `more: false` stopped early, a short
//!   page with `more: true` would make fixed offsets skip items, a longer last page means the
//!   account grew;
//! - every page reports the first page's `total` (or none), and only the last says
//!   `more: false`;
//! - without `total`: `more: true` on an empty page (no progress); `more: false` with a
//!   different number of items than a later `total` announced;
//! - `total` above 10,000, or a next request that would need `offset + limit` above 10,000
//!   (PagerDuty answers that with 400, fact F10): the request is not sent. `GET /users`
//!   then partitions the listing (`partition`); other listings are incomplete;
//! - PagerDuty's offset-ceiling answer itself (400, code 2002 "Arguments Caused Error",
//!   §4.5), at any offset: [`IncompleteReason::CeilingAnswer`].
//!
//! Without `total` the next offset advances by the number of items received, so a server
//! that returns fewer items than `limit` never makes the walk skip any.

use super::error::{ApiError, IncompleteReason};
use super::models::incidents::{Incident, IncidentsPage};
use super::models::licenses::{LicenseAllocation, LicenseAllocationsPage};
use super::models::oncall::{
    EscalationPoliciesPage, EscalationPolicy, Oncall, OncallsPage, Schedule, SchedulesPage,
};
use super::models::{Pagination, Team, TeamMember, TeamMembersPage, TeamsPage, User, UsersPage};
use super::transport::{Request, Transport};
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use reqwest::Method;
use serde::de::DeserializeOwned;
use std::collections::{BTreeMap, HashSet};

/// Page size requested, PagerDuty's maximum (fact F9), and the offset ceiling (fact F10):
/// defined in [`crate::vocab::limits`].
pub use crate::vocab::limits::{OFFSET_CEILING, PAGE_LIMIT};

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

impl Page for SchedulesPage {
    type Item = Schedule;
    fn into_parts(self) -> (Vec<Schedule>, Pagination) {
        (self.schedules, self.page)
    }
    fn id(item: &Schedule) -> &str {
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

/// One listing: what it is called in messages, the path, and the query pairs sent with
/// every page (filters such as `query` included).
#[derive(Debug, Clone)]
pub(crate) struct Listing {
    what: String,
    segments: Vec<String>,
    pairs: Vec<(&'static str, String)>,
}

/// One page as answered: its items and pagination fields.
#[derive(Debug)]
pub(crate) struct Fetched<T> {
    /// The items, in the answer's order.
    pub(crate) items: Vec<T>,
    /// `limit`, `offset`, `more`, `total` of the answer.
    pub(crate) meta: Pagination,
}

impl Listing {
    /// A listing of `segments` (e.g. `["teams", id, "members"]`) with `pairs` on every page;
    /// `what` names it in errors (`users`, `members of team PT1`).
    pub(crate) fn new(what: &str, segments: &[&str], pairs: &[(&'static str, String)]) -> Listing {
        Listing {
            what: what.to_string(),
            segments: segments.iter().map(|s| s.to_string()).collect(),
            pairs: pairs.to_vec(),
        }
    }

    /// The same listing with one more query pair (a filter).
    pub(crate) fn with(&self, key: &'static str, value: impl Into<String>) -> Listing {
        let mut l = self.clone();
        l.pairs.push((key, value.into()));
        l
    }

    /// [`ApiError::IncompleteListing`] for this listing.
    pub(crate) fn incomplete(&self, reason: IncompleteReason) -> ApiError {
        ApiError::IncompleteListing {
            what: self.what.clone(),
            reason,
        }
    }

    /// One page: `GET <path>?<pairs>&limit=<limit>&offset=<offset>&total=true`.
    ///
    /// # Errors
    /// Any request error; PagerDuty's offset-ceiling answer (400, code 2002) as
    /// [`ApiError::IncompleteListing`] with [`IncompleteReason::CeilingAnswer`].
    pub(crate) async fn page<P: Page>(
        &self,
        transport: &Transport,
        offset: u32,
        limit: u32,
    ) -> Result<Fetched<P::Item>, ApiError> {
        let segments: Vec<&str> = self.segments.iter().map(String::as_str).collect();
        let mut req = Request::new(Method::GET, &segments);
        for (k, v) in &self.pairs {
            req = req.query(k, v.clone());
        }
        let req = req
            .query("limit", limit.to_string())
            .query("offset", offset.to_string())
            .query("total", "true");
        let exchange = match transport.send(&req).await {
            Ok(ex) => ex,
            Err(e) if e.is_ceiling_answer() => {
                let detail = e.body().map(|b| b.to_string()).unwrap_or_default();
                return Err(self.incomplete(IncompleteReason::CeilingAnswer {
                    offset,
                    limit,
                    detail,
                }));
            }
            Err(e) => return Err(e),
        };
        let (items, meta) = exchange.decode::<P>()?.into_parts();
        Ok(Fetched { items, meta })
    }
}

/// What a [`Walk`] still needs after the pages accepted so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Remaining {
    /// Nothing: the listing is complete.
    Done,
    /// These offsets, each with `limit` = the page size, in any order (`total` is known).
    Pages(Vec<u32>, u32),
    /// The next page only, at `(offset, limit)` (`total` is unknown).
    Next(u32, u32),
}

/// The progress checks of one listing, apart from any I/O.
#[derive(Debug, Default)]
pub(crate) struct Walk {
    /// Without `total`: the next offset.
    offset: u32,
    fetched: usize,
    seen: HashSet<String>,
    /// The latest `total` reported.
    total: Option<u64>,
    /// `total` of the first page: the pages are then at fixed offsets.
    planned: Option<u64>,
    /// Items of a full page (the first answer's `limit`, at most [`PAGE_LIMIT`]).
    page_size: u32,
    started: bool,
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

    /// What to request after the pages accepted so far (start with the page at offset 0,
    /// limit [`PAGE_LIMIT`]).
    ///
    /// # Errors
    /// [`IncompleteReason::OffsetCeiling`] when `total` is unknown and no request within
    /// the ceiling remains.
    pub(crate) fn remaining(&self) -> Result<Remaining, IncompleteReason> {
        if self.done {
            return Ok(Remaining::Done);
        }
        if !self.started {
            return Ok(Remaining::Next(0, PAGE_LIMIT));
        }
        if let Some(total) = self.planned {
            let step = self.page_size as usize;
            let offsets = (step..total as usize)
                .step_by(step)
                .map(|o| o as u32)
                .collect();
            return Ok(Remaining::Pages(offsets, self.page_size));
        }
        let limit = PAGE_LIMIT.min(OFFSET_CEILING.saturating_sub(self.offset));
        if limit == 0 {
            return Err(IncompleteReason::OffsetCeiling {
                fetched: self.fetched,
                total: self.total,
            });
        }
        Ok(Remaining::Next(self.offset, limit))
    }

    /// Checks the page answered for `requested` and records it.
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
        if !self.started {
            self.started = true;
            self.page_size = if (1..=PAGE_LIMIT).contains(&page.limit) {
                page.limit
            } else {
                PAGE_LIMIT
            };
            self.planned = page.total;
        }
        if page.total.is_some() {
            self.total = page.total;
        }
        match self.planned {
            Some(total) if total > u64::from(OFFSET_CEILING) => {
                Err(IncompleteReason::OffsetCeiling {
                    fetched: self.fetched,
                    total: Some(total),
                })
            }
            Some(total) => self.check_planned(requested, page, received, total),
            None => match self.total {
                Some(total) if total > u64::from(OFFSET_CEILING) => {
                    Err(IncompleteReason::OffsetCeiling {
                        fetched: self.fetched,
                        total: Some(total),
                    })
                }
                _ => self.check_next(requested, page, received),
            },
        }
    }

    /// The checks of a page at a fixed offset (`total` known from the first page).
    fn check_planned(
        &mut self,
        requested: u32,
        page: Pagination,
        received: u32,
        total: u64,
    ) -> Result<(), IncompleteReason> {
        if let Some(now) = page.total
            && now != total
        {
            return Err(IncompleteReason::TotalChanged {
                offset: requested,
                first: total,
                now,
            });
        }
        let start = u64::from(requested);
        let end = start + u64::from(received);
        let ended = || IncompleteReason::StoppedEarly {
            fetched: end as usize,
            total,
        };
        let expected = (total.saturating_sub(start)).min(u64::from(self.page_size));
        let last = start + u64::from(self.page_size) >= total;
        if u64::from(received) > expected {
            return Err(if last {
                IncompleteReason::TotalExceeded {
                    fetched: end as usize,
                    total,
                }
            } else {
                IncompleteReason::PageSize {
                    offset: requested,
                    received: received as usize,
                    expected: self.page_size as usize,
                }
            });
        }
        if u64::from(received) < expected {
            return Err(match (page.more, received) {
                (false, _) => ended(),
                (true, 0) => IncompleteReason::EmptyPageWithMore { offset: requested },
                (true, _) => IncompleteReason::PageSize {
                    offset: requested,
                    received: received as usize,
                    expected: expected as usize,
                },
            });
        }
        match (last, page.more) {
            (false, false) => Err(ended()),
            (true, true) => Err(IncompleteReason::MoreAfterTotal {
                offset: requested,
                total,
            }),
            _ => Ok(()),
        }
    }

    /// The checks of the next page of a walk without `total`.
    fn check_next(
        &mut self,
        requested: u32,
        page: Pagination,
        received: u32,
    ) -> Result<(), IncompleteReason> {
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

    /// Marks a walk with fixed offsets done once every page of [`Remaining::Pages`] was
    /// accepted.
    ///
    /// # Errors
    /// [`IncompleteReason::StoppedEarly`] if fewer items than `total` were accepted (a
    /// caller that dropped a page).
    pub(crate) fn finish(&mut self) -> Result<(), IncompleteReason> {
        if let Some(total) = self.planned
            && self.fetched as u64 != total
        {
            return Err(IncompleteReason::StoppedEarly {
                fetched: self.fetched,
                total,
            });
        }
        self.done = true;
        Ok(())
    }
}

/// Lists every item of `listing`: the first page, then the rest (concurrently once `total`
/// is known); `progress(fetched, total)` runs after each page.
///
/// # Errors
/// Any request error, or [`ApiError::IncompleteListing`].
pub(crate) async fn collect<P: Page>(
    transport: &Transport,
    listing: &Listing,
    progress: &(dyn Fn(usize, Option<u64>) + Send + Sync),
) -> Result<Vec<P::Item>, ApiError> {
    let first = listing.page::<P>(transport, 0, PAGE_LIMIT).await?;
    collect_after::<P>(transport, listing, first, progress).await
}

/// [`collect`] from an already fetched first page (offset 0, limit [`PAGE_LIMIT`]).
///
/// # Errors
/// As [`collect`].
pub(crate) async fn collect_after<P: Page>(
    transport: &Transport,
    listing: &Listing,
    first: Fetched<P::Item>,
    progress: &(dyn Fn(usize, Option<u64>) + Send + Sync),
) -> Result<Vec<P::Item>, ApiError> {
    let incomplete = |reason| listing.incomplete(reason);
    let mut walk = Walk::new();
    walk.accept(0, first.meta, first.items.iter().map(P::id))
        .map_err(incomplete)?;
    progress(walk.fetched(), walk.total());
    let mut pages: BTreeMap<u32, Vec<P::Item>> = BTreeMap::new();
    pages.insert(0, first.items);
    loop {
        match walk.remaining().map_err(incomplete)? {
            Remaining::Done => break,
            Remaining::Pages(offsets, limit) => {
                let mut pending: FuturesUnordered<_> = offsets
                    .into_iter()
                    .map(|offset| async move {
                        (offset, listing.page::<P>(transport, offset, limit).await)
                    })
                    .collect();
                while let Some((offset, page)) = pending.next().await {
                    let page = page?;
                    walk.accept(offset, page.meta, page.items.iter().map(P::id))
                        .map_err(incomplete)?;
                    pages.insert(offset, page.items);
                    progress(walk.fetched(), walk.total());
                }
                walk.finish().map_err(incomplete)?;
            }
            Remaining::Next(offset, limit) => {
                let page = listing.page::<P>(transport, offset, limit).await?;
                walk.accept(offset, page.meta, page.items.iter().map(P::id))
                    .map_err(incomplete)?;
                pages.insert(offset, page.items);
                progress(walk.fetched(), walk.total());
            }
        }
    }
    Ok(pages.into_values().flatten().collect())
}

#[cfg(test)]
mod tests;
