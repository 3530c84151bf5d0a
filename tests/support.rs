//! Test support: `#[store_test]` and its fixtures, printed skips, the running service, and the MongoDB rules check
//! in front of every MongoDB test.

pub mod app;
pub mod conformance;
pub mod fixture;
pub mod mongo;
pub mod proxied;
pub mod proxy;
pub mod skip;
pub mod stores;

pub use stores::TestStore;
