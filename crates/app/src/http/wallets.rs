//! `/v1/wallets`.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use domain::{Timestamp, WalletId};

use crate::http::audit::record;
use crate::http::dto::wallets::{LedgerPage, PageParams, WalletInput, WalletView};
use crate::http::error::{ApiError, Problem};
use crate::http::extract::{Json, Path, Query, resource};
use crate::http::headers::Meta;
use crate::state::AppState;

/// Opens a wallet.
#[utoipa::path(post, path = "/v1/wallets", tag = "wallets", request_body = WalletInput,
    responses(
        (status = 201, description = "Opened", body = WalletView, headers(("Location" = String, description = "URL of the wallet"))),
        (status = 422, description = "Invalid input", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Json(input): Json<WalletInput>,
) -> Result<impl IntoResponse, ApiError> {
    let wallet = state.repos.wallets.create(input.try_into_domain()?.into_wallet(Timestamp::now())).await?;
    // The owner is personal data: the event names the wallet, its currency and opening balance.
    let details = BTreeMap::from([
        ("currency".to_owned(), wallet.currency.to_string()),
        ("opening_balance_minor".to_owned(), wallet.balance_minor.to_string()),
    ]);
    record(&state, &meta, "wallet.created", "wallet", wallet.id, details).await?;
    let location = format!("/v1/wallets/{}", wallet.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(WalletView::from(&wallet))))
}

/// One wallet.
#[utoipa::path(get, path = "/v1/wallets/{id}", tag = "wallets",
    params(("id" = String, Path, description = "Wallet id (a UUID; anything else is 404)")),
    responses(
        (status = 200, description = "The wallet", body = WalletView),
        (status = 404, description = "No such wallet", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<WalletView>, ApiError> {
    let id = resource(&id, WalletId::parse)?;
    Ok(Json(WalletView::from(&state.repos.wallets.get(id).await?)))
}

/// One page of a wallet's ledger, newest first.
#[utoipa::path(get, path = "/v1/wallets/{id}/ledger", tag = "wallets",
    params(("id" = String, Path, description = "Wallet id (a UUID; anything else is 404)"), PageParams),
    responses(
        (status = 200, description = "A page of ledger entries", body = LedgerPage),
        (status = 404, description = "No such wallet", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn ledger(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(params): Query<PageParams>,
) -> Result<Json<LedgerPage>, ApiError> {
    let id = resource(&id, WalletId::parse)?;
    let query = params.ledger(id)?;
    Ok(Json(state.repos.wallets.ledger(&query).await?.into()))
}
