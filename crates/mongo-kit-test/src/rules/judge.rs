//! The judge: requests in, verdicts out, with the sessions' transaction state in between. It
//! does no I/O; the one fact it cannot see in the traffic (whether a collection exists, for
//! `createIndexes` in a transaction) is handed to it by the caller, who asks the server.

use std::collections::{BTreeSet, HashMap};

use super::context::{CollectionFacts, Context};
use super::mongodb::{bulk_namespaces, bulk_operations};
use super::session::{Sessions, in_transaction};
use super::table::Rules;
use super::violation::Violation;
use crate::wire::Request;

/// The rules check's state: its rules, the open transactions of every session seen, and where
/// each cursor seen was opened. It does no I/O, so a team's rules are unit-tested with it:
///
/// ```
/// use mongo_kit_test::rules::{Judge, testing};
/// use mongo_kit_test::wire::Request;
/// use mongodb::bson::doc;
///
/// let mut judge = Judge::default(); // MongoDB 8.0's rules
/// let count = testing::first(doc! { "count": "orders", "query": {} });
///
/// let refused = judge.judge(&Request::from_body(count), None).expect_err("count is refused in a transaction");
/// assert_eq!(refused.rule.code_name, "OperationNotSupportedInTransaction");
/// ```
#[derive(Debug, Default)]
pub struct Judge {
    rules: Rules,
    sessions: Sessions,
    /// Cursor id to the transaction it was opened in (`None`: outside any).
    cursors: HashMap<i64, Option<i64>>,
}

impl Judge {
    /// A judge of `rules`.
    pub fn new(rules: Rules) -> Self {
        Self { rules, ..Self::default() }
    }

    /// The collection (`db`, `collection`) whose catalog facts judging `request` needs, if any.
    pub fn needs_catalog(&self, request: &Request) -> Option<(String, String)> {
        let body = &request.body;
        if request.name() != "createIndexes" || !in_transaction(body) {
            return None;
        }
        let db = body.get_str("$db").ok()?;
        Some((db.to_owned(), body.get_str("createIndexes").ok()?.to_owned()))
    }

    /// Judges `request`, with the catalog's facts if [`Judge::needs_catalog`] asked for them.
    /// An accepted request updates its session's transaction; a refused one never reaches the
    /// server, so it changes nothing.
    ///
    /// # Errors
    /// The first rule `request` breaks.
    pub fn judge(&mut self, request: &Request, catalog: Option<&CollectionFacts>) -> Result<(), Violation> {
        let body = &request.body;
        let cursor_opened_in = match request.name() {
            "getMore" => body.get_i64("getMore").ok().and_then(|id| self.cursors.get(&id).copied()),
            _ => None,
        };
        let cx = Context { request, place: self.sessions.place(body), catalog, cursor_opened_in };
        self.rules.check(&cx)?;
        self.sessions.record(body, &filled(request));
        if request.name() == "killCursors" {
            for id in body.get_array("cursors").map(Vec::as_slice).unwrap_or_default() {
                self.cursors.remove(&id.as_i64().unwrap_or_default());
            }
        }
        Ok(())
    }

    /// Remembers that cursor `id` was opened in transaction `opened_in` (`None`: outside any),
    /// as the reply to a `find`, `aggregate` or listing command says.
    pub fn cursor_opened(&mut self, opened_in: Option<i64>, id: i64) {
        if id != 0 {
            self.cursors.insert(id, opened_in);
        }
    }
}

/// The namespaces `request` may put documents in: inserts and upserts.
fn filled(request: &Request) -> Vec<String> {
    let body = &request.body;
    let db = body.get_str("$db").unwrap_or("");
    let own = || body.values().next().and_then(|c| c.as_str()).map(|c| format!("{db}.{c}"));
    let upserts = |field: &str| request.documents(field).iter().any(|op| op.get_bool("upsert").ok() == Some(true));
    let namespaces: BTreeSet<String> = match request.name() {
        "insert" => own().into_iter().collect(),
        "update" if upserts("updates") => own().into_iter().collect(),
        "findAndModify" | "findandmodify" if body.get_bool("upsert").ok() == Some(true) => own().into_iter().collect(),
        "bulkWrite" => {
            let namespaces = bulk_namespaces(request);
            bulk_operations(request)
                .into_iter()
                .filter(|(kind, _, upsert)| *kind == "insert" || *upsert)
                .filter_map(|(_, index, _)| namespaces.get(index).cloned())
                .collect()
        }
        _ => BTreeSet::new(),
    };
    namespaces.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use mongodb::bson::{Binary, doc, spec::BinarySubtype};

    use super::*;
    use crate::rules::mongodb::stages::STAGE_IN_TRANSACTION;
    use crate::rules::testing::{first, later, verdicts};

    fn wallet(byte: u8) -> Binary {
        Binary { subtype: BinarySubtype::Uuid, bytes: vec![byte; 16] }
    }

    /// The transfer's read before it moved to `$lookup`: the wallets and the idempotency record
    /// in one `aggregate`, opening a snapshot transaction.
    #[test]
    fn the_transfers_former_union_with_read_is_refused() {
        let read = doc! {
            "aggregate": "wallets",
            "pipeline": [
                { "$match": { "_id": { "$in": [wallet(1), wallet(2)] } } },
                { "$unionWith": { "coll": "idempotency", "pipeline": [{ "$match": { "_id": "key-1" } }] } },
            ],
            "cursor": {},
            "lsid": { "id": wallet(9) },
            "txnNumber": 1_i64,
            "startTransaction": true,
            "autocommit": false,
            "readConcern": { "level": "snapshot" },
            "$db": "shop",
        };

        let verdict = Judge::default().judge(&Request::from_body(read), None);

        let violation = verdict.expect_err("MongoDB 8.0 refuses $unionWith in a transaction");
        assert_eq!((violation.command.as_str(), violation.rule), ("aggregate", &STAGE_IN_TRANSACTION));
        let reply = violation.reply();
        assert_eq!(reply.get_i32("code").ok(), Some(263));
        let message = reply.get_str("errmsg").expect("a message");
        assert!(message.starts_with("MongoDB rules check:") && message.contains("pipeline[1] is $unionWith"));
        assert!(message.contains("https://www.mongodb.com/docs/v8.0/core/transactions-operations/"), "{message}");
    }

    #[test]
    fn a_whole_transfer_transaction_by_the_rules_is_accepted() {
        let transfer = [
            first(doc! { "aggregate": "wallets", "cursor": {}, "readConcern": { "level": "snapshot" }, "pipeline": [
            { "$match": { "_id": { "$in": [wallet(1), wallet(2)] } } },
            { "$lookup": { "from": "idempotency", "as": "record", "pipeline": [{ "$match": { "_id": "k" } }] } }] }),
            later(doc! { "bulkWrite": 1, "$db": "admin", "nsInfo": [{ "ns": "s.idempotency" }, { "ns": "s.wallets" }],
            "ops": [{ "insert": 0, "document": { "_id": "k" } },
                { "update": 1, "filter": { "_id": wallet(1) }, "updateMods": { "$inc": { "balance": -5 } } }] }),
            later(doc! { "commitTransaction": 1, "$db": "admin", "writeConcern": { "w": "majority" } }),
            doc! { "find": "wallets", "filter": {}, "readConcern": { "level": "majority" }, "$db": "s" },
        ];

        assert_eq!(verdicts(&transfer), [None; 4]);
    }
}
