//! Product listing queries and category statistics.

use crate::error::ValidationError;
use crate::pagination::{PageLimit, ProductCursor};

use super::{Category, Product};

/// Sort order of a product listing. Ties are broken by id in the same direction, so the order is
/// total and keyset pagination never skips or repeats an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PriceSort {
    /// Cheapest first.
    #[default]
    Ascending,
    /// Most expensive first.
    Descending,
}

impl PriceSort {
    /// Every order by its name on the wire.
    pub const NAMES: [(&'static str, Self); 2] = [("price", Self::Ascending), ("-price", Self::Descending)];

    /// Parses `price` or `-price`.
    ///
    /// # Errors
    /// Returns a [`ValidationError`] on `sort` for anything else.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        Self::NAMES
            .iter()
            .find(|(name, _)| *name == raw)
            .map(|(_, sort)| *sort)
            .ok_or_else(|| ValidationError::new("sort", "must be 'price' or '-price'"))
    }
}

/// A product listing query.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProductQuery {
    /// Only this category.
    pub category: Option<Category>,
    /// Only prices at or above this many minor units.
    pub min_price_minor: Option<i64>,
    /// Only prices at or below this many minor units.
    pub max_price_minor: Option<i64>,
    /// Order.
    pub sort: PriceSort,
    /// Page size.
    pub limit: PageLimit,
    /// Where the previous page stopped.
    pub after: Option<ProductCursor>,
}

impl ProductQuery {
    /// Whether `product` passes this query's filters (not the cursor).
    pub fn matches(&self, product: &Product) -> bool {
        let price = product.price.minor();
        self.category.as_ref().is_none_or(|c| *c == product.category)
            && self.min_price_minor.is_none_or(|min| price >= min)
            && self.max_price_minor.is_none_or(|max| price <= max)
    }

    /// Whether `product` comes after the cursor in this query's order.
    pub fn is_after_cursor(&self, product: &Product) -> bool {
        let Some(cursor) = &self.after else { return true };
        let key = (product.price.minor(), product.id);
        let at = (cursor.price_minor, cursor.id);
        match self.sort {
            PriceSort::Ascending => key > at,
            PriceSort::Descending => key < at,
        }
    }
}

/// Price statistics of one category, in minor units. With no products, count is 0 and the rest
/// are `None`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct CategoryStats {
    /// Number of products.
    pub count: u64,
    /// Lowest price.
    pub min_price_minor: Option<i64>,
    /// Highest price.
    pub max_price_minor: Option<i64>,
    /// Mean price (not rounded).
    pub avg_price_minor: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_parses_price_and_minus_price_only() {
        assert_eq!(PriceSort::parse("price"), Ok(PriceSort::Ascending));
        assert_eq!(PriceSort::parse("-price"), Ok(PriceSort::Descending));
        assert!(PriceSort::parse("name").is_err());
    }
}
