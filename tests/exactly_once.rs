//! Exactly-once transfers proven under injected faults, concurrency and a round-trip budget.
//!
//! - `abandoned`: a request that gives up while its transaction is open ends it at once.
//! - `faults`: through the fault proxy on MongoDB: write conflicts, lost commit replies, client
//!   retries after a cut, non-transient errors, duplicate keys, a spent budget.
//! - `remembered`: transfers that skip their read on remembered wallets write the stored
//!   balances when another process changed a wallet since.
//! - `round_trips`: commands per fresh transfer and per replay, on both write paths.
//! - `keyed_creates`: a keyed product create whose commit reply is lost, answered by the retry
//!   with the same key; its round trips, fresh and replayed.
//! - `trial`: the start-up trial runs the transfer's own commands and refuses transfers where the
//!   server refuses any of them.
//! - `http`: the same scenarios as the contract suite's concurrency tests, end to end over HTTP:
//!   201 or 409, never a 5xx.

mod abandoned;
mod faults;
mod http;
mod keyed_creates;
mod remembered;
mod round_trips;
mod trial;

use domain::transfer::{IdempotencyKey, RequestMeta, TransferCommand};
use domain::wallet::{NewWallet, Owner};
use domain::{Currency, Money, Repositories, Timestamp, WalletId};
use mongo_kit_test::proxy::FaultProxy;
use mongo_kit_test::skip::skip;
use mongo_store::{MongoConfig, MongoStore};

use crate::support::mongo::UUID_LOOKUPS_MISSING;

/// A MongoDB store whose every connection goes through a fault proxy.
pub struct Proxied {
    /// The store, on a database of its own.
    pub store: MongoStore,
    /// Its ports.
    pub repos: Repositories,
    /// The proxy between it and the server.
    pub proxy: FaultProxy,
}

/// Which transfer write path a store is configured for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WritePath {
    /// One client-level `bulkWrite` where the server has it.
    Bulk,
    /// One command per write.
    Commands,
}

/// A store behind a fresh proxy, or `None` after printing why the test cannot run here.
pub async fn proxied(test: &str, path: WritePath) -> Option<Proxied> {
    let configure = |config: &mut MongoConfig| config.client_bulk_write = path == WritePath::Bulk;
    let (store, proxy) = crate::support::proxied::connect(test, Vec::new(), configure).await?;
    let missing = if !store.startup_report().uuid_lookups {
        Some(UUID_LOOKUPS_MISSING)
    } else if !store.startup_report().transactions.is_supported() {
        Some("the server runs no transactions (a standalone server?)")
    } else {
        None
    };
    if let Some(reason) = missing {
        let _ = store.drop_database().await;
        skip(test, reason);
        return None;
    }
    Some(Proxied { repos: store.repositories(), store, proxy })
}

impl Proxied {
    /// Whether the server speaks client-level `bulkWrite` (wire version 25 and up).
    pub fn has_client_bulk_write(&self) -> bool {
        self.store.startup_report().max_wire_version.unwrap_or(0) >= mongo_kit::probe::CLIENT_BULK_WRITE_WIRE_VERSION
    }

    /// `Some(self)` when the server speaks client-level `bulkWrite`; else prints why `test` is
    /// skipped, drops the database and returns `None`.
    pub async fn with_client_bulk_write(self, test: &str) -> Option<Self> {
        if self.has_client_bulk_write() {
            return Some(self);
        }
        skip(test, "the server predates client-level bulkWrite (wire version below 25)");
        self.finish().await;
        None
    }

    /// The command carrying a transfer's first write: the `bulkWrite`, or the claim's `insert`.
    pub fn first_write(&self, path: WritePath) -> &'static str {
        if path == WritePath::Bulk && self.has_client_bulk_write() { "bulkWrite" } else { "insert" }
    }

    /// Drops the test's database.
    pub async fn finish(self) {
        self.proxy.clear();
        if let Err(error) = self.store.drop_database().await {
            eprintln!("could not drop test database: {error}");
        }
    }
}

/// The commands sent (driver command events) while `first` and then `second` ran, with their
/// outputs: `((first, commands), (second, commands))`.
pub async fn commands_of<T>(first: impl Future<Output = T>, second: impl Future<Output = T>) -> ((T, u64), (T, u64)) {
    use mongo_kit::telemetry::commands_started;
    let before = commands_started();
    let first = first.await;
    let between = commands_started();
    let second = second.await;
    let after = commands_started();
    ((first, between - before), (second, after - between))
}

/// Opens a euro wallet holding `balance_minor`.
pub async fn open(repos: &Repositories, balance_minor: i64) -> WalletId {
    let wallet = NewWallet {
        owner: Owner::parse("Grace Hopper").expect("a valid owner"),
        opening_balance: Money::new("opening_balance", balance_minor, eur()).expect("a valid balance"),
    }
    .into_wallet(Timestamp::now());
    repos.wallets.create(wallet, &crate::contract::fixtures::meta()).await.expect("open a wallet").id
}

/// Euros.
pub fn eur() -> Currency {
    Currency::parse("EUR").expect("a valid currency")
}

/// A transfer of `amount_minor` euro cents.
pub fn euros(from: WalletId, to: WalletId, amount_minor: i64) -> TransferCommand {
    TransferCommand::new(from, to, amount_minor, eur()).expect("a valid command")
}

/// A key never used before.
pub fn fresh_key() -> IdempotencyKey {
    IdempotencyKey::parse(&uuid::Uuid::new_v4().to_string()).expect("a valid key")
}

/// The metadata of a test request.
pub fn meta() -> RequestMeta {
    RequestMeta::of_principal("tests", uuid::Uuid::new_v4().to_string())
}

/// The current balance of `wallet`.
pub async fn balance(repos: &Repositories, wallet: WalletId) -> i64 {
    repos.wallets.get(wallet).await.expect("read a wallet").balance_minor
}

/// How many ledger entries `wallet` has (one page: these tests write a handful).
pub async fn ledger_len(repos: &Repositories, wallet: WalletId) -> usize {
    let query = domain::wallet::LedgerQuery {
        wallet_id: wallet,
        limit: domain::PageLimit::new(domain::PageLimit::MAX).expect("a valid limit"),
        after: None,
    };
    let page = repos.wallets.ledger(&query).await.expect("read a ledger");
    assert!(page.next_cursor.is_none(), "more ledger entries than one page");
    page.items.len()
}

/// How many audit events name transfer `id`.
pub async fn audit_events(repos: &Repositories, id: domain::TransferId) -> usize {
    let subject = domain::audit::AuditSubject::of("transfer", id);
    let query = domain::audit::AuditQuery {
        subject: Some(subject),
        limit: domain::PageLimit::new(domain::PageLimit::MAX).expect("a valid limit"),
        ..domain::audit::AuditQuery::default()
    };
    repos.audit.list(&query).await.expect("list audit events").items.len()
}
