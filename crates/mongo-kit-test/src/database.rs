//! A database per test, dropped afterwards, also when the test panics: [`TestDatabase`].
//!
//! ```no_run
//! use mongo_kit_test::database::TestDatabase;
//! use mongodb::bson::{Document, doc};
//!
//! # async fn example() {
//! let Some(db) = TestDatabase::create("orders::a_placement_is_stored").await else { return };
//! let orders = db.database().collection::<Document>("orders");
//! orders.insert_one(doc! { "_id": 1 }).await.expect("stored");
//! // Drops the database, then fails the test on any command that broke MongoDB's rules.
//! db.finish().await;
//! # }
//! ```

use std::time::Duration;

use mongodb::options::ClientOptions;
use mongodb::{Client, Database};

use crate::rules::assert_clean;
use crate::server::{database_name, uri_or_skip};

/// How long the drop after a panic waits for a server: the test has failed already, and a
/// server that went away must not hold its report up for the driver's 30 s default.
const DROP_SELECTION_TIMEOUT: Duration = Duration::from_secs(5);

/// A fresh database of one test on the chosen server, reached through the rules check. Its
/// [`TestDatabase::finish`] drops it and runs the rules check's verdict; if the test panics
/// first (or forgets to call it), dropping the guard drops the database.
#[derive(Debug)]
pub struct TestDatabase {
    uri: String,
    client: Client,
    database: Database,
    finished: bool,
}

impl TestDatabase {
    /// A database of its own for `test` (its full name, for the skip line), or `None` after
    /// printing why `test` is skipped (see [`uri_or_skip`]).
    ///
    /// # Panics
    /// When the server's URI does not parse, or as [`uri_or_skip`] does.
    pub async fn create(test: &str) -> Option<Self> {
        let uri = uri_or_skip(test).await?;
        let client = Client::with_uri_str(&uri).await.expect("a client of the test server");
        let database = client.database(&database_name());
        Some(Self { uri, client, database, finished: false })
    }

    /// The server's URI, through the rules check: for a client of the code under test.
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// The database's name: for the configuration of the code under test.
    pub fn name(&self) -> &str {
        self.database.name()
    }

    /// A client of the server, through the rules check.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The database.
    pub fn database(&self) -> &Database {
        &self.database
    }

    /// Drops the database, then fails the test on any command sent so far that broke a rule
    /// ([`assert_clean`]). A database that cannot be dropped is reported on stderr, not failed:
    /// it only costs space, and the test's verdict is decided by then.
    ///
    /// # Panics
    /// When a command broke a rule.
    pub async fn finish(mut self) {
        self.finished = true;
        if let Err(error) = self.database.drop().await {
            eprintln!("could not drop test database {}: {error}", self.database.name());
        }
        assert_clean();
    }
}

impl Drop for TestDatabase {
    /// After a panic (or without [`TestDatabase::finish`]): drops the database on a thread and
    /// runtime of its own, since the test's runtime may be the one unwinding. A guard dropped
    /// without `finish` on a passing test still runs the rules check's verdict.
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        let (uri, name) = (self.uri.clone(), self.database.name().to_owned());
        let dropped = std::thread::spawn(move || drop_database(&uri, &name)).join();
        if let Ok(Err(error)) = dropped {
            eprintln!("could not drop test database {}: {error}", self.database.name());
        }
        if !std::thread::panicking() {
            assert_clean();
        }
    }
}

/// Drops `name` on the server at `uri` with a client and runtime of this thread's own.
fn drop_database(uri: &str, name: &str) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let mut options = ClientOptions::parse(uri).await.map_err(|e| e.to_string())?;
        options.server_selection_timeout = Some(DROP_SELECTION_TIMEOUT);
        let client = Client::with_options(options).map_err(|e| e.to_string())?;
        client.database(name).drop().await.map_err(|e| e.to_string())
    })
}

#[cfg(test)]
mod tests {
    mod mongo {
        use mongodb::bson::{Document, doc};

        use super::super::TestDatabase;

        /// The guard of a test that panics drops its database on the way out.
        #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
        async fn a_panicking_test_leaves_no_database_behind() {
            let Some(db) = TestDatabase::create("database::tests::mongo::a_panicking_test").await else { return };
            let (client, name) = (db.client().clone(), db.name().to_owned());
            db.database().collection::<Document>("c").insert_one(doc! { "_id": 1 }).await.expect("stored");

            let panicked = tokio::spawn(async move {
                let _guard = db;
                panic!("the test body fails");
            })
            .await;

            assert!(panicked.is_err_and(|error| error.is_panic()));
            let names = client.list_database_names().await.expect("listed");
            assert!(!names.contains(&name), "{name} is still there: {names:?}");
        }
    }
}
