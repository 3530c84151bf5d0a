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

use crate::ids::ProductId;
use crate::money::Money;
use crate::time::Timestamp;

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
        Product {
            id: ProductId::new(),
            sku: self.sku,
            name: self.name,
            category: self.category,
            price: self.price,
            attributes: self.attributes,
            tags: self.tags,
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }

    /// `product` with this draft's fields, its version bumped and `updated_at` set to `now`.
    pub fn apply_to(self, product: &Product, now: Timestamp) -> Product {
        Product {
            id: product.id,
            sku: self.sku,
            name: self.name,
            category: self.category,
            price: self.price,
            attributes: self.attributes,
            tags: self.tags,
            version: product.version + 1,
            created_at: product.created_at,
            updated_at: now,
        }
    }
}
