//! `shop indexes`: the query-shape registry against a deployment. `plan` shows the difference
//! between declared and existing indexes, `apply` closes it, `audit` asks the server how it
//! answers every shape (and fails when one lost its index), `compare` sets two saved audits side
//! by side: plans, scan ratios, write amplification and, read from a running service's `/metrics`
//! over a window, the latency it recorded and its incidents.

mod service;

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Args, Subcommand};
use mongo_kit::index_audit::scoreboard::{Comparison, Scoreboard};
use mongo_kit::index_audit::{AuditOptions, AuditReport};
use mongo_store::index_audit::audit;
use mongo_store::index_plan::{apply, plan};

use crate::cli::MongoArgs;
use crate::output::{Finding, Format};

/// Options of `shop indexes`.
#[derive(Debug, Args)]
pub struct IndexesArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: IndexesCommand,
    /// Output format (`--json` for every subcommand).
    #[command(flatten)]
    pub output: Format,
    /// The store.
    #[command(flatten)]
    pub mongo: MongoArgs,
}

/// Subcommands of `shop indexes`.
#[derive(Debug, Subcommand)]
pub enum IndexesCommand {
    /// Show declared indexes against the server's: missing, extra, different (each difference
    /// with the commands that reconcile it). Changes nothing.
    Plan,
    /// Create the missing indexes; change, drop or rebuild others only with --drop-extra.
    Apply {
        /// Also drop indexes the registry does not declare, and reconcile the ones that differ
        /// from their declaration: `collMod` for another TTL, otherwise drop and create (never
        /// `_id_`).
        #[arg(long)]
        drop_extra: bool,
    },
    /// Explain every query shape; fail when one scans a collection, reads another index than
    /// declared, sorts in memory or examines more than its budget.
    Audit(AuditArgs),
    /// Compare two saved audits (before and after a rollout); fails when a shape regressed.
    Compare {
        /// The earlier audit (`shop indexes audit --save`).
        before: PathBuf,
        /// The later audit.
        after: PathBuf,
    },
}

/// Options of `shop indexes audit`.
#[derive(Debug, Clone, Args)]
pub struct AuditArgs {
    /// Run each representative query this many times for p50/p95 latency (0: plans only).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=10_000))]
    pub runs: u32,
    /// Save the scoreboard (time, latency percentiles, scan ratios, index count) to this file.
    #[arg(long)]
    pub save: Option<PathBuf>,
    /// A running service's metrics URL (`http://127.0.0.1:8080/metrics`): read before the audit
    /// and again a window later, for the latency the service itself recorded on each shape's
    /// collection and the incidents (errors by class) in that window, saved with the scoreboard.
    #[arg(long, requires = "save")]
    pub metrics_url: Option<String>,
    /// The window between the two reads of --metrics-url, in seconds.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub metrics_window_seconds: u64,
}

/// Runs `shop indexes`.
///
/// # Errors
/// No MongoDB configured or reachable or a database failure; a [`Finding`] for an audit that
/// failed (naming the shapes) or a comparison that shows a regression, after the report.
pub async fn run(args: IndexesArgs) -> anyhow::Result<()> {
    let output = args.output;
    if let IndexesCommand::Compare { before, after } = &args.command {
        return compare(before, after, output);
    }
    let store = super::connect("indexes", &args.mongo).await?;
    match args.command {
        IndexesCommand::Plan => output.report(&plan(&store).await?)?,
        IndexesCommand::Apply { drop_extra } => output.report(&apply(&store, drop_extra).await?)?,
        IndexesCommand::Audit(options) => {
            let started = std::time::Instant::now();
            let before = match &options.metrics_url {
                Some(url) => Some(service::read(url).await?),
                None => None,
            };
            let report = audit(&store, AuditOptions { runs: options.runs }).await?;
            output.report(&report)?;
            if let Some(path) = &options.save {
                let mut board = Scoreboard::from(&report);
                if let (Some(url), Some(before)) = (&options.metrics_url, before) {
                    let window = std::time::Duration::from_secs(options.metrics_window_seconds);
                    tokio::time::sleep(window.saturating_sub(started.elapsed())).await;
                    let after = service::read(url).await?;
                    service::add(&mut board, &report, url, started.elapsed().as_secs_f64(), &before, &after);
                }
                save(path, &board)?;
            }
            verdict(&report)?;
        }
        IndexesCommand::Compare { .. } => {}
    }
    Ok(())
}

/// A finding with one line per failing shape: which index it lost and what it costs.
fn verdict(report: &AuditReport) -> anyhow::Result<()> {
    let failures: Vec<String> = report.failures().map(|shape| shape.failure_sentence()).collect();
    if !failures.is_empty() {
        let message = format!("index audit failed for {} shape(s):\n{}", failures.len(), failures.join("\n"));
        return Err(Finding(message).into());
    }
    if !report.verified() {
        let message = "index audit incomplete: the server returned no query plan for some shapes (see the report)";
        return Err(Finding(message.to_owned()).into());
    }
    Ok(())
}

fn save(path: &Path, board: &Scoreboard) -> anyhow::Result<()> {
    let json = serde_json::to_string_pretty(board)?;
    std::fs::write(path, json).with_context(|| format!("writing the scoreboard to {}", path.display()))?;
    eprintln!("scoreboard saved to {}", path.display());
    Ok(())
}

fn load(path: &Path) -> anyhow::Result<Scoreboard> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not a saved index audit", path.display()))
}

/// Two saved audits side by side, as `--json` prints them.
#[derive(serde::Serialize)]
struct CompareJson<'a> {
    before: &'a Scoreboard,
    after: &'a Scoreboard,
    regressions: &'a [&'a str],
}

fn compare(before: &Path, after: &Path, output: Format) -> anyhow::Result<()> {
    let (before, after) = (load(before)?, load(after)?);
    let comparison = Comparison { before: &before, after: &after };
    let regressed = comparison.regressions();
    output.print(&CompareJson { before: &before, after: &after, regressions: &regressed }, &comparison)?;
    if !regressed.is_empty() {
        return Err(Finding(format!("{} shape(s) regressed: {}", regressed.len(), regressed.join(", "))).into());
    }
    Ok(())
}
