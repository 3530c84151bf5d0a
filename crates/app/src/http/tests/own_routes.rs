//! A service's own routes on the public building blocks, without the shop's router: the request
//! layer gives them the budget, the request id and the body limit; the authentication layer checks
//! their own table and hands the principal to `Meta`; their own errors answer as problems.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse as _, Response};
use axum::routing::{get, post};
use serde_json::json;
use tower::ServiceBuilder;

use super::{Answer, get as get_request, post_json};
use crate::auth::keys::{ApiKeys, generate};
use crate::auth::policy::ShopPolicy;
use crate::auth::{Access, Authentication, Route, Scope, Scopes};
use crate::http::auth::AuthLayer;
use crate::http::error::{ApiError, IntoProblem};
use crate::http::extract::Json;
use crate::http::headers::{IdempotencyKeyHeader, Meta, mark_replayed};
use crate::http::request::RequestLayer;
use crate::state::HttpSettings;

#[derive(Debug, thiserror::Error)]
enum StockError {
    #[error("sku {0} is sold out")]
    SoldOut(String),
    #[error("the warehouse at 10.0.0.7 refused")]
    Warehouse,
}

impl IntoProblem for StockError {
    fn status(&self) -> StatusCode {
        match self {
            Self::SoldOut(_) => StatusCode::CONFLICT,
            Self::Warehouse => StatusCode::BAD_GATEWAY,
        }
    }

    fn problem_type(&self) -> &'static str {
        match self {
            Self::SoldOut(_) => "sold-out",
            Self::Warehouse => "warehouse",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            Self::SoldOut(_) => "Sold out",
            Self::Warehouse => "Warehouse failed",
        }
    }

    fn field(&self) -> Option<String> {
        matches!(self, Self::SoldOut(_)).then(|| "sku".to_owned())
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Reservation {
    sku: String,
}

async fn reserve(
    Meta(meta): Meta,
    IdempotencyKeyHeader(key): IdempotencyKeyHeader,
    Json(reservation): Json<Reservation>,
) -> Result<Response, ApiError> {
    match reservation.sku.as_str() {
        "SOLD-1" => Err(StockError::SoldOut(reservation.sku))?,
        "FAIL-1" => Err(StockError::Warehouse)?,
        _ => {}
    }
    let body = json!({ "principal": meta.principal, "key": key.as_str(), "request_id": meta.request_id });
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    mark_replayed(&mut response, key.as_str() == "seen-before");
    Ok(response)
}

/// What is left of the request's budget when the handler runs, in milliseconds.
async fn budget_left() -> Json<Option<u128>> {
    Json(budget::remaining().map(|left| left.as_millis()))
}

const STOCK_ROUTES: &[Route] = &[
    Route { name: "reserve", method: "POST", path: "/stock/reservations", access: Access::Scope(Scope::Write) },
    Route { name: "budget", method: "GET", path: "/stock/budget", access: Access::Scope(Scope::Read) },
];

fn stock(settings: &HttpSettings, authentication: Authentication) -> Router {
    let middleware = ServiceBuilder::new()
        .layer(RequestLayer::new(settings))
        .layer(AuthLayer::new(authentication, Arc::new(ShopPolicy)).with_routes(STOCK_ROUTES));
    Router::new().route("/stock/reservations", post(reserve)).route("/stock/budget", get(budget_left)).layer(middleware)
}

async fn send(router: Router, request: Request<axum::body::Body>) -> Answer {
    super::answer(router, request).await
}

fn keyed(body: &serde_json::Value, key: &str) -> Request<axum::body::Body> {
    let mut request = post_json("/stock/reservations", body);
    request.headers_mut().insert("idempotency-key", key.parse().expect("a header value"));
    request
}

#[tokio::test]
async fn a_route_under_the_request_layer_runs_within_the_requests_budget() {
    let settings = HttpSettings { request_timeout: Duration::from_millis(700), ..HttpSettings::default() };

    let answer = send(stock(&settings, Authentication::anonymous()), get_request("/stock/budget")).await;

    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let left = answer.json().as_u64().expect("the handler ran inside a budget");
    assert!(left <= 700, "the budget is the request timeout, not more: {left} ms");
    assert!(answer.headers.contains_key("x-request-id"), "the layer sets the request id");
}

#[tokio::test]
async fn own_routes_refuse_malformed_bodies_and_bodies_over_the_limit_as_problems() {
    let settings = HttpSettings { body_limit_bytes: 64, ..HttpSettings::default() };
    let router = stock(&settings, Authentication::anonymous());

    let malformed = {
        let mut request = keyed(&json!({}), "k-1");
        *request.body_mut() = axum::body::Body::from("{\"sku\": ");
        send(router.clone(), request).await
    };
    let unknown_field = send(router.clone(), keyed(&json!({ "sku": "MUG-1", "qty": 1 }), "k-2")).await;
    let too_large = send(router.clone(), keyed(&json!({ "sku": "M".repeat(100) }), "k-3")).await;
    let keyless = {
        let mut request = post_json("/stock/reservations", &json!({ "sku": "MUG-1" }));
        request.headers_mut().remove("idempotency-key");
        send(router, request).await
    };

    malformed.assert_problem(StatusCode::BAD_REQUEST);
    assert!(malformed.json()["type"].as_str().is_some_and(|kind| kind.ends_with("/malformed-json")));
    unknown_field.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    too_large.assert_problem(StatusCode::PAYLOAD_TOO_LARGE);
    keyless.assert_problem(StatusCode::BAD_REQUEST);
    assert_eq!(keyless.json()["field"], "idempotency-key");
}

#[tokio::test]
async fn own_errors_answer_their_problem_and_server_errors_keep_their_message_to_the_log() {
    let router = stock(&HttpSettings::default(), Authentication::anonymous());

    let sold_out = send(router.clone(), keyed(&json!({ "sku": "SOLD-1" }), "k-1")).await;
    let failed = send(router, keyed(&json!({ "sku": "FAIL-1" }), "k-2")).await;

    sold_out.assert_problem(StatusCode::CONFLICT);
    let body = sold_out.json();
    assert_eq!(body["type"], "https://shop.example/problems/sold-out");
    assert_eq!((body["title"].as_str(), body["detail"].as_str()), (Some("Sold out"), Some("sku SOLD-1 is sold out")));
    assert_eq!(body["field"], "sku");
    failed.assert_problem(StatusCode::BAD_GATEWAY);
    assert!(!failed.text.contains("10.0.0.7"), "a server error's message stays in the log: {}", failed.text);
}

#[tokio::test]
async fn the_auth_layer_checks_an_own_route_table_and_hands_the_principal_to_meta() {
    let (key, entry) = generate("warehouse", Scopes::parse("write").expect("scopes")).expect("a key");
    let keys = Authentication::checked(ApiKeys::parse(&entry.to_string()).expect("its line parses"));
    let router = stock(&HttpSettings::default(), keys);
    let signed = |mut request: Request<axum::body::Body>| {
        let bearer = format!("Bearer {}", key.expose()).parse().expect("a header value");
        request.headers_mut().insert("authorization", bearer);
        request
    };

    let anonymous = send(router.clone(), keyed(&json!({ "sku": "MUG-1" }), "k-1")).await;
    let reserved = send(router.clone(), signed(keyed(&json!({ "sku": "MUG-1" }), "seen-before"))).await;
    let without_scope = send(router, signed(get_request("/stock/budget"))).await;

    anonymous.assert_problem(StatusCode::UNAUTHORIZED);
    assert_eq!(reserved.status, StatusCode::CREATED, "{}", reserved.text);
    assert_eq!(reserved.json()["principal"], "warehouse", "the key's name is the principal its keys belong to");
    assert_eq!(reserved.headers.get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));
    without_scope.assert_problem(StatusCode::FORBIDDEN);
}
