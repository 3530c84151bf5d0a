//! Wire shapes: what clients send and receive, in snake_case JSON. Inputs deny unknown fields,
//! so a misspelt field is an error instead of a silently dropped value, and convert into
//! validated domain values before any port sees them.
//!
//! Times are RFC 3339 text with milliseconds; money is an integer count of minor units.

pub(crate) mod attributes;
pub(crate) mod audit;
pub mod products;
pub(crate) mod users;
pub(crate) mod wallets;

use domain::pagination::{IdCursor, PageLimit};
use domain::{Timestamp, ValidationError};
use serde::Deserialize as _;

use crate::http::extract::number;

/// A whole number from JSON: an integer literal, or a number written with a zero fraction (`1200.0`),
/// which JSON Schema's `integer` (and so the API document) admits as the same number.
///
/// # Errors
/// When the value is not a whole number in `i64`'s range.
pub fn whole<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    let number = serde_json::Number::deserialize(deserializer)?;
    let out_of_range = || serde::de::Error::custom("must be a whole number within the 64-bit signed range");
    if let Some(int) = number.as_i64() {
        return Ok(int);
    }
    match number.as_f64() {
        // -2^63 is exact as a float; 2^63 is the first value past the range.
        Some(float) if float.fract() == 0.0 && (-TWO_POW_63..TWO_POW_63).contains(&float) =>
        {
            #[expect(clippy::cast_possible_truncation, reason = "a whole float inside the i64 range converts exactly")]
            Ok(float as i64)
        }
        _ => Err(out_of_range()),
    }
}

/// [`whole`], for a count that cannot be negative.
///
/// # Errors
/// When the value is not a whole number from 0 to `i64::MAX`.
pub fn whole_unsigned<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    let value = whole(deserializer)?;
    u64::try_from(value).map_err(|_| serde::de::Error::custom("must not be negative"))
}

const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;

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

    #[derive(Debug, serde::Deserialize)]
    struct Amount {
        #[serde(deserialize_with = "whole")]
        minor: i64,
    }

    #[test]
    fn whole_numbers_may_carry_a_zero_fraction_and_nothing_else() {
        let parse = |text: &str| serde_json::from_str::<Amount>(text).map(|a| a.minor).ok();
        assert_eq!(parse(r#"{"minor": 1200}"#), Some(1200));
        assert_eq!(parse(r#"{"minor": 1200.0}"#), Some(1200));
        assert_eq!(parse(r#"{"minor": -9223372036854775808}"#), Some(i64::MIN));
        for refused in
            [r#"{"minor": 1.5}"#, r#"{"minor": 9223372036854775808}"#, r#"{"minor": 1e300}"#, r#"{"minor": "1"}"#]
        {
            assert_eq!(parse(refused), None, "{refused}");
        }
    }

    #[test]
    fn limit_defaults_and_rejects_out_of_range_values() {
        assert_eq!(limit(None), Ok(PageLimit::default()));
        assert_eq!(limit(Some("200")).map(|l| l.get()), Ok(200));
        for bad in ["0", "201", "-1", "ten", "99999999999"] {
            assert_eq!(limit(Some(bad)).map_err(|e| e.field), Err("limit".to_owned()), "{bad} was accepted");
        }
    }
}
