//! Round trip 2 on servers with client-level `bulkWrite` (wire version 25 and up): every write of
//! the transfer in one ordered `bulkWrite`, checked through its per-operation (verbose) results.
//! Ordered, so a failed claim stops the rest; inside the transaction, so any failure undoes all.

use mongodb::ClientSession;
use mongodb::error::Result;
use mongodb::options::{DeleteOneModel, UpdateOneModel, WriteModel};

use super::Plan;
use super::body::Writes;
use crate::documents::{AuditDoc, LedgerDoc, TransferDoc};
use mongo_kit::time_limit::within;

/// The models, in order, and the positions of the debit and the credit.
pub(super) fn models(plan: &Plan, writes: &Writes) -> Result<(Vec<WriteModel>, usize, usize)> {
    let collections = &plan.collections;
    let amount = plan.command.amount().minor();
    let mut models = Vec::with_capacity(9);
    if writes.clear_expired {
        let namespace = collections.idempotency.namespace();
        let filter = Writes::expired_filter(plan);
        models.push(WriteModel::DeleteOne(DeleteOneModel::builder().namespace(namespace).filter(filter).build()));
    }
    models.push(collections.idempotency.insert_one_model(&plan.record)?.into());
    let debit = models.len();
    models.push(update(plan, writes.debit_filter(plan), Writes::change(-amount)));
    let credit = models.len();
    models.push(update(plan, writes.credit_filter(plan), Writes::change(amount)));
    for entry in plan.ledger_entries(writes.balances) {
        models.push(collections.ledger.insert_one_model(LedgerDoc::from(&entry))?.into());
    }
    models.push(collections.transfers.insert_one_model(TransferDoc::from(&plan.transfer))?.into());
    models.push(collections.audit.insert_one_model(AuditDoc::from(&plan.audit))?.into());
    Ok((models, debit, credit))
}

fn update(plan: &Plan, filter: bson::Document, change: bson::Document) -> WriteModel {
    let namespace = plan.collections.wallets.namespace();
    WriteModel::UpdateOne(UpdateOneModel::builder().namespace(namespace).filter(filter).update(change).build())
}

/// Sends the writes; `Ok(false)` when the debit or the credit matched nothing (a wallet changed
/// since the read).
pub(super) async fn apply(session: &mut ClientSession, plan: &Plan, writes: &Writes) -> Result<bool> {
    let (models, debit, credit) = models(plan, writes)?;
    let count = models.len();
    let bulk = plan.client.bulk_write(models).ordered(true).verbose_results().session(&mut *session);
    let result = within(&plan.profile, bulk).await?;
    let matched = |index: usize| result.update_results.get(&index).is_some_and(|r| r.matched_count == 1);
    let inserted = result.insert_results.len() + result.delete_results.len();
    if inserted + result.update_results.len() != count {
        // The server answered for fewer writes than were sent, without an error: never commit that.
        return Err(mongodb::error::Error::custom(format!(
            "bulkWrite answered for {} of {count} writes",
            inserted + result.update_results.len()
        )));
    }
    Ok(matched(debit) && matched(credit))
}
