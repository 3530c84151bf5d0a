//! The OpenAPI 3.1 document, generated from the handlers' annotations: every route is registered
//! through [`api_router`], so a route cannot exist without being documented; `contract` then
//! adds what the code enforces beyond the annotations (constraints, scopes, shared statuses,
//! links).

pub(crate) mod contract;

use std::sync::OnceLock;

use axum::body::Bytes;
use axum::http::header;
use axum::response::IntoResponse;
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::error::Problem;
use crate::http::{audit, feeds, health, metrics, products, sessions, transfers, wallets};
use crate::state::AppState;

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "shop",
        description = "The shop service. Bodies are JSON in snake_case; errors are \
            `application/problem+json` (RFC 9457) with `type`, `title`, `status`, `detail` and, for \
            invalid input, `field`. Unknown fields are refused (422). A path segment that cannot \
            name a resource (an id that is not a UUID, a malformed token) answers 404 for every \
            method, like an id that does not exist. Every response carries `x-request-id` (the \
            client's if it sent a usable one). Every `/v1` route needs a bearer \
            credential (`Authorization: Bearer <credential>`): a service's API key holding the \
            route's scope, or an end user's session token, which reaches the user's own wallets, \
            feed and sessions only (another user's answers 404, as a missing one does) and the \
            catalogue; audit events name the key, or `user:<id>`, as their actor. Only a service started without keys (on loopback) accepts anonymous calls, \
            and then records the `x-actor` header, if sent, as the actor."
    ),
    tags(
        (name = "products", description = "Catalogue, optimistic concurrency with ETag / If-Match"),
        (name = "wallets", description = "Wallets and their ledgers"),
        (name = "transfers", description = "Exactly-once transfers with Idempotency-Key"),
        (name = "audit", description = "The append-only audit log"),
        (name = "sessions", description = "Sessions; tokens are shown once"),
        (name = "feeds", description = "Per-user product feeds"),
        (name = "operations", description = "Health, readiness and this document"),
    ),
    components(schemas(Problem))
)]
struct ApiDoc;

/// Every route of the API with its documentation, before state and middleware.
pub fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(products::create, products::list))
        .routes(routes!(products::get, products::update, products::delete))
        .routes(routes!(products::category_stats))
        .routes(routes!(wallets::create))
        .routes(routes!(wallets::get))
        .routes(routes!(wallets::ledger))
        .routes(routes!(transfers::create))
        .routes(routes!(transfers::get))
        .routes(routes!(audit::list))
        .routes(routes!(sessions::create))
        .routes(routes!(sessions::get, sessions::delete))
        .routes(routes!(feeds::put, feeds::get))
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .routes(routes!(openapi))
        .routes(routes!(metrics::metrics))
}

/// The OpenAPI document of the API, complete.
pub fn document() -> serde_json::Value {
    finish(&api_router().into_openapi())
}

/// The generated `document` with what `contract` adds.
pub fn finish(document: &utoipa::openapi::OpenApi) -> serde_json::Value {
    let mut value = serde_json::to_value(document).unwrap_or_default();
    contract::complete(&mut value);
    value
}

/// This API's OpenAPI 3.1 document, generated from the handlers.
#[utoipa::path(get, path = "/openapi.json", tag = "operations",
    responses((status = 200, description = "The OpenAPI document", body = Object)))]
pub(crate) async fn openapi() -> impl IntoResponse {
    let document = DOCUMENT.get_or_init(|| serialize(&document())).clone();
    ([(header::CONTENT_TYPE, "application/json")], document)
}

/// The OpenAPI document, serialized once per process: it follows from the code alone. Kept here
/// rather than in a request extension, which every request would have paid for.
static DOCUMENT: OnceLock<Bytes> = OnceLock::new();

fn serialize(document: &serde_json::Value) -> Bytes {
    serde_json::to_vec(document).unwrap_or_default().into()
}

/// Keeps `document` (the router's, built anyway) for `/openapi.json`, unless one is kept already.
pub(crate) fn keep_document(document: &utoipa::openapi::OpenApi) {
    DOCUMENT.get_or_init(|| serialize(&finish(document)));
}
