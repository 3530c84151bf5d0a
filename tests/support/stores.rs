//! Store fixtures: the ports of a fresh store, the fixture of the contract suite
//! (`#[store_test] async fn name(store: &TestStore)`).

use domain::Repositories;

use super::fixture::{Fixture, MemoryFixture};

/// A store under test: its ports, and whatever must be cleaned up afterwards.
pub struct TestStore {
    /// The ports.
    pub repos: Repositories,
    /// Whether the store runs several transactions at once. Memory-store and a real MongoDB
    /// replica set do; the MongoDB-compatible CI server does not, so concurrent scenarios print a
    /// named skip there (their serial versions still run).
    pub concurrent_transactions: bool,
    /// Cleanup for stores that own external state (a MongoDB database).
    cleanup: Option<Box<dyn FnOnce() -> futures::future::BoxFuture<'static, ()> + Send + Sync>>,
}

impl TestStore {
    /// A store with nothing to clean up.
    pub fn new(repos: Repositories) -> Self {
        Self { repos, concurrent_transactions: true, cleanup: None }
    }

    /// A store whose `cleanup` runs after the test body passed.
    pub fn with_cleanup(
        repos: Repositories,
        cleanup: impl FnOnce() -> futures::future::BoxFuture<'static, ()> + Send + Sync + 'static,
    ) -> Self {
        Self { repos, concurrent_transactions: true, cleanup: Some(Box::new(cleanup)) }
    }
}

/// A fresh in-memory store.
pub fn memory() -> TestStore {
    TestStore::new(Repositories::from_store(memory_store::MemoryStore::new()))
}

impl Fixture for TestStore {
    /// A fresh MongoDB store on its own database.
    async fn mongo(test: &'static str) -> Option<Self> {
        super::mongo::store(test).await
    }

    async fn finish(self) {
        if let Some(cleanup) = self.cleanup {
            cleanup().await;
        }
    }
}

impl MemoryFixture for TestStore {
    /// A fresh in-memory store.
    async fn memory(_test: &'static str) -> Self {
        memory()
    }
}
