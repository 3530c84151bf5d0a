//! The shop's HTTP API over the shop ports, as a library: [`router`] returns an axum
//! [`Router`](axum::Router) that a larger service can mount, and that tests drive without a
//! socket. The router has no global side effects: it installs no metrics recorder and starts no
//! task; the `shop` binary (crate `shop`) reads configuration, starts telemetry and the recorder,
//! picks a store and serves this router.
//!
//! # Layout
//! - `error`: [`Error`], what the library's own fallible functions return.
//! - `state`: what every handler shares: the ports, the HTTP settings, the authentication and
//!   the metrics handle.
//! - `auth`: API keys with scopes, the scope each route needs, and the embedder's hook.
//! - `server`: serving a listener until Ctrl-C or SIGTERM under connection limits (header read
//!   and idle time-outs, a cap on open connections), draining requests in flight.
//! - `metrics`: the series the HTTP layer records, and what describes them; the recorder is the
//!   process's (the `shop` binary installs one and passes its handle for `/metrics`).
//! - `http`: the router, its middleware, one module per resource, wire types and the error mapping.

#![warn(unreachable_pub)]

pub mod auth;
mod error;
pub mod http;
pub mod metrics;
pub mod server;
pub mod state;

pub use error::{Error, Result};
pub use http::router;
pub use state::{AppState, HttpSettings};
