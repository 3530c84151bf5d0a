//! The changelog: one [`RunRecord`] per run in [`RUNS`], on the critical profile.
//! The record also holds the run's checkpoint (the last `_id` whose batch is done), written after
//! every batch, so the next runner resumes an unfinished run instead of starting over.

use bson::{Bson, DateTime, Document, doc};
use futures::TryStreamExt as _;
use mongodb::{Collection, Database};
use serde::{Deserialize, Serialize};

use super::{Migration, RUNS};
use crate::profiles::{OperationClass, Profile, Profiles};
use crate::time_limit::{TimeLimited as _, within};

/// Where a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    /// Under way, or its runner died (the lease tells which): the next runner resumes it.
    Running,
    /// Every document at the old version up to the end of the collection was handled.
    Completed,
    /// A migration function refused a document: fix it and run again to resume.
    Failed,
    /// The runner lost its lease and stopped at a checkpoint: run again to resume.
    Stopped,
}

impl RunState {
    /// The state as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Stopped => "stopped",
        }
    }
}

/// What a run has done so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunCounts {
    /// Documents read at the old version.
    pub scanned: u64,
    /// Documents rewritten (one audit event each).
    pub migrated: u64,
    /// Documents changed by someone else between read and write, left for a later run.
    pub skipped: u64,
    /// Batches finished.
    pub batches: u64,
}

/// One run of one migration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// The run id.
    #[serde(rename = "_id")]
    pub run_id: String,
    /// The migration's name.
    pub migration: String,
    /// The collection.
    pub collection: String,
    /// The version read.
    pub from_version: i32,
    /// The version written.
    pub to_version: i32,
    /// Who ran it last (the runner's owner name).
    pub owner: String,
    /// Where it is.
    pub state: RunState,
    /// When it started.
    pub started_at: DateTime,
    /// When it last wrote a checkpoint or changed state.
    pub updated_at: DateTime,
    /// When it completed, failed or stopped.
    pub ended_at: Option<DateTime>,
    /// The last `_id` of the last finished batch.
    pub checkpoint: Option<Bson>,
    /// How many times it was resumed.
    pub resumes: u32,
    /// Counts so far.
    pub counts: RunCounts,
    /// Why it failed or stopped.
    pub error: Option<String>,
}

/// The changelog collection.
#[derive(Debug, Clone)]
pub(crate) struct Changelog {
    runs: Collection<RunRecord>,
    profile: Profile,
}

impl Changelog {
    pub(crate) fn new(database: &Database, profiles: &Profiles) -> Self {
        Self {
            runs: profiles.collection(database, RUNS, OperationClass::Critical),
            profile: profiles.get(OperationClass::Critical).clone(),
        }
    }

    /// The newest run of `migration` that has not completed, if any.
    pub(crate) async fn unfinished(&self, migration: &str) -> mongodb::error::Result<Option<RunRecord>> {
        let filter = doc! { "migration": migration, "state": { "$ne": RunState::Completed.as_str() } };
        let find = self.runs.find_one(filter).sort(doc! { "started_at": -1 }).time_limited(&self.profile);
        within(&self.profile, find).await
    }

    /// The newest runs, newest first, optionally of one migration.
    pub(crate) async fn recent(&self, migration: Option<&str>, limit: i64) -> mongodb::error::Result<Vec<RunRecord>> {
        let filter = migration.map_or_else(|| doc! {}, |name| doc! { "migration": name });
        let find = self.runs.find(filter).sort(doc! { "started_at": -1 }).limit(limit).time_limited(&self.profile);
        within(&self.profile, async { find.await?.try_collect().await }).await
    }

    /// Records a new run of `migration`.
    pub(crate) async fn start(&self, migration: &Migration, owner: &str) -> mongodb::error::Result<RunRecord> {
        let now = DateTime::now();
        let record = RunRecord {
            run_id: uuid::Uuid::now_v7().to_string(),
            migration: migration.name.to_owned(),
            collection: migration.collection.to_owned(),
            from_version: migration.from_version,
            to_version: migration.to_version(),
            owner: owner.to_owned(),
            state: RunState::Running,
            started_at: now,
            updated_at: now,
            ended_at: None,
            checkpoint: None,
            resumes: 0,
            counts: RunCounts::default(),
            error: None,
        };
        within(&self.profile, self.runs.insert_one(&record)).await?;
        Ok(record)
    }

    /// Marks `record` running again under `owner`.
    pub(crate) async fn resume(&self, record: &mut RunRecord, owner: &str) -> mongodb::error::Result<()> {
        record.state = RunState::Running;
        record.owner = owner.to_owned();
        record.resumes += 1;
        record.ended_at = None;
        record.error = None;
        let set = doc! { "$set": {
            "state": RunState::Running.as_str(), "owner": owner, "updated_at": DateTime::now(),
            "ended_at": Bson::Null, "error": Bson::Null,
        }, "$inc": { "resumes": 1 } };
        within(&self.profile, self.runs.update_one(doc! { "_id": &record.run_id }, set)).await?;
        Ok(())
    }

    /// The filter and update recording that every batch up to `record.checkpoint` is done, with
    /// `record.counts`: written by the batch's own transaction, with the batch.
    pub(crate) fn checkpoint_update(record: &RunRecord) -> mongodb::error::Result<(Document, Document)> {
        let set = doc! { "$set": {
            "checkpoint": record.checkpoint.clone().unwrap_or(Bson::Null),
            "counts": bson::serialize_to_bson(&record.counts)?,
            "updated_at": DateTime::now(),
        } };
        Ok((doc! { "_id": &record.run_id }, set))
    }

    /// Records that `record` ended in `state`.
    pub(crate) async fn finish(
        &self,
        record: &mut RunRecord,
        state: RunState,
        error: Option<String>,
    ) -> mongodb::error::Result<()> {
        let now = DateTime::now();
        record.state = state;
        record.ended_at = Some(now);
        record.error.clone_from(&error);
        let set = doc! { "$set": {
            "state": state.as_str(), "ended_at": now, "updated_at": now,
            "counts": bson::serialize_to_bson(&record.counts)?,
            "error": error.map_or(Bson::Null, Bson::String),
        } };
        within(&self.profile, self.runs.update_one(doc! { "_id": &record.run_id }, set)).await?;
        Ok(())
    }
}
