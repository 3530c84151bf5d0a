//! Round trip 1: one read, inside the transaction, of both wallets and any record of the key: an
//! `aggregate` on wallets with `$unionWith` on the idempotency records.

use bson::{Bson, Document, doc};
use futures::TryStreamExt as _;
use mongodb::ClientSession;
use mongodb::error::Result;

use super::Plan;
use crate::documents::{IdempotencyDoc, WalletDoc, stored_uuid};
use crate::time_limit::{TimeLimited as _, within};

/// What the transaction sees at its start.
pub(super) struct Snapshot {
    /// The wallets found (zero, one or both).
    pub(super) wallets: Vec<WalletDoc>,
    /// The record of the key, if one exists (expired or not).
    pub(super) record: Option<IdempotencyDoc>,
}

/// The pipeline: the two wallets, then the key's record. Wallet ids are UUIDs and a record's id
/// is a document, so the results tell themselves apart.
pub(super) fn pipeline(plan: &Plan) -> Vec<Document> {
    let ids = [stored_uuid(plan.command.from().as_uuid()), stored_uuid(plan.command.to().as_uuid())];
    let records = plan.collections.idempotency.name();
    vec![
        doc! { "$match": { "_id": { "$in": ids.as_slice() } } },
        doc! { "$unionWith": { "coll": records, "pipeline": [ { "$match": plan.record.id_filter() } ] } },
    ]
}

/// Reads the snapshot of `plan` in `session`.
pub(super) async fn snapshot(session: &mut ClientSession, plan: &Plan) -> Result<Snapshot> {
    let profile = &plan.profile;
    let documents: Vec<Document> = within(profile, async {
        let mut cursor =
            plan.collections.wallets.aggregate(pipeline(plan)).time_limited(profile).session(&mut *session).await?;
        cursor.stream(&mut *session).try_collect().await
    })
    .await?;
    let mut snapshot = Snapshot { wallets: Vec::with_capacity(2), record: None };
    for document in documents {
        if matches!(document.get("_id"), Some(Bson::Document(_))) {
            snapshot.record = Some(bson::deserialize_from_document(document)?);
        } else {
            snapshot.wallets.push(bson::deserialize_from_document(document)?);
        }
    }
    Ok(snapshot)
}
