//! A small registry of orders and holds for the kit's own tests.

use std::time::Duration;

use bson::{Document, doc};

use super::{IndexSpec, Probe, QueryShape, Registry};

/// Orders are unique by reference.
pub(crate) const REFERENCE_UNIQUE: IndexSpec = IndexSpec {
    collection: "orders",
    name: "reference_unique",
    keys: &[("reference", 1)],
    unique: true,
    expire_after: None,
    partial_filter: None,
    serves: "uniqueness of an order's reference",
};

/// A customer's orders, newest first.
pub(crate) const CUSTOMER_PLACED_ID: IndexSpec = IndexSpec {
    name: "customer_placed_id",
    keys: &[("customer", 1), ("placed_at", -1), ("_id", -1)],
    unique: false,
    serves: "orders.by_customer",
    ..REFERENCE_UNIQUE
};

const STATUS_ID: IndexSpec = IndexSpec {
    name: "status_id",
    keys: &[("status", 1), ("_id", 1)],
    serves: "orders.by_status",
    ..CUSTOMER_PLACED_ID
};

const ORDERS_ID: IndexSpec = IndexSpec::id("orders");

/// Holds expire at their date.
pub(crate) const EXPIRES_TTL: IndexSpec = IndexSpec {
    collection: "holds",
    name: "expires_ttl",
    keys: &[("expires_at", 1)],
    unique: false,
    expire_after: Some(Duration::ZERO),
    partial_filter: None,
    serves: "expiry of holds",
};

fn by_customer(sample: &Document) -> Option<Probe> {
    let customer = sample.get("customer")?.clone();
    Some(Probe::Find {
        filter: doc! { "customer": customer },
        sort: Some(doc! { "placed_at": -1, "_id": -1 }),
        limit: Some(20),
    })
}

fn by_status(sample: &Document) -> Option<Probe> {
    let status = sample.get("status")?.clone();
    Some(Probe::Find { filter: doc! { "status": status }, sort: Some(doc! { "_id": 1 }), limit: Some(100) })
}

fn by_id(sample: &Document) -> Option<Probe> {
    Some(Probe::Find { filter: doc! { "_id": sample.get("_id")?.clone() }, sort: None, limit: Some(1) })
}

const BASE: QueryShape = QueryShape {
    name: "orders.by_id",
    collection: "orders",
    used_by: "OrderBook::get",
    equality: &["_id"],
    sort: &[],
    range: &[],
    filtered: &[],
    index: &ORDERS_ID,
    budget: 1.0,
    representative: by_id,
};

/// The shapes.
pub(crate) static SHAPES: [QueryShape; 3] = [
    BASE,
    QueryShape {
        name: "orders.by_customer",
        used_by: "OrderBook::for_customer",
        equality: &["customer"],
        sort: &[("placed_at", -1), ("_id", -1)],
        index: &CUSTOMER_PLACED_ID,
        representative: by_customer,
        ..BASE
    },
    QueryShape {
        name: "orders.by_status",
        used_by: "OrderBook::pending",
        equality: &["status"],
        sort: &[("_id", 1)],
        index: &STATUS_ID,
        representative: by_status,
        ..BASE
    },
];

/// The example registry.
pub(crate) fn registry() -> Registry {
    Registry::new(&SHAPES, &[REFERENCE_UNIQUE, EXPIRES_TTL]).expect("the example registry is valid")
}
