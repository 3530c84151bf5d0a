//! The MongoDB the README promises: 8.0, whose wire version 25 brings the client-level `bulkWrite`
//! that transfers, ingest and migrations use. A server that reports less would run only their
//! one-command-per-write fallbacks, so wherever a MongoDB is reached this smoke test fails on an
//! older one; only the CI stand-in (named by `SHOP_TEST_NX_BIN`) may skip, by name.

use mongo_kit_test::skip::skip;

use crate::support::fixture::{TestName, store_test};
use crate::support::mongo;

/// MongoDB 8.0's wire version.
const MONGODB_8_WIRE_VERSION: i32 = 25;

#[store_test(mongo)]
async fn the_server_speaks_mongodb_8_wire_version(test: &TestName) {
    let Some(store) = mongo::connect_any(test).await else { return };
    let report = store.startup_report().clone();
    store.drop_database().await.expect("drop the test database");

    let wire = report.max_wire_version.unwrap_or(0);
    if wire < MONGODB_8_WIRE_VERSION && std::env::var_os("SHOP_TEST_NX_BIN").is_some() {
        skip(
            test,
            &format!("the CI stand-in reports wire version {wire}, below MongoDB 8.0's {MONGODB_8_WIRE_VERSION}"),
        );
        return;
    }
    assert!(
        wire >= MONGODB_8_WIRE_VERSION,
        "the README promises MongoDB 8.0 (wire version {MONGODB_8_WIRE_VERSION}); this server reports {wire}: {report}"
    );
}
