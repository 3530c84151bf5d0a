//! Start-up when the server refuses index creation with a conflict, injected by the fault proxy:
//! the refusals MongoDB answers (85 IndexOptionsConflict, 86 IndexKeySpecsConflict) whatever the
//! server under test does with conflicting indexes. A refused batch is retried one index at a
//! time; an index refused on its own is reported, and the store starts either way.

use mongo_kit_test::proxy::{Fault, Rule};
use mongo_store::index_plan::{apply, plan};
use mongo_store::indexes::{INDEXES, declared};

use crate::support::fixture::{TestName, store_test};
use crate::support::proxied;

#[store_test(mongo)]
async fn a_refused_batch_of_indexes_is_created_one_at_a_time(test: &TestName) {
    let refusal = Rule::nth("createIndexes", 1, Fault::error(85, "IndexOptionsConflict", &[]));
    let Some((store, proxy)) = proxied::connect(test, vec![refusal], |_| {}).await else { return };
    let sent = proxy.seen("createIndexes");
    let report = store.startup_report().schema.clone();
    proxy.clear();
    let plan = plan(&store).await.expect("plan");
    store.drop_database().await.expect("drop the test database");

    // One batch per collection, then the refused (first) collection's indexes one by one.
    let batches = declared();
    let first = batches.values().next().expect("a collection with indexes").len();
    assert_eq!(sent, batches.len() + first);
    assert!(report.index_conflicts.is_empty(), "every index was created on its own: {report:?}");
    assert_eq!(plan.missing().count(), 0, "{plan}");
}

#[store_test(mongo)]
async fn indexes_the_server_refuses_are_reported_and_start_up_goes_on(test: &TestName) {
    let refusal = Rule::every("createIndexes", Fault::error(86, "IndexKeySpecsConflict", &[]));
    let Some((store, proxy)) = proxied::connect(test, vec![refusal], |_| {}).await else { return };
    let report = store.startup_report().schema.clone();
    let shown = store.startup_report().to_string();
    proxy.clear();
    let applied = apply(&store, false).await.expect("apply once the server accepts indexes");
    let after = plan(&store).await.expect("plan after apply");
    store.drop_database().await.expect("drop the test database");

    assert_eq!(report.index_conflicts.len(), INDEXES.len(), "{report:?}");
    for (conflict, spec) in report.index_conflicts.iter().zip(INDEXES.iter()) {
        assert_eq!((conflict.collection.as_str(), conflict.index.as_str()), (spec.collection, spec.name));
        assert!(conflict.refusal.starts_with("IndexKeySpecsConflict"), "{conflict:?}");
        assert_eq!(conflict.differences, ["the server lists no such index"]);
        assert!(matches!(&conflict.reconcile[..], [create] if create.contains("createIndexes")), "{conflict:?}");
        assert!(shown.contains(&conflict.sentence()), "the start-up line names it: {shown}");
    }
    assert_eq!(applied.created.len(), INDEXES.len(), "{applied}");
    assert_eq!(after.missing().count(), 0, "{after}");
}
