//! The runner: applies a registry's migrations in order, each under its collection's lease, in
//! batches by `_id`, each batch one transaction with its audit events (one per changed document)
//! and its checkpoint (`batch`). Dry runs read on the bulk profile and write nothing.

use bson::{Bson, Document, doc};
use futures::TryStreamExt as _;
use mongodb::{Collection, Database};
use std::sync::Arc;

use super::changelog::Changelog;
pub use super::report::{BatchProgress, MigrationReport, RunReport};
use super::{LeaseOptions, Migration, MigrationError, Registry, RunCounts, RunError, RunRecord, RunState, id_text};
use crate::profiles::{OperationClass, Profiles};
use crate::time_limit::{TimeLimited as _, within};

/// How a run behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOptions {
    /// Who runs it (host or operator), recorded in the lease, the changelog and audit events.
    pub owner: String,
    /// Documents per batch (at least 1).
    pub batch_size: u32,
    /// Count what would change, write nothing (no lease, no changelog, no audit).
    pub dry_run: bool,
    /// The lease's time to live and how long to wait for another runner.
    pub lease: LeaseOptions,
    /// Stop after this many batches of this invocation as a crash would: without closing the run
    /// or releasing the lease. For fault drills and tests of resumption.
    pub halt_after_batches: Option<u64>,
}

impl RunOptions {
    /// Defaults: batches of 500, real writes, the default lease.
    pub fn new(owner: impl Into<String>) -> Self {
        Self {
            owner: owner.into(),
            batch_size: 500,
            dry_run: false,
            lease: LeaseOptions::default(),
            halt_after_batches: None,
        }
    }
}

/// A callback told about every finished batch.
type ProgressFn<'a> = Box<dyn Fn(&BatchProgress) + Send + Sync + 'a>;

/// Applies a registry's migrations.
pub struct Runner<'a> {
    database: &'a Database,
    profiles: &'a Profiles,
    registry: &'a Registry,
    options: RunOptions,
    sink: Arc<dyn AuditSink>,
    progress: Option<ProgressFn<'a>>,
    client_bulk_write: bool,
}

impl<'a> Runner<'a> {
    /// A runner on `database`, with these profiles, writing each migrated document's audit
    /// event through `sink` (inside the batch's transaction).
    pub fn on(
        database: &'a Database,
        profiles: &'a Profiles,
        registry: &'a Registry,
        options: RunOptions,
        sink: impl AuditSink + 'static,
    ) -> Self {
        Self { database, profiles, registry, options, sink: Arc::new(sink), progress: None, client_bulk_write: false }
    }

    /// Whether a batch's writes go as one client-level `bulkWrite` (servers with wire version
    /// 25 and up) rather than one command per kind of write; [`Runner::on`] starts without it.
    #[must_use]
    pub fn client_bulk_write(mut self, enabled: bool) -> Self {
        self.client_bulk_write = enabled;
        self
    }

    /// Calls `progress` after every batch.
    #[must_use]
    pub fn on_progress(mut self, progress: impl Fn(&BatchProgress) + Send + Sync + 'a) -> Self {
        self.progress = Some(Box::new(progress));
        self
    }

    /// Applies every migration in order, each until no document at its old version is left
    /// (or, in a dry run, counts what that would change).
    ///
    /// # Errors
    /// [`RunError::LeaseHeld`] when another runner is migrating the same collection;
    /// [`RunError::LeaseLost`] when this runner's lease expired under it; [`RunError::Document`]
    /// when a migration function refuses a document (the run is recorded as failed and resumes
    /// from its checkpoint next time); [`RunError::Driver`] when the database fails.
    pub async fn up(&self) -> Result<RunReport, RunError> {
        let mut report = RunReport { dry_run: self.options.dry_run, halted: false, migrations: Vec::new() };
        for migration in self.registry.migrations() {
            let (one, halted) = if self.options.dry_run {
                (self.dry_run(migration).await?, false)
            } else {
                self.apply(migration).await?
            };
            report.migrations.push(one);
            if halted {
                report.halted = true;
                break;
            }
        }
        Ok(report)
    }

    fn data(&self, migration: &Migration) -> Collection<Document> {
        self.profiles.collection(self.database, migration.collection, OperationClass::Bulk)
    }

    async fn pending(&self, migration: &Migration) -> Result<u64, RunError> {
        let profile = self.profiles.get(OperationClass::Bulk);
        let data = self.data(migration);
        let count = data.count_documents(doc! { "schema_version": migration.from_version });
        Ok(within(profile, count.time_limited(profile)).await?)
    }

    /// The next batch at the old version after `after`, in `_id` order.
    async fn batch(&self, migration: &Migration, after: Option<&Bson>) -> Result<Vec<Document>, RunError> {
        let profile = self.profiles.get(OperationClass::Bulk);
        let mut filter = doc! { "schema_version": migration.from_version };
        if let Some(after) = after {
            filter.insert("_id", doc! { "$gt": after.clone() });
        }
        let limit = i64::from(self.options.batch_size.max(1));
        let data = self.data(migration);
        let find = data.find(filter).sort(doc! { "_id": 1 }).limit(limit).time_limited(profile);
        Ok(within(profile, async { find.await?.try_collect().await }).await?)
    }

    fn progress(&self, migration: &Migration, pending_at_start: u64, counts: RunCounts) {
        tracing::info!(migration = migration.name, scanned = counts.scanned, migrated = counts.migrated, "batch done");
        if let Some(progress) = &self.progress {
            progress(&BatchProgress { migration: migration.name, pending_at_start, counts });
        }
    }

    async fn dry_run(&self, migration: &Migration) -> Result<MigrationReport, RunError> {
        let pending_at_start = self.pending(migration).await?;
        let mut counts = RunCounts::default();
        let mut refusals = Vec::new();
        let mut after = None;
        loop {
            let batch = self.batch(migration, after.as_ref()).await?;
            let Some(last) = batch.last() else { break };
            after = last.get("_id").cloned();
            for document in batch {
                counts.scanned += 1;
                let id = document.get("_id").map_or_else(|| "?".to_owned(), id_text);
                match migrate_one(migration, document) {
                    Ok(_) => counts.migrated += 1,
                    Err(error) if refusals.len() < 10 => refusals.push(format!("{id}: {error}")),
                    Err(_) => {}
                }
            }
            counts.batches += 1;
            self.progress(migration, pending_at_start, counts);
        }
        Ok(MigrationReport { migration: migration.name, run: None, pending_at_start, counts, refusals })
    }

    /// Applies one migration; `true` alongside the report when it halted on request.
    async fn apply(&self, migration: &Migration) -> Result<(MigrationReport, bool), RunError> {
        let lease = super::Lease::acquire(
            self.database,
            self.profiles,
            migration.collection,
            &self.options.owner,
            self.options.lease,
        )
        .await?;
        let changelog = Changelog::new(self.database, self.profiles);
        let pending_at_start = self.pending(migration).await?;
        let mut run = match changelog.unfinished(migration.name).await? {
            Some(mut run) => {
                changelog.resume(&mut run, &self.options.owner).await?;
                run
            }
            None if pending_at_start == 0 => {
                lease.release().await?;
                let counts = RunCounts::default();
                let report = MigrationReport {
                    migration: migration.name,
                    run: None,
                    pending_at_start,
                    counts,
                    refusals: vec![],
                };
                return Ok((report, false));
            }
            None => changelog.start(migration, &self.options.owner).await?,
        };
        let mut counts = RunCounts::default();
        let report = |run: &RunRecord, counts| MigrationReport {
            migration: migration.name,
            run: Some(run.clone()),
            pending_at_start,
            counts,
            refusals: Vec::new(),
        };
        loop {
            if lease.is_lost() {
                let error = RunError::LeaseLost { scope: migration.collection.to_owned(), run_id: run.run_id.clone() };
                changelog.finish(&mut run, RunState::Stopped, Some(error.to_string())).await?;
                return Err(error);
            }
            let batch = super::batch::Batch {
                database: self.database.clone(),
                profiles: self.profiles.clone(),
                migration: *migration,
                sink: Arc::clone(&self.sink),
                run: run.clone(),
                counts_before: add(run.counts, counts),
                batch_size: self.options.batch_size,
                client_bulk_write: self.client_bulk_write,
            };
            let committed = match batch.apply().await {
                Ok(Some(committed)) => committed,
                Ok(None) => break,
                Err(error) => {
                    if let RunError::Document { .. } = &error {
                        run.counts = add(run.counts, counts);
                        changelog.finish(&mut run, RunState::Failed, Some(error.to_string())).await?;
                        lease.release().await?;
                    }
                    return Err(error);
                }
            };
            counts.scanned += committed.migrated;
            counts.migrated += committed.migrated;
            counts.batches += 1;
            run.checkpoint = Some(committed.checkpoint);
            let mut stored = run.clone();
            stored.counts = add(run.counts, counts);
            self.progress(migration, pending_at_start, counts);
            if self.options.halt_after_batches == Some(counts.batches) {
                lease.abandon();
                return Ok((report(&stored, counts), true));
            }
        }
        run.counts = add(run.counts, counts);
        changelog.finish(&mut run, RunState::Completed, None).await?;
        lease.release().await?;
        Ok((report(&run, counts), false))
    }
}

/// Runs the function, refuses a changed `_id`, and stamps the new version.
pub(super) fn migrate_one(migration: &Migration, before: Document) -> Result<Document, MigrationError> {
    let id = before.get("_id").cloned();
    let mut after = (migration.apply)(before)?;
    if after.get("_id").cloned() != id {
        return Err(MigrationError::new("the migration changed the document's _id"));
    }
    after.insert("schema_version", migration.to_version());
    Ok(after)
}

/// One migrated document, as an [`AuditSink`] sees it.
#[derive(Debug, Clone, Copy)]
pub struct Migrated<'a> {
    /// The migration that rewrote it.
    pub migration: &'a Migration,
    /// The run (its id is also the run's changelog `_id`).
    pub run_id: &'a str,
    /// Who runs the migration ([`RunOptions::owner`]).
    pub owner: &'a str,
    /// The document's `_id`.
    pub id: &'a Bson,
    /// [`fingerprint`](super::fingerprint) of the document before the rewrite.
    pub fingerprint_before: &'a str,
    /// [`fingerprint`](super::fingerprint) of the document after the rewrite.
    pub fingerprint_after: &'a str,
}

impl Migrated<'_> {
    /// The audit subject `kind:<id>` ([`Migration::subject_kind`] and the id as text).
    pub fn subject(&self) -> String {
        format!("{}:{}", self.migration.subject_kind, id_text(self.id))
    }

    /// What the event records, as text: migration, run, versions and both fingerprints.
    pub fn details(&self) -> [(&'static str, String); 6] {
        [
            ("migration", self.migration.name.to_owned()),
            ("run_id", self.run_id.to_owned()),
            ("from_version", self.migration.from_version.to_string()),
            ("to_version", self.migration.to_version().to_string()),
            ("fingerprint_before", self.fingerprint_before.to_owned()),
            ("fingerprint_after", self.fingerprint_after.to_owned()),
        ]
    }
}

/// Where the runner records one audit event per migrated document. The event is inserted into
/// [`AuditSink::collection`] (critical class) in the same transaction as the rewrite and the
/// checkpoint, so a document and its event commit together.
pub trait AuditSink: Send + Sync {
    /// The collection the events go to.
    fn collection(&self) -> &str;

    /// The event document of one migrated document.
    fn event(&self, migrated: &Migrated<'_>) -> Document;
}

fn add(a: RunCounts, b: RunCounts) -> RunCounts {
    RunCounts {
        scanned: a.scanned + b.scanned,
        migrated: a.migrated + b.migrated,
        skipped: a.skipped + b.skipped,
        batches: a.batches + b.batches,
    }
}
