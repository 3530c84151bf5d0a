//! `/v1/sessions`. The token is a secret: it appears in exactly one response body, is looked up
//! by its hash, and is never echoed in errors or logged (routes are logged by template).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::{Error, Timestamp};

use crate::auth::policy::{Act, Object};
use domain::audit::AuditAction;
use domain::idempotency::{Claim, Created, session_fingerprint};
use domain::session::{IssuedSession, Session, SessionToken};

use crate::http::dto::time;
use crate::http::dto::users::{SessionCreated, SessionInput, SessionView};
use crate::http::error::ApiError;
#[cfg(feature = "openapi")]
use crate::http::error::Problem;
use crate::http::extract::{Json, Path, resource};
use crate::http::guard::Guard;
use crate::http::headers::{Meta, OptionalIdempotencyKey, mark_replayed};
use crate::metrics::business;
use crate::state::AppState;

/// Starts a session and shows its token, once.
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/v1/sessions", tag = "sessions", request_body = SessionInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Optional; 1–255 visible ASCII characters, unique per intended create. Retrying a create is only safe with it: a retry with the same key and body answers the first response (the same token) with `Idempotent-Replayed: true`")),
    responses(
        (status = 201, description = "Started, or replayed; keep the token, it is not shown again (except to a retry with the same Idempotency-Key)", body = SessionCreated,
            headers(("Idempotent-Replayed" = String, description = "`true` when this is the stored response of an earlier request"))),
        (status = 400, description = "Idempotency-Key malformed", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A request with this key is in flight", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input, or the key was used with another body", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`unavailable`: nothing was applied; `outcome-unknown`: the write may have been applied, retry with the same Idempotency-Key", body = Problem, content_type = "application/problem+json"),
    )))]
pub(crate) async fn create(
    State(state): State<AppState>,
    Meta(meta): Meta,
    OptionalIdempotencyKey(key): OptionalIdempotencyKey,
    Json(input): Json<SessionInput>,
) -> Result<Response, ApiError> {
    let (user_id, ttl) = input.try_into_domain()?;
    let (token, session) = Session::issue(user_id, ttl, Timestamp::now());
    let issued = match key {
        None => {
            state.repos.sessions.create(session.clone(), &meta).await?;
            Created::fresh(IssuedSession { token, session })
        }
        // A replay answers the first request's token: the key belongs to the caller that sent
        // it, so a retry with it is the same caller's.
        Some(key) => {
            let claim = Claim::new(key, session_fingerprint(user_id, ttl));
            let issued = IssuedSession { token, session };
            business::keyed("session", state.repos.sessions.create_keyed(issued, claim, &meta)).await?
        }
    };
    business::audited_unless_replayed(AuditAction::SESSION_CREATED, issued.replayed);
    let IssuedSession { token, session } = &issued.value;
    let body = SessionCreated { token: token.expose().to_owned(), expires_at: time(session.expires_at) };
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    mark_replayed(&mut response, issued.replayed);
    Ok(response)
}

/// The live session of a token.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/v1/sessions/{token}", tag = "sessions",
    params(("token" = String, Path, description = "The session token")),
    responses(
        (status = 200, description = "The session", body = SessionView),
        (status = 404, description = "Unknown, expired or malformed token", body = Problem, content_type = "application/problem+json"),
    )))]
pub(crate) async fn get(
    State(state): State<AppState>,
    guard: Guard,
    Path(token): Path<String>,
) -> Result<Json<SessionView>, ApiError> {
    let token = resource(&token, SessionToken::parse)?;
    let session = state.repos.sessions.find(&token.hash()).await?;
    guard.check(Act::Read, Object::Session(&session), Error::session_not_found)?;
    Ok(Json(SessionView::from(&session)))
}

/// Ends a session.
#[cfg_attr(feature = "openapi", utoipa::path(delete, path = "/v1/sessions/{token}", tag = "sessions",
    params(("token" = String, Path, description = "The session token")),
    responses(
        (status = 204, description = "Ended"),
        (status = 404, description = "Unknown, expired or malformed token", body = Problem, content_type = "application/problem+json"),
    )))]
pub(crate) async fn delete(
    State(state): State<AppState>,
    guard: Guard,
    Meta(meta): Meta,
    Path(token): Path<String>,
) -> Result<StatusCode, ApiError> {
    let token = resource(&token, SessionToken::parse)?;
    // A user may end their own sessions only: one extra read, for users alone.
    if guard.checks() {
        let session = state.repos.sessions.find(&token.hash()).await?;
        guard.check(Act::End, Object::Session(&session), Error::session_not_found)?;
    }
    state.repos.sessions.delete(&token.hash(), &meta).await?;
    business::audited(AuditAction::SESSION_ENDED);
    Ok(StatusCode::NO_CONTENT)
}
