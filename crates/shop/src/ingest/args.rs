//! The command line of `shop ingest` and `shop bench ingest`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::cli::MongoArgs;

/// Options of `shop ingest`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct IngestArgs {
    /// `shop ingest generate …` writes a synthetic input instead of ingesting one.
    #[command(subcommand)]
    pub command: Option<IngestCommand>,
    /// NDJSON file, one product per line (the body of `POST /products`); `-` reads stdin.
    #[arg(required = true)]
    pub file: Option<PathBuf>,
    /// How to ingest.
    #[command(flatten)]
    pub run: RunArgs,
    /// Output format of the report.
    #[command(flatten)]
    pub output: crate::output::Format,
    /// The store.
    #[command(flatten)]
    pub mongo: MongoArgs,
}

/// Subcommands of `shop ingest`.
#[derive(Debug, Subcommand)]
pub enum IngestCommand {
    /// Write N synthetic products as NDJSON to stdout, deterministically from a seed.
    Generate(GenerateArgs),
}

/// Options of `shop ingest generate`.
#[derive(Debug, Clone, Args)]
pub struct GenerateArgs {
    /// Lines to write.
    #[arg(long, default_value_t = 10_000)]
    pub lines: u64,
    /// Share of invalid lines, from 0 to 1.
    #[arg(long, default_value_t = 0.02)]
    pub invalid_share: f64,
    /// Seed: the same seed and options give the same file.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Distinct skus the lines cycle through [default: one per line].
    #[arg(long)]
    pub distinct_skus: Option<u64>,
}

/// Settings of one ingestion run.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Products per batch (one round trip each).
    #[arg(long, env = "SHOP_INGEST_BATCH_SIZE", default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub batch_size: u32,
    /// Batches in flight at once.
    #[arg(long, env = "SHOP_INGEST_CONCURRENCY", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub concurrency: u32,
    /// Attempts per line on transient failures (the first included).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub max_attempts: u32,
    /// First retry delay in milliseconds; doubles per attempt, with jitter.
    #[arg(long, default_value_t = 100)]
    pub retry_base_ms: u64,
    /// Longest line accepted, in bytes.
    #[arg(long, default_value_t = 1024 * 1024)]
    pub max_line_bytes: usize,
    /// Where rejected and failed lines go, as NDJSON [default: FILE.rejects.ndjson, or
    /// rejects.ndjson for stdin].
    #[arg(long)]
    pub rejects: Option<PathBuf>,
    /// Validate every line and write nothing to the store.
    #[arg(long)]
    pub dry_run: bool,
    /// Use `update` commands with many statements even where client-level `bulkWrite` exists.
    #[arg(long, env = "SHOP_INGEST_FORCE_UPDATE_COMMANDS")]
    pub force_update_commands: bool,
    /// Seconds between progress lines when stderr is not a terminal.
    #[arg(long, default_value_t = 5)]
    pub progress_interval_secs: u64,
}

impl RunArgs {
    /// The settings of a command line that sets none (environment variables still apply), as a
    /// run with the defaults sees them.
    pub fn defaults() -> Self {
        /// A command line holding only the run settings.
        #[derive(Parser)]
        struct Defaults {
            #[command(flatten)]
            run: RunArgs,
        }
        Defaults::parse_from(["shop"]).run
    }
}

/// Options of `shop bench ingest`.
#[cfg(feature = "bench")]
#[derive(Debug, Args)]
pub struct BenchIngestArgs {
    /// The generated input.
    #[command(flatten)]
    pub generate: GenerateArgs,
    /// Only the naive loop (one update per line, one at a time) instead of batches. MongoDB only.
    #[arg(long, conflicts_with = "no_compare")]
    pub naive: bool,
    /// Ingest the same file a second time and report that run too (always done when comparing).
    #[arg(long)]
    pub rerun: bool,
    /// With MongoDB, skip the comparison with the seeds' recipe and ingest batched only, into
    /// the configured database.
    #[arg(long)]
    pub no_compare: bool,
    /// The Python interpreter running the seeds' recipe (`scripts/ingest-recipe.py`, PyMongo).
    #[arg(long, env = "SHOP_BENCH_PYTHON", default_value = "python3")]
    pub python: String,
    /// How to ingest.
    #[command(flatten)]
    pub run: RunArgs,
    /// The store: MongoDB when a URI is set, else in memory.
    #[command(flatten)]
    pub mongo: MongoArgs,
}
