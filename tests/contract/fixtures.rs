//! Builders and walkers shared by the contract tests. Every value a test stores is unique (skus,
//! categories, keys, subjects carry a fresh UUID), so tests never see each other's data even
//! when they share a server.

use std::fmt::Debug;
use std::future::Future;
use std::sync::{Arc, Barrier};

use domain::audit::{AuditEvent, AuditQuery, AuditSubject};
use domain::pagination::{IdCursor, PageLimit, ProductCursor};
use domain::product::{Attributes, Category, Product, ProductDraft, ProductName, ProductQuery, Sku, parse_tags};
use domain::transfer::{IdempotencyKey, RequestMeta, TransferCommand};
use domain::wallet::{LedgerEntry, LedgerQuery, NewWallet, Owner, Wallet};
use domain::{Currency, Error, Money, Timestamp, WalletId};
use uuid::Uuid;

use crate::support::TestStore;

/// The owner of every test wallet: personal data that must never reach an audit event.
pub const OWNER: &str = "Ada Lovelace";

/// A fresh lower-case hexadecimal suffix.
pub fn unique() -> String {
    Uuid::new_v4().simple().to_string()
}

/// Euros.
pub fn eur() -> Currency {
    Currency::parse("EUR").expect("EUR is a currency")
}

/// US dollars.
pub fn usd() -> Currency {
    Currency::parse("USD").expect("USD is a currency")
}

/// A page limit.
pub fn limit(n: u32) -> PageLimit {
    PageLimit::new(n).expect("a valid page limit")
}

/// A category no other test uses.
pub fn fresh_category() -> Category {
    Category::parse(&format!("cat-{}", unique())).expect("a valid category")
}

/// A sku no other test uses.
pub fn fresh_sku() -> Sku {
    Sku::parse(&format!("SKU-{}", unique())).expect("a valid sku")
}

/// A draft with a fresh sku, in `category`, at `price_minor` euro cents.
pub fn draft(category: &Category, price_minor: i64) -> ProductDraft {
    ProductDraft {
        sku: fresh_sku(),
        name: ProductName::parse("Contract test product").expect("a valid name"),
        category: category.clone(),
        price: Money::new("price_minor", price_minor, eur()).expect("a valid price"),
        attributes: Attributes::default(),
        tags: parse_tags(["contract"]).expect("valid tags"),
    }
}

/// Stores a new product made from `draft`.
pub async fn create_product(store: &TestStore, draft: ProductDraft) -> Product {
    store
        .repos
        .products
        .create(draft.into_product(Timestamp::now()), &crate::contract::fixtures::meta())
        .await
        .expect("create a product")
}

/// Opens a wallet holding `balance_minor` of `currency`.
pub async fn open_wallet(store: &TestStore, balance_minor: i64, currency: Currency) -> Wallet {
    let wallet = NewWallet {
        owner: Owner::parse(OWNER).expect("a valid owner"),
        opening_balance: Money::new("opening_balance", balance_minor, currency).expect("a valid balance"),
    }
    .into_wallet(Timestamp::now());
    store.repos.wallets.create(wallet, &crate::contract::fixtures::meta()).await.expect("open a wallet")
}

/// The current balance of a wallet.
pub async fn balance(store: &TestStore, id: WalletId) -> i64 {
    store.repos.wallets.get(id).await.expect("read a wallet").balance_minor
}

/// A transfer of `amount_minor` euro cents.
pub fn euros(from: WalletId, to: WalletId, amount_minor: i64) -> TransferCommand {
    TransferCommand::new(from, to, amount_minor, eur()).expect("a valid transfer command")
}

/// An idempotency key no other test uses.
pub fn fresh_key() -> IdempotencyKey {
    IdempotencyKey::parse(&format!("key-{}", unique())).expect("a valid idempotency key")
}

/// The caller recorded in audit events.
pub fn meta() -> RequestMeta {
    RequestMeta::of_principal("contract-suite", format!("req-{}", unique()))
}

/// Asserts that `result` is [`Error::NotFound`].
pub fn assert_not_found<T: Debug>(result: Result<T, Error>, what: &str) {
    assert!(matches!(result, Err(Error::NotFound { .. })), "{what}: expected NotFound, got {result:?}");
}

/// Asserts that `result` is exactly `expected`: the same variant with the same text, which is
/// what every store must answer for the same input (the errors are built by `domain`).
pub fn assert_error<T: Debug>(result: Result<T, Error>, expected: &Error, what: &str) {
    match result {
        Err(error) => assert_eq!(format!("{error:?}"), format!("{expected:?}"), "{what}: not the expected error"),
        Ok(value) => panic!("{what}: expected {expected:?}, got Ok({value:?})"),
    }
}

/// Every page of a product listing from its start; asserts each page respects the limit.
pub async fn product_pages(store: &TestStore, mut query: ProductQuery, expected_items: usize) -> Vec<Vec<Product>> {
    let mut pages = Vec::new();
    // A bound on the walk turns a cursor that never ends into a failure instead of a hang.
    for _ in 0..=expected_items / query.limit.get() + 1 {
        let page = store.repos.products.list(&query).await.expect("list products");
        assert!(page.items.len() <= query.limit.get(), "a page holds more than its limit");
        pages.push(page.items);
        let Some(cursor) = page.next_cursor else { return pages };
        query.after = Some(ProductCursor::decode(&cursor).expect("a product cursor the store issued"));
    }
    panic!("the listing did not end after {} pages", pages.len());
}

/// A wallet's whole ledger, newest first, walked page by page.
pub async fn whole_ledger(store: &TestStore, wallet_id: WalletId) -> Vec<LedgerEntry> {
    let mut query = LedgerQuery { wallet_id, limit: limit(PageLimit::MAX), after: None };
    let mut entries = Vec::new();
    loop {
        let page = store.repos.wallets.ledger(&query).await.expect("read a ledger");
        entries.extend(page.items);
        let Some(cursor) = page.next_cursor else { return entries };
        query.after = Some(IdCursor::decode(&cursor).expect("a ledger cursor the store issued"));
    }
}

/// Every audit event about `subject`, newest first (one page: tests write a handful).
pub async fn audit_of(store: &TestStore, subject: AuditSubject) -> Vec<AuditEvent> {
    let query = AuditQuery { subject: Some(subject), limit: limit(PageLimit::MAX), ..AuditQuery::default() };
    let page = store.repos.audit.list(&query).await.expect("list audit events");
    assert!(page.next_cursor.is_none(), "more audit events than one page");
    page.items
}

/// Runs `job(0..count)` on `count` threads released together, so that in-memory stores see real
/// parallelism (not only interleaving at await points), and returns the results in index order.
pub async fn in_parallel<T, F, Fut>(count: usize, job: F) -> Vec<T>
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = T>,
    T: Send + 'static,
{
    let runtime = tokio::runtime::Handle::current();
    let start = Arc::new(Barrier::new(count));
    let job = Arc::new(job);
    let threads: Vec<_> = (0..count)
        .map(|index| {
            let (runtime, start, job) = (runtime.clone(), Arc::clone(&start), Arc::clone(&job));
            tokio::task::spawn_blocking(move || {
                start.wait();
                runtime.block_on(job(index))
            })
        })
        .collect();
    let mut results = Vec::with_capacity(count);
    for thread in threads {
        results.push(thread.await.expect("a parallel job panicked"));
    }
    results
}

/// A small deterministic generator (xorshift64*): reproducible "random" workloads without a
/// dependency.
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed` (any value, zero included).
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// A number in `0..bound`.
    pub fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % bound
    }
}
