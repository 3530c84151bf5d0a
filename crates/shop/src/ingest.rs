//! `shop ingest`: streams an NDJSON file of products into the store by sku, in unordered batches
//! with several in flight, and gives every line an outcome (inserted, updated, unchanged,
//! rejected with its reason, or failed after retries). `shop ingest generate` writes synthetic
//! input; `shop bench ingest` measures the pipeline.
//!
//! # Layout
//! - `args`: the command-line options.
//! - `reader`: NDJSON lines of bounded size, numbered.
//! - `pipeline`: validation, batching, batches in flight, retries of transient failures.
//! - `rejects`: the rejects file.
//! - `report`: live counts and the final report.
//! - `progress`: a progress bar on a terminal, plain lines otherwise.
//! - `generate`: deterministic synthetic input.
//! - `bench`: the benchmark command (the `bench` feature).

pub mod args;
#[cfg(feature = "bench")]
pub(crate) mod bench;
pub mod generate;
pub mod pipeline;
pub(crate) mod progress;
pub(crate) mod reader;
pub mod rejects;
pub mod report;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use domain::ingest::ProductIngest;
use mongo_kit::bulk::WritePath;
use tokio::io::{AsyncBufRead, BufReader};

use self::args::{IngestArgs, IngestCommand, RunArgs};
use self::pipeline::Settings;
use self::progress::Progress;
use self::rejects::RejectSink;
use self::report::{Report, Tally};
use crate::output::Finding;

/// Where a run writes: the port, what to call it, and whether database commands are counted.
pub struct Target {
    /// The port.
    pub port: Arc<dyn ProductIngest>,
    /// The store and write path, for the report.
    pub description: String,
    /// Whether the store sends database commands (counted by the driver's command events).
    pub counts_commands: bool,
}

/// Runs `shop ingest`.
///
/// # Errors
/// The input or store cannot be opened; a [`Finding`] when any line failed in the store, after
/// the report.
pub async fn run(args: IngestArgs) -> anyhow::Result<()> {
    if let Some(IngestCommand::Generate(generate)) = args.command {
        anyhow::ensure!(!args.output.json, "`shop ingest generate` writes NDJSON: --json does not apply to it");
        return generate::write(&generate, std::io::stdout().lock()).context("writing generated products");
    }
    let file = args.file.context("an input file (or -) is required")?;
    let path = (!args.run.dry_run).then(|| write_path(&args.run)).flatten();
    // The input first: a missing file or a directory is refused before anything is connected to
    // or written.
    let input = if file == Path::new("-") { None } else { Some(open(&file).await?) };
    let target = crate::store::connect_ingest(&args.mongo, path).await?;
    let rejects = RejectSink::create(&rejects_path(&file, args.run.rejects.as_deref())).await?;
    let report = match input {
        None => ingest(BufReader::new(tokio::io::stdin()), None, &target, &args.run, &rejects, true)
            .await
            .context("ingesting standard input")?,
        Some((input, size)) => {
            ingest(BufReader::with_capacity(256 * 1024, input), size, &target, &args.run, &rejects, true)
                .await
                .with_context(|| format!("ingesting {}", file.display()))?
        }
    };
    let rejects = rejects.path().filter(|_| report.rejected + report.failed > 0);
    let text = match rejects {
        Some(path) => format!("{report}\n  rejected and failed lines: {}", path.display()),
        None => report.to_string(),
    };
    args.output.print(&IngestOutput { report: &report, rejects }, text)?;
    if report.failed > 0 {
        return Err(Finding(format!("{} lines failed in the store after retries", report.failed)).into());
    }
    Ok(())
}

/// Opens the input `file` and reads its size (when it is a regular file), naming the file in
/// every error.
///
/// # Errors
/// The file cannot be opened or is a directory.
async fn open(file: &Path) -> anyhow::Result<(tokio::fs::File, Option<u64>)> {
    let input = tokio::fs::File::open(file).await.with_context(|| format!("opening {}", file.display()))?;
    let metadata = input.metadata().await.with_context(|| format!("reading the metadata of {}", file.display()))?;
    anyhow::ensure!(!metadata.is_dir(), "{} is a directory, not an NDJSON file", file.display());
    Ok((input, metadata.is_file().then_some(metadata.len())))
}

/// The report of `shop ingest --json`: the counts and where the rejected and failed lines went.
#[derive(serde::Serialize)]
struct IngestOutput<'a> {
    #[serde(flatten)]
    report: &'a Report,
    rejects: Option<&'a Path>,
}

/// The write path the options force, if any.
pub fn write_path(run: &RunArgs) -> Option<WritePath> {
    run.force_update_commands.then_some(WritePath::UpdateCommands)
}

/// The pipeline's settings from the options.
pub fn settings(run: &RunArgs) -> Settings {
    Settings {
        batch_size: run.batch_size as usize,
        concurrency: run.concurrency as usize,
        max_attempts: run.max_attempts,
        retry_base: Duration::from_millis(run.retry_base_ms),
        max_line_bytes: run.max_line_bytes,
        dry_run: run.dry_run,
    }
}

fn rejects_path(file: &Path, chosen: Option<&Path>) -> PathBuf {
    if let Some(path) = chosen {
        return path.to_owned();
    }
    if file == Path::new("-") {
        return PathBuf::from("rejects.ndjson");
    }
    let mut name = file.as_os_str().to_owned();
    name.push(".rejects.ndjson");
    PathBuf::from(name)
}

/// Ingests `input` (of `size` bytes when known) into `target` and reports.
///
/// # Errors
/// Reading the input or writing the rejects file failed.
pub async fn ingest<R: AsyncBufRead + Unpin>(
    input: R,
    size: Option<u64>,
    target: &Target,
    run: &RunArgs,
    rejects: &RejectSink,
    show_progress: bool,
) -> anyhow::Result<Report> {
    let tally = Arc::new(Tally::default());
    let progress = show_progress
        .then(|| Progress::start(Arc::clone(&tally), size, Duration::from_secs(run.progress_interval_secs)));
    let commands_before = mongo_kit::telemetry::commands_started();
    let started = Instant::now();
    let outcome = pipeline::run(input, Arc::clone(&target.port), &settings(run), Arc::clone(&tally), rejects).await;
    let elapsed = started.elapsed();
    let commands = mongo_kit::telemetry::commands_started() - commands_before;
    if let Some(progress) = progress {
        progress.finish().await;
    }
    rejects.finish().await?;
    let measures = outcome?;
    let mut report = Report::from_tally(&tally);
    report.elapsed = elapsed;
    report.batch_calls = measures.batch_calls;
    report.p95_batch_latency = Duration::from_micros(measures.latency.value_at_quantile(0.95));
    report.commands = target.counts_commands.then_some(commands);
    report.target = if run.dry_run { format!("{}, dry run", target.description) } else { target.description.clone() };
    Ok(report)
}
