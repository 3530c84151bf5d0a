//! No transaction outlives its request: when the caller's budget ends while a transaction is
//! open (a reply delayed in the body, a commit that has not reached the server), the runner ends
//! it at once, so the next transfer on the same wallets is not held up by its locks until the
//! server's transaction lifetime limit (60 s by default).

use std::time::Duration;

use domain::{Error, TransferError};
use tokio::time::Instant;

use super::{Proxied, WritePath, balance, euros, fresh_key, ledger_len, meta, open, proxied};
use crate::support::fixture::{TestName, store_test};
use mongo_kit_test::proxy::{Fault, Rule};

/// The budget of each request here, and how long a delayed reply or command waits: longer than
/// the budget, far shorter than the server's transaction lifetime.
const BUDGET: Duration = Duration::from_secs(1);
const DELAY: Duration = Duration::from_secs(4);

/// A store behind the proxy, one command per write, with two wallets (1,000 and 0 cents).
async fn arranged(test: &str) -> Option<(Proxied, domain::WalletId, domain::WalletId)> {
    let proxied = proxied(test, WritePath::Commands).await?;
    let (from, to) = (open(&proxied.repos, 1_000).await, open(&proxied.repos, 0).await);
    Some((proxied, from, to))
}

/// A transfer of 100 cents under a budget of [`BUDGET`].
async fn transfer_within_budget(
    proxied: &Proxied,
    from: domain::WalletId,
    to: domain::WalletId,
    key: domain::transfer::IdempotencyKey,
) -> Result<domain::transfer::TransferOutcome, TransferError> {
    let deadline = Instant::now() + BUDGET;
    budget::scope(deadline, proxied.repos.wallets.transfer(euros(from, to, 100), key, meta())).await
}

#[store_test(mongo)]
async fn a_transfer_given_up_in_its_body_leaves_no_transaction_holding_its_wallets(test: &TestName) {
    let Some((proxied, from, to)) = arranged(test).await else { return };
    // The reply to the transaction's first command comes after the budget: the server has
    // started the transaction, the driver does not know it yet, and its own abort on drop only
    // covers transactions it knows to be in progress. That command is the claim (an `insert`),
    // as the store remembers the wallets it opened; it would be the read on wallets it had not
    // seen, so both are delayed.
    proxied.proxy.add(Rule::nth("insert", 1, Fault::DelayReply(DELAY)));
    proxied.proxy.add(Rule::nth("aggregate", 1, Fault::DelayReply(DELAY)));

    let first = transfer_within_budget(&proxied, from, to, fresh_key()).await;
    let gave_up = Instant::now();
    proxied.proxy.clear();
    let next = transfer_within_budget(&proxied, from, to, fresh_key()).await;

    assert!(
        matches!(first, Err(TransferError::KeyInFlight | TransferError::Store(Error::Unavailable(_)))),
        "the first transfer ran out of budget before its commit: {first:?}"
    );
    let next = next.expect("the next transfer on the same wallets applies within its own budget");
    eprintln!("{test}: the next transfer applied {:?} after the first gave up", gave_up.elapsed());
    assert!(!next.replayed);
    assert_eq!((balance(&proxied.repos, from).await, balance(&proxied.repos, to).await), (900, 100));
    assert_eq!(ledger_len(&proxied.repos, from).await, 1, "only the second transfer was applied");
    proxied.finish().await;
}

#[store_test(mongo)]
async fn a_transfer_given_up_during_its_commit_answers_outcome_unknown_and_frees_its_wallets(test: &TestName) {
    let Some((proxied, from, to)) = arranged(test).await else { return };
    // The commit reaches the server only after the budget: the transaction is open until then.
    proxied.proxy.add(Rule::nth("commitTransaction", 1, Fault::Delay(DELAY)));
    let key = fresh_key();

    let first = transfer_within_budget(&proxied, from, to, key.clone()).await;
    let gave_up = Instant::now();
    proxied.proxy.clear();
    let next = transfer_within_budget(&proxied, from, to, fresh_key()).await;

    assert!(
        matches!(first, Err(TransferError::Store(Error::OutcomeUnknown(_)))),
        "a budget spent during the commit leaves the outcome unknown: {first:?}"
    );
    let next = next.expect("the next transfer on the same wallets applies within its own budget");
    eprintln!("{test}: the next transfer applied {:?} after the first gave up", gave_up.elapsed());
    assert!(!next.replayed);
    // The client retries the unknown outcome with its key: it applies once, whatever happened.
    let retried = proxied.repos.wallets.transfer(euros(from, to, 100), key, meta()).await.expect("the retry");
    let moved = 2 - usize::from(retried.replayed);
    assert_eq!(ledger_len(&proxied.repos, from).await, moved, "each transfer applied once");
    assert_eq!(balance(&proxied.repos, from).await, 1_000 - 100 * i64::try_from(moved).expect("small"));
    proxied.finish().await;
}
