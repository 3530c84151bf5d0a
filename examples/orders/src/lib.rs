//! A second team's service built on the same crates as the shop: orders, placed exactly once per
//! idempotency key, on MongoDB through `mongo-kit` (or in memory), with its own HTTP API mounted
//! beside the shop's router in one process.
//!
//! What it declares, each once, with the kit's building blocks:
//! - its collections and the class each is used with ([`mongo::USES`], opened as classed
//!   handles, listed by the profile table);
//! - its query shapes and the indexes derived from them ([`mongo::registry`]), prepared at start-up
//!   with its validators ([`mongo::collections`]);
//! - one migration with the service's own audit sink ([`mongo::migrations`], [`mongo::OrderEvents`]);
//! - one exactly-once operation through the kit's runner (`OrderBook::place` on [`mongo::MongoBook`]).
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use std::sync::Arc;
//!
//! let settings = app::HttpSettings::default();
//! let anonymous = app::auth::Authentication::anonymous();
//! let shop = app::router(app::AppState::new(
//!     domain::Repositories::from_store(memory_store::MemoryStore::new()),
//!     settings,
//!     anonymous.clone(),
//! ));
//! let book = orders::mongo::MongoBook::connect(&mongo_kit::config::ClientConfig::new("mongodb://localhost/orders")).await?;
//! let service = shop.merge(orders::http::router(Arc::new(book), &settings, anonymous));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! axum::serve(listener, service).await?;
//! # Ok(())
//! # }
//! ```
//!
//! # Layout
//! - `model`: orders, requests and their validation and fingerprint; the errors.
//! - `book`: the [`book::OrderBook`] port and its in-memory implementation.
//! - `mongo`: the port on MongoDB with the kit.
//! - `http`: the orders API, on the shop's HTTP building blocks (`app::http`).

#![warn(unreachable_pub)]

pub mod book;
pub mod http;
pub mod model;
pub mod mongo;

// The embedding guide's examples, compiled (and run unless `no_run`) by `cargo test --doc -p orders`.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/embedding.md")]
struct EmbeddingDoctests;
