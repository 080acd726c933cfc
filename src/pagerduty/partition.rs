//! `GET /users` beyond PagerDuty's offset ceiling: a listing partitioned by the filters the
//! endpoint offers, complete only when the distinct users seen equal the unfiltered `total`.
//!
//! # Facts
//! One filtered or unfiltered walk reaches at most 10,000 items (`offset + limit` ≤ 10,000,
//! fact F10; PagerDuty's advice is to narrow the set with filters). `GET /users` has two
//! filters (fact F12, §2 of `../shared/reference/PAGERDUTY_API.md`): `query`, documented as
//! "showing only the records whose name matches the query" and used by PagerDuty's own
//! tools to find users by email, and `team_ids[]` (needs the `teams` ability). `total=true`
//! gives each filter's size. No filter searches `description`, where the marker lives. The
//! simulator reads `query` as a case-insensitive substring of the name or the email.
//!
//! # Proof
//! Completeness is proven by counting, never assumed from what a filter should match: the
//! unfiltered first page gives `total` N; every partition is walked by the one paginator
//! (`pagination`, with all its checks); the listing is complete when the distinct user IDs
//! seen reach N, and stops there (partitions not yet walked are then not needed), after one
//! last unfiltered request that must still answer `total` N (a user added after its
//! partition was walked would otherwise be missed while the count closes:
//! [`IncompleteReason::RecountChanged`]). More than N
//! distinct users means the account changed ([`IncompleteReason::TotalExceeded`]). When
//! every filter below is used up short of N, the listing is incomplete
//! ([`IncompleteReason::Unreached`], naming the partitions that could not be narrowed).
//! However `query` really matches, the strategy can only cost requests, never a wrong
//! "complete".
//!
//! # Strategy
//! A partition is a filter. One whose `total` (asked with `total=true` on its first page,
//! which is also the first page of its walk) is at most 10,000 is walked; one above is
//! *refined* into narrower filters, each asked the same way, until every partition is
//! walkable. Two families of `query`:
//!
//! 1. **Email suffix** (first): the partition `@`, refined by prepending one character:
//!    `n@`, then `on@`, `son@`, … Where `query` searches emails as substrings (as PagerDuty's
//!    email look-ups and the simulator do), `s@` matches the users whose local part ends
//!    with `s`, and its children `cs@` split it *without overlap* (each email has one
//!    character before its suffix), so each user is usually listed once. One probe of `@`
//!    also shows whether `query` searches emails at all (its `total` is then N).
//! 2. **Name prefix** (only when `@` matched fewer than N users, e.g. when `query` matches
//!    names only, as documented): the unfiltered listing refined by appending one character:
//!    `j`, `ja`, `jan`, … which split without overlap where `query` matches name prefixes,
//!    and overlap (costing requests, not correctness) where it matches substrings.
//!
//! Children are asked in rounds, a later round only for a refined partition whose
//! children's totals add up to less than its own (some of its users match no child yet):
//! first the characters the users listed so far show at that place (before the suffix,
//! after the prefix; a partition's first page is a sample of it, though one ordered by
//! name), then every character seen anywhere in that field (local parts, or names), then the
//! whole alphabet (`a-z 0-9 . _ - + '` for emails, `a-z 0-9 space . - '` for names). Each
//! round waits for the previous one to be answered, and none is asked once the count is
//! reached. A child answering no users costs one request: the price of the proof is up to
//! about 40 such requests per partition that had to be narrowed.
//!
//! Users that still match no child (a local part that *is* the
//! suffix, e.g. `oncall@` shared by more than 10,000 addresses at different domains, or a
//! name that is the prefix) are then sought by **team**: each such partition is split with
//! `team_ids[]` (one child per team of `GET /teams`, refined further by the same family when
//! above 10,000). Users on no team are then out of reach, and the listing is incomplete.
//! A query never grows past 100 characters (PagerDuty's name and email limits, fact F18),
//! and at most [`MAX_PARTITIONS`] partitions are asked
//! ([`IncompleteReason::PartitionLimit`]).
//!
//! All requests go through the client's request layer: probes of sibling partitions and the
//! pages of every walkable partition are in flight together, under the shared limiter and
//! in-flight cap. The result is ordered as PagerDuty orders users (by name, then ID).

use super::error::{ApiError, IncompleteReason, OpenPartition};
use super::models::{User, UsersPage};
use super::pagination::{Fetched, Listing, OFFSET_CEILING, PAGE_LIMIT, Remaining, Walk};
use super::transport::Transport;
use crate::email::Email;
use crate::ids::{TeamId, UserId};
use futures::future::BoxFuture;
use futures::stream::FuturesUnordered;
use futures::{FutureExt, StreamExt};
use std::collections::{BTreeSet, HashMap};

mod refine;

/// Partitions a partitioned user listing asks at most (each costs one request, its first
/// page) before giving up as incomplete: at 960 requests per minute (fact F27), about two
/// minutes of probes.
pub const MAX_PARTITIONS: usize = 2_000;

/// How a partition's `query` is narrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    /// `query` = a local-part suffix + `@`; children prepend a character.
    Email,
    /// `query` = a name prefix (empty for the unfiltered listing); children append one.
    Name,
}

/// One partition: a filter, what its first page said, and how far it was refined.
#[derive(Debug)]
struct Node {
    /// `query`; empty for none.
    query: String,
    /// `team_ids[]`, when split by team.
    team: Option<TeamId>,
    family: Family,
    /// The partition this one narrows (not set for team splits).
    parent: Option<usize>,
    /// `total` of its first page, once answered.
    total: Option<u64>,
    /// Children's totals, added up.
    narrower: u64,
    /// Characters whose child was asked.
    tried: BTreeSet<char>,
    /// Children were asked (above the ceiling).
    refined: bool,
    /// Rounds of children asked: 1 = the sampled characters, 2 = every character seen in
    /// that field, 3 = the whole alphabet.
    rounds: u8,
    /// Its walk, while its pages are being read.
    walk: Option<Walk>,
}

/// A partition's filter as messages name it: `query=ab team_ids[]=P1`, or `(no filter)`
/// for the unfiltered listing (an empty `query`, no team).
fn filter_words(query: &str, team: Option<&TeamId>) -> String {
    let mut parts = Vec::new();
    if !query.is_empty() {
        parts.push(format!("query={query}"));
    }
    if let Some(t) = team {
        parts.push(format!("team_ids[]={t}"));
    }
    if parts.is_empty() {
        "(no filter)".to_string()
    } else {
        parts.join(" ")
    }
}

impl Node {
    fn filter(&self) -> String {
        filter_words(&self.query, self.team.as_ref())
    }

    fn child_query(&self, c: char) -> String {
        match self.family {
            Family::Email => format!("{c}{}", self.query),
            Family::Name => format!("{}{c}", self.query),
        }
    }

    /// Above the ceiling, and its children do not cover it (or it has none).
    fn open(&self) -> bool {
        self.total
            .is_some_and(|t| t > u64::from(OFFSET_CEILING) && self.narrower < t)
    }
}

/// An answer to one request of the partitioned listing.
enum Event {
    /// A partition's first page.
    Probe(usize, Result<Fetched<User>, ApiError>),
    /// A later page of a walkable partition.
    Page(usize, u32, Result<Fetched<User>, ApiError>),
}

/// The state of one partitioned listing.
struct Partitioner<'a> {
    transport: &'a Transport,
    base: Listing,
    total: u64,
    nodes: Vec<Node>,
    users: HashMap<UserId, User>,
    /// Characters seen in local parts and in names (lower-cased).
    email_chars: BTreeSet<char>,
    name_chars: BTreeSet<char>,
    pending: FuturesUnordered<BoxFuture<'a, Event>>,
    /// Index of the `@` partition.
    email_root: usize,
    name_started: bool,
    teams_split: bool,
    notes: Vec<String>,
    progress: &'a (dyn Fn(usize, Option<u64>) + Send + Sync),
}

/// Lists every user of an account whose unfiltered `total` is above the offset ceiling;
/// `first` is the unfiltered first page (with that `total`), `base` the unfiltered listing
/// (`include[]=teams`). `progress(distinct users seen, Some(total))` runs after each page.
///
/// # Errors
/// [`ApiError::IncompleteListing`] (`what` = `users`) when the listing cannot be proven
/// complete (see the module docs); any request error.
pub(crate) async fn list_users(
    transport: &Transport,
    base: &Listing,
    first: Fetched<User>,
    total: u64,
    progress: &(dyn Fn(usize, Option<u64>) + Send + Sync),
) -> Result<Vec<User>, ApiError> {
    let mut p = Partitioner {
        transport,
        base: base.clone(),
        total,
        nodes: Vec::new(),
        users: HashMap::new(),
        email_chars: BTreeSet::new(),
        name_chars: BTreeSet::new(),
        pending: FuturesUnordered::new(),
        email_root: 1,
        name_started: false,
        teams_split: false,
        notes: Vec::new(),
        progress,
    };
    let root = p.add(String::new(), None, Family::Name, None)?;
    p.nodes[root].total = Some(total);
    p.absorb(first.items);
    p.email_root = p.add("@".to_string(), None, Family::Email, None)?;
    p.run().await
}

impl<'a> Partitioner<'a> {
    fn incomplete(&self, reason: IncompleteReason) -> ApiError {
        self.base.incomplete(reason)
    }

    /// Adds a partition and asks its first page.
    fn add(
        &mut self,
        query: String,
        team: Option<TeamId>,
        family: Family,
        parent: Option<usize>,
    ) -> Result<usize, ApiError> {
        if self.nodes.len() >= MAX_PARTITIONS {
            return Err(self.incomplete(IncompleteReason::PartitionLimit {
                seen: self.users.len(),
                total: self.total,
                partitions: self.nodes.len(),
            }));
        }
        let index = self.nodes.len();
        let node = Node {
            query,
            team,
            family,
            parent,
            total: None,
            narrower: 0,
            tried: BTreeSet::new(),
            refined: false,
            rounds: 0,
            walk: None,
        };
        // The unfiltered partition (index 0) was asked already: its first page is `first`.
        if index > 0 {
            let listing = self.listing(&node);
            let transport = self.transport;
            self.pending.push(
                async move {
                    let page = listing.page::<UsersPage>(transport, 0, PAGE_LIMIT).await;
                    Event::Probe(index, page)
                }
                .boxed(),
            );
        }
        self.nodes.push(node);
        Ok(index)
    }

    fn listing(&self, node: &Node) -> Listing {
        let mut l = self.base.clone();
        if !node.query.is_empty() {
            l = l.with("query", node.query.clone());
        }
        if let Some(t) = &node.team {
            l = l.with("team_ids[]", t.as_str());
        }
        l
    }

    /// Records the users of a page and the characters they show.
    fn absorb(&mut self, users: Vec<User>) {
        for u in users {
            let email = Email::normalise(&u.email);
            let local = email
                .as_str()
                .rsplit_once('@')
                .map_or(email.as_str(), |(l, _)| l);
            self.email_chars.extend(local.chars());
            self.name_chars
                .extend(u.name.to_lowercase().chars().filter(|c| *c != '@'));
            self.users.entry(u.id.clone()).or_insert(u);
        }
        (self.progress)(self.users.len(), Some(self.total));
    }

    /// Ok(true) once the distinct users seen reach `total`.
    fn complete(&self) -> Result<bool, ApiError> {
        let seen = self.users.len() as u64;
        if seen > self.total {
            return Err(self.incomplete(IncompleteReason::TotalExceeded {
                fetched: self.users.len(),
                total: self.total,
            }));
        }
        Ok(seen == self.total)
    }

    async fn run(mut self) -> Result<Vec<User>, ApiError> {
        loop {
            while let Some(event) = self.pending.next().await {
                self.handle(event)?;
                if self.complete()? {
                    // Partitions still in flight are not needed: cancel them first.
                    self.pending = FuturesUnordered::new();
                    recount(&self.base, self.transport, self.total).await?;
                    return Ok(self.finish());
                }
            }
            if !self.next_round().await? {
                return Err(self.unreached());
            }
        }
    }

    fn finish(self) -> Vec<User> {
        let mut users: Vec<User> = self.users.into_values().collect();
        users.sort_by_cached_key(|u| (u.name.to_lowercase(), u.id.as_str().to_string()));
        users
    }

    fn in_partition(&self, index: usize, e: ApiError) -> ApiError {
        match e {
            ApiError::IncompleteListing { reason, .. } => {
                self.incomplete(IncompleteReason::InPartition {
                    filter: self.nodes[index].filter(),
                    reason: Box::new(reason),
                })
            }
            other => other,
        }
    }

    fn handle(&mut self, event: Event) -> Result<(), ApiError> {
        match event {
            Event::Probe(i, Err(e)) if self.nodes[i].team.is_some() && e.status() == Some(402) => {
                // team_ids[] needs the `teams` ability (fact F12): without it, no team split.
                let note = format!("team_ids[] was refused ({e})");
                if !self.notes.contains(&note) {
                    self.notes.push(note);
                }
                self.nodes[i].total = Some(0);
                Ok(())
            }
            Event::Probe(i, page) => {
                let page = page.map_err(|e| self.in_partition(i, e))?;
                self.probed(i, page)
            }
            Event::Page(i, offset, page) => {
                let page = page.map_err(|e| self.in_partition(i, e))?;
                let filter = self.nodes[i].filter();
                let walk = self.nodes[i].walk.as_mut().expect("a walked partition");
                walk.accept(offset, page.meta, page.items.iter().map(|u| u.id.as_str()))
                    .map_err(|reason| IncompleteReason::InPartition {
                        filter,
                        reason: Box::new(reason),
                    })
                    .map_err(|r| self.base.incomplete(r))?;
                self.absorb(page.items);
                Ok(())
            }
        }
    }

    /// A partition's first page: walk it, or refine it.
    fn probed(&mut self, i: usize, page: Fetched<User>) -> Result<(), ApiError> {
        let Some(total) = page.meta.total else {
            return Err(self.incomplete(IncompleteReason::MissingTotal {
                filter: self.nodes[i].filter(),
            }));
        };
        self.nodes[i].total = Some(total);
        if let Some(parent) = self.nodes[i].parent {
            self.nodes[parent].narrower += total;
        }
        if total > u64::from(OFFSET_CEILING) {
            self.absorb(page.items);
            let chars = self.sampled(i);
            return self.refine(i, chars);
        }
        let mut walk = Walk::new();
        let checked = walk.accept(0, page.meta, page.items.iter().map(|u| u.id.as_str()));
        if let Err(reason) = checked {
            return Err(self.incomplete(IncompleteReason::InPartition {
                filter: self.nodes[i].filter(),
                reason: Box::new(reason),
            }));
        }
        self.absorb(page.items);
        if let Ok(Remaining::Pages(offsets, limit)) = walk.remaining() {
            let listing = self.listing(&self.nodes[i]);
            for offset in offsets {
                let listing = listing.clone();
                let transport = self.transport;
                self.pending.push(
                    async move {
                        let page = listing.page::<UsersPage>(transport, offset, limit).await;
                        Event::Page(i, offset, page)
                    }
                    .boxed(),
                );
            }
        }
        self.nodes[i].walk = Some(walk);
        Ok(())
    }

    fn unreached(&self) -> ApiError {
        let mut open: Vec<OpenPartition> = self
            .nodes
            .iter()
            .filter(|n| n.refined && n.open())
            .map(|n| OpenPartition {
                filter: n.filter(),
                total: n.total.unwrap_or(0),
                narrower: n.narrower,
            })
            .collect();
        open.sort_by(|a, b| a.filter.cmp(&b.filter));
        self.incomplete(IncompleteReason::Unreached {
            seen: self.users.len(),
            total: self.total,
            open,
            notes: self.notes.clone(),
        })
    }
}

/// Asks the unfiltered `total` of `base` once more (one request, `limit=1`), once the
/// distinct users seen reached `total`, the first one: a user added after its partition was
/// walked is missing from the users seen, and without this check the count would still
/// close.
///
/// # Errors
/// [`IncompleteReason::RecountChanged`] when it differs, [`IncompleteReason::MissingTotal`]
/// when the answer has none; any request error.
async fn recount(base: &Listing, transport: &Transport, total: u64) -> Result<(), ApiError> {
    let page = base.page::<UsersPage>(transport, 0, 1).await?;
    match page.meta.total {
        Some(now) if now == total => Ok(()),
        Some(now) => Err(base.incomplete(IncompleteReason::RecountChanged { first: total, now })),
        None => Err(base.incomplete(IncompleteReason::MissingTotal {
            filter: filter_words("", None),
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::filter_words;
    use crate::ids::TeamId;

    /// The recount's error and a partition's name the unfiltered listing with the same words.
    #[test]
    fn the_unfiltered_listing_has_one_name() {
        assert_eq!(filter_words("", None), "(no filter)");
        let team = TeamId::from("PT1");
        assert_eq!(filter_words("ab", Some(&team)), "query=ab team_ids[]=PT1");
        assert_eq!(filter_words("", Some(&team)), "team_ids[]=PT1");
    }
}
