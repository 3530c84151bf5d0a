//! The explain audit on a seeded data set. The server must explain for real (plans made of
//! stages, with figures); one that does not is named in a printed skip.

use mongo_kit::index_audit::{AuditOptions, AuditReport, Outcome, audit_shape};
use mongo_kit_test::skip::skip;
use mongo_store::MongoStore;
use mongo_store::index_audit::audit;
use mongo_store::indexes::{INDEXES, shape};

use super::plan::drop_declared;
use super::seed;
use crate::support::fixture::{TestName, store_test};
use crate::support::mongo;

/// A store with the seeded shop whose server explains for real and runs transactions, and its
/// audit, or `None` after a named skip. The explain probe runs before any transfer is written.
async fn seeded(test: &str) -> Option<(MongoStore, AuditReport)> {
    let store = mongo::connect(test).await?;
    let wallets = seed::catalog(&store).await;
    let by_sku = shape("products.by_sku").expect("declared shape");
    let probe = audit_shape(store.database(), store.profiles(), by_sku, AuditOptions::default()).await;
    let probe = probe.expect("explain a lookup by sku");
    let reason = if probe.outcome == Outcome::NoPlan {
        Some(format!("the server does not produce real explain figures: {}", probe.note.unwrap_or_default()))
    } else if !store.startup_report().transactions.is_supported() {
        Some("the server runs no transactions, so the ledger and transfer shapes have no data".to_owned())
    } else {
        None
    };
    if let Some(reason) = reason {
        store.drop_database().await.expect("drop the test database");
        skip(test, &reason);
        return None;
    }
    seed::transfers(&store, &wallets).await;
    let report = audit(&store, AuditOptions { runs: 3 }).await.expect("audit");
    Some((store, report))
}

#[store_test(mongo)]
async fn every_shape_passes_the_audit_on_a_seeded_data_set(test: &TestName) {
    let Some((store, report)) = seeded(test).await else { return };
    store.drop_database().await.expect("drop the test database");

    for shape in &report.shapes {
        assert_eq!(shape.outcome, Outcome::Pass, "{}\n{report}", shape.shape);
        assert!(shape.latency.is_some_and(|latency| latency.runs == 3), "{}", shape.shape);
    }
    assert!(report.passed(), "{report}");
    assert!(report.index_count > INDEXES.len(), "every declared index plus the _id indexes: {report}");
}

#[store_test(mongo)]
async fn dropping_an_index_makes_the_audit_fail_and_name_the_shape(test: &TestName) {
    let Some((store, _)) = seeded(test).await else { return };
    let lost = INDEXES.iter().find(|spec| spec.name == "category_price_id").expect("declared index");
    drop_declared(&store, lost).await;

    let report = audit(&store, AuditOptions::default()).await.expect("audit after the drop");
    store.drop_database().await.expect("drop the test database");

    let failed: Vec<&str> = report.failures().map(|shape| shape.shape).collect();
    assert!(failed.contains(&"products.list_by_category"), "{report}");
    let sentence = report.failures().map(|shape| shape.failure_sentence()).collect::<Vec<_>>().join("\n");
    assert!(sentence.contains("products.list_by_category") && sentence.contains("category_price_id"), "{sentence}");
    assert!(!report.passed());
}
