//! Products on the standard profile (statistics on the analytics profile): unique sku, optimistic
//! concurrency in the update filter, keyset pages served by the registry's compound indexes.

use async_trait::async_trait;
use bson::{Bson, Document, doc};
use domain::idempotency::{Claim, Created, Scope};
use domain::pagination::ProductCursor;
use domain::ports::ProductRepository;
use domain::product::{Category, CategoryStats, PriceSort, Product, ProductDraft, ProductQuery};
use domain::transfer::RequestMeta;
use domain::{Error, Page, ProductId, Result, Timestamp};
use mongo_kit::time_limit::TimeLimited as _;
use mongodb::options::ReturnDocument;

use crate::audited;
use crate::classify::classify;
use crate::documents::{ProductDoc, draft_fields, stored_u64, stored_uuid};
use crate::keyed::{self, create::KeyedInsert};
use crate::store::MongoStore;
use mongo_kit::profiles::OperationClass::Analytics;

#[async_trait]
impl ProductRepository for MongoStore {
    async fn create(&self, product: Product, meta: &RequestMeta) -> Result<Product> {
        let (document, event) = (ProductDoc::from(&product), product.created_event(meta));
        let conflict = || Error::sku_taken(&product.sku).to_string();
        let store = self.clone();
        audited::run(self, conflict, async move |session| {
            Ok(audited::insert(&store, session, &store.collections().products, &document, &event).await?)
        })
        .await?;
        Ok(product)
    }

    async fn create_keyed(&self, product: Product, claim: Claim, meta: &RequestMeta) -> Result<Created<Product>> {
        let target = &self.collections().products;
        let document = ProductDoc::from(&product);
        let response = document.clone();
        let event = product.created_event(meta);
        let insert =
            KeyedInsert { scope: Scope::ProductCreate, claim: &claim, meta, target, document, event, response };
        let created = keyed::create::run(self, insert, || Error::sku_taken(&product.sku).to_string()).await?;
        Ok(Created { value: created.value.try_into()?, replayed: created.replayed })
    }

    async fn get(&self, id: ProductId) -> Result<Product> {
        let products = &self.collections().products;
        let find = products.find_one(doc! { "_id": stored_uuid(id.as_uuid()) });
        products.read(find).await?.ok_or_else(|| Error::not_found("product", id))?.try_into()
    }

    async fn update(
        &self,
        id: ProductId,
        expected_version: u64,
        draft: ProductDraft,
        meta: &RequestMeta,
    ) -> Result<Product> {
        let sku = draft.sku.clone();
        let filter = doc! { "_id": stored_uuid(id.as_uuid()), "version": stored_u64(expected_version) };
        let change = doc! { "$set": draft_fields(&draft, Timestamp::now())?, "$inc": { "version": 1_i64 } };
        let conflict = || Error::sku_taken(&sku).to_string();
        let (store, meta) = (self.clone(), meta.clone());
        let updated = audited::run(self, conflict, async move |session| {
            let products = &store.collections().products;
            let update =
                products.find_one_and_update(filter.clone(), change.clone()).return_document(ReturnDocument::After);
            let Some(stored) = products.run(update.time_limited(products.profile()).session(&mut *session)).await?
            else {
                return Ok(None);
            };
            let product = Product::try_from(stored).map_err(audited::stop)?;
            audited::append(&store, session, &product.updated_event(&meta)).await?;
            Ok(Some(product))
        })
        .await?;
        if let Some(product) = updated {
            return Ok(product);
        }
        // No match: either the product is gone or its version moved on. Reading tells which.
        let current = ProductRepository::get(self, id).await?;
        Err(Error::VersionMismatch {
            entity: "product",
            id: id.to_string(),
            expected: expected_version,
            actual: current.version,
        })
    }

    async fn delete(&self, id: ProductId, meta: &RequestMeta) -> Result<()> {
        let filter = doc! { "_id": stored_uuid(id.as_uuid()) };
        let (store, meta) = (self.clone(), meta.clone());
        let deleted = audited::run(self, String::new, async move |session| {
            let products = &store.collections().products;
            let result = products.run(products.delete_one(filter.clone()).session(&mut *session)).await?;
            if result.deleted_count == 0 {
                return Ok(false);
            }
            audited::append(&store, session, &Product::deleted_event(id, &meta)).await?;
            Ok(true)
        })
        .await?;
        if deleted { Ok(()) } else { Err(Error::not_found("product", id)) }
    }

    async fn list(&self, query: &ProductQuery) -> Result<Page<Product>> {
        let products = &self.collections().products;
        let direction = match query.sort {
            PriceSort::Ascending => 1,
            PriceSort::Descending => -1,
        };
        let find = products
            .find(list_filter(query))
            .sort(doc! { "price_minor": direction, "_id": direction })
            .limit(super::wallets::overfetch(query.limit));
        let docs: Vec<ProductDoc> = products.read_all(find).await?;
        let products = docs.into_iter().map(Product::try_from).collect::<Result<Vec<_>>>()?;
        Ok(Page::from_overfetch(products, query.limit, |p| {
            ProductCursor { price_minor: p.price.minor(), id: p.id }.encode()
        }))
    }

    async fn category_stats(&self, category: &Category) -> Result<CategoryStats> {
        let pipeline = stats_pipeline(Bson::from(category.as_str()));
        // Statistics may be computed on a secondary: the session makes it apply this store's
        // product writes first.
        let mut session = self.read_session(Analytics).await.map_err(classify)?;
        let groups = self.collections().product_stats.aggregate_all(pipeline, session.as_mut()).await?;
        let Some(group) = groups.into_iter().next() else { return Ok(CategoryStats::default()) };
        Ok(CategoryStats {
            count: integer(group.get("count")).and_then(|n| u64::try_from(n).ok()).unwrap_or(0),
            min_price_minor: integer(group.get("min")),
            max_price_minor: integer(group.get("max")),
            avg_price_minor: match group.get("avg") {
                Some(Bson::Double(avg)) => Some(*avg),
                other => integer(other).map(|n| n as f64),
            },
        })
    }
}

/// The category statistics aggregation for `category`. The index audit explains this same
/// pipeline.
pub(crate) fn stats_pipeline(category: Bson) -> Vec<Document> {
    vec![
        doc! { "$match": { "category": category } },
        doc! { "$group": {
            "_id": Bson::Null,
            "count": { "$sum": 1 },
            "min": { "$min": "$price_minor" },
            "max": { "$max": "$price_minor" },
            "avg": { "$avg": "$price_minor" },
        } },
    ]
}

/// Filters (category equality, price range) and the keyset condition after the cursor: the next
/// page starts strictly after (price, id) in the listing's direction.
fn list_filter(query: &ProductQuery) -> Document {
    let mut clauses = Vec::new();
    if let Some(category) = &query.category {
        clauses.push(doc! { "category": category.as_str() });
    }
    let mut range = Document::new();
    if let Some(min) = query.min_price_minor {
        range.insert("$gte", min);
    }
    if let Some(max) = query.max_price_minor {
        range.insert("$lte", max);
    }
    if !range.is_empty() {
        clauses.push(doc! { "price_minor": range });
    }
    if let Some(after) = &query.after {
        let op = match query.sort {
            PriceSort::Ascending => "$gt",
            PriceSort::Descending => "$lt",
        };
        let id = stored_uuid(after.id.as_uuid());
        clauses.push(doc! { "$or": [
            { "price_minor": { op: after.price_minor } },
            { "price_minor": after.price_minor, "_id": { op: id } },
        ] });
    }
    if clauses.is_empty() {
        Document::new()
    } else {
        doc! { "$and": clauses }
    }
}

/// An integer the server computed: Int32 or Int64 depending on its size.
fn integer(value: Option<&Bson>) -> Option<i64> {
    match value? {
        Bson::Int32(n) => Some(i64::from(*n)),
        Bson::Int64(n) => Some(*n),
        _ => None,
    }
}
