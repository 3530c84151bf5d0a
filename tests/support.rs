//! The shop's test fixtures: `#[store_test]` and its runners, the shop's stores on memory and on
//! MongoDB, a store behind the fault proxy, and the running service. What any service's tests
//! need (the server choice, the rules check, the fault proxy, printed skips) is the
//! `mongo-kit-test` crate's.

pub mod app;
pub mod fixture;
pub mod mongo;
pub mod proxied;
pub mod stores;

pub use stores::TestStore;
