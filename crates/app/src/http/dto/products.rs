//! Products on the wire.

use domain::pagination::{Page, ProductCursor};
use domain::product::{Category, ProductName, Sku};
use domain::product::{CategoryStats, PriceSort, Product, ProductDraft, ProductQuery, parse_tags};
use domain::{Currency, Money, ValidationError};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::{attributes, limit, time};
use crate::http::extract::number;

/// The fields a client sets on a product (create, and full replacement on update).
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProductInput {
    /// Unique stock-keeping unit: 1–64 ASCII letters, digits, `-`, `_`, `.`.
    pub sku: String,
    /// Display name: 1–200 characters.
    pub name: String,
    /// Category: 1–64 lower-case letters, digits, `-`, `_`.
    pub category: String,
    /// Price in minor units, 0 to 10^15.
    #[serde(deserialize_with = "super::whole")]
    pub price_minor: i64,
    /// ISO-4217 code (`EUR`).
    pub currency: String,
    /// Free-form attributes; keys must not start with `$` or contain `.`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub attributes: Map<String, Value>,
    /// Tags, at most 32; duplicates are dropped.
    #[serde(default)]
    pub tags: Vec<String>,
}

impl ProductInput {
    /// The validated draft.
    ///
    /// # Errors
    /// The first [`ValidationError`] found, naming its field.
    pub fn try_into_domain(self) -> Result<ProductDraft, ValidationError> {
        let currency = Currency::parse(&self.currency)?;
        Ok(ProductDraft {
            sku: Sku::parse(&self.sku)?,
            name: ProductName::parse(&self.name)?,
            category: Category::parse(&self.category)?,
            price: Money::new("price_minor", self.price_minor, currency)?,
            attributes: attributes::from_json(self.attributes)?,
            tags: parse_tags(self.tags.iter().map(String::as_str))?,
        })
    }
}

/// A product.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductView {
    /// Identifier.
    pub id: Uuid,
    /// Stock-keeping unit.
    pub sku: String,
    /// Display name.
    pub name: String,
    /// Category.
    pub category: String,
    /// Price in minor units.
    pub price_minor: i64,
    /// ISO-4217 code.
    pub currency: String,
    /// Free-form attributes.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub attributes: Map<String, Value>,
    /// Tags.
    pub tags: Vec<String>,
    /// Version, also sent as the strong `ETag`; `If-Match` names it on updates.
    pub version: u64,
    /// When created (RFC 3339).
    pub created_at: String,
    /// When last changed (RFC 3339).
    pub updated_at: String,
}

impl From<&Product> for ProductView {
    fn from(product: &Product) -> Self {
        Self {
            id: product.id.as_uuid(),
            sku: product.sku.to_string(),
            name: product.name.to_string(),
            category: product.category.to_string(),
            price_minor: product.price.minor(),
            currency: product.price.currency().to_string(),
            attributes: attributes::to_json(&product.attributes),
            tags: product.tags.iter().map(ToString::to_string).collect(),
            version: product.version,
            created_at: time(product.created_at),
            updated_at: time(product.updated_at),
        }
    }
}

/// One page of products.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductPage {
    /// The products, in the requested order.
    pub items: Vec<ProductView>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl From<Page<Product>> for ProductPage {
    fn from(page: Page<Product>) -> Self {
        Self { items: page.items.iter().map(ProductView::from).collect(), next_cursor: page.next_cursor }
    }
}

/// Filters, order and position of a product listing.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ProductListParams {
    /// Only this category.
    pub category: Option<String>,
    /// Only prices at or above this many minor units.
    #[cfg_attr(feature = "openapi", param(value_type = Option<i64>))]
    pub min_price: Option<String>,
    /// Only prices at or below this many minor units.
    #[cfg_attr(feature = "openapi", param(value_type = Option<i64>))]
    pub max_price: Option<String>,
    /// `price` (cheapest first, the default) or `-price`.
    pub sort: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[cfg_attr(feature = "openapi", param(value_type = Option<u32>, minimum = 1, maximum = 200))]
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl ProductListParams {
    /// The validated query.
    ///
    /// # Errors
    /// The first [`ValidationError`] found, naming its parameter.
    pub fn try_into_domain(self) -> Result<ProductQuery, ValidationError> {
        Ok(ProductQuery {
            category: self.category.as_deref().map(Category::parse).transpose()?,
            min_price_minor: number("min_price", self.min_price.as_deref())?,
            max_price_minor: number("max_price", self.max_price.as_deref())?,
            sort: self.sort.as_deref().map(PriceSort::parse).transpose()?.unwrap_or_default(),
            limit: limit(self.limit.as_deref())?,
            after: self.cursor.as_deref().map(ProductCursor::decode).transpose()?,
        })
    }
}

/// Price statistics of a category, in minor units; `null` when the count is 0.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoryStatsView {
    /// Number of products.
    pub count: u64,
    /// Lowest price.
    pub min_price_minor: Option<i64>,
    /// Highest price.
    pub max_price_minor: Option<i64>,
    /// Mean price, rounded to the nearest minor unit, halves away from zero (100.5 → 101).
    pub avg_price_minor: Option<i64>,
}

impl From<CategoryStats> for CategoryStatsView {
    fn from(stats: CategoryStats) -> Self {
        Self {
            count: stats.count,
            min_price_minor: stats.min_price_minor,
            max_price_minor: stats.max_price_minor,
            // Prices are at most 10^15, so the mean fits an i64 exactly once rounded.
            #[expect(clippy::cast_possible_truncation, reason = "a rounded mean of prices is within the i64 range")]
            avg_price_minor: stats.avg_price_minor.map(|mean| mean.round() as i64),
        }
    }
}
