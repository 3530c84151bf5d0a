//! A batch as one client-level `bulkWrite` (wire version 25 and up): unordered, with verbose
//! results, so every upsert has its own counts (matched, modified, upserted) or its own error.

use std::collections::HashMap;

use mongodb::error::{BulkWriteError, ErrorKind, PartialBulkWriteResult, WriteFailure};
use mongodb::options::{UpdateOneModel, WriteModel};
use mongodb::results::UpdateResult;

use super::{Answer, BulkUpsert, ItemError, Upsert, item_error};
use crate::time_limit::within;

/// Sends `statements` as one `bulkWrite` (the driver splits it only past the server's message
/// size) and answers for each, in order.
pub(super) async fn send(bulk: &BulkUpsert, statements: Vec<Upsert>) -> Vec<Answer> {
    let count = statements.len();
    let namespace = bulk.collection().namespace();
    let models = statements.into_iter().map(|statement| {
        WriteModel::UpdateOne(
            UpdateOneModel::builder()
                .namespace(namespace.clone())
                .filter(statement.filter)
                .update(statement.update)
                .upsert(true)
                .build(),
        )
    });
    let profile = bulk.target.profile();
    let mut action = bulk.client.bulk_write(models).ordered(false);
    if let Some(concern) = profile.write_concern() {
        action = action.write_concern(concern);
    }
    match within(profile, action.verbose_results()).await {
        Ok(result) => answers(count, &result.update_results, &HashMap::new(), None),
        Err(error) => match error.kind.as_ref() {
            ErrorKind::BulkWrite(bulk) => partial(count, bulk, &error),
            _ => vec![Answer::Failed(item_error(error)); count],
        },
    }
}

/// Answers from a `bulkWrite` that reported errors: per-statement errors, results of the
/// statements that succeeded, and for statements with neither (a failure of the command itself
/// stopped the run) that failure.
fn partial(count: usize, bulk: &BulkWriteError, error: &mongodb::error::Error) -> Vec<Answer> {
    if !bulk.write_concern_errors.is_empty() {
        // The writes were applied; only their replication is unconfirmed. The bulk profile asks
        // for w:1 unless configured otherwise, so this is rare and worth a line, not a retry.
        tracing::warn!(errors = bulk.write_concern_errors.len(), "bulkWrite reported write concern errors");
    }
    let empty = HashMap::new();
    let results = match &bulk.partial_result {
        Some(PartialBulkWriteResult::Verbose(verbose)) => &verbose.update_results,
        _ => &empty,
    };
    // The command's own failure, if any, is the error's source.
    let stopped = std::error::Error::source(error)
        .and_then(|source| source.downcast_ref::<mongodb::error::Error>())
        .map(|source| item_error(source.clone()))
        .unwrap_or_else(|| ItemError::Transient("the server did not answer for this statement".to_owned()));
    answers(count, results, &bulk.write_errors, Some(stopped))
}

fn answers(
    count: usize,
    results: &HashMap<usize, UpdateResult>,
    errors: &HashMap<usize, mongodb::error::WriteError>,
    stopped: Option<ItemError>,
) -> Vec<Answer> {
    (0..count)
        .map(|index| {
            if let Some(error) = errors.get(&index) {
                return Answer::from_error(ErrorKind::Write(WriteFailure::WriteError(error.clone())).into());
            }
            match results.get(&index) {
                Some(result) => {
                    Answer::from_counts(result.matched_count, result.modified_count, result.upserted_id.is_some())
                }
                None => Answer::Failed(stopped.clone().unwrap_or_else(|| {
                    ItemError::Transient("the server did not answer for this statement".to_owned())
                })),
            }
        })
        .collect()
}
