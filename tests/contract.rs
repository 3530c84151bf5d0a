//! The store contract suite: one test per "MUST" sentence in the `# Errors` sections of the ports
//! and per invariant they promise, written once and run against every store by `#[store_test]`
//! (memory-store always, mongo-store when a MongoDB is reachable).
//!
//! Tests are independent of each other: everything they store is unique to them, so they also
//! hold on a server that other tests use at the same time.
//!
//! # Layout
//! - `fixtures`: builders, page walkers and the parallel runner the tests share.
//! - `products`: unique skus, lookups, optimistic concurrency; `products/listing`: keyset pages
//!   and category statistics.
//! - `wallets`: wallets and their ledgers.
//! - `transfers`: exactly-once transfers and their refusals; `transfers/concurrency`: the same key
//!   and hot wallets under parallel and serial load.
//! - `keyed_creates`: products, wallets and sessions created once per idempotency key.
//! - `key_lifetime`: keys free again once the lifetime both stores are configured with passed.
//! - `audit`: the append-only audit log.
//! - `audited`: exactly one event per stored change, none for a replay or a refusal.
//! - `callers`: idempotency keys belong to the caller that sent them.
//! - `sessions`: sessions by token hash, expired ones invisible.
//! - `feeds`: per-user feeds, replaced whole.
//! - `readiness`: the readiness probe.

mod audit;
mod audited;
mod callers;
mod feeds;
pub(crate) mod fixtures;
mod key_lifetime;
mod keyed_creates;
mod products;
mod readiness;
mod sessions;
mod transfers;
mod wallets;
