//! `FeedRepository`: feeds are stored per user and replaced whole.

use domain::feed::Feed;
use domain::{ProductId, Timestamp, UserId};

use super::fixtures::assert_not_found;
use crate::support::TestStore;
use crate::support::fixture::store_test;

fn feed(user_id: UserId, items: usize) -> Feed {
    Feed::new(user_id, (0..items).map(|_| ProductId::new()).collect(), Timestamp::now()).expect("a valid feed")
}

#[store_test]
async fn a_stored_feed_reads_back_as_given(store: &TestStore) {
    let feed = feed(UserId::new(), 3);

    let stored = store.repos.feeds.put(feed.clone()).await.expect("put a feed");

    assert_eq!(stored, feed);
    assert_eq!(store.repos.feeds.get(feed.user_id).await.expect("read the feed"), feed);
}

#[store_test]
async fn putting_a_feed_replaces_the_users_previous_feed_only(store: &TestStore) {
    let user = UserId::new();
    let neighbour = feed(UserId::new(), 2);
    store.repos.feeds.put(neighbour.clone()).await.expect("put the neighbour's feed");
    store.repos.feeds.put(feed(user, 3)).await.expect("put the first feed");
    let replacement = feed(user, 1);

    store.repos.feeds.put(replacement.clone()).await.expect("put the replacement");

    assert_eq!(store.repos.feeds.get(user).await.expect("read the feed"), replacement);
    assert_eq!(store.repos.feeds.get(neighbour.user_id).await.expect("read the neighbour's feed"), neighbour);
}

#[store_test]
async fn a_user_without_a_feed_is_not_found(store: &TestStore) {
    let user = UserId::new();

    let result = store.repos.feeds.get(user).await;

    assert_not_found(result, "feed of a user who has none");
}
