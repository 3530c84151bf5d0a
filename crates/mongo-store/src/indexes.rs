//! The index registry: every index the repositories rely on, declared once with the query shape
//! it serves. Keys are ordered equality → sort → range, so each shape is answered from the index
//! in order, without an in-memory sort. Start-up creates them idempotently; nothing here drops an
//! index.

use std::time::Duration;

use bson::Document;
use mongodb::IndexModel;
use mongodb::options::IndexOptions;

use crate::collections::names;

/// One index and the query shape that needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexSpec {
    /// The collection.
    pub collection: &'static str,
    /// The index name (stable, so re-creating it is a no-op).
    pub name: &'static str,
    /// Key fields and directions, in order.
    pub keys: &'static [(&'static str, i32)],
    /// Whether the keys are unique.
    pub unique: bool,
    /// For TTL indexes: how long after the indexed date a document may be removed.
    pub expire_after: Option<Duration>,
    /// The query shape served: equality fields, then sort, then range.
    pub serves: &'static str,
}

impl IndexSpec {
    /// The key document (`{category: 1, price_minor: 1, _id: 1}`).
    pub fn key_document(&self) -> Document {
        self.keys.iter().map(|(field, direction)| ((*field).to_owned(), bson::Bson::Int32(*direction))).collect()
    }

    /// The driver's model of this index.
    pub fn model(&self) -> IndexModel {
        self.build(self.key_document(), self.name.to_owned())
    }

    /// Whether `_id` is one key among others (the keyset tie-breaker).
    pub fn has_id_suffix(&self) -> bool {
        self.keys.len() > 1 && self.keys.iter().any(|(field, _)| *field == "_id")
    }

    /// The model for a server that cannot hold `_id` in a compound index: the same keys without
    /// `_id`, under a name of its own (`…_no_id`) so that it never collides with the full index.
    /// Equality and sort on the other keys are still served; ties on them are sorted in memory.
    pub fn model_without_id(&self) -> IndexModel {
        let keys = self.keys.iter().filter(|(field, _)| *field != "_id");
        let keys = keys.map(|(field, direction)| ((*field).to_owned(), bson::Bson::Int32(*direction))).collect();
        self.build(keys, format!("{}_no_id", self.name))
    }

    fn build(&self, keys: Document, name: String) -> IndexModel {
        let options = IndexOptions::builder()
            .name(name)
            .unique(self.unique.then_some(true))
            .expire_after(self.expire_after)
            .build();
        IndexModel::builder().keys(keys).options(options).build()
    }
}

/// Every index of the shop's collections.
pub const INDEXES: &[IndexSpec] = &[
    IndexSpec {
        collection: names::PRODUCTS,
        name: "sku_unique",
        keys: &[("sku", 1)],
        unique: true,
        expire_after: None,
        serves: "uniqueness of sku (create, update)",
    },
    IndexSpec {
        collection: names::PRODUCTS,
        name: "category_price_id",
        keys: &[("category", 1), ("price_minor", 1), ("_id", 1)],
        unique: false,
        expire_after: None,
        serves: "list by category: equality category, sort price_minor,_id, range price_minor + keyset; \
                 category_stats $match",
    },
    IndexSpec {
        collection: names::PRODUCTS,
        name: "price_id",
        keys: &[("price_minor", 1), ("_id", 1)],
        unique: false,
        expire_after: None,
        serves: "list without category: sort price_minor,_id, range price_minor + keyset",
    },
    IndexSpec {
        collection: names::LEDGER,
        name: "wallet_id_newest",
        keys: &[("wallet_id", 1), ("_id", -1)],
        unique: false,
        expire_after: None,
        serves: "ledger: equality wallet_id, sort _id descending, range _id < cursor",
    },
    IndexSpec {
        collection: names::AUDIT,
        name: "subject_newest",
        keys: &[("subject", 1), ("_id", -1)],
        unique: false,
        expire_after: None,
        serves: "audit list by subject: equality subject, sort _id descending, range _id < cursor",
    },
    IndexSpec {
        collection: names::AUDIT,
        name: "action_newest",
        keys: &[("action", 1), ("_id", -1)],
        unique: false,
        expire_after: None,
        serves: "audit list by action: equality action, sort _id descending, range _id < cursor",
    },
    IndexSpec {
        collection: names::SESSIONS,
        name: "expires_at_ttl",
        keys: &[("expires_at", 1)],
        unique: false,
        expire_after: Some(Duration::ZERO),
        serves: "TTL removal of expired sessions (lookups use _id and filter expires_at)",
    },
    IndexSpec {
        collection: names::IDEMPOTENCY_KEYS,
        name: "expires_at_ttl",
        keys: &[("expires_at", 1)],
        unique: false,
        expire_after: Some(Duration::ZERO),
        serves: "TTL removal of idempotency records 24 h after their claim",
    },
];

/// The indexes of `collection`.
pub fn for_collection(collection: &str) -> impl Iterator<Item = &'static IndexSpec> + '_ {
    INDEXES.iter().filter(move |spec| spec.collection == collection)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_names_are_unique_per_collection() {
        for spec in INDEXES {
            assert_eq!(for_collection(spec.collection).filter(|s| s.name == spec.name).count(), 1, "{}", spec.name);
        }
    }

    #[test]
    fn keyset_indexes_end_with_id_so_the_sort_is_total() {
        let products: Vec<_> = for_collection(names::PRODUCTS).filter(|s| !s.unique).collect();
        assert!(products.iter().all(|s| s.keys.last().map(|k| k.0) == Some("_id")));
    }
}
