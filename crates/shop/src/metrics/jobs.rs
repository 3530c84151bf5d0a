//! The figures of the shop's one-shot jobs (`shop ingest`, `shop migrate up`, `shop ledger`):
//! progress, last success, and the ledger drift found, for the operations view.
//!
//! A job is a process of its own, gone before any scrape of the service, so its series cannot be
//! on the service's `/metrics`. With `--metrics-textfile-dir` (`SHOP_METRICS_TEXTFILE_DIR`) each
//! job writes them to `<dir>/shop_<job>.prom`, in the Prometheus text format, for node_exporter's
//! textfile collector (`--collector.textfile.directory`): at most once a second while it runs,
//! and once at the end. The file is replaced whole (written aside, then renamed), so the
//! collector never reads half of it. A failed run keeps the previous run's success time, read
//! back from the file it replaces.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use metrics::{describe_gauge, gauge};

/// Gauge of a running job's progress, 0 to 1 (NaN when the total is unknown): label `job`.
pub const PROGRESS: &str = "shop_job_progress_ratio";
/// Gauge of the Unix time of the job's last successful run, in seconds: label `job`.
pub const LAST_SUCCESS: &str = "shop_job_last_success_timestamp_seconds";
/// Gauge of wallets whose balance drifts from their ledger, at the last `shop ledger` run.
pub const LEDGER_DRIFT: &str = "shop_ledger_drift_wallets";

/// The jobs, as the `job` label names them.
pub const JOBS: [&str; 4] = ["ingest", "migrate", "ledger_verify", "ledger_repair"];

/// The textfile directory, when configured.
static DIRECTORY: OnceLock<PathBuf> = OnceLock::new();
/// The jobs started by this process, and when each one's file was last written.
static WRITTEN: Mutex<Vec<(&'static str, Instant)>> = Mutex::new(Vec::new());

/// Describes the job series.
pub fn describe() {
    describe_gauge!(PROGRESS, "progress of a running shop job, 0 to 1");
    describe_gauge!(LAST_SUCCESS, metrics::Unit::Seconds, "Unix time of a shop job's last successful run");
    describe_gauge!(LEDGER_DRIFT, "wallets whose balance drifts from their ledger at the last check");
}

/// Sets the directory the jobs write their textfiles to; the first call wins.
pub fn write_to(directory: PathBuf) {
    let _ = DIRECTORY.set(directory);
}

fn file(job: &str) -> Option<PathBuf> {
    DIRECTORY.get().map(|directory| directory.join(format!("shop_{job}.prom")))
}

/// Starts `job`: its progress at 0, and the previous run's success time carried over.
pub fn started(job: &'static str) {
    super::install();
    gauge!(PROGRESS, "job" => job).set(0.0);
    if let Some(previous) = file(job).and_then(|path| std::fs::read_to_string(path).ok())
        && let Some(at) = last_success(&previous, job)
    {
        gauge!(LAST_SUCCESS, "job" => job).set(at);
    }
    write(job, true);
}

/// Records `job`'s progress (`done` of `total`; NaN without a total), if `job` was
/// [`started`]: a dry run or a benchmark shows progress too, but keeps no figures.
pub fn progress(job: &'static str, done: u64, total: Option<u64>) {
    if !WRITTEN.lock().unwrap_or_else(PoisonError::into_inner).iter().any(|(name, _)| *name == job) {
        return;
    }
    #[expect(clippy::cast_precision_loss, reason = "a ratio needs no more than 2^53 precision")]
    let ratio = total.filter(|total| *total > 0).map_or(f64::NAN, |total| (done as f64 / total as f64).min(1.0));
    gauge!(PROGRESS, "job" => job).set(ratio);
    write(job, false);
}

/// Ends `job`: on success its progress at 1 and its success time now; the file written.
pub fn finished(job: &'static str, succeeded: bool) {
    if succeeded {
        gauge!(PROGRESS, "job" => job).set(1.0);
        #[expect(clippy::cast_precision_loss, reason = "seconds since 1970 stay far below 2^53")]
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_millis() as f64 / 1000.0);
        gauge!(LAST_SUCCESS, "job" => job).set(now);
    }
    write(job, true);
}

/// The job `command` runs, if it is one whose figures are kept: not a dry run, not a status or
/// a generator.
pub fn of(command: &crate::cli::Command) -> Option<&'static str> {
    use crate::admin::args::{LedgerCommand, MigrateCommand};
    use crate::cli::Command;
    match command {
        Command::Ingest(args) if args.command.is_none() && !args.run.dry_run => Some("ingest"),
        Command::Migrate(args) => match &args.command {
            MigrateCommand::Up(up) if !up.dry_run => Some("migrate"),
            _ => None,
        },
        Command::Ledger(args) if args.command == LedgerCommand::Verify => Some("ledger_verify"),
        Command::Ledger(_) => Some("ledger_repair"),
        _ => None,
    }
}

/// Runs `work` as `job` (when it is one): started, then finished with its outcome.
///
/// # Errors
/// `work`'s error, unchanged.
pub async fn run<T>(job: Option<&'static str>, work: impl Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    let Some(job) = job else { return work.await };
    started(job);
    let outcome = work.await;
    finished(job, outcome.is_ok());
    outcome
}

/// Records the wallets found drifting (or, for a repair, left uncorrected).
pub fn ledger_drift(wallets: usize) {
    #[expect(clippy::cast_precision_loss, reason = "wallet counts stay far below 2^53")]
    gauge!(LEDGER_DRIFT).set(wallets as f64);
}

/// The success time `text` (a textfile this module wrote) holds for `job`.
fn last_success(text: &str, job: &str) -> Option<f64> {
    let prefix = format!("{LAST_SUCCESS}{{job=\"{job}\"}} ");
    text.lines().find_map(|line| line.strip_prefix(&prefix)).and_then(|value| value.trim().parse().ok())
}

/// The lines of `exposition` that belong to the job series (their `# HELP`/`# TYPE` lines too).
fn job_lines(exposition: &str) -> String {
    let ours = |name: &str| [PROGRESS, LAST_SUCCESS, LEDGER_DRIFT].contains(&name);
    exposition
        .lines()
        .filter(|line| {
            let name = line.strip_prefix("# HELP ").or_else(|| line.strip_prefix("# TYPE ")).unwrap_or(line);
            ours(name.split(['{', ' ']).next().unwrap_or_default())
        })
        .map(|line| format!("{line}\n"))
        .collect()
}

fn write(job: &'static str, now: bool) {
    {
        let mut written = WRITTEN.lock().unwrap_or_else(PoisonError::into_inner);
        let last = written.iter_mut().find(|(name, _)| *name == job);
        match last {
            Some((_, at)) if !now && at.elapsed() < Duration::from_secs(1) => return,
            Some((_, at)) => *at = Instant::now(),
            None => written.push((job, Instant::now())),
        }
    }
    let Some(path) = file(job) else { return };
    if let Err(error) = replace(&path, &job_lines(&super::render())) {
        tracing::warn!(path = %path.display(), %error, "cannot write the job's metrics textfile");
    }
}

fn replace(path: &Path, text: &str) -> std::io::Result<()> {
    let aside = path.with_extension("prom.tmp");
    std::fs::write(&aside, text)?;
    std::fs::rename(&aside, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_textfile_keeps_only_the_job_series_and_gives_back_the_last_success() {
        let exposition = "# HELP shop_job_last_success_timestamp_seconds t\n\
            # TYPE shop_job_last_success_timestamp_seconds gauge\n\
            shop_job_last_success_timestamp_seconds{job=\"ingest\"} 1765000000.5\n\
            # TYPE mongodb_errors_total counter\n\
            mongodb_errors_total{class=\"other\",profile=\"bulk\"} 0\n\
            shop_ledger_drift_wallets 2\n";

        let kept = job_lines(exposition);

        assert!(!kept.contains("mongodb_errors_total"), "{kept}");
        assert!(kept.contains("shop_ledger_drift_wallets 2") && kept.contains("# TYPE shop_job_last"), "{kept}");
        assert_eq!(last_success(&kept, "ingest"), Some(1_765_000_000.5));
        assert_eq!(last_success(&kept, "migrate"), None);
    }
}
