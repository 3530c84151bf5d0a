//! Collection names and the typed handles the repositories use, each created once with the
//! profile of the class that uses it.

use bson::Document;
use mongodb::Database;

use crate::classify::DomainErrors;
use crate::documents::{AuditDoc, FeedDoc, IdempotencyDoc, LedgerDoc, ProductDoc, SessionDoc, TransferDoc, WalletDoc};
use mongo_kit::profiles::{Classed, OperationClass, Profiles, Use};

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

/// Declares the shop's handles once: each field's collection, class and users give the
/// [`Collections`] struct, its constructor, and [`Collections::USES`], the declarations the
/// profile table's "used by" column is derived from.
macro_rules! handles {
    ($($(#[$doc:meta])* $field:ident: $doc_type:ty = ($collection:expr, $class:ident, $by:literal)),* $(,)?) => {
        /// The handles of the shop's repositories, each with its class's profile, reporting failures
        /// as `domain::Error`.
        #[derive(Debug, Clone)]
        pub struct Collections {
            $($(#[$doc])* pub $field: Classed<$doc_type, DomainErrors>,)*
        }

        impl Collections {
            /// Every declared handle of the repositories.
            pub const USES: &[Use] = &[$(Use { collection: $collection, class: OperationClass::$class, by: $by }),*];

            /// Every handle, with its class's profile.
            pub fn new(database: &Database, profiles: &Profiles) -> Self {
                Self {
                    $($field: Classed::open(
                        database,
                        profiles,
                        Use { collection: $collection, class: OperationClass::$class, by: $by },
                    ),)*
                }
            }
        }
    };
}

handles! {
    /// Products, standard class.
    products: ProductDoc = (names::PRODUCTS, Standard, "ProductRepository"),
    /// Products for statistics, analytics class.
    product_stats: Document = (names::PRODUCTS, Analytics, "ProductRepository::category_stats"),
    /// Wallets, critical class.
    wallets: WalletDoc = (names::WALLETS, Critical, "WalletRepository"),
    /// Ledger entries, critical class.
    ledger: LedgerDoc = (names::LEDGER, Critical, "WalletRepository::transfer, ledger"),
    /// Transfers, critical class.
    transfers: TransferDoc = (names::TRANSFERS, Critical, "WalletRepository::transfer, get_transfer"),
    /// Idempotency records, critical class.
    idempotency: IdempotencyDoc = (names::IDEMPOTENCY_KEYS, Critical, "keyed operations"),
    /// Audit events, critical class.
    audit: AuditDoc = (names::AUDIT, Critical, "AuditLog"),
    /// Sessions, standard class.
    sessions: SessionDoc = (names::SESSIONS, Standard, "SessionRepository"),
    /// Feeds, feed class.
    feeds: FeedDoc = (names::FEEDS, Feed, "FeedRepository"),
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
                .map(|migration| Use {
                    collection: migration.collection,
                    class: OperationClass::Bulk,
                    by: "shop migrate up",
                })
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let audit = Use { collection: names::AUDIT, class: OperationClass::Critical, by: "shop migrate up (events)" };
    let mut uses = Collections::USES.to_vec();
    uses.push(crate::ingest::INGEST);
    uses.extend(crate::ledger_check::USES);
    uses.extend(mongo_kit::migrate::USES);
    uses.extend(migrated);
    uses.push(audit);
    uses
}
