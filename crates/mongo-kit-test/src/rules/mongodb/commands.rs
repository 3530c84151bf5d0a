//! Which commands run in a transaction, and which may not open one.
//!
//! The manual's "Transactions and Operations" allows CRUD commands (`find`, `insert`, `update`,
//! `delete`, `findAndModify`, `aggregate`, `distinct`, client `bulkWrite` in 8.0), cursor
//! commands, `create` and `createIndexes` under conditions (see `ddl`), and informational
//! commands (`hello`, `buildInfo`, `connectionStatus`) but not as the first operation. It refuses
//! `count`, `listCollections`, `listIndexes`, `explain` and every other non-CRUD,
//! non-informational command (`createUser`, `getParameter`, `drop`, `collMod`, ...). The server's
//! `validateSessionOptions` also refuses `killCursors`, `commitTransaction` and
//! `abortTransaction` as the first command.
//! <https://www.mongodb.com/docs/v8.0/core/transactions-operations/>

use crate::rules::{Context, Place, Rule, Violation};

/// Commands outside the allowlist ("Restricted Operations").
/// <https://www.mongodb.com/docs/v8.0/core/transactions-operations/#restricted-operations>
pub static NOT_IN_TRANSACTION: Rule = Rule::in_transaction(
    "only CRUD, cursor, informational and (conditionally) create/createIndexes commands run in a transaction",
    "https://www.mongodb.com/docs/v8.0/core/transactions-operations/#restricted-operations",
);

/// `count` ("Count Operation": use `$count` or `$group` with `$sum`, as `countDocuments` does).
/// <https://www.mongodb.com/docs/v8.0/core/transactions-operations/#count-operation>
pub static COUNT_IN_TRANSACTION: Rule = Rule::in_transaction(
    "count does not run in a transaction (use an aggregate $count, as countDocuments does)",
    "https://www.mongodb.com/docs/v8.0/core/transactions-operations/#count-operation",
);

/// A query plan: "You cannot return the supported operation's query plan using explain or
/// similar commands" (`explain`, or `aggregate` with `explain: true`).
/// <https://www.mongodb.com/docs/v8.0/core/transactions-operations/>
pub static EXPLAIN_IN_TRANSACTION: Rule = Rule::in_transaction(
    "a transaction returns no query plan (explain)",
    "https://www.mongodb.com/docs/v8.0/core/transactions-operations/",
);

/// Informational commands "cannot be the first operation in the transaction".
/// <https://www.mongodb.com/docs/v8.0/core/transactions-operations/#informational-operations>
pub static INFORMATIONAL_FIRST: Rule = Rule::in_transaction(
    "an informational command is not a transaction's first operation",
    "https://www.mongodb.com/docs/v8.0/core/transactions-operations/#informational-operations",
);

/// "You cannot specify killCursors as the first operation in a transaction"; nor can a
/// transaction start with its own commit or abort.
/// <https://www.mongodb.com/docs/v8.0/core/transactions-operations/>
pub static CANNOT_OPEN: Rule = Rule::in_transaction(
    "killCursors, commitTransaction and abortTransaction do not open a transaction",
    "https://www.mongodb.com/docs/v8.0/core/transactions-operations/",
);

/// Commands a transaction runs (`create` and `createIndexes` are judged further by `ddl`).
const ALLOWED: [&str; 15] = [
    "find",
    "insert",
    "update",
    "delete",
    "findAndModify",
    "findandmodify",
    "aggregate",
    "distinct",
    "bulkWrite",
    "getMore",
    "killCursors",
    "commitTransaction",
    "abortTransaction",
    "create",
    "createIndexes",
];

/// Informational commands, with their legacy spellings.
pub const INFORMATIONAL: [&str; 6] = ["hello", "isMaster", "ismaster", "buildInfo", "buildinfo", "connectionStatus"];

/// Checks a command run in a transaction.
pub fn check(cx: &Context<'_>) -> Result<(), Violation> {
    let name = cx.name();
    let first = matches!(cx.place, Place::First);
    if name == "count" {
        return Err(cx.violation(&COUNT_IN_TRANSACTION, "count in a transaction"));
    }
    if name == "explain" || (name == "aggregate" && cx.body().get_bool("explain").ok() == Some(true)) {
        return Err(cx.violation(&EXPLAIN_IN_TRANSACTION, "a query plan asked for in a transaction"));
    }
    if INFORMATIONAL.contains(&name) {
        return if first {
            Err(cx.violation(&INFORMATIONAL_FIRST, format!("{name} opens the transaction")))
        } else {
            Ok(())
        };
    }
    if !ALLOWED.contains(&name) {
        return Err(cx.violation(&NOT_IN_TRANSACTION, format!("{name} in a transaction")));
    }
    if first && matches!(name, "killCursors" | "commitTransaction" | "abortTransaction") {
        return Err(cx.violation(&CANNOT_OPEN, format!("{name} opens the transaction")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use mongodb::bson::doc;

    use super::*;
    use crate::rules::testing::{first, later, verdicts};

    #[test]
    fn catalog_and_admin_commands_are_refused_in_a_transaction() {
        let start = first(doc! { "find": "w" });
        let refused = [
            doc! { "listIndexes": "w" },
            doc! { "listCollections": 1 },
            doc! { "drop": "w" },
            doc! { "dropIndexes": "w", "index": "*" },
            doc! { "collMod": "w" },
            doc! { "renameCollection": "s.w", "to": "s.v", "$db": "admin" },
            doc! { "createUser": "u", "pwd": "p", "roles": [] },
            doc! { "ping": 1 },
        ];

        for command in refused {
            let verdict = verdicts(&[start.clone(), later(command.clone())]);
            assert_eq!(verdict[1].map(|rule| rule.code), Some(263), "{command}");
        }
    }

    #[test]
    fn count_and_explain_are_refused_and_crud_and_count_documents_are_not() {
        let count = later(doc! { "count": "w", "query": {} });
        let explain = later(doc! { "explain": { "find": "w" } });
        let explained = later(doc! { "aggregate": "w", "pipeline": [], "explain": true });
        let count_documents = later(doc! { "aggregate": "w", "pipeline": [{ "$match": {} }, { "$group": {
        "_id": 1, "n": { "$sum": 1 } } }], "cursor": {} });
        let crud = [
            later(doc! { "insert": "w", "documents": [{ "_id": 1 }] }),
            later(doc! { "findAndModify": "w", "query": {}, "update": { "$inc": { "n": 1 } } }),
            later(doc! { "bulkWrite": 1, "ops": [{ "insert": 0, "document": {} }], "nsInfo": [{ "ns": "s.w" }],
            "$db": "admin" }),
        ];

        let mut commands = vec![first(doc! { "find": "w" }), count, explain, explained, count_documents];
        commands.extend(crud);
        let expected =
            [None, Some(&COUNT_IN_TRANSACTION), Some(&EXPLAIN_IN_TRANSACTION), Some(&EXPLAIN_IN_TRANSACTION)];
        assert_eq!(verdicts(&commands), [&expected[..], &[None; 4]].concat());
    }

    #[test]
    fn informational_commands_and_kill_cursors_run_later_but_do_not_open_a_transaction() {
        let hello_first = first(doc! { "hello": 1 });
        let kill_first = first(doc! { "killCursors": "w", "cursors": [1_i64] });
        let later_ones = [
            first(doc! { "find": "w" }),
            later(doc! { "buildInfo": 1 }),
            later(doc! { "killCursors": "w",
            "cursors": [1_i64] }),
        ];

        assert_eq!(verdicts(&[hello_first]), [Some(&INFORMATIONAL_FIRST)]);
        assert_eq!(verdicts(&[kill_first]), [Some(&CANNOT_OPEN)]);
        assert_eq!(verdicts(&later_ones), [None, None, None]);
    }
}
