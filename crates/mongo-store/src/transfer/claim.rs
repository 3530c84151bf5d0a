//! What a taken idempotency key means, read outside the failed transaction: a replay of the
//! stored response, a key reused with another request, or a request still in flight.

use bson::doc;
use domain::transfer::{Transfer, TransferOutcome};
use domain::{Timestamp, TransferError};

use crate::classify::classify;
use crate::documents::{IdempotencyDoc, IdempotencyId, stored_time};
use crate::profiles::OperationClass::Critical;
use crate::store::MongoStore;
use crate::time_limit::{TimeLimited as _, within};

/// The outcome of reading a taken key.
pub(super) enum Resolution {
    /// The call's answer.
    Settled(Result<TransferOutcome, TransferError>),
    /// The record had expired and was cleared: the transfer may be tried again.
    Expired,
}

/// Reads the record of `id` (majority read on the primary, so a committed claim is seen).
pub(super) async fn resolve(
    store: &MongoStore,
    id: &IdempotencyId,
    fingerprint: &str,
) -> Result<Resolution, TransferError> {
    let profile = store.profile(Critical);
    let idempotency = &store.collections().idempotency;
    let find = idempotency.find_one(doc! { "_id": id.to_document() }).time_limited(profile);
    let record = within(profile, find).await.map_err(|e| TransferError::Store(classify(e)))?;
    let Some(record) = record else {
        // Removed between the failed claim and this read: the key is free again.
        return Ok(Resolution::Expired);
    };
    let now = stored_time(Timestamp::now());
    if record.expires_at <= now {
        // Expired, but the TTL monitor (about once a minute) has not removed it yet.
        let clear = idempotency.delete_one(doc! { "_id": id.to_document(), "expires_at": { "$lte": now } });
        within(profile, clear).await.map_err(|e| TransferError::Store(classify(e)))?;
        return Ok(Resolution::Expired);
    }
    Ok(Resolution::Settled(judge(record, fingerprint)))
}

/// The answer a live `record` of the key gives to a request with `fingerprint`.
pub(super) fn judge(record: IdempotencyDoc, fingerprint: &str) -> Result<TransferOutcome, TransferError> {
    if record.fingerprint != fingerprint {
        return Err(TransferError::KeyReused);
    }
    match record.response {
        Some(response) => Transfer::try_from(response)
            .map(|transfer| TransferOutcome { transfer, replayed: true })
            .map_err(TransferError::Store),
        // Records are claimed with their response; one without is a claim written elsewhere whose
        // request has not finished.
        None => Err(TransferError::KeyInFlight),
    }
}
