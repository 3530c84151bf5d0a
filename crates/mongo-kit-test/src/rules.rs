//! The MongoDB rules check: every request a MongoDB test sends is judged against MongoDB 8.0's
//! documented rules before it reaches the test server. The CI server is a MongoDB-compatible
//! stand-in that accepts commands MongoDB refuses; the authority is MongoDB's manual and server
//! source, never what the test server accepts.
//!
//! [`front`] puts a gate (a proxy on 127.0.0.1, one per server and process) in front of the
//! test server; `mongo::server_uri` hands every test its URI. A command that breaks a rule is
//! not forwarded: the gate answers with the error MongoDB would send (`errmsg` starting
//! "MongoDB rules check:", naming command, rule and manual page), prints it, appends it to the
//! file named by `SHOP_TEST_RULES_LOG`, and keeps it for [`assert_clean`], which the tests'
//! teardown calls, so a test fails even when the code swallowed the error.
//!
//! - `wire`: requests taken apart (body, document sequences, sizes).
//! - `session`: transaction state per session.
//! - `rules`: the rules, each citing its manual page.
//! - `judge`: requests and state in, verdicts out; no I/O.
//! - `violation`: a refused command and the reply for it.
//! - `record`: the process-wide list, the log file, the test's name.
//! - `gate`: the proxy, on a thread and runtime of its own.

pub mod gate;
pub mod judge;
pub mod record;
pub mod rules;
pub mod session;
pub mod violation;
pub mod wire;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Mutex, PoisonError};

pub use record::assert_clean;

use super::proxy;
use super::skip::skip;

/// The gates of this process, by the server address they stand in front of.
static GATES: Mutex<Option<HashMap<String, SocketAddr>>> = Mutex::new(None);

/// `uri` pointed at a rules-checking gate in front of its server (started on first use and kept
/// for the process).
///
/// A URI naming several hosts (a replica set's seed list) or an SRV record runs unchecked, after
/// a named skip line: the driver discovers the members and connects to each one directly, so a
/// proxy for one address cannot sit in front of them all, and pointing the driver at one member
/// with a direct connection would change what the tests run against. The skip line keeps this
/// visible in CI's summary instead of refusing every MongoDB test there.
///
/// # Panics
/// When the gate cannot start (no loopback port, no thread): the check must not go quietly.
pub fn front(uri: &str) -> String {
    let Some(upstream) = proxy::upstream(uri) else {
        skip(
            "MongoDB rules check",
            "the MongoDB URI names several hosts or an SRV record; its commands go to the server unchecked",
        );
        return uri.to_owned();
    };
    let mut gates = GATES.lock().unwrap_or_else(PoisonError::into_inner);
    let gates = gates.get_or_insert_with(HashMap::new);
    let address = match gates.get(&upstream) {
        Some(address) => *address,
        None => {
            let address = gate::start(&upstream, uri, record::record).expect("start the MongoDB rules check");
            gates.insert(upstream, address);
            address
        }
    };
    proxy::through(uri, address).expect("a single-host URI points at the rules check")
}

#[cfg(test)]
mod tests {
    use mongodb::bson::{Document, doc};

    use super::violation::Violation;
    use super::*;
    use crate::support::fixture::{TestName, store_test};
    use crate::support::mongo::uri_or_skip;

    static SEEN: Mutex<Vec<String>> = Mutex::new(Vec::new());

    fn remember(violation: &Violation) {
        SEEN.lock().unwrap_or_else(PoisonError::into_inner).push(violation.message());
    }

    #[store_test(mongo)]
    async fn every_mongodb_uri_handed_out_points_at_the_rules_check(test: &TestName) {
        let Some(uri) = uri_or_skip(test).await else { return };
        let Some(upstream) = proxy::upstream(&uri) else { return };

        let gates = GATES.lock().unwrap_or_else(PoisonError::into_inner).clone().unwrap_or_default();

        assert!(gates.values().any(|gate| gate.to_string() == upstream), "{uri} is no gate's address: {gates:?}");
    }

    /// A gate of the test's own (its recorder keeps the violation out of the process-wide list
    /// and the log) in front of the real server: the refused command never reaches the server.
    #[store_test(mongo)]
    async fn a_refused_command_is_answered_by_the_check_and_never_reaches_the_server(test: &TestName) {
        let Some(uri) = uri_or_skip(test).await else { return };
        let Some(upstream) = proxy::upstream(&uri) else { return };
        let gate = gate::start(&upstream, &uri, remember).expect("a gate starts");
        let through = proxy::through(&uri, gate).expect("a single host");
        let client = mongodb::Client::with_uri_str(through).await.expect("a client of the gate");
        let database = client.database(&crate::support::mongo::database_name());
        let wallets = database.collection::<Document>("w");
        wallets.insert_one(doc! { "_id": 1 }).await.expect("an insert outside a transaction");
        let mut session = client.start_session().await.expect("a session");
        session.start_transaction().await.expect("a transaction");

        wallets.insert_one(doc! { "_id": 2 }).session(&mut session).await.expect("an insert in it");
        let count = database.run_command(doc! { "count": "w" }).session(&mut session).await;
        let _ = session.abort_transaction().await;

        let error = count.expect_err("count is refused in a transaction").to_string();
        assert!(error.contains("MongoDB rules check:") && error.contains("`count`"), "{error}");
        let seen = SEEN.lock().unwrap_or_else(PoisonError::into_inner).clone();
        assert_eq!(seen.len(), 1, "{seen:?}");
        let _ = database.drop().await;
    }
}
