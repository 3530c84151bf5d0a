//! Exactly-once transfers. Every check runs before the first write, so a refused transfer leaves
//! the bank untouched and its idempotency key unused.

use std::collections::BTreeMap;

use domain::audit::{AuditAction, AuditEvent, AuditSubject};
use domain::error::TransferError;
use domain::transfer::{IdempotencyKey, RequestMeta, Transfer, TransferCommand, TransferOutcome};
use domain::wallet::{LedgerEntry, Wallet};
use domain::{AuditEventId, Error, LedgerEntryId, Timestamp};

use domain::idempotency::{Claim, Scope};

use super::bank::Bank;

/// The audit action of an applied transfer.
const COMPLETED: &str = "transfer.completed";

/// The balances a transfer leaves behind, computed before anything is written.
struct Plan {
    debit_after: i64,
    credit_after: i64,
}

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
        let plan = self.plan(command)?;
        let action = AuditAction::parse(COMPLETED).map_err(|e| TransferError::Store(Error::Internal(e.into())))?;
        let transfer = command.into_transfer(now);
        self.debit_and_credit(&transfer, &plan, now);
        self.audit.append(completed_event(&transfer, action, meta, now));
        self.transfers.insert(transfer.id, transfer.clone());
        self.transfer_keys.claim(Scope::Transfer, claim, transfer.clone(), now);
        Ok(TransferOutcome { transfer, replayed: false })
    }

    /// Checks both wallets, in the documented order, and computes the balances after the transfer.
    fn plan(&self, command: &TransferCommand) -> Result<Plan, TransferError> {
        let from = self.wallets.get(&command.from()).ok_or(TransferError::UnknownWallet(command.from()))?;
        let to = self.wallets.get(&command.to()).ok_or(TransferError::UnknownWallet(command.to()))?;
        let amount = command.amount();
        for wallet in [from, to] {
            check_currency(wallet, command)?;
        }
        if from.balance_minor < amount.minor() {
            return Err(TransferError::InsufficientFunds { wallet: from.id });
        }
        let overflow = || TransferError::Store(Error::Internal(anyhow::anyhow!("wallet {} balance overflows", to.id)));
        Ok(Plan {
            debit_after: from.balance_minor - amount.minor(),
            credit_after: to.balance_minor.checked_add(amount.minor()).ok_or_else(overflow)?,
        })
    }

    /// Writes both balances and both ledger entries, debit first so its entry sorts older.
    fn debit_and_credit(&mut self, transfer: &Transfer, plan: &Plan, now: Timestamp) {
        let sides = [
            (transfer.from, -transfer.amount_minor, plan.debit_after),
            (transfer.to, transfer.amount_minor, plan.credit_after),
        ];
        for (wallet_id, delta_minor, balance_after_minor) in sides {
            if let Some(wallet) = self.wallets.get_mut(&wallet_id) {
                wallet.balance_minor = balance_after_minor;
                wallet.version += 1;
            }
            self.record_entry(LedgerEntry {
                id: LedgerEntryId::new(),
                wallet_id,
                transfer_id: transfer.id,
                delta_minor,
                balance_after_minor,
                created_at: now,
            });
        }
    }
}

fn check_currency(wallet: &Wallet, command: &TransferCommand) -> Result<(), TransferError> {
    let transfer_currency = command.amount().currency();
    if wallet.currency == transfer_currency {
        Ok(())
    } else {
        Err(TransferError::CurrencyMismatch { wallet: wallet.id, wallet_currency: wallet.currency, transfer_currency })
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
