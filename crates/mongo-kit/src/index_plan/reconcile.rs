//! The commands that close one difference between the registry and the server, as documents for
//! `runCommand`: the plan prints them, `apply` runs them, so an operator who would rather run
//! them by hand sees exactly what `apply` would do.
//!
//! MongoDB changes few index options in place. `collMod` sets `expireAfterSeconds` of an index
//! (and since 5.1 turns a single-field index into a TTL index), so a TTL that differs, and
//! nothing else, is changed where it stands. Everything else (a name: MongoDB has no rename; the
//! keys; uniqueness; a partial filter; removing a TTL) needs the index dropped and created again.

use bson::{Bson, Document, doc};

use super::diff::{Difference, ExistingIndex, PlanItem};
use crate::indexes::IndexSpec;

/// The `createIndexes` command for `spec`, with the options the registry declares.
pub fn create_command(spec: &IndexSpec) -> Document {
    let mut index = doc! { "key": spec.key_document(), "name": spec.name };
    if spec.unique {
        index.insert("unique", true);
    }
    if let Some(after) = spec.expire_after {
        index.insert("expireAfterSeconds", seconds(after.as_secs()));
    }
    if let Some(filter) = spec.partial_filter {
        index.insert("partialFilterExpression", filter());
    }
    doc! { "createIndexes": spec.collection, "indexes": [index] }
}

/// The `dropIndexes` command for `existing`, by its name on the server.
pub fn drop_command(existing: &ExistingIndex) -> Document {
    doc! { "dropIndexes": existing.collection.as_str(), "index": existing.name.as_str() }
}

/// The commands that make `existing` what `spec` declares, given how they differ.
pub fn reconcile(spec: &IndexSpec, existing: &ExistingIndex, differences: &[Difference]) -> Vec<Document> {
    let ttl_only = !differences.is_empty()
        && differences.iter().all(|difference| matches!(difference, Difference::Ttl { declared: Some(_), .. }));
    match (ttl_only, spec.expire_after) {
        (true, Some(after)) => vec![doc! {
            "collMod": spec.collection,
            "index": { "name": existing.name.as_str(), "expireAfterSeconds": seconds(after.as_secs()) },
        }],
        _ => vec![drop_command(existing), create_command(spec)],
    }
}

impl PlanItem {
    /// What closes this item: nothing when in step, the creation of a missing index, the
    /// reconciliation of a different one, the drop of an extra one (never of `_id_`, never of an
    /// index supporting the shard key).
    pub fn commands(&self) -> Vec<Document> {
        match self {
            Self::InStep { .. } | Self::ShardKey { .. } => Vec::new(),
            Self::Missing { spec } => vec![create_command(spec)],
            Self::Different { spec, existing, differences } => reconcile(spec, existing, differences),
            Self::Extra { existing } if existing.is_builtin() => Vec::new(),
            Self::Extra { existing } => vec![drop_command(existing)],
        }
    }
}

/// Seconds as MongoDB keeps `expireAfterSeconds` (a 32-bit integer up to 2147483647).
fn seconds(secs: u64) -> Bson {
    i32::try_from(secs).map_or_else(|_| Bson::Int64(i64::try_from(secs).unwrap_or(i64::MAX)), Bson::Int32)
}

/// `command` as an operator pastes it into mongosh.
pub fn shell(command: &Document) -> String {
    format!("db.runCommand({command})")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index_plan::diff::diff;
    use crate::indexes::example;

    fn declared(collection: &str, name: &str) -> IndexSpec {
        let registry = example::registry();
        *registry.for_collection(collection).find(|s| s.name == name).expect("a declared index")
    }

    fn listed(spec: &IndexSpec) -> ExistingIndex {
        ExistingIndex {
            collection: spec.collection.to_owned(),
            name: spec.name.to_owned(),
            keys: spec.key_document(),
            unique: spec.unique,
            expire_after_secs: spec.expire_after.map(|after| after.as_secs()),
            partial_filter: None,
        }
    }

    fn commands(spec: IndexSpec, existing: ExistingIndex) -> Vec<Document> {
        let plan = diff(&[spec], &[existing]);
        assert_eq!(plan.len(), 1, "{plan:?}");
        plan[0].commands()
    }

    #[test]
    fn another_ttl_is_changed_in_place_with_coll_mod() {
        let ttl = declared("holds", "expires_ttl");
        let existing = ExistingIndex { expire_after_secs: Some(3600), ..listed(&ttl) };

        let expected = doc! { "collMod": "holds", "index": { "name": "expires_ttl", "expireAfterSeconds": 0 } };
        assert_eq!(commands(ttl, existing), [expected]);
    }

    #[test]
    fn a_missing_uniqueness_is_a_drop_and_a_create_with_the_declared_options() {
        let unique = declared("orders", "reference_unique");
        let existing = ExistingIndex { unique: false, ..listed(&unique) };

        let expected = [
            doc! { "dropIndexes": "orders", "index": "reference_unique" },
            doc! { "createIndexes": "orders", "indexes": [{ "key": { "reference": 1 }, "name": "reference_unique", "unique": true }] },
        ];
        assert_eq!(commands(unique, existing), expected);
    }

    #[test]
    fn another_name_is_dropped_and_created_under_the_declared_one_even_with_another_ttl() {
        let ttl = declared("holds", "expires_ttl");
        let existing = ExistingIndex { name: "expires_at_1".to_owned(), expire_after_secs: Some(60), ..listed(&ttl) };

        let found = commands(ttl, existing);

        assert_eq!(found[0], doc! { "dropIndexes": "holds", "index": "expires_at_1" });
        assert_eq!(found[1], create_command(&ttl));
        assert_eq!(found.len(), 2);
    }

    #[test]
    fn a_missing_index_is_created_and_an_extra_one_dropped_but_never_the_id_index() {
        let spec = declared("orders", "customer_placed_id");
        let extra = ExistingIndex { name: "name_1".to_owned(), keys: doc! { "name": 1 }, ..listed(&spec) };
        let id = ExistingIndex { name: "_id_".to_owned(), keys: doc! { "_id": 1 }, ..listed(&spec) };

        assert_eq!(PlanItem::Missing { spec }.commands(), [create_command(&spec)]);
        assert_eq!(
            PlanItem::Extra { existing: extra }.commands(),
            [doc! { "dropIndexes": "orders", "index": "name_1" }]
        );
        assert!(PlanItem::Extra { existing: id }.commands().is_empty());
    }
}
