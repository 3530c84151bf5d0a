//! Bulk ingestion of products: the port that upserts a batch of drafts by sku, and what happened
//! to each draft.
//!
//! The port is separate from [`crate::ProductRepository`] because its unit of work is a batch:
//! a store answers a whole batch with one round trip where it can, and reports an outcome per
//! item instead of failing the batch on the first bad item.

use std::time::Duration;

use async_trait::async_trait;

#[cfg(doc)]
use crate::error::Error;
use crate::error::Result;
use crate::product::ProductDraft;

/// What an upsert did to the stored product with the draft's sku.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UpsertOutcome {
    /// No product had the sku: one was created with a fresh UUID v7 id, version 1, and both
    /// timestamps set to now.
    Inserted,
    /// A product had the sku and differed in at least one client-set field: those fields were
    /// replaced, its version went up by one and `updated_at` was set.
    Updated,
    /// A product had the sku and every client-set field was equal: nothing was written.
    Unchanged,
}

/// Why one item of a batch was not applied, or may not have been.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ItemFailure {
    /// The store did not apply the item and may accept it if it is sent again (no server
    /// reachable, a primary stepping down).
    #[error("transient failure: {0}")]
    Transient(String),
    /// The store did not answer in time or the connection broke while the item was on its way:
    /// it may or may not have been applied. Sending it again is safe, as upserts by sku are
    /// idempotent, and a batch that times out is a sign to send less at once.
    #[error("unknown outcome: {0}")]
    Unknown(String),
    /// Sending the item again will fail the same way.
    #[error("{0}")]
    Permanent(String),
}

impl ItemFailure {
    /// Whether sending the item again may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Transient(_) | Self::Unknown(_))
    }

    /// Whether the store may have applied the item (a timeout, a broken connection).
    pub fn is_unknown(&self) -> bool {
        matches!(self, Self::Unknown(_))
    }
}

/// The result of one item of a batch.
pub type ItemResult = std::result::Result<UpsertOutcome, ItemFailure>;

/// Upserts of products by sku, a batch at a time.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ProductIngest: Send + Sync {
    /// Upserts every draft by its sku and returns one result per draft, in the order given. Items
    /// are independent: one failing never stops the others. Drafts sharing a sku within a batch
    /// are applied as if one after the other, in some order. Two batches racing on one sku never
    /// fail because of it: the later one sees the earlier one's product, and reports
    /// [`UpsertOutcome::Updated`] (or [`UpsertOutcome::Unchanged`] for identical content).
    ///
    /// # Errors
    /// MUST return exactly one item result per draft when it returns `Ok`;
    /// MUST report an unreachable or timed-out store as [`Error::Unavailable`] (for the whole
    /// batch) or as [`ItemFailure::Transient`] items, so that the caller retries;
    /// MUST leave the stored product untouched for every [`UpsertOutcome::Unchanged`] item;
    /// MUST report a call it stopped waiting for as [`ItemFailure::Unknown`] items (or
    /// [`Error::Unavailable`]), never as permanent failures.
    async fn upsert_batch(&self, drafts: Vec<ProductDraft>) -> Result<Vec<ItemResult>>;

    /// How long one call may take before the store gives up on it (the time limit of its class
    /// of operation), if it has one: callers size their batches to stay well inside it.
    fn batch_time_limit(&self) -> Option<Duration>;
}
