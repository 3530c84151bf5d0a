//! One `update` command per item, in sequence: the naive loop a benchmark compares the batched
//! paths against (same statements, same driver, one round trip each).

use super::{Answer, BulkUpsert, Upsert};
use crate::time_limit::within;

/// Sends each upsert on its own and answers for each, in order.
pub(super) async fn send(bulk: &BulkUpsert, statements: Vec<Upsert>) -> Vec<Answer> {
    let profile = bulk.target.profile();
    let mut answers = Vec::with_capacity(statements.len());
    for statement in statements {
        let update = bulk.collection().update_one(statement.filter, statement.update).upsert(true);
        answers.push(match within(profile, update).await {
            Ok(result) => {
                Answer::from_counts(result.matched_count, result.modified_count, result.upserted_id.is_some())
            }
            Err(error) => Answer::from_error(error),
        });
    }
    answers
}
