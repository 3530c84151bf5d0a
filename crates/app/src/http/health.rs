//! `/healthz` (the process answers) and `/readyz` (the store answers).

use axum::extract::State;
use serde::{Deserialize, Serialize};

use crate::http::error::ApiError;
#[cfg(feature = "openapi")]
use crate::http::error::Problem;
use crate::http::extract::Json;
use crate::state::AppState;

/// A health answer.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub(crate) struct Health {
    /// `ok` or `ready`.
    pub status: String,
}

/// Liveness: answers as long as the process serves requests; never touches the store.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "Alive", body = Health))))]
pub(crate) async fn healthz() -> Json<Health> {
    Json(Health { status: "ok".to_owned() })
}

/// Readiness: the store answers.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, description = "The store is unreachable", body = Problem, content_type = "application/problem+json"),
    )))]
pub(crate) async fn readyz(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    // Whatever the failure, the answer is "not ready"; the cause goes to the log only.
    state.repos.readiness.check().await.map_err(|error| match error {
        domain::Error::Unavailable(_) => error,
        other => domain::Error::Unavailable(format!("{other:#}")),
    })?;
    Ok(Json(Health { status: "ready".to_owned() }))
}
