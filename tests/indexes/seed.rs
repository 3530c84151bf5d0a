//! A small shop, written through the ports so every collection holds documents as the store
//! writes them: enough rows per category, subject and wallet that the server's planner prefers
//! the registry's indexes for the reasons it would in production (selective equality first).

use std::collections::BTreeMap;

use domain::audit::{AuditAction, AuditEvent, AuditSubject};
use domain::feed::Feed;
use domain::product::{Attributes, Category, ProductDraft, ProductName, Sku, parse_tags};
use domain::session::{Session, TokenHash};
use domain::transfer::{IdempotencyKey, RequestMeta, TransferCommand};
use domain::wallet::{NewWallet, Owner};
use domain::{AuditEventId, Currency, Money, Timestamp, UserId};
use mongo_store::MongoStore;
use mongodb::bson::{DateTime, Document, doc};

const CATEGORIES: usize = 10;
const PRODUCTS_PER_CATEGORY: usize = 30;
const WALLETS: usize = 10;
const TRANSFERS: usize = 20;
const SUBJECTS: usize = 60;

fn eur() -> Currency {
    Currency::parse("EUR").expect("EUR is a currency")
}

/// Writes everything but transfers; returns the wallets.
pub async fn catalog(store: &MongoStore) -> Vec<domain::WalletId> {
    let repos = store.repositories();
    for n in 0..CATEGORIES * PRODUCTS_PER_CATEGORY {
        let draft = ProductDraft {
            sku: Sku::parse(&format!("SEED-{n:05}")).expect("a valid sku"),
            name: ProductName::parse(&format!("Seeded product {n}")).expect("a valid name"),
            category: Category::parse(&format!("seed-{}", n % CATEGORIES)).expect("a valid category"),
            price: Money::new("price_minor", i64::try_from(n * 7 % 1000).expect("small"), eur()).expect("a price"),
            attributes: Attributes::default(),
            tags: parse_tags(["seed"]).expect("valid tags"),
        };
        repos
            .products
            .create(draft.into_product(Timestamp::now()), &crate::contract::fixtures::meta())
            .await
            .expect("seed a product");
    }
    let mut wallets = Vec::new();
    for _ in 0..WALLETS {
        let wallet = NewWallet {
            owner: Owner::parse("Seed Owner").expect("a valid owner"),
            opening_balance: Money::new("opening_balance", 100_000, eur()).expect("a valid balance"),
        };
        wallets.push(
            repos
                .wallets
                .create(wallet.into_wallet(Timestamp::now()), &crate::contract::fixtures::meta())
                .await
                .expect("seed a wallet")
                .id,
        );
    }
    for n in 0..SUBJECTS * 2 {
        let event = AuditEvent {
            id: AuditEventId::new(),
            at: Timestamp::now(),
            actor: "seed".to_owned(),
            action: AuditAction::parse(if n % 2 == 0 { "seed.created" } else { "seed.updated" }).expect("an action"),
            subject: AuditSubject::of("seed", n / 2),
            request_id: format!("seed-{n}"),
            details: BTreeMap::new(),
        };
        repos.audit.append(event).await.expect("seed an audit event");
    }
    for n in 0..5_u8 {
        let token_hash = TokenHash::parse(&format!("{n:02x}").repeat(32)).expect("a valid hash");
        let expires_at = Timestamp::now().plus_millis(3_600_000);
        let session = Session { token_hash, user_id: UserId::new(), created_at: Timestamp::now(), expires_at };
        repos.sessions.create(session, &crate::contract::fixtures::meta()).await.expect("seed a session");
        let feed = Feed { user_id: UserId::new(), product_ids: Vec::new(), generated_at: Timestamp::now() };
        repos.feeds.put(feed).await.expect("seed a feed");
    }
    migration_bookkeeping(store).await;
    wallets
}

/// Transfers between `wallets` (ledger entries, transfers, idempotency records, audit events).
pub async fn transfers(store: &MongoStore, wallets: &[domain::WalletId]) {
    let repos = store.repositories();
    for n in 0..TRANSFERS {
        let (from, to) = (wallets[n % WALLETS], wallets[(n + 1) % WALLETS]);
        let command = TransferCommand::new(from, to, 100, eur()).expect("a valid transfer");
        let key = IdempotencyKey::parse(&format!("seed-{n}")).expect("a valid key");
        let meta = RequestMeta::of_principal("seed", format!("seed-transfer-{n}"));
        repos.wallets.transfer(command, key, meta).await.expect("seed a transfer");
    }
}

/// A few changelog runs and a lease, as the migration runner leaves them.
async fn migration_bookkeeping(store: &MongoStore) {
    let now = DateTime::now();
    let runs: Vec<Document> = (0..3)
        .map(|n| {
            doc! {
                "_id": format!("run-{n}"), "migration": format!("seed_migration_{}", n % 2), "collection": "products",
                "state": "completed", "started_at": now, "updated_at": now,
            }
        })
        .collect();
    let database = store.database();
    database.collection::<Document>("migration_runs").insert_many(runs).await.expect("seed migration runs");
    let lease = doc! { "_id": "products", "holder": "seed", "expires_at": now };
    database.collection::<Document>("migration_leases").insert_one(lease).await.expect("seed a lease");
}
