//! Keyset listing (ordered by price then id, filtered by category and price range) and category
//! statistics.

use domain::ProductId;
use domain::product::{Category, CategoryStats, PriceSort, Product, ProductQuery};

use crate::contract::fixtures::{create_product, draft, fresh_category, limit, product_pages, unique};
use crate::support::TestStore;
use crate::support::fixture::store_test;

/// Prices with ties, so the id has to break them.
const PRICES: [i64; 11] = [500, 100, 300, 100, 200, 300, 100, 400, 200, 500, 300];

async fn seed(store: &TestStore, category: &Category, prices: &[i64]) -> Vec<Product> {
    let mut products = Vec::with_capacity(prices.len());
    for price in prices {
        products.push(create_product(store, draft(category, *price)).await);
    }
    products
}

/// The ids of `products` that `keep` admits, in the listing's documented order.
fn in_order(products: &[Product], sort: PriceSort, keep: impl Fn(&Product) -> bool) -> Vec<ProductId> {
    let mut keys: Vec<(i64, ProductId)> =
        products.iter().filter(|p| keep(p)).map(|p| (p.price.minor(), p.id)).collect();
    keys.sort_unstable();
    if sort == PriceSort::Descending {
        keys.reverse();
    }
    keys.into_iter().map(|(_, id)| id).collect()
}

fn ids(pages: &[Vec<Product>]) -> Vec<ProductId> {
    pages.iter().flatten().map(|p| p.id).collect()
}

fn sizes(pages: &[Vec<Product>]) -> Vec<usize> {
    pages.iter().map(Vec::len).collect()
}

async fn walks_one_category_in_order(store: &TestStore, sort: PriceSort) {
    let category = fresh_category();
    let products = seed(store, &category, &PRICES).await;
    seed(store, &fresh_category(), &PRICES).await;
    let query = ProductQuery { category: Some(category), sort, limit: limit(4), ..ProductQuery::default() };

    let pages = product_pages(store, query, PRICES.len()).await;

    assert_eq!(ids(&pages), in_order(&products, sort, |_| true));
    assert_eq!(sizes(&pages), vec![4, 4, 3]);
}

#[store_test]
async fn ascending_pages_walk_every_product_of_a_category_once_in_order(store: &TestStore) {
    walks_one_category_in_order(store, PriceSort::Ascending).await;
}

#[store_test]
async fn descending_pages_walk_every_product_of_a_category_once_in_order(store: &TestStore) {
    walks_one_category_in_order(store, PriceSort::Descending).await;
}

#[store_test]
async fn a_price_range_keeps_exactly_the_prices_within_its_inclusive_bounds(store: &TestStore) {
    let category = fresh_category();
    let products = seed(store, &category, &PRICES).await;

    for sort in [PriceSort::Ascending, PriceSort::Descending] {
        let query = ProductQuery {
            category: Some(category.clone()),
            min_price_minor: Some(200),
            max_price_minor: Some(400),
            sort,
            limit: limit(2),
            after: None,
        };

        let pages = product_pages(store, query, PRICES.len()).await;

        let expected = in_order(&products, sort, |p| (200..=400).contains(&p.price.minor()));
        assert_eq!(expected.len(), 6, "the fixture should have six prices in range");
        assert_eq!(ids(&pages), expected, "{sort:?}");
        assert_eq!(sizes(&pages), vec![2, 2, 2], "{sort:?}: a full last page must not carry a cursor");
    }
}

#[store_test]
async fn a_listing_without_a_category_walks_every_category_in_the_price_range(store: &TestStore) {
    // A price band of its own keeps products of other tests on the same server out of the range.
    let band = 10_000_000 + i64::from(u16::from_str_radix(&unique()[..4], 16).expect("hex digits")) * 1000;
    let prices = [band, band + 10, band + 10, band + 20];
    let mut products = seed(store, &fresh_category(), &prices).await;
    products.extend(seed(store, &fresh_category(), &prices).await);

    for sort in [PriceSort::Ascending, PriceSort::Descending] {
        let query = ProductQuery {
            min_price_minor: Some(band),
            max_price_minor: Some(band + 20),
            sort,
            limit: limit(3),
            ..ProductQuery::default()
        };

        let pages = product_pages(store, query, products.len()).await;

        assert_eq!(ids(&pages), in_order(&products, sort, |_| true), "{sort:?}");
        assert_eq!(sizes(&pages), vec![3, 3, 2], "{sort:?}");
    }
}

#[store_test]
async fn an_empty_category_lists_one_empty_page_without_a_cursor(store: &TestStore) {
    let query = ProductQuery { category: Some(fresh_category()), ..ProductQuery::default() };

    let page = store.repos.products.list(&query).await.expect("list an empty category");

    assert!(page.items.is_empty());
    assert_eq!(page.next_cursor, None);
}

#[store_test]
async fn category_stats_give_count_min_max_and_mean_of_that_category_only(store: &TestStore) {
    let category = fresh_category();
    seed(store, &category, &[100, 200, 600]).await;
    seed(store, &fresh_category(), &[5, 10_000]).await;

    let stats = store.repos.products.category_stats(&category).await.expect("category stats");

    let expected = CategoryStats {
        count: 3,
        min_price_minor: Some(100),
        max_price_minor: Some(600),
        avg_price_minor: Some(300.0),
    };
    assert_eq!(stats, expected);
}

#[store_test]
async fn category_stats_follow_updates_and_deletes(store: &TestStore) {
    let category = fresh_category();
    let products = seed(store, &category, &[100, 200, 600]).await;
    let (cheapest, dearest) = (&products[0], &products[2]);
    let mut repriced = draft(&category, 900);
    repriced.sku = dearest.sku.clone();
    store
        .repos
        .products
        .update(dearest.id, dearest.version, repriced, &crate::contract::fixtures::meta())
        .await
        .expect("reprice a product");
    store.repos.products.delete(cheapest.id, &crate::contract::fixtures::meta()).await.expect("delete a product");

    let stats = store.repos.products.category_stats(&category).await.expect("category stats");

    let expected = CategoryStats {
        count: 2,
        min_price_minor: Some(200),
        max_price_minor: Some(900),
        avg_price_minor: Some(550.0),
    };
    assert_eq!(stats, expected);
}

#[store_test]
async fn an_unknown_category_has_a_count_of_zero_and_no_prices(store: &TestStore) {
    let category = fresh_category();

    let stats = store.repos.products.category_stats(&category).await.expect("category stats");

    assert_eq!(stats, CategoryStats { count: 0, min_price_minor: None, max_price_minor: None, avg_price_minor: None });
}
