//! The upsert statement of one draft: a filter that matches the sku's product only when it
//! differs from the draft, and an update that writes the draft.

use bson::{Bson, Document, doc};
use domain::ProductId;
use domain::Timestamp;
use domain::product::ProductDraft;

use crate::documents::{attributes_to_document, draft_fields, stored_time, stored_uuid};

/// One statement: `filter` and `update`, sent with `upsert: true`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Statement {
    /// Which document to update.
    pub(crate) filter: Document,
    /// What to write.
    pub(crate) update: Document,
}

/// The upsert of `draft` at `now`.
///
/// The filter is `{sku, $nor: [{every client-set field equal}]}`: an equality on the sku (the
/// only field an upsert copies into a new document; `$nor` contributes none) and "not all fields
/// equal". Whole-value equality is what MongoDB applies to embedded documents and arrays, and
/// attributes are always written in key order, so a product written by this crate compares
/// equal to the same draft field for field, whichever writer (ingest or the API) wrote it last.
pub(crate) fn upsert(draft: &ProductDraft, now: Timestamp) -> Statement {
    let tags: Vec<&str> = draft.tags.iter().map(|t| t.as_str()).collect();
    // No tags is written `$size: 0`: for an array of strings the same as equality with `[]`, and
    // accepted by MongoDB-compatible servers that refuse an empty array inside `$nor`.
    let tags = if tags.is_empty() { Bson::Document(doc! { "$size": 0 }) } else { Bson::from(tags) };
    let same = doc! {
        "name": draft.name.as_str(),
        "category": draft.category.as_str(),
        "price_minor": draft.price.minor(),
        "currency": draft.price.currency().as_str(),
        "attributes": attributes_to_document(&draft.attributes),
        "tags": tags,
    };
    Statement {
        filter: doc! { "sku": draft.sku.as_str(), "$nor": [same] },
        update: doc! {
            "$set": draft_fields(draft, now),
            "$inc": { "version": 1_i64 },
            "$setOnInsert": { "_id": stored_uuid(ProductId::new().as_uuid()), "created_at": stored_time(now) },
        },
    }
}

#[cfg(test)]
mod tests {
    use domain::money::{Currency, Money};
    use domain::product::{Attributes, Category, ProductName, Sku};

    use super::*;

    fn draft() -> ProductDraft {
        ProductDraft {
            sku: Sku::parse("SKU-1").expect("valid sku"),
            name: ProductName::parse("Lamp").expect("valid name"),
            category: Category::parse("home").expect("valid category"),
            price: Money::new("price_minor", 1999, Currency::parse("EUR").expect("valid currency"))
                .expect("valid price"),
            attributes: Attributes::default(),
            tags: Vec::new(),
        }
    }

    #[test]
    fn the_filter_holds_the_sku_as_its_only_equality() {
        let statement = upsert(&draft(), Timestamp::now());

        let keys: Vec<&str> = statement.filter.keys().map(String::as_str).collect();

        assert_eq!(keys, ["sku", "$nor"]);
        assert_eq!(statement.filter.get_str("sku").ok(), Some("SKU-1"));
    }

    #[test]
    fn an_insert_gets_a_fresh_id_and_creation_time_and_version_one() {
        let statement = upsert(&draft(), Timestamp::now());

        let on_insert = statement.update.get_document("$setOnInsert").expect("$setOnInsert");
        let increment = statement.update.get_document("$inc").expect("$inc");

        assert!(on_insert.contains_key("_id") && on_insert.contains_key("created_at"));
        assert_eq!(increment.get_i64("version").ok(), Some(1));
        assert!(!statement.update.get_document("$set").expect("$set").contains_key("version"));
    }
}
