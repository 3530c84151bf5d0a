//! What a transaction may touch: "You cannot read/write to collections in the config, admin, or
//! local databases. You cannot write to system.* collections." (The server's
//! `canUseTransactions` also refuses reading `system.profile` and `system.views`.)
//! `commitTransaction` and `abortTransaction` run on `admin` by design, and a client `bulkWrite`
//! is sent to `admin` with its real namespaces in `nsInfo`.
//! <https://www.mongodb.com/docs/v8.0/core/transactions-operations/>

use super::commands::INFORMATIONAL;
use super::{bulk_namespaces, bulk_operations};
use crate::rules::{Context, Rule, Violation};

/// Databases and collections out of a transaction's reach.
/// <https://www.mongodb.com/docs/v8.0/core/transactions-operations/>
pub static OUT_OF_REACH: Rule = Rule::in_transaction(
    "a transaction touches no admin, config or local database and writes no system.* collection",
    "https://www.mongodb.com/docs/v8.0/core/transactions-operations/",
);

/// Commands that run on `admin` whatever the transaction touches, or name no collection of
/// their own (informational commands aside).
const NO_NAMESPACE: [&str; 5] = ["commitTransaction", "abortTransaction", "bulkWrite", "getMore", "killCursors"];

/// Checks the namespaces a command in a transaction reads or writes.
pub fn check(cx: &Context<'_>) -> Result<(), Violation> {
    let name = cx.name();
    let writes = matches!(name, "insert" | "update" | "delete" | "findAndModify" | "findandmodify" | "create");
    let mut touched: Vec<(String, bool)> = Vec::new();
    if name == "bulkWrite" {
        let namespaces = bulk_namespaces(cx.request);
        for (_, index, _) in bulk_operations(cx.request) {
            touched.extend(namespaces.get(index).map(|ns| (ns.clone(), true)));
        }
    } else if !NO_NAMESPACE.contains(&name) && !INFORMATIONAL.contains(&name) {
        let collection = cx.collection().unwrap_or("");
        touched.push((format!("{}.{collection}", cx.db()), writes));
    }
    for (namespace, written) in touched {
        let (db, collection) = namespace.split_once('.').unwrap_or((namespace.as_str(), ""));
        let detail = if matches!(db, "admin" | "config" | "local") {
            Some(format!("the {db} database ({namespace})"))
        } else if collection.starts_with("system.")
            && (written || matches!(collection, "system.profile" | "system.views"))
        {
            Some(format!("the collection {namespace}"))
        } else {
            None
        };
        if let Some(detail) = detail {
            return Err(cx.violation(&OUT_OF_REACH, detail));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use mongodb::bson::doc;

    use super::*;
    use crate::rules::testing::{first, later, verdicts};

    #[test]
    fn admin_config_and_local_and_system_writes_are_refused() {
        let refused = [
            first(doc! { "find": "users", "$db": "admin" }),
            first(doc! { "find": "chunks", "$db": "config" }),
            first(doc! { "find": "oplog.rs", "$db": "local" }),
            first(doc! { "insert": "system.js", "documents": [{ "_id": 1 }] }),
            first(doc! { "find": "system.profile" }),
            first(doc! { "bulkWrite": 1, "ops": [{ "insert": 0, "document": {} }], "nsInfo": [{ "ns": "config.x" }],
            "$db": "admin" }),
        ];

        for command in refused {
            assert_eq!(verdicts(std::slice::from_ref(&command)), [Some(&OUT_OF_REACH)], "{command}");
        }
    }

    #[test]
    fn user_collections_a_system_read_and_the_commit_on_admin_are_accepted() {
        let commands = [
            first(doc! { "find": "wallets" }),
            later(doc! { "find": "system.js" }),
            later(doc! { "bulkWrite": 1, "ops": [{ "update": 0, "filter": {}, "updateMods": {} }],
            "nsInfo": [{ "ns": "shop.wallets" }], "$db": "admin" }),
            later(doc! { "commitTransaction": 1, "$db": "admin" }),
        ];

        assert_eq!(verdicts(&commands), [None; 4]);
    }
}
