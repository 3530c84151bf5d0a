//! The one way to declare a store test: [`store_test`] on an `async fn` taking a reference to its
//! fixture. The fixture's type says what the test runs on (a store, a running service, a store
//! behind the fault proxy, ...), and the attribute's arguments say on which stores:
//!
//! ```ignore
//! use crate::support::TestStore;
//! use crate::support::fixture::store_test;
//!
//! /// Runs as `a_new_wallet_has_an_empty_ledger::memory` and `..::mongo`.
//! #[store_test]
//! async fn a_new_wallet_has_an_empty_ledger(store: &TestStore) {
//!     // arrange, act, assert on `store.repos`
//! }
//!
//! /// MongoDB only: `a_dry_run_writes_nothing::mongo`, a named skip where no MongoDB is reachable.
//! #[store_test(mongo)]
//! async fn a_dry_run_writes_nothing(store: &mongo_store::MongoStore) {
//!     // ...
//! }
//! ```
//!
//! Each variant is a `#[test]` of its own (`name::memory`, `name::mongo`, `name::<setup>::mongo`;
//! every MongoDB variant ends in `::mongo`, which puts it in nextest's one-at-a-time group). It
//! builds the fixture ([`MemoryFixture::memory`], [`Fixture::mongo`] or
//! [`MongoSetup::mongo_setup`]; the MongoDB ones print a named skip and return `None` where they
//! cannot run), runs the body, tears the fixture down ([`Fixture::finish`]) and then runs the
//! MongoDB rules check ([`mongo_kit_test::rules::assert_clean`]), skipped or not, so no test
//! leaves it out.
//!
//! Fixtures implemented here and beside their types: [`TestStore`](super::TestStore) (the
//! ports), [`TestApp`](super::app::TestApp) (the service), [`mongo_store::MongoStore`] (MongoDB
//! only, its own database), [`TestName`] (only the test's name, for tests that arrange their own
//! server), and a few owned by the tests that need them. A new kind of fixture is a type
//! implementing [`Fixture`] (and [`MemoryFixture`] if it runs on memory-store too); the attribute
//! stays as it is.

use std::fmt;
use std::ops::Deref;
use std::panic::AssertUnwindSafe;

use futures::FutureExt as _;

pub use shop_test_macros::store_test;

/// What a store test receives, built on MongoDB.
pub trait Fixture: Sized {
    /// The fixture for `test` (its full name) on a MongoDB of its own, or `None` after printing
    /// why `test` is skipped.
    async fn mongo(test: &'static str) -> Option<Self>;

    /// Releases what the fixture holds (a database, a proxy, a server); runs after the body
    /// (also one that panicked). The rules check runs after it.
    async fn finish(self);
}

/// A fixture that also runs on memory-store.
pub trait MemoryFixture: Fixture {
    /// The fixture for `test` on a fresh in-memory store.
    async fn memory(test: &'static str) -> Self;
}

/// A further MongoDB set-up `S` (one of [`setup`]) a fixture offers: `#[store_test(s::mongo)]`.
pub trait MongoSetup<S>: Fixture {
    /// Like [`Fixture::mongo`], with the set-up `S`.
    async fn mongo_setup(test: &'static str) -> Option<Self>;
}

/// The further MongoDB set-ups, named in `#[store_test]` in snake case.
pub mod setup {
    /// Writes as one `update` command each, even where the server has client-level `bulkWrite`
    /// (`update_commands::mongo`).
    pub struct UpdateCommands;
}

/// Runs `body` on the memory variant of its fixture. Called by [`store_test`].
pub fn memory<F: MemoryFixture>(test: &'static str, workers: usize, body: impl AsyncFnOnce(&F)) {
    runtime(workers).block_on(async { run(Some(F::memory(test).await), body).await });
}

/// Runs `body` on the MongoDB variant of its fixture, unless it cannot be built here. Called by
/// [`store_test`].
pub fn mongo<F: Fixture>(test: &'static str, workers: usize, body: impl AsyncFnOnce(&F)) {
    runtime(workers).block_on(async { run(F::mongo(test).await, body).await });
}

/// Runs `body` on the MongoDB set-up `S` of its fixture, unless it cannot be built here. Called
/// by [`store_test`].
pub fn mongo_setup<S, F: MongoSetup<S>>(test: &'static str, workers: usize, body: impl AsyncFnOnce(&F)) {
    runtime(workers).block_on(async { run(F::mongo_setup(test).await, body).await });
}

/// Runs `body` on `fixture` and tears it down, then runs the rules check: also after a skip, for
/// the commands sent while finding out that the test cannot run.
///
/// A body that panics still has its fixture torn down (its database dropped) before the panic
/// goes on to fail the test.
async fn run<F: Fixture>(fixture: Option<F>, body: impl AsyncFnOnce(&F)) {
    if let Some(fixture) = fixture {
        let outcome = AssertUnwindSafe(body(&fixture)).catch_unwind().await;
        fixture.finish().await;
        if let Err(panic) = outcome {
            std::panic::resume_unwind(panic);
        }
    }
    mongo_kit_test::rules::assert_clean();
}

/// The runtime a test runs on: the current thread, as `#[tokio::test]` builds it, or `workers`
/// worker threads.
fn runtime(workers: usize) -> tokio::runtime::Runtime {
    let mut builder = if workers == 0 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        builder.worker_threads(workers);
        builder
    };
    builder.enable_all().build().expect("build the test's runtime")
}

/// Only the test's full name (as nextest lists it), for MongoDB tests that arrange their own
/// server, proxy or database and print their own named skips. Reads as a `&str`.
pub struct TestName(&'static str);

impl Deref for TestName {
    type Target = str;

    fn deref(&self) -> &str {
        self.0
    }
}

impl fmt::Display for TestName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl Fixture for TestName {
    async fn mongo(test: &'static str) -> Option<Self> {
        Some(Self(test))
    }

    async fn finish(self) {}
}
