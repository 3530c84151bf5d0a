//! The product table: rows by id, a unique sku index, and price-ordered indexes (all products and
//! per category) so that a keyset page is a range scan, as it is on a database index.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Bound;

use domain::pagination::{Page, ProductCursor};
use domain::product::{Category, CategoryStats, PriceSort, Product, ProductQuery, Sku};
use domain::{Error, ProductId};
use uuid::Uuid;

use crate::audit::AuditTrail;
use crate::keys::Keys;

/// Sort key of a listing: price in minor units, then id, which makes the order total.
type PriceKey = (i64, ProductId);

fn price_key(product: &Product) -> PriceKey {
    (product.price.minor(), product.id)
}

/// Products and their indexes. Every method keeps the indexes in step with the rows.
#[derive(Debug, Default)]
pub(crate) struct ProductTable {
    rows: HashMap<ProductId, Product>,
    by_sku: HashMap<Sku, ProductId>,
    by_price: BTreeSet<PriceKey>,
    by_category: BTreeMap<Category, BTreeSet<PriceKey>>,
    /// Idempotency records of product creates, under the same lock as the rows they created.
    pub(crate) keys: Keys<Product>,
    /// The events of the changes to these products, appended under the same lock.
    pub(crate) audit: AuditTrail,
}

impl ProductTable {
    /// The product with this id.
    pub(crate) fn get(&self, id: ProductId) -> Option<&Product> {
        self.rows.get(&id)
    }

    /// The product with this sku.
    pub(crate) fn find_by_sku(&self, sku: &Sku) -> Option<&Product> {
        self.by_sku.get(sku).and_then(|id| self.rows.get(id))
    }

    /// Whether `sku` belongs to a product other than `except`.
    pub(crate) fn sku_taken(&self, sku: &Sku, except: Option<ProductId>) -> bool {
        self.by_sku.get(sku).is_some_and(|owner| Some(*owner) != except)
    }

    /// Adds a new product; the caller has checked that its id and sku are free.
    pub(crate) fn insert(&mut self, product: Product) {
        let key = price_key(&product);
        self.by_sku.insert(product.sku.clone(), product.id);
        self.by_price.insert(key);
        self.by_category.entry(product.category.clone()).or_default().insert(key);
        self.rows.insert(product.id, product);
    }

    /// Removes a product and its index entries.
    pub(crate) fn remove(&mut self, id: ProductId) -> Option<Product> {
        let product = self.rows.remove(&id)?;
        let key = price_key(&product);
        self.by_sku.remove(&product.sku);
        self.by_price.remove(&key);
        if let Some(keys) = self.by_category.get_mut(&product.category) {
            keys.remove(&key);
            if keys.is_empty() {
                self.by_category.remove(&product.category);
            }
        }
        Some(product)
    }

    /// One page for `query`: walks the narrowest index from the cursor in the query's direction
    /// and stops one item past the limit (the proof that another page exists).
    pub(crate) fn list(&self, query: &ProductQuery) -> Page<Product> {
        let empty = BTreeSet::new();
        let index = match &query.category {
            Some(category) => self.by_category.get(category).unwrap_or(&empty),
            None => &self.by_price,
        };
        // Only the starting side of the range is bounded: a one-sided range can never be inverted
        // (which `BTreeSet::range` rejects by panicking), and the far price limit ends the walk.
        let items = match query.sort {
            PriceSort::Ascending => {
                let max = query.max_price_minor;
                let keys = index.range((ascending_start(query), Bound::Unbounded));
                self.first_matches(keys.take_while(|(price, _)| max.is_none_or(|max| *price <= max)), query)
            }
            PriceSort::Descending => {
                let min = query.min_price_minor;
                let keys = index.range((Bound::Unbounded, descending_start(query))).rev();
                self.first_matches(keys.take_while(|(price, _)| min.is_none_or(|min| *price >= min)), query)
            }
        };
        Page::from_overfetch(items, query.limit, |product| {
            ProductCursor { price_minor: product.price.minor(), id: product.id }.encode()
        })
    }

    /// Up to `limit + 1` products behind `keys` that pass the query's filters and cursor.
    fn first_matches<'a>(&self, keys: impl Iterator<Item = &'a PriceKey>, query: &ProductQuery) -> Vec<Product> {
        keys.filter_map(|(_, id)| self.rows.get(id))
            .filter(|product| query.matches(product) && query.is_after_cursor(product))
            .take(query.limit.get() + 1)
            .cloned()
            .collect()
    }

    /// Count, minimum, maximum and mean price of `category`.
    pub(crate) fn stats(&self, category: &Category) -> Result<CategoryStats, Error> {
        // Empty categories are dropped from the index, so a present one has a first and a last.
        let Some(keys) = self.by_category.get(category) else { return Ok(CategoryStats::default()) };
        let (Some((min, _)), Some((max, _))) = (keys.first(), keys.last()) else {
            return Ok(CategoryStats::default());
        };
        // Summed in i128: prices go up to 10^15 each, so an i64 sum could overflow.
        let sum: i128 = keys.iter().map(|(price, _)| i128::from(*price)).sum();
        let count = u64::try_from(keys.len()).map_err(|e| Error::Internal(e.into()))?;
        let avg = sum as f64 / count as f64;
        Ok(CategoryStats {
            count,
            min_price_minor: Some(*min),
            max_price_minor: Some(*max),
            avg_price_minor: Some(avg),
        })
    }
}

fn lowest_id() -> ProductId {
    ProductId::from_uuid(Uuid::nil())
}

fn highest_id() -> ProductId {
    ProductId::from_uuid(Uuid::max())
}

/// Where an ascending walk starts: after the cursor or at the minimum price, whichever is later.
fn ascending_start(query: &ProductQuery) -> Bound<PriceKey> {
    let floor = query.min_price_minor.map(|min| (min, lowest_id()));
    let cursor = query.after.map(|c| (c.price_minor, c.id));
    match (floor, cursor) {
        (Some(floor), Some(cursor)) if floor > cursor => Bound::Included(floor),
        (_, Some(cursor)) => Bound::Excluded(cursor),
        (Some(floor), None) => Bound::Included(floor),
        (None, None) => Bound::Unbounded,
    }
}

/// Where a descending walk starts: before the cursor or at the maximum price, whichever is
/// earlier.
fn descending_start(query: &ProductQuery) -> Bound<PriceKey> {
    let ceiling = query.max_price_minor.map(|max| (max, highest_id()));
    let cursor = query.after.map(|c| (c.price_minor, c.id));
    match (ceiling, cursor) {
        (Some(ceiling), Some(cursor)) if ceiling < cursor => Bound::Included(ceiling),
        (_, Some(cursor)) => Bound::Excluded(cursor),
        (Some(ceiling), None) => Bound::Included(ceiling),
        (None, None) => Bound::Unbounded,
    }
}

#[cfg(test)]
mod tests {
    use domain::money::{Currency, Money};
    use domain::pagination::PageLimit;
    use domain::product::{Attributes, ProductDraft, ProductName};
    use domain::time::Timestamp;

    use super::*;

    fn product(sku: &str, category: &str, price: i64) -> Product {
        let eur = Currency::parse("EUR").expect("valid currency");
        ProductDraft {
            sku: Sku::parse(sku).expect("valid sku"),
            name: ProductName::parse("a product").expect("valid name"),
            category: Category::parse(category).expect("valid category"),
            price: Money::new("price_minor", price, eur).expect("valid price"),
            attributes: Attributes::default(),
            tags: Vec::new(),
        }
        .into_product(Timestamp::now())
    }

    fn table(products: &[Product]) -> ProductTable {
        let mut table = ProductTable::default();
        products.iter().cloned().for_each(|p| table.insert(p));
        table
    }

    #[test]
    fn removing_a_product_clears_every_index() {
        let shoe = product("shoe-1", "shoes", 500);
        let mut table = table(std::slice::from_ref(&shoe));

        assert!(table.remove(shoe.id).is_some());

        assert!(!table.sku_taken(&shoe.sku, None));
        assert!(table.by_price.is_empty());
        assert!(table.by_category.is_empty());
        assert_eq!(table.stats(&shoe.category).expect("stats").count, 0);
    }

    #[test]
    fn an_inverted_price_range_is_an_empty_page_in_both_directions() {
        let table = table(&[product("a", "c", 100), product("b", "c", 200)]);
        for sort in [PriceSort::Ascending, PriceSort::Descending] {
            let query =
                ProductQuery { min_price_minor: Some(300), max_price_minor: Some(50), sort, ..ProductQuery::default() };
            assert!(table.list(&query).items.is_empty());
        }
    }

    #[test]
    fn a_cursor_outside_the_price_range_starts_at_the_range() {
        let products = [product("a", "c", 100), product("b", "c", 200), product("d", "c", 300)];
        let table = table(&products);
        let far_below = ProductCursor { price_minor: 0, id: lowest_id() };
        let query = ProductQuery {
            min_price_minor: Some(150),
            after: Some(far_below),
            limit: PageLimit::new(1).expect("valid limit"),
            ..ProductQuery::default()
        };

        let page = table.list(&query);

        assert_eq!(page.items.iter().map(|p| p.price.minor()).collect::<Vec<_>>(), vec![200]);
        assert!(page.next_cursor.is_some());
    }
}
