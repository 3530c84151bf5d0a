//! Extractors that answer in the problem format: axum's own would answer malformed input with
//! plain text, which clients of this API must never have to parse. Use them in place of axum's
//! `Json`, `Path` and `Query` in your own handlers; their rejection is an
//! [`ApiError`].

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use domain::ValidationError;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::http::error::ApiError;
use crate::http::request::body::BodyTimedOut;

/// A JSON body in, a JSON body out.
///
/// In: the content type must be JSON (else 415, `unsupported-media-type`), the body within the
/// limit (else 413, `body-too-large`; the [`RequestLayer`](crate::http::request::RequestLayer)
/// sets the limit), received within the body read time-out (else 408, `body-timeout`) and
/// well-formed (else 400, `malformed-json`); a value of the wrong type, an unknown field (with
/// `#[serde(deny_unknown_fields)]`) or a number out of range is invalid input (422,
/// `invalid-input`) naming the field in the problem's `field` (`items[2].quantity`).
///
/// Out: the value serialized with `Content-Type: application/json`.
///
/// ```
/// use app::http::extract::Json;
///
/// #[derive(serde::Deserialize, serde::Serialize)]
/// #[serde(deny_unknown_fields)]
/// struct Reservation {
///     sku: String,
///     quantity: u32,
/// }
///
/// async fn reserve(Json(reservation): Json<Reservation>) -> Json<Reservation> {
///     Json(reservation)
/// }
/// let _: axum::routing::MethodRouter = axum::routing::post(reserve);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

fn is_json(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Strips serde_json's " at line L column C": the field path says where, more usefully.
fn reason(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let position = format!(" at line {} column {}", error.line(), error.column());
    text.strip_suffix(&position).unwrap_or(&text).to_owned()
}

/// Parses a JSON document into `T`, classifying failures as malformed JSON or invalid values.
///
/// # Errors
/// [`ApiError::MalformedJson`] for a syntax error or trailing characters; [`ApiError::Invalid`]
/// naming the field when the document does not fit `T`.
pub(crate) fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                let field = if path == "." { "body".to_owned() } else { path };
                ApiError::Invalid(ValidationError::new(field, reason(&inner)))
            }
            _ => ApiError::MalformedJson(inner.to_string()),
        }
    })?;
    deserializer.end().map_err(|error| ApiError::MalformedJson(error.to_string()))?;
    Ok(value)
}

impl<T, S> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type = request.headers().get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok());
        if !content_type.is_some_and(is_json) {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(request, state).await.map_err(|rejection| match rejection {
            BytesRejection::FailedToBufferBody(failed) if failed.status().as_u16() == 413 => ApiError::BodyTooLarge,
            BytesRejection::FailedToBufferBody(failed) if BodyTimedOut::caused(&failed) => ApiError::BodyTimeout,
            other => ApiError::MalformedJson(other.body_text()),
        })?;
        from_slice(&bytes).map(Self)
    }
}

/// Room for a typical answer (a product with a few attributes and tags, a short page): axum's
/// `Json` starts from 128 bytes and grows them, copying, two or three times per answer. Larger
/// answers still grow the buffer.
const RESPONSE_BYTES: usize = 512;

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        let mut body = Vec::with_capacity(RESPONSE_BYTES);
        match serde_json::to_writer(&mut body, &self.0) {
            Ok(()) => ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response(),
            // What axum answers for a value that does not serialize.
            Err(_) => axum::Json(self.0).into_response(),
        }
    }
}

/// Path parameters. A segment that cannot be decoded into `T` (a `Path<uuid::Uuid>` given
/// `not-a-uuid`) names no resource: 404 (`not-found`), like an unknown id.
#[derive(Debug, Clone, Copy)]
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| Self(value))
            .map_err(|_| ApiError::NoSuchResource)
    }
}

/// Parses a path segment naming a resource; anything unparsable names none (404).
///
/// # Errors
/// [`ApiError::NoSuchResource`] when `parse` rejects the segment.
pub(crate) fn resource<T>(raw: &str, parse: impl FnOnce(&str) -> Result<T, ValidationError>) -> Result<T, ApiError> {
    parse(raw).map_err(|_| ApiError::NoSuchResource)
}

/// A query string. A parameter that does not fit `T` is invalid input (422, `invalid-input`);
/// with `#[serde(deny_unknown_fields)]` on `T`, so are unknown ones: a misspelt filter must not
/// silently list everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| Self(value))
            .map_err(|rejection| ApiError::Invalid(ValidationError::new("query", rejection.body_text())))
    }
}

/// Parses an optional query parameter as a number, naming the parameter when it is not one.
///
/// # Errors
/// A [`ValidationError`] on `field` when `raw` is not a whole number in `T`'s range.
pub(crate) fn number<T: std::str::FromStr>(field: &str, raw: Option<&str>) -> Result<Option<T>, ValidationError> {
    raw.map(|text| text.parse().map_err(|_| ValidationError::new(field, "must be a whole number in range"))).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "the fields only shape the parse")]
    struct Body {
        amount: i64,
        ids: Vec<uuid::Uuid>,
    }

    #[test]
    fn syntax_errors_are_malformed_and_type_errors_name_the_field() {
        assert!(matches!(from_slice::<Body>(b"{\"amount\": "), Err(ApiError::MalformedJson(_))));
        assert!(matches!(from_slice::<Body>(b"{\"amount\": 1, \"ids\": []} x"), Err(ApiError::MalformedJson(_))));
        let Err(ApiError::Invalid(error)) = from_slice::<Body>(br#"{"amount": 1, "ids": [{"$ne": null}]}"#) else {
            panic!("expected invalid input");
        };
        assert_eq!(error.field, "ids[0]");
        let Err(ApiError::Invalid(error)) = from_slice::<Body>(br#"{"amount": 9223372036854775808, "ids": []}"#) else {
            panic!("expected invalid input");
        };
        assert_eq!(error.field, "amount");
    }

    #[test]
    fn unknown_fields_are_invalid_input() {
        let result = from_slice::<Body>(br#"{"amount": 1, "ids": [], "amuont": 2}"#);
        assert!(matches!(result, Err(ApiError::Invalid(_))));
    }

    #[test]
    fn json_content_types_are_recognised() {
        assert!(is_json("application/json"));
        assert!(is_json("Application/JSON; charset=utf-8"));
        assert!(is_json("application/merge-patch+json"));
        assert!(!is_json("text/plain"));
        assert!(!is_json("application/jsonx"));
    }
}
