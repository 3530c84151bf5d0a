//! Transfers between wallets, idempotency keys and request fingerprints.

use std::fmt;

use sha2::{Digest, Sha256};

use crate::error::{TransferError, ValidationError};
use crate::ids::{TransferId, WalletId};
use crate::money::{Currency, Money};
use crate::time::Timestamp;

/// A client-chosen key that makes a request safe to retry (the `Idempotency-Key` header): 1–255
/// visible ASCII characters.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// Longest key accepted.
    pub const MAX_LEN: usize = crate::rules::IDEMPOTENCY_KEY.max_chars;

    /// Parses a key.
    ///
    /// # Errors
    /// Returns a [`ValidationError`] on `Idempotency-Key` when empty, too long, or holding
    /// anything but visible ASCII.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        crate::rules::IDEMPOTENCY_KEY.check(raw)?;
        Ok(Self(raw.to_owned()))
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdempotencyKey({})", self.0)
    }
}

/// Everything a transfer needs, validated: two different wallets and a positive amount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferCommand {
    from: WalletId,
    to: WalletId,
    amount: Money,
}

impl TransferCommand {
    /// A transfer of `amount_minor` in `currency` from `from` to `to`.
    ///
    /// # Errors
    /// [`TransferError::SameWallet`] when `from == to`; [`TransferError::InvalidAmount`] when the
    /// amount is not positive or above [`Money::MAX_MINOR`].
    pub fn new(from: WalletId, to: WalletId, amount_minor: i64, currency: Currency) -> Result<Self, TransferError> {
        if from == to {
            return Err(TransferError::SameWallet);
        }
        if amount_minor <= 0 {
            return Err(TransferError::InvalidAmount);
        }
        let amount = Money::new("amount_minor", amount_minor, currency).map_err(|_| TransferError::InvalidAmount)?;
        Ok(Self { from, to, amount })
    }

    /// The wallet debited.
    pub fn from(&self) -> WalletId {
        self.from
    }

    /// The wallet credited.
    pub fn to(&self) -> WalletId {
        self.to
    }

    /// The amount moved.
    pub fn amount(&self) -> Money {
        self.amount
    }

    /// A stable digest of the request (SHA-256, hex), stored beside the idempotency key so that a
    /// key reused with another payload is recognised.
    pub fn fingerprint(&self) -> String {
        let canonical =
            format!("transfer/v1|{}|{}|{}|{}", self.from, self.to, self.amount.minor(), self.amount.currency());
        hex::encode(Sha256::digest(canonical.as_bytes()))
    }

    /// The transfer this command creates when applied at `now`.
    pub fn into_transfer(&self, now: Timestamp) -> Transfer {
        Transfer {
            id: TransferId::new(),
            from: self.from,
            to: self.to,
            amount_minor: self.amount.minor(),
            currency: self.amount.currency(),
            status: TransferStatus::Completed,
            created_at: now,
        }
    }
}

/// Where a transfer stands. Transfers are applied atomically, so a stored one is always
/// completed; the field exists so clients need not assume it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferStatus {
    /// Both sides were written.
    Completed,
}

impl TransferStatus {
    /// The wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Completed => "completed",
        }
    }

    /// Parses the wire name.
    ///
    /// # Errors
    /// Returns a [`ValidationError`] on `status` for an unknown name.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        match raw {
            "completed" => Ok(Self::Completed),
            _ => Err(ValidationError::new("status", format!("unknown transfer status {raw}"))),
        }
    }
}

/// A stored transfer.
#[derive(Debug, Clone, PartialEq)]
pub struct Transfer {
    /// Identifier.
    pub id: TransferId,
    /// The wallet debited.
    pub from: WalletId,
    /// The wallet credited.
    pub to: WalletId,
    /// Amount in minor units.
    pub amount_minor: i64,
    /// Currency of both wallets.
    pub currency: Currency,
    /// Status.
    pub status: TransferStatus,
    /// When applied.
    pub created_at: Timestamp,
}

/// What a transfer call returns: the transfer, and whether it was applied by an earlier call with
/// the same key (a replay).
#[derive(Debug, Clone, PartialEq)]
pub struct TransferOutcome {
    /// The transfer, exactly as first stored.
    pub transfer: Transfer,
    /// `true` when this call applied nothing and returned the stored result.
    pub replayed: bool,
}

/// Who asked for a transfer, recorded in its audit event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RequestMeta {
    /// The caller (a service or user name), `anonymous` if unknown.
    pub actor: String,
    /// The request id, for correlating logs and audit events.
    pub request_id: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur() -> Currency {
        Currency::parse("EUR").expect("valid currency")
    }

    #[test]
    fn command_rejects_same_wallet_and_non_positive_amounts() {
        let a = WalletId::new();
        assert!(matches!(TransferCommand::new(a, a, 1, eur()), Err(TransferError::SameWallet)));
        assert!(matches!(TransferCommand::new(a, WalletId::new(), 0, eur()), Err(TransferError::InvalidAmount)));
    }

    #[test]
    fn fingerprint_depends_on_every_field() {
        let (a, b) = (WalletId::new(), WalletId::new());
        let base = TransferCommand::new(a, b, 100, eur()).expect("valid").fingerprint();
        let usd = Currency::parse("USD").expect("valid currency");
        assert_eq!(base, TransferCommand::new(a, b, 100, eur()).expect("valid").fingerprint());
        assert_ne!(base, TransferCommand::new(b, a, 100, eur()).expect("valid").fingerprint());
        assert_ne!(base, TransferCommand::new(a, b, 101, eur()).expect("valid").fingerprint());
        assert_ne!(base, TransferCommand::new(a, b, 100, usd).expect("valid").fingerprint());
    }

    #[test]
    fn idempotency_key_accepts_visible_ascii_only() {
        assert!(IdempotencyKey::parse("8e03978e-40d5-43e8-bc93-6894a57f9324").is_ok());
        assert!(IdempotencyKey::parse("").is_err());
        assert!(IdempotencyKey::parse("has space").is_err());
        assert!(IdempotencyKey::parse(&"k".repeat(256)).is_err());
    }
}
