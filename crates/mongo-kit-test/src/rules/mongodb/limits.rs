//! Batch and size limits, in or out of transactions. A store that stays under them on a
//! permissive test server can still be refused by MongoDB in production.

use crate::rules::{Context, Rule, Violation};

/// `maxWriteBatchSize`: the most operations one write command (or client `bulkWrite`) holds,
/// 100,000 since MongoDB 3.6; and at least one. The server answers `InvalidLength` ("Write batch
/// sizes must be between 1 and 100000").
/// <https://www.mongodb.com/docs/v8.0/reference/limits/#mongodb-limit-Write-Command-Batch-Limit-Size>
pub static BATCH: Rule = Rule {
    name: "a write command holds 1 to 100,000 operations",
    manual: "https://www.mongodb.com/docs/v8.0/reference/limits/#mongodb-limit-Write-Command-Batch-Limit-Size",
    code: 16,
    code_name: "InvalidLength",
};

/// `maxBsonObjectSize`: a document holds at most 16 MiB. A command body may exceed it by the
/// server's 16 KiB allowance for the command's own fields.
/// <https://www.mongodb.com/docs/v8.0/reference/limits/#mongodb-limit-BSON-Document-Size>
pub static DOCUMENT_SIZE: Rule = Rule {
    name: "a document holds at most 16 MiB (16,777,216 bytes)",
    manual: "https://www.mongodb.com/docs/v8.0/reference/limits/#mongodb-limit-BSON-Document-Size",
    code: 10334,
    code_name: "BSONObjectTooLarge",
};

/// `maxMessageSizeBytes`: one message holds at most 48,000,000 bytes.
/// <https://www.mongodb.com/docs/v8.0/reference/command/hello/#mongodb-data-hello.maxMessageSizeBytes>
pub static MESSAGE_SIZE: Rule = Rule {
    name: "a message holds at most 48,000,000 bytes",
    manual: "https://www.mongodb.com/docs/v8.0/reference/command/hello/#mongodb-data-hello.maxMessageSizeBytes",
    code: 10334,
    code_name: "BSONObjectTooLarge",
};

/// The most operations in one write command.
pub const MAX_WRITE_BATCH: usize = 100_000;

/// The most bytes in one document.
pub const MAX_DOCUMENT: usize = 16 * 1024 * 1024;

/// The command body's allowance over [`MAX_DOCUMENT`].
const BODY_ALLOWANCE: usize = 16 * 1024;

/// The most bytes in one message.
pub const MAX_MESSAGE: usize = 48_000_000;

/// Checks the message, its body, every document of its sequences and its batch length.
pub fn check(cx: &Context<'_>) -> Result<(), Violation> {
    let request = cx.request;
    if request.message_len > MAX_MESSAGE {
        return Err(cx.violation(&MESSAGE_SIZE, format!("the message has {} bytes", request.message_len)));
    }
    if request.body_len > MAX_DOCUMENT + BODY_ALLOWANCE {
        return Err(cx.violation(&DOCUMENT_SIZE, format!("the command body has {} bytes", request.body_len)));
    }
    for sequence in &request.sequences {
        if let Some(at) = sequence.documents.iter().position(|(_, size)| *size > MAX_DOCUMENT) {
            let size = sequence.documents[at].1;
            return Err(cx.violation(&DOCUMENT_SIZE, format!("{}[{at}] has {size} bytes", sequence.identifier)));
        }
    }
    // (field, operations, whether an empty batch is refused too)
    let batch = match cx.name() {
        "insert" => ("documents", request.count("documents").unwrap_or(0), true),
        "update" => ("updates", request.count("updates").unwrap_or(0), true),
        "delete" => ("deletes", request.count("deletes").unwrap_or(0), true),
        // An empty client bulkWrite is refused for a reason of its own; drivers never send one.
        "bulkWrite" => ("ops", request.count("ops").unwrap_or(0), false),
        _ => return Ok(()),
    };
    match batch {
        (field, count, refuse_empty) if count > MAX_WRITE_BATCH || (refuse_empty && count == 0) => {
            Err(cx.violation(&BATCH, format!("`{field}` has {count} operations")))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use mongodb::bson::{Document, doc};

    use super::*;
    use crate::rules::testing::verdict_of;
    use crate::wire::Request;

    fn inserts(count: usize) -> Request {
        let documents = (0..count).map(|i| doc! { "_id": i64::try_from(i).expect("small") }).collect();
        Request::from_body(doc! { "insert": "w", "$db": "s" }).with_sequence("documents", documents)
    }

    #[test]
    fn a_batch_over_100000_operations_or_an_empty_one_is_refused() {
        assert_eq!(verdict_of(&inserts(MAX_WRITE_BATCH + 1)), Some(&BATCH));
        assert_eq!(verdict_of(&inserts(0)), Some(&BATCH));
        assert_eq!(verdict_of(&inserts(MAX_WRITE_BATCH)), None);
        let ops = (0..=MAX_WRITE_BATCH).map(|_| doc! { "insert": 0, "document": {} }).collect();
        let bulk = Request::from_body(doc! { "bulkWrite": 1, "$db": "admin" })
            .with_sequence("ops", ops)
            .with_sequence("nsInfo", vec![doc! { "ns": "s.w" }]);
        assert_eq!(verdict_of(&bulk), Some(&BATCH));
    }

    #[test]
    fn a_document_over_16_mib_is_refused_and_one_just_under_is_not() {
        let document = |bytes: usize| doc! { "_id": 1, "blob": "x".repeat(bytes) };
        let over = Request::from_body(doc! { "insert": "w", "$db": "s" })
            .with_sequence("documents", vec![document(MAX_DOCUMENT)]);
        let under = Request::from_body(doc! { "insert": "w", "$db": "s" })
            .with_sequence("documents", vec![document(MAX_DOCUMENT - 64)]);

        assert_eq!(verdict_of(&over), Some(&DOCUMENT_SIZE));
        assert_eq!(verdict_of(&under), None);
    }

    #[test]
    fn a_message_over_48_million_bytes_is_refused() {
        let documents: Vec<Document> = (0..4).map(|i| doc! { "_id": i, "blob": "x".repeat(12_500_000) }).collect();
        let message = Request::from_body(doc! { "insert": "w", "$db": "s" }).with_sequence("documents", documents);

        assert_eq!(verdict_of(&message), Some(&MESSAGE_SIZE));
    }
}
