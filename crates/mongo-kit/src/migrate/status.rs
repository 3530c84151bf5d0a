//! What ran, when, on how many documents, and what is pending: one line per migration.

use std::fmt;

use bson::{Document, doc};
use mongodb::Database;

use super::changelog::Changelog;
use super::{Registry, RunError, RunRecord};
use crate::profiles::{OperationClass, Profiles};
use crate::time_limit::{TimeLimited as _, within};

/// The state of one migration.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MigrationStatus {
    /// The migration's name.
    pub migration: &'static str,
    /// The collection.
    pub collection: &'static str,
    /// The version read.
    pub from_version: i32,
    /// The version written.
    pub to_version: i32,
    /// Documents still at the version it reads.
    pub pending: u64,
    /// Its runs, newest first (at most five).
    pub runs: Vec<RunRecord>,
}

impl fmt::Display for MigrationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({} v{} -> v{}): {} pending",
            self.migration, self.collection, self.from_version, self.to_version, self.pending
        )?;
        if self.runs.is_empty() {
            write!(f, ", never run")?;
        }
        for run in &self.runs {
            let ended = run.ended_at.map_or_else(|| "-".to_owned(), |at| at.to_string());
            write!(
                f,
                "\n  run {} {} by {}: started {}, ended {ended}, {} migrated, {} skipped, {} scanned in {} batches",
                run.run_id,
                run.state.as_str(),
                run.owner,
                run.started_at,
                run.counts.migrated,
                run.counts.skipped,
                run.counts.scanned,
                run.counts.batches
            )?;
            if run.resumes > 0 {
                write!(f, ", resumed {} time(s)", run.resumes)?;
            }
            if let Some(error) = &run.error {
                write!(f, "\n    {error}")?;
            }
        }
        Ok(())
    }
}

/// The status of every migration in `registry`. Reads only.
///
/// # Errors
/// [`RunError::Driver`] when the database fails.
pub async fn status(
    database: &Database,
    profiles: &Profiles,
    registry: &Registry,
) -> Result<Vec<MigrationStatus>, RunError> {
    let changelog = Changelog::new(database, profiles);
    let profile = profiles.get(OperationClass::Analytics);
    let mut statuses = Vec::new();
    for migration in registry.migrations() {
        let collection = profiles.collection::<Document>(database, migration.collection, OperationClass::Analytics);
        let count = collection.count_documents(doc! { "schema_version": migration.from_version });
        let pending = within(profile, count.time_limited(profile)).await?;
        statuses.push(MigrationStatus {
            migration: migration.name,
            collection: migration.collection,
            from_version: migration.from_version,
            to_version: migration.to_version(),
            pending,
            runs: changelog.recent(Some(migration.name), 5).await?,
        });
    }
    Ok(statuses)
}
