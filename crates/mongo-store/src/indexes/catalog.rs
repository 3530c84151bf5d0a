//! The shop's indexes and query shapes. A new query gets a shape here, and its index comes with
//! it; a shape's representative query is derived from its equality fields, sort and limit unless
//! it says its own (ranges, operators, aggregations), mirroring the query its code sends.
//!
//! Every index keeps the name servers already have (`.named`): the names the kit derives from
//! the keys (`category_1_price_minor_1__id_1`) differ, and a rename would drop and rebuild the
//! index in production. An index the shop adds from now on takes the derived name.

use std::time::Duration;

use mongo_kit::index;
use mongo_kit::indexes::{IndexSpec, QueryShape};

use super::representative::{
    PAGE, audit_by_subject_and_action, category_stats, ledger_sums, list, list_by_category, live_session,
    pending_migration, runs_of_migration,
};
use crate::collections::names::{AUDIT, FEEDS, IDEMPOTENCY_KEYS, LEDGER, PRODUCTS, SESSIONS, TRANSFERS, WALLETS};
use mongo_kit::migrate::{LEASES, RUNS};

/// Unique sku: products are upserted and conflict by sku.
pub(crate) const SKU_UNIQUE: IndexSpec =
    index!(PRODUCTS, { "sku": 1 }).named("sku_unique").unique().because("uniqueness of sku; upserts by sku");
const CATEGORY_PRICE_ID: IndexSpec =
    index!(PRODUCTS, { "category": 1, "price_minor": 1, "_id": 1 }).named("category_price_id");
const PRICE_ID: IndexSpec = index!(PRODUCTS, { "price_minor": 1, "_id": 1 }).named("price_id");
const SCHEMA_VERSION_ID: IndexSpec = index!(PRODUCTS, { "schema_version": 1, "_id": 1 }).named("schema_version_id");
const WALLET_ID_NEWEST: IndexSpec = index!(LEDGER, { "wallet_id": 1, "_id": -1 }).named("wallet_id_newest");
const SUBJECT_NEWEST: IndexSpec = index!(AUDIT, { "subject": 1, "_id": -1 }).named("subject_newest");
const ACTION_NEWEST: IndexSpec = index!(AUDIT, { "action": 1, "_id": -1 }).named("action_newest");
const MIGRATION_NEWEST: IndexSpec =
    index!(RUNS, { "migration": 1, "started_at": -1 }).named("migration_started_newest");
const STARTED_NEWEST: IndexSpec = index!(RUNS, { "started_at": -1 }).named("started_newest");

/// Indexes that enforce something about the data rather than serve a query.
pub const CONSTRAINTS: &[&IndexSpec] = &[
    &SKU_UNIQUE,
    &index!(SESSIONS, { "expires_at": 1 })
        .named("expires_at_ttl")
        .ttl(Duration::ZERO)
        .because("TTL removal of expired sessions"),
    &index!(IDEMPOTENCY_KEYS, { "expires_at": 1 })
        .named("expires_at_ttl")
        .ttl(Duration::ZERO)
        .because("TTL removal of idempotency records"),
];

/// Every query the store runs.
pub const SHAPES: &[QueryShape] = &[
    QueryShape::by_id("products.by_id", &IndexSpec::id(PRODUCTS))
        .filtered(&["version"])
        .used_by("products get, update (filters version), delete"),
    QueryShape::new("products.by_sku", &SKU_UNIQUE).equality(&["sku"]).limit(1).used_by("ingest upserts by sku"),
    QueryShape::new("products.list_by_category", &CATEGORY_PRICE_ID)
        .equality(&["category"])
        .sort(&[("price_minor", 1), ("_id", 1)])
        .range(&["price_minor", "_id"])
        .budget(2.0)
        .representative(list_by_category)
        .used_by("products list with a category"),
    QueryShape::new("products.list", &PRICE_ID)
        .sort(&[("price_minor", 1), ("_id", 1)])
        .range(&["price_minor", "_id"])
        .budget(2.0)
        .representative(list)
        .used_by("products list without a category"),
    QueryShape::new("products.category_stats", &CATEGORY_PRICE_ID)
        .equality(&["category"])
        .representative(category_stats)
        .used_by("products category_stats ($match, $group)"),
    QueryShape::new("products.pending_migration", &SCHEMA_VERSION_ID)
        .equality(&["schema_version"])
        .sort(&[("_id", 1)])
        .range(&["_id"])
        .representative(pending_migration)
        .used_by("migrate runner batches and pending counts"),
    QueryShape::by_id("wallets.by_id", &IndexSpec::id(WALLETS))
        .filtered(&["balance_minor", "version"])
        .used_by("wallet get and existence, transfer ($in, debit, credit), ledger repair"),
    QueryShape::new("wallets.in_id_order", &IndexSpec::id(WALLETS))
        .sort(&[("_id", 1)])
        .range(&["_id"])
        .limit(100)
        .used_by("ledger check batches"),
    QueryShape::new("ledger.by_wallet_newest", &WALLET_ID_NEWEST)
        .equality(&["wallet_id"])
        .sort(&[("_id", -1)])
        .range(&["_id"])
        .limit(PAGE)
        .used_by("wallet ledger pages"),
    // Several wallets at once: the server merges one index range per wallet (SORT_MERGE).
    QueryShape::new("ledger.sums_by_wallets", &WALLET_ID_NEWEST)
        .equality(&["wallet_id"])
        .sort(&[("_id", 1)])
        .representative(ledger_sums)
        .used_by("ledger check sums ($match $in, $sort, $group)"),
    QueryShape::by_id("transfers.by_id", &IndexSpec::id(TRANSFERS)).used_by("transfer get"),
    QueryShape::by_id("idempotency_keys.by_id", &IndexSpec::id(IDEMPOTENCY_KEYS))
        .filtered(&["expires_at"])
        .used_by("transfer key claim, stale-claim clearing, stored response"),
    QueryShape::new("audit.newest", &IndexSpec::id(AUDIT))
        .sort(&[("_id", -1)])
        .range(&["_id"])
        .limit(PAGE)
        .used_by("audit list without filters"),
    newest_audit("audit.by_subject", &SUBJECT_NEWEST, &["subject"]).used_by("audit list by subject"),
    newest_audit("audit.by_action", &ACTION_NEWEST, &["action"]).used_by("audit list by action"),
    newest_audit("audit.by_subject_and_action", &SUBJECT_NEWEST, &["subject"])
        .filtered(&["action"])
        .budget(10.0)
        .representative(audit_by_subject_and_action)
        .used_by("audit list by subject and action"),
    QueryShape::by_id("sessions.live_by_hash", &IndexSpec::id(SESSIONS))
        .filtered(&["expires_at"])
        .representative(live_session)
        .used_by("session find and delete"),
    QueryShape::by_id("feeds.by_user", &IndexSpec::id(FEEDS)).used_by("feed get and put (upsert)"),
    QueryShape::new("migration_runs.by_migration", &MIGRATION_NEWEST)
        .equality(&["migration"])
        .sort(&[("started_at", -1)])
        .filtered(&["state"])
        .budget(10.0)
        .representative(runs_of_migration)
        .used_by("migrate: the unfinished run, status by migration"),
    QueryShape::new("migration_runs.newest", &STARTED_NEWEST)
        .sort(&[("started_at", -1)])
        .limit(50)
        .used_by("migrate status of every migration"),
    QueryShape::by_id("migration_runs.by_id", &IndexSpec::id(RUNS)).used_by("migrate checkpoints and state changes"),
    QueryShape::by_id("migration_leases.by_scope", &IndexSpec::id(LEASES))
        .filtered(&["holder", "expires_at"])
        .used_by("migrate lease take, renew, release"),
];

/// An audit page: newest first, keyset on `_id`, 20 and one more.
const fn newest_audit(name: &'static str, index: &'static IndexSpec, equality: &'static [&'static str]) -> QueryShape {
    QueryShape::new(name, index).equality(equality).sort(&[("_id", -1)]).range(&["_id"]).limit(PAGE)
}
