//! Slot-based plans (`explainVersion` "2") of the shop's aggregations on MongoDB 8.0, where the
//! query layer runs `$match`, `$sort` and `$group` itself: the plan holds a `GROUP` stage and
//! `nReturned` counts groups, while the documents matched are the `GROUP`'s input in the
//! execution statistics.
//!
//! Where the form comes from:
//! - one server's answer to an aggregate whose whole pipeline the query layer ran (no
//!   `stages`; `queryPlanner.winningPlan.queryPlan` beside `slotBasedPlan`;
//!   `executionStats.executionStages` made of slot-based stages, each with the `planNodeId` of
//!   the query-plan stage it implements): the shard answer in mongodb-js/compass
//!   packages/explain-plan-helper/test/fixtures/single-shard-aggregate-without-stages.json;
//! - a pipeline that keeps stages after the query: the `$cursor` of mongodb-js/compass
//!   packages/explain-plan-helper/test/fixtures/aggregate_$cursor_sbe.json;
//! - `GROUP` as a stage of the query plan when `$group` is pushed down: mongodb/mongo
//!   jstests/noPassthroughWithMongod/group_pushdown.js (`getAggPlanStages(explain, "GROUP")`);
//! - the slot-based stages a `GROUP` becomes (`project` over `group` over `project`, then
//!   `fetch` and `ixseek`), and `explainVersion` "2" for the slot-based engine: mongodb/mongo
//!   src/mongo/db/query/README_explain.md and the structure of the fixtures above.
//!
//! The `slotBasedPlan` text is cut short; the parser never reads it.

use bson::{Document, doc};

/// One slot-based execution stage with the fields every one carries.
fn stage(name: &str, plan_node_id: i32, returned: i64, rest: Document) -> Document {
    let mut stage = doc! {
        "stage": name, "planNodeId": plan_node_id, "nReturned": returned, "executionTimeMillisEstimate": 0,
        "opens": 1, "closes": 1, "saveState": 1, "restoreState": 1, "isEOF": 1,
    };
    stage.extend(rest);
    stage
}

/// `products.category_stats` for a category of 30 products: `$match` and `$group` run by the
/// query layer from a covered scan of `category_price_id`; one group returned.
pub(crate) fn category_stats_covered() -> Document {
    let ixseek = stage(
        "ixseek",
        1,
        30,
        doc! { "indexName": "category_price_id", "keysExamined": 30, "seeks": 1, "numReads": 31 },
    );
    let covered = stage("project", 2, 30, doc! { "inputStage": ixseek });
    let input = stage("project", 3, 30, doc! { "inputStage": covered });
    let group =
        stage("group", 3, 1, doc! { "groupBySlots": [11], "usedDisk": false, "spills": 0, "inputStage": input });
    doc! {
        "explainVersion": "2",
        "queryPlanner": {
            "namespace": "shop.products",
            "parsedQuery": { "category": { "$eq": "seed-3" } },
            "optimizedPipeline": true,
            "winningPlan": {
                "isCached": false,
                "queryPlan": {
                    "stage": "GROUP", "planNodeId": 3,
                    "inputStage": {
                        "stage": "PROJECTION_COVERED", "planNodeId": 2,
                        "transformBy": { "category": true, "price_minor": true, "_id": false },
                        "inputStage": {
                            "stage": "IXSCAN", "planNodeId": 1,
                            "keyPattern": { "category": 1, "price_minor": 1, "_id": 1 },
                            "indexName": "category_price_id",
                            "isMultiKey": false, "isUnique": false, "isSparse": false, "isPartial": false,
                            "direction": "forward",
                            "indexBounds": { "category": ["[\"seed-3\", \"seed-3\"]"], "price_minor": ["[MinKey, MaxKey]"], "_id": ["[MinKey, MaxKey]"] },
                        },
                    },
                },
                "slotBasedPlan": { "slots": "$$RESULT=s14 env: { }", "stages": "[3] project [s14 = newObj(...)] \n[3] group [s11] [...] \n..." },
            },
            "rejectedPlans": [],
        },
        "executionStats": {
            "executionSuccess": true, "nReturned": 1, "executionTimeMillis": 1,
            "totalKeysExamined": 30, "totalDocsExamined": 0,
            "executionStages": stage("project", 3, 1, doc! { "inputStage": group }),
        },
        "ok": 1.0,
    }
}

/// The same aggregation after `category_price_id` was dropped: the `GROUP` reads the whole
/// collection (300 products) for the 30 it matches.
pub(crate) fn category_stats_over_a_collection_scan() -> Document {
    let scan = stage("scan", 1, 300, doc! { "numReads": 300 });
    let filtered = stage("filter", 1, 30, doc! { "numTested": 300, "inputStage": scan });
    let group = stage(
        "group",
        2,
        1,
        doc! { "groupBySlots": [9], "inputStage": stage("project", 2, 30, doc! { "inputStage": filtered }) },
    );
    doc! {
        "explainVersion": "2",
        "queryPlanner": {
            "namespace": "shop.products",
            "winningPlan": {
                "queryPlan": {
                    "stage": "GROUP", "planNodeId": 2,
                    "inputStage": { "stage": "COLLSCAN", "planNodeId": 1, "filter": { "category": { "$eq": "seed-3" } }, "direction": "forward" },
                },
                "slotBasedPlan": { "slots": "$$RESULT=s12 env: { }", "stages": "[2] project [...] \n[2] group [s9] [...] \n[1] filter {...} \n[1] scan ..." },
            },
            "rejectedPlans": [],
        },
        "executionStats": {
            "executionSuccess": true, "nReturned": 1, "executionTimeMillis": 4,
            "totalKeysExamined": 0, "totalDocsExamined": 300,
            "executionStages": stage("project", 2, 1, doc! { "inputStage": group }),
        },
        "ok": 1.0,
    }
}

/// `ledger.sums_by_wallets` for two wallets of 20 entries each: `$match` on `$in`, `$sort` by
/// `_id` and `$group` run by the query layer, the two index ranges merged in order; two groups.
fn ledger_sums_plan() -> Document {
    let scan = |id: i32, wallet: &str| {
        doc! {
            "stage": "IXSCAN", "planNodeId": id,
            "keyPattern": { "wallet_id": 1, "_id": -1 }, "indexName": "wallet_id_newest",
            "direction": "backward",
            "indexBounds": { "wallet_id": [format!("[UUID(\"{wallet}\"), UUID(\"{wallet}\")]")], "_id": ["[MinKey, MaxKey]"] },
        }
    };
    doc! {
        "stage": "GROUP", "planNodeId": 5,
        "inputStage": {
            "stage": "FETCH", "planNodeId": 4,
            "inputStage": {
                "stage": "SORT_MERGE", "planNodeId": 3, "sortPattern": { "_id": 1 },
                "inputStages": [scan(1, "0190d5a4-0000-7000-8000-00000000000a"), scan(2, "0190d5a4-0000-7000-8000-00000000000b")],
            },
        },
    }
}

fn ledger_sums_execution() -> Document {
    let seek =
        |id: i32| stage("ixseek", id, 20, doc! { "indexName": "wallet_id_newest", "keysExamined": 20, "seeks": 1 });
    let merged = stage("smerge", 3, 40, doc! { "inputStages": [seek(1), seek(2)] });
    let fetched = stage("fetch", 4, 40, doc! { "numReads": 40, "inputStage": merged });
    let input = stage("project", 5, 40, doc! { "inputStage": fetched });
    let group = stage("group", 5, 2, doc! { "groupBySlots": [20], "inputStage": input });
    stage("project", 5, 2, doc! { "inputStage": group })
}

/// The ledger sums with the whole pipeline run by the query layer.
pub(crate) fn ledger_sums_pushed_down() -> Document {
    doc! {
        "explainVersion": "2",
        "queryPlanner": {
            "namespace": "shop.ledger",
            "optimizedPipeline": true,
            "winningPlan": {
                "queryPlan": ledger_sums_plan(),
                "slotBasedPlan": { "slots": "$$RESULT=s25 env: { }", "stages": "[5] project [...] \n[5] group [s20] [...] \n[4] fetch ... \n[3] smerge ..." },
            },
            "rejectedPlans": [],
        },
        "executionStats": {
            "executionSuccess": true, "nReturned": 2, "executionTimeMillis": 1,
            "totalKeysExamined": 40, "totalDocsExamined": 40,
            "executionStages": ledger_sums_execution(),
        },
        "ok": 1.0,
    }
}

/// The ledger sums followed by `{$sort: {total: -1}}`, a stage the query layer leaves to the
/// pipeline: the grouped query under `$cursor`, then the `$sort` of the two groups.
pub(crate) fn ledger_sums_then_a_pipeline_sort() -> Document {
    doc! {
        "explainVersion": "2",
        "stages": [
            { "$cursor": {
                "queryPlanner": {
                    "namespace": "shop.ledger",
                    "winningPlan": {
                        "queryPlan": ledger_sums_plan(),
                        "slotBasedPlan": { "slots": "$$RESULT=s25 env: { }", "stages": "[5] project [...] \n..." },
                    },
                    "rejectedPlans": [],
                },
                "executionStats": {
                    "executionSuccess": true, "nReturned": 2, "executionTimeMillis": 1,
                    "totalKeysExamined": 40, "totalDocsExamined": 40,
                    "executionStages": ledger_sums_execution(),
                },
            }, "nReturned": 2_i64, "executionTimeMillisEstimate": 1_i64 },
            { "$sort": { "sortKey": { "total": -1 } }, "usedDisk": false, "nReturned": 2_i64, "executionTimeMillisEstimate": 1_i64 },
        ],
        "ok": 1.0,
    }
}
