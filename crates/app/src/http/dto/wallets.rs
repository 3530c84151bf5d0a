//! Wallets, their ledgers and transfers on the wire.

use domain::pagination::Page;
use domain::transfer::{Transfer, TransferCommand};
use domain::wallet::{LedgerEntry, LedgerQuery, NewWallet, Owner, Wallet};
use domain::{Currency, Money, WalletId};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{id_cursor, limit, time};
use crate::http::error::ApiError;

/// Opens a wallet.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub(crate) struct WalletInput {
    /// Who owns it: 1–200 characters.
    pub owner: String,
    /// The only currency it holds (ISO-4217).
    pub currency: String,
    /// Opening balance in minor units, 0 to 10^15.
    #[serde(deserialize_with = "super::whole")]
    pub opening_balance_minor: i64,
}

impl WalletInput {
    /// The validated command.
    ///
    /// # Errors
    /// The first invalid field.
    pub(crate) fn try_into_domain(self) -> Result<NewWallet, ApiError> {
        let currency = Currency::parse(&self.currency)?;
        Ok(NewWallet {
            owner: Owner::parse(&self.owner)?,
            opening_balance: Money::new("opening_balance_minor", self.opening_balance_minor, currency)?,
        })
    }
}

/// A wallet.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub(crate) struct WalletView {
    /// Identifier.
    pub id: Uuid,
    /// Who owns it.
    pub owner: String,
    /// Its currency.
    pub currency: String,
    /// Balance in minor units; never negative.
    pub balance_minor: i64,
    /// When opened (RFC 3339).
    pub created_at: String,
}

impl From<&Wallet> for WalletView {
    fn from(wallet: &Wallet) -> Self {
        Self {
            id: wallet.id.as_uuid(),
            owner: wallet.owner.as_str().to_owned(),
            currency: wallet.currency.to_string(),
            balance_minor: wallet.balance_minor,
            created_at: time(wallet.created_at),
        }
    }
}

/// One side of a transfer in a wallet's ledger.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub(crate) struct LedgerEntryView {
    /// Identifier.
    pub id: Uuid,
    /// The wallet.
    pub wallet_id: Uuid,
    /// The transfer.
    pub transfer_id: Uuid,
    /// Signed change in minor units.
    pub delta_minor: i64,
    /// Balance right after this entry.
    pub balance_after_minor: i64,
    /// When written (RFC 3339).
    pub created_at: String,
}

/// One page of a ledger, newest first.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub(crate) struct LedgerPage {
    /// The entries.
    pub items: Vec<LedgerEntryView>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl From<Page<LedgerEntry>> for LedgerPage {
    fn from(page: Page<LedgerEntry>) -> Self {
        let items = page
            .items
            .iter()
            .map(|entry| LedgerEntryView {
                id: entry.id.as_uuid(),
                wallet_id: entry.wallet_id.as_uuid(),
                transfer_id: entry.transfer_id.as_uuid(),
                delta_minor: entry.delta_minor,
                balance_after_minor: entry.balance_after_minor,
                created_at: time(entry.created_at),
            })
            .collect();
        Self { items, next_cursor: page.next_cursor }
    }
}

/// Position in a listing ordered newest first.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub(crate) struct PageParams {
    /// Page size, 1 to 200 (default 50).
    #[cfg_attr(feature = "openapi", param(value_type = Option<u32>, minimum = 1, maximum = 200))]
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageParams {
    /// The ledger query of `wallet_id`.
    ///
    /// # Errors
    /// An invalid limit or cursor.
    pub(crate) fn ledger(self, wallet_id: WalletId) -> Result<LedgerQuery, ApiError> {
        Ok(LedgerQuery { wallet_id, limit: limit(self.limit.as_deref())?, after: id_cursor(self.cursor.as_deref())? })
    }
}

/// Moves money between two wallets of the same currency.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub(crate) struct TransferInput {
    /// The wallet debited.
    pub from: Uuid,
    /// The wallet credited.
    pub to: Uuid,
    /// Amount in minor units, positive.
    #[serde(deserialize_with = "super::whole")]
    pub amount_minor: i64,
    /// Currency of both wallets.
    pub currency: String,
}

impl TransferInput {
    /// The validated command.
    ///
    /// # Errors
    /// An invalid currency, the same wallet twice, or an amount that is not positive.
    pub(crate) fn try_into_domain(self) -> Result<TransferCommand, ApiError> {
        let currency = Currency::parse(&self.currency)?;
        Ok(TransferCommand::new(
            WalletId::from_uuid(self.from),
            WalletId::from_uuid(self.to),
            self.amount_minor,
            currency,
        )?)
    }
}

/// A transfer.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub(crate) struct TransferView {
    /// Identifier.
    pub id: Uuid,
    /// The wallet debited.
    pub from: Uuid,
    /// The wallet credited.
    pub to: Uuid,
    /// Amount in minor units.
    pub amount_minor: i64,
    /// Currency.
    pub currency: String,
    /// Always `completed`: transfers are applied atomically.
    pub status: String,
    /// When applied (RFC 3339).
    pub created_at: String,
}

impl From<&Transfer> for TransferView {
    fn from(transfer: &Transfer) -> Self {
        Self {
            id: transfer.id.as_uuid(),
            from: transfer.from.as_uuid(),
            to: transfer.to.as_uuid(),
            amount_minor: transfer.amount_minor,
            currency: transfer.currency.to_string(),
            status: transfer.status.as_str().to_owned(),
            created_at: time(transfer.created_at),
        }
    }
}
