//! Wallets and ledgers through the API.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::app::{TestApp, expect_json, expect_problem};
use crate::support::fixture::store_test;

#[store_test]
async fn opening_a_wallet_answers_201_with_location_and_body(app: &TestApp) {
    let body = json!({"owner": "Grace Hopper", "currency": "EUR", "opening_balance_minor": 1000});

    let response = app.post("/v1/wallets", &body).await;

    let location = response.headers().get("location").expect("a Location").to_str().expect("ASCII").to_owned();
    let wallet = expect_json(response, StatusCode::CREATED).await;
    let id = wallet["id"].as_str().expect("an id");
    assert_eq!(location, format!("/v1/wallets/{id}"));
    assert_eq!((wallet["owner"].as_str(), wallet["currency"].as_str()), (Some("Grace Hopper"), Some("EUR")));
    assert_eq!(wallet["balance_minor"], 1000);
    assert_eq!(expect_json(app.get(&location).await, StatusCode::OK).await, wallet);
}

#[store_test]
async fn invalid_wallet_input_answers_422_naming_the_field(app: &TestApp) {
    let valid = json!({"owner": "Ada", "currency": "EUR", "opening_balance_minor": 0});
    let cases = [
        ("opening_balance_minor", json!(-1), "opening_balance_minor"),
        ("opening_balance_minor", json!("100"), "opening_balance_minor"),
        ("owner", json!("   "), "owner"),
        ("owner", json!({"$ne": null}), "owner"),
        ("currency", json!("EURO"), "currency"),
    ];
    for (name, value, field) in cases {
        let mut body = valid.clone();
        body[name] = value;
        let problem = expect_problem(app.post("/v1/wallets", &body).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(problem["field"], field, "{body} gave {problem}");
    }
}

#[store_test]
async fn unknown_wallets_answer_404(app: &TestApp) {
    let unknown = uuid::Uuid::now_v7();

    expect_problem(app.get(&format!("/v1/wallets/{unknown}")).await, StatusCode::NOT_FOUND).await;
    expect_problem(app.get(&format!("/v1/wallets/{unknown}/ledger")).await, StatusCode::NOT_FOUND).await;
    expect_problem(app.get("/v1/wallets/not-a-uuid").await, StatusCode::NOT_FOUND).await;
    expect_problem(app.get("/v1/wallets/not-a-uuid/ledger").await, StatusCode::NOT_FOUND).await;
}

#[store_test]
async fn a_ledger_pages_newest_first_with_balances_after_each_entry(app: &TestApp) {
    let from = app.create_wallet("EUR", 1000).await;
    let to = app.create_wallet("EUR", 0).await;
    for (i, amount) in [100, 200, 300].into_iter().enumerate() {
        let body = json!({"from": from, "to": to, "amount_minor": amount, "currency": "EUR"});
        expect_json(app.transfer(&body, Some(&format!("ledger-{from}-{i}"))).await, StatusCode::CREATED).await;
    }

    let first = expect_json(app.get(&format!("/v1/wallets/{from}/ledger?limit=2")).await, StatusCode::OK).await;
    let cursor = first["next_cursor"].as_str().expect("a second page");
    let path = format!("/v1/wallets/{from}/ledger?limit=2&cursor={cursor}");
    let second = expect_json(app.get(&path).await, StatusCode::OK).await;

    let entries: Vec<_> =
        first["items"].as_array().expect("items").iter().chain(second["items"].as_array().expect("items")).collect();
    let deltas: Vec<_> = entries.iter().map(|e| e["delta_minor"].as_i64().expect("a delta")).collect();
    let after: Vec<_> = entries.iter().map(|e| e["balance_after_minor"].as_i64().expect("a balance")).collect();
    assert_eq!(deltas, vec![-300, -200, -100]);
    assert_eq!(after, vec![400, 700, 900]);
    assert!(second["next_cursor"].is_null());
    assert!(entries.iter().all(|e| e["wallet_id"] == from.as_str()));
}
