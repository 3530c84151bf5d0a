//! Stores whose every connection goes through a fresh [`FaultProxy`], with the proxy's rules in
//! place before the store connects (so start-up itself can meet a fault).

use mongo_kit_test::proxy::{self, FaultProxy, Rule};
use mongo_kit_test::server::database_name;
use mongo_store::{MongoConfig, MongoStore};

/// A store on a fresh database behind a fresh proxy that already holds `rules`, configured by
/// `configure`; `None` after printing why the test cannot run here.
pub async fn connect(
    test: &str,
    rules: Vec<Rule>,
    configure: impl FnOnce(&mut MongoConfig),
) -> Option<(MongoStore, FaultProxy)> {
    let (proxy, uri) = proxy::start_or_skip(test).await?;
    for rule in rules {
        proxy.add(rule);
    }
    let mut config = MongoConfig::new(uri).with_database(database_name());
    configure(&mut config);
    let store = MongoStore::connect(config).await.expect("connect through the proxy");
    Some((store, proxy))
}
