//! Faults the server's `failCommand` fail point would inject, injected by the proxy instead: each
//! test proves a retried transfer applies once, or that an error ends the call without a loop.

use std::time::Duration;

use domain::TransferError;
use mongo_kit::exactly_once::attempts::counters;
use mongo_kit_test::proxy::{Fault, Rule};

use super::{Proxied, WritePath, audit_events, balance, euros, fresh_key, ledger_len, meta, open, proxied};
use crate::support::fixture::{TestName, store_test};

/// A store behind the proxy with two wallets (1,000 and 0 cents), or `None` after a skip.
async fn arranged(test: &str) -> Option<(Proxied, domain::WalletId, domain::WalletId)> {
    let proxied = proxied(test, WritePath::Bulk).await?;
    let (from, to) = (open(&proxied.repos, 1_000).await, open(&proxied.repos, 0).await);
    // Start-up and the arrangement sent commands too: count from here.
    proxied.proxy.reset_counts();
    Some((proxied, from, to))
}

/// Money moved exactly once: balances, one debit entry, one audit event.
async fn assert_moved_once(proxied: &Proxied, from: domain::WalletId, to: domain::WalletId, id: domain::TransferId) {
    let balances = (balance(&proxied.repos, from).await, balance(&proxied.repos, to).await);
    assert_eq!(balances, (900, 100), "money moved other than once");
    assert_eq!(ledger_len(&proxied.repos, from).await, 1, "debit entries");
    assert_eq!(audit_events(&proxied.repos, id).await, 1, "audit events of the transfer");
}

#[store_test(mongo)]
async fn a_write_conflict_inside_the_transaction_reruns_it_whole_and_applies_once(test: &TestName) {
    let Some((proxied, from, to)) = arranged(test).await else { return };
    let write = proxied.first_write(WritePath::Bulk);
    proxied.proxy.add(Rule::nth(write, 1, Fault::write_conflict()));
    let before = counters();

    let outcome = proxied.repos.wallets.transfer(euros(from, to, 100), fresh_key(), meta()).await;

    let outcome = outcome.expect("the transfer applies after the conflict");
    assert!(!outcome.replayed);
    assert_eq!(proxied.proxy.seen("aggregate"), 2, "the read ran again: the whole transaction reran");
    assert_eq!(proxied.proxy.seen(write), 2);
    let after = counters();
    assert!(after.retries > before.retries && after.write_conflicts > before.write_conflicts, "{after:?}");
    assert_moved_once(&proxied, from, to, outcome.transfer.id).await;
    proxied.finish().await;
}

#[store_test(mongo)]
async fn a_lost_commit_reply_is_retried_and_applies_once(test: &TestName) {
    let Some((proxied, from, to)) = arranged(test).await else { return };
    proxied.proxy.add(Rule::nth("commitTransaction", 1, Fault::CutAfterForward));
    let key = fresh_key();

    let outcome = proxied.repos.wallets.transfer(euros(from, to, 100), key.clone(), meta()).await;

    let outcome = outcome.expect("the retried commit reports the transfer");
    assert_eq!(proxied.proxy.seen("commitTransaction"), 2, "the commit was sent again");
    assert_eq!(proxied.proxy.seen("aggregate"), 1, "the body did not run again");
    let replay = proxied.repos.wallets.transfer(euros(from, to, 100), key, meta()).await.expect("a replay");
    assert!(replay.replayed && replay.transfer.id == outcome.transfer.id);
    assert_moved_once(&proxied, from, to, outcome.transfer.id).await;
    proxied.finish().await;
}

#[store_test(mongo)]
async fn a_client_retry_with_the_same_key_after_a_cut_is_a_replay_never_a_second_debit(test: &TestName) {
    let Some((proxied, from, to)) = arranged(test).await else { return };
    // Every commit reply is lost: the transfer commits, but the caller's budget runs out first.
    proxied.proxy.add(Rule::every("commitTransaction", Fault::CutAfterForward));
    let key = fresh_key();
    let budget = tokio::time::Instant::now() + Duration::from_millis(1_500);

    let first = budget::scope(budget, proxied.repos.wallets.transfer(euros(from, to, 100), key.clone(), meta())).await;
    proxied.proxy.clear();
    let retry = proxied.repos.wallets.transfer(euros(from, to, 100), key, meta()).await;

    assert!(matches!(first, Err(TransferError::Store(_))), "the first call cannot know: {first:?}");
    let retry = retry.expect("the client's retry gets the transfer");
    assert!(retry.replayed, "the retry applied the transfer a second time");
    assert_moved_once(&proxied, from, to, retry.transfer.id).await;
    proxied.finish().await;
}

#[store_test(mongo)]
async fn a_non_transient_error_is_reported_and_not_retried(test: &TestName) {
    let Some((proxied, from, to)) = arranged(test).await else { return };
    let write = proxied.first_write(WritePath::Bulk);
    proxied.proxy.add(Rule::nth(write, 1, Fault::error(2, "BadValue", &[])));
    let key = fresh_key();

    let failed = proxied.repos.wallets.transfer(euros(from, to, 100), key.clone(), meta()).await;

    assert!(matches!(failed, Err(TransferError::Store(domain::Error::Internal(_)))), "{failed:?}");
    assert_eq!((proxied.proxy.seen("aggregate"), proxied.proxy.seen(write)), (1, 1), "the transfer was retried");
    assert_eq!((balance(&proxied.repos, from).await, balance(&proxied.repos, to).await), (1_000, 0));
    // Nothing committed, so the key is free: the same request now applies.
    let again = proxied.repos.wallets.transfer(euros(from, to, 100), key, meta()).await.expect("applies");
    assert!(!again.replayed);
    assert_moved_once(&proxied, from, to, again.transfer.id).await;
    proxied.finish().await;
}

#[store_test(mongo)]
async fn a_duplicate_key_inside_the_transaction_ends_it_without_a_loop(test: &TestName) {
    let Some((proxied, from, to)) = arranged(test).await else { return };
    // What MongoDB answers when a request with the same key committed after this snapshot.
    let write = proxied.first_write(WritePath::Bulk);
    proxied.proxy.add(Rule::nth(write, 1, Fault::error(11000, "DuplicateKey", &[])));

    let outcome = proxied.repos.wallets.transfer(euros(from, to, 100), fresh_key(), meta()).await;

    // The key turned out free (no record), so one new transaction applied the transfer.
    let outcome = outcome.expect("the transfer applies once the key is found free");
    assert_eq!(proxied.proxy.seen(write), 2, "one failed claim and one new transaction, no loop");
    assert_eq!(proxied.proxy.seen("find"), 1, "the record was read once, outside the transaction");
    assert_moved_once(&proxied, from, to, outcome.transfer.id).await;
    proxied.finish().await;
}

#[store_test(mongo)]
async fn conflicts_that_outlast_the_budget_end_in_key_in_flight_never_an_error_of_the_store(test: &TestName) {
    let Some((proxied, from, to)) = arranged(test).await else { return };
    let write = proxied.first_write(WritePath::Bulk);
    proxied.proxy.add(Rule::every(write, Fault::write_conflict()));
    let budget = tokio::time::Instant::now() + Duration::from_millis(400);

    let outcome =
        budget::scope(budget, proxied.repos.wallets.transfer(euros(from, to, 100), fresh_key(), meta())).await;

    assert!(matches!(outcome, Err(TransferError::KeyInFlight)), "{outcome:?}");
    assert!(proxied.proxy.seen(write) >= 2, "the conflict was not retried");
    assert_eq!((balance(&proxied.repos, from).await, balance(&proxied.repos, to).await), (1_000, 0));
    proxied.finish().await;
}

#[store_test(mongo)]
async fn a_read_slower_than_the_budget_fails_the_call_and_leaves_the_key_free(test: &TestName) {
    let Some((proxied, from, to)) = arranged(test).await else { return };
    proxied.proxy.add(Rule::nth("aggregate", 1, Fault::Delay(Duration::from_millis(1_500))));
    let key = fresh_key();
    let budget = tokio::time::Instant::now() + Duration::from_millis(300);

    let slow = budget::scope(budget, proxied.repos.wallets.transfer(euros(from, to, 100), key.clone(), meta())).await;
    let retry = proxied.repos.wallets.transfer(euros(from, to, 100), key, meta()).await;

    assert!(matches!(slow, Err(TransferError::Store(domain::Error::Unavailable(_)))), "{slow:?}");
    let retry = retry.expect("the retry applies");
    assert!(!retry.replayed, "nothing was applied by the slow call, so the retry is new");
    assert_moved_once(&proxied, from, to, retry.transfer.id).await;
    proxied.finish().await;
}
