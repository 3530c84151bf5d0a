//! The request layer, [`RequestLayer`]: what every request of the shop's router passes through,
//! and what a service applies to its own routes to get the same: its request id, its tracing
//! span, its limits, its time budget, its access log line and its latency, and the failure counts
//! by class.
//!
//! In order, for each request:
//! 1. the request id: the client's `x-request-id` when usable, else a new UUID;
//!    echoed in the response;
//! 2. a span named `request` with the method, the route template (never the raw path, which may
//!    hold a session token or a user id) and the request id; everything logged for the request is
//!    inside it;
//! 3. the limits on the request target and the header section (the `limits` module): past them
//!    the request is answered 414 (`uri-too-long`) or 431 (`headers-too-large`) without reaching
//!    its handler; the body limit is set for the [`Json`](crate::http::extract::Json) extractor
//!    (413, `body-too-large`);
//! 4. the time budget: a request still running after it is answered 503 (`timeout` problem), and
//!    every database call inside it gets at most what is left (the `budget` crate), so the
//!    server stops its own work when the request is answered; a body still arriving after the
//!    body read time-out fails to read, and the extractor answers 408 (`body-timeout`; the `body`
//!    module);
//! 5. the access log line (`finished processing request`, with `latency` and `status`, target
//!    [`ACCESS_LOG`]) and the latency histogram by method, route template and final status,
//!    time-outs included.
//!
//! One service with one boxed future per request, where the layers it replaces (tower-http's
//! request id, trace and propagation layers, a timeout with its error handler, and two axum
//! `from_fn` middlewares) cost a box, a clone of the rest of the stack and dynamic dispatch each.
//!
//! Your own routes under it, with a budget of 300 ms that every database call they make is capped
//! by (the `budget` crate; `mongo-kit`'s handles read it):
//!
//! ```
//! use std::time::Duration;
//!
//! use app::HttpSettings;
//! use app::http::request::RequestLayer;
//! use axum::{Router, routing::get};
//!
//! let settings = HttpSettings { request_timeout: Duration::from_millis(300), ..HttpSettings::default() };
//! let routes: Router = Router::new()
//!     .route("/stock/{sku}", get(|| async { budget::remaining().map_or(0, |left| left.as_millis()).to_string() }))
//!     // `Router::layer`, so that each route's latency series is labelled by its template.
//!     .layer(RequestLayer::new(&settings));
//! ```

pub(crate) mod body;
pub(crate) mod latency;
pub(crate) mod limits;
pub(crate) mod request_id;

use std::convert::Infallible;
use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse as _, Response};
use futures::future::BoxFuture;
use metrics::counter;
use tokio::time::Instant;
use tower::{Layer, Service};
use tracing::Instrument as _;

use self::latency::Latencies;
use crate::http::error::ApiError;
use crate::metrics::HTTP_ERRORS;
use crate::state::HttpSettings;

/// Target of the access log line: `RUST_LOG=info,access=warn` turns it off and keeps the rest.
pub const ACCESS_LOG: &str = "access";

/// Route label of requests no route matched.
pub const UNMATCHED: &str = "unmatched";

/// Applies [`RequestService`] with the limits and the budget of [`HttpSettings`]: see the module
/// documentation.
#[derive(Debug, Clone, Copy)]
pub struct RequestLayer {
    settings: HttpSettings,
}

impl RequestLayer {
    /// Requests past `settings`' target or header limits are answered 414 or 431; requests still
    /// running after the request timeout are answered 503, and every database call they make gets
    /// at most what is left of it; a body not received within the body read time-out of the
    /// request's start fails to read (408); a body larger than the body limit is refused (413).
    pub fn new(settings: &HttpSettings) -> Self {
        Self { settings: *settings }
    }
}

impl<S> Layer<S> for RequestLayer {
    type Service = RequestService<<DefaultBodyLimit as Layer<S>>::Service>;

    // `Router::layer` applies a layer to each endpoint, so each endpoint keeps its own series.
    fn layer(&self, inner: S) -> Self::Service {
        let inner = DefaultBodyLimit::max(self.settings.body_limit_bytes).layer(inner);
        RequestService { inner, settings: self.settings, latencies: Arc::default() }
    }
}

/// The service [`RequestLayer`] wraps each route in.
#[derive(Clone)]
pub struct RequestService<S> {
    inner: S,
    settings: HttpSettings,
    latencies: Arc<Latencies>,
}

/// A latency as the access log shows it.
struct Millis(Duration);

impl fmt::Display for Millis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ms", self.0.as_millis())
    }
}

impl<S> Service<Request> for RequestService<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response, Infallible>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let started = Instant::now();
        let mut request = body::bounded(request, started + self.settings.body_read_timeout);
        let request_id = request_id::ensure(request.headers_mut());
        let method = request.method().clone();
        let route = request.extensions().get::<MatchedPath>().cloned();
        let span = tracing::info_span!("request", method = %method,
            route = route.as_ref().map_or(UNMATCHED, MatchedPath::as_str),
            request_id = request_id.to_str().unwrap_or("-"));
        // A request past the limits never reaches its handler.
        let work = match limits::check(&request, &self.settings) {
            Some(refused) => Err(refused),
            None => Ok(span.in_scope(|| self.inner.call(request))),
        };
        let deadline = started + self.settings.request_timeout;
        let latencies = Arc::clone(&self.latencies);
        Box::pin(
            async move {
                // The store stops at the deadline itself and says what happened (nothing applied, or
                // an unknown outcome when a commit was under way); the grace lets its answer
                // through, and only work that ignores the budget is cut off as `timeout`.
                let mut response = match work {
                    Ok(work) => {
                        match tokio::time::timeout_at(deadline + ANSWER_GRACE, budget::scope(deadline, work)).await {
                            Ok(Ok(response)) => response,
                            Ok(Err(never)) => match never {},
                            Err(_elapsed) => ApiError::Timeout.into_response(),
                        }
                    }
                    Err(refused) => refused.into_response(),
                };
                let (status, latency) = (response.status(), started.elapsed());
                tracing::info!(target: ACCESS_LOG, latency = %Millis(latency), status = status.as_u16(),
                    "finished processing request");
                latencies.record(&method, route.as_ref().map_or(UNMATCHED, MatchedPath::as_str), status, latency);
                if !response.headers().contains_key(&request_id::HEADER) {
                    response.headers_mut().insert(request_id::HEADER, request_id);
                }
                Ok(response)
            }
            .instrument(span),
        )
    }
}

/// How long after its budget a request may still answer with the store's own verdict before the
/// layer answers `timeout` for it.
pub const ANSWER_GRACE: Duration = Duration::from_millis(250);

/// Counts one failed request by its class.
pub(crate) fn count_error(status: StatusCode, problem: &str) {
    counter!(HTTP_ERRORS, "class" => error_class(status, problem)).increment(1);
}

/// The class of a problem: what an operator groups failures by.
fn error_class(status: StatusCode, problem: &str) -> &'static str {
    match (status, problem) {
        (_, "timeout") => "timeout",
        (StatusCode::SERVICE_UNAVAILABLE, _) => "transient",
        (StatusCode::CONFLICT | StatusCode::PRECONDITION_FAILED, _) => "conflict",
        (StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED, _) => "not_found",
        (status, _) if status.is_client_error() => "validation",
        _ => "internal",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_fall_into_the_classes_operators_watch() {
        let cases = [
            (StatusCode::SERVICE_UNAVAILABLE, "timeout", "timeout"),
            (StatusCode::SERVICE_UNAVAILABLE, "unavailable", "transient"),
            (StatusCode::CONFLICT, "idempotency-key-in-flight", "conflict"),
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid-input", "validation"),
            (StatusCode::PAYLOAD_TOO_LARGE, "body-too-large", "validation"),
            (StatusCode::NOT_FOUND, "not-found", "not_found"),
            (StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal"),
        ];

        for (status, problem, class) in cases {
            assert_eq!(error_class(status, problem), class, "{status} {problem}");
        }
    }
}
