//! `/metrics` after a short load on MongoDB: every series the dashboards rely on is there.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::app::{TestApp, expect_json};
use crate::support::fixture::{Fixture, store_test};

/// Products, wallets, a transfer and reads: HTTP routes and every critical and standard path.
async fn short_load(app: &TestApp) {
    for index in 0..5 {
        app.create_product(&format!("LOAD-{index}"), "books", 100 + index).await;
    }
    expect_json(app.get("/v1/products?category=books").await, StatusCode::OK).await;
    let from = app.create_wallet("EUR", 1_000).await;
    let to = app.create_wallet("EUR", 0).await;
    let transfer =
        app.transfer(&json!({"from": from, "to": to, "amount_minor": 10, "currency": "EUR"}), Some("load-1")).await;
    assert_eq!(transfer.status(), StatusCode::CREATED, "the transfer is accepted");
    app.balance(&from).await;
    assert_eq!(app.get("/v1/products/not-a-uuid").await.status(), StatusCode::NOT_FOUND);
}

/// The service on MongoDB with the metrics recorder installed before the store's client exists,
/// so that its pool's creation is recorded too.
struct Metered(TestApp);

impl Fixture for Metered {
    async fn mongo(test: &'static str) -> Option<Self> {
        shop::metrics::install();
        Some(Self(TestApp::mongo(test).await?))
    }

    async fn finish(self) {
        self.0.finish().await;
    }
}

#[store_test(mongo)]
async fn metrics_show_every_series_after_a_short_load(Metered(app): &Metered) {
    short_load(app).await;
    let response = app.get("/metrics").await;

    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.expect("the metrics are readable");
    let expected = [
        r#"http_request_duration_seconds_bucket{method="POST",route="/v1/products",status="201""#,
        r#"http_request_duration_seconds_bucket{method="GET",route="/v1/products/{id}",status="404""#,
        r#"mongodb_command_duration_seconds_bucket{command="find",collection="wallets",profile="critical""#,
        r#"mongodb_command_duration_seconds_bucket{command="commitTransaction",collection="-",profile="critical""#,
        "mongodb_pool_checkout_wait_seconds_bucket{",
        "mongodb_pool_connections{",
        "mongodb_pool_connections_in_use{",
        r#"mongodb_errors_total{class="transient",profile="critical"}"#,
        r#"mongodb_errors_total{class="conflict",profile="standard"}"#,
        r#"mongodb_errors_total{class="timeout",profile="feed"}"#,
        r#"mongodb_errors_total{class="validation",profile="critical"}"#,
        r#"mongodb_transaction_attempts_total{profile="critical"}"#,
        r#"mongodb_transaction_retries_total{profile="critical"}"#,
        r#"http_errors_total{class="not_found"} 1"#,
    ];
    for series in expected {
        assert!(text.contains(series), "{series} is missing from /metrics:\n{text}");
    }
    // A create commits with its audit event in a critical transaction: one client bulkWrite where
    // the server has it, else an insert into the collection and one into the audit log.
    let bulk = r#"mongodb_command_duration_seconds_bucket{command="bulkWrite",collection="-",profile="critical""#;
    let inserts = [
        r#"mongodb_command_duration_seconds_bucket{command="insert",collection="products",profile="critical""#,
        r#"mongodb_command_duration_seconds_bucket{command="insert",collection="audit",profile="critical""#,
    ];
    assert!(
        text.contains(bulk) || inserts.iter().all(|series| text.contains(series)),
        "no latency of the product create's writes in /metrics:\n{text}"
    );
    assert!(text.contains(r#"le="0.005""#), "latencies are histograms with buckets");
}

#[store_test(mongo)]
async fn long_jobs_end_with_a_latency_summary(Metered(app): &Metered) {
    let before = mongo_kit::telemetry::commands_started();
    shop::metrics::keep_command_latencies();

    app.create_product("SUMMARY-1", "books", 100).await;
    let summary = shop::metrics::latency_summary();

    assert!(mongo_kit::telemetry::commands_started() > before, "commands are counted");
    // The create's writes: one client bulkWrite where the server has it, else an insert.
    let line = summary.lines().find(|line| line.starts_with("insert products ") || line.starts_with("bulkWrite - "));
    assert!(line.is_some(), "no line for the product insert:\n{summary}");
    // Kept from the start of the job only: the table counts the create's commands, no others.
    assert!(!summary.contains("createIndexes"), "commands from before the job:\n{summary}");
}
