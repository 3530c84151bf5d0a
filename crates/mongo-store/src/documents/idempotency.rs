//! The `idempotency_keys` collection: one record per (scope, key), claimed inside the transaction
//! whose response it stores.

use serde::{Deserialize, Serialize};

use super::TransferDoc;

/// The `_id` of an idempotency record. Field order matters for equality on an embedded `_id`:
/// always build it through [`IdempotencyId::new`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdempotencyId {
    /// The operation the key belongs to (`transfer`).
    pub scope: String,
    /// The client's key.
    pub key: String,
}

impl IdempotencyId {
    /// The id of `key` in `scope`.
    pub fn new(scope: &str, key: &str) -> Self {
        Self { scope: scope.to_owned(), key: key.to_owned() }
    }

    /// The id as a BSON document, for filters.
    pub fn to_document(&self) -> bson::Document {
        bson::doc! { "scope": &self.scope, "key": &self.key }
    }
}

/// A stored idempotency record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdempotencyDoc {
    /// Scope and key.
    #[serde(rename = "_id")]
    pub id: IdempotencyId,
    /// Document layout version.
    pub schema_version: i32,
    /// SHA-256 of the request that claimed the key.
    pub fingerprint: String,
    /// The stored response, set in the same transaction as the effects; absent while in flight.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<TransferDoc>,
    /// When claimed.
    pub created_at: bson::DateTime,
    /// When the TTL monitor may remove it.
    pub expires_at: bson::DateTime,
}

impl IdempotencyDoc {
    /// The filter selecting this record.
    pub fn id_filter(&self) -> bson::Document {
        bson::doc! { "_id": self.id.to_document() }
    }
}
