//! Transfers under load: one key sent many times, and random transfers among a few hot wallets.
//! Each scenario runs in parallel where the store can run concurrent transactions (a printed
//! skip where it cannot) and serially always, and both are checked against the same invariants.

use std::sync::Arc;

use domain::audit::AuditSubject;
use domain::ports::WalletRepository;
use domain::transfer::{IdempotencyKey, TransferOutcome};
use domain::{TransferError, TransferId, WalletId};
use mongo_kit_test::skip::skip;

use crate::contract::fixtures::{
    Rng, audit_of, balance, eur, euros, fresh_key, in_parallel, meta, open_wallet, whole_ledger,
};
use crate::support::TestStore;
use crate::support::fixture::store_test;

const NO_CONCURRENT_TRANSACTIONS: &str = "the server cannot run concurrent transactions (capability probe)";

/// How many times the same request is sent.
const SENDERS: usize = 16;

const HOT_WALLETS: usize = 3;
const OPENING_BALANCE: i64 = 1_000;
const WORKERS: usize = 4;
const TRANSFERS_PER_WORKER: usize = 20;

/// Whether `test` must be skipped because the store runs one transaction at a time (and says so).
fn cannot_run_concurrently(store: &TestStore, test: &str) -> bool {
    if store.concurrent_transactions {
        return false;
    }
    skip(&format!("{}::{test}", module_path!()), NO_CONCURRENT_TRANSACTIONS);
    true
}

type Attempt = Result<TransferOutcome, TransferError>;

async fn send_same(wallets: Arc<dyn WalletRepository>, from: WalletId, to: WalletId, key: IdempotencyKey) -> Attempt {
    wallets.transfer(euros(from, to, 100), key, meta()).await
}

/// Checks the outcome of sending one request `SENDERS` times with one key: a single transfer,
/// applied once, that every successful caller sees.
async fn assert_applied_once(
    store: &TestStore,
    from: WalletId,
    to: WalletId,
    key: &IdempotencyKey,
    attempts: Vec<Attempt>,
) {
    let mut ids: Vec<TransferId> = Vec::new();
    let mut applied = 0;
    for attempt in attempts {
        match attempt {
            Ok(outcome) => {
                applied += usize::from(!outcome.replayed);
                ids.push(outcome.transfer.id);
            }
            Err(TransferError::KeyInFlight) => {}
            Err(other) => panic!("a sender got {other:?}"),
        }
    }
    // Whatever the callers saw, the key now answers with the one stored transfer.
    let last = send_same(Arc::clone(&store.repos.wallets), from, to, key.clone()).await.expect("a final replay");
    assert!(last.replayed, "the final call was not a replay");
    assert!(ids.iter().all(|id| *id == last.transfer.id), "callers saw different transfers: {ids:?}");
    assert!(applied <= 1, "{applied} callers report having applied the transfer");
    assert_eq!((balance(store, from).await, balance(store, to).await), (900, 100), "money moved more than once");
    assert_eq!(whole_ledger(store, from).await.len(), 1, "more than one debit entry");
    assert_eq!(audit_of(store, AuditSubject::of("transfer", last.transfer.id)).await.len(), 1);
}

#[store_test]
async fn the_same_transfer_sent_in_parallel_with_one_key_is_applied_once(store: &TestStore) {
    if cannot_run_concurrently(store, "the_same_transfer_sent_in_parallel_with_one_key_is_applied_once") {
        return;
    }
    let (from, to) = (open_wallet(store, 1_000, eur()).await.id, open_wallet(store, 0, eur()).await.id);
    let (key, wallets) = (fresh_key(), Arc::clone(&store.repos.wallets));

    let job_key = key.clone();
    let attempts = in_parallel(SENDERS, move |_| send_same(Arc::clone(&wallets), from, to, job_key.clone())).await;

    assert!(attempts.iter().any(Result::is_ok), "no sender got the transfer");
    assert_applied_once(store, from, to, &key, attempts).await;
}

#[store_test]
async fn the_same_transfer_sent_serially_with_one_key_is_applied_once(store: &TestStore) {
    let (from, to) = (open_wallet(store, 1_000, eur()).await.id, open_wallet(store, 0, eur()).await.id);
    let key = fresh_key();

    let mut attempts = Vec::with_capacity(SENDERS);
    for _ in 0..SENDERS {
        attempts.push(send_same(Arc::clone(&store.repos.wallets), from, to, key.clone()).await);
    }

    let replays = attempts.iter().filter(|a| a.as_ref().is_ok_and(|o| o.replayed)).count();
    assert_eq!(replays, SENDERS - 1, "every call after the first should be a replay");
    assert_applied_once(store, from, to, &key, attempts).await;
}

/// One worker's share of random transfers among `wallets`; returns the ids of those applied.
async fn random_transfers(repo: Arc<dyn WalletRepository>, wallets: Vec<WalletId>, seed: u64) -> Vec<TransferId> {
    let mut rng = Rng::new(seed);
    let mut applied = Vec::new();
    let count = u64::try_from(wallets.len()).expect("a small wallet count");
    for _ in 0..TRANSFERS_PER_WORKER {
        let from = rng.below(count);
        let to = (from + 1 + rng.below(count - 1)) % count;
        let amount = i64::try_from(1 + rng.below(500)).expect("a small amount");
        let (from, to) = (wallets[from as usize], wallets[to as usize]);
        match repo.transfer(euros(from, to, amount), fresh_key(), meta()).await {
            Ok(outcome) => applied.push(outcome.transfer.id),
            Err(TransferError::InsufficientFunds { .. }) => {}
            Err(other) => panic!("a random transfer failed: {other:?}"),
        }
    }
    applied
}

async fn hot_wallets(store: &TestStore) -> Vec<WalletId> {
    let mut wallets = Vec::with_capacity(HOT_WALLETS);
    for _ in 0..HOT_WALLETS {
        wallets.push(open_wallet(store, OPENING_BALANCE, eur()).await.id);
    }
    wallets
}

/// Money is conserved, no balance is negative, each ledger explains its wallet's balance, and
/// each applied transfer has exactly one audit event.
async fn assert_books_balance(store: &TestStore, wallets: &[WalletId], applied: &[TransferId]) {
    let mut total = 0;
    let mut entries = 0;
    for wallet in wallets {
        let balance = balance(store, *wallet).await;
        assert!(balance >= 0, "wallet {wallet} went negative: {balance}");
        let ledger = whole_ledger(store, *wallet).await;
        assert!(ledger.iter().all(|e| e.balance_after_minor >= 0), "a ledger entry shows a negative balance");
        assert_eq!(ledger.iter().map(|e| e.delta_minor).sum::<i64>(), balance - OPENING_BALANCE, "ledger of {wallet}");
        total += balance;
        entries += ledger.len();
    }
    assert_eq!(
        total,
        OPENING_BALANCE * i64::try_from(wallets.len()).expect("a small count"),
        "money was not conserved"
    );
    assert_eq!(entries, 2 * applied.len(), "ledger entries per applied transfer");
    for id in applied {
        assert_eq!(audit_of(store, AuditSubject::of("transfer", id)).await.len(), 1, "audit events of transfer {id}");
    }
}

#[store_test]
async fn parallel_random_transfers_among_hot_wallets_keep_the_books_balanced(store: &TestStore) {
    if cannot_run_concurrently(store, "parallel_random_transfers_among_hot_wallets_keep_the_books_balanced") {
        return;
    }
    let wallets = hot_wallets(store).await;
    let (repo, ids) = (Arc::clone(&store.repos.wallets), wallets.clone());

    let per_worker =
        in_parallel(WORKERS, move |worker| random_transfers(Arc::clone(&repo), ids.clone(), worker as u64)).await;

    let applied: Vec<TransferId> = per_worker.into_iter().flatten().collect();
    assert!(!applied.is_empty(), "no random transfer was applied");
    assert_books_balance(store, &wallets, &applied).await;
}

#[store_test]
async fn serial_random_transfers_among_hot_wallets_keep_the_books_balanced(store: &TestStore) {
    let wallets = hot_wallets(store).await;

    let mut applied = Vec::new();
    for worker in 0..WORKERS as u64 {
        applied.extend(random_transfers(Arc::clone(&store.repos.wallets), wallets.clone(), worker).await);
    }

    assert!(!applied.is_empty(), "no random transfer was applied");
    assert_books_balance(store, &wallets, &applied).await;
}
