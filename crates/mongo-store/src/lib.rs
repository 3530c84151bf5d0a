//! The shop's ports implemented on the official MongoDB driver, and the building blocks behind
//! them, public so that other services can declare their own collections the same way: the
//! consistency-profile table, the index registry, the error classifier, the time-limit helper,
//! the start-up probes and the exactly-once transfer runner.
//!
//! ```no_run
//! # async fn demo() -> Result<(), mongo_store::Error> {
//! use mongo_store::{MongoConfig, MongoStore};
//! let store = MongoStore::connect(MongoConfig::new("mongodb://localhost:27017/shop")).await?;
//! println!("{}", store.startup_report());
//! let repositories = store.repositories();
//! # let _ = repositories;
//! # Ok(())
//! # }
//! ```
//!
//! # Layout
//! - `config`: [`MongoConfig`] (URI, database, pool, timeouts, profiles) and [`redact_uri`].
//! - `error`: this crate's [`Error`] (configuration, connection, schema).
//! - `profiles`: operation classes and their concerns and time limits; overrides; the table.
//! - `time_limit`: the one helper applying a class's time limit (`maxTimeMS` and a deadline).
//! - `deadline`: the caller's time budget (a task-local deadline) that caps every time limit.
//! - `telemetry`: metrics from the driver's command and pool events; the slow-operation log.
//! - `causal`: read-your-writes for classes that read from secondaries ([`causal::CausalClock`]).
//! - `classify`: the one function turning driver errors into `domain::Error`.
//! - `collections`: collection names and the typed handles, each made with its class's profile.
//! - `documents`: storage shapes with `From`/`TryFrom` conversions to the domain.
//! - `indexes`: the query-shape registry; the indexes the store creates are derived from it.
//! - `index_plan`: declared indexes against the server's (`plan`), and `apply`.
//! - `index_audit`: every shape explained and judged; the scoreboard of saved audits.
//! - `schema`: idempotent creation of collections, `$jsonSchema` validators and indexes.
//! - `probe`: topology, server version and whether UUID ids are kept and matched.
//! - `store`: [`MongoStore`]: connect, start-up report, readiness.
//! - `repos`: products, wallets, audit, sessions and feeds ports.
//! - `keyed`: what keyed operations share (judging a taken key) and the keyed create
//!   (the claim and the document in one transaction).
//! - `transfer`: exactly-once transfers (transaction + idempotency key).
//! - `migrate`: the migration runner (lease, batches, checkpoint, audit, changelog, status).
//! - `migrations`: the shop's own migrations, in order.
//! - `ledger_check`: wallet balances recomputed from the ledger; drift reports and repairs.
//! - `ingest`: bulk upserts of products by sku ([`ingest::MongoIngest`]), one round trip per batch.

pub mod classify;
pub mod collections;
mod config;
pub mod documents;
pub mod index_audit;
pub mod index_plan;
pub mod indexes;
pub mod ingest;
mod keyed;
pub mod ledger_check;
pub mod migrations;
mod repos;
pub mod schema;
mod store;
pub mod transfer;

use mongo_kit::error;
/// The kit modules this crate is built on, under the paths the shop has always used.
pub use mongo_kit::{causal, deadline, migrate, probe, profiles, telemetry, time_limit};

/// The BSON crate this store is built on, so embedding code can write documents and filters
/// (for migrations, its own collections) without pinning a second copy.
pub use bson;
pub use config::{MongoConfig, redact_uri};
pub use mongo_kit::{Error, Result};
/// The driver this store is built on, for embedding code that needs its types directly.
pub use mongodb;
pub use probe::{Topology, TransactionSupport};
pub use profiles::{OperationClass, Profile, Profiles};
pub use schema::SchemaReport;
pub use store::{MongoStore, StartupReport};
