//! The shop's MongoDB fixtures: its store on a database of its own, on the server that
//! `mongo-kit-test` chooses (through the rules check), dropped afterwards.

use futures::FutureExt as _;
use mongo_kit_test::server::{database_name, server_uri, uri_or_skip};
use mongo_kit_test::skip::skip;
use mongo_store::{MongoConfig, MongoStore};
use mongodb::bson::{Document, doc};
use tokio::sync::OnceCell;

use super::TestStore;
use super::fixture::Fixture;

/// Whether the server runs two transactions at once, probed once per process.
static CONCURRENT_TRANSACTIONS: OnceCell<bool> = OnceCell::const_new();

/// A fresh MongoDB store for `test`, or `None` after printing why not.
pub async fn store(test: &str) -> Option<TestStore> {
    let store = connect(test).await?;
    let concurrent = *CONCURRENT_TRANSACTIONS.get_or_init(|| probe_concurrent_transactions(&store)).await;
    let cleanup_store = store.clone();
    let mut test_store = TestStore::with_cleanup(store.repositories(), move || {
        Box::pin(async move {
            // A database left behind only costs space; the test's verdict is already decided.
            if let Err(error) = cleanup_store.drop_database().await {
                eprintln!("could not drop test database: {error}");
            }
        })
    });
    test_store.concurrent_transactions = concurrent;
    Some(test_store)
}

/// A [`MongoStore`] on a fresh database of its own that can serve the ports, or `None` after
/// printing why not. The caller drops the database ([`MongoStore::drop_database`]).
pub async fn connect(test: &str) -> Option<MongoStore> {
    let store = connect_any(test).await?;
    if !store.startup_report().uuid_lookups {
        let _ = store.drop_database().await;
        skip(test, UUID_LOOKUPS_MISSING);
        return None;
    }
    Some(store)
}

/// A MongoDB-only fixture: the store itself, on a fresh database of its own that can serve the
/// ports ([`connect`]), dropped afterwards.
impl Fixture for MongoStore {
    async fn mongo(test: &'static str) -> Option<Self> {
        connect(test).await
    }

    async fn finish(self) {
        // A database left behind only costs space; the test's verdict is already decided.
        if let Err(error) = self.drop_database().await {
            eprintln!("could not drop test database: {error}");
        }
    }
}

/// Like [`connect`], for tests of start-up and schema that need no lookups by id: any server.
pub async fn connect_any(test: &str) -> Option<MongoStore> {
    let uri = uri_or_skip(test).await?;
    let config = MongoConfig::new(uri).with_database(database_name());
    Some(MongoStore::connect(config).await.expect("connect to the test MongoDB"))
}

/// Why a test cannot run on a server that loses UUIDs: nx-27017 0.8.1 stores BSON binary subtype 4
/// as subtype 0 and matches no binary value in a filter, so no document is found by its id.
pub const UUID_LOOKUPS_MISSING: &str =
    "the server does not keep BSON binary subtype 4 (UUID) ids as written or find documents by them";

/// Runs several transactions at once, each on its own session inserting its own scratch
/// document through the driver's convenient API (which retries transient errors), and reports
/// whether all of them commit. A replica set runs them side by side; a server may also serialize
/// them (a transaction that waits too long for a lock fails with a transient error and is
/// retried), which is fine too. A server on which concurrent transactions fail for good (an
/// unpatched CI stand-in answers "no such savepoint") fails the probe.
pub async fn probe_concurrent_transactions(store: &MongoStore) -> bool {
    const TRANSACTIONS: usize = 4;
    if !store.startup_report().transactions.is_supported() {
        return false;
    }
    let Ok(uri) = server_uri().await else { return false };
    // A client of its own: a server that fails the probe may keep the probe's sessions in a
    // broken state, and the store's client would otherwise hand those sessions to the tests.
    let Ok(client) = mongodb::Client::with_uri_str(&uri).await else { return false };
    let scratch = client.database(store.database().name()).collection::<Document>("concurrency_probe");
    let one = |n: usize| {
        let (client, scratch) = (client.clone(), scratch.clone());
        async move {
            let mut session = client.start_session().await?;
            session
                .start_transaction()
                .and_run(&mut (), |session, ()| {
                    let scratch = scratch.clone();
                    async move {
                        scratch.insert_one(doc! { "_id": i64::try_from(n).unwrap_or(0) }).session(session).await?;
                        Ok(())
                    }
                    .boxed()
                })
                .await
        }
    };
    let attempt = async {
        let runs: Vec<_> = (0..TRANSACTIONS).map(|n| tokio::spawn(one(n))).collect();
        let mut all = true;
        for run in runs {
            all &= matches!(run.await, Ok(Ok(())));
        }
        let committed = scratch.count_documents(doc! {}).await?;
        Ok::<_, mongodb::error::Error>(all && committed == TRANSACTIONS as u64)
    };
    let supported = attempt.await.unwrap_or(false);
    // The probe's documents must not leak into the test's data.
    let _ = scratch.drop().await;
    client.shutdown().await;
    supported
}
