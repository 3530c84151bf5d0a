//! Health, readiness, the OpenAPI document and middleware shared by every route. Readiness
//! failures are covered with a mocked port in the `app` crate.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::app::{TestApp, expect_json, expect_problem};
use crate::support::fixture::store_test;

#[store_test]
async fn health_and_readiness_answer_200(app: &TestApp) {
    assert_eq!(expect_json(app.get("/healthz").await, StatusCode::OK).await, json!({"status": "ok"}));
    assert_eq!(expect_json(app.get("/readyz").await, StatusCode::OK).await, json!({"status": "ready"}));
}

#[store_test]
async fn the_openapi_document_lists_every_route(app: &TestApp) {
    let routes = [
        ("/v1/products", &["post", "get"][..]),
        ("/v1/products/{id}", &["get", "put", "delete"]),
        ("/v1/categories/{category}/stats", &["get"]),
        ("/v1/wallets", &["post"]),
        ("/v1/wallets/{id}", &["get"]),
        ("/v1/wallets/{id}/ledger", &["get"]),
        ("/v1/transfers", &["post"]),
        ("/v1/transfers/{id}", &["get"]),
        ("/v1/audit", &["get"]),
        ("/v1/sessions", &["post"]),
        ("/v1/sessions/{token}", &["get", "delete"]),
        ("/v1/feeds/{user_id}", &["put", "get"]),
        ("/healthz", &["get"]),
        ("/readyz", &["get"]),
        ("/openapi.json", &["get"]),
    ];

    let document = expect_json(app.get("/openapi.json").await, StatusCode::OK).await;

    assert!(document["openapi"].as_str().expect("a version").starts_with("3.1"));
    for (path, methods) in routes {
        for method in methods {
            assert!(document["paths"][path][method].is_object(), "{method} {path} is not documented");
        }
    }
    assert!(document["components"]["schemas"]["Problem"].is_object());
}

#[store_test]
async fn every_response_carries_a_request_id(app: &TestApp) {
    let response = app.get("/healthz").await;
    let generated = response.headers().get("x-request-id").expect("a request id").to_str().expect("ASCII");
    assert!(uuid::Uuid::parse_str(generated).is_ok(), "{generated} is not a UUID");

    let response = app.client.get(app.url("/healthz")).header("x-request-id", "trace-42").send().await.expect("sent");
    assert_eq!(response.headers().get("x-request-id").expect("a request id"), "trace-42");
}

#[store_test]
async fn unknown_routes_and_methods_answer_problems(app: &TestApp) {
    expect_problem(app.get("/v1/nothing").await, StatusCode::NOT_FOUND).await;
    let response = app.client.patch(app.url("/v1/products")).send().await.expect("sent");
    expect_problem(response, StatusCode::METHOD_NOT_ALLOWED).await;
}
