//! What a run reports: per batch (progress) and at the end (per migration and overall).

use std::fmt;

use super::changelog::{RunCounts, RunRecord};

/// One finished batch, for progress output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchProgress {
    /// The migration.
    pub migration: &'static str,
    /// Documents at the old version when the migration started (the progress total).
    pub pending_at_start: u64,
    /// Counts of this invocation so far.
    pub counts: RunCounts,
}

/// What one migration did (or would do, in a dry run).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MigrationReport {
    /// The migration.
    pub migration: &'static str,
    /// Its run in the changelog; `None` in a dry run or when nothing was pending.
    pub run: Option<RunRecord>,
    /// Documents at the old version when it started.
    pub pending_at_start: u64,
    /// Counts of this invocation (in a dry run: `migrated` is what would change).
    pub counts: RunCounts,
    /// Dry run only: documents the function refuses, with the reason (the first ten).
    pub refusals: Vec<String>,
}

/// What `up` did.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RunReport {
    /// Whether it was a dry run.
    pub dry_run: bool,
    /// Whether it stopped on `halt_after_batches`, as a crash would.
    pub halted: bool,
    /// One entry per migration handled, in order.
    pub migrations: Vec<MigrationReport>,
}

impl fmt::Display for RunReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = if self.dry_run { "would migrate" } else { "migrated" };
        for report in &self.migrations {
            let c = report.counts;
            write!(
                f,
                "{}: {} pending at start, {} scanned, {verb} {}",
                report.migration, report.pending_at_start, c.scanned, c.migrated
            )?;
            if c.skipped > 0 {
                write!(f, ", {} skipped (changed concurrently; run again)", c.skipped)?;
            }
            if let Some(run) = &report.run {
                write!(f, ", run {} {}", run.run_id, run.state.as_str())?;
                if run.resumes > 0 {
                    write!(f, " (resumed {} time(s))", run.resumes)?;
                }
            }
            for refusal in &report.refusals {
                write!(f, "\n  would refuse {refusal}")?;
            }
            writeln!(f)?;
        }
        if self.halted {
            writeln!(f, "halted on request, as a crash would; run again to resume")?;
        }
        Ok(())
    }
}
