//! Counting outcomes while a run goes on (atomics shared with the progress display), and the
//! final report.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use domain::ingest::UpsertOutcome;

/// Live counts of a run, updated by every stage.
#[derive(Debug, Default)]
pub struct Tally {
    /// Input bytes read.
    pub bytes: AtomicU64,
    /// Lines read.
    pub lines: AtomicU64,
    /// Lines whose product was created.
    pub inserted: AtomicU64,
    /// Lines whose product was changed.
    pub updated: AtomicU64,
    /// Lines whose product already held them.
    pub unchanged: AtomicU64,
    /// Lines that passed validation in a dry run (nothing written).
    pub validated: AtomicU64,
    /// Lines refused by validation.
    pub rejected: AtomicU64,
    /// Lines the store did not accept, after retries.
    pub failed: AtomicU64,
    /// Lines sent again after a transient failure (counted per attempt).
    pub retried: AtomicU64,
    /// Line attempts whose outcome was unknown (a timeout, a broken connection).
    pub unknown: AtomicU64,
    /// Lines per call now (see the pipeline's pace).
    pub batch_size: AtomicU64,
    /// The smallest batch size of the run so far.
    pub smallest_batch_size: AtomicU64,
    /// Calls allowed in flight now.
    pub concurrency: AtomicU64,
}

impl Tally {
    /// Counts one applied line.
    pub fn applied(&self, outcome: UpsertOutcome) {
        let counter = match outcome {
            UpsertOutcome::Inserted => &self.inserted,
            UpsertOutcome::Updated => &self.updated,
            UpsertOutcome::Unchanged => &self.unchanged,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Lines with an outcome so far.
    pub fn done(&self) -> u64 {
        [&self.inserted, &self.updated, &self.unchanged, &self.validated, &self.rejected, &self.failed]
            .iter()
            .map(|c| c.load(Ordering::Relaxed))
            .sum()
    }

    /// One line of counts, for progress output.
    pub fn summary(&self) -> String {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        format!(
            "{} lines done: {} inserted, {} updated, {} unchanged, {} rejected, {} failed; batch size {}, {} in flight",
            self.done(),
            get(&self.inserted),
            get(&self.updated),
            get(&self.unchanged),
            get(&self.rejected),
            get(&self.failed),
            get(&self.batch_size),
            get(&self.concurrency),
        )
    }
}

/// What a run did (with `--json`, durations in seconds).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Report {
    /// Lines read.
    pub lines: u64,
    /// Products created.
    pub inserted: u64,
    /// Products changed.
    pub updated: u64,
    /// Lines already held by their product.
    pub unchanged: u64,
    /// Valid lines of a dry run.
    pub validated: u64,
    /// Lines refused by validation.
    pub rejected: u64,
    /// Lines the store did not accept after retries.
    pub failed: u64,
    /// Retry attempts of single lines.
    pub retried: u64,
    /// Line attempts with an unknown outcome (sent again).
    pub unknown: u64,
    /// The batch size at the end of the run.
    pub batch_size: u64,
    /// The smallest batch size of the run.
    pub smallest_batch_size: u64,
    /// Calls allowed in flight at the end of the run.
    pub concurrency: u64,
    /// Calls of the ingest port (batches and their retries).
    pub batch_calls: u64,
    /// Wall time of the run.
    #[serde(rename = "elapsed_secs", serialize_with = "crate::output::as_seconds")]
    pub elapsed: Duration,
    /// The 95th percentile of batch call latency.
    #[serde(rename = "p95_batch_latency_secs", serialize_with = "crate::output::as_seconds")]
    pub p95_batch_latency: Duration,
    /// Database commands sent during the run, where the store counts them.
    pub commands: Option<u64>,
    /// Where the lines went (store and write path).
    pub target: String,
}

impl Report {
    /// The counts of a finished run.
    pub fn from_tally(tally: &Tally) -> Self {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Self {
            lines: get(&tally.lines),
            inserted: get(&tally.inserted),
            updated: get(&tally.updated),
            unchanged: get(&tally.unchanged),
            validated: get(&tally.validated),
            rejected: get(&tally.rejected),
            failed: get(&tally.failed),
            retried: get(&tally.retried),
            unknown: get(&tally.unknown),
            batch_size: get(&tally.batch_size),
            smallest_batch_size: get(&tally.smallest_batch_size),
            concurrency: get(&tally.concurrency),
            batch_calls: 0,
            elapsed: Duration::ZERO,
            p95_batch_latency: Duration::ZERO,
            commands: None,
            target: String::new(),
        }
    }

    /// Whether the outcomes add up to the lines read.
    pub fn adds_up(&self) -> bool {
        self.inserted + self.updated + self.unchanged + self.validated + self.rejected + self.failed == self.lines
    }

    /// Lines per second of wall time.
    pub fn lines_per_second(&self) -> f64 {
        self.lines as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "ingest report ({})", self.target)?;
        writeln!(f, "  lines      {:>10}", self.lines)?;
        writeln!(f, "  inserted   {:>10}", self.inserted)?;
        writeln!(f, "  updated    {:>10}", self.updated)?;
        writeln!(f, "  unchanged  {:>10}", self.unchanged)?;
        if self.validated > 0 {
            writeln!(f, "  valid (dry run, nothing written) {:>10}", self.validated)?;
        }
        writeln!(f, "  rejected   {:>10}", self.rejected)?;
        writeln!(f, "  failed     {:>10}", self.failed)?;
        writeln!(
            f,
            "  elapsed {:.2} s, {:.0} lines/s, {} batch calls ({} line retries), p95 batch latency {:.1} ms",
            self.elapsed.as_secs_f64(),
            self.lines_per_second(),
            self.batch_calls,
            self.retried,
            self.p95_batch_latency.as_secs_f64() * 1000.0,
        )?;
        if self.batch_calls > 0 {
            writeln!(
                f,
                "  pace at the end: batch size {}, {} in flight (smallest batch size {})",
                self.batch_size, self.concurrency, self.smallest_batch_size
            )?;
        }
        if self.unknown > 0 {
            writeln!(
                f,
                "  {} line attempts had an unknown outcome (a timeout or a broken connection): sent again while \
                 attempts remained, and counted unchanged where the lost attempt had written them",
                self.unknown
            )?;
        }
        match self.commands {
            Some(commands) => write!(f, "  database commands sent: {commands}"),
            None => write!(f, "  database commands sent: none (in-memory store)"),
        }
    }
}
