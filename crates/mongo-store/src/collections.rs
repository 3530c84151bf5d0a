//! Collection names and the typed handles the repositories use, each created once with the
//! profile of the class that uses it.

use bson::Document;
use mongodb::Database;

use crate::classify::DomainErrors;
use crate::documents::{AuditDoc, FeedDoc, IdempotencyDoc, LedgerDoc, ProductDoc, SessionDoc, TransferDoc, WalletDoc};
use mongo_kit::profiles::{Classed, Profiles, Use};

/// The shop's collection names.
pub mod names {
    /// Products.
    pub const PRODUCTS: &str = "products";
    /// Wallets.
    pub const WALLETS: &str = "wallets";
    /// Ledger entries, one per side of a transfer.
    pub const LEDGER: &str = "ledger";
    /// Transfers.
    pub const TRANSFERS: &str = "transfers";
    /// Idempotency records.
    pub const IDEMPOTENCY_KEYS: &str = "idempotency_keys";
    /// The audit log.
    pub const AUDIT: &str = "audit";
    /// Sessions.
    pub const SESSIONS: &str = "sessions";
    /// Feeds.
    pub const FEEDS: &str = "feeds";
    /// Scratch documents of start-up probes (never holds data).
    pub const STARTUP_PROBE: &str = "startup_probe";

    /// Every collection start-up prepares.
    pub const ALL: [&str; 9] =
        [PRODUCTS, WALLETS, LEDGER, TRANSFERS, IDEMPOTENCY_KEYS, AUDIT, SESSIONS, FEEDS, STARTUP_PROBE];
}

/// Declares the shop's handles once: each field's document type and declaration (collection,
/// class, users) give the [`Collections`] struct, its constructor, and [`Collections::USES`], the
/// declarations the profile table's "used by" column is derived from.
macro_rules! handles {
    ($($(#[$doc:meta])* $field:ident: $doc_type:ty = $declared:expr),* $(,)?) => {
        /// The handles of the shop's repositories, each with its class's profile, reporting failures
        /// as `domain::Error`.
        #[derive(Debug, Clone)]
        pub struct Collections {
            $($(#[$doc])* pub $field: Classed<$doc_type, DomainErrors>,)*
        }

        impl Collections {
            /// Every declared handle of the repositories.
            pub const USES: &[Use] = &[$($declared),*];

            /// Every handle, with its class's profile.
            pub fn new(database: &Database, profiles: &Profiles) -> Self {
                Self { $($field: $declared.open(database, profiles),)* }
            }
        }
    };
}

handles! {
    /// Products, standard class.
    products: ProductDoc = Use::standard(names::PRODUCTS).by("ProductRepository"),
    /// Products for statistics, analytics class.
    product_stats: Document = Use::analytics(names::PRODUCTS).by("ProductRepository::category_stats"),
    /// Wallets, critical class.
    wallets: WalletDoc = Use::critical(names::WALLETS).by("WalletRepository"),
    /// Ledger entries, critical class.
    ledger: LedgerDoc = Use::critical(names::LEDGER).by("WalletRepository::transfer, ledger"),
    /// Transfers, critical class.
    transfers: TransferDoc = Use::critical(names::TRANSFERS).by("WalletRepository::transfer, get_transfer"),
    /// Idempotency records, critical class.
    idempotency: IdempotencyDoc = Use::critical(names::IDEMPOTENCY_KEYS).by("keyed operations"),
    /// Audit events, critical class.
    audit: AuditDoc = Use::critical(names::AUDIT).by("AuditLog"),
    /// Sessions, standard class.
    sessions: SessionDoc = Use::standard(names::SESSIONS).by("SessionRepository"),
    /// Feeds, feed class.
    feeds: FeedDoc = Use::feed(names::FEEDS).by("FeedRepository"),
}

/// Every handle the shop opens, with its class and users: the repositories' handles, ingestion,
/// the ledger check, the migration runner's own collections and the shop's migrations (their
/// collections on the bulk class, their events in the audit log). The profile table's "used by"
/// column is rendered from this list.
pub fn uses() -> Vec<Use> {
    let migrated = crate::migrations::shop()
        .map(|registry| {
            registry
                .migrations()
                .iter()
                .map(|migration| Use::bulk(migration.collection).by("shop migrate up"))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let audit = Use::critical(names::AUDIT).by("shop migrate up (events)");
    let mut uses = Collections::USES.to_vec();
    uses.push(crate::ingest::INGEST);
    uses.extend(crate::ledger_check::USES);
    uses.extend(mongo_kit::migrate::USES);
    uses.extend(migrated);
    uses.push(audit);
    uses
}
