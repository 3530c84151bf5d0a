//! Shard keys: on a sharded cluster, the index that supports a collection's shard key is never
//! the registry's to drop, whatever it declares.
//!
//! MongoDB needs an index whose keys start with the shard key for as long as the collection is
//! sharded (chunk splits, migrations and targeted queries use it), and the registry cannot know
//! which key an operator sharded a collection on. So the plan asks the cluster: the shard key of
//! each collection is `key` in its `config.collections` document (`_id` is the namespace), read
//! through `mongos`. An index that supports it is kept, as [`PlanItem::ShardKey`], whether the
//! registry lists it as extra or declares it differently; `apply --drop-extra` runs nothing for it.

use std::collections::HashMap;

use bson::{Bson, Document, doc};
use futures::TryStreamExt as _;
use mongodb::Database;

use super::diff::{ExistingIndex, PlanItem};
use crate::error::Result;

/// Shard keys by collection name, of the collections in `collections`.
pub type ShardKeys = HashMap<String, Document>;

/// The shard keys of `collections` in `database`: empty unless the server is a `mongos` (only a
/// sharded cluster has them, and other servers may not have a `config` database to read).
///
/// # Errors
/// [`crate::Error::Driver`] when `hello` fails, or a `mongos` refuses the read (a user without
/// `find` on `config.collections`): then the plan cannot tell which index to keep, so it fails
/// rather than risk dropping one.
pub async fn read(database: &Database, collections: &[&str]) -> Result<ShardKeys> {
    let hello = database.run_command(doc! { "hello": 1 }).await?;
    if hello.get_str("msg").ok() != Some("isdbgrid") {
        return Ok(ShardKeys::new());
    }
    let prefix = format!("{}.", database.name());
    let namespaces: Vec<String> = collections.iter().map(|name| format!("{prefix}{name}")).collect();
    let config = database.client().database("config").collection::<Document>("collections");
    let filter = doc! { "_id": { "$in": namespaces }, "dropped": { "$ne": true } };
    let found: Vec<Document> = config.find(filter).await?.try_collect().await?;
    Ok(found
        .into_iter()
        .filter_map(|entry| {
            let name = entry.get_str("_id").ok()?.strip_prefix(&prefix)?.to_owned();
            Some((name, entry.get_document("key").ok()?.clone()))
        })
        .collect())
}

/// Whether an index with `keys` can support `shard_key`: the shard key's fields are its first
/// fields, a hashed field hashed on both sides. Directions of ranged fields are not compared, so
/// any index that might be the one MongoDB uses is kept.
pub fn supports(keys: &Document, shard_key: &Document) -> bool {
    shard_key.len() <= keys.len()
        && shard_key.iter().zip(keys).all(|((field, kind), (index_field, index_kind))| {
            field == index_field && is_hashed(kind) == is_hashed(index_kind)
        })
}

fn is_hashed(kind: &Bson) -> bool {
    kind.as_str() == Some("hashed")
}

/// `items` with every index that supports its collection's shard key turned into
/// [`PlanItem::ShardKey`] (kept, nothing to run).
pub fn keep(items: Vec<PlanItem>, shard_keys: &ShardKeys) -> Vec<PlanItem> {
    let supporting = |existing: &ExistingIndex| {
        shard_keys.get(&existing.collection).is_some_and(|key| supports(&existing.keys, key))
    };
    items
        .into_iter()
        .map(|item| match item {
            PlanItem::Extra { existing } if supporting(&existing) => PlanItem::ShardKey { existing, spec: None },
            PlanItem::Different { spec, existing, .. } if supporting(&existing) => {
                PlanItem::ShardKey { existing, spec: Some(spec) }
            }
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index_plan::diff::diff;
    use crate::indexes::example;

    fn index(collection: &str, name: &str, keys: Document) -> ExistingIndex {
        ExistingIndex {
            collection: collection.to_owned(),
            name: name.to_owned(),
            keys,
            unique: false,
            expire_after_secs: None,
            partial_filter: None,
        }
    }

    fn keys(pairs: &[(&str, Document)]) -> ShardKeys {
        pairs.iter().map(|(name, key)| ((*name).to_owned(), key.clone())).collect()
    }

    #[test]
    fn an_index_supports_a_shard_key_it_starts_with_and_hashed_only_as_hashed() {
        let hashed = doc! { "_id": "hashed" };
        assert!(supports(&doc! { "_id": "hashed" }, &hashed));
        assert!(!supports(&doc! { "_id": 1 }, &hashed));
        let compound = doc! { "customer_id": "hashed", "_id": 1 };
        assert!(supports(&doc! { "customer_id": "hashed", "_id": 1, "at": 1 }, &compound));
        assert!(!supports(&doc! { "customer_id": 1, "_id": -1 }, &compound));
        assert!(supports(&doc! { "sku": 1 }, &doc! { "sku": 1 }));
        assert!(!supports(&doc! { "category": 1, "sku": 1 }, &doc! { "sku": 1 }));
        assert!(!supports(&doc! { "sku": 1 }, &doc! { "sku": 1, "_id": 1 }));
    }

    #[test]
    fn an_undeclared_index_that_supports_the_shard_key_is_kept_and_runs_nothing() {
        let registry = example::registry();
        let declared: Vec<_> = registry.for_collection("payments").copied().collect();
        let listed = [
            index("payments", "_id_hashed", doc! { "_id": "hashed" }),
            index("payments", "owner_1", doc! { "owner": 1 }),
        ];

        let plan = keep(diff(&declared, &listed), &keys(&[("payments", doc! { "_id": "hashed" })]));

        let kept: Vec<_> = plan.iter().filter(|item| matches!(item, PlanItem::ShardKey { .. })).collect();
        assert!(
            matches!(kept[..], [PlanItem::ShardKey { existing, spec: None }] if existing.name == "_id_hashed"),
            "{plan:?}"
        );
        assert!(kept[0].commands().is_empty());
        let extra: Vec<_> = plan.iter().filter(|item| matches!(item, PlanItem::Extra { .. })).collect();
        assert!(matches!(extra[..], [PlanItem::Extra { existing }] if existing.name == "owner_1"), "{plan:?}");
    }

    #[test]
    fn a_declared_index_that_differs_but_supports_the_shard_key_is_not_rebuilt() {
        let reference = example::REFERENCE_UNIQUE;
        let listed = [index("orders", "reference_1", doc! { "reference": 1 })];

        let plan = keep(diff(&[reference], &listed), &keys(&[("orders", doc! { "reference": 1 })]));

        assert!(
            matches!(&plan[..], [PlanItem::ShardKey { spec: Some(spec), .. }] if spec.name == "reference_unique"),
            "{plan:?}"
        );
        assert!(plan[0].commands().is_empty(), "no drop, no create: {plan:?}");
    }

    #[test]
    fn without_shard_keys_or_in_another_collection_nothing_is_kept() {
        let listed = [index("feeds", "_id_hashed", doc! { "_id": "hashed" })];
        let unsharded = keep(diff(&[], &listed), &ShardKeys::new());
        let elsewhere = keep(diff(&[], &listed), &keys(&[("payments", doc! { "_id": "hashed" })]));

        assert!(matches!(&unsharded[..], [PlanItem::Extra { .. }]), "{unsharded:?}");
        assert!(matches!(&elsewhere[..], [PlanItem::Extra { .. }]), "{elsewhere:?}");
    }
}
