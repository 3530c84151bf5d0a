//! End users: a session token is a bearer credential for its user, who reads and debits their
//! own wallets, reads and replaces their own feed, reads and ends their own sessions and reads
//! the catalogue; another user's object answers exactly as a missing one (404), every other
//! route 403; the audit log names the user.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::app::{TestApp, expect_json, expect_problem};
use crate::support::fixture::store_test;

/// A user with a session and a wallet of their own.
struct User {
    id: String,
    token: String,
    wallet: String,
}

async fn user(app: &TestApp, balance: i64) -> User {
    let id = uuid::Uuid::new_v4().to_string();
    let token = app.session_for(&id).await;
    let wallet = app.create_wallet_of(&id, "EUR", balance).await;
    User { id, token, wallet }
}

fn transfer(from: &str, to: &str, amount: i64) -> Value {
    json!({"from": from, "to": to, "amount_minor": amount, "currency": "EUR"})
}

async fn send_transfer(app: &TestApp, token: &str, body: &Value, key: &str) -> reqwest::Response {
    let request = app.as_bearer(token, Method::POST, "/v1/transfers").header("idempotency-key", key);
    request.json(body).send().await.expect("sent")
}

async fn get(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.as_bearer(token, Method::GET, path).send().await.expect("sent")
}

#[store_test]
async fn a_user_reads_and_debits_their_own_wallet_and_the_audit_names_them(app: &TestApp) {
    let (ada, bob) = (user(app, 1000).await, user(app, 0).await);

    let wallet = expect_json(get(app, &ada.token, &format!("/v1/wallets/{}", ada.wallet)).await, StatusCode::OK).await;
    let response = send_transfer(app, &ada.token, &transfer(&ada.wallet, &bob.wallet, 250), "ada-1").await;
    let created = expect_json(response, StatusCode::CREATED).await;

    assert_eq!(wallet["balance_minor"], 1000);
    assert_eq!((app.balance(&ada.wallet).await, app.balance(&bob.wallet).await), (750, 250));
    let ledger = get(app, &ada.token, &format!("/v1/wallets/{}/ledger", ada.wallet)).await;
    assert_eq!(expect_json(ledger, StatusCode::OK).await["items"].as_array().map(Vec::len), Some(1));
    let id = created["id"].as_str().expect("an id");
    assert_eq!(expect_json(get(app, &ada.token, &format!("/v1/transfers/{id}")).await, StatusCode::OK).await, created);
    // The receiver reads the transfer through their wallet.
    expect_json(get(app, &bob.token, &format!("/v1/transfers/{id}")).await, StatusCode::OK).await;
    let audit = expect_json(app.get("/v1/audit?action=transfer.completed").await, StatusCode::OK).await;
    let events = audit["items"].as_array().expect("items");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["actor"], json!(format!("user:{}", ada.id)));
}

#[store_test]
async fn another_users_wallet_answers_as_a_missing_one(app: &TestApp) {
    let (ada, bob) = (user(app, 1000).await, user(app, 1000).await);
    let missing = uuid::Uuid::now_v7().to_string();
    let body = |id: &str| transfer(id, &ada.wallet, 10);

    for (theirs, absent) in [
        (format!("/v1/wallets/{}", bob.wallet), format!("/v1/wallets/{missing}")),
        (format!("/v1/wallets/{}/ledger", bob.wallet), format!("/v1/wallets/{missing}/ledger")),
    ] {
        let refused = expect_problem(get(app, &ada.token, &theirs).await, StatusCode::NOT_FOUND).await;
        let absent = expect_problem(get(app, &ada.token, &absent).await, StatusCode::NOT_FOUND).await;
        // The same problem as a wallet that does not exist, but for the id itself.
        assert_eq!(refused["detail"], json!(format!("wallet {} not found", bob.wallet)), "{theirs}");
        assert_eq!(
            (refused["type"].clone(), refused["title"].clone()),
            (absent["type"].clone(), absent["title"].clone())
        );
    }
    let refused = send_transfer(app, &ada.token, &body(&bob.wallet), "ada-theft").await;
    let refused = expect_problem(refused, StatusCode::NOT_FOUND).await;
    let absent =
        expect_problem(send_transfer(app, &ada.token, &body(&missing), "ada-missing").await, StatusCode::NOT_FOUND)
            .await;
    assert_eq!(refused["detail"], json!(format!("wallet {} not found", bob.wallet)));
    assert_eq!(refused["type"], absent["type"]);

    assert_eq!((app.balance(&bob.wallet).await, app.balance(&ada.wallet).await), (1000, 1000));
    let audit = expect_json(app.get("/v1/audit?action=transfer.completed").await, StatusCode::OK).await;
    assert_eq!(audit["items"].as_array().map(Vec::len), Some(0));
}

#[store_test]
async fn a_transfer_between_two_other_wallets_is_hidden_from_a_user(app: &TestApp) {
    let (ada, bob, eve) = (user(app, 0).await, user(app, 100).await, user(app, 0).await);
    let response = send_transfer(app, &bob.token, &transfer(&bob.wallet, &eve.wallet, 5), "bob-1").await;
    let id = expect_json(response, StatusCode::CREATED).await["id"].as_str().expect("an id").to_owned();

    let problem =
        expect_problem(get(app, &ada.token, &format!("/v1/transfers/{id}")).await, StatusCode::NOT_FOUND).await;
    assert_eq!(problem["detail"], json!(format!("transfer {id} not found")));
}

#[store_test]
async fn a_user_reads_and_writes_their_own_feed_only(app: &TestApp) {
    let (ada, bob) = (user(app, 0).await, user(app, 0).await);
    let product = app.create_product("USER-1", "users", 100).await["id"].clone();
    let feed = json!({"product_ids": [product]});

    let own = app.as_bearer(&ada.token, Method::PUT, &format!("/v1/feeds/{}", ada.id)).json(&feed).send().await;
    expect_json(own.expect("sent"), StatusCode::OK).await;
    let read = expect_json(get(app, &ada.token, &format!("/v1/feeds/{}", ada.id)).await, StatusCode::OK).await;
    assert_eq!(read["product_ids"], json!([product]));

    expect_json(app.put(&format!("/v1/feeds/{}", bob.id), &feed, None).await, StatusCode::OK).await;
    let theirs =
        app.as_bearer(&ada.token, Method::PUT, &format!("/v1/feeds/{}", bob.id)).json(&json!({"product_ids": []}));
    let problem = expect_problem(theirs.send().await.expect("sent"), StatusCode::NOT_FOUND).await;
    assert_eq!(problem["detail"], json!(format!("feed {} not found", bob.id)));
    expect_problem(get(app, &ada.token, &format!("/v1/feeds/{}", bob.id)).await, StatusCode::NOT_FOUND).await;
    // Bob's feed is untouched.
    let bobs = expect_json(app.get(&format!("/v1/feeds/{}", bob.id)).await, StatusCode::OK).await;
    assert_eq!(bobs["product_ids"], json!([product]));
}

#[store_test]
async fn a_user_reads_and_ends_their_own_sessions_only(app: &TestApp) {
    let (ada, bob) = (user(app, 0).await, user(app, 0).await);
    let second = app.session_for(&ada.id).await;

    expect_json(get(app, &ada.token, &format!("/v1/sessions/{second}")).await, StatusCode::OK).await;
    expect_problem(get(app, &ada.token, &format!("/v1/sessions/{}", bob.token)).await, StatusCode::NOT_FOUND).await;
    let end_theirs = app.as_bearer(&ada.token, Method::DELETE, &format!("/v1/sessions/{}", bob.token));
    let problem = expect_problem(end_theirs.send().await.expect("sent"), StatusCode::NOT_FOUND).await;
    assert_eq!(problem["detail"], "session not found");
    expect_json(get(app, &bob.token, &format!("/v1/wallets/{}", bob.wallet)).await, StatusCode::OK).await;

    let end_own = app.as_bearer(&ada.token, Method::DELETE, &format!("/v1/sessions/{second}"));
    assert_eq!(end_own.send().await.expect("sent").status(), StatusCode::NO_CONTENT);
    // An ended session is no credential any more; an unknown token never was.
    let problem =
        expect_problem(get(app, &second, &format!("/v1/wallets/{}", ada.wallet)).await, StatusCode::UNAUTHORIZED).await;
    assert!(problem["type"].as_str().expect("a type").ends_with("/unauthenticated"));
    let unknown = "A".repeat(43);
    expect_problem(get(app, &unknown, &format!("/v1/wallets/{}", ada.wallet)).await, StatusCode::UNAUTHORIZED).await;
}

#[store_test]
async fn a_user_is_refused_every_service_route_and_keys_keep_their_scopes(app: &TestApp) {
    let ada = user(app, 100).await;
    let product = app.create_product("USER-2", "users", 100).await["id"].as_str().expect("an id").to_owned();
    let lamp = json!({"sku": "USER-3", "name": "Lamp", "category": "users", "price_minor": 5, "currency": "EUR"});

    let refused = [
        app.as_bearer(&ada.token, Method::POST, "/v1/products").json(&lamp),
        app.as_bearer(&ada.token, Method::PUT, &format!("/v1/products/{product}"))
            .json(&lamp)
            .header("if-match", "\"1\""),
        app.as_bearer(&ada.token, Method::DELETE, &format!("/v1/products/{product}")),
        app.as_bearer(&ada.token, Method::POST, "/v1/wallets")
            .json(&json!({"owner": ada.id, "currency": "EUR", "opening_balance_minor": 0})),
        app.as_bearer(&ada.token, Method::POST, "/v1/sessions").json(&json!({"user_id": ada.id, "ttl_seconds": 60})),
        app.as_bearer(&ada.token, Method::GET, "/v1/audit"),
        app.as_bearer(&ada.token, Method::GET, "/metrics"),
    ];
    for request in refused {
        let response = request.send().await.expect("sent");
        let problem = expect_problem(response, StatusCode::FORBIDDEN).await;
        assert!(problem["type"].as_str().expect("a type").ends_with("/forbidden"), "{problem}");
    }
    // The catalogue stays readable, and the product unchanged.
    let read = expect_json(get(app, &ada.token, &format!("/v1/products/{product}")).await, StatusCode::OK).await;
    assert_eq!(read["version"], 1);

    // A key without the transfer scope is still refused, whoever owns the wallet.
    let keyed = app
        .as_bearer(app.all_but(app::auth::Scope::Transfer), Method::POST, "/v1/transfers")
        .header("idempotency-key", "no-scope")
        .json(&transfer(&ada.wallet, &ada.wallet, 1));
    let problem = expect_problem(keyed.send().await.expect("sent"), StatusCode::FORBIDDEN).await;
    assert!(problem["detail"].as_str().expect("a detail").contains("transfer"), "{problem}");
    // And a key holding it debits any wallet, as before.
    let other = app.create_wallet("EUR", 0).await;
    let response = app.transfer(&transfer(&ada.wallet, &other, 1), Some("service-1")).await;
    expect_json(response, StatusCode::CREATED).await;
}
