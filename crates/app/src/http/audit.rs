//! `/v1/audit`, and the audit events the handlers append.

use std::collections::BTreeMap;
use std::fmt::Display;

use axum::extract::State;
use domain::audit::{AuditAction, AuditEvent, AuditSubject};
use domain::transfer::RequestMeta;
use domain::{AuditEventId, Timestamp};

use crate::http::dto::audit::{AuditPage, AuditParams};
use crate::http::error::{ApiError, Problem};
use crate::http::extract::{Json, Query};
use crate::state::AppState;

/// Appends the audit event of a change the handler just made. `details` must hold no personal
/// data (ids and amounts only).
///
/// # Errors
/// A failing audit log: the change stands, but the failure is reported rather than hidden.
pub(crate) async fn record(
    state: &AppState,
    meta: &RequestMeta,
    action: &str,
    kind: &str,
    id: impl Display,
    details: BTreeMap<String, String>,
) -> Result<(), ApiError> {
    let event = AuditEvent {
        id: AuditEventId::new(),
        at: Timestamp::now(),
        actor: meta.actor.clone(),
        // Actions are literals of this crate: one that does not parse is a bug, not bad input.
        action: AuditAction::parse(action).map_err(|error| domain::Error::Internal(error.into()))?,
        subject: AuditSubject::of(kind, id),
        request_id: meta.request_id.clone(),
        details,
    };
    Ok(state.repos.audit.append(event).await?)
}

/// One page of audit events, newest first.
#[utoipa::path(get, path = "/v1/audit", tag = "audit", params(AuditParams),
    responses(
        (status = 200, description = "A page of events", body = AuditPage),
        (status = 422, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn list(
    State(state): State<AppState>,
    Query(params): Query<AuditParams>,
) -> Result<Json<AuditPage>, ApiError> {
    let query = params.try_into_domain()?;
    Ok(Json(state.repos.audit.list(&query).await?.into()))
}
