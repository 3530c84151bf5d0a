//! Round trips 2 to 7 on servers without client-level `bulkWrite` (or with it switched off): the
//! same writes as [`super::write_bulk`], one command each, in the same order.

use mongodb::ClientSession;
use mongodb::error::Result;

use super::Plan;
use super::body::Writes;
use crate::documents::{AuditDoc, LedgerDoc, TransferDoc};
use crate::time_limit::within;

/// Sends the writes; `Ok(false)` when the debit or the credit matched nothing (a wallet changed
/// since the read), and then nothing after it is sent.
pub(super) async fn apply(session: &mut ClientSession, plan: &Plan, writes: &Writes) -> Result<bool> {
    let (collections, profile) = (&plan.collections, &plan.profile);
    let amount = plan.command.amount().minor();
    if writes.clear_expired {
        let clear = collections.idempotency.delete_one(Writes::expired_filter(plan)).session(&mut *session);
        within(profile, clear).await?;
    }
    within(profile, collections.idempotency.insert_one(&plan.record).session(&mut *session)).await?;

    let debit = collections.wallets.update_one(writes.debit_filter(plan), Writes::change(-amount));
    if within(profile, debit.session(&mut *session)).await?.matched_count != 1 {
        return Ok(false);
    }
    let credit = collections.wallets.update_one(writes.credit_filter(plan), Writes::change(amount));
    if within(profile, credit.session(&mut *session)).await?.matched_count != 1 {
        return Ok(false);
    }

    let entries = plan.ledger_entries(writes.balances);
    let ledger = collections.ledger.insert_many(entries.iter().map(LedgerDoc::from)).session(&mut *session);
    within(profile, ledger).await?;
    let transfer = TransferDoc::from(&plan.transfer);
    within(profile, collections.transfers.insert_one(&transfer).session(&mut *session)).await?;
    within(profile, collections.audit.insert_one(AuditDoc::from(&plan.audit)).session(&mut *session)).await?;
    Ok(true)
}
