//! Round trips per transfer, counted from the driver's command events: at most 3 for a fresh
//! transfer with client-level `bulkWrite` (read, `bulkWrite`, commit), at most 8 with one command
//! per write, and at most 2 for a replay (read, abort), on either path.

use super::{Proxied, WritePath, commands_of, euros, fresh_key, meta, open, proxied};
use crate::support::fixture::{TestName, store_test};

/// Commands one fresh transfer and one replay of it send: `(fresh, replay)`.
async fn measure(proxied: &Proxied) -> (u64, u64) {
    let (from, to) = (open(&proxied.repos, 1_000).await, open(&proxied.repos, 0).await);
    let key = fresh_key();
    // A first transfer warms the pool, so the measured ones pay no connection set-up.
    proxied.repos.wallets.transfer(euros(from, to, 1), fresh_key(), meta()).await.expect("a first transfer");

    proxied.proxy.reset_counts();
    let ((fresh, fresh_commands), (replay, replay_commands)) = commands_of(
        proxied.repos.wallets.transfer(euros(from, to, 100), key.clone(), meta()),
        proxied.repos.wallets.transfer(euros(from, to, 100), key, meta()),
    )
    .await;

    assert!(!fresh.expect("the transfer applies").replayed);
    assert!(replay.expect("the replay answers").replayed);
    (fresh_commands, replay_commands)
}

#[store_test(mongo)]
async fn a_fresh_transfer_costs_at_most_three_round_trips_with_client_bulk_write(test: &TestName) {
    let Some(proxied) = proxied(test, WritePath::Bulk).await else { return };
    let Some(proxied) = proxied.with_client_bulk_write(test).await else { return };

    let (fresh, replay) = measure(&proxied).await;

    eprintln!("{test}: fresh transfer {fresh} commands, replay {replay}");
    assert!(fresh <= 3, "a fresh transfer sent {fresh} commands");
    assert!(replay <= 2, "a replay sent {replay} commands");
    assert_eq!(proxied.proxy.seen("bulkWrite"), 1, "one bulkWrite for the applied transfer, none for the replay");
    proxied.finish().await;
}

#[store_test(mongo)]
async fn a_fresh_transfer_costs_at_most_eight_round_trips_with_one_command_per_write(test: &TestName) {
    let Some(proxied) = proxied(test, WritePath::Commands).await else { return };

    let (fresh, replay) = measure(&proxied).await;

    eprintln!("{test}: fresh transfer {fresh} commands, replay {replay}");
    assert!(fresh <= 8, "a fresh transfer sent {fresh} commands");
    assert!(replay <= 2, "a replay sent {replay} commands");
    assert_eq!(proxied.proxy.seen("bulkWrite"), 0, "the single-command path sent a bulkWrite");
    proxied.finish().await;
}
