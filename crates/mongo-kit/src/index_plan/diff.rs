//! The comparison itself, free of I/O: declared indexes against what `listIndexes` answered.
//!
//! A declared index is found on the server by name first, then by its keys: a team may have
//! created the same index under its own name, and MongoDB refuses a second equivalent index
//! under another name (IndexOptionsConflict), so the keys identify it; the other name is then a
//! difference. Keys are compared in order with their directions: `{a: 1, b: 1}` is not
//! `{b: 1, a: 1}`.

use bson::{Bson, Document};
use serde::Serialize;

use crate::indexes::{ID_INDEX, IndexSpec};

/// An index as the server lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExistingIndex {
    /// The collection.
    pub collection: String,
    /// The server's name for it.
    pub name: String,
    /// Key fields and directions, in order.
    pub keys: Document,
    /// Whether the keys are unique.
    pub unique: bool,
    /// TTL seconds, for TTL indexes.
    pub expire_after_secs: Option<u64>,
    /// The partial filter, for partial indexes.
    pub partial_filter: Option<Document>,
}

impl ExistingIndex {
    /// Whether this is the `_id` index every collection has (never extra, never dropped).
    pub fn is_builtin(&self) -> bool {
        self.name == ID_INDEX || same_keys(&self.keys, &bson::doc! { "_id": 1 })
    }
}

/// One way an existing index departs from its declaration.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Difference {
    /// The same index under another name.
    Name {
        /// The server's name for it.
        server: String,
    },
    /// Same name, other keys or key order.
    Keys {
        /// The keys on the server.
        server: Document,
    },
    /// Unique on one side only.
    Unique {
        /// As declared.
        declared: bool,
    },
    /// Another TTL, or a TTL on one side only.
    Ttl {
        /// Seconds as declared.
        declared: Option<u64>,
        /// Seconds on the server.
        server: Option<u64>,
    },
    /// Another partial filter, or one on one side only.
    PartialFilter {
        /// As declared.
        declared: Option<Document>,
        /// On the server.
        server: Option<Document>,
    },
}

/// What the plan says about one index.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum PlanItem {
    /// Declared, and the server has it as declared, under the declared name.
    InStep {
        /// The declaration.
        spec: IndexSpec,
    },
    /// Declared, not on the server.
    Missing {
        /// The declaration.
        spec: IndexSpec,
    },
    /// On the server under another name, or declared with other keys or options.
    Different {
        /// The declaration.
        spec: IndexSpec,
        /// The server's index.
        existing: ExistingIndex,
        /// How they differ.
        differences: Vec<Difference>,
    },
    /// On the server (in a collection the registry knows), not declared.
    Extra {
        /// The server's index.
        existing: ExistingIndex,
    },
    /// On the server and supporting the collection's shard key: kept as it is, declared or not
    /// (see `shard_keys`).
    ShardKey {
        /// The server's index.
        existing: ExistingIndex,
        /// The declaration it was matched with, when the registry declares it another way.
        spec: Option<IndexSpec>,
    },
}

/// Compares `declared` with `existing` (both for the same collections).
pub fn diff(declared: &[IndexSpec], existing: &[ExistingIndex]) -> Vec<PlanItem> {
    let mut unmatched: Vec<&ExistingIndex> = existing.iter().filter(|index| !index.is_builtin()).collect();
    let mut items = Vec::new();
    for spec in declared.iter().filter(|spec| !spec.is_builtin()) {
        let in_collection = |index: &&ExistingIndex| index.collection == spec.collection;
        let by_name = unmatched.iter().position(|index| in_collection(index) && index.name == spec.name);
        let found = by_name.or_else(|| {
            unmatched.iter().position(|index| in_collection(index) && same_keys(&index.keys, &spec.key_document()))
        });
        let Some(position) = found else {
            items.push(PlanItem::Missing { spec: *spec });
            continue;
        };
        let existing = unmatched.remove(position);
        let differences = differences(spec, existing);
        items.push(if differences.is_empty() {
            PlanItem::InStep { spec: *spec }
        } else {
            PlanItem::Different { spec: *spec, existing: existing.clone(), differences }
        });
    }
    items.extend(unmatched.into_iter().map(|existing| PlanItem::Extra { existing: existing.clone() }));
    items
}

fn differences(spec: &IndexSpec, existing: &ExistingIndex) -> Vec<Difference> {
    let mut found = Vec::new();
    if existing.name != spec.name {
        found.push(Difference::Name { server: existing.name.clone() });
    }
    if !same_keys(&existing.keys, &spec.key_document()) {
        found.push(Difference::Keys { server: existing.keys.clone() });
    }
    if existing.unique != spec.unique {
        found.push(Difference::Unique { declared: spec.unique });
    }
    let ttl = spec.expire_after.map(|after| after.as_secs());
    if existing.expire_after_secs != ttl {
        found.push(Difference::Ttl { declared: ttl, server: existing.expire_after_secs });
    }
    let partial = spec.partial_filter.map(|filter| filter());
    if existing.partial_filter != partial {
        found.push(Difference::PartialFilter { declared: partial, server: existing.partial_filter.clone() });
    }
    found
}

/// Same fields in the same order with the same directions (`1`, `1_i64` and `1.0` are one).
pub fn same_keys(left: &Document, right: &Document) -> bool {
    left.len() == right.len()
        && left.iter().zip(right).all(|((a, da), (b, db))| a == b && direction(da) == direction(db))
}

fn direction(value: &Bson) -> Option<i64> {
    match value {
        Bson::Int32(n) => Some(i64::from(*n)),
        Bson::Int64(n) => Some(*n),
        #[expect(clippy::cast_possible_truncation, reason = "index directions are 1 or -1")]
        Bson::Double(n) => Some(*n as i64),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use bson::doc;

    use super::*;
    use crate::indexes::example;

    fn as_listed(spec: &IndexSpec, name: &str) -> ExistingIndex {
        ExistingIndex {
            collection: spec.collection.to_owned(),
            name: name.to_owned(),
            keys: spec.key_document(),
            unique: spec.unique,
            expire_after_secs: spec.expire_after.map(|after| after.as_secs()),
            partial_filter: None,
        }
    }

    fn orders() -> Vec<IndexSpec> {
        example::registry().for_collection("orders").copied().collect()
    }

    fn every() -> Vec<IndexSpec> {
        example::registry().indexes().to_vec()
    }

    #[test]
    fn indexes_listed_as_declared_are_in_step() {
        let listed: Vec<_> = every().iter().map(|spec| as_listed(spec, spec.name)).collect();

        let plan = diff(&every(), &listed);

        assert!(plan.iter().all(|item| matches!(item, PlanItem::InStep { .. })), "{plan:?}");
    }

    #[test]
    fn the_same_keys_under_another_name_are_found_and_the_name_is_a_difference() {
        let listed: Vec<_> = every().iter().map(|spec| as_listed(spec, &format!("idx_{}", spec.name))).collect();

        let plan = diff(&every(), &listed);

        assert_eq!(plan.len(), every().len(), "no extra index: {plan:?}");
        for (item, spec) in plan.iter().zip(every().iter()) {
            let expected = [Difference::Name { server: format!("idx_{}", spec.name) }];
            assert!(matches!(item, PlanItem::Different { differences, .. } if differences[..] == expected), "{item:?}");
        }
    }

    #[test]
    fn a_declared_index_the_server_lacks_is_missing() {
        let declared = orders();
        let listed: Vec<_> = declared.iter().skip(1).map(|spec| as_listed(spec, spec.name)).collect();

        let plan = diff(&declared, &listed);

        assert_eq!(plan.iter().filter(|item| matches!(item, PlanItem::Missing { .. })).count(), 1, "{plan:?}");
    }

    #[test]
    fn an_undeclared_index_is_extra_and_the_id_index_never_is() {
        let declared = orders();
        let mut listed: Vec<_> = declared.iter().map(|spec| as_listed(spec, spec.name)).collect();
        let id = ExistingIndex { name: "_id_".to_owned(), keys: doc! { "_id": 1 }, ..listed[0].clone() };
        let extra = ExistingIndex { name: "name_1".to_owned(), keys: doc! { "name": 1 }, ..listed[0].clone() };
        listed.extend([id, extra]);

        let plan = diff(&declared, &listed);

        let extras: Vec<_> = plan.iter().filter(|item| matches!(item, PlanItem::Extra { .. })).collect();
        assert!(matches!(extras.as_slice(), [PlanItem::Extra { existing }] if existing.name == "name_1"), "{plan:?}");
    }

    #[test]
    fn same_name_with_keys_in_another_order_is_a_difference() {
        let spec = example::CUSTOMER_PLACED_ID;
        let swapped = ExistingIndex {
            keys: doc! { "placed_at": -1, "customer": 1, "_id": -1 },
            ..as_listed(&spec, "customer_placed_id")
        };

        let plan = diff(&[spec], &[swapped]);

        assert!(
            matches!(&plan[..], [PlanItem::Different { differences, .. }] if matches!(differences[..], [Difference::Keys { .. }])),
            "{plan:?}"
        );
    }

    #[test]
    fn another_ttl_or_uniqueness_is_a_difference() {
        let (ttl, unique) = (example::EXPIRES_TTL, example::REFERENCE_UNIQUE);
        let listed = [
            ExistingIndex { expire_after_secs: Some(3600), ..as_listed(&ttl, ttl.name) },
            ExistingIndex { unique: false, ..as_listed(&unique, unique.name) },
        ];

        let plan = diff(&[ttl, unique], &listed);

        let found: Vec<_> = plan
            .iter()
            .flat_map(|item| match item {
                PlanItem::Different { differences, .. } => differences.clone(),
                _ => Vec::new(),
            })
            .collect();
        assert_eq!(
            found,
            vec![Difference::Ttl { declared: Some(0), server: Some(3600) }, Difference::Unique { declared: true }]
        );
    }

    #[test]
    fn directions_compare_by_value_whatever_the_number_type() {
        assert!(same_keys(&doc! { "a": 1, "_id": -1 }, &doc! { "a": 1.0, "_id": -1_i64 }));
        assert!(!same_keys(&doc! { "a": 1, "_id": -1 }, &doc! { "a": 1, "_id": 1 }));
    }
}
