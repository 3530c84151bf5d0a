//! Request headers the API reads: who is asking (`x-actor`), the request id, `If-Match` and
//! `Idempotency-Key`. Each is an extractor that rejects in the problem format (400,
//! `invalid-header`, naming the header in the problem's `field`).
//!
//! A keyed create of your own: the key, and the caller it belongs to, handed to the exactly-once
//! runner (`mongo_kit::exactly_once::KeyId::new(scope, &meta.principal, key.as_str())`):
//!
//! ```
//! use app::http::error::ApiError;
//! use app::http::extract::Json;
//! use app::http::headers::{IdempotencyKeyHeader, Meta, mark_replayed};
//! use axum::http::StatusCode;
//! use axum::response::{IntoResponse as _, Response};
//!
//! async fn reserve(
//!     Meta(meta): Meta,
//!     IdempotencyKeyHeader(key): IdempotencyKeyHeader,
//!     Json(sku): Json<String>,
//! ) -> Result<Response, ApiError> {
//!     // `meta.principal`: the authenticated caller (empty for an anonymous one), whose key this is.
//!     let replayed = false; // what the runner answered for (scope, meta.principal, key)
//!     let mut response = (StatusCode::CREATED, Json(format!("{sku} for {} ({})", meta.actor, key.as_str()))).into_response();
//!     mark_replayed(&mut response, replayed);
//!     Ok(response)
//! }
//! let _: axum::routing::MethodRouter = axum::routing::post(reserve);
//! ```

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use domain::transfer::{IdempotencyKey, RequestMeta};

use crate::auth::Principal;
use crate::http::error::ApiError;

/// Header naming the caller, recorded in audit events when calls are anonymous; an authenticated
/// principal's name replaces it.
pub const ACTOR: &str = "x-actor";
/// Header carrying the request id, accepted from the client or generated.
pub const REQUEST_ID: &str = "x-request-id";
/// Header marking a replayed response.
pub const IDEMPOTENT_REPLAYED: &str = "idempotent-replayed";
/// Header naming the version an update expects.
pub const IF_MATCH: &str = "if-match";
/// Header carrying the idempotency key.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// Actor recorded when the client names none.
pub(crate) const ANONYMOUS: &str = "anonymous";

fn text<'a>(headers: &'a HeaderMap, name: &'static str) -> Result<Option<&'a str>, ApiError> {
    headers
        .get(name)
        .map(|value| value.to_str().map_err(|_| ApiError::BadHeader { name, reason: "must be visible ASCII".into() }))
        .transpose()
}

/// Whether `raw` is a sensible token for logs and audit records: 1–`max` ASCII letters, digits
/// and `-_.:@`.
pub(crate) fn is_token(raw: &str, max: usize) -> bool {
    (1..=max).contains(&raw.len())
        && raw.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':' | b'@'))
}

/// Who asks and which request this is: the authenticated principal's name (set by the
/// [`AuthLayer`](crate::http::auth::AuthLayer); empty for an anonymous caller), which the
/// idempotency keys of the request belong to, the actor audit events record (the principal, else
/// for anonymous calls the `x-actor` header or `anonymous`), and the request id (set by the
/// [`RequestLayer`](crate::http::request::RequestLayer), else a new one).
///
/// A malformed `x-actor` from an anonymous caller is refused (400).
#[derive(Debug, Clone)]
pub struct Meta(pub RequestMeta);

impl<S: Send + Sync> FromRequestParts<S> for Meta {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        // An authenticated caller is who its credentials say, whatever it claims in `x-actor`.
        let principal = parts.extensions.get::<Principal>().map(|principal| principal.name().to_owned());
        // Idempotency keys belong to the authenticated principal, never to a claimed actor:
        // anonymous callers share one key space, as they share every other right.
        let principal_name = principal.clone().unwrap_or_default();
        let claimed = if principal.is_some() { None } else { text(&parts.headers, ACTOR)? };
        let actor = match (principal, claimed) {
            (Some(name), _) => name,
            (None, None) => ANONYMOUS.to_owned(),
            (None, Some(raw)) if is_token(raw, 64) => raw.to_owned(),
            (None, Some(_)) => {
                return Err(ApiError::BadHeader {
                    name: ACTOR,
                    reason: "must be 1 to 64 ASCII letters, digits, '-', '_', '.', ':' or '@'".into(),
                });
            }
        };
        // The router's request-id layer always sets a valid one; the fallback keeps the
        // extractor usable under a router without that layer.
        let request_id = text(&parts.headers, REQUEST_ID)
            .ok()
            .flatten()
            .map_or_else(|| uuid::Uuid::new_v4().to_string(), ToOwned::to_owned);
        Ok(Self(RequestMeta { principal: principal_name, actor, request_id }))
    }
}

/// What `If-Match` must look like: one strong entity tag of this service, `"<version>"`.
#[cfg_attr(not(feature = "openapi"), expect(dead_code, reason = "only the OpenAPI document states the pattern"))]
pub(crate) const IF_MATCH_PATTERN: &str = "^\"[0-9]{1,19}\"$";

/// The version in a strong tag `"<version>"` of 1–19 digits (what [`IF_MATCH_PATTERN`] states).
fn strong_tag(raw: &str) -> Option<u64> {
    let digits = raw.strip_prefix('"')?.strip_suffix('"')?;
    let ok = (1..=19).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
    if ok { digits.parse().ok() } else { None }
}

/// The version named by `If-Match`, required: a strong entity tag `"<version>"` as [`etag`]
/// writes it. Missing: 428 (`precondition-required`); anything else (a weak tag, a list, `*`):
/// 400.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IfMatch(pub u64);

/// The entity tag of a version, for the `ETag` header of an answer.
pub fn etag(version: u64) -> String {
    format!("\"{version}\"")
}

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let raw = text(&parts.headers, IF_MATCH)?.ok_or(ApiError::PreconditionRequired)?;
        // Anything but one strong tag of ours (a weak tag, a list, `*`) cannot prove which
        // version the client read: the API accepts only the tag it sent.
        strong_tag(raw.trim()).map(Self).ok_or(ApiError::BadHeader {
            name: IF_MATCH,
            reason: "must be one strong entity tag this service sent (\"<version>\")".into(),
        })
    }
}

/// The `Idempotency-Key` header, required: 1–255 visible ASCII characters
/// ([`IdempotencyKey::parse`]). Missing or malformed: 400 (`invalid-header`).
#[derive(Debug, Clone)]
pub struct IdempotencyKeyHeader(pub IdempotencyKey);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKeyHeader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        idempotency_key(&parts.headers)?
            .map(Self)
            .ok_or(ApiError::BadHeader { name: IDEMPOTENCY_KEY, reason: "is required".into() })
    }
}

/// The `Idempotency-Key` header where it is optional (the shop's creates): absent is `None`,
/// malformed is refused like a required one.
#[derive(Debug, Clone)]
pub struct OptionalIdempotencyKey(pub Option<IdempotencyKey>);

impl<S: Send + Sync> FromRequestParts<S> for OptionalIdempotencyKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        idempotency_key(&parts.headers).map(Self)
    }
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<IdempotencyKey>, ApiError> {
    text(headers, IDEMPOTENCY_KEY)?
        .map(|raw| {
            IdempotencyKey::parse(raw)
                .map_err(|error| ApiError::BadHeader { name: IDEMPOTENCY_KEY, reason: error.reason })
        })
        .transpose()
}

/// Marks `response` as the stored response of an earlier request when `replayed`
/// (`Idempotent-Replayed: true`).
pub fn mark_replayed(response: &mut axum::response::Response, replayed: bool) {
    if replayed {
        response.headers_mut().insert(
            axum::http::HeaderName::from_static(IDEMPOTENT_REPLAYED),
            axum::http::HeaderValue::from_static("true"),
        );
    }
}

#[cfg(test)]
mod tests {
    use axum::http::Request;

    use super::*;

    async fn if_match(value: Option<&str>) -> Result<IfMatch, ApiError> {
        let mut builder = Request::builder();
        if let Some(value) = value {
            builder = builder.header("if-match", value);
        }
        let (mut parts, ()) = builder.body(()).expect("valid request").into_parts();
        IfMatch::from_request_parts(&mut parts, &()).await
    }

    #[tokio::test]
    async fn if_match_accepts_one_strong_tag_and_nothing_else() {
        assert_eq!(if_match(Some("\"7\"")).await.ok(), Some(IfMatch(7)));
        assert!(matches!(if_match(None).await, Err(ApiError::PreconditionRequired)));
        for other in ["W/\"7\"", "7", "*", "\"7\", \"8\"", "\"\"", "\"-1\"", "\"12345678901234567890\""] {
            let answer = if_match(Some(other)).await;
            assert!(matches!(answer, Err(ApiError::BadHeader { name: IF_MATCH, .. })), "{other} was read");
        }
    }

    #[test]
    fn tokens_are_bounded_and_plain() {
        assert!(is_token("billing-service", 64));
        assert!(!is_token("", 64));
        assert!(!is_token("has space", 64));
        assert!(!is_token(&"a".repeat(65), 64));
    }
}
