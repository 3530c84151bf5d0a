//! The upsert statement of one draft: an equality on the sku, and an update pipeline that writes
//! the draft only when a client-set field differs.
//!
//! Which fields are compared and written comes from the one field list of the stored product
//! ([`PRODUCT_FIELDS`]): the content fields are compared; the content and stamp fields are
//! written; the sku, the filter's field, is neither. The pipeline is one `$replaceWith` stage:
//! if the stored content fields (in document order) differ from the draft's, the document becomes itself merged with the draft's fields,
//! `updated_at` and the next `version`, plus `_id` and `created_at` where it has none (only a
//! new document lacks them: `$setOnInsert` does not exist in pipelines); otherwise it stays
//! `$$ROOT`, which the server recognises as a no-op, writing nothing. So the answer's counts tell
//! every outcome apart in one round trip, without a write error:
//! - upserted: inserted (the filter's equality put the sku in the new document);
//! - matched and modified: updated;
//! - matched, not modified: unchanged.
//!
//! The comparison is the aggregation `$ne`: numbers by value whatever their BSON type, embedded
//! documents field by field in order, arrays element by element. Attributes are always written in
//! key order, so a product written by this crate compares equal to the same draft, whichever
//! writer (ingest or the API) wrote it last. Every draft value travels inside `$literal`, so a
//! name such as `"$price"` is text, never a field path.

use bson::{Bson, Document, doc};
use domain::ProductId;
use domain::Timestamp;
use domain::product::ProductDraft;

#[cfg(doc)]
use crate::documents::PRODUCT_FIELDS;
use crate::documents::{Written, draft_fields, product_fields, stored_time, stored_uuid};

/// One statement: `filter` and the pipeline `update`, sent with `upsert: true`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Statement {
    /// The draft's sku (the filter's only field).
    pub(crate) sku: String,
    /// Which document to update: `{sku}`.
    pub(crate) filter: Document,
    /// The update pipeline.
    pub(crate) update: Vec<Document>,
}

/// The fields the statement compares: the content.
pub(crate) const COMPARED: [Written; 1] = [Written::Content];

/// The fields the statement writes: the content and the stamps. An equality filter puts the sku
/// in a new document, and an update never changes it; leaving it out also keeps the statement
/// eligible for the server's retry of racing upserts on the unique sku index.
pub(crate) const WRITTEN: [Written; 2] = [Written::Content, Written::Stamp];

/// The upsert of `draft` at `now`.
///
/// # Errors
/// As [`draft_fields`].
pub(crate) fn upsert(draft: &ProductDraft, now: Timestamp) -> domain::Result<Statement> {
    let set = draft_fields(draft, now)?;
    let pick = |roles: &[Written]| -> Document {
        product_fields(roles).filter_map(|name| set.get(name).map(|value| (name.to_owned(), value.clone()))).collect()
    };
    let (wanted, written) = (pick(&COMPARED), pick(&WRITTEN));
    let stored: Document = wanted.keys().map(|key| (key.clone(), Bson::String(format!("${key}")))).collect();
    let changed = doc! { "$ne": [stored, { "$literal": wanted }] };
    let rewritten = doc! {
        "$mergeObjects": [
            "$$ROOT",
            { "$literal": written },
            {
                "_id": { "$ifNull": ["$_id", { "$literal": stored_uuid(ProductId::new().as_uuid()) }] },
                "created_at": { "$ifNull": ["$created_at", { "$literal": stored_time(now) }] },
                "version": { "$add": [{ "$ifNull": ["$version", 0_i64] }, 1_i64] },
            },
        ]
    };
    Ok(Statement {
        sku: draft.sku.as_str().to_owned(),
        filter: doc! { "sku": draft.sku.as_str() },
        update: vec![doc! { "$replaceWith": { "$cond": { "if": changed, "then": rewritten, "else": "$$ROOT" } } }],
    })
}

#[cfg(test)]
mod tests {
    use domain::money::{Currency, Money};
    use domain::product::{Attributes, Category, ProductName, Sku};

    use super::*;

    fn draft(name: &str) -> ProductDraft {
        ProductDraft {
            sku: Sku::parse("SKU-1").expect("valid sku"),
            name: ProductName::parse(name).expect("valid name"),
            category: Category::parse("home").expect("valid category"),
            price: Money::new("price_minor", 1999, Currency::parse("EUR").expect("valid currency"))
                .expect("valid price"),
            attributes: Attributes::default(),
            tags: Vec::new(),
        }
    }

    fn condition(statement: &Statement) -> &Document {
        let stage = statement.update[0].get_document("$replaceWith").expect("$replaceWith stage");
        stage.get_document("$cond").expect("$cond")
    }

    #[test]
    fn the_filter_is_an_equality_on_the_sku_alone() {
        let statement = upsert(&draft("Lamp"), Timestamp::now()).expect("a statement");

        assert_eq!(statement.filter, doc! { "sku": "SKU-1" });
        assert_eq!(statement.update.len(), 1, "one stage");
    }

    #[test]
    fn only_client_set_fields_decide_whether_the_product_differs() {
        let statement = upsert(&draft("Lamp"), Timestamp::now()).expect("a statement");

        let compared = condition(&statement).get_document("if").expect("if").get_array("$ne").expect("$ne");
        let stored = compared[0].as_document().expect("stored fields");

        let keys: Vec<&str> = stored.keys().map(String::as_str).collect();
        assert_eq!(keys, product_fields(&COMPARED).collect::<Vec<_>>(), "the list's content fields");
        assert!(!keys.iter().any(|key| ["sku", "schema_version", "updated_at", "version"].contains(key)));
        assert_eq!(stored.get_str("price_minor").ok(), Some("$price_minor"));
    }

    #[test]
    fn an_unchanged_product_is_left_as_it_is_and_a_new_one_gets_an_id_and_version_one() {
        let statement = upsert(&draft("Lamp"), Timestamp::now()).expect("a statement");
        let cond = condition(&statement);

        let merged = cond.get_document("then").expect("then").get_array("$mergeObjects").expect("$mergeObjects");
        let on_insert = merged[2].as_document().expect("insert-only fields");

        assert_eq!(cond.get_str("else").ok(), Some("$$ROOT"));
        assert!(on_insert.get_document("_id").expect("_id").contains_key("$ifNull"));
        assert!(on_insert.get_document("created_at").expect("created_at").contains_key("$ifNull"));
        let written = merged[1].as_document().expect("literal").get_document("$literal").expect("draft fields");
        let keys: Vec<&str> = written.keys().map(String::as_str).collect();
        assert_eq!(keys, product_fields(&WRITTEN).collect::<Vec<_>>(), "the list's content and stamp fields");
        assert!(!keys.contains(&"sku") && keys.contains(&"updated_at"));
    }

    #[test]
    fn a_name_that_looks_like_a_field_path_stays_text() {
        let statement = upsert(&draft("$price_minor"), Timestamp::now()).expect("a statement");

        let cond = condition(&statement);
        let compared = cond.get_document("if").expect("if").get_array("$ne").expect("$ne");
        let wanted = compared[1].as_document().expect("literal").get_document("$literal").expect("draft");

        assert_eq!(wanted.get_str("name").ok(), Some("$price_minor"));
    }
}
