//! MongoDB fixtures: `MONGODB_URI` if set, else a testcontainers replica set of MongoDB 8.0 (the
//! version the README promises: client `bulkWrite` needs its wire version 25) where Docker runs,
//! else a printed skip. Each test gets its own database, dropped afterwards. Every URI handed
//! out points at the MongoDB rules check (`conformance`) in front of the server.

use std::path::Path;

use futures::FutureExt as _;
use mongo_store::{MongoConfig, MongoStore};
use mongodb::bson::{Document, doc};
use testcontainers::runners::AsyncRunner as _;
use testcontainers::{ContainerAsync, ImageExt as _};
use testcontainers_modules::mongo::Mongo;
use tokio::sync::OnceCell;

use super::TestStore;
use super::conformance;
use super::fixture::Fixture;
use super::skip::skip;

/// Where the test server is: the URI, or why there is none.
type Server = Result<String, String>;

/// The server of this test process: found once, shared by every test in it. The container (if
/// any) lives as long as the process.
static SERVER: OnceCell<(Server, Option<ContainerAsync<Mongo>>)> = OnceCell::const_new();

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

/// The test server's URI (through the rules check), or `None` after printing why `test` is
/// skipped.
pub async fn uri_or_skip(test: &str) -> Option<String> {
    match server_uri().await {
        Ok(uri) => Some(uri),
        Err(reason) => {
            skip(test, &reason);
            None
        }
    }
}

/// The test server's URI (through the rules check), or why there is none.
pub async fn server_uri() -> Server {
    SERVER.get_or_init(find_server).await.0.clone()
}

/// A database name unique to one test: `t_` and a UUID, well under MongoDB's 63 bytes.
pub fn database_name() -> String {
    format!("t_{}", uuid::Uuid::new_v4().simple())
}

async fn find_server() -> (Server, Option<ContainerAsync<Mongo>>) {
    if let Ok(uri) = std::env::var("MONGODB_URI") {
        return (Ok(conformance::front(&uri)), None);
    }
    if !docker_reachable() {
        return (Err("no MONGODB_URI and no Docker engine reachable".to_owned()), None);
    }
    // The module's own tag is 5.0.6 (wire version 13), on which the client `bulkWrite` paths
    // never run; its `repl_set` starts `mongod --replSet rs` and initiates the set from mongosh.
    match Mongo::repl_set().with_tag(MONGODB_TAG).start().await {
        Ok(container) => {
            let host = container.get_host().await.map(|h| h.to_string());
            let port = container.get_host_port_ipv4(27017).await;
            match (host, port) {
                // The set's member is named after the container, unknown to this host.
                (Ok(host), Ok(port)) => {
                    let uri = format!("mongodb://{host}:{port}/?directConnection=true");
                    if let Err(reason) = await_primary(&uri).await {
                        return (Err(format!("no MONGODB_URI; the MongoDB container {reason}")), None);
                    }
                    (Ok(conformance::front(&uri)), Some(container))
                }
                (Err(e), _) | (_, Err(e)) => {
                    (Err(format!("no MONGODB_URI; the MongoDB container has no address: {e}")), None)
                }
            }
        }
        Err(error) => (Err(format!("no MONGODB_URI; starting a MongoDB container failed: {error}")), None),
    }
}

/// The MongoDB image tag the tests start where no `MONGODB_URI` is given.
pub const MONGODB_TAG: &str = "8.0";

/// Waits until the container's member is a writable primary, initiating the set itself should the
/// module's initiation not have happened (its readiness is judged from log lines, which vary
/// between MongoDB versions).
async fn await_primary(uri: &str) -> Result<(), String> {
    let client = mongodb::Client::with_uri_str(uri).await.map_err(|e| format!("has a bad address: {e}"))?;
    let admin = client.database("admin");
    for _ in 0..150 {
        match admin.run_command(doc! { "hello": 1 }).await {
            Ok(hello) if hello.get_bool("isWritablePrimary").unwrap_or(false) => return Ok(()),
            Ok(hello) if hello.get_str("setName").is_err() => {
                // Not initiated yet: a default configuration names this member as it names itself.
                let _ = admin.run_command(doc! { "replSetInitiate": {} }).await;
            }
            _ => {}
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    Err("never became a writable primary".to_owned())
}

/// Whether a Docker engine may answer: `DOCKER_HOST`, or a socket in a usual place.
fn docker_reachable() -> bool {
    if std::env::var_os("DOCKER_HOST").is_some() {
        return true;
    }
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    let mut sockets = vec![Path::new("/var/run/docker.sock").to_path_buf()];
    if let Some(home) = home {
        sockets.push(home.join(".docker/run/docker.sock"));
        sockets.push(home.join(".docker/desktop/docker.sock"));
    }
    sockets.iter().any(|socket| socket.exists())
}

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
