//! `create` and `createIndexes` inside a transaction. The manual ("Create Collections and
//! Indexes in a Transaction") allows them when the transaction reads at `local`, and
//! `createIndexes` only on a collection that does not exist (it is created as part of the
//! operation) or on a new empty collection created earlier in the same transaction, unsharded.
//! The server's tests (`jstests/core/txns/create_existing_indexes.js`) add that asking again for
//! indexes that already exist is accepted, and any new index on an existing collection is not.
//! <https://www.mongodb.com/docs/v8.0/core/transactions/#create-collections-and-indexes-in-a-transaction>

use mongodb::bson::Bson;

use crate::rules::{Context, Rule, Violation};

/// Explicit `create` or `createIndexes` in a transaction that reads at another level than
/// `local`.
/// <https://www.mongodb.com/docs/v8.0/core/transactions/#create-collections-and-indexes-in-a-transaction>
pub static DDL_READ_CONCERN: Rule = Rule::in_transaction(
    "create and createIndexes run only in a transaction that reads at local",
    "https://www.mongodb.com/docs/v8.0/core/transactions/#create-collections-and-indexes-in-a-transaction",
);

/// `createIndexes` on a collection that exists, or no longer is empty.
/// <https://www.mongodb.com/docs/v8.0/core/transactions/#create-collections-and-indexes-in-a-transaction>
pub static INDEX_ON_EXISTING: Rule = Rule::in_transaction(
    "createIndexes in a transaction only on a new collection or a new empty one created in it",
    "https://www.mongodb.com/docs/v8.0/core/transactions/#create-collections-and-indexes-in-a-transaction",
);

/// Checks `create` and `createIndexes` run in a transaction.
pub fn check(cx: &Context<'_>) -> Result<(), Violation> {
    let name = cx.name();
    if !matches!(name, "create" | "createIndexes") {
        return Ok(());
    }
    if let Some(level) = cx.transaction_read_level().filter(|level| *level != "local") {
        return Err(cx.violation(&DDL_READ_CONCERN, format!("{name} in a transaction reading at {level:?}")));
    }
    if name == "create" {
        return Ok(());
    }
    let namespace = cx.namespace().unwrap_or_default();
    let filled = cx.transaction().is_some_and(|t| t.filled.contains(&namespace));
    if filled {
        return Err(cx.violation(&INDEX_ON_EXISTING, format!("{namespace} was written in this transaction")));
    }
    let Some(facts) = cx.catalog.filter(|facts| facts.exists) else { return Ok(()) };
    let indexes = cx.body().get_array("indexes").map(Vec::as_slice).unwrap_or_default();
    let wanted: Vec<&str> =
        indexes.iter().filter_map(Bson::as_document).map(|index| index.get_str("name").unwrap_or("")).collect();
    match wanted.iter().find(|index| !facts.indexes.iter().any(|existing| existing == *index)) {
        Some(new) => Err(cx.violation(&INDEX_ON_EXISTING, format!("new index {new:?} on the existing {namespace}"))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use mongodb::bson::doc;

    use super::*;
    use crate::rules::CollectionFacts;
    use crate::rules::testing::{first, later, verdicts, verdicts_with};

    fn index(name: &str) -> mongodb::bson::Document {
        doc! { "createIndexes": "w", "indexes": [{ "key": { "a": 1 }, "name": name }] }
    }

    #[test]
    fn ddl_in_a_snapshot_transaction_is_refused_and_at_local_accepted() {
        let snapshot = first(doc! { "create": "w", "readConcern": { "level": "snapshot" } });
        let local = first(doc! { "create": "w", "readConcern": { "level": "local" } });
        let index_later = [first(doc! { "find": "v", "readConcern": { "level": "majority" } }), later(index("a_1"))];

        assert_eq!(verdicts(&[snapshot]), [Some(&DDL_READ_CONCERN)]);
        assert_eq!(verdicts(&[local]), [None]);
        assert_eq!(verdicts(&index_later), [None, Some(&DDL_READ_CONCERN)]);
    }

    #[test]
    fn an_index_on_an_existing_or_filled_collection_is_refused() {
        let existing = CollectionFacts { exists: true, indexes: vec!["_id_".to_owned(), "a_1".to_owned()] };
        let absent = CollectionFacts::default();
        let fill =
            [first(doc! { "create": "w" }), later(doc! { "insert": "w", "documents": [{}] }), later(index("a_1"))];

        assert_eq!(verdicts_with(&[first(index("b_1"))], &existing), [Some(&INDEX_ON_EXISTING)]);
        assert_eq!(verdicts_with(&fill, &absent), [None, None, Some(&INDEX_ON_EXISTING)]);
    }

    #[test]
    fn an_index_on_a_new_collection_or_one_that_already_exists_is_accepted() {
        let existing = CollectionFacts { exists: true, indexes: vec!["_id_".to_owned(), "a_1".to_owned()] };
        let absent = CollectionFacts::default();
        let new_then_index = [first(doc! { "create": "w" }), later(index("a_1")), later(index("b_1"))];

        assert_eq!(verdicts_with(&[first(index("a_1"))], &existing), [None]);
        assert_eq!(verdicts_with(&new_then_index, &absent), [None, None, None]);
    }
}
