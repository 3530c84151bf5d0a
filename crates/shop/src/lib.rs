//! The `shop` command: the service and its admin jobs over the `app` library and the stores.
//!
//! # Layout
//! - `cli`: the command line, with environment variables (and a `.env` file) as defaults.
//! - `output`: what goes to standard output (the result alone, text or JSON) and the exit status.
//! - `telemetry`: the tracing subscriber (pretty or JSON, filtered by `RUST_LOG`).
//! - `metrics`: the Prometheus recorder `shop serve` installs for `/metrics`, and the latency
//!   summary printed at the end of long jobs.
//! - `store`: which store serves the ports (memory or MongoDB), decided in one place.
//! - `keys`: the API keys setting (`SHOP_API_KEYS`), the bind policy (no anonymous calls off
//!   loopback) and `shop keys new`: a random API key, shown once, and its configuration entry.
//! - `ingest`: `shop ingest` (streamed bulk upserts of products), its generator and benchmark.
//! - `admin`: `shop migrate`, `shop ledger` and `shop indexes`.
//! - `bench`: `shop bench` (ingest, exactly-once transfers under concurrency, the HTTP layer, the
//!   database path), built with the `bench` feature only: its HTTP client, load generator driver
//!   and baselines stay out of the production binary.

#![warn(unreachable_pub)]

pub mod admin;
#[cfg(feature = "bench")]
pub mod bench;
pub mod cli;
pub mod ingest;
pub mod keys;
pub mod metrics;
pub mod output;
pub mod store;
pub mod telemetry;
