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
fn with_total_the_rest_is_planned_at_once_and_accepted_in_any_order() {
    let mut w = Walk::new();
    assert_eq!(w.remaining(), Ok(Remaining::Next(0, 100)));
    accept(&mut w, 0, true, Some(250), &ids(0..100)).unwrap();
    assert_eq!(w.remaining(), Ok(Remaining::Pages(vec![100, 200], 100)));
    accept(&mut w, 200, false, Some(250), &ids(200..250)).unwrap();
    accept(&mut w, 100, true, Some(250), &ids(100..200)).unwrap();
    w.finish().unwrap();
    assert_eq!(w.remaining(), Ok(Remaining::Done));
    assert_eq!(w.fetched(), 250);
}

#[test]
fn a_single_page_and_an_empty_listing_are_complete() {
    let mut w = Walk::new();
    accept(&mut w, 0, false, Some(100), &ids(0..100)).unwrap();
    assert_eq!(w.remaining(), Ok(Remaining::Pages(vec![], 100)));
    w.finish().unwrap();
    let mut w = Walk::new();
    accept(&mut w, 0, false, Some(0), &[]).unwrap();
    w.finish().unwrap();
    assert_eq!(w.remaining(), Ok(Remaining::Done));
}

#[test]
fn a_smaller_page_size_echoed_by_the_server_sets_the_offsets() {
    let mut w = Walk::new();
    let mut first = meta(0, true, Some(60));
    first.limit = 25;
    w.accept(0, first, ids(0..25).iter().map(String::as_str))
        .unwrap();
    assert_eq!(w.remaining(), Ok(Remaining::Pages(vec![25, 50], 25)));
}

#[test]
fn missing_total_completes_on_more_false() {
    let mut w = Walk::new();
    accept(&mut w, 0, true, None, &ids(0..100)).unwrap();
    assert_eq!(w.remaining(), Ok(Remaining::Next(100, 100)));
    accept(&mut w, 100, false, None, &ids(100..101)).unwrap();
    assert_eq!(w.remaining(), Ok(Remaining::Done));
}

#[test]
fn a_short_page_with_more_advances_by_what_arrived_without_total() {
    let mut w = Walk::new();
    accept(&mut w, 0, true, None, &ids(0..25)).unwrap();
    assert_eq!(w.remaining(), Ok(Remaining::Next(25, 100)));
}

#[test]
fn every_page_but_the_last_is_full_and_the_last_holds_the_rest() {
    let start = || {
        let mut w = Walk::new();
        accept(&mut w, 0, true, Some(250), &ids(0..100)).unwrap();
        w
    };
    // A short middle page that says more: fixed offsets would skip items.
    assert_eq!(
        accept(&mut start(), 100, true, Some(250), &ids(100..150)),
        Err(IncompleteReason::PageSize {
            offset: 100,
            received: 50,
            expected: 100
        })
    );
    // A middle page that says it is the last.
    assert_eq!(
        accept(&mut start(), 100, false, Some(250), &ids(100..200)),
        Err(IncompleteReason::StoppedEarly {
            fetched: 200,
            total: 250
        })
    );
    // A short last page.
    assert_eq!(
        accept(&mut start(), 200, false, Some(250), &ids(200..240)),
        Err(IncompleteReason::StoppedEarly {
            fetched: 240,
            total: 250
        })
    );
    // A last page with more than the rest: the account grew.
    assert_eq!(
        accept(&mut start(), 200, false, Some(250), &ids(200..260)),
        Err(IncompleteReason::TotalExceeded {
            fetched: 260,
            total: 250
        })
    );
    assert_eq!(
        accept(&mut start(), 200, true, Some(250), &ids(200..250)),
        Err(IncompleteReason::MoreAfterTotal {
            offset: 200,
            total: 250
        })
    );
    assert_eq!(
        accept(&mut start(), 100, true, Some(251), &ids(100..200)),
        Err(IncompleteReason::TotalChanged {
            offset: 100,
            first: 250,
            now: 251
        })
    );
    assert_eq!(
        accept(&mut start(), 100, true, Some(10_050), &ids(100..200)),
        Err(IncompleteReason::TotalChanged {
            offset: 100,
            first: 250,
            now: 10_050
        })
    );
    assert_eq!(
        accept(&mut start(), 100, true, Some(250), &[]),
        Err(IncompleteReason::EmptyPageWithMore { offset: 100 })
    );
    // A page dropped by the caller.
    let mut w = start();
    accept(&mut w, 200, false, Some(250), &ids(200..250)).unwrap();
    assert_eq!(
        w.finish(),
        Err(IncompleteReason::StoppedEarly {
            fetched: 150,
            total: 250
        })
    );
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
    accept(&mut w, 0, true, Some(300), &ids(0..100)).unwrap();
    assert_eq!(
        accept(&mut w, 200, true, Some(300), &ids(99..199)),
        Err(IncompleteReason::RepeatedItem {
            offset: 200,
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
fn exactly_10000_plans_offsets_up_to_9900() {
    let mut w = Walk::new();
    accept(&mut w, 0, true, Some(10_000), &ids(0..100)).unwrap();
    let Ok(Remaining::Pages(offsets, 100)) = w.remaining() else {
        panic!("{:?}", w.remaining())
    };
    assert_eq!(offsets.len(), 99);
    assert_eq!(offsets.last(), Some(&9_900));
}

#[test]
fn the_walk_never_asks_past_the_ceiling_without_total() {
    let mut w = Walk::new();
    let mut offset = 0;
    while let Ok(Remaining::Next(o, limit)) = w.remaining() {
        assert!(o + limit <= OFFSET_CEILING);
        // Short pages of 60 make the last request shrink its limit to fit.
        let n = 60.min(limit);
        accept(&mut w, o, true, None, &ids(o..o + n)).unwrap();
        offset = o + n;
    }
    assert_eq!(offset, OFFSET_CEILING);
    assert_eq!(
        w.remaining(),
        Err(IncompleteReason::OffsetCeiling {
            fetched: 10_000,
            total: None
        })
    );
}
