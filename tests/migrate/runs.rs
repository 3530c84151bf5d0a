//! Ordinary runs: a collection of mixed versions migrates fully, readers accept both versions
//! meanwhile, and a dry run counts without writing.

use domain::ProductId;
use mongo_kit::migrate::{RunState, status};
use mongo_store::MongoStore;
use mongodb::bson::doc;

use super::fixtures::{
    all_products, at_version, ids, integer, legacy_price, migration_events, options, products, raw, registry, seed,
    subject,
};
use crate::support::fixture::store_test;

#[store_test(mongo)]
async fn a_collection_of_mixed_versions_migrates_fully(store: &MongoStore) {
    // Arrange: seven legacy products and three current ones, in batches of three.
    let (legacy, current) = (ids(7), ids(3));
    seed(store, &legacy, &current).await;
    let registry = registry();

    // Act
    let report = mongo_store::migrations::runner(store, &registry, options("mixed", 3)).up().await.expect("migrate");

    // Assert: nothing left at version 1, every price converted, one audit event per change.
    assert_eq!(at_version(store, 1).await, 0);
    assert_eq!(at_version(store, 2).await, 10);
    let migrated = &report.migrations[0];
    assert_eq!((migrated.pending_at_start, migrated.counts.migrated, migrated.counts.skipped), (7, 7, 0));
    let run = migrated.run.as_ref().expect("the run is in the changelog");
    assert_eq!(run.state, RunState::Completed);
    for (i, id) in legacy.iter().enumerate() {
        let stored = raw(store, "products", doc! { "_id": mongo_store::documents::stored_uuid(*id) }).await;
        let expected = (legacy_price(i) * 100.0).round() as i64;
        assert_eq!(integer(&stored[0], "price_minor"), Some(expected), "{}", stored[0]);
        assert!(stored[0].get("price").is_none(), "the legacy field is gone: {}", stored[0]);
        assert_eq!(integer(&stored[0], "version"), Some(3), "the product's own version is untouched");
    }
    let events = migration_events(store).await;
    assert_eq!(events.len(), 7);
    for id in &legacy {
        let event = events.iter().find(|e| e.get("subject") == Some(&subject(*id))).expect("an event per product");
        let details = event.get_document("details").expect("details");
        assert_eq!(details.get_str("run_id").ok(), Some(run.run_id.as_str()));
        assert_eq!(details.get_str("migration").ok(), Some(mongo_store::migrations::PRODUCTS_PRICE_MINOR_UNITS));
        let (before, after) = (details.get_str("fingerprint_before"), details.get_str("fingerprint_after"));
        assert!(matches!((before, after), (Ok(b), Ok(a)) if b.len() == 64 && a.len() == 64 && a != b));
    }
    let statuses = status(store.database(), store.profiles(), &registry).await.expect("read the status");
    assert_eq!(statuses[0].pending, 0);
    assert_eq!(statuses[0].runs.first().map(|r| (r.state, r.counts.migrated)), Some((RunState::Completed, 7)));
}

#[store_test(mongo)]
async fn readers_accept_both_versions_while_a_migration_is_pending(store: &MongoStore) {
    // Arrange: one product per layout.
    let (legacy, current) = (ids(1), ids(1));
    seed(store, &legacy, &current).await;
    let repos = store.repositories();

    // Act
    let old = repos.products.get(ProductId::from_uuid(legacy[0])).await.expect("read a version 1 product");
    let new = repos.products.get(ProductId::from_uuid(current[0])).await.expect("read a version 2 product");

    // Assert
    assert_eq!((old.price.minor(), old.price.currency().as_str()), (199, "EUR"));
    assert_eq!(new.price.minor(), 500);
    let statuses = status(store.database(), store.profiles(), &registry()).await.expect("read the status");
    assert_eq!(statuses[0].pending, 1, "status counts the pending document");
    assert!(statuses[0].runs.is_empty());
}

#[store_test(mongo)]
async fn a_dry_run_counts_what_would_change_and_writes_nothing(store: &MongoStore) {
    // Arrange: four convertible legacy products, one whose price needs rounding, one current.
    let (legacy, current) = (ids(4), ids(1));
    seed(store, &legacy, &current).await;
    let refused = uuid::Uuid::now_v7();
    let bad = super::fixtures::legacy_product(refused, 19.995, "EUR");
    products(store).insert_one(bad).await.expect("seed a product that needs rounding");
    let before = all_products(store).await;
    let mut dry = options("dry", 2);
    dry.dry_run = true;

    // Act
    let report = mongo_store::migrations::runner(store, &registry(), dry).up().await.expect("dry run");

    // Assert: the counts, and not one write anywhere.
    let counted = &report.migrations[0];
    assert!(report.dry_run);
    assert_eq!((counted.pending_at_start, counted.counts.scanned, counted.counts.migrated), (5, 5, 4));
    assert_eq!(counted.refusals.len(), 1);
    assert!(counted.refusals[0].contains(&refused.to_string()), "{:?}", counted.refusals);
    assert!(counted.run.is_none());
    assert_eq!(all_products(store).await, before);
    for collection in [mongo_kit::migrate::RUNS, mongo_kit::migrate::LEASES, "audit"] {
        assert!(raw(store, collection, doc! {}).await.is_empty(), "{collection} was written");
    }
}
