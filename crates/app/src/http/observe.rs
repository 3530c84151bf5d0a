//! Middleware that measures and bounds every request: its latency by route template and status,
//! failures by class, and the time budget that caps each database call inside it.

use std::time::Duration;

use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use metrics::{counter, histogram};
use tokio::time::Instant;

use crate::metrics::{HTTP_DURATION, HTTP_ERRORS};

/// Records the request's duration under its route template (`/v1/products/{id}`, never the raw
/// path, which may hold a session token or a user id) and its final status, time-outs included.
pub async fn record_latency(request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str).to_owned();
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    histogram!(HTTP_DURATION, "method" => method, "route" => route, "status" => response.status().as_str().to_owned())
        .record(started.elapsed().as_secs_f64());
    response
}

/// Runs the request under a deadline of `budget` from now: every database call inside it gets at
/// most the time that is left (see `mongo_store::deadline`), so the server stops its own work
/// when the request is answered 503.
pub async fn time_budget(State(budget): State<Duration>, request: Request, next: Next) -> Response {
    mongo_store::deadline::scope(Instant::now() + budget, next.run(request)).await
}

/// Counts one failed request by its class.
pub fn count_error(status: StatusCode, problem: &str) {
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
