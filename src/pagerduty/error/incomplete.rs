//! [`IncompleteReason`]: why a listing cannot be proven complete, the reason an
//! [`ApiError::IncompleteListing`](super::ApiError::IncompleteListing) carries, and its
//! wording in messages: the completeness checks of `pagerduty::pagination` and
//! `pagerduty::partition`, named one by one.

use std::fmt;

/// Why a listing cannot be proven complete (see [`ApiError::IncompleteListing`](super::ApiError::IncompleteListing)).
///
/// Pagination facts: F9 (`limit` ≤ 100, `offset`, `more`, `total` with `total=true`) and F10
/// (`offset + limit` must not exceed 10,000) in `../shared/reference/PAGERDUTY_API.md`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IncompleteReason {
    /// `more` was false but fewer items arrived than `total` announced.
    StoppedEarly {
        /// Items received.
        fetched: usize,
        /// The `total` of the last page.
        total: u64,
    },
    /// `more` was false but more distinct items arrived than `total` announced (the account
    /// changed during the listing, so offsets may have shifted past an item).
    TotalExceeded {
        /// Items received.
        fetched: usize,
        /// The `total` of the last page.
        total: u64,
    },
    /// A page said `more: true` but held no items.
    EmptyPageWithMore {
        /// Offset of the empty page.
        offset: u32,
    },
    /// A page held an item an earlier page already held.
    RepeatedItem {
        /// Offset of the page.
        offset: u32,
        /// ID of the repeated item.
        id: String,
    },
    /// The answer's `offset` differs from the one requested.
    WrongOffset {
        /// Offset sent.
        requested: u32,
        /// Offset the answer carried.
        returned: u32,
    },
    /// The listing has (or may have) more items than PagerDuty lets one walk reach:
    /// `offset + limit` may not exceed 10,000 (fact F10). The request that would get a 400
    /// was not sent. (`GET /users` is partitioned instead; teams and team members are not.)
    OffsetCeiling {
        /// Items received before stopping.
        fetched: usize,
        /// `total`, when PagerDuty reported it.
        total: Option<u64>,
    },
    /// PagerDuty refused a page with 400, code 2002 "Arguments Caused Error": its answer to
    /// a request past the offset ceiling (fact F10, §4.5), here for a page the walk expected
    /// to be within reach (at any offset, even below 10,000).
    CeilingAnswer {
        /// Offset of the refused page.
        offset: u32,
        /// Limit of the refused page.
        limit: u32,
        /// PagerDuty's error body, as text.
        detail: String,
    },
    /// A page other than the last held a number of items other than the page size: with
    /// the pages requested at fixed offsets, items would be skipped or repeated.
    PageSize {
        /// Offset of the page.
        offset: u32,
        /// Items it held.
        received: usize,
        /// Items a full page holds (the `limit` of the first answer).
        expected: usize,
    },
    /// A partitioned listing reached its count, but the unfiltered `total`, asked again at
    /// the end, differs from the one it started with: users were added or deleted during
    /// the listing, so the users seen are not proven to be the account's.
    RecountChanged {
        /// `total` when the listing began.
        first: u64,
        /// `total` when it ended.
        now: u64,
    },
    /// A page reported another `total` than the first page: the account changed during the
    /// listing.
    TotalChanged {
        /// Offset of the page.
        offset: u32,
        /// `total` of the first page.
        first: u64,
        /// `total` of this page.
        now: u64,
    },
    /// The page holding the last of `total` items said `more: true`.
    MoreAfterTotal {
        /// Offset of the page.
        offset: u32,
        /// The `total` announced.
        total: u64,
    },
    /// A partition of a partitioned `GET /users` listing answered without `total`, although
    /// `total=true` was asked: its size, and so the partitioning, cannot be checked.
    MissingTotal {
        /// The partition's filter, e.g. `query=n@`.
        filter: String,
    },
    /// One partition of a partitioned `GET /users` listing failed a check.
    InPartition {
        /// The partition's filter, e.g. `query=n@` or `query=@ team_ids[]=PT1`.
        filter: String,
        /// What failed.
        reason: Box<IncompleteReason>,
    },
    /// A partitioned `GET /users` listing ran out of filters before the distinct users seen
    /// reached the unfiltered `total`: the missing users are in partitions that no filter
    /// could narrow to 10,000 or fewer, or no filter reaches them.
    Unreached {
        /// Distinct users seen.
        seen: usize,
        /// The unfiltered `total`.
        total: u64,
        /// Partitions above 10,000 that their narrower filters do not cover, by filter.
        open: Vec<OpenPartition>,
        /// Why a filter could not be used (e.g. `team_ids[]` refused for lack of the
        /// `teams` ability), when one could not.
        notes: Vec<String>,
    },
    /// A partitioned `GET /users` listing asked more partitions than its bound allows
    /// (`MAX_PARTITIONS` in `pagerduty::partition`) before reaching the unfiltered `total`.
    PartitionLimit {
        /// Distinct users seen.
        seen: usize,
        /// The unfiltered `total`.
        total: u64,
        /// Partitions asked.
        partitions: usize,
    },
}

/// A partition of a partitioned `GET /users` listing that is above the offset ceiling and
/// that its narrower filters do not cover (see [`IncompleteReason::Unreached`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenPartition {
    /// Its filter, e.g. `query=oncall@`.
    pub filter: String,
    /// Users it matches (its `total`).
    pub total: u64,
    /// Users its narrower filters matched, added up (they may overlap).
    pub narrower: u64,
}

impl fmt::Display for IncompleteReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IncompleteReason::StoppedEarly { fetched, total } => write!(
                f,
                "it ended after {fetched} of {total} items (more: false before total was reached)"
            ),
            IncompleteReason::TotalExceeded { fetched, total } => write!(
                f,
                "it returned {fetched} distinct items but total says {total}; the account changed during the listing"
            ),
            IncompleteReason::EmptyPageWithMore { offset } => {
                write!(
                    f,
                    "the page at offset {offset} was empty but said more: true"
                )
            }
            IncompleteReason::RepeatedItem { offset, id } => write!(
                f,
                "the page at offset {offset} repeated item {id} from an earlier page"
            ),
            IncompleteReason::WrongOffset {
                requested,
                returned,
            } => write!(
                f,
                "offset {requested} was requested but the answer is for offset {returned}"
            ),
            IncompleteReason::OffsetCeiling { fetched, total } => {
                write!(
                    f,
                    "PagerDuty lists at most 10,000 items per query (offset + limit ≤ 10000, fact F10); "
                )?;
                match total {
                    Some(t) => write!(f, "the account reports {t}, {fetched} were read")?,
                    None => write!(f, "{fetched} were read and more remain")?,
                }
                f.write_str("; the request past the ceiling was not sent")
            }
            IncompleteReason::CeilingAnswer {
                offset,
                limit,
                detail,
            } => write!(
                f,
                "PagerDuty refused the page at offset {offset} (limit {limit}) with its offset-ceiling answer ({detail})"
            ),
            IncompleteReason::PageSize {
                offset,
                received,
                expected,
            } => write!(
                f,
                "the page at offset {offset} held {received} items, not a full page of {expected}"
            ),
            IncompleteReason::RecountChanged { first, now } => write!(
                f,
                "total was {first} when the listing began and {now} when it ended; the account changed during the listing"
            ),
            IncompleteReason::TotalChanged { offset, first, now } => write!(
                f,
                "total was {first} on the first page and {now} on the page at offset {offset}; the account changed during the listing"
            ),
            IncompleteReason::MoreAfterTotal { offset, total } => write!(
                f,
                "the page at offset {offset} holds the last of {total} items but says more: true"
            ),
            IncompleteReason::MissingTotal { filter } => write!(
                f,
                "the partition {filter} was answered without total, so its size cannot be checked"
            ),
            IncompleteReason::InPartition { filter, reason } => {
                write!(f, "in the partition {filter}, {reason}")
            }
            IncompleteReason::Unreached {
                seen,
                total,
                open,
                notes,
            } => {
                write!(
                    f,
                    "partitioning by query and team_ids[] reached {seen} distinct users of the {total} the account reports"
                )?;
                if !open.is_empty() {
                    f.write_str("; partitions above 10,000 that no narrower filter covers: ")?;
                    for (i, p) in open.iter().enumerate() {
                        if i > 0 {
                            f.write_str(", ")?;
                        }
                        write!(
                            f,
                            "{} ({} users, narrower filters matched {})",
                            p.filter, p.total, p.narrower
                        )?;
                    }
                }
                for note in notes {
                    write!(f, "; {note}")?;
                }
                Ok(())
            }
            IncompleteReason::PartitionLimit {
                seen,
                total,
                partitions,
            } => write!(
                f,
                "partitioning by query and team_ids[] asked {partitions} partitions, its limit, and reached {seen} distinct users of the {total} the account reports"
            ),
        }
    }
}
