//! A batch as `update` commands carrying many statements, for servers without client-level
//! `bulkWrite`. The driver has no API for a multi-statement update, so the command is built here
//! (with the bulk profile's write concern) and split so that each stays below the server's
//! command size limit. The reply lists upserted statements and failed statements by index;
//! every other statement matched, and so was updated.

use bson::{Bson, Document, doc};
use mongodb::Collection;
use mongodb::error::{ErrorKind, WriteError, WriteFailure};

use super::statement::Statement;
use super::{Answer, failure};
use crate::profiles::OperationClass;
use crate::store::MongoStore;
use crate::time_limit::within;

/// Statements per command at most: the server's `maxWriteBatchSize`.
const MAX_STATEMENTS: usize = 100_000;
/// Bytes of statements per command at most: under the 16 MiB document limit, with room for the
/// command's other fields.
const MAX_BYTES: usize = 15 * 1024 * 1024;

/// Sends `statements` in as few `update` commands as the size limits allow, one after the other,
/// and answers for each, in order.
pub(super) async fn send(
    store: &MongoStore,
    products: &Collection<Document>,
    statements: Vec<Statement>,
) -> Vec<Answer> {
    let mut answers = Vec::with_capacity(statements.len());
    let mut chunk: Vec<Document> = Vec::new();
    let mut bytes = 0;
    for statement in statements {
        let document = doc! { "q": statement.filter, "u": statement.update, "upsert": true };
        let size = document.to_vec().map_or(MAX_BYTES, |encoded| encoded.len());
        if !chunk.is_empty() && (bytes + size > MAX_BYTES || chunk.len() == MAX_STATEMENTS) {
            answers.extend(command(store, products, std::mem::take(&mut chunk)).await);
            bytes = 0;
        }
        bytes += size;
        chunk.push(document);
    }
    if !chunk.is_empty() {
        answers.extend(command(store, products, chunk).await);
    }
    answers
}

async fn command(store: &MongoStore, products: &Collection<Document>, updates: Vec<Document>) -> Vec<Answer> {
    let count = updates.len();
    let profile = store.profile(OperationClass::Bulk);
    let mut command = doc! { "update": products.name(), "updates": updates, "ordered": false };
    if let Some(concern) = profile.write_concern() {
        match bson::serialize_to_document(&concern) {
            Ok(concern) => {
                command.insert("writeConcern", concern);
            }
            Err(error) => tracing::warn!(%error, "bulk write concern not serialisable; using the server default"),
        }
    }
    let run = store.database().run_command(command).selection_criteria(profile.selection_criteria());
    match within(profile, run).await {
        Ok(reply) => answers(count, &reply),
        Err(error) => vec![Answer::Failed(failure(error)); count],
    }
}

/// Per-statement answers from an `update` reply.
fn answers(count: usize, reply: &Document) -> Vec<Answer> {
    let mut answers = vec![Answer::Updated; count];
    for upserted in array(reply, "upserted") {
        if let Some(slot) = index(upserted).and_then(|i| answers.get_mut(i)) {
            *slot = Answer::Inserted;
        }
    }
    for entry in array(reply, "writeErrors") {
        let Some(slot) = index(entry).and_then(|i| answers.get_mut(i)) else { continue };
        *slot = match bson::deserialize_from_document::<WriteError>(entry.clone()) {
            Ok(error) => Answer::from_error(ErrorKind::Write(WriteFailure::WriteError(error)).into()),
            Err(error) => Answer::from_error(mongodb::error::Error::custom(format!("unreadable write error: {error}"))),
        };
    }
    if reply.contains_key("writeConcernError") {
        tracing::warn!("update command reported a write concern error");
    }
    answers
}

fn array<'a>(reply: &'a Document, key: &str) -> impl Iterator<Item = &'a Document> {
    reply.get_array(key).into_iter().flatten().filter_map(Bson::as_document)
}

fn index(entry: &Document) -> Option<usize> {
    match entry.get("index")? {
        Bson::Int32(i) => usize::try_from(*i).ok(),
        Bson::Int64(i) => usize::try_from(*i).ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_names_inserted_and_failed_statements_and_the_rest_were_updated() {
        let reply = doc! {
            "ok": 1, "n": 2, "nModified": 1,
            "upserted": [{ "index": 2, "_id": 1 }],
            "writeErrors": [{ "index": 0, "code": 11000, "errmsg": "duplicate key" }],
        };

        let answers = answers(3, &reply);

        assert_eq!(answers, [Answer::DuplicateKey, Answer::Updated, Answer::Inserted]);
    }
}
