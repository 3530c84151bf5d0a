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

use mongo_kit::exactly_once::GaveUp;

use domain::Timestamp;
use domain::idempotency::{Decision, KeyConflict, decide};
use serde::de::DeserializeOwned;

use crate::documents::{IdempotencyDoc, IdempotencyId};
use crate::store::MongoStore;
use mongo_kit::profiles::OperationClass::Critical;

/// How many times a keyed operation starts a new transaction after its key was found held by
/// an expired record (or, for transfers, a wallet changed between the read and the write).
pub(crate) use mongo_kit::exactly_once::ROUNDS;

/// The port's error once the budget is spent: after conflicts, concurrent requests on the same
/// key or data kept the operation from committing, so nothing was applied and the client should
/// retry with the same key ([`domain::Error::KeyInFlight`]); else the store is unavailable.
pub(crate) fn gave_up(why: GaveUp) -> domain::Error {
    match why {
        GaveUp::Conflicts => domain::Error::KeyInFlight,
        GaveUp::Transient { attempts } => domain::Error::Unavailable(format!(
            "the operation failed transiently {attempts} times within its time budget"
        )),
    }
}

/// [`gave_up`] as a transfer's error.
pub(crate) fn gave_up_transfer(why: GaveUp) -> domain::TransferError {
    match gave_up(why) {
        domain::Error::KeyInFlight => domain::TransferError::KeyInFlight,
        other => domain::TransferError::Store(other),
    }
}

/// [`judge`] in the kit runner's shape: the domain's decision table decides for the shop.
pub(crate) fn kit_judge<R>(
    record: IdempotencyDoc<R>,
    fingerprint: &str,
    now: bson::DateTime,
) -> domain::Result<mongo_kit::exactly_once::Verdict<R>> {
    use mongo_kit::exactly_once::{Refusal, Verdict};
    let now = crate::documents::read_time("clock", "now", now)?;
    Ok(match judge(record, fingerprint, now)? {
        Resolution::Replay(response) => Verdict::Replay(response),
        Resolution::Refused(KeyConflict::Reused) => Verdict::Refused(Refusal::Reused),
        Resolution::Refused(KeyConflict::InFlight) => Verdict::Refused(Refusal::InFlight),
        Resolution::Free => Verdict::Free,
    })
}

/// Whether the idempotency collection still holds records written before keys were bound to
/// their caller (an `_id` without `principal`); checked once at start-up. Such records live at
/// most one key lifetime, so a restart after that finds none and skips the extra reads. The
/// lookup is bounded by the critical class's time limit (it may scan the collection); when it
/// cannot tell, legacy records are assumed, which costs reads, never a double apply.
pub(crate) async fn legacy_records_present(collections: &crate::collections::Collections) -> bool {
    use mongo_kit::time_limit::TimeLimited as _;
    let records = &collections.idempotency;
    let raw = records.clone_with_type::<bson::Document>();
    let filter = bson::doc! { "_id.principal": { "$exists": false } };
    let find = raw.find_one(filter).projection(bson::doc! { "_id": 1 }).time_limited(records.profile());
    match records.run(find).await {
        Ok(found) => found.is_some(),
        Err(error) => {
            tracing::warn!(%error, "could not tell whether idempotency records without a caller remain; reading them too");
            true
        }
    }
}

/// The `$match` selecting the record of `id`, and also its legacy record when `legacy` is set.
pub(crate) fn record_filter(id: &IdempotencyId, legacy: bool) -> bson::Document {
    if legacy {
        bson::doc! { "_id": { "$in": [id.to_document(), id.legacy().to_document()] } }
    } else {
        bson::doc! { "_id": id.to_document() }
    }
}

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
    Ok(match decide(Some(crate::documents::to_record(record)?), fingerprint, now) {
        Decision::Replay(response) => Resolution::Replay(response),
        Decision::Refuse(conflict) => Resolution::Refused(conflict),
        Decision::Apply | Decision::ClearThenApply => Resolution::Free,
    })
}

/// Reads and judges the record of `id` after a claim met a duplicate key, with the domain's
/// decision table: the kit's [`mongo_kit::exactly_once::resolve`] on the shop's idempotency
/// collection and critical profile.
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
    use mongo_kit::exactly_once::{Refusal, Verdict};
    let records = store.collections().idempotency.clone_with_type::<IdempotencyDoc<R>>();
    let verdict = mongo_kit::exactly_once::resolve(&records, store.profile(Critical), id, fingerprint, kit_judge)
        .await
        .map_err(crate::classify::to_domain)??;
    Ok(match verdict {
        Verdict::Replay(response) => Resolution::Replay(response),
        Verdict::Refused(Refusal::Reused) => Resolution::Refused(KeyConflict::Reused),
        Verdict::Refused(Refusal::InFlight) => Resolution::Refused(KeyConflict::InFlight),
        Verdict::Free => Resolution::Free,
    })
}
