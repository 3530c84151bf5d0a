//! The orders API: `POST /orders/v1/orders` (with an `Idempotency-Key` header),
//! `GET /orders/v1/orders/{id}` and `GET /orders/v1/customers/{customer}/orders`, answering
//! problems as `application/problem+json`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

use crate::book::OrderBook;
use crate::model::{OrderError, PlaceOrder};

/// The prefix every route of the orders API lives under, beside the shop's `/v1`.
pub const PREFIX: &str = "/orders/v1";

/// The longest idempotency key accepted.
const MAX_KEY: usize = 255;

/// The orders router over `book`.
pub fn router(book: Arc<dyn OrderBook>) -> Router {
    let routes = Router::new()
        .route("/orders", post(place))
        .route("/orders/{id}", get(order))
        .route("/customers/{customer}/orders", get(for_customer))
        .with_state(book);
    Router::new().nest(PREFIX, routes)
}

async fn place(State(book): State<Arc<dyn OrderBook>>, headers: HeaderMap, body: Json<PlaceOrder>) -> Response {
    let Some(key) = headers.get("idempotency-key").and_then(|value| value.to_str().ok()) else {
        return problem(StatusCode::BAD_REQUEST, "an Idempotency-Key header is required");
    };
    if key.is_empty() || key.len() > MAX_KEY {
        return problem(StatusCode::BAD_REQUEST, "the Idempotency-Key header must be 1 to 255 characters");
    }
    match book.place(body.0, key).await {
        Ok(placed) => {
            let mut response = (StatusCode::CREATED, Json(placed.order)).into_response();
            if placed.replayed {
                response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
            }
            response
        }
        Err(error) => failure(&error),
    }
}

async fn order(State(book): State<Arc<dyn OrderBook>>, Path(id): Path<String>) -> Response {
    let Ok(id) = uuid::Uuid::parse_str(&id) else {
        return problem(StatusCode::NOT_FOUND, "no order has this id");
    };
    match book.get(id).await {
        Ok(order) => Json(order).into_response(),
        Err(error) => failure(&error),
    }
}

async fn for_customer(State(book): State<Arc<dyn OrderBook>>, Path(customer): Path<String>) -> Response {
    match book.for_customer(&customer, 50).await {
        Ok(orders) => Json(json!({ "orders": orders })).into_response(),
        Err(error) => failure(&error),
    }
}

fn failure(error: &OrderError) -> Response {
    let status = match error {
        OrderError::Invalid(_) | OrderError::KeyReused | OrderError::CreditLimit { .. } => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        OrderError::NotFound(_) => StatusCode::NOT_FOUND,
        OrderError::DuplicateReference(_) | OrderError::KeyInFlight => StatusCode::CONFLICT,
        OrderError::OutcomeUnknown(_) | OrderError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        OrderError::Internal(_) => {
            tracing::error!(%error, "order operation failed");
            return problem(StatusCode::INTERNAL_SERVER_ERROR, "internal error");
        }
    };
    problem(status, &error.to_string())
}

fn problem(status: StatusCode, detail: &str) -> Response {
    let body = json!({
        "type": "about:blank",
        "title": status.canonical_reason().unwrap_or("error"),
        "status": status.as_u16(),
        "detail": detail,
    });
    let mut response = (status, Json(body)).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
    response
}
