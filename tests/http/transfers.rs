//! Exactly-once transfers through the API.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::app::{TestApp, expect_json, expect_problem};
use crate::support::fixture::store_test;

async fn two_wallets(app: &TestApp, balance: i64) -> (String, String) {
    (app.create_wallet("EUR", balance).await, app.create_wallet("EUR", 0).await)
}

fn transfer(from: &str, to: &str, amount: i64) -> Value {
    json!({"from": from, "to": to, "amount_minor": amount, "currency": "EUR"})
}

fn key() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[store_test]
async fn a_transfer_moves_money_and_answers_201_with_the_transfer(app: &TestApp) {
    let (from, to) = two_wallets(app, 1000).await;

    let response = app.transfer(&transfer(&from, &to, 250), Some(&key())).await;

    assert!(response.headers().get("idempotent-replayed").is_none());
    let location = response.headers().get("location").expect("a Location").to_str().expect("ASCII").to_owned();
    let created = expect_json(response, StatusCode::CREATED).await;
    assert_eq!((created["from"].as_str(), created["to"].as_str()), (Some(from.as_str()), Some(to.as_str())));
    assert_eq!((created["amount_minor"].as_i64(), created["status"].as_str()), (Some(250), Some("completed")));
    assert_eq!((app.balance(&from).await, app.balance(&to).await), (750, 250));
    assert_eq!(expect_json(app.get(&location).await, StatusCode::OK).await, created);
}

#[store_test]
async fn a_retried_transfer_replays_the_first_response_and_moves_money_once(app: &TestApp) {
    let (from, to) = two_wallets(app, 1000).await;
    let (body, key) = (transfer(&from, &to, 300), key());
    let first = app.transfer(&body, Some(&key)).await;
    let first_status = first.status();
    let first_body = first.text().await.expect("a body");

    let retry = app.transfer(&body, Some(&key)).await;

    assert_eq!(retry.status(), first_status);
    assert_eq!(retry.headers().get("idempotent-replayed").expect("marked as a replay"), "true");
    assert_eq!(retry.text().await.expect("a body"), first_body);
    assert_eq!((app.balance(&from).await, app.balance(&to).await), (700, 300));
}

#[store_test]
async fn a_transfer_without_a_usable_idempotency_key_answers_400(app: &TestApp) {
    let (from, to) = two_wallets(app, 1000).await;
    let body = transfer(&from, &to, 100);

    let missing = expect_problem(app.transfer(&body, None).await, StatusCode::BAD_REQUEST).await;
    let too_long = expect_problem(app.transfer(&body, Some(&"k".repeat(256))).await, StatusCode::BAD_REQUEST).await;
    let spaced = expect_problem(app.transfer(&body, Some("two words")).await, StatusCode::BAD_REQUEST).await;

    for problem in [missing, too_long, spaced] {
        assert_eq!(problem["field"], "idempotency-key", "{problem}");
    }
    assert_eq!(app.balance(&from).await, 1000);
}

#[store_test]
async fn a_key_reused_with_another_body_answers_422_and_moves_nothing(app: &TestApp) {
    let (from, to) = two_wallets(app, 1000).await;
    let key = key();
    expect_json(app.transfer(&transfer(&from, &to, 100), Some(&key)).await, StatusCode::CREATED).await;

    let reused = app.transfer(&transfer(&from, &to, 999), Some(&key)).await;

    let problem = expect_problem(reused, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(problem["type"].as_str().expect("a type").ends_with("/idempotency-key-reused"));
    assert_eq!(app.balance(&from).await, 900);
}

#[store_test]
async fn refused_transfers_answer_their_status_and_move_nothing(app: &TestApp) {
    let (from, to) = two_wallets(app, 100).await;
    let dollars = app.create_wallet("USD", 100).await;
    let unknown = uuid::Uuid::now_v7().to_string();
    let cases = [
        (transfer(&from, &to, 101), StatusCode::UNPROCESSABLE_ENTITY, "insufficient-funds"),
        (transfer(&from, &dollars, 10), StatusCode::UNPROCESSABLE_ENTITY, "currency-mismatch"),
        (transfer(&from, &from, 10), StatusCode::UNPROCESSABLE_ENTITY, "same-wallet"),
        (transfer(&from, &to, 0), StatusCode::UNPROCESSABLE_ENTITY, "invalid-amount"),
        (transfer(&from, &to, -5), StatusCode::UNPROCESSABLE_ENTITY, "invalid-amount"),
        (transfer(&from, &unknown, 10), StatusCode::NOT_FOUND, "not-found"),
        (
            json!({"from": {"$ne": null}, "to": to, "amount_minor": 1, "currency": "EUR"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-input",
        ),
    ];
    for (body, status, kind) in cases {
        let problem = expect_problem(app.transfer(&body, Some(&key())).await, status).await;
        assert!(problem["type"].as_str().expect("a type").ends_with(kind), "{body} gave {problem}");
    }
    assert_eq!((app.balance(&from).await, app.balance(&to).await, app.balance(&dollars).await), (100, 0, 100));
}

#[store_test]
async fn an_amount_above_the_largest_transfer_is_refused_as_too_large_not_as_non_positive(app: &TestApp) {
    let (from, to) = two_wallets(app, 100).await;

    let answer = app.transfer(&transfer(&from, &to, 1_000_000_000_000_001), Some(&key())).await;

    let problem = expect_problem(answer, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(problem["type"].as_str().expect("a type").ends_with("/invalid-amount"), "{problem}");
    assert_eq!(problem["detail"], "amount exceeds the largest transfer, 1000000000000000 minor units");
    assert_eq!(problem["field"], "amount_minor");
}

#[store_test]
async fn unknown_transfers_answer_404(app: &TestApp) {
    expect_problem(app.get(&format!("/v1/transfers/{}", uuid::Uuid::now_v7())).await, StatusCode::NOT_FOUND).await;
    expect_problem(app.get("/v1/transfers/nope").await, StatusCode::NOT_FOUND).await;
}
