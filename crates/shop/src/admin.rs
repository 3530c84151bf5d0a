//! Admin commands on the MongoDB store: `shop migrate` (schema migrations) and `shop ledger`
//! (balances recomputed from the ledger). Both need `MONGODB_URI`: the in-memory store has no
//! stored layouts to migrate and no history to check.
//!
//! # Layout
//! - `args`: the command-line options.
//! - `migrate`: `shop migrate status` and `shop migrate up`, with progress and the final report.
//! - `ledger`: `shop ledger verify` and `shop ledger repair`.
//! - `indexes`: `shop indexes plan|apply|audit|compare`: the query-shape registry against the server.

pub(crate) mod args;
pub mod indexes;
pub mod ledger;
pub mod migrate;

use anyhow::Context as _;
use mongo_store::MongoStore;

use crate::cli::MongoArgs;

/// The MongoDB store for an admin command, or a clear error when no MongoDB is configured.
///
/// # Errors
/// No `MONGODB_URI`, an invalid configuration, or a server that cannot be reached.
pub async fn connect(command: &str, args: &MongoArgs) -> anyhow::Result<MongoStore> {
    if args.uri.is_none() {
        anyhow::bail!(
            "shop {command} works on MongoDB only: set MONGODB_URI (or --mongodb-uri) to the deployment to work on"
        );
    }
    let config = crate::store::mongo_config(args)?;
    MongoStore::connect(config).await.context("connecting to MongoDB")
}

/// Who runs an admin command, for leases, changelogs and audit events: `$SHOP_OPERATOR`, else
/// the user and host.
pub fn operator() -> String {
    if let Ok(operator) = std::env::var("SHOP_OPERATOR")
        && !operator.trim().is_empty()
    {
        return operator.trim().to_owned();
    }
    let user = std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "unknown".to_owned());
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "unknown-host".to_owned());
    format!("{user}@{host}:{}", std::process::id())
}
