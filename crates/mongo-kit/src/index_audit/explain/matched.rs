//! The documents a plan's `GROUP` stage took in: what the query matched, before grouping.
//!
//! The execution statistics mirror the plan with a count per stage. In a slot-based plan one
//! query-plan stage becomes several slot-based stages (`group`, `project`, `fetch`, `ixseek`)
//! that carry the query-plan stage's `planNodeId`; the outermost of them reports that stage's
//! output. So the group's input is counted by the outermost execution stage bearing the id of
//! the `GROUP`'s input in the query plan, or, without ids, by the input of the execution stage
//! named `group`.

use bson::{Bson, Document};

use super::count;

/// How many documents went into the plan's (outermost) `GROUP`, or `None` when the statistics
/// do not say.
pub(super) fn group_input(winning: &Document, stats: &Document) -> Option<u64> {
    let plan = winning.get_document("queryPlan").unwrap_or(winning);
    let executed = stats.get_document("executionStages").ok()?;
    let group = first(plan, &|node| node.get_str("stage").is_ok_and(|stage| stage == "GROUP"))?;
    let by_id = group
        .get_document("inputStage")
        .ok()
        .and_then(plan_node_id)
        .and_then(|id| first(executed, &|node| plan_node_id(node) == Some(id) && node.contains_key("nReturned")));
    let by_name = || {
        let executed_group =
            first(executed, &|node| node.get_str("stage").is_ok_and(|s| s.eq_ignore_ascii_case("group")))?;
        executed_group.get_document("inputStage").ok()
    };
    by_id.or_else(by_name).map(|producer| count(producer, "nReturned"))
}

fn plan_node_id(node: &Document) -> Option<i64> {
    match node.get("planNodeId")? {
        Bson::Int32(id) => Some(i64::from(*id)),
        Bson::Int64(id) => Some(*id),
        _ => None,
    }
}

/// The first node, depth first and outermost first, for which `wanted` holds.
fn first<'a>(node: &'a Document, wanted: &dyn Fn(&Document) -> bool) -> Option<&'a Document> {
    if wanted(node) {
        return Some(node);
    }
    node.values().find_map(|value| match value {
        Bson::Document(child) => first(child, wanted),
        Bson::Array(children) => children.iter().filter_map(Bson::as_document).find_map(|child| first(child, wanted)),
        _ => None,
    })
}
