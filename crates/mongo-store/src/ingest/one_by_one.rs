//! One `update` command per draft, in sequence: the naive loop the benchmark compares the
//! batched paths against (same statements, same driver, one round trip each).

use bson::Document;
use mongodb::Collection;

use super::Answer;
use super::statement::Statement;
use crate::profiles::OperationClass;
use crate::store::MongoStore;
use crate::time_limit::within;

/// Sends each statement on its own and answers for each, in order.
pub(super) async fn send(
    store: &MongoStore,
    products: &Collection<Document>,
    statements: Vec<Statement>,
) -> Vec<Answer> {
    let profile = store.profile(OperationClass::Bulk);
    let mut answers = Vec::with_capacity(statements.len());
    for statement in statements {
        let update = products.update_one(statement.filter, statement.update).upsert(true);
        answers.push(match within(profile, update).await {
            Ok(result) => {
                Answer::from_counts(result.matched_count, result.modified_count, result.upserted_id.is_some())
            }
            Err(error) => Answer::from_error(error),
        });
    }
    answers
}
