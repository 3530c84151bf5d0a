//! [`ProductIngest`] in memory: a batch is applied under one write lock, item by item, so drafts
//! sharing a sku within a batch behave as if sent one after the other and racing batches simply
//! queue on the lock.

use std::time::Duration;

use async_trait::async_trait;
use domain::ingest::{ItemResult, ProductIngest, UpsertOutcome};
use domain::product::ProductDraft;
use domain::{Result, Timestamp};

use crate::MemoryStore;
use crate::locks::write;

#[async_trait]
impl ProductIngest for MemoryStore {
    async fn upsert_batch(&self, drafts: Vec<ProductDraft>) -> Result<Vec<ItemResult>> {
        let now = Timestamp::now();
        let mut table = write(&self.inner.products, "products")?;
        let results = drafts
            .into_iter()
            .map(|draft| {
                let Some(current) = table.find_by_sku(&draft.sku) else {
                    table.insert(draft.into_product(now));
                    return Ok(UpsertOutcome::Inserted);
                };
                if current.has_content_of(&draft) {
                    return Ok(UpsertOutcome::Unchanged);
                }
                let updated = draft.apply_to(current, now);
                // Re-inserting moves the row in the price indexes: its price or category may differ.
                table.remove(updated.id);
                table.insert(updated);
                Ok(UpsertOutcome::Updated)
            })
            .collect();
        Ok(results)
    }

    /// A batch holds the lock for as long as it takes; there is nothing to time out.
    fn batch_time_limit(&self) -> Option<Duration> {
        None
    }
}

#[cfg(test)]
mod tests {
    use domain::ProductRepository as _;
    use domain::money::{Currency, Money};
    use domain::product::{Attributes, Category, ProductName, Sku};

    use super::*;

    fn draft(sku: &str, price: i64) -> ProductDraft {
        ProductDraft {
            sku: Sku::parse(sku).expect("valid sku"),
            name: ProductName::parse("a product").expect("valid name"),
            category: Category::parse("things").expect("valid category"),
            price: Money::new("price_minor", price, Currency::parse("EUR").expect("valid currency"))
                .expect("valid price"),
            attributes: Attributes::default(),
            tags: Vec::new(),
        }
    }

    #[tokio::test]
    async fn a_batch_reports_inserted_updated_and_unchanged_per_item() {
        let store = MemoryStore::new();
        store.upsert_batch(vec![draft("a", 100), draft("b", 100)]).await.expect("first batch");

        let results = store.upsert_batch(vec![draft("a", 100), draft("b", 250), draft("c", 1)]).await;

        let outcomes: Vec<_> = results.expect("second batch").into_iter().map(|r| r.expect("applied")).collect();
        assert_eq!(outcomes, [UpsertOutcome::Unchanged, UpsertOutcome::Updated, UpsertOutcome::Inserted]);
    }

    #[tokio::test]
    async fn an_update_bumps_the_version_and_keeps_id_and_creation_time() {
        let store = MemoryStore::new();
        store.upsert_batch(vec![draft("a", 100)]).await.expect("insert");
        let before = store.inner.products.read().expect("lock").find_by_sku(&draft("a", 1).sku).cloned();
        let before = before.expect("inserted product");

        store.upsert_batch(vec![draft("a", 200)]).await.expect("update");

        let after = store.get(before.id).await.expect("same id");
        assert_eq!((after.version, after.created_at, after.price.minor()), (2, before.created_at, 200));
    }
}
