//! [`ProductIngest`] on MongoDB: products by sku on the bulk profile, a read and then only the
//! writes that differ.
//!
//! A batch starts with one read of its skus (`plan`): a sku no product has is inserted with a
//! plain `insert`, a stored product that has the draft's content (the domain's rule, as in the
//! memory store) is left alone, with no write at all, and a changed one is sent as the upsert
//! statement (`statement`): an equality on the sku and an update pipeline that rewrites the
//! product only when a client-set field differs, bumping `version` and `updated_at`. So a first
//! run costs a read and an insert per batch, a re-run the read alone, and only changed lines pay
//! for the pipeline, which costs a server several times a plain write.
//!
//! Concurrency: the comparison and the write of a changed product happen on the server in one
//! step, so a write that came between the read and it is compared against, never overwritten
//! blindly, and the version goes up from whatever is stored. A line found unchanged wrote
//! nothing: it took effect when it was read. A sku inserted by someone else between the read and
//! the insert fails on the unique index with a duplicate key; that line is then sent as the
//! upsert statement and matches. Two such statements racing to insert one sku: MongoDB retries
//! the upsert itself (the filter is an equality on the unique index's only field), and a
//! duplicate key from a server that does not is answered by sending the statement once more.
//!
//! Upsert statements travel as one client-level `bulkWrite` where the server has it (wire
//! version 25 and up, verbose results giving one result per statement), else as `update`
//! commands carrying many statements; a setting forces the second path, so both stay tested on
//! any server. Round trips are counted by the driver's command events
//! ([`mongo_kit::telemetry::commands_started`]).
//!
//! A call that times out or loses its connection is reported as [`ItemFailure::Unknown`]: the
//! writes may have been applied. Sending them again is safe: the next read finds what they wrote.
//!
//! # Layout
//! - `plan`: what each draft needs, from the read.
//! - `statement`: the filter and update pipeline of one draft.

mod plan;
mod statement;

use self::plan::Step;

use std::time::Duration;

use async_trait::async_trait;
use domain::ingest::{ItemFailure, ItemResult, ProductIngest, UpsertOutcome};
use domain::product::ProductDraft;
use domain::{ProductId, Result, Timestamp};
use mongo_kit::bulk::{Answer, BulkUpsert, ItemError, Marker, Outcome, WritePath};

use crate::collections::names;
use crate::documents::{ProductDoc, stored_time};
use crate::store::MongoStore;
use mongo_kit::profiles::{Classed, OperationClass, Use};

/// The handle ingestion writes with: products, bulk class.
pub const INGEST: Use = Use::bulk(names::PRODUCTS).by("ProductIngest");

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

/// One result slot per draft of a batch, filled as the batch goes.
type Slots = Vec<Option<ItemResult>>;

impl MongoIngest {
    /// Sends the upsert statements of the drafts at `indexes`, once more for those that hit a
    /// racing insert of their sku (built again then: the rare case pays, not every batch), and
    /// fills their slots.
    async fn upsert(&self, drafts: &[ProductDraft], indexes: Vec<usize>, now: Timestamp, results: &mut Slots) {
        let mut pending = indexes;
        for attempt in 1..=DUPLICATE_KEY_ATTEMPTS {
            if pending.is_empty() {
                break;
            }
            let mut statements = Vec::with_capacity(pending.len());
            let mut sent = Vec::with_capacity(pending.len());
            for index in pending {
                match statement::upsert(&drafts[index], now) {
                    Ok(statement) => {
                        statements.push(mongo_kit::bulk::Upsert {
                            key: statement.sku,
                            filter: statement.filter,
                            update: statement.update,
                        });
                        sent.push(index);
                    }
                    Err(error) => results[index] = Some(Err(ItemFailure::Permanent(format!("{error:#}")))),
                }
            }
            let mut again = Vec::new();
            for (index, answer) in sent.into_iter().zip(self.send(statements, now).await) {
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
    }

    /// Inserts the drafts at `indexes` as new products; returns those whose sku was stored
    /// meanwhile, which need the upsert statement instead.
    async fn insert(
        &self,
        drafts: &[ProductDraft],
        indexes: Vec<usize>,
        now: Timestamp,
        results: &mut Slots,
    ) -> Vec<usize> {
        let mut documents = Vec::with_capacity(indexes.len());
        let mut sent = Vec::with_capacity(indexes.len());
        for index in indexes {
            let product = ProductDoc::new(ProductId::new(), &drafts[index], 1, now, now);
            match bson::serialize_to_document(&product) {
                Ok(document) => {
                    documents.push(document);
                    sent.push(index);
                }
                Err(error) => {
                    results[index] =
                        Some(Err(ItemFailure::Permanent(format!("a product document does not serialize: {error}"))));
                }
            }
        }
        let mut taken = Vec::new();
        for (index, answer) in sent.into_iter().zip(self.bulk.insert(documents).await) {
            results[index] = Some(match answer {
                Answer::Applied(applied) => Ok(outcome(applied)),
                Answer::DuplicateKey => {
                    taken.push(index);
                    continue;
                }
                Answer::Failed(failure) => Err(item_failure(failure)),
            });
        }
        taken
    }
}

/// Every item's failure when the batch's read failed: it wrote nothing, so the outcome is never
/// unknown, and the items may be sent again unless the read can never succeed.
fn read_failure(error: mongodb::error::Error) -> ItemFailure {
    match mongo_kit::bulk::item_error(error) {
        ItemError::Permanent(text) => ItemFailure::Permanent(format!("reading the batch's products failed: {text}")),
        ItemError::Unknown(text) | ItemError::Transient(text) => {
            ItemFailure::Transient(format!("reading the batch's products failed: {text}"))
        }
    }
}

#[async_trait]
impl ProductIngest for MongoIngest {
    async fn upsert_batch(&self, drafts: Vec<ProductDraft>) -> Result<Vec<ItemResult>> {
        let now = Timestamp::now();
        let mut results: Slots = vec![None; drafts.len()];
        let steps = if self.path == WritePath::OneByOne {
            // The naive loop benchmarks compare against: one statement per draft, no read.
            vec![Step::Upsert; drafts.len()]
        } else {
            let mut skus: Vec<&str> = drafts.iter().map(|draft| draft.sku.as_str()).collect();
            skus.sort_unstable();
            skus.dedup();
            match self.bulk.read(&skus).await {
                Ok(stored) => plan::plan(&drafts, stored),
                Err(error) => return Ok(vec![Err(read_failure(error)); drafts.len()]),
            }
        };
        let of = |wanted: Step| -> Vec<usize> { (0..drafts.len()).filter(|&i| steps[i] == wanted).collect() };
        let (inserts, upserts) = (of(Step::Insert), of(Step::Upsert));
        for index in of(Step::Unchanged) {
            results[index] = Some(Ok(UpsertOutcome::Unchanged));
        }
        // Inserts and upserts touch different skus: they travel side by side.
        let (mut inserted, mut upserted) = (results.clone(), results);
        let (taken, ()) = tokio::join!(
            self.insert(&drafts, inserts, now, &mut inserted),
            self.upsert(&drafts, upserts, now, &mut upserted),
        );
        let mut results: Slots = inserted.into_iter().zip(upserted).map(|(a, b)| a.or(b)).collect();
        if !taken.is_empty() {
            self.upsert(&drafts, taken, now, &mut results).await;
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
