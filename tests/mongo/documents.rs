//! The stored shapes, read back as raw BSON: what any other driver would see.

use domain::product::{Attributes, Category, ProductDraft, ProductName, Sku};
use domain::session::{Session, SessionTtl};
use domain::wallet::{NewWallet, Owner};
use domain::{Currency, Money, Timestamp, UserId};
use mongodb::bson::spec::BinarySubtype;
use mongodb::bson::{Bson, Document, doc};

use crate::support::fixture::{TestName, store_test};
use crate::support::mongo;

fn eur() -> Currency {
    Currency::parse("EUR").expect("a valid currency")
}

fn assert_uuid(document: &Document, field: &str) {
    match document.get(field) {
        Some(Bson::Binary(binary)) => assert_eq!(binary.subtype, BinarySubtype::Uuid, "{field} in {document}"),
        other => panic!("{field} is not a binary UUID: {other:?} in {document}"),
    }
}

fn assert_date(document: &Document, field: &str) {
    assert!(matches!(document.get(field), Some(Bson::DateTime(_))), "{field} is not a date in {document}");
}

/// Money and versions are written as Int64. A server that narrows small integers to Int32 on the
/// way back (the CI stand-in does) still must return integers: that is checked, and the width
/// check is skipped by name.
fn assert_int64(document: &Document, field: &str, keeps_int64: bool) {
    if keeps_int64 {
        assert!(matches!(document.get(field), Some(Bson::Int64(_))), "{field} is not an Int64 in {document}");
    } else {
        assert!(
            matches!(document.get(field), Some(Bson::Int64(_) | Bson::Int32(_))),
            "{field} is not an integer in {document}"
        );
    }
}

/// Whether the server returns an Int64 it stored as an Int64, whatever its value.
async fn server_keeps_int64(store: &mongo_store::MongoStore) -> bool {
    let scratch = store.database().collection::<Document>("int64_probe");
    let _ = scratch.insert_one(doc! { "_id": 1, "n": 1_i64 }).await;
    let read = scratch.find_one(doc! { "_id": 1 }).await.ok().flatten();
    let _ = scratch.drop().await;
    matches!(read.as_ref().and_then(|d| d.get("n")), Some(Bson::Int64(_)))
}

#[store_test(mongo)]
async fn stored_documents_use_binary_uuids_int64_money_dates_and_a_schema_version(test: &TestName) {
    let Some(store) = mongo::connect(test).await else { return };
    let keeps_int64 = server_keeps_int64(&store).await;
    if !keeps_int64 {
        mongo_kit_test::skip::skip(
            &format!("{test} (Int64 width)"),
            "the server returns small Int64 values as Int32 (capability probe); integer type still checked",
        );
    }
    let repos = store.repositories();
    let now = Timestamp::now();
    let draft = ProductDraft {
        sku: Sku::parse(&format!("DOC-{}", uuid::Uuid::new_v4().simple())).expect("a valid sku"),
        name: ProductName::parse("Stored shape").expect("a valid name"),
        category: Category::parse("shapes").expect("a valid category"),
        price: Money::new("price_minor", 1999, eur()).expect("a valid price"),
        attributes: Attributes::default(),
        tags: Vec::new(),
    };
    let product = repos
        .products
        .create(draft.into_product(now), &crate::contract::fixtures::meta())
        .await
        .expect("create a product");
    let owner = Owner::parse("Shape Owner").expect("a valid owner");
    let opening = Money::new("opening_balance", 500, eur()).expect("a valid balance");
    let wallet = repos
        .wallets
        .create(NewWallet { owner, opening_balance: opening }.into_wallet(now), &crate::contract::fixtures::meta())
        .await;
    let wallet = wallet.expect("create a wallet");
    let ttl = SessionTtl::from_seconds(60).expect("a valid ttl");
    let (_, session) = Session::issue(UserId::new(), ttl, now);
    repos.sessions.create(session.clone(), &crate::contract::fixtures::meta()).await.expect("create a session");

    let raw = |name: &str| store.database().collection::<Document>(name);
    let product_doc = raw("products").find_one(doc! {}).await.expect("read products").expect("one product");
    let wallet_doc = raw("wallets").find_one(doc! {}).await.expect("read wallets").expect("one wallet");
    let session_doc = raw("sessions").find_one(doc! {}).await.expect("read sessions").expect("one session");
    store.drop_database().await.expect("drop the test database");

    assert_uuid(&product_doc, "_id");
    assert_int64(&product_doc, "price_minor", keeps_int64);
    assert_int64(&product_doc, "version", keeps_int64);
    assert_date(&product_doc, "created_at");
    assert_date(&product_doc, "updated_at");
    assert_eq!(product_doc.get_str("sku").ok(), Some(product.sku.as_str()));
    assert_uuid(&wallet_doc, "_id");
    assert_int64(&wallet_doc, "balance_minor", keeps_int64);
    let balance = match wallet_doc.get("balance_minor") {
        Some(Bson::Int64(n)) => Some(*n),
        Some(Bson::Int32(n)) => Some(i64::from(*n)),
        _ => None,
    };
    assert_eq!(balance, Some(wallet.balance_minor));
    assert_uuid(&session_doc, "user_id");
    assert_date(&session_doc, "expires_at");
    assert_eq!(session_doc.get_str("_id").ok(), Some(session.token_hash.as_str()), "keyed by the token's hash");
    assert_eq!(product_doc.get_i32("schema_version").ok(), Some(mongo_store::documents::PRODUCT_SCHEMA_VERSION));
    for document in [&wallet_doc, &session_doc] {
        assert_eq!(document.get_i32("schema_version").ok(), Some(1), "{document}");
    }
}
