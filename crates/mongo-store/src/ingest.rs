//! [`ProductIngest`] on MongoDB: upserts by sku on the bulk profile, one round trip per batch.
//!
//! Each draft becomes one upsert statement (see `statement`): an equality on the sku and an
//! update pipeline that rewrites the product only when a client-set field differs, bumping
//! `version` and `updated_at`, and sets a fresh UUID v7 `_id` and `created_at` on insert only.
//! The server's counts then tell every outcome apart without reading anything first and without
//! a write error: upserted → inserted, modified → updated, matched but not modified → unchanged
//! (the server wrote nothing). Re-running a file therefore costs what the first run costs.
//!
//! Two batches racing to insert one sku: MongoDB retries such an upsert itself (the filter is an
//! equality on the unique index's only field), so the later one matches and updates. A server
//! that does not, answers the later one with a duplicate key; that statement is sent once more
//! and then matches. Either way the race ends as insert + update, never as an error.
//!
//! Batches travel as one client-level `bulkWrite` where the server has it (wire version 25 and
//! up, verbose results giving one result per statement), else as `update` commands carrying many
//! statements. A setting forces the second path, so both stay tested on any server. Round trips
//! are counted by the driver's command events ([`crate::telemetry::commands_started`]).
//!
//! A call that times out or loses its connection is reported as [`ItemFailure::Unknown`]: the
//! statements may have been applied. Sending them again is safe, as they are idempotent.
//!
//! # Layout
//! - `statement`: the filter and update pipeline of one draft.
//! - `bulk_write`: client-level `bulkWrite` with verbose results.
//! - `update_command`: `update` commands with many statements, split below the size limit.
//! - `one_by_one`: one `update` call per draft, the naive loop benchmarks compare against.

mod bulk_write;
mod one_by_one;
mod statement;
mod update_command;

use std::time::Duration;

use async_trait::async_trait;
use bson::Document;
use domain::ingest::{ItemFailure, ItemResult, ProductIngest, UpsertOutcome};
use domain::product::ProductDraft;
use domain::{Result, Timestamp};
use mongodb::Collection;
use mongodb::error::ErrorKind;

use crate::classify::{ErrorClass, classify, error_class, is_duplicate_key, is_transient};
use crate::collections::names;
use crate::profiles::OperationClass;
use crate::store::MongoStore;

/// The first wire version with the client-level `bulkWrite` command (MongoDB 8.0).
pub const CLIENT_BULK_WRITE_WIRE_VERSION: i32 = 25;

/// How a batch travels to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WritePath {
    /// One client-level `bulkWrite` per batch (wire version 25 and up).
    ClientBulkWrite,
    /// `update` commands carrying many statements (any server).
    UpdateCommands,
    /// One `update` command per draft: the naive loop, for comparison only.
    OneByOne,
}

impl WritePath {
    /// The lower-case name shown in reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::ClientBulkWrite => "bulkWrite",
            Self::UpdateCommands => "update commands",
            Self::OneByOne => "one update per document",
        }
    }
}

/// What the server said about one statement.
#[derive(Debug, Clone, PartialEq)]
enum Answer {
    Applied(UpsertOutcome),
    DuplicateKey,
    Failed(ItemFailure),
}

impl Answer {
    /// The answer for a statement that failed with `error`.
    fn from_error(error: mongodb::error::Error) -> Self {
        if is_duplicate_key(&error) { Self::DuplicateKey } else { Self::Failed(failure(error)) }
    }

    /// The answer for a statement the server counted: an upsert inserted, a modification
    /// updated, a match without modification left the product as it was.
    fn from_counts(matched: u64, modified: u64, upserted: bool) -> Self {
        match (upserted, modified, matched) {
            (true, _, _) => Self::Applied(UpsertOutcome::Inserted),
            (false, 1.., _) => Self::Applied(UpsertOutcome::Updated),
            (false, 0, 1..) => Self::Applied(UpsertOutcome::Unchanged),
            (false, 0, 0) => {
                Self::Failed(ItemFailure::Transient("the server neither matched nor inserted the product".to_owned()))
            }
        }
    }
}

/// The item failure for `error`: unknown when the statement may have been applied (a time limit,
/// a broken connection), transient when a retry may succeed, else permanent.
fn failure(error: mongodb::error::Error) -> ItemFailure {
    let unknown = error_class(&error) == ErrorClass::Timeout || matches!(error.kind.as_ref(), ErrorKind::Io(_));
    let transient = is_transient(&error);
    let text = format!("{:#}", classify(error));
    match (unknown, transient) {
        (true, _) => ItemFailure::Unknown(text),
        (false, true) => ItemFailure::Transient(text),
        (false, false) => ItemFailure::Permanent(text),
    }
}

/// Product upserts on MongoDB; cheap to clone.
#[derive(Debug, Clone)]
pub struct MongoIngest {
    store: MongoStore,
    path: WritePath,
    products: Collection<Document>,
}

impl MongoIngest {
    /// Upserts through `store`: client-level `bulkWrite` when the server's wire version allows it
    /// and `force_update_commands` is false, else `update` commands with many statements.
    pub fn new(store: MongoStore, force_update_commands: bool) -> Self {
        let wire = store.startup_report().max_wire_version.unwrap_or(0);
        let path = if wire >= CLIENT_BULK_WRITE_WIRE_VERSION && !force_update_commands {
            WritePath::ClientBulkWrite
        } else {
            WritePath::UpdateCommands
        };
        Self::with_path(store, path)
    }

    /// Upserts through `store` on `path`, whatever the server supports (for tests and benchmarks).
    pub fn with_path(store: MongoStore, path: WritePath) -> Self {
        let products = store.profiles().collection(store.database(), names::PRODUCTS, OperationClass::Bulk);
        Self { store, path, products }
    }

    /// The path batches travel on.
    pub fn write_path(&self) -> WritePath {
        self.path
    }

    async fn send(&self, statements: Vec<statement::Statement>, now: Timestamp) -> Vec<Answer> {
        match self.path {
            WritePath::ClientBulkWrite => bulk_write::send(&self.store, &self.products, statements).await,
            WritePath::UpdateCommands => update_command::send(&self.store, &self.products, statements, now).await,
            WritePath::OneByOne => one_by_one::send(&self.store, &self.products, statements).await,
        }
    }
}

/// How often a statement is sent when it hits the duplicate key: once, and once more after a
/// racing insert of its sku, which it then matches.
const DUPLICATE_KEY_ATTEMPTS: usize = 2;

#[async_trait]
impl ProductIngest for MongoIngest {
    async fn upsert_batch(&self, drafts: Vec<ProductDraft>) -> Result<Vec<ItemResult>> {
        let now = Timestamp::now();
        let mut results: Vec<Option<ItemResult>> = vec![None; drafts.len()];
        let mut statements = Vec::with_capacity(drafts.len());
        for (index, draft) in drafts.iter().enumerate() {
            match statement::upsert(draft, now) {
                Ok(statement) => statements.push(Some(statement)),
                Err(error) => {
                    results[index] = Some(Err(ItemFailure::Permanent(format!("{error:#}"))));
                    statements.push(None);
                }
            }
        }
        let mut pending: Vec<usize> = (0..drafts.len()).filter(|&i| statements[i].is_some()).collect();
        for attempt in 1..=DUPLICATE_KEY_ATTEMPTS {
            if pending.is_empty() {
                break;
            }
            let statements = pending.iter().filter_map(|&i| statements[i].clone()).collect();
            let answers = self.send(statements, now).await;
            let mut again = Vec::new();
            for (index, answer) in pending.into_iter().zip(answers) {
                results[index] = Some(match answer {
                    Answer::Applied(outcome) => Ok(outcome),
                    Answer::DuplicateKey if attempt < DUPLICATE_KEY_ATTEMPTS => {
                        again.push(index);
                        continue;
                    }
                    Answer::DuplicateKey => {
                        Err(ItemFailure::Transient("the sku was inserted and removed while this batch ran".to_owned()))
                    }
                    Answer::Failed(failure) => Err(failure),
                });
            }
            pending = again;
        }
        Ok(results
            .into_iter()
            .map(|result| result.unwrap_or_else(|| Err(ItemFailure::Transient("no answer from the server".to_owned()))))
            .collect())
    }

    fn batch_time_limit(&self) -> Option<Duration> {
        Some(self.store.profile(OperationClass::Bulk).time_limit())
    }
}
