//! `shop bench ingest`: generates an input, ingests it, and prints lines/s, peak memory and
//! database commands per 1,000 lines.
//!
//! With MongoDB it measures the pipeline against the naive loop on the same server in one run
//! (`compare`): first run and re-run of each, side by side with their ratios. `--no-compare`
//! ingests batched only, into the configured database; `--naive` runs only the loop there.

mod compare;

use std::path::Path;

use anyhow::Context as _;
use mongo_kit::bulk::WritePath;
use tokio::io::BufReader;

use super::args::{BenchIngestArgs, RunArgs};
use super::rejects::RejectSink;
use super::report::Report;
use super::{Target, generate, ingest, write_path};

/// Runs `shop bench ingest`.
///
/// # Errors
/// The input cannot be generated, the store cannot be reached, or a line failed.
pub(crate) async fn run(args: BenchIngestArgs) -> anyhow::Result<()> {
    if args.naive && args.mongo.uri.is_none() {
        anyhow::bail!("--naive compares driver round trips and needs MONGODB_URI");
    }
    let file = tempfile_path("all", args.generate.lines);
    let generated = std::fs::File::create(&file).with_context(|| format!("creating {}", file.display()))?;
    generate::write(&args.generate, generated).context("generating the input")?;
    let outcome = if args.mongo.uri.is_some() && !args.naive && !args.no_compare {
        compare::run(&args, &file).await
    } else {
        single(&args, &file).await
    };
    let _ = std::fs::remove_file(&file);
    outcome
}

/// One way of ingesting, into the configured store: batched, or the naive loop.
async fn single(args: &BenchIngestArgs, file: &Path) -> anyhow::Result<()> {
    let path = if args.naive { Some(WritePath::OneByOne) } else { write_path(&args.run) };
    let target = crate::store::connect_ingest(&args.mongo, path).await?;
    let run_args = if args.naive { naive_run(&args.run) } else { args.run.clone() };
    let runs = if args.rerun { 2 } else { 1 };
    let mut failed = 0;
    for run in 1..=runs {
        let report = ingest_file(file, &target, &run_args).await?;
        println!("run {run} of {runs}: {}", figures(&report));
        println!("{report}");
        failed += report.failed;
    }
    if failed > 0 {
        anyhow::bail!("{failed} lines failed");
    }
    Ok(())
}

/// The naive loop's settings: one line per call and one call at a time, what a plain loop over
/// the file does.
fn naive_run(run: &RunArgs) -> RunArgs {
    RunArgs { concurrency: 1, ..run.clone() }
}

/// Ingests the file at `file` into `target`, without progress or rejects.
async fn ingest_file(file: &Path, target: &Target, run: &RunArgs) -> anyhow::Result<Report> {
    let input = tokio::fs::File::open(file).await.context("opening the generated input")?;
    let size = input.metadata().await.ok().map(|m| m.len());
    let reader = BufReader::with_capacity(256 * 1024, input);
    ingest(reader, size, target, run, &RejectSink::discard(), false).await
}

fn tempfile_path(name: &str, lines: u64) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("shop-bench-{}-{name}-{lines}.ndjson", std::process::id()))
}

/// Database commands per 1,000 lines of `report`, where the store counts them.
fn per_thousand_lines(report: &Report) -> Option<f64> {
    report.commands.map(|c| c as f64 * 1000.0 / report.lines.max(1) as f64)
}

/// The benchmark's headline figures.
fn figures(report: &Report) -> String {
    let commands = match (report.commands, per_thousand_lines(report)) {
        (Some(c), Some(per_thousand)) => format!(
            "{per_thousand:.2} commands per 1,000 lines, {:.3} commands per batch call (batch size {} at the end, \
             smallest {})",
            c as f64 / report.batch_calls.max(1) as f64,
            report.batch_size,
            report.smallest_batch_size,
        ),
        _ => "no database commands (in memory)".to_owned(),
    };
    let memory = peak_memory().map_or_else(|| "unknown".to_owned(), |m| format!("{:.1} MiB", mib(m)));
    format!(
        "{} lines in {:.2} s: {:.0} lines/s, peak memory {memory}, {commands}",
        report.lines,
        report.elapsed.as_secs_f64(),
        report.lines_per_second()
    )
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// The process's peak resident memory (`VmHWM`), where the system reports it.
pub(crate) fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    parse_vm_hwm(&status)
}

fn parse_vm_hwm(status: &str) -> Option<u64> {
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: u64 = line.trim_start_matches("VmHWM:").trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn peak_memory_is_read_from_the_vm_hwm_line() {
        let status = "Name:\tshop\nVmPeak:\t  9000 kB\nVmHWM:\t    2048 kB\nVmRSS:\t 1024 kB\n";
        assert_eq!(parse_vm_hwm(status), Some(2048 * 1024));
        assert_eq!(parse_vm_hwm("Name:\tshop\n"), None);
    }

    #[test]
    fn figures_name_commands_per_thousand_lines_and_per_batch() {
        let report = Report {
            lines: 20_000,
            batch_calls: 20,
            commands: Some(21),
            elapsed: Duration::from_secs(2),
            batch_size: 1000,
            smallest_batch_size: 125,
            ..Report::from_tally(&super::super::report::Tally::default())
        };
        let text = figures(&report);
        assert!(text.contains("1.05 commands per 1,000 lines"), "{text}");
        assert!(text.contains("1.050 commands per batch call"), "{text}");
        assert!(text.contains("10000 lines/s"), "{text}");
        assert!(text.contains("batch size 1000 at the end, smallest 125"), "{text}");
    }
}
