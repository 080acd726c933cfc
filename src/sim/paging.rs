//! Classic offset pagination, as PagerDuty documents it (developer docs "Pagination", S8;
//! facts F9, F10).
//!
//! - `limit`: default 25. A value above 100 is **clamped** to 100 and the response echoes the
//!   limit actually used. The docs say only that `limit` "cannot exceed 100" and that the
//!   response's `limit` "echoes the 'limit' value that was used"; for cursor pagination they
//!   spell out "the minimum of the 'limit' parameter used in the request or the maximum
//!   request size". Clamping is the reading that fits both (Inf). `limit` below 1 or not an
//!   integer is a 400 (Inf: the spec types it as an integer).
//! - `offset`: default 0, 0-based; negative or not an integer → 400.
//! - `offset + limit` (after clamping) above 10,000 → 400, code 2002 "Arguments Caused
//!   Error", with the text PagerDuty sends (seen on `/incidents`:
//!   cloudquery/cloudquery#12750, PagerDuty/pd-live-react#163).
//! - `total=true` fills `total`; otherwise it is null.

use super::error::SimError;
use crate::pagerduty::models::{Pagination, error_codes};
use crate::vocab::limits::{OFFSET_CEILING, PAGE_LIMIT};

/// Page size when `limit` is absent (S8).
pub const DEFAULT_LIMIT: u32 = 25;
// The largest page size (S8, fact F9; larger requests are clamped) and the largest `offset +
// limit` PagerDuty accepts (S8, fact F10) are `vocab::limits::{PAGE_LIMIT, OFFSET_CEILING}`.

/// A listing fault that distorts one page (see [`super::FaultKind`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PageFault {
    /// `more: false` on a page that is not the last.
    EndEarly,
    /// The previous page's items again.
    RepeatPage,
    /// No items, `more: true`.
    EmptyPage,
}

/// The pagination parameters of one request, validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PageRequest {
    pub(crate) limit: u32,
    pub(crate) offset: u32,
    pub(crate) total: bool,
}

impl PageRequest {
    /// Reads `limit`, `offset` and `total` from decoded query pairs.
    ///
    /// # Errors
    /// 400/2001 for a malformed value; 400/2002 when `offset + limit` exceeds 10,000.
    pub(crate) fn parse(params: &[(String, String)]) -> Result<PageRequest, SimError> {
        let get = |name: &str| params.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v);
        let limit = match get("limit") {
            None => DEFAULT_LIMIT,
            Some(v) => match v.trim().parse::<i64>() {
                Ok(n) if n >= 1 => n.min(i64::from(PAGE_LIMIT)) as u32,
                _ => {
                    return Err(SimError::invalid_input(vec![format!(
                        "limit must be a positive integer, got {v:?}"
                    )]));
                }
            },
        };
        let offset = match get("offset") {
            None => 0,
            Some(v) => match v.trim().parse::<u32>() {
                Ok(n) => n,
                _ => {
                    return Err(SimError::invalid_input(vec![format!(
                        "offset must be a non-negative integer, got {v:?}"
                    )]));
                }
            },
        };
        if u64::from(offset) + u64::from(limit) > u64::from(OFFSET_CEILING) {
            return Err(SimError::api(
                400,
                error_codes::ARGUMENTS_CAUSED_ERROR,
                "Arguments Caused Error",
                vec![
                    "Offset+limit exceeds maximum allowed value of 10000. Please try to refine \
                     your search to reduce the returned set of records below this number."
                        .to_string(),
                ],
            ));
        }
        let total = get("total").is_some_and(|v| v.eq_ignore_ascii_case("true"));
        Ok(PageRequest {
            limit,
            offset,
            total,
        })
    }
}

/// Cuts the page `req` asks for out of `all` (already filtered and ordered), applying an
/// optional listing fault.
pub(crate) fn page<T: Clone>(
    all: &[T],
    req: PageRequest,
    fault: Option<PageFault>,
) -> (Vec<T>, Pagination) {
    let slice = |offset: usize| -> Vec<T> {
        let start = offset.min(all.len());
        let end = (offset + req.limit as usize).min(all.len());
        all[start..end].to_vec()
    };
    let offset = req.offset as usize;
    let items = slice(offset);
    let more = offset + items.len() < all.len();
    let (items, more) = match fault {
        None => (items, more),
        Some(PageFault::EndEarly) => (items, false),
        Some(PageFault::RepeatPage) => (slice(offset.saturating_sub(req.limit as usize)), more),
        Some(PageFault::EmptyPage) => (Vec::new(), true),
    };
    let pagination = Pagination {
        limit: req.limit,
        offset: req.offset,
        more,
        total: req.total.then_some(all.len() as u64),
    };
    (items, pagination)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(q: &[(&str, &str)]) -> Vec<(String, String)> {
        q.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_clamp_and_cap() {
        let r = PageRequest::parse(&[]).unwrap();
        assert_eq!((r.limit, r.offset, r.total), (25, 0, false));
        let r = PageRequest::parse(&params(&[("limit", "500"), ("total", "true")])).unwrap();
        assert_eq!((r.limit, r.total), (100, true));
        assert!(PageRequest::parse(&params(&[("offset", "9900"), ("limit", "100")])).is_ok());
        let e = PageRequest::parse(&params(&[("offset", "9901"), ("limit", "100")])).unwrap_err();
        assert_eq!(e.status(), 400);
        assert_eq!(e.envelope().error.code, Some(2002));
        for bad in [("limit", "0"), ("limit", "x"), ("offset", "-1")] {
            let e = PageRequest::parse(&params(&[bad])).unwrap_err();
            assert_eq!(e.envelope().error.code, Some(2001), "{bad:?}");
        }
    }

    #[test]
    fn pages_and_faults() {
        let all: Vec<u32> = (0..7).collect();
        let req = |offset| PageRequest {
            limit: 3,
            offset,
            total: false,
        };
        let (items, p) = page(&all, req(3), None);
        assert_eq!((items, p.more, p.total), (vec![3, 4, 5], true, None));
        let (items, p) = page(&all, req(6), None);
        assert_eq!((items, p.more), (vec![6], false));
        let (items, p) = page(&all, req(3), Some(PageFault::EndEarly));
        assert_eq!((items, p.more), (vec![3, 4, 5], false));
        let (items, p) = page(&all, req(3), Some(PageFault::RepeatPage));
        assert_eq!((items, p.more, p.offset), (vec![0, 1, 2], true, 3));
        let (items, p) = page(&all, req(0), Some(PageFault::EmptyPage));
        assert_eq!((items.len(), p.more), (0, true));
        let (items, p) = page(&all, req(30), None);
        assert_eq!((items.len(), p.more), (0, false));
    }
}
