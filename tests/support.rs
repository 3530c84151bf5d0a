//! Test support: store fixtures, printed skips, and the running service.

pub mod app;
pub mod mongo;
pub mod proxy;
pub mod skip;
pub mod stores;

pub use stores::TestStore;
