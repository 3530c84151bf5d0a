//! `/v1/feeds/{user_id}`: per-user recommendations, replaced whole.

use axum::extract::State;
use domain::{Error, Timestamp, UserId};

use crate::auth::policy::{Act, Object};

use crate::http::dto::users::{FeedInput, FeedView};
use crate::http::error::ApiError;
#[cfg(feature = "openapi")]
use crate::http::error::Problem;
use crate::http::extract::{Json, Path, resource};
use crate::http::guard::Guard;
use crate::metrics::business;
use crate::state::AppState;

/// Replaces a user's feed.
#[cfg_attr(feature = "openapi", utoipa::path(put, path = "/v1/feeds/{user_id}", tag = "feeds", request_body = FeedInput,
    params(("user_id" = String, Path, description = "User id (a UUID; anything else is 404)")),
    responses(
        (status = 200, description = "The stored feed", body = FeedView),
        (status = 404, description = "Another user's feed, for a user's session", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input", body = Problem, content_type = "application/problem+json"),
    )))]
pub(crate) async fn put(
    State(state): State<AppState>,
    guard: Guard,
    Path(user_id): Path<String>,
    Json(input): Json<FeedInput>,
) -> Result<Json<FeedView>, ApiError> {
    let user_id = resource(&user_id, UserId::parse)?;
    guard.check(Act::Write, Object::Feed(user_id), || Error::not_found("feed", user_id))?;
    let feed = input.try_into_domain(user_id, Timestamp::now())?;
    Ok(Json(FeedView::from(&state.repos.feeds.put(feed).await?)))
}

/// A user's feed.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/v1/feeds/{user_id}", tag = "feeds",
    params(("user_id" = String, Path, description = "User id (a UUID; anything else is 404)")),
    responses(
        (status = 200, description = "The feed", body = FeedView),
        (status = 404, description = "The user has no feed", body = Problem, content_type = "application/problem+json"),
    )))]
pub(crate) async fn get(
    State(state): State<AppState>,
    guard: Guard,
    Path(user_id): Path<String>,
) -> Result<Json<FeedView>, ApiError> {
    let user_id = resource(&user_id, UserId::parse)?;
    guard.check(Act::Read, Object::Feed(user_id), || Error::not_found("feed", user_id))?;
    let feed = state.repos.feeds.get(user_id).await?;
    business::feed_served(feed.generated_at);
    Ok(Json(FeedView::from(&feed)))
}
