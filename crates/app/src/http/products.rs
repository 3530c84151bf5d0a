//! `/v1/products` and `/v1/categories/{category}/stats`.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::audit::AuditAction;
use domain::idempotency::{Claim, Created, product_fingerprint};
use domain::product::{Category, Product};
use domain::{ProductId, Timestamp};

use crate::http::dto::products::{CategoryStatsView, ProductInput, ProductListParams, ProductPage, ProductView};
use crate::http::error::ApiError;
#[cfg(feature = "openapi")]
use crate::http::error::Problem;
use crate::http::extract::{Json, Path, Query, resource};
use crate::http::headers::{IfMatch, Meta, OptionalIdempotencyKey, etag, mark_replayed};
use crate::metrics::business;
use crate::state::AppState;

fn with_etag(product: &Product) -> impl IntoResponse + use<> {
    ([(header::ETAG, etag(product.version))], Json(ProductView::from(product)))
}

/// Creates a product.
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/v1/products", tag = "products", request_body = ProductInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Optional; 1–255 visible ASCII characters, unique per intended create. Retrying a create is only safe with it: a retry with the same key and body answers the first response with `Idempotent-Replayed: true`")),
    responses(
        (status = 201, description = "Created, or replayed", body = ProductView,
            headers(("Location" = String, description = "URL of the product"), ("ETag" = String, description = "Its version"),
                ("Idempotent-Replayed" = String, description = "`true` when this is the stored response of an earlier request"))),
        (status = 400, description = "Idempotency-Key malformed", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another product has this sku, or a request with this key is in flight", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input, or the key was used with another body", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`unavailable`: nothing was applied; `outcome-unknown`: the write may have been applied, retry with the same Idempotency-Key", body = Problem, content_type = "application/problem+json"),
    )))]
pub(crate) async fn create(
    State(state): State<AppState>,
    Meta(meta): Meta,
    OptionalIdempotencyKey(key): OptionalIdempotencyKey,
    Json(input): Json<ProductInput>,
) -> Result<Response, ApiError> {
    let draft = input.try_into_domain()?;
    let products = &state.repos.products;
    let created = match key {
        None => Created::fresh(products.create(draft.into_product(Timestamp::now()), &meta).await?),
        Some(key) => {
            let claim = Claim::new(key, product_fingerprint(&draft));
            business::keyed("product", products.create_keyed(draft.into_product(Timestamp::now()), claim, &meta))
                .await?
        }
    };
    let product = &created.value;
    business::audited_unless_replayed(AuditAction::PRODUCT_CREATED, created.replayed);
    let location = format!("/v1/products/{}", product.id);
    let mut response = (StatusCode::CREATED, [(header::LOCATION, location)], with_etag(product)).into_response();
    mark_replayed(&mut response, created.replayed);
    Ok(response)
}

/// One product; its version is the strong `ETag`.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/v1/products/{id}", tag = "products",
    params(("id" = String, Path, description = "Product id (a UUID; anything else is 404)")),
    responses(
        (status = 200, description = "The product", body = ProductView, headers(("ETag" = String, description = "Its version"))),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
    )))]
pub(crate) async fn get(State(state): State<AppState>, Path(id): Path<String>) -> Result<impl IntoResponse, ApiError> {
    let id = resource(&id, ProductId::parse)?;
    Ok(with_etag(&state.repos.products.get(id).await?))
}

/// Replaces a product's fields if `If-Match` names its current version.
#[cfg_attr(feature = "openapi", utoipa::path(put, path = "/v1/products/{id}", tag = "products", request_body = ProductInput,
    params(
        ("id" = String, Path, description = "Product id (a UUID; anything else is 404)"),
        ("If-Match" = String, Header, description = "The ETag read before (`\"<version>\"`)"),
    ),
    responses(
        (status = 200, description = "Updated", body = ProductView, headers(("ETag" = String, description = "The new version"))),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another product has this sku", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The version moved on", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "No If-Match", body = Problem, content_type = "application/problem+json"),
    )))]
pub(crate) async fn update(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    Json(input): Json<ProductInput>,
) -> Result<impl IntoResponse, ApiError> {
    let id = resource(&id, ProductId::parse)?;
    let draft = input.try_into_domain()?;
    let product = state.repos.products.update(id, version, draft, &meta).await?;
    business::audited(AuditAction::PRODUCT_UPDATED);
    Ok(with_etag(&product))
}

/// Deletes a product.
#[cfg_attr(feature = "openapi", utoipa::path(delete, path = "/v1/products/{id}", tag = "products",
    params(("id" = String, Path, description = "Product id (a UUID; anything else is 404)")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
    )))]
pub(crate) async fn delete(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = resource(&id, ProductId::parse)?;
    state.repos.products.delete(id, &meta).await?;
    business::audited(AuditAction::PRODUCT_DELETED);
    Ok(StatusCode::NO_CONTENT)
}

/// One page of products, ordered by price then id; follow `next_cursor` for the next page.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/v1/products", tag = "products", params(ProductListParams),
    responses(
        (status = 200, description = "A page of products", body = ProductPage),
        (status = 422, description = "Invalid parameter (a limit above 200, an unknown cursor)", body = Problem, content_type = "application/problem+json"),
    )))]
pub(crate) async fn list(
    State(state): State<AppState>,
    Query(params): Query<ProductListParams>,
) -> Result<Json<ProductPage>, ApiError> {
    let query = params.try_into_domain()?;
    Ok(Json(state.repos.products.list(&query).await?.into()))
}

/// Price statistics of a category, in minor units.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/v1/categories/{category}/stats", tag = "products",
    params(("category" = String, Path, description = "A category (anything not shaped like one is 404)")),
    responses(
        (status = 200, description = "Statistics; prices are null when the count is 0", body = CategoryStatsView),
        (status = 404, description = "Not a category", body = Problem, content_type = "application/problem+json"),
    )))]
pub(crate) async fn category_stats(
    State(state): State<AppState>,
    Path(category): Path<String>,
) -> Result<Json<CategoryStatsView>, ApiError> {
    let category = resource(&category, Category::parse)?;
    Ok(Json(state.repos.products.category_stats(&category).await?.into()))
}
