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

impl ProductDoc {
    /// The stored form of a product with `draft`'s content and the rest given, in the current
    /// layout.
    pub fn new(
        id: ProductId,
        draft: &ProductDraft,
        version: u64,
        created_at: domain::Timestamp,
        updated_at: domain::Timestamp,
    ) -> Self {
        // Every field named: a field added to drafts fails to compile here until it is stored.
        let ProductDraft { sku, name, category, price, attributes, tags } = draft;
        Self {
            id: stored_uuid(id.as_uuid()),
            schema_version: PRODUCT_SCHEMA_VERSION,
            sku: sku.as_str().to_owned(),
            name: name.as_str().to_owned(),
            category: category.as_str().to_owned(),
            price_minor: price.minor(),
            price: None,
            currency: price.currency().as_str().to_owned(),
            attributes: attributes_to_document(attributes),
            tags: tags.iter().map(|t| t.as_str().to_owned()).collect(),
            version: stored_u64(version),
            created_at: stored_time(created_at),
            updated_at: stored_time(updated_at),
        }
    }
}

impl From<&Product> for ProductDoc {
    fn from(product: &Product) -> Self {
        Self::new(product.id, &product.draft(), product.version, product.created_at, product.updated_at)
    }
}

impl TryFrom<ProductDoc> for Product {
    type Error = domain::Error;

    fn try_from(doc: ProductDoc) -> Result<Self, Self::Error> {
        // Every field named: a field added to the document fails to compile here until it is read.
        let ProductDoc {
            id,
            schema_version,
            sku,
            name,
            category,
            price_minor,
            price,
            currency,
            attributes,
            tags,
            version,
            created_at,
            updated_at,
        } = doc;
        let id = ProductId::from_uuid(read_uuid(&id));
        let bad = |e: domain::ValidationError| invalid("product", id, e);
        let currency = Currency::parse(&currency).map_err(bad)?;
        let price = match (schema_version, price) {
            (PRODUCT_OLDEST_READABLE_VERSION, Some(major)) => {
                minor_from_major("price", major, currency).map_err(bad)?
            }
            (PRODUCT_OLDEST_READABLE_VERSION, None) => {
                return Err(invalid("product", id, "version 1 document has no price"));
            }
            (PRODUCT_SCHEMA_VERSION, _) if price_minor == PRICE_MINOR_MISSING => {
                return Err(invalid("product", id, "price_minor is missing"));
            }
            (PRODUCT_SCHEMA_VERSION, _) => Money::new("price_minor", price_minor, currency).map_err(bad)?,
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
        let draft = ProductDraft {
            sku: Sku::parse(&sku).map_err(bad)?,
            name: ProductName::parse(&name).map_err(bad)?,
            category: Category::parse(&category).map_err(bad)?,
            price,
            attributes: document_to_attributes(attributes).map_err(bad)?,
            tags: parse_tags(tags.iter().map(String::as_str)).map_err(bad)?,
        };
        Ok(Product::from_parts(
            id,
            draft,
            read_u64("product", id, "version", version)?,
            read_time("product", id, created_at)?,
            read_time("product", id, updated_at)?,
        ))
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

/// Who writes a field of a stored product, which decides where the field appears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// Set once, when the product is inserted: `_id`, `created_at`.
    OnInsert,
    /// The unique sku: client content, and the ingest statement's filter, so an upsert neither
    /// compares nor rewrites it (the filter's equality puts it in a new document).
    Key,
    /// Client content: set by every full write, and compared by ingest to tell an update from
    /// no change.
    Content,
    /// Set by every full write and never compared: `schema_version`, `updated_at`.
    Stamp,
    /// Counted up by every full write: `version`.
    Counter,
    /// Read from an older layout only, never written: `price` (layout 1).
    Legacy,
}

/// Every field of a stored product, in [`ProductDoc`]'s order, and who writes it: the one list
/// the writes are generated from (the full update's `$set`, the ingest statement's comparison
/// and written fields). Tests hold [`ProductDoc`]'s serialized keys and the collection's
/// validator to it, so a field that one of them lacks fails the build's tests.
pub const PRODUCT_FIELDS: [(&str, Written); 13] = [
    ("_id", Written::OnInsert),
    ("schema_version", Written::Stamp),
    ("sku", Written::Key),
    ("name", Written::Content),
    ("category", Written::Content),
    ("price_minor", Written::Content),
    ("price", Written::Legacy),
    ("currency", Written::Content),
    ("attributes", Written::Content),
    ("tags", Written::Content),
    ("version", Written::Counter),
    ("created_at", Written::OnInsert),
    ("updated_at", Written::Stamp),
];

/// The names of [`PRODUCT_FIELDS`] written as `roles` says, in document order.
pub fn product_fields(roles: &[Written]) -> impl Iterator<Item = &'static str> + '_ {
    PRODUCT_FIELDS.iter().filter(move |(_, role)| roles.contains(role)).map(|(name, _)| *name)
}

/// The fields a full write of `draft` at `now` sets ([`Written::Key`], [`Written::Content`] and
/// [`Written::Stamp`], so also the current `schema_version`: an update moves an older document
/// to the current layout), in document order, as [`ProductDoc`] stores them.
///
/// # Errors
/// [`domain::Error::Internal`] if the document does not serialize (a bug).
pub fn draft_fields(draft: &ProductDraft, now: domain::Timestamp) -> domain::Result<Document> {
    // The id, version and creation time are placeholders: a full write does not set them.
    let stored = ProductDoc::new(ProductId::from_uuid(uuid::Uuid::nil()), draft, 1, now, now);
    let mut serialized = bson::serialize_to_document(&stored)
        .map_err(|e| domain::Error::Internal(anyhow::anyhow!("a product document does not serialize: {e}")))?;
    product_fields(&[Written::Key, Written::Content, Written::Stamp])
        .map(|name| {
            serialized
                .remove(name)
                .map(|value| (name.to_owned(), value))
                .ok_or_else(|| domain::Error::Internal(anyhow::anyhow!("the product document has no field {name}")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use domain::product::ProductDraft;

    use super::*;

    fn product() -> Product {
        ProductDraft {
            sku: Sku::parse("SKU-1").expect("valid sku"),
            name: ProductName::parse("Lamp").expect("valid name"),
            category: Category::parse("home").expect("valid category"),
            price: Money::new("price_minor", 1999, Currency::parse("EUR").expect("valid currency"))
                .expect("valid price"),
            attributes: Attributes::default(),
            tags: parse_tags(["warm"]).expect("valid tags"),
        }
        .into_product(domain::Timestamp::now())
    }

    #[test]
    fn the_stored_document_has_exactly_the_listed_fields_in_order() {
        // Layout 1's price is the one field a current document leaves out: set it to see it.
        let stored = ProductDoc { price: Some(19.99), ..ProductDoc::from(&product()) };

        let serialized = bson::serialize_to_document(&stored).expect("a product document serializes");

        let keys: Vec<&str> = serialized.keys().map(String::as_str).collect();
        let listed: Vec<&str> = PRODUCT_FIELDS.iter().map(|(name, _)| *name).collect();
        assert_eq!(keys, listed);
    }

    #[test]
    fn a_full_write_sets_the_key_content_and_stamps_and_nothing_else() {
        let product = product();

        let set = draft_fields(&product.draft(), product.updated_at).expect("the fields of a draft");

        let keys: Vec<&str> = set.keys().map(String::as_str).collect();
        let expected: Vec<&str> = product_fields(&[Written::Key, Written::Content, Written::Stamp]).collect();
        assert_eq!(keys, expected);
        for never in ["_id", "version", "created_at", "price"] {
            assert!(!set.contains_key(never), "a full write sets {never}");
        }
        let stored = bson::serialize_to_document(&ProductDoc::from(&product)).expect("a product document serializes");
        for (name, value) in &set {
            assert_eq!(stored.get(name), Some(value), "{name} is not written as a stored product holds it");
        }
    }

    #[test]
    fn a_product_reads_back_as_written() {
        let product = product();

        assert_eq!(Product::try_from(ProductDoc::from(&product)).expect("a readable document"), product);
    }
}
