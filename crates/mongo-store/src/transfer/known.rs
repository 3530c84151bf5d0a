//! The wallets' state as this store's last transfers left it: a guess that saves the read on the
//! path of one command per write, never trusted without proof.
//!
//! The wallets this store created are remembered as created. A fresh transfer between wallets
//! found here claims its key first and moves the funds with
//! filters pinned to the known version and balance; both statements matching (the `update`
//! reply's `n` and `nModified`) proves the guess was the stored state, so the ledger's balances
//! after are the ones written. Anything else (a wallet changed by another process, a guess that
//! would refuse the transfer, a key already taken) falls back to the transaction's read, which
//! alone decides refusals. On servers with client-level `bulkWrite` the read travels with no extra
//! round trip of its own worth saving, so that path never guesses.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use domain::WalletId;

use crate::documents::{WalletDoc, read_uuid};

/// How many wallets are remembered; past it the memory starts again, as a guess may always miss.
const CAPACITY: usize = 4_096;

/// The remembered wallets, shared by the clones of a store.
#[derive(Debug, Clone, Default)]
pub(crate) struct Known {
    wallets: Arc<Mutex<HashMap<uuid::Uuid, WalletDoc>>>,
}

impl Known {
    /// Both wallets of a transfer, when both are remembered.
    pub(crate) fn pair(&self, from: WalletId, to: WalletId) -> Option<(WalletDoc, WalletDoc)> {
        let wallets = self.lock();
        Some((wallets.get(&from.as_uuid())?.clone(), wallets.get(&to.as_uuid())?.clone()))
    }

    /// Whether both wallets of a transfer are remembered.
    pub(crate) fn holds(&self, from: WalletId, to: WalletId) -> bool {
        let wallets = self.lock();
        wallets.contains_key(&from.as_uuid()) && wallets.contains_key(&to.as_uuid())
    }

    /// Remembers `wallets` as a transfer's writes (or their creation) leave them.
    pub(crate) fn remember<const N: usize>(&self, wallets: [WalletDoc; N]) {
        let mut known = self.lock();
        if known.len() + N > CAPACITY {
            known.clear();
        }
        for wallet in wallets {
            known.insert(read_uuid(&wallet.id), wallet);
        }
    }

    /// Forgets the wallets of a guess that missed.
    pub(crate) fn forget(&self, from: WalletId, to: WalletId) {
        let mut known = self.lock();
        known.remove(&from.as_uuid());
        known.remove(&to.as_uuid());
    }

    /// The map; its holders never panic while holding it (plain inserts and removals).
    fn lock(&self) -> MutexGuard<'_, HashMap<uuid::Uuid, WalletDoc>> {
        self.wallets.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
