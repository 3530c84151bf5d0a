//! Wire shapes: what clients send and receive, in snake_case JSON. Inputs deny unknown fields,
//! so a misspelt field is an error instead of a silently dropped value, and convert into
//! validated domain values before any port sees them.
//!
//! Times are RFC 3339 text with milliseconds; money is an integer count of minor units.

pub mod attributes;
pub mod audit;
pub mod products;
pub mod users;
pub mod wallets;

use domain::pagination::{IdCursor, PageLimit};
use domain::{Timestamp, ValidationError};

use crate::http::extract::number;

/// The wire form of a time.
pub fn time(at: Timestamp) -> String {
    at.to_rfc3339()
}

/// A page size from the query string; the default when absent.
///
/// # Errors
/// A [`ValidationError`] on `limit` when it is not a number from 1 to 200.
pub fn limit(raw: Option<&str>) -> Result<PageLimit, ValidationError> {
    number::<u32>("limit", raw)?.map_or(Ok(PageLimit::default()), PageLimit::new)
}

/// A cursor of an id-ordered listing (ledgers, audit events), from the query string.
///
/// # Errors
/// A [`ValidationError`] on `cursor` when this service did not issue it.
pub fn id_cursor(raw: Option<&str>) -> Result<Option<IdCursor>, ValidationError> {
    raw.map(IdCursor::decode).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_defaults_and_rejects_out_of_range_values() {
        assert_eq!(limit(None), Ok(PageLimit::default()));
        assert_eq!(limit(Some("200")).map(|l| l.get()), Ok(200));
        for bad in ["0", "201", "-1", "ten", "99999999999"] {
            assert_eq!(limit(Some(bad)).map_err(|e| e.field), Err("limit".to_owned()), "{bad} was accepted");
        }
    }
}
