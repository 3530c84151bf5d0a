//! The request id: the client's `x-request-id` when it is a sensible token, else a new UUID. It
//! ends up in logs and audit records, so an unusable one (too long, odd characters) is replaced,
//! never echoed.

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use rand::Rng as _;

use crate::http::headers::{REQUEST_ID, is_token};

/// The `x-request-id` header (`headers::REQUEST_ID`) as a header name: finding a header by a
/// name given as text parses the text first, every time.
pub(crate) const HEADER: HeaderName = HeaderName::from_static(REQUEST_ID);

/// Longest client request id kept.
pub(crate) const MAX_LEN: usize = 128;

/// Keeps the client's request id if usable, else sets a new one on `headers`; returns the id.
pub(crate) fn ensure(headers: &mut HeaderMap) -> HeaderValue {
    if let Some(id) = headers.get(&HEADER)
        && id.to_str().is_ok_and(|id| is_token(id, MAX_LEN))
    {
        return id.clone();
    }
    let id = generate();
    // `insert` replaces every value: a usable first one is all a later reader may find.
    headers.insert(HEADER, id.clone());
    id
}

/// A random (version 4) UUID, from the thread's generator: `Uuid::new_v4` asks the operating
/// system for every one, a system call per request.
///
/// The text lives in one shared allocation: the request's header and the response's are the
/// same bytes, where a copied value would be copied again when first cloned.
pub(crate) fn generate() -> HeaderValue {
    let uuid = uuid::Builder::from_random_bytes(rand::rng().random()).into_uuid();
    let mut text = [0; uuid::fmt::Hyphenated::LENGTH];
    uuid.hyphenated().encode_lower(&mut text);
    HeaderValue::from_maybe_shared(Bytes::from_owner(text)).unwrap_or_else(|_| HeaderValue::from_static("-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_usable_client_id_is_kept() {
        let mut headers = HeaderMap::new();
        headers.insert(REQUEST_ID, HeaderValue::from_static("client-42"));

        assert_eq!(ensure(&mut headers), "client-42");
        assert_eq!(headers[REQUEST_ID], "client-42");
    }

    #[test]
    fn a_missing_or_unusable_id_is_replaced_by_a_v4_uuid() {
        let too_long = "a".repeat(MAX_LEN + 1);
        for client in [None, Some("has space"), Some(too_long.as_str()), Some("")] {
            let mut headers = HeaderMap::new();
            if let Some(id) = client {
                headers.insert(REQUEST_ID, HeaderValue::from_str(id).expect("a header value"));
            }

            let id = ensure(&mut headers);

            let uuid = uuid::Uuid::parse_str(id.to_str().expect("ASCII")).expect("a UUID");
            assert_eq!(uuid.get_version_num(), 4, "{client:?}");
            assert_eq!(headers[REQUEST_ID], id, "{client:?}");
            assert_eq!(headers.get_all(REQUEST_ID).iter().count(), 1);
        }
    }

    #[test]
    fn new_ids_differ() {
        assert_ne!(generate(), generate());
    }
}
