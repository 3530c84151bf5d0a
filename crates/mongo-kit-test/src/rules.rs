//! The MongoDB rules check: every request a test sends is judged against MongoDB 8.0's
//! documented rules before it reaches the test server. A test server may accept commands
//! MongoDB refuses (the CI stand-in does); the authority is MongoDB's manual and server source,
//! never what the test server accepts.
//!
//! A gate (a proxy on 127.0.0.1, on a thread and runtime of its own) stands in front of the
//! server. A command that breaks a rule is not forwarded: the gate answers with the error
//! MongoDB would send (`errmsg` starting "MongoDB rules check:", naming command, rule and manual
//! page), prints it, appends it to the file named by [`RULES_LOG_VAR`], and keeps it for
//! [`assert_clean`], so the test that sent it fails even when its code swallowed the error.
//!
//! The server choice ([`crate::server::uri_or_skip`]) already hands out URIs through a gate
//! with MongoDB's rules ([`front`]); a team that adds rules of its own starts a [`RulesCheck`]
//! with them:
//!
//! ```no_run
//! use mongo_kit_test::rules::{Check, Rules, RulesCheck, Scope};
//! use mongo_kit_test::server::uri_or_skip;
//!
//! # static ORDERS_RULES: Check = Check { family: "orders", scope: Scope::Everywhere, rules: &[], check: |_| Ok(()) };
//! # async fn example() {
//! let test = "orders::placing_twice_places_once";
//! let Some(uri) = uri_or_skip(test).await else { return };
//! let check = RulesCheck::start(&uri, Rules::mongodb().with(ORDERS_RULES)).expect("a gate starts");
//! let client = mongodb::Client::with_uri_str(check.uri()).await.expect("a client");
//! // ... the test ...
//! mongo_kit_test::rules::assert_clean(); // fails on any violation of either table
//! # }
//! ```
//!
//! # Layout
//! - `table`: the rules table ([`Rules`]) and its entries ([`Check`], [`Scope`]).
//! - [`mongodb`]: MongoDB 8.0's rules, one family per module, each citing its manual page.
//! - `violation`: a rule ([`Rule`]) and a command that breaks one ([`Violation`]).
//! - `context`: a request as a rule sees it ([`Context`], [`CollectionFacts`]).
//! - `session`: transaction state per session ([`Place`], [`Transaction`]).
//! - `judge`: requests and state in, verdicts out; no I/O ([`Judge`]).
//! - [`testing`]: builders and runners for unit tests of rules.
//! - `record`: the process-wide list, the log file, the test's name.
//! - `gate`: the proxy, on a thread and runtime of its own.

mod context;
mod gate;
mod judge;
pub mod mongodb;
mod record;
mod session;
mod table;
pub mod testing;
mod violation;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

pub use context::{CollectionFacts, Context};
pub use judge::Judge;
pub use record::{RULES_LOG_VAR, assert_clean, test_name};
pub use session::{Place, Transaction};
pub use table::{Check, Rules, Scope};
pub use violation::{PREFIX, Rule, Violation};

use crate::proxy::{through, upstream};
use crate::skip::skip;

/// The process-wide gates, by the server address they stand in front of; kept for the process.
static GATES: Mutex<Option<HashMap<String, RulesCheck>>> = Mutex::new(None);

/// `uri` pointed at a gate with MongoDB's rules in front of its server (started on first use
/// and kept for the process); its violations fail [`assert_clean`]. The server choice calls it
/// for every URI it hands out; a test that finds a server of its own calls it too.
///
/// A URI naming several hosts (a replica set's seed list) or an SRV record runs unchecked, after
/// a named skip line: the driver discovers the members and connects to each one directly, so a
/// proxy for one address cannot sit in front of them all, and pointing the driver at one member
/// with a direct connection would change what the tests run against.
///
/// # Panics
/// When the gate cannot start (no loopback port, no thread): the check must not go quietly.
pub fn front(uri: &str) -> String {
    let Some(server) = upstream(uri) else {
        skip(
            "MongoDB rules check",
            "the MongoDB URI names several hosts or an SRV record; its commands go to the server unchecked",
        );
        return uri.to_owned();
    };
    let mut gates = GATES.lock().unwrap_or_else(PoisonError::into_inner);
    let gates = gates.get_or_insert_with(HashMap::new);
    if let Some(gate) = gates.get(&server) {
        return gate.uri.clone();
    }
    let gate = RulesCheck::start(uri, Rules::mongodb()).expect("start the MongoDB rules check");
    let through = gate.uri.clone();
    gates.insert(server, gate);
    through
}

/// A gate of the caller's own in front of one server, judging by the caller's [`Rules`]; it
/// stops when dropped.
pub struct RulesCheck {
    address: SocketAddr,
    uri: String,
    seen: Arc<Mutex<Vec<Violation>>>,
    /// Dropping it stops the gate's thread.
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl RulesCheck {
    /// A gate judging by `rules` in front of the single-host `uri`'s server. Its violations go
    /// where every violation goes (stderr, [`RULES_LOG_VAR`], [`assert_clean`]) and to its own
    /// list ([`RulesCheck::violations`]).
    ///
    /// # Errors
    /// `InvalidInput` for a URI naming several hosts or an SRV record; an I/O error when the
    /// listener, runtime or thread cannot be set up.
    pub fn start(uri: &str, rules: Rules) -> std::io::Result<Self> {
        Self::start_with(uri, rules, true)
    }

    /// Like [`RulesCheck::start`], but its violations go to its own list only: for a test that
    /// sends a refused command on purpose and asserts on the refusal.
    ///
    /// # Errors
    /// As [`RulesCheck::start`].
    pub fn start_unrecorded(uri: &str, rules: Rules) -> std::io::Result<Self> {
        Self::start_with(uri, rules, false)
    }

    fn start_with(uri: &str, rules: Rules, recorded: bool) -> std::io::Result<Self> {
        let invalid = || std::io::Error::new(std::io::ErrorKind::InvalidInput, "a single-host mongodb:// URI");
        let server = upstream(uri).ok_or_else(invalid)?;
        let seen: Arc<Mutex<Vec<Violation>>> = Arc::default();
        let own = Arc::clone(&seen);
        let recorder: gate::Recorder = Arc::new(move |violation: &Violation| {
            if recorded {
                record::record(violation);
            }
            own.lock().unwrap_or_else(PoisonError::into_inner).push(violation.clone());
        });
        let (address, stop) = gate::start(&server, uri, rules, recorder)?;
        let uri = through(uri, address).ok_or_else(invalid)?;
        Ok(Self { address, uri, seen, _stop: stop })
    }

    /// The URI to hand a client: the caller's, pointed at the gate.
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// The gate's address.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The violations this gate has seen so far.
    pub fn violations(&self) -> Vec<Violation> {
        self.seen.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

#[cfg(test)]
mod tests;
