//! `GET /v1/products/{id}`: one `find` by `_id`, decoded by serde, answered as JSON with the
//! version as the `ETag`, as a team would write it.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bson::doc;
use chrono::SecondsFormat;
use serde::{Deserialize, Serialize};

use super::Shared;

/// The stored product, as the shop writes it.
#[derive(Debug, Deserialize)]
struct Stored {
    #[serde(rename = "_id")]
    id: bson::Uuid,
    sku: String,
    name: String,
    category: String,
    price_minor: i64,
    currency: String,
    attributes: serde_json::Value,
    tags: Vec<String>,
    version: i64,
    created_at: bson::DateTime,
    updated_at: bson::DateTime,
}

/// The answer, field for field the shop's.
#[derive(Debug, Serialize)]
struct View {
    id: uuid::Uuid,
    sku: String,
    name: String,
    category: String,
    price_minor: i64,
    currency: String,
    attributes: serde_json::Value,
    tags: Vec<String>,
    version: i64,
    created_at: String,
    updated_at: String,
}

fn time(at: bson::DateTime) -> String {
    at.to_chrono().to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Answers the product `id`: 404 when there is none, 500 when the server fails.
pub(crate) async fn get(State(shared): State<Shared>, Path(id): Path<String>) -> Response {
    let Ok(id) = uuid::Uuid::parse_str(&id) else { return StatusCode::NOT_FOUND.into_response() };
    let products = shared.database.collection::<Stored>("products");
    let found = match products.find_one(doc! { "_id": bson::Uuid::from_uuid_1(id) }).await {
        Ok(Some(found)) => found,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    let etag = HeaderValue::from_str(&format!("\"{}\"", found.version)).unwrap_or(HeaderValue::from_static("\"0\""));
    let view = View {
        id: found.id.to_uuid_1(),
        sku: found.sku,
        name: found.name,
        category: found.category,
        price_minor: found.price_minor,
        currency: found.currency,
        attributes: found.attributes,
        tags: found.tags,
        version: found.version,
        created_at: time(found.created_at),
        updated_at: time(found.updated_at),
    };
    ([(header::ETAG, etag)], axum::Json(view)).into_response()
}
