//! Read-your-writes where a class reads from secondaries: after a write acknowledged at some
//! `operationTime`, the store's feed and statistics reads carry `readConcern.afterClusterTime` of
//! at least that time, so the member serving them (a secondary, on a replica set) applies the
//! write first. The CI server reports no `operationTime`, so the proxy answers the write as a
//! replica set member would; the read's command is then looked at on the wire.

use domain::feed::Feed;
use domain::product::Category;
use domain::{Timestamp, UserId};
use mongo_kit_test::proxy::{Fault, Rule};
use mongodb::bson::{self, doc};

use crate::support::fixture::{TestName, store_test};
use crate::support::proxied;

const STAMP: bson::Timestamp = bson::Timestamp { time: 1_900_000_000, increment: 7 };

/// A write reply as a replica set member sends it: with the `operationTime` it applied at.
fn acknowledged_at(stamp: bson::Timestamp) -> Fault {
    Fault::Reply(doc! { "ok": 1, "n": 1, "nModified": 1, "operationTime": stamp })
}

fn after_cluster_time(command: &bson::Document) -> Option<bson::Timestamp> {
    command.get_document("readConcern").ok()?.get_timestamp("afterClusterTime").ok()
}

#[store_test(mongo)]
async fn a_feed_read_after_a_feed_write_waits_for_that_write(test: &TestName) {
    let Some((store, proxy)) = proxied::connect(test, Vec::new(), |_| {}).await else { return };
    proxy.add(Rule::nth("update", 1, acknowledged_at(STAMP)));
    proxy.watch("find");
    let repos = store.repositories();
    let user = UserId::new();
    let feed = Feed { user_id: user, product_ids: Vec::new(), generated_at: Timestamp::now() };

    repos.feeds.put(feed).await.expect("put a feed");
    // The proxy answered the write itself, so the server may hold no feed: only the command counts.
    let _ = repos.feeds.get(user).await;

    let finds = proxy.bodies("find");
    let read = finds.last().expect("the get sent a find");
    assert_eq!(after_cluster_time(read), Some(STAMP), "the feed read waits for the write: {read}");
    assert_eq!(store.causal_clock().latest(), Some(STAMP));
    proxy.clear();
    store.drop_database().await.expect("drop the test database");
}

#[store_test(mongo)]
async fn category_statistics_after_a_write_wait_for_that_write_and_primary_reads_do_not(test: &TestName) {
    let Some((store, proxy)) = proxied::connect(test, Vec::new(), |_| {}).await else { return };
    proxy.add(Rule::nth("update", 1, acknowledged_at(STAMP)));
    proxy.watch("aggregate");
    proxy.watch("find");
    let repos = store.repositories();
    let feed = Feed { user_id: UserId::new(), product_ids: Vec::new(), generated_at: Timestamp::now() };
    repos.feeds.put(feed).await.expect("a write the proxy acknowledges");

    let category = Category::parse("home").expect("a valid category");
    repos.products.category_stats(&category).await.expect("category statistics");
    let _ = repos.products.get(domain::ProductId::new()).await;

    let aggregates = proxy.bodies("aggregate");
    let stats = aggregates.last().expect("the statistics sent an aggregate");
    assert_eq!(after_cluster_time(stats), Some(STAMP), "the statistics wait for the write: {stats}");
    let finds = proxy.bodies("find");
    let primary_read = finds.last().expect("the product read sent a find");
    assert_eq!(after_cluster_time(primary_read), None, "a primary read needs no wait: {primary_read}");
    proxy.clear();
    store.drop_database().await.expect("drop the test database");
}
