//! Observability and safe edges: metrics after load, logs without secrets or personal values,
//! hostile input, and recovery from a database outage.
//!
//! - `metrics`: `/metrics` shows every HTTP and MongoDB series after a short load.
//! - `business`: the business symptoms (`shop_*`) move with the requests that make them, on both
//!   stores.
//! - `redaction`: the logs of a full HTTP scenario hold no credential and no personal value.
//! - `hardening`: generated malformed requests never answer 5xx; injection attempts answer 4xx
//!   and write nothing.
//! - `outage`: a private MongoDB-compatible server stopped during requests and started again.

mod business;
mod hardening;
mod metrics;
mod outage;
mod redaction;
