//! `/metrics`: the process's metrics in the Prometheus text format.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::state::AppState;

/// Media type of the Prometheus text exposition format.
pub const PROMETHEUS_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Metrics: HTTP latency by route and status, MongoDB command latency by command, collection and
/// profile class, pool checkout wait and size, failures by class, transaction attempts and
/// retries. Latencies are histograms (p50/p95/p99 with `histogram_quantile`). A service that
/// mounts the router without passing a recorder ([`AppState::with_metrics`]) answers 404 here.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Metrics in the Prometheus text format", body = String,
        content_type = "text/plain")))]
pub async fn metrics(State(state): State<AppState>) -> Response {
    match &state.metrics {
        Some(handle) => ([(header::CONTENT_TYPE, PROMETHEUS_TEXT)], handle.render()).into_response(),
        None => super::error::no_route().await.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn metrics_answer_in_the_prometheus_text_format_with_every_error_class() {
        let handle = crate::metrics::install().clone();
        let repos = domain::Repositories::from_store(memory_store::MemoryStore::new());
        let state = AppState::new(repos, crate::HttpSettings::default(), crate::auth::Authentication::anonymous());

        let response = metrics(State(state.with_metrics(handle))).await;

        let content_type = response.headers().get(header::CONTENT_TYPE).expect("a content type");
        assert_eq!(content_type, PROMETHEUS_TEXT);
        let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.expect("the body is readable");
        let text = String::from_utf8(body.to_vec()).expect("the body is UTF-8");
        for class in ["transient", "conflict", "timeout", "validation"] {
            assert!(text.contains(&format!("mongodb_errors_total{{class=\"{class}\"")), "{class} missing:\n{text}");
        }
        assert!(text.contains("mongodb_transaction_retries_total"), "{text}");
    }

    #[tokio::test]
    async fn a_state_given_no_recorder_answers_404() {
        let repos = domain::Repositories::from_store(memory_store::MemoryStore::new());
        let state = AppState::new(repos, crate::HttpSettings::default(), crate::auth::Authentication::anonymous());

        let response = metrics(State(state)).await;

        assert_eq!(response.status(), axum::http::StatusCode::NOT_FOUND);
    }
}
