//! Whether the validator a collection has on the server is the one declared in `validators`.
//!
//! Start-up compares before it runs `collMod`, for two reasons: a collection whose validator is
//! already in step needs no privilege beyond listing it, and when the server does hold another
//! validator and refuses the update, start-up can say exactly which collection is enforcing a
//! stale one instead of silently leaving it. The comparison is by meaning, not by bytes: a
//! validator set by hand from mongosh holds doubles where the declaration holds Int64, and field
//! order inside a document carries no meaning for `$jsonSchema`.

use std::collections::HashMap;

use bson::{Bson, Document, doc};
use futures::TryStreamExt as _;
use mongodb::Database;

use crate::error::Result;

/// Each listed collection's `options` (from `listCollections`), by collection name.
///
/// # Errors
/// [`crate::Error::Driver`] when the server cannot list the collections.
pub(super) async fn listed_options(database: &Database, names: &[&str]) -> Result<HashMap<String, Document>> {
    // Raw documents: the driver's typed specification refuses the odd `info` some
    // MongoDB-compatible servers answer, and only `name` and `options` matter here.
    let command = doc! { "listCollections": 1, "filter": { "name": { "$in": names } } };
    let listed: Vec<Document> = database.run_cursor_command(command).await?.try_collect().await?;
    Ok(listed
        .into_iter()
        .filter_map(|spec| {
            let name = spec.get_str("name").ok()?.to_owned();
            let options = spec.get_document("options").cloned().unwrap_or_default();
            Some((name, options))
        })
        .collect())
}

/// How the server's validator of one collection relates to the declared one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Drift {
    /// The same validator, enforced strictly with errors.
    InStep,
    /// The server lists no validator at all.
    Missing,
    /// Another validator, or the declared one at a weaker level or action.
    Different,
}

impl Drift {
    /// How a warning describes what the server holds.
    pub(super) fn describe(self) -> &'static str {
        match self {
            Self::InStep => "the declared validator",
            Self::Missing => "no validator",
            Self::Different => "another validator (or a weaker validationLevel or validationAction)",
        }
    }
}

/// Compares `declared` with a collection's listed `options`.
pub(super) fn drift(declared: &Document, options: &Document) -> Drift {
    let Ok(server) = options.get_document("validator") else { return Drift::Missing };
    // MongoDB's defaults when a collection lists no level or action: strict, error.
    let level = options.get_str("validationLevel").unwrap_or("strict");
    let action = options.get_str("validationAction").unwrap_or("error");
    if same_documents(declared, server) && level == "strict" && action == "error" {
        Drift::InStep
    } else {
        Drift::Different
    }
}

fn same_documents(left: &Document, right: &Document) -> bool {
    left.len() == right.len() && left.iter().all(|(key, value)| right.get(key).is_some_and(|other| same(value, other)))
}

/// Equal in meaning: numbers by value whatever their BSON type, documents whatever their field
/// order, arrays element by element (an `enum` or `required` list keeps its order on the server).
fn same(left: &Bson, right: &Bson) -> bool {
    match (left, right) {
        (Bson::Document(a), Bson::Document(b)) => same_documents(a, b),
        (Bson::Array(a), Bson::Array(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y)),
        _ => match (number(left), number(right)) {
            (Some(a), Some(b)) => (a - b).abs() < f64::EPSILON,
            _ => left == right,
        },
    }
}

#[expect(clippy::cast_precision_loss, reason = "validator bounds are small numbers")]
fn number(value: &Bson) -> Option<f64> {
    match value {
        Bson::Int32(n) => Some(f64::from(*n)),
        Bson::Int64(n) => Some(*n as f64),
        Bson::Double(n) => Some(*n),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    fn declared() -> Document {
        doc! { "$jsonSchema": {
            "bsonType": "object",
            "required": ["_id", "customer", "amount_minor"],
            "properties": { "amount_minor": { "bsonType": "long", "minimum": 0_i64 } },
        } }
    }

    #[test]
    fn the_declared_validator_listed_strictly_is_in_step_and_absent_options_mean_strict() {
        let explicit = doc! { "validator": declared(), "validationLevel": "strict", "validationAction": "error" };
        assert_eq!(drift(&declared(), &explicit), Drift::InStep);
        assert_eq!(drift(&declared(), &doc! { "validator": declared() }), Drift::InStep);
    }

    #[test]
    fn no_validator_another_one_or_a_weaker_action_is_drift() {
        let stale = doc! { "$jsonSchema": { "bsonType": "object", "required": ["customer"] } };
        assert_eq!(drift(&declared(), &doc! {}), Drift::Missing);
        assert_eq!(drift(&declared(), &doc! { "validator": stale }), Drift::Different);
        let warn = doc! { "validator": declared(), "validationAction": "warn" };
        assert_eq!(drift(&declared(), &warn), Drift::Different);
        let moderate = doc! { "validator": declared(), "validationLevel": "moderate" };
        assert_eq!(drift(&declared(), &moderate), Drift::Different);
    }

    #[test]
    fn numbers_compare_by_value_and_fields_in_any_order_but_arrays_in_order() {
        let a = doc! { "x": { "minimum": 0_i64, "bsonType": "long" }, "required": ["a", "b"] };
        let b = doc! { "required": ["a", "b"], "x": { "bsonType": "long", "minimum": 0.0 } };
        let c = doc! { "required": ["b", "a"], "x": { "bsonType": "long", "minimum": 0 } };
        let d = doc! { "required": ["a", "b"], "x": { "bsonType": "long", "minimum": 1 } };
        assert!(same_documents(&a, &b));
        assert!(!same_documents(&a, &c));
        assert!(!same_documents(&a, &d));
        assert!(!same_documents(&a, &doc! { "required": ["a", "b"] }));
    }
}
