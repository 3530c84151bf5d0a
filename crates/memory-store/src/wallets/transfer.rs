//! Exactly-once transfers. Every check runs before the first write, so a refused transfer leaves
//! the bank untouched and its idempotency key unused.

use std::collections::BTreeMap;

use domain::audit::{AuditAction, AuditEvent, AuditSubject};
use domain::error::TransferError;
use domain::transfer::{Balances, Holding, IdempotencyKey, RequestMeta, Transfer, TransferCommand, TransferOutcome};
use domain::{AuditEventId, Error, LedgerEntryId, Timestamp, WalletId};

use domain::idempotency::{Claim, Scope};

use super::bank::Bank;

/// The audit action of an applied transfer.
const COMPLETED: &str = "transfer.completed";

impl Bank {
    /// Applies `command` once per `key`, or replays the stored outcome of an earlier call.
    pub(crate) fn transfer(
        &mut self,
        command: &TransferCommand,
        key: IdempotencyKey,
        meta: &RequestMeta,
        now: Timestamp,
    ) -> Result<TransferOutcome, TransferError> {
        let claim = Claim::new(key, command.fingerprint());
        if let Some(transfer) = self.transfer_keys.check(Scope::Transfer, &claim, now)? {
            return Ok(TransferOutcome { transfer, replayed: true });
        }
        let balances = command.decide(self.holding(command.from()), self.holding(command.to()))?;
        let action = AuditAction::parse(COMPLETED).map_err(|e| TransferError::Store(Error::Internal(e.into())))?;
        let transfer = command.into_transfer(now);
        self.debit_and_credit(&transfer, balances);
        self.audit.append(completed_event(&transfer, action, meta, now));
        self.transfers.insert(transfer.id, transfer.clone());
        self.transfer_keys.claim(Scope::Transfer, claim, transfer.clone(), now);
        Ok(TransferOutcome { transfer, replayed: false })
    }

    /// What a transfer sees of the wallet `id`, if it exists.
    fn holding(&self, id: WalletId) -> Option<Holding> {
        self.wallets.get(&id).map(Holding::from)
    }

    /// Writes both balances and both ledger entries, debit first so its entry sorts older.
    fn debit_and_credit(&mut self, transfer: &Transfer, balances: Balances) {
        for entry in transfer.ledger_entries(balances, [LedgerEntryId::new(), LedgerEntryId::new()]) {
            if let Some(wallet) = self.wallets.get_mut(&entry.wallet_id) {
                wallet.balance_minor = entry.balance_after_minor;
                wallet.version += 1;
            }
            self.record_entry(entry);
        }
    }
}

/// The audit event of an applied transfer: ids and amounts only, never owners.
fn completed_event(transfer: &Transfer, action: AuditAction, meta: &RequestMeta, now: Timestamp) -> AuditEvent {
    let details = BTreeMap::from([
        ("from".to_owned(), transfer.from.to_string()),
        ("to".to_owned(), transfer.to.to_string()),
        ("amount_minor".to_owned(), transfer.amount_minor.to_string()),
        ("currency".to_owned(), transfer.currency.to_string()),
    ]);
    AuditEvent {
        id: AuditEventId::new(),
        at: now,
        actor: meta.actor.clone(),
        action,
        subject: AuditSubject::of("transfer", transfer.id),
        request_id: meta.request_id.clone(),
        details,
    }
}
