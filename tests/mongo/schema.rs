//! Indexes, validators and TTL-backed expiry.

use domain::UserId;
use domain::session::{Session, TokenHash};
use mongo_kit_test::skip::skip;
use mongo_store::documents::SessionDoc;
use mongo_store::indexes::{INDEXES, for_collection};
use mongodb::bson::{Document, doc};

use crate::support::fixture::{TestName, store_test};
use crate::support::mongo;

#[store_test(mongo)]
async fn ensuring_the_schema_twice_changes_nothing(test: &TestName) {
    let Some(store) = mongo::connect_any(test).await else { return };
    let index_names = |collection: &'static str| {
        let store = store.clone();
        async move { store.database().collection::<Document>(collection).list_index_names().await }
    };
    let before = index_names("products").await.expect("list indexes");
    let again = store.ensure_schema().await.expect("ensure the schema a second time");
    let after = index_names("products").await.expect("list indexes");
    store.drop_database().await.expect("drop the test database");

    assert!(again.created.is_empty(), "nothing is created the second time: {again:?}");
    assert_eq!(again.indexes, INDEXES.len());
    assert_eq!(before, after);
    // `_id` plus the registry's product indexes (servers may name them their own way).
    assert_eq!(after.len(), for_collection("products").count() + 1, "{after:?}");
}

#[store_test(mongo)]
async fn an_expired_session_still_stored_is_not_returned(test: &TestName) {
    let Some(store) = mongo::connect_any(test).await else { return };
    // Written raw, already expired: the TTL monitor (about once a minute) has not removed it yet.
    let past = domain::Timestamp::now().plus_millis(-60_000);
    let hash = TokenHash::parse(&"ab".repeat(32)).expect("a valid hash");
    let session = Session { token_hash: hash.clone(), user_id: UserId::new(), created_at: past, expires_at: past };
    let sessions = store.database().collection::<SessionDoc>("sessions");
    sessions.insert_one(SessionDoc::from(&session)).await.expect("insert an expired session");

    let repos = store.repositories();
    let found = repos.sessions.find(&hash).await;
    let deleted = repos.sessions.delete(&hash, &crate::contract::fixtures::meta()).await;
    let still_stored = sessions.count_documents(doc! { "_id": hash.as_str() }).await.expect("count");
    store.drop_database().await.expect("drop the test database");

    if still_stored == 0 {
        // A TTL pass removed it first: the filter on expires_at was not what hid it.
        skip(test, "the server's TTL monitor removed the expired session before it could be read");
        return;
    }
    assert!(matches!(found, Err(domain::Error::NotFound { .. })), "{found:?}");
    assert!(matches!(deleted, Err(domain::Error::NotFound { .. })), "{deleted:?}");
}

#[store_test(mongo)]
async fn the_server_refuses_documents_that_break_the_validator(test: &TestName) {
    let Some(store) = mongo::connect_any(test).await else { return };
    let wallets = store.database().collection::<Document>("wallets");
    // A negative balance held as a string: both break the wallets' $jsonSchema.
    let invalid = doc! { "_id": mongodb::bson::Uuid::new(), "schema_version": 1, "balance_minor": "-5" };
    let outcome = wallets.insert_one(invalid).await;
    store.drop_database().await.expect("drop the test database");

    match outcome {
        Err(error) => {
            let classified = mongo_store::classify::classify(error);
            assert!(matches!(classified, domain::Error::Validation(_)), "{classified:?}");
        }
        Ok(_) => skip(test, "the server accepted a document that breaks the collection's $jsonSchema validator"),
    }
}
