//! Wallets and their ledgers.

use std::fmt;

use crate::audit::{AuditAction, AuditEvent};
use crate::error::ValidationError;
use crate::ids::{LedgerEntryId, TransferId, WalletId};
use crate::money::{Currency, Money};
use crate::pagination::{IdCursor, PageLimit};
use crate::time::Timestamp;
use crate::transfer::RequestMeta;

/// A wallet owner's name: 1–200 characters, trimmed, no control characters. Personal data: never
/// logged.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Owner(String);

impl Owner {
    /// Parses an owner.
    ///
    /// # Errors
    /// Returns a [`ValidationError`] on `owner` when empty, longer than 200 characters or holding
    /// control characters.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        crate::rules::OWNER.check(raw)?;
        Ok(Self(raw.trim().to_owned()))
    }

    /// The owner as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Owner {
    // Personal data stays out of debug output and therefore out of logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Owner(<redacted>)")
    }
}

/// A stored wallet.
#[derive(Debug, Clone, PartialEq)]
pub struct Wallet {
    /// Identifier.
    pub id: WalletId,
    /// Who owns it.
    pub owner: Owner,
    /// The only currency it holds.
    pub currency: Currency,
    /// Balance in minor units; never negative.
    pub balance_minor: i64,
    /// Bumped by every balance change.
    pub version: u64,
    /// When opened.
    pub created_at: Timestamp,
}

impl Wallet {
    /// The event of opening this wallet for the request `meta` describes: its currency and
    /// opening balance (the owner is personal data, never recorded).
    pub fn created_event(&self, meta: &RequestMeta) -> AuditEvent {
        let details =
            [("currency", self.currency.to_string()), ("opening_balance_minor", self.balance_minor.to_string())];
        AuditEvent::of_change(meta, AuditAction::WALLET_CREATED, "wallet", self.id, details)
    }

    /// Checks a wallet about to be stored as new: its balance is not negative.
    ///
    /// # Errors
    /// Returns a [`ValidationError`] on `balance_minor` for a negative balance.
    pub fn check_new(&self) -> Result<(), ValidationError> {
        if self.balance_minor < 0 {
            return Err(ValidationError::new("balance_minor", "must not be negative"));
        }
        Ok(())
    }
}

/// The command that opens a wallet.
#[derive(Debug, Clone, PartialEq)]
pub struct NewWallet {
    /// Who owns it.
    pub owner: Owner,
    /// Opening balance and the wallet's currency.
    pub opening_balance: Money,
}

impl NewWallet {
    /// The wallet this command opens: fresh id, version 1.
    pub fn into_wallet(self, now: Timestamp) -> Wallet {
        Wallet {
            id: WalletId::new(),
            owner: self.owner,
            currency: self.opening_balance.currency(),
            balance_minor: self.opening_balance.minor(),
            version: 1,
            created_at: now,
        }
    }
}

/// One side of a transfer in a wallet's ledger.
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerEntry {
    /// Identifier (time-ordered).
    pub id: LedgerEntryId,
    /// The wallet whose balance changed.
    pub wallet_id: WalletId,
    /// The transfer that changed it.
    pub transfer_id: TransferId,
    /// Signed change in minor units: negative for the debit, positive for the credit.
    pub delta_minor: i64,
    /// The wallet's balance right after this entry.
    pub balance_after_minor: i64,
    /// When written.
    pub created_at: Timestamp,
}

/// A ledger listing: one wallet's entries, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerQuery {
    /// Whose ledger.
    pub wallet_id: WalletId,
    /// Page size.
    pub limit: PageLimit,
    /// Where the previous page stopped.
    pub after: Option<IdCursor>,
}
