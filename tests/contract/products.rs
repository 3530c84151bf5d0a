//! `ProductRepository`: unique skus, lookups, optimistic concurrency. Listing and statistics are
//! in `listing`.

mod listing;

use domain::product::ProductName;
use domain::{Error, ProductId, Timestamp};

use super::fixtures::{assert_error, assert_not_found, create_product, draft, fresh_category, fresh_sku};
use crate::support::TestStore;
use crate::support::fixture::store_test;

#[store_test]
async fn a_created_product_reads_back_as_given(store: &TestStore) {
    let product = draft(&fresh_category(), 1999).into_product(Timestamp::now());

    let created = store
        .repos
        .products
        .create(product.clone(), &crate::contract::fixtures::meta())
        .await
        .expect("create the product");

    assert_eq!(created, product);
    assert_eq!(store.repos.products.get(product.id).await.expect("read the product back"), product);
}

#[store_test]
async fn creating_a_product_with_a_taken_sku_is_a_conflict(store: &TestStore) {
    let category = fresh_category();
    let first = create_product(store, draft(&category, 100)).await;
    let mut twin = draft(&category, 200);
    twin.sku = first.sku.clone();
    let twin = twin.into_product(Timestamp::now());

    let result = store.repos.products.create(twin.clone(), &crate::contract::fixtures::meta()).await;

    assert_error(result, &Error::sku_taken(&first.sku), "create with a taken sku");
    assert_not_found(store.repos.products.get(twin.id).await, "the refused product");
}

#[store_test]
async fn updating_a_product_to_another_products_sku_is_a_conflict(store: &TestStore) {
    let category = fresh_category();
    let taken = create_product(store, draft(&category, 100)).await;
    let product = create_product(store, draft(&category, 200)).await;
    let mut change = draft(&category, 300);
    change.sku = taken.sku.clone();

    let result =
        store.repos.products.update(product.id, product.version, change, &crate::contract::fixtures::meta()).await;

    assert_error(result, &Error::sku_taken(&taken.sku), "update to a taken sku");
    assert_eq!(store.repos.products.get(product.id).await.expect("read the product"), product);
}

#[store_test]
async fn a_product_may_keep_its_own_sku_when_updated(store: &TestStore) {
    let product = create_product(store, draft(&fresh_category(), 100)).await;
    let mut change = draft(&product.category, 150);
    change.sku = product.sku.clone();

    let updated = store
        .repos
        .products
        .update(product.id, product.version, change, &crate::contract::fixtures::meta())
        .await
        .expect("update the product");

    assert_eq!((updated.sku, updated.price.minor()), (product.sku, 150));
}

#[store_test]
async fn an_sku_given_up_by_update_or_delete_can_be_used_again(store: &TestStore) {
    let category = fresh_category();
    let renamed = create_product(store, draft(&category, 100)).await;
    let deleted = create_product(store, draft(&category, 100)).await;
    let mut change = draft(&category, 100);
    change.sku = fresh_sku();
    store
        .repos
        .products
        .update(renamed.id, renamed.version, change, &crate::contract::fixtures::meta())
        .await
        .expect("move to another sku");
    store.repos.products.delete(deleted.id, &crate::contract::fixtures::meta()).await.expect("delete the product");

    for old in [renamed, deleted] {
        let mut reuse = draft(&category, 100);
        reuse.sku = old.sku.clone();
        create_product(store, reuse).await;
    }
}

#[store_test]
async fn unknown_product_ids_are_not_found_by_get_update_and_delete(store: &TestStore) {
    let unknown = ProductId::new();

    let got = store.repos.products.get(unknown).await;
    let updated = store
        .repos
        .products
        .update(unknown, 1, draft(&fresh_category(), 100), &crate::contract::fixtures::meta())
        .await;
    let deleted = store.repos.products.delete(unknown, &crate::contract::fixtures::meta()).await;

    assert_not_found(got, "get");
    assert_not_found(updated, "update");
    assert_not_found(deleted, "delete");
}

#[store_test]
async fn a_deleted_product_is_gone(store: &TestStore) {
    let product = create_product(store, draft(&fresh_category(), 100)).await;

    store.repos.products.delete(product.id, &crate::contract::fixtures::meta()).await.expect("delete the product");

    assert_not_found(store.repos.products.get(product.id).await, "get after delete");
    assert_not_found(
        store.repos.products.delete(product.id, &crate::contract::fixtures::meta()).await,
        "second delete",
    );
}

#[store_test]
async fn update_with_a_stale_version_is_refused_and_changes_nothing(store: &TestStore) {
    let product = create_product(store, draft(&fresh_category(), 100)).await;
    let current = store
        .repos
        .products
        .update(product.id, product.version, draft(&product.category, 200), &crate::contract::fixtures::meta())
        .await
        .expect("first update");

    let result = store
        .repos
        .products
        .update(product.id, product.version, draft(&product.category, 300), &crate::contract::fixtures::meta())
        .await;

    match result {
        Err(Error::VersionMismatch { expected, actual, .. }) => {
            assert_eq!((expected, actual), (product.version, current.version));
        }
        other => panic!("expected VersionMismatch, got {other:?}"),
    }
    assert_eq!(store.repos.products.get(product.id).await.expect("read the product"), current);
}

#[store_test]
async fn update_replaces_the_fields_bumps_the_version_and_sets_updated_at(store: &TestStore) {
    let an_hour_ago = Timestamp::now().plus_millis(-3_600_000);
    let product = store
        .repos
        .products
        .create(draft(&fresh_category(), 100).into_product(an_hour_ago), &crate::contract::fixtures::meta())
        .await
        .expect("create the product");
    let mut change = draft(&fresh_category(), 250);
    change.name = ProductName::parse("Renamed").expect("a valid name");
    let before = Timestamp::now();

    let updated = store
        .repos
        .products
        .update(product.id, product.version, change.clone(), &crate::contract::fixtures::meta())
        .await
        .expect("update");

    assert_eq!(updated.version, product.version + 1);
    assert_eq!((updated.id, updated.created_at), (product.id, an_hour_ago));
    assert!(updated.updated_at >= before, "updated_at was not set by the update");
    assert_eq!((&updated.sku, &updated.name, &updated.category), (&change.sku, &change.name, &change.category));
    assert_eq!((updated.price, &updated.tags), (change.price, &change.tags));
    assert_eq!(store.repos.products.get(product.id).await.expect("read the product"), updated);
}
