//! Aggregation stages refused in a transaction. The manual's CRUD table allows `aggregate`
//! "excluding the following stages": `$collStats`, `$currentOp`, `$indexStats`,
//! `$listLocalSessions`, `$listSessions`, `$merge`, `$out`, `$planCacheStats`, `$unionWith`.
//! The server refuses every stage whose constraints say `TransactionRequirement::kNotAllowed`
//! ("Stage not supported inside of a multi-document transaction"): besides those, change streams
//! and the search stages served by mongot. A stage counts wherever it sits: nested pipelines of
//! `$lookup`, `$facet` and `$unionWith` run inside the same transaction.
//! <https://www.mongodb.com/docs/v8.0/core/transactions-operations/#crud-operations>

use mongodb::bson::{Bson, Document};

use crate::rules::{Context, Rule, Violation};

/// A stage refused in a transaction.
/// <https://www.mongodb.com/docs/v8.0/core/transactions-operations/#crud-operations>
pub static STAGE_IN_TRANSACTION: Rule = Rule::in_transaction(
    "stage not supported inside of a multi-document transaction",
    "https://www.mongodb.com/docs/v8.0/core/transactions-operations/#crud-operations",
);

/// The stages: the manual's list, then change streams (`document_source_change_stream*`) and
/// mongot's search stages (their constraints), which the server refuses the same way.
pub const REFUSED: [&str; 14] = [
    "$collStats",
    "$currentOp",
    "$indexStats",
    "$listLocalSessions",
    "$listSessions",
    "$merge",
    "$out",
    "$planCacheStats",
    "$unionWith",
    "$changeStream",
    "$changeStreamSplitLargeEvent",
    "$search",
    "$searchMeta",
    "$vectorSearch",
];

/// Checks the pipeline of an `aggregate` in a transaction, nested pipelines included.
pub fn check(cx: &Context<'_>) -> Result<(), Violation> {
    if cx.name() != "aggregate" {
        return Ok(());
    }
    let Ok(pipeline) = cx.body().get_array("pipeline") else { return Ok(()) };
    match refused_stage(pipeline, "pipeline") {
        Some((path, stage)) => Err(cx.violation(&STAGE_IN_TRANSACTION, format!("{path} is {stage}"))),
        None => Ok(()),
    }
}

/// The first refused stage of `pipeline` (depth first) and where it sits.
pub fn refused_stage(pipeline: &[Bson], path: &str) -> Option<(String, String)> {
    for (i, stage) in pipeline.iter().enumerate() {
        let Some((name, spec)) = stage.as_document().and_then(|stage| stage.iter().next()) else { continue };
        let here = format!("{path}[{i}]");
        if REFUSED.contains(&name.as_str()) {
            return Some((here, name.clone()));
        }
        if let Some(found) = nested(name, spec, &here) {
            return Some(found);
        }
    }
    None
}

/// The first refused stage in the sub-pipelines of the stage `name` with `spec`.
fn nested(name: &str, spec: &Bson, path: &str) -> Option<(String, String)> {
    let spec: &Document = spec.as_document()?;
    match name {
        "$lookup" | "$unionWith" => {
            let pipeline = spec.get_array("pipeline").ok()?;
            refused_stage(pipeline, &format!("{path}.{name}.pipeline"))
        }
        "$facet" => spec
            .iter()
            .find_map(|(facet, pipeline)| refused_stage(pipeline.as_array()?, &format!("{path}.$facet.{facet}"))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use mongodb::bson::doc;

    use super::*;
    use crate::rules::testing::{first, later, verdicts};

    #[test]
    fn refused_stages_are_found_at_the_top_and_nested_in_lookup_and_facet() {
        let top = first(doc! { "aggregate": "w", "pipeline": [{ "$match": {} }, { "$out": "copy" }], "cursor": {} });
        let in_lookup = first(doc! { "aggregate": "w", "cursor": {}, "pipeline": [{ "$lookup": {
        "from": "i", "as": "r", "pipeline": [{ "$unionWith": { "coll": "x" } }] } }] });
        let in_facet = first(doc! { "aggregate": "w", "cursor": {}, "pipeline": [{ "$facet": {
        "a": [{ "$match": {} }], "b": [{ "$collStats": {} }] } }] });

        for command in [top, in_lookup, in_facet] {
            assert_eq!(verdicts(std::slice::from_ref(&command)), [Some(&STAGE_IN_TRANSACTION)], "{command}");
        }
        let path = refused_stage(&[Bson::Document(doc! { "$facet": { "b": [{ "$currentOp": {} }] } })], "pipeline");
        assert_eq!(path, Some(("pipeline[0].$facet.b[0]".to_owned(), "$currentOp".to_owned())));
    }

    #[test]
    fn lookup_group_and_the_same_stages_outside_a_transaction_are_accepted() {
        let lookup = first(doc! { "aggregate": "wallets", "cursor": {}, "pipeline": [
        { "$match": { "_id": { "$in": [1, 2] } } },
        { "$lookup": { "from": "idempotency", "as": "record", "pipeline": [{ "$match": { "_id": "k" } }] } },
        { "$group": { "_id": null, "n": { "$sum": 1 } } }] });
        let outside = doc! { "aggregate": "w", "pipeline": [{ "$unionWith": { "coll": "x" } }], "cursor": {},
        "$db": "s" };

        assert_eq!(verdicts(&[lookup, later(doc! { "find": "w" }), outside]), [None, None, None]);
    }
}
