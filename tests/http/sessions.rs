//! Sessions through the API. Expiry at the exact instant is a store contract, tested per store;
//! here only what the API adds.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::app::{TestApp, expect_json, expect_problem};
use crate::support::fixture::store_test;

#[store_test]
async fn a_new_session_shows_its_token_once_and_the_token_finds_it(app: &TestApp) {
    let user_id = uuid::Uuid::now_v7().to_string();

    let created = expect_json(
        app.post("/v1/sessions", &json!({"user_id": user_id, "ttl_seconds": 600})).await,
        StatusCode::CREATED,
    )
    .await;

    let token = created["token"].as_str().expect("a token");
    let session = expect_json(app.get(&format!("/v1/sessions/{token}")).await, StatusCode::OK).await;
    assert_eq!(session["user_id"], user_id.as_str());
    assert_eq!(session["expires_at"], created["expires_at"]);
    assert!(session["created_at"].is_string());
    assert!(!session.to_string().contains(token), "the token was shown again");
}

#[store_test]
async fn an_ended_session_is_gone(app: &TestApp) {
    let user_id = uuid::Uuid::now_v7().to_string();
    let created = expect_json(
        app.post("/v1/sessions", &json!({"user_id": user_id, "ttl_seconds": 600})).await,
        StatusCode::CREATED,
    )
    .await;
    let path = format!("/v1/sessions/{}", created["token"].as_str().expect("a token"));

    assert_eq!(app.delete(&path).await.status(), StatusCode::NO_CONTENT);

    expect_problem(app.get(&path).await, StatusCode::NOT_FOUND).await;
    expect_problem(app.delete(&path).await, StatusCode::NOT_FOUND).await;
}

#[store_test]
async fn unknown_and_malformed_tokens_answer_404_without_echoing_them(app: &TestApp) {
    let unknown = "U".repeat(43);
    for token in [unknown.as_str(), "short-secret-token"] {
        let problem = expect_problem(app.get(&format!("/v1/sessions/{token}")).await, StatusCode::NOT_FOUND).await;
        assert!(!problem.to_string().contains(token), "the token was echoed: {problem}");
        expect_problem(app.delete(&format!("/v1/sessions/{token}")).await, StatusCode::NOT_FOUND).await;
    }
}

#[store_test]
async fn invalid_session_input_answers_422(app: &TestApp) {
    let user_id = uuid::Uuid::now_v7().to_string();
    for (body, field) in [
        (json!({"user_id": user_id, "ttl_seconds": 0}), "ttl_seconds"),
        (json!({"user_id": user_id, "ttl_seconds": 2_592_001}), "ttl_seconds"),
        (json!({"user_id": user_id, "ttl_seconds": -1}), "ttl_seconds"),
        (json!({"user_id": "bob", "ttl_seconds": 60}), "user_id"),
        (json!({"user_id": {"$ne": null}, "ttl_seconds": 60}), "user_id"),
    ] {
        let problem = expect_problem(app.post("/v1/sessions", &body).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(problem["field"], field, "{body} gave {problem}");
    }
}
