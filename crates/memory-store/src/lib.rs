//! The shop's ports implemented in process memory: the embedded default when no MongoDB is
//! configured, and a fast test double for flows that do not need a server.
//!
//! [`MemoryStore`] keeps the same contracts as the MongoDB store (unique skus, optimistic
//! concurrency, exactly-once transfers, invisible expired sessions, keyset pagination), so the
//! store contract suite runs unchanged against both. Data lives as long as the process.
//!
//! Each lock guards one consistency domain and no operation takes two locks, so there is no lock
//! order to get wrong: products; the bank (wallets, ledgers, transfers, idempotency records and
//! the audit log, which a transfer must change together); sessions; feeds. Locks are plain
//! `std::sync` locks: nothing awaits while holding one. A poisoned lock (a panic while writing)
//! is reported as [`domain::Error::Internal`] rather than trusted.
//!
//! # Layout
//! - `keys`: idempotency records, one table per lock, judged by `domain`'s decision table.
//! - `locks`: lock acquisition that turns poisoning into an internal error.
//! - `products`: [`domain::ProductRepository`]; `products/table` keeps the price-ordered indexes.
//! - `wallets`: [`domain::WalletRepository`]; `wallets/bank` holds the state a transfer changes
//!   together, `wallets/transfer` applies transfers exactly once per idempotency key.
//! - `audit`: [`domain::AuditLog`] and the audit trail with its subject index.
//! - `sessions`: [`domain::SessionRepository`], hiding and purging expired sessions.
//! - `feeds`: [`domain::FeedRepository`] and [`domain::Readiness`].
//! - `ingest`: [`domain::ingest::ProductIngest`], a batch under one lock.

#![warn(unreachable_pub)]

mod audit;
mod feeds;
mod ingest;
mod keys;
mod locks;
mod products;
mod sessions;
mod wallets;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use domain::UserId;
use domain::feed::Feed;
use domain::idempotency::KeyLifetime;

use crate::products::table::ProductTable;
use crate::sessions::SessionTable;
use crate::wallets::bank::Bank;

/// Every port of the shop, held in process memory.
///
/// Cheap to clone: clones share the same data, so one store can serve every port of
/// [`domain::Repositories::from_store`]. Safe to use from many tasks at once.
#[derive(Clone, Default)]
pub struct MemoryStore {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    products: RwLock<ProductTable>,
    bank: RwLock<Bank>,
    sessions: Mutex<SessionTable>,
    feeds: RwLock<HashMap<UserId, Feed>>,
    /// How long claimed idempotency keys are kept.
    key_lifetime: KeyLifetime,
}

impl MemoryStore {
    /// An empty store, keeping idempotency keys for [`KeyLifetime::DEFAULT`].
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty store keeping idempotency keys for `lifetime`: a request sent again later is
    /// applied as new.
    pub fn with_key_lifetime(lifetime: KeyLifetime) -> Self {
        Self { inner: Arc::new(Inner { key_lifetime: lifetime, ..Inner::default() }) }
    }
}

impl std::fmt::Debug for MemoryStore {
    // The contents may hold personal data (wallet owners), so only the kind of store is shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStore").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_their_data() {
        let store = MemoryStore::new();
        let clone = store.clone();
        assert!(Arc::ptr_eq(&store.inner, &clone.inner));
    }

    #[test]
    fn debug_output_shows_no_contents() {
        assert_eq!(format!("{:?}", MemoryStore::new()), "MemoryStore { .. }");
    }
}
