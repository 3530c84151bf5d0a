//! The query-shape registry: every query the store runs, declared once as a [`QueryShape`]
//! (collection, equality fields, sort, range fields) with the index it relies on and a budget of
//! documents examined per document returned. The indexes the store creates are DERIVED from it
//! ([`declared`]): each shape's index, plus the constraints no query needs but the data does
//! (unique sku, TTL expiry), declared here with their reason. There is no second list.
//!
//! Index keys are ordered equality → sort → range, so each shape is answered from the index in
//! order, without an in-memory sort; a unit test checks every shape against its index.
//! `index_plan` compares the declaration with a server and `index_audit` checks it with
//! `explain`; nothing here drops an index.
//!
//! # Layout
//! - `catalog`: the shop's indexes and query shapes.
//! - `representative`: the representative query of each shape, built from a sample document.

mod catalog;
mod representative;

use std::collections::BTreeMap;
use std::sync::LazyLock;
use std::time::Duration;

use bson::{Bson, Document};
use mongodb::IndexModel;
use mongodb::options::IndexOptions;

pub use catalog::{CONSTRAINTS, SHAPES};

/// One index and why it exists.
#[derive(Debug, Clone, Copy)]
pub struct IndexSpec {
    /// The collection.
    pub collection: &'static str,
    /// The index name (stable, so re-creating it is a no-op). `_id_` is the server's own index.
    pub name: &'static str,
    /// Key fields and directions, in order.
    pub keys: &'static [(&'static str, i32)],
    /// Whether the keys are unique.
    pub unique: bool,
    /// For TTL indexes: how long after the indexed date a document may be removed.
    pub expire_after: Option<Duration>,
    /// For partial indexes: the filter of the documents indexed.
    pub partial_filter: Option<fn() -> Document>,
    /// Why the index exists: the shapes it serves or the constraint it enforces.
    pub serves: &'static str,
}

impl PartialEq for IndexSpec {
    /// Same collection, name, keys and options (partial filters compared by the filter they build).
    fn eq(&self, other: &Self) -> bool {
        (self.collection, self.name, self.keys, self.unique, self.expire_after, self.serves)
            == (other.collection, other.name, other.keys, other.unique, other.expire_after, other.serves)
            && self.partial_filter.map(|filter| filter()) == other.partial_filter.map(|filter| filter())
    }
}

/// The name MongoDB gives the index every collection has on `_id`.
pub const ID_INDEX: &str = "_id_";

impl serde::Serialize for IndexSpec {
    /// As `shop indexes plan --json` shows a declaration: keys in order, TTL in seconds, the
    /// partial filter it builds.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        let mut spec = serializer.serialize_struct("IndexSpec", 7)?;
        spec.serialize_field("collection", self.collection)?;
        spec.serialize_field("name", self.name)?;
        spec.serialize_field("keys", &self.key_document())?;
        spec.serialize_field("unique", &self.unique)?;
        spec.serialize_field("expire_after_secs", &self.expire_after.map(|after| after.as_secs()))?;
        spec.serialize_field("partial_filter", &self.partial_filter.map(|filter| filter()))?;
        spec.serialize_field("serves", self.serves)?;
        spec.end()
    }
}

impl IndexSpec {
    /// The server's own `_id` index of `collection`, for shapes that look documents up by id.
    pub const fn id(collection: &'static str) -> Self {
        Self {
            collection,
            name: ID_INDEX,
            keys: &[("_id", 1)],
            unique: true,
            expire_after: None,
            partial_filter: None,
            serves: "lookups by _id (every collection has it; never created or dropped here)",
        }
    }

    /// Whether this is the server's own `_id` index.
    pub fn is_builtin(&self) -> bool {
        self.name == ID_INDEX
    }

    /// The key document (`{category: 1, price_minor: 1, _id: 1}`).
    pub fn key_document(&self) -> Document {
        self.keys.iter().map(|(field, direction)| ((*field).to_owned(), Bson::Int32(*direction))).collect()
    }

    /// The driver's model of this index.
    pub fn model(&self) -> IndexModel {
        let options = IndexOptions::builder()
            .name(self.name.to_owned())
            .unique(self.unique.then_some(true))
            .expire_after(self.expire_after)
            .partial_filter_expression(self.partial_filter.map(|filter| filter()))
            .build();
        IndexModel::builder().keys(self.key_document()).options(options).build()
    }
}

/// What the audit runs to see how the server answers a shape: the representative query.
#[derive(Debug, Clone, PartialEq)]
pub enum Probe {
    /// A `find` (also how updates, deletes and counts select their documents).
    Find {
        /// The filter.
        filter: Document,
        /// The sort, if any.
        sort: Option<Document>,
        /// The limit, if any.
        limit: Option<i64>,
    },
    /// An aggregation pipeline.
    Aggregate {
        /// The stages.
        pipeline: Vec<Document>,
    },
}

/// One query the store runs, with the index it relies on.
#[derive(Debug, Clone, Copy)]
pub struct QueryShape {
    /// A stable name, `collection.what`.
    pub name: &'static str,
    /// The collection queried.
    pub collection: &'static str,
    /// The code that runs it.
    pub used_by: &'static str,
    /// Fields compared for equality (or `$in`).
    pub equality: &'static [&'static str],
    /// The sort, in order.
    pub sort: &'static [(&'static str, i32)],
    /// Fields compared with a range (`$gt`, `$lte`, keyset cursors).
    pub range: &'static [&'static str],
    /// Fields tested on the documents the index found: the index narrows enough without them
    /// (a unique `_id`, a version check, a status).
    pub filtered: &'static [&'static str],
    /// The index the shape relies on.
    pub index: &'static IndexSpec,
    /// The most documents the server may examine per document returned.
    pub budget: f64,
    /// The representative query, built from a sample document of the collection (`None` when
    /// the sample lacks a field the query needs).
    pub representative: fn(&Document) -> Option<Probe>,
}

/// Every index the store creates (never `_id_`), derived from [`SHAPES`] and [`CONSTRAINTS`],
/// each once, in declaration order.
pub static INDEXES: LazyLock<Vec<IndexSpec>> = LazyLock::new(|| declared().into_values().flatten().collect());

/// The derived indexes grouped by collection (sorted by collection name).
pub fn declared() -> BTreeMap<&'static str, Vec<IndexSpec>> {
    let mut by_collection: BTreeMap<&'static str, Vec<IndexSpec>> = BTreeMap::new();
    let from_shapes = SHAPES.iter().map(|shape| shape.index);
    for spec in from_shapes.chain(CONSTRAINTS.iter().copied()).filter(|spec| !spec.is_builtin()) {
        let specs = by_collection.entry(spec.collection).or_default();
        if !specs.iter().any(|known| known.name == spec.name) {
            specs.push(*spec);
        }
    }
    by_collection
}

/// The indexes of `collection`.
pub fn for_collection(collection: &str) -> impl Iterator<Item = &'static IndexSpec> + '_ {
    INDEXES.iter().filter(move |spec| spec.collection == collection)
}

/// The shape called `name`.
pub fn shape(name: &str) -> Option<&'static QueryShape> {
    SHAPES.iter().find(|shape| shape.name == name)
}

/// Why `shape`'s index does not serve it in order (equality → sort → range), or `None` when it
/// does. A unique index may stop after the equality fields: one document matches at most. Keys
/// after the shape's fields are allowed (they cover other shapes or the projection).
pub fn key_order_problem(shape: &QueryShape) -> Option<String> {
    let keys = shape.index.keys;
    let (eq, sort) = (shape.equality.len(), shape.sort.len());
    let flipped = match (shape.sort.first(), keys.get(eq)) {
        (Some(wanted), Some(key)) => wanted.1 != key.1,
        _ => false,
    };
    for (position, (field, direction)) in keys.iter().enumerate() {
        let fits = if position < eq {
            shape.equality.contains(field)
        } else if let Some((wanted, wanted_direction)) = shape.sort.get(position - eq) {
            wanted == field && (*wanted_direction == *direction) != flipped
        } else {
            // Past equality and sort: range fields, then (once every range field has its key)
            // anything, such as fields that let the index cover the query.
            let placed = |range: &&str| keys[..position].iter().any(|(key, _)| key == range);
            shape.range.contains(field) || shape.range.iter().all(placed)
        };
        if !fits {
            return Some(format!("key {field} at position {position} does not follow equality → sort → range"));
        }
    }
    let needed = if shape.index.unique { eq.min(keys.len()) } else { eq + sort };
    (keys.len() < needed).then(|| format!("the index has {} keys; the shape needs {needed}", keys.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shape_index_serves_it_in_equality_sort_range_order() {
        for shape in SHAPES {
            assert_eq!(key_order_problem(shape), None, "{}", shape.name);
        }
    }

    #[test]
    fn a_sort_before_the_equality_field_is_caught() {
        const SWAPPED: IndexSpec =
            IndexSpec { keys: &[("price_minor", 1), ("category", 1)], ..IndexSpec::id("products") };
        let shape =
            QueryShape { index: &SWAPPED, name: "swapped", ..*shape("products.list_by_category").expect("shape") };

        assert!(key_order_problem(&shape).is_some());
    }

    #[test]
    fn shape_names_are_unique_and_start_with_their_collection() {
        for shape in SHAPES {
            assert_eq!(SHAPES.iter().filter(|other| other.name == shape.name).count(), 1, "{}", shape.name);
            assert!(shape.name.starts_with(&format!("{}.", shape.collection)), "{}", shape.name);
        }
    }

    #[test]
    fn each_declared_index_is_declared_alike_wherever_it_appears() {
        let every = SHAPES.iter().map(|shape| shape.index).chain(CONSTRAINTS.iter().copied());
        for spec in every.filter(|spec| !spec.is_builtin()) {
            let derived = for_collection(spec.collection).find(|known| known.name == spec.name);
            assert_eq!(derived, Some(spec), "{}.{}", spec.collection, spec.name);
        }
    }

    #[test]
    fn every_created_index_serves_a_shape_or_enforces_a_constraint() {
        for spec in INDEXES.iter() {
            let used = SHAPES.iter().any(|shape| shape.index == spec) || CONSTRAINTS.contains(&spec);
            assert!(used, "{}.{} is declared for nothing", spec.collection, spec.name);
            assert!(!spec.is_builtin());
        }
    }

    #[test]
    fn constraints_are_unique_or_ttl_indexes() {
        assert!(CONSTRAINTS.iter().all(|spec| spec.unique || spec.expire_after.is_some()));
    }
}
