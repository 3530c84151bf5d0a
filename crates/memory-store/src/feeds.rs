//! [`FeedRepository`] and [`Readiness`] in memory.

use async_trait::async_trait;
use domain::feed::Feed;
use domain::{Error, FeedRepository, Readiness, Result, UserId};

use crate::MemoryStore;
use crate::locks::{read, write};

const TABLE: &str = "feeds";

#[async_trait]
impl FeedRepository for MemoryStore {
    async fn put(&self, feed: Feed) -> Result<Feed> {
        let mut feeds = write(&self.inner.feeds, TABLE)?;
        feeds.insert(feed.user_id, feed.clone());
        Ok(feed)
    }

    async fn get(&self, user_id: UserId) -> Result<Feed> {
        let feeds = read(&self.inner.feeds, TABLE)?;
        feeds.get(&user_id).cloned().ok_or_else(|| Error::not_found("feed", user_id))
    }
}

#[async_trait]
impl Readiness for MemoryStore {
    /// Process memory is always reachable.
    async fn check(&self) -> Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use domain::{ProductId, Timestamp};

    use super::*;

    #[tokio::test]
    async fn putting_a_feed_replaces_the_previous_one_for_that_user_only() {
        let store = MemoryStore::new();
        let (user, other) = (UserId::new(), UserId::new());
        let first = Feed::new(user, vec![ProductId::new()], Timestamp::now()).expect("valid feed");
        let second = Feed::new(user, vec![ProductId::new(), ProductId::new()], Timestamp::now()).expect("valid feed");

        store.put(first).await.expect("first put");
        store.put(second.clone()).await.expect("second put");

        assert_eq!(store.get(user).await.expect("feed exists"), second);
        assert!(matches!(store.get(other).await, Err(Error::NotFound { entity: "feed", .. })));
    }
}
