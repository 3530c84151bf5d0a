//! Transfers between wallets, idempotency keys and request fingerprints.

use std::fmt;

use sha2::{Digest, Sha256};

use crate::audit::{AuditAction, AuditEvent, AuditSubject};
use crate::error::{Error, TransferError, ValidationError};
use crate::ids::{AuditEventId, LedgerEntryId, TransferId, WalletId};
use crate::money::{Currency, Money};
use crate::time::Timestamp;
use crate::wallet::{LedgerEntry, Wallet};

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
    /// amount is not positive; [`TransferError::AmountTooLarge`] when it is above
    /// [`Money::MAX_MINOR`].
    pub fn new(from: WalletId, to: WalletId, amount_minor: i64, currency: Currency) -> Result<Self, TransferError> {
        if from == to {
            return Err(TransferError::SameWallet);
        }
        if amount_minor <= 0 {
            return Err(TransferError::InvalidAmount);
        }
        // The amount is positive here, so the bound is all `Money::new` can still refuse.
        let amount = Money::new("amount_minor", amount_minor, currency).map_err(|_| TransferError::AmountTooLarge)?;
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

    /// Decides whether this transfer may be applied to `from` and `to` as they are now (`None`:
    /// the wallet does not exist), and if so, the balances it leaves behind. Every store calls
    /// this, so that the same data gets the same answer everywhere. The checks run in this
    /// order, and the first that fails is the answer:
    ///
    /// 1. the source exists, 2. the destination exists ([`Refusal::UnknownWallet`]);
    /// 3. the source, 4. the destination holds the transfer's currency
    ///    ([`Refusal::CurrencyMismatch`]);
    /// 5. the source holds at least the amount ([`Refusal::InsufficientFunds`]);
    /// 6. the destination's balance stays representable ([`Refusal::BalanceOverflow`]).
    ///
    /// # Errors
    /// The first [`Refusal`] above.
    pub fn decide(&self, from: Option<Holding>, to: Option<Holding>) -> Result<Balances, Refusal> {
        let from = from.ok_or(Refusal::UnknownWallet(self.from))?;
        let to = to.ok_or(Refusal::UnknownWallet(self.to))?;
        let transfer_currency = self.amount.currency();
        for side in [from, to] {
            if side.currency != transfer_currency {
                return Err(Refusal::CurrencyMismatch {
                    wallet: side.id,
                    wallet_currency: side.currency,
                    transfer_currency,
                });
            }
        }
        let amount = self.amount.minor();
        if from.balance_minor < amount {
            return Err(Refusal::InsufficientFunds { wallet: from.id });
        }
        let to_after = to.balance_minor.checked_add(amount).ok_or(Refusal::BalanceOverflow { wallet: to.id })?;
        Ok(Balances { from_after: from.balance_minor - amount, to_after })
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

/// What a transfer needs to know of a wallet: its id, currency and balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holding {
    /// The wallet.
    pub id: WalletId,
    /// The only currency it holds.
    pub currency: Currency,
    /// Its balance in minor units.
    pub balance_minor: i64,
}

impl From<&Wallet> for Holding {
    fn from(wallet: &Wallet) -> Self {
        Self { id: wallet.id, currency: wallet.currency, balance_minor: wallet.balance_minor }
    }
}

/// The balances a transfer leaves behind, decided before anything is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Balances {
    /// The source's balance after the debit.
    pub from_after: i64,
    /// The destination's balance after the credit.
    pub to_after: i64,
}

/// Why the wallets as they are refuse a transfer ([`TransferCommand::decide`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// A wallet does not exist.
    UnknownWallet(WalletId),
    /// A wallet holds another currency than the transfer's.
    CurrencyMismatch {
        /// The wallet.
        wallet: WalletId,
        /// Its currency.
        wallet_currency: Currency,
        /// The transfer's currency.
        transfer_currency: Currency,
    },
    /// The source's balance is below the amount.
    InsufficientFunds {
        /// The source.
        wallet: WalletId,
    },
    /// The credit would take the destination's balance past the largest one a store keeps
    /// (`i64::MAX` minor units).
    BalanceOverflow {
        /// The destination.
        wallet: WalletId,
    },
}

impl From<Refusal> for TransferError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::UnknownWallet(wallet) => Self::UnknownWallet(wallet),
            Refusal::CurrencyMismatch { wallet, wallet_currency, transfer_currency } => {
                Self::CurrencyMismatch { wallet, wallet_currency, transfer_currency }
            }
            Refusal::InsufficientFunds { wallet } => Self::InsufficientFunds { wallet },
            // The request cannot be applied as sent, whatever is retried: an invalid amount for
            // this destination.
            Refusal::BalanceOverflow { wallet } => Self::Store(Error::Validation(ValidationError::new(
                "amount_minor",
                format!("would raise the balance of wallet {wallet} above {} minor units", i64::MAX),
            ))),
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

impl Transfer {
    /// The one audit event an applied transfer writes, in the same atomic step: action
    /// `transfer.completed`, subject `transfer:<id>`, the time of the transfer, the caller
    /// ([`RequestMeta::recorded_actor`]) and request id, and exactly these details (ids and amounts,
    /// never owners): `transfer_id`, `from`, `to`, `amount_minor`, `currency`.
    pub fn completed_event(&self, meta: &RequestMeta) -> AuditEvent {
        let details = [
            ("transfer_id", self.id.to_string()),
            ("from", self.from.to_string()),
            ("to", self.to.to_string()),
            ("amount_minor", self.amount_minor.to_string()),
            ("currency", self.currency.to_string()),
        ];
        AuditEvent {
            id: AuditEventId::new(),
            at: self.created_at,
            actor: meta.recorded_actor().to_owned(),
            action: AuditAction::transfer_completed(),
            subject: AuditSubject::of("transfer", self.id),
            request_id: meta.request_id.clone(),
            details: details.into_iter().map(|(name, value)| (name.to_owned(), value)).collect(),
        }
    }

    /// The two ledger entries of this transfer, debit then credit, under `ids` (in that order),
    /// with the balances `balances` leaves behind and the transfer's time.
    pub fn ledger_entries(&self, balances: Balances, ids: [LedgerEntryId; 2]) -> [LedgerEntry; 2] {
        let [debit, credit] = ids;
        let entry = |id, wallet_id, delta_minor, balance_after_minor| LedgerEntry {
            id,
            wallet_id,
            transfer_id: self.id,
            delta_minor,
            balance_after_minor,
            created_at: self.created_at,
        };
        [
            entry(debit, self.from, -self.amount_minor, balances.from_after),
            entry(credit, self.to, self.amount_minor, balances.to_after),
        ]
    }
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

/// Who asked for a change: the caller its idempotency keys belong to, and the actor and request
/// its audit event records.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RequestMeta {
    /// The authenticated caller: the name of the credential's principal (an API key's name, or
    /// whatever principal an embedding service's authentication supplies); empty for an
    /// anonymous caller. A request's idempotency key belongs to it: another principal sending the
    /// same key string makes a request of its own.
    pub principal: String,
    /// The caller as the audit log names it (a service or user name); empty when unknown,
    /// recorded as [`ANONYMOUS`]. For an authenticated caller, its principal.
    pub actor: String,
    /// The request id, for correlating logs and audit events.
    pub request_id: String,
}

/// The actor recorded for a request that names no caller.
pub const ANONYMOUS: &str = "anonymous";

impl RequestMeta {
    /// The request `request_id` of the authenticated `principal`, who is also its actor.
    pub fn of_principal(principal: impl Into<String>, request_id: impl Into<String>) -> Self {
        let principal = principal.into();
        Self { actor: principal.clone(), principal, request_id: request_id.into() }
    }

    /// The actor an audit event records: the caller, or [`ANONYMOUS`] when it named none.
    pub fn recorded_actor(&self) -> &str {
        if self.actor.is_empty() { ANONYMOUS } else { &self.actor }
    }
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
    fn an_amount_above_the_largest_transfer_says_so() {
        let too_large = TransferCommand::new(WalletId::new(), WalletId::new(), Money::MAX_MINOR + 1, eur());

        let Err(error) = too_large else { panic!("{too_large:?} was accepted") };
        assert!(matches!(error, TransferError::AmountTooLarge));
        assert_eq!(error.to_string(), "amount exceeds the largest transfer, 1000000000000000 minor units");
        assert!(TransferCommand::new(WalletId::new(), WalletId::new(), Money::MAX_MINOR, eur()).is_ok());
    }

    fn holding(id: WalletId, currency: Currency, balance_minor: i64) -> Option<Holding> {
        Some(Holding { id, currency, balance_minor })
    }

    #[test]
    fn the_decision_checks_existence_then_currencies_then_funds_then_overflow() {
        let (a, b) = (WalletId::new(), WalletId::new());
        let usd = Currency::parse("USD").expect("valid currency");
        let command = TransferCommand::new(a, b, 100, eur()).expect("valid");

        assert_eq!(command.decide(None, None), Err(Refusal::UnknownWallet(a)));
        // A missing destination is found before the source's currency is looked at.
        assert_eq!(command.decide(holding(a, usd, 0), None), Err(Refusal::UnknownWallet(b)));
        let mismatch = |wallet| Refusal::CurrencyMismatch { wallet, wallet_currency: usd, transfer_currency: eur() };
        assert_eq!(command.decide(holding(a, usd, 0), holding(b, usd, 0)), Err(mismatch(a)));
        // Currencies come before funds.
        assert_eq!(command.decide(holding(a, eur(), 0), holding(b, usd, 0)), Err(mismatch(b)));
        assert_eq!(
            command.decide(holding(a, eur(), 99), holding(b, eur(), 0)),
            Err(Refusal::InsufficientFunds { wallet: a })
        );
        assert_eq!(
            command.decide(holding(a, eur(), 100), holding(b, eur(), i64::MAX - 99)),
            Err(Refusal::BalanceOverflow { wallet: b })
        );
        assert_eq!(
            command.decide(holding(a, eur(), 100), holding(b, eur(), i64::MAX - 100)),
            Ok(Balances { from_after: 0, to_after: i64::MAX })
        );
    }

    #[test]
    fn an_overflowing_credit_is_a_validation_error_on_the_amount() {
        let error = TransferError::from(Refusal::BalanceOverflow { wallet: WalletId::new() });

        assert!(matches!(&error, TransferError::Store(Error::Validation(v)) if v.field == "amount_minor"), "{error:?}");
    }

    #[test]
    fn the_completed_event_names_the_transfer_and_records_anonymous_for_no_actor() {
        let (a, b) = (WalletId::new(), WalletId::new());
        let transfer = TransferCommand::new(a, b, 250, eur()).expect("valid").into_transfer(Timestamp::now());
        let meta = RequestMeta::of_principal("", "req-1");

        let event = transfer.completed_event(&meta);

        assert_eq!(
            (event.action.as_str(), event.actor.as_str(), event.at),
            ("transfer.completed", ANONYMOUS, transfer.created_at)
        );
        assert_eq!(event.subject, AuditSubject::of("transfer", transfer.id));
        let details: Vec<(&str, &str)> = event.details.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let (id, from, to) = (transfer.id.to_string(), a.to_string(), b.to_string());
        assert_eq!(
            details,
            [
                ("amount_minor", "250"),
                ("currency", "EUR"),
                ("from", from.as_str()),
                ("to", to.as_str()),
                ("transfer_id", id.as_str())
            ]
        );
        let named = RequestMeta::of_principal("billing", "req-1");
        assert_eq!(transfer.completed_event(&named).actor, "billing");
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
