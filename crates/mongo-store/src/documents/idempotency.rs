//! The `idempotency_keys` collection: one record per (scope, key), claimed inside the transaction
//! whose response it stores. The response's shape depends on the scope: a transfer's record holds
//! a [`TransferDoc`], a create's the created document ([`super::WalletDoc`],
//! [`super::ProductDoc`], [`super::IssuedSessionDoc`]).

use super::TransferDoc;

/// The `_id` of an idempotency record: the kit's [`mongo_kit::exactly_once::KeyId`].
pub type IdempotencyId = mongo_kit::exactly_once::KeyId;

/// A stored idempotency record whose response is an `R`: the kit's
/// [`mongo_kit::exactly_once::KeyRecord`], the layout every keyed operation shares.
pub type IdempotencyDoc<R = TransferDoc> = mongo_kit::exactly_once::KeyRecord<R>;

/// A record as the domain's decision table reads it.
///
/// # Errors
/// [`domain::Error::Internal`] when `expires_at` is outside the domain's time range.
pub fn to_record<R>(record: IdempotencyDoc<R>) -> Result<domain::idempotency::Record<R>, domain::Error> {
    let expires_at = super::read_time("idempotency record", "<key>", record.expires_at)?;
    Ok(domain::idempotency::Record { fingerprint: record.fingerprint, response: record.response, expires_at })
}

/// The stored form of `record`, the claim of `id` made at `now` (the domain decides its expiry).
pub fn completed<R>(
    id: IdempotencyId,
    record: domain::idempotency::Record<R>,
    now: domain::Timestamp,
) -> IdempotencyDoc<R> {
    IdempotencyDoc {
        id,
        schema_version: super::SCHEMA_VERSION,
        fingerprint: record.fingerprint,
        response: record.response,
        created_at: super::stored_time(now),
        expires_at: super::stored_time(record.expires_at),
    }
}
