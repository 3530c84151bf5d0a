//! `Idempotency-Key` on the creates (`POST /v1/wallets`, `/v1/products`, `/v1/sessions`): a
//! retry with the same key and body answers the first response with `Idempotent-Replayed: true`
//! and creates nothing; another body with the key answers 422; a malformed key 400; and without
//! a key each request creates anew, as before.

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::support::app::{TestApp, expect_json, expect_problem};
use crate::support::fixture::store_test;

async fn post_keyed(app: &TestApp, path: &str, body: &Value, key: &str) -> Response {
    let request = app.client.post(app.url(path)).json(body).header("idempotency-key", key);
    request.send().await.expect("POST reaches the service")
}

fn replayed(response: &Response) -> bool {
    response.headers().get("idempotent-replayed").is_some_and(|value| value == "true")
}

fn fresh_key() -> String {
    format!("create-{}", uuid::Uuid::new_v4())
}

fn bodies() -> [(&'static str, Value, Value); 3] {
    let sku = format!("KEY-{}", uuid::Uuid::new_v4().simple());
    let product = json!({"sku": sku, "name": "Mug", "category": "kitchen", "price_minor": 1200, "currency": "EUR"});
    let mut other_product = product.clone();
    other_product["price_minor"] = json!(1300);
    let user = uuid::Uuid::new_v4().to_string();
    [
        (
            "/v1/wallets",
            json!({"owner": "Grace Hopper", "currency": "EUR", "opening_balance_minor": 1000}),
            json!({"owner": "Grace Hopper", "currency": "EUR", "opening_balance_minor": 1001}),
        ),
        ("/v1/products", product, other_product),
        ("/v1/sessions", json!({"user_id": user, "ttl_seconds": 600}), json!({"user_id": user, "ttl_seconds": 60})),
    ]
}

#[store_test]
async fn a_retried_create_with_its_key_answers_the_first_response_and_creates_nothing(app: &TestApp) {
    for (path, body, _) in bodies() {
        let key = fresh_key();

        let first = post_keyed(app, path, &body, &key).await;
        assert!(!replayed(&first), "{path}: the first response is marked replayed");
        let location = first.headers().get("location").cloned();
        let first = expect_json(first, StatusCode::CREATED).await;
        let retry = post_keyed(app, path, &body, &key).await;
        assert!(replayed(&retry), "{path}: the retry is not marked replayed");
        assert_eq!(retry.headers().get("location").cloned(), location, "{path}");
        let retry = expect_json(retry, StatusCode::CREATED).await;

        assert_eq!(retry, first, "{path}: the replay's body differs");
    }
    // A session's replayed token is the live one.
    let [_, _, (_, session, _)] = bodies();
    let key = fresh_key();
    let token =
        expect_json(post_keyed(app, "/v1/sessions", &session, &key).await, StatusCode::CREATED).await["token"].clone();
    let again = expect_json(post_keyed(app, "/v1/sessions", &session, &key).await, StatusCode::CREATED).await;
    assert_eq!(again["token"], token, "the retry got another token");
    let token = token.as_str().expect("a token");
    expect_json(app.get(&format!("/v1/sessions/{token}")).await, StatusCode::OK).await;
}

#[store_test]
async fn a_key_reused_with_another_body_answers_422(app: &TestApp) {
    for (path, body, other) in bodies() {
        let key = fresh_key();
        expect_json(post_keyed(app, path, &body, &key).await, StatusCode::CREATED).await;

        let problem = expect_problem(post_keyed(app, path, &other, &key).await, StatusCode::UNPROCESSABLE_ENTITY).await;

        assert_eq!(problem["type"], "https://shop.example/problems/idempotency-key-reused", "{path}");
    }
}

#[store_test]
async fn a_malformed_key_answers_400_and_creates_nothing(app: &TestApp) {
    for (path, body, _) in bodies() {
        let problem = expect_problem(post_keyed(app, path, &body, "has space").await, StatusCode::BAD_REQUEST).await;
        assert_eq!(problem["field"], "idempotency-key", "{path}");
    }
    let [(_, _, _), (_, product, _), _] = bodies();
    expect_problem(post_keyed(app, "/v1/products", &product, &"k".repeat(256)).await, StatusCode::BAD_REQUEST).await;
    // Nothing was created: the same product without a key is the first with its sku.
    expect_json(app.post("/v1/products", &product).await, StatusCode::CREATED).await;
}

#[store_test]
async fn without_a_key_each_create_creates_anew(app: &TestApp) {
    let [(path, wallet, _), ..] = bodies();

    let first = expect_json(app.post(path, &wallet).await, StatusCode::CREATED).await;
    let second = app.post(path, &wallet).await;

    assert!(!replayed(&second));
    assert_ne!(expect_json(second, StatusCode::CREATED).await["id"], first["id"], "an unkeyed retry was replayed");
}

#[store_test]
async fn the_openapi_document_names_the_key_and_the_unknown_outcome_on_every_create(app: &TestApp) {
    let document = expect_json(app.get("/openapi.json").await, StatusCode::OK).await;
    for path in ["/v1/wallets", "/v1/products", "/v1/sessions"] {
        let post = &document["paths"][path]["post"];
        let names: Vec<&str> =
            post["parameters"].as_array().into_iter().flatten().filter_map(|p| p["name"].as_str()).collect();
        assert!(names.contains(&"Idempotency-Key"), "{path}: parameters {names:?}");
        let unavailable = post["responses"]["503"]["description"].as_str().unwrap_or_default();
        assert!(unavailable.contains("outcome-unknown"), "{path}: 503 is {unavailable:?}");
        assert!(post["responses"]["409"].is_object() && post["responses"]["422"].is_object(), "{path}");
    }
}

#[store_test]
async fn another_api_key_sending_the_same_idempotency_key_gets_its_own_session_never_the_first_token(app: &TestApp) {
    let (key, body) = (fresh_key(), json!({"user_id": uuid::Uuid::new_v4().to_string(), "ttl_seconds": 600}));
    let other_caller = app.all_but(app::auth::Scope::Admin).to_owned();
    let as_other = |request: reqwest::RequestBuilder| request.bearer_auth(&other_caller);

    let first = expect_json(post_keyed(app, "/v1/sessions", &body, &key).await, StatusCode::CREATED).await;
    let request = app.anonymous.post(app.url("/v1/sessions")).json(&body).header("idempotency-key", &key);
    let other = as_other(request).send().await.expect("POST reaches the service");
    let other_replayed = replayed(&other);
    let other = expect_json(other, StatusCode::CREATED).await;
    let retry = post_keyed(app, "/v1/sessions", &body, &key).await;
    let retry_replayed = replayed(&retry);
    let retry = expect_json(retry, StatusCode::CREATED).await;

    assert!(!other_replayed, "another caller's request was answered as a replay");
    assert_ne!(other["token"], first["token"], "another caller received the first caller's session token");
    assert!(retry_replayed, "the first caller's retry replays");
    assert_eq!(retry["token"], first["token"]);
}
