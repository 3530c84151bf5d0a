//! The shop's ports on `mongo-kit` and the official MongoDB driver: the shop's documents,
//! repositories, transfers, keyed creates, ingest, ledger check, validators, query-shape catalog
//! and migrations. The generic machinery they stand on (profiles and classed handles, budgets,
//! the classifier, telemetry, the registry with plan and audit, schema preparation, the migration
//! and exactly-once runners, bulk upserts, probes) is `mongo-kit`, re-exported here under the
//! module paths the shop has always used; a team building its own collections uses the kit
//! directly (see `examples/orders`).
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
//! - `config`: [`MongoConfig`]: the kit's client settings plus the key lifetime and write path.
//! - `classify`: the kit's verdicts mapped onto `domain::Error`, in one place.
//! - `collections`: collection names, the declared handles (each with its class), and
//!   [`collections::uses`], every handle the shop opens, which the profile table lists.
//! - `documents`: storage shapes with `From`/`TryFrom` conversions to the domain, and the one
//!   field list of the stored product.
//! - `indexes`: the shop's query shapes and constraints, and its registry ([`indexes::registry`]).
//! - `index_plan`, `index_audit`, `schema`: the kit's plan, audit and preparation on that registry
//!   and the shop's collections and validators.
//! - `store`: [`MongoStore`]: connect, start-up report, readiness.
//! - `repos`: products, wallets, audit, sessions and feeds ports.
//! - `audited`: a change and its audit event in one transaction.
//! - `keyed`: judging a taken key with the domain's table, and the keyed create on the kit's
//!   exactly-once runner.
//! - `transfer`: exactly-once transfers (one read with `$lookup`, then the writes, in one
//!   transaction), with the start-up trial.
//! - `migrations`: the shop's own migrations, in order, and their audit sink.
//! - `ledger_check`: wallet balances recomputed from the ledger; drift reports and repairs.
//! - `ingest`: bulk upserts of products by sku ([`ingest::MongoIngest`]) on the kit's `bulk`.

#![warn(unreachable_pub)]

mod audited;
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
pub use config::{ClientConfig, MongoConfig, redact_uri};
pub use mongo_kit::{Error, Result};
/// The driver this store is built on, for embedding code that needs its types directly.
pub use mongodb;
pub use probe::{Topology, TransactionSupport};
pub use profiles::{OperationClass, Profile, Profiles};
pub use schema::SchemaReport;
pub use store::{MongoStore, StartupReport};
