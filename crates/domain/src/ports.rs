//! The ports: async repository traits every store implements, each with its error contract.
//!
//! The `# Errors` sections are contracts: "MUST" sentences that the store contract suite checks
//! against every store. Any failure not listed may surface as [`Error::Unavailable`] (the store
//! is unreachable or out of time, and nothing was applied), [`Error::OutcomeUnknown`] (a write
//! may have been applied) or [`Error::Internal`].
//!
//! With the `mocks` feature, each trait has a mockall mock beside it (`MockWalletRepository`
//! for [`WalletRepository`], and so on), for tests of code that takes the ports:
//!
//! ```
//! # #[cfg(feature = "mocks")]
//! # {
//! use std::sync::Arc;
//!
//! use domain::ports::{MockReadiness, Readiness};
//!
//! let mut readiness = MockReadiness::new();
//! readiness.expect_check().returning(|| Ok(()));
//! let port: Arc<dyn Readiness> = Arc::new(readiness);
//! # }
//! ```

use std::sync::Arc;

use async_trait::async_trait;

use crate::audit::{AuditEvent, AuditQuery};
#[cfg(doc)]
use crate::error::Error;
use crate::error::{Result, TransferError};
use crate::feed::Feed;
use crate::idempotency::{Claim, Created};
use crate::ids::{ProductId, TransferId, UserId, WalletId};
use crate::pagination::Page;
use crate::product::{Category, CategoryStats, Product, ProductDraft, ProductQuery};
use crate::session::{IssuedSession, Session, TokenHash};
use crate::transfer::{IdempotencyKey, RequestMeta, Transfer, TransferCommand, TransferOutcome};
use crate::wallet::{LedgerEntry, LedgerQuery, Wallet};

/// Products: unique sku, optimistic concurrency on `version`, keyset listing, statistics.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ProductRepository: Send + Sync {
    /// Stores a new product as given (id, version 1 and timestamps are set by the caller), with
    /// its `product.created` event ([`Product::created_event`]) for the request `meta`
    /// describes, atomically.
    ///
    /// # Errors
    /// MUST return [`Error::Conflict`] when another product has the same sku.
    /// On any error neither the product nor its event is stored (except
    /// [`Error::OutcomeUnknown`]: both, or neither).
    async fn create(&self, product: Product, meta: &RequestMeta) -> Result<Product>;

    /// Stores a new product once per idempotency key: the product, its `product.created` event
    /// and the key's claim (with the product as its stored response) commit together. The key
    /// belongs to the caller (`meta.actor`): another caller's call with the same key string is
    /// a request of its own. A call whose claim matches a completed one of the same caller
    /// answers the stored product with `replayed: true` and changes nothing (no second event).
    ///
    /// # Errors
    /// MUST return [`Error::Conflict`] when another product has the same sku;
    /// MUST return [`Error::KeyReused`] when the key was used with another request;
    /// MUST return [`Error::KeyInFlight`] when another call with the key has not finished.
    /// On any error the key stays unused, except [`Error::OutcomeUnknown`], after which a call
    /// with the same claim either replays or creates the product.
    async fn create_keyed(&self, product: Product, claim: Claim, meta: &RequestMeta) -> Result<Created<Product>>;

    /// The product with this id.
    ///
    /// # Errors
    /// MUST return [`Error::NotFound`] when no product has this id.
    async fn get(&self, id: ProductId) -> Result<Product>;

    /// Replaces the client-set fields of a product if its version is still `expected_version`;
    /// the stored version goes up by one and `updated_at` is set, and its `product.updated`
    /// event is stored with the change, atomically. Returns the new state.
    ///
    /// # Errors
    /// MUST return [`Error::NotFound`] when no product has this id;
    /// MUST return [`Error::VersionMismatch`] when the stored version is not `expected_version`;
    /// MUST return [`Error::Conflict`] when the new sku belongs to another product.
    async fn update(
        &self,
        id: ProductId,
        expected_version: u64,
        draft: ProductDraft,
        meta: &RequestMeta,
    ) -> Result<Product>;

    /// Deletes a product, with its `product.deleted` event, atomically.
    ///
    /// # Errors
    /// MUST return [`Error::NotFound`] when no product has this id.
    async fn delete(&self, id: ProductId, meta: &RequestMeta) -> Result<()>;

    /// One page of products matching the query, ordered by price then id in the query's
    /// direction; pages are keyset ranges, never skips.
    ///
    /// # Errors
    /// No contract errors: an empty listing is an empty page.
    async fn list(&self, query: &ProductQuery) -> Result<Page<Product>>;

    /// Price statistics of one category.
    ///
    /// # Errors
    /// No contract errors: an unknown category has a count of 0.
    async fn category_stats(&self, category: &Category) -> Result<CategoryStats>;
}

/// Wallets, their ledgers, and exactly-once transfers between them.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait WalletRepository: Send + Sync {
    /// Stores a new wallet as given, with its `wallet.created` event ([`Wallet::created_event`]),
    /// atomically.
    ///
    /// # Errors
    /// MUST return [`Error::Validation`] on `balance_minor` when the balance is negative;
    /// MUST return [`Error::Conflict`] when a wallet with this id exists.
    async fn create(&self, wallet: Wallet, meta: &RequestMeta) -> Result<Wallet>;

    /// Stores a new wallet once per idempotency key: the wallet, its `wallet.created` event and
    /// the key's claim (with the wallet as its stored response) commit together. The key belongs
    /// to the caller (`meta.actor`). A call whose claim matches a completed one of the same
    /// caller answers the stored wallet with `replayed: true` and changes nothing.
    ///
    /// # Errors
    /// MUST return [`Error::Validation`] on `balance_minor` when the balance is negative;
    /// MUST return [`Error::KeyReused`] when the key was used with another request;
    /// MUST return [`Error::KeyInFlight`] when another call with the key has not finished.
    /// On any error the key stays unused, except [`Error::OutcomeUnknown`], after which a call
    /// with the same claim either replays or creates the wallet.
    async fn create_keyed(&self, wallet: Wallet, claim: Claim, meta: &RequestMeta) -> Result<Created<Wallet>>;

    /// The wallet with this id.
    ///
    /// # Errors
    /// MUST return [`Error::NotFound`] when no wallet has this id.
    async fn get(&self, id: WalletId) -> Result<Wallet>;

    /// One page of a wallet's ledger, newest first.
    ///
    /// # Errors
    /// MUST return [`Error::NotFound`] when no wallet has this id.
    async fn ledger(&self, query: &LedgerQuery) -> Result<Page<LedgerEntry>>;

    /// Applies a transfer exactly once per idempotency key, atomically: the debit (never below
    /// zero), the credit, one ledger entry per side, the transfer, one `transfer.completed` audit
    /// event (`Transfer::completed_event`), and the stored response for the key. The key belongs
    /// to the caller (`meta.actor`): another caller with the same key string is a request of its
    /// own. A call with a key already completed by the same caller with the same request returns
    /// the stored transfer with `replayed: true` and changes nothing.
    ///
    /// # Errors
    /// MUST return [`TransferError::UnknownWallet`] when either wallet does not exist;
    /// MUST return [`TransferError::CurrencyMismatch`] when a wallet's currency differs from the
    /// transfer's;
    /// MUST return [`TransferError::InsufficientFunds`] when the source balance is below the amount;
    /// MUST return [`Error::Validation`] on `amount_minor` (inside [`TransferError::Store`]) when
    /// the credit would take the destination's balance above `i64::MAX`;
    /// MUST answer the first of these that applies, in this order (both wallets are looked up
    /// before any currency, currencies before funds), as `TransferCommand::decide` does;
    /// MUST return [`TransferError::KeyReused`] when the key was used with another request;
    /// MUST return [`TransferError::KeyInFlight`] when another call with the key has not finished.
    /// On any error nothing is written and the key stays unused.
    async fn transfer(
        &self,
        command: TransferCommand,
        key: IdempotencyKey,
        meta: RequestMeta,
    ) -> Result<TransferOutcome, TransferError>;

    /// The transfer with this id.
    ///
    /// # Errors
    /// MUST return [`Error::NotFound`] when no transfer has this id.
    async fn get_transfer(&self, id: TransferId) -> Result<Transfer>;
}

/// The append-only audit log.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait AuditLog: Send + Sync {
    /// Appends an event. Events are never changed or removed. The stores append the events of
    /// their own changes themselves, with the change; this is for events of other origins.
    ///
    /// # Errors
    /// MUST return [`Error::Conflict`] when an event with this id exists.
    async fn append(&self, event: AuditEvent) -> Result<()>;

    /// One page of events, newest first, filtered by subject and action.
    ///
    /// # Errors
    /// No contract errors: no match is an empty page.
    async fn list(&self, query: &AuditQuery) -> Result<Page<AuditEvent>>;
}

/// Sessions, looked up by token hash; expired sessions are invisible even before cleanup.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SessionRepository: Send + Sync {
    /// Stores a session, with its `session.created` event ([`Session::created_event`]),
    /// atomically.
    ///
    /// # Errors
    /// MUST return [`Error::Conflict`] when a session with this token hash exists.
    async fn create(&self, session: Session, meta: &RequestMeta) -> Result<()>;

    /// Stores a session once per idempotency key: the session, its `session.created` event and
    /// the key's claim (with the token and session as its stored response, so a retry gets the
    /// same token) commit together. The key belongs to the caller (`meta.actor`): another
    /// caller's call with the same key string never gets this token. A call whose claim matches
    /// a completed one of the same caller answers the stored session and token with
    /// `replayed: true` and changes nothing.
    ///
    /// # Errors
    /// MUST return [`Error::KeyReused`] when the key was used with another request;
    /// MUST return [`Error::KeyInFlight`] when another call with the key has not finished.
    /// On any error the key stays unused, except [`Error::OutcomeUnknown`], after which a call
    /// with the same claim either replays or creates the session.
    async fn create_keyed(
        &self,
        issued: IssuedSession,
        claim: Claim,
        meta: &RequestMeta,
    ) -> Result<Created<IssuedSession>>;

    /// The live session with this token hash.
    ///
    /// # Errors
    /// MUST return [`Error::NotFound`] when there is none or it has expired (even if its record
    /// has not been cleaned up yet).
    async fn find(&self, token_hash: &TokenHash) -> Result<Session>;

    /// Ends a session, with its `session.ended` event, atomically.
    ///
    /// # Errors
    /// MUST return [`Error::NotFound`] when there is no live session with this token hash.
    async fn delete(&self, token_hash: &TokenHash, meta: &RequestMeta) -> Result<()>;
}

/// Per-user feeds, replaced whole.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait FeedRepository: Send + Sync {
    /// Stores a user's feed, replacing any previous one.
    ///
    /// # Errors
    /// No contract errors.
    async fn put(&self, feed: Feed) -> Result<Feed>;

    /// A user's feed.
    ///
    /// # Errors
    /// MUST return [`Error::NotFound`] when the user has no feed.
    async fn get(&self, user_id: UserId) -> Result<Feed>;
}

/// Whether the store can serve requests now.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Readiness: Send + Sync {
    /// Checks the store, quickly.
    ///
    /// # Errors
    /// MUST return [`Error::Unavailable`] when the store cannot be reached.
    async fn check(&self) -> Result<()>;
}

/// Every port, as shared trait objects: what the service and the tests are wired with.
#[derive(Clone)]
pub struct Repositories {
    /// Products.
    pub products: Arc<dyn ProductRepository>,
    /// Wallets and transfers.
    pub wallets: Arc<dyn WalletRepository>,
    /// The audit log.
    pub audit: Arc<dyn AuditLog>,
    /// Sessions.
    pub sessions: Arc<dyn SessionRepository>,
    /// Feeds.
    pub feeds: Arc<dyn FeedRepository>,
    /// Readiness.
    pub readiness: Arc<dyn Readiness>,
}

impl Repositories {
    /// All ports served by one store value (cheap to clone, as stores are).
    pub fn from_store<S>(store: S) -> Self
    where
        S: ProductRepository
            + WalletRepository
            + AuditLog
            + SessionRepository
            + FeedRepository
            + Readiness
            + Clone
            + 'static,
    {
        Self {
            products: Arc::new(store.clone()),
            wallets: Arc::new(store.clone()),
            audit: Arc::new(store.clone()),
            sessions: Arc::new(store.clone()),
            feeds: Arc::new(store.clone()),
            readiness: Arc::new(store),
        }
    }
}
