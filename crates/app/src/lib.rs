//! The shop service: the HTTP API over the shop ports, and the `shop` command that runs it.
//!
//! The service is a library first: [`router`] returns an axum [`Router`](axum::Router) that a
//! larger service can mount, and that tests drive without a socket. The `shop` binary only reads
//! configuration, starts telemetry, picks a store and serves that router.
//!
//! # Layout
//! - `bench`: `shop bench` (ingest, and exactly-once transfers under concurrency).
//! - `cli`: the command line, with environment variables (and a `.env` file) as defaults.
//! - `output`: what goes to standard output (the result alone, text or JSON) and the exit status.
//! - `telemetry`: the tracing subscriber (pretty or JSON, filtered by `RUST_LOG`).
//! - `store`: which store serves the ports (memory or MongoDB), decided in one place.
//! - `state`: what every handler shares: the ports, the HTTP settings and the authentication.
//! - `auth`: API keys with scopes, the scope each route needs, and the embedder's hook.
//! - `server`: serving a listener until Ctrl-C or SIGTERM, draining requests in flight.
//! - `metrics`: the Prometheus recorder behind `/metrics`, and the latency summary of CLI jobs.
//! - `http`: the router, its middleware, one module per resource, wire types and the error mapping.
//! - `ingest`: `shop ingest` (streamed bulk upserts of products), its generator and benchmark.
//! - `admin`: `shop migrate` (schema migrations) and `shop ledger` (balance checks and repairs).

pub mod admin;
pub mod auth;
pub mod bench;
pub mod cli;
pub mod http;
pub mod ingest;
pub mod metrics;
pub mod output;
pub mod server;
pub mod state;
pub mod store;
pub mod telemetry;

pub use http::router;
pub use state::{AppState, HttpSettings};
