//! End-to-end HTTP tests: the `shop` router on a real socket, over every store.
//!
//! - `products`: create, read, conditional update, delete, listing, statistics, validation.
//! - `wallets`: opening, reading and ledgers.
//! - `transfers`: exactly-once transfers, replays and refusals.
//! - `keyed_creates`: `Idempotency-Key` on the creates: replays, reuse, malformed keys.
//! - `audit`: the audit trail the API writes, and its listing.
//! - `auth`: API keys and scopes on every route, open routes, the actor of audited changes.
//! - `sessions`: tokens shown once, lookup and ending.
//! - `users`: session tokens as end users' credentials, acting on their own objects only.
//! - `feeds`: replacing and reading feeds.
//! - `operations`: health, readiness, the OpenAPI document and the shared middleware.

mod audit;
mod auth;
mod feeds;
mod keyed_creates;
mod operations;
mod products;
mod sessions;
mod transfers;
mod users;
mod wallets;
