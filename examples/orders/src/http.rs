//! The orders API: `POST /orders/v1/orders` (with an `Idempotency-Key` header),
//! `GET /orders/v1/orders/{id}` and `GET /orders/v1/customers/{customer}/orders`, built from the
//! shop's HTTP building blocks (`app::http`): the request layer gives each request its id, its
//! limits and its time budget (which caps every database call the book makes), its access log
//! line and its latency series; the authentication layer checks the caller against [`ROUTES`];
//! the extractors and [`ApiError`] answer every failure as `application/problem+json`, the
//! book's own errors mapped once, in [`IntoProblem`] for [`OrderError`].

use std::sync::Arc;

use app::HttpSettings;
use app::auth::policy::ShopPolicy;
use app::auth::{Access, Authentication, Route, Scope};
use app::http::auth::AuthLayer;
use app::http::error::{ApiError, IntoProblem};
use app::http::extract::{Json, Path};
use app::http::headers::{IdempotencyKeyHeader, Meta, mark_replayed};
use app::http::request::RequestLayer;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use tower::ServiceBuilder;

use crate::book::OrderBook;
use crate::model::{Order, OrderError, PlaceOrder};

/// The prefix every route of the orders API lives under, beside the shop's `/v1`.
pub const PREFIX: &str = "/orders/v1";

/// How many orders a customer's listing shows.
const PAGE: u32 = 50;

/// Every route of the orders API and the scope a caller needs for it (when the service checks
/// credentials): placing an order is a write, reading one a read.
pub const ROUTES: &[Route] = &[
    Route { name: "placeOrder", method: "POST", path: "/orders/v1/orders", access: Access::Scope(Scope::Write) },
    Route { name: "getOrder", method: "GET", path: "/orders/v1/orders/{id}", access: Access::Scope(Scope::Read) },
    Route {
        name: "listCustomerOrders",
        method: "GET",
        path: "/orders/v1/customers/{customer}/orders",
        access: Access::Scope(Scope::Read),
    },
];

/// The orders router over `book`: each request within `settings`' limits and time budget, and
/// authenticated by `authentication` (the shop's, so the same API keys serve both APIs).
pub fn router(book: Arc<dyn OrderBook>, settings: &HttpSettings, authentication: Authentication) -> Router {
    // One `layer` call: axum boxes every endpoint once per call.
    let middleware = ServiceBuilder::new()
        .layer(RequestLayer::new(settings))
        .layer(AuthLayer::new(authentication, Arc::new(ShopPolicy)).with_routes(ROUTES));
    let routes = Router::new()
        .route("/orders", post(place))
        .route("/orders/{id}", get(order))
        .route("/customers/{customer}/orders", get(for_customer))
        .with_state(book);
    Router::new().nest(PREFIX, routes).layer(middleware)
}

async fn place(
    State(book): State<Arc<dyn OrderBook>>,
    Meta(meta): Meta,
    IdempotencyKeyHeader(key): IdempotencyKeyHeader,
    Json(request): Json<PlaceOrder>,
) -> Result<Response, ApiError> {
    // The key belongs to the authenticated caller: another caller's same key is its own.
    let placed = book.place(request, &meta.principal, key.as_str()).await?;
    let location = format!("{PREFIX}/orders/{}", placed.order.id);
    let mut response = (StatusCode::CREATED, [(header::LOCATION, location)], Json(placed.order)).into_response();
    mark_replayed(&mut response, placed.replayed);
    Ok(response)
}

async fn order(State(book): State<Arc<dyn OrderBook>>, Path(id): Path<uuid::Uuid>) -> Result<Json<Order>, ApiError> {
    Ok(Json(book.get(id).await?))
}

/// A customer's orders, newest first.
#[derive(Debug, Serialize)]
struct Listing {
    orders: Vec<Order>,
}

async fn for_customer(
    State(book): State<Arc<dyn OrderBook>>,
    Path(customer): Path<String>,
) -> Result<Json<Listing>, ApiError> {
    Ok(Json(Listing { orders: book.for_customer(&customer, PAGE).await? }))
}

impl IntoProblem for OrderError {
    fn status(&self) -> StatusCode {
        match self {
            Self::Invalid(_) | Self::KeyReused | Self::CreditLimit { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::DuplicateReference(_) | Self::KeyInFlight => StatusCode::CONFLICT,
            Self::OutcomeUnknown(_) | Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    // The shop's names where the problem is the shop's too, so a client branches on one set.
    fn problem_type(&self) -> &'static str {
        match self {
            Self::Invalid(_) => "invalid-input",
            Self::NotFound(_) => "not-found",
            Self::DuplicateReference(_) => "duplicate-reference",
            Self::CreditLimit { .. } => "credit-limit",
            Self::KeyReused => "idempotency-key-reused",
            Self::KeyInFlight => "idempotency-key-in-flight",
            Self::OutcomeUnknown(_) => "outcome-unknown",
            Self::Unavailable(_) => "unavailable",
            Self::Internal(_) => "internal",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            Self::Invalid(_) => "Invalid input",
            Self::NotFound(_) => "Not found",
            Self::DuplicateReference(_) => "Duplicate reference",
            Self::CreditLimit { .. } => "Credit limit exceeded",
            Self::KeyReused => "Idempotency key reused",
            Self::KeyInFlight => "Request in flight",
            Self::OutcomeUnknown(_) => "Outcome unknown",
            Self::Unavailable(_) => "Service unavailable",
            Self::Internal(_) => "Internal error",
        }
    }

    // The two 503s tell a client what a retry may do; neither quotes the store's failure.
    fn detail(&self) -> String {
        match self {
            Self::OutcomeUnknown(_) => "the order may have been placed; retry with the same Idempotency-Key".to_owned(),
            Self::Unavailable(_) => "the store is unavailable; nothing was changed, retry later".to_owned(),
            Self::Internal(_) => "an unexpected error occurred".to_owned(),
            other => other.to_string(),
        }
    }
}
