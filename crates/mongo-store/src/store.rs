//! The store: one pooled client per process, prepared and probed at start-up, cheap to clone.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use bson::doc;
use domain::Repositories;
use domain::ports::Readiness;
use mongodb::{Client, Database};

use crate::collections::Collections;
use crate::collections::names;
use crate::config::MongoConfig;
use crate::schema;
use mongo_kit::config::redact_uri;
use mongo_kit::probe::{self, Topology, TransactionSupport};
use mongo_kit::profiles::{OperationClass, Profile, Profiles};
use mongo_kit::schema::SchemaReport;
use mongo_kit::time_limit::within;
use mongo_kit::{Error, Result};

/// The shop's ports on MongoDB. Clones share one client and its pool: create one per process
/// with [`MongoStore::connect`] and clone it wherever a port is needed.
#[derive(Clone)]
pub struct MongoStore {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    database: Database,
    profiles: Profiles,
    collections: Collections,
    report: StartupReport,
    transfers: crate::transfer::Settings,
    known: crate::transfer::Known,
    clock: mongo_kit::causal::CausalClock,
}

/// What start-up found, for the service's first log lines and for tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartupReport {
    /// The connection string with credentials redacted.
    pub uri: String,
    /// The database used.
    pub database: String,
    /// The deployment's topology, from `hello`.
    pub topology: Topology,
    /// The server's version, from `buildInfo`.
    pub server_version: Option<String>,
    /// The newest wire protocol version the server speaks.
    pub max_wire_version: Option<i32>,
    /// Whether the trial of the transfer transaction ran (its own read and writes, aborted).
    pub transactions: TransactionSupport,
    /// Whether the server keeps UUIDs (binary subtype 4) as written and finds documents by them.
    pub uuid_lookups: bool,
    /// What preparing collections, validators and indexes did.
    pub schema: SchemaReport,
}

impl fmt::Display for StartupReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let version = self.server_version.as_deref().unwrap_or("unknown");
        let wire = self.max_wire_version.map_or_else(|| "unknown".to_owned(), |v| v.to_string());
        write!(
            f,
            "MongoDB {} database {}: {}, server {version} (wire {wire}), ",
            self.uri, self.database, self.topology
        )?;
        match &self.transactions {
            TransactionSupport::Supported => f.write_str("transactions supported")?,
            TransactionSupport::Unsupported { .. } => f.write_str("transactions NOT supported")?,
        }
        if !self.uuid_lookups {
            f.write_str(", UUID ids NOT kept or matched")?;
        }
        write!(f, ", {} collections created, {} indexes ensured", self.schema.created.len(), self.schema.indexes)?;
        for warning in &self.schema.warnings {
            write!(f, "; warning: {warning}")?;
        }
        Ok(())
    }
}

/// What transfers answer where transactions do not run.
pub(crate) const TRANSACTIONS_UNSUPPORTED: &str = "this MongoDB deployment does not run transactions (a standalone \
     server?), so transfers are refused; start a replica set, e.g. docker compose -f docker/compose.yaml up -d";

impl MongoStore {
    /// Connects with `config`: builds the one client, pings, reads the topology, prepares
    /// collections, validators and indexes, and runs the transfer's own transaction as a trial that
    /// is aborted (so transfers are refused at once where any part of it fails). Logs the outcome
    /// with the URI redacted.
    ///
    /// # Errors
    /// [`Error::Config`] for a bad URI or a missing database name; [`Error::Connect`] when the
    /// server does not answer within the server-selection timeout or refuses the credentials;
    /// [`Error::Schema`] or [`Error::Driver`] when preparing the collections fails.
    pub async fn connect(config: MongoConfig) -> Result<Self> {
        let uri = redact_uri(&config.uri);
        let clock = mongo_kit::causal::CausalClock::default();
        let (options, database_name) = config.client_options(&clock).await?;
        let connect_error = |source| Error::Connect { uri: uri.clone(), source };
        let client = Client::with_options(options).map_err(connect_error)?;
        let database = client.database(&database_name);
        database.run_command(doc! { "ping": 1 }).await.map_err(connect_error)?;
        let server = probe::server_info(&database).await.map_err(connect_error)?;
        let schema = schema::ensure(&database, &config.profiles).await?;
        let collections = Collections::new(&database, &config.profiles);
        let mut transfers = crate::transfer::Settings::new(&config, server.max_wire_version);
        transfers.legacy_records = crate::keyed::legacy_records_present(&collections).await;
        let transactions = crate::transfer::trial(&client, &collections, &config.profiles, &transfers).await;
        let uuid_lookups = probe::uuid_lookups(&database, names::STARTUP_PROBE).await;
        let report = StartupReport {
            uri,
            database: database_name,
            topology: server.topology,
            server_version: server.version,
            max_wire_version: server.max_wire_version,
            transactions,
            uuid_lookups,
            schema,
        };
        log(&report);
        let known = crate::transfer::Known::default();
        let inner =
            Inner { client, database, profiles: config.client.profiles, collections, report, transfers, known, clock };
        Ok(Self { inner: Arc::new(inner) })
    }

    /// What start-up found.
    pub fn startup_report(&self) -> &StartupReport {
        &self.inner.report
    }

    /// Every port, served by this store.
    pub fn repositories(&self) -> Repositories {
        Repositories::from_store(self.clone())
    }

    /// Prepares collections, validators and indexes again (start-up already did); idempotent.
    ///
    /// # Errors
    /// As [`schema::ensure`].
    pub async fn ensure_schema(&self) -> Result<SchemaReport> {
        schema::ensure(&self.inner.database, &self.inner.profiles).await
    }

    /// Drops the whole database. For tests and throw-away environments only.
    ///
    /// # Errors
    /// [`Error::Driver`] when the server refuses.
    pub async fn drop_database(&self) -> Result<()> {
        Ok(self.inner.database.drop().await?)
    }

    /// The process's client, for building blocks beyond the shop's ports.
    pub fn client(&self) -> &Client {
        &self.inner.client
    }

    /// The database, for collections of your own: make handles with [`Profiles::collection`].
    pub fn database(&self) -> &Database {
        &self.inner.database
    }

    /// Closes the client at the end of the process: waits up to `grace` for operations in flight
    /// and open cursors and sessions, ends the server sessions and closes the pool; past `grace`,
    /// closes at once.
    pub async fn close(&self, grace: std::time::Duration) {
        let graceful = self.inner.client.clone().shutdown();
        if tokio::time::timeout(grace, graceful).await.is_err() {
            tracing::warn!(grace_ms = grace.as_millis(), "MongoDB operations still open at exit: closing at once");
            self.inner.client.clone().shutdown().immediate(true).await;
        }
    }

    /// The effective profiles.
    pub fn profiles(&self) -> &Profiles {
        &self.inner.profiles
    }

    pub(crate) fn profile(&self, class: OperationClass) -> &Profile {
        self.inner.profiles.get(class)
    }

    pub(crate) fn collections(&self) -> &Collections {
        &self.inner.collections
    }

    pub(crate) fn transfer_settings(&self) -> &crate::transfer::Settings {
        &self.inner.transfers
    }

    /// The wallets this store's transfers left behind (a guess, see `transfer::known`).
    pub(crate) fn known_wallets(&self) -> &crate::transfer::Known {
        &self.inner.known
    }

    /// The newest `operationTime` of this store's acknowledged writes: what reads from
    /// secondaries wait for.
    pub fn causal_clock(&self) -> &mongo_kit::causal::CausalClock {
        &self.inner.clock
    }

    /// A session for a read of `class`: causally consistent and advanced to this store's newest
    /// write when the class may read from secondaries, so the read sees this store's writes;
    /// `None` for classes that read from the primary, which see them anyway.
    pub(crate) async fn read_session(
        &self,
        class: OperationClass,
    ) -> mongodb::error::Result<Option<mongodb::ClientSession>> {
        if !self.profile(class).may_read_from_secondaries() {
            return Ok(None);
        }
        self.inner.clock.session(&self.inner.client).await.map(Some)
    }
}

impl fmt::Debug for MongoStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MongoStore").field("report", &self.inner.report).finish_non_exhaustive()
    }
}

fn log(report: &StartupReport) {
    tracing::info!(
        uri = %report.uri,
        database = %report.database,
        topology = %report.topology,
        server_version = report.server_version.as_deref().unwrap_or("unknown"),
        max_wire_version = report.max_wire_version,
        transactions = report.transactions.is_supported(),
        collections_created = report.schema.created.len(),
        indexes = report.schema.indexes,
        "connected to MongoDB"
    );
    for warning in &report.schema.warnings {
        tracing::warn!(database = %report.database, "{warning}");
    }
    if !report.uuid_lookups {
        tracing::warn!(
            "this server does not keep BSON binary subtype 4 (UUID) values as written or does not match them; \
             every id of this store is one, so lookups by id will fail: use MongoDB"
        );
    }
    if let TransactionSupport::Unsupported { reason } = &report.transactions {
        tracing::warn!(reason = %reason, "{TRANSACTIONS_UNSUPPORTED}");
    }
}

#[async_trait]
impl Readiness for MongoStore {
    async fn check(&self) -> domain::Result<()> {
        let ping = self.inner.database.run_command(doc! { "ping": 1 });
        match within(self.profile(OperationClass::Standard), ping).await {
            Ok(_) => Ok(()),
            // Whatever went wrong, the store cannot serve requests now.
            Err(error) => Err(domain::Error::Unavailable(match crate::classify::classify(error) {
                domain::Error::Unavailable(reason) => reason,
                other => other.to_string(),
            })),
        }
    }
}
