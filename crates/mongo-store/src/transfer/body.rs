//! The body of the transfer transaction: one read, the decision, then the writes. Every call
//! carries `.session(..)`; every driver error is returned as it is, so the convenient API can
//! retry transient ones and abort on the rest.

use bson::{Document, doc};
use domain::transfer::Transfer;
use domain::{Currency, WalletId};
use mongodb::ClientSession;
use mongodb::error::{Error, Result};

use super::{Plan, Refusal, read, write_bulk, write_commands};
use crate::documents::{IdempotencyDoc, WalletDoc, read_uuid};

/// The key holds a live record: the transaction is aborted and the caller answered from it.
#[derive(Debug, Clone)]
pub(super) struct Taken(pub(super) IdempotencyDoc);

/// A wallet changed between the read and the write. Inside a snapshot transaction MongoDB
/// reports that as a write conflict first; this covers servers that do not, by trying again.
#[derive(Debug, Clone, Copy)]
pub(super) struct Contended;

/// The writes of one attempt, pinned to what the read saw.
pub(super) struct Writes {
    /// The source wallet as read.
    pub(super) from: WalletDoc,
    /// The destination wallet as read.
    pub(super) to: WalletDoc,
    /// Whether an expired record still holds the key and must be removed before the claim.
    pub(super) clear_expired: bool,
}

impl Writes {
    /// The conditional debit's filter: the wallet, its currency, the version read and enough
    /// balance, so a match proves the balance after is the one written in the ledger.
    pub(super) fn debit_filter(&self, plan: &Plan) -> Document {
        let amount = plan.command.amount();
        doc! {
            "_id": self.from.id,
            "currency": amount.currency().as_str(),
            "version": self.from.version,
            "balance_minor": { "$gte": amount.minor() },
        }
    }

    /// The credit's filter: the wallet, its currency and the version read.
    pub(super) fn credit_filter(&self, plan: &Plan) -> Document {
        doc! { "_id": self.to.id, "currency": plan.command.amount().currency().as_str(), "version": self.to.version }
    }

    /// The change of a balance by `delta` minor units.
    pub(super) fn change(delta: i64) -> Document {
        doc! { "$inc": { "balance_minor": delta, "version": 1_i64 } }
    }

    /// The filter removing the key's record only if it has expired.
    pub(super) fn expired_filter(plan: &Plan) -> Document {
        doc! { "_id": plan.record.id.to_document(), "expires_at": { "$lte": plan.now } }
    }

    /// The balances after the transfer, as the ledger records them.
    pub(super) fn balances_after(&self, plan: &Plan) -> (i64, i64) {
        let amount = plan.command.amount().minor();
        (self.from.balance_minor - amount, self.to.balance_minor + amount)
    }
}

/// Reads, decides and writes one attempt of `plan`.
pub(super) async fn apply(session: &mut ClientSession, plan: &mut Plan) -> Result<Transfer> {
    let snapshot = read::snapshot(session, plan).await?;
    let clear_expired = match snapshot.record {
        Some(record) if record.expires_at > plan.now => return Err(Error::custom(Taken(record))),
        Some(_) => true,
        None => false,
    };
    let amount = plan.command.amount();
    let from = check_wallet(&snapshot.wallets, plan.command.from(), amount.currency())?;
    let to = check_wallet(&snapshot.wallets, plan.command.to(), amount.currency())?;
    if from.balance_minor < amount.minor() {
        return Err(Error::custom(Refusal::InsufficientFunds(plan.command.from())));
    }
    let writes = Writes { from, to, clear_expired };
    let applied = if plan.client_bulk_write {
        write_bulk::apply(session, plan, &writes).await?
    } else {
        write_commands::apply(session, plan, &writes).await?
    };
    if !applied {
        return Err(Error::custom(Contended));
    }
    Ok(plan.transfer.clone())
}

fn check_wallet(wallets: &[WalletDoc], id: WalletId, currency: Currency) -> Result<WalletDoc> {
    let wallet = wallets
        .iter()
        .find(|w| read_uuid(&w.id) == id.as_uuid())
        .ok_or_else(|| Error::custom(Refusal::UnknownWallet(id)))?;
    match Currency::parse(&wallet.currency) {
        Ok(held) if held == currency => Ok(wallet.clone()),
        Ok(held) => Err(Error::custom(Refusal::CurrencyMismatch { wallet: id, wallet_currency: held })),
        Err(e) => Err(Error::custom(format!("stored wallet {id} is invalid: {e}"))),
    }
}
