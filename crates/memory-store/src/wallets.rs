//! [`WalletRepository`] in memory: wallets, ledgers and exactly-once transfers.

pub(crate) mod bank;
mod transfer;

use async_trait::async_trait;
use domain::error::TransferError;
use domain::idempotency::{Claim, Created, Scope};
use domain::pagination::Page;
use domain::transfer::{IdempotencyKey, RequestMeta, Transfer, TransferCommand, TransferOutcome};
use domain::wallet::{LedgerEntry, LedgerQuery, Wallet};
use domain::{Error, Result, Timestamp, TransferId, WalletId, WalletRepository};

use crate::MemoryStore;
use crate::locks::{read, write};
use crate::wallets::bank::{Bank, TABLE};

/// Stores a new wallet in `bank` with its event, refusing an invalid one or a taken id.
fn open(bank: &mut Bank, wallet: Wallet, meta: &RequestMeta) -> Result<Wallet> {
    wallet.check_new()?;
    if bank.wallets.contains_key(&wallet.id) {
        return Err(Error::exists("wallet", wallet.id));
    }
    bank.audit.append(wallet.created_event(meta));
    bank.wallets.insert(wallet.id, wallet.clone());
    Ok(wallet)
}

#[async_trait]
impl WalletRepository for MemoryStore {
    async fn create(&self, wallet: Wallet, meta: &RequestMeta) -> Result<Wallet> {
        let mut bank = write(&self.inner.bank, TABLE)?;
        open(&mut bank, wallet, meta)
    }

    async fn create_keyed(&self, wallet: Wallet, claim: Claim, meta: &RequestMeta) -> Result<Created<Wallet>> {
        // The key's check, the wallet, its event and the claim happen under the bank's one lock.
        let mut bank = write(&self.inner.bank, TABLE)?;
        let now = Timestamp::now();
        if let Some(stored) = bank.wallet_keys.check(Scope::WalletCreate, &meta.principal, &claim, now)? {
            return Ok(Created::replay(stored));
        }
        let wallet = open(&mut bank, wallet, meta)?;
        bank.wallet_keys.claim(
            Scope::WalletCreate,
            &meta.principal,
            claim,
            wallet.clone(),
            now,
            self.inner.key_lifetime,
        );
        Ok(Created::fresh(wallet))
    }

    async fn get(&self, id: WalletId) -> Result<Wallet> {
        let bank = read(&self.inner.bank, TABLE)?;
        bank.wallets.get(&id).cloned().ok_or_else(|| Error::not_found("wallet", id))
    }

    async fn ledger(&self, query: &LedgerQuery) -> Result<Page<LedgerEntry>> {
        let bank = read(&self.inner.bank, TABLE)?;
        bank.ledger(query).ok_or_else(|| Error::not_found("wallet", query.wallet_id))
    }

    async fn transfer(
        &self,
        command: TransferCommand,
        key: IdempotencyKey,
        meta: RequestMeta,
    ) -> Result<TransferOutcome, TransferError> {
        // The whole transfer, idempotency check included, runs under this one write lock: a
        // concurrent call with the same key waits and then finds the completed record.
        let mut bank = write(&self.inner.bank, TABLE)?;
        bank.transfer(&command, key, &meta, Timestamp::now(), self.inner.key_lifetime)
    }

    async fn get_transfer(&self, id: TransferId) -> Result<Transfer> {
        let bank = read(&self.inner.bank, TABLE)?;
        bank.transfers.get(&id).cloned().ok_or_else(|| Error::not_found("transfer", id))
    }
}
