//! The query-shape registry: every query a service runs, declared once as a [`QueryShape`]
//! (collection, equality fields, sort, range fields) with the index it relies on and a budget of
//! documents examined per document returned. The indexes to create are DERIVED from it
//! ([`Registry::declared`]): each shape's index, plus the constraints no query needs but the data
//! does (unique keys, TTL expiry), declared with their reason. There is no second list.
//!
//! Index keys are ordered equality → sort → range, so each shape is answered from the index in
//! order, without an in-memory sort; [`Registry::new`] refuses a shape its index does not serve
//! that way. `index_plan` compares a registry with a server and `index_audit` checks it with
//! `explain`; nothing here drops an index. A registry is a value: a service builds its own from
//! its own declarations and passes it to both.

#[cfg(test)]
pub(crate) mod example;

use std::collections::BTreeMap;
use std::time::Duration;

use bson::{Bson, Document};
use mongodb::IndexModel;
use mongodb::options::IndexOptions;

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

impl serde::Serialize for IndexSpec {
    /// As a plan's JSON shows a declaration: keys in order, TTL in seconds, the partial filter
    /// it builds.
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

/// The name MongoDB gives the index every collection has on `_id`.
pub const ID_INDEX: &str = "_id_";

impl IndexSpec {
    /// A plain index: `keys` in order, neither unique nor TTL nor partial.
    pub const fn new(
        collection: &'static str,
        name: &'static str,
        keys: &'static [(&'static str, i32)],
        serves: &'static str,
    ) -> Self {
        Self { collection, name, keys, unique: false, expire_after: None, partial_filter: None, serves }
    }

    /// This index, unique.
    #[must_use]
    pub const fn unique(self) -> Self {
        Self { unique: true, ..self }
    }

    /// This index as a TTL index: documents may be removed `after` their indexed date.
    #[must_use]
    pub const fn ttl(self, after: Duration) -> Self {
        Self { expire_after: Some(after), ..self }
    }

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

/// Why a set of declarations is not a valid registry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid query-shape registry: {}", problems.join("; "))]
pub struct RegistryError {
    /// One sentence per problem.
    pub problems: Vec<String>,
}

/// A service's query shapes and constraints, and the indexes derived from them.
#[derive(Debug, Clone)]
pub struct Registry {
    shapes: Vec<QueryShape>,
    constraints: Vec<IndexSpec>,
    indexes: Vec<IndexSpec>,
}

impl Registry {
    /// The registry of `shapes` and `constraints`.
    ///
    /// # Errors
    /// [`RegistryError`] naming every problem: a shape whose index does not serve it in
    /// equality → sort → range order, two shapes with one name, a shape name that does not start
    /// with its collection (`orders.by_customer`), one index name declared with two definitions,
    /// a constraint that is neither unique nor TTL.
    pub fn new(shapes: &[QueryShape], constraints: &[IndexSpec]) -> Result<Self, RegistryError> {
        let mut problems = Vec::new();
        for (position, shape) in shapes.iter().enumerate() {
            if let Some(problem) = key_order_problem(shape) {
                problems.push(format!("shape {}: {problem}", shape.name));
            }
            if shapes[..position].iter().any(|other| other.name == shape.name) {
                problems.push(format!("shape {} is declared twice", shape.name));
            }
            if !shape.name.starts_with(&format!("{}.", shape.collection)) {
                problems.push(format!("shape {} does not start with its collection {}", shape.name, shape.collection));
            }
        }
        for spec in constraints.iter().filter(|spec| !(spec.unique || spec.expire_after.is_some())) {
            problems.push(format!("constraint {}.{} is neither unique nor TTL", spec.collection, spec.name));
        }
        let every: Vec<&IndexSpec> = shapes.iter().map(|shape| shape.index).chain(constraints).collect();
        let mut indexes: Vec<IndexSpec> = Vec::new();
        for spec in every.into_iter().filter(|spec| !spec.is_builtin()) {
            match indexes.iter().find(|known| known.collection == spec.collection && known.name == spec.name) {
                Some(known) if known != spec => {
                    problems.push(format!("index {}.{} is declared with two definitions", spec.collection, spec.name));
                }
                Some(_) => {}
                None => indexes.push(*spec),
            }
        }
        if !problems.is_empty() {
            return Err(RegistryError { problems });
        }
        // Grouped by collection (sorted by name), in declaration order within each.
        indexes.sort_by_key(|spec| spec.collection);
        Ok(Self { shapes: shapes.to_vec(), constraints: constraints.to_vec(), indexes })
    }

    /// Every shape, in declaration order.
    pub fn shapes(&self) -> &[QueryShape] {
        &self.shapes
    }

    /// The constraints (unique and TTL indexes no shape needs).
    pub fn constraints(&self) -> &[IndexSpec] {
        &self.constraints
    }

    /// Every index to create (never `_id_`), each once, grouped by collection.
    pub fn indexes(&self) -> &[IndexSpec] {
        &self.indexes
    }

    /// The derived indexes grouped by collection (sorted by collection name).
    pub fn declared(&self) -> BTreeMap<&'static str, Vec<IndexSpec>> {
        let mut by_collection: BTreeMap<&'static str, Vec<IndexSpec>> = BTreeMap::new();
        for spec in &self.indexes {
            by_collection.entry(spec.collection).or_default().push(*spec);
        }
        by_collection
    }

    /// The collections the registry knows: those with a shape or an index.
    pub fn collections(&self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = self
            .shapes
            .iter()
            .map(|shape| shape.collection)
            .chain(self.indexes.iter().map(|spec| spec.collection))
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    /// The indexes of `collection`.
    pub fn for_collection<'a, 'c>(&'a self, collection: &'c str) -> impl Iterator<Item = &'a IndexSpec> + 'c
    where
        'a: 'c,
    {
        self.indexes.iter().filter(move |spec| spec.collection == collection)
    }

    /// The shape called `name`.
    pub fn shape(&self, name: &str) -> Option<&QueryShape> {
        self.shapes.iter().find(|shape| shape.name == name)
    }

    /// The index called `name` (the first collection's, if several collections use the name).
    pub fn index(&self, name: &str) -> Option<&IndexSpec> {
        self.indexes.iter().find(|spec| spec.name == name)
    }
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
    fn the_example_registry_is_valid_and_derives_each_index_once() {
        let registry = example::registry();
        let names: Vec<_> = registry.indexes().iter().map(|spec| (spec.collection, spec.name)).collect();
        assert_eq!(
            names,
            [
                ("holds", "expires_ttl"),
                ("orders", "customer_placed_id"),
                ("orders", "status_id"),
                ("orders", "reference_unique"),
            ]
        );
        assert_eq!(registry.collections(), ["holds", "orders"]);
    }

    #[test]
    fn a_sort_before_the_equality_field_is_refused() {
        const SWAPPED: IndexSpec =
            IndexSpec { keys: &[("placed_at", -1), ("customer", 1)], name: "swapped", ..IndexSpec::id("orders") };
        let shape = QueryShape { index: &SWAPPED, ..*example::registry().shape("orders.by_customer").expect("shape") };

        let refused = Registry::new(&[shape], &[]).expect_err("the key order is wrong");

        assert!(refused.problems[0].contains("does not follow equality"), "{refused}");
    }

    #[test]
    fn duplicate_names_misnamed_shapes_and_two_definitions_of_an_index_are_refused() {
        let registry = example::registry();
        let shape = *registry.shape("orders.by_customer").expect("shape");
        const OTHER: IndexSpec = IndexSpec { keys: &[("customer", 1), ("_id", 1)], ..example::CUSTOMER_PLACED_ID };
        let misnamed = QueryShape { name: "by_customer_again", ..shape };
        let redefined = QueryShape { name: "orders.by_customer_2", index: &OTHER, sort: &[], range: &[], ..shape };

        let refused = Registry::new(&[shape, shape, misnamed, redefined], &[]).expect_err("invalid");

        let text = refused.to_string();
        assert!(text.contains("declared twice"), "{text}");
        assert!(text.contains("does not start with its collection"), "{text}");
        assert!(text.contains("two definitions"), "{text}");
    }

    #[test]
    fn a_constraint_must_be_unique_or_ttl() {
        const PLAIN: IndexSpec = IndexSpec { name: "plain", unique: false, ..example::REFERENCE_UNIQUE };

        assert!(Registry::new(&[], &[PLAIN]).is_err());
        assert!(Registry::new(&[], &[example::REFERENCE_UNIQUE]).is_ok());
    }
}
