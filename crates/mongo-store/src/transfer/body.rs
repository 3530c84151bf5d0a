//! The body of the transfer transaction: one read, the decision, then the writes (or, on the
//! path of one command per write, the writes on the wallets' remembered state, proven by their
//! conditional update: [`super::known`]). Every call
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
    /// The conditional debit's filter: the wallet, its currency, the version and balance read
    /// and enough balance, so a match proves the balance after is the one written in the ledger
    /// (the balance too, as a wallet changed outside the transfers may keep its version).
    pub(super) fn debit_filter(&self, plan: &Plan) -> Document {
        let amount = plan.command.amount();
        doc! {
            "_id": self.from.id,
            "currency": amount.currency().as_str(),
            "version": self.from.version,
            "balance_minor": { "$gte": amount.minor(), "$eq": self.from.balance_minor },
        }
    }

    /// The credit's filter: the wallet, its currency, the version and balance read.
    pub(super) fn credit_filter(&self, plan: &Plan) -> Document {
        doc! {
            "_id": self.to.id,
            "currency": plan.command.amount().currency().as_str(),
            "version": self.to.version,
            "balance_minor": self.to.balance_minor,
        }
    }

    /// Both wallets as these writes leave them.
    fn after(&self) -> [WalletDoc; 2] {
        let moved = |wallet: &WalletDoc, balance_minor| WalletDoc {
            balance_minor,
            version: wallet.version.saturating_add(1),
            ..wallet.clone()
        };
        [moved(&self.from, self.balances.from_after), moved(&self.to, self.balances.to_after)]
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
    if let Some(transfer) = on_known(session, plan).await? {
        return Ok(transfer);
    }
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
    remember(plan, &writes);
    Ok(plan.transfer.clone())
}

/// The transfer written on the wallets' remembered state without reading them: `None` when
/// there is no guess to make. The key is claimed first and the guess taken after the claim
/// returns: the later it is taken, the more of the transfers committed meanwhile it includes (on
/// a server that runs one transaction at a time the claim waits for those ahead of it, so it
/// includes them all). A guess gone since, or one that would refuse the transfer, is forgotten
/// and the transaction run again with its read, which alone decides refusals; so is a guess that
/// missed.
async fn on_known(session: &mut ClientSession, plan: &Plan) -> std::result::Result<Option<Transfer>, Abort<Halt>> {
    let Some(known) = plan.guessing() else { return Ok(None) };
    write_commands::claim(session, plan, false).await?;
    let (from_id, to_id) = (plan.command.from(), plan.command.to());
    let Some((from, to)) = known.pair(from_id, to_id) else { return Err(Abort::Retry) };
    let decided = plan.command.decide(Some(holding(&from, from_id)?), Some(holding(&to, to_id)?));
    let Ok(balances) = decided else {
        known.forget(from_id, to_id);
        return Err(Abort::Retry);
    };
    let writes = Writes { from, to, clear_expired: false, balances };
    if !write_commands::apply_claimed(session, plan, &writes).await? {
        known.forget(from_id, to_id);
        return Err(Abort::Retry);
    }
    remember(plan, &writes);
    Ok(Some(plan.transfer.clone()))
}

/// Remembers the wallets as `writes` leave them, for the next transfer's guess. Before the
/// commit: should it fail, the next guess misses and reads.
fn remember(plan: &Plan, writes: &Writes) {
    if let Some(known) = &plan.known
        && !plan.client_bulk_write
    {
        known.remember(writes.after());
    }
}

/// The wallet `id` among those read, with what the decision needs of it; `None` when it was not
/// found.
fn find(wallets: &[WalletDoc], id: WalletId) -> Result<Option<(WalletDoc, Holding)>> {
    let Some(wallet) = wallets.iter().find(|w| read_uuid(&w.id) == id.as_uuid()) else { return Ok(None) };
    Ok(Some((wallet.clone(), holding(wallet, id)?)))
}

/// What the decision needs of the stored `wallet`.
fn holding(wallet: &WalletDoc, id: WalletId) -> Result<Holding> {
    let currency =
        Currency::parse(&wallet.currency).map_err(|e| Error::custom(format!("stored wallet {id} is invalid: {e}")))?;
    Ok(Holding { id, currency, balance_minor: wallet.balance_minor })
}
