//! Store fixtures: every contract test runs once per store through [`contract_test!`].

use domain::Repositories;

/// A store under test: its ports, and whatever must be cleaned up afterwards.
pub struct TestStore {
    /// The ports.
    pub repos: Repositories,
    /// Whether the store runs several transactions at once. Memory-store and a real MongoDB
    /// replica set do; the MongoDB-compatible CI server does not, so concurrent scenarios print a
    /// named skip there (their serial versions still run).
    pub concurrent_transactions: bool,
    /// Cleanup for stores that own external state (a MongoDB database).
    cleanup: Option<Box<dyn FnOnce() -> futures::future::BoxFuture<'static, ()> + Send>>,
}

impl TestStore {
    /// A store with nothing to clean up.
    pub fn new(repos: Repositories) -> Self {
        Self { repos, concurrent_transactions: true, cleanup: None }
    }

    /// A store whose `cleanup` runs after the test body passed.
    pub fn with_cleanup(
        repos: Repositories,
        cleanup: impl FnOnce() -> futures::future::BoxFuture<'static, ()> + Send + 'static,
    ) -> Self {
        Self { repos, concurrent_transactions: true, cleanup: Some(Box::new(cleanup)) }
    }

    /// Runs the cleanup, if any, then fails the test if any command it sent broke MongoDB's
    /// rules (the rules check's verdicts, even those whose errors the code swallowed).
    pub async fn finish(self) {
        if let Some(cleanup) = self.cleanup {
            cleanup().await;
        }
        crate::support::conformance::assert_clean();
    }
}

/// A fresh in-memory store.
pub fn memory() -> TestStore {
    TestStore::new(Repositories::from_store(memory_store::MemoryStore::new()))
}

/// A fresh MongoDB store on its own database, or `None` after printing why it was skipped.
pub async fn mongo(test: &str) -> Option<TestStore> {
    crate::support::mongo::store(test).await
}

/// Declares a contract test that runs against every store: `contract_test!(name, body)` where
/// `body` is `async fn(&TestStore)`. It expands to `name::memory` and `name::mongo`; the
/// teardown ([`TestStore::finish`]) fails the test on any command MongoDB's rules refuse.
macro_rules! contract_test {
    ($name:ident, $body:path) => {
        mod $name {
            #[tokio::test]
            async fn memory() {
                let store = $crate::support::stores::memory();
                $body(&store).await;
                store.finish().await;
            }

            #[tokio::test]
            async fn mongo() {
                let Some(store) = $crate::support::stores::mongo(concat!(module_path!(), "::mongo")).await else {
                    return;
                };
                $body(&store).await;
                store.finish().await;
            }
        }
    };
}
pub(crate) use contract_test;
