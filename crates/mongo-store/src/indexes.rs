//! The shop's query shapes and indexes on the kit's registry ([`mongo_kit::indexes`]): every
//! query the store runs is declared once in `catalog` with the index it relies on, and
//! [`registry`] builds the kit's [`Registry`] from those declarations, which checks them (key
//! order equality → sort → range, unique names, one definition per index). Index plan, apply,
//! audit and start-up all take this registry; there is no second list.
//!
//! # Layout
//! - `catalog`: the shop's indexes and query shapes.
//! - `representative`: the representative queries the kit cannot derive, built from a sample document.
//! - `explained` (tests): explain replies recorded for the shop's shapes, parsed and judged.

mod catalog;
#[cfg(test)]
mod explained;
mod representative;

use std::collections::BTreeMap;
use std::sync::LazyLock;

pub use catalog::{CONSTRAINTS, SHAPES};
use mongo_kit::indexes::{IndexSpec, QueryShape, Registry};

/// The shop's registry, built once from the catalog.
static REGISTRY: LazyLock<Registry> =
    LazyLock::new(|| Registry::new(SHAPES, &constraints()).expect("the shop's query-shape catalog is valid"));

fn constraints() -> Vec<IndexSpec> {
    CONSTRAINTS.iter().map(|spec| **spec).collect()
}

/// The shop's query-shape registry.
pub fn registry() -> &'static Registry {
    &REGISTRY
}

/// Every index the shop creates (never `_id_`), derived from [`SHAPES`] and [`CONSTRAINTS`].
pub static INDEXES: LazyLock<&'static [IndexSpec]> = LazyLock::new(|| registry().indexes());

/// The shop's derived indexes grouped by collection (sorted by collection name).
pub fn declared() -> BTreeMap<&'static str, Vec<IndexSpec>> {
    registry().declared()
}

/// The shop's indexes of `collection`.
pub fn for_collection(collection: &str) -> impl Iterator<Item = &'static IndexSpec> + '_ {
    registry().for_collection(collection)
}

/// The shop's shape called `name`.
pub fn shape(name: &str) -> Option<&'static QueryShape> {
    registry().shape(name)
}

#[cfg(test)]
mod tests {
    use bson::doc;

    use super::*;

    #[test]
    fn the_catalog_is_a_valid_registry() {
        assert!(Registry::new(SHAPES, &constraints()).is_ok());
        assert_eq!(registry().shapes().len(), SHAPES.len());
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
    fn the_shops_indexes_keep_the_names_servers_already_have() {
        // MongoDB cannot rename an index: a changed name is a drop and a rebuild on every deployment.
        let names: Vec<_> = INDEXES.iter().map(|spec| format!("{}.{}", spec.collection, spec.name)).collect();

        assert_eq!(
            names,
            [
                "audit.subject_newest",
                "audit.action_newest",
                "idempotency_keys.expires_at_ttl",
                "ledger.wallet_id_newest",
                "migration_runs.migration_started_newest",
                "migration_runs.started_newest",
                "products.sku_unique",
                "products.category_price_id",
                "products.price_id",
                "products.schema_version_id",
                "sessions.expires_at_ttl",
            ]
        );
    }

    #[test]
    fn every_shape_builds_its_representative_query_from_a_full_sample() {
        let sample = doc! {
            "_id": bson::Uuid::new(), "sku": "A-1", "name": "a", "category": "books", "price_minor": 100_i64,
            "schema_version": 2, "wallet_id": bson::Uuid::new(), "subject": "product:1", "action": "product.created",
            "migration": "m", "expires_at": bson::DateTime::now(),
        };

        for shape in SHAPES {
            assert!(shape.probe(&sample).is_some(), "{}", shape.name);
        }
    }
}
