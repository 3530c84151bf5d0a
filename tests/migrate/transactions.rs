//! Each batch commits with its audit events and checkpoint: a lost write reply is retried inside
//! the batch's transaction, a run stopped by a persistent fault resumes, and either way every
//! changed document has exactly one audit event. A batch costs the read, one `bulkWrite` and the
//! commit where the server has client-level `bulkWrite`.

use mongo_kit::migrate::{RunError, RunState};
use mongo_kit::telemetry::commands_started;
use mongo_kit_test::proxy::{Fault, FaultProxy, Rule};
use mongo_kit_test::skip::skip;
use mongo_store::MongoStore;

use super::fixtures::{at_version, ids, migration_events, options, registry, seed};
use crate::support::fixture::{Fixture, store_test};

/// A store behind a fault proxy on a server with client-level `bulkWrite`, the write these faults
/// aim at (a named skip elsewhere).
struct BulkWriteProxy {
    store: MongoStore,
    proxy: FaultProxy,
}

impl Fixture for BulkWriteProxy {
    async fn mongo(test: &'static str) -> Option<Self> {
        let (store, proxy) = crate::support::proxied::connect(test, Vec::new(), |_| {}).await?;
        let fixture = Self { store, proxy };
        if has_client_bulk_write(&fixture.store) {
            return Some(fixture);
        }
        skip(test, "the server predates client-level bulkWrite (wire version 25)");
        fixture.finish().await;
        None
    }

    async fn finish(self) {
        self.proxy.clear();
        self.store.drop_database().await.expect("drop the test database");
    }
}

fn has_client_bulk_write(store: &MongoStore) -> bool {
    store.startup_report().max_wire_version.unwrap_or(0) >= mongo_kit::probe::CLIENT_BULK_WRITE_WIRE_VERSION
}

#[store_test(mongo)]
async fn a_lost_write_reply_is_retried_in_the_batch_and_audits_each_document_once(
    BulkWriteProxy { store, proxy }: &BulkWriteProxy,
) {
    // Arrange: nine legacy products, batches of three; the second batch's write reply is lost.
    seed(store, &ids(9), &[]).await;
    proxy.add(Rule::nth("bulkWrite", 2, Fault::CutAfterForward));

    // Act
    let report =
        mongo_store::migrations::runner(store, &registry(), options("cut", 3)).up().await.expect("the run completes");

    // Assert
    let run = report.migrations[0].run.as_ref().expect("the run is recorded");
    assert_eq!((run.state, run.counts.migrated), (RunState::Completed, 9));
    assert!(proxy.seen("bulkWrite") > 3, "the lost batch was sent again");
    assert_eq!(at_version(store, 1).await, 0, "every product migrated");
    assert_eq!(migration_events(store).await.len(), 9, "one audit event per product, none twice");
}

#[store_test(mongo)]
async fn a_run_stopped_by_a_persistent_fault_resumes_with_one_audit_event_per_document(
    BulkWriteProxy { store, proxy }: &BulkWriteProxy,
) {
    // Arrange: ten legacy products, batches of four; from the second batch on, every write reply
    // is lost, until the run gives up.
    seed(store, &ids(10), &[]).await;
    let registry = registry();
    let faulty = mongo_store::migrations::runner(store, &registry, options("faulty", 4))
        .on_progress(|_| proxy.add(Rule::every("bulkWrite", Fault::CutAfterForward)));

    // Act
    let stopped = faulty.up().await;
    proxy.clear();
    let events_after_stop = migration_events(store).await.len();
    let resumed =
        mongo_store::migrations::runner(store, &registry, options("resuming", 4)).up().await.expect("the run resumes");

    // Assert
    assert!(matches!(stopped, Err(RunError::Driver(_))), "the faulty run stopped: {stopped:?}");
    assert_eq!(events_after_stop, 4, "only the committed batch left events");
    let run = resumed.migrations[0].run.as_ref().expect("the resumed run is recorded");
    assert_eq!((run.state, run.resumes, run.counts.migrated), (RunState::Completed, 1, 10));
    assert_eq!(at_version(store, 1).await, 0, "every product migrated");
    assert_eq!(migration_events(store).await.len(), 10, "one audit event per product, none twice");
}

#[store_test(mongo)]
async fn a_batch_costs_one_read_one_bulk_write_and_the_commit(BulkWriteProxy { store, proxy }: &BulkWriteProxy) {
    // Arrange: 60 legacy products in batches of 20.
    seed(store, &ids(60), &[]).await;
    proxy.reset_counts();
    let started = std::time::Instant::now();
    let before = commands_started();

    // Act
    let report = mongo_store::migrations::runner(store, &registry(), options("counted", 20))
        .up()
        .await
        .expect("the run completes");

    // Assert: three batches and the empty read that ends the run.
    let (commands, elapsed) = (commands_started() - before, started.elapsed());
    let counts = report.migrations[0].counts;
    eprintln!(
        "migrated {} documents in {} batches: {commands} commands ({:.3} per document), {:.0} documents/s",
        counts.migrated,
        counts.batches,
        commands as f64 / counts.migrated as f64,
        counts.migrated as f64 / elapsed.as_secs_f64()
    );
    assert_eq!((counts.migrated, counts.batches), (60, 3));
    assert_eq!(proxy.seen("bulkWrite"), 3, "one bulkWrite per batch");
    assert_eq!(proxy.seen("commitTransaction"), 4, "one commit per batch, and the last empty read's");
    assert_eq!(migration_events(store).await.len(), 60);
}
