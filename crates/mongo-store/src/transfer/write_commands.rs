//! Round trips 2 to 6 on servers without client-level `bulkWrite` (or with it switched off): the
//! same writes as [`super::write_bulk`], grouped into as few commands as MongoDB allows, since a
//! command writes to one collection: the claim, then the debit and the credit as one `update`
//! command with two conditional statements, both ledger entries as one `insert`, the transfer,
//! and the audit event. With the read before and the commit after, a fresh transfer costs seven
//! round trips.

use bson::{Bson, Document, doc};
use mongodb::ClientSession;
use mongodb::error::{Error, Result};

use super::Plan;
use super::body::Writes;
use crate::documents::{AuditDoc, LedgerDoc, TransferDoc};
use mongo_kit::time_limit::within;

/// Sends the writes; `Ok(false)` when the debit or the credit matched nothing (a wallet changed
/// since it was read), and then nothing after it is sent. Each handle applies its class's limits
/// and keeps the driver's error, whose labels the transaction runner reads.
pub(super) async fn apply(session: &mut ClientSession, plan: &Plan, writes: &Writes) -> Result<bool> {
    claim(session, plan, writes.clear_expired).await?;
    apply_claimed(session, plan, writes).await
}

/// The claim of the key (after removing its expired record, when the read found one).
pub(super) async fn claim(session: &mut ClientSession, plan: &Plan, clear_expired: bool) -> Result<()> {
    let records = &plan.collections.idempotency;
    if clear_expired {
        records.run(records.delete_one(Writes::expired_filter(plan)).session(&mut *session)).await?;
    }
    records.run(records.insert_one(&plan.record).session(&mut *session)).await?;
    Ok(())
}

/// The writes after the claim, as [`apply`] sends them.
pub(super) async fn apply_claimed(session: &mut ClientSession, plan: &Plan, writes: &Writes) -> Result<bool> {
    let collections = &plan.collections;
    if !move_funds(session, plan, writes).await? {
        return Ok(false);
    }
    let entries = plan.ledger_entries(writes.balances);
    let ledger = collections.ledger.insert_many(entries.iter().map(LedgerDoc::from)).session(&mut *session);
    collections.ledger.run(ledger).await?;
    let transfer = TransferDoc::from(&plan.transfer);
    collections.transfers.run(collections.transfers.insert_one(&transfer).session(&mut *session)).await?;
    collections.audit.run(collections.audit.insert_one(AuditDoc::from(&plan.audit)).session(&mut *session)).await?;
    Ok(true)
}

/// The debit and the credit as one `update` command of two conditional statements; `Ok(true)`
/// only when the reply counts both as matched and modified (`n` and `nModified` of 2).
async fn move_funds(session: &mut ClientSession, plan: &Plan, writes: &Writes) -> Result<bool> {
    let wallets = plan.collections.wallets.namespace();
    let database = plan.client.database(&wallets.db);
    let command = funds_command(&wallets.coll, plan, writes);
    let reply = within(&plan.profile, database.run_command(command).session(&mut *session)).await?;
    if let Ok(errors) = reply.get_array("writeErrors")
        && !errors.is_empty()
    {
        // Inside a transaction MongoDB reports a failed statement as the command's error (with
        // its labels); a write error here is a reply no transfer may be committed on.
        return Err(Error::custom(format!("the debit and credit failed: {errors:?}")));
    }
    Ok(count(&reply, "n") == Some(2) && count(&reply, "nModified") == Some(2))
}

/// The `update` command moving the amount between the wallets read.
pub(super) fn funds_command(collection: &str, plan: &Plan, writes: &Writes) -> Document {
    let amount = plan.command.amount().minor();
    let statement = |filter: Document, delta: i64| {
        doc! { "q": filter, "u": Writes::change(delta), "multi": false, "upsert": false }
    };
    doc! {
        "update": collection,
        "updates": [statement(writes.debit_filter(plan), -amount), statement(writes.credit_filter(plan), amount)],
        "ordered": true,
    }
}

/// A count of the reply, whichever integer type the server chose.
fn count(reply: &Document, field: &str) -> Option<i64> {
    match reply.get(field)? {
        Bson::Int32(n) => Some(i64::from(*n)),
        Bson::Int64(n) => Some(*n),
        _ => None,
    }
}
