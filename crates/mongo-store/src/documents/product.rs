//! The `products` collection, and free-form attributes as BSON.
//!
//! Layout versions: 1 held the price as a floating-point amount in major units (`price: 19.99`);
//! 2, written since, holds integer minor units (`price_minor: 1999`, Int64). Both carry
//! `currency`. Readers accept both while the `products_price_minor_units` migration is pending;
//! queries that filter or sort on `price_minor` (listing ranges, category statistics) see only
//! migrated documents, so run `shop migrate up` after deploying.

use std::collections::BTreeMap;

use bson::{Bson, Document};
use domain::money::minor_from_major;
use domain::product::{AttributeValue, Attributes, Category, Product, ProductDraft, ProductName, Sku, parse_tags};
use domain::{Currency, Money, ProductId};
use serde::{Deserialize, Serialize};

use super::{StoredUuid, invalid, read_time, read_u64, read_uuid, stored_time, stored_u64, stored_uuid};

/// The layout products are written in: integer minor units.
pub const PRODUCT_SCHEMA_VERSION: i32 = 2;

/// The oldest product layout readers accept: floating-point major units, converted on read.
pub const PRODUCT_OLDEST_READABLE_VERSION: i32 = 1;

/// What `price_minor` holds after reading a document that has none (a version 1 document); never
/// a valid amount, so a version 2 document without the field is reported, not read as free.
const PRICE_MINOR_MISSING: i64 = i64::MIN;

fn price_minor_missing() -> i64 {
    PRICE_MINOR_MISSING
}

/// A stored product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductDoc {
    /// The product id (binary subtype 4).
    #[serde(rename = "_id")]
    pub id: StoredUuid,
    /// Document layout version.
    pub schema_version: i32,
    /// Unique sku.
    pub sku: String,
    /// Display name.
    pub name: String,
    /// Category.
    pub category: String,
    /// Price in minor units (Int64); absent from version 1 documents.
    #[serde(default = "price_minor_missing")]
    pub price_minor: i64,
    /// Version 1 only: the price as a floating-point amount in major units. Never written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<f64>,
    /// ISO-4217 code of the price.
    pub currency: String,
    /// Free-form attributes.
    pub attributes: Document,
    /// Tags.
    pub tags: Vec<String>,
    /// Optimistic-concurrency version (Int64).
    pub version: i64,
    /// When created.
    pub created_at: bson::DateTime,
    /// When last changed.
    pub updated_at: bson::DateTime,
}

impl From<&Product> for ProductDoc {
    fn from(product: &Product) -> Self {
        Self {
            id: stored_uuid(product.id.as_uuid()),
            schema_version: PRODUCT_SCHEMA_VERSION,
            sku: product.sku.as_str().to_owned(),
            name: product.name.as_str().to_owned(),
            category: product.category.as_str().to_owned(),
            price_minor: product.price.minor(),
            price: None,
            currency: product.price.currency().as_str().to_owned(),
            attributes: attributes_to_document(&product.attributes),
            tags: product.tags.iter().map(|t| t.as_str().to_owned()).collect(),
            version: stored_u64(product.version),
            created_at: stored_time(product.created_at),
            updated_at: stored_time(product.updated_at),
        }
    }
}

impl TryFrom<ProductDoc> for Product {
    type Error = domain::Error;

    fn try_from(doc: ProductDoc) -> Result<Self, Self::Error> {
        let id = ProductId::from_uuid(read_uuid(&doc.id));
        let bad = |e: domain::ValidationError| invalid("product", id, e);
        let currency = Currency::parse(&doc.currency).map_err(bad)?;
        let price = match (doc.schema_version, doc.price) {
            (PRODUCT_OLDEST_READABLE_VERSION, Some(major)) => {
                minor_from_major("price", major, currency).map_err(bad)?
            }
            (PRODUCT_OLDEST_READABLE_VERSION, None) => {
                return Err(invalid("product", id, "version 1 document has no price"));
            }
            (PRODUCT_SCHEMA_VERSION, _) if doc.price_minor == PRICE_MINOR_MISSING => {
                return Err(invalid("product", id, "price_minor is missing"));
            }
            (PRODUCT_SCHEMA_VERSION, _) => Money::new("price_minor", doc.price_minor, currency).map_err(bad)?,
            (other, _) => {
                return Err(invalid(
                    "product",
                    id,
                    format!(
                        "schema_version {other} is not readable by this build (reads \
                         {PRODUCT_OLDEST_READABLE_VERSION} to {PRODUCT_SCHEMA_VERSION})"
                    ),
                ));
            }
        };
        Ok(Self {
            id,
            sku: Sku::parse(&doc.sku).map_err(bad)?,
            name: ProductName::parse(&doc.name).map_err(bad)?,
            category: Category::parse(&doc.category).map_err(bad)?,
            price,
            attributes: document_to_attributes(doc.attributes).map_err(bad)?,
            tags: parse_tags(doc.tags.iter().map(String::as_str)).map_err(bad)?,
            version: read_u64("product", id, "version", doc.version)?,
            created_at: read_time("product", id, doc.created_at)?,
            updated_at: read_time("product", id, doc.updated_at)?,
        })
    }
}

/// Attributes as a BSON document: integers as Int64, floats as Double, lists as arrays, maps as
/// embedded documents.
pub fn attributes_to_document(attributes: &Attributes) -> Document {
    attributes.entries().iter().map(|(key, value)| (key.clone(), attribute_to_bson(value))).collect()
}

fn attribute_to_bson(value: &AttributeValue) -> Bson {
    match value {
        AttributeValue::Null => Bson::Null,
        AttributeValue::Bool(b) => Bson::Boolean(*b),
        AttributeValue::Int(i) => Bson::Int64(*i),
        AttributeValue::Float(f) => Bson::Double(*f),
        AttributeValue::Text(t) => Bson::String(t.clone()),
        AttributeValue::List(items) => Bson::Array(items.iter().map(attribute_to_bson).collect()),
        AttributeValue::Map(inner) => Bson::Document(attributes_to_document(inner)),
    }
}

/// Attributes read back from BSON, validated again. Int32 is accepted too, as other drivers write
/// small integers that way.
///
/// # Errors
/// A [`domain::ValidationError`] for a BSON type the attribute model has no place for, or for
/// anything [`Attributes::parse`] refuses.
pub fn document_to_attributes(document: Document) -> Result<Attributes, domain::ValidationError> {
    Attributes::parse(document_to_map(document)?)
}

fn document_to_map(document: Document) -> Result<BTreeMap<String, AttributeValue>, domain::ValidationError> {
    document.into_iter().map(|(key, value)| Ok((key.clone(), bson_to_attribute(&key, value)?))).collect()
}

fn bson_to_attribute(key: &str, value: Bson) -> Result<AttributeValue, domain::ValidationError> {
    Ok(match value {
        Bson::Null => AttributeValue::Null,
        Bson::Boolean(b) => AttributeValue::Bool(b),
        Bson::Int32(i) => AttributeValue::Int(i64::from(i)),
        Bson::Int64(i) => AttributeValue::Int(i),
        Bson::Double(f) => AttributeValue::Float(f),
        Bson::String(t) => AttributeValue::Text(t),
        Bson::Array(items) => {
            AttributeValue::List(items.into_iter().map(|item| bson_to_attribute(key, item)).collect::<Result<_, _>>()?)
        }
        Bson::Document(inner) => AttributeValue::Map(Attributes::parse(document_to_map(inner)?)?),
        other => {
            return Err(domain::ValidationError::new(
                format!("attributes.{key}"),
                format!("holds a BSON {:?} value", other.element_type()),
            ));
        }
    })
}

/// The `$set` of a full update from `draft` at `now`: every client-set field, `updated_at`, and
/// the current `schema_version` (an update also moves an older document to the current layout).
pub fn draft_fields(draft: &ProductDraft, now: domain::Timestamp) -> Document {
    bson::doc! {
        "schema_version": PRODUCT_SCHEMA_VERSION,
        "sku": draft.sku.as_str(),
        "name": draft.name.as_str(),
        "category": draft.category.as_str(),
        "price_minor": draft.price.minor(),
        "currency": draft.price.currency().as_str(),
        "attributes": attributes_to_document(&draft.attributes),
        "tags": draft.tags.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
        "updated_at": stored_time(now),
    }
}
