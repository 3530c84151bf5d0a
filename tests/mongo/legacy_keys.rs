//! Idempotency records written before keys were bound to their caller (`_id: {scope, key}`, no
//! principal) are still honoured by scope and key until they expire: a retry that spans the
//! upgrade replays instead of applying twice.

use bson::{Document, doc};
use domain::idempotency::{Claim, wallet_fingerprint};
use domain::wallet::{NewWallet, Owner};
use domain::{Money, Timestamp};
use mongo_store::{MongoConfig, MongoStore};

use crate::contract::fixtures::{eur, euros, fresh_key, meta};
use crate::support::fixture::store_test;
use mongo_kit_test::server::uri_or_skip;

/// Rewrites every record of the idempotency collection the way a version before callers wrote
/// it: no principal in its `_id`, layout version 1.
async fn make_legacy(store: &MongoStore) {
    let records = store.database().collection::<Document>("idempotency_keys");
    let all: Vec<Document> = {
        use futures::TryStreamExt as _;
        records.find(doc! {}).await.expect("read records").try_collect().await.expect("read records")
    };
    for mut record in all {
        let id = record.get_document("_id").expect("an embedded _id").clone();
        records.delete_one(doc! { "_id": id.clone() }).await.expect("remove the record");
        let legacy = doc! { "scope": id.get_str("scope").expect("a scope"), "key": id.get_str("key").expect("a key") };
        record.insert("_id", legacy);
        record.insert("schema_version", 1);
        records.insert_one(record).await.expect("store the legacy record");
    }
}

/// A second store on `store`'s database, started after the records were made legacy.
async fn restarted(test: &str, store: &MongoStore) -> Option<MongoStore> {
    let uri = uri_or_skip(test).await?;
    let config = MongoConfig::new(uri).with_database(store.database().name());
    Some(MongoStore::connect(config).await.expect("connect again"))
}

#[store_test(mongo)]
async fn a_keyed_create_and_a_transfer_retried_across_the_upgrade_replay_their_legacy_records(store: &MongoStore) {
    let repos = store.repositories();
    let command = NewWallet {
        owner: Owner::parse("Ada Lovelace").expect("a valid owner"),
        opening_balance: Money::new("opening_balance_minor", 1_000, eur()).expect("a valid balance"),
    };
    let claim = Claim::new(fresh_key(), wallet_fingerprint(&command));
    let wallet =
        repos.wallets.create_keyed(command.clone().into_wallet(Timestamp::now()), claim.clone(), &meta()).await;
    let wallet = wallet.expect("the wallet").value;
    let other = repos.wallets.create(command.clone().into_wallet(Timestamp::now()), &meta()).await.expect("another");
    let key = fresh_key();
    let first = repos.wallets.transfer(euros(wallet.id, other.id, 100), key.clone(), meta()).await.expect("a transfer");
    make_legacy(store).await;
    let test =
        "mongo::legacy_keys::a_keyed_create_and_a_transfer_retried_across_the_upgrade_replay_their_legacy_records";
    let Some(upgraded) = restarted(test, store).await else { return };
    let repos = upgraded.repositories();

    let created = repos.wallets.create_keyed(command.into_wallet(Timestamp::now()), claim, &meta()).await;
    let moved = repos.wallets.transfer(euros(wallet.id, other.id, 100), key, meta()).await;

    let created = created.expect("the retried create");
    assert!(created.replayed && created.value.id == wallet.id, "the legacy record of the create was not honoured");
    let moved = moved.expect("the retried transfer");
    assert!(
        moved.replayed && moved.transfer.id == first.transfer.id,
        "the legacy record of the transfer was not honoured"
    );
    assert_eq!(repos.wallets.get(wallet.id).await.expect("the wallet").balance_minor, 900, "money moved twice");
}
