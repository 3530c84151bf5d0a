//! Reading an `explain` reply with verbosity `executionStats`, in the forms MongoDB answers:
//! `find` (classic plans, and slot-based plans under `winningPlan.queryPlan`), `aggregate`
//! (the query under `stages[0].$cursor`, or the whole pipeline pushed down) and sharded plans
//! (`winningPlan.shards[].winningPlan`).

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
    /// Documents returned by the query.
    pub returned: u64,
    /// Execution time the server measured, in milliseconds.
    pub millis: u64,
}

impl Explained {
    /// Documents examined per document returned (per one, when nothing was returned).
    pub fn ratio(&self) -> f64 {
        to_f64(self.docs_examined) / to_f64(self.returned.max(1))
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
/// [`NoPlan`] when the reply has no winning plan made of stages or no execution statistics.
pub fn parse(reply: &Document) -> Result<Explained, NoPlan> {
    let cursor_stage = reply
        .get_array("stages")
        .ok()
        .and_then(|stages| stages.first())
        .and_then(Bson::as_document)
        .and_then(|first| first.get_document("$cursor").ok());
    let query = cursor_stage.unwrap_or(reply);
    let planner = query.get_document("queryPlanner").map_err(|_| NoPlan("no queryPlanner".to_owned()))?;
    let winning = planner
        .get_document("winningPlan")
        .map_err(|_| NoPlan(format!("winningPlan is not a plan: {:?}", planner.get("winningPlan"))))?;
    let stats = query.get_document("executionStats").map_err(|_| NoPlan("no executionStats".to_owned()))?;
    let mut explained = Explained {
        stages: Vec::new(),
        indexes: Vec::new(),
        keys_examined: count(stats, "totalKeysExamined"),
        docs_examined: count(stats, "totalDocsExamined"),
        returned: count(stats, "nReturned"),
        millis: count(stats, "executionTimeMillis"),
    };
    walk(winning, &mut explained);
    if explained.stages.is_empty() {
        return Err(NoPlan(format!("the winning plan names no stage: {winning}")));
    }
    if cursor_stage.is_some() {
        let pipeline = reply.get_array("stages").into_iter().flatten().skip(1).filter_map(Bson::as_document);
        explained.stages.extend(pipeline.filter_map(|stage| stage.keys().find(|key| key.starts_with('$')).cloned()));
    }
    Ok(explained)
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

fn count(stats: &Document, key: &str) -> u64 {
    match stats.get(key) {
        Some(Bson::Int32(n)) => u64::try_from(*n).unwrap_or(0),
        Some(Bson::Int64(n)) => u64::try_from(*n).unwrap_or(0),
        #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "a count sent as a double")]
        Some(Bson::Double(n)) if *n >= 0.0 => *n as u64,
        _ => 0,
    }
}

#[cfg(test)]
pub(crate) mod recorded;
#[cfg(test)]
mod tests;
