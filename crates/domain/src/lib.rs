//! The shop's domain: entities, validated value types and the async repository ports.
//!
//! Everything here is storage- and transport-agnostic: no BSON, no serde, no HTTP, no runtime. A
//! value that exists has passed its validation (`Sku::parse`, `Money::new`, …), so adapters and
//! handlers never see raw input. Operations that must be atomic are one port method each
//! (`WalletRepository::transfer`), so sessions and transactions stay inside the adapters. Every
//! rule the stores share is here and called by each of them: the transfer's decision, its
//! ledger entries and audit event, the default actor, the key lifetime, "same content" of a
//! product draft, and the texts of the errors they answer.
//!
//! # Layout
//! - `error`: the crate error, validation errors and the transfer error set.
//! - `ids`: UUID-backed identifiers.
//! - `time`: millisecond-precision UTC timestamps (what every store can keep exactly).
//! - `money`: ISO-4217 currencies and integer minor-unit amounts.
//! - `product`: products, their validated fields, queries and category statistics.
//! - `wallet`: wallets and ledger entries.
//! - `transfer`: transfer commands, the decision on the wallets (order of checks, overflow), the
//!   ledger entries and audit event of an applied transfer, idempotency keys, fingerprints and
//!   outcomes.
//! - `idempotency`: scopes, fingerprints of create commands, the decision table of a key and
//!   the key lifetime.
//! - `audit`: the append-only audit log.
//! - `session`: session tokens (shown once, stored as SHA-256 hashes).
//! - `feed`: per-user product feeds.
//! - `ingest`: the bulk upsert port and the outcome of each ingested item.
//! - `pagination`: page limits, pages and opaque keyset cursors.
//! - `rules`: the shape of every validated text value, for validation and the API document.
//! - `ports`: the repository traits and the `Repositories` bundle.
//!
//! # Features
//! - `mocks`: a [mockall](https://docs.rs/mockall) mock of every port, beside its trait in
//!   [`ports`]: `MockProductRepository`, `MockWalletRepository`, `MockAuditLog`,
//!   `MockSessionRepository`, `MockFeedRepository` and `MockReadiness`. Enable it in your
//!   dev-dependencies (`domain = { ..., features = ["mocks"] }`) to test handlers without a
//!   store; docs/testing.md ("Testing your own service") shows one in a complete test. The
//!   documentation shows the mocks when built with the feature (`cargo doc -p domain
//!   --features mocks`), as docs.rs does.

#![warn(unreachable_pub)]

pub mod audit;
pub mod error;
pub mod feed;
pub mod idempotency;
mod ids;
pub mod ingest;
pub mod money;
pub mod pagination;
pub mod ports;
pub mod product;
pub mod rules;
pub mod session;
pub mod time;
pub mod transfer;
pub mod wallet;

pub use error::{Error, Result, TransferError, ValidationError};
pub use ids::{AuditEventId, LedgerEntryId, ProductId, TransferId, UserId, WalletId};
pub use money::{Currency, Money};
pub use pagination::{Page, PageLimit};
pub use ports::{
    AuditLog, FeedRepository, ProductRepository, Readiness, Repositories, SessionRepository, WalletRepository,
};
pub use time::Timestamp;
