//! Builders and runners for unit tests of rules, MongoDB's and a team's own: commands dressed
//! as a transaction's first or later command, and the verdicts of one judge on a sequence.
//!
//! ```
//! use mongo_kit_test::rules::mongodb::stages::STAGE_IN_TRANSACTION;
//! use mongo_kit_test::rules::testing::{first, later, verdicts};
//! use mongodb::bson::doc;
//!
//! let read = first(doc! { "find": "orders", "filter": {} });
//! let union = later(doc! { "aggregate": "orders", "cursor": {}, "pipeline": [{ "$unionWith": "payments" }] });
//!
//! assert_eq!(verdicts(&[read, union]), [None, Some(&STAGE_IN_TRANSACTION)]);
//! ```

use mongodb::bson::{Binary, Document, doc, spec::BinarySubtype};

use super::context::CollectionFacts;
use super::judge::Judge;
use super::table::Rules;
use super::violation::Rule;
use crate::wire::Request;

/// `command` with the session fields of a transaction's first command (`$db` `s` unless set).
pub fn first(command: Document) -> Document {
    let mut command = later(command);
    command.insert("startTransaction", true);
    command
}

/// `command` with the session fields of a later command of the same transaction.
pub fn later(mut command: Document) -> Document {
    command.insert("lsid", doc! { "id": Binary { subtype: BinarySubtype::Uuid, bytes: vec![7; 16] } });
    command.insert("txnNumber", 1_i64);
    command.insert("autocommit", false);
    if !command.contains_key("$db") {
        command.insert("$db", "s");
    }
    command
}

/// The MongoDB rule each command breaks (`None`: accepted), judged in order by one judge.
pub fn verdicts(commands: &[Document]) -> Vec<Option<&'static Rule>> {
    verdicts_of(&Rules::mongodb(), commands, None)
}

/// Like [`verdicts`], with `facts` as the catalog's answer wherever one is asked for.
pub fn verdicts_with(commands: &[Document], facts: &CollectionFacts) -> Vec<Option<&'static Rule>> {
    verdicts_of(&Rules::mongodb(), commands, Some(facts))
}

/// The MongoDB rule `request` breaks, judged alone.
pub fn verdict_of(request: &Request) -> Option<&'static Rule> {
    Judge::default().judge(request, None).err().map(|violation| violation.rule)
}

/// The rule of `rules` each command breaks (`None`: accepted), judged in order by one judge,
/// with `facts` as the catalog's answer wherever one is asked for.
pub fn verdicts_of(
    rules: &Rules,
    commands: &[Document],
    facts: Option<&CollectionFacts>,
) -> Vec<Option<&'static Rule>> {
    let mut judge = Judge::new(rules.clone());
    commands
        .iter()
        .map(|command| {
            let request = Request::from_body(command.clone());
            let facts = judge.needs_catalog(&request).and(facts);
            judge.judge(&request, facts).err().map(|violation| violation.rule)
        })
        .collect()
}
