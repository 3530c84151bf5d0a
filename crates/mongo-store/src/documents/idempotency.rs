//! The `idempotency_keys` collection: one record per (scope, key), claimed inside the transaction
//! whose response it stores. The response's shape depends on the scope: a transfer's record holds
//! a [`TransferDoc`], a create's the created document ([`super::WalletDoc`],
//! [`super::ProductDoc`], [`super::IssuedSessionDoc`]).

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

/// A stored idempotency record whose response is an `R`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdempotencyDoc<R = TransferDoc> {
    /// Scope and key.
    #[serde(rename = "_id")]
    pub id: IdempotencyId,
    /// Document layout version.
    pub schema_version: i32,
    /// SHA-256 of the request that claimed the key.
    pub fingerprint: String,
    /// The stored response, set in the same transaction as the effects; absent while in flight.
    #[serde(default = "no_response", skip_serializing_if = "Option::is_none")]
    pub response: Option<R>,
    /// When claimed.
    pub created_at: bson::DateTime,
    /// When the TTL monitor may remove it.
    pub expires_at: bson::DateTime,
}

/// The default of a missing response, without asking `R` for a default of its own.
fn no_response<R>() -> Option<R> {
    None
}

impl<R> IdempotencyDoc<R> {
    /// The stored form of `record`, the claim of `id` made at `now`.
    pub fn completed(id: IdempotencyId, record: domain::idempotency::Record<R>, now: domain::Timestamp) -> Self {
        Self {
            id,
            schema_version: super::SCHEMA_VERSION,
            fingerprint: record.fingerprint,
            response: record.response,
            created_at: super::stored_time(now),
            expires_at: super::stored_time(record.expires_at),
        }
    }

    /// The filter selecting this record.
    pub fn id_filter(&self) -> bson::Document {
        bson::doc! { "_id": self.id.to_document() }
    }

    /// The record as the domain's decision table reads it.
    ///
    /// # Errors
    /// [`domain::Error::Internal`] when `expires_at` is outside the domain's time range.
    pub fn to_record(self) -> Result<domain::idempotency::Record<R>, domain::Error> {
        let expires_at = super::read_time("idempotency record", "<key>", self.expires_at)?;
        Ok(domain::idempotency::Record { fingerprint: self.fingerprint, response: self.response, expires_at })
    }
}
