//! What each draft of a batch needs, decided from the batch's stored products, read once: a plain
//! insert (no product has the sku), nothing (the stored product has the draft's content, by the
//! domain's own rule, [`Product::has_content_of`], the one the memory store applies too), or the
//! upsert statement (the product differs, or the read cannot tell).
//!
//! The read cannot tell for a stored document that does not read back as a product (a foreign
//! write, a layout this build does not know) and for a sku that appears more than once in the
//! batch: such drafts go through the upsert statement, which compares on the server, one after
//! the other, exactly as every draft did before reads came first.

use std::collections::HashMap;

use bson::Document;
use domain::product::{Product, ProductDraft};

use crate::documents::ProductDoc;

/// What one draft needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// No product has the sku: insert it.
    Insert,
    /// The stored product has the draft's content: write nothing.
    Unchanged,
    /// Send the upsert statement, which compares and writes on the server in one step.
    Upsert,
}

/// The step of each draft of `drafts`, in order, given the `stored` documents of their skus.
pub(crate) fn plan(drafts: &[ProductDraft], stored: Vec<Document>) -> Vec<Step> {
    let mut occurrences: HashMap<&str, usize> = HashMap::with_capacity(drafts.len());
    for draft in drafts {
        *occurrences.entry(draft.sku.as_str()).or_default() += 1;
    }
    // `None`: a stored document the read cannot compare.
    let stored: HashMap<String, Option<Product>> = stored.into_iter().filter_map(readable).collect();
    drafts
        .iter()
        .map(|draft| {
            let sku = draft.sku.as_str();
            if occurrences.get(sku).copied().unwrap_or(0) > 1 {
                return Step::Upsert;
            }
            match stored.get(sku) {
                None => Step::Insert,
                Some(Some(product)) if product.has_content_of(draft) => Step::Unchanged,
                Some(_) => Step::Upsert,
            }
        })
        .collect()
}

/// A stored document's sku and the product it reads back as, if it does.
fn readable(document: Document) -> Option<(String, Option<Product>)> {
    let sku = document.get_str("sku").ok()?.to_owned();
    let product =
        bson::deserialize_from_document::<ProductDoc>(document).ok().and_then(|stored| Product::try_from(stored).ok());
    Some((sku, product))
}

#[cfg(test)]
mod tests {
    use bson::doc;
    use domain::Timestamp;
    use domain::money::{Currency, Money};
    use domain::product::{Attributes, Category, ProductName, Sku};

    use super::*;

    fn draft(sku: &str, price: i64) -> ProductDraft {
        ProductDraft {
            sku: Sku::parse(sku).expect("valid sku"),
            name: ProductName::parse("Lamp").expect("valid name"),
            category: Category::parse("home").expect("valid category"),
            price: Money::new("price_minor", price, Currency::parse("EUR").expect("valid currency"))
                .expect("valid price"),
            attributes: Attributes::default(),
            tags: Vec::new(),
        }
    }

    fn stored(draft: &ProductDraft) -> Document {
        let product = draft.clone().into_product(Timestamp::now());
        bson::serialize_to_document(&ProductDoc::from(&product)).expect("a product document serializes")
    }

    #[test]
    fn a_missing_sku_is_inserted_an_equal_product_left_alone_and_a_different_one_upserted() {
        let drafts = [draft("NEW-1", 100), draft("SAME-1", 100), draft("PRICE-1", 250)];

        let steps = plan(&drafts, vec![stored(&draft("SAME-1", 100)), stored(&draft("PRICE-1", 100))]);

        assert_eq!(steps, [Step::Insert, Step::Unchanged, Step::Upsert]);
    }

    #[test]
    fn a_stored_document_that_is_not_a_product_is_compared_by_the_server() {
        let foreign = doc! { "sku": "ODD-1", "name": "Lamp", "price": "cheap" };

        assert_eq!(plan(&[draft("ODD-1", 100)], vec![foreign]), [Step::Upsert]);
    }

    #[test]
    fn a_sku_twice_in_a_batch_goes_through_the_server_each_time() {
        let drafts = [draft("TWICE-1", 100), draft("ONCE-1", 100), draft("TWICE-1", 200)];

        assert_eq!(plan(&drafts, Vec::new()), [Step::Upsert, Step::Insert, Step::Upsert]);
    }
}
