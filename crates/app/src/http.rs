//! The HTTP API: [`router`], and the building blocks its routes are made of, public so that a
//! service's own routes, mounted beside the shop's, answer the same way.
//!
//! Around every route, outermost first: [`request::RequestLayer`] (a request id, the client's
//! `x-request-id` when usable, else a new UUID, echoed in the response; a tracing span named by
//! the route template, never the raw path, which may hold a session token; the request target and
//! header limits, 414 and 431 problems; the request timeout, a 503 problem, and the time budget
//! that caps every database call, the `budget` crate; the body read time-out, a 408 problem; the
//! body limit, a 413 problem; the access log line and the latency histogram by route template and
//! status), then [`auth::AuthLayer`] (the principal, API key or session, and the policy's
//! decision on the route, from [`crate::auth::ROUTES`] and [`crate::auth::policy::Policy`]: 401 or
//! 403 problems).
//!
//! An embedding service chooses the authentication in the state it passes
//! ([`crate::auth::Authentication`]): the built-in API keys, its own [`crate::auth::Authenticator`],
//! or its own middleware in front of the router handing over a principal
//! ([`crate::auth::Upstream`]).
//!
//! # Building blocks for your own routes
//! - [`error`]: [`error::ApiError`], every failure answered as `application/problem+json`, and
//!   [`error::IntoProblem`], how your own errors become one (`?` in a handler);
//! - [`extract`]: the JSON body ([`extract::Json`]), path and query extractors, which refuse
//!   malformed input in that format;
//! - [`headers`]: the `Idempotency-Key` extractors, who asks ([`headers::Meta`]: the principal the
//!   exactly-once runner keys by, the actor, the request id), `If-Match`, and the replay marker;
//! - [`request`]: the request layer (request id, limits, time budget, access log, latency);
//! - [`auth`]: the authentication layer over your own table of routes and the access each needs.
//!
//! docs/embedding.md ("Your own routes") builds a service's routes from them.

pub(crate) mod audit;
pub mod auth;
pub mod dto;
pub mod error;
pub mod extract;
pub(crate) mod feeds;
pub(crate) mod guard;
pub mod headers;
pub(crate) mod health;
pub(crate) mod metrics;
#[cfg(feature = "openapi")]
pub mod openapi;
pub(crate) mod products;
pub mod request;
pub(crate) mod sessions;
pub(crate) mod transfers;
pub(crate) mod wallets;

use axum::Router;
use tower::ServiceBuilder;

use crate::state::AppState;

/// The service's router, ready to serve or to mount in a larger service.
pub fn router(state: AppState) -> Router {
    let settings = state.settings;
    let authentication = state.authentication.for_sessions(&state.repos.sessions);
    let policy = std::sync::Arc::clone(&state.policy);
    let routes = routes();
    // One `layer` call: axum wraps every endpoint in a box per call, and clones each box for every
    // request.
    let middleware = ServiceBuilder::new()
        .layer(request::RequestLayer::new(&settings))
        .layer(auth::AuthLayer::new(authentication, policy));
    routes
        .fallback(error::no_route)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(middleware)
        .with_state(state)
}

/// Every route of the API, from the OpenAPI router (a route cannot exist without being
/// documented), with `/openapi.json` serving the document it builds.
#[cfg(feature = "openapi")]
fn routes() -> Router<AppState> {
    let (routes, document) = openapi::api_router().split_for_parts();
    openapi::keep_document(&document);
    routes
}

/// Every route of the API, as [`crate::auth::ROUTES`] lists them, but `/openapi.json` (the
/// `openapi` feature's). The `openapi` build registers the same handlers through the document,
/// and a test in both builds sends a request to every listed route.
#[cfg(not(feature = "openapi"))]
fn routes() -> Router<AppState> {
    use axum::routing::{get, post};
    Router::new()
        .route("/v1/products", post(products::create).get(products::list))
        .route("/v1/products/{id}", get(products::get).put(products::update).delete(products::delete))
        .route("/v1/categories/{category}/stats", get(products::category_stats))
        .route("/v1/wallets", post(wallets::create))
        .route("/v1/wallets/{id}", get(wallets::get))
        .route("/v1/wallets/{id}/ledger", get(wallets::ledger))
        .route("/v1/transfers", post(transfers::create))
        .route("/v1/transfers/{id}", get(transfers::get))
        .route("/v1/audit", get(audit::list))
        .route("/v1/sessions", post(sessions::create))
        .route("/v1/sessions/{token}", get(sessions::get).delete(sessions::delete))
        .route("/v1/feeds/{user_id}", get(feeds::get).put(feeds::put))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::metrics))
}

#[cfg(test)]
mod tests;
