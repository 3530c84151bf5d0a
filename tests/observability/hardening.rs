//! Hostile input: requests generated from the OpenAPI document (every route and method, with
//! malformed path segments, query strings and bodies) never answer 5xx; a corpus of injection
//! attempts answers 4xx, and nothing is written.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::app::{TestApp, expect_json, spawn_app};
use crate::support::fixture::store_test;

/// Every (path template, method) the OpenAPI document lists.
async fn routes(app: &TestApp) -> Vec<(String, Method)> {
    let document = expect_json(app.get("/openapi.json").await, StatusCode::OK).await;
    let paths = document["paths"].as_object().expect("the document lists paths");
    let mut routes = Vec::new();
    for (path, operations) in paths {
        for method in operations.as_object().expect("operations by method").keys() {
            let method = Method::from_bytes(method.to_ascii_uppercase().as_bytes()).expect("an HTTP method");
            routes.push((path.clone(), method));
        }
    }
    routes
}

/// `template` with every `{param}` replaced by `segment`, percent-encoded.
fn fill(template: &str, segment: &str) -> String {
    let encoded: String = segment.bytes().map(|b| format!("%{b:02X}")).collect();
    let mut path = String::new();
    for part in template.split('/') {
        if !path.is_empty() || !part.is_empty() {
            path.push('/');
        }
        path.push_str(if part.starts_with('{') { &encoded } else { part });
    }
    path
}

fn json_value() -> impl Strategy<Value = Value> {
    let key = prop_oneof!["[a-z_]{1,8}", r"\$[a-z]{1,6}", "[a-z]{1,4}\\.[a-z]{1,4}", Just(String::new())];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(key.clone(), inner, 0..6)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// A body: generated JSON, JSON with numbers no integer type holds, or raw bytes (often invalid
/// UTF-8).
fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        json_value().prop_map(|value| value.to_string().into_bytes()),
        (json_value(), prop_oneof![Just("1e400"), Just("-9223372036854775809"), Just("18446744073709551616")])
            .prop_map(|(value, number)| format!("{{\"price_minor\":{number},\"x\":{value}}}").into_bytes()),
        prop::collection::vec(any::<u8>(), 0..64),
    ]
}

#[test]
fn generated_malformed_requests_never_answer_5xx() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let app = runtime.block_on(spawn_app(crate::support::stores::memory().repos));
    let routes = runtime.block_on(routes(&app));
    let mut runner = TestRunner::new(Config { cases: 256, failure_persistence: None, ..Config::default() });
    let strategy = (any::<prop::sample::Index>(), ".{0,24}", "[a-z_\\[\\]$]{0,8}=[^&#]{0,12}", body());

    let outcome = runner.run(&strategy, |(route, segment, query, body)| {
        let (template, method) = &routes[route.index(routes.len())];
        let url = format!("{}?{query}", app.url(&fill(template, &segment)));
        let request = app.client.request(method.clone(), &url).header("content-type", "application/json");
        let status = runtime.block_on(async { request.body(body).send().await.expect("the service answers").status() });
        prop_assert!(!status.is_server_error(), "{method} {url} answered {status}");
        Ok(())
    });

    outcome.expect("no generated request answers 5xx");
}

const USER: &str = "0b9c3f0e-4a53-4b6f-9d7e-52b5a8c1f001";

/// One injection attempt: method, path, body.
fn corpus() -> Vec<(Method, String, Vec<u8>)> {
    let product = |patch: Value| {
        let mut body = json!({"sku": "INJ-1", "name": "x", "category": "c", "price_minor": 1, "currency": "EUR",
            "attributes": {}, "tags": []});
        for (key, value) in patch.as_object().expect("a patch object") {
            body[key] = value.clone();
        }
        body.to_string().into_bytes()
    };
    let json = |value: Value| value.to_string().into_bytes();
    let post = Method::POST;
    vec![
        (post.clone(), "/v1/products".into(), product(json!({"attributes": {"$where": "sleep(1000)"}}))),
        (post.clone(), "/v1/products".into(), product(json!({"attributes": {"a.b": 1}}))),
        (post.clone(), "/v1/products".into(), product(json!({"attributes": {"nested": {"$gt": ""}}}))),
        (post.clone(), "/v1/products".into(), product(json!({"sku": {"$ne": null}}))),
        (post.clone(), "/v1/products".into(), product(json!({"price_minor": {"$gt": 0}}))),
        (post.clone(), "/v1/products".into(), product(json!({"$set": {"price_minor": 0}}))),
        (post.clone(), "/v1/products".into(), product(json!({"price_minor": 1e30}))),
        (post.clone(), "/v1/products".into(), br#"{"sku":"INJ-2","name":"x","category":"c","price_minor":9223372036854775808,"currency":"EUR","attributes":{},"tags":[]}"#.to_vec()),
        (post.clone(), "/v1/products".into(), product(json!({"name": "x".repeat(70 * 1024)}))),
        (post.clone(), "/v1/products".into(), b"{\"sku\":\"\xff\xfe\",\"name\":\"x\"}".to_vec()),
        (post.clone(), "/v1/wallets".into(), json(json!({"owner": {"$gt": ""}, "currency": "EUR", "opening_balance_minor": 1}))),
        (post.clone(), "/v1/wallets".into(), json(json!({"owner": "o", "currency": "EUR", "opening_balance_minor": 1e300}))),
        (post.clone(), "/v1/wallets".into(), json(json!({"owner": "o", "currency": {"$in": ["EUR"]}, "opening_balance_minor": 1}))),
        (post.clone(), "/v1/sessions".into(), json(json!({"user_id": {"$ne": null}, "ttl_seconds": 60}))),
        (post.clone(), "/v1/sessions".into(), json(json!({"user_id": USER, "ttl_seconds": 1e20}))),
        (Method::PUT, format!("/v1/feeds/{USER}"), json(json!({"product_ids": [{"$gt": ""}]}))),
        (Method::PUT, "/v1/feeds/%7B%22%24ne%22%3A1%7D".into(), json(json!({"product_ids": []}))),
        (post, "/v1/transfers".into(), json(json!({"from": {"$ne": null}, "to": USER, "amount_minor": 1, "currency": "EUR"}))),
    ]
}

#[store_test]
async fn injection_attempts_answer_4xx_and_write_nothing(app: &TestApp) {
    for (method, path, body) in corpus() {
        let request = app.client.request(method.clone(), app.url(&path)).header("content-type", "application/json");
        let request = request.header("idempotency-key", "inj-1").body(body);

        let status = request.send().await.expect("the service answers").status();

        assert!(status.is_client_error(), "{method} {path} answered {status}");
    }
    let products = expect_json(app.get("/v1/products").await, StatusCode::OK).await;
    assert_eq!(products["items"], json!([]), "no product was written");
    let audit = expect_json(app.get("/v1/audit").await, StatusCode::OK).await;
    assert_eq!(audit["items"], json!([]), "no audited write happened");
    assert_eq!(app.get(&format!("/v1/feeds/{USER}")).await.status(), StatusCode::NOT_FOUND, "no feed was written");
}
