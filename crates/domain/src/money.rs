//! Money: an integer count of minor units and an ISO-4217 currency code. No floating point.

use std::fmt;

use crate::error::ValidationError;

/// A three-letter ISO-4217 currency code in upper case (`EUR`, `USD`, `JPY`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Currency([u8; 3]);

impl Currency {
    /// Parses a currency code: exactly three ASCII upper-case letters.
    ///
    /// # Errors
    /// Returns a [`ValidationError`] on `currency` for anything else.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        match raw.as_bytes() {
            [a, b, c] if [a, b, c].iter().all(|b| b.is_ascii_uppercase()) => Ok(Self([*a, *b, *c])),
            _ => Err(ValidationError::new("currency", "must be a three-letter ISO-4217 code such as EUR")),
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        // Only ASCII upper-case letters are ever stored, so this cannot fail.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A non-negative amount of money in minor units (cents for EUR, yen for JPY).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

impl Money {
    /// The largest accepted amount: 10^15 minor units, far beyond any price or balance, and well
    /// inside the range where aggregates (sums, averages) stay exact.
    pub const MAX_MINOR: i64 = 1_000_000_000_000_000;

    /// Money of `minor` units in `currency`.
    ///
    /// # Errors
    /// Returns a [`ValidationError`] on `field` when `minor` is negative or above [`Money::MAX_MINOR`].
    pub fn new(field: &str, minor: i64, currency: Currency) -> Result<Self, ValidationError> {
        if minor < 0 {
            return Err(ValidationError::new(field, "must not be negative"));
        }
        if minor > Self::MAX_MINOR {
            return Err(ValidationError::new(field, format!("must be at most {}", Self::MAX_MINOR)));
        }
        Ok(Self { minor, currency })
    }

    /// The amount in minor units.
    pub fn minor(&self) -> i64 {
        self.minor
    }

    /// The currency.
    pub fn currency(&self) -> Currency {
        self.currency
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.minor, self.currency)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn currency_accepts_upper_case_codes_only() {
        assert_eq!(Currency::parse("EUR").map(|c| c.to_string()), Ok("EUR".to_owned()));
        for bad in ["eur", "EU", "EURO", "", "E1R", "ÉUR"] {
            assert!(Currency::parse(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn money_rejects_negative_and_oversized_amounts() {
        let eur = Currency::parse("EUR").expect("valid currency");
        assert!(Money::new("price_minor", -1, eur).is_err());
        assert!(Money::new("price_minor", Money::MAX_MINOR + 1, eur).is_err());
        assert_eq!(Money::new("price_minor", 0, eur).map(|m| m.minor()), Ok(0));
    }

    proptest! {
        #[test]
        fn currency_parse_never_accepts_what_it_cannot_print(raw in "\\PC{0,5}") {
            if let Ok(c) = Currency::parse(&raw) {
                prop_assert_eq!(c.as_str(), raw.as_str());
            }
        }
    }
}
