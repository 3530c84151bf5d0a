//! `shop migrate status` and `shop migrate up`: the shop's migrations on the configured MongoDB,
//! with a progress bar on a terminal (plain lines otherwise) and a final report.

use std::io::IsTerminal as _;
use std::time::Duration;

use std::fmt;

use indicatif::{ProgressBar, ProgressStyle};
use mongo_kit::migrate::{BatchProgress, LeaseOptions, MigrationStatus, RunOptions, status};
use mongo_store::migrations;
use serde::Serialize;

use super::args::{MigrateArgs, MigrateCommand, UpArgs};

/// Runs `shop migrate`.
///
/// # Errors
/// No MongoDB configured or reachable; another runner holds the lease; a migration function
/// refused a document (the run is recorded as failed and resumes next time); a database failure.
pub async fn run(args: MigrateArgs) -> anyhow::Result<()> {
    let store = super::connect("migrate", &args.mongo).await?;
    let registry = migrations::shop()?;
    match args.command {
        MigrateCommand::Status => {
            let migrations = status(store.database(), store.profiles(), &registry).await?;
            let pending = migrations.iter().map(|s| s.pending).sum();
            args.output.report(&StatusReport { migrations, pending })
        }
        MigrateCommand::Up(up) => {
            let options = options(&up);
            let display = Display::new(up.dry_run);
            let runner = mongo_store::migrations::runner(&store, &registry, options).on_progress(|p| display.show(p));
            let outcome = runner.up().await;
            display.finish();
            let report = outcome?;
            let note = if report.dry_run { "dry run: nothing was written\n" } else { "" };
            args.output.print(&report, format_args!("{report}{note}"))
        }
    }
}

/// What `shop migrate status` prints: every migration's state and the documents pending in all.
#[derive(Debug, Serialize)]
struct StatusReport {
    migrations: Vec<MigrationStatus>,
    pending: u64,
}

impl fmt::Display for StatusReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for status in &self.migrations {
            writeln!(f, "{status}")?;
        }
        writeln!(f, "{} documents pending in total", self.pending)?;
        if self.pending > 0 {
            writeln!(
                f,
                "pending documents are still read, but listings by price and category statistics skip them until \
                 `shop migrate up` has run"
            )?;
        }
        Ok(())
    }
}

fn options(up: &UpArgs) -> RunOptions {
    let mut options = RunOptions::new(super::operator());
    options.batch_size = up.batch;
    options.dry_run = up.dry_run;
    options.lease = LeaseOptions {
        ttl: Duration::from_secs(up.lease_secs),
        wait: Duration::from_secs(up.wait_secs),
        ..LeaseOptions::default()
    };
    options
}

/// Progress: a bar on a terminal, else a line every tenth batch.
struct Display {
    bar: Option<ProgressBar>,
    verb: &'static str,
}

impl Display {
    fn new(dry_run: bool) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(0);
            if let Ok(style) = ProgressStyle::with_template("{msg} {bar:30} {pos}/{len} {elapsed}") {
                bar.set_style(style);
            }
            bar
        });
        Self { bar, verb: if dry_run { "would migrate" } else { "migrated" } }
    }

    fn show(&self, progress: &BatchProgress) {
        let counts = progress.counts;
        crate::metrics::jobs::progress("migrate", counts.scanned, Some(progress.pending_at_start.max(counts.scanned)));
        match &self.bar {
            Some(bar) => {
                bar.set_length(progress.pending_at_start.max(counts.scanned));
                bar.set_position(counts.scanned);
                bar.set_message(progress.migration);
            }
            None if counts.batches == 1 || counts.batches.is_multiple_of(10) => eprintln!(
                "{}: {} of {} scanned, {} {}, batch {}",
                progress.migration,
                counts.scanned,
                progress.pending_at_start,
                self.verb,
                counts.migrated,
                counts.batches
            ),
            None => {}
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
