//! Storage shapes: one serde struct per collection, converted `From<&Entity>` on the way out and
//! `TryFrom<Doc>` on the way in, so stored data passes the domain's validation again when read.
//!
//! Every document has a `schema_version`; ids are UUIDs stored as BSON binary subtype 4, money
//! and versions as Int64, times as BSON dates, so any other driver reads them naturally.

mod audit;
mod idempotency;
mod product;
mod session;
mod wallet;

use std::fmt::Display;

pub use audit::AuditDoc;
pub use idempotency::{IdempotencyDoc, IdempotencyId, completed as idempotency_completed, to_record};
pub use product::{
    PRODUCT_FIELDS, PRODUCT_OLDEST_READABLE_VERSION, PRODUCT_SCHEMA_VERSION, ProductDoc, Written,
    attributes_to_document, document_to_attributes, draft_fields, product_fields,
};
pub use session::{FeedDoc, IssuedSessionDoc, SessionDoc};
pub use wallet::{LedgerDoc, TransferDoc, WalletDoc};

/// The version every document written by this crate carries, except products, whose layout
/// moved on ([`PRODUCT_SCHEMA_VERSION`]).
pub const SCHEMA_VERSION: i32 = 1;

/// The oldest version readers accept (readers accept the current and the previous version once
/// a migration exists).
pub const OLDEST_READABLE_VERSION: i32 = 1;

/// How ids are stored: BSON binary subtype 4, what other drivers read as a UUID.
pub type StoredUuid = bson::Uuid;

/// A UUID in its stored form.
pub fn stored_uuid(uuid: uuid::Uuid) -> StoredUuid {
    bson::Uuid::from_uuid_1(uuid)
}

/// A stored UUID read back.
pub fn read_uuid(stored: &StoredUuid) -> uuid::Uuid {
    stored.to_uuid_1()
}

/// A timestamp in its stored form.
pub fn stored_time(at: domain::Timestamp) -> bson::DateTime {
    bson::DateTime::from_millis(at.as_millis())
}

/// The error for a stored document that no longer passes validation: a bug or a foreign write,
/// never the caller's fault, so it is internal.
pub fn invalid(entity: &'static str, id: impl Display, reason: impl Display) -> domain::Error {
    domain::Error::Internal(anyhow::anyhow!("stored {entity} {id} is invalid: {reason}"))
}

/// Reads a stored date back.
pub(crate) fn read_time(
    entity: &'static str,
    id: impl Display,
    at: bson::DateTime,
) -> domain::Result<domain::Timestamp> {
    domain::Timestamp::from_millis(at.timestamp_millis()).ok_or_else(|| invalid(entity, id, "date out of range"))
}

/// Reads a stored non-negative Int64 back as a version or count.
fn read_u64(entity: &'static str, id: impl Display, field: &str, value: i64) -> domain::Result<u64> {
    u64::try_from(value).map_err(|_| invalid(entity, id, format!("{field} is negative")))
}

/// Checks that a document's schema version is one this build reads.
fn check_version(entity: &'static str, id: impl Display, version: i32) -> domain::Result<()> {
    if (OLDEST_READABLE_VERSION..=SCHEMA_VERSION).contains(&version) {
        Ok(())
    } else {
        Err(invalid(entity, id, format!("schema_version {version} is not readable by this build")))
    }
}

/// A version or counter in its stored form (Int64); versions start at 1 and never reach `i64::MAX`.
pub fn stored_u64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}
