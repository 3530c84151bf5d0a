//! The parser and the verdict on MongoDB 8.0's slot-based plans and on sharded replies: the
//! shop's aggregations are judged per document matched, not per group returned, and a sharded
//! reply is judged as one plan over its shards.

use bson::Document;

use mongo_kit::index_audit::explain::{Explained, NoPlan, parse};
use mongo_kit::index_audit::verdict::{Finding, judge};

use super::recorded::{sbe, sharded};

fn parsed(reply: Document) -> Explained {
    parse(&reply).expect("a plan with stages")
}

fn findings(shape_name: &str, explained: &Explained) -> Vec<Finding> {
    judge(crate::indexes::registry().shape(shape_name).expect("a declared shape"), explained)
}

#[test]
fn a_group_run_by_the_query_layer_is_judged_per_document_matched_not_per_group() {
    let explained = parsed(sbe::category_stats_covered());

    assert_eq!(explained.stages, ["GROUP", "PROJECTION_COVERED", "IXSCAN"]);
    assert_eq!((explained.returned, explained.matched), (1, 30), "one group out of 30 products");
    assert_eq!((explained.keys_examined, explained.docs_examined), (30, 0));
    assert!(explained.aggregation);
    assert!((explained.ratio() - 1.0).abs() < f64::EPSILON, "{}", explained.ratio());
    assert_eq!(findings("products.category_stats", &explained), []);
}

#[test]
fn a_group_over_a_collection_scan_fails_for_the_scan_and_its_cost_per_document_matched() {
    let explained = parsed(sbe::category_stats_over_a_collection_scan());

    let found = findings("products.category_stats", &explained);

    assert_eq!(explained.matched, 30);
    assert_eq!(found[0], Finding::CollectionScan);
    assert!(matches!(found[1], Finding::OverBudget { ratio, .. } if (ratio - 10.0).abs() < 1e-9), "{found:?}");
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!(found[1].to_string(), "10.0 keys or documents examined per document matched; budget 1");
}

#[test]
fn sorted_sums_merged_from_two_index_ranges_are_matched_through_the_fetch_under_the_group() {
    let explained = parsed(sbe::ledger_sums_pushed_down());

    assert_eq!(explained.stages, ["GROUP", "FETCH", "SORT_MERGE", "IXSCAN", "IXSCAN"]);
    assert_eq!((explained.returned, explained.matched), (2, 40));
    assert!(!explained.in_memory_sort());
    assert_eq!(findings("ledger.sums_by_wallets", &explained), []);
}

#[test]
fn a_grouped_query_under_the_cursor_is_matched_and_the_later_pipeline_sort_is_seen() {
    let explained = parsed(sbe::ledger_sums_then_a_pipeline_sort());

    assert_eq!(explained.matched, 40);
    assert_eq!(explained.stages.last().map(String::as_str), Some("$sort"));
    assert!(explained.in_memory_sort());
}

#[test]
fn a_sharded_find_is_read_through_every_shard_plan_with_the_mongos_totals() {
    let explained = parsed(sharded::list_by_category_on_two_shards());

    assert_eq!(explained.shards, ["shard-a", "shard-b"]);
    assert_eq!(explained.stages[0], "SHARD_MERGE_SORT");
    assert_eq!(explained.stages.iter().filter(|stage| *stage == "IXSCAN").count(), 2);
    assert!(explained.indexes.iter().all(|index| index.name == "category_price_id"), "{explained:?}");
    assert_eq!((explained.docs_examined, explained.returned), (42, 21));
    assert!(!explained.aggregation && !explained.in_memory_sort());
    // Each shard reads its own first page: two shards cost twice the page, the shape's budget.
    assert_eq!(findings("products.list_by_category", &explained), []);
}

#[test]
fn a_sharded_find_without_mongos_totals_adds_up_the_shards_figures() {
    let mut reply = sharded::list_by_category_on_two_shards();
    let stats = reply.get_document_mut("executionStats").expect("execution statistics");
    for total in ["nReturned", "totalKeysExamined", "totalDocsExamined"] {
        stats.remove(total);
    }

    let explained = parsed(reply);

    assert_eq!((explained.keys_examined, explained.docs_examined, explained.returned), (42, 42, 42));
}

#[test]
fn a_sharded_aggregate_adds_up_what_each_shard_matched_and_sees_the_merging_group() {
    let explained = parsed(sharded::category_stats_on_two_shards());

    assert_eq!(explained.shards, ["shard-a", "shard-b"]);
    assert_eq!((explained.matched, explained.returned, explained.keys_examined), (30, 2, 30));
    assert_eq!(explained.stages, ["GROUP", "PROJECTION_COVERED", "IXSCAN", "$group"], "one plan, then the merger");
    assert_eq!(findings("products.category_stats", &explained), []);
}

#[test]
fn a_sharded_aggregate_with_a_cursor_per_shard_is_matched_by_the_cursors() {
    let explained = parsed(sharded::ledger_sums_on_two_shards());

    assert_eq!(explained.matched, 25);
    assert_eq!(explained.stages, ["SHARDING_FILTER", "FETCH", "IXSCAN", "$group", "$group"]);
    assert_eq!(findings("ledger.sums_by_wallets", &explained), []);
}

#[test]
fn a_shard_without_a_plan_makes_the_whole_reply_planless_and_names_the_shard() {
    let mut reply = sharded::category_stats_on_two_shards();
    let shards = reply.get_document_mut("shards").expect("the shards' answers");
    shards.insert("shard-b", bson::doc! { "host": "shard-host:27019" });

    let outcome = parse(&reply);

    assert!(matches!(&outcome, Err(NoPlan(reason)) if reason.starts_with("shard shard-b")), "{outcome:?}");
}
