//! `shop ingest` end to end through the pipeline: outcomes per line, rejects, reruns, racing
//! batches, writes planned from a read, dry runs, database commands, and a generated file with
//! the default settings, against memory-store and MongoDB (both write paths).
//!
//! Each test runs against the in-memory store (`name::memory`), MongoDB on the best path the
//! server has (`name::mongo`) and MongoDB forced onto `update` commands
//! (`name::update_commands::mongo`): `#[store_test(memory, mongo, update_commands::mongo)]` on an
//! `async fn name(harness: &Harness)`.

mod defaults;
mod fixtures;
mod outcomes;
mod races;
mod read_first;
