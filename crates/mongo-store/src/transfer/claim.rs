//! What a taken idempotency key means for a transfer, judged by the shared keyed logic
//! ([`crate::keyed`]): a replay of the stored transfer, a key reused with another request, a
//! request still in flight, or a key free again after its record expired.

use domain::transfer::{Transfer, TransferOutcome};
use domain::{Timestamp, TransferError};

use crate::documents::{IdempotencyDoc, IdempotencyId, TransferDoc};
use crate::keyed::{self, Resolution};
use crate::store::MongoStore;

/// The answer to a transfer whose key is taken; `None` when the key turned out to be free (its
/// record expired) and the transfer may be tried again.
type Settled = Option<Result<TransferOutcome, TransferError>>;

/// Reads the record of `id` outside the failed transaction and judges it.
pub(super) async fn resolve(
    store: &MongoStore,
    id: &IdempotencyId,
    fingerprint: &str,
) -> Result<Settled, TransferError> {
    Ok(settle(keyed::resolve::<TransferDoc>(store, id, fingerprint).await?))
}

/// Judges a live `record` the transaction's read found.
pub(super) fn judge(record: IdempotencyDoc, fingerprint: &str) -> Result<Settled, TransferError> {
    Ok(settle(keyed::judge(record, fingerprint, Timestamp::now())?))
}

fn settle(resolution: Resolution<TransferDoc>) -> Settled {
    match resolution {
        Resolution::Replay(response) => Some(
            Transfer::try_from(response)
                .map(|transfer| TransferOutcome { transfer, replayed: true })
                .map_err(TransferError::Store),
        ),
        Resolution::Refused(conflict) => Some(Err(conflict.into())),
        Resolution::Free => None,
    }
}
