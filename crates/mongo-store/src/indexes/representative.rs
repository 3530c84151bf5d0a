//! Representative queries: each shape's filter, sort and limit as its code sends them, with
//! values taken from a sample document of the collection (the newest by `_id`), so the audit
//! asks the server about data that exists. Shapes whose query is a `find` of their equality
//! fields, sort and limit need none here: the kit derives theirs.

use bson::{Bson, Document, doc};

use mongo_kit::indexes::Probe;

/// A page of 20 plus the one extra item that shows whether another page exists.
pub(super) const PAGE: i64 = 21;

/// The migration runner's default batch size.
const BATCH: i64 = 500;

fn value(sample: &Document, field: &str) -> Option<Bson> {
    sample.get(field).cloned()
}

fn find(filter: Document, sort: Option<Document>, limit: Option<i64>) -> Option<Probe> {
    Some(Probe::Find { filter, sort, limit })
}

fn ascending_by_price() -> Option<Document> {
    Some(doc! { "price_minor": 1, "_id": 1 })
}

pub(super) fn list_by_category(sample: &Document) -> Option<Probe> {
    let clauses = [doc! { "category": value(sample, "category")? }, doc! { "price_minor": { "$gte": 0_i64 } }];
    find(doc! { "$and": clauses.to_vec() }, ascending_by_price(), Some(PAGE))
}

pub(super) fn list(_: &Document) -> Option<Probe> {
    find(doc! { "$and": [{ "price_minor": { "$gte": 0_i64 } }] }, ascending_by_price(), Some(PAGE))
}

pub(super) fn category_stats(sample: &Document) -> Option<Probe> {
    Some(Probe::Aggregate { pipeline: crate::repos::products::stats_pipeline(value(sample, "category")?) })
}

pub(super) fn pending_migration(sample: &Document) -> Option<Probe> {
    // A runner looks for documents still at the previous version: usually few or none.
    let current = match value(sample, "schema_version")? {
        Bson::Int32(version) => i64::from(version),
        Bson::Int64(version) => version,
        _ => return None,
    };
    find(doc! { "schema_version": current - 1 }, Some(doc! { "_id": 1 }), Some(BATCH))
}

pub(super) fn ledger_sums(sample: &Document) -> Option<Probe> {
    Some(Probe::Aggregate { pipeline: crate::ledger_check::sums::pipeline(vec![value(sample, "wallet_id")?]) })
}

pub(super) fn audit_by_subject_and_action(sample: &Document) -> Option<Probe> {
    // The action is tested on the documents the subject's index range finds, so both are sent.
    let filter = doc! { "subject": value(sample, "subject")?, "action": value(sample, "action")? };
    find(filter, Some(doc! { "_id": -1 }), Some(PAGE))
}

pub(super) fn live_session(sample: &Document) -> Option<Probe> {
    let filter = doc! { "_id": value(sample, "_id")?, "expires_at": { "$gt": bson::DateTime::now() } };
    find(filter, None, Some(1))
}

pub(super) fn runs_of_migration(sample: &Document) -> Option<Probe> {
    let filter = doc! { "migration": value(sample, "migration")?, "state": { "$ne": "completed" } };
    find(filter, Some(doc! { "started_at": -1 }), Some(1))
}
