//! `/metrics`: the process's metrics in the Prometheus text format.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::state::AppState;

/// Media type of the Prometheus text exposition format.
pub(crate) const PROMETHEUS_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Metrics: HTTP latency by route and status, MongoDB command latency by command, collection and
/// profile class, pool checkout wait and size, failures by class, transaction attempts and
/// retries. Latencies are histograms (p50/p95/p99 with `histogram_quantile`). A service that
/// mounts the router without passing a recorder ([`AppState::with_metrics`]) answers 404 here.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Metrics in the Prometheus text format", body = String,
        content_type = "text/plain"))))]
pub(crate) async fn metrics(State(state): State<AppState>) -> Response {
    match &state.metrics {
        Some(render) => ([(header::CONTENT_TYPE, PROMETHEUS_TEXT)], render()).into_response(),
        None => super::error::no_route().await.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn metrics_answer_in_the_prometheus_text_format_with_every_error_class() {
        // A recorder of this test's own: the router renders the handle it is given, whichever
        // recorder the process installed.
        let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        metrics::with_local_recorder(&recorder, crate::metrics::describe);
        let repos = domain::Repositories::from_store(memory_store::MemoryStore::new());
        let state = AppState::new(repos, crate::HttpSettings::default(), crate::auth::Authentication::anonymous());

        let response = metrics(State(state.with_metrics(move || handle.render()))).await;

        let content_type = response.headers().get(header::CONTENT_TYPE).expect("a content type");
        assert_eq!(content_type, PROMETHEUS_TEXT);
        let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.expect("the body is readable");
        let text = String::from_utf8(body.to_vec()).expect("the body is UTF-8");
        for class in crate::metrics::HTTP_ERROR_CLASSES {
            assert!(text.contains(&format!("http_errors_total{{class=\"{class}\"}} 0")), "{class} missing:\n{text}");
        }
    }

    #[tokio::test]
    async fn a_state_given_no_recorder_answers_404() {
        let repos = domain::Repositories::from_store(memory_store::MemoryStore::new());
        let state = AppState::new(repos, crate::HttpSettings::default(), crate::auth::Authentication::anonymous());

        let response = metrics(State(state)).await;

        assert_eq!(response.status(), axum::http::StatusCode::NOT_FOUND);
    }
}
