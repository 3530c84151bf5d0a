//! The bank: everything a transfer changes, kept together behind one lock so that a transfer is
//! all-or-nothing and no reader sees half of one.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;

use domain::pagination::{IdCursor, Page};
use domain::transfer::Transfer;
use domain::wallet::{LedgerEntry, LedgerQuery, Wallet};
use domain::{LedgerEntryId, TransferId, WalletId};

use crate::audit::AuditTrail;
use crate::keys::Keys;

/// Name of the bank's lock in error messages.
pub(crate) const TABLE: &str = "bank";

/// Wallets, their ledgers, transfers, idempotency records and the audit trail.
#[derive(Debug, Default)]
pub(crate) struct Bank {
    /// Wallets by id.
    pub(crate) wallets: HashMap<WalletId, Wallet>,
    /// Each wallet's ledger, ordered by entry id (time-ordered), so newest first is a reverse walk.
    pub(crate) ledgers: HashMap<WalletId, BTreeMap<LedgerEntryId, LedgerEntry>>,
    /// Transfers by id.
    pub(crate) transfers: HashMap<TransferId, Transfer>,
    /// Idempotency records of transfers.
    pub(crate) transfer_keys: Keys<Transfer>,
    /// Idempotency records of wallet creates.
    pub(crate) wallet_keys: Keys<Wallet>,
    /// The audit log.
    pub(crate) audit: AuditTrail,
}

impl Bank {
    /// One page of a wallet's ledger, newest first; `None` when the wallet does not exist.
    pub(crate) fn ledger(&self, query: &LedgerQuery) -> Option<Page<LedgerEntry>> {
        if !self.wallets.contains_key(&query.wallet_id) {
            return None;
        }
        let Some(entries) = self.ledgers.get(&query.wallet_id) else {
            return Some(Page { items: Vec::new(), next_cursor: None });
        };
        // Bounded on one side only, so no cursor value can make the range invalid.
        let older = (
            Bound::Unbounded,
            query.after.map_or(Bound::Unbounded, |c| Bound::Excluded(LedgerEntryId::from_uuid(c.0))),
        );
        let items = entries.range(older).rev().take(query.limit.get() + 1).map(|(_, entry)| entry.clone()).collect();
        Some(Page::from_overfetch(items, query.limit, |entry: &LedgerEntry| IdCursor(entry.id.as_uuid()).encode()))
    }

    /// Records a ledger entry under its wallet.
    pub(crate) fn record_entry(&mut self, entry: LedgerEntry) {
        self.ledgers.entry(entry.wallet_id).or_default().insert(entry.id, entry);
    }
}
