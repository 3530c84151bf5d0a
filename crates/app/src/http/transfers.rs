//! `/v1/transfers`: exactly-once money movement keyed by `Idempotency-Key`.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::{Error, TransferId};

use crate::auth::policy::{Act, Object};

use crate::http::dto::wallets::{TransferInput, TransferView};
use crate::http::error::ApiError;
#[cfg(feature = "openapi")]
use crate::http::error::Problem;
use crate::http::extract::{Json, Path, resource};
use crate::http::guard::Guard;
use crate::http::headers::{IdempotencyKeyHeader, Meta, mark_replayed};
use crate::metrics::business;
use crate::state::AppState;

/// Applies a transfer once per idempotency key. Retrying with the same key and body answers
/// with the first response and `Idempotent-Replayed: true`; nothing moves twice.
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/v1/transfers", tag = "transfers", request_body = TransferInput,
    params(("Idempotency-Key" = String, Header, description = "1–255 visible ASCII characters, unique per intended transfer")),
    responses(
        (status = 201, description = "Applied, or replayed", body = TransferView, headers(
            ("Location" = String, description = "URL of the transfer"),
            ("Idempotent-Replayed" = String, description = "`true` when this is the stored response of an earlier request"))),
        (status = 400, description = "Idempotency-Key missing or malformed", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown wallet", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A request with this key is in flight", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Key reused with another body, insufficient funds, currency mismatch, same wallet or invalid amount", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`unavailable`: nothing was applied; `outcome-unknown`: the transfer may have been applied, retry with the same Idempotency-Key", body = Problem, content_type = "application/problem+json"),
    )))]
pub(crate) async fn create(
    State(state): State<AppState>,
    guard: Guard,
    Meta(meta): Meta,
    IdempotencyKeyHeader(key): IdempotencyKeyHeader,
    Json(input): Json<TransferInput>,
) -> Result<Response, ApiError> {
    let command = input.try_into_domain()?;
    guard.transfer_source(&state, command.from()).await?;
    let outcome = business::transfer(state.repos.wallets.transfer(command, key, meta)).await?;
    let location = format!("/v1/transfers/{}", outcome.transfer.id);
    let mut response =
        (StatusCode::CREATED, [(header::LOCATION, location)], Json(TransferView::from(&outcome.transfer)))
            .into_response();
    mark_replayed(&mut response, outcome.replayed);
    Ok(response)
}

/// One transfer.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/v1/transfers/{id}", tag = "transfers",
    params(("id" = String, Path, description = "Transfer id (a UUID; anything else is 404)")),
    responses(
        (status = 200, description = "The transfer", body = TransferView),
        (status = 404, description = "No such transfer", body = Problem, content_type = "application/problem+json"),
    )))]
pub(crate) async fn get(
    State(state): State<AppState>,
    guard: Guard,
    Path(id): Path<String>,
) -> Result<Json<TransferView>, ApiError> {
    let id = resource(&id, TransferId::parse)?;
    let transfer = state.repos.wallets.get_transfer(id).await?;
    if guard.checks() && !readable(&state, &guard, [transfer.from, transfer.to]).await? {
        return Err(Error::not_found("transfer", id).into());
    }
    Ok(Json(TransferView::from(&transfer)))
}

/// Whether the request may read one of `wallets` (a transfer's source and destination), reading
/// them in turn until one is admitted.
async fn readable(state: &AppState, guard: &Guard, wallets: [domain::WalletId; 2]) -> Result<bool, ApiError> {
    for id in wallets {
        match state.repos.wallets.get(id).await {
            Ok(wallet) if guard.may(Act::Read, Object::Wallet(&wallet)) => return Ok(true),
            Ok(_) | Err(Error::NotFound { .. }) => {}
            Err(error) => return Err(error.into()),
        }
    }
    Ok(false)
}
