//! Feeds through the API.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::app::{TestApp, expect_json, expect_problem};
use crate::support::fixture::store_test;

#[store_test]
async fn a_stored_feed_reads_back_in_order(app: &TestApp) {
    let user_id = uuid::Uuid::now_v7();
    let ids = [uuid::Uuid::now_v7().to_string(), uuid::Uuid::now_v7().to_string()];
    let path = format!("/v1/feeds/{user_id}");

    let stored =
        expect_json(app.put(&path, &json!({"product_ids": [ids[1], ids[0]]}), None).await, StatusCode::OK).await;

    assert_eq!(stored["product_ids"], json!([ids[1], ids[0]]));
    assert_eq!(stored["user_id"], user_id.to_string());
    assert_eq!(expect_json(app.get(&path).await, StatusCode::OK).await, stored);
    let replaced = expect_json(app.put(&path, &json!({"product_ids": []}), None).await, StatusCode::OK).await;
    assert_eq!(replaced["product_ids"], json!([]));
}

#[store_test]
async fn a_user_without_a_feed_answers_404(app: &TestApp) {
    expect_problem(app.get(&format!("/v1/feeds/{}", uuid::Uuid::now_v7())).await, StatusCode::NOT_FOUND).await;
    expect_problem(app.get("/v1/feeds/bob").await, StatusCode::NOT_FOUND).await;
    expect_problem(app.put("/v1/feeds/bob", &json!({"product_ids": []}), None).await, StatusCode::NOT_FOUND).await;
}

#[store_test]
async fn invalid_feeds_answer_422(app: &TestApp) {
    let path = format!("/v1/feeds/{}", uuid::Uuid::now_v7());
    let id = uuid::Uuid::now_v7().to_string();
    for (body, field) in [
        (json!({"product_ids": [id, id]}), "product_ids"),
        (json!({"product_ids": [{"$ne": null}]}), "product_ids[0]"),
        (json!({"product_ids": "all"}), "product_ids"),
    ] {
        let problem = expect_problem(app.put(&path, &body, None).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(problem["field"], field, "{body} gave {problem}");
    }
    expect_problem(app.get(&path).await, StatusCode::NOT_FOUND).await;
}
