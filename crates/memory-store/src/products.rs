//! [`ProductRepository`] in memory: unique skus, optimistic concurrency, keyset listing.

pub(crate) mod table;

use async_trait::async_trait;
use domain::idempotency::{Claim, Created, Scope};
use domain::pagination::Page;
use domain::product::{Category, CategoryStats, Product, ProductDraft, ProductQuery};
use domain::transfer::RequestMeta;
use domain::{Error, ProductId, ProductRepository, Result, Timestamp};

use crate::MemoryStore;
use crate::locks::{read, write};
use crate::products::table::ProductTable;

pub(crate) const TABLE: &str = "products";

/// Stores a new product with its event, refusing a taken id or sku.
fn insert_new(table: &mut ProductTable, product: Product, meta: &RequestMeta) -> Result<Product> {
    if table.get(product.id).is_some() {
        return Err(Error::exists("product", product.id));
    }
    if table.sku_taken(&product.sku, None) {
        return Err(Error::sku_taken(&product.sku));
    }
    table.audit.append(product.created_event(meta));
    table.insert(product.clone());
    Ok(product)
}

#[async_trait]
impl ProductRepository for MemoryStore {
    async fn create(&self, product: Product, meta: &RequestMeta) -> Result<Product> {
        let mut table = write(&self.inner.products, TABLE)?;
        insert_new(&mut table, product, meta)
    }

    async fn create_keyed(&self, product: Product, claim: Claim, meta: &RequestMeta) -> Result<Created<Product>> {
        // The key's check, the product, its event and the claim happen under the table's lock.
        let mut table = write(&self.inner.products, TABLE)?;
        let now = Timestamp::now();
        if let Some(stored) = table.keys.check(Scope::ProductCreate, &meta.principal, &claim, now)? {
            return Ok(Created::replay(stored));
        }
        let product = insert_new(&mut table, product, meta)?;
        table.keys.claim(Scope::ProductCreate, &meta.principal, claim, product.clone(), now, self.inner.key_lifetime);
        Ok(Created::fresh(product))
    }

    async fn get(&self, id: ProductId) -> Result<Product> {
        let table = read(&self.inner.products, TABLE)?;
        table.get(id).cloned().ok_or_else(|| Error::not_found("product", id))
    }

    async fn update(
        &self,
        id: ProductId,
        expected_version: u64,
        draft: ProductDraft,
        meta: &RequestMeta,
    ) -> Result<Product> {
        let mut table = write(&self.inner.products, TABLE)?;
        let current = table.get(id).ok_or_else(|| Error::not_found("product", id))?;
        if current.version != expected_version {
            return Err(Error::VersionMismatch {
                entity: "product",
                id: id.to_string(),
                expected: expected_version,
                actual: current.version,
            });
        }
        if table.sku_taken(&draft.sku, Some(id)) {
            return Err(Error::sku_taken(&draft.sku));
        }
        let updated = draft.apply_to(current, Timestamp::now());
        // Re-inserting moves the row in every index: its sku, price or category may have changed.
        table.remove(id);
        table.insert(updated.clone());
        table.audit.append(updated.updated_event(meta));
        Ok(updated)
    }

    async fn delete(&self, id: ProductId, meta: &RequestMeta) -> Result<()> {
        let mut table = write(&self.inner.products, TABLE)?;
        table.remove(id).ok_or_else(|| Error::not_found("product", id))?;
        table.audit.append(Product::deleted_event(id, meta));
        Ok(())
    }

    async fn list(&self, query: &ProductQuery) -> Result<Page<Product>> {
        let table = read(&self.inner.products, TABLE)?;
        Ok(table.list(query))
    }

    async fn category_stats(&self, category: &Category) -> Result<CategoryStats> {
        let table = read(&self.inner.products, TABLE)?;
        table.stats(category)
    }
}
