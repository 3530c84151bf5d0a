//! The server choice: `MONGODB_URI` if set, else a testcontainers MongoDB 8.0 single-node
//! replica set where a Docker engine may answer, else a printed, named skip; or, where
//! [`REQUIRE_SERVER_VAR`] is set (a CI job that promises a server), a failure instead of that
//! skip. The choice is made once per process and shared by its tests; every URI handed out
//! points at the MongoDB rules check in front of the server ([`crate::rules::front`]).
//!
//! ```no_run
//! use mongo_kit_test::server::{database_name, uri_or_skip};
//!
//! # async fn example() {
//! let test = "orders::a_placement_is_stored";
//! // `None` after printing `SKIPPED orders::a_placement_is_stored: no MONGODB_URI and no Docker engine reachable`.
//! let Some(uri) = uri_or_skip(test).await else { return };
//! let client = mongodb::Client::with_uri_str(&uri).await.expect("a client");
//! let database = client.database(&database_name());
//! # }
//! ```
//!
//! Capability skips (the reachable server lacks transactions, say) stay skips in every mode:
//! they are printed with [`crate::skip::skip`] by the test that probes for the capability.
//!
//! # Layout
//! - `container`: the testcontainers replica set and the wait for its primary.

mod container;

use std::ops::Deref;

use testcontainers::ContainerAsync;
use testcontainers_modules::mongo::Mongo;
use tokio::sync::OnceCell;

use crate::skip::skip;

/// The environment variable that makes "no server" a failure instead of a skip: set it to `1`
/// (or `true`) in a CI job that promises a MongoDB server, so a misconfigured job fails instead
/// of passing with every MongoDB test skipped.
pub const REQUIRE_SERVER_VAR: &str = "MONGO_KIT_TEST_REQUIRE_SERVER";

/// The environment variable naming the server to test against.
pub const URI_VAR: &str = "MONGODB_URI";

/// The MongoDB image tag started where no [`URI_VAR`] is given: 8.0, the version the rules
/// check's rules are MongoDB's for (and the first with client `bulkWrite`, wire version 25).
pub const MONGODB_TAG: &str = "8.0";

/// Why no server is reachable; reads as its message (a `&str`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NoServer(String);

impl Deref for NoServer {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

/// The chosen server's URI (or why there is none), and the container serving it, if any.
type Chosen = (Result<String, NoServer>, Option<ContainerAsync<Mongo>>);

/// The server of this test process: found once, shared by every test in it. The container (if
/// any) lives as long as the process.
static SERVER: OnceCell<Chosen> = OnceCell::const_new();

/// The test server's URI (through the rules check), or `None` after printing why `test` is
/// skipped.
///
/// # Panics
/// Where [`REQUIRE_SERVER_VAR`] is set and no server is reachable (see [`server_uri`]).
pub async fn uri_or_skip(test: &str) -> Option<String> {
    match server_uri().await {
        Ok(uri) => Some(uri),
        Err(reason) => {
            no_server(test, &reason);
            None
        }
    }
}

/// Says that `test` cannot run for want of a server, for a test that finds its server its own
/// way (a synchronous test reading [`URI_VAR`], say): a printed skip, or a failure where
/// [`REQUIRE_SERVER_VAR`] is set. The server choice's functions call it themselves.
///
/// # Panics
/// Where [`REQUIRE_SERVER_VAR`] is set.
pub fn no_server(test: &str, reason: &str) {
    assert!(
        !required(),
        "{test}: {REQUIRE_SERVER_VAR} is set, so a MongoDB server is required, but none is reachable: {reason}"
    );
    skip(test, reason);
}

/// The test server's URI (through the rules check), or why there is none.
///
/// # Errors
/// [`NoServer`] when neither [`URI_VAR`] nor a Docker engine gives a server.
///
/// # Panics
/// Where [`REQUIRE_SERVER_VAR`] is set and no server is reachable: the job promised one.
pub async fn server_uri() -> Result<String, NoServer> {
    let found = SERVER.get_or_init(find_server).await.0.clone();
    if let Err(reason) = &found {
        assert!(
            !required(),
            "{REQUIRE_SERVER_VAR} is set, so a MongoDB server is required, but none is reachable: {reason}"
        );
    }
    found
}

/// Whether [`REQUIRE_SERVER_VAR`] asks for a server: set to anything but empty, `0` or `false`.
pub fn required() -> bool {
    std::env::var(REQUIRE_SERVER_VAR).is_ok_and(|value| !matches!(value.trim(), "" | "0" | "false"))
}

/// A database name unique to one test: `t_` and a UUID, well under MongoDB's 63 bytes.
pub fn database_name() -> String {
    format!("t_{}", uuid::Uuid::new_v4().simple())
}

async fn find_server() -> Chosen {
    if let Ok(uri) = std::env::var(URI_VAR) {
        return (Ok(crate::rules::front(&uri)), None);
    }
    match container::start().await {
        Ok((uri, container)) => (Ok(crate::rules::front(&uri)), Some(container)),
        Err(reason) => (Err(NoServer(reason)), None),
    }
}
