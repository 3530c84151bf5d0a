//! The lifetime of idempotency keys: one value (`domain::idempotency::KeyLifetime`) that both
//! stores are configured with and honour. Within it a key answers replays and refuses other
//! requests; once it has passed, the key is free and a request with it is applied as new.
//!
//! These tests need stores configured with a short lifetime, so they take their own fixture
//! ([`ShortLived`]) instead of the suite's default store; they still expand into a `memory` and a
//! `mongo` variant.

use std::time::Duration;

use domain::Repositories;
use domain::idempotency::{Claim, KeyLifetime, wallet_fingerprint};
use domain::wallet::{NewWallet, Owner};
use domain::{Money, Timestamp, TransferError};
use mongo_kit_test::server::{database_name, uri_or_skip};
use mongo_kit_test::skip::skip;
use mongo_store::{MongoConfig, MongoStore};

use super::fixtures::{OWNER, eur, euros, fresh_key, meta, open_wallet};
use crate::support::TestStore;
use crate::support::fixture::{Fixture, MemoryFixture, store_test};
use crate::support::mongo::UUID_LOOKUPS_MISSING;

/// The lifetime the stores are configured with: the shortest one accepted.
fn lifetime() -> KeyLifetime {
    KeyLifetime::new(KeyLifetime::MIN).expect("the shortest lifetime is valid")
}

/// A MongoDB store keeping keys for [`lifetime`], on a database of its own, or `None` after
/// printing why `test` is skipped.
async fn mongo_store(test: &str) -> Option<TestStore> {
    let uri = uri_or_skip(test).await?;
    let mut config = MongoConfig::new(uri).with_database(database_name());
    config.key_lifetime = lifetime();
    let store = MongoStore::connect(config).await.expect("connect to the test MongoDB");
    if !store.startup_report().uuid_lookups {
        let _ = store.drop_database().await;
        skip(test, UUID_LOOKUPS_MISSING);
        return None;
    }
    let cleanup = store.clone();
    Some(TestStore::with_cleanup(store.repositories(), move || {
        Box::pin(async move {
            if let Err(error) = cleanup.drop_database().await {
                eprintln!("could not drop test database: {error}");
            }
        })
    }))
}

fn memory_store() -> TestStore {
    TestStore::new(Repositories::from_store(memory_store::MemoryStore::with_key_lifetime(lifetime())))
}

fn new_wallet(balance_minor: i64) -> NewWallet {
    NewWallet {
        owner: Owner::parse(OWNER).expect("a valid owner"),
        opening_balance: Money::new("opening_balance_minor", balance_minor, eur()).expect("a valid balance"),
    }
}

/// Waits until a key claimed before this call has certainly outlived [`lifetime`].
async fn outlive_the_lifetime() {
    tokio::time::sleep(lifetime().as_duration() + Duration::from_millis(200)).await;
}

/// A store keeping keys for [`lifetime`]: the suite's store fixture, configured short.
struct ShortLived(TestStore);

impl Fixture for ShortLived {
    async fn mongo(test: &'static str) -> Option<Self> {
        mongo_store(test).await.map(Self)
    }

    async fn finish(self) {
        self.0.finish().await;
    }
}

impl MemoryFixture for ShortLived {
    async fn memory(_test: &'static str) -> Self {
        Self(memory_store())
    }
}

#[store_test]
async fn keys_are_free_again_once_the_configured_lifetime_has_passed(store: &ShortLived) {
    let store = &store.0;
    let (source, sink) = (open_wallet(store, 1_000, eur()).await, open_wallet(store, 0, eur()).await);
    let (transfer_key, wallet_key) = (fresh_key(), fresh_key());
    let wallets = &store.repos.wallets;
    wallets.transfer(euros(source.id, sink.id, 10), transfer_key.clone(), meta()).await.expect("the first transfer");
    let first = Claim::new(wallet_key.clone(), wallet_fingerprint(&new_wallet(5)));
    wallets
        .create_keyed(new_wallet(5).into_wallet(Timestamp::now()), first, &crate::contract::fixtures::meta())
        .await
        .expect("the first wallet");

    let reused = wallets.transfer(euros(source.id, sink.id, 20), transfer_key.clone(), meta()).await;
    assert!(matches!(reused, Err(TransferError::KeyReused)), "within its lifetime: {reused:?}");

    outlive_the_lifetime().await;

    let later = wallets.transfer(euros(source.id, sink.id, 20), transfer_key, meta()).await.expect("a new transfer");
    assert!(!later.replayed, "a key past its lifetime answered a replay");
    let other = Claim::new(wallet_key, wallet_fingerprint(&new_wallet(6)));
    let created = wallets
        .create_keyed(new_wallet(6).into_wallet(Timestamp::now()), other, &crate::contract::fixtures::meta())
        .await;
    let created = created.expect("a new wallet with a key past its lifetime");
    assert!(!created.replayed);
    assert_eq!(created.value.balance_minor, 6);
}
