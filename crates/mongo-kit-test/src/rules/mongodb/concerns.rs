//! Read and write concerns. In a transaction the read concern is the transaction's, set on its
//! first command; the write concern is the transaction's, sent with `commitTransaction` or
//! `abortTransaction` and never with an operation. Outside a transaction, read concern
//! `snapshot` is taken by few commands.

use super::number;
use crate::rules::session::read_level;
use crate::rules::{Context, Place, Rule, Violation};

/// "Operations in a transaction use the transaction-level read concern": only the first command
/// may carry a `readConcern` (the server: "Only the first command in a transaction may specify a
/// readConcern").
/// <https://www.mongodb.com/docs/v8.0/core/transactions/#transactions-and-read-concern>
pub static READ_CONCERN_AFTER_START: Rule = Rule::invalid_options(
    "only the first command of a transaction carries a readConcern",
    "https://www.mongodb.com/docs/v8.0/core/transactions/#transactions-and-read-concern",
);

/// Transactions take read concern `local`, `majority` or `snapshot`, nothing else (the server's
/// `isReadConcernLevelAllowedInTransaction`).
/// <https://www.mongodb.com/docs/v8.0/core/transactions/#transactions-and-read-concern>
pub static READ_LEVEL_IN_TRANSACTION: Rule = Rule::invalid_options(
    "a transaction reads at local, majority or snapshot",
    "https://www.mongodb.com/docs/v8.0/core/transactions/#transactions-and-read-concern",
);

/// "Do not explicitly set the write concern for the operation if run in a transaction"; only
/// `commitTransaction` and `abortTransaction` carry one (the server: "writeConcern is not allowed
/// within a multi-statement transaction").
/// <https://www.mongodb.com/docs/v8.0/core/transactions/#transactions-and-write-concern>
pub static WRITE_CONCERN_IN_TRANSACTION: Rule = Rule::invalid_options(
    "only commitTransaction and abortTransaction carry a writeConcern in a transaction",
    "https://www.mongodb.com/docs/v8.0/core/transactions/#transactions-and-write-concern",
);

/// Transactions do not support unacknowledged write concern: a transaction's writes are
/// acknowledged by its commit, so `w: 0` there leaves the outcome unknown (the drivers'
/// transactions specification makes every driver refuse it before sending).
/// <https://www.mongodb.com/docs/v8.0/core/transactions/#transactions-and-write-concern>
pub static UNACKNOWLEDGED_TRANSACTION: Rule = Rule::invalid_options(
    "a transaction's write concern is acknowledged (not w: 0)",
    "https://www.mongodb.com/docs/v8.0/core/transactions/#transactions-and-write-concern",
);

/// "Outside of multi-document transactions, read concern "snapshot" is available on primaries
/// and secondaries for the following read operations: find, aggregate, distinct (on unsharded
/// collections). All other read commands prohibit "snapshot"." (MongoDB 5.0 and later.)
/// <https://www.mongodb.com/docs/v8.0/reference/read-concern-snapshot/>
pub static SNAPSHOT_OUTSIDE_TRANSACTION: Rule = Rule::invalid_options(
    "outside a transaction only find, aggregate and distinct read at snapshot",
    "https://www.mongodb.com/docs/v8.0/reference/read-concern-snapshot/",
);

/// Checks the command's read and write concerns against where it runs.
pub fn check(cx: &Context<'_>) -> Result<(), Violation> {
    let body = cx.body();
    let ends_transaction = matches!(cx.name(), "commitTransaction" | "abortTransaction");
    if cx.in_transaction() {
        if matches!(cx.place, Place::Later(_)) && body.contains_key("readConcern") {
            return Err(cx.violation(&READ_CONCERN_AFTER_START, "a later command of the transaction has a readConcern"));
        }
        if let Some(level) = read_level(body).filter(|l| !matches!(*l, "local" | "majority" | "snapshot")) {
            return Err(cx.violation(&READ_LEVEL_IN_TRANSACTION, format!("readConcern level {level:?}")));
        }
        if let Ok(write_concern) = body.get_document("writeConcern") {
            if !ends_transaction {
                return Err(cx.violation(&WRITE_CONCERN_IN_TRANSACTION, format!("writeConcern {write_concern}")));
            }
            if write_concern.get("w").and_then(number) == Some(0.0) {
                return Err(cx.violation(&UNACKNOWLEDGED_TRANSACTION, format!("writeConcern {write_concern}")));
            }
        }
        return Ok(());
    }
    match read_level(body) {
        Some("snapshot") if !matches!(cx.name(), "find" | "aggregate" | "distinct") => {
            Err(cx.violation(&SNAPSHOT_OUTSIDE_TRANSACTION, "readConcern level \"snapshot\" outside a transaction"))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use mongodb::bson::doc;

    use super::*;
    use crate::rules::testing::{first, later, verdicts};

    #[test]
    fn a_read_concern_after_the_first_command_is_refused() {
        let start = first(doc! { "find": "w", "readConcern": { "level": "snapshot" } });
        let misplaced = later(doc! { "find": "w", "readConcern": { "level": "snapshot" } });
        let plain = later(doc! { "find": "w" });

        assert_eq!(verdicts(&[start, plain, misplaced]), [None, None, Some(&READ_CONCERN_AFTER_START)]);
    }

    #[test]
    fn a_transaction_at_linearizable_is_refused() {
        let linearizable = first(doc! { "find": "w", "readConcern": { "level": "linearizable" } });
        let majority = first(doc! { "find": "w", "readConcern": { "level": "majority" } });

        assert_eq!(verdicts(&[linearizable]), [Some(&READ_LEVEL_IN_TRANSACTION)]);
        assert_eq!(verdicts(&[majority]), [None]);
    }

    #[test]
    fn a_write_concern_belongs_to_the_commit_only_and_must_be_acknowledged() {
        let start = first(doc! { "insert": "w", "documents": [{ "_id": 1 }] });
        let misplaced = later(doc! { "update": "w", "updates": [{ "q": {}, "u": {} }], "writeConcern": { "w": 1 } });
        let unacknowledged = later(doc! { "commitTransaction": 1, "writeConcern": { "w": 0 }, "$db": "admin" });
        let majority = later(doc! { "commitTransaction": 1, "writeConcern": { "w": "majority" }, "$db": "admin" });

        assert_eq!(
            verdicts(&[start, misplaced, unacknowledged, majority]),
            [None, Some(&WRITE_CONCERN_IN_TRANSACTION), Some(&UNACKNOWLEDGED_TRANSACTION), None]
        );
    }

    #[test]
    fn snapshot_reads_outside_transactions_are_for_find_aggregate_and_distinct() {
        let count = doc! { "count": "w", "readConcern": { "level": "snapshot" }, "$db": "s" };
        let find = doc! { "find": "w", "readConcern": { "level": "snapshot" }, "$db": "s" };
        let distinct = doc! { "distinct": "w", "key": "a", "readConcern": { "level": "snapshot" }, "$db": "s" };

        assert_eq!(verdicts(&[count, find, distinct]), [Some(&SNAPSHOT_OUTSIDE_TRANSACTION), None, None]);
    }
}
