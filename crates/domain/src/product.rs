//! Products: validated fields, the entity, the create/update commands, list queries and category
//! statistics.
//!
//! - `fields`: sku, name, category, tags.
//! - `attributes`: free-form attributes with validated keys.
//! - `query`: listing queries, sort order, category statistics.

mod attributes;
mod fields;
mod query;

pub use attributes::{AttributeValue, Attributes};
pub use fields::{Category, MAX_TAGS, ProductName, Sku, Tag, parse_tags};
pub use query::{CategoryStats, PriceSort, ProductQuery};

use crate::audit::{AuditAction, AuditEvent};
use crate::ids::ProductId;
use crate::money::Money;
use crate::time::Timestamp;
use crate::transfer::RequestMeta;

/// A stored product.
#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    /// Identifier (UUID v7).
    pub id: ProductId,
    /// Unique stock-keeping unit.
    pub sku: Sku,
    /// Display name.
    pub name: ProductName,
    /// Category, used for listing and statistics.
    pub category: Category,
    /// Price.
    pub price: Money,
    /// Free-form attributes.
    pub attributes: Attributes,
    /// Tags.
    pub tags: Vec<Tag>,
    /// Optimistic-concurrency version: 1 when created, +1 per update.
    pub version: u64,
    /// When created.
    pub created_at: Timestamp,
    /// When last changed.
    pub updated_at: Timestamp,
}

impl Product {
    /// The event of creating this product for the request `meta` describes: its sku and version
    /// (names and attributes are the client's free text, never recorded).
    pub fn created_event(&self, meta: &RequestMeta) -> AuditEvent {
        AuditEvent::of_change(meta, AuditAction::PRODUCT_CREATED, "product", self.id, self.audit_details())
    }

    /// The event of replacing this product's fields (this is the new state).
    pub fn updated_event(&self, meta: &RequestMeta) -> AuditEvent {
        AuditEvent::of_change(meta, AuditAction::PRODUCT_UPDATED, "product", self.id, self.audit_details())
    }

    /// The event of deleting the product `id`.
    pub fn deleted_event(id: ProductId, meta: &RequestMeta) -> AuditEvent {
        AuditEvent::of_change(meta, AuditAction::PRODUCT_DELETED, "product", id, [])
    }

    fn audit_details(&self) -> [(&'static str, String); 2] {
        [("sku", self.sku.to_string()), ("version", self.version.to_string())]
    }

    /// A product of `draft`'s fields with the rest given: what a store builds when it reads one
    /// back.
    pub fn from_parts(
        id: ProductId,
        draft: ProductDraft,
        version: u64,
        created_at: Timestamp,
        updated_at: Timestamp,
    ) -> Self {
        let ProductDraft { sku, name, category, price, attributes, tags } = draft;
        Self { id, sku, name, category, price, attributes, tags, version, created_at, updated_at }
    }

    /// The client-set fields of this product, as a draft.
    pub fn draft(&self) -> ProductDraft {
        // Every field named, none skipped with `..`: a new field must be placed here.
        let Self { id: _, sku, name, category, price, attributes, tags, version: _, created_at: _, updated_at: _ } =
            self;
        ProductDraft {
            sku: sku.clone(),
            name: name.clone(),
            category: category.clone(),
            price: *price,
            attributes: attributes.clone(),
            tags: tags.clone(),
        }
    }

    /// Whether this product holds `draft`'s content already: every client-set field equal. A
    /// write of such a draft changes nothing (bulk ingestion reports it unchanged and writes
    /// nothing); the server-set fields (id, version, timestamps) never count.
    pub fn has_content_of(&self, draft: &ProductDraft) -> bool {
        // Every field named: a field added to drafts fails to compile here until it is compared.
        let ProductDraft { sku, name, category, price, attributes, tags } = draft;
        self.sku == *sku
            && self.name == *name
            && self.category == *category
            && self.price == *price
            && self.attributes == *attributes
            && self.tags == *tags
    }
}

/// The fields a client sets on a product: the body of a create and of a full update.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductDraft {
    /// Unique stock-keeping unit.
    pub sku: Sku,
    /// Display name.
    pub name: ProductName,
    /// Category.
    pub category: Category,
    /// Price.
    pub price: Money,
    /// Free-form attributes.
    pub attributes: Attributes,
    /// Tags.
    pub tags: Vec<Tag>,
}

impl ProductDraft {
    /// A new product from this draft: fresh id, version 1, both timestamps `now`.
    pub fn into_product(self, now: Timestamp) -> Product {
        Product::from_parts(ProductId::new(), self, 1, now, now)
    }

    /// `product` with this draft's fields, its version bumped and `updated_at` set to `now`.
    pub fn apply_to(self, product: &Product, now: Timestamp) -> Product {
        Product::from_parts(product.id, self, product.version + 1, product.created_at, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    fn draft() -> ProductDraft {
        ProductDraft {
            sku: Sku::parse("MUG-1").expect("valid sku"),
            name: ProductName::parse("Mug").expect("valid name"),
            category: Category::parse("kitchen").expect("valid category"),
            price: Money::new("price_minor", 1200, Currency::parse("EUR").expect("valid currency"))
                .expect("valid price"),
            attributes: Attributes::default(),
            tags: parse_tags(["blue"]).expect("valid tags"),
        }
    }

    #[test]
    fn a_product_has_the_content_of_its_own_draft_and_not_of_a_changed_one() {
        let product = draft().into_product(Timestamp::now());
        let later = draft().apply_to(&product, Timestamp::now().plus_millis(5));

        assert_eq!(product.draft(), draft());
        assert!(product.has_content_of(&draft()), "server-set fields do not count");
        assert!(later.has_content_of(&product.draft()));
        let changes: [fn(&mut ProductDraft); 6] = [
            |d| d.sku = Sku::parse("MUG-2").expect("valid sku"),
            |d| d.name = ProductName::parse("Cup").expect("valid name"),
            |d| d.category = Category::parse("home").expect("valid category"),
            |d| d.price = Money::new("price_minor", 1201, d.price.currency()).expect("valid price"),
            |d| d.attributes = Attributes::parse([("size".to_owned(), AttributeValue::Int(1))].into()).expect("valid"),
            |d| d.tags = Vec::new(),
        ];
        for change in changes {
            let mut changed = draft();
            change(&mut changed);
            assert!(!product.has_content_of(&changed), "{changed:?} was taken for the same content");
        }
    }
}
