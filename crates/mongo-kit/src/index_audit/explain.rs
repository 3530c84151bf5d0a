//! Reading an `explain` reply with verbosity `executionStats`, in the forms MongoDB answers:
//!
//! - `find`: classic plans (`winningPlan` is the stage tree), slot-based plans (`explainVersion`
//!   "2": the stage tree under `winningPlan.queryPlan`, beside `slotBasedPlan`), express plans;
//! - `aggregate`: the query under `stages[0].$cursor` followed by the pipeline's own stages, or
//!   the whole pipeline run by the query layer (top-level `queryPlanner`). On MongoDB 8.0 the
//!   slot-based engine runs `$match`, `$sort` and `$group` that way, with `GROUP` in the plan;
//! - sharded: a find's plans under `winningPlan.shards[]`, an aggregate's answers under
//!   `shards.<name>` with the merging part in `splitPipeline.mergerPart`.
//!
//! The figures differ by kind. A find is judged by documents examined per document returned.
//! An aggregation's `nReturned` counts what its last stage produced (groups, not documents), so
//! it is judged by index keys or documents examined, whichever is more, per document the query
//! matched: what went into the group.
//!
//! # Layout
//! - `matched`: the documents a plan's `GROUP` took in, from the execution statistics.
//! - `sharded`: the answers of several shards as one.

mod matched;
mod sharded;

use bson::{Bson, Document};
use serde::Serialize;

/// An index a plan reads.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UsedIndex {
    /// Its name.
    pub name: String,
    /// Its key pattern, when the plan shows it as a document.
    pub keys: Option<Document>,
}

/// What the server says it did for one query.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explained {
    /// The winning plan's stages, outermost first (`LIMIT`, `FETCH`, `IXSCAN`), then the
    /// pipeline stages that ran outside the query layer (`$group`).
    pub stages: Vec<String>,
    /// The indexes the winning plan reads.
    pub indexes: Vec<UsedIndex>,
    /// Index keys examined.
    pub keys_examined: u64,
    /// Documents examined.
    pub docs_examined: u64,
    /// What the query returned: documents for a find, groups when the query layer grouped.
    pub returned: u64,
    /// Documents the query matched: for an aggregation, what its grouping took in; for a find,
    /// the documents returned.
    pub matched: u64,
    /// Whether this is an aggregation (judged per document matched, not per result).
    pub aggregation: bool,
    /// The shards that answered (empty when the collection is not sharded).
    pub shards: Vec<String>,
    /// Execution time the server measured, in milliseconds.
    pub millis: u64,
}

impl Explained {
    /// For a find, documents examined per document returned; for an aggregation, index keys or
    /// documents examined (whichever is more) per document matched. Per one when none.
    pub fn ratio(&self) -> f64 {
        let examined = if self.aggregation { self.keys_examined.max(self.docs_examined) } else { self.docs_examined };
        to_f64(examined) / to_f64(self.matched.max(1))
    }

    /// What [`Explained::ratio`] counts, in words.
    pub fn ratio_basis(&self) -> &'static str {
        if self.aggregation {
            "keys or documents examined per document matched"
        } else {
            "documents examined per document returned"
        }
    }

    /// Whether the plan reads a whole collection.
    pub fn collection_scan(&self) -> bool {
        self.stages.iter().any(|stage| stage == "COLLSCAN")
    }

    /// Whether the plan sorts in memory: a blocking `SORT` stage, or a pipeline `$sort` the
    /// query layer could not absorb. `SORT_MERGE` merges index-ordered streams and is fine.
    pub fn in_memory_sort(&self) -> bool {
        self.stages.iter().any(|stage| stage == "SORT" || stage == "$sort")
    }
}

#[expect(clippy::cast_precision_loss, reason = "counts of documents are far below 2^52")]
fn to_f64(count: u64) -> f64 {
    count as f64
}

/// Why a reply holds no usable plan (servers that do not really explain answer that way).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoPlan(pub String);

/// Reads `reply`.
///
/// # Errors
/// [`NoPlan`] when the reply (or a shard's answer in it) has no winning plan made of stages or
/// no execution statistics.
pub fn parse(reply: &Document) -> Result<Explained, NoPlan> {
    match reply.get_document("shards") {
        Ok(shards) => sharded::aggregate(reply, shards),
        Err(_) => parse_one(reply),
    }
}

/// Reads one server's answer (a whole reply, or one shard's answer to an aggregate).
fn parse_one(reply: &Document) -> Result<Explained, NoPlan> {
    let cursor = cursor_stage(reply);
    let query = cursor.unwrap_or(reply);
    let planner = query.get_document("queryPlanner").map_err(|_| NoPlan("no queryPlanner".to_owned()))?;
    let winning = planner
        .get_document("winningPlan")
        .map_err(|_| NoPlan(format!("winningPlan is not a plan: {:?}", planner.get("winningPlan"))))?;
    let stats = query.get_document("executionStats").map_err(|_| NoPlan("no executionStats".to_owned()))?;
    let totals = sharded::find_totals(stats);
    let mut explained = Explained {
        stages: Vec::new(),
        indexes: Vec::new(),
        keys_examined: totals.keys,
        docs_examined: totals.docs,
        returned: totals.returned,
        matched: totals.returned,
        aggregation: cursor.is_some(),
        shards: totals.shards,
        millis: count(stats, "executionTimeMillis"),
    };
    walk(winning, &mut explained);
    if explained.stages.is_empty() {
        return Err(NoPlan(format!("the winning plan names no stage: {winning}")));
    }
    if explained.stages.iter().any(|stage| stage == "GROUP") {
        // The query layer grouped: its nReturned counts groups. Without the group's input the
        // groups stand in, which can only make the ratio worse, never hide a scan.
        explained.aggregation = true;
        explained.matched = matched::group_input(winning, stats).unwrap_or(explained.returned);
    }
    if cursor.is_some() {
        let pipeline = reply.get_array("stages").into_iter().flatten().skip(1).filter_map(Bson::as_document);
        explained.stages.extend(pipeline.filter_map(stage_name));
    }
    Ok(explained)
}

/// The query part of an aggregate's reply: the first stage (`$cursor`, or `$geoNearCursor`)
/// when it holds a query plan.
fn cursor_stage(reply: &Document) -> Option<&Document> {
    let first = reply.get_array("stages").ok()?.first()?.as_document()?;
    let (name, body) = first.iter().next()?;
    let body = body.as_document()?;
    (name.starts_with('$') && body.contains_key("queryPlanner")).then_some(body)
}

/// The name of a pipeline stage in an aggregate's reply (`$group`).
fn stage_name(stage: &Document) -> Option<String> {
    stage.keys().find(|key| key.starts_with('$')).cloned()
}

fn walk(node: &Document, explained: &mut Explained) {
    // Slot-based plans wrap the query plan; sharded plans list one plan per shard.
    if let Ok(inner) = node.get_document("queryPlan") {
        return walk(inner, explained);
    }
    if let Ok(stage) = node.get_str("stage") {
        explained.stages.push(stage.to_owned());
        if let Ok(name) = node.get_str("indexName") {
            explained
                .indexes
                .push(UsedIndex { name: name.to_owned(), keys: node.get_document("keyPattern").ok().cloned() });
        } else if stage == "IDHACK" {
            explained.indexes.push(UsedIndex { name: crate::indexes::ID_INDEX.to_owned(), keys: None });
        }
    }
    for key in ["inputStage", "outerStage", "innerStage", "winningPlan"] {
        if let Ok(child) = node.get_document(key) {
            walk(child, explained);
        }
    }
    for key in ["inputStages", "shards"] {
        for child in node.get_array(key).into_iter().flatten().filter_map(Bson::as_document) {
            walk(child, explained);
        }
    }
}

/// A count from an explain reply, whatever number type the server sent it as.
fn count(stats: &Document, key: &str) -> u64 {
    match stats.get(key) {
        Some(Bson::Int32(n)) => u64::try_from(*n).unwrap_or(0),
        Some(Bson::Int64(n)) => u64::try_from(*n).unwrap_or(0),
        #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "a count sent as a double")]
        Some(Bson::Double(n)) if *n >= 0.0 => *n as u64,
        _ => 0,
    }
}
