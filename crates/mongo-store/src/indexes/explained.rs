//! The kit's explain parser and verdict on explain replies recorded for the shop's shapes:
//! classic plans here, slot-based and sharded ones in `engines`.

mod engines;
mod recorded;

use bson::Document;
use mongo_kit::index_audit::explain::{Explained, NoPlan, parse};
use mongo_kit::index_audit::verdict::{Finding, judge};

fn parsed(reply: Document) -> Explained {
    parse(&reply).expect("a plan with stages")
}

#[test]
fn an_index_scan_reports_its_stages_index_and_figures() {
    let explained = parsed(recorded::index_scan_in_order());

    assert_eq!(explained.stages, ["LIMIT", "FETCH", "IXSCAN"]);
    assert_eq!(explained.indexes.iter().map(|i| i.name.as_str()).collect::<Vec<_>>(), ["category_price_id"]);
    assert_eq!((explained.keys_examined, explained.docs_examined, explained.returned), (21, 21, 21));
    assert!((explained.ratio() - 1.0).abs() < f64::EPSILON);
    assert!(!explained.collection_scan() && !explained.in_memory_sort());
}

#[test]
fn a_collection_scan_with_a_blocking_sort_is_seen_as_both() {
    let explained = parsed(recorded::collection_scan_and_sort());

    assert!(explained.collection_scan());
    assert!(explained.in_memory_sort());
    assert!(explained.indexes.is_empty());
    assert!(explained.ratio() > 200.0, "{}", explained.ratio());
}

#[test]
fn id_lookups_name_the_id_index_on_old_and_new_servers() {
    for reply in [recorded::express_id_lookup(), recorded::idhack()] {
        let explained = parsed(reply);

        assert_eq!(explained.indexes.first().map(|i| i.name.as_str()), Some("_id_"), "{explained:?}");
    }
}

#[test]
fn a_pipeline_sort_after_the_cursor_is_an_in_memory_sort() {
    let explained = parsed(recorded::cursor_then_pipeline_sort());

    assert_eq!(explained.stages, ["FETCH", "IXSCAN", "$sort", "$group"]);
    assert!(explained.in_memory_sort());
    assert_eq!(explained.returned, 40);
}

#[test]
fn merging_index_ranges_in_order_is_not_an_in_memory_sort() {
    let explained = parsed(recorded::sort_merge_of_two_ranges());

    assert!(!explained.in_memory_sort());
    assert_eq!(explained.indexes.len(), 2);
}

#[test]
fn a_reply_without_plan_stages_is_no_plan() {
    let outcome = parse(&recorded::without_stages());

    assert!(matches!(outcome, Err(NoPlan(_))), "{outcome:?}");
}

#[test]
fn a_recorded_collection_scan_fails_every_check() {
    let explained = parsed(recorded::collection_scan_and_sort());
    let shape = crate::indexes::registry().shape("products.list_by_category").expect("a declared shape");

    let findings = judge(shape, &explained);

    assert_eq!(findings[..2], [Finding::CollectionScan, Finding::InMemorySort], "{findings:?}");
    assert_eq!(findings.len(), 3);
}
