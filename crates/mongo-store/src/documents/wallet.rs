//! The `wallets`, `ledger` and `transfers` collections.

use domain::transfer::{Transfer, TransferStatus};
use domain::wallet::{LedgerEntry, Owner, Wallet};
use domain::{Currency, LedgerEntryId, TransferId, WalletId};
use serde::{Deserialize, Serialize};

use super::{
    SCHEMA_VERSION, StoredUuid, check_version, invalid, read_time, read_u64, read_uuid, stored_time, stored_u64,
    stored_uuid,
};

/// A stored wallet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WalletDoc {
    /// The wallet id.
    #[serde(rename = "_id")]
    pub id: StoredUuid,
    /// Document layout version.
    pub schema_version: i32,
    /// Owner (personal data).
    pub owner: String,
    /// ISO-4217 code.
    pub currency: String,
    /// Balance in minor units (Int64, never negative).
    pub balance_minor: i64,
    /// Bumped by every balance change (Int64).
    pub version: i64,
    /// When opened.
    pub created_at: bson::DateTime,
    /// The balance the wallet was opened with (Int64): not a ledger entry, so the ledger check
    /// needs it to recompute the balance. Absent from wallets opened before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opening_balance_minor: Option<i64>,
}

impl From<&Wallet> for WalletDoc {
    fn from(wallet: &Wallet) -> Self {
        Self {
            id: stored_uuid(wallet.id.as_uuid()),
            schema_version: SCHEMA_VERSION,
            owner: wallet.owner.as_str().to_owned(),
            currency: wallet.currency.as_str().to_owned(),
            balance_minor: wallet.balance_minor,
            version: stored_u64(wallet.version),
            created_at: stored_time(wallet.created_at),
            // Wallets are inserted only when opened (transfers change balances with `$inc`), so
            // the balance converted here is the opening balance.
            opening_balance_minor: Some(wallet.balance_minor),
        }
    }
}

impl TryFrom<WalletDoc> for Wallet {
    type Error = domain::Error;

    fn try_from(doc: WalletDoc) -> Result<Self, Self::Error> {
        let id = WalletId::from_uuid(read_uuid(&doc.id));
        let bad = |e: domain::ValidationError| invalid("wallet", id, e);
        check_version("wallet", id, doc.schema_version)?;
        if doc.balance_minor < 0 {
            return Err(invalid("wallet", id, "balance is negative"));
        }
        Ok(Self {
            id,
            owner: Owner::parse(&doc.owner).map_err(bad)?,
            currency: Currency::parse(&doc.currency).map_err(bad)?,
            balance_minor: doc.balance_minor,
            version: read_u64("wallet", id, "version", doc.version)?,
            created_at: read_time("wallet", id, doc.created_at)?,
        })
    }
}

/// A stored ledger entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedgerDoc {
    /// The entry id (time-ordered, so `_id` order is time order).
    #[serde(rename = "_id")]
    pub id: StoredUuid,
    /// Document layout version.
    pub schema_version: i32,
    /// The wallet whose balance changed.
    pub wallet_id: StoredUuid,
    /// The transfer that changed it.
    pub transfer_id: StoredUuid,
    /// Signed change in minor units (Int64).
    pub delta_minor: i64,
    /// Balance right after (Int64).
    pub balance_after_minor: i64,
    /// When written.
    pub created_at: bson::DateTime,
}

impl From<&LedgerEntry> for LedgerDoc {
    fn from(entry: &LedgerEntry) -> Self {
        Self {
            id: stored_uuid(entry.id.as_uuid()),
            schema_version: SCHEMA_VERSION,
            wallet_id: stored_uuid(entry.wallet_id.as_uuid()),
            transfer_id: stored_uuid(entry.transfer_id.as_uuid()),
            delta_minor: entry.delta_minor,
            balance_after_minor: entry.balance_after_minor,
            created_at: stored_time(entry.created_at),
        }
    }
}

impl TryFrom<LedgerDoc> for LedgerEntry {
    type Error = domain::Error;

    fn try_from(doc: LedgerDoc) -> Result<Self, Self::Error> {
        let id = LedgerEntryId::from_uuid(read_uuid(&doc.id));
        check_version("ledger entry", id, doc.schema_version)?;
        Ok(Self {
            id,
            wallet_id: WalletId::from_uuid(read_uuid(&doc.wallet_id)),
            transfer_id: TransferId::from_uuid(read_uuid(&doc.transfer_id)),
            delta_minor: doc.delta_minor,
            balance_after_minor: doc.balance_after_minor,
            created_at: read_time("ledger entry", id, doc.created_at)?,
        })
    }
}

/// A stored transfer; also the stored response of its idempotency record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransferDoc {
    /// The transfer id.
    #[serde(rename = "_id")]
    pub id: StoredUuid,
    /// Document layout version.
    pub schema_version: i32,
    /// The wallet debited.
    pub from_wallet_id: StoredUuid,
    /// The wallet credited.
    pub to_wallet_id: StoredUuid,
    /// Amount in minor units (Int64).
    pub amount_minor: i64,
    /// ISO-4217 code.
    pub currency: String,
    /// `completed`.
    pub status: String,
    /// When applied.
    pub created_at: bson::DateTime,
}

impl From<&Transfer> for TransferDoc {
    fn from(transfer: &Transfer) -> Self {
        Self {
            id: stored_uuid(transfer.id.as_uuid()),
            schema_version: SCHEMA_VERSION,
            from_wallet_id: stored_uuid(transfer.from.as_uuid()),
            to_wallet_id: stored_uuid(transfer.to.as_uuid()),
            amount_minor: transfer.amount_minor,
            currency: transfer.currency.as_str().to_owned(),
            status: transfer.status.as_str().to_owned(),
            created_at: stored_time(transfer.created_at),
        }
    }
}

impl TryFrom<TransferDoc> for Transfer {
    type Error = domain::Error;

    fn try_from(doc: TransferDoc) -> Result<Self, Self::Error> {
        let id = TransferId::from_uuid(read_uuid(&doc.id));
        let bad = |e: domain::ValidationError| invalid("transfer", id, e);
        check_version("transfer", id, doc.schema_version)?;
        if doc.amount_minor <= 0 {
            return Err(invalid("transfer", id, "amount is not positive"));
        }
        Ok(Self {
            id,
            from: WalletId::from_uuid(read_uuid(&doc.from_wallet_id)),
            to: WalletId::from_uuid(read_uuid(&doc.to_wallet_id)),
            amount_minor: doc.amount_minor,
            currency: Currency::parse(&doc.currency).map_err(bad)?,
            status: TransferStatus::parse(&doc.status).map_err(bad)?,
            created_at: read_time("transfer", id, doc.created_at)?,
        })
    }
}
