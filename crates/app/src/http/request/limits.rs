//! The limits on a request's target and header section, answered in the problem format.
//!
//! The HTTP server (hyper) enforces its own limits while it parses a request, before the router
//! sees anything, and answers those with an empty body of its own: a target above 65,534 bytes
//! (414), a head above about 400 KiB or with more than 100 headers (431), bytes that are not
//! HTTP, such as a control character in a header value (400). The limits here are lower, so that
//! a client that goes too far in the usual ways is told, in the problem format, which limit it
//! passed; docs/http-api.md lists both.

use axum::extract::Request;

use crate::http::error::ApiError;
use crate::state::HttpSettings;

/// Bytes each header adds to the section beyond its name and value: `: ` and the line's end.
const SEPARATORS: usize = 4;

/// The problem of a request past `settings`' limits, if it is.
pub(crate) fn check(request: &Request, settings: &HttpSettings) -> Option<ApiError> {
    if target_bytes(request) > settings.max_uri_bytes {
        return Some(ApiError::UriTooLong(settings.max_uri_bytes));
    }
    let headers: usize =
        request.headers().iter().map(|(name, value)| name.as_str().len() + value.len() + SEPARATORS).sum();
    (headers > settings.max_header_bytes).then_some(ApiError::HeadersTooLarge(settings.max_header_bytes))
}

/// The request target's length as the client sent it: the path and query, with the scheme and
/// authority of an absolute form.
fn target_bytes(request: &Request) -> usize {
    let uri = request.uri();
    let path = uri.path_and_query().map_or(0, |path| path.as_str().len());
    let scheme = uri.scheme_str().map_or(0, |scheme| scheme.len() + "://".len());
    let authority = uri.authority().map_or(0, |authority| authority.as_str().len());
    scheme + authority + path
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(target: &str, header: &str) -> Request {
        Request::builder().uri(target).header("x-filler", header).body(axum::body::Body::empty()).expect("a request")
    }

    #[test]
    fn a_request_within_the_limits_passes_and_one_byte_more_does_not() {
        let settings = HttpSettings { max_uri_bytes: 16, max_header_bytes: 32, ..HttpSettings::default() };
        // "x-filler" (8) + value + 4 separators.
        let value = "v".repeat(32 - 8 - SEPARATORS);

        assert!(check(&request("/v1/products?a=1", &value), &settings).is_none());
        assert!(matches!(check(&request("/v1/products?a=12", &value), &settings), Some(ApiError::UriTooLong(16))));
        let larger = format!("{value}v");
        assert!(matches!(check(&request("/", &larger), &settings), Some(ApiError::HeadersTooLarge(32))));
    }
}
