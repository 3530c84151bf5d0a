//! What every keyed operation shares: reading a taken key's record and judging it with
//! `domain`'s decision table (replay, key reused, in flight, expired), and the keyed create
//! (`create`): one transaction that claims the key with the created document as its stored
//! response and inserts the document, so the two commit together.
//!
//! Transfers and creates claim keys the same way, optimistically: the claim is an insert into
//! the idempotency collection inside the operation's transaction, so a taken key shows as a
//! duplicate key (the server has aborted the transaction by then) and its record is read outside
//! it ([`resolve`]). A transfer also reads the record first, inside its transaction, and judges
//! it the same way ([`judge`]).

pub(crate) mod create;

use bson::doc;
use domain::Timestamp;
use domain::idempotency::{Decision, KeyConflict, decide};
use serde::de::DeserializeOwned;

use crate::classify::classify;
use crate::documents::{IdempotencyDoc, IdempotencyId, stored_time};
use crate::profiles::OperationClass::Critical;
use crate::store::MongoStore;
use crate::time_limit::{TimeLimited as _, within};

/// How many times a keyed operation starts a new transaction after its key was found held by
/// an expired record (or, for transfers, a wallet changed between the read and the write).
pub(crate) const ROUNDS: usize = 8;

/// What a taken key means for a request.
#[derive(Debug)]
pub(crate) enum Resolution<R> {
    /// The same request completed: its stored response.
    Replay(R),
    /// The key is held by another request, or by one in flight.
    Refused(KeyConflict),
    /// The record had expired (it has been removed, or is gone): the request may be applied.
    Free,
}

/// The answer a `record` of the key gives a request with `fingerprint` at `now`.
pub(crate) fn judge<R>(record: IdempotencyDoc<R>, fingerprint: &str, now: Timestamp) -> domain::Result<Resolution<R>> {
    Ok(match decide(Some(record.to_record()?), fingerprint, now) {
        Decision::Replay(response) => Resolution::Replay(response),
        Decision::Refuse(conflict) => Resolution::Refused(conflict),
        Decision::Apply | Decision::ClearThenApply => Resolution::Free,
    })
}

/// Reads and judges the record of `id` after a claim met a duplicate key (majority read on the
/// primary, so a committed claim is seen). An expired record is removed first, only if it is
/// still expired, since the TTL monitor (about once a minute) may not have removed it yet.
///
/// # Errors
/// The classified driver error of the read or the removal.
pub(crate) async fn resolve<R>(
    store: &MongoStore,
    id: &IdempotencyId,
    fingerprint: &str,
) -> domain::Result<Resolution<R>>
where
    R: DeserializeOwned + Send + Sync + Unpin,
{
    let profile = store.profile(Critical);
    let records = store.collections().idempotency.clone_with_type::<IdempotencyDoc<R>>();
    let find = records.find_one(doc! { "_id": id.to_document() }).time_limited(profile);
    let Some(record) = within(profile, find).await.map_err(classify)? else {
        // Removed between the failed claim and this read: the key is free again.
        return Ok(Resolution::Free);
    };
    let now = Timestamp::now();
    let resolution = judge(record, fingerprint, now)?;
    if matches!(resolution, Resolution::Free) {
        let clear = records.delete_one(doc! { "_id": id.to_document(), "expires_at": { "$lte": stored_time(now) } });
        within(profile, clear).await.map_err(classify)?;
    }
    Ok(resolution)
}
