//! A batch as `update` commands carrying many statements, for servers without client-level
//! `bulkWrite`. The driver has no API for a multi-statement update, so the command is built here
//! (with the bulk profile's write concern) and split so that each stays below the server's
//! command size limit.
//!
//! The reply lists upserted and failed statements by index, but gives matched and modified only
//! as totals. When no matched statement modified its document (a re-run) or every one did, the
//! totals settle each statement in that one round trip. A command mixing both is settled by
//! reading back which of its keys carry this batch's [`Marker`]: an update writes it, a no-op
//! does not. A key never appears twice in one command (the command is split there), so that read
//! is unambiguous.

use std::collections::HashSet;

use bson::{Bson, Document, doc};
use futures::TryStreamExt as _;
use mongodb::error::{ErrorKind, WriteError, WriteFailure};
use mongodb::options::{ReadPreference, SelectionCriteria};

use super::{Answer, BulkUpsert, ItemError, Marker, Outcome as UpsertOutcome, Upsert, item_error};
use crate::time_limit::{TimeLimited as _, within};

/// Statements per command at most: the server's `maxWriteBatchSize`.
const MAX_STATEMENTS: usize = 100_000;
/// Bytes of statements per command at most: under the 16 MiB document limit, with room for the
/// command's other fields.
const MAX_BYTES: usize = 15 * 1024 * 1024;

/// One statement as the command carries it, beside its key.
type Entry = (String, Document);

/// Sends `statements` in as few `update` commands as the limits allow, one after the other, and
/// answers for each, in order; `marker` tells updated documents from unchanged ones.
pub(super) async fn send(bulk: &BulkUpsert, statements: Vec<Upsert>, marker: &Marker) -> Vec<Answer> {
    let mut answers = Vec::with_capacity(statements.len());
    for chunk in chunks(statements) {
        answers.extend(command(bulk, chunk, marker).await);
    }
    answers
}

/// `statements` cut into commands: below the size limits, and never holding a key twice.
fn chunks(statements: Vec<Upsert>) -> Vec<Vec<Entry>> {
    let mut chunks = Vec::new();
    let mut chunk: Vec<Entry> = Vec::new();
    let mut skus: HashSet<String> = HashSet::new();
    let mut bytes = 0;
    for statement in statements {
        let document = doc! { "q": statement.filter, "u": statement.update, "upsert": true };
        let size = document.to_vec().map_or(MAX_BYTES, |encoded| encoded.len());
        let full = bytes + size > MAX_BYTES || chunk.len() == MAX_STATEMENTS;
        if !chunk.is_empty() && (full || skus.contains(&statement.key)) {
            chunks.push(std::mem::take(&mut chunk));
            skus.clear();
            bytes = 0;
        }
        bytes += size;
        skus.insert(statement.key.clone());
        chunk.push((statement.key, document));
    }
    if !chunk.is_empty() {
        chunks.push(chunk);
    }
    chunks
}

async fn command(bulk: &BulkUpsert, chunk: Vec<Entry>, marker: &Marker) -> Vec<Answer> {
    let (skus, updates): (Vec<String>, Vec<Document>) = chunk.into_iter().unzip();
    let profile = bulk.target.profile();
    let mut command = doc! { "update": bulk.collection().name(), "updates": updates, "ordered": false };
    if let Some(concern) = profile.write_concern() {
        match bson::serialize_to_document(&concern) {
            Ok(concern) => {
                command.insert("writeConcern", concern);
            }
            Err(error) => tracing::warn!(%error, "bulk write concern not serialisable; using the server default"),
        }
    }
    let run = bulk.database.run_command(command).selection_criteria(profile.selection_criteria());
    let reply = match within(profile, run).await {
        Ok(reply) => reply,
        Err(error) => return vec![Answer::Failed(item_error(error)); skus.len()],
    };
    let Counted { mut answers, matched, modified } = read_reply(skus.len(), &reply);
    match settle(modified, matched.len()) {
        Some(outcome) => {
            for &i in &matched {
                answers[i] = Some(Answer::Applied(outcome));
            }
        }
        None => {
            let wanted: Vec<&str> = matched.iter().map(|&i| skus[i].as_str()).collect();
            match written_at(bulk, &wanted, marker).await {
                Ok(updated) => {
                    for &i in &matched {
                        let outcome =
                            if updated.contains(&skus[i]) { UpsertOutcome::Updated } else { UpsertOutcome::Unchanged };
                        answers[i] = Some(Answer::Applied(outcome));
                    }
                }
                Err(error) => {
                    // Applied, yet which of them changed is unknown: sending them again is
                    // idempotent and answers for each.
                    let failure =
                        ItemError::Unknown(format!("reading back the batch's updates failed: {}", item_error(error)));
                    for &i in &matched {
                        answers[i] = Some(Answer::Failed(failure.clone()));
                    }
                }
            }
        }
    }
    answers
        .into_iter()
        .map(|answer| {
            answer.unwrap_or_else(|| {
                Answer::Failed(ItemError::Transient("the server did not answer for this statement".to_owned()))
            })
        })
        .collect()
}

/// How the totals settle the matched statements: all unchanged, all updated, or (a mix) not.
fn settle(modified: usize, matched: usize) -> Option<UpsertOutcome> {
    if modified == 0 {
        Some(UpsertOutcome::Unchanged)
    } else if modified >= matched {
        Some(UpsertOutcome::Updated)
    } else {
        None
    }
}

/// Which of `keys` carry the batch's marker, read from the primary: the ones this command
/// updated (a concurrent writer would have to write the same marker to be mistaken for it).
async fn written_at(bulk: &BulkUpsert, keys: &[&str], marker: &Marker) -> mongodb::error::Result<HashSet<String>> {
    let profile = bulk.target.profile();
    let key = bulk.key_field;
    let find = bulk
        .collection()
        .find(doc! { key: { "$in": keys }, marker.field: marker.value.clone() })
        .projection(doc! { "_id": 0, key: 1 })
        .selection_criteria(SelectionCriteria::ReadPreference(ReadPreference::Primary))
        .time_limited(profile);
    let found: Vec<Document> = within(profile, async { find.await?.try_collect().await }).await?;
    Ok(found.into_iter().filter_map(|document| document.get_str(key).ok().map(str::to_owned)).collect())
}

/// What an `update` reply says: answers for upserted and failed statements, the indexes of the
/// statements that matched, and how many of those modified their document.
#[derive(Debug)]
struct Counted {
    answers: Vec<Option<Answer>>,
    matched: Vec<usize>,
    modified: usize,
}

fn read_reply(count: usize, reply: &Document) -> Counted {
    let mut answers: Vec<Option<Answer>> = vec![None; count];
    for upserted in array(reply, "upserted") {
        if let Some(slot) = index(upserted).and_then(|i| answers.get_mut(i)) {
            *slot = Some(Answer::Applied(UpsertOutcome::Inserted));
        }
    }
    for entry in array(reply, "writeErrors") {
        let Some(slot) = index(entry).and_then(|i| answers.get_mut(i)) else { continue };
        *slot = Some(match bson::deserialize_from_document::<WriteError>(entry.clone()) {
            Ok(error) => Answer::from_error(ErrorKind::Write(WriteFailure::WriteError(error)).into()),
            Err(error) => Answer::from_error(mongodb::error::Error::custom(format!("unreadable write error: {error}"))),
        });
    }
    if reply.contains_key("writeConcernError") {
        tracing::warn!("update command reported a write concern error");
    }
    let matched = (0..count).filter(|&i| answers[i].is_none()).collect();
    let modified = reply.get("nModified").and_then(count_of).unwrap_or(0);
    Counted { answers, matched, modified }
}

fn array<'a>(reply: &'a Document, key: &str) -> impl Iterator<Item = &'a Document> {
    reply.get_array(key).into_iter().flatten().filter_map(Bson::as_document)
}

fn index(entry: &Document) -> Option<usize> {
    count_of(entry.get("index")?)
}

fn count_of(value: &Bson) -> Option<usize> {
    match value {
        Bson::Int32(i) => usize::try_from(*i).ok(),
        Bson::Int64(i) => usize::try_from(*i).ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_names_inserted_and_failed_statements_and_counts_the_rest() {
        let reply = doc! {
            "ok": 1, "n": 3, "nModified": 1,
            "upserted": [{ "index": 2, "_id": 1 }],
            "writeErrors": [{ "index": 0, "code": 11000, "errmsg": "duplicate key" }],
        };

        let counted = read_reply(4, &reply);

        assert_eq!(counted.answers[0], Some(Answer::DuplicateKey));
        assert_eq!(counted.answers[2], Some(Answer::Applied(UpsertOutcome::Inserted)));
        assert_eq!((counted.matched, counted.modified), (vec![1, 3], 1));
    }

    #[test]
    fn totals_settle_a_rerun_and_a_full_update_but_not_a_mix() {
        assert_eq!(settle(0, 5), Some(UpsertOutcome::Unchanged));
        assert_eq!(settle(5, 5), Some(UpsertOutcome::Updated));
        assert_eq!(settle(0, 0), Some(UpsertOutcome::Unchanged));
        assert_eq!(settle(2, 5), None);
    }

    fn statement(key: &str) -> Upsert {
        Upsert {
            key: key.to_owned(),
            filter: doc! { "reference": key },
            update: vec![doc! { "$replaceWith": "$$ROOT" }],
        }
    }

    #[test]
    fn a_command_never_holds_a_key_twice() {
        let statements = ["a", "b", "a", "c", "a"].map(statement).to_vec();

        let skus: Vec<Vec<String>> =
            chunks(statements).into_iter().map(|chunk| chunk.into_iter().map(|(sku, _)| sku).collect()).collect();

        assert_eq!(skus, [vec!["a", "b"], vec!["a", "c"], vec!["a"]]);
    }
}
