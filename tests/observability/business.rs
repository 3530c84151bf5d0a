//! The business symptoms on `/metrics` move with the requests that make them: transfers by
//! outcome, keyed creates replayed, feed ages, audit events written.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::app::{TestApp, expect_json};
use crate::support::fixture::store_test;

/// The value of the series `series` (name and labels, exactly as exported) in `text`.
fn value(text: &str, series: &str) -> f64 {
    let line = text.lines().find_map(|line| line.strip_prefix(series)?.strip_prefix(' '));
    line.and_then(|value| value.parse().ok()).unwrap_or_else(|| panic!("{series} is not on /metrics:\n{text}"))
}

async fn keyed_wallet(app: &TestApp, key: &str, body: &Value) -> StatusCode {
    let request = app.client.post(app.url("/v1/wallets")).json(body).header("idempotency-key", key);
    request.send().await.expect("POST reaches the service").status()
}

#[store_test]
async fn transfers_keyed_creates_feeds_and_audit_events_show_on_metrics(app: &TestApp) {
    let from = app.create_wallet("EUR", 1_000).await;
    let to = app.create_wallet("EUR", 0).await;
    let transfer = json!({"from": from, "to": to, "amount_minor": 10, "currency": "EUR"});
    let too_much = json!({"from": from, "to": to, "amount_minor": 1_000_000, "currency": "EUR"});
    let wallet = json!({"owner": "Ada Lovelace", "currency": "EUR", "opening_balance_minor": 5});
    let feed = format!("/v1/feeds/{}", uuid::Uuid::now_v7());

    assert_eq!(app.transfer(&transfer, Some("symptoms-1")).await.status(), StatusCode::CREATED);
    assert_eq!(app.transfer(&transfer, Some("symptoms-1")).await.status(), StatusCode::CREATED, "a replay");
    assert_eq!(app.transfer(&too_much, Some("symptoms-2")).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(keyed_wallet(app, "symptoms-3", &wallet).await, StatusCode::CREATED);
    assert_eq!(keyed_wallet(app, "symptoms-3", &wallet).await, StatusCode::CREATED, "a replay");
    expect_json(app.put(&feed, &json!({"product_ids": []}), None).await, StatusCode::OK).await;
    expect_json(app.get(&feed).await, StatusCode::OK).await;
    let text = app.get("/metrics").await.text().await.expect("the metrics are readable");

    assert_eq!(value(&text, r#"shop_transfers_total{outcome="applied",reason="-"}"#), 1.0);
    assert_eq!(value(&text, r#"shop_transfers_total{outcome="replayed",reason="-"}"#), 1.0);
    assert_eq!(value(&text, r#"shop_transfers_total{outcome="refused",reason="insufficient_funds"}"#), 1.0);
    assert_eq!(value(&text, r#"shop_transfers_total{outcome="outcome_unknown",reason="-"}"#), 0.0);
    assert_eq!(value(&text, "shop_transfers_in_progress"), 0.0, "every transfer was answered");
    assert_eq!(value(&text, r#"shop_keyed_creates_total{resource="wallet",outcome="created"}"#), 1.0);
    assert_eq!(value(&text, r#"shop_keyed_creates_total{resource="wallet",outcome="replayed"}"#), 1.0);
    assert_eq!(value(&text, "shop_feed_age_seconds_count"), 1.0);
    assert!(text.contains(r#"shop_feed_age_seconds_bucket{le="60"} 1"#), "a fresh feed is under a minute old:\n{text}");
    // Three wallets opened (the replay wrote no event), one transfer applied (refusals write none).
    assert_eq!(value(&text, r#"shop_audit_events_total{action="wallet.created"}"#), 3.0);
    assert_eq!(value(&text, r#"shop_audit_events_total{action="transfer.completed"}"#), 1.0);
}
