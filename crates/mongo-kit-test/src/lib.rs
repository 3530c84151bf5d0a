//! The test kit for services on `mongo-kit`: what a team's tests need to test against MongoDB
//! the way the shop's own suite does, from one crate that knows no entity of any service.
//!
//! - **Server choice** ([`server`]): `MONGODB_URI`, else a testcontainers MongoDB 8.0
//!   single-node replica set where Docker runs, else a printed, named skip; with
//!   `MONGO_KIT_TEST_REQUIRE_SERVER=1` (for a CI job that promises a server) that skip is a
//!   failure instead.
//! - **A database per test** ([`database::TestDatabase`]), dropped afterwards, also when the
//!   test panics.
//! - **The MongoDB rules check** ([`rules`]): a wire proxy in front of every URI the server
//!   choice hands out, judging each command against MongoDB 8.0's documented rules (a table a
//!   team extends with its own), answering a violation as MongoDB would and failing the test
//!   that sent it.
//! - **The fault proxy** ([`proxy`]): cuts the connection after a chosen command, answers one
//!   with an error code and labels (write conflicts, `NotWritablePrimary`, write-concern
//!   errors), delays one, and counts commands.
//! - **The explain audit in a test** ([`audit`]): "not judged" where the server gives no plan,
//!   distinct from a pass.
//! - **Printed skips** ([`skip`]): every skip is a line on stderr and in a log a CI job sums up.
//!
//! A team's test, end to end (the server choice, a database of its own, a fault, the verdict
//! of the rules check):
//!
//! ```no_run,test_harness
//! use mongo_kit_test::database::TestDatabase;
//! use mongo_kit_test::proxy::{self, Fault, Rule};
//! use mongodb::bson::{Document, doc};
//!
//! #[tokio::test]
//! async fn a_write_conflict_is_retried() {
//!     let test = "a_write_conflict_is_retried";
//!     let Some(db) = TestDatabase::create(test).await else { return };
//!     let Some((proxy, uri)) = proxy::start_or_skip(test).await else { return };
//!     proxy.add(Rule::nth("insert", 1, Fault::write_conflict()));
//!     let client = mongodb::Client::with_uri_str(&uri).await.expect("a client");
//!     let orders = client.database(db.name()).collection::<Document>("orders");
//!
//!     let first = orders.insert_one(doc! { "_id": 1 }).await;
//!
//!     assert!(first.is_err_and(|error| error.contains_label("TransientTransactionError")));
//!     db.finish().await;
//! }
//! ```
//!
//! Environment variables: [`server::URI_VAR`], [`server::REQUIRE_SERVER_VAR`],
//! [`skip::SKIP_LOG_VAR`], [`rules::RULES_LOG_VAR`].
//!
//! # Layout
//! - `server`: the server choice and the required-server setting.
//! - `database`: a database per test.
//! - `rules`: the MongoDB rules check (its table in `rules::mongodb`).
//! - `proxy`: the fault proxy.
//! - `audit`: the explain audit's verdict in a test.
//! - `skip`: printed, logged skips.
//! - `wire`: the wire protocol, as far as the proxies need it.

pub mod audit;
pub mod database;
pub mod proxy;
pub mod rules;
pub mod server;
pub mod skip;
pub mod wire;
