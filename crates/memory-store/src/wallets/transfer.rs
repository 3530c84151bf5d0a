//! Exactly-once transfers. Every check runs before the first write, so a refused transfer leaves
//! the bank untouched and its idempotency key unused.

use domain::error::TransferError;
use domain::transfer::{Balances, Holding, IdempotencyKey, RequestMeta, Transfer, TransferCommand, TransferOutcome};
use domain::{LedgerEntryId, Timestamp, WalletId};

use domain::idempotency::{Claim, KeyLifetime, Scope};

use super::bank::Bank;

impl Bank {
    /// Applies `command` once per `key`, or replays the stored outcome of an earlier call.
    pub(crate) fn transfer(
        &mut self,
        command: &TransferCommand,
        key: IdempotencyKey,
        meta: &RequestMeta,
        now: Timestamp,
        lifetime: KeyLifetime,
    ) -> Result<TransferOutcome, TransferError> {
        let claim = Claim::new(key, command.fingerprint());
        if let Some(transfer) = self.transfer_keys.check(Scope::Transfer, &meta.principal, &claim, now)? {
            return Ok(TransferOutcome { transfer, replayed: true });
        }
        let balances = command.decide(self.holding(command.from()), self.holding(command.to()))?;
        let transfer = command.into_transfer(now);
        self.debit_and_credit(&transfer, balances);
        self.audit.append(transfer.completed_event(meta));
        self.transfers.insert(transfer.id, transfer.clone());
        self.transfer_keys.claim(Scope::Transfer, &meta.principal, claim, transfer.clone(), now, lifetime);
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
