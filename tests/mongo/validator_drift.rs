//! Validators on the second start: start-up reads each collection's validator (`listCollections`)
//! and compares it with the declared one. One in step is left alone (no `collMod`, so a user
//! without that action starts cleanly); a stale one is replaced; a stale one the server will not
//! let it replace (no `collMod` privilege, injected by the fault proxy as MongoDB's Unauthorized)
//! is named in the start-up report and its warning, never left silently stale.

use futures::TryStreamExt as _;
use mongo_kit_test::proxy::{Fault, Rule};
use mongo_kit_test::server::{database_name, uri_or_skip};
use mongo_kit_test::skip::skip;
use mongo_store::MongoStore;
use mongo_store::schema::validator;
use mongodb::bson::{Document, doc};

use crate::support::fixture::{TestName, store_test};
use crate::support::proxied;

/// Why a test cannot run on a server that forgets validators: nx-27017 0.8.1 answers every
/// collection's `listCollections` options as `{}`.
const VALIDATORS_NOT_LISTED: &str =
    "the server does not list a collection's validator in listCollections options, so drift cannot be seen";

/// An older wallets validator, as a previous release might have left it.
fn stale() -> Document {
    doc! { "$jsonSchema": { "bsonType": "object", "required": ["_id", "owner"] } }
}

/// The `options` the server lists for `collection`.
async fn listed_options(database: &mongodb::Database, collection: &str) -> Document {
    let command = doc! { "listCollections": 1, "filter": { "name": collection } };
    let listed: Vec<Document> =
        database.run_cursor_command(command).await.expect("list").try_collect().await.expect("list");
    listed.first().and_then(|spec| spec.get_document("options").ok()).cloned().unwrap_or_default()
}

/// A fresh database whose wallets carry the stale validator, or `None` after a named skip (no
/// server, or one that does not list validators).
async fn with_stale_wallets(test: &str) -> Option<String> {
    let uri = uri_or_skip(test).await?;
    let name = database_name();
    let client = mongodb::Client::with_uri_str(&uri).await.expect("a client");
    let database = client.database(&name);
    database.create_collection("wallets").validator(stale()).await.expect("create wallets with an old validator");
    let listed = listed_options(&database, "wallets").await;
    if listed.get_document("validator").ok() != Some(&stale()) {
        let _ = database.drop().await;
        client.shutdown().await;
        skip(test, VALIDATORS_NOT_LISTED);
        return None;
    }
    client.shutdown().await;
    Some(name)
}

fn declared_wallets() -> Document {
    validator("wallets").expect("wallets have a validator")
}

async fn wallets_validator(store: &MongoStore) -> Option<Document> {
    listed_options(store.database(), "wallets").await.get_document("validator").ok().cloned()
}

#[store_test(mongo)]
async fn a_stale_validator_that_cannot_be_updated_is_named_in_the_startup_report(test: &TestName) {
    let Some(name) = with_stale_wallets(test).await else { return };
    let refusal = Rule::every("collMod", Fault::error(13, "Unauthorized", &[]));
    let Some((store, _proxy)) = proxied::connect(test, vec![refusal], |config| config.database = Some(name)).await
    else {
        return;
    };
    let report = store.startup_report().clone();
    let still = wallets_validator(&store).await;
    store.drop_database().await.expect("drop the test database");

    assert_eq!(report.schema.stale_validators, ["wallets"], "{report}");
    let shown = report.to_string();
    assert!(shown.contains("STALE VALIDATOR on collection wallets"), "the start-up line names it: {shown}");
    assert!(shown.contains("Unauthorized"), "and says why: {shown}");
    assert_eq!(still, Some(stale()), "the server kept the old validator");
}

#[store_test(mongo)]
async fn a_stale_validator_is_replaced_and_one_in_step_is_left_alone(test: &TestName) {
    let Some(name) = with_stale_wallets(test).await else { return };
    let Some((store, proxy)) = proxied::connect(test, Vec::new(), |config| config.database = Some(name)).await else {
        return;
    };
    let first = store.startup_report().schema.clone();
    let replaced = wallets_validator(&store).await;
    proxy.reset_counts();
    let again = store.ensure_schema().await.expect("ensure the schema again");
    let coll_mods = proxy.seen("collMod");
    store.drop_database().await.expect("drop the test database");

    assert!(first.stale_validators.is_empty(), "{first:?}");
    assert_eq!(replaced, Some(declared_wallets()));
    assert!(again.stale_validators.is_empty() && again.warnings.is_empty(), "{again:?}");
    assert_eq!(coll_mods, 0, "validators in step need no collMod (nor its privilege)");
}
