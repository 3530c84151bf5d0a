//! Orders and what can go wrong with them. A `PlaceOrder` is validated before anything is
//! stored; its fingerprint is what an idempotency key is bound to.

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

/// The longest reference, customer or currency code accepted, in bytes.
pub const MAX_TEXT: usize = 64;

/// A request to place an order; a field it does not know is refused, not ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaceOrder {
    /// The caller's own reference, unique across orders (`INV-2026-0042`).
    pub reference: String,
    /// Who orders.
    pub customer: String,
    /// The amount in minor units of `currency`, above zero.
    pub amount_minor: i64,
    /// ISO 4217 code, three upper-case letters.
    pub currency: String,
}

impl PlaceOrder {
    /// The request, checked.
    ///
    /// # Errors
    /// [`OrderError::Invalid`] naming the first field that is wrong.
    pub fn validate(&self) -> Result<(), OrderError> {
        let text = |field: &str, value: &str| {
            if value.is_empty() || value.len() > MAX_TEXT {
                Err(OrderError::Invalid(format!("{field} must be 1 to {MAX_TEXT} bytes")))
            } else {
                Ok(())
            }
        };
        text("reference", &self.reference)?;
        text("customer", &self.customer)?;
        if self.amount_minor <= 0 {
            return Err(OrderError::Invalid("amount_minor must be above zero".to_owned()));
        }
        if self.currency.len() != 3 || !self.currency.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(OrderError::Invalid("currency must be three upper-case letters".to_owned()));
        }
        Ok(())
    }

    /// The SHA-256 of the request's fields, in hex: a key reused with another request is told
    /// apart by it.
    pub fn fingerprint(&self) -> String {
        let mut digest = Sha256::new();
        for part in [self.reference.as_str(), self.customer.as_str(), &self.amount_minor.to_string(), &self.currency] {
            digest.update(part.len().to_le_bytes());
            digest.update(part.as_bytes());
        }
        hex::encode(digest.finalize())
    }
}

/// A placed order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// The order's id (UUID v7).
    pub id: uuid::Uuid,
    /// The caller's reference.
    pub reference: String,
    /// Who ordered.
    pub customer: String,
    /// The amount in minor units.
    pub amount_minor: i64,
    /// ISO 4217 code.
    pub currency: String,
    /// When placed, in milliseconds since the Unix epoch.
    pub placed_at_ms: i64,
}

impl Order {
    /// The order a request places now.
    pub fn new(request: PlaceOrder, placed_at_ms: i64) -> Self {
        let PlaceOrder { reference, customer, amount_minor, currency } = request;
        Self { id: uuid::Uuid::now_v7(), reference, customer, amount_minor, currency, placed_at_ms }
    }
}

/// What placing an order returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    /// The order, exactly as first stored.
    pub order: Order,
    /// Whether an earlier request with the same key placed it.
    pub replayed: bool,
}

/// Why an order operation failed.
#[derive(Debug, thiserror::Error)]
pub enum OrderError {
    /// The request is malformed.
    #[error("invalid order: {0}")]
    Invalid(String),
    /// No such order.
    #[error("order {0} not found")]
    NotFound(uuid::Uuid),
    /// Another order has this reference.
    #[error("an order with reference {0} exists")]
    DuplicateReference(String),
    /// The customer's orders would exceed their credit limit; nothing was placed and the key
    /// stays free.
    #[error("customer {customer} would exceed their credit limit of {limit_minor} minor units")]
    CreditLimit {
        /// The customer.
        customer: String,
        /// The limit.
        limit_minor: i64,
    },
    /// The idempotency key was used with another request.
    #[error("idempotency key was used with another request")]
    KeyReused,
    /// A request with this key has not finished.
    #[error("a request with this idempotency key is in flight")]
    KeyInFlight,
    /// The store may or may not have placed the order; retry with the same key.
    #[error("the outcome is unknown: {0}")]
    OutcomeUnknown(String),
    /// The store is unavailable; nothing was placed.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// Anything else.
    #[error("internal error: {0}")]
    Internal(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> PlaceOrder {
        PlaceOrder {
            reference: "INV-1".to_owned(),
            customer: "c-1".to_owned(),
            amount_minor: 1250,
            currency: "EUR".to_owned(),
        }
    }

    #[test]
    fn requests_are_checked_field_by_field() {
        assert!(request().validate().is_ok());
        for bad in [
            PlaceOrder { reference: String::new(), ..request() },
            PlaceOrder { amount_minor: 0, ..request() },
            PlaceOrder { currency: "eur".to_owned(), ..request() },
            PlaceOrder { customer: "x".repeat(MAX_TEXT + 1), ..request() },
        ] {
            assert!(matches!(bad.validate(), Err(OrderError::Invalid(_))), "{bad:?}");
        }
    }

    #[test]
    fn fingerprints_change_with_any_field_and_fields_cannot_run_together() {
        let base = request().fingerprint();
        assert_eq!(base, request().fingerprint());
        assert_ne!(base, PlaceOrder { amount_minor: 1251, ..request() }.fingerprint());
        let joined = PlaceOrder { reference: "INV-1c".to_owned(), customer: "-1".to_owned(), ..request() };
        assert_ne!(base, joined.fingerprint());
    }
}
