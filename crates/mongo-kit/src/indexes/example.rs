//! A small registry of orders and holds for the kit's own tests. Its indexes keep names of their
//! own (`.named`), as a service's would once servers have them.

use std::time::Duration;

use bson::{Document, doc};

use super::{IndexSpec, Probe, QueryShape, Registry};

/// Orders are unique by reference.
pub(crate) const REFERENCE_UNIQUE: IndexSpec = crate::index!("orders", { "reference": 1 })
    .named("reference_unique")
    .unique()
    .because("uniqueness of an order's reference");

/// A customer's orders, newest first.
pub(crate) const CUSTOMER_PLACED_ID: IndexSpec =
    crate::index!("orders", { "customer": 1, "placed_at": -1, "_id": -1 }).named("customer_placed_id");

const STATUS_ID: IndexSpec = crate::index!("orders", { "status": 1, "_id": 1 }).named("status_id");

const ORDERS_ID: IndexSpec = IndexSpec::id("orders");

/// Holds expire at their date.
pub(crate) const EXPIRES_TTL: IndexSpec =
    crate::index!("holds", { "expires_at": 1 }).named("expires_ttl").ttl(Duration::ZERO).because("expiry of holds");

fn by_status(sample: &Document) -> Option<Probe> {
    let status = sample.get("status")?.clone();
    Some(Probe::Find { filter: doc! { "status": status }, sort: Some(doc! { "_id": 1 }), limit: Some(100) })
}

/// The shapes.
pub(crate) static SHAPES: [QueryShape; 3] = [
    QueryShape::by_id("orders.by_id", &ORDERS_ID).used_by("OrderBook::get"),
    QueryShape::new("orders.by_customer", &CUSTOMER_PLACED_ID)
        .equality(&["customer"])
        .sort(&[("placed_at", -1), ("_id", -1)])
        .limit(20)
        .used_by("OrderBook::for_customer"),
    QueryShape::new("orders.by_status", &STATUS_ID)
        .equality(&["status"])
        .sort(&[("_id", 1)])
        .representative(by_status)
        .used_by("OrderBook::pending"),
];

/// The example registry.
pub(crate) fn registry() -> Registry {
    Registry::new(&SHAPES, &[REFERENCE_UNIQUE, EXPIRES_TTL]).expect("the example registry is valid")
}
