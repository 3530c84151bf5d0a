//! Round trips 2 to 7 on servers without client-level `bulkWrite` (or with it switched off): the
//! same writes as [`super::write_bulk`], one command each, in the same order.

use mongodb::ClientSession;
use mongodb::error::Result;

use super::Plan;
use super::body::Writes;
use crate::documents::{AuditDoc, LedgerDoc, TransferDoc};

/// Sends the writes; `Ok(false)` when the debit or the credit matched nothing (a wallet changed
/// since the read), and then nothing after it is sent. Each handle applies its class's limits
/// and keeps the driver's error, whose labels the transaction runner reads.
pub(super) async fn apply(session: &mut ClientSession, plan: &Plan, writes: &Writes) -> Result<bool> {
    let collections = &plan.collections;
    let amount = plan.command.amount().minor();
    if writes.clear_expired {
        let clear = collections.idempotency.delete_one(Writes::expired_filter(plan)).session(&mut *session);
        collections.idempotency.run(clear).await?;
    }
    collections.idempotency.run(collections.idempotency.insert_one(&plan.record).session(&mut *session)).await?;

    let debit = collections.wallets.update_one(writes.debit_filter(plan), Writes::change(-amount));
    if collections.wallets.run(debit.session(&mut *session)).await?.matched_count != 1 {
        return Ok(false);
    }
    let credit = collections.wallets.update_one(writes.credit_filter(plan), Writes::change(amount));
    if collections.wallets.run(credit.session(&mut *session)).await?.matched_count != 1 {
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
