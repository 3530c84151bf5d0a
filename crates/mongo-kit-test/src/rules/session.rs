//! Transaction state per session, as the server keeps it: a command belongs to a transaction
//! when it carries `autocommit: false` with the session's `lsid` and a `txnNumber`; the one that
//! also carries `startTransaction: true` opens transaction `txnNumber` (and fixes its read
//! concern); `commitTransaction` or `abortTransaction` ends it.
//!
//! Manual: <https://www.mongodb.com/docs/v8.0/core/transactions/> and the session fields of
//! <https://www.mongodb.com/docs/v8.0/reference/command/commitTransaction/>.

use std::collections::{HashMap, HashSet};

use mongodb::bson::{Bson, Document};

/// Where a command runs, seen from its session.
#[derive(Debug, Clone, Copy)]
pub enum Place<'a> {
    /// Not in a transaction.
    Outside,
    /// The first command of a transaction (`startTransaction: true`).
    First,
    /// A later command of a transaction; `None` when its start was not seen.
    Later(Option<&'a Transaction>),
}

/// What the check remembers of an open transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Transaction {
    /// Its `txnNumber`.
    pub number: i64,
    /// The read concern level its first command asked for, if any.
    pub read_level: Option<String>,
    /// Namespaces it inserted into or upserted into.
    pub filled: HashSet<String>,
}

/// The open transactions, by session id.
#[derive(Debug, Default)]
pub struct Sessions {
    open: HashMap<Vec<u8>, Transaction>,
}

/// The session id of `body` (the bytes of `lsid.id`), if it has one.
pub fn session_id(body: &Document) -> Option<Vec<u8>> {
    let lsid = body.get_document("lsid").ok()?;
    match lsid.get("id")? {
        Bson::Binary(binary) => Some(binary.bytes.clone()),
        other => Some(other.to_string().into_bytes()),
    }
}

/// Whether `body` runs inside a transaction (`autocommit: false`).
pub fn in_transaction(body: &Document) -> bool {
    body.get_bool("autocommit").ok() == Some(false)
}

/// Whether `body` opens a transaction.
pub fn starts_transaction(body: &Document) -> bool {
    in_transaction(body) && body.get_bool("startTransaction").ok() == Some(true)
}

/// The transaction `body` runs in (its `txnNumber`), if it runs in one.
pub fn transaction_number(body: &Document) -> Option<i64> {
    in_transaction(body).then(|| body.get_i64("txnNumber").unwrap_or_default())
}

/// The read concern level `body` asks for.
pub fn read_level(body: &Document) -> Option<&str> {
    body.get_document("readConcern").ok()?.get_str("level").ok()
}

impl Sessions {
    /// Where `body` runs.
    pub fn place(&self, body: &Document) -> Place<'_> {
        if starts_transaction(body) {
            return Place::First;
        }
        if !in_transaction(body) {
            return Place::Outside;
        }
        let number = body.get_i64("txnNumber").ok();
        let open = session_id(body).and_then(|id| self.open.get(&id));
        Place::Later(open.filter(|transaction| Some(transaction.number) == number))
    }

    /// Remembers what an accepted command `body` does to its session's transaction: opens it,
    /// adds the namespaces it `filled` with documents, or ends it.
    pub fn record(&mut self, body: &Document, filled: &[String]) {
        let Some(id) = session_id(body).filter(|_| in_transaction(body)) else { return };
        let name = body.keys().next().map_or("", String::as_str);
        if matches!(name, "commitTransaction" | "abortTransaction") {
            // A commit may be retried; a retry without a remembered start is judged as a later
            // command whose start was not seen, which asks nothing of the start.
            self.open.remove(&id);
            return;
        }
        if starts_transaction(body) {
            let number = body.get_i64("txnNumber").unwrap_or_default();
            let read_level = read_level(body).map(str::to_owned);
            self.open.insert(id.clone(), Transaction { number, read_level, ..Transaction::default() });
        }
        if let Some(transaction) = self.open.get_mut(&id) {
            transaction.filled.extend(filled.iter().cloned());
        }
    }
}

#[cfg(test)]
mod tests {
    use mongodb::bson::{Binary, doc, spec::BinarySubtype};

    use super::*;

    fn lsid(byte: u8) -> Document {
        doc! { "id": Binary { subtype: BinarySubtype::Uuid, bytes: vec![byte; 16] } }
    }

    #[test]
    fn a_transaction_opens_with_its_first_command_and_ends_with_its_commit() {
        let mut sessions = Sessions::default();
        let first = doc! { "find": "w", "lsid": lsid(1), "txnNumber": 3_i64, "startTransaction": true,
        "autocommit": false, "readConcern": { "level": "snapshot" } };
        let later = doc! { "insert": "w", "lsid": lsid(1), "txnNumber": 3_i64, "autocommit": false };
        let commit = doc! { "commitTransaction": 1, "lsid": lsid(1), "txnNumber": 3_i64, "autocommit": false };

        assert!(matches!(sessions.place(&first), Place::First));
        sessions.record(&first, &[]);
        sessions.record(&later, &["s.w".to_owned()]);
        let Place::Later(Some(open)) = sessions.place(&later) else { panic!("the transaction is open") };
        assert_eq!((open.read_level.as_deref(), open.filled.len()), (Some("snapshot"), 1));
        sessions.record(&commit, &[]);

        assert!(matches!(sessions.place(&later), Place::Later(None)));
        assert!(matches!(sessions.place(&doc! { "find": "w", "lsid": lsid(1) }), Place::Outside));
    }

    #[test]
    fn another_session_or_txn_number_is_another_transaction() {
        let mut sessions = Sessions::default();
        let first =
            doc! { "find": "w", "lsid": lsid(1), "txnNumber": 1_i64, "startTransaction": true, "autocommit": false };
        sessions.record(&first, &[]);

        let other_session = doc! { "find": "w", "lsid": lsid(2), "txnNumber": 1_i64, "autocommit": false };
        let other_number = doc! { "find": "w", "lsid": lsid(1), "txnNumber": 2_i64, "autocommit": false };

        assert!(matches!(sessions.place(&other_session), Place::Later(None)));
        assert!(matches!(sessions.place(&other_number), Place::Later(None)));
    }
}
