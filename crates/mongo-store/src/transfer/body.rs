//! The body of the transfer transaction: one read, the decision, then the writes. Every call
//! carries `.session(..)`; every driver error is returned as it is, so the kit's transaction
//! runner can rerun transient ones and abort on the rest; the body's own reasons to stop (a live
//! record of the key, the domain's refusal) travel out typed.

use bson::{Document, doc};
use domain::transfer::{Balances, Holding, Refusal, Transfer};
use domain::{Currency, WalletId};
use mongo_kit::transaction::Abort;
use mongodb::ClientSession;
use mongodb::error::{Error, Result};

use super::{Plan, read, write_bulk, write_commands};
use crate::documents::{IdempotencyDoc, WalletDoc, read_uuid};

/// Why the body stops: the transaction is aborted and the caller answered from this.
#[derive(Debug)]
pub(super) enum Halt {
    /// The key holds a live record.
    Taken(Box<IdempotencyDoc>),
    /// The domain refused the transfer on the wallets read.
    Refused(Refusal),
}

/// The writes of one attempt, pinned to what the read saw.
pub(super) struct Writes {
    /// The source wallet as read.
    pub(super) from: WalletDoc,
    /// The destination wallet as read.
    pub(super) to: WalletDoc,
    /// Whether an expired record still holds the key and must be removed before the claim.
    pub(super) clear_expired: bool,
    /// The balances the transfer leaves behind, as decided from the wallets read.
    pub(super) balances: Balances,
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
}

/// Reads, decides and writes one attempt of `plan`. A wallet changed between the read and the
/// write asks for a rerun: inside a snapshot transaction MongoDB reports that as a write conflict
/// first; this covers servers that do not.
pub(super) async fn apply(session: &mut ClientSession, plan: &Plan) -> std::result::Result<Transfer, Abort<Halt>> {
    let snapshot = read::snapshot(session, plan).await?;
    let clear_expired = match snapshot.record {
        Some(record) if record.expires_at > plan.now => return Err(Abort::Stop(Halt::Taken(Box::new(record)))),
        Some(_) => true,
        None => false,
    };
    let from = find(&snapshot.wallets, plan.command.from())?;
    let to = find(&snapshot.wallets, plan.command.to())?;
    // The domain's decision, as every store makes it; a refusal aborts the transaction.
    let decided = plan.command.decide(from.as_ref().map(|(_, held)| *held), to.as_ref().map(|(_, held)| *held));
    let balances = decided.map_err(|refusal| Abort::Stop(Halt::Refused(refusal)))?;
    let (Some((from, _)), Some((to, _))) = (from, to) else {
        return Err(Error::custom("the decision accepted a transfer between wallets that were not read").into());
    };
    let writes = Writes { from, to, clear_expired, balances };
    let applied = if plan.client_bulk_write {
        write_bulk::apply(session, plan, &writes).await?
    } else {
        write_commands::apply(session, plan, &writes).await?
    };
    if !applied {
        return Err(Abort::Retry);
    }
    Ok(plan.transfer.clone())
}

/// The wallet `id` among those read, with what the decision needs of it; `None` when it was not
/// found.
fn find(wallets: &[WalletDoc], id: WalletId) -> Result<Option<(WalletDoc, Holding)>> {
    let Some(wallet) = wallets.iter().find(|w| read_uuid(&w.id) == id.as_uuid()) else { return Ok(None) };
    let currency =
        Currency::parse(&wallet.currency).map_err(|e| Error::custom(format!("stored wallet {id} is invalid: {e}")))?;
    let held = Holding { id, currency, balance_minor: wallet.balance_minor };
    Ok(Some((wallet.clone(), held)))
}
