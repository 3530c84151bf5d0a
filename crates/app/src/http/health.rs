//! `/healthz` (the process answers), `/readyz` (the store answers) and `/openapi.json`.

use std::sync::OnceLock;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::error::{ApiError, Problem};
use crate::http::extract::Json;
use crate::state::AppState;

/// A health answer.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub(crate) struct Health {
    /// `ok` or `ready`.
    pub status: String,
}

/// Liveness: answers as long as the process serves requests; never touches the store.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "Alive", body = Health)))]
pub(crate) async fn healthz() -> Json<Health> {
    Json(Health { status: "ok".to_owned() })
}

/// Readiness: the store answers.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, description = "The store is unreachable", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn readyz(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    // Whatever the failure, the answer is "not ready"; the cause goes to the log only.
    state.repos.readiness.check().await.map_err(|error| match error {
        domain::Error::Unavailable(_) => error,
        other => domain::Error::Unavailable(format!("{other:#}")),
    })?;
    Ok(Json(Health { status: "ready".to_owned() }))
}

/// This API's OpenAPI 3.1 document, generated from the handlers.
#[utoipa::path(get, path = "/openapi.json", tag = "operations",
    responses((status = 200, description = "The OpenAPI document", body = Object)))]
pub(crate) async fn openapi() -> impl IntoResponse {
    let document = DOCUMENT.get_or_init(|| serialize(&crate::http::openapi::document())).clone();
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
    DOCUMENT.get_or_init(|| serialize(&crate::http::openapi::finish(document)));
}
