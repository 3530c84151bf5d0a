//! MongoDB-specific tests: what the MongoDB store writes and how it starts, beyond the port
//! contracts. Each test that needs a server is a `#[store_test(mongo)]` (its name ends in
//! `::mongo`) and prints a named skip when no MongoDB is reachable; the few that need none are
//! plain tests.
//!
//! - `admin_commands`: every admin command from its command line, through the rules check.
//! - `causal`: reads from secondaries wait for this store's writes (`afterClusterTime`).
//! - `startup`: configuration, redaction, profiles and the start-up probes.
//! - `documents`: the stored shapes, read back as raw BSON.
//! - `interop`: the same documents read by PyMongo.
//! - `legacy_keys`: idempotency records without a caller, from before keys had one, still honoured.
//! - `monitor`: the deployment-health monitor's figures, or their "unknown" state, on this server.
//! - `schema`: idempotent indexes, validators (where the server enforces them), sessions' TTL.
//! - `server_version`: the server is the MongoDB 8.0 the README promises (wire version 25).
//! - `validator_drift`: a stale validator is replaced, or named when it cannot be.

mod admin_commands;
mod causal;
mod documents;
mod interop;
mod legacy_keys;
mod monitor;
mod schema;
mod server_version;
mod startup;
mod validator_drift;
