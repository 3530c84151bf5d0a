//! The shop's configuration: the kit's [`ClientConfig`] (URI, database, pool, timeouts,
//! profiles, slow-operation log) and the settings of the shop's exactly-once operations.

use std::ops::{Deref, DerefMut};

use domain::idempotency::KeyLifetime;
use mongo_kit::config::ClientConfig;

/// How to reach MongoDB and how the shop uses it. Reads and writes of the client settings go
/// through to [`ClientConfig`] (`config.profiles`, `config.max_pool_size`, ...).
#[derive(Debug, Clone)]
pub struct MongoConfig {
    /// The client settings every service on the kit has.
    pub client: ClientConfig,
    /// How long an idempotency record (and so a client's right to replay) is kept; the TTL index
    /// removes it after that. A request sent again later is applied as new. The same value
    /// configures the in-memory store (`memory_store::MemoryStore::with_key_lifetime`).
    pub key_lifetime: KeyLifetime,
    /// Whether transfers send their writes as one client-level `bulkWrite` where the server has
    /// it (wire version 25 and up); `false` sends one command per write, as on older servers.
    pub client_bulk_write: bool,
}

impl MongoConfig {
    /// A configuration for `uri` with the kit's defaults for one service instance (see
    /// [`ClientConfig::new`]), idempotency keys kept for the domain's default lifetime, and client
    /// `bulkWrite` where available.
    pub fn new(uri: impl Into<String>) -> Self {
        let mut client = ClientConfig::new(uri);
        client.app_name = "mongo-store".to_owned();
        Self { client, key_lifetime: KeyLifetime::DEFAULT, client_bulk_write: true }
    }

    /// This configuration with `database` as the database, whatever the URI says.
    #[must_use]
    pub fn with_database(mut self, database: impl Into<String>) -> Self {
        self.client = self.client.with_database(database);
        self
    }
}

impl Deref for MongoConfig {
    type Target = ClientConfig;

    fn deref(&self) -> &ClientConfig {
        &self.client
    }
}

impl DerefMut for MongoConfig {
    fn deref_mut(&mut self) -> &mut ClientConfig {
        &mut self.client
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_shop_names_itself_to_the_server_and_keeps_the_client_settings() {
        let mut config = MongoConfig::new("mongodb://localhost/shop");
        config.max_pool_size = 7;

        let (options, database) =
            config.client_options(&mongo_kit::causal::CausalClock::default()).await.expect("valid options");

        assert_eq!(database, "shop");
        assert_eq!(options.max_pool_size, Some(7));
        assert_eq!(options.app_name.as_deref(), Some("mongo-store"));
        assert!(config.client_bulk_write);
    }
}
