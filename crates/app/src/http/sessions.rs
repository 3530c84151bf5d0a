//! `/v1/sessions`. The token is a secret: it appears in exactly one response body, is looked up
//! by its hash, and is never echoed in errors or logged (routes are logged by template).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use domain::Timestamp;
use domain::session::{Session, SessionToken};

use crate::http::dto::time;
use crate::http::dto::users::{SessionCreated, SessionInput, SessionView};
use crate::http::error::{ApiError, Problem};
use crate::http::extract::{Json, Path, resource};
use crate::state::AppState;

/// Starts a session and shows its token, once.
#[utoipa::path(post, path = "/v1/sessions", tag = "sessions", request_body = SessionInput,
    responses(
        (status = 201, description = "Started; keep the token, it is not shown again", body = SessionCreated),
        (status = 422, description = "Invalid input", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    State(state): State<AppState>,
    Json(input): Json<SessionInput>,
) -> Result<impl IntoResponse, ApiError> {
    let (user_id, ttl) = input.try_into_domain()?;
    let (token, session) = Session::issue(user_id, ttl, Timestamp::now());
    let expires_at = time(session.expires_at);
    state.repos.sessions.create(session).await?;
    Ok((StatusCode::CREATED, Json(SessionCreated { token: token.expose().to_owned(), expires_at })))
}

/// The live session of a token.
#[utoipa::path(get, path = "/v1/sessions/{token}", tag = "sessions",
    params(("token" = String, Path, description = "The session token")),
    responses(
        (status = 200, description = "The session", body = SessionView),
        (status = 404, description = "Unknown, expired or malformed token", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get(State(state): State<AppState>, Path(token): Path<String>) -> Result<Json<SessionView>, ApiError> {
    let token = resource(&token, SessionToken::parse)?;
    Ok(Json(SessionView::from(&state.repos.sessions.find(&token.hash()).await?)))
}

/// Ends a session.
#[utoipa::path(delete, path = "/v1/sessions/{token}", tag = "sessions",
    params(("token" = String, Path, description = "The session token")),
    responses(
        (status = 204, description = "Ended"),
        (status = 404, description = "Unknown, expired or malformed token", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete(State(state): State<AppState>, Path(token): Path<String>) -> Result<StatusCode, ApiError> {
    let token = resource(&token, SessionToken::parse)?;
    state.repos.sessions.delete(&token.hash()).await?;
    Ok(StatusCode::NO_CONTENT)
}
