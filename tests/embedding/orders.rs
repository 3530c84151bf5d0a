//! The orders example: placement exactly once per key on both books, its API beside the shop's
//! in one router, and on MongoDB its registry's indexes, the explain audit of its query shapes,
//! its migration with audit events, and a placement whose commit reply is lost. Like every
//! MongoDB test here, its traffic passes the MongoDB rules check (the kit's server choice hands
//! out URIs through it, and the fixture's teardown asserts it clean).

use std::sync::Arc;

use bson::doc;
use futures::TryStreamExt as _;
use mongo_kit::config::ClientConfig;
use mongo_kit::index_audit::{AuditOptions, audit};
use mongo_kit::index_plan::PlanItem;
use mongo_kit::migrate::RunOptions;
use mongo_kit_test::proxy::{self, Fault, Rule};
use mongo_kit_test::server::database_name;
use orders::book::{MemoryBook, OrderBook};
use orders::model::{OrderError, PlaceOrder};
use orders::mongo::{MongoBook, ORDER_EVENTS, ORDERS};

use crate::support::fixture::{Fixture, MemoryFixture, TestName, store_test};

/// A book to test, and the MongoDB one when it runs there.
struct Book {
    /// The test's full name, for its skip lines.
    test: &'static str,
    book: Arc<dyn OrderBook>,
    mongo: Option<MongoBook>,
}

impl Fixture for Book {
    async fn mongo(test: &'static str) -> Option<Self> {
        let uri = mongo_kit_test::server::uri_or_skip(test).await?;
        let config = ClientConfig::new(uri).with_database(database_name());
        let book = MongoBook::connect(&config).await.expect("the orders book starts on the test MongoDB");
        Some(Self { test, book: Arc::new(book.clone()), mongo: Some(book) })
    }

    async fn finish(self) {
        if let Some(mongo) = self.mongo
            && let Err(error) = mongo.database().drop().await
        {
            eprintln!("dropping the test database failed: {error}");
        }
    }
}

impl MemoryFixture for Book {
    async fn memory(test: &'static str) -> Self {
        Self { test, book: Arc::new(MemoryBook::default()), mongo: None }
    }
}

/// The principal the tests' keys belong to (an API key's name, as the orders API passes it).
const CALLER: &str = "checkout";

fn request(reference: &str, amount_minor: i64) -> PlaceOrder {
    PlaceOrder {
        reference: reference.to_owned(),
        customer: "c-42".to_owned(),
        amount_minor,
        currency: "EUR".to_owned(),
    }
}

#[store_test]
async fn a_placement_over_the_credit_limit_is_refused_typed_and_leaves_its_key_free(fixture: &Book) {
    let book = &fixture.book;
    let customer = format!("credit-{}", uuid::Uuid::new_v4().simple());
    let order =
        |reference: &str, amount_minor| PlaceOrder { customer: customer.clone(), ..request(reference, amount_minor) };
    let unique = uuid::Uuid::new_v4().simple().to_string();
    let (first_key, second_key) = (format!("first-{unique}"), format!("second-{unique}"));
    let most = orders::book::CREDIT_LIMIT_MINOR;

    let first =
        book.place(order(&format!("A-{unique}"), most - 100), CALLER, &first_key).await.expect("within the limit");
    let refused = book.place(order(&format!("B-{unique}"), 500), CALLER, &second_key).await;
    let replayed = book.place(order(&format!("A-{unique}"), most - 100), CALLER, &first_key).await;
    let smaller = book.place(order(&format!("C-{unique}"), 100), CALLER, &second_key).await;

    assert!(
        matches!(&refused, Err(OrderError::CreditLimit { limit_minor, .. }) if *limit_minor == most),
        "the operation's own refusal comes back as its type: {refused:?}"
    );
    let replayed = replayed.expect("a retry of the first placement replays, though the customer is at the limit now");
    assert!(replayed.replayed && replayed.order.id == first.order.id);
    let smaller = smaller.expect("the refused request left its key free for another request");
    assert!(!smaller.replayed);
    let placed = book.for_customer(&customer, 10).await.expect("the customer's orders");
    assert_eq!(placed.len(), 2, "the refused order was not stored");
}

#[store_test]
async fn a_placement_is_applied_once_per_key_and_a_reused_key_is_refused(fixture: &Book) {
    let book = &fixture.book;

    let first = book.place(request("INV-1", 1250), CALLER, "key-1").await.expect("placed");
    let again = book.place(request("INV-1", 1250), CALLER, "key-1").await.expect("replayed");
    let reused = book.place(request("INV-1", 999), CALLER, "key-1").await;
    let same_reference = book.place(request("INV-1", 1250), CALLER, "key-2").await;

    assert!(!first.replayed);
    assert!(again.replayed);
    assert_eq!(again.order, first.order, "a replay answers the order exactly as first stored");
    assert!(matches!(reused, Err(OrderError::KeyReused)), "{reused:?}");
    assert!(matches!(same_reference, Err(OrderError::DuplicateReference(ref r)) if r == "INV-1"), "{same_reference:?}");
    assert_eq!(book.get(first.order.id).await.expect("found"), first.order);
    assert_eq!(book.for_customer("c-42", 10).await.expect("listed").len(), 1, "one order, whatever the retries");
}

#[store_test]
async fn a_key_belongs_to_its_caller_and_another_callers_same_key_places_its_own_order(fixture: &Book) {
    let book = &fixture.book;
    let unique = uuid::Uuid::new_v4().simple().to_string();
    let key = format!("shared-{unique}");

    let mine = book.place(request(&format!("MINE-{unique}"), 100), CALLER, &key).await.expect("placed");
    let theirs = book.place(request(&format!("THEIRS-{unique}"), 200), "billing", &key).await;
    let my_retry = book.place(request(&format!("MINE-{unique}"), 100), CALLER, &key).await.expect("replayed");

    let theirs = theirs.expect("another caller's key with the same text is its own, not a reused one");
    assert!(!theirs.replayed && theirs.order.id != mine.order.id, "{theirs:?}");
    assert!(my_retry.replayed && my_retry.order.id == mine.order.id, "{my_retry:?}");
}

#[store_test]
async fn a_customers_orders_come_newest_first_and_unknown_ids_are_not_found(fixture: &Book) {
    let book = &fixture.book;
    let older = book.place(request("INV-10", 100), CALLER, "k-10").await.expect("placed").order;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let newer = book.place(request("INV-11", 200), CALLER, "k-11").await.expect("placed").order;

    let listed = book.for_customer("c-42", 10).await.expect("listed");
    let missing = book.get(uuid::Uuid::now_v7()).await;

    assert_eq!(listed, [newer, older]);
    assert!(matches!(missing, Err(OrderError::NotFound(_))), "{missing:?}");
}

#[store_test]
async fn an_invalid_request_is_refused_and_writes_nothing(fixture: &Book) {
    let refused = fixture.book.place(request("", 1250), CALLER, "k-bad").await;
    let negative = fixture.book.place(request("INV-2", -5), CALLER, "k-neg").await;

    assert!(matches!(refused, Err(OrderError::Invalid(_))), "{refused:?}");
    assert!(matches!(negative, Err(OrderError::Invalid(_))), "{negative:?}");
    assert!(fixture.book.for_customer("c-42", 10).await.expect("listed").is_empty());
}

#[store_test]
async fn the_orders_api_mounted_beside_the_shops_answers_both(fixture: &Book) {
    let (settings, anonymous) = (app::HttpSettings::default(), app::auth::Authentication::anonymous());
    let shop = app::router(app::AppState::new(
        domain::Repositories::from_store(memory_store::MemoryStore::new()),
        settings,
        anonymous.clone(),
    ));
    let service = shop.merge(orders::http::router(fixture.book.clone(), &settings, anonymous));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
    let base = format!("http://{}", listener.local_addr().expect("an address"));
    let server = tokio::spawn(async move { axum::serve(listener, service).await });
    let client = reqwest::Client::new();
    let body = serde_json::json!({ "reference": "INV-7", "customer": "c-7", "amount_minor": 700, "currency": "EUR" });
    let place = || client.post(format!("{base}/orders/v1/orders")).header("Idempotency-Key", "api-7").json(&body);

    let created = place().send().await.expect("placed");
    let replayed = place().send().await.expect("replayed");
    let keyless = client.post(format!("{base}/orders/v1/orders")).json(&body).send().await.expect("answered");
    let products = client.get(format!("{base}/v1/products")).send().await.expect("the shop answers");

    assert_eq!(created.status(), 201);
    assert!(created.headers().contains_key("x-request-id"), "the request layer names each request");
    let location = created.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_owned);
    assert_eq!(replayed.status(), 201);
    assert_eq!(replayed.headers().get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));
    let order: serde_json::Value = created.json().await.expect("an order");
    let again: serde_json::Value = replayed.json().await.expect("the same order");
    assert_eq!(order, again);
    assert_eq!(keyless.status(), 400);
    assert_eq!(keyless.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("application/problem+json"));
    assert_eq!(products.status(), 200);
    let id = order["id"].as_str().expect("an id");
    assert_eq!(location, Some(format!("/orders/v1/orders/{id}")));
    let fetched = client.get(format!("{base}/orders/v1/orders/{id}")).send().await.expect("answered");
    assert_eq!(fetched.status(), 200);
    let unknown = client.get(format!("{base}/orders/v1/orders/not-a-uuid")).send().await.expect("answered");
    assert_eq!(unknown.status(), 404);
    assert_eq!(unknown.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("application/problem+json"));
    server.abort();
}

#[store_test(mongo)]
async fn start_up_creates_the_books_declared_indexes_so_its_plan_is_in_step(fixture: &Book) {
    let mongo = fixture.mongo.as_ref().expect("a MongoDB book");
    let registry = orders::mongo::registry();

    let plan = mongo_kit::index_plan::plan(mongo.database(), &registry).await.expect("a plan");

    assert!(!plan.items.is_empty());
    assert!(plan.items.iter().all(|item| matches!(item, PlanItem::InStep { .. })), "{plan}");
    assert!(mongo.schema().index_conflicts.is_empty(), "{:?}", mongo.schema());
}

#[store_test(mongo)]
async fn the_migration_rewrites_version_1_orders_with_one_event_each_and_a_rerun_changes_nothing(fixture: &Book) {
    let mongo = fixture.mongo.as_ref().expect("a MongoDB book");
    let orders = mongo.database().collection::<bson::Document>(ORDERS);
    // Version 1 documents, as an older release wrote them (the validator asks for version 2, so
    // they go in without validation, as a pre-validator deployment would have them).
    let legacy: Vec<bson::Document> = (0..5)
        .map(|n| {
            doc! {
                "_id": bson::Uuid::new(), "schema_version": 1, "reference": format!("OLD-{n}"), "customer": "c-old",
                "amount": 12.5 + f64::from(n), "currency": "EUR", "placed_at": bson::DateTime::now(),
            }
        })
        .collect();
    orders.insert_many(legacy).bypass_document_validation(true).await.expect("legacy orders stored");
    let registry = orders::mongo::migrations().expect("a valid chain");

    let report = mongo.migration_runner(&registry, RunOptions::new("test")).up().await.expect("migrated");
    let rerun = mongo.migration_runner(&registry, RunOptions::new("test")).up().await.expect("nothing left");

    assert_eq!(report.migrations[0].counts.migrated, 5, "{report}");
    assert_eq!(rerun.migrations[0].counts.migrated, 0, "{rerun}");
    let migrated: Vec<bson::Document> =
        orders.find(doc! { "customer": "c-old" }).await.expect("find").try_collect().await.expect("read");
    // By value: whether the server keeps the Int64 width is `mongo::documents`' probe.
    let amount = |d: &bson::Document| match d.get("amount_minor") {
        Some(bson::Bson::Int64(n)) => Some(*n),
        Some(bson::Bson::Int32(n)) => Some(i64::from(*n)),
        _ => None,
    };
    assert!(
        migrated.iter().all(|d| d.get_i32("schema_version").ok() == Some(2) && !d.contains_key("amount")),
        "{migrated:?}"
    );
    let mut amounts: Vec<i64> = migrated.iter().filter_map(amount).collect();
    amounts.sort_unstable();
    assert_eq!(amounts, [1250, 1350, 1450, 1550, 1650]);
    let events = mongo.database().collection::<bson::Document>(ORDER_EVENTS);
    let count = events.count_documents(doc! { "kind": "order.migrated" }).await.expect("count");
    assert_eq!(count, 5, "one event per migrated order");
}

#[store_test(mongo)]
async fn every_query_shape_of_the_book_passes_the_explain_audit_or_is_named_not_judged(fixture: &Book) {
    let mongo = fixture.mongo.as_ref().expect("a MongoDB book");
    for n in 0..20 {
        let customer = if n % 2 == 0 { "c-even" } else { "c-odd" };
        let request = PlaceOrder { customer: customer.to_owned(), ..request(&format!("AUD-{n}"), 100 + n) };
        fixture.book.place(request, CALLER, &format!("audit-{n}")).await.expect("placed");
    }

    let report = audit(mongo.database(), mongo.profiles(), &orders::mongo::registry(), None, AuditOptions::default())
        .await
        .expect("the audit runs");

    assert_eq!(report.shapes.len(), orders::mongo::SHAPES.len(), "{report}");
    // Fails on a shape that lost its index; a server without real plans is a named skip.
    mongo_kit_test::audit::assert_judged(fixture.test, &report);
}

/// The commit's reply is lost on the way (the fault proxy forwards the commit, then cuts the
/// connection): the driver retries the commit, the order is placed once, and the caller's retry
/// with the same key is a replay.
#[store_test(mongo)]
async fn a_placement_whose_commit_reply_is_lost_is_placed_once_and_replayed_on_retry(test: &TestName) {
    let Some((proxy, uri)) = proxy::start_or_skip(test).await else { return };
    let config = ClientConfig::new(uri).with_database(database_name());
    let book = MongoBook::connect(&config).await.expect("the orders book starts behind the proxy");
    proxy.reset_counts();
    proxy.add(Rule::nth("commitTransaction", 1, Fault::CutAfterForward));

    let placed = book.place(request("LOST-1", 4200), CALLER, "lost-1").await;
    let retried = book.place(request("LOST-1", 4200), CALLER, "lost-1").await;

    let listed = book.for_customer("c-42", 10).await.expect("listed");
    let commits = proxy.seen("commitTransaction");
    let _ = book.database().drop().await;
    let placed = placed.expect("placed, the lost reply notwithstanding");
    assert!(!placed.replayed);
    assert!(retried.expect("answered").replayed, "the same key replays");
    assert_eq!(commits, 2, "the lost commit was sent again");
    assert_eq!(listed.len(), 1, "one order, whatever the retries: {listed:?}");
}
