//! Explain replies through `mongos` for a shop whose collections are sharded over two shards.
//!
//! Where the form comes from:
//! - a find: `queryPlanner.winningPlan` is the `mongos` stage with one entry per shard in
//!   `shards[]` (`shardName`, `connectionString`, `serverInfo`, the shard's own `winningPlan`),
//!   and `executionStats` holds the totals and, under `executionStages.shards[]`, each shard's
//!   figures: the "Sharded Collections" tabs of mongodb/docs source/reference/explain-results.txt,
//!   the sharded sample in mongodb/mongo src/mongo/db/query/README_explain.md, and the recorded
//!   reply in mongodb-js/compass packages/explain-plan-helper/test/fixtures/sharded_single_index_3.2.json;
//!   `SHARD_MERGE_SORT` is the `mongos` stage for a sorted find over several shards
//!   (`kMergeSortFromShards` in mongodb/mongo src/mongo/s/commands/cluster_explain.cpp);
//! - an aggregate: `splitPipeline` with `shardsPart` and `mergerPart`, and `shards` as a
//!   document keyed by shard name whose values are each shard's answer: with `stages` in
//!   mongodb-js/compass packages/explain-plan-helper/test/fixtures/multi-shard-aggregate-with-stages.json,
//!   with the pipeline run by the shard's query layer (`queryPlanner` and `executionStats`
//!   directly, slot-based) in .../single-shard-aggregate-without-stages.json.

use bson::{Document, doc};

fn server_info(port: i32) -> Document {
    doc! { "host": "shard-host", "port": port, "version": "8.0.4" }
}

fn list_plan_of_a_shard() -> Document {
    doc! {
        "stage": "LIMIT", "limitAmount": 21,
        "inputStage": {
            "stage": "SHARDING_FILTER",
            "inputStage": {
                "stage": "FETCH",
                "inputStage": {
                    "stage": "IXSCAN",
                    "keyPattern": { "category": 1, "price_minor": 1, "_id": 1 },
                    "indexName": "category_price_id",
                    "direction": "forward",
                    "indexBounds": { "category": ["[\"books\", \"books\"]"], "price_minor": ["[0, inf.0]"], "_id": ["[MinKey, MaxKey]"] },
                },
            },
        },
    }
}

fn list_figures_of_a_shard(name: &str) -> Document {
    doc! {
        "shardName": name, "executionSuccess": true,
        "nReturned": 21, "executionTimeMillis": 1, "totalKeysExamined": 21, "totalDocsExamined": 21,
        "executionStages": { "stage": "LIMIT", "nReturned": 21, "inputStage": { "stage": "SHARDING_FILTER", "nReturned": 21, "chunkSkips": 0 } },
    }
}

/// `products.list_by_category` (a page of 21 sorted by price) on two shards: each shard reads
/// its first 21 from `category_price_id`, `mongos` merges the sorted streams and keeps 21.
pub(crate) fn list_by_category_on_two_shards() -> Document {
    let shard = |name: &str, port: i32| {
        doc! {
            "shardName": name, "connectionString": format!("{name}/shard-host:{port}"), "serverInfo": server_info(port),
            "namespace": "shop.products", "indexFilterSet": false,
            "winningPlan": list_plan_of_a_shard(), "rejectedPlans": [],
        }
    };
    doc! {
        "queryPlanner": {
            "mongosPlannerVersion": 1,
            "winningPlan": { "stage": "SHARD_MERGE_SORT", "shards": [shard("shard-a", 27018), shard("shard-b", 27019)] },
        },
        "executionStats": {
            "nReturned": 21, "executionTimeMillis": 3, "totalKeysExamined": 42, "totalDocsExamined": 42,
            "executionStages": {
                "stage": "SHARD_MERGE_SORT", "nReturned": 21, "executionTimeMillis": 3,
                "totalKeysExamined": 42, "totalDocsExamined": 42, "totalChildMillis": 2_i64,
                "shards": [list_figures_of_a_shard("shard-a"), list_figures_of_a_shard("shard-b")],
            },
        },
        "serverInfo": { "host": "mongos-host", "port": 27017, "version": "8.0.4" },
        "ok": 1.0,
    }
}

/// One shard's answer to `products.category_stats` when its query layer runs `$match` and the
/// partial `$group` (slot-based): `matched` products of the category, one partial group.
fn category_stats_of_a_shard(port: i32, matched: i64) -> Document {
    let ixseek = doc! { "stage": "ixseek", "planNodeId": 1, "nReturned": matched, "indexName": "category_price_id", "keysExamined": matched };
    let input = doc! { "stage": "project", "planNodeId": 2, "nReturned": matched, "inputStage": ixseek };
    let group = doc! { "stage": "group", "planNodeId": 3, "nReturned": 1, "inputStage": input };
    doc! {
        "host": format!("shard-host:{port}"),
        "queryPlanner": {
            "namespace": "shop.products",
            "optimizedPipeline": true,
            "winningPlan": {
                "queryPlan": {
                    "stage": "GROUP", "planNodeId": 3,
                    "inputStage": {
                        "stage": "PROJECTION_COVERED", "planNodeId": 2,
                        "inputStage": {
                            "stage": "IXSCAN", "planNodeId": 1,
                            "keyPattern": { "category": 1, "price_minor": 1, "_id": 1 },
                            "indexName": "category_price_id",
                        },
                    },
                },
                "slotBasedPlan": { "slots": "$$RESULT=s14 env: { s5 = ShardFilterer (shardFilterer) }", "stages": "[3] group [s11] [...] \n..." },
            },
            "rejectedPlans": [],
        },
        "executionStats": {
            "executionSuccess": true, "nReturned": 1, "executionTimeMillis": 1,
            "totalKeysExamined": matched, "totalDocsExamined": 0,
            "executionStages": { "stage": "project", "planNodeId": 3, "nReturned": 1, "inputStage": group },
        },
    }
}

/// `products.category_stats` on two shards holding 18 and 12 products of the category: each
/// shard groups its own, the merger groups the partial groups.
pub(crate) fn category_stats_on_two_shards() -> Document {
    doc! {
        "mergeType": "mongos",
        "splitPipeline": {
            "shardsPart": [
                { "$match": { "category": { "$eq": "seed-3" } } },
                { "$group": { "_id": { "$const": null }, "count": { "$sum": { "$const": 1 } }, "min": { "$min": "$price_minor" } } },
            ],
            "mergerPart": [
                { "$mergeCursors": { "nss": "shop.products", "allowPartialResults": false } },
                { "$group": { "_id": "$$ROOT._id", "count": { "$sum": "$$ROOT.count" }, "min": { "$min": "$$ROOT.min" }, "$doingMerge": true } },
            ],
        },
        "shards": { "shard-a": category_stats_of_a_shard(27018, 18), "shard-b": category_stats_of_a_shard(27019, 12) },
        "serverInfo": { "host": "mongos-host", "port": 27017, "version": "8.0.4" },
        "ok": 1.0,
    }
}

/// One shard's answer to `ledger.sums_by_wallets` on the classic engine: the query under
/// `$cursor` (the sort absorbed by the index), then the shard's partial `$group`.
fn ledger_sums_of_a_shard(port: i32, entries: i64) -> Document {
    doc! {
        "host": format!("shard-host:{port}"),
        "stages": [
            { "$cursor": {
                "queryPlanner": {
                    "namespace": "shop.ledger",
                    "winningPlan": { "stage": "SHARDING_FILTER", "inputStage": { "stage": "FETCH", "inputStage": {
                        "stage": "IXSCAN", "keyPattern": { "wallet_id": 1, "_id": -1 }, "indexName": "wallet_id_newest", "direction": "backward",
                    } } },
                    "rejectedPlans": [],
                },
                "executionStats": {
                    "executionSuccess": true, "nReturned": entries, "executionTimeMillis": 1,
                    "totalKeysExamined": entries, "totalDocsExamined": entries,
                },
            }, "nReturned": entries, "executionTimeMillisEstimate": 1_i64 },
            { "$group": { "_id": "$wallet_id", "total": { "$sum": "$delta_minor" } }, "nReturned": 1_i64, "executionTimeMillisEstimate": 1_i64 },
        ],
    }
}

/// `ledger.sums_by_wallets` for one wallet whose 25 entries sit on two shards (15 and 10).
pub(crate) fn ledger_sums_on_two_shards() -> Document {
    doc! {
        "mergeType": "mongos",
        "splitPipeline": {
            "shardsPart": [
                { "$match": { "wallet_id": { "$in": ["wallet"] } } },
                { "$sort": { "sortKey": { "_id": 1 } } },
                { "$group": { "_id": "$wallet_id", "total": { "$sum": "$delta_minor" } } },
            ],
            "mergerPart": [
                { "$mergeCursors": { "nss": "shop.ledger", "allowPartialResults": false } },
                { "$group": { "_id": "$$ROOT._id", "total": { "$sum": "$$ROOT.total" }, "$doingMerge": true } },
            ],
        },
        "shards": { "shard-a": ledger_sums_of_a_shard(27018, 15), "shard-b": ledger_sums_of_a_shard(27019, 10) },
        "ok": 1.0,
    }
}
