//! `shop bench`: the benchmarks. `shop bench ingest` belongs to the ingest module (flattened in
//! here unchanged); `shop bench transfers` measures exactly-once transfers ([`transfers`]).

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
    /// The ingest benchmarks.
    #[command(flatten)]
    Ingest(crate::ingest::args::BenchCommand),
    /// Transfers from N concurrent clients: throughput, latency percentiles, retries and
    /// database commands per transfer.
    Transfers(transfers::TransfersArgs),
}

/// Runs `shop bench`.
///
/// # Errors
/// The benchmark's own failure (the store cannot be reached, a transfer failed unexpectedly).
pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    match args.command {
        BenchCommand::Ingest(command) => crate::ingest::bench::run(crate::ingest::args::BenchArgs { command }).await,
        BenchCommand::Transfers(args) => transfers::run(args).await,
    }
}
