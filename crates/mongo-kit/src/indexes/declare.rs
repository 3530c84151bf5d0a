//! Declarations in a line: `const` builders of [`IndexSpec`] and [`QueryShape`] with the common
//! case as the default, so a declaration names only what differs from it.
//!
//! A shape's representative query is derived too, unless the shape gives its own: its equality
//! fields with the sample's values, its sort and its limit ([`QueryShape::probe`]).

use std::time::Duration;

use bson::{Document, doc};

use super::{ID_INDEX, IndexSpec, Probe, QueryShape};

impl IndexSpec {
    /// A plain index of `collection` called `name` on `keys` in order: neither unique nor TTL nor
    /// partial. Prefer [`index!`](crate::index), which derives the name from the keys.
    pub const fn new(collection: &'static str, name: &'static str, keys: &'static [(&'static str, i32)]) -> Self {
        Self { collection, name, keys, unique: false, expire_after: None, partial_filter: None, serves: "" }
    }

    /// This index under `name`: for an index that servers already have under a name other than
    /// the derived one (renaming it would drop and rebuild it).
    #[must_use]
    pub const fn named(self, name: &'static str) -> Self {
        Self { name, ..self }
    }

    /// This index with the reason it exists, for a constraint no shape needs (an index a shape
    /// declares exists for that shape: the registry knows which).
    #[must_use]
    pub const fn because(self, reason: &'static str) -> Self {
        Self { serves: reason, ..self }
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

    /// This index as a partial index of the documents `filter` selects.
    #[must_use]
    pub const fn partial(self, filter: fn() -> Document) -> Self {
        Self { partial_filter: Some(filter), ..self }
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
}

impl QueryShape {
    /// The shape `name` (`collection.what`) on `index`'s collection, relying on `index`, with the
    /// defaults: no equality, sort, range or filtered field, a budget of one document examined
    /// per document returned, no limit, and the derived representative query.
    pub const fn new(name: &'static str, index: &'static IndexSpec) -> Self {
        Self {
            name,
            collection: index.collection,
            used_by: "",
            equality: &[],
            sort: &[],
            range: &[],
            filtered: &[],
            index,
            budget: 1.0,
            limit: None,
            representative: None,
        }
    }

    /// A lookup of one document by `_id` on `index` (usually [`IndexSpec::id`]).
    pub const fn by_id(name: &'static str, index: &'static IndexSpec) -> Self {
        Self::new(name, index).equality(&["_id"]).limit(1)
    }

    /// This shape, run by `code` (as reports show it: `OrderBook::get`).
    #[must_use]
    pub const fn used_by(self, code: &'static str) -> Self {
        Self { used_by: code, ..self }
    }

    /// This shape with `fields` compared for equality (or `$in`).
    #[must_use]
    pub const fn equality(self, fields: &'static [&'static str]) -> Self {
        Self { equality: fields, ..self }
    }

    /// This shape sorted by `sort`, in order.
    #[must_use]
    pub const fn sort(self, sort: &'static [(&'static str, i32)]) -> Self {
        Self { sort, ..self }
    }

    /// This shape with `fields` compared with a range (`$gt`, `$lte`, keyset cursors).
    #[must_use]
    pub const fn range(self, fields: &'static [&'static str]) -> Self {
        Self { range: fields, ..self }
    }

    /// This shape with `fields` tested on the documents the index found.
    #[must_use]
    pub const fn filtered(self, fields: &'static [&'static str]) -> Self {
        Self { filtered: fields, ..self }
    }

    /// This shape with a budget of `examined` documents per document returned.
    #[must_use]
    pub const fn budget(self, examined: f64) -> Self {
        Self { budget: examined, ..self }
    }

    /// This shape returning at most `limit` documents, as its code asks.
    #[must_use]
    pub const fn limit(self, limit: i64) -> Self {
        Self { limit: Some(limit), ..self }
    }

    /// This shape with its own representative query, for what the derived one cannot say
    /// (ranges, operators, aggregations).
    #[must_use]
    pub const fn representative(self, probe: fn(&Document) -> Option<Probe>) -> Self {
        Self { representative: Some(probe), ..self }
    }

    /// The representative query, with values from `sample` (a document of the collection):
    /// the shape's own, or the derived one, a `find` of the equality fields with the sample's
    /// values, the shape's sort and its limit. `None` when the sample lacks a field it needs.
    pub fn probe(&self, sample: &Document) -> Option<Probe> {
        if let Some(representative) = self.representative {
            return representative(sample);
        }
        let mut filter = Document::new();
        for field in self.equality {
            filter.insert(*field, sample.get(field)?.clone());
        }
        let sort = (!self.sort.is_empty()).then(|| {
            self.sort.iter().fold(doc! {}, |mut sort, (field, direction)| {
                sort.insert(*field, *direction);
                sort
            })
        });
        Some(Probe::Find { filter, sort, limit: self.limit })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BY_CUSTOMER: IndexSpec = crate::index!("orders", { "customer": 1, "placed_at": -1, "_id": -1 });
    const NEWEST: QueryShape = QueryShape::new("orders.by_customer", &BY_CUSTOMER)
        .equality(&["customer"])
        .sort(&[("placed_at", -1)])
        .limit(20);

    #[test]
    fn a_shape_takes_the_defaults_and_its_collection_from_its_index() {
        assert_eq!((NEWEST.collection, NEWEST.budget, NEWEST.used_by), ("orders", 1.0, ""));
        assert!(NEWEST.range.is_empty() && NEWEST.filtered.is_empty() && NEWEST.representative.is_none());
    }

    #[test]
    fn the_derived_probe_finds_the_samples_equality_values_with_the_sort_and_limit() {
        let sample = doc! { "_id": 7, "customer": "c-1", "placed_at": 3 };

        let probe = NEWEST.probe(&sample);

        let expected = doc! { "customer": "c-1" };
        assert_eq!(
            probe,
            Some(Probe::Find { filter: expected, sort: Some(doc! { "placed_at": -1 }), limit: Some(20) })
        );
        assert_eq!(NEWEST.probe(&doc! { "_id": 7 }), None, "the sample lacks the customer");
    }

    #[test]
    fn a_lookup_by_id_finds_one_document_on_the_id_index() {
        const ID: IndexSpec = IndexSpec::id("orders");
        let by_id = QueryShape::by_id("orders.by_id", &ID);

        let probe = by_id.probe(&doc! { "_id": 7 });

        assert_eq!(probe, Some(Probe::Find { filter: doc! { "_id": 7 }, sort: None, limit: Some(1) }));
    }
}
