//! The command line of `shop migrate` and `shop ledger`.

use clap::{Args, Subcommand};

use crate::cli::MongoArgs;
use crate::output::Format;

/// Options of `shop migrate`.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: MigrateCommand,
    /// Output format (`--json` for every subcommand).
    #[command(flatten)]
    pub output: Format,
    /// The store.
    #[command(flatten)]
    pub mongo: MongoArgs,
}

/// Subcommands of `shop migrate`.
#[derive(Debug, Subcommand)]
pub enum MigrateCommand {
    /// Show each migration: documents pending, and its runs (when, by whom, on how many documents).
    Status,
    /// Apply every pending migration in order, resuming an unfinished run from its checkpoint.
    Up(UpArgs),
}

/// Options of `shop migrate up`.
#[derive(Debug, Clone, Args)]
pub struct UpArgs {
    /// Count what would change without writing anything (no lease, no changelog, no audit).
    #[arg(long)]
    pub dry_run: bool,
    /// Documents per batch; a checkpoint is written after each.
    #[arg(long = "batch", default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub batch: u32,
    /// How long to wait for another runner's lease, in seconds, before giving up.
    #[arg(long, default_value_t = 0)]
    pub wait_secs: u64,
    /// The lease's time to live without a heartbeat, in seconds (a crashed runner's lease lasts this long).
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(3..))]
    pub lease_secs: u64,
}

/// Options of `shop ledger`.
#[derive(Debug, Args)]
pub struct LedgerArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: LedgerCommand,
    /// Wallets per batch.
    #[arg(long = "batch", default_value_t = 500, global = true, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub batch: u32,
    /// Output format (`--json` for every subcommand).
    #[command(flatten)]
    pub output: Format,
    /// The store.
    #[command(flatten)]
    pub mongo: MongoArgs,
}

/// Subcommands of `shop ledger`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Subcommand)]
pub enum LedgerCommand {
    /// Recompute every wallet's balance from its ledger and report any drift (reads only).
    Verify,
    /// Correct confirmed drift, with an audit event per correction (`ledger.repaired`).
    Repair,
}
