//! `/v1/wallets`.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::audit::AuditAction;
use domain::idempotency::{Claim, Created, wallet_fingerprint};
use domain::{Error, Timestamp, WalletId};

use crate::auth::policy::{Act, Object};

use crate::http::dto::wallets::{LedgerPage, PageParams, WalletInput, WalletView};
use crate::http::error::ApiError;
#[cfg(feature = "openapi")]
use crate::http::error::Problem;
use crate::http::extract::{Json, Path, Query, resource};
use crate::http::guard::Guard;
use crate::http::headers::{Meta, OptionalIdempotencyKey, mark_replayed};
use crate::metrics::business;
use crate::state::AppState;

/// Opens a wallet.
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/v1/wallets", tag = "wallets", request_body = WalletInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Optional; 1–255 visible ASCII characters, unique per intended create. Retrying a create is only safe with it: a retry with the same key and body answers the first response with `Idempotent-Replayed: true`")),
    responses(
        (status = 201, description = "Opened, or replayed", body = WalletView, headers(
            ("Location" = String, description = "URL of the wallet"),
            ("Idempotent-Replayed" = String, description = "`true` when this is the stored response of an earlier request"))),
        (status = 400, description = "Idempotency-Key malformed", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A request with this key is in flight", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input, or the key was used with another body", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`unavailable`: nothing was applied; `outcome-unknown`: the write may have been applied, retry with the same Idempotency-Key", body = Problem, content_type = "application/problem+json"),
    )))]
pub(crate) async fn create(
    State(state): State<AppState>,
    Meta(meta): Meta,
    OptionalIdempotencyKey(key): OptionalIdempotencyKey,
    Json(input): Json<WalletInput>,
) -> Result<Response, ApiError> {
    let command = input.try_into_domain()?;
    let wallets = &state.repos.wallets;
    let created = match key {
        None => Created::fresh(wallets.create(command.into_wallet(Timestamp::now()), &meta).await?),
        Some(key) => {
            let claim = Claim::new(key, wallet_fingerprint(&command));
            business::keyed("wallet", wallets.create_keyed(command.into_wallet(Timestamp::now()), claim, &meta)).await?
        }
    };
    let wallet = &created.value;
    business::audited_unless_replayed(AuditAction::WALLET_CREATED, created.replayed);
    let location = format!("/v1/wallets/{}", wallet.id);
    let mut response =
        (StatusCode::CREATED, [(header::LOCATION, location)], Json(WalletView::from(wallet))).into_response();
    mark_replayed(&mut response, created.replayed);
    Ok(response)
}

/// One wallet.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/v1/wallets/{id}", tag = "wallets",
    params(("id" = String, Path, description = "Wallet id (a UUID; anything else is 404)")),
    responses(
        (status = 200, description = "The wallet", body = WalletView),
        (status = 404, description = "No such wallet", body = Problem, content_type = "application/problem+json"),
    )))]
pub(crate) async fn get(
    State(state): State<AppState>,
    guard: Guard,
    Path(id): Path<String>,
) -> Result<Json<WalletView>, ApiError> {
    let id = resource(&id, WalletId::parse)?;
    let wallet = state.repos.wallets.get(id).await?;
    guard.check(Act::Read, Object::Wallet(&wallet), || Error::not_found("wallet", id))?;
    Ok(Json(WalletView::from(&wallet)))
}

/// One page of a wallet's ledger, newest first.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/v1/wallets/{id}/ledger", tag = "wallets",
    params(("id" = String, Path, description = "Wallet id (a UUID; anything else is 404)"), PageParams),
    responses(
        (status = 200, description = "A page of ledger entries", body = LedgerPage),
        (status = 404, description = "No such wallet", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
    )))]
pub(crate) async fn ledger(
    State(state): State<AppState>,
    guard: Guard,
    Path(id): Path<String>,
    Query(params): Query<PageParams>,
) -> Result<Json<LedgerPage>, ApiError> {
    let id = resource(&id, WalletId::parse)?;
    let query = params.ledger(id)?;
    guard.wallet(&state, Act::Read, id).await?;
    Ok(Json(state.repos.wallets.ledger(&query).await?.into()))
}
