//! Query shapes: a command with every value replaced by `?`, for the slow-operation log.
//!
//! A shape keeps what an operator needs to find the index a query lacks (field names, operators,
//! sort keys, pipeline stages) and nothing a log must not hold: no values (owners, user ids, token
//! hashes, prices), no inserted documents (only their count), and no keys of free-form maps
//! (free-form attributes, audit details), whose names are the client's input.

use std::fmt::Write as _;

use bson::{Bson, Document};

/// Longest shape rendered; a longer one ends with `…`.
const MAX_LEN: usize = 400;

/// Fields that carry driver plumbing, not the query.
const PLUMBING: [&str; 12] = [
    "lsid",
    "txnNumber",
    "autocommit",
    "startTransaction",
    "readConcern",
    "writeConcern",
    "maxTimeMS",
    "cursor",
    "ordered",
    "recoveryToken",
    "apiVersion",
    "comment",
];

/// Fields whose keys are free-form input: their contents are shown as `?` whole.
const FREE_FORM: [&str; 2] = ["attributes", "details"];

/// Fields holding whole documents to store (`insert`, and the operations of a client-level
/// `bulkWrite`): shown as a count, since their field names may be a client's keys.
const PAYLOADS: [&str; 2] = ["documents", "document"];

/// The shape of `command`, without its name and collection (the first field) and without
/// plumbing: `{filter: {sku: ?, price_minor: {$gte: ?}}, sort: {created_at: ?}, limit: ?}`.
pub(crate) fn command_shape(command: &Document) -> String {
    let mut out = String::from("{");
    let fields = command.iter().skip(1).filter(|(key, _)| !key.starts_with('$') && !PLUMBING.contains(&key.as_str()));
    for (index, (key, value)) in fields.enumerate() {
        if index > 0 {
            out.push_str(", ");
        }
        out.push_str(key);
        out.push_str(": ");
        field_shape(key, value, &mut out);
        if out.len() > MAX_LEN {
            break;
        }
    }
    out.push('}');
    truncate(out)
}

fn field_shape(key: &str, value: &Bson, out: &mut String) {
    if PAYLOADS.contains(&key) {
        let count = value.as_array().map_or(1, Vec::len);
        let _ = write!(out, "[{count} documents]");
    } else {
        value_shape(value, out);
    }
}

fn value_shape(value: &Bson, out: &mut String) {
    match value {
        Bson::Document(document) => document_shape(document, out),
        Bson::Array(items) => {
            out.push('[');
            if let Some(first) = items.first() {
                value_shape(first, out);
                if items.len() > 1 {
                    let _ = write!(out, " ×{}", items.len());
                }
            }
            out.push(']');
        }
        _ => out.push('?'),
    }
}

fn document_shape(document: &Document, out: &mut String) {
    out.push('{');
    for (index, (key, value)) in document.iter().enumerate() {
        if index > 0 {
            out.push_str(", ");
        }
        match free_form_prefix(key) {
            Some(prefix) => {
                // `attributes.color` names a client's key: keep only the map's own name.
                let _ = write!(out, "{prefix}.?: ");
                value_shape_scalar(value, out);
            }
            None if FREE_FORM.contains(&key.as_str()) => {
                let _ = write!(out, "{key}: ?");
            }
            None => {
                out.push_str(key);
                out.push_str(": ");
                field_shape(key, value, out);
            }
        }
        if out.len() > MAX_LEN {
            break;
        }
    }
    out.push('}');
}

/// Under a free-form key an operator document stays visible (`{$exists: ?}`) but no key below it.
fn value_shape_scalar(value: &Bson, out: &mut String) {
    match value {
        Bson::Document(document) if document.keys().all(|key| key.starts_with('$')) => document_shape(document, out),
        _ => out.push('?'),
    }
}

fn free_form_prefix(key: &str) -> Option<&'static str> {
    FREE_FORM.into_iter().find(|prefix| key.strip_prefix(prefix).is_some_and(|rest| rest.starts_with('.')))
}

fn truncate(mut shape: String) -> String {
    if shape.len() > MAX_LEN {
        let mut end = MAX_LEN;
        while !shape.is_char_boundary(end) {
            end -= 1;
        }
        shape.truncate(end);
        shape.push('…');
    }
    shape
}

#[cfg(test)]
mod tests {
    use bson::doc;

    use super::*;

    #[test]
    fn a_find_keeps_fields_and_operators_and_hides_values() {
        let command = doc! {
            "find": "orders",
            "filter": { "category": "books", "price_minor": { "$gte": 100_i64, "$lt": 900_i64 } },
            "sort": { "created_at": -1 },
            "limit": 20,
            "lsid": { "id": 1 },
            "$db": "orders_service",
        };

        let shape = command_shape(&command);

        assert_eq!(shape, "{filter: {category: ?, price_minor: {$gte: ?, $lt: ?}}, sort: {created_at: ?}, limit: ?}");
    }

    #[test]
    fn inserted_documents_are_counted_never_shown() {
        let command = doc! { "insert": "payments", "documents": [{ "owner": "Ada Lovelace" }, { "owner": "Grace" }] };

        let shape = command_shape(&command);

        assert_eq!(shape, "{documents: [2 documents]}");
        assert!(!shape.contains("Ada"));
    }

    #[test]
    fn documents_inside_bulk_write_operations_are_counted_never_shown() {
        let command = doc! { "bulkWrite": 1, "ops": [{ "insert": 0, "document": { "owner": "Ada" } }] };

        let shape = command_shape(&command);

        assert_eq!(shape, "{ops: [{insert: ?, document: [1 documents]}]}");
    }

    #[test]
    fn free_form_keys_and_values_are_hidden() {
        let command = doc! {
            "update": "orders",
            "updates": [{
                "q": { "attributes.secret-key": { "$exists": true }, "_id": "x" },
                "u": { "$set": { "attributes": { "colour": "red" }, "name": "Lamp" } },
            }],
        };

        let shape = command_shape(&command);

        assert_eq!(
            shape,
            "{updates: [{q: {attributes.?: {$exists: ?}, _id: ?}, u: {$set: {attributes: ?, name: ?}}}]}"
        );
        assert!(!shape.contains("secret-key") && !shape.contains("colour") && !shape.contains("Lamp"));
    }

    #[test]
    fn arrays_show_their_first_element_and_their_length() {
        let command = doc! {
            "aggregate": "orders",
            "pipeline": [{ "$match": { "tags": { "$in": ["a", "b"] } } }, { "$group": { "_id": "$category" } }],
        };

        let shape = command_shape(&command);

        assert_eq!(shape, "{pipeline: [{$match: {tags: {$in: [? ×2]}}} ×2]}");
    }

    #[test]
    fn long_shapes_are_cut() {
        let mut filter = Document::new();
        for index in 0..200 {
            filter.insert(format!("field_{index}"), index);
        }

        let shape = command_shape(&doc! { "find": "orders", "filter": filter });

        assert!(shape.chars().count() <= MAX_LEN + 1 && shape.ends_with('…'), "{shape}");
    }
}
