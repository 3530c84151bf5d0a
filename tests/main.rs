//! The workspace's integration suite, built as one binary.
//!
//! - `embedding`: services a team builds on the same crates (the orders example), on both stores.
//! - `contract`: the store contract suite, one test per `# Errors` line and invariant of the ports,
//!   each run against memory-store and (when a MongoDB is reachable) mongo-store.
//! - `exactly_once`: transfers under injected faults (a wire-protocol proxy), concurrency and a
//!   round-trip budget.
//! - `http`: the `shop` service end to end, on port 0, plus error mapping through mocked ports.
//! - `migrate`: schema migrations (lease, checkpoint, audit, dry run) and ledger checks on MongoDB.
//! - `ingest`: `shop ingest` through the pipeline, against every store and write path.
//! - `indexes`: the query-shape registry on MongoDB: index plan and apply, the explain audit.
//! - `mongo`: behaviour specific to the MongoDB store (stored document shapes, start-up probes).
//! - `observability`: metrics after load, logs without personal values, hostile input, outages.

mod contract;
mod embedding;
mod exactly_once;
mod http;
mod indexes;
mod ingest;
mod migrate;
mod mongo;
mod observability;
mod support;
