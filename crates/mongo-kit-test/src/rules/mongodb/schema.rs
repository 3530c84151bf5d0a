//! `$jsonSchema` in collection validators (`create`, `collMod`): MongoDB implements draft 4 of
//! JSON Schema with omissions, and refuses a validator that uses them. A test server that
//! ignores validators accepts anything.
//!
//! Manual, "Omissions": <https://www.mongodb.com/docs/v8.0/reference/operator/query/jsonSchema/#omissions>.

use mongodb::bson::{Bson, Document};

use crate::rules::{Context, Rule, Violation};

/// The keywords MongoDB omits, the `integer` type, and unknown keywords (the server answers
/// `FailedToParse`, "Unknown $jsonSchema keyword").
/// <https://www.mongodb.com/docs/v8.0/reference/operator/query/jsonSchema/#omissions>
pub static OMITTED_KEYWORD: Rule = Rule {
    name: "a $jsonSchema uses only the keywords MongoDB implements",
    manual: "https://www.mongodb.com/docs/v8.0/reference/operator/query/jsonSchema/#omissions",
    code: 9,
    code_name: "FailedToParse",
};

/// Draft-4 keywords MongoDB leaves out on purpose.
const OMITTED: [&str; 6] = ["$ref", "$schema", "default", "definitions", "format", "id"];

/// The keywords MongoDB implements ("Available Keywords", plus `bsonType` and the
/// field-level encryption keywords).
const KNOWN: [&str; 31] = [
    "bsonType",
    "enum",
    "type",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "multipleOf",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxProperties",
    "minProperties",
    "required",
    "additionalProperties",
    "properties",
    "patternProperties",
    "dependencies",
    "additionalItems",
    "items",
    "maxItems",
    "minItems",
    "uniqueItems",
    "title",
    "description",
    "encrypt",
    "encryptMetadata",
];

/// Checks every `$jsonSchema` in the validator of a `create` or `collMod`.
pub fn check(cx: &Context<'_>) -> Result<(), Violation> {
    if !matches!(cx.name(), "create" | "collMod") {
        return Ok(());
    }
    let Ok(validator) = cx.body().get_document("validator") else { return Ok(()) };
    find_schemas(validator, "validator").into_iter().try_for_each(|(path, schema)| {
        check_schema(schema, &path).map_err(|detail| cx.violation(&OMITTED_KEYWORD, detail))
    })
}

/// Every `$jsonSchema` of a query expression, with its path (they may sit under `$and` and the
/// like).
fn find_schemas<'a>(expression: &'a Document, path: &str) -> Vec<(String, &'a Document)> {
    let mut found = Vec::new();
    for (key, value) in expression {
        let here = format!("{path}.{key}");
        match value {
            Bson::Document(schema) if key == "$jsonSchema" => found.push((here, schema)),
            Bson::Document(inner) => found.extend(find_schemas(inner, &here)),
            Bson::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    if let Bson::Document(inner) = item {
                        found.extend(find_schemas(inner, &format!("{here}[{i}]")));
                    }
                }
            }
            _ => {}
        }
    }
    found
}

/// Checks one schema object and every schema nested in it; the error says where and what.
fn check_schema(schema: &Document, path: &str) -> Result<(), String> {
    for (keyword, value) in schema {
        let here = format!("{path}.{keyword}");
        if OMITTED.contains(&keyword.as_str()) {
            return Err(format!("{here}: MongoDB omits the keyword `{keyword}`"));
        }
        if !KNOWN.contains(&keyword.as_str()) {
            return Err(format!("{here}: `{keyword}` is not a $jsonSchema keyword MongoDB knows"));
        }
        match (keyword.as_str(), value) {
            ("type", types) if names_integer(types) => {
                return Err(format!("{here}: MongoDB has no `integer` type; use bsonType \"int\" or \"long\""));
            }
            ("properties" | "patternProperties" | "dependencies", Bson::Document(members)) => {
                for (member, inner) in members {
                    if let Bson::Document(inner) = inner {
                        check_schema(inner, &format!("{here}.{member}"))?;
                    }
                }
            }
            ("allOf" | "anyOf" | "oneOf" | "items", Bson::Array(schemas)) => {
                for (i, inner) in schemas.iter().enumerate() {
                    if let Bson::Document(inner) = inner {
                        check_schema(inner, &format!("{here}[{i}]"))?;
                    }
                }
            }
            ("not" | "items" | "additionalProperties" | "additionalItems", Bson::Document(inner)) => {
                check_schema(inner, &here)?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// Whether a `type` value names `integer`.
fn names_integer(types: &Bson) -> bool {
    match types {
        Bson::String(name) => name == "integer",
        Bson::Array(names) => names.iter().any(|name| name.as_str() == Some("integer")),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use mongodb::bson::doc;

    use super::*;
    use crate::rules::testing::verdicts;

    fn create(schema: Document) -> Document {
        doc! { "create": "products", "validator": { "$jsonSchema": schema }, "$db": "s" }
    }

    #[test]
    fn omitted_keywords_the_integer_type_and_unknown_keywords_are_refused() {
        let refused = [
            doc! { "properties": { "sku": { "bsonType": "string", "format": "uuid" } } },
            doc! { "$schema": "http://json-schema.org/draft-04/schema#" },
            doc! { "properties": { "n": { "type": "integer" } } },
            doc! { "anyOf": [{ "required": ["a"] }, { "default": 1 }] },
            doc! { "properties": { "a": { "minimum": 0, "unevaluatedProperties": false } } },
        ];

        for schema in refused {
            assert_eq!(verdicts(&[create(schema.clone())]), [Some(&OMITTED_KEYWORD)], "{schema}");
        }
    }

    #[test]
    fn a_schema_of_implemented_keywords_is_accepted_also_under_and_and_in_coll_mod() {
        let schema = doc! {
            "bsonType": "object", "required": ["sku", "price_minor"], "additionalProperties": true,
            "properties": { "sku": { "bsonType": "string", "minLength": 1, "description": "the sku" },
                "price_minor": { "bsonType": ["int", "long"], "minimum": 0 },
                "tags": { "bsonType": "array", "items": { "bsonType": "string" } } },
        };
        let coll_mod =
            doc! { "collMod": "products", "validator": { "$and": [{ "$jsonSchema": schema.clone() }] }, "$db": "s" };
        let hidden = doc! { "collMod": "products", "validator": { "$and": [{ "$jsonSchema": { "id": "x" } }] },
        "$db": "s" };

        assert_eq!(verdicts(&[create(schema), coll_mod, hidden]), [None, None, Some(&OMITTED_KEYWORD)]);
    }
}
