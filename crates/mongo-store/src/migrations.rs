//! The shop's own migrations, in order. Each is an ordinary function from one stored layout to
//! the next; [`shop`] lists them for the runner (`shop migrate up`), and [`runner`] runs a
//! registry on the store with the shop's audit trail as the runner's audit sink.

use bson::{Bson, Document, doc};
use domain::audit::{AuditAction, AuditEvent, AuditSubject};
use domain::money::minor_from_major;
use domain::{AuditEventId, Currency, Timestamp};

use crate::collections::names;
use crate::documents::AuditDoc;
use crate::store::MongoStore;
use mongo_kit::migrate::{
    AUDIT_ACTION, AuditSink, Migrated, Migration, MigrationError, Registry, RunError, RunOptions, Runner,
};

/// A runner of `registry` on `store`'s database and profiles, writing one `migration.applied`
/// event per migrated document into the shop's audit log, and sending each batch as one client
/// `bulkWrite` where the store does so for transfers.
pub fn runner<'a>(store: &'a MongoStore, registry: &'a Registry, options: RunOptions) -> Runner<'a> {
    Runner::on(store.database(), store.profiles(), registry, options, ShopAudit)
        .client_bulk_write(store.transfer_settings().client_bulk_write)
}

/// The shop's audit log as the migration runner's audit sink.
#[derive(Debug, Clone, Copy)]
pub struct ShopAudit;

impl AuditSink for ShopAudit {
    fn collection(&self) -> &str {
        names::AUDIT
    }

    fn event(&self, migrated: &Migrated<'_>) -> Document {
        let kind = migrated.migration.subject_kind;
        // An id that makes no valid subject (too long, odd characters) is named by its digest.
        let subject = AuditSubject::parse(&migrated.subject()).unwrap_or_else(|_| {
            AuditSubject::of(kind, &mongo_kit::migrate::fingerprint(&doc! { "_id": migrated.id.clone() })[..32])
        });
        let event = AuditEvent {
            id: AuditEventId::new(),
            at: Timestamp::now(),
            actor: format!("migrate:{}", migrated.owner),
            action: AuditAction::parse(AUDIT_ACTION).expect("migration.applied is a valid audit action"),
            subject,
            request_id: migrated.run_id.to_owned(),
            details: migrated.details().into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        };
        bson::serialize_to_document(&AuditDoc::from(&event)).expect("an audit document serializes")
    }
}

/// Products: a floating-point `price` in major units (version 1) becomes Int64 `price_minor` in
/// the currency's minor units (version 2).
pub const PRODUCTS_PRICE_MINOR_UNITS: &str = "products_price_minor_units";

/// The shop's migrations.
///
/// # Errors
/// [`RunError::Registry`] if the list is not a valid chain (a bug caught by this crate's tests).
pub fn shop() -> Result<Registry, RunError> {
    Registry::new(vec![
        Migration::new(PRODUCTS_PRICE_MINOR_UNITS, names::PRODUCTS, 1, product_price_to_minor_units)
            .subject_kind("product")
            .concurrency_field("version"),
    ])
}

/// Version 1 → 2 of a product: `price` (a double, or an integer written by another driver) in
/// major units becomes `price_minor` (Int64) using the currency's minor-unit exponent. Refuses
/// amounts that would need rounding: money is never rounded silently.
///
/// # Errors
/// A [`MigrationError`] when `price` or `currency` is missing or invalid.
pub fn product_price_to_minor_units(mut document: Document) -> Result<Document, MigrationError> {
    let currency = document.get_str("currency").map_err(|_| MigrationError::new("currency is missing"))?;
    let currency = Currency::parse(currency).map_err(|e| MigrationError::new(e.to_string()))?;
    let major = match document.remove("price") {
        Some(Bson::Double(major)) => major,
        Some(Bson::Int32(major)) => f64::from(major),
        // Whole amounts below 2^53 convert exactly.
        Some(Bson::Int64(major)) if major.unsigned_abs() < (1 << 53) => major as f64,
        Some(other) => return Err(MigrationError::new(format!("price is a BSON {:?}", other.element_type()))),
        None => return Err(MigrationError::new("price is missing")),
    };
    let price = minor_from_major("price", major, currency).map_err(|e| MigrationError::new(e.to_string()))?;
    document.insert("price_minor", price.minor());
    Ok(document)
}

#[cfg(test)]
mod tests {
    use bson::doc;

    use super::*;

    #[test]
    fn the_shop_registry_is_a_valid_chain() {
        assert!(shop().is_ok());
    }

    #[test]
    fn a_version_1_price_becomes_minor_units_of_its_currency() {
        let eur = product_price_to_minor_units(doc! { "_id": 1, "price": 19.99, "currency": "EUR" });
        let jpy = product_price_to_minor_units(doc! { "_id": 2, "price": 1500, "currency": "JPY" });
        let kwd = product_price_to_minor_units(doc! { "_id": 3, "price": 1.5, "currency": "KWD" });
        assert_eq!(eur, Ok(doc! { "_id": 1, "currency": "EUR", "price_minor": 1999_i64 }));
        assert_eq!(jpy.map(|d| d.get_i64("price_minor").ok()), Ok(Some(1500)));
        assert_eq!(kwd.map(|d| d.get_i64("price_minor").ok()), Ok(Some(1500)));
    }

    #[test]
    fn prices_that_would_need_rounding_or_are_missing_are_refused() {
        for document in [
            doc! { "price": 19.995, "currency": "EUR" },
            doc! { "price": 10.5, "currency": "JPY" },
            doc! { "price": "19.99", "currency": "EUR" },
            doc! { "currency": "EUR" },
            doc! { "price": 1.0 },
        ] {
            assert!(product_price_to_minor_units(document.clone()).is_err(), "{document} was accepted");
        }
    }
}
