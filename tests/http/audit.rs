//! The audit trail the API writes, read through `/v1/audit`.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::app::{FULL_KEY_NAME, TestApp, expect_json, expect_problem};
use crate::support::fixture::store_test;

async fn events(app: &TestApp, query: &str) -> Vec<Value> {
    let page = expect_json(app.get(&format!("/v1/audit?{query}")).await, StatusCode::OK).await;
    page["items"].as_array().expect("items").clone()
}

#[store_test]
async fn product_changes_are_audited_with_actor_and_request_id(app: &TestApp) {
    let body = json!({"sku": "AUD-1", "name": "Secret name", "category": "audit", "price_minor": 5, "currency": "EUR"});
    let response = app
        .client
        .post(app.url("/v1/products"))
        .header("x-request-id", "req-audit-1")
        .json(&body)
        .send()
        .await
        .expect("POST reaches the service");
    assert_eq!(response.headers().get("x-request-id").expect("echoed"), "req-audit-1");
    let created = expect_json(response, StatusCode::CREATED).await;
    let id = created["id"].as_str().expect("an id");
    let path = format!("/v1/products/{id}");
    expect_json(app.put(&path, &body, Some("\"1\"")).await, StatusCode::OK).await;
    assert_eq!(app.delete(&path).await.status(), StatusCode::NO_CONTENT);

    let trail = events(app, &format!("subject=product:{id}")).await;

    let actions: Vec<_> = trail.iter().map(|e| e["action"].as_str().expect("an action")).collect();
    assert_eq!(actions, vec!["product.deleted", "product.updated", "product.created"]);
    let created_event = &trail[2];
    assert_eq!(
        (created_event["actor"].as_str(), created_event["request_id"].as_str()),
        (Some(FULL_KEY_NAME), Some("req-audit-1"))
    );
    assert!(trail.iter().all(|e| e["actor"] == FULL_KEY_NAME), "{trail:?}");
    assert!(!trail.iter().any(|e| e.to_string().contains("Secret name")), "free text reached the audit log");
}

#[store_test]
async fn wallet_and_transfer_events_hold_no_owner_and_page_newest_first(app: &TestApp) {
    let from = app.create_wallet("EUR", 500).await;
    let to = app.create_wallet("EUR", 0).await;
    let third = app.create_wallet("EUR", 0).await;
    let transfer = json!({"from": from, "to": to, "amount_minor": 5, "currency": "EUR"});
    expect_json(app.transfer(&transfer, Some("audit-key-1")).await, StatusCode::CREATED).await;

    let first = expect_json(app.get("/v1/audit?action=wallet.created&limit=2").await, StatusCode::OK).await;
    let cursor = first["next_cursor"].as_str().expect("a second page");
    let rest = events(app, &format!("action=wallet.created&limit=2&cursor={cursor}")).await;
    let completed = events(app, "action=transfer.completed").await;

    let subjects: Vec<_> =
        first["items"].as_array().expect("items").iter().chain(&rest).map(|e| e["subject"].clone()).collect();
    assert_eq!(
        subjects,
        vec![json!(format!("wallet:{third}")), json!(format!("wallet:{to}")), json!(format!("wallet:{from}"))]
    );
    assert_eq!(completed.len(), 1);
    let all = events(app, "limit=200").await;
    assert!(!all.iter().any(|e| e.to_string().contains("Ada Lovelace")), "an owner reached the audit log");
}

#[store_test]
async fn invalid_audit_filters_answer_422(app: &TestApp) {
    for (query, field) in
        [("action=a%20b", "action"), ("subject=%24where", "subject"), ("limit=500", "limit"), ("cursor=x", "cursor")]
    {
        let problem =
            expect_problem(app.get(&format!("/v1/audit?{query}")).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(problem["field"], field, "{query} gave {problem}");
    }
}
