//! A batch reads its skus first and writes only what differs: honest counts whoever wrote the
//! stored products, no write for an unchanged one, and a sku stored by someone else between the
//! batch's read and its insert ends updated, never failed or twice stored.

use std::time::Duration;

use domain::ProductRepository as _;
use domain::ingest::{ProductIngest as _, UpsertOutcome};
use domain::product::ProductDraft;
use mongo_kit_test::proxy::{Fault, Rule};
use mongo_store::ingest::MongoIngest;
use shop::ingest::rejects::RejectSink;

use super::fixtures::{Harness, ingest_lines, line, run_args, stored};
use crate::support::fixture::{TestName, store_test};

/// The draft `line` describes.
fn draft(sku: &str, price_minor: i64) -> ProductDraft {
    shop::ingest::pipeline::validate(line(sku, price_minor).as_bytes()).expect("a valid line")
}

#[store_test(memory, mongo, update_commands::mongo)]
async fn a_product_created_through_the_api_with_the_lines_content_is_unchanged_and_not_rewritten(harness: &Harness) {
    // Arrange: one product written by the API, not by ingest.
    let meta = domain::transfer::RequestMeta::of_principal("ingest-suite", "req-read-first");
    let created = harness
        .products
        .create(draft("API-1", 100).into_product(domain::Timestamp::now()), &meta)
        .await
        .expect("create through the repository");

    // Act
    let report = ingest_lines(
        harness,
        &[line("API-1", 100), line("API-2", 100), line("API-3", 100)],
        &run_args(10),
        &RejectSink::discard(),
    )
    .await;

    // Assert
    assert_eq!((report.unchanged, report.inserted, report.updated, report.failed), (1, 2, 0, 0), "{report:?}");
    let products = stored(harness).await;
    assert_eq!(products.len(), 3);
    assert_eq!(products[0], created, "an unchanged product keeps its version and timestamps");
}

#[store_test(memory, mongo, update_commands::mongo)]
async fn a_batch_mixing_new_changed_and_unchanged_lines_counts_each_as_it_was(harness: &Harness) {
    ingest_lines(harness, &[line("MIX-1", 100), line("MIX-2", 100)], &run_args(10), &RejectSink::discard()).await;
    let before = stored(harness).await;

    let results = harness
        .target
        .port
        .upsert_batch(vec![draft("MIX-3", 100), draft("MIX-2", 100), draft("MIX-1", 300)])
        .await
        .expect("a batch");

    let outcomes: Vec<UpsertOutcome> = results.into_iter().map(|r| r.expect("applied")).collect();
    assert_eq!(outcomes, [UpsertOutcome::Inserted, UpsertOutcome::Unchanged, UpsertOutcome::Updated]);
    let after = stored(harness).await;
    assert_eq!((after[0].id, after[0].version, after[0].price.minor()), (before[0].id, 2, 300));
    assert_eq!(after[1], before[1]);
    assert_eq!((after[2].version, after[2].price.minor()), (1, 100));
}

/// How long the proxy holds the batch's read back: time enough for another writer to store the sku.
const HOLD: Duration = Duration::from_millis(1500);

#[store_test(mongo)]
async fn a_sku_stored_by_another_writer_while_the_read_was_on_its_way_ends_updated(test: &TestName) {
    // Arrange: the batch's read reaches the server, its reply is held back.
    let Some((store, proxy)) = crate::support::proxied::connect(test, Vec::new(), |_| {}).await else { return };
    let ingest = MongoIngest::new(store.clone(), false);
    proxy.add(Rule::nth("find", 1, Fault::DelayReply(HOLD)));
    let batch =
        tokio::spawn(async move { ingest.upsert_batch(vec![draft("RIVAL-1", 200), draft("FREE-1", 100)]).await });
    while proxy.seen("find") == 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;

    // Act: another writer stores the sku the read found free.
    let meta = domain::transfer::RequestMeta::of_principal("ingest-suite", "req-rival");
    let rival = store
        .create(draft("RIVAL-1", 100).into_product(domain::Timestamp::now()), &meta)
        .await
        .expect("the other writer's product");
    let results = batch.await.expect("the batch task").expect("the batch");

    // Assert: the rival's product took the line's content, once, as an update.
    let outcomes: Vec<UpsertOutcome> = results.into_iter().map(|r| r.expect("no line fails")).collect();
    assert_eq!(outcomes, [UpsertOutcome::Updated, UpsertOutcome::Inserted]);
    let rival_now = store.get(rival.id).await.expect("read the rival's product");
    assert_eq!((rival_now.id, rival_now.version, rival_now.price.minor()), (rival.id, 2, 200));
    assert_eq!(rival_now.created_at, rival.created_at);
    if let Err(error) = store.drop_database().await {
        eprintln!("could not drop test database: {error}");
    }
}
