//! Generic MongoDB machinery for Rust services, on the official driver. It knows no entity of any
//! service: a team declares its own collections, query shapes, operation classes and migrations
//! as values and hands them to the building blocks here.
//!
//! # Layout
//! - `bulk`: batches of upserts keyed by a unique field, one round trip each, an answer per item.
//! - `profiles`: operation classes and their concerns and time limits; overrides; the table.
//! - `time_limit`: the one helper applying a class's time limit (`maxTimeMS` and a deadline).
//! - `classify`: what a driver error means ([`classify::Failure`]); every server code is named there.
//! - `telemetry`: metrics from the driver's command and pool events; the slow-operation log.
//! - `causal`: read-your-writes for classes that read from secondaries ([`causal::CausalClock`]).
//! - `transaction`: the one transaction runner (budget, backoff, typed stops, no transaction left
//!   open past its caller).
//! - `exactly_once`: the idempotency-key runner: a key claimed in the same transaction as the
//!   operation's writes; replays, reused keys, requests in flight, retries within the budget.
//! - `indexes`: the query-shape [`indexes::Registry`]; indexes are derived from it.
//! - `index_plan`: a registry's indexes against the server's (`plan`), and `apply`.
//! - `index_audit`: every shape explained and judged; the scoreboard of saved audits.
//! - `schema`: idempotent creation of collections, `$jsonSchema` validators and indexes.
//! - `migrate`: the migration runner (lease, batches, checkpoint, audit sink, changelog, status).
//! - `monitor`: the deployment-health monitor: replication lag, oplog window, index builds,
//!   the primary; "unknown" where the server cannot answer.
//! - `probe`: topology, server version, whether UUID ids are kept and matched.
//! - `config`: [`config::ClientConfig`] (URI, database, pool, timeouts, profiles) and URI redaction.
//! - [`Error`] and [`Result`]: the kit's error (configuration, connection, schema).
//!
//! The caller's time budget is the `budget` crate's task-local deadline: every time limit here is
//! capped by what is left of it.

#![warn(unreachable_pub)]

pub mod bulk;
pub mod causal;
pub mod classify;
pub mod config;
mod error;
pub mod exactly_once;
pub mod index_audit;
pub mod index_plan;
pub mod indexes;
pub mod migrate;
pub mod monitor;
pub mod probe;
pub mod profiles;
pub mod schema;
pub mod telemetry;
pub mod time_limit;
pub mod transaction;

pub use bson;
pub use error::{Error, Result};
pub use mongodb;
