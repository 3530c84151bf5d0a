//! Stores whose every connection goes through a fresh [`FaultProxy`], with the proxy's rules in
//! place before the store connects (so start-up itself can meet a fault).

use mongo_store::{MongoConfig, MongoStore};

use super::mongo::{database_name, uri_or_skip};
use super::proxy::{self, FaultProxy, Rule};
use super::skip::skip;

/// A store on a fresh database behind a fresh proxy that already holds `rules`, configured by
/// `configure`; `None` after printing why the test cannot run here.
pub async fn connect(
    test: &str,
    rules: Vec<Rule>,
    configure: impl FnOnce(&mut MongoConfig),
) -> Option<(MongoStore, FaultProxy)> {
    let uri = uri_or_skip(test).await?;
    let Some(upstream) = proxy::upstream(&uri) else {
        skip(test, "the MongoDB URI names several hosts or an SRV record; the fault proxy stands in for one host");
        return None;
    };
    let proxy = FaultProxy::start(&upstream).await;
    for rule in rules {
        proxy.add(rule);
    }
    let uri = proxy::through(&uri, proxy.address).expect("a single-host URI points at the proxy");
    let mut config = MongoConfig::new(uri).with_database(database_name());
    configure(&mut config);
    let store = MongoStore::connect(config).await.expect("connect through the proxy");
    Some((store, proxy))
}
