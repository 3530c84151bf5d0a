//! The HTTP API: [`router`] and the middleware every request passes through.
//!
//! Around every route, outermost first: a request id (the client's `x-request-id` when usable,
//! else a new UUID, echoed in the response), a tracing span named by the route template (never
//! the raw path, which may hold a session token), the latency histogram (by route template and
//! status), the request timeout (503 problem), the time budget that caps every database call
//! (`mongo_store::deadline`), and the body limit (413 problem, enforced by [`extract::Json`]).

pub mod audit;
pub mod dto;
pub mod error;
pub mod extract;
pub mod feeds;
pub mod headers;
pub mod health;
pub mod metrics;
pub mod observe;
pub mod openapi;
pub mod products;
pub mod sessions;
pub mod transfers;
pub mod wallets;

use axum::error_handling::HandleErrorLayer;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::{Extension, Router, middleware};
use tower::ServiceBuilder;
use tower::timeout::TimeoutLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::{Level, Span};

use crate::state::AppState;

/// The service's router, ready to serve or to mount in a larger service.
pub fn router(state: AppState) -> Router {
    let settings = state.settings;
    crate::metrics::install();
    let (routes, document) = openapi::api_router().split_for_parts();
    let document = health::OpenApiJson(serde_json::to_vec(&document).unwrap_or_default().into());
    let middleware = ServiceBuilder::new()
        .layer(middleware::map_request(drop_unusable_request_id))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(span)
                .on_request(())
                .on_response(DefaultOnResponse::new().level(Level::INFO))
                // Failures are logged once, with their cause, where they become responses.
                .on_failure(()),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(middleware::from_fn(observe::record_latency))
        .layer(HandleErrorLayer::new(error::middleware_failure))
        .layer(TimeoutLayer::new(settings.request_timeout))
        .layer(middleware::from_fn_with_state(settings.request_timeout, observe::time_budget));
    routes
        .fallback(error::no_route)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(Extension(document))
        .layer(DefaultBodyLimit::max(settings.body_limit_bytes))
        .layer(middleware)
        .with_state(state)
}

/// A client's request id ends up in logs and audit records: an unusable one is replaced.
async fn drop_unusable_request_id(mut request: Request) -> Request {
    let usable = request
        .headers()
        .get(headers::REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|id| headers::is_token(id, 128));
    if !usable {
        request.headers_mut().remove(headers::REQUEST_ID);
    }
    request
}

fn span(request: &Request) -> Span {
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str);
    let request_id = request.headers().get(headers::REQUEST_ID).and_then(|value| value.to_str().ok()).unwrap_or("-");
    tracing::info_span!("request", method = %request.method(), route, request_id)
}

#[cfg(test)]
mod tests;
