//! The shop's ports on `mongo-kit` and the official MongoDB driver: the shop's documents,
//! repositories, transfers, keyed creates, ingest, ledger check, validators, query-shape catalog
//! and migrations. The generic machinery they stand on (profiles and classed handles, budgets,
//! the classifier, telemetry, the registry with plan and audit, schema preparation, the migration
//! and exactly-once runners, bulk upserts, probes) is `mongo-kit`, and its items are named
//! by their kit paths (`mongo_kit::telemetry`, `mongo_kit::profiles::Profiles`, ...) here as
//! everywhere: this crate exports the shop's store, its configuration and its own modules only. A
//! team building its own collections uses the kit directly (see `examples/orders`).
//!
//! ```no_run
//! # async fn demo() -> Result<(), mongo_kit::Error> {
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

pub use config::MongoConfig;
pub use store::{MongoStore, StartupReport};
