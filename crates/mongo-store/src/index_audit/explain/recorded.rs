//! Explain replies in the shapes MongoDB 7 and 8 answer (`explain` with verbosity
//! `executionStats`), trimmed to the fields the parser reads plus enough context to recognise
//! them. Hand-written from MongoDB's documented explain output, since the CI server cannot
//! produce them.

use bson::{Document, doc};

/// `find({category: "books", price_minor: {$gte: 0}}).sort({price_minor: 1, _id: 1}).limit(21)`
/// answered from `category_price_id` (classic engine).
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

/// A lookup by `_id` on MongoDB 8 (the express path), reading `_id_`.
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

/// A lookup by `_id` on older servers: `IDHACK`, which names no index.
pub(crate) fn idhack() -> Document {
    doc! {
        "queryPlanner": { "winningPlan": { "stage": "IDHACK" } },
        "executionStats": { "nReturned": 1, "executionTimeMillis": 0, "totalKeysExamined": 1, "totalDocsExamined": 1 },
        "ok": 1.0,
    }
}

/// An aggregation whose `$match` and `$group` the slot-based engine runs together (MongoDB 7+):
/// a covered scan of `category_price_id`, no document fetched.
pub(crate) fn pushed_down_group() -> Document {
    doc! {
        "explainVersion": "2",
        "queryPlanner": {
            "namespace": "shop.products",
            "winningPlan": {
                "queryPlan": {
                    "stage": "GROUP",
                    "planNodeId": 3,
                    "inputStage": {
                        "stage": "PROJECTION_COVERED",
                        "planNodeId": 2,
                        "inputStage": {
                            "stage": "IXSCAN",
                            "planNodeId": 1,
                            "keyPattern": { "category": 1, "price_minor": 1, "_id": 1 },
                            "indexName": "category_price_id",
                        },
                    },
                },
                "slotBasedPlan": { "slots": "$$RESULT=s11", "stages": "[3] project ..." },
            },
            "rejectedPlans": [],
        },
        "executionStats": { "nReturned": 1, "executionTimeMillis": 2, "totalKeysExamined": 240, "totalDocsExamined": 0 },
        "ok": 1.0,
    }
}

/// An aggregation on the classic engine: the query under `$cursor`, then a `$sort` the query
/// layer could not absorb and the `$group`.
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
