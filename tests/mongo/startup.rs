//! Start-up: configuration, redaction, the profile table, and what the probes report.

use mongo_kit::config::redact_uri;
use mongo_kit::profiles::{OperationClass, Profiles};
use mongo_store::{MongoConfig, MongoStore};

use crate::support::fixture::{TestName, store_test};
use crate::support::mongo;

#[test]
fn credentials_in_a_uri_are_redacted() {
    let redacted = redact_uri("mongodb://shop:s3cret-pw@db.internal:27017/shop?authSource=admin");
    assert!(!redacted.contains("s3cret-pw"), "{redacted}");
    assert!(!redacted.contains("shop:"), "the user name is redacted too: {redacted}");
    assert!(redacted.contains("db.internal:27017/shop"), "{redacted}");
}

#[tokio::test]
async fn a_database_name_is_required() {
    let result = MongoStore::connect(MongoConfig::new("mongodb://user:pw@127.0.0.1:1/")).await;
    let error = result.expect_err("a URI without a database and no database configured is refused");
    let message = error.to_string();
    assert!(message.contains("no database name"), "{message}");
    assert!(!message.contains("pw@"), "the error never quotes credentials: {message}");
}

#[test]
fn profiles_render_every_class_and_the_critical_class_refuses_w1() {
    let table = Profiles::default().render_table(&mongo_store::collections::uses());
    for class in OperationClass::ALL {
        assert!(table.contains(class.name()), "{class} missing from\n{table}");
    }
    assert!(table.contains("majority, journaled"), "{table}");
    let bulk = table.lines().find(|line| line.starts_with("bulk")).expect("a bulk row");
    assert!(bulk.contains("ProductIngest (products)") && bulk.contains("shop migrate up (products)"), "{table}");
    let refused = Profiles::with_overrides(&["critical.w=1"]).expect_err("critical.w=1 is refused");
    assert!(refused.to_string().contains("weaker than majority"), "{refused}");
    let relaxed = Profiles::with_overrides(&["feed.w=1", "critical.time_limit_ms=3000"]).expect("valid overrides");
    assert_eq!(relaxed.get(OperationClass::Critical).time_limit().as_millis(), 3000);
}

#[store_test(mongo)]
async fn startup_reports_the_server_and_probes_transactions(test: &TestName) {
    let Some(store) = mongo::connect_any(test).await else { return };
    let report = store.startup_report().clone();
    eprintln!("{report}");
    store.drop_database().await.expect("drop the test database");
    assert!(report.database.starts_with("t_"), "{report:?}");
    assert!(report.max_wire_version.is_some(), "{report:?}");
    // The test servers (a replica set container, the CI server) all run transactions.
    assert!(report.transactions.is_supported(), "{:?}", report.transactions);
}
