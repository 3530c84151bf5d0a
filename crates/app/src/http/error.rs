//! The one place where failures become HTTP statuses: `application/problem+json` bodies
//! (RFC 9457) with `type`, `title`, `status`, `detail` and, for invalid input, the `field`.
//!
//! Two 503s differ: `unavailable` means nothing was applied and any retry is safe;
//! `outcome-unknown` means the write may have been applied, so a retry is only safe with the same
//! `Idempotency-Key` (which then answers the first result or applies the write once).
//!
//! Server errors (5xx) are logged here, once, with the internal error; their bodies carry only a
//! generic sentence. Client errors are logged at debug level without their detail, which may
//! quote the client's input.
//!
//! A service's own routes answer the same way: their handlers return [`ApiError`], and the
//! service's own error type implements [`IntoProblem`], which says its status and problem type,
//! so that `?` turns it into an `ApiError` (the [`extract`](crate::http::extract) and
//! [`headers`](crate::http::headers) extractors already refuse with one):
//!
//! ```
//! use app::http::error::{ApiError, IntoProblem};
//! use app::http::extract::Json;
//! use axum::http::StatusCode;
//!
//! #[derive(Debug, thiserror::Error)]
//! enum StockError {
//!     #[error("sku {0} is sold out")]
//!     SoldOut(String),
//!     #[error("the stock store failed: {0}")]
//!     Store(String),
//! }
//!
//! impl IntoProblem for StockError {
//!     fn status(&self) -> StatusCode {
//!         match self {
//!             Self::SoldOut(_) => StatusCode::CONFLICT,
//!             Self::Store(_) => StatusCode::SERVICE_UNAVAILABLE,
//!         }
//!     }
//!
//!     fn problem_type(&self) -> &'static str {
//!         match self {
//!             Self::SoldOut(_) => "sold-out",
//!             Self::Store(_) => "unavailable",
//!         }
//!     }
//!
//!     fn title(&self) -> &'static str {
//!         match self {
//!             Self::SoldOut(_) => "Sold out",
//!             Self::Store(_) => "Service unavailable",
//!         }
//!     }
//! }
//!
//! async fn reserve(Json(sku): Json<String>) -> Result<Json<u32>, ApiError> {
//!     Err(StockError::SoldOut(sku))?
//! }
//!
//! // 409 `{"type": ".../sold-out", "title": "Sold out", "status": 409, "detail": "sku MUG-1 is sold out"}`;
//! // a `Store` failure answers 503 with a generic detail, and its message goes to the log only.
//! let _: axum::routing::MethodRouter = axum::routing::post(reserve);
//! ```

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::{Error, TransferError, ValidationError};

use crate::auth::{Refusal, Scope};
use serde::Serialize;

/// Media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Prefix of every problem `type`; the suffix names the problem (`…/insufficient-funds`).
pub const PROBLEM_TYPE_BASE: &str = "https://shop.example/problems/";

/// The problem slug of a write whose outcome is unknown: unlike `unavailable` (nothing was
/// applied), the write may have been applied, and only a retry with the same `Idempotency-Key`
/// is safe.
pub(crate) const OUTCOME_UNKNOWN: &str = "outcome-unknown";

/// An error body (RFC 9457), as [`ApiError`] writes it; a client (or a test) reads it back with
/// `serde_json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Problem {
    /// Identifies the kind of problem; stable, for clients to branch on.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong in this occurrence.
    pub detail: String,
    /// The input that was rejected, for validation problems (`sku`, `attributes.$where`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// How an error of a service's own answers over HTTP: implement it for your error type and `?`
/// turns the error into an [`ApiError`] (the module documentation has an example).
///
/// The body's `detail` is the error's message for a client error (4xx); a server error (5xx) is
/// logged with its message and answered with a generic sentence, unless [`Self::detail`] says
/// what a client may be told.
pub trait IntoProblem: std::error::Error + Send + Sync + 'static {
    /// The status of the answer.
    fn status(&self) -> StatusCode;

    /// The problem type's name, stable for clients to branch on (`sold-out`); the body's `type`
    /// is [`PROBLEM_TYPE_BASE`] followed by it.
    fn problem_type(&self) -> &'static str;

    /// A short summary of the problem type (`Sold out`).
    fn title(&self) -> &'static str;

    /// The input the problem is about (`sku`), for invalid input; `None` by default.
    fn field(&self) -> Option<String> {
        None
    }

    /// What the body's `detail` tells the client: by default the error's message for a client
    /// error, and for a server error a generic sentence that never carries internal text.
    fn detail(&self) -> String {
        if self.status().is_server_error() {
            "the service could not complete the request".to_owned()
        } else {
            self.to_string()
        }
    }
}

impl<E: IntoProblem> From<E> for ApiError {
    fn from(error: E) -> Self {
        Self::Own(Box::new(error))
    }
}

/// Every way a request can fail: the shop's own failures, and a service's own errors
/// ([`IntoProblem`]). Answered as `application/problem+json` ([`Problem`]).
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// An error of the embedding service's own, answered as it says ([`IntoProblem`]).
    #[error("{0}")]
    Own(Box<dyn IntoProblem>),
    /// A port failed.
    #[error(transparent)]
    Domain(#[from] Error),
    /// A transfer was refused or failed.
    #[error(transparent)]
    Transfer(#[from] TransferError),
    /// A value in the body or the query string is invalid.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// A request header is missing or malformed.
    #[error("header {name}: {reason}")]
    BadHeader {
        /// The header.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The body is not well-formed JSON.
    #[error("malformed JSON: {0}")]
    MalformedJson(String),
    /// The body exceeds the configured limit.
    #[error("request body too large")]
    BodyTooLarge,
    /// The body is not declared as JSON.
    #[error("unsupported content type")]
    UnsupportedMediaType,
    /// A conditional update came without `If-Match`.
    #[error("this update needs an If-Match header")]
    PreconditionRequired,
    /// Nothing lives at this path (including path segments that cannot name a resource).
    #[error("no resource at this path")]
    NoSuchResource,
    /// The path exists but not with this method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The request ran out of its time budget.
    #[error("request timed out")]
    Timeout,
    /// The request target (path and query) is longer than the limit.
    #[error("the request target is longer than {0} bytes")]
    UriTooLong(usize),
    /// The header section is larger than the limit.
    #[error("the request headers are larger than {0} bytes")]
    HeadersTooLarge(usize),
    /// The request body did not arrive within the body read time-out.
    #[error("the request body did not arrive in time")]
    BodyTimeout,
    /// The server holds as many connections as it accepts (written by the server before any
    /// request is read, never by a handler).
    #[error("too many connections")]
    TooManyConnections,
    /// The route needs a principal and the request authenticated as none.
    #[error("{0}")]
    Unauthenticated(Refusal),
    /// The principal lacks the route's scope.
    #[error("this route needs the {0} scope")]
    Forbidden(Scope),
    /// The authorization policy refuses this route to this kind of principal (an end user on a
    /// service's route).
    #[error("this route is not open to this principal")]
    NotForPrincipal,
}

impl From<ApiError> for Response {
    fn from(error: ApiError) -> Self {
        error.into_response()
    }
}

/// Status, problem slug, title, detail and field of an error.
struct Parts {
    status: StatusCode,
    slug: &'static str,
    title: &'static str,
    detail: String,
    field: Option<String>,
}

fn parts(status: StatusCode, slug: &'static str, title: &'static str, detail: impl ToString) -> Parts {
    Parts { status, slug, title, detail: detail.to_string(), field: None }
}

fn invalid(error: &ValidationError) -> Parts {
    Parts {
        field: Some(error.field.clone()),
        ..parts(StatusCode::UNPROCESSABLE_ENTITY, "invalid-input", "Invalid input", error)
    }
}

fn domain_parts(error: &Error) -> Parts {
    match error {
        // A session's id is (the hash of) a secret: never echo it.
        Error::NotFound { entity: "session", .. } => {
            parts(StatusCode::NOT_FOUND, "not-found", "Not found", "session not found")
        }
        Error::NotFound { .. } => parts(StatusCode::NOT_FOUND, "not-found", "Not found", error),
        Error::Conflict(_) => parts(StatusCode::CONFLICT, "conflict", "Conflict", error),
        Error::VersionMismatch { .. } => {
            parts(StatusCode::PRECONDITION_FAILED, "version-mismatch", "Version mismatch", error)
        }
        Error::Validation(invalid_value) => invalid(invalid_value),
        Error::Unavailable(_) => parts(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Service unavailable",
            "the store is unavailable; retry later",
        ),
        Error::OutcomeUnknown(_) => parts(
            StatusCode::SERVICE_UNAVAILABLE,
            OUTCOME_UNKNOWN,
            "Outcome unknown",
            "the write may have been applied; retry with the same Idempotency-Key",
        ),
        Error::KeyReused => {
            parts(StatusCode::UNPROCESSABLE_ENTITY, "idempotency-key-reused", "Idempotency key reused", error)
        }
        Error::KeyInFlight => parts(StatusCode::CONFLICT, "idempotency-key-in-flight", "Request in flight", error),
        Error::Unsupported(_) => parts(
            StatusCode::NOT_IMPLEMENTED,
            "unsupported",
            "Not supported",
            "this operation is not supported by the current deployment",
        ),
        Error::Internal(_) => {
            parts(StatusCode::INTERNAL_SERVER_ERROR, "internal", "Internal error", "an unexpected error occurred")
        }
    }
}

fn transfer_parts(error: &TransferError) -> Parts {
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    match error {
        TransferError::InsufficientFunds { .. } => {
            parts(unprocessable, "insufficient-funds", "Insufficient funds", error)
        }
        TransferError::CurrencyMismatch { .. } => parts(unprocessable, "currency-mismatch", "Currency mismatch", error),
        TransferError::SameWallet => parts(unprocessable, "same-wallet", "Same wallet", error),
        TransferError::InvalidAmount | TransferError::AmountTooLarge => Parts {
            field: Some("amount_minor".to_owned()),
            ..parts(unprocessable, "invalid-amount", "Invalid amount", error)
        },
        TransferError::UnknownWallet(_) => parts(StatusCode::NOT_FOUND, "not-found", "Not found", error),
        TransferError::KeyReused => parts(unprocessable, "idempotency-key-reused", "Idempotency key reused", error),
        TransferError::KeyInFlight => {
            parts(StatusCode::CONFLICT, "idempotency-key-in-flight", "Request in flight", error)
        }
        TransferError::Store(store) => domain_parts(store),
    }
}

impl ApiError {
    fn parts(&self) -> Parts {
        match self {
            Self::Own(error) => {
                let (status, field) = (error.status(), error.field());
                Parts { field, ..parts(status, error.problem_type(), error.title(), error.detail()) }
            }
            Self::Domain(error) => domain_parts(error),
            Self::Transfer(error) => transfer_parts(error),
            Self::Invalid(error) => invalid(error),
            Self::BadHeader { name, .. } => Parts {
                field: Some((*name).to_owned()),
                ..parts(StatusCode::BAD_REQUEST, "invalid-header", "Invalid header", self)
            },
            Self::MalformedJson(_) => parts(StatusCode::BAD_REQUEST, "malformed-json", "Malformed JSON", self),
            Self::BodyTooLarge => parts(StatusCode::PAYLOAD_TOO_LARGE, "body-too-large", "Body too large", self),
            Self::UnsupportedMediaType => parts(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Unsupported media type",
                "the body must be JSON, sent with Content-Type: application/json",
            ),
            Self::PreconditionRequired => {
                parts(StatusCode::PRECONDITION_REQUIRED, "precondition-required", "Precondition required", self)
            }
            Self::NoSuchResource => parts(StatusCode::NOT_FOUND, "not-found", "Not found", self),
            Self::MethodNotAllowed => {
                parts(StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed", "Method not allowed", self)
            }
            Self::Unauthenticated(Refusal::Unavailable) => parts(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "Service unavailable",
                "the store is unavailable; retry later",
            ),
            Self::Unauthenticated(_) => parts(StatusCode::UNAUTHORIZED, "unauthenticated", "Unauthenticated", self),
            Self::Forbidden(_) | Self::NotForPrincipal => parts(StatusCode::FORBIDDEN, "forbidden", "Forbidden", self),
            Self::Timeout => parts(
                StatusCode::SERVICE_UNAVAILABLE,
                "timeout",
                "Request timed out",
                "the request did not finish within its time budget; a write sent with an Idempotency-Key may be retried with it",
            ),
            Self::UriTooLong(_) => parts(StatusCode::URI_TOO_LONG, "uri-too-long", "URI too long", self),
            Self::HeadersTooLarge(_) => parts(
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                "headers-too-large",
                "Request headers too large",
                self,
            ),
            Self::BodyTimeout => parts(
                StatusCode::REQUEST_TIMEOUT,
                "body-timeout",
                "Request body timed out",
                "the request body did not arrive within the body read time-out; send it again without pausing",
            ),
            Self::TooManyConnections => parts(
                StatusCode::SERVICE_UNAVAILABLE,
                "too-many-connections",
                "Too many connections",
                "the service holds as many connections as it accepts; retry shortly",
            ),
        }
    }
}

impl ApiError {
    /// The `WWW-Authenticate` challenge of an authentication failure (RFC 6750, section 3).
    fn challenge(&self) -> Option<HeaderValue> {
        match self {
            Self::Unauthenticated(Refusal::Missing) => Some(HeaderValue::from_static("Bearer")),
            Self::Unauthenticated(Refusal::Invalid) => Some(HeaderValue::from_static("Bearer error=\"invalid_token\"")),
            Self::Forbidden(scope) => {
                HeaderValue::try_from(format!("Bearer error=\"insufficient_scope\", scope=\"{scope}\"")).ok()
            }
            _ => None,
        }
    }
}

fn problem(parts: Parts) -> Problem {
    let Parts { status, slug, title, detail, field } = parts;
    Problem {
        kind: format!("{PROBLEM_TYPE_BASE}{slug}"),
        title: title.to_owned(),
        status: status.as_u16(),
        detail,
        field,
    }
}

/// The status and problem body of `error`, for an answer written outside the router (the
/// server's refusal beyond its connection cap).
pub(crate) fn problem_json(error: &ApiError) -> (StatusCode, Vec<u8>) {
    let parts = error.parts();
    let status = parts.status;
    (status, serde_json::to_vec(&problem(parts)).unwrap_or_default())
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let parts = self.parts();
        let (status, slug) = (parts.status, parts.slug);
        crate::http::request::count_error(status, slug);
        if status.is_server_error() {
            // The one log line of a failed request, with the internal error chain.
            tracing::error!(status = status.as_u16(), problem = slug, error = %format_args!("{self:#}"), "request failed");
        } else {
            tracing::debug!(status = status.as_u16(), problem = slug, "request refused");
        }
        let body = serde_json::to_vec(&problem(parts)).unwrap_or_default();
        let mut response = (status, [(header::CONTENT_TYPE, PROBLEM_JSON)], body).into_response();
        if let Some(challenge) = self.challenge() {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, challenge);
        }
        if status == StatusCode::REQUEST_TIMEOUT {
            // RFC 9110, section 15.5.9: the rest of a stalled body would be read as the next
            // request, so the connection ends with this answer.
            response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}

/// The answer for paths no route serves: a service's own router answers them as the shop's does
/// with `Router::fallback(no_route)`.
pub async fn no_route() -> ApiError {
    ApiError::NoSuchResource
}

/// The answer for a known path with an unsupported method
/// (`Router::method_not_allowed_fallback(method_not_allowed)`).
pub async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
