//! Faults: a run killed part-way resumes from its checkpoint and ends as an uninterrupted run
//! does; a refused document fails the run, which resumes once it is fixed; two runners never
//! both migrate.

use mongo_kit::migrate::{Lease, LeaseOptions, RunError, RunState};
use mongo_store::MongoStore;
use mongo_store::documents::stored_uuid;
use mongodb::bson::doc;

use super::fixtures::{all_products, at_version, ids, migration_events, options, products, raw, registry, seed};
use crate::support::fixture::store_test;

#[store_test(mongo)]
async fn a_run_killed_part_way_resumes_and_ends_as_an_uninterrupted_run(store: &MongoStore) {
    // Arrange: the same ten legacy products in this database and in a second one.
    let Some(reference) = crate::support::mongo::connect(
        "migrate::faults::a_run_killed_part_way_resumes_and_ends_as_an_uninterrupted_run::mongo (reference)",
    )
    .await
    else {
        return;
    };
    let (legacy, current) = (ids(10), ids(2));
    seed(store, &legacy, &current).await;
    seed(&reference, &legacy, &current).await;
    let registry = registry();
    mongo_store::migrations::runner(&reference, &registry, options("reference", 3))
        .up()
        .await
        .expect("uninterrupted run");
    let mut crashing = options("crashing", 3);
    crashing.halt_after_batches = Some(2);

    // Act: the first runner dies after two batches, holding its lease; the next one waits for
    // the lease to expire and resumes.
    let halted = mongo_store::migrations::runner(store, &registry, crashing).up().await.expect("run until the crash");
    let resumed = mongo_store::migrations::runner(store, &registry, options("resuming", 3)).up().await.expect("resume");

    // Assert
    assert!(halted.halted);
    let first_run = halted.migrations[0].run.clone().expect("the halted run is recorded");
    assert_eq!((first_run.state, halted.migrations[0].counts.migrated), (RunState::Running, 6));
    let second = &resumed.migrations[0];
    let run = second.run.as_ref().expect("the resumed run is recorded");
    assert_eq!(run.run_id, first_run.run_id, "the same run resumed");
    assert_eq!((run.state, run.resumes, run.counts.migrated), (RunState::Completed, 1, 10));
    assert_eq!(second.counts.scanned, 4, "finished batches were not read again");
    assert_eq!(all_products(store).await, all_products(&reference).await, "same documents as without the crash");
    assert_eq!(migration_events(store).await.len(), 10, "one audit event per product, none twice");
    reference.drop_database().await.expect("drop the reference database");
}

#[store_test(mongo)]
async fn a_refused_document_fails_the_run_which_resumes_once_it_is_fixed(store: &MongoStore) {
    // Arrange: five legacy products; the fourth has a price no euro amount can hold.
    let legacy = ids(5);
    seed(store, &legacy, &[]).await;
    let fourth = doc! { "_id": stored_uuid(legacy[3]) };
    products(store).update_one(fourth.clone(), doc! { "$set": { "price": 4.995 } }).await.expect("break a price");
    let registry = registry();

    // Act
    let failed = mongo_store::migrations::runner(store, &registry, options("first", 2)).up().await;
    products(store).update_one(fourth, doc! { "$set": { "price": 4.99 } }).await.expect("fix the price");
    let fixed = mongo_store::migrations::runner(store, &registry, options("second", 2))
        .up()
        .await
        .expect("resume after the fix");

    // Assert
    match failed {
        Err(RunError::Document { id, .. }) => assert_eq!(id, legacy[3].to_string()),
        other => panic!("expected a refused document, got {other:?}"),
    }
    let run = fixed.migrations[0].run.as_ref().expect("the run is recorded");
    assert_eq!((run.state, run.resumes, run.counts.migrated), (RunState::Completed, 1, 5));
    assert_eq!(at_version(store, 1).await, 0);
    assert_eq!(migration_events(store).await.len(), 5);
}

#[store_test(mongo)]
async fn a_second_runner_exits_while_the_lease_is_held(store: &MongoStore) {
    // Arrange: another runner holds the lease on products.
    seed(store, &ids(3), &[]).await;
    let options_held = LeaseOptions::default();
    let held = Lease::acquire(store.database(), store.profiles(), "products", "other-host", options_held)
        .await
        .expect("take the lease");
    let mut impatient = options("impatient", 10);
    impatient.lease.wait = std::time::Duration::ZERO;

    // Act
    let refused = mongo_store::migrations::runner(store, &registry(), impatient).up().await;

    // Assert
    match refused {
        Err(error @ RunError::LeaseHeld { .. }) => assert!(error.to_string().contains("other-host"), "{error}"),
        other => panic!("expected the lease to be held, got {other:?}"),
    }
    assert_eq!(at_version(store, 1).await, 3, "nothing was migrated");
    held.release().await.expect("release the lease");
}

#[store_test(mongo)]
async fn two_concurrent_runners_never_both_migrate_a_document(store: &MongoStore) {
    // Arrange
    seed(store, &ids(20), &[]).await;
    let mut first = options("first", 4);
    let mut second = options("second", 4);
    first.lease.wait = std::time::Duration::ZERO;
    second.lease.wait = std::time::Duration::ZERO;

    // Act
    let start = |options| {
        let store = store.clone();
        tokio::spawn(async move { mongo_store::migrations::runner(&store, &registry(), options).up().await })
    };
    let (a, b) = (start(first), start(second));
    let (a, b) = (a.await.expect("the first runner finished"), b.await.expect("the second runner finished"));

    // Assert: one runner migrated everything in one run; the other was turned away by the lease
    // or came after it and found nothing pending.
    let migrated = |outcome: &Result<mongo_kit::migrate::RunReport, RunError>| match outcome {
        Ok(report) => report.migrations[0].counts.migrated,
        Err(RunError::LeaseHeld { .. }) => 0,
        Err(other) => panic!("unexpected failure: {other}"),
    };
    let mut counts = [migrated(&a), migrated(&b)];
    counts.sort_unstable();
    assert_eq!(counts, [0, 20]);
    assert_eq!(raw(store, mongo_kit::migrate::RUNS, doc! {}).await.len(), 1, "one run in the changelog");
    assert_eq!(migration_events(store).await.len(), 20);
    assert_eq!(at_version(store, 1).await, 0);
}
