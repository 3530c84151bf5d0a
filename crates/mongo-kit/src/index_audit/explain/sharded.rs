//! Sharded explains, read as one plan.
//!
//! A find through `mongos` lists each shard's plan under `queryPlanner.winningPlan.shards[]` and
//! its figures under `executionStats.executionStages.shards[]`, with the totals at the top of
//! `executionStats`; where the totals are missing the shards' figures are added up. An
//! aggregate answers per shard under `shards.<name>` (each answer shaped like an unsharded
//! one), and names the stages `mongos` or a merging shard runs in `splitPipeline.mergerPart`.
//! The shards' figures add up, their indexes and stages are all judged, and the merger's stages
//! count as stages run outside the query layer.

use bson::{Bson, Document};

use super::{Explained, NoPlan, UsedIndex, count, parse_one, stage_name};

/// The figures of one `executionStats`.
pub(super) struct Totals {
    pub(super) keys: u64,
    pub(super) docs: u64,
    pub(super) returned: u64,
    /// The shards named in the figures (a sharded find).
    pub(super) shards: Vec<String>,
}

/// The totals of `stats`, added up from its shards when it has none of its own.
pub(super) fn find_totals(stats: &Document) -> Totals {
    let per_shard: Vec<&Document> = stats
        .get_document("executionStages")
        .ok()
        .and_then(|stages| stages.get_array("shards").ok())
        .into_iter()
        .flatten()
        .filter_map(Bson::as_document)
        .collect();
    let shards = per_shard.iter().filter_map(|shard| shard.get_str("shardName").ok()).map(str::to_owned).collect();
    if stats.contains_key("totalDocsExamined") || per_shard.is_empty() {
        return Totals {
            keys: count(stats, "totalKeysExamined"),
            docs: count(stats, "totalDocsExamined"),
            returned: count(stats, "nReturned"),
            shards,
        };
    }
    let sum = |key: &str| per_shard.iter().map(|shard| count(shard, key)).sum();
    Totals { keys: sum("totalKeysExamined"), docs: sum("totalDocsExamined"), returned: sum("nReturned"), shards }
}

/// Reads a sharded aggregate's reply: each shard's answer in `shards`, then the merging part.
pub(super) fn aggregate(reply: &Document, shards: &Document) -> Result<Explained, NoPlan> {
    let mut merged: Option<Explained> = None;
    for (name, answer) in shards {
        let answer = answer.as_document().ok_or_else(|| NoPlan(format!("shard {name} answered no document")))?;
        let mut part = parse_one(answer).map_err(|NoPlan(reason)| NoPlan(format!("shard {name}: {reason}")))?;
        part.shards = vec![name.clone()];
        merged = Some(match merged {
            None => part,
            Some(sum) => add(sum, part),
        });
    }
    let mut explained = merged.ok_or_else(|| NoPlan("no shard answered".to_owned()))?;
    explained.aggregation = true;
    let merger = reply.get_document("splitPipeline").ok().and_then(|split| split.get_array("mergerPart").ok());
    let merger_stages = merger.into_iter().flatten().filter_map(Bson::as_document).filter_map(stage_name);
    // `$mergeCursors` collects the shards' streams (in order, when they are sorted).
    explained.stages.extend(merger_stages.filter(|stage| stage != "$mergeCursors"));
    Ok(explained)
}

/// Two shards' answers as one: figures added, stages and indexes kept once per distinct plan.
fn add(mut sum: Explained, part: Explained) -> Explained {
    sum.keys_examined += part.keys_examined;
    sum.docs_examined += part.docs_examined;
    sum.returned += part.returned;
    sum.matched += part.matched;
    sum.millis = sum.millis.max(part.millis);
    sum.aggregation |= part.aggregation;
    if !sum.stages.ends_with(&part.stages) {
        sum.stages.extend(part.stages);
    }
    for index in part.indexes {
        if !sum.indexes.iter().any(|known: &UsedIndex| known.name == index.name) {
            sum.indexes.push(index);
        }
    }
    sum.shards.extend(part.shards);
    sum
}
