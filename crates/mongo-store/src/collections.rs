//! Collection names and the typed handles the repositories use, each created once with the
//! profile of the class that uses it.

use bson::Document;
use mongodb::{Collection, Database};

use crate::documents::{AuditDoc, FeedDoc, IdempotencyDoc, LedgerDoc, ProductDoc, SessionDoc, TransferDoc, WalletDoc};
use crate::profiles::{OperationClass, Profiles};

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

impl Profiles {
    /// A handle on `name` in `database` whose operations inherit `class`'s write concern, read
    /// concern and read preference: the way every collection handle of this crate is made.
    pub fn collection<T: Send + Sync>(&self, database: &Database, name: &str, class: OperationClass) -> Collection<T> {
        database.collection_with_options(name, self.get(class).collection_options())
    }
}

/// The handles of the shop's repositories.
#[derive(Debug, Clone)]
pub struct Collections {
    /// Products, standard class.
    pub products: Collection<ProductDoc>,
    /// Products for statistics, analytics class.
    pub product_stats: Collection<Document>,
    /// Wallets, critical class.
    pub wallets: Collection<WalletDoc>,
    /// Ledger entries, critical class.
    pub ledger: Collection<LedgerDoc>,
    /// Transfers, critical class.
    pub transfers: Collection<TransferDoc>,
    /// Idempotency records, critical class.
    pub idempotency: Collection<IdempotencyDoc>,
    /// Audit events, critical class.
    pub audit: Collection<AuditDoc>,
    /// Sessions, standard class.
    pub sessions: Collection<SessionDoc>,
    /// Feeds, feed class.
    pub feeds: Collection<FeedDoc>,
}

impl Collections {
    /// Every handle, with its class's profile.
    pub fn new(database: &Database, profiles: &Profiles) -> Self {
        use OperationClass::{Analytics, Critical, Feed, Standard};
        Self {
            products: profiles.collection(database, names::PRODUCTS, Standard),
            product_stats: profiles.collection(database, names::PRODUCTS, Analytics),
            wallets: profiles.collection(database, names::WALLETS, Critical),
            ledger: profiles.collection(database, names::LEDGER, Critical),
            transfers: profiles.collection(database, names::TRANSFERS, Critical),
            idempotency: profiles.collection(database, names::IDEMPOTENCY_KEYS, Critical),
            audit: profiles.collection(database, names::AUDIT, Critical),
            sessions: profiles.collection(database, names::SESSIONS, Standard),
            feeds: profiles.collection(database, names::FEEDS, Feed),
        }
    }
}
