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
//! are counted by the driver's command events ([`mongo_kit::telemetry::commands_started`]).
//!
//! A call that times out or loses its connection is reported as [`ItemFailure::Unknown`]: the
//! statements may have been applied. Sending them again is safe, as they are idempotent.
//!
//! # Layout
//! - `statement`: the filter and update pipeline of one draft.
//! - `bulk_write`: client-level `bulkWrite` with verbose results.
//! - `update_command`: `update` commands with many statements, split below the size limit.
//! - `one_by_one`: one `update` call per draft, the naive loop benchmarks compare against.

mod statement;

use std::time::Duration;

use async_trait::async_trait;
use domain::ingest::{ItemFailure, ItemResult, ProductIngest, UpsertOutcome};
use domain::product::ProductDraft;
use domain::{Result, Timestamp};
use mongo_kit::bulk::WritePath;
use mongo_kit::bulk::{Answer, BulkUpsert, ItemError, Marker, Outcome};

use crate::collections::names;
use crate::documents::stored_time;
use crate::store::MongoStore;
use mongo_kit::profiles::{Classed, OperationClass, Use};

/// The handle ingestion writes with: products, bulk class.
pub const INGEST: Use = Use { collection: names::PRODUCTS, class: OperationClass::Bulk, by: "ProductIngest" };

/// Product upserts on MongoDB; cheap to clone.
#[derive(Debug, Clone)]
pub struct MongoIngest {
    store: MongoStore,
    path: WritePath,
    bulk: BulkUpsert,
}

impl MongoIngest {
    /// Upserts through `store`: client-level `bulkWrite` when the server's wire version allows it
    /// and `force_update_commands` is false, else `update` commands with many statements.
    pub fn new(store: MongoStore, force_update_commands: bool) -> Self {
        let wire = store.startup_report().max_wire_version.unwrap_or(0);
        let path = if wire >= mongo_kit::probe::CLIENT_BULK_WRITE_WIRE_VERSION && !force_update_commands {
            WritePath::ClientBulkWrite
        } else {
            WritePath::UpdateCommands
        };
        Self::with_path(store, path)
    }

    /// Upserts through `store` on `path`, whatever the server supports (for tests and benchmarks).
    pub fn with_path(store: MongoStore, path: WritePath) -> Self {
        let products = Classed::open(store.database(), store.profiles(), INGEST);
        let bulk = BulkUpsert::new(store.client().clone(), store.database().clone(), products, "sku");
        Self { store, path, bulk }
    }

    /// The path batches travel on.
    pub fn write_path(&self) -> WritePath {
        self.path
    }

    async fn send(&self, statements: Vec<mongo_kit::bulk::Upsert>, now: Timestamp) -> Vec<Answer> {
        // Every product the batch changes carries its `updated_at`: what tells an update from a
        // no-op where the server reports only totals.
        let marker = Marker { field: "updated_at", value: bson::Bson::DateTime(stored_time(now)) };
        self.bulk.send(self.path, statements, &marker).await
    }
}

fn outcome(outcome: Outcome) -> UpsertOutcome {
    match outcome {
        Outcome::Inserted => UpsertOutcome::Inserted,
        Outcome::Updated => UpsertOutcome::Updated,
        Outcome::Unchanged => UpsertOutcome::Unchanged,
    }
}

fn item_failure(error: ItemError) -> ItemFailure {
    match error {
        ItemError::Unknown(text) => ItemFailure::Unknown(text),
        ItemError::Transient(text) => ItemFailure::Transient(text),
        ItemError::Permanent(text) => ItemFailure::Permanent(text),
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
            let statements = pending
                .iter()
                .filter_map(|&i| statements[i].clone())
                .map(|statement| mongo_kit::bulk::Upsert {
                    key: statement.sku,
                    filter: statement.filter,
                    update: statement.update,
                })
                .collect();
            let answers = self.send(statements, now).await;
            let mut again = Vec::new();
            for (index, answer) in pending.into_iter().zip(answers) {
                results[index] = Some(match answer {
                    Answer::Applied(applied) => Ok(outcome(applied)),
                    Answer::DuplicateKey if attempt < DUPLICATE_KEY_ATTEMPTS => {
                        again.push(index);
                        continue;
                    }
                    Answer::DuplicateKey => {
                        Err(ItemFailure::Transient("the sku was inserted and removed while this batch ran".to_owned()))
                    }
                    Answer::Failed(failure) => Err(item_failure(failure)),
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
