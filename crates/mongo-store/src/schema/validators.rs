//! `$jsonSchema` validators: the storage shapes of `documents`, enforced by the server as a second
//! line of defence (the domain validates first). Money and versions must be Int64, ids binary,
//! times dates, and balances and prices never negative.

use bson::{Document, doc};

use crate::collections::names;

fn schema(required: &[&str], properties: Document) -> Document {
    doc! {
        "$jsonSchema": {
            "bsonType": "object",
            "required": required,
            "properties": properties,
        }
    }
}

fn base(extra: Document) -> Document {
    let mut properties = doc! {
        "_id": { "bsonType": "binData" },
        "schema_version": { "bsonType": "int", "minimum": 1 },
    };
    properties.extend(extra);
    properties
}

/// The validator of `collection`, if it has one.
pub fn validator(collection: &str) -> Option<Document> {
    let money = doc! { "bsonType": "long", "minimum": 0_i64 };
    let version = doc! { "bsonType": "long", "minimum": 1_i64 };
    let date = doc! { "bsonType": "date" };
    let text = doc! { "bsonType": "string" };
    let uuid = doc! { "bsonType": "binData" };
    Some(match collection {
        names::PRODUCTS => {
            let mut products = schema(
                &products_required(),
                base(doc! {
                    "sku": &text, "name": &text, "category": &text, "price_minor": &money, "currency": &text,
                    "attributes": { "bsonType": "object" }, "tags": { "bsonType": "array", "items": &text },
                    "version": &version, "created_at": &date, "updated_at": &date,
                }),
            );
            // Both layouts are valid while the price migration may be pending: version 1 with a
            // floating-point `price` in major units, version 2 with Int64 `price_minor`.
            if let Ok(json_schema) = products.get_document_mut("$jsonSchema") {
                json_schema.insert("anyOf", product_layouts());
            }
            products
        }
        names::WALLETS => schema(
            &["_id", "schema_version", "owner", "currency", "balance_minor", "version", "created_at"],
            base(doc! {
                "owner": &text, "currency": &text, "balance_minor": &money, "version": &version, "created_at": &date,
                "opening_balance_minor": &money,
            }),
        ),
        names::LEDGER => schema(
            &["_id", "schema_version", "wallet_id", "transfer_id", "delta_minor", "balance_after_minor", "created_at"],
            base(doc! {
                "wallet_id": &uuid, "transfer_id": &uuid, "delta_minor": { "bsonType": "long" },
                "balance_after_minor": &money, "created_at": &date,
            }),
        ),
        names::TRANSFERS => schema(
            &[
                "_id",
                "schema_version",
                "from_wallet_id",
                "to_wallet_id",
                "amount_minor",
                "currency",
                "status",
                "created_at",
            ],
            base(doc! {
                "from_wallet_id": &uuid, "to_wallet_id": &uuid, "amount_minor": { "bsonType": "long", "minimum": 1_i64 },
                "currency": &text, "status": { "enum": ["completed"] }, "created_at": &date,
            }),
        ),
        names::IDEMPOTENCY_KEYS => schema(
            &["_id", "schema_version", "fingerprint", "created_at", "expires_at"],
            doc! {
                "_id": { "bsonType": "object", "required": ["scope", "key"] },
                "schema_version": { "bsonType": "int", "minimum": 1 },
                "fingerprint": &text, "response": { "bsonType": "object" }, "created_at": &date, "expires_at": &date,
            },
        ),
        names::AUDIT => schema(
            &["_id", "schema_version", "at", "actor", "action", "subject", "request_id", "details"],
            base(doc! {
                "at": &date, "actor": &text, "action": &text, "subject": &text, "request_id": &text,
                "details": { "bsonType": "object" },
            }),
        ),
        names::SESSIONS => schema(
            &["_id", "schema_version", "user_id", "created_at", "expires_at"],
            doc! {
                "_id": &text, "schema_version": { "bsonType": "int", "minimum": 1 },
                "user_id": &uuid, "created_at": &date, "expires_at": &date,
            },
        ),
        names::FEEDS => schema(
            &["_id", "schema_version", "product_ids", "generated_at"],
            base(doc! { "product_ids": { "bsonType": "array", "items": &uuid }, "generated_at": &date }),
        ),
        _ => return None,
    })
}

fn products_required() -> Vec<&'static str> {
    vec![
        "_id",
        "schema_version",
        "sku",
        "name",
        "category",
        "currency",
        "attributes",
        "tags",
        "version",
        "created_at",
        "updated_at",
    ]
}

/// The accepted product layouts, one per readable `schema_version`.
fn product_layouts() -> Vec<Document> {
    let layout = |version: i32, price_field: &str, price: Document| {
        doc! {
            "required": [price_field],
            "properties": {
                "schema_version": { "bsonType": "int", "minimum": version, "maximum": version },
                price_field: price,
            },
        }
    };
    vec![
        layout(1, "price", doc! { "bsonType": ["double", "int", "long", "decimal"], "minimum": 0 }),
        layout(2, "price_minor", doc! { "bsonType": "long", "minimum": 0_i64 }),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::documents::PRODUCT_FIELDS;

    #[test]
    fn every_data_collection_has_a_validator() {
        for name in names::ALL.into_iter().filter(|n| *n != names::STARTUP_PROBE) {
            assert!(validator(name).is_some(), "{name} has no validator");
        }
    }

    fn names(array: &bson::Array) -> Vec<&str> {
        array.iter().filter_map(bson::Bson::as_str).collect()
    }

    #[test]
    fn the_products_validator_covers_exactly_the_stored_product_fields() {
        let validator = validator(names::PRODUCTS).expect("products have a validator");
        let json_schema = validator.get_document("$jsonSchema").expect("a $jsonSchema");
        let listed: Vec<&str> = PRODUCT_FIELDS.iter().map(|(name, _)| *name).collect();

        let mut properties: Vec<&str> =
            json_schema.get_document("properties").expect("properties").keys().map(String::as_str).collect();
        let layouts = json_schema.get_array("anyOf").expect("one schema per layout");
        for layout in layouts.iter().filter_map(bson::Bson::as_document) {
            let own = layout.get_document("properties").expect("a layout's properties");
            properties.extend(own.keys().map(String::as_str).filter(|name| *name != "schema_version"));
        }
        properties.sort_unstable();
        properties.dedup();
        let mut sorted = listed.clone();
        sorted.sort_unstable();
        assert_eq!(properties, sorted, "the validator's properties are not the stored product's fields");

        // Every field is required, except the price, which each layout requires in its own form.
        let per_layout: Vec<&str> = layouts
            .iter()
            .filter_map(bson::Bson::as_document)
            .flat_map(|l| names(l.get_array("required").expect("required")))
            .collect();
        let required = names(json_schema.get_array("required").expect("required fields"));
        let expected: Vec<&str> = listed.iter().copied().filter(|name| !per_layout.contains(name)).collect();
        assert_eq!(required, expected);
        assert_eq!(per_layout, ["price", "price_minor"]);
    }

    #[test]
    fn products_validator_accepts_both_price_layouts_and_requires_no_price_field_outright() {
        let validator = validator(names::PRODUCTS).expect("products have a validator");
        let json_schema = validator.get_document("$jsonSchema").expect("a $jsonSchema");
        let required = json_schema.get_array("required").expect("required fields");
        assert!(!required.iter().any(|f| f.as_str() == Some("price_minor") || f.as_str() == Some("price")));
        assert_eq!(json_schema.get_array("anyOf").map(Vec::len).ok(), Some(2));
    }
}
