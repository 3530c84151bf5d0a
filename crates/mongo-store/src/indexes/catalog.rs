//! The shop's indexes and query shapes. A new query gets a shape here, and its index comes with
//! it; the representative query of each shape mirrors the filter, sort and limit its code sends.

use std::time::Duration;

use super::representative::{
    audit_by_action, audit_by_subject, audit_by_subject_and_action, audit_newest, by_sample_id, category_stats,
    first_in_id_order, ledger_page, ledger_sums, list, list_by_category, live_session, newest_runs, pending_migration,
    runs_of_migration, sku,
};
use bson::Document;

use super::{IndexSpec, Probe, QueryShape};
use crate::collections::names;
use mongo_kit::migrate::{LEASES, RUNS};

/// Unique sku: products are upserted and conflict by sku.
pub(crate) const SKU_UNIQUE: IndexSpec =
    spec(names::PRODUCTS, "sku_unique", &[("sku", 1)], "uniqueness of sku; upserts by sku").unique();
const CATEGORY_PRICE_ID: IndexSpec = spec(
    names::PRODUCTS,
    "category_price_id",
    &[("category", 1), ("price_minor", 1), ("_id", 1)],
    "products.list_by_category, products.category_stats",
);
const PRICE_ID: IndexSpec =
    spec(names::PRODUCTS, "price_id", &[("price_minor", 1), ("_id", 1)], "products.list (no category)");
const SCHEMA_VERSION_ID: IndexSpec = spec(
    names::PRODUCTS,
    "schema_version_id",
    &[("schema_version", 1), ("_id", 1)],
    "products.pending_migration: migration batches and pending counts",
);
const WALLET_ID_NEWEST: IndexSpec = spec(
    names::LEDGER,
    "wallet_id_newest",
    &[("wallet_id", 1), ("_id", -1)],
    "ledger.by_wallet_newest, ledger.sums_by_wallets",
);
const SUBJECT_NEWEST: IndexSpec = spec(
    names::AUDIT,
    "subject_newest",
    &[("subject", 1), ("_id", -1)],
    "audit.by_subject, audit.by_subject_and_action",
);
const ACTION_NEWEST: IndexSpec = spec(names::AUDIT, "action_newest", &[("action", 1), ("_id", -1)], "audit.by_action");
const MIGRATION_NEWEST: IndexSpec =
    spec(RUNS, "migration_started_newest", &[("migration", 1), ("started_at", -1)], "migration_runs.by_migration");
const STARTED_NEWEST: IndexSpec = spec(RUNS, "started_newest", &[("started_at", -1)], "migration_runs.newest");

const PRODUCTS_ID: IndexSpec = IndexSpec::id(names::PRODUCTS);
const WALLETS_ID: IndexSpec = IndexSpec::id(names::WALLETS);
const TRANSFERS_ID: IndexSpec = IndexSpec::id(names::TRANSFERS);
const IDEMPOTENCY_ID: IndexSpec = IndexSpec::id(names::IDEMPOTENCY_KEYS);
const AUDIT_ID: IndexSpec = IndexSpec::id(names::AUDIT);
const SESSIONS_ID: IndexSpec = IndexSpec::id(names::SESSIONS);
const FEEDS_ID: IndexSpec = IndexSpec::id(names::FEEDS);
const RUNS_ID: IndexSpec = IndexSpec::id(RUNS);
const LEASES_ID: IndexSpec = IndexSpec::id(LEASES);

/// Indexes that enforce something about the data rather than serve a query.
pub const CONSTRAINTS: &[&IndexSpec] = &[
    &SKU_UNIQUE,
    &spec(names::SESSIONS, "expires_at_ttl", &[("expires_at", 1)], "TTL removal of expired sessions")
        .ttl(Duration::ZERO),
    &spec(names::IDEMPOTENCY_KEYS, "expires_at_ttl", &[("expires_at", 1)], "TTL removal of idempotency records")
        .ttl(Duration::ZERO),
];

/// Every query the store runs.
pub const SHAPES: &[QueryShape] = &[
    by_id(&PRODUCTS_ID, "products.by_id", "products get, update (filters version), delete", &["version"]),
    QueryShape {
        equality: &["sku"],
        representative: sku,
        ..base("products.by_sku", "ingest upserts by sku", &SKU_UNIQUE)
    },
    QueryShape {
        equality: &["category"],
        sort: &[("price_minor", 1), ("_id", 1)],
        range: &["price_minor", "_id"],
        budget: 2.0,
        representative: list_by_category,
        ..base("products.list_by_category", "products list with a category", &CATEGORY_PRICE_ID)
    },
    QueryShape {
        sort: &[("price_minor", 1), ("_id", 1)],
        range: &["price_minor", "_id"],
        budget: 2.0,
        representative: list,
        ..base("products.list", "products list without a category", &PRICE_ID)
    },
    QueryShape {
        equality: &["category"],
        representative: category_stats,
        ..base("products.category_stats", "products category_stats ($match, $group)", &CATEGORY_PRICE_ID)
    },
    QueryShape {
        equality: &["schema_version"],
        sort: &[("_id", 1)],
        range: &["_id"],
        representative: pending_migration,
        ..base("products.pending_migration", "migrate runner batches and pending counts", &SCHEMA_VERSION_ID)
    },
    by_id(
        &WALLETS_ID,
        "wallets.by_id",
        "wallet get and existence, transfer ($in, debit, credit), ledger repair",
        &["balance_minor", "version"],
    ),
    QueryShape {
        sort: &[("_id", 1)],
        range: &["_id"],
        representative: first_in_id_order,
        ..base("wallets.in_id_order", "ledger check batches", &WALLETS_ID)
    },
    QueryShape {
        equality: &["wallet_id"],
        sort: &[("_id", -1)],
        range: &["_id"],
        representative: ledger_page,
        ..base("ledger.by_wallet_newest", "wallet ledger pages", &WALLET_ID_NEWEST)
    },
    QueryShape {
        equality: &["wallet_id"],
        // Several wallets at once: the server merges one index range per wallet (SORT_MERGE).
        sort: &[("_id", 1)],
        representative: ledger_sums,
        ..base("ledger.sums_by_wallets", "ledger check sums ($match $in, $sort, $group)", &WALLET_ID_NEWEST)
    },
    by_id(&TRANSFERS_ID, "transfers.by_id", "transfer get", &[]),
    by_id(
        &IDEMPOTENCY_ID,
        "idempotency_keys.by_id",
        "transfer key claim, stale-claim clearing, stored response",
        &["expires_at"],
    ),
    QueryShape {
        sort: &[("_id", -1)],
        range: &["_id"],
        representative: audit_newest,
        ..base("audit.newest", "audit list without filters", &AUDIT_ID)
    },
    newest_by(&["subject"], &[], audit_by_subject, "audit.by_subject", "audit list by subject", &SUBJECT_NEWEST),
    newest_by(&["action"], &[], audit_by_action, "audit.by_action", "audit list by action", &ACTION_NEWEST),
    QueryShape {
        budget: 10.0,
        ..newest_by(
            &["subject"],
            &["action"],
            audit_by_subject_and_action,
            "audit.by_subject_and_action",
            "audit list by subject and action",
            &SUBJECT_NEWEST,
        )
    },
    QueryShape {
        filtered: &["expires_at"],
        representative: live_session,
        ..by_id(&SESSIONS_ID, "sessions.live_by_hash", "session find and delete", &[])
    },
    by_id(&FEEDS_ID, "feeds.by_user", "feed get and put (upsert)", &[]),
    QueryShape {
        equality: &["migration"],
        sort: &[("started_at", -1)],
        filtered: &["state"],
        budget: 10.0,
        representative: runs_of_migration,
        ..base("migration_runs.by_migration", "migrate: the unfinished run, status by migration", &MIGRATION_NEWEST)
    },
    QueryShape {
        sort: &[("started_at", -1)],
        representative: newest_runs,
        ..base("migration_runs.newest", "migrate status of every migration", &STARTED_NEWEST)
    },
    by_id(&RUNS_ID, "migration_runs.by_id", "migrate checkpoints and state changes", &[]),
    by_id(&LEASES_ID, "migration_leases.by_scope", "migrate lease take, renew, release", &["holder", "expires_at"]),
];

const fn spec(
    collection: &'static str,
    name: &'static str,
    keys: &'static [(&'static str, i32)],
    serves: &'static str,
) -> IndexSpec {
    IndexSpec::new(collection, name, keys, serves)
}

const fn base(name: &'static str, used_by: &'static str, index: &'static IndexSpec) -> QueryShape {
    QueryShape {
        name,
        collection: index.collection,
        used_by,
        equality: &[],
        sort: &[],
        range: &[],
        filtered: &[],
        index,
        budget: 1.0,
        representative: by_sample_id,
    }
}

const fn by_id(
    index: &'static IndexSpec,
    name: &'static str,
    used_by: &'static str,
    filtered: &'static [&'static str],
) -> QueryShape {
    QueryShape { equality: &["_id"], filtered, ..base(name, used_by, index) }
}

const fn newest_by(
    equality: &'static [&'static str],
    filtered: &'static [&'static str],
    representative: fn(&Document) -> Option<Probe>,
    name: &'static str,
    used_by: &'static str,
    index: &'static IndexSpec,
) -> QueryShape {
    QueryShape {
        equality,
        filtered,
        sort: &[("_id", -1)],
        range: &["_id"],
        representative,
        ..base(name, used_by, index)
    }
}
