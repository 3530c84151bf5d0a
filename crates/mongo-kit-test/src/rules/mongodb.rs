//! MongoDB 8.0's rules: the table [`TABLE`] that [`Rules::mongodb`](super::Rules::mongodb)
//! starts from, one family of rules per module, each rule citing the manual page that states it.
//!
//! | family | where | rules |
//! |---|---|---|
//! | `limits` | every request | [`limits::BATCH`], [`limits::DOCUMENT_SIZE`], [`limits::MESSAGE_SIZE`] |
//! | `concerns` | every request | [`concerns::READ_CONCERN_AFTER_START`], [`concerns::READ_LEVEL_IN_TRANSACTION`], [`concerns::WRITE_CONCERN_IN_TRANSACTION`], [`concerns::UNACKNOWLEDGED_TRANSACTION`], [`concerns::SNAPSHOT_OUTSIDE_TRANSACTION`] |
//! | `schema` | every request | [`schema::OMITTED_KEYWORD`] |
//! | `cursors` | every request | [`cursors::OPENED_OUTSIDE`], [`cursors::OPENED_INSIDE`], [`cursors::OPENED_IN_ANOTHER`] |
//! | `commands` | in a transaction | [`commands::NOT_IN_TRANSACTION`], [`commands::COUNT_IN_TRANSACTION`], [`commands::EXPLAIN_IN_TRANSACTION`], [`commands::INFORMATIONAL_FIRST`], [`commands::CANNOT_OPEN`] |
//! | `namespaces` | in a transaction | [`namespaces::OUT_OF_REACH`] |
//! | `stages` | in a transaction | [`stages::STAGE_IN_TRANSACTION`] |
//! | `ddl` | in a transaction | [`ddl::DDL_READ_CONCERN`], [`ddl::INDEX_ON_EXISTING`] |
//!
//! Each rule's own documentation quotes its page and links it; the violation's message carries
//! the link too. A team's own rules go in a [`Check`] of its own, added with
//! [`Rules::with`](super::Rules::with).

pub mod commands;
pub mod concerns;
pub mod cursors;
pub mod ddl;
pub mod limits;
pub mod namespaces;
pub mod schema;
pub mod stages;

use mongodb::bson::Bson;

use super::{Check, Scope};
use crate::wire::Request;

/// MongoDB 8.0's rules, in the order they are checked: the limits and concerns of every request
/// first, the transaction-only families after.
pub static TABLE: [Check; 8] = [
    Check {
        family: "limits",
        scope: Scope::Everywhere,
        rules: &[&limits::BATCH, &limits::DOCUMENT_SIZE, &limits::MESSAGE_SIZE],
        check: limits::check,
    },
    Check {
        family: "concerns",
        scope: Scope::Everywhere,
        rules: &[
            &concerns::READ_CONCERN_AFTER_START,
            &concerns::READ_LEVEL_IN_TRANSACTION,
            &concerns::WRITE_CONCERN_IN_TRANSACTION,
            &concerns::UNACKNOWLEDGED_TRANSACTION,
            &concerns::SNAPSHOT_OUTSIDE_TRANSACTION,
        ],
        check: concerns::check,
    },
    Check { family: "schema", scope: Scope::Everywhere, rules: &[&schema::OMITTED_KEYWORD], check: schema::check },
    Check {
        family: "cursors",
        scope: Scope::Everywhere,
        rules: &[&cursors::OPENED_OUTSIDE, &cursors::OPENED_INSIDE, &cursors::OPENED_IN_ANOTHER],
        check: cursors::check,
    },
    Check {
        family: "commands",
        scope: Scope::InTransaction,
        rules: &[
            &commands::NOT_IN_TRANSACTION,
            &commands::COUNT_IN_TRANSACTION,
            &commands::EXPLAIN_IN_TRANSACTION,
            &commands::INFORMATIONAL_FIRST,
            &commands::CANNOT_OPEN,
        ],
        check: commands::check,
    },
    Check {
        family: "namespaces",
        scope: Scope::InTransaction,
        rules: &[&namespaces::OUT_OF_REACH],
        check: namespaces::check,
    },
    Check {
        family: "stages",
        scope: Scope::InTransaction,
        rules: &[&stages::STAGE_IN_TRANSACTION],
        check: stages::check,
    },
    Check {
        family: "ddl",
        scope: Scope::InTransaction,
        rules: &[&ddl::DDL_READ_CONCERN, &ddl::INDEX_ON_EXISTING],
        check: ddl::check,
    },
];

/// A number of any BSON numeric type, as the server reads numeric options.
pub fn number(value: &Bson) -> Option<f64> {
    match value {
        Bson::Int32(n) => Some(f64::from(*n)),
        Bson::Int64(n) => Some(*n as f64),
        Bson::Double(n) => Some(*n),
        _ => None,
    }
}

/// The namespaces (`db.coll`) a client-level `bulkWrite` writes to, by `nsInfo` index.
pub fn bulk_namespaces(request: &Request) -> Vec<String> {
    request.documents("nsInfo").iter().filter_map(|info| info.get_str("ns").ok().map(str::to_owned)).collect()
}

/// For each operation of a client-level `bulkWrite`: its kind (`insert`, `update`, `delete`),
/// its namespace's index in `nsInfo`, and whether it is an upsert.
pub fn bulk_operations(request: &Request) -> Vec<(&'static str, usize, bool)> {
    request
        .documents("ops")
        .iter()
        .filter_map(|op| {
            let (kind, index) = ["insert", "update", "delete"]
                .into_iter()
                .find_map(|kind| op.get(kind).and_then(number).map(|index| (kind, index)))?;
            // An index into `nsInfo`: small and not negative in any request a driver sends.
            Some((kind, index as usize, op.get_bool("upsert").ok() == Some(true)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_of_the_table_cites_a_page_of_mongodbs_manual_and_appears_once() {
        let rules: Vec<_> = TABLE.iter().flat_map(|check| check.rules.iter()).collect();

        for rule in &rules {
            assert!(rule.manual.starts_with("https://www.mongodb.com/docs/"), "{rule:?}");
        }
        let mut names: Vec<_> = rules.iter().map(|rule| rule.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), rules.len(), "a rule is listed twice");
    }
}
