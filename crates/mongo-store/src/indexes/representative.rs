//! Representative queries: each shape's filter, sort and limit as its code sends them, with
//! values taken from a sample document of the collection (the newest by `_id`), so the audit
//! asks the server about data that exists.

use bson::{Bson, Document, doc};

use super::Probe;

/// A page of 20 plus the one extra item that shows whether another page exists.
const PAGE: i64 = 21;

/// The migration runner's default batch size.
const BATCH: i64 = 500;

fn value(sample: &Document, field: &str) -> Option<Bson> {
    sample.get(field).cloned()
}

fn find(filter: Document, sort: Option<Document>, limit: Option<i64>) -> Option<Probe> {
    Some(Probe::Find { filter, sort, limit })
}

pub(super) fn by_sample_id(sample: &Document) -> Option<Probe> {
    find(doc! { "_id": value(sample, "_id")? }, None, Some(1))
}

pub(super) fn sku(sample: &Document) -> Option<Probe> {
    // Ingest's upsert filter: the sku alone (its update pipeline decides whether anything changes).
    find(doc! { "sku": value(sample, "sku")? }, None, Some(1))
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

pub(super) fn first_in_id_order(_: &Document) -> Option<Probe> {
    find(doc! {}, Some(doc! { "_id": 1 }), Some(100))
}

pub(super) fn ledger_page(sample: &Document) -> Option<Probe> {
    find(doc! { "wallet_id": value(sample, "wallet_id")? }, Some(doc! { "_id": -1 }), Some(PAGE))
}

pub(super) fn ledger_sums(sample: &Document) -> Option<Probe> {
    Some(Probe::Aggregate { pipeline: crate::ledger_check::sums::pipeline(vec![value(sample, "wallet_id")?]) })
}

pub(super) fn audit_newest(_: &Document) -> Option<Probe> {
    find(doc! {}, Some(doc! { "_id": -1 }), Some(PAGE))
}

fn audit_page(sample: &Document, fields: &[&str]) -> Option<Probe> {
    let mut filter = Document::new();
    for field in fields {
        filter.insert(*field, value(sample, field)?);
    }
    find(filter, Some(doc! { "_id": -1 }), Some(PAGE))
}

pub(super) fn audit_by_subject(sample: &Document) -> Option<Probe> {
    audit_page(sample, &["subject"])
}

pub(super) fn audit_by_action(sample: &Document) -> Option<Probe> {
    audit_page(sample, &["action"])
}

pub(super) fn audit_by_subject_and_action(sample: &Document) -> Option<Probe> {
    audit_page(sample, &["subject", "action"])
}

pub(super) fn live_session(sample: &Document) -> Option<Probe> {
    let filter = doc! { "_id": value(sample, "_id")?, "expires_at": { "$gt": bson::DateTime::now() } };
    find(filter, None, Some(1))
}

pub(super) fn runs_of_migration(sample: &Document) -> Option<Probe> {
    let filter = doc! { "migration": value(sample, "migration")?, "state": { "$ne": "completed" } };
    find(filter, Some(doc! { "started_at": -1 }), Some(1))
}

pub(super) fn newest_runs(_: &Document) -> Option<Probe> {
    find(doc! {}, Some(doc! { "started_at": -1 }), Some(50))
}
