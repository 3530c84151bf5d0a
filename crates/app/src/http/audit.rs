//! `/v1/audit`. The events themselves are written by the stores, each with its change.

use axum::extract::State;

use crate::http::dto::audit::{AuditPage, AuditParams};
use crate::http::error::ApiError;
#[cfg(feature = "openapi")]
use crate::http::error::Problem;
use crate::http::extract::{Json, Query};
use crate::state::AppState;

/// One page of audit events, newest first.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/v1/audit", tag = "audit", params(AuditParams),
    responses(
        (status = 200, description = "A page of events", body = AuditPage),
        (status = 422, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
    )))]
pub(crate) async fn list(
    State(state): State<AppState>,
    Query(params): Query<AuditParams>,
) -> Result<Json<AuditPage>, ApiError> {
    let query = params.try_into_domain()?;
    Ok(Json(state.repos.audit.list(&query).await?.into()))
}
