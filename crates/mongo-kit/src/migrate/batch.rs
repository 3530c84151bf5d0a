//! One batch of a migration as one transaction: read the next documents at the old version,
//! rewrite them, write one audit event for each and move the run's checkpoint, then commit. The
//! rewrites, their audit events and the checkpoint commit together or not at all, so a crash at
//! any point leaves either the whole batch (with its events and checkpoint) or none of it, and the
//! resumed run neither loses an event nor writes one twice.
//!
//! Round trips per batch: the read, one ordered client-level `bulkWrite` (replacements, events,
//! checkpoint) where the server has it (wire version 25 and up), and the commit: three for the
//! whole batch. Older servers get one `update` command carrying every replacement, one `insert`
//! of every event and the checkpoint's `update`: five. Before, each document cost two commands.
//!
//! The transaction takes the critical class's concerns (snapshot reads, majority writes, since
//! audit events are critical data) and the bulk class's time per batch. Inside a snapshot
//! transaction a document read cannot change under the batch without a write conflict, so every
//! replacement matches; should one not, the transaction is aborted and the batch read again.

use bson::{Bson, Document, doc};
use futures::TryStreamExt as _;
use mongodb::ClientSession;
use mongodb::error::Error;
use mongodb::options::{UpdateOneModel, WriteModel};

use super::changelog::Changelog;
use super::{Migration, MigrationError, RunCounts, RunError, RunRecord, fingerprint, id_text};
use crate::profiles::{OperationClass, Profile, Profiles};
use crate::time_limit::{TimeLimited as _, within};
use crate::transaction::{Abort, Failed, Transaction};

/// How many times one batch's transaction is tried before the run stops (it resumes from its
/// checkpoint next time): transient errors and documents changed under the batch are retried by
/// the kit's transaction runner, bounded here so that a persistent fault ends the run instead of
/// retrying for minutes.
const ATTEMPTS: u32 = 6;

/// What one batch needs, owned: the transaction runner's body may run several times and captures
/// no references.
#[derive(Clone)]
pub(super) struct Batch {
    pub(super) database: mongodb::Database,
    pub(super) profiles: Profiles,
    pub(super) migration: Migration,
    /// Where each migrated document's audit event goes.
    pub(super) sink: std::sync::Arc<dyn super::AuditSink>,
    pub(super) run: RunRecord,
    /// The run's counts before this batch (stored with the checkpoint, this batch added).
    pub(super) counts_before: RunCounts,
    pub(super) batch_size: u32,
    /// One client-level `bulkWrite` for the writes (else one command per kind of write).
    pub(super) client_bulk_write: bool,
}

/// What a committed batch did.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Committed {
    /// Documents read and rewritten, each with its audit event.
    pub(super) migrated: u64,
    /// The last `_id` of the batch: the new checkpoint.
    pub(super) checkpoint: Bson,
}

/// A batch's writes: each rewrite as (filter, replacement), the audit events, the checkpoint.
struct Writes {
    rewrites: Vec<(Document, Document)>,
    events: Vec<Document>,
    checkpoint_filter: Document,
    checkpoint_update: Document,
}

/// A migration function refused a document: the transaction is aborted, the run fails.
#[derive(Debug, Clone)]
pub(super) struct Refused {
    id: String,
    error: MigrationError,
}

impl Batch {
    fn data(&self) -> mongodb::Collection<Document> {
        self.profiles.collection(&self.database, self.migration.collection, OperationClass::Bulk)
    }

    fn bulk(&self) -> &Profile {
        self.profiles.get(OperationClass::Bulk)
    }

    /// Runs the batch after the run's checkpoint; `None` when no document at the old version is
    /// left after it.
    pub(super) async fn apply(&self) -> Result<Option<Committed>, RunError> {
        let critical = self.profiles.get(OperationClass::Critical);
        let per_batch = self.bulk().time_limit();
        let transaction = Transaction::new(self.database.client(), critical)
            .commit_limit(per_batch)
            .budget(per_batch.saturating_mul(ATTEMPTS))
            .max_attempts(ATTEMPTS);
        let batch = self.clone();
        match transaction.run(async move |session| batch.body(session).await).await {
            Ok(committed) => Ok(committed),
            Err(Failed::Stopped(Refused { id, error })) => {
                Err(RunError::Document { migration: self.migration.name.to_owned(), id, source: error })
            }
            Err(Failed::GaveUp(_)) => Err(RunError::Driver(Error::custom(format!(
                "a batch of {} kept failing (transient errors, or documents changing under it) within {ATTEMPTS} attempts; stopped at the checkpoint {:?}",
                self.migration.name, self.run.checkpoint
            )))),
            Err(Failed::Error { error, .. }) => Err(RunError::Driver(error)),
        }
    }

    async fn body(&self, session: &mut ClientSession) -> Result<Option<Committed>, Abort<Refused>> {
        let documents = self.read(session).await?;
        let Some(checkpoint) = documents.last().and_then(|last| last.get("_id")).cloned() else {
            return Ok(None);
        };
        let mut rewrites = Vec::with_capacity(documents.len());
        let mut events = Vec::with_capacity(documents.len());
        for before in documents {
            let id = before.get("_id").cloned().unwrap_or(Bson::Null);
            let filter = self.filter(&before, &id);
            let before_fingerprint = fingerprint(&before);
            let after = match super::runner::migrate_one(&self.migration, before) {
                Ok(after) => after,
                Err(error) => return Err(Abort::Stop(Refused { id: id_text(&id), error })),
            };
            let after_fingerprint = fingerprint(&after);
            let migrated = super::Migrated {
                migration: &self.migration,
                run_id: &self.run.run_id,
                owner: &self.run.owner,
                id: &id,
                fingerprint_before: &before_fingerprint,
                fingerprint_after: &after_fingerprint,
            };
            events.push(self.sink.event(&migrated));
            rewrites.push((filter, after));
        }
        let migrated = u64::try_from(rewrites.len()).unwrap_or(u64::MAX);
        let mut stored = self.run.clone();
        stored.checkpoint = Some(checkpoint.clone());
        stored.counts = RunCounts {
            scanned: self.counts_before.scanned + migrated,
            migrated: self.counts_before.migrated + migrated,
            batches: self.counts_before.batches + 1,
            ..self.counts_before
        };
        let (checkpoint_filter, checkpoint_update) = Changelog::checkpoint_update(&stored)?;
        let writes = Writes { rewrites, events, checkpoint_filter, checkpoint_update };
        let matched = if self.client_bulk_write {
            self.write_bulk(session, writes).await?
        } else {
            self.write_commands(session, writes).await?
        };
        if matched != migrated + 1 {
            return Err(Abort::Retry);
        }
        Ok(Some(Committed { migrated, checkpoint }))
    }

    /// The next documents at the old version after the checkpoint, in `_id` order, in the
    /// transaction's snapshot.
    async fn read(&self, session: &mut ClientSession) -> mongodb::error::Result<Vec<Document>> {
        let profile = self.bulk();
        let mut filter = doc! { "schema_version": self.migration.from_version };
        if let Some(after) = &self.run.checkpoint {
            filter.insert("_id", doc! { "$gt": after.clone() });
        }
        let limit = i64::from(self.batch_size.max(1));
        let data = self.data();
        let find = data.find(filter).sort(doc! { "_id": 1 }).limit(limit).time_limited(profile);
        within(profile, async {
            let mut cursor = find.session(&mut *session).await?;
            cursor.stream(&mut *session).try_collect().await
        })
        .await
    }

    /// The replacement's filter: the document, still at the old version (and unchanged in the
    /// migration's concurrency field, when it has one).
    fn filter(&self, before: &Document, id: &Bson) -> Document {
        let mut filter = doc! { "_id": id.clone(), "schema_version": self.migration.from_version };
        if let Some(field) = self.migration.concurrency_field
            && let Some(value) = before.get(field)
        {
            filter.insert(field, value.clone());
        }
        filter
    }

    /// Every write in one ordered `bulkWrite`; returns how many updates matched.
    async fn write_bulk(&self, session: &mut ClientSession, writes: Writes) -> mongodb::error::Result<u64> {
        let Writes { rewrites, events, checkpoint_filter, checkpoint_update } = writes;
        let data = self.data();
        let audit =
            self.profiles.collection::<Document>(&self.database, self.sink.collection(), OperationClass::Critical);
        let runs = self.database.collection::<Document>(super::RUNS).namespace();
        let mut models = Vec::with_capacity(rewrites.len() * 2 + 1);
        for (filter, replacement) in rewrites {
            models.push(data.replace_one_model(filter, replacement)?.into());
        }
        for event in events {
            models.push(audit.insert_one_model(event)?.into());
        }
        let checkpoint = UpdateOneModel::builder().namespace(runs).filter(checkpoint_filter).update(checkpoint_update);
        models.push(WriteModel::UpdateOne(checkpoint.build()));
        let bulk = self.database.client().bulk_write(models).ordered(true).session(&mut *session);
        let result = within(self.bulk(), bulk).await?;
        Ok(u64::try_from(result.matched_count).unwrap_or(0))
    }

    /// The same writes as one command per kind: every replacement in one `update`, every event
    /// in one `insert`, then the checkpoint; returns how many updates matched.
    async fn write_commands(&self, session: &mut ClientSession, writes: Writes) -> mongodb::error::Result<u64> {
        let Writes { rewrites, events, checkpoint_filter, checkpoint_update } = writes;
        let profile = self.bulk();
        let statements: Vec<Document> =
            rewrites.into_iter().map(|(q, u)| doc! { "q": q, "u": u, "multi": false, "upsert": false }).collect();
        let update = doc! { "update": self.migration.collection, "updates": statements, "ordered": true };
        let reply = within(profile, self.database.run_command(update).session(&mut *session)).await?;
        if let Ok(errors) = reply.get_array("writeErrors")
            && !errors.is_empty()
        {
            return Err(Error::custom(format!("rewriting the batch failed: {errors:?}")));
        }
        let replaced = reply.get_i32("n").map(i64::from).or_else(|_| reply.get_i64("n")).unwrap_or(0);
        let audit =
            self.profiles.collection::<Document>(&self.database, self.sink.collection(), OperationClass::Critical);
        within(profile, audit.insert_many(events).session(&mut *session)).await?;
        let runs = self.database.collection::<Document>(super::RUNS);
        let checkpoint = within(profile, runs.update_one(checkpoint_filter, checkpoint_update).session(&mut *session));
        let checkpointed = checkpoint.await?.matched_count;
        Ok(u64::try_from(replaced).unwrap_or(0) + checkpointed)
    }
}
