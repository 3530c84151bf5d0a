//! Which store serves the ports: the one place that decides it.
//!
//! Without `MONGODB_URI` the service runs on the in-memory store, and says so loudly: data kept
//! there is gone when the process exits, which must never come as a surprise in production.

use std::time::Duration;

use anyhow::Context as _;
use domain::Repositories;
use domain::idempotency::KeyLifetime;
use mongo_kit::probe::TransactionSupport;
use mongo_kit::profiles::Profiles;
use mongo_store::{MongoConfig, MongoStore};

use crate::cli::MongoArgs;

const MEMORY_BANNER: &str = "no MONGODB_URI: using the in-memory store; all data is lost at exit";

/// The ports, served by MongoDB when a URI is configured, else by the in-memory store.
///
/// # Errors
/// Fails when MongoDB is configured but cannot be used.
pub async fn connect(config: &MongoArgs) -> anyhow::Result<Repositories> {
    if config.uri.is_none() {
        tracing::warn!("{MEMORY_BANNER}");
        // Also on stderr, unfiltered: a log level or a JSON collector must not hide this.
        eprintln!("\n*** {MEMORY_BANNER} ***\n");
        return Ok(Repositories::from_store(memory_store::MemoryStore::with_key_lifetime(key_lifetime(config)?)));
    }
    connect_mongo(config).await
}

/// The ports and, when MongoDB serves them, the store to close at exit.
pub struct OpenStore {
    /// The ports.
    pub repos: Repositories,
    /// The MongoDB store behind them, if any.
    pub mongo: Option<MongoStore>,
}

impl OpenStore {
    /// Closes the MongoDB client (see [`MongoStore::close`]); nothing to do for the memory store.
    pub async fn close(self, grace: Duration) {
        if let Some(store) = self.mongo {
            store.close(grace).await;
        }
    }
}

/// Like [`connect`], keeping the MongoDB store so that the process can close its client.
///
/// # Errors
/// Fails when MongoDB is configured but cannot be used.
pub async fn open(config: &MongoArgs) -> anyhow::Result<OpenStore> {
    if config.uri.is_none() {
        return Ok(OpenStore { repos: connect(config).await?, mongo: None });
    }
    let store = connect_mongo_store(config).await?;
    Ok(OpenStore { repos: store.repositories(), mongo: Some(store) })
}

/// The ports served by MongoDB: one client for the whole process.
///
/// # Errors
/// Fails when the configuration is invalid or MongoDB cannot be reached or prepared.
pub async fn connect_mongo(config: &MongoArgs) -> anyhow::Result<Repositories> {
    Ok(connect_mongo_store(config).await?.repositories())
}

async fn connect_mongo_store(config: &MongoArgs) -> anyhow::Result<MongoStore> {
    let store = MongoStore::connect(mongo_config(config)?).await.context("connecting to MongoDB")?;
    if let TransactionSupport::Unsupported { reason } = &store.startup_report().transactions {
        // The service still serves everything else; transfers answer 501 with the same advice.
        tracing::warn!(%reason, "{}", "MongoDB cannot run transactions here: transfers are refused until it runs as a replica set (see docker/compose.yaml)");
    }
    Ok(store)
}

/// The store configuration these arguments describe.
///
/// # Errors
/// Fails without a URI, or when a profile override is malformed or breaks a guardrail.
pub fn mongo_config(args: &MongoArgs) -> anyhow::Result<MongoConfig> {
    let uri = args.uri.clone().context("MONGODB_URI is not set")?;
    let mut config = MongoConfig::new(uri);
    config.database = args.db.clone();
    config.profiles = profiles(args)?;
    if let Some(max) = args.max_pool_size {
        config.max_pool_size = max;
    }
    if let Some(min) = args.min_pool_size {
        config.min_pool_size = min;
    }
    if let Some(ms) = args.connect_timeout_ms {
        config.connect_timeout = Duration::from_millis(ms);
    }
    if let Some(ms) = args.server_selection_timeout_ms {
        config.server_selection_timeout = Duration::from_millis(ms);
    }
    if let Some(ms) = args.slow_ms {
        config.slow_operation_threshold = (ms > 0).then(|| Duration::from_millis(ms));
    }
    config.key_lifetime = key_lifetime(args)?;
    config.client_bulk_write = !args.one_command_per_write;
    Ok(config)
}

/// How long either store keeps idempotency keys: `--idempotency-ttl-seconds`, else a day.
fn key_lifetime(args: &MongoArgs) -> anyhow::Result<KeyLifetime> {
    match args.idempotency_ttl_seconds {
        Some(seconds) => KeyLifetime::from_seconds(seconds).context("--idempotency-ttl-seconds"),
        None => Ok(KeyLifetime::DEFAULT),
    }
}

fn profiles(args: &MongoArgs) -> anyhow::Result<Profiles> {
    let entries: Vec<&str> = args.profiles.iter().map(String::as_str).filter(|e| !e.trim().is_empty()).collect();
    Profiles::with_overrides(&entries).context("applying consistency profile overrides")
}

/// Prints the effective consistency profile of each operation class (defaults with the
/// configured overrides applied), as a table or with `--json` as an array of rows. Needs no
/// server.
///
/// # Errors
/// Fails when a profile override is malformed or breaks a guardrail.
pub fn print_profiles(args: &crate::cli::ProfilesArgs) -> anyhow::Result<()> {
    let profiles = profiles(&args.mongo)?;
    let uses = mongo_store::collections::uses();
    args.output.print(&profiles.rows(&uses), profiles.render_table(&uses))
}

/// The bulk ingestion port of the configured store: MongoDB on `path` (by default the best the
/// server supports), else the in-memory store, announced as such.
///
/// # Errors
/// Fails when MongoDB is configured but cannot be used.
pub async fn connect_ingest(
    config: &MongoArgs,
    path: Option<mongo_kit::bulk::WritePath>,
) -> anyhow::Result<crate::ingest::Target> {
    if config.uri.is_none() {
        eprintln!("\n*** {MEMORY_BANNER} ***\n");
        let port = std::sync::Arc::new(memory_store::MemoryStore::new());
        return Ok(crate::ingest::Target { port, description: "in-memory store".to_owned(), counts_commands: false });
    }
    let store = MongoStore::connect(mongo_config(config)?).await.context("connecting to MongoDB")?;
    let ingest = match path {
        Some(path) => mongo_store::ingest::MongoIngest::with_path(store, path),
        None => mongo_store::ingest::MongoIngest::new(store, false),
    };
    let description = format!("MongoDB, {}", ingest.write_path().name());
    Ok(crate::ingest::Target { port: std::sync::Arc::new(ingest), description, counts_commands: true })
}
