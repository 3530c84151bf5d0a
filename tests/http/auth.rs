//! API keys and scopes: every route of `app::auth::ROUTES` answers 401 without a key, 403 with a
//! key lacking its scope, and serves a key holding it; open routes stay open; the audit log names
//! the key.

use app::auth::{Access, ROUTES, Scope};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::app::{AnonymousApp, FULL_KEY_NAME, TestApp, expect_json, expect_problem};
use crate::support::fixture::store_test;

/// Resources every route's request can name.
struct Fixtures {
    product: String,
    wallet: String,
    other: String,
    transfer: String,
    session: String,
    user: String,
}

async fn fixtures(app: &TestApp) -> Fixtures {
    let product = app.create_product("AUTH-1", "auth", 100).await["id"].as_str().expect("an id").to_owned();
    let wallet = app.create_wallet("EUR", 1000).await;
    let other = app.create_wallet("EUR", 0).await;
    let body = json!({"from": wallet, "to": other, "amount_minor": 1, "currency": "EUR"});
    let transfer = expect_json(app.transfer(&body, Some("auth-fixture")).await, StatusCode::CREATED).await;
    let session = json!({"user_id": uuid::Uuid::new_v4(), "ttl_seconds": 60});
    let session = expect_json(app.post("/v1/sessions", &session).await, StatusCode::CREATED).await;
    Fixtures {
        product,
        wallet,
        other,
        transfer: transfer["id"].as_str().expect("an id").to_owned(),
        session: session["token"].as_str().expect("a token").to_owned(),
        user: uuid::Uuid::new_v4().to_string(),
    }
}

/// A request on `method` `path` (a route template) without credentials that succeeds with the
/// right key, and the status it then answers.
fn request(app: &TestApp, f: &Fixtures, method: &str, path: &str) -> (reqwest::RequestBuilder, StatusCode) {
    let product = json!({"sku": "AUTH-2", "name": "Lamp", "category": "auth", "price_minor": 5, "currency": "EUR"});
    let (concrete, status, body, headers): (String, StatusCode, Value, &[(&str, &str)]) = match (method, path) {
        ("POST", "/v1/products") => (path.to_owned(), StatusCode::CREATED, product, &[]),
        ("GET", "/v1/products") => (path.to_owned(), StatusCode::OK, Value::Null, &[]),
        ("GET", "/v1/products/{id}") => (format!("/v1/products/{}", f.product), StatusCode::OK, Value::Null, &[]),
        ("PUT", "/v1/products/{id}") => {
            let mut body = product;
            body["sku"] = json!("AUTH-1");
            (format!("/v1/products/{}", f.product), StatusCode::OK, body, &[("if-match", "\"1\"")])
        }
        ("DELETE", "/v1/products/{id}") => {
            (format!("/v1/products/{}", f.product), StatusCode::NO_CONTENT, Value::Null, &[])
        }
        ("GET", "/v1/categories/{category}/stats") => {
            ("/v1/categories/auth/stats".to_owned(), StatusCode::OK, Value::Null, &[])
        }
        ("POST", "/v1/wallets") => (
            path.to_owned(),
            StatusCode::CREATED,
            json!({"owner": "Ada", "currency": "EUR", "opening_balance_minor": 0}),
            &[],
        ),
        ("GET", "/v1/wallets/{id}") => (format!("/v1/wallets/{}", f.wallet), StatusCode::OK, Value::Null, &[]),
        ("GET", "/v1/wallets/{id}/ledger") => {
            (format!("/v1/wallets/{}/ledger", f.wallet), StatusCode::OK, Value::Null, &[])
        }
        ("POST", "/v1/transfers") => (
            path.to_owned(),
            StatusCode::CREATED,
            json!({"from": f.wallet, "to": f.other, "amount_minor": 1, "currency": "EUR"}),
            &[("idempotency-key", "auth-route")],
        ),
        ("GET", "/v1/transfers/{id}") => (format!("/v1/transfers/{}", f.transfer), StatusCode::OK, Value::Null, &[]),
        ("GET", "/v1/audit") => (path.to_owned(), StatusCode::OK, Value::Null, &[]),
        ("POST", "/v1/sessions") => {
            (path.to_owned(), StatusCode::CREATED, json!({"user_id": f.user, "ttl_seconds": 60}), &[])
        }
        ("GET", "/v1/sessions/{token}") => (format!("/v1/sessions/{}", f.session), StatusCode::OK, Value::Null, &[]),
        ("DELETE", "/v1/sessions/{token}") => {
            (format!("/v1/sessions/{}", f.session), StatusCode::NO_CONTENT, Value::Null, &[])
        }
        ("PUT", "/v1/feeds/{user_id}") => {
            (format!("/v1/feeds/{}", f.user), StatusCode::OK, json!({"product_ids": [f.product]}), &[])
        }
        ("GET", "/v1/feeds/{user_id}") => (format!("/v1/feeds/{}", f.user), StatusCode::OK, Value::Null, &[]),
        ("GET", "/metrics") => (path.to_owned(), StatusCode::OK, Value::Null, &[]),
        other => panic!("no request for {other:?}: add one for the new route"),
    };
    let method = Method::from_bytes(method.as_bytes()).expect("a method");
    let mut builder = app.anonymous.request(method, app.url(&concrete));
    if !body.is_null() {
        builder = builder.json(&body);
    }
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    (builder, status)
}

#[store_test]
async fn every_route_needs_a_key_with_its_scope(app: &TestApp) {
    let f = fixtures(app).await;
    for route in ROUTES {
        let scope = match route.access {
            Access::Scope(scope) => scope,
            // The test service is bound to loopback but configured like a public one.
            Access::AdminUnlessLoopback => Scope::Admin,
            Access::Open => continue,
        };
        let name = format!("{} {}", route.method, route.path);
        let (without, _) = request(app, &f, route.method, route.path);
        let response = without.send().await.expect("sent");
        assert_eq!(response.headers().get("www-authenticate").map(|v| v.as_bytes()), Some(&b"Bearer"[..]), "{name}");
        let problem = expect_problem(response, StatusCode::UNAUTHORIZED).await;
        assert!(problem["type"].as_str().expect("a type").ends_with("/unauthenticated"), "{name}: {problem}");

        let (lacking, _) = request(app, &f, route.method, route.path);
        let response = lacking.bearer_auth(app.all_but(scope)).send().await.expect("sent");
        let challenge = response.headers().get("www-authenticate").expect("a challenge").to_str().expect("ASCII");
        assert!(challenge.contains("insufficient_scope") && challenge.contains(scope.as_str()), "{name}: {challenge}");
        let problem = expect_problem(response, StatusCode::FORBIDDEN).await;
        assert!(problem["detail"].as_str().expect("a detail").contains(scope.as_str()), "{name}: {problem}");

        let (with, status) = request(app, &f, route.method, route.path);
        let response = with.bearer_auth(app.only(scope)).send().await.expect("sent");
        let text = format!("{} {}", response.status(), response.text().await.expect("a body"));
        assert!(text.starts_with(status.as_str()), "{name} with the {scope} key: {text}");
    }
}

#[store_test]
async fn an_unknown_or_malformed_key_answers_401_without_echoing_it(app: &TestApp) {
    let forged = format!("{}x", app.key);
    for authorization in [format!("Bearer {forged}"), format!("Basic {forged}"), "Bearer".to_owned()] {
        let request = app.anonymous.get(app.url("/v1/products")).header("authorization", &authorization);
        let response = request.send().await.expect("sent");
        let challenge = response.headers().get("www-authenticate").expect("a challenge").to_str().expect("ASCII");
        assert_eq!(challenge, "Bearer error=\"invalid_token\"", "{authorization}");
        let problem = expect_problem(response, StatusCode::UNAUTHORIZED).await;
        assert!(!problem.to_string().contains(&forged), "the problem echoes the key: {problem}");
    }
}

#[store_test]
async fn health_readiness_and_the_document_stay_open(app: &TestApp) {
    for path in ["/healthz", "/readyz", "/openapi.json"] {
        assert_eq!(app.anonymous.get(app.url(path)).send().await.expect("sent").status(), StatusCode::OK, "{path}");
        let wrong = app.anonymous.get(app.url(path)).bearer_auth("shop_wrong").send().await.expect("sent");
        assert_eq!(wrong.status(), StatusCode::OK, "{path} with a wrong key");
    }
}

async fn audit_events(app: &TestApp, subject: &str) -> Vec<Value> {
    let page = expect_json(app.get(&format!("/v1/audit?subject={subject}")).await, StatusCode::OK).await;
    page["items"].as_array().expect("items").clone()
}

#[store_test]
async fn every_audited_change_names_the_key_whatever_x_actor_claims(app: &TestApp) {
    let write = app.only(Scope::Write);
    let product = json!({"sku": "ACT-1", "name": "Lamp", "category": "auth", "price_minor": 5, "currency": "EUR"});
    let created = app.anonymous.post(app.url("/v1/products")).bearer_auth(write).header("x-actor", "mallory");
    let created = expect_json(created.json(&product).send().await.expect("sent"), StatusCode::CREATED).await;
    let id = created["id"].as_str().expect("an id");
    let path = app.url(&format!("/v1/products/{id}"));
    let update = app.anonymous.put(&path).bearer_auth(write).header("if-match", "\"1\"").json(&product);
    expect_json(update.send().await.expect("sent"), StatusCode::OK).await;
    let delete = app.anonymous.delete(&path).bearer_auth(write).send().await.expect("sent");
    assert_eq!(delete.status(), StatusCode::NO_CONTENT);
    let wallet = json!({"owner": "Ada", "currency": "EUR", "opening_balance_minor": 10});
    let from = app.anonymous.post(app.url("/v1/wallets")).bearer_auth(write).json(&wallet);
    let from = expect_json(from.send().await.expect("sent"), StatusCode::CREATED).await["id"].clone();
    let to = app.create_wallet("EUR", 0).await;
    let transfer = json!({"from": from, "to": to, "amount_minor": 3, "currency": "EUR"});
    let moved = app.anonymous.post(app.url("/v1/transfers")).bearer_auth(app.only(Scope::Transfer));
    let moved = moved.header("idempotency-key", "actor-1").header("x-actor", "mallory").json(&transfer);
    let moved = expect_json(moved.send().await.expect("sent"), StatusCode::CREATED).await;

    let product_events = audit_events(app, &format!("product:{id}")).await;
    let wallet_events = audit_events(app, &format!("wallet:{}", from.as_str().expect("an id"))).await;
    let transfer_events = audit_events(app, &format!("transfer:{}", moved["id"].as_str().expect("an id"))).await;
    let receiver_events = audit_events(app, &format!("wallet:{to}")).await;

    let actors = |events: &[Value]| -> Vec<(String, String)> {
        events.iter().map(|e| (e["action"].as_str().unwrap_or_default().to_owned(), e["actor"].to_string())).collect()
    };
    assert_eq!(product_events.len(), 3, "{product_events:?}");
    assert!(product_events.iter().all(|e| e["actor"] == "only-write"), "{:?}", actors(&product_events));
    assert!(wallet_events.iter().any(|e| e["action"] == "wallet.created"), "{:?}", actors(&wallet_events));
    assert!(wallet_events.iter().all(|e| e["actor"] == "only-write"), "{:?}", actors(&wallet_events));
    assert_eq!(receiver_events.first().map(|e| e["actor"].clone()), Some(json!(FULL_KEY_NAME)));
    assert!(!transfer_events.is_empty(), "the transfer is audited");
    assert!(transfer_events.iter().all(|e| e["actor"] == "only-transfer"), "{:?}", actors(&transfer_events));
}

#[store_test]
async fn anonymous_calls_are_audited_under_x_actor_when_no_key_is_configured(app: &AnonymousApp) {
    let body = json!({"owner": "Ada", "currency": "EUR", "opening_balance_minor": 0});
    let invalid = app.client.post(app.url("/v1/wallets")).header("x-actor", "two words").json(&body);
    let problem = expect_problem(invalid.send().await.expect("sent"), StatusCode::BAD_REQUEST).await;
    assert_eq!(problem["field"], "x-actor");
    let named = app.client.post(app.url("/v1/wallets")).header("x-actor", "local-dev").json(&body);
    let wallet = expect_json(named.send().await.expect("sent"), StatusCode::CREATED).await;
    let unnamed = expect_json(app.post("/v1/wallets", &body).await, StatusCode::CREATED).await;

    let named_events = audit_events(app, &format!("wallet:{}", wallet["id"].as_str().expect("an id"))).await;
    let unnamed_events = audit_events(app, &format!("wallet:{}", unnamed["id"].as_str().expect("an id"))).await;

    assert_eq!(named_events[0]["actor"], "local-dev");
    assert_eq!(unnamed_events[0]["actor"], "anonymous");
    assert_eq!(app.get("/metrics").await.status(), StatusCode::OK, "metrics are open without keys");
}
