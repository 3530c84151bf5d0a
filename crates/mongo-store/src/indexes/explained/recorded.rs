//! Explain replies in the shapes MongoDB 7 and 8 answer (`explain` with verbosity
//! `executionStats`), trimmed to the fields the parser reads plus enough context to recognise
//! them, since the CI server cannot produce them. Each one says where its form comes from:
//! MongoDB's manual and server sources, or explain output recorded in public test fixtures; the
//! values are rewritten for the shop's collections and indexes.
//!
//! - this module: classic plans of one server (index scan, collection scan and sort, `_id`
//!   lookups, a pipeline after `$cursor`, merged index ranges) and the CI server's answer.
//! - `sbe`: slot-based plans of MongoDB 8.0 that run `$match`, `$sort` and `$group` in the
//!   query layer, where `nReturned` counts groups.
//! - `sharded`: answers through `mongos`, for a find and for aggregates.

pub(crate) mod sbe;
pub(crate) mod sharded;

use bson::{Document, doc};

/// `find({category: "books", price_minor: {$gte: 0}}).sort({price_minor: 1, _id: 1}).limit(21)`
/// answered from `category_price_id` (classic engine). Form: the `executionStats` example of
/// mongodb/mongo src/mongo/db/query/README_explain.md (`FETCH` over `IXSCAN`), under a `LIMIT`.
pub(crate) fn index_scan_in_order() -> Document {
    doc! {
        "explainVersion": "1",
        "queryPlanner": {
            "namespace": "shop.products",
            "winningPlan": {
                "stage": "LIMIT",
                "limitAmount": 21,
                "inputStage": {
                    "stage": "FETCH",
                    "inputStage": {
                        "stage": "IXSCAN",
                        "keyPattern": { "category": 1, "price_minor": 1, "_id": 1 },
                        "indexName": "category_price_id",
                        "isMultiKey": false,
                        "direction": "forward",
                        "indexBounds": { "category": ["[\"books\", \"books\"]"], "price_minor": ["[0, inf.0]"], "_id": ["[MinKey, MaxKey]"] },
                    },
                },
            },
            "rejectedPlans": [],
        },
        "executionStats": {
            "executionSuccess": true,
            "nReturned": 21,
            "executionTimeMillis": 1,
            "totalKeysExamined": 21,
            "totalDocsExamined": 21,
        },
        "ok": 1.0,
    }
}

/// The same query after `category_price_id` was dropped: a collection scan and a blocking sort.
pub(crate) fn collection_scan_and_sort() -> Document {
    doc! {
        "explainVersion": "1",
        "queryPlanner": {
            "namespace": "shop.products",
            "winningPlan": {
                "stage": "SORT",
                "sortPattern": { "price_minor": 1, "_id": 1 },
                "memLimit": 104_857_600,
                "limitAmount": 21,
                "type": "simple",
                "inputStage": {
                    "stage": "COLLSCAN",
                    "filter": { "$and": [{ "category": { "$eq": "books" } }, { "price_minor": { "$gte": 0 } }] },
                    "direction": "forward",
                },
            },
            "rejectedPlans": [],
        },
        "executionStats": {
            "executionSuccess": true,
            "nReturned": 21,
            "executionTimeMillis": 38,
            "totalKeysExamined": 0,
            "totalDocsExamined": 5000_i64,
        },
        "ok": 1.0,
    }
}

/// A lookup by `_id` on MongoDB 8 (the express path), reading `_id_`. Form: mongodb-js/compass
/// packages/explain-plan-helper/test/fixtures/express_index_scan.json (8.0.0-rc15), whose
/// `keyPattern` is a string.
pub(crate) fn express_id_lookup() -> Document {
    doc! {
        "explainVersion": "1",
        "queryPlanner": {
            "namespace": "shop.wallets",
            "winningPlan": {
                "isCached": false,
                "stage": "EXPRESS_IXSCAN",
                "keyPattern": "{ _id: 1 }",
                "indexName": "_id_",
            },
            "rejectedPlans": [],
        },
        "executionStats": { "nReturned": 1, "executionTimeMillis": 0, "totalKeysExamined": 1, "totalDocsExamined": 1 },
        "ok": 1.0,
    }
}

/// A lookup by `_id` on older servers: `IDHACK`, which names no index. Form: the shard plan of
/// mongodb-js/compass packages/explain-plan-helper/test/fixtures/sharded_single_index_3.2.json.
pub(crate) fn idhack() -> Document {
    doc! {
        "queryPlanner": { "winningPlan": { "stage": "IDHACK" } },
        "executionStats": { "nReturned": 1, "executionTimeMillis": 0, "totalKeysExamined": 1, "totalDocsExamined": 1 },
        "ok": 1.0,
    }
}

/// An aggregation on the classic engine: the query under `$cursor`, then a `$sort` the query
/// layer could not absorb and the `$group`. Form: the `stages` of mongodb-js/compass
/// packages/explain-plan-helper/test/fixtures/aggregate_$cursor_sbe.json (each pipeline stage
/// with its `nReturned`), with a classic plan in the `$cursor`.
pub(crate) fn cursor_then_pipeline_sort() -> Document {
    doc! {
        "explainVersion": "1",
        "stages": [
            { "$cursor": {
                "queryPlanner": {
                    "namespace": "shop.ledger",
                    "winningPlan": { "stage": "FETCH", "inputStage": {
                        "stage": "IXSCAN",
                        "keyPattern": { "wallet_id": 1, "_id": -1 },
                        "indexName": "wallet_id_newest",
                    } },
                },
                "executionStats": { "nReturned": 40, "executionTimeMillis": 1, "totalKeysExamined": 40, "totalDocsExamined": 40 },
            }, "nReturned": 40_i64 },
            { "$sort": { "sortKey": { "_id": 1 } }, "nReturned": 40_i64 },
            { "$group": { "_id": "$wallet_id" }, "nReturned": 1_i64 },
        ],
        "ok": 1.0,
    }
}

/// Two index ranges merged in order (`$in` of two wallets sorted by `_id`): not an in-memory sort.
pub(crate) fn sort_merge_of_two_ranges() -> Document {
    let scan = doc! { "stage": "IXSCAN", "keyPattern": { "wallet_id": 1, "_id": -1 }, "indexName": "wallet_id_newest" };
    doc! {
        "queryPlanner": { "winningPlan": { "stage": "FETCH", "inputStage": {
            "stage": "SORT_MERGE",
            "sortPattern": { "_id": 1 },
            "inputStages": [scan.clone(), scan],
        } } },
        "executionStats": { "nReturned": 12, "executionTimeMillis": 0, "totalKeysExamined": 14, "totalDocsExamined": 12 },
        "ok": 1.0,
    }
}

/// What the CI server answers: its storage engine's plan lines instead of stages, and zeros.
pub(crate) fn without_stages() -> Document {
    doc! {
        "ok": 1,
        "queryPlanner": {
            "plannerVersion": 1,
            "winningPlan": [{ "detail": "SCAN things" }],
            "rejectedPlans": [],
        },
        "executionStats": { "executionSuccess": true, "nReturned": 0, "executionTimeMillis": 0, "totalKeysExamined": 0, "totalDocsExamined": 0 },
    }
}
