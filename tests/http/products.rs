//! Products through the API.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::app::{TestApp, expect_json, expect_problem};
use crate::support::fixture::store_test;

fn product(sku: &str) -> Value {
    json!({"sku": sku, "name": "Lamp", "category": "lighting", "price_minor": 1999, "currency": "EUR"})
}

fn with(mut body: Value, field: &str, value: Value) -> Value {
    body[field] = value;
    body
}

#[store_test]
async fn creating_a_product_answers_201_with_location_etag_and_body(app: &TestApp) {
    let body = with(product("LAMP-1"), "attributes", json!({"watts": 40, "ratio": 0.5, "dims": {"h": [1, 2]}}));

    let response = app.post("/v1/products", &body).await;

    let location = response.headers().get("location").expect("a Location").to_str().expect("ASCII").to_owned();
    let etag = response.headers().get("etag").expect("an ETag").to_str().expect("ASCII").to_owned();
    let created = expect_json(response, StatusCode::CREATED).await;
    assert_eq!(location, format!("/v1/products/{}", created["id"].as_str().expect("an id")));
    assert_eq!(etag, "\"1\"");
    assert_eq!(created["version"], 1);
    assert_eq!(created["attributes"], json!({"watts": 40, "ratio": 0.5, "dims": {"h": [1, 2]}}));
    let fetched = expect_json(app.get(&location).await, StatusCode::OK).await;
    assert_eq!(fetched, created);
}

#[store_test]
async fn a_taken_sku_answers_409(app: &TestApp) {
    app.create_product("DUP-1", "lighting", 100).await;

    let response = app.post("/v1/products", &product("DUP-1")).await;

    expect_problem(response, StatusCode::CONFLICT).await;
}

#[store_test]
async fn invalid_product_input_answers_422_naming_the_field(app: &TestApp) {
    let cases = [
        (with(product("A"), "sku", json!("has space")), "sku"),
        (with(product("A"), "sku", json!({"$gt": ""})), "sku"),
        (with(product("A"), "price_minor", json!(-1)), "price_minor"),
        (with(product("A"), "price_minor", json!({"$gt": 0})), "price_minor"),
        (with(product("A"), "price_minor", json!(9_223_372_036_854_775_808_u64)), "price_minor"),
        (with(product("A"), "price_minor", json!(1.5)), "price_minor"),
        (with(product("A"), "currency", json!("eur")), "currency"),
        (with(product("A"), "attributes", json!({"$where": "sleep(100)"})), "attributes.$where"),
        (with(product("A"), "attributes", json!({"a.b": 1})), "attributes.a.b"),
        (with(product("A"), "attributes", json!({"n": {"$ne": null}})), "attributes.n.$ne"),
        (with(product("A"), "attributes", json!({"big": 9_223_372_036_854_775_808_u64})), "attributes.big"),
        (with(product("A"), "attributes", json!(["not", "an", "object"])), "attributes"),
        (with(product("A"), "tags", json!([{"x": 1}])), "tags[0]"),
    ];
    for (body, field) in cases {
        let problem = expect_problem(app.post("/v1/products", &body).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(problem["field"], field, "body {body} gave {problem}");
    }
    let typo = with(product("A"), "colour", json!("red"));
    expect_problem(app.post("/v1/products", &typo).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    let stored = app.repos.products.list(&domain::product::ProductQuery::default()).await.expect("listing works");
    assert!(stored.items.is_empty(), "an invalid product was stored");
}

#[store_test]
async fn malformed_and_oversized_bodies_answer_400_and_413(app: &TestApp) {
    let malformed = app.post_raw("/v1/products", "application/json", "{\"sku\": ").await;
    expect_problem(malformed, StatusCode::BAD_REQUEST).await;

    let huge = with(product("HUGE-1"), "name", json!("x".repeat(70 * 1024)));
    let oversized = app.post_raw("/v1/products", "application/json", huge.to_string()).await;
    expect_problem(oversized, StatusCode::PAYLOAD_TOO_LARGE).await;

    let not_json = app.post_raw("/v1/products", "text/plain", product("TXT-1").to_string()).await;
    expect_problem(not_json, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
}

#[store_test]
async fn updates_need_if_match_naming_the_current_version(app: &TestApp) {
    let created = app.create_product("UPD-1", "lighting", 100).await;
    let path = format!("/v1/products/{}", created["id"].as_str().expect("an id"));
    let change = with(product("UPD-1"), "price_minor", json!(150));

    expect_problem(app.put(&path, &change, None).await, StatusCode::PRECONDITION_REQUIRED).await;
    let updated = app.put(&path, &change, Some("\"1\"")).await;
    assert_eq!(updated.headers().get("etag").expect("an ETag"), "\"2\"");
    let updated = expect_json(updated, StatusCode::OK).await;
    let stale = app.put(&path, &change, Some("\"1\"")).await;

    assert_eq!((updated["version"].as_u64(), updated["price_minor"].as_i64()), (Some(2), Some(150)));
    assert_eq!(updated["created_at"], created["created_at"]);
    expect_problem(stale, StatusCode::PRECONDITION_FAILED).await;
    let current = app.get(&path).await;
    assert_eq!(current.headers().get("etag").expect("an ETag"), "\"2\"");
}

#[store_test]
async fn deleting_a_product_answers_204_then_404(app: &TestApp) {
    let created = app.create_product("DEL-1", "lighting", 100).await;
    let path = format!("/v1/products/{}", created["id"].as_str().expect("an id"));

    assert_eq!(app.delete(&path).await.status(), StatusCode::NO_CONTENT);

    expect_problem(app.get(&path).await, StatusCode::NOT_FOUND).await;
    expect_problem(app.delete(&path).await, StatusCode::NOT_FOUND).await;
}

#[store_test]
async fn unknown_and_malformed_product_ids_answer_404(app: &TestApp) {
    let unknown = format!("/v1/products/{}", uuid::Uuid::now_v7());
    expect_problem(app.get(&unknown).await, StatusCode::NOT_FOUND).await;
    expect_problem(app.put(&unknown, &product("X-1"), Some("\"1\"")).await, StatusCode::NOT_FOUND).await;
    for malformed in ["not-a-uuid", "%7B%22%24ne%22%3A1%7D", "1"] {
        let path = format!("/v1/products/{malformed}");
        expect_problem(app.get(&path).await, StatusCode::NOT_FOUND).await;
        expect_problem(app.put(&path, &product("X-1"), Some("\"1\"")).await, StatusCode::NOT_FOUND).await;
        expect_problem(app.delete(&path).await, StatusCode::NOT_FOUND).await;
    }
}

async fn pages(app: &TestApp, query: &str) -> Vec<i64> {
    let mut prices = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..10 {
        let after = cursor.as_deref().map(|c| format!("&cursor={c}")).unwrap_or_default();
        let page = expect_json(app.get(&format!("/v1/products?{query}{after}")).await, StatusCode::OK).await;
        let items = page["items"].as_array().expect("items");
        assert!(items.len() <= 2, "a page holds more than its limit");
        prices.extend(items.iter().map(|p| p["price_minor"].as_i64().expect("a price")));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return prices,
        }
    }
    panic!("pagination did not end");
}

#[store_test]
async fn listing_pages_through_every_product_in_price_order(app: &TestApp) {
    for (i, price) in [500, 100, 300, 100, 200].into_iter().enumerate() {
        app.create_product(&format!("PAGE-{i}"), "pager", price).await;
    }
    app.create_product("OTHER-1", "elsewhere", 150).await;

    let ascending = pages(app, "category=pager&limit=2").await;
    let descending = pages(app, "category=pager&limit=2&sort=-price").await;
    let ranged = pages(app, "category=pager&limit=2&min_price=150&max_price=300").await;

    assert_eq!(ascending, vec![100, 100, 200, 300, 500]);
    assert_eq!(descending, vec![500, 300, 200, 100, 100]);
    assert_eq!(ranged, vec![200, 300]);
}

#[store_test]
async fn invalid_listing_parameters_answer_422(app: &TestApp) {
    for (query, field) in [
        ("limit=201", "limit"),
        ("limit=0", "limit"),
        ("limit=many", "limit"),
        ("sort=name", "sort"),
        ("cursor=bogus", "cursor"),
        ("min_price=1e3", "min_price"),
        ("category=Not%20One", "category"),
        ("colour=red", "query"),
    ] {
        let problem =
            expect_problem(app.get(&format!("/v1/products?{query}")).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(problem["field"], field, "{query} gave {problem}");
    }
    expect_json(app.get("/v1/products?limit=200").await, StatusCode::OK).await;
}

#[store_test]
async fn category_stats_summarise_prices_and_are_null_when_empty(app: &TestApp) {
    for (i, price) in [100, 200, 600].into_iter().enumerate() {
        app.create_product(&format!("STAT-{i}"), "stats", price).await;
    }

    let stats = expect_json(app.get("/v1/categories/stats/stats").await, StatusCode::OK).await;
    let empty = expect_json(app.get("/v1/categories/nothing-here/stats").await, StatusCode::OK).await;

    assert_eq!(stats, json!({"count": 3, "min_price_minor": 100, "max_price_minor": 600, "avg_price_minor": 300}));
    assert_eq!(empty, json!({"count": 0, "min_price_minor": null, "max_price_minor": null, "avg_price_minor": null}));
    expect_problem(app.get("/v1/categories/NOT%20A%20CATEGORY/stats").await, StatusCode::NOT_FOUND).await;
}

#[store_test]
async fn the_mean_price_rounds_halves_away_from_zero(app: &TestApp) {
    app.create_product("HALF-1", "halves", 100).await;
    app.create_product("HALF-2", "halves", 101).await;

    let stats = expect_json(app.get("/v1/categories/halves/stats").await, StatusCode::OK).await;

    assert_eq!(stats["avg_price_minor"], 101, "the mean 100.5 rounds up: {stats}");
}
