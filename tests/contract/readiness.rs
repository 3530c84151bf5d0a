//! `Readiness`: a store the suite can use reports itself ready.

use crate::support::TestStore;
use crate::support::fixture::store_test;

#[store_test]
async fn a_reachable_store_is_ready(store: &TestStore) {
    let result = store.repos.readiness.check().await;

    assert!(result.is_ok(), "a store the suite just opened should be ready: {result:?}");
}
