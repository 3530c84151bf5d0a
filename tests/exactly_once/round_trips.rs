//! Round trips per transfer, counted from the driver's command events. With client-level
//! `bulkWrite`: at most 3 for a fresh transfer (read, `bulkWrite`, commit) and 2 for a replay
//! (read, abort). With one command per write: at most 7 for a fresh transfer between wallets
//! the store has not seen (read, claim, debit and credit as one `update`, ledger, transfer,
//! audit, commit), at most 6 once its transfers left the wallets' state behind (no read), and
//! at most 3 for a replay (claim, abort, the record's read).

use super::{Proxied, WritePath, commands_of, euros, fresh_key, meta, open, proxied};
use crate::support::fixture::{TestName, store_test};

/// Commands sent by: a first transfer between new wallets, one fresh transfer after it, and one
/// replay of that one: `(first, fresh, replay)`.
async fn measure(proxied: &Proxied) -> (u64, u64, u64) {
    let (from, to) = (open(&proxied.repos, 1_000).await, open(&proxied.repos, 0).await);
    let key = fresh_key();
    // A transfer between other wallets warms the pool, so the measured ones pay no connection
    // set-up.
    let (warm_from, warm_to) = (open(&proxied.repos, 10).await, open(&proxied.repos, 0).await);
    proxied.repos.wallets.transfer(euros(warm_from, warm_to, 1), fresh_key(), meta()).await.expect("a warm-up");

    proxied.proxy.reset_counts();
    let ((first, first_commands), (fresh, fresh_commands)) = commands_of(
        proxied.repos.wallets.transfer(euros(from, to, 1), fresh_key(), meta()),
        proxied.repos.wallets.transfer(euros(from, to, 100), key.clone(), meta()),
    )
    .await;
    let before = proxied.proxy.counts();
    let replay = proxied.repos.wallets.transfer(euros(from, to, 100), key, meta()).await;
    let replay_commands = sent(&proxied.proxy.counts()) - sent(&before);

    assert!(!first.expect("the first transfer applies").replayed);
    assert!(!fresh.expect("the transfer applies").replayed);
    assert!(replay.expect("the replay answers").replayed);
    (first_commands, fresh_commands, replay_commands)
}

/// How many commands the proxy counted.
fn sent(counts: &std::collections::BTreeMap<String, usize>) -> u64 {
    counts.values().map(|&n| u64::try_from(n).unwrap_or(u64::MAX)).sum()
}

#[store_test(mongo)]
async fn a_fresh_transfer_costs_at_most_three_round_trips_with_client_bulk_write(test: &TestName) {
    let Some(proxied) = proxied(test, WritePath::Bulk).await else { return };
    let Some(proxied) = proxied.with_client_bulk_write(test).await else { return };

    let (first, fresh, replay) = measure(&proxied).await;

    eprintln!("{test}: first transfer {first} commands, fresh {fresh}, replay {replay}");
    assert!(first <= 3, "a first transfer sent {first} commands");
    assert!(fresh <= 3, "a fresh transfer sent {fresh} commands");
    assert!(replay <= 2, "a replay sent {replay} commands");
    assert_eq!(proxied.proxy.seen("bulkWrite"), 2, "one bulkWrite per applied transfer, none for the replay");
    proxied.finish().await;
}

#[store_test(mongo)]
async fn a_fresh_transfer_costs_at_most_six_round_trips_with_one_command_per_write(test: &TestName) {
    let Some(proxied) = proxied(test, WritePath::Commands).await else { return };

    let (first, fresh, replay) = measure(&proxied).await;

    eprintln!("{test}: first transfer {first} commands, fresh {fresh}, replay {replay}");
    eprintln!("{test}: commands seen by the proxy: {:?}", proxied.proxy.counts());
    assert!(first <= 7, "a transfer between wallets not seen before sent {first} commands");
    assert!(fresh <= 6, "a fresh transfer sent {fresh} commands");
    assert!(replay <= 3, "a replay sent {replay} commands");
    assert_eq!(proxied.proxy.seen("bulkWrite"), 0, "the single-command path sent a bulkWrite");
    assert_eq!(proxied.proxy.seen("update"), 2, "one update (debit and credit) per applied transfer");
    proxied.finish().await;
}
