//! Errors shared by every port, validation errors, and the transfer error set.

use std::fmt;

use crate::ids::WalletId;
use crate::money::Currency;
use crate::product::Sku;

/// Result with the domain [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A value failed validation. `field` names the input (`sku`, `price_minor`, `attributes.$set`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct ValidationError {
    /// The input that was rejected, as the caller named it.
    pub field: String,
    /// Why, in lowercase words.
    pub reason: String,
}

impl ValidationError {
    /// A validation error for `field`.
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self { field: field.into(), reason: reason.into() }
    }
}

/// The failures a repository port may report. Each port method says which ones, and when, in its
/// `# Errors` section; the contract suite holds every store to those sentences.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The entity does not exist (or, for sessions, has expired).
    #[error("{entity} {id} not found")]
    NotFound {
        /// The kind of entity (`product`, `wallet`, …).
        entity: &'static str,
        /// Its identifier as text.
        id: String,
    },
    /// A uniqueness rule was broken (for example a duplicate sku).
    #[error("{0}")]
    Conflict(String),
    /// Optimistic concurrency: the entity's version is no longer the one the caller read.
    #[error("{entity} {id} is at version {actual}, not {expected}")]
    VersionMismatch {
        /// The kind of entity.
        entity: &'static str,
        /// Its identifier as text.
        id: String,
        /// The version the caller expected.
        expected: u64,
        /// The version the store holds.
        actual: u64,
    },
    /// Stored data or a request broke a rule the store enforces.
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// The store cannot be reached or did not answer in time; the operation may be retried.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// A write may or may not have been applied: its reply was lost (a client-side timeout or a
    /// network error after it was sent), its write concern was not satisfied in time, or the
    /// commit's result is unknown. Retrying without an idempotency key may apply it twice; with
    /// the same key a retry answers the first result or applies it once.
    #[error("outcome unknown: {0}")]
    OutcomeUnknown(String),
    /// The idempotency key was first used with another request.
    #[error("idempotency key was used with another request")]
    KeyReused,
    /// Another request with the same idempotency key has not finished.
    #[error("a request with this idempotency key is in flight")]
    KeyInFlight,
    /// The store refuses this operation in its current deployment (for example transactions on a
    /// standalone server).
    #[error("not supported by this store: {0}")]
    Unsupported(String),
    /// Anything else: a bug or an unexpected store failure. Never shown to clients.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl Error {
    /// A [`Error::NotFound`] for `entity` with `id`.
    pub fn not_found(entity: &'static str, id: impl ToString) -> Self {
        Self::NotFound { entity, id: id.to_string() }
    }

    /// The [`Error::Conflict`] of storing a `entity` whose id `id` is taken.
    pub fn exists(entity: &str, id: impl fmt::Display) -> Self {
        Self::Conflict(format!("{entity} {id} exists"))
    }

    /// The [`Error::Conflict`] of a product whose sku belongs to another product.
    pub fn sku_taken(sku: &Sku) -> Self {
        Self::Conflict(format!("sku {sku} belongs to another product"))
    }

    /// The [`Error::Conflict`] of a session whose token hash is taken. The hash is not echoed:
    /// error texts reach logs, and a hash is a session's lookup key.
    pub fn session_exists() -> Self {
        Self::Conflict("a session with this token hash exists".to_owned())
    }

    /// The [`Error::NotFound`] of a session that does not exist or has expired, without its hash.
    pub fn session_not_found() -> Self {
        Self::not_found("session", "with this token hash")
    }
}

/// Why a transfer was not applied. Transfers have their own failure set: every variant is a
/// decision a client can act on, except [`TransferError::Store`].
#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    /// The source wallet's balance is lower than the amount.
    #[error("wallet {wallet} has insufficient funds")]
    InsufficientFunds {
        /// The wallet that would go negative.
        wallet: WalletId,
    },
    /// A wallet's currency differs from the transfer's.
    #[error("wallet {wallet} holds {wallet_currency}, not {transfer_currency}")]
    CurrencyMismatch {
        /// The wallet whose currency differs.
        wallet: WalletId,
        /// That wallet's currency.
        wallet_currency: Currency,
        /// The transfer's currency.
        transfer_currency: Currency,
    },
    /// Source and destination are the same wallet.
    #[error("a transfer needs two different wallets")]
    SameWallet,
    /// One of the wallets does not exist.
    #[error("wallet {0} not found")]
    UnknownWallet(WalletId),
    /// The idempotency key was first used with another request.
    #[error("idempotency key was used with another request")]
    KeyReused,
    /// Another request with the same key is still being processed.
    #[error("a request with this idempotency key is in flight")]
    KeyInFlight,
    /// The amount is not a positive number of minor units.
    #[error("amount must be positive")]
    InvalidAmount,
    /// The amount is above [`Money::MAX_MINOR`](crate::Money::MAX_MINOR).
    #[error("amount exceeds the largest transfer, {} minor units", crate::Money::MAX_MINOR)]
    AmountTooLarge,
    /// The store failed; see [`Error`].
    #[error(transparent)]
    Store(#[from] Error),
}
