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
//!
//! Declarations are `const` values of a line or two: [`index!`](crate::index) declares an index
//! by its key document and names it as the server would (`customer_1_placed_at_-1`, see
//! [`derived_name`]); [`QueryShape::new`] takes the shape's name and index, and builder methods
//! say what differs from the defaults (equality fields, sort, limit, budget). An index a shape
//! relies on needs no reason: the registry knows the shapes ([`Registry::purpose`]).
//!
//! # Layout
//! - `declare`: the `const` builders of indexes and shapes, and the derived representative query.
//! - [`derived_name`]: an index's name from its keys, and the [`index!`](crate::index) macro.
//! - `key_order`: whether an index serves a shape in equality → sort → range order.

mod declare;
pub mod derived_name;
#[cfg(test)]
pub(crate) mod example;
mod key_order;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::time::Duration;

use bson::{Bson, Document};
use mongodb::IndexModel;
use mongodb::options::IndexOptions;

pub use key_order::key_order_problem;

/// One index and why it exists.
#[derive(Debug, Clone, Copy)]
pub struct IndexSpec {
    /// The collection.
    pub collection: &'static str,
    /// The index name (stable, so re-creating it is a no-op): derived from the keys by
    /// [`index!`](crate::index), or given (`.named(..)`). `_id_` is the server's own index.
    pub name: &'static str,
    /// Key fields and directions, in order.
    pub keys: &'static [(&'static str, i32)],
    /// Whether the keys are unique.
    pub unique: bool,
    /// For TTL indexes: how long after the indexed date a document may be removed.
    pub expire_after: Option<Duration>,
    /// For partial indexes: the filter of the documents indexed.
    pub partial_filter: Option<fn() -> Document>,
    /// Why the index exists, for a constraint (`.because(..)`); empty for an index that exists
    /// for the shapes relying on it ([`Registry::purpose`] names them).
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

/// One query the store runs, with the index it relies on. Declared with the `const` builder:
///
/// ```
/// use mongo_kit::indexes::{IndexSpec, QueryShape};
///
/// const BY_CUSTOMER: IndexSpec = mongo_kit::index!("orders", { "customer": 1, "placed_at": -1, "_id": -1 });
/// const NEWEST_FIRST: QueryShape = QueryShape::new("orders.by_customer", &BY_CUSTOMER)
///     .equality(&["customer"])
///     .sort(&[("placed_at", -1), ("_id", -1)])
///     .limit(50);
/// const BY_ID: QueryShape = QueryShape::by_id("orders.by_id", &IndexSpec::id("orders"));
///
/// assert_eq!((NEWEST_FIRST.collection, NEWEST_FIRST.budget), ("orders", 1.0));
/// assert_eq!(BY_ID.equality, ["_id"]);
/// ```
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
    /// The most documents the code asks for (the derived representative query's limit).
    pub limit: Option<i64>,
    /// The shape's own representative query, built from a sample document of the collection
    /// (`None` when the sample lacks a field the query needs); when absent, [`QueryShape::probe`]
    /// derives it from the equality fields, the sort and the limit.
    pub representative: Option<fn(&Document) -> Option<Probe>>,
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

    /// Why `spec` exists: the shapes that rely on it, then its declared reason, if any.
    pub fn purpose(&self, spec: &IndexSpec) -> String {
        let same = |index: &IndexSpec| index.collection == spec.collection && index.name == spec.name;
        let shapes = self.shapes.iter().filter(|shape| same(shape.index)).map(|shape| shape.name);
        let reason = (!spec.serves.is_empty()).then_some(spec.serves);
        shapes.chain(reason).collect::<Vec<_>>().join(", ")
    }
}
