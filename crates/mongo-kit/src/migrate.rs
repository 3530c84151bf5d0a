//! Schema migrations: named, ordered Rust functions that move the documents of one collection
//! from `schema_version` N to N+1, and the runner that applies them safely on a live database.
//!
//! The runner holds a lease per collection (an atomic `findOneAndUpdate` with an expiry that a
//! heartbeat renews), walks the collection in `_id` order in batches, and commits each batch as
//! one transaction: the rewritten documents, one audit event per changed document and the
//! checkpoint (the last `_id` done), so a killed run resumes where it stopped without losing or
//! repeating an event. Every run is recorded in a changelog. Each rewrite is conditional on the
//! document still being at version N, so re-applying a batch changes nothing twice.
//!
//! ```no_run
//! # async fn demo(database: mongodb::Database) -> Result<(), mongo_kit::migrate::RunError> {
//! use bson::{Document, doc};
//! use mongo_kit::profiles::Profiles;
//! use mongo_kit::migrate::{AuditSink, Migrated, Migration, MigrationError, Registry, RunOptions, Runner};
//!
//! fn rename_title(mut document: Document) -> Result<Document, MigrationError> {
//!     let title = document.remove("title").ok_or_else(|| MigrationError::new("no title"))?;
//!     document.insert("name", title);
//!     Ok(document)
//! }
//!
//! /// The service's own audit trail: one event per rewritten document.
//! struct Trail;
//! impl AuditSink for Trail {
//!     fn collection(&self) -> &str {
//!         "audit_trail"
//!     }
//!     fn event(&self, migrated: &Migrated<'_>) -> Document {
//!         doc! { "what": migrated.migration.name, "id": migrated.id.clone(), "by": migrated.owner }
//!     }
//! }
//!
//! let registry = Registry::new(vec![Migration::new("books_title_to_name", "books", 1, rename_title)])?;
//! let profiles = Profiles::default();
//! let report = Runner::on(&database, &profiles, &registry, RunOptions::new("deploy-42"), Trail).up().await?;
//! println!("{report}");
//! # Ok(())
//! # }
//! ```
//!
//! # Layout
//! - `registry`: [`Migration`] and the ordered [`Registry`].
//! - `lease`: the lease lock with expiry and heartbeat.
//! - `changelog`: one [`RunRecord`] per run, holding its checkpoint and counts.
//! - `runner`: [`Runner`]: migrations in order, leases, checkpoints, dry runs.
//! - `batch`: one batch as one transaction: rewrites, their audit events and the checkpoint.
//! - `report`: progress per batch and the final report.
//! - `status`: what ran, when, on how many documents, and what is pending.

mod batch;
mod changelog;
mod lease;
mod registry;
mod report;
mod runner;
mod status;

use bson::{Bson, Document};
use sha2::{Digest as _, Sha256};

use crate::profiles::Use;

pub use changelog::{RunCounts, RunRecord, RunState};
pub use lease::{Lease, LeaseOptions};
pub use registry::{MigrateFn, Migration, Registry};
pub use runner::{AuditSink, BatchProgress, Migrated, MigrationReport, RunOptions, RunReport, Runner};
pub use status::{MigrationStatus, status};

/// The collection of migration leases, one document per migrated collection.
pub const LEASES: &str = "migration_leases";

/// The changelog: one document per run, with its checkpoint.
pub const RUNS: &str = "migration_runs";

/// The audit action a migrated document's event is expected to carry (an [`AuditSink`] decides).
pub const AUDIT_ACTION: &str = "migration.applied";

/// The handles the runner opens besides the migrated collections (bulk class) and the audit
/// sink's collection (critical class): leases and the changelog, on the critical class; status
/// counts on the analytics class.
pub const USES: [Use; 2] =
    [Use::critical(LEASES).by("migration runner (leases)"), Use::critical(RUNS).by("migration runner (changelog)")];

/// Why a migration function refused a document; the run stops there, and the document stays at
/// its old version for someone to look at.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct MigrationError {
    reason: String,
}

impl MigrationError {
    /// A refusal with this reason (lower case, no trailing period).
    pub fn new(reason: impl Into<String>) -> Self {
        Self { reason: reason.into() }
    }
}

/// Why a migration run stopped.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The registry is not a valid ordered list.
    #[error("invalid migration registry: {0}")]
    Registry(String),
    /// Another runner holds the lease and did not release it within the wait.
    #[error(
        "migrations on {scope} are being run by {owner} (lease {holder}) until {expires_at}; wait for it to \
         finish, or for its lease to expire if it crashed, and run again"
    )]
    LeaseHeld {
        /// The collection.
        scope: String,
        /// Who holds it.
        owner: String,
        /// The lease token of the runner holding it.
        holder: String,
        /// When the lease expires unless renewed.
        expires_at: String,
    },
    /// The lease expired and another runner took it: this run stopped after its last batch.
    #[error("run {run_id} lost its lease on {scope} (it expired and another runner took it); stopped at a checkpoint")]
    LeaseLost {
        /// The collection.
        scope: String,
        /// The run.
        run_id: String,
    },
    /// A migration function refused a document.
    #[error("migration {migration} refused document {id}: {source}")]
    Document {
        /// The migration.
        migration: String,
        /// The document's `_id`.
        id: String,
        /// Why.
        #[source]
        source: MigrationError,
    },
    /// The database failed.
    #[error("migration database operation failed: {0}")]
    Driver(#[from] mongodb::error::Error),
}

/// The SHA-256 of a document's BSON bytes, in hex: what the audit trail records before and after.
pub fn fingerprint(document: &Document) -> String {
    // Serializing a document already in memory fails only for keys with NUL bytes, which no
    // server returns; the debug text still fingerprints it distinctly.
    let bytes = document.to_vec().unwrap_or_else(|_| format!("{document:?}").into_bytes());
    hex::encode(Sha256::digest(bytes))
}

/// An `_id` as text for audit subjects and messages: UUIDs in their usual form.
pub fn id_text(id: &Bson) -> String {
    match id {
        Bson::Binary(binary) => match binary.to_uuid() {
            Ok(uuid) => uuid.to_string(),
            Err(_) => hex::encode(&binary.bytes),
        },
        Bson::String(text) => text.clone(),
        Bson::ObjectId(oid) => oid.to_hex(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use bson::doc;

    use super::*;

    #[test]
    fn fingerprints_differ_when_a_field_changes_and_agree_otherwise() {
        let before = doc! { "_id": 1, "price": 19.99 };
        let after = doc! { "_id": 1, "price_minor": 1999_i64 };
        assert_eq!(fingerprint(&before), fingerprint(&before.clone()));
        assert_ne!(fingerprint(&before), fingerprint(&after));
        assert_eq!(fingerprint(&before).len(), 64);
    }

    #[test]
    fn uuid_ids_print_in_their_usual_form() {
        let uuid = uuid::Uuid::new_v4();
        let id = Bson::from(bson::Binary::from_uuid(bson::Uuid::from(uuid)));
        assert_eq!(id_text(&id), uuid.to_string());
    }
}
