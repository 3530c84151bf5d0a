//! `orders`: the shop's API and the orders API in one process. `MONGODB_URI` set: both on
//! MongoDB (the orders in their own collections of the same database); unset: both in memory.

use std::sync::Arc;

use anyhow::Context as _;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber_init();
    let bind: std::net::SocketAddr = std::env::var("ORDERS_BIND")
        .unwrap_or_else(|_| "127.0.0.1:8081".to_owned())
        .parse()
        .context("ORDERS_BIND is not an address such as 127.0.0.1:8081")?;
    // One authentication for both APIs, as `shop serve` applies it (SHOP_API_KEYS): the orders'
    // routes need the scopes their table names (`orders::http::ROUTES`).
    let keys = shop::keys::load(&std::env::var(shop::keys::API_KEYS_SETTING).unwrap_or_default())?;
    let authentication = shop::keys::for_bind(keys, bind)?;
    let (repos, book): (domain::Repositories, Arc<dyn orders::book::OrderBook>) = match std::env::var("MONGODB_URI") {
        Ok(uri) => {
            let store = mongo_store::MongoStore::connect(mongo_store::MongoConfig::new(uri.clone()))
                .await
                .context("starting the shop's store")?;
            let book = orders::mongo::MongoBook::connect(&mongo_kit::config::ClientConfig::new(uri))
                .await
                .context("starting the orders book")?;
            (store.repositories(), Arc::new(book))
        }
        Err(_) => {
            eprintln!("MONGODB_URI is not set: the shop and the orders run in memory; data is lost at exit");
            (
                domain::Repositories::from_store(memory_store::MemoryStore::new()),
                Arc::new(orders::book::MemoryBook::default()),
            )
        }
    };
    let settings = app::HttpSettings::default();
    let orders = orders::http::router(book, &settings, authentication.clone());
    let service = app::router(app::AppState::new(repos, settings, authentication)).merge(orders);
    let listener = tokio::net::TcpListener::bind(bind).await.with_context(|| format!("binding {bind}"))?;
    eprintln!("serving the shop's /v1 and the orders' {} on {bind}", orders::http::PREFIX);
    // The shop's server, not `axum::serve`: the same connection limits (header and idle time-outs,
    // a cap on connections) guard the orders' routes too.
    app::server::serve_router(listener, service, app::server::shutdown_signal(), app::server::Settings::default())
        .await?;
    Ok(())
}

/// Logs to stderr, filtered by `RUST_LOG` (default `info`).
fn tracing_subscriber_init() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
}
