//! `shop bench`: the benchmarks. `shop bench ingest` lives with the ingest pipeline
//! (`crate::ingest::bench`); `shop bench transfers` measures exactly-once transfers ([`transfers`]);
//! `shop bench http` measures the HTTP layer against bare axum ([`http`]); `shop bench db`
//! measures the database path against a hand-written axum + driver service ([`db`]).

mod cpu;
pub mod db;
pub mod http;
pub mod transfers;

use clap::{Args, Subcommand};

/// Options of `shop bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// What to measure.
    #[command(subcommand)]
    pub command: BenchCommand,
}

/// The benchmarks.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Ingest a generated file and report lines/s, peak memory and commands per 1,000 lines.
    Ingest(crate::ingest::args::BenchIngestArgs),
    /// Transfers from N concurrent clients: throughput, latency percentiles, retries and
    /// database commands per transfer.
    Transfers(transfers::TransfersArgs),
    /// `GET /v1/products/{id}` on the shop and on a bare axum server, side by side under `wrk`:
    /// req/s, p50/p99 latency and the ratio.
    Http(http::HttpArgs),
    /// `GET /v1/products/{id}` and transfers on the shop and on a hand-written axum + driver
    /// service (`bare-mongo`), side by side on the server `MONGODB_URI` names: rates and ratios.
    Db(db::DbArgs),
}

/// Runs `shop bench`.
///
/// # Errors
/// The benchmark's own failure (the store cannot be reached, a transfer failed unexpectedly).
pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    match args.command {
        BenchCommand::Ingest(args) => crate::ingest::bench::run(args).await,
        BenchCommand::Transfers(args) => transfers::run(args).await,
        BenchCommand::Http(args) => http::run(args).await,
        BenchCommand::Db(args) => db::run(args).await,
    }
}
