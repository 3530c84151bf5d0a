//! Legacy product documents, runner options and raw reads shared by the migration tests.

use std::time::Duration;

use mongo_kit::migrate::{LeaseOptions, Registry, RunOptions};
use mongo_store::MongoStore;
use mongo_store::documents::stored_uuid;
use mongodb::bson::{Bson, DateTime, Document, doc};
use uuid::Uuid;

/// The shop's registry.
pub fn registry() -> Registry {
    mongo_store::migrations::shop().expect("the shop's migrations form a valid chain")
}

/// Options with `batch` documents per batch and a short lease, so a crashed run's lease expires
/// within the wait of the next runner.
pub fn options(owner: &str, batch: u32) -> RunOptions {
    let mut options = RunOptions::new(owner);
    options.batch_size = batch;
    options.lease =
        LeaseOptions { ttl: Duration::from_secs(2), wait: Duration::from_secs(20), ..LeaseOptions::default() };
    options
}

/// `n` fresh time-ordered ids.
pub fn ids(n: usize) -> Vec<Uuid> {
    (0..n).map(|_| Uuid::now_v7()).collect()
}

/// A product as version 1 stored it: the price a double in major units.
pub fn legacy_product(id: Uuid, price: f64, currency: &str) -> Document {
    let at = DateTime::from_millis(1_700_000_000_000);
    doc! {
        "_id": stored_uuid(id),
        "schema_version": 1,
        "sku": format!("LEGACY-{}", id.simple()),
        "name": "Legacy product",
        "category": "legacy",
        "price": price,
        "currency": currency,
        "attributes": { "colour": "red" },
        "tags": ["legacy"],
        "version": 3_i64,
        "created_at": at,
        "updated_at": at,
    }
}

/// A product as version 2 stores it.
pub fn current_product(id: Uuid, price_minor: i64) -> Document {
    let mut document = legacy_product(id, 0.0, "EUR");
    document.remove("price");
    document.insert("schema_version", 2);
    document.insert("price_minor", price_minor);
    document
}

/// The price of the `i`th seeded legacy product, in euros (`1.99`, `2.99`, …).
pub fn legacy_price(i: usize) -> f64 {
    i as f64 + 1.99
}

/// Inserts `legacy` version 1 products (prices [`legacy_price`]) and `current` version 2 ones
/// with the given ids.
pub async fn seed(store: &MongoStore, legacy: &[Uuid], current: &[Uuid]) {
    let mut documents: Vec<Document> =
        legacy.iter().enumerate().map(|(i, id)| legacy_product(*id, legacy_price(i), "EUR")).collect();
    documents.extend(current.iter().map(|id| current_product(*id, 500)));
    products(store).insert_many(documents).await.expect("seed products");
}

/// The raw products collection.
pub fn products(store: &MongoStore) -> mongodb::Collection<Document> {
    store.database().collection("products")
}

/// Every product document, in `_id` order.
pub async fn all_products(store: &MongoStore) -> Vec<Document> {
    raw(store, "products", doc! {}).await
}

/// Every document of `collection` matching `filter`, in `_id` order.
pub async fn raw(store: &MongoStore, collection: &str, filter: Document) -> Vec<Document> {
    let mut cursor = store
        .database()
        .collection::<Document>(collection)
        .find(filter)
        .sort(doc! { "_id": 1 })
        .await
        .expect("query a collection");
    let mut documents = Vec::new();
    while cursor.advance().await.expect("read a document") {
        documents.push(Document::try_from(cursor.current()).expect("a well-formed document"));
    }
    documents
}

/// Products still at `version`.
pub async fn at_version(store: &MongoStore, version: i32) -> u64 {
    products(store).count_documents(doc! { "schema_version": version }).await.expect("count products")
}

/// The `migration.applied` audit events.
pub async fn migration_events(store: &MongoStore) -> Vec<Document> {
    raw(store, "audit", doc! { "action": "migration.applied" }).await
}

/// An integer field's value. Values are what these tests check: a server may return a small
/// Int64 as Int32 (the CI stand-in does), and stored widths are the documents tests' concern,
/// checked there behind a capability probe.
pub fn integer(document: &Document, field: &str) -> Option<i64> {
    match document.get(field)? {
        Bson::Int64(n) => Some(*n),
        Bson::Int32(n) => Some(i64::from(*n)),
        _ => None,
    }
}

/// The audit subject of a product.
pub fn subject(id: Uuid) -> Bson {
    Bson::String(format!("product:{id}"))
}
