//! Transfers on the path of one command per write skip their read when the store's own earlier
//! transfers left the wallets' state behind. That state is a guess: when another process changed
//! a wallet since, the transfer still writes what the server holds, and a guess that would refuse
//! the transfer is never the reason for a refusal.

use bson::{Document, doc};
use domain::wallet::{LedgerQuery, Wallet};
use domain::{PageLimit, WalletId};
use mongo_store::collections::names::WALLETS;
use mongo_store::documents::stored_uuid;

use super::{Proxied, WritePath, euros, fresh_key, meta, open, proxied};
use crate::support::fixture::{TestName, store_test};

/// Adds `minor` to a wallet as another process would, bumping its version.
async fn deposit_elsewhere(proxied: &Proxied, id: WalletId, minor: i64) {
    let wallets = proxied.store.database().collection::<Document>(WALLETS);
    let change = doc! { "$inc": { "balance_minor": minor, "version": 1_i64 } };
    let updated = wallets.update_one(doc! { "_id": stored_uuid(id.as_uuid()) }, change).await.expect("a deposit");
    assert_eq!(updated.modified_count, 1, "the deposit found the wallet");
}

async fn wallet(proxied: &Proxied, id: WalletId) -> Wallet {
    proxied.repos.wallets.get(id).await.expect("the wallet reads")
}

/// The balance after of the newest ledger entry of `id`.
async fn last_balance_after(proxied: &Proxied, id: WalletId) -> i64 {
    let limit = PageLimit::new(1).expect("a valid limit");
    let page = proxied.repos.wallets.ledger(&LedgerQuery { wallet_id: id, limit, after: None }).await;
    page.expect("the ledger reads").items.first().expect("an entry").balance_after_minor
}

#[store_test(mongo)]
async fn a_transfer_between_wallets_changed_elsewhere_writes_the_stored_balances(test: &TestName) {
    let Some(proxied) = proxied(test, WritePath::Commands).await else { return };
    let (from, to) = (open(&proxied.repos, 1_000).await, open(&proxied.repos, 0).await);
    proxied.repos.wallets.transfer(euros(from, to, 100), fresh_key(), meta()).await.expect("a first transfer");
    deposit_elsewhere(&proxied, from, 50).await;

    let moved = proxied.repos.wallets.transfer(euros(from, to, 200), fresh_key(), meta()).await;

    assert!(!moved.expect("the transfer applies").replayed);
    assert_eq!(wallet(&proxied, from).await.balance_minor, 750, "1000 - 100 + 50 - 200");
    assert_eq!(wallet(&proxied, to).await.balance_minor, 300);
    assert_eq!(last_balance_after(&proxied, from).await, 750, "the ledger holds the stored balance after");
    assert_eq!(last_balance_after(&proxied, to).await, 300);
    proxied.finish().await;
}

#[store_test(mongo)]
async fn a_transfer_the_remembered_balance_would_refuse_applies_on_the_stored_one(test: &TestName) {
    let Some(proxied) = proxied(test, WritePath::Commands).await else { return };
    let (from, to) = (open(&proxied.repos, 1_000).await, open(&proxied.repos, 0).await);
    proxied.repos.wallets.transfer(euros(from, to, 100), fresh_key(), meta()).await.expect("a first transfer");
    deposit_elsewhere(&proxied, from, 50).await;

    // 900 remembered, 950 stored.
    let moved = proxied.repos.wallets.transfer(euros(from, to, 920), fresh_key(), meta()).await;

    assert!(!moved.expect("the transfer applies on the stored balance").replayed);
    assert_eq!(wallet(&proxied, from).await.balance_minor, 30);
    assert_eq!(last_balance_after(&proxied, from).await, 30);
    assert_eq!(last_balance_after(&proxied, to).await, 1_020);
    proxied.finish().await;
}

#[store_test(mongo)]
async fn parallel_transfers_on_remembered_wallets_keep_every_ledger_in_step_with_its_balance(test: &TestName) {
    let Some(proxied) = proxied(test, WritePath::Commands).await else { return };
    let mut wallets = Vec::new();
    for _ in 0..3 {
        wallets.push(open(&proxied.repos, 1_000).await);
    }
    // Twelve transfers around the ring, four in flight at a time: guesses go stale under each other.
    let ring = |i: usize| (wallets[i % 3], wallets[(i + 1) % 3]);
    let mut applied = 0;
    for batch in 0..3 {
        let sends = (0..4).map(|i| {
            let (from, to) = ring(batch * 4 + i);
            proxied.repos.wallets.transfer(euros(from, to, 10), fresh_key(), meta())
        });
        for outcome in futures::future::join_all(sends).await {
            // A conflict that outlasts the budget is refused whole; anything else must apply.
            match outcome {
                Ok(outcome) => {
                    assert!(!outcome.replayed);
                    applied += 1;
                }
                Err(domain::TransferError::Store(domain::Error::Conflict(_))) => {}
                Err(other) => panic!("a transfer failed: {other:?}"),
            }
        }
    }

    let mut total = 0;
    for &id in &wallets {
        let balance = wallet(&proxied, id).await.balance_minor;
        total += balance;
        if balance != 1_000 {
            assert_eq!(last_balance_after(&proxied, id).await, balance, "the newest entry holds the balance");
        }
    }
    assert_eq!(total, 3_000, "money is neither made nor lost");
    assert!(applied > 0, "no transfer applied");
    proxied.finish().await;
}
