//! Batches racing on one sku, and drafts sharing a sku within a batch: never an error.

use domain::ingest::{ItemResult, UpsertOutcome};
use domain::money::{Currency, Money};
use domain::product::{Attributes, Category, ProductDraft, ProductName, Sku};

use super::fixtures::{Harness, stored};
use crate::support::fixture::store_test;

fn draft(sku: &str, price: i64) -> ProductDraft {
    ProductDraft {
        sku: Sku::parse(sku).expect("valid sku"),
        name: ProductName::parse("Racing lamp").expect("valid name"),
        category: Category::parse("home").expect("valid category"),
        price: Money::new("price_minor", price, Currency::parse("EUR").expect("valid currency")).expect("valid price"),
        attributes: Attributes::default(),
        tags: Vec::new(),
    }
}

fn outcomes(results: Vec<ItemResult>) -> Vec<UpsertOutcome> {
    results.into_iter().map(|r| r.expect("no item fails")).collect()
}

#[store_test(memory, mongo, update_commands::mongo)]
async fn two_batches_racing_on_one_sku_end_as_insert_and_update(harness: &Harness) {
    // Arrange: many fresh skus, each in both batches with different prices.
    let skus: Vec<String> = (0..20).map(|i| format!("RACE-{i}")).collect();
    let first: Vec<ProductDraft> = skus.iter().map(|s| draft(s, 100)).collect();
    let second: Vec<ProductDraft> = skus.iter().map(|s| draft(s, 200)).collect();
    let port = &harness.target.port;

    // Act
    let (a, b) = tokio::join!(port.upsert_batch(first), port.upsert_batch(second));

    // Assert
    let (a, b) = (outcomes(a.expect("first batch")), outcomes(b.expect("second batch")));
    for (x, y) in a.iter().zip(&b) {
        let mut pair = [*x, *y];
        pair.sort_by_key(|o| *o as u8);
        assert_eq!(pair, [UpsertOutcome::Inserted, UpsertOutcome::Updated]);
    }
    let products = stored(harness).await;
    assert_eq!(products.len(), 20);
    assert!(products.iter().all(|p| p.version == 2));
}

#[store_test(memory, mongo, update_commands::mongo)]
async fn drafts_sharing_a_sku_in_one_batch_apply_one_after_the_other(harness: &Harness) {
    let batch = vec![draft("SAME-1", 100), draft("SAME-1", 200), draft("SAME-1", 200)];

    let results = harness.target.port.upsert_batch(batch).await.expect("batch");

    let mut got = outcomes(results);
    got.sort_by_key(|o| *o as u8);
    assert_eq!(got, [UpsertOutcome::Inserted, UpsertOutcome::Updated, UpsertOutcome::Unchanged]);
    let products = stored(harness).await;
    assert_eq!((products.len(), products[0].version), (1, 2));
}
