//! The query-shape registry against a real server: `plan` and `apply` (declared against existing
//! indexes) and the explain audit. Every test here needs MongoDB and prints a named skip without
//! one; each test's name ends in `::mongo` so the MongoDB test group runs them one at a time.
//!
//! - `seed`: a small shop data set written through the ports (plus migration bookkeeping).
//! - `plan`: a fresh store is in step; dropped, extra and restored indexes.
//! - `conflicts`: start-up over a team's own indexes (another name, another TTL, no uniqueness).
//! - `refusals`: start-up when the server refuses indexes (through the fault proxy).
//! - `audit`: every shape passes on seeded data; a dropped index fails the shape that needs it.
//! - `shard_keys`: on a mongos, `apply --drop-extra` keeps the index that supports a shard key.

mod audit;
mod conflicts;
mod plan;
mod refusals;
mod seed;
mod shard_keys;
