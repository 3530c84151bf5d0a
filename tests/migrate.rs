//! Schema migrations and ledger checks on MongoDB, through the same building blocks `shop migrate`
//! and `shop ledger` use. Each test has its own database and prints a named skip when no MongoDB
//! is reachable; test names end in `::mongo`, so they run in the one-at-a-time MongoDB group.
//!
//! - `fixtures`: legacy product documents, runner options, raw reads.
//! - `runs`: mixed versions migrate fully, readers accept both, dry runs write nothing.
//! - `faults`: killed runs resume, refused documents fail the run, runners exclude each other.
//! - `transactions`: a batch commits with its audit events; lost replies and persistent faults
//!   still leave one event per document; round trips per batch.
//! - `ledger`: verify finds drift, repair fixes it exactly once.

mod faults;
mod fixtures;
mod ledger;
mod runs;
mod transactions;
