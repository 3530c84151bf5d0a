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
        let invalid = || ValidationError::new("currency", "must be a three-letter ISO-4217 code such as EUR");
        crate::rules::CURRENCY.check(raw).map_err(|_| invalid())?;
        match raw.as_bytes() {
            [a, b, c] => Ok(Self([*a, *b, *c])),
            _ => Err(invalid()),
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        // Only ASCII upper-case letters are ever stored, so this cannot fail.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// How many decimal places the currency's minor unit has (ISO 4217): 0 for currencies
    /// without a minor unit in use (JPY, KRW, …), 3 for the dinars and rials that divide into
    /// thousandths (BHD, KWD, …), 4 for the accounting units CLF and UYW, 2 for everything else.
    pub fn minor_unit_exponent(&self) -> u32 {
        match self.as_str() {
            "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX" | "UYI" | "VND"
            | "VUV" | "XAF" | "XOF" | "XPF" => 0,
            "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
            "CLF" | "UYW" => 4,
            _ => 2,
        }
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

/// Converts a legacy amount in major units (a floating-point `19.99`) to minor units of
/// `currency` (`1999` for EUR, `19` for JPY `19.0`), for reading data written before money was
/// stored as integers. Nothing new is ever computed in floating point.
///
/// # Errors
/// Returns a [`ValidationError`] on `field` when `major` is not finite, is negative, exceeds
/// [`Money::MAX_MINOR`] once scaled, or has more decimals than the currency's minor unit (such an
/// amount cannot be represented without rounding, and money is never rounded silently).
pub fn minor_from_major(field: &str, major: f64, currency: Currency) -> Result<Money, ValidationError> {
    if !major.is_finite() {
        return Err(ValidationError::new(field, "must be a finite number"));
    }
    let scale = 10_f64.powi(i32::try_from(currency.minor_unit_exponent()).unwrap_or(2));
    let scaled = major * scale;
    let rounded = scaled.round();
    // Binary floats hold 19.99 as 19.989999…, so a tiny distance to the integer is expected; a
    // distance of a visible fraction of a minor unit is a real extra decimal.
    if (scaled - rounded).abs() > 1e-6 * scaled.abs().max(1.0) {
        return Err(ValidationError::new(
            field,
            format!("{major} has more decimals than {currency}'s minor unit allows"),
        ));
    }
    if rounded > Money::MAX_MINOR as f64 {
        return Err(ValidationError::new(field, format!("must be at most {} minor units", Money::MAX_MINOR)));
    }
    // `rounded` is integral and at most MAX_MINOR (negatives are refused by `Money::new`).
    let minor = rounded as i64;
    Money::new(field, minor, currency)
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

    #[test]
    fn legacy_major_amounts_convert_with_the_currency_exponent() {
        let code = |raw| Currency::parse(raw).expect("valid currency");
        let minor = |major, raw| minor_from_major("price", major, code(raw)).map(|m| m.minor());
        assert_eq!(minor(19.99, "EUR"), Ok(1999));
        assert_eq!(minor(0.1 + 0.2, "USD"), Ok(30));
        assert_eq!(minor(1500.0, "JPY"), Ok(1500));
        assert_eq!(minor(1.234, "KWD"), Ok(1234));
        for (major, raw) in [(19.995, "EUR"), (15.5, "JPY"), (-1.0, "EUR"), (f64::NAN, "EUR"), (1e20, "EUR")] {
            assert!(minor(major, raw).is_err(), "{major} {raw} was accepted");
        }
    }

    proptest! {
        #[test]
        fn every_integral_minor_amount_survives_a_trip_through_major_units(minor in 0_i64..10_000_000_000) {
            let eur = Currency::parse("EUR").expect("valid currency");
            let major = minor as f64 / 100.0;
            prop_assert_eq!(minor_from_major("price", major, eur).map(|m| m.minor()), Ok(minor));
        }

        #[test]
        fn currency_parse_never_accepts_what_it_cannot_print(raw in "\\PC{0,5}") {
            if let Ok(c) = Currency::parse(&raw) {
                prop_assert_eq!(c.as_str(), raw.as_str());
            }
        }
    }
}
