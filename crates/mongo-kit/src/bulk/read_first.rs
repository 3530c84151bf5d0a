//! The plain half of a batch planned from a read: the documents the batch's keys already have,
//! read in one `find`, and the inserts of the keys found missing, in one unordered `insert`.
//!
//! A caller reads first, compares what is stored with what it would write, and sends only what
//! differs: nothing for an unchanged document, a plain insert for a new one (far cheaper for a
//! server than an update pipeline that has to evaluate a comparison per document), and an
//! [`super::Upsert`] through [`super::BulkUpsert::send`] for a changed one. A key inserted by
//! someone else between the read and the insert fails on the unique index with a duplicate key
//! ([`Answer::DuplicateKey`]): the caller then sends that item as an upsert, which matches it.

use bson::{Document, doc};
use futures::TryStreamExt as _;
use mongodb::error::{ErrorKind, WriteError, WriteFailure};
use mongodb::options::{ReadPreference, SelectionCriteria};

use super::{Answer, BulkUpsert, Outcome};
use crate::time_limit::{TimeLimited as _, within};

/// The stored documents whose key is one of `keys` (distinct values of a unique key, so at most
/// one document each), read from the primary (a secondary could miss a recent write and make a
/// stored document look new or unchanged), within the class's time limit.
pub(super) async fn read(bulk: &BulkUpsert, keys: &[&str]) -> mongodb::error::Result<Vec<Document>> {
    let profile = bulk.target.profile();
    let find = bulk
        .collection()
        .find(doc! { bulk.key_field: { "$in": keys } })
        .selection_criteria(SelectionCriteria::ReadPreference(ReadPreference::Primary))
        // One more than the keys can match, so the first batch exhausts the cursor and no
        // `getMore` follows (a batch filled exactly may leave it open).
        .batch_size(u32::try_from(keys.len()).unwrap_or(u32::MAX).saturating_add(1))
        .time_limited(profile);
    within(profile, async { find.await?.try_collect().await }).await
}

/// Inserts `documents` unordered (the driver splits them below the server's limits) and answers
/// for each, in order: inserted, a duplicate key, or the failure.
pub(super) async fn insert(bulk: &BulkUpsert, documents: Vec<Document>) -> Vec<Answer> {
    let count = documents.len();
    if count == 0 {
        return Vec::new();
    }
    let profile = bulk.target.profile();
    let insert = bulk.collection().insert_many(documents).ordered(false);
    match within(profile, insert).await {
        Ok(_) => vec![Answer::Applied(Outcome::Inserted); count],
        Err(error) => match error.kind.as_ref() {
            // Unordered: every document without a write error of its own was inserted. A write
            // concern error leaves the writes applied, only their replication unconfirmed.
            ErrorKind::InsertMany(failure) => {
                if failure.write_concern_error.is_some() {
                    tracing::warn!("insert reported a write concern error");
                }
                let mut answers = vec![Answer::Applied(Outcome::Inserted); count];
                for indexed in failure.write_errors.iter().flatten() {
                    if let Some(slot) = answers.get_mut(indexed.index) {
                        let write = WriteError::from(indexed.clone());
                        *slot = Answer::from_error(ErrorKind::Write(WriteFailure::WriteError(write)).into());
                    }
                }
                answers
            }
            _ => vec![Answer::from_error(error); count],
        },
    }
}
