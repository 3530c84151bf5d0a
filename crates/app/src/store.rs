//! Which store serves the ports: the one place that decides it.
//!
//! Without `MONGODB_URI` the service runs on the in-memory store, and says so loudly: data kept
//! there is gone when the process exits, which must never come as a surprise in production.

use anyhow::bail;
use domain::Repositories;

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
        return Ok(Repositories::from_store(memory_store::MemoryStore::new()));
    }
    connect_mongo(config).await
}

/// The ports served by MongoDB.
///
/// # Errors
/// Fails when the MongoDB store cannot be created.
pub async fn connect_mongo(config: &MongoArgs) -> anyhow::Result<Repositories> {
    let _ = config;
    bail!("MongoDB support is not wired in yet")
}

/// Prints the effective consistency profile of each operation class.
///
/// # Errors
/// Fails when the profiles cannot be built from the configuration.
pub fn print_profiles(config: &MongoArgs) -> anyhow::Result<()> {
    let _ = config;
    bail!("MongoDB support is not wired in yet")
}
