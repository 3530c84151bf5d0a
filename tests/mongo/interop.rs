//! Documents written by the store, read by another driver: PyMongo must see `uuid.UUID` ids,
//! integer money and `datetime` timestamps without any custom decoding.
//!
//! Runs where `SHOP_TEST_PYTHON` names a Python with PyMongo installed (CI sets it); elsewhere it
//! prints a named skip.

use std::process::Command;

use domain::product::{Attributes, Category, ProductDraft, ProductName, Sku};
use domain::wallet::{NewWallet, Owner};
use domain::{Currency, Money, Timestamp};
use mongo_kit_test::skip::skip;

use crate::support::fixture::{TestName, store_test};
use crate::support::mongo;

/// Reads one product and one wallet with PyMongo (standard UUID representation, as a Python
/// service would configure it) and checks the Python types of their fields.
const READER: &str = r#"
import datetime, sys, uuid
from pymongo import MongoClient
uri, db_name = sys.argv[1], sys.argv[2]
db = MongoClient(uri, uuidRepresentation="standard")[db_name]
product, wallet = db.products.find_one(), db.wallets.find_one()
checks = {
    "product _id is uuid.UUID": isinstance(product["_id"], uuid.UUID),
    "price_minor is int": type(product["price_minor"]) is int,
    "created_at is datetime": isinstance(product["created_at"], datetime.datetime),
    "wallet _id is uuid.UUID": isinstance(wallet["_id"], uuid.UUID),
    "balance_minor is int": type(wallet["balance_minor"]) is int,
    "product found by its uuid": db.products.find_one({"_id": product["_id"]}) is not None,
}
for name, ok in checks.items():
    print(("ok " if ok else "FAIL ") + name)
print("ids", product["_id"], wallet["_id"])
sys.exit(0 if all(checks.values()) else 1)
"#;

#[store_test(mongo)]
async fn pymongo_reads_uuid_ids_integer_money_and_datetimes(test: &TestName) {
    let Ok(python) = std::env::var("SHOP_TEST_PYTHON") else {
        skip(test, "SHOP_TEST_PYTHON is not set (a Python with PyMongo; CI sets it)");
        return;
    };
    let Some(store) = mongo::connect(test).await else { return };
    let eur = Currency::parse("EUR").expect("a valid currency");
    let now = Timestamp::now();
    let draft = ProductDraft {
        sku: Sku::parse(&format!("PY-{}", uuid::Uuid::new_v4().simple())).expect("a valid sku"),
        name: ProductName::parse("Read from Python").expect("a valid name"),
        category: Category::parse("interop").expect("a valid category"),
        price: Money::new("price_minor", 4250, eur).expect("a valid price"),
        attributes: Attributes::default(),
        tags: Vec::new(),
    };
    let repos = store.repositories();
    let product = repos
        .products
        .create(draft.into_product(now), &crate::contract::fixtures::meta())
        .await
        .expect("create a product");
    let opening = Money::new("opening_balance", 100, eur).expect("a valid balance");
    let owner = Owner::parse("Interop Owner").expect("a valid owner");
    let wallet = repos
        .wallets
        .create(NewWallet { owner, opening_balance: opening }.into_wallet(now), &crate::contract::fixtures::meta())
        .await;
    let wallet = wallet.expect("create a wallet");
    let uri = mongo_kit_test::server::server_uri().await.expect("a server, since the store connected");

    let output = Command::new(&python)
        .args(["-c", READER, &uri, store.database().name()])
        .output()
        .expect("run the Python reader");
    store.drop_database().await.expect("drop the test database");

    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "PyMongo checks failed:\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains(&format!("ids {} {}", product.id, wallet.id)), "PyMongo printed other ids:\n{stdout}");
}
