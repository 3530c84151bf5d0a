//! Round trip 1: one read, inside the transaction, of both wallets and any record of the key: an
//! `aggregate` on wallets whose `$lookup` joins the key's record from the idempotency collection.
//!
//! Why this shape: MongoDB refuses `$unionWith` (and `$out`, `$merge`, ...) inside a transaction
//! with `OperationNotSupportedInTransaction` ("Transactions and Operations" in the manual), but
//! allows `$lookup`, so one command still reads both collections in the transaction's snapshot.
//! The sub-pipeline is uncorrelated (it names the key, not a wallet field), so the server runs it
//! once and hands each wallet the same array. On a sharded cluster MongoDB refuses a `$lookup`
//! whose `from` collection is sharded inside a transaction: the idempotency collection stays
//! unsharded (see ARCHITECTURE.md); the wallets collection may be sharded.
//!
//! When neither wallet exists the pipeline returns nothing, the key's record included; only then
//! is the record read on its own (a `find` in the same transaction), so that a reused key is
//! still told apart from an unknown wallet.

use bson::{Bson, Document, doc};
use futures::TryStreamExt as _;
use mongodb::ClientSession;
use mongodb::error::Result;

use super::Plan;
use crate::documents::{IdempotencyDoc, WalletDoc, stored_uuid};
use mongo_kit::time_limit::TimeLimited as _;

/// The field the joined record travels in, removed before a wallet is decoded. Wallet fields
/// never start with an underscore besides `_id`.
const JOINED: &str = "_key_record";

/// What the transaction sees at its start.
pub(super) struct Snapshot {
    /// The wallets found (zero, one or both).
    pub(super) wallets: Vec<WalletDoc>,
    /// The record of the key, if one exists (expired or not).
    pub(super) record: Option<IdempotencyDoc>,
}

/// The pipeline: the two wallets, each with the key's record (if any) joined in [`JOINED`].
pub(super) fn pipeline(plan: &Plan) -> Vec<Document> {
    let ids = [stored_uuid(plan.command.from().as_uuid()), stored_uuid(plan.command.to().as_uuid())];
    let records = plan.collections.idempotency.name();
    vec![
        doc! { "$match": { "_id": { "$in": ids.as_slice() } } },
        doc! { "$lookup": {
            "from": records,
            "pipeline": [ { "$match": crate::keyed::record_filter(&plan.record.id, plan.legacy_records) } ],
            "as": JOINED,
        } },
    ]
}

/// Whether a stored record names its caller (written since keys were bound to callers).
fn has_principal(record: &Document) -> bool {
    record.get_document("_id").is_ok_and(|id| id.contains_key("principal"))
}

/// Reads the snapshot of `plan` in `session`.
pub(super) async fn snapshot(session: &mut ClientSession, plan: &Plan) -> Result<Snapshot> {
    let (wallets, records) = (&plan.collections.wallets, &plan.collections.idempotency);
    let documents: Vec<Document> = wallets
        .run(async {
            let aggregate = wallets.aggregate(pipeline(plan)).time_limited(wallets.profile());
            let mut cursor = aggregate.session(&mut *session).await?;
            cursor.stream(&mut *session).try_collect().await
        })
        .await?;
    let mut snapshot = Snapshot { wallets: Vec::with_capacity(2), record: None };
    for mut document in documents {
        if let Some(Bson::Array(joined)) = document.remove(JOINED) {
            // The record of this caller's key comes first; a legacy one (no principal) only
            // when there is none.
            let mut records = joined.into_iter().filter_map(|record| match record {
                Bson::Document(record) => Some(record),
                _ => None,
            });
            let (first, second) = (records.next(), records.next());
            let chosen = match (first, second) {
                (Some(a), Some(b)) if !has_principal(&a) => Some(b),
                (first, _) => first,
            };
            if let Some(record) = chosen {
                snapshot.record = Some(bson::deserialize_from_document(record)?);
            }
        }
        snapshot.wallets.push(bson::deserialize_from_document(document)?);
    }
    if snapshot.wallets.is_empty() {
        let filter = crate::keyed::record_filter(&plan.record.id, plan.legacy_records);
        let find = records.find(filter).sort(doc! { "_id.principal": -1 }).limit(1).time_limited(records.profile());
        let found: Vec<IdempotencyDoc> = records
            .run(async {
                let mut cursor = find.session(&mut *session).await?;
                cursor.stream(&mut *session).try_collect().await
            })
            .await?;
        snapshot.record = found.into_iter().next();
    }
    Ok(snapshot)
}
